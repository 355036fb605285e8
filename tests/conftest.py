"""Shared fixtures: small plans built from YAML text."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
from pathlib import Path

import pandas as pd
import pytest

pytest.register_assert_rewrite("store_fixtures", "servers")

from okrkit.frames import conform  # noqa: E402
from okrkit.plan import parse_plan  # noqa: E402

# the store fixtures (SQLite and the PostgreSQL server started by .ci/run), local test
# servers, and nbval over the notebooks with the expected outputs in tests/notebooks/
# (tests/README.md)
pytest_plugins = ["store_fixtures", "servers", "nbval_pins"]

CV_SAMPLE = """period: 2025-Q4
objectives:
  - {id: OPS-1, title: Achieve operational excellence, level: business_unit,
     team: operations-bu, owner: COO}
  - id: VIS-1
    title: Launch computer vision defect detection system in production
    parent: OPS-1
    team: vision
    owner: Computer Vision Lead
    key_results:
      - {id: VIS-1.1, title: Achieve >= 95% defect detection accuracy, unit: "%",
         direction: increase, baseline: 88, target: 95}
      - {id: VIS-1.2, title: Process 500+ images per hour, unit: images/hour,
         direction: increase, baseline: 100, target: 500}
      - {id: VIS-1.3, title: Reduce false positive rate to < 5%, unit: "%",
         direction: decrease, baseline: 12, target: 5}
      - {id: VIS-1.4, title: Run defect detection on 3 production lines, unit: lines,
         direction: increase, baseline: 0, target: 3}
"""
CV_ACTUALS = {"VIS-1.1": 96, "VIS-1.2": 425, "VIS-1.3": 6.5, "VIS-1.4": 1}


@pytest.fixture
def cv_plan():
    return parse_plan(CV_SAMPLE)


@pytest.fixture
def cv_checkins() -> pd.DataFrame:
    return checkins_frame([(k, "2025-12-19", v) for k, v in CV_ACTUALS.items()])


def checkins_frame(rows, **extra) -> pd.DataFrame:
    """Check-ins from (kr_id, date, value[, confidence[, status]]) tuples."""
    recs = []
    for r in rows:
        rec = {"kr_id": r[0], "date": dt.date.fromisoformat(r[1]), "value": float(r[2])}
        if len(r) > 3:
            rec["confidence"] = r[3]
        if len(r) > 4:
            rec["status"] = r[4]
        recs.append({**rec, **extra})
    return conform(pd.DataFrame(recs), "checkins")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under ``CI=true`` nothing may skip: a skip there hides a missing install."""
    outcome = yield
    rep = outcome.get_result()
    if os.environ.get("CI", "").lower() in ("true", "1") and rep.skipped and not hasattr(
        rep, "wasxfail"
    ):
        rep.outcome = "failed"
        reason = rep.longrepr[2] if isinstance(rep.longrepr, tuple) else str(rep.longrepr)
        rep.longrepr = f"skipped under CI=true (nothing may skip in CI): {reason}"


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with the sample data (data/) loaded once per session."""
    from okrkit.sample import load_sample
    from okrkit.store import open_store

    path = tmp_path_factory.mktemp("sample") / "okr.db"
    with open_store(f"sqlite:///{path}") as store:
        load_sample(store, Path(__file__).resolve().parents[1] / "data")
    return path


@pytest.fixture
def sample_url(sample_db: Path, tmp_path: Path) -> str:
    """The URL of a private copy of the sample store: each test may write to it."""
    path = tmp_path / "okr.db"
    shutil.copy(sample_db, path)
    return f"sqlite:///{path}"


@pytest.fixture
def sample_store(sample_url: str):
    """The private copy of the sample store, open."""
    from okrkit.store import open_store

    with open_store(sample_url) as store:
        yield store


def jupyter_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment with private JUPYTER_* and IPython folders under ``tmp_path``."""
    env = dict(os.environ, JUPYTER_PLATFORM_DIRS="1", IPYTHONDIR=str(tmp_path / "ipython"))
    for name in ("CONFIG", "DATA", "RUNTIME"):
        d = tmp_path / f"jupyter-{name.lower()}"
        d.mkdir(exist_ok=True)
        env[f"JUPYTER_{name}_DIR"] = str(d)
    env.update(extra)
    return env


def stop_group(proc: subprocess.Popen) -> None:
    """Stop a server started with ``start_new_session=True`` and its children, by PID."""
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def good_draft(period: str = "2026-Q1", team: str = "bots") -> dict:
    """A valid planning-workshop draft: 3 objectives under CS-1, 3 key results each."""
    from okrkit.drafts import blank_draft, blank_key_result, blank_objective

    draft = blank_draft(period, team)
    for n in (1, 2, 3):
        o = blank_objective(f"B-{n}", team)
        o.update(title=f"Delight customers with assistant number {'I' * n}", owner="PM",
                 parent="CS-1")
        for m in (1, 2, 3):
            k = blank_key_result(f"B-{n}.{m}")
            k.update(title=f"Customer satisfaction of flow {m}", unit="%", baseline="60",
                     target="80", owner="PM")
            o["key_results"].append(k)
        draft["objectives"].append(o)
    return draft


# Two teams: A (team x, weight 2) has its own KR A.1 and a child C (team y); B (team x).
TEAMS_PLAN = """period: 2026-Q1
objectives:
  - id: A
    title: Grow <b>usage</b>
    level: team
    team: x
    owner: Lead X
    kind: committed
    weight: 2
    key_results:
      - {id: A.1, title: Users, unit: users, direction: increase, baseline: 0, target: 100}
  - id: B
    title: Be fast
    level: team
    team: x
    owner: Lead X
    key_results:
      - {id: B.1, title: Latency, unit: s, direction: decrease, baseline: 10, target: 0}
  - id: C
    title: Launch languages
    level: project
    parent: A
    team: y
    owner: Lead Y
    key_results:
      - {id: C.1, title: Languages, unit: languages, direction: increase, baseline: 0,
         target: 10}
"""
TEAMS_CHECKINS = [
    ("A.1", "2026-01-10", 20.0, 0.8),  # before the month: A.1 = 0.2
    ("A.1", "2026-02-10", 50.0, 0.8),  # now: 0.5
    ("B.1", "2026-01-05", 8.0, 0.8),  # before: 0.2
    ("B.1", "2026-02-01", 2.0, 0.8),  # now: 0.8
    ("C.1", "2026-02-05", 10.0, 0.8),  # now: 1.0 (before: no check-in, 0)
]


@pytest.fixture
def teams_plan():
    """:data:`TEAMS_PLAN` parsed."""
    return parse_plan(TEAMS_PLAN)


@pytest.fixture
def teams_checkins() -> pd.DataFrame:
    """:data:`TEAMS_CHECKINS` as a check-in frame."""
    return checkins_frame(TEAMS_CHECKINS)


# One team, three key results: rising, falling, a threshold.
SHIP_PLAN = """period: 2026-Q1
objectives:
  - id: T-1
    title: Ship the thing
    level: team
    team: t
    owner: Lead
    key_results:
      - {id: T-1.1, title: Users, unit: users, direction: increase, baseline: 0, target: 100}
      - {id: T-1.2, title: Latency, unit: ms, direction: decrease, baseline: 500, target: 100}
      - {id: T-1.3, title: Uptime, unit: "%", direction: at_least, target: 99}
"""


def checkin_rows(rows) -> pd.DataFrame:
    """Raw check-ins from (kr_id, date[, value, confidence, status, note, blockers,
    achievements]) tuples (dates as date objects; nothing validated)."""
    cols = ["kr_id", "date", "value", "confidence", "status", "note", "blockers",
            "achievements"]
    out = pd.DataFrame([dict(zip(cols, r, strict=False)) for r in rows])
    out["date"] = [dt.date.fromisoformat(d) for d in out["date"]]
    return out


# A plan whose every text is markup: reports and apps must show it as text.
EVIL_PLAN = """period: 2026-Q2
objectives:
  - id: EV-1
    title: <script>alert(1)</script> Delight customers
    team: evil
    owner: <img src=x onerror=alert(2)>
    key_results:
      - {id: EV-1.1, title: "Reach <b onmouseover=alert(3)>90%</b> CSAT", unit: "%",
         direction: increase, baseline: 60, target: 90}
      - {id: EV-1.2, title: "Cut wait </td></tr></table><script>x()</script>", unit: min,
         direction: decrease, baseline: 10, target: 2}
      - {id: EV-1.3, title: "Answer 500 chats", unit: chats, direction: increase,
         baseline: 100, target: 500}
"""


def one_objective_plan(key_results: list[str], period: str = "2026-Q1", team: str = "t",
                       cadence_days: int | None = None):
    """A plan of one objective ``O`` (team ``team``) holding ``key_results`` (flow-style
    YAML mappings, one a line)."""
    head = f"period: {period}\n" + (f"cadence_days: {cadence_days}\n" if cadence_days else "")
    body = "".join(f"      - {k}\n" for k in key_results)
    return parse_plan(f"{head}objectives:\n  - id: O\n    title: O\n    team: {team}\n"
                      f"    owner: x\n    key_results:\n{body}")

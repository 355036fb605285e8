"""The okrkit command line: real subprocess-free runs through typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from okrkit.cli import app
from okrkit.store import open_store

CORPUS = Path(__file__).parent / "corpus"
DATA = Path(__file__).resolve().parent.parent / "data"
runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


def test_score_json_is_stable(tmp_path: Path) -> None:
    ck = tmp_path / "ck.csv"
    ck.write_text(
        "kr_id,date,value,confidence\nBOT-1.1,2026-02-06,80,0.8\nBOT-1.2,2026-02-06,5,0.6\n"
    )
    code, out, err = run(
        "score",
        str(CORPUS / "base.yaml"),
        "--checkins",
        str(ck),
        "--as-of",
        "2026-02-13",
        "--format",
        "json",
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["period"] == "2026-Q1" and data["as_of"] == "2026-02-13"
    kr = {k["kr_id"]: k for k in data["key_results"]}
    assert kr["BOT-1.1"]["progress"] == pytest.approx((80 - 65) / (90 - 65))
    assert kr["BOT-1.2"]["progress"] == pytest.approx((5 - 8) / (2 - 8))
    for col in ("kr_id", "objective_id", "progress", "score", "band", "expected", "pace", "status"):
        assert col in kr["BOT-1.1"]
    assert {o["objective_id"] for o in data["objectives"]} == {"CS-1", "BOT-1"}


def test_score_csv_has_contract_columns() -> None:
    code, out, err = run(
        "score", str(CORPUS / "base.yaml"), "--as-of", "2026-02-13", "--format", "csv"
    )
    assert code == 0, err
    header = out.splitlines()[0].split(",")
    assert header[:2] == ["kr_id", "objective_id"]
    assert {"progress", "score", "band", "expected", "pace", "status"} <= set(header)


def test_bad_input_exits_2_without_traceback(tmp_path: Path) -> None:
    for name in (
        "unknown_key.yaml",
        "python_tag.yaml",
        "empty.yaml",
        "not_utf8.yaml",
        "parent_cycle.yaml",
    ):
        code, out, err = run("score", str(CORPUS / name))
        assert code == 2, (name, out, err)
        assert "Traceback" not in err + out
        assert str(CORPUS / name) in err


def test_bad_checkins_exit_2(tmp_path: Path) -> None:
    code, _, err = run(
        "score", str(CORPUS / "base.yaml"), "--checkins", str(CORPUS / "checkins_unknown_kr.csv")
    )
    assert code == 2 and "line 3" in err and "kr_id" in err and "Traceback" not in err


def test_lint_reports_findings_on_a_bad_plan(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "period: 2026-Q1\nobjectives:\n  - id: A\n    title: '95%'\n    team: t\n"
        "    key_results:\n      - {id: A.1, title: Attend 10 training sessions,"
        " direction: increase, baseline: 0, target: 10}\n"
    )
    code, out, err = run("lint", str(bad))
    assert code == 1, out + err
    text = out.lower()
    assert "activit" in text  # activity-worded KR
    assert "owner" in text  # missing owner
    assert "unit" in text  # not measurable: no unit


def test_import_export_round_trip(db: str, tmp_path: Path) -> None:
    code, out, err = run("import", str(CORPUS / "base.yaml"), "--db", db)
    assert code == 0, err
    ck = tmp_path / "ck.csv"
    ck.write_text("kr_id,date,value\nBOT-1.1,2026-01-09,70\n")
    code, out, err = run("import", str(ck), "--db", db)
    assert code == 0 and "1 check-ins" in out, err
    code, out, err = run("export", "--period", "2026-Q1", "--db", db)
    assert code == 0 and "BOT-1.2" in out
    for fmt in ("csv", "xlsx"):
        target = tmp_path / f"out.{fmt}"
        code, _, err = run(
            "export", "--period", "2026-Q1", "--to", fmt, "--out", str(target), "--db", db
        )
        assert code == 0 and target.exists(), err


def test_failed_import_leaves_store_unchanged(db: str) -> None:
    assert run("import", str(CORPUS / "base.yaml"), "--db", db)[0] == 0
    code, _, err = run("import", str(CORPUS / "checkins_outside_period.csv"), "--db", db)
    assert code == 2 and "outside" in err
    store = open_store(db)
    try:
        assert len(store.checkins(period="2026-Q1")) == 0
    finally:
        store.close()


def test_checkin_verb_appends(db: str) -> None:
    assert run("import", str(CORPUS / "base.yaml"), "--db", db)[0] == 0
    code, _out, err = run(
        "checkin",
        "BOT-1.1",
        "72",
        "--date",
        "2026-01-16",
        "--confidence",
        "0.7",
        "--note",
        "retrained",
        "--db",
        db,
    )
    assert code == 0, err
    code, _, err = run("checkin", "BOT-1.1", "73", "--date", "2026-01-16", "--db", db)
    assert code == 0, err
    code, _, err = run("checkin", "BOT-1.1", "abc", "--db", db)
    assert code == 2 and "not a number" in err
    store = open_store(db)
    try:
        audit = store.checkins(period="2026-Q1", effective=False)
        effective = store.checkins(period="2026-Q1")
    finally:
        store.close()
    assert len(audit) == 2  # append-only: the correction is a new row
    assert len(effective) == 1 and effective["value"].iat[0] == 73.0


def test_sample_demo_scorecard(db: str) -> None:
    code, out, err = run("sample", "--db", db)
    assert code == 0 and "2026-Q1" in out, err
    code, out, err = run("sample", "--db", db)
    assert code == 0 and "already loaded" in out
    code, out, err = run(
        "score", "2026-Q1", "--as-of", "2026-02-13", "--db", db, "--format", "json"
    )
    assert code == 0, err
    data = json.loads(out)
    frame = pd.DataFrame(data["key_results"])
    assert len(frame) >= 15 and frame["checkins"].sum() > 0
    assert set(frame["status"]) >= {"In Progress", "At Risk"}
    code, out, err = run("score", "2025-Q4", "--db", db, "--format", "json")
    vis = {o["objective_id"]: o for o in json.loads(out)["objectives"]}
    cv = [o for o in vis.values() if "computer vision defect detection" in o["title"].lower()]
    assert cv and cv[0]["score"] == pytest.approx((1 + 0.8125 + 5.5 / 7 + 1 / 3) / 4, abs=1e-6)


def test_backup_restore_round_trip(db: str, tmp_path: Path) -> None:
    assert run("import", str(CORPUS / "base.yaml"), "--db", db)[0] == 0
    assert run("checkin", "BOT-1.1", "72", "--date", "2026-01-16", "--db", db)[0] == 0
    path = tmp_path / "store.okrbackup.gz"
    code, out, err = run("backup", str(path), "--db", db)
    assert code == 0 and path.exists(), err
    copy = f"sqlite:///{tmp_path / 'copy.db'}"
    code, out, err = run("restore", str(path), "--db", copy)
    assert code == 0, err
    code, out, err = run("export", "--period", "2026-Q1", "--db", copy)
    assert code == 0 and "BOT-1.2" in out
    store = open_store(copy)
    try:
        assert store.checkins(period="2026-Q1")["value"].tolist() == [72.0]
    finally:
        store.close()
    code, _, err = run("restore", str(path), "--db", copy)
    assert code == 2 and "Traceback" not in err

"""Benchmark: 24 team reports, `okrkit report --all-teams` vs a sequential papermill loop.

The reference is what a user would script by hand: for each team, the ``papermill`` CLI
runs the report notebook and ``jupyter nbconvert --to html --no-input`` converts it —
one fresh kernel and two fresh Python processes per report. ``okrkit report`` renders
the same 24 team reports (plus the company report and index.html) with warm kernels in
parallel worker processes. Goal: okrkit <= 1/3 of the reference time.

Usage: ``python benchmarks/bench_reports.py [--teams 24] [--jobs N]``. Prints a table and
one JSON line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from okrkit.frames import conform
from okrkit.plan import parse_plan
from okrkit.store import open_store

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "quarterly_report.ipynb"
PERIOD, AS_OF = "2026-Q1", "2026-02-13"


def make_store(url: str, teams: int, seed: int = 7) -> list[str]:
    """A company with ``teams`` project teams (3 objectives x 3 KRs) and weekly check-ins."""
    rng = random.Random(seed)
    lines = [f"period: {PERIOD}", "objectives:",
             "  - {id: CO-1, title: Lead in AI-powered customer experiences, level: company,"
             " team: company, owner: CEO}",
             "  - {id: BU-1, title: Transform service with automation, level: business_unit,"
             " parent: CO-1, team: service-bu, owner: VP Service}"]
    names = [f"team-{i:02d}" for i in range(1, teams + 1)]
    rows = []
    for t, team in enumerate(names, start=1):
        for o in range(1, 4):
            oid = f"T{t}-{o}"
            lines += [f"  - id: {oid}", f"    title: Improve outcome {o} of {team}",
                      "    parent: BU-1", f"    team: {team}", "    owner: Lead",
                      "    key_results:"]
            for k in range(1, 4):
                kid = f"{oid}.{k}"
                base, target = rng.choice([(10, 50), (80, 95), (8, 2)])
                lines.append(f"      - {{id: {kid}, title: Move metric {k} to {target}, unit: u,"
                             f" direction: {'increase' if target > base else 'decrease'},"
                             f" baseline: {base}, target: {target}}}")
                pace = rng.uniform(0.1, 0.9)
                for w in range(6):
                    day = dt.date(2026, 1, 9) + dt.timedelta(days=7 * w)
                    value = base + (target - base) * pace * (w + 1) / 6
                    rows.append({"kr_id": kid, "date": day, "value": round(value, 2),
                                 "confidence": round(rng.uniform(0.4, 0.9), 2),
                                 "note": f"week {w + 1}" if w % 2 else None})
    with open_store(url) as store:
        store.save_plan(parse_plan("\n".join(lines) + "\n", source="bench.yaml"))
        store.add_checkins(conform(pd.DataFrame(rows), "checkins"))
    return names


def reference(names: list[str], db: str, out: Path) -> float:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    bindir = Path(sys.executable).parent
    start = time.perf_counter()
    for team in names:
        nb = out / f"{team}.ipynb"
        subprocess.run([str(bindir / "papermill"), str(NOTEBOOK), str(nb), "-p", "period",
                        PERIOD, "-p", "team", team, "-p", "db", db, "-p", "as_of", AS_OF,
                        "--cwd", str(NOTEBOOK.parent)], check=True, capture_output=True,
                       env=env)
        subprocess.run([str(bindir / "jupyter"), "nbconvert", "--to", "html", "--no-input",
                        str(nb)], check=True, capture_output=True, env=env)
    return time.perf_counter() - start


def okrkit_batch(db: str, out: Path, jobs: int | None) -> float:
    cmd = [sys.executable, "-m", "okrkit.cli", "report", "--period", PERIOD, "--all-teams",
           "--as-of", AS_OF, "--db", db, "--out", str(out), "--no-progress"]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--teams", type=int, default=24)
    ap.add_argument("--jobs", type=int, default=None)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="okrkit-bench-reports-") as tmp:
        work = Path(tmp)
        db = f"sqlite:///{work / 'okr.db'}"
        names = make_store(db, args.teams)
        (work / "ref").mkdir()
        t_ref = reference(names, db, work / "ref")
        t_ok = okrkit_batch(db, work / "okrkit", args.jobs)
        made = sorted(p.name for p in (work / "okrkit").glob("*.html"))
        ref_made = sorted(p.name for p in (work / "ref").glob("*.html"))
    assert len(ref_made) == len(names), ref_made
    assert len(made) == len(names) + 2, made  # + company report + index.html
    ratio = t_ok / t_ref
    rows = [("reference: papermill + nbconvert loop", t_ref, len(ref_made)),
            ("okrkit report --all-teams", t_ok, len(made) - 1)]
    print(f"{'run':42s} {'seconds':>8s} {'reports':>8s} {'s/report':>9s}")
    for name, secs, n in rows:
        print(f"{name:42s} {secs:8.1f} {n:8d} {secs / n:9.2f}")
    print(f"okrkit / reference = {ratio:.3f} (goal <= 0.333: {'met' if ratio <= 1 / 3 else 'MISSED'})")
    print(json.dumps({"teams": len(names), "reference_s": round(t_ref, 2),
                      "okrkit_s": round(t_ok, 2), "ratio": round(ratio, 4),
                      "goal_met": ratio <= 1 / 3, "cpus": os.cpu_count()}))


if __name__ == "__main__":
    main()

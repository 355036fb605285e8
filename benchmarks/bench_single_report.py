"""Benchmark: one team report, cold — ``okrkit report --team X`` against one ``papermill``
+ ``jupyter nbconvert`` run of the same notebook.

Both are timed as a user runs them, from a fresh process: ``python -m okrkit.cli report
--period P --team X --jobs 1`` (HTML report plus index.html) against ``python -m papermill``
(parameters ``period``, ``team``, ``db``, ``as_of``) followed by ``python -m nbconvert --to
html --no-input`` of the executed notebook. Runs alternate between the two so both see the
same machine load; the medians are compared. Stores: the sample (team vision), and
synthetic companies of ``--teams`` teams (team-01; ``bench_reports.make_store``).

Usage: ``python benchmarks/bench_single_report.py [--runs 3] [--teams 10,100,1000]``.
Prints a table and one JSON line. Goal (issue 11): state the ratio, and make okrkit faster.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
NOTEBOOK = ROOT / "notebooks" / "quarterly_report.ipynb"
PERIOD, AS_OF = "2026-Q1", "2026-02-13"


def _run(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True,
                          env=dict(os.environ, PYTHONWARNINGS="ignore"))
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stderr[-3000:]}")
    return took


def okrkit_report(url: str, team: str, out: Path) -> float:
    return _run([sys.executable, "-m", "okrkit.cli", "report", "--period", PERIOD, "--team",
                 team, "--as-of", AS_OF, "--db", url, "--out", str(out), "--jobs", "1",
                 "--no-progress"], ROOT)


def reference(url: str, team: str, out: Path) -> float:
    out.mkdir(parents=True, exist_ok=True)
    executed = out / f"{team}.ipynb"
    t = _run([sys.executable, "-m", "papermill", str(NOTEBOOK), str(executed),
              "-p", "period", PERIOD, "-p", "team", team, "-p", "db", url, "-p", "as_of",
              AS_OF, "--no-progress-bar"], NOTEBOOK.parent)
    return t + _run([sys.executable, "-m", "nbconvert", "--to", "html", "--no-input",
                     str(executed)], out)


def measure(url: str, team: str, runs: int, folder: Path) -> dict:
    ours, ref = [], []
    for i in range(runs):
        pair = [("okrkit", okrkit_report), ("reference", reference)]
        for name, fn in pair if i % 2 == 0 else pair[::-1]:
            took = fn(url, team, folder / f"{name}-{i}")
            (ours if name == "okrkit" else ref).append(took)
    o, r = statistics.median(ours), statistics.median(ref)
    return {"okrkit_s": round(o, 2), "reference_s": round(r, 2), "ratio": round(o / r, 2),
            "okrkit_runs": [round(x, 2) for x in ours],
            "reference_runs": [round(x, 2) for x in ref]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--teams", default="10,100,1000",
                    help="synthetic company sizes for the scaling table ('' to skip)")
    args = ap.parse_args()
    from okrkit.sample import load_sample
    from okrkit.store import open_store

    rows = []
    with tempfile.TemporaryDirectory(prefix="okrkit-bench-report-") as tmp:
        folder = Path(tmp)
        url = f"sqlite:///{folder / 'sample.db'}"
        with open_store(url) as store:
            load_sample(store, ROOT / "data")
        rows.append(("sample (vision)", measure(url, "vision", args.runs, folder / "s")))
        for n in [int(x) for x in args.teams.split(",") if x.strip()]:
            from bench_reports import make_store

            url = f"sqlite:///{folder / f'company-{n}.db'}"
            make_store(url, n)
            rows.append((f"{n} teams (team-01)",
                         measure(url, "team-01", max(1, args.runs - 1), folder / f"c{n}")))
    print(f"{'store':22} {'okrkit':>8} {'papermill+nbconvert':>20} {'ratio':>6}")
    for name, m in rows:
        print(f"{name:22} {m['okrkit_s']:8.2f} {m['reference_s']:20.2f} {m['ratio']:6.2f}")
    print(json.dumps({"bench": "single_report", **dict(rows)}))


if __name__ == "__main__":
    main()

"""Benchmark: ``okrkit score PLAN --checkins CSV`` end to end against a plain-Python loop.

The case is the enterprise generator's (``generate.make_enterprise``, 4 levels) at 16 key
results a "team" (the issue's 1,000-team case: 16k key results in ~3.3 MB of YAML) with
daily check-ins for 60 days (960k rows, ~33 MB, ``bench_store.team_case``). Both sides run
as fresh processes, alternating, best of ``--repeat``:

* okrkit: ``python -m okrkit.cli score plan.yaml --checkins checkins.csv --format json``
  (every bad-input rule, line numbers, status, pacing, the roll-up, the JSON scorecard);
* reference: ``benchmarks/plain_loop.py`` (PyYAML's C loader + ``csv.DictReader``, no checks).

Peak RSS of each process comes from ``os.wait4``. Goal: okrkit ≤ 0.5× the loop's time,
peak RSS ≤ 1 GB. Prints a table for 10, 100 and 1,000 teams and ends with ONE JSON line.
Usage: ``python benchmarks/bench_end_to_end.py [--teams 10,100,1000] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_store import team_case  # noqa: E402

from okrkit.plan import dump_plan  # noqa: E402

GOALS = {"ratio": 0.5, "peak_rss_mb": 1024}


_WRAP = ("import json, resource, subprocess, sys, time\n"
         "t0 = time.perf_counter()\n"
         "p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
         "t = time.perf_counter() - t0\n"
         "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
         "print(json.dumps([p.returncode, t, rss, p.stderr.decode(errors='replace')[-400:]]))\n")


def timed(cmd: list[str]) -> tuple[float, float]:
    """Wall time (s) and peak RSS (MB) of one fresh process, measured by a small wrapper
    process (so that the peak is the command's, not this process's memory copied at fork)."""
    out = subprocess.run([sys.executable, "-c", _WRAP, *cmd], capture_output=True, text=True,
                         check=True).stdout
    code, elapsed, rss, err = json.loads(out)
    if code != 0:
        raise SystemExit(f"{cmd[2:4]} exited {code}: {err}")
    return elapsed, rss


def _rows(path: Path) -> int:
    with open(path, encoding="utf-8") as fh:
        return sum(1 for _ in fh) - 1  # the header


def case(teams: int, folder: Path, repeat: int) -> dict[str, Any]:
    plan, csv_path = team_case(teams, folder)
    plan_path = folder / f"plan-{teams}.yaml"
    plan_path.write_text(dump_plan(plan), encoding="utf-8")
    okrkit = [sys.executable, "-m", "okrkit.cli", "score", str(plan_path), "--checkins",
              str(csv_path), "--as-of", "2026-03-01", "--format", "json"]
    loop = [sys.executable, str(HERE / "plain_loop.py"), str(plan_path), str(csv_path)]
    ours, theirs = [], []
    for _ in range(repeat):
        ours.append(timed(okrkit))
        theirs.append(timed(loop))
    t_ok, t_ref = min(t for t, _ in ours), min(t for t, _ in theirs)
    return {"teams": teams, "key_results": len(plan.key_results),
            "yaml_mb": round(plan_path.stat().st_size / 1e6, 2),
            "csv_mb": round(csv_path.stat().st_size / 1e6, 1),
            "checkins": _rows(csv_path),
            "okrkit_s": round(t_ok, 2), "loop_s": round(t_ref, 2),
            "ratio": round(t_ok / t_ref, 2),
            "okrkit_peak_rss_mb": round(max(m for _, m in ours)),
            "loop_peak_rss_mb": round(max(m for _, m in theirs))}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--teams", default="10,100,1000")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for teams in (int(t) for t in args.teams.split(",")):
            rows.append(case(teams, Path(tmp), args.repeat))
    print(f"{'teams':>6} {'KRs':>7} {'check-ins':>10} {'okrkit s':>9} {'loop s':>7} "
          f"{'ratio':>6} {'RSS MB':>7}")
    for r in rows:
        print(f"{r['teams']:>6} {r['key_results']:>7,} {r['checkins']:>10,} {r['okrkit_s']:>9} "
              f"{r['loop_s']:>7} {r['ratio']:>6} {r['okrkit_peak_rss_mb']:>7}")
    big = rows[-1]
    out = {"benchmark": "end_to_end", "cases": rows, "goals": GOALS,
           "ratio_met": big["ratio"] <= GOALS["ratio"],
           "rss_met": big["okrkit_peak_rss_mb"] <= GOALS["peak_rss_mb"]}
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()

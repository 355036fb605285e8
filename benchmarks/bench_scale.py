"""Issue 11's figures in one run: every ratio, then ONE JSON line.

Runs, one after the other on this machine (each a fresh process, each measuring okrkit
and its reference side by side), and collects their closing JSON lines:

* ``bench_end_to_end.py`` — ``okrkit score PLAN --checkins CSV`` vs a plain-Python loop
  (goal ≤ 0.5×, peak RSS ≤ 1 GB);
* ``bench_plan_load.py`` — plan YAML with line numbers vs libyaml's composer alone;
* ``bench_store.py`` — check-in CSV vs ``pandas.read_csv`` (≤ 2×), SQLite import vs bare
  ``executemany`` (≤ 1.5×), loads vs bare ``fetchall`` (≤ 2×), PostgreSQL vs bare ``COPY``
  when a server URL is set;
* ``bench_notebook_start.py`` — ``import okrkit.widgets`` + the check-in app (≤ 1.5 s);
* ``bench_single_report.py`` — ``okrkit report --team X`` vs papermill + nbconvert.

``--quick`` uses 10 and 100 teams (and 100k store check-ins) instead of up to 1,000 teams
and 1.3M check-ins. Usage: ``python benchmarks/bench_scale.py [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def run(script: str, args: list[str]) -> dict[str, Any]:
    """Run one benchmark (its output passes through); its last line parsed as JSON."""
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, str(HERE / script), *args], capture_output=True,
                          text=True, check=False)
    sys.stdout.write(proc.stdout)
    if proc.returncode != 0:
        sys.stdout.write(proc.stderr[-2000:])
        return {"error": f"{script} exited {proc.returncode}"}
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    out = json.loads(lines[-1]) if lines else {"error": f"{script} printed no JSON line"}
    out["wall_s"] = round(time.perf_counter() - t0, 1)
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    teams = "10,100" if args.quick else "10,100,1000"
    plan_teams = "100" if args.quick else "1000"
    plan_args = ["--teams", plan_teams, "--repeat", "2"]
    store_args = ["--teams", teams, "--repeat", "1"]
    if args.quick:
        store_args += ["--checkins", "100000"]
    jobs = [
        ("end_to_end", "bench_end_to_end.py", ["--teams", teams, "--repeat", "2"]),
        ("plan_load", "bench_plan_load.py", plan_args),
        ("store", "bench_store.py", store_args),
        ("notebook_start", "bench_notebook_start.py", ["--runs", "2", "--teams", teams]),
        ("single_report", "bench_single_report.py", ["--runs", "1", "--teams", teams]),
    ]
    results: dict[str, Any] = {}
    for name, script, extra in jobs:
        print(f"\n=== {name}: {script} {' '.join(extra)}", flush=True)
        results[name] = run(script, extra)
    print("\n=== summary (okrkit / reference, measured side by side)")
    for name, res in results.items():
        ratios = {k: v for k, v in _flat(res).items() if "ratio" in k or k.endswith("start")}
        print(f"{name:16} " + ", ".join(f"{k}={v}" for k, v in list(ratios.items())[:8]))
    out = {"benchmark": "scale", "quick": args.quick, **results}
    print(json.dumps(out))
    return out


def _flat(data: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(data, dict):
        flat: dict[str, Any] = {}
        for k, v in data.items():
            flat.update(_flat(v, f"{prefix}{k}." if isinstance(v, dict | list) else
                              f"{prefix}{k}"))
        return flat
    if isinstance(data, list):
        flat = {}
        for i, v in enumerate(data):
            flat.update(_flat(v, f"{prefix}{i}."))
        return flat
    return {prefix.rstrip("."): data}


if __name__ == "__main__":
    main()

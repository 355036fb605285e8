"""Scale benchmark of the core: scoring, references, memory, and the store.

Prints a table of figures and ends with ONE JSON line. Ratios are measured in the same
run against references kept beside this script:

* ``reference.py``: a row-by-row pure-Python implementation of the scoring contract;
* ``duckdb_reference.py``: the same computation as DuckDB SQL (near the limit);
* a bare ``sqlite3`` ``executemany`` of the same check-in rows (for the store import).

Usage: ``python benchmarks/bench_scoring.py [--krs N] [--checkins N] [--skip-store]
[--pg-url URL]`` (PostgreSQL figures also from ``$OKRKIT_BENCH_PG_URL`` or
``$OKRKIT_TEST_PG_URL``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import sqlite3
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from duckdb_reference import score_duckdb
from generate import make_enterprise
from reference import score_rowwise

from okrkit.scoring import score

AS_OF = dt.date(2026, 2, 20)
TARGETS = {"rowwise_speedup": 50.0, "duckdb_ratio": 2.0, "peak_mb": 1536.0, "import_ratio": 2.0}


def best_of(n: int, fn: Any) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def bare_executemany(rows: list[tuple[Any, ...]], plan: Any, folder: Path) -> float:
    """The same rows into the store's own schema (same table, same index), plain sqlite3."""
    from okrkit.store import open_store

    path = folder / "bare.db"
    with open_store(f"sqlite:///{path}") as store:
        store.save_plan(plan, force=True)  # the period row the foreign key needs
    con = sqlite3.connect(path)
    t = time.perf_counter()
    with con:
        con.executemany(
            "INSERT INTO checkins (period, kr_id, date, value, confidence, status, note,"
            " blockers, achievements, author, recorded_at, source)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    elapsed = time.perf_counter() - t
    con.close()
    return elapsed


def store_figures(plan: Any, checkins: Any, url: str, label: str) -> dict[str, float]:
    from okrkit.store import open_store

    with open_store(url) as store:
        store.save_plan(plan, force=True)
        t = time.perf_counter()
        store.add_checkins(checkins)
        imported = time.perf_counter() - t
        t = time.perf_counter()
        back = store.checkins(period=plan.period.label)
        loaded = time.perf_counter() - t
    print(f"  {label}: import {imported:.2f} s, load {loaded:.2f} s ({len(back):,} effective rows)")
    return {f"{label}_import_s": imported, f"{label}_load_s": loaded}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--krs", type=int, default=100_000)
    ap.add_argument("--checkins", type=int, default=1_300_000)
    ap.add_argument("--skip-store", action="store_true")
    ap.add_argument("--pg-url", default=os.environ.get("OKRKIT_BENCH_PG_URL")
                    or os.environ.get("OKRKIT_TEST_PG_URL"))
    args = ap.parse_args(argv)

    t = time.perf_counter()
    plan, checkins = make_enterprise(args.krs, args.checkins, seed=0, as_of=AS_OF)
    gen_s = time.perf_counter() - t
    n_obj = len(plan.objectives)
    print(f"enterprise: {args.krs:,} KRs, {n_obj:,} objectives, {len(checkins):,} check-ins "
          f"(generated in {gen_s:.1f} s)")

    okrkit_s = best_of(3, lambda: score(plan, checkins, as_of=AS_OF))
    tracemalloc.start()
    score(plan, checkins, as_of=AS_OF)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rowwise_s = best_of(1, lambda: score_rowwise(plan, checkins, AS_OF))
    duckdb_s = best_of(3, lambda: score_duckdb(plan, checkins, AS_OF))
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out: dict[str, Any] = {
        "n_krs": args.krs, "n_objectives": n_obj, "n_checkins": len(checkins),
        "okrkit_score_s": okrkit_s, "rowwise_s": rowwise_s,
        "rowwise_speedup": rowwise_s / okrkit_s, "duckdb_s": duckdb_s,
        "duckdb_ratio": okrkit_s / duckdb_s, "scoring_peak_alloc_mb": peak / 2**20,
        "process_peak_rss_mb": rss_mb,
    }
    print(f"score + roll-up + pacing: okrkit {okrkit_s:.3f} s | row-by-row {rowwise_s:.2f} s "
          f"({out['rowwise_speedup']:.1f}x faster; target >= {TARGETS['rowwise_speedup']:.0f}x)"
          f" | DuckDB {duckdb_s:.3f} s (okrkit/DuckDB {out['duckdb_ratio']:.2f}; target <= "
          f"{TARGETS['duckdb_ratio']:.0f})")
    print(f"memory: scoring allocations peak {out['scoring_peak_alloc_mb']:.0f} MB, whole process"
          f" peak RSS {rss_mb:.0f} MB (target <= {TARGETS['peak_mb']:.0f} MB)")

    if not args.skip_store:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            now = dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")
            rows = [("2026-Q1", k, d.isoformat(), v, c, s, None, None, None, None, now, None)
                    for k, d, v, c, s in zip(checkins["kr_id"], checkins["date"],
                                             checkins["value"], checkins["confidence"],
                                             checkins["status"], strict=True)]
            out["bare_executemany_s"] = bare_executemany(rows, plan, folder)
            del rows
            print(f"store ({len(checkins):,} check-ins): bare sqlite3 executemany into the same table "
                  f"{out['bare_executemany_s']:.2f} s")
            out.update(store_figures(plan, checkins, f"sqlite:///{folder / 'store.db'}",
                                     "sqlite"))
            out["import_ratio"] = out["sqlite_import_s"] / out["bare_executemany_s"]
            print(f"  SQLite import / bare executemany: {out['import_ratio']:.2f} "
                  f"(target <= {TARGETS['import_ratio']:.0f})")
        if args.pg_url:
            out.update(store_figures(plan, checkins, args.pg_url, "postgresql"))
    out["pass"] = {
        "rowwise_speedup": out["rowwise_speedup"] >= TARGETS["rowwise_speedup"],
        "duckdb_ratio": out["duckdb_ratio"] <= TARGETS["duckdb_ratio"],
        "peak_memory": out["process_peak_rss_mb"] <= TARGETS["peak_mb"],
    }
    if "import_ratio" in out:
        out["pass"]["import_ratio"] = out["import_ratio"] <= TARGETS["import_ratio"]
    print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in out.items()}))
    return out


if __name__ == "__main__":
    main()

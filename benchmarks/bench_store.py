"""The check-in load path side by side with bare references, measured in the same run.

* check-in CSV: ``okrkit.checkins.read_checkins`` (parse + every validation rule) vs
  ``pandas.read_csv(engine="pyarrow")`` of the same file; the 1,000-team case (16 KRs a
  team, daily check-ins for 60 days: 960k rows, ~33 MB), and 10 and 100 teams;
* SQLite: ``Store.add_checkins`` of 1.3M check-ins vs a bare ``sqlite3`` ``executemany``
  of the same rows into the same table; ``Store.checkins()`` (the effective view) and
  ``Store.checkins(effective=False)`` (the audit trail) vs a bare cursor ``fetchall`` of
  the same columns;
* PostgreSQL (``--pg-url``, ``$OKRKIT_BENCH_PG_URL`` or ``$OKRKIT_TEST_PG_URL``): the same
  import and loads vs a bare psycopg ``COPY`` (``write_row`` of the same rows in; ``COPY
  ... TO STDOUT`` rows out).

Each timing is the best of ``--repeat`` runs, references and okrkit interleaved. Prints
the ratios and ends with ONE JSON line. Usage: ``python benchmarks/bench_store.py
[--teams 10,100,1000] [--checkins 1300000] [--repeat 3] [--skip-store] [--pg-url URL]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import make_enterprise

from okrkit.checkins import read_checkins
from okrkit.store import open_store

GOALS = {"csv_ratio": 2.0, "sqlite_import_ratio": 1.5, "sqlite_load_ratio": 2.0,
         "sqlite_audit_ratio": 2.0}
COLUMNS = ("period, kr_id, date, value, confidence, status, note, blockers, achievements, "
           "author, recorded_at, source")
READ = ("id, period, kr_id, date, value, confidence, status, note, blockers, achievements, "
        "author, recorded_at")


def best(repeat: int, *fns: Callable[[], Any]) -> list[float]:
    """Best time of each function, run interleaved ``repeat`` times."""
    out = [float("inf")] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            t = time.perf_counter()
            fn()
            out[i] = min(out[i], time.perf_counter() - t)
    return out


def team_case(teams: int, folder: Path, days: int = 60) -> tuple[Any, Path]:
    """A plan of ``teams`` x 16 KRs and a CSV of daily check-ins for ``days`` days."""
    plan, _ = make_enterprise(teams * 16, 0, seed=1)
    krs = plan.key_results
    n = len(krs)
    rng = np.random.default_rng(2)
    kr = np.repeat(np.arange(n), days)
    day = np.tile(np.arange(days), n)
    b, t = krs["baseline"].to_numpy()[kr], krs["target"].to_numpy()[kr]
    value = (b + (t - b) * day / plan.period.days * rng.uniform(0.5, 1.2, len(kr))).round(3)
    start = np.datetime64(plan.period.start, "D")
    frame = pd.DataFrame({
        "kr_id": krs["kr_id"].to_numpy()[kr], "date": (start + day).astype(str), "value": value,
        "confidence": rng.uniform(0.3, 1.0, len(kr)).round(2),
        "status": np.array(["In Progress", "", "At Risk", ""], dtype=object)[
            rng.integers(0, 4, len(kr))],
    })
    path = folder / f"checkins-{teams}.csv"
    frame.to_csv(path, index=False)
    return plan, path


def csv_figures(teams: list[int], folder: Path, repeat: int) -> dict[str, Any]:
    out: dict[str, Any] = {"csv": []}
    print("check-in CSV: read_checkins (parse + validate) vs pandas.read_csv(engine='pyarrow')")
    for n in teams:
        plan, path = team_case(n, folder)
        ref, ours, with_plan = best(repeat, lambda p=path: pd.read_csv(p, engine="pyarrow"),
                                    lambda p=path: read_checkins(p),
                                    lambda p=path, q=plan: read_checkins(p, plan=q))
        rows = n * 16 * 60
        mb = path.stat().st_size / 1e6
        fig = {"teams": n, "rows": rows, "mb": round(mb, 1), "read_csv_s": ref,
               "read_checkins_s": ours, "with_plan_s": with_plan, "ratio": ours / ref,
               "ratio_with_plan": with_plan / ref}
        out["csv"].append(fig)
        print(f"  {n:>5} teams, {rows:>9,} rows, {mb:5.1f} MB: pandas {ref:.3f} s | okrkit "
              f"{ours:.3f} s ({ours / ref:.2f}x) | with the plan {with_plan:.3f} s "
              f"({with_plan / ref:.2f}x; goal <= {GOALS['csv_ratio']:.0f}x)")
    out["csv_ratio"] = out["csv"][-1]["ratio"]
    return out


def fresh_store(url: str, plan: Any, checkins: pd.DataFrame | None, times: list[float]
                ) -> None:
    """A new store with the plan; ``checkins`` imported through okrkit, timed."""
    with open_store(url) as store:
        store.save_plan(plan, force=True)
        if checkins is not None:
            t = time.perf_counter()
            store.add_checkins(checkins)
            times.append(time.perf_counter() - t)


def store_rows(checkins: pd.DataFrame, now: str) -> list[tuple[Any, ...]]:
    conf = checkins["confidence"].astype(object).where(checkins["confidence"].notna(), None)
    return list(zip(["2026-Q1"] * len(checkins), checkins["kr_id"],
                    [d.isoformat() for d in checkins["date"]], checkins["value"], conf,
                    checkins["status"], *[[None] * len(checkins)] * 4,
                    [now] * len(checkins), [None] * len(checkins), strict=True))


def sqlite_figures(plan: Any, checkins: pd.DataFrame, folder: Path, repeat: int
                   ) -> dict[str, float]:
    rows = store_rows(checkins, dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(sep=" "))
    times: dict[str, list[float]] = {"bare": [], "okrkit": []}
    for i in range(repeat):  # a fresh store each time, the same schema and index
        for kind in ("bare", "okrkit"):
            path = folder / f"{kind}-{i}.db"
            fresh_store(f"sqlite:///{path}", plan, checkins if kind == "okrkit" else None,
                        times[kind])
            if kind == "bare":
                con = sqlite3.connect(path)
                t = time.perf_counter()
                with con:
                    con.executemany(f"INSERT INTO checkins ({COLUMNS}) VALUES "  # noqa: S608
                                    f"({', '.join('?' * 12)})", rows)
                times[kind].append(time.perf_counter() - t)
                con.close()
            if i < repeat - 1:
                for f in folder.glob(f"{kind}-{i}.db*"):
                    f.unlink()
    last = folder / f"okrkit-{repeat - 1}.db"
    con = sqlite3.connect(last)
    with open_store(f"sqlite:///{last}") as store:
        bare, eff, audit = best(
            repeat,
            lambda: con.execute(f"SELECT {READ} FROM checkins WHERE period = ?",  # noqa: S608
                                ("2026-Q1",)).fetchall(),
            lambda: store.checkins(period="2026-Q1"),
            lambda: store.checkins(period="2026-Q1", effective=False))
    con.close()
    imp, ref = min(times["okrkit"]), min(times["bare"])
    fig = {"sqlite_bare_executemany_s": ref, "sqlite_import_s": imp,
           "sqlite_import_ratio": imp / ref, "sqlite_bare_fetchall_s": bare,
           "sqlite_load_s": eff, "sqlite_load_ratio": eff / bare, "sqlite_audit_s": audit,
           "sqlite_audit_ratio": audit / bare}
    print(f"SQLite, {len(checkins):,} check-ins: import {imp:.2f} s vs bare executemany "
          f"{ref:.2f} s ({imp / ref:.2f}x; goal <= {GOALS['sqlite_import_ratio']}x)")
    print(f"  load back: effective {eff:.2f} s ({eff / bare:.2f}x), audit trail {audit:.2f} s "
          f"({audit / bare:.2f}x) vs bare fetchall {bare:.2f} s (goal <= 2x)")
    return fig


def pg_figures(plan: Any, checkins: pd.DataFrame, base_url: str, repeat: int
               ) -> dict[str, float]:
    import psycopg
    from psycopg import sql
    from sqlalchemy.engine import make_url

    u = make_url(base_url)
    admin = dict(host=u.host, port=u.port, user=u.username, password=u.password,
                 dbname=u.database)
    rows = store_rows(checkins, dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(sep=" "))
    times: dict[str, list[float]] = {"bare": [], "okrkit": []}
    names: list[str] = []
    try:
        for _ in range(repeat):
            for kind in ("bare", "okrkit"):
                name = f"okrkit_bench_{uuid.uuid4().hex[:10]}"
                names.append(name)
                with psycopg.connect(**admin, autocommit=True) as c:
                    c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                url = u.set(database=name).render_as_string(hide_password=False)
                fresh_store(url, plan, checkins if kind == "okrkit" else None, times[kind])
                if kind == "bare":
                    with psycopg.connect(**{**admin, "dbname": name}) as c:
                        t = time.perf_counter()
                        with c.cursor() as cur, cur.copy(
                                f"COPY checkins ({COLUMNS}) FROM STDIN") as copy:
                            for r in rows:
                                copy.write_row(r)
                        c.commit()
                        times[kind].append(time.perf_counter() - t)
        url = u.set(database=names[-1]).render_as_string(hide_password=False)

        def bare_copy() -> list[Any]:
            with psycopg.connect(**{**admin, "dbname": names[-1]}) as c, c.cursor() as cur:
                query = f"COPY (SELECT {READ} FROM checkins WHERE period = '2026-Q1') TO STDOUT"  # noqa: S608
                with cur.copy(query) as copy:
                    return list(copy.rows())

        with open_store(url) as store:
            bare, eff, audit = best(repeat, bare_copy,
                                    lambda: store.checkins(period="2026-Q1"),
                                    lambda: store.checkins(period="2026-Q1", effective=False))
    finally:
        with psycopg.connect(**admin, autocommit=True) as c:
            for name in names:
                c.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(name)))
    imp, ref = min(times["okrkit"]), min(times["bare"])
    print(f"PostgreSQL, {len(checkins):,} check-ins: import {imp:.2f} s vs bare COPY "
          f"{ref:.2f} s ({imp / ref:.2f}x)")
    print(f"  load back: effective {eff:.2f} s ({eff / bare:.2f}x), audit trail {audit:.2f} s "
          f"({audit / bare:.2f}x) vs bare COPY TO {bare:.2f} s")
    return {"pg_bare_copy_s": ref, "pg_import_s": imp, "pg_import_ratio": imp / ref,
            "pg_bare_copy_out_s": bare, "pg_load_s": eff, "pg_load_ratio": eff / bare,
            "pg_audit_s": audit, "pg_audit_ratio": audit / bare}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--teams", default="10,100,1000")
    ap.add_argument("--checkins", type=int, default=1_300_000)
    ap.add_argument("--krs", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-store", action="store_true")
    ap.add_argument("--pg-url", default=os.environ.get("OKRKIT_BENCH_PG_URL")
                    or os.environ.get("OKRKIT_TEST_PG_URL"))
    args = ap.parse_args(argv)
    out: dict[str, Any] = {"load_average": round(os.getloadavg()[0], 1)}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        out.update(csv_figures([int(t) for t in args.teams.split(",")], folder, args.repeat))
        if not args.skip_store:
            plan, checkins = make_enterprise(args.krs, args.checkins, seed=0)
            out["n_checkins"] = len(checkins)
            out.update(sqlite_figures(plan, checkins, folder, args.repeat))
            if args.pg_url:
                out.update(pg_figures(plan, checkins, args.pg_url, args.repeat))
    out["pass"] = {k: out[k] <= goal for k, goal in GOALS.items() if k in out}
    print(json.dumps(_rounded(out)))
    return out


def _rounded(v: Any) -> Any:
    if isinstance(v, float):
        return round(v, 4)
    if isinstance(v, dict):
        return {k: _rounded(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_rounded(x) for x in v]
    return v


if __name__ == "__main__":
    main()

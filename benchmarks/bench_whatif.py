"""Interactive-speed benchmark: what-if sliders and the Monte Carlo forecast at 10k KRs.

* ``WhatIfSession.apply`` for 50 random slider changes (a target, a value, a weight and
  the stretch moved at a time): median and p95 milliseconds, alone and including an
  Altair chart update (bar chart of the top objective scores, ``.to_dict()``; no
  vl-convert needed).
* ``forecast`` for 10k KRs x 2000 simulations (seconds, median of the runs).

Prints a table and ends with ONE JSON line.

Usage: ``python benchmarks/bench_whatif.py [--krs N] [--checkins N] [--sims N]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import make_enterprise

from okrkit.forecasting import forecast
from okrkit.whatif import WhatIfSession

AS_OF = dt.date(2026, 2, 20)
TARGETS = {"whatif_chart_ms_p95": 100.0, "forecast_10k_2000_s": 2.0}


def top_chart(frame: Any, n: int = 20) -> dict[str, Any]:
    import altair as alt

    top = frame.dropna(subset=["score"]).nlargest(n, "score")[["objective_id", "score", "band"]]
    chart = (
        alt.Chart(top)
        .mark_bar()
        .encode(
            x=alt.X("score:Q", scale=alt.Scale(domain=[0, 1])),
            y=alt.Y("objective_id:N", sort="-x"),
            color=alt.Color(
                "band:N",
                scale=alt.Scale(domain=["red", "yellow", "green"],
                                range=["#d62728", "#e6b800", "#2ca02c"]),
            ),
        )
        .properties(title="Top objectives (what-if)")
    )
    return chart.to_dict()


def slider_changes(plan: Any, n: int, seed: int) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    krs = plan.key_results
    ids = krs["kr_id"].to_numpy(dtype=object)
    base = krs["baseline"].to_numpy(dtype="float64")
    target = krs["target"].to_numpy(dtype="float64")
    oids = plan.objectives["objective_id"].to_numpy(dtype=object)
    out = []
    for _ in range(n):
        i, j, k = rng.integers(0, len(ids), 3)
        t = base[i] + (target[i] - base[i]) * rng.uniform(0.5, 1.5)
        out.append(
            {
                "targets": {ids[i]: float(t)} if t != base[i] else {},
                "values": {ids[j]: float(base[j] + (target[j] - base[j]) * rng.uniform(0, 1.2))},
                "weights": {ids[k]: float(rng.choice([0.5, 1, 2, 3])),
                            oids[rng.integers(0, len(oids))]: float(rng.choice([0.5, 1, 2]))},
                "stretch": float(rng.uniform(0.8, 1.3)),
            }
        )
    return out


def ms_stats(times: list[float]) -> tuple[float, float]:
    arr = np.asarray(times) * 1000
    return float(np.median(arr)), float(np.percentile(arr, 95))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--krs", type=int, default=10_000)
    ap.add_argument("--checkins", type=int, default=130_000)
    ap.add_argument("--sims", type=int, default=2000)
    ap.add_argument("--changes", type=int, default=50)
    ap.add_argument("--forecast-runs", type=int, default=3)
    args = ap.parse_args(argv)

    plan, checkins = make_enterprise(args.krs, args.checkins, seed=0, as_of=AS_OF)
    t0 = time.perf_counter()
    session = WhatIfSession(plan, checkins, AS_OF)
    setup_s = time.perf_counter() - t0
    changes = slider_changes(plan, args.changes, seed=1)
    session.apply(**changes[0])  # warm-up
    top_chart(session.apply())
    # what the what-if app does per slider change: rescore, diff table, chart update
    from okrkit import charts
    from okrkit.scoring import score
    from okrkit.widgets.whatif_app import diff_html, scenario_diff

    stored = score(plan, checkins, as_of=AS_OF)
    jchart = charts.show(charts.whatif_chart(scenario_diff(stored.objectives,
                                                           session.apply())), mode="offline")

    alone, with_chart = [], []
    for change in changes:
        t = time.perf_counter()
        frame = session.apply(**change)
        alone.append(time.perf_counter() - t)
        diff = scenario_diff(stored.objectives, frame)
        diff_html(diff.head(50), stored.overall, session.overall)
        jchart.chart = charts.whatif_chart(diff)
        with_chart.append(time.perf_counter() - t)
    med, p95 = ms_stats(alone)
    cmed, cp95 = ms_stats(with_chart)

    fc_times = []
    for _ in range(max(1, args.forecast_runs)):
        t = time.perf_counter()
        fc = forecast(plan, checkins, AS_OF, simulations=args.sims, seed=0)
        fc_times.append(time.perf_counter() - t)
    fc_s = float(np.median(fc_times))

    rows = [
        ("plan", f"{len(plan.key_results):,} KRs, {len(plan.objectives):,} objectives, "
                 f"{len(checkins):,} check-ins"),
        ("WhatIfSession setup", f"{setup_s * 1000:.1f} ms"),
        ("apply median / p95", f"{med:.2f} / {p95:.2f} ms"),
        ("apply + diff + chart update median / p95",
         f"{cmed:.2f} / {cp95:.2f} ms (target p95 <= 100 ms)"),
        (f"forecast {len(plan.key_results):,} x {args.sims}",
         f"{fc_s:.2f} s median of {len(fc_times)} (min {min(fc_times):.2f}; target <= 2 s)"),
        ("forecast mean expected score", f"{fc.key_results['expected_score'].mean():.3f}"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  value")
    print(f"{'-' * width}  {'-' * 40}")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    print(json.dumps({
        "whatif_ms_median": round(med, 3),
        "whatif_ms_p95": round(p95, 3),
        "whatif_chart_ms_median": round(cmed, 3),
        "whatif_chart_ms_p95": round(cp95, 3),
        "forecast_10k_2000_s": round(fc_s, 3),
        "pass": {"whatif_chart_ms_p95": cp95 <= TARGETS["whatif_chart_ms_p95"],
                 "forecast_10k_2000_s": fc_s <= TARGETS["forecast_10k_2000_s"]},
    }))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

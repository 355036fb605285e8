"""The forecast's track record: Brier scores of the model, the people and linear pacing.

* **Sample**: the four closed sample quarters (2025-Q1..Q4) replayed at weekly cut-offs,
  each with the priors learned from the quarters before it (2025-Q1 has none: the plan
  prior), as ``okrkit backtest --all`` does.
* **Simulated quarters** (``quarters.py``): steady, stalling and noisy key results whose
  random process is known, 120 key results each, replayed with and without three earlier
  simulated quarters of the same kind as history, for three seeds.

Prints the tables and ends with one JSON line. Run: ``python benchmarks/bench_backtest.py``.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from quarters import KINDS, simulate_quarter  # noqa: E402

from okrkit.backtest import backtest, summarise  # noqa: E402
from okrkit.priors import history, learn_priors, store_priors  # noqa: E402
from okrkit.sample import load_sample  # noqa: E402
from okrkit.store import open_store  # noqa: E402

CLOSED = ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]


def sample() -> tuple[pd.DataFrame, pd.DataFrame, float]:
    with tempfile.TemporaryDirectory() as tmp, open_store(f"sqlite:///{tmp}/okr.db") as store:
        load_sample(store, HERE.parent / "data")
        runs = []
        for label in CLOSED:
            plan = store.load_plan(label)
            ck = store.checkins(period=label, effective=False)
            runs.append(backtest(plan, ck, every=7, seed=0, simulations=1000,
                                 prior=store_priors(store, plan.period)))
    long = pd.concat([r.forecasts.assign(period=r.period.label) for r in runs])
    crps = float(pd.concat([r.detail for r in runs])["crps"].astype(float).mean())
    return summarise(long), summarise(long, by=("period",)), crps


def simulated(n: int = 120, seeds: tuple[int, ...] = (1, 2, 3)) -> pd.DataFrame:
    rows = []
    for kind in KINDS:
        for seed in seeds:
            past = pd.concat([history(*simulate_quarter(kind, n, seed=100 * seed + h))
                              for h in range(3)])
            plan, ck = simulate_quarter(kind, n, seed=seed)
            for name, prior in (("none", None), ("3 quarters", learn_priors(past))):
                bt = backtest(plan, ck, every=7, seed=0, simulations=1000, prior=prior)
                for r in bt.summary.itertuples():
                    rows.append({"kind": kind, "history": name, "seed": seed,
                                 "forecaster": r.forecaster, "brier": r.brier, "n": r.n})
    frame = pd.DataFrame(rows)
    return frame.groupby(["kind", "history", "forecaster"], sort=False).agg(
        brier=("brier", "mean"), n=("n", "sum")).reset_index()


def main() -> None:
    t0 = time.perf_counter()
    total, per, crps = sample()
    print("sample, 2025-Q1..Q4 pooled:")
    print(total.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    print(f"CRPS of the model's final-score distribution: {crps:.4f}")
    print(per.pivot(index="period", columns="forecaster", values="brier")[
        ["model", "confidence", "pacing"]].round(4).to_string())
    sim = simulated()
    print("\nsimulated quarters (mean of 3 seeds, 120 key results each):")
    wide = sim.pivot(index=["kind", "history"], columns="forecaster", values="brier")[
        ["model", "confidence", "pacing"]]
    print(wide.round(4).to_string())
    result = {
        "sample": {r.forecaster: round(r.brier, 4) for r in total.itertuples()},
        "sample_crps": round(crps, 4),
        "simulated": {f"{k}/{h}": {f: round(float(v), 4) for f, v in row.items()}
                      for (k, h), row in wide.iterrows()},
        "seconds": round(time.perf_counter() - t0, 1),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()

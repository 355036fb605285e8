"""Simulated quarters whose truth is known, for the backtest (tests and bench_backtest.py).

``simulate_quarter(kind, n, seed)`` builds one 90-day quarter (2026-Q1) of ``n`` key
results, half rising (0 -> 100) and half falling (100 -> 0), checked in weekly (days 3,
10, ..., 87; a check-in is skipped with probability 0.1), each from a known random
process in *progress* units (progress per period, noise per square root of a period,
stepped daily):

* ``steady``: a random walk with drift 0.4–1.3 and noise 0.05–0.15;
* ``stalling``: drift 0.8–1.5 until a stall at 25–70% of the period, then none;
* ``noisy``: drift 0.4–1.3 with noise 0.3–0.5.

The simulated people report a confidence with each check-in the way a reasonable team
does without a model: they start from a belief of 0.75 and trust the straight line more
as the quarter goes on — ``(1 - s) * 0.75 + s * logistic((projection - 0.7) / 0.12)``
with ``s`` the elapsed share and ``projection = progress / s`` — plus noise (sd 0.05),
rounded to 0.05 and kept in 0.05..0.95.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from okrkit.frames import Plan, conform
from okrkit.period import Period

KINDS = {
    "steady": {"mu": (0.4, 1.3), "sigma": (0.05, 0.15), "stall": None},
    "stalling": {"mu": (0.8, 1.5), "sigma": (0.05, 0.15), "stall": (0.25, 0.7)},
    "noisy": {"mu": (0.4, 1.3), "sigma": (0.3, 0.5), "stall": None},
}
PERIOD = "2026-Q1"


def _people(progress: np.ndarray, share: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    proj = progress / share
    line = 1.0 / (1.0 + np.exp(-(proj - 0.7) / 0.12))
    c = (1 - share) * 0.75 + share * line + rng.normal(0.0, 0.05, len(progress))
    return np.clip(np.round(c * 20) / 20, 0.05, 0.95)


def simulate_quarter(kind: str, n: int = 120, seed: int = 0) -> tuple[Plan, pd.DataFrame]:
    """A plan and its check-ins (contract frames) of one simulated quarter (see above)."""
    spec = KINDS[kind]
    rng = np.random.default_rng([seed, list(KINDS).index(kind)])
    period = Period.parse(PERIOD)
    days = period.days
    mu = rng.uniform(*spec["mu"], n)
    sigma = rng.uniform(*spec["sigma"], n)
    steps = np.tile(mu[:, None] / days, (1, days))
    if spec["stall"] is not None:
        stall = (rng.uniform(*spec["stall"], n) * days).astype(int)
        steps[np.arange(days)[None, :] >= stall[:, None]] = 0.0
    steps += sigma[:, None] / np.sqrt(days) * rng.standard_normal((n, days))
    path = np.c_[np.zeros(n), np.cumsum(steps, axis=1)]  # progress at day 0..days
    falling = np.arange(n) % 2 == 1
    ids = [f"{kind[:3].upper()}-{i}" for i in range(n)]
    krs = pd.DataFrame({
        "kr_id": ids, "objective_id": [f"O-{i // 4}" for i in range(n)],
        "title": [f"{kind} key result {i}" for i in range(n)], "unit": "points",
        "direction": np.where(falling, "decrease", "increase"),
        "baseline": np.where(falling, 100.0, 0.0), "target": np.where(falling, 0.0, 100.0),
        "weight": 1.0,
    })
    oids = sorted(set(krs["objective_id"]), key=lambda s: int(s[2:]))
    objs = pd.DataFrame({"objective_id": oids, "period": PERIOD, "title": oids,
                         "level": "team", "team": kind, "owner": "sim",
                         "kind": "aspirational", "weight": 1.0})
    rows = []
    check_days = np.arange(3, days, 7)
    for i in range(n):
        keep = rng.random(len(check_days)) >= 0.1
        d = check_days[keep]
        prog = path[i, d]
        share = (d + 1) / days
        conf = _people(prog, share, rng)
        value = np.round(np.where(falling[i], 100 - 100 * prog, 100 * prog), 1)
        for day, v, c in zip(d, value, conf, strict=True):
            rows.append({"kr_id": ids[i], "date": period.start + dt.timedelta(days=int(day)),
                         "value": float(v), "confidence": float(c)})
    plan = Plan(period=period, objectives=conform(objs, "objectives"),
                key_results=conform(krs, "key_results"), cadence_days=7)
    return plan, conform(pd.DataFrame(rows), "checkins")

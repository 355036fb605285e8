"""Synthetic enterprise for the scale benchmarks.

``make_enterprise`` builds a 4-level hierarchy (company -> business unit -> team ->
project; ~25k objectives for 100k key results) with all five directions, weights, some
phased milestones, and check-ins trending toward their targets with noise, inside the
period up to ``as_of``. Deterministic for a seed; vectorised (a few seconds at full size).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from okrkit.frames import Plan, conform
from okrkit.period import Period
from okrkit.rules import value_progress

LEVELS = ("company", "business_unit", "team", "project")
DIRECTION_MIX = {"increase": 0.5, "decrease": 0.3, "at_least": 0.08, "at_most": 0.07,
                 "milestone": 0.05}
STATUSES = np.array([None, None, None, "In Progress", "At Risk", "Complete"], dtype=object)


def make_enterprise(
    n_krs: int = 100_000,
    n_checkins: int = 1_300_000,
    *,
    seed: int = 0,
    period: str = "2026-Q1",
    as_of: dt.date = dt.date(2026, 2, 20),
) -> tuple[Plan, pd.DataFrame]:
    """A plan and its check-ins (contract frames); objectives ~ n_krs / 4."""
    rng = np.random.default_rng(seed)
    p = Period.parse(period)
    n_obj = max(4, n_krs // 4)
    sizes = [max(1, n_obj // 1000), max(1, n_obj // 50), max(1, n_obj // 5)]
    sizes.append(n_obj - sum(sizes))
    ids: list[str] = []
    parents: list[object] = []
    levels: list[str] = []
    prev: np.ndarray | None = None
    for depth, size in enumerate(sizes):
        cur = np.array([f"L{depth}-{i}" for i in range(size)], dtype=object)
        ids += cur.tolist()
        parents += [None] * size if prev is None else rng.choice(prev, size).tolist()
        levels += [LEVELS[depth]] * size
        prev = cur
    n_total = len(ids)
    objectives = conform(pd.DataFrame({
        "objective_id": ids, "period": period, "title": [f"Objective {i}" for i in ids],
        "level": levels, "parent_id": parents,
        "team": [f"team-{i % 997}" for i in range(n_total)],
        "owner": "owner", "kind": rng.choice(["aspirational", "committed"], n_total, p=[.8, .2]),
        "weight": rng.choice([1.0, 1.0, 2.0, 0.5], n_total),
    }), "objectives")

    direction = rng.choice(list(DIRECTION_MIX), n_krs, p=list(DIRECTION_MIX.values()))
    baseline = rng.uniform(0, 100, n_krs).round(1)
    span = rng.uniform(5, 50, n_krs).round(1)
    target = np.where(direction == "decrease", baseline - span, baseline + span)
    target = np.where(direction == "milestone", rng.integers(1, 5, n_krs), target)
    baseline = np.where(direction == "milestone", 0.0, baseline)
    milestones = np.full(n_krs, None, dtype=object)
    phased = np.flatnonzero((direction == "increase") & (rng.random(n_krs) < 0.03))
    m1, m2 = dt.date(p.start.year, p.start.month, 28), p.start + dt.timedelta(days=58)
    for i in phased:
        step = (target[i] - baseline[i]) / 4
        milestones[i] = ((m1, round(baseline[i] + step, 3)), (m2, round(baseline[i] + 2.5 * step, 3)))
    key_results = conform(pd.DataFrame({
        "kr_id": [f"K{i}" for i in range(n_krs)],
        "objective_id": rng.choice(prev, n_krs),
        "title": "Key result", "unit": "u", "direction": direction, "baseline": baseline,
        "target": target, "weight": rng.choice([1.0, 1.0, 2.0, 3.0], n_krs),
        "milestones": milestones,
    }), "key_results")

    kr = rng.integers(0, n_krs, n_checkins)
    days = (as_of - p.start).days + 1
    offset = rng.integers(0, days, n_checkins)
    date = (np.datetime64(p.start, "D") + offset).astype("datetime64[D]")
    speed = rng.uniform(0.2, 1.6, n_krs)[kr]
    frac = offset / p.days * speed + rng.normal(0, 0.05, n_checkins)
    b, t = baseline[kr], target[kr]
    value = b + (t - b) * frac
    thr = np.isin(direction[kr], ("at_least", "at_most"))
    value = np.where(thr, t + rng.normal(0, 0.5, n_checkins) * span[kr] / 10, value)
    value = np.where(direction[kr] == "milestone", np.floor(frac * t).clip(0), value)
    value = value.round(3)
    status = STATUSES[rng.integers(0, len(STATUSES), n_checkins)]
    # a reported Complete needs the target reached (okrkit.rules.status_conflicts)
    reached = value_progress(direction[kr], b, t, value) >= 1 - 1e-9
    status = np.where((status == "Complete") & ~reached, "In Progress", status).astype(object)
    checkins = pd.DataFrame({
        "kr_id": key_results["kr_id"].to_numpy()[kr],
        "date": pd.Series(date).dt.date.to_numpy(dtype=object),
        "value": value,
        "confidence": rng.uniform(0.2, 1.0, n_checkins).round(2),
        "status": status,
        "note": None, "blockers": None, "achievements": None, "author": None,
        "recorded_at": None,
    })
    plan = Plan(period=p, objectives=objectives, key_results=key_results)
    return plan, checkins

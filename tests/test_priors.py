"""Priors learned from closed periods (okrkit.priors)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import checkins_frame, one_objective_plan

from okrkit.forecast_model import FALLBACK_NOISE, PLAN_PRIOR
from okrkit.priors import (
    ALL_TEAMS,
    MIN_DRIFT_SD,
    SHRINK,
    history,
    kind_of,
    learn_priors,
    store_priors,
)

KRS = [
    "{id: L, title: Line, unit: u, direction: increase, baseline: 0, target: 100}",
    "{id: D, title: Down, unit: u, direction: decrease, baseline: 100, target: 0}",
    '{id: T, title: Keep, unit: "%", direction: at_most, target: 1}',
    "{id: S, title: Silent, unit: u, direction: increase, baseline: 0, target: 10}",
]


def test_history_of_a_closed_period() -> None:
    plan = one_objective_plan(KRS, period="2025-Q4", team="alpha")
    ck = checkins_frame([("L", "2025-10-15", 30), ("L", "2025-11-15", 60),
                         ("L", "2025-12-20", 120), ("D", "2025-11-01", 50),
                         ("T", "2025-10-10", 0.5), ("T", "2025-11-10", 1.5),
                         ("T", "2025-12-10", 0.8)])
    h = history(plan, ck).set_index("kr_id")
    assert list(h.index) == ["L", "D", "T"]  # S has no check-in: no history
    assert h.loc["L", "progress"] == pytest.approx(1.2)  # unclipped
    assert h.loc["D", "progress"] == pytest.approx(0.5)
    assert h.loc["T", "progress"] == pytest.approx(2 / 3)  # the share of check-ins met
    assert h.loc["L", "kind"] == "linear" and h.loc["T", "kind"] == "threshold"
    assert (h.loc[["L", "D"], "noise"] > 0).all() and h.loc["T", "noise"] == 0
    assert (h["team"] == "alpha").all() and (h["period"] == "2025-Q4").all()


def test_learned_priors_shrink_a_team_towards_everyone() -> None:
    rng = np.random.default_rng(0)
    a = rng.normal(1.2, 0.3, 12)
    b = rng.normal(0.6, 0.3, 4)
    frame = pd.DataFrame({
        "period": "2025-Q1", "team": ["a"] * 12 + ["b"] * 4, "kind": "linear",
        "kr_id": [f"K{i}" for i in range(16)], "progress": np.r_[a, b],
        "noise": 0.1})
    pr = learn_priors(frame)
    t = pr.table.set_index(["team", "kind"])
    everyone = np.r_[a, b].mean()
    assert t.loc[(ALL_TEAMS, "linear"), "drift"] == pytest.approx(everyone)
    w = 4 / (4 + SHRINK)
    assert t.loc[("b", "linear"), "drift"] == pytest.approx(w * b.mean() + (1 - w) * everyone)
    var = w * b.var() + (1 - w) * np.r_[a, b].var()
    assert t.loc[("b", "linear"), "drift_sd"] == pytest.approx(
        max(np.sqrt(max(var - 0.01, 0)), MIN_DRIFT_SD))
    assert pr.periods == ("2025-Q1",)
    # per key result: the team's row, else everyone's, else the plan's
    p = pr.for_key_results(["b", "zeta", "b"], ["increase", "decrease", "milestone"])
    assert p.drift[0] == t.loc[("b", "linear"), "drift"]
    assert p.drift[1] == t.loc[(ALL_TEAMS, "linear"), "drift"]
    assert p.drift[2] == PLAN_PRIOR.drift and p.noise[2] == FALLBACK_NOISE  # no milestones
    assert kind_of(["at_least", "milestone", "decrease"]).tolist() == [
        "threshold", "milestone", "linear"]


def test_too_little_history_teaches_nothing() -> None:
    frame = pd.DataFrame({"period": "2025-Q1", "team": "a", "kind": "linear",
                          "kr_id": ["A", "B"], "progress": [2.0, 2.0], "noise": 0.1})
    assert learn_priors(frame).table.empty


def test_store_priors_never_learn_from_the_future(sample_store) -> None:
    assert store_priors(sample_store, "2025-Q1") is None
    q3 = store_priors(sample_store, "2025-Q3")
    assert q3 is not None and q3.periods == ("2025-Q1", "2025-Q2")
    t = q3.table.set_index(["team", "kind"])
    # the sandbagging team's key results end beyond their targets, the over-confident
    # team's well short: the priors say so
    assert t.loc[("platform", "linear"), "drift"] > 1.0
    assert t.loc[("genai-assistant", "linear"), "drift"] < t.loc[(ALL_TEAMS, "linear"), "drift"]
    assert t.loc[("platform", "threshold"), "drift"] > 0.9  # its thresholds always held

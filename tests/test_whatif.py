"""What-if: hand-computed overrides, zero diff at stretch 1, suggestions, the fast path."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest
from conftest import checkins_frame

from okrkit.errors import OKRKitError
from okrkit.forecasting import forecast
from okrkit.plan import parse_plan
from okrkit.whatif import DIFF_COLUMNS, WhatIfSession, suggest_targets, what_if

PLAN = """period: 2026-Q1
objectives:
  - {id: C, title: Company, level: company, team: co, owner: x}
  - id: A
    title: Grow
    parent: C
    team: a
    owner: x
    key_results:
      - {id: A1, title: CSAT, unit: "%", direction: increase, baseline: 80, target: 95}
      - {id: A2, title: Markets, unit: n, direction: increase, baseline: 0, target: 10,
         weight: 3}
  - id: B
    title: Shrink
    parent: C
    team: b
    owner: x
    weight: 2
    key_results:
      - {id: B1, title: Churn, unit: "%", direction: decrease, baseline: 12, target: 5}
      - {id: B2, title: Uptime, unit: "%", direction: at_least, baseline: 99, target: 99.9}
      - {id: B3, title: Launches, unit: n, direction: milestone, baseline: 0, target: 2}
"""
AS_OF = "2026-02-13"


@pytest.fixture
def plan():
    return parse_plan(PLAN)


@pytest.fixture
def ck() -> pd.DataFrame:
    return checkins_frame(
        [
            ("A1", "2026-02-01", 90),  # 10/15
            ("A2", "2026-01-20", 2),
            ("A2", "2026-02-01", 6),  # 0.6
            ("B1", "2026-02-01", 8.5),  # 3.5/7 = 0.5
            ("B2", "2026-01-15", 99.95),
            ("B2", "2026-02-01", 99.5),
            ("B2", "2026-02-13", 99.92),  # 2 of 3 met
            ("B3", "2026-02-01", 1),  # 1/2
        ]
    )


def kr_diff(w, kr_id: str) -> pd.Series:
    return w.key_results_diff.set_index("id").loc[kr_id]


def obj_diff(w, oid: str) -> pd.Series:
    return w.objectives_diff.set_index("id").loc[oid]


def test_baseline_hand_computed(plan, ck) -> None:
    w = what_if(plan, ck, AS_OF)
    before = w.key_results_diff.set_index("id")["score_before"]
    assert before["A1"] == pytest.approx(2 / 3)
    assert before["B2"] == pytest.approx(2 / 3)
    a = (2 / 3 + 3 * 0.6) / 4
    b = (0.5 + 2 / 3 + 0.5) / 3
    assert obj_diff(w, "A")["score_before"] == pytest.approx(a)
    assert obj_diff(w, "C")["score_before"] == pytest.approx((a + 2 * b) / 3)
    assert w.overall_before == pytest.approx((a + 2 * b) / 3)


def test_stretch_one_gives_zero_diff(plan, ck) -> None:
    w = what_if(plan, ck, AS_OF, stretch=1.0)
    assert list(w.key_results_diff.columns) == DIFF_COLUMNS
    assert list(w.objectives_diff.columns) == DIFF_COLUMNS
    assert (w.key_results_diff["delta"] == 0).all()
    assert (w.objectives_diff["delta"] == 0).all()
    assert not w.key_results_diff["changed"].any() and not w.objectives_diff["changed"].any()
    assert w.overall_after == w.overall_before


def test_target_override_hand_computed(plan, ck) -> None:
    w = what_if(plan, ck, AS_OF, targets={"A2": 8})
    d = kr_diff(w, "A2")
    assert d["score_before"] == pytest.approx(0.6) and d["score_after"] == pytest.approx(0.75)
    assert d["delta"] == pytest.approx(0.15)
    assert (d["band_before"], d["band_after"], d["changed"]) == ("yellow", "green", True)
    assert not kr_diff(w, "A1")["changed"]
    a_after = (2 / 3 + 3 * 0.75) / 4
    assert obj_diff(w, "A")["score_after"] == pytest.approx(a_after)
    assert not obj_diff(w, "B")["changed"]
    assert w.scenario.key_results.set_index("kr_id").loc["A2", "target"] == 8


def test_threshold_target_override_recounts_checkins(plan, ck) -> None:
    w = what_if(plan, ck, AS_OF, targets={"B2": 99.4})  # now all 3 met
    assert kr_diff(w, "B2")["score_after"] == 1.0


def test_stretch_hand_computed(plan, ck) -> None:
    w = what_if(plan, ck, AS_OF, stretch=1.2)
    krs = w.scenario.key_results.set_index("kr_id")
    assert krs.loc["A1", "target"] == pytest.approx(98)  # 80 + 1.2 * 15
    assert kr_diff(w, "A1")["score_after"] == pytest.approx(10 / 18)
    assert krs.loc["B1", "target"] == pytest.approx(3.6)  # 12 - 1.2 * 7
    assert kr_diff(w, "B1")["score_after"] == pytest.approx(3.5 / 8.4)
    assert krs.loc["B3", "target"] == 2  # milestone counts are not stretched
    # an explicit target wins over the stretch
    w2 = what_if(plan, ck, AS_OF, stretch=1.2, targets={"A1": 90})
    assert kr_diff(w2, "A1")["score_after"] == 1.0


def test_value_override_appends_a_checkin_at_as_of(plan, ck) -> None:
    w = what_if(plan, ck, AS_OF, values={"A2": 9, "B2": 99.0})
    assert kr_diff(w, "A2")["score_after"] == pytest.approx(0.9)
    krs = w.scenario.key_results.set_index("kr_id")
    assert str(krs.loc["A2", "last_checkin"]) == AS_OF
    assert krs.loc["A2", "checkins"] == 3
    # B2 had a check-in on as_of: replaced (latest recorded wins) -> 1 of 3 met
    assert krs.loc["B2", "checkins"] == 3
    assert kr_diff(w, "B2")["score_after"] == pytest.approx(1 / 3)


def test_weights_for_key_results_and_objectives(plan, ck) -> None:
    w = what_if(plan, ck, AS_OF, weights={"A2": 1, "B": 1})
    a = (2 / 3 + 0.6) / 2
    b = (0.5 + 2 / 3 + 0.5) / 3
    assert obj_diff(w, "A")["score_after"] == pytest.approx(a)
    assert obj_diff(w, "C")["score_after"] == pytest.approx((a + b) / 2)
    assert w.overall_after == pytest.approx((a + b) / 2)


def test_inputs_not_mutated(plan, ck) -> None:
    krs, obj, ck0 = plan.key_results.copy(), plan.objectives.copy(), ck.copy()
    what_if(plan, ck, AS_OF, targets={"A1": 99}, values={"A2": 9}, weights={"A": 5},
            stretch=1.3)
    pdt.assert_frame_equal(plan.key_results, krs)
    pdt.assert_frame_equal(plan.objectives, obj)
    pdt.assert_frame_equal(ck, ck0)


def test_bad_overrides_raise(plan, ck) -> None:
    with pytest.raises(OKRKitError, match="unknown"):
        what_if(plan, ck, AS_OF, targets={"nope": 1})
    with pytest.raises(OKRKitError, match="unknown"):
        what_if(plan, ck, AS_OF, weights={"nope": 1})
    with pytest.raises(OKRKitError):
        what_if(plan, ck, AS_OF, weights={"A1": 0})
    with pytest.raises(OKRKitError):
        what_if(plan, ck, AS_OF, targets={"A1": 80})  # equals the baseline
    with pytest.raises(OKRKitError):
        what_if(plan, ck, AS_OF, stretch=0)


def test_no_checkins_value_override(plan) -> None:
    w = what_if(plan, None, AS_OF, values={"A1": 95})
    assert kr_diff(w, "A1")["score_before"] == 0 and kr_diff(w, "A1")["score_after"] == 1


def test_suggest_targets_stay_inside_the_metric_range(plan) -> None:
    # A1 (CSAT %) rises 0.5/day: 98 on Feb 1 -> 127 at Mar 31 by the trend, but a
    # percentage stops at 100; B1 (churn %) falls 0.1/day; A2 (markets, a count) rises.
    lin = checkins_frame(
        [("A1", "2026-01-12", 88), ("A1", "2026-01-22", 93), ("A1", "2026-02-01", 98),
         ("B1", "2026-01-22", 11), ("B1", "2026-02-01", 10),
         ("A2", "2026-01-22", 2), ("A2", "2026-02-01", 3)]
    )
    fc = forecast(plan, lin, "2026-02-01", simulations=4000, seed=4)
    out = suggest_targets(plan, lin, "2026-02-01", forecast=fc, goal=0.7).set_index("kr_id")
    assert fc.key_results["p90_value"].max() <= 100  # no simulated CSAT above 100 %
    a1 = out.loc["A1"]
    assert a1["expected_end_value"] <= 100 and np.isnan(a1["suggested_target"])
    assert "no target inside the metric's range (0 to 100 %)" in a1["reason"]
    expected = fc.key_results.set_index("kr_id")["expected_value"]
    b1 = out.loc["B1"]
    assert b1["suggested_target"] == pytest.approx(12 + (expected["B1"] - 12) / 0.7)
    assert 0 <= b1["suggested_target"] < 5 and b1["reason"] is None
    a2 = out.loc["A2"]
    assert a2["suggested_target"] == pytest.approx(expected["A2"] / 0.7)
    # threshold / milestone KRs: no suggestion, and the reason says so
    assert np.isnan(out.loc["B2", "suggested_target"]) and "at_least" in out.loc["B2", "reason"]
    assert np.isnan(out.loc["B3", "suggested_target"])
    # the suggestion scores `goal` at the expected end value
    w = what_if(plan, lin, "2026-02-01", targets={"B1": b1["suggested_target"]},
                values={"B1": expected["B1"]})
    assert kr_diff(w, "B1")["score_after"] == pytest.approx(0.7)
    # without a forecast it makes one (the default seed: same numbers as seed 0)
    again = suggest_targets(plan, lin, "2026-02-01").set_index("kr_id")
    assert np.isnan(again.loc["A1", "suggested_target"])


SCENARIOS = [
    {},
    {"targets": {"A2": 8, "B2": 99.4}},
    {"values": {"A2": 9, "B2": 99.0, "B3": 2}},
    {"weights": {"A2": 1, "B": 1, "B1": 4}},
    {"stretch": 1.25},
    {"stretch": 0.9, "targets": {"A1": 92}, "values": {"B1": 7, "B2": 100},
     "weights": {"A": 3}},
]


@pytest.mark.parametrize("kwargs", SCENARIOS)
def test_session_apply_equals_what_if(plan, ck, kwargs) -> None:
    session = WhatIfSession(plan, ck, AS_OF)
    fast = session.apply(**kwargs)
    full = what_if(plan, ck, AS_OF, **kwargs)
    assert fast["objective_id"].tolist() == full.scenario.objectives["objective_id"].tolist()
    assert np.allclose(fast["score"], full.scenario.objectives["score"], equal_nan=True)
    assert fast["band"].tolist() == full.scenario.objectives["band"].tolist()
    assert session.overall == pytest.approx(full.overall_after)


def test_session_calls_are_independent(plan, ck) -> None:
    session = WhatIfSession(plan, ck, AS_OF)
    first = session.apply()
    session.apply(targets={"A2": 8}, values={"B2": 1}, weights={"C": 9}, stretch=2)
    pdt.assert_frame_equal(session.apply(), first)
    with pytest.raises(OKRKitError):
        session.apply(targets={"nope": 1})


@pytest.mark.parametrize("bad", [{"weights": {"A": -1}}, {"weights": {"A1": float("nan")}},
                                 {"values": {"A1": float("inf")}}, {"stretch": 0}])
def test_session_refuses_what_what_if_refuses(plan, ck, bad) -> None:
    """One weight/number rule: the slider session refuses the same input as what_if."""
    with pytest.raises(OKRKitError, match="must be a") as a:
        what_if(plan, ck, AS_OF, **bad)
    with pytest.raises(OKRKitError, match="must be a") as b:
        WhatIfSession(plan, ck, AS_OF).apply(**bad)
    assert str(a.value) == str(b.value)

"""Forecast: known answers for deterministic KRs, fallbacks, roll-up, reproducibility."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest
from conftest import checkins_frame

from okrkit.errors import OKRKitError
from okrkit.forecasting import KR_FORECAST_COLUMNS, OBJECTIVE_FORECAST_COLUMNS, Forecast, forecast
from okrkit.plan import parse_plan
from okrkit.scoring import score

# 2026-Q1: Jan 1 (day 0) .. Mar 31 (day 89), 90 days
PLAN = """period: 2026-Q1
objectives:
  - {id: C, title: Company, level: company, team: co, owner: x}
  - id: A
    title: Grow
    parent: C
    team: a
    owner: x
    weight: 2
    key_results:
      - {id: A1, title: Linear to 89, unit: u, direction: increase, baseline: 0, target: 100}
      - {id: A2, title: Linear past target, unit: u, direction: increase, baseline: 0,
         target: 80, weight: 3}
  - id: B
    title: Shrink
    parent: C
    team: b
    owner: x
    key_results:
      - {id: B1, title: Linear down, unit: u, direction: decrease, baseline: 100, target: 0}
      - {id: B2, title: Held threshold, unit: u, direction: at_least, baseline: 0, target: 4}
      - {id: B3, title: Milestones, unit: n, direction: milestone, baseline: 0, target: 4}
"""


def linear_checkins() -> pd.DataFrame:
    rows = [
        ("A1", "2026-01-11", 10),
        ("A1", "2026-01-21", 20),
        ("A1", "2026-01-31", 30),
        ("A2", "2026-01-11", 10),
        ("A2", "2026-01-31", 30),
        ("B1", "2026-01-16", 85),
        ("B1", "2026-01-31", 70),
        ("B2", "2026-01-11", 5),
        ("B2", "2026-01-21", 5),
        ("B2", "2026-01-31", 5),
        ("B3", "2026-01-11", 0.5),
        ("B3", "2026-01-31", 1.5),  # 1 milestone per 20 days
    ]
    return checkins_frame(rows)


@pytest.fixture
def plan():
    return parse_plan(PLAN)


def kr_row(fc: Forecast, kr_id: str) -> pd.Series:
    return fc.key_results.set_index("kr_id").loc[kr_id]


def test_columns_and_metadata(plan) -> None:
    fc = forecast(plan, linear_checkins(), "2026-01-31", simulations=50, seed=7)
    assert list(fc.key_results.columns) == KR_FORECAST_COLUMNS
    assert list(fc.objectives.columns) == OBJECTIVE_FORECAST_COLUMNS
    assert fc.key_results["kr_id"].tolist() == ["A1", "A2", "B1", "B2", "B3"]
    assert fc.objectives["objective_id"].tolist() == ["C", "A", "B"]
    assert fc.simulations == 50 and fc.seed == 7
    assert str(fc.as_of) == "2026-01-31"
    assert kr_row(fc, "A1")["team"] == "a" and kr_row(fc, "B1")["team"] == "b"


def test_perfectly_linear_krs_forecast_exact_end_values(plan) -> None:
    fc = forecast(plan, linear_checkins(), "2026-01-31", simulations=300, seed=1)
    # A1: 1/day, 59 days after Jan 31 -> 89 at Mar 31; score 0.89
    a1 = kr_row(fc, "A1")
    assert a1["value_now"] == 30
    assert a1["expected_value"] == pytest.approx(89.0)
    assert a1["p10_value"] == pytest.approx(89.0) and a1["p90_value"] == pytest.approx(89.0)
    assert a1["expected_score"] == pytest.approx(0.89)
    assert a1["p_score_07"] == 1.0 and a1["p_complete"] == 0.0
    # A2 reaches 89 > 80: complete in every simulation
    a2 = kr_row(fc, "A2")
    assert a2["expected_value"] == pytest.approx(89.0)
    assert a2["expected_score"] == 1.0 and a2["p_complete"] == 1.0
    # B1: -1/day from 70 -> 11 at Mar 31; progress (11 - 100) / (0 - 100) = 0.89
    b1 = kr_row(fc, "B1")
    assert b1["expected_value"] == pytest.approx(11.0)
    assert b1["expected_score"] == pytest.approx(0.89)
    assert b1["p_complete"] == 0.0 and b1["p_score_07"] == 1.0
    # B2 held at 5 >= 4 at every check-in, flat trend: every future check-in meets it
    b2 = kr_row(fc, "B2")
    assert b2["expected_value"] == 5.0 and b2["p_complete"] == 1.0
    # B3: 1.5 + 59/20 = 4.45 milestones of 4 -> score 1
    b3 = kr_row(fc, "B3")
    assert b3["expected_value"] == pytest.approx(4.45)
    assert b3["expected_score"] == 1.0


def test_objective_roll_up_is_weighted_mean_when_deterministic(plan) -> None:
    fc = forecast(plan, linear_checkins(), "2026-01-31", simulations=100, seed=3)
    krs = fc.key_results.set_index("kr_id")["expected_score"]
    obj = fc.objectives.set_index("objective_id")
    a = (1 * krs["A1"] + 3 * krs["A2"]) / 4
    b = (krs["B1"] + krs["B2"] + krs["B3"]) / 3
    c = (2 * a + 1 * b) / 3
    assert obj.loc["A", "expected_score"] == pytest.approx(a)
    assert obj.loc["B", "expected_score"] == pytest.approx(b)
    assert obj.loc["C", "expected_score"] == pytest.approx(c)
    # deterministic scores: probabilities are 0 or 1
    assert obj.loc["A", "p_score_07"] == 1.0 and obj.loc["A", "p_complete"] == 0.0
    assert obj.loc["C", "p_score_07"] == 1.0


def test_finished_period_forecasts_the_scored_state(plan) -> None:
    ck = linear_checkins()
    fc = forecast(plan, ck, "2026-03-31", simulations=100)
    card = score(plan, ck, "2026-03-31")
    pdt.assert_series_equal(
        fc.key_results["expected_score"], card.key_results["score"], check_names=False
    )
    assert (fc.key_results["p10_value"] == fc.key_results["value_now"]).all()
    obj_scores = card.objectives["score"].to_numpy()
    assert np.allclose(fc.objectives["expected_score"].to_numpy(), obj_scores)


def test_same_seed_identical_other_seed_differs(plan) -> None:
    ck = checkins_frame(
        [
            ("A1", "2026-01-05", 3),
            ("A1", "2026-01-12", 12),
            ("A1", "2026-01-19", 14),
            ("A1", "2026-01-26", 26),
            ("B1", "2026-01-20", 80),  # one check-in: fallback noise
        ]
    )
    one = forecast(plan, ck, "2026-01-31", simulations=500, seed=11)
    two = forecast(plan, ck, "2026-01-31", simulations=500, seed=11)
    pdt.assert_frame_equal(one.key_results, two.key_results)
    pdt.assert_frame_equal(one.objectives, two.objectives)
    other = forecast(plan, ck, "2026-01-31", simulations=500, seed=12)
    assert not np.allclose(
        one.key_results["expected_value"].iloc[:1], other.key_results["expected_value"].iloc[:1]
    )


def test_resampled_noise_is_centred_on_the_least_squares_trend(plan) -> None:
    # changes of +9, +2, +12 per 7 days: slope by least squares, noise from the spread
    ck = checkins_frame(
        [
            ("A1", "2026-01-05", 3),
            ("A1", "2026-01-12", 12),
            ("A1", "2026-01-19", 14),
            ("A1", "2026-01-26", 26),
        ]
    )
    x = np.array([4, 11, 18, 25], dtype=float)
    y = np.array([3, 12, 14, 26], dtype=float)
    slope = np.polyfit(x, y, 1)[0]
    trend = 26 + slope * (89 - 25)
    fc = forecast(plan, ck, "2026-01-31", simulations=4000, seed=5)
    a1 = kr_row(fc, "A1")
    rates = np.diff(y) / 7
    steps = [14, 14, 14, 14, 8]  # 64 days in cadence-sized steps
    sd = math.sqrt(sum(h * h for h in steps) * rates.var())
    assert a1["expected_value"] == pytest.approx(trend, abs=4 * sd / math.sqrt(4000))
    assert a1["p10_value"] < trend < a1["p90_value"]
    assert a1["p90_value"] - a1["p10_value"] == pytest.approx(2 * 1.2816 * sd, rel=0.2)


def test_fallbacks_for_fewer_than_two_checkins(plan) -> None:
    sims = 4000
    ck = checkins_frame([("A1", "2026-01-31", 30)])  # one check-in: slope from baseline
    fc = forecast(plan, ck, "2026-01-31", simulations=sims, seed=2)
    sd_a1 = 0.1 * 100 * math.sqrt(59 / 90)
    a1 = kr_row(fc, "A1")
    assert a1["expected_value"] == pytest.approx(30 + 59, abs=4 * sd_a1 / math.sqrt(sims))
    assert a1["p90_value"] - a1["p10_value"] == pytest.approx(2 * 1.2816 * sd_a1, rel=0.1)
    # no check-in: stays at the baseline with 10% of the span as noise over the period
    b1 = kr_row(fc, "B1")
    sd_b1 = 0.1 * 100 * math.sqrt(89 / 90)
    assert math.isnan(b1["value_now"])
    assert b1["expected_value"] == pytest.approx(100, abs=4 * sd_b1 / math.sqrt(sims))
    assert b1["p90_value"] - b1["p10_value"] == pytest.approx(2 * 1.2816 * sd_b1, rel=0.1)
    assert 0 < b1["expected_score"] < 0.1


def test_checkins_after_as_of_and_corrections_follow_scoring(plan) -> None:
    ck = linear_checkins()
    extra = checkins_frame([("A1", "2026-02-20", 999)])  # after as_of: ignored
    fixed = pd.concat([ck, extra], ignore_index=True)
    fc = forecast(plan, fixed, "2026-01-31", simulations=20)
    assert kr_row(fc, "A1")["expected_value"] == pytest.approx(89.0)
    # a later row for the same KR and day replaces the earlier one
    corr = pd.concat([ck, checkins_frame([("A1", "2026-01-31", 40)])], ignore_index=True)
    fc2 = forecast(plan, corr, "2026-01-31", simulations=20)
    assert kr_row(fc2, "A1")["value_now"] == 40


def test_inputs_not_mutated(plan) -> None:
    ck = linear_checkins()
    ck_before, krs_before = ck.copy(), plan.key_results.copy()
    forecast(plan, ck, "2026-01-31", simulations=20)
    pdt.assert_frame_equal(ck, ck_before)
    pdt.assert_frame_equal(plan.key_results, krs_before)


def test_no_checkins_and_bad_simulations(plan) -> None:
    fc = forecast(plan, None, "2026-01-31", simulations=10)
    assert len(fc.key_results) == 5 and fc.key_results["value_now"].isna().all()
    with pytest.raises(OKRKitError):
        forecast(plan, None, simulations=0)


def test_vectorised_scale_smoke() -> None:
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from generate import make_enterprise

    plan, ck = make_enterprise(2_000, 20_000, seed=4)
    fc = forecast(plan, ck, "2026-02-20", simulations=200, seed=0)
    krs = fc.key_results
    assert krs["expected_score"].between(0, 1).all()
    assert (krs["p_complete"] <= krs["p_score_07"] + 1e-12).all()
    assert (krs["p10_value"] <= krs["p90_value"] + 1e-9).all()
    card = score(plan, ck, "2026-02-20")
    pdt.assert_series_equal(
        fc.objectives["expected_score"].isna(), card.objectives["score"].isna(), check_names=False
    )

"""Forecast: the model's known answers, honest uncertainty, coverage, roll-up, reproducibility."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest
from conftest import checkins_frame

import okrkit.forecasting as F
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


def _width(sigma: float, horizon: float, observed: float, dof: float) -> float:
    """p90 - p10 of the model: sigma * sqrt(H + H^2 / T) times a Student-t quantile."""
    from scipy import stats

    return 2 * stats.t.ppf(0.9, dof) * sigma * math.sqrt(horizon + horizon**2 / observed)


SIGMA0 = 0.1 * 100 / math.sqrt(90)  # the fallback noise of a span of 100 (per sqrt(day))
K0, MIN_DOF = F.PRIOR_WEIGHT, F.MIN_DOF


def pooled(ss: float, intervals: int) -> tuple[float, float]:
    """The model's noise scale and degrees of freedom for ``intervals`` with sum of squares."""
    dof = max(intervals - 1, 0)
    return math.sqrt((ss + K0 * SIGMA0**2) / (dof + K0)), max(dof + K0, MIN_DOF)


def test_linear_krs_follow_their_trend_but_are_never_certain(plan) -> None:
    sims = 4000
    fc = forecast(plan, linear_checkins(), "2026-01-31", simulations=sims, seed=1)
    # A1: (Jan 1, 0), then 1/day to 30 on Jan 31 -> 89 at Mar 31, and no spread observed
    # in its 3 intervals: the noise is what the prior leaves
    a1 = kr_row(fc, "A1")
    sigma, dof = pooled(0.0, 3)
    width = _width(sigma, 59, 30, dof)
    assert a1["value_now"] == 30
    assert a1["expected_value"] == pytest.approx(89.0, abs=4 * width / 2.6 / math.sqrt(sims))
    assert a1["p10_value"] < 89 < a1["p90_value"]
    assert a1["p90_value"] - a1["p10_value"] == pytest.approx(width, rel=0.08)
    assert 0.9 < a1["p_score_07"] < 1.0 and a1["p_complete"] < 0.2
    # A2 reaches 89 > 80 on average: likely, not certainly, complete
    assert 0.5 < kr_row(fc, "A2")["p_complete"] < 1.0
    # B1: -1/day from 70 -> 11 at Mar 31; progress (11 - 100) / (0 - 100) = 0.89
    # (clipped at 0, since baseline and target are >= 0: the mean sits above the trend)
    b1 = kr_row(fc, "B1")
    assert 11.0 <= b1["expected_value"] <= 16.0
    assert b1["p10_value"] >= 0
    # B2 held at 5 >= 4 and its span is small: it keeps meeting the threshold
    assert kr_row(fc, "B2")["p_complete"] > 0.9
    # B3: 1.5 + 59/20 = 4.45 milestones of 4 on average
    assert kr_row(fc, "B3")["expected_value"] == pytest.approx(4.45, abs=0.15)


def test_objective_roll_up_is_weighted_mean_of_expected_scores(plan) -> None:
    fc = forecast(plan, linear_checkins(), "2026-01-31", simulations=400, seed=3)
    krs = fc.key_results.set_index("kr_id")["expected_score"]
    obj = fc.objectives.set_index("objective_id")
    a = (1 * krs["A1"] + 3 * krs["A2"]) / 4
    b = (krs["B1"] + krs["B2"] + krs["B3"]) / 3
    c = (2 * a + 1 * b) / 3
    assert obj.loc["A", "expected_score"] == pytest.approx(a)
    assert obj.loc["B", "expected_score"] == pytest.approx(b)
    assert obj.loc["C", "expected_score"] == pytest.approx(c)
    # rolled up per simulation: P(objective green) is not the mean of the KRs' P(green)
    assert 0 < obj.loc["C", "p_score_07"] <= 1.0


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


def test_drift_is_the_least_squares_slope_and_noise_is_pooled(plan) -> None:
    # A1 from (Jan 1, baseline 0), then check-ins on days 4, 11, 18, 25
    ck = checkins_frame([("A1", "2026-01-05", 3), ("A1", "2026-01-12", 12),
                         ("A1", "2026-01-19", 14), ("A1", "2026-01-26", 26)])
    x = np.array([0, 4, 11, 18, 25], dtype=float)
    y = np.array([0, 3, 12, 14, 26], dtype=float)
    slope = np.polyfit(x, y, 1)[0]
    z = (np.diff(y) - slope * np.diff(x)) / np.sqrt(np.diff(x))
    sigma, dof = pooled(float(np.sum(z**2)), 4)
    sims = 6000
    fc = forecast(plan, ck, "2026-01-31", simulations=sims, seed=5)
    a1 = kr_row(fc, "A1")
    width = _width(sigma, 64, 25, dof)
    assert a1["expected_value"] == pytest.approx(26 + slope * 64, abs=width / math.sqrt(sims) * 2)
    assert a1["p90_value"] - a1["p10_value"] == pytest.approx(width, rel=0.08)


def test_thin_evidence_means_wide_uncertainty(plan) -> None:
    """Two check-ins used to give p10 == p90 and P(green) == 1.0; now the prior widens it."""
    ck = checkins_frame([("A1", "2026-01-20", 20), ("A1", "2026-01-31", 30)])
    fc = forecast(plan, ck, "2026-01-31", simulations=3000, seed=2)
    a1 = kr_row(fc, "A1")
    assert a1["p90_value"] - a1["p10_value"] > 20
    assert a1["p_score_07"] < 0.99
    # no check-in at all: stays at the baseline on average, with the prior's noise
    b1 = kr_row(fc, "B1")
    assert math.isnan(b1["value_now"])
    assert b1["expected_value"] == pytest.approx(100, abs=2.5)
    sigma, dof = pooled(0.0, 0)
    assert b1["p90_value"] - b1["p10_value"] == pytest.approx(_width(sigma, 89, 90, dof), rel=0.1)
    assert 0 < b1["expected_score"] < 0.15


@pytest.mark.parametrize(("noise", "cut", "low", "high"), [
    ((0.5, 2.5), 17, 0.72, 0.88), ((0.5, 2.5), 45, 0.72, 0.88), ((0.5, 2.5), 73, 0.72, 0.88),
    # noise far below the prior's floor: the interval is conservative, never overconfident
    ((0.05, 0.3), 45, 0.80, 1.0),
])
def test_forecast_interval_covers_80_percent_of_known_outcomes(noise, cut, low, high) -> None:
    """On random walks with drift whose process is known, [p10, p90] covers about 80%."""
    rng = np.random.default_rng(42)
    n = 400
    drift = rng.uniform(0.2, 1.2, n)  # per day
    sigma = rng.uniform(*noise, n)  # per sqrt(day)
    days = np.arange(0, 91)
    paths = 100 + np.cumsum(np.c_[np.zeros(n), drift[:, None]
                                  + sigma[:, None] * rng.standard_normal((n, 90))], axis=1)
    krs = "\n".join(
        f"      - {{id: K{i}, title: K{i}, unit: u, direction: increase, baseline: 100, "
        f"target: {100 + 90 * drift[i]:.3f}}}" for i in range(n))
    plan = parse_plan(f"period: 2026-Q1\ncadence_days: 7\nobjectives:\n  - id: O\n"
                      f"    title: O\n    key_results:\n{krs}\n")
    weekly = [d for d in days if d % 7 == 3 and 0 < d <= cut]
    ck = checkins_frame([(f"K{i}", str(dt_day(d)), paths[i, d]) for i in range(n) for d in weekly])
    fc = forecast(plan, ck, str(dt_day(cut)), simulations=1500, seed=9)
    truth = paths[:, 89]
    inside = (fc.key_results["p10_value"] <= truth) & (truth <= fc.key_results["p90_value"])
    print(f"80% interval coverage on {n} known random walks (noise {noise}, day {cut}): "
          f"{inside.mean():.3f}")
    assert low <= inside.mean() <= high, inside.mean()


def dt_day(d: int):
    import datetime as dt

    return dt.date(2026, 1, 1) + dt.timedelta(days=int(d))


def test_checkins_after_as_of_and_corrections_follow_scoring(plan) -> None:
    ck = linear_checkins()
    extra = checkins_frame([("A1", "2026-02-20", 999)])  # after as_of: ignored
    fixed = pd.concat([ck, extra], ignore_index=True)
    fc = forecast(plan, fixed, "2026-01-31", simulations=3000)
    assert kr_row(fc, "A1")["expected_value"] == pytest.approx(89.0, abs=1.5)
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

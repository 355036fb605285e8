"""The forecast's estimation rules (okrkit.forecast_model) and what they do to forecasts."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from conftest import checkins_frame, one_objective_plan

from okrkit import rules
from okrkit.forecast_model import (
    CHANGE_Z,
    NO_PRIOR,
    PLAN_PRIOR,
    Prior,
    estimate,
    significant,
)
from okrkit.forecasting import forecast

KRS = [
    "{id: L, title: Line, unit: u, direction: increase, baseline: 0, target: 100}",
    '{id: T, title: Uptime, unit: "%", direction: at_least, target: 99.5}',
    "{id: M, title: Sign-off, unit: sign-off, direction: milestone, target: 1}",
    "{id: N, title: Never checked in, unit: u, direction: increase, baseline: 0, target: 100}",
]
DAY0 = dt.date(2026, 1, 1)


@pytest.fixture
def plan():
    return one_objective_plan(KRS, cadence_days=14)


def d(n: int) -> str:
    return (DAY0 + dt.timedelta(days=n)).isoformat()


def model(plan, rows, day: int, prior=NO_PRIOR):
    krs = plan.key_results.reset_index(drop=True)
    cut = DAY0 + dt.timedelta(days=day)
    return estimate(krs, rules.effective_checkins(krs, rows, plan.period, cut), plan.period, cut,
                    prior)


def test_significant_is_a_conservative_t_test() -> None:
    from scipy import stats

    for dof in (2, 3, 5, 10, 30):
        crit = stats.t.ppf(1 - 0.005, dof)  # the two-sided 1% level
        assert not significant(np.array([crit * 0.99]), np.array([float(dof)]))[0]
        assert significant(np.array([crit * 1.3]), np.array([float(dof)]))[0]
    assert abs(CHANGE_Z - stats.norm.ppf(0.995)) < 1e-3


def test_a_baseline_the_checkins_contradict_is_dropped(plan) -> None:
    # 2 days in, already at 17; then +14 a fortnight: the work started before the period
    rows = checkins_frame([("L", d(2), 17), ("L", d(16), 31), ("L", d(30), 45),
                           ("L", d(44), 59)])
    m = model(plan, rows, 45)
    assert m.lead_dropped[0]
    assert m.drift[0] == pytest.approx(1.0)  # 14 per 14 days, from the check-ins alone
    # a baseline in line with the check-ins is kept (the least-squares slope through it)
    steady = checkins_frame([("L", d(14), 14), ("L", d(28), 29), ("L", d(42), 41)])
    m2 = model(plan, steady, 45)
    assert not m2.lead_dropped[0]
    assert m2.drift[0] == pytest.approx(np.polyfit([0, 14, 28, 42], [0, 14, 29, 41], 1)[0])


def test_a_stall_re_bases_the_drift(plan) -> None:
    rows = checkins_frame([("L", d(7 * k), 7.0 * k) for k in range(1, 7)]
                          + [("L", d(49), 42.2), ("L", d(56), 41.9)])
    m = model(plan, rows, 56)
    assert m.changed[0]
    assert abs(m.drift[0]) < 0.1  # the last three points, not the whole history (~0.8)
    fc = forecast(plan, rows, d(56), simulations=3000, seed=1, prior=NO_PRIOR)
    assert fc.key_results.set_index("kr_id").loc["L", "expected_value"] < 50
    straight = checkins_frame([("L", d(7 * k), 7.0 * k) for k in range(1, 9)])
    assert not model(plan, straight, 56).changed[0]


def test_a_threshold_without_baseline_counts_its_hits(plan) -> None:
    rows = checkins_frame([("T", d(14), 99.6), ("T", d(28), 99.4), ("T", d(42), 99.7)])
    m = model(plan, rows, 42, Prior(hit_rate=0.8, hit_weight=2))
    assert m.hit_a[1] == pytest.approx(1.6 + 2) and m.hit_b[1] == pytest.approx(0.4 + 1)
    # the exact beta-binomial chance that the share met ends >= 0.7: 3 more check-ins
    # (days 56, 70, 84, and the shorter step to day 89) -> 4 steps, 7 check-ins in all,
    # 5 hits needed: at least 3 of the 4 future ones
    a, b, future, need = 3.6, 1.4, 4, 3

    def beta_binom(k: int) -> float:
        return math.comb(future, k) * math.exp(
            math.lgamma(k + a) + math.lgamma(future - k + b) - math.lgamma(future + a + b)
            - (math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)))

    exact = sum(beta_binom(k) for k in range(need, future + 1))
    fc = forecast(plan, rows, d(42), simulations=20000, seed=2,
                  prior=Prior(drift=1.0, drift_sd=0.6))
    got = fc.key_results.set_index("kr_id").loc["T", "p_score_07"]
    assert got == pytest.approx(exact, abs=0.015)


def test_a_single_milestone_is_an_event(plan) -> None:
    rows = checkins_frame([("M", d(14), 0), ("M", d(28), 0)])
    m = model(plan, rows, 30, PLAN_PRIOR)
    a, b = (1 / 0.6) ** 2, 90 / 0.36 + 28  # gamma prior of the rate, 28 days without it
    horizon = 89 - 28
    assert m.p_done[2] == pytest.approx(1 - (b / (b + horizon)) ** a)
    fc = forecast(plan, rows, d(30), simulations=20000, seed=3, prior=PLAN_PRIOR)
    k = fc.key_results.set_index("kr_id")
    assert k.loc["M", "p_score_07"] == pytest.approx(m.p_done[2], abs=0.015)
    done = checkins_frame([("M", d(14), 0), ("M", d(28), 1)])
    kd = forecast(plan, done, d(30), simulations=500, prior=PLAN_PRIOR).key_results
    kd = kd.set_index("kr_id")
    assert kd.loc["M", "p_complete"] == 1.0 and kd.loc["M", "p10_value"] == 1.0  # stays done


def test_the_drift_prior_never_credits_silence(plan) -> None:
    rows = checkins_frame([("L", d(10), 5)])
    prior = Prior(drift=1.0, drift_sd=0.3)
    assert model(plan, rows, 10, prior).drift[3] == 0  # no check-in: no drift, no credit
    fc = forecast(plan, rows, d(10), simulations=4000, seed=4,
                  prior=prior).key_results.set_index("kr_id")
    assert fc.loc["N", "expected_score"] < 0.15
    # one check-in 10 days in: the prior's pace (100 per period) pulls the 0.5/day slope up
    assert 0.5 + 0.05 < model(plan, rows, 10, prior).drift[0] < 100 / 90
    assert model(plan, rows, 10, NO_PRIOR).drift[0] == pytest.approx(0.5)
    # and a long history outweighs the prior
    long = checkins_frame([("L", d(7 * k), 0.5 * 7 * k) for k in range(1, 12)])
    assert model(plan, long, 77, prior).drift[0] == pytest.approx(0.5, abs=0.05)


def test_simulated_scores_on_request(plan) -> None:
    rows = checkins_frame([("L", d(10), 5), ("L", d(20), 15)])
    fc = forecast(plan, rows, d(20), simulations=64, seed=5, keep_scores=True)
    assert fc.simulated_scores is not None and fc.simulated_scores.shape == (4, 64)
    assert np.allclose(fc.simulated_scores.mean(1), fc.key_results["expected_score"])
    assert forecast(plan, rows, d(20), simulations=64, seed=5).simulated_scores is None

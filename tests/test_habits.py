"""Habits across closed periods: period selection, trend, sandbagging and ratchet flags."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from conftest import checkins_frame, one_objective_plan

from okrkit.errors import OKRKitError
from okrkit.habits import (
    RATCHET_COLUMNS,
    closed_periods,
    ratchet_flags,
    ratchets,
    sandbagging,
    trend,
)
from okrkit.period import Period

STORE = ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1"]
MID_Q1 = dt.date(2026, 2, 13)


def test_closed_periods() -> None:
    assert closed_periods(STORE, "2025-Q2", as_of=MID_Q1) == ["2025-Q2"]
    assert closed_periods(STORE, "2025-Q2..2025-Q4", as_of=MID_Q1) == STORE[1:4]
    assert closed_periods(STORE, every=True, as_of=MID_Q1) == STORE[:4]
    assert closed_periods(STORE, every=True, as_of=dt.date(2026, 3, 31)) == STORE
    assert closed_periods(STORE, "2025-Q4", as_of=dt.date(2025, 12, 31)) == ["2025-Q4"]
    with pytest.raises(OKRKitError, match=r"2026-Q1 is still open \(it ends 2026-03-31"):
        closed_periods(STORE, "2026-Q1", as_of=MID_Q1)
    with pytest.raises(OKRKitError, match="2026-Q1 is still open"):
        closed_periods(STORE, "2025-Q3..2026-Q1", as_of=MID_Q1)
    with pytest.raises(OKRKitError, match="no plan for '2024-Q1'"):
        closed_periods(STORE, "2024-Q1..2025-Q1", as_of=MID_Q1)
    with pytest.raises(OKRKitError, match="no closed period"):
        closed_periods(STORE, every=True, as_of=dt.date(2025, 3, 1))
    with pytest.raises(OKRKitError, match="not a period"):
        closed_periods(STORE, "2025-Q1..2025-Q2..2025-Q3")


def outcomes_and_forecasts(rows: list[tuple[str, str, float, float]]) -> tuple[pd.DataFrame,
                                                                               pd.DataFrame]:
    """(team, period, final score, confidence) per key result (one forecast each)."""
    frame = pd.DataFrame(rows, columns=["team", "period", "final_score", "confidence"])
    frame["outcome"] = (frame["final_score"] >= 0.7).astype(float)
    return frame, frame


def test_sandbagging_needs_most_periods_at_100_with_confidences_of_90() -> None:
    rows = []
    for period, hit, conf in (("Q1", 1.0, 0.95), ("Q2", 1.0, 0.92), ("Q3", 0.8, 0.95),
                              ("Q4", 1.0, 0.85)):
        rows += [("easy", period, 1.0, conf), ("easy", period, hit, conf),
                 ("easy", period, 1.0, conf)]
        rows += [("honest", period, 0.7, 0.7), ("honest", period, 1.0, 0.95)]
    out = sandbagging(*outcomes_and_forecasts(rows)).set_index("team")
    # easy: Q1, Q2 sandbagged; Q3 too (2 of 3 at 1.0); Q4's confidences are below 0.9
    assert out.loc["easy", "sandbagged_in"] == "Q1, Q2, Q3"
    assert bool(out.loc["easy", "flagged"])
    # honest: half its KRs at 1.0 is not "more than half"; never flagged
    assert out.loc["honest", "sandbagged"] == 0 and not out.loc["honest", "flagged"]
    once = [r for r in rows if r[0] == "easy" and r[1] in ("Q1", "Q4")]
    assert not sandbagging(*outcomes_and_forecasts(once))["flagged"].any()  # 1 of 2


KRS = [
    "{id: R, title: Ratchets, unit: u, direction: increase, baseline: 0, target: 100}",
    "{id: S, title: Steady, unit: u, direction: increase, baseline: 0, target: 100}",
    "{id: L, title: Late green, unit: u, direction: decrease, baseline: 100, target: 0}",
    "{id: F, title: Finishes, unit: u, direction: increase, baseline: 0, target: 100}",
]


def day(n: int) -> str:
    return (dt.date(2026, 1, 1) + dt.timedelta(days=n)).isoformat()


def test_ratchets_by_hand() -> None:
    plan = one_objective_plan(KRS)
    rows = []
    for n, r, s, lt, f in ((13, 30, 14, 95, 30), (27, 60, 29, 90, 60), (41, 75, 44, 80, 75),
                           (55, 76, 60, 60, 90), (69, 77, 75, 40, 100), (83, 78, 90, 25, 100)):
        rows += [("R", day(n), r), ("S", day(n), s), ("L", day(n), lt), ("F", day(n), f)]
    out = ratchets(plan, checkins_frame(rows)).set_index("kr_id")
    assert sorted(out.reset_index().columns) == sorted(RATCHET_COLUMNS)
    # R: green (0.75) on day 41 (share 42/90), then 0.03 in 42 days against 1.6 per period
    assert out.loc["R", "green_on"] == dt.date(2026, 2, 11)
    assert out.loc["R", "rate_before"] == pytest.approx(0.75 / (42 / 90))
    assert out.loc["R", "rate_after"] == pytest.approx(0.03 / (42 / 90))
    assert bool(out.loc["R", "ratchet"])
    assert "S" not in out.index  # green on day 69 (share 0.78): too late to test
    assert not bool(out.loc["F", "ratchet"])  # it reached its target: not a ratchet
    assert "L" not in out.index  # green (0.75) only on day 83: not eligible


def test_ratchet_flags_need_most_periods() -> None:
    frame = pd.DataFrame({"period": ["Q1", "Q1", "Q2", "Q2", "Q3"],
                          "kr_id": ["a", "b", "a", "b", "a"], "team": "t",
                          "ratchet": [True, True, True, True, True]})
    teams = {"Q1": {"t", "u"}, "Q2": {"t"}, "Q3": {"t", "u"}}
    out = ratchet_flags(frame, teams).set_index("team")
    assert out.loc["t", "ratcheted_in"] == "Q1, Q2"  # Q3: one ratchet is not two
    assert bool(out.loc["t", "flagged"]) and out.loc["t", "periods"] == 3
    assert out.loc["u", "ratcheted"] == 0 and not out.loc["u", "flagged"]


def test_trend_in_period_order() -> None:
    f = pd.DataFrame({"period": ["2025-Q2", "2025-Q1", "2025-Q2"], "team": ["a", "a", "b"],
                      "kr_id": ["x", "y", "z"], "confidence": [0.9, 0.6, 0.5],
                      "outcome": [1.0, 0.0, 1.0], "half": "first"})
    t = trend(f, ["2025-Q1", "2025-Q2"])
    assert t[["team", "period"]].values.tolist() == [["a", "2025-Q1"], ["a", "2025-Q2"],
                                                     ["b", "2025-Q2"]]
    assert t["brier"].tolist() == pytest.approx([0.36, 0.01, 0.25])


def test_closed_periods_of_custom_periods() -> None:
    q4 = Period.parse("2025-Q4")
    fy = Period.parse("FY2026", "2026-01-01", "2026-12-31")  # a label without dates in it
    assert closed_periods([q4, fy], every=True, as_of=dt.date(2026, 6, 1)) == ["2025-Q4"]
    assert closed_periods([q4, fy], "2025-Q4..FY2026", as_of=dt.date(2027, 1, 1)) == [
        "2025-Q4", "FY2026"]
    with pytest.raises(OKRKitError, match=r"FY2026 is still open \(it ends 2026-12-31"):
        closed_periods([q4, fy], "FY2026", as_of=dt.date(2026, 6, 1))

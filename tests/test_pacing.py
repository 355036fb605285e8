"""Pacing: expected progress (linear and phased), staleness and the four statuses."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from conftest import checkins_frame

from okrkit.frames import Plan, conform
from okrkit.pacing import expected_progress
from okrkit.period import Period
from okrkit.scoring import score

Q1 = Period.parse("2026-Q1")


def plan_with(krs: list[dict], cadence: int = 14) -> Plan:
    obj = conform(
        pd.DataFrame(
            {
                "objective_id": ["O"],
                "title": ["o"],
                "team": ["t"],
                "level": ["project"],
                "kind": ["aspirational"],
                "weight": [1.0],
            }
        ),
        "objectives",
    )
    rows = [{"objective_id": "O", "title": "k", "unit": "u", "weight": 1.0, **k} for k in krs]
    return Plan(Q1, obj, conform(pd.DataFrame(rows), "key_results"), cadence_days=cadence)


def test_linear_expected_is_elapsed_share() -> None:
    plan = plan_with([{"kr_id": "K", "direction": "increase", "baseline": 0, "target": 10}])
    exp = expected_progress(plan.key_results, Q1, dt.date(2026, 2, 13))
    assert exp.iat[0] == pytest.approx(44 / 90)


def test_milestones_interpolate_phased_targets() -> None:
    # the seed's dashboard: CSAT 75 -> 80 -> 85 -> 90 by phase (here: by month)
    ms = ((dt.date(2026, 1, 31), 80.0), (dt.date(2026, 2, 28), 85.0))
    plan = plan_with(
        [{"kr_id": "K", "direction": "increase", "baseline": 75, "target": 90, "milestones": ms}]
    )
    at_jan31 = expected_progress(plan.key_results, Q1, dt.date(2026, 1, 31)).iat[0]
    assert at_jan31 == pytest.approx((80 - 75) / 15)
    at_feb14 = expected_progress(plan.key_results, Q1, dt.date(2026, 2, 14)).iat[0]
    assert at_feb14 == pytest.approx((80 + 5 * 14 / 28 - 75) / 15)
    assert expected_progress(plan.key_results, Q1, dt.date(2026, 3, 31)).iat[0] == 1.0


def test_decrease_milestones() -> None:
    ms = ((dt.date(2026, 2, 28), 6.0),)
    plan = plan_with(
        [{"kr_id": "K", "direction": "decrease", "baseline": 8, "target": 2, "milestones": ms}]
    )
    assert expected_progress(plan.key_results, Q1, dt.date(2026, 2, 28)).iat[0] == pytest.approx(
        2 / 6
    )


def test_the_four_statuses_and_silence() -> None:
    plan = plan_with(
        [
            {"kr_id": "new", "direction": "increase", "baseline": 0, "target": 10},
            {"kr_id": "done", "direction": "increase", "baseline": 0, "target": 10},
            {"kr_id": "behind", "direction": "increase", "baseline": 0, "target": 10},
            {"kr_id": "fine", "direction": "increase", "baseline": 0, "target": 10},
            {"kr_id": "silent", "direction": "increase", "baseline": 0, "target": 10},
            {"kr_id": "unsure", "direction": "increase", "baseline": 0, "target": 10},
        ]
    )
    ck = checkins_frame(
        [
            ("done", "2026-02-10", 10.5, 0.9),
            ("behind", "2026-02-10", 1, 0.9),
            ("fine", "2026-02-10", 5, 0.8),
            ("silent", "2026-01-20", 9, 0.9),  # ahead, but 24 days ago
            ("unsure", "2026-02-10", 5, 0.3),
        ]
    )
    early = score(plan, ck.iloc[0:0], as_of="2026-01-10").key_results.set_index("kr_id")
    assert early.loc["new", "status"] == "Not Started"
    krs = score(plan, ck, as_of="2026-02-13").key_results.set_index("kr_id")
    assert krs.loc["new", "status"] == "At Risk" and krs.loc["new", "stale"]
    assert krs.loc["done", "status"] == "Complete"
    assert krs.loc["behind", "status"] == "At Risk"
    assert krs.loc["fine", "status"] == "In Progress"
    assert krs.loc["silent", "stale"] and krs.loc["silent", "status"] == "At Risk"
    assert krs.loc["unsure", "status"] == "At Risk"


def test_reported_status_is_kept_unless_the_numbers_say_at_risk() -> None:
    plan = plan_with([{"kr_id": "K", "direction": "increase", "baseline": 0, "target": 10}])
    ck = checkins_frame([("K", "2026-02-10", 5, 0.8, "At Risk")])
    assert score(plan, ck, as_of="2026-02-13").key_results["status"].iat[0] == "At Risk"
    ck = checkins_frame([("K", "2026-02-10", 0.5, 0.9, "In Progress")])
    card = score(plan, ck, as_of="2026-02-13")
    assert card.key_results["status"].iat[0] == "At Risk"
    assert card.key_results["reported_status"].iat[0] == "In Progress"


def test_cadence_from_the_plan() -> None:
    plan = plan_with(
        [{"kr_id": "K", "direction": "increase", "baseline": 0, "target": 10}], cadence=30
    )
    ck = checkins_frame([("K", "2026-01-20", 5, 0.9)])
    assert not score(plan, ck, as_of="2026-02-13").key_results["stale"].iat[0]


def _kr_frame(**cols):
    import pandas as pd

    from okrkit.frames import conform

    return conform(pd.DataFrame(cols), "key_results")


def test_due_before_the_end_moves_the_expected_line() -> None:
    import datetime as dt

    from okrkit.pacing import expected_progress
    from okrkit.period import Period

    q1 = Period.parse("2026-Q1")
    krs = _kr_frame(kr_id=["a", "b"], direction=["increase", "increase"], baseline=[0, 0],
                    target=[10, 10], due=["2026-01-31", None])
    got = expected_progress(krs, q1, dt.date(2026, 1, 15)).round(4).tolist()
    assert got == [round(15 / 31, 4), round(15 / 90, 4)]
    assert expected_progress(krs, q1, dt.date(2026, 2, 1)).tolist()[0] == 1.0


def test_milestone_key_results_step_at_their_milestones_or_due() -> None:
    import datetime as dt

    from okrkit.pacing import expected_path, expected_progress
    from okrkit.period import Period

    q1 = Period.parse("2026-Q1")
    krs = _kr_frame(kr_id=["m", "d", "p"], direction=["milestone"] * 3, target=[2, 1, 1],
                    due=[None, "2026-02-15", None],
                    milestones=[((dt.date(2026, 1, 31), 1.0),), None, None])
    at = lambda d: expected_progress(krs, q1, d).tolist()  # noqa: E731
    assert at(dt.date(2026, 1, 30)) == [0.0, 0.0, 0.0]
    assert at(dt.date(2026, 1, 31)) == [0.5, 0.0, 0.0]
    assert at(dt.date(2026, 2, 15)) == [0.5, 1.0, 0.0]
    assert at(dt.date(2026, 3, 31)) == [1.0, 1.0, 1.0]
    path = expected_path(krs, q1, step_days=7)
    assert set(path["kr_id"]) == {"m", "d", "p"} and path["date"].max() == q1.end

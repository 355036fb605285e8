"""The monthly review app (okrkit.widgets.review)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from okrkit.frames import conform
from okrkit.plan import parse_plan
from okrkit.scoring import score
from okrkit.store import open_store
from okrkit.widgets import MonthlyReviewApp
from okrkit.widgets.review import ALL_TEAMS, at_risk_list, month_change, stale_list

REPO = Path(__file__).resolve().parent.parent
PERIOD = "2026-Q1"
AS_OF = "2026-02-13"

# A: team x, weight 2, own KR A.1 and child C (team y); B: team x, weight 1.
PLAN_YAML = """period: 2026-Q1
objectives:
  - id: A
    title: Grow <b>usage</b>
    level: team
    team: x
    owner: Lead X
    kind: committed
    weight: 2
    key_results:
      - {id: A.1, title: Users, unit: users, direction: increase, baseline: 0, target: 100}
  - id: B
    title: Be fast
    level: team
    team: x
    owner: Lead X
    key_results:
      - {id: B.1, title: Latency, unit: s, direction: decrease, baseline: 10, target: 0}
  - id: C
    title: Launch languages
    level: project
    parent: A
    team: y
    owner: Lead Y
    key_results:
      - {id: C.1, title: Languages, unit: languages, direction: increase, baseline: 0,
         target: 10}
"""
CHECKINS = [
    ("A.1", "2026-01-10", 20.0),  # before the month: A.1 = 0.2
    ("A.1", "2026-02-10", 50.0),  # now: 0.5
    ("B.1", "2026-01-05", 8.0),  # before: 0.2
    ("B.1", "2026-02-01", 2.0),  # now: 0.8
    ("C.1", "2026-02-05", 10.0),  # now: 1.0 (before: no check-in, 0)
]


@pytest.fixture
def plan():
    return parse_plan(PLAN_YAML)


@pytest.fixture
def checkins():
    return conform(
        pd.DataFrame(
            [{"kr_id": k, "date": dt.date.fromisoformat(d), "value": v, "confidence": 0.8}
             for k, d, v in CHECKINS]
        ),
        "checkins",
    )


def test_month_change_by_objective_hand_computed(plan, checkins):
    out = month_change(plan, checkins, AS_OF).set_index("objective_id")
    assert list(out.index) == ["A", "B", "C"]
    assert set(out["before"]) == {dt.date(2026, 1, 14)}  # 30 days before 2026-02-13
    # A = mean(A.1, C) with weights 1, 1: now (0.5 + 1.0) / 2, before (0.2 + 0) / 2
    assert out.at["A", "score_now"] == pytest.approx(0.75)
    assert out.at["A", "score_before"] == pytest.approx(0.1)
    assert out.at["A", "change"] == pytest.approx(0.65)
    assert out.at["B", "score_before"] == pytest.approx(0.2)
    assert out.at["B", "score_now"] == pytest.approx(0.8)
    assert out.at["B", "change"] == pytest.approx(0.6)
    assert out.at["C", "score_before"] == 0.0 and out.at["C", "score_now"] == 1.0
    assert out.at["C", "team"] == "y"
    assert out.at["B", "band_now"] == "green"


def test_month_change_by_team_hand_computed(plan, checkins):
    out = month_change(plan, checkins, AS_OF, by="team").set_index("team")
    # team x: top objectives A (w 2) and B (w 1); C belongs to y (its top objective)
    assert out.at["x", "n_objectives"] == 2
    assert out.at["x", "score_now"] == pytest.approx((2 * 0.75 + 0.8) / 3)
    assert out.at["x", "score_before"] == pytest.approx((2 * 0.1 + 0.2) / 3)
    assert out.at["x", "change"] == pytest.approx((2 * 0.65 + 0.6) / 3)
    assert out.at["y", "score_now"] == 1.0 and out.at["y", "change"] == 1.0


def test_month_change_other_window_and_bad_by(plan, checkins):
    out = month_change(plan, checkins, AS_OF, days=7).set_index("objective_id")
    # 2026-02-06: A.1 still 0.2, C.1 already 1.0 -> A = 0.6; B.1 = 0.8
    assert out.at["A", "score_before"] == pytest.approx(0.6)
    assert out.at["B", "change"] == pytest.approx(0.0)
    with pytest.raises(Exception, match="by must be"):
        month_change(plan, checkins, AS_OF, by="nope")


def test_at_risk_and_stale_lists(plan, checkins):
    low = conform(pd.DataFrame([{"kr_id": "B.1", "date": dt.date(2026, 2, 12), "value": 2.0,
                                 "confidence": 0.2}]), "checkins")
    card = score(plan, pd.concat([checkins, low], ignore_index=True), "2026-02-26")
    risky = at_risk_list(card).set_index("kr_id")
    # A.1 last checked in 2026-02-10 (16 days: stale), B.1 (14 days) low confidence;
    # C.1 is stale too but Complete (complete wins, and it is no longer chased)
    assert set(risky.index) == {"A.1", "B.1"}
    assert card.key_results.set_index("kr_id").at["C.1", "stale"]
    assert "low confidence (0.20)" in risky.at["B.1", "reason"]
    assert "no check-in since 2026-02-10 (16 days)" in risky.at["A.1", "reason"]
    stale = stale_list(card)
    assert stale["kr_id"].tolist() == ["A.1"]
    assert stale["days_silent"].tolist() == [16]
    assert "B.1" not in set(stale["kr_id"])  # exactly one cadence (14 days) is not stale
    assert set(stale["status"]) == {"At Risk"}


# -- the app on the sample ---------------------------------------------------------


@pytest.fixture
def store(sample_store):
    """A copy of the sample store for this test (see conftest)."""
    return sample_store


@pytest.fixture
def app(store):
    a = MonthlyReviewApp(store=store, period=PERIOD, as_of=AS_OF)
    yield a
    a.close()


def test_review_app_across_teams(app, store):
    assert app.card is not None and app.card.as_of == dt.date(2026, 2, 13)
    assert app.team.value == ALL_TEAMS
    # heatmap and calibration chart are SVG (never the CDN renderer)
    assert "<svg" in app.heatmap.value
    assert "<svg" in app.calibration_chart.value
    teams = {"chatbot", "vision", "platform", "genai-assistant", "contact-centre", "caio-office"}
    assert teams <= set(app.calibration["group"])
    assert all(t in app.calibration_table.value for t in teams)
    assert set(app.calibration.columns) >= {"group", "n", "mean", "verdict", "committed_misses"}
    # at-risk and stale lists are consistent with the scorecard
    krs = app.card.key_results.set_index("kr_id")
    assert len(app.at_risk) == int((krs["status"] == "At Risk").sum()) > 0
    assert all(app.at_risk["reason"].str.len() > 0)
    assert len(app.stale) == int((krs["stale"] & (krs["status"] != "Complete")).sum()) > 0
    assert all(krs.loc[app.stale["kr_id"], "stale"])
    assert app.at_risk["kr_id"].iloc[0] in app.at_risk_table.value
    # change since last month matches month_change on the same inputs
    expected = month_change(store.load_plan(PERIOD), store.checkins(period=PERIOD), AS_OF)
    pd.testing.assert_frame_equal(app.change, expected)
    assert set(app.team_change["team"]) >= teams
    assert "at risk" in app.headline.value


def test_review_app_refreshes_on_date_period_and_team(app):
    before = app.card.key_results["score"].sum()
    app.as_of.value = dt.date(2026, 1, 20)
    assert app.card.as_of == dt.date(2026, 1, 20)
    assert app.card.key_results["score"].sum() < before
    assert set(app.change["before"]) == {dt.date(2025, 12, 21)}
    app.period.value = "2025-Q4"
    assert str(app.card.period) == "2025-Q4"
    assert app.card.period.contains(app.as_of.value)  # date moved into the period
    app.team.value = "chatbot"
    assert set(app.card.key_results["team"]) == {"chatbot"}
    assert "chatbot" in set(app.team_change["team"])
    assert set(app.change["team"]) <= {"chatbot", "customer-service", "company"}


def test_review_app_escapes_titles(tmp_path, plan, checkins):
    with open_store(f"sqlite:///{tmp_path / 'small.db'}") as s:
        s.save_plan(plan)
        s.add_checkins(checkins)
        a = MonthlyReviewApp(store=s, period=PERIOD, as_of=AS_OF)
        assert "Grow &lt;b&gt;usage&lt;/b&gt;" in a.change_table.value
        assert "<b>usage</b>" not in a.change_table.value
        change = a.change.set_index("objective_id")
        assert change.at["A", "change"] == pytest.approx(0.65)
        assert a.team_change.set_index("team").at["x", "score_now"] == pytest.approx(
            (2 * 0.75 + 0.8) / 3
        )
        a.close()


def test_review_app_on_empty_store_shows_message(tmp_path):
    with open_store(f"sqlite:///{tmp_path / 'empty.db'}") as s:
        a = MonthlyReviewApp(store=s)
        assert a.message.kind == "error" and "no plans" in a.message.text
        a.close()

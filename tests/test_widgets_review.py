"""The monthly review app (okrkit.widgets.review)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from htmltree import row_cells, soup, table_rows

from okrkit.insights import month_change, status_line
from okrkit.store import open_store
from okrkit.widgets import MonthlyReviewApp
from okrkit.widgets.review import ALL_TEAMS

REPO = Path(__file__).resolve().parent.parent
PERIOD = "2026-Q1"
AS_OF = "2026-02-13"

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
    # the weekly chart and the calibration chart are SVG (never the CDN renderer)
    for html in (app.weeks_chart.value, app.calibration_chart.value):
        page = soup(html)
        assert page.select("figure.okr-chart > svg") and not page.select(".okr-chart-error")
    teams = {"chatbot", "vision", "platform", "genai-assistant", "contact-centre", "caio-office"}
    assert teams <= set(app.calibration["group"])
    shown = {r["team"]: r for r in table_rows(app.calibration_table.value)}
    assert teams <= set(shown)
    cal = app.calibration.set_index("group")
    # an open period: a projection from the forecast, labelled so (never partial scores)
    assert all(shown[t]["verdict"].startswith("projected: ") for t in teams)
    assert set(cal["basis"]) == {"projected"}
    assert all(shown[t]["verdict"] == cal.at[t, "label"] for t in teams)
    assert all(shown[t]["expected final score"] == f"{cal.at[t, 'mean']:.2f}" for t in teams)
    assert "committed below 1.0" not in shown["chatbot"]  # only "so far" before the end
    assert set(app.calibration.columns) >= {"group", "n", "mean", "verdict", "committed_misses"}
    # at-risk and stale lists are consistent with the scorecard
    krs = app.card.key_results.set_index("kr_id")
    assert len(app.at_risk) == int((krs["status"] == "At Risk").sum()) > 0
    assert all(app.at_risk["reason"].str.len() > 0)
    assert len(app.stale) == int((krs["stale"] & (krs["status"] != "Complete")).sum()) > 0
    assert all(krs.loc[app.stale["kr_id"], "stale"])
    risk_rows = table_rows(app.at_risk_table.value)
    assert [r["KR"] for r in risk_rows] == app.at_risk["kr_id"].tolist()
    assert [r["why"] for r in risk_rows] == app.at_risk["reason"].tolist()
    # change since last month matches month_change on the same inputs
    expected = month_change(store.load_plan(PERIOD), store.checkins(period=PERIOD), AS_OF)
    pd.testing.assert_frame_equal(app.change, expected)
    assert set(app.team_change["team"]) >= teams
    assert soup(app.headline.value).get_text() == (
        f"2026-Q1 as of 2026-02-13 — overall score {app.card.overall:.2f}; "
        f"{len(app.card.key_results)} key results "
        f"({status_line(app.card.key_results['status'])}), {len(app.at_risk)} at risk, "
        f"{len(app.stale)} stale.")
    # objectives × weeks (not the teams × objectives diagonal) and status counts per team
    weeks = sorted(set(app.weekly["date"]))
    assert weeks[-1] == dt.date(2026, 2, 13) and len(weeks) == 7
    assert set(app.weekly["objective_id"]) == set(
        app.card.objectives.loc[app.card.objectives["score"].notna(), "objective_id"])
    counts = {r["team"]: r for r in table_rows(app.status_table.value)}
    for team, g in krs.reset_index().groupby("team"):
        assert counts[team]["key results"] == str(len(g))
        assert counts[team]["At Risk"] == str(int((g["status"] == "At Risk").sum()))


def test_closed_period_shows_outcomes_and_no_pace(store):
    a = MonthlyReviewApp(store=store, period="2025-Q4", as_of="2025-12-31")
    try:
        card = a.card
        assert card.closed and set(card.key_results["status"]) <= {
            "Achieved", "Partially Achieved", "Missed"}
        text = soup(a.headline.value).get_text()
        assert "has ended" in text and "Achieved" in text and "at risk" not in text
        assert soup(a.headline.value).select("span.okr-icon")  # icons without emoji fonts
        assert a.at_risk.empty and a.stale.empty
        heads = [th.get_text() for th in soup(a.status_table.value).select("th")]
        assert "Achieved" in heads and "At Risk" not in heads
        change = table_rows(a.change_table.value)
        assert change and {r["outcome"][:1] for r in change} <= {"✅", "🟡", "❌"}
        # the last week column is the period end, where the outcome is final
        last = a.weekly[a.weekly["date"] == a.weekly["date"].max()]
        assert last["date"].iloc[0] == dt.date(2025, 12, 31)
        assert set(last["status"]) <= {"Achieved", "Partially Achieved", "Missed"}
    finally:
        a.close()


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


def test_review_app_escapes_titles(tmp_path, teams_plan, teams_checkins):
    with open_store(f"sqlite:///{tmp_path / 'small.db'}") as s:
        s.save_plan(teams_plan)
        s.add_checkins(teams_checkins)
        a = MonthlyReviewApp(store=s, period=PERIOD, as_of=AS_OF)
        rows = {r["objective"]: r for r in table_rows(a.change_table.value)}
        assert rows["A"]["title"] == "Grow <b>usage</b>"  # shown as text
        assert not soup(a.change_table.value).select("td b")
        # rows are coloured by band
        colours = [tr.get("style") for tr in soup(a.change_table.value).select("tbody tr")]
        assert all(c and c.startswith("background:") for c in colours)
        assert row_cells(a.change_table.value)[0][0].get_text() == "x"
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

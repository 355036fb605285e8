"""The monthly review app (okrkit.widgets.review)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from htmltree import row_cells, soup, table_rows

from okrkit.frames import conform
from okrkit.insights import month_change
from okrkit.plan import parse_plan
from okrkit.store import open_store
from okrkit.widgets import MonthlyReviewApp
from okrkit.widgets.review import ALL_TEAMS

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
    for html in (app.heatmap.value, app.calibration_chart.value):
        page = soup(html)
        assert page.select("figure.okr-chart > svg") and not page.select(".okr-chart-error")
    teams = {"chatbot", "vision", "platform", "genai-assistant", "contact-centre", "caio-office"}
    assert teams <= set(app.calibration["group"])
    shown = {r["team"]: r for r in table_rows(app.calibration_table.value)}
    assert teams <= set(shown)
    cal = app.calibration.set_index("group")
    assert all(shown[t]["verdict"] == cal.at[t, "verdict"] for t in teams)
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
        f"{len(app.card.key_results)} key results, {len(app.at_risk)} at risk, "
        f"{len(app.stale)} stale.")


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

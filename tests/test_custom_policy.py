"""A custom ScoringPolicy shows everywhere: scorecard, charts, report sections and apps.

One key result at 0.75 is green under the default policy (green from 0.7) and yellow under
``ScoringPolicy(green_from=0.8)`` — in every place that shows its band.
"""

from __future__ import annotations

import pytest
from conftest import checkins_frame
from htmltree import row_cells, soup, table_rows

from okrkit import charts
from okrkit import reportview as rv
from okrkit.htmlkit import BAND_COLOURS
from okrkit.plan import parse_plan
from okrkit.reportdata import gather
from okrkit.scoring import ScoringPolicy, score
from okrkit.store import open_store

PLAN = """period: 2026-Q1
objectives:
  - id: T-1
    title: Grow usage
    team: t
    owner: Lead
    key_results:
      - {id: T-1.1, title: Users, unit: users, direction: increase, baseline: 0, target: 100}
"""
AS_OF = "2026-03-31"
STRICT = ScoringPolicy(green_from=0.8)


@pytest.fixture
def plan():
    return parse_plan(PLAN)


@pytest.fixture
def checkins():
    return checkins_frame([("T-1.1", "2026-03-20", 75, 0.9)])


@pytest.fixture
def store(tmp_path, plan, checkins):
    with open_store(f"sqlite:///{tmp_path / 'policy.db'}") as s:
        s.save_plan(plan)
        s.add_checkins(checkins)
        yield s


def datasets(chart) -> list[dict]:
    return [r for rows in chart.to_dict()["datasets"].values() for r in rows]


def test_scorecard(plan, checkins):
    assert score(plan, checkins, AS_OF).key_results.at[0, "band"] == "green"
    card = score(plan, checkins, AS_OF, STRICT)
    assert card.key_results.at[0, "score"] == pytest.approx(0.75)
    assert card.key_results.at[0, "band"] == "yellow"
    assert card.objectives.at[0, "band"] == "yellow"


def test_charts_data(plan, checkins):
    card = score(plan, checkins, AS_OF, STRICT)
    kr = [r for r in datasets(charts.kr_progress_chart(card.key_results, STRICT)) if "kr" in r]
    assert [r["band"] for r in kr] == ["yellow"]
    # without a band column the chart takes the band from the policy
    bare = card.key_results.drop(columns="band")
    assert [r["band"] for r in datasets(charts.kr_progress_chart(bare, STRICT))
            if "kr" in r] == ["yellow"]
    dist = [r for r in datasets(charts.score_distribution(card.key_results, policy=STRICT))
            if "start" in r]
    assert [(r["start"], r["band"]) for r in dist] == [(0.7, "yellow")]
    weeks = card.objectives.drop(columns="band").assign(date=card.as_of)
    heat = [r for r in datasets(charts.score_weeks(weeks, STRICT)) if "objective" in r]
    assert [r["band"] for r in heat] == ["yellow"]  # the tooltip's band is the policy's
    cal = card.calibration("team")
    assert [r["band"] for r in datasets(charts.calibration_chart(cal, STRICT))
            if "group" in r] == ["yellow"]


def test_report_section(store):
    default = gather("2026-Q1", "t", store=store, as_of=AS_OF)
    strict = gather("2026-Q1", "t", store=store, as_of=AS_OF, policy=STRICT)
    for data, band in ((default, "green"), (strict, "yellow")):
        html = rv.objectives_html(data)
        cells = row_cells(html)
        heads = [th.get_text() for th in soup(html).select("table thead th")]
        assert cells[0][0].get_text() == "T-1.1"
        score_cell = cells[0][heads.index("score")]
        assert score_cell.select_one("span.badge")["class"] == ["badge", band]
        head = soup(rv.header_html(data)).select_one("span.badge")
        assert head["class"] == ["badge", band]


def test_widget_tables(store):
    from okrkit.widgets import CheckinApp, RetrospectiveApp

    retro = RetrospectiveApp(store=store, period="2026-Q1", team="t", as_of=AS_OF,
                             policy=STRICT)
    try:
        assert [r["band"] for r in table_rows(retro.kr_table.value)] == ["yellow"]
        row = soup(retro.kr_table.value).select_one("tbody tr")
        assert row["style"] == f"background:{BAND_COLOURS['yellow']}"
    finally:
        retro.close()
    app = CheckinApp(store=store, period="2026-Q1", team="t", as_of=AS_OF, policy=STRICT)
    try:
        assert [r["band"] for r in table_rows(app.preview_table.value)] == ["yellow"]
        app.rows["T-1.1"].value.value = "79"
        assert [r["band"] for r in table_rows(app.preview_table.value)] == ["yellow"]
        app.rows["T-1.1"].value.value = "80"
        assert [r["band"] for r in table_rows(app.preview_table.value)] == ["green"]
    finally:
        app.close()
    default = CheckinApp(store=store, period="2026-Q1", team="t", as_of=AS_OF)
    try:
        assert [r["band"] for r in table_rows(default.preview_table.value)] == ["green"]
    finally:
        default.close()


def test_review_and_what_if_apps(store):
    from okrkit.widgets import MonthlyReviewApp, WhatIfApp

    review = MonthlyReviewApp(store=store, period="2026-Q1", as_of=AS_OF, policy=STRICT)
    try:
        assert review.change["band_now"].tolist() == ["yellow"]
        row = soup(review.change_table.value).select_one("tbody tr")
        assert row["style"] == f"background:{BAND_COLOURS['yellow']}"
        assert review.calibration["mean"].tolist() == [pytest.approx(0.75)]
    finally:
        review.close()
    what = WhatIfApp(store=store, period="2026-Q1", team="t", as_of=AS_OF, simulations=50,
                     policy=STRICT)
    try:
        assert what.diff["band_before"].tolist() == ["yellow"]
        assert [r["band"] for r in datasets(what.chart.chart) if "objective" in r] == ["yellow"]
        heads = [th.get_text() for th in soup(what.forecast_panel.value).select("th")]
        assert "P(score ≥ 0.8)" in heads and "target for 80%" in heads
    finally:
        what.close()

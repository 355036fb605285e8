"""The quarterly retrospective app (okrkit.widgets.retro) on a SQLite store with the sample."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from htmltree import soup, table_rows

from okrkit.plan import load_plan
from okrkit.widgets.retro import RetrospectiveApp

REPO = Path(__file__).resolve().parent.parent
PERIOD = "2025-Q4"


@pytest.fixture
def store(sample_store):
    """A copy of the sample store for this test (see conftest)."""
    return sample_store


@pytest.fixture
def app(store):
    a = RetrospectiveApp(store=store, period=PERIOD, team="vision", author="tester")
    yield a
    a.close()


# -- the app -------------------------------------------------------------------------


def test_app_shows_final_scores_bands_and_calibration(app):
    assert set(app.reviews) == {"VIS-1", "VIS-2", "VIS-3"}
    krs = {r["KR"]: r for r in table_rows(app.kr_table.value)}
    assert list(krs) == app.krs["kr_id"].tolist() and len(krs) == 10
    assert krs["VIS-1.4"]["band"] == "red" and krs["VIS-1.4"]["final value"] == "1"
    assert krs["VIS-2.1"]["final value"] == "16,447"  # as people write amounts
    rows = soup(app.kr_table.value).select("tbody tr")
    assert [tr["style"] for tr in rows][:1] == ["background:#c8e6c9"]  # VIS-1.1 green
    objs = [r["objective"] for r in table_rows(app.objective_table.value)]
    assert objs == ["VIS-1", "VIS-2", "VIS-3"]
    # a closed period: outcomes with the framework document's icons, by band
    icon = {"green": "✅ Achieved", "yellow": "🟡 Partially Achieved", "red": "❌ Missed"}
    assert [r["outcome"] for r in krs.values()] == [icon[b] for b in app.krs["band"]]
    assert [r["outcome"] for r in table_rows(app.objective_table.value)] == [
        icon[b] for b in app.team_objectives["final_band"]]
    verdict = soup(app.calibration_panel.value).select_one("p.okr-calibration b.verdict")
    assert verdict.get_text() == "above ideal" == app.cal.verdict
    # the chart is a real SVG of the team's key results, not an error note
    chart = soup(app.chart.value)
    assert chart.select("figure.okr-chart > svg") and not chart.select(".okr-chart-error")
    assert "VIS-1.4" in chart.get_text(" ")


def test_committed_misses_are_listed(store):
    plan = store.load_plan(PERIOD)
    obj = plan.objectives.copy()
    obj.loc[obj["objective_id"] == "VIS-1", "kind"] = "committed"
    store.save_plan(plan.with_frames(objectives=obj))
    a = RetrospectiveApp(store=store, period=PERIOD, team="vision")
    try:
        assert a.cal.committed_misses == ("VIS-1",)
        missed = soup(a.calibration_panel.value).select("ul li")
        assert [li.get_text(" ", strip=True) for li in missed] == [
            "VIS-1 " + a.team_objectives.set_index("objective_id").at["VIS-1", "title"]]
    finally:
        a.close()


def test_override_without_reason_is_refused(app, store):
    before = len(store.revisions(PERIOD))
    form = app.reviews["VIS-1"]
    form.override.value = 0.9
    assert form.use_override.value
    app.save_button.click()
    assert app.message.kind == "error"
    assert [li.get_text() for li in soup(form.problems.value).select("li")] == [
        "override_reason: a score override needs an override_reason: say why the computed "
        "score is not the right one"]
    assert len(store.revisions(PERIOD)) == before
    stored = store.reviews(PERIOD).set_index("objective_id")
    assert math.isnan(stored.loc["VIS-1", "score_override"])


def test_save_writes_reviews(app, store):
    form = app.reviews["VIS-1"]
    form.override.value = 0.9
    form.reason.value = "Line 3 blocked by the supplier, not the team"
    form.lessons.value = "Order <hardware> early"
    form.next_actions.value = "Roll out lines 2 and 3"
    app.save_button.click()
    assert app.message.kind == "ok", app.message.text
    stored = store.reviews(PERIOD).set_index("objective_id")
    assert stored.loc["VIS-1", "score_override"] == 0.9
    assert stored.loc["VIS-1", "lessons"] == "Order <hardware> early"
    assert stored.loc["VIS-1", "next_actions"] == "Roll out lines 2 and 3"
    # other teams' reviews untouched
    assert "BOT-1" in stored.index and stored.loc["BOT-1", "override_reason"]
    # the scorecard shows the final score beside the computed one
    row = app.team_objectives.set_index("objective_id").loc["VIS-1"]
    assert row["final_score"] == 0.9 and row["score"] < 0.9
    assert app.reviews["VIS-1"].use_override.value  # reloaded from the store
    # unticking the override clears it
    app.reviews["VIS-1"].use_override.value = False
    app.reviews["VIS-1"].reason.value = ""
    app.save_button.click()
    assert math.isnan(store.reviews(PERIOD).set_index("objective_id").loc[
        "VIS-1", "score_override"])


def test_carry_refused_into_a_period_where_the_team_planned_but_exportable(app, store, tmp_path):
    before = len(store.revisions("2026-Q1"))
    app.carry_button.click()
    assert app.carried is not None
    assert "VIS-1.4" in app.carry_preview.value and "VIS-1.1" not in app.carry_preview.value
    app.carry_save_button.click()
    assert app.message.kind == "error" and "already has objectives" in app.message.text
    assert len(store.revisions("2026-Q1")) == before
    app.carry_path.value = str(tmp_path / "carried.yaml")
    app.carry_export_button.click()
    assert app.message.kind == "ok"
    plan = load_plan(tmp_path / "carried.yaml")
    kr = plan.key_results.set_index("kr_id")
    assert kr.loc["VIS-1.4", "baseline"] == 1.0 and kr.loc["VIS-1.4", "target"] == 3.0


def test_carry_saves_into_a_new_period(store):
    a = RetrospectiveApp(store=store, period="2026-Q1", team="chatbot")
    try:
        a.carry_save_button.click()
        assert a.message.kind == "ok", a.message.text
        assert "2026-Q2" in store.periods()
        q2 = store.load_plan("2026-Q2")
        card = a.card.key_results.set_index("kr_id")
        unfinished = sorted(card.index[card["score"] < 1])
        assert sorted(q2.key_results["kr_id"]) == unfinished
        kr = q2.key_results.set_index("kr_id").loc[unfinished[0]]
        assert kr["baseline"] == card.loc[unfinished[0], "value"]
        assert kr["target"] == card.loc[unfinished[0], "target"]
        assert {"CO-1", "CS-1"} <= set(q2.objectives["objective_id"])
    finally:
        a.close()

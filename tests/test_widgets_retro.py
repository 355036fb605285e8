"""The quarterly retrospective app (okrkit.widgets.retro) on a SQLite store with the sample."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from conftest import checkins_frame

from okrkit.plan import dump_plan, load_plan, parse_plan
from okrkit.scoring import Calibration, score
from okrkit.widgets.retro import (
    RetrospectiveApp,
    calibration_html,
    carry_forward,
    merge_carried,
    reviews_from_entries,
    team_calibration,
    team_scores,
)

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


# -- carry_forward: known answers (the seed's computer-vision retrospective) ------------


def test_carry_forward_known_answer(cv_plan, cv_checkins):
    card = score(cv_plan, cv_checkins)
    carried = carry_forward(cv_plan, card)
    assert carried.period.label == "2026-Q1"
    assert carried.revision is None and carried.reviews.empty
    krs = carried.key_results.set_index("kr_id")
    # VIS-1.1 reached 96 >= 95 (score 1): not carried
    assert list(krs.index) == ["VIS-1.2", "VIS-1.3", "VIS-1.4"]
    assert krs.loc["VIS-1.2", ["baseline", "target"]].tolist() == [425.0, 500.0]
    assert krs.loc["VIS-1.3", ["baseline", "target"]].tolist() == [6.5, 5.0]
    assert krs.loc["VIS-1.3", "direction"] == "decrease"
    assert krs.loc["VIS-1.4", ["baseline", "target"]].tolist() == [1.0, 3.0]
    # objectives kept with their parents, in plan order, moved to the new period
    assert list(carried.objectives["objective_id"]) == ["OPS-1", "VIS-1"]
    assert carried.objectives.loc[1, "parent_id"] == "OPS-1"
    assert set(carried.objectives["period"]) == {"2026-Q1"}
    # the carried draft is a valid plan: YAML round trip
    again = parse_plan(dump_plan(carried))
    assert list(again.key_results["kr_id"]) == ["VIS-1.2", "VIS-1.3", "VIS-1.4"]


def test_carry_forward_does_not_mutate_and_drops_finished_objectives():
    plan = parse_plan("""period: 2025-Q4
objectives:
  - id: A
    title: Done objective
    team: t
    key_results:
      - {id: A.1, title: Done metric, unit: x, direction: increase, baseline: 0, target: 10}
  - {id: B, title: Open objective, team: t}
  - id: C
    title: Child
    parent: B
    team: t
    key_results:
      - {id: C.1, title: Silent metric, unit: x, direction: increase, baseline: 2, target: 4,
         due: 2025-11-30, milestones: {2025-11-15: 3}}
""")
    ck = checkins_frame([("A.1", "2025-12-01", 12)])
    before = plan.key_results.copy()
    card = score(plan, ck)
    carried = carry_forward(plan, card, "2026-Q2")
    pd.testing.assert_frame_equal(plan.key_results, before)
    assert carried.period.label == "2026-Q2"
    assert list(carried.objectives["objective_id"]) == ["B", "C"]
    kr = carried.key_results.iloc[0]
    assert kr["kr_id"] == "C.1" and kr["baseline"] == 2.0  # no check-in: old baseline kept
    assert kr["due"] is None and kr["milestones"] is None


def test_merge_carried_into_empty_and_existing_periods(store, cv_plan, cv_checkins):
    carried = carry_forward(cv_plan, score(cv_plan, cv_checkins))
    merged, problems = merge_carried(None, carried, "vision")
    assert merged is carried and problems == []
    q1 = store.load_plan("2026-Q1")
    merged, problems = merge_carried(q1, carried, "vision")
    assert merged is None and "already has objectives" in problems[0].message
    q1_without = q1.with_frames(objectives=q1.objectives[q1.objectives["team"] != "vision"],
                                key_results=q1.key_results[
                                    ~q1.key_results["objective_id"].str.startswith("VIS")])
    merged, problems = merge_carried(q1_without, carried, "vision")
    assert problems == []
    ids = list(merged.objectives["objective_id"])
    assert ids.count("OPS-1") == 1 and "VIS-1" in ids  # stored ancestor not repeated


# -- reviews ------------------------------------------------------------------------


def test_reviews_from_entries_refuses_override_without_reason():
    frame, problems = reviews_from_entries(
        {"A": {"score_override": 0.8, "override_reason": " ", "lessons": "x"}}, PERIOD)
    assert frame is None
    assert problems[0].id == "A" and problems[0].field == "override_reason"
    frame, problems = reviews_from_entries(
        {"A": {"score_override": 1.2, "override_reason": "because"}}, PERIOD)
    assert frame is None and "between 0 and 1" in problems[0].message


def test_reviews_from_entries_builds_the_frame():
    frame, problems = reviews_from_entries(
        {
            "A": {"score_override": 0.8, "override_reason": "scope cut", "lessons": "l",
                  "next_actions": "n"},
            "B": {"score_override": None, "override_reason": "", "lessons": "", "next_actions": ""},
            "C": {"score_override": None, "lessons": ""},
        },
        PERIOD,
        keep={"C"},
    )
    assert problems == []
    assert list(frame["objective_id"]) == ["A", "C"]  # B empty and not stored: left out
    a = frame.iloc[0]
    assert (a["score_override"], a["override_reason"], a["lessons"]) == (0.8, "scope cut", "l")
    assert math.isnan(frame.iloc[1]["score_override"])


def test_calibration_html_verdicts_and_committed_misses():
    cal = Calibration(mean=0.45, n=2, verdict="concerning", committed_misses=("X-1",))
    objs = pd.DataFrame({"objective_id": ["X-1"], "title": ["<Ship> it"]})
    out = calibration_html(cal, objs)
    assert "concerning" in out and "X-1" in out and "&lt;Ship&gt; it" in out
    assert "missed 1.0" in out
    ok = calibration_html(Calibration(mean=0.75, n=3, verdict="ideal"))
    assert "ideal" in ok and "No committed OKR missed" in ok


def test_team_scores_and_calibration(store):
    plan = store.load_plan(PERIOD, "vision")
    card = score(plan, store.checkins(period=PERIOD, team="vision"))
    krs, objs = team_scores(card, "vision")
    assert list(objs["objective_id"]) == ["VIS-1", "VIS-2", "VIS-3"]
    assert len(krs) == 10
    cal = team_calibration(objs)
    assert cal.n == 3
    assert cal.mean == pytest.approx(objs["score"].mean())
    assert cal.verdict == "above ideal"


# -- the app -------------------------------------------------------------------------


def test_app_shows_final_scores_bands_and_calibration(app):
    assert set(app.reviews) == {"VIS-1", "VIS-2", "VIS-3"}
    assert "VIS-1.4" in app.kr_table.value and "red" in app.kr_table.value
    assert "VIS-3" in app.objective_table.value
    assert "above ideal" in app.calibration_panel.value
    assert "<svg" in app.chart.value or "chart" in app.chart.value


def test_committed_misses_are_listed(store):
    plan = store.load_plan(PERIOD)
    obj = plan.objectives.copy()
    obj.loc[obj["objective_id"] == "VIS-1", "kind"] = "committed"
    store.save_plan(plan.with_frames(objectives=obj))
    a = RetrospectiveApp(store=store, period=PERIOD, team="vision")
    try:
        assert a.cal.committed_misses == ("VIS-1",)
        assert "missed 1.0" in a.calibration_panel.value
        assert "VIS-1" in a.calibration_panel.value
    finally:
        a.close()


def test_override_without_reason_is_refused(app, store):
    before = len(store.revisions(PERIOD))
    form = app.reviews["VIS-1"]
    form.override.value = 0.9
    assert form.use_override.value
    app.save_button.click()
    assert app.message.kind == "error"
    assert "needs a reason" in form.problems.value
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

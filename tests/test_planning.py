"""Planning a period (okrkit.planning): merges, carry-forward, votes, reviews."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from conftest import checkins_frame, good_draft

from okrkit.drafts import blank_draft, blank_objective, draft_to_plan
from okrkit.plan import dump_plan, parse_plan
from okrkit.planning import (
    add_votes,
    carry_forward,
    merge_carried,
    merge_team_plan,
    period_objectives,
    reviews_from_entries,
)
from okrkit.scoring import score

PERIOD = "2026-Q1"


@pytest.fixture
def store(sample_store):
    """A copy of the sample store for this test (see conftest)."""
    return sample_store


# -- merging teams into the period -----------------------------------------------------


def test_merge_team_plan_replaces_only_the_team(store):
    stored = store.load_plan(PERIOD)
    team_plan, problems = draft_to_plan(good_draft() | {"team": "chatbot"},
                                        known_ids=stored.objectives["objective_id"])
    assert problems == []
    merged, problems = merge_team_plan(stored, team_plan, "chatbot")
    assert problems == []
    assert merged.revision == stored.revision
    obj = merged.objectives
    assert list(obj.loc[obj["team"] == "chatbot", "objective_id"]) == ["B-1", "B-2", "B-3"]
    others = stored.objectives[stored.objectives["team"] != "chatbot"]
    assert set(others["objective_id"]) <= set(obj["objective_id"])
    assert not set(merged.key_results["kr_id"]) & {"BOT-1.1", "BOT-2.1"}
    assert len(merged.key_results) == len(stored.key_results) - 10 + 9
    # the team's block stays where it was (after the business units)
    assert list(obj["objective_id"]).index("B-1") == list(
        stored.objectives["objective_id"]).index("BOT-1")


def test_merge_team_plan_refuses_ids_of_other_teams(store):
    stored = store.load_plan(PERIOD)
    draft = good_draft() | {"team": "chatbot"}
    draft["objectives"][0]["id"] = "VIS-4"
    plan, _ = draft_to_plan(draft, stored.objectives["objective_id"])
    merged, problems = merge_team_plan(stored, plan, "chatbot")
    assert merged is None
    assert "already used by team 'vision'" in problems[0].message


def test_merge_team_plan_refuses_removing_a_parent_of_another_team():
    stored = parse_plan("""period: 2026-Q1
objectives:
  - {id: A-1, title: Top, team: alpha, level: business_unit}
  - {id: B-1, title: Child, team: beta, parent: A-1}
""")
    stored = stored.__class__(**{**stored.__dict__, "revision": 1})
    draft = blank_draft(PERIOD, "alpha")
    draft["objectives"].append(blank_objective("A-2", "alpha") | {"title": "Other"})
    plan, problems = draft_to_plan(draft)
    assert problems == []
    merged, problems = merge_team_plan(stored, plan, "alpha")
    assert merged is None and "B-1" in problems[0].message


def test_votes_refuse_bad_input_and_keep_state():
    votes, _ = add_votes({}, "Ann", {"B-1": 0.8})
    out, problems = add_votes(votes, "", {"B-1": 0.5})
    assert problems and out == votes
    out, problems = add_votes(votes, "Bob", {"B-1": 1.5})
    assert problems and "Bob" not in out
    again, _ = add_votes(votes, "Ann", {"B-1": 0.1})  # a second ballot replaces the first
    assert again["Ann"] == {"B-1": 0.1} and votes["Ann"] == {"B-1": 0.8}


# -- carry_forward: known answers (the computer-vision retrospective of
# docs/seeds/okrs-framework-for-ai-projects.md) ---------------------------------


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


def test_reviews_use_the_one_override_rule():
    frame, problems = reviews_from_entries(
        {"A": {"score_override": None, "override_reason": "why not"},
         "B": {"score_override": "lots", "override_reason": "x"}}, PERIOD)
    assert frame is None
    assert [(p.id, p.field) for p in problems] == [("A", "override_reason"),
                                                  ("B", "score_override")]
    assert "not a number" in problems[1].message


MULTI = """period: 2026-Q1
objectives:
  - {id: C-1, title: Company goal, team: company, level: company}
  - {id: A-1, title: Alpha one, team: alpha, parent: C-1,
     key_results: [{id: A-1.1, title: Users, unit: users, direction: increase, baseline: 0,
                    target: 10}],
     review: {lessons: old alpha lesson}}
  - {id: B-1, title: Beta one, team: beta, parent: C-1,
     key_results: [{id: B-1.1, title: Speed, unit: s, direction: decrease, baseline: 9,
                    target: 3}]}
  - {id: G-1, title: Gamma one, team: gamma, parent: C-1}
"""
INCOMING = """period: 2026-Q1
objectives:
  - {id: A-2, title: Alpha two, team: alpha, parent: C-1,
     key_results: [{id: A-2.1, title: Revenue, unit: EUR, direction: increase, baseline: 0,
                    target: 5}]}
  - {id: B-1, title: Beta one again, team: beta, parent: C-1, review: {lessons: new beta}}
"""


def test_merge_several_teams_as_an_import_would():
    stored = parse_plan(MULTI)
    stored = stored.__class__(**{**stored.__dict__, "revision": 7})
    incoming = parse_plan(INCOMING, known_ids=["C-1"])
    merged, problems = merge_team_plan(stored, incoming)  # teams: those of the file
    assert problems == []
    assert merged.revision == 7
    assert list(merged.objectives["objective_id"]) == ["C-1", "A-2", "B-1", "G-1"]
    assert list(merged.key_results["kr_id"]) == ["A-2.1"]  # B-1 now has no key results
    reviews = merged.reviews.set_index("objective_id")
    assert list(reviews.index) == ["B-1"] and reviews.at["B-1", "lessons"] == "new beta"
    # naming the teams: a team of the file that is not replaced is refused
    merged, problems = merge_team_plan(stored, incoming, ["alpha"])
    assert merged is None
    assert [(p.field, p.id) for p in problems] == [("team", "B-1"), ("id", "B-1")]
    # another period is refused
    other = parse_plan(INCOMING.replace("2026-Q1", "2026-Q2"), known_ids=["C-1"])
    _, problems = merge_team_plan(stored, other)
    assert problems[0].field == "period" and "2026-Q2" in problems[0].message
    # no stored plan: the incoming plan is the period's
    new, problems = merge_team_plan(None, incoming)
    assert problems == [] and new.revision is None and new.source is None


def test_period_objectives_with_a_draft_that_does_not_validate(store):
    stored = store.load_plan(PERIOD)
    draft = good_draft() | {"team": "chatbot"}
    draft["objectives"][0]["key_results"][0]["target"] = "lots"
    plan, problems = draft_to_plan(draft, stored.objectives["objective_id"])
    assert plan is None and problems
    out = period_objectives(stored, None, "chatbot", draft)
    assert not {"BOT-1", "BOT-2", "BOT-3"} & set(out["objective_id"])
    assert {"B-1", "B-2", "B-3", "CS-1"} <= set(out["objective_id"])
    assert period_objectives(None, None, "x").empty

"""The planning workshop app (okrkit.widgets.workshop) on a SQLite store with the sample."""

from __future__ import annotations

from pathlib import Path

import pytest

from okrkit.errors import Problem
from okrkit.linting import Finding
from okrkit.plan import load_plan, parse_plan
from okrkit.widgets.workshop import (
    PlanningWorkshopApp,
    add_votes,
    alignment_tree_html,
    blank_draft,
    blank_key_result,
    blank_objective,
    draft_from_plan,
    draft_to_plan,
    lint_draft,
    lint_panel_html,
    locate,
    merge_team_plan,
    next_kr_id,
    next_objective_id,
    vote_summary,
    votes_html,
)

REPO = Path(__file__).resolve().parent.parent
PERIOD = "2026-Q1"


@pytest.fixture
def store(sample_store):
    """A copy of the sample store for this test (see conftest)."""
    return sample_store


@pytest.fixture
def app(store):
    a = PlanningWorkshopApp(store=store, period=PERIOD, team="chatbot", author="tester")
    yield a
    a.close()


def revisions(store) -> int:
    return len(store.revisions(PERIOD))


def good_draft() -> dict:
    draft = blank_draft(PERIOD, "bots")
    for n in (1, 2, 3):
        o = blank_objective(f"B-{n}", "bots")
        o.update(title=f"Delight customers with assistant number {'I' * n}", owner="PM",
                 parent="CS-1")
        for m in (1, 2, 3):
            k = blank_key_result(f"B-{n}.{m}")
            k.update(title=f"Customer satisfaction of flow {m}", unit="%", baseline="60",
                     target="80", owner="PM")
            o["key_results"].append(k)
        draft["objectives"].append(o)
    return draft


# -- pure functions ----------------------------------------------------------------


def test_draft_to_plan_valid_draft_gives_a_plan():
    plan, problems = draft_to_plan(good_draft(), known_ids=["CS-1"])
    assert problems == []
    assert list(plan.objectives["objective_id"]) == ["B-1", "B-2", "B-3"]
    assert set(plan.objectives["team"]) == {"bots"}
    assert plan.key_results.loc[0, "target"] == 80.0
    assert lint_draft(good_draft(), ["CS-1"]) == []


def test_draft_to_plan_locates_problems():
    draft = good_draft()
    draft["objectives"][1]["key_results"][2]["target"] = "60"  # == baseline
    draft["objectives"][0]["key_results"][1]["baseline"] = "abc"
    draft["objectives"][2]["parent"] = "NOPE"
    plan, problems = draft_to_plan(draft, known_ids=["CS-1"])
    assert plan is None
    where = {locate(p)[:2]: p.message for p in problems}
    assert (0, 1) in where and "not a number" in where[(0, 1)]
    # the first (pydantic) pass stops before structural checks; fix it and see the rest
    draft["objectives"][0]["key_results"][1]["baseline"] = "60"
    plan, problems = draft_to_plan(draft, known_ids=["CS-1"])
    msgs = {locate(p): p.message for p in problems}
    assert "target equals baseline" in msgs[(1, 2, "target")]
    assert "NOPE" in msgs[(2, None, "parent")]


def test_draft_missing_title_and_target_are_problems_not_exceptions():
    draft = good_draft()
    draft["objectives"][0]["title"] = "  "
    draft["objectives"][0]["key_results"][0]["target"] = ""
    plan, problems = draft_to_plan(draft, ["CS-1"])
    assert plan is None
    fields = {p.field for p in problems}
    assert "objectives[0].title" in fields
    assert "objectives[0].key_results[0].target" in fields


def test_lint_draft_flags_activity_even_when_invalid():
    draft = good_draft()
    draft["objectives"][0]["key_results"][0]["title"] = "Attend 10 training sessions"
    draft["objectives"][0]["key_results"][1]["baseline"] = "oops"
    codes = {f.code for f in lint_draft(draft, ["CS-1"])}
    assert "activity" in codes


def test_lint_panel_html_escapes_and_counts():
    findings = [Finding("activity", "warning", "'<b>Attend</b>' reads like an activity",
                        "B-1", "B-1.1", "title")]
    problems = [Problem("target <script> equals baseline", field="x")]
    out = lint_panel_html(findings, problems)
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "&lt;b&gt;Attend" in out
    assert "1 error, 1 warning" in out
    assert "No findings" in lint_panel_html([], [])


def test_next_ids():
    draft = good_draft()
    assert next_objective_id(draft, "B") == "B-4"
    assert next_kr_id(draft["objectives"][0]) == "B-1.4"
    assert next_objective_id(blank_draft(PERIOD, "x"), "X") == "X-1"


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


def test_alignment_tree_nests_and_escapes():
    plan = parse_plan("""period: 2026-Q1
objectives:
  - {id: CO-1, title: Company <goal>, level: company, team: company}
  - {id: BU-1, title: Unit goal, level: business_unit, parent: CO-1, team: bu}
  - {id: P-1, title: Project goal, level: project, parent: BU-1, team: proj}
""")
    out = alignment_tree_html(plan.objectives, "proj")
    assert "Company &lt;goal&gt;" in out and "<goal>" not in out
    # P-1 is nested two levels below CO-1
    co, bu, p = out.index("CO-1"), out.index("BU-1"), out.index("P-1")
    assert co < bu < p
    assert out[co:p].count("<ul>") == 2
    assert '<b class="okr-own"><code>P-1' in out


def test_votes_hidden_until_revealed():
    votes, problems = add_votes({}, "Ann", {"B-1": 0.8, "B-2": 0.4})
    assert problems == []
    votes, _ = add_votes(votes, "Bob", {"B-1": 0.6, "B-2": 0.5})
    hidden = votes_html(votes, revealed=False, objective_ids=["B-1", "B-2"])
    assert "2 participants voted" in hidden
    assert "0.80" not in hidden and "0.60" not in hidden
    shown = votes_html(votes, revealed=True, objective_ids=["B-1", "B-2"])
    assert "0.80" in shown and "0.70" in shown  # Ann's vote and the mean of B-1
    s = vote_summary(votes).set_index("objective_id")
    assert s.loc["B-1", "mean"] == pytest.approx(0.7)
    assert s.loc["B-1", "spread"] == pytest.approx(0.2)
    assert s.loc["B-2", "n"] == 2


def test_votes_refuse_bad_input_and_keep_state():
    votes, _ = add_votes({}, "Ann", {"B-1": 0.8})
    out, problems = add_votes(votes, "", {"B-1": 0.5})
    assert problems and out == votes
    out, problems = add_votes(votes, "Bob", {"B-1": 1.5})
    assert problems and "Bob" not in out
    again, _ = add_votes(votes, "Ann", {"B-1": 0.1})  # a second ballot replaces the first
    assert again["Ann"] == {"B-1": 0.1} and votes["Ann"] == {"B-1": 0.8}


def test_draft_from_plan_only_the_team(store):
    draft = draft_from_plan(store.load_plan(PERIOD, "chatbot"), "chatbot")
    assert [o["id"] for o in draft["objectives"]] == ["BOT-1", "BOT-2", "BOT-3"]
    assert draft["objectives"][0]["parent"] == "CS-1"
    assert draft["objectives"][0]["key_results"][0]["baseline"] == "65"


# -- the app -------------------------------------------------------------------------


def test_app_loads_the_stored_team_plan(app):
    assert [f.id.value for f in app.objectives] == ["BOT-1", "BOT-2", "BOT-3"]
    assert app.objectives[0].title.value.startswith("Deploy conversational AI")
    assert app.objectives[0].parent.value == "CS-1"
    assert len(app.objectives[0].key_results) == 4
    assert "No findings" in app.lint_panel.value
    assert "CO-1" in app.alignment.value and "BOT-1" in app.alignment.value
    # other teams' objectives are offered as parents; the objective itself is not
    values = {v for _, v in app.objectives[0].parent.options}
    assert {"CS-1", "CO-1", "VIS-4"} <= values and "BOT-1" not in values


def test_typing_an_activity_kr_shows_the_finding(app):
    kr = app.objectives[0].key_results[0]
    kr.title.value = "Attend 10 training sessions"
    assert "[activity]" in app.lint_panel.value
    assert "Attend 10 training sessions" in app.lint_panel.value
    assert "activity" in kr.problems.value  # next to the field


def test_target_equal_to_baseline_is_an_error_and_nothing_is_saved(app, store):
    before = revisions(store)
    kr = app.objectives[0].key_results[0]
    kr.target.value = kr.baseline.value
    assert "target equals baseline" in app.lint_panel.value
    assert "target equals baseline" in kr.problems.value
    assert app.save() is None
    app.save_button.click()
    assert revisions(store) == before
    assert app.message.kind == "error" and "nothing saved" in app.message.text
    assert "Traceback" not in app.message.value


def test_save_writes_the_team_plan_in_one_revision(app, store):
    before = revisions(store)
    app.objectives[1].title.value = "Make the chatbot smarter every sprint <really>"
    app.save_button.click()
    assert app.message.kind == "ok", app.message.text
    assert revisions(store) == before + 1
    stored = store.load_plan(PERIOD)
    titles = dict(zip(stored.objectives["objective_id"], stored.objectives["title"],
                      strict=True))
    assert titles["BOT-2"] == "Make the chatbot smarter every sprint <really>"
    assert titles["VIS-4"]  # other teams untouched
    assert len(stored.key_results) == 10 + len(
        stored.key_results[~stored.key_results["objective_id"].str.startswith("BOT")])
    # a second save works from the new revision (no conflict)
    app.objectives[1].weight.value = 2.0
    app.save_button.click()
    assert revisions(store) == before + 2


def test_add_and_remove_objectives_and_key_results(app, store):
    app.add_objective_button.click()
    new = app.objectives[-1]
    assert new.id.value == "BOT-4" and len(new.key_results) == 1
    assert new.key_results[0].id.value == "BOT-4.1"
    assert "not-measurable" in app.lint_panel.value or "missing" in app.lint_panel.value
    new.add_kr_button.click()
    assert [k.id.value for k in app.objectives[-1].key_results] == ["BOT-4.1", "BOT-4.2"]
    app.objectives[-1].key_results[0].remove_button.click()
    assert [k.id.value for k in app.objectives[-1].key_results] == ["BOT-4.2"]
    app.objectives[-1].remove_button.click()
    assert [f.id.value for f in app.objectives] == ["BOT-1", "BOT-2", "BOT-3"]
    app.objectives[2].remove_button.click()
    app.save_button.click()
    assert app.message.kind == "ok", app.message.text
    stored = store.load_plan(PERIOD, "chatbot")
    own = stored.objectives[stored.objectives["team"] == "chatbot"]
    assert list(own["objective_id"]) == ["BOT-1", "BOT-2"]


def test_template_instantiation_fills_the_form(app, store):
    before = revisions(store)
    app.start.value = "template"
    app.category.value = "project-type"
    assert "chatbot" in {v for _, v in app.template.options}
    app.template.value = "chatbot"
    app.prefix.value = "CHB"
    app.template_parent.value = "CS-1"
    app.start_button.click()
    ids = [f.id.value for f in app.objectives]
    assert ids and all(i.startswith("CHB-") for i in ids)
    assert app.objectives[0].parent.value == "CS-1"
    assert all(len(f.key_results) >= 1 for f in app.objectives)
    assert app.objectives[0].key_results[0].title.value
    assert revisions(store) == before  # starting a draft saves nothing
    assert app.message.kind == "info"


def test_blank_start_and_new_team(store):
    a = PlanningWorkshopApp(store=store, period=PERIOD, team="newteam")
    try:
        assert a.objectives == []
        a.add_objective_button.click()
        f = a.objectives[0]
        assert f.id.value == "NEW-1"
        f.title.value = "Delight every newcomer"
        f.owner.value = "Lead"
        f.parent.value = "CS-1"
        k = f.key_results[0]
        k.title.value = "Newcomer satisfaction"
        k.unit.value = "%"
        k.baseline.value = "50"
        k.target.value = "80%"
        a.save_button.click()
        assert a.message.kind == "ok", a.message.text
        stored = store.load_plan(PERIOD, "newteam")
        assert stored.key_results.loc[0, "target"] == 80.0
        assert "newteam" in store.teams(PERIOD)
    finally:
        a.close()


def test_votes_in_the_app_stay_hidden_until_reveal(app):
    assert list(app.vote_sliders) == ["BOT-1", "BOT-2", "BOT-3"]
    app.participant.value = "Ann"
    app.vote_sliders["BOT-1"].value = 0.9
    app.vote_button.click()
    assert app.participant.value == "" and app.vote_sliders["BOT-1"].value == 0.5
    app.participant.value = "Bob"
    app.vote_sliders["BOT-1"].value = 0.3
    app.vote_button.click()
    assert "0.90" not in app.votes_panel.value and "2 participants" in app.votes_panel.value
    app.reveal_button.click()
    assert "0.90" in app.votes_panel.value and "0.30" in app.votes_panel.value
    assert "0.60" in app.votes_panel.value  # the mean
    app.vote_button.click()  # no name: refused
    assert app.message.kind == "error"


def test_export_writes_yaml_that_loads_back(app, tmp_path, store):
    path = tmp_path / "out" / "chatbot.yaml"
    app.export_path.value = str(path)
    before = revisions(store)
    app.export_button.click()
    assert app.message.kind == "ok", app.message.text
    plan = load_plan(path, known_ids=["CS-1"])
    assert list(plan.objectives["objective_id"]) == ["BOT-1", "BOT-2", "BOT-3"]
    assert "BOT-1.1" in app.export_preview.value
    assert revisions(store) == before


def test_export_refuses_invalid_draft(app, tmp_path):
    app.objectives[0].key_results[0].target.value = "lots"
    app.export_path.value = str(tmp_path / "x.yaml")
    app.export_button.click()
    assert not (tmp_path / "x.yaml").exists()
    assert app.message.kind == "error"


def test_user_text_is_escaped(app):
    app.objectives[0].title.value = "<img src=x onerror=alert(1)>"
    assert "<img" not in app.alignment.value
    app.objectives[0].key_results[0].title.value = "Launch <script>alert(1)</script>"
    assert "<script>" not in app.lint_panel.value
    assert "<script>" not in app.objectives[0].key_results[0].problems.value


def test_conflicting_save_is_refused(app, store):
    other = store.load_plan(PERIOD)
    store.save_plan(other, author="someone else")
    before = revisions(store)
    app.save_button.click()
    assert app.message.kind == "error" and "someone else" in app.message.text
    assert revisions(store) == before


def test_plan_the_next_period_from_blank(app, store):
    assert "2026-Q2" in app.period.options
    app.period.value = "2026-Q2"
    assert app.stored is None and app.objectives == []
    app.add_objective_button.click()
    f = app.objectives[0]
    assert f.id.value == "BOT-1"
    f.title.value = "Delight customers with our assistant"
    f.owner.value = "PM"
    k = f.key_results[0]
    k.title.value = "Customer satisfaction"
    k.unit.value = "%"
    k.baseline.value = "70"
    k.target.value = "85"
    app.save_button.click()
    assert app.message.kind == "ok", app.message.text
    assert "2026-Q2" in store.periods()
    assert list(store.load_plan("2026-Q2").objectives["objective_id"]) == ["BOT-1"]

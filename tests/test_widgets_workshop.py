"""The planning workshop app (okrkit.widgets.workshop, its forms and panels in
okrkit.widgets.workshop_forms) on a SQLite store with the sample."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from htmltree import soup, table_rows, tags

from okrkit.errors import Problem
from okrkit.linting import Finding
from okrkit.plan import load_plan
from okrkit.planning import add_votes, vote_summary
from okrkit.widgets.workshop import PlanningWorkshopApp
from okrkit.widgets.workshop_forms import lint_panel_html, votes_html

REPO = Path(__file__).resolve().parent.parent
PERIOD = "2026-Q1"


@pytest.fixture
def store(sample_store):
    """A copy of the sample store for this test (see conftest)."""
    return sample_store


@pytest.fixture
def app(store):
    a = PlanningWorkshopApp(store=store, period=PERIOD, team="chatbot", author="tester",
                            refresh_seconds=None)
    yield a
    a.close()


def revisions(store) -> int:
    return len(store.revisions(PERIOD))


# -- panels --------------------------------------------------------------------------


def test_lint_panel_html_escapes_and_counts():
    findings = [Finding("activity", "warning", "'<b>Attend</b>' reads like an activity",
                        "B-1", "B-1.1", "title")]
    problems = [Problem("target <script> equals baseline", field="x")]
    out = lint_panel_html(findings, problems)
    assert "script" not in tags(out) and "&lt;script&gt;" in out
    page = soup(out)
    assert page.select_one("div.okr-lint > b").get_text() == "1 error, 1 warning"
    assert [li.get_text() for li in page.select("ul.okr-problems li")] == [
        "field 'x': target <script> equals baseline"]
    assert [li.get_text() for li in page.select("li.okr-finding.okr-warning")] == [
        "warning [activity] B-1 · B-1.1: '<b>Attend</b>' reads like an activity"]
    clean = soup(lint_panel_html([], []))
    assert clean.select_one("div.okr-lint-clean") and not clean.select("li")


def test_votes_hidden_until_revealed():
    votes, problems = add_votes({}, "Ann", {"B-1": 0.8, "B-2": 0.4})
    assert problems == []
    votes, _ = add_votes(votes, "Bob", {"B-1": 0.6, "B-2": 0.5})
    hidden = votes_html(votes, revealed=False, objective_ids=["B-1", "B-2"])
    assert soup(hidden).get_text().startswith("2 participants voted (Ann, Bob)")
    assert "table" not in tags(hidden) and "0.80" not in hidden and "0.60" not in hidden
    shown = {r["objective"]: r for r in table_rows(
        votes_html(votes, revealed=True, objective_ids=["B-1", "B-2"]))}
    assert shown["B-1"] == {"objective": "B-1", "Ann": "0.80", "Bob": "0.60", "mean": "0.70",
                            "spread": "0.20"}
    assert shown["B-2"]["mean"] == "0.45"
    s = vote_summary(votes).set_index("objective_id")
    assert s.loc["B-1", "mean"] == pytest.approx(0.7)
    assert s.loc["B-1", "spread"] == pytest.approx(0.2)
    assert s.loc["B-2", "n"] == 2


# -- the app -------------------------------------------------------------------------


def test_app_loads_the_stored_team_plan(app):
    assert [f.id.value for f in app.objectives] == ["BOT-1", "BOT-2", "BOT-3"]
    assert app.objectives[0].title.value.startswith("Deploy conversational AI")
    assert app.objectives[0].parent.value == "CS-1"
    assert len(app.objectives[0].key_results) == 4
    assert soup(app.lint_panel.value).select_one("div.okr-lint-clean")
    # the alignment tree: BOT-1 (this team, bold) under CS-1 under CO-1
    tree = soup(app.alignment.value)
    bot = tree.find("code", string="BOT-1")
    path = [li.find("code").get_text() for li in bot.find_parents("li")]
    assert path == ["BOT-1", "CS-1", "CO-1"]
    assert bot.find_parent("b", class_="okr-own") is not None
    assert tree.find("code", string="CS-1").find_parent("b") is None
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
    # the blank objective and key result: exactly these problems and findings, by field
    panel = soup(app.lint_panel.value)
    assert panel.select_one("div.okr-lint > b").get_text() == "6 errors, 2 warnings"
    found = [re.match(r"\w+ \[([\w-]+)\] (.+?): ", li.get_text()).groups()
             for li in panel.select("li.okr-finding")]
    assert sorted(found) == [("kr-count", "BOT-4"), ("missing-owner", "BOT-4"),
                             ("missing-title", "BOT-4"), ("missing-title", "BOT-4 · BOT-4.1"),
                             ("not-measurable", "BOT-4 · BOT-4.1")]
    kr_lines = [li.get_text() for li in soup(new.key_results[0].problems.value).select("li")]
    assert "target: required field 'target' is missing" in kr_lines
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


def test_votes_in_the_app_stay_hidden_until_reveal(app, store):
    """Votes go to the store (tests/test_workshop_room.py: two sessions, SQLite and PG)."""
    assert list(app.vote_sliders) == ["BOT-1", "BOT-2", "BOT-3"]
    app.participant.value = "Ann"
    app.vote_sliders["BOT-1"].value = 0.9
    app.vote_button.click()
    assert app.message.kind == "ok", app.message.text
    store.cast_vote(PERIOD, "chatbot", "Bob", {"BOT-1": 0.3, "BOT-2": 0.5, "BOT-3": 0.5})
    app.refresh_votes_button.click()
    assert "0.90" not in app.votes_panel.value and "2 participants" in app.votes_panel.value
    app.reveal_button.click()
    assert "0.90" in app.votes_panel.value and "0.30" in app.votes_panel.value
    assert "0.60" in app.votes_panel.value  # the mean
    app.participant.value = ""
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
    """Someone else saved this team's objectives after the app loaded them: refused,
    and the message names both revisions."""
    loaded = store.load_plan(PERIOD)
    obj = loaded.objectives
    edited = obj.assign(title=obj["title"].where(obj["team"] != "chatbot", "renamed"))
    store.save_plan(loaded.with_frames(objectives=edited), author="someone else")
    before = revisions(store)
    app.save_button.click()
    assert app.message.kind == "error" and "someone else" in app.message.text
    assert f"revision {loaded.revision + 1}, after revision {loaded.revision}" in app.message.text
    assert revisions(store) == before


def test_another_teams_save_does_not_conflict(app, store):
    """Two teams planning the same quarter: the other team's save stays, ours goes in."""
    loaded = store.load_plan(PERIOD)
    obj = loaded.objectives
    edited = obj.assign(owner=obj["owner"].where(obj["team"] != "vision", "New owner"))
    store.save_plan(loaded.with_frames(objectives=edited), author="vision lead")
    assert app.save() == loaded.revision + 2
    after = store.load_plan(PERIOD).objectives
    assert set(after.loc[after["team"] == "vision", "owner"]) == {"New owner"}
    assert len(after) == len(obj)


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

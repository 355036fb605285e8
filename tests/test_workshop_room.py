"""The planning workshop for a room of people: two PlanningWorkshopApp sessions on one
store (SQLite and PostgreSQL) vote through the store, see who voted, reveal, start a new
round, and edit the same team's plan; the lifecycle panel and Submit for review."""

from __future__ import annotations

import time

import pytest
from htmltree import soup, table_rows
from store_fixtures import sample_plan

from okrkit import lifecycle
from okrkit.confidence import objective_outcomes, vote_forecasts
from okrkit.lifecycle import PlanState
from okrkit.plan import parse_plan
from okrkit.planning import merge_team_plan
from okrkit.store import open_store
from okrkit.widgets.ticker import Ticker
from okrkit.widgets.workshop import PlanningWorkshopApp, save_note

PERIOD = "2026-Q1"


@pytest.fixture
def room(store, store_url):
    """Two sessions of team vision's workshop (each its own store connection)."""
    store.save_plan(sample_plan(PERIOD), author="setup")
    other = open_store(store_url)
    ana = PlanningWorkshopApp(store=store, period=PERIOD, team="vision", refresh_seconds=None)
    ben = PlanningWorkshopApp(store=other, period=PERIOD, team="vision", refresh_seconds=None)
    yield ana, ben
    ana.close()
    ben.close()
    other.close()


def test_participant_defaults_to_the_hub_user(store, monkeypatch):
    store.save_plan(sample_plan(PERIOD))
    monkeypatch.setenv("JUPYTERHUB_USER", "carol")
    app = PlanningWorkshopApp(store=store, period=PERIOD, team="vision", refresh_seconds=None)
    try:
        assert app.participant.value == "carol"
    finally:
        app.close()


def test_two_sessions_vote_then_reveal_then_new_round(room, store):
    ana, ben = room
    assert list(ana.vote_sliders) == ["VIS-1"]
    ana.participant.value, ben.participant.value = "Ana", "Ben"
    ana.vote_sliders["VIS-1"].value = 0.9
    ana.vote_button.click()
    assert ana.message.kind == "ok", ana.message.text
    assert "round 1" in ana.message.text
    ben.vote_sliders["VIS-1"].value = 0.3
    ben.vote_button.click()
    # Ana's session sees Ben's vote after a refresh: names, no numbers
    ana.refresh_votes_button.click()
    hidden = soup(ana.votes_panel.value)
    assert hidden.select_one("p.okr-votes-hidden").get_text() == (
        "2 participants voted (Ana, Ben); votes stay hidden until Reveal.")
    assert "0.90" not in ana.votes_panel.value and "0.30" not in ana.votes_panel.value
    assert hidden.select_one("p.okr-vote-round").get_text() == "Round 1 · hidden until Reveal"
    # the facilitator (Ben) reveals; Ana's session shows every vote, the mean and spread
    ben.reveal_button.click()
    assert ben.message.kind == "info", ben.message.text
    ana.refresh_votes()
    assert ana.message.kind == "info"
    assert ana.message.text == ("round 1 of team 'vision' revealed in every session: every "
                                "vote below")
    rows = table_rows(ana.votes_panel.value, "table.okr-votes")
    assert rows == [{"objective": "VIS-1", "Ana": "0.90", "Ben": "0.30", "mean": "0.60",
                     "spread": "0.60(discuss: wide spread)"}]
    assert ana.revealed and ana.round.number == 1
    # votes are forecasts: confidence.vote_forecasts reads the stored frame
    outcomes = objective_outcomes(store.load_plan(PERIOD), store.checkins(PERIOD))
    scored = vote_forecasts(store.votes(PERIOD, "vision"), outcomes)
    assert sorted(scored["participant"]) == ["Ana", "Ben"]
    assert sorted(scored["confidence"]) == [0.3, 0.9]
    # a new round clears the votes in every session; round 1 stays in the store
    ana.reset_votes_button.click()
    ben.refresh_votes()
    assert ben.message.text == "round 2 of team 'vision' started: vote again"
    assert soup(ben.votes_panel.value).get_text() == (
        "Round 2 · hidden until Revealno votes yet")
    assert not ben.revealed and ben.votes == {}
    assert len(store.votes(PERIOD, "vision")) == 2


def test_a_session_reopened_shows_your_own_ballot(room, store_url):
    ana, _ = room
    ana.participant.value = "Ana"
    ana.vote_sliders["VIS-1"].value = 0.75
    ana.vote_button.click()
    again = PlanningWorkshopApp(db=store_url, period=PERIOD, team="vision", refresh_seconds=None)
    try:
        again.participant.value = "Ana"
        again.team.value = "data"
        again.team.value = "vision"  # reloads the team with Ana's ballot
        assert again.vote_sliders["VIS-1"].value == 0.75
    finally:
        again.close()


def test_bad_votes_are_refused_and_nothing_is_cast(room, store):
    ana, _ = room
    ana.participant.value = "  "
    ana.vote_button.click()
    assert ana.message.kind == "error" and "type your name" in ana.message.text
    assert store.votes(PERIOD, "vision").empty


def test_unsaved_objectives_are_not_voted_on(room, store):
    ana, _ = room
    ana.participant.value = "Ana"
    ana.add_objective_button.click()
    new_id = ana.objectives[-1].id.value
    assert list(ana.vote_sliders) == ["VIS-1", new_id]
    ana.vote_button.click()
    assert ana.message.kind == "ok" and f"not saved yet): {new_id}" in ana.message.text
    assert list(store.votes(PERIOD, "vision")["objective_id"]) == ["VIS-1"]


def test_the_periodic_refresh_follows_the_other_session(store, store_url):
    store.save_plan(sample_plan(PERIOD))
    other = open_store(store_url)
    watcher = PlanningWorkshopApp(store=store, period=PERIOD, team="vision",
                                  refresh_seconds=0.2)
    try:
        assert watcher.ticker is not None and watcher.ticker.running
        other.cast_vote(PERIOD, "vision", "Ben", {"VIS-1": 0.4})
        deadline = time.time() + 20
        while "Ben" not in watcher.votes_panel.value and time.time() < deadline:
            time.sleep(0.1)
        assert "1 participant voted (Ben)" in soup(watcher.votes_panel.value).get_text()
        other.reveal_votes(PERIOD, "vision")
        while "<table" not in watcher.votes_panel.value and time.time() < deadline:
            time.sleep(0.1)
        row = table_rows(watcher.votes_panel.value, "table.okr-votes")[0]
        assert (row["objective"], row["Ben"]) == ("VIS-1", "0.40")
        assert watcher.ticker.error is None
    finally:
        watcher.close()
        other.close()
    assert not watcher.ticker.running and not watcher.ticker.thread.is_alive()


def test_ticker_stops_itself_and_keeps_errors():
    calls: list[int] = []

    def tick() -> bool:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("store away")
        return len(calls) < 3

    t = Ticker(0.01, tick)
    t.thread.join(5)
    assert len(calls) == 3 and not t.running
    assert isinstance(t.error, RuntimeError)
    with pytest.raises(ValueError, match="positive"):
        Ticker(0, tick)


# -- two people editing the same team's plan -------------------------------------------


def test_the_later_save_is_refused_naming_the_revision_and_keeps_the_draft(room, store):
    ana, ben = room
    loaded = ana.stored.revision
    ana.objectives[0].title.value = "Launch defect detection everywhere"
    ben.objectives[0].title.value = "Launch defect detection on line 2"
    ben.objectives[0].key_results[0].target.value = "97"
    assert ana.save() == loaded + 1
    before = len(store.revisions(PERIOD))
    assert ben.save() is None
    assert ben.message.kind == "error"
    assert f"revision {loaded + 1}, after revision {loaded}" in ben.message.text
    assert "Your draft is kept here" in ben.message.text
    assert len(store.revisions(PERIOD)) == before
    # Ben's draft is kept as he typed it; the store holds Ana's
    assert ben.objectives[0].title.value == "Launch defect detection on line 2"
    assert ben.objectives[0].key_results[0].target.value == "97"
    titles = store.load_plan(PERIOD).objectives.set_index("objective_id")["title"]
    assert titles["VIS-1"] == "Launch defect detection everywhere"


KEPT = """period: 2026-Q1
teams:
  vision:
    project: Defect detection
    sponsor: VP Operations
    contributors: [CV lead, Data engineer]
    next_review: 2026-02-15
objectives:
  - id: VIS-1
    title: Launch defect detection
    team: vision
    owner: CV lead
    key_results:
      - id: VIS-1.1
        title: Accuracy of at least 95%
        unit: "%"
        direction: increase
        baseline: 88
        target: 95
        min: 0
        max: 100
        due: 2026-03-20
        source: {file: accuracy.csv, note: nightly export}
"""


def test_a_workshop_draft_keeps_min_max_source(store):
    """The draft carries what its forms do not edit: the validated plan has them."""
    plan = parse_plan(KEPT)
    store.save_plan(plan)
    stored = store.load_plan(PERIOD)
    app = PlanningWorkshopApp(store=store, period=PERIOD, team="vision", refresh_seconds=None)
    try:
        app.stored = plan  # the plan as its file holds it (the store keeps no source or header yet)
        app.team.value = "data"
        app.team.value = "vision"
        app.objectives[0].title.value = "Launch defect detection on every line"
        kr = app.plan.key_results.set_index("kr_id").loc["VIS-1.1"]
        merged, problems = merge_team_plan(app.stored, app.plan, "vision")
    finally:
        app.close()
    assert problems == [] and merged.headers.equals(plan.headers)  # the header rides along
    assert merged.headers.loc[0, "project"] == "Defect detection"
    assert (kr["min"], kr["max"], str(kr["due"])) == (0.0, 100.0, "2026-03-20")
    assert kr["source"] == plan.key_results.loc[0, "source"]
    assert stored.key_results.loc[0, "min"] == 0.0


def test_a_workshop_save_keeps_min_max_and_due(store):
    store.save_plan(parse_plan(KEPT))
    app = PlanningWorkshopApp(store=store, period=PERIOD, team="vision", refresh_seconds=None)
    try:
        app.objectives[0].title.value = "Launch defect detection on every line"
        assert app.save() is not None, app.message.text
    finally:
        app.close()
    plan = store.load_plan(PERIOD)
    kr = plan.key_results.set_index("kr_id").loc["VIS-1.1"]
    assert (kr["min"], kr["max"], str(kr["due"])) == (0.0, 100.0, "2026-03-20")
    assert plan.objectives.loc[0, "title"] == "Launch defect detection on every line"


# -- the lifecycle panel ---------------------------------------------------------------


def test_lifecycle_panel_and_submit_for_review(room, store):
    ana, ben = room
    panel = soup(ana.lifecycle_panel.value)
    assert panel.select_one(".okr-state")["data-state"] == "draft"
    assert panel.select_one("p.okr-missing-roles").get_text() == (
        "Sign-offs needed: " + ", ".join(lifecycle.DEFAULT_ROLES))
    assert [td.get_text() for td in panel.select("table.okr-header td")] == ["—"] * 4
    assert not ana.submit_button.disabled
    ana.submit_button.click()
    assert ana.message.kind == "ok", ana.message.text
    assert store.plan_state(PERIOD, "vision").state == "in-review"
    assert ana.submit_button.disabled
    store.update_plan_state(PERIOD, "vision", lambda s: lifecycle.approve(
        s, "Executive Sponsor", "Pat <b>Doe</b>", at=s_time(), note="go"))
    ben.refresh_state()
    page = soup(ben.lifecycle_panel.value)
    assert page.select_one(".okr-state").get_text() == "in-review"
    assert table_rows(ben.lifecycle_panel.value, "table.okr-signoffs") == [
        {"role": "Executive Sponsor", "name": "Pat <b>Doe</b>", "at": "2026-01-06 09:30",
         "note": "go"}]
    assert page.select_one("p.okr-missing-roles").get_text() == (
        "Waiting for: Product Lead, Engineering Lead, Business Owner")
    ben.submit_button.disabled = False  # a stale button: the store refuses
    ben.submit_for_review()
    assert ben.message.kind == "error" and "only a draft is submitted" in ben.message.text


def test_a_new_team_has_no_state_until_saved(store):
    store.save_plan(sample_plan(PERIOD))
    app = PlanningWorkshopApp(store=store, period=PERIOD, team="newteam", refresh_seconds=None)
    try:
        assert soup(app.lifecycle_panel.value).select_one(".okr-state")["data-state"] == (
            "unsaved")
        assert app.submit_button.disabled
        app.reveal_button.click()
        assert app.message.kind == "error" and "no team 'newteam'" in app.message.text
    finally:
        app.close()


def s_time():
    import datetime as dt

    return dt.datetime(2026, 1, 6, 9, 30)


def test_save_note_says_what_the_save_did_to_the_state():
    review = PlanState(PERIOD, "vision", state="in-review")
    assert save_note(review, PlanState(PERIOD, "vision")) == lifecycle.edited(review)[1]
    assert "back to draft" in save_note(review, PlanState(PERIOD, "vision"))
    active = PlanState(PERIOD, "vision", state="active")
    after = PlanState(PERIOD, "vision", state="active", changes_after_approval=1)
    assert "change after approval" in save_note(active, after)
    assert save_note(review, review) is None and save_note(None, review) is None


def test_lifecycle_html_shows_the_header_escaped():
    import datetime as dt

    from okrkit.lifecycle import Header, SignOff
    from okrkit.widgets.workshop_forms import lifecycle_html

    state = PlanState(PERIOD, "vision", state="active", changes_after_approval=2,
                      header=Header("<b>Eyes</b>", "VP Ops", ("Ana", "Ben"),
                                    dt.date(2026, 2, 15)),
                      signoffs=(SignOff("Executive Sponsor", "Pat", dt.datetime(2026, 1, 6)),))
    html = lifecycle_html(state, "vision", PERIOD, note="the plan <i>moved</i>")
    page = soup(html)
    assert "<b>Eyes</b>" not in html and page.select("b.okr-state")[0].get_text() == "active"
    assert [td.get_text() for td in page.select("table.okr-header td")] == [
        "<b>Eyes</b>", "VP Ops", "Ana, Ben", "2026-02-15"]
    assert page.select_one("p.okr-lifecycle-note").get_text() == "the plan <i>moved</i>"
    assert "2 changes after approval" in page.get_text()
    assert page.select_one("p.okr-missing-roles") is None  # active: nothing is waited for


def test_a_store_that_fails_is_named_not_raised(room, monkeypatch):
    from okrkit.errors import StoreError

    ana, _ = room

    def away(*_a, **_k):
        raise StoreError("cannot reach the store at db.example: connection refused")

    monkeypatch.setattr(ana.store, "vote_round", away)
    ana.refresh_votes_button.click()
    assert ana.message.kind == "error"
    assert ana.message.text == ("votes not refreshed: cannot reach the store at db.example: "
                                "connection refused")


def test_a_save_while_in_review_goes_back_to_draft_and_says_so(room, store):
    """The store's rule (lifecycle.edited on save) seen in the workshop: an edit in review
    clears the sign-offs and sends the plan back to draft, and the message says so."""
    ana, _ = room
    ana.submit_button.click()
    store.update_plan_state(PERIOD, "vision", lambda s: lifecycle.approve(
        s, "Executive Sponsor", "Pat", at=s_time()))
    assert store.plan_state(PERIOD, "vision").signoffs
    ana.objectives[0].title.value = "Launch defect detection on every line"
    assert ana.save() is not None, ana.message.text
    state = store.plan_state(PERIOD, "vision")
    assert (state.state, state.signoffs) == ("draft", ())
    assert "draft" in ana.message.text and ana.message.kind == "ok"
    assert soup(ana.lifecycle_panel.value).select_one(".okr-state")["data-state"] == "draft"
    assert not ana.submit_button.disabled

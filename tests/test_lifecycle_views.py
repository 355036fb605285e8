"""Where people see the plan's lifecycle: the retrospective's Close period block, the
monthly review's plans to chase, the team and company reports and the index (real widgets
on a copy of the sample store; HTML parsed)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from htmltree import soup, table_rows

from okrkit import lifecycle
from okrkit import reportview as rv
from okrkit.lifecycle import Header
from okrkit.lifecycle_view import attention, plan_states
from okrkit.report import ReportJob, ReportResult, write_index
from okrkit.reportdata import gather
from okrkit.store.checkins import utcnow
from okrkit.widgets.retro import RetrospectiveApp
from okrkit.widgets.review import MonthlyReviewApp

Q1 = "2026-Q1"
ROLES = lifecycle.DEFAULT_ROLES


def _sign_all(store, team: str, names=("Ada", "Bo", "Cy", "Di")) -> None:
    store.update_plan_state(Q1, team, lifecycle.submit)
    for role, who in zip(ROLES, names, strict=True):
        store.update_plan_state(Q1, team, lambda s, r=role, w=who: lifecycle.approve(
            s, r, w, at=dt.datetime(2026, 1, 6, 9, 0), note="ok"))


def test_retrospective_closes_the_period_and_shows_the_frozen_scores(sample_store) -> None:
    app = RetrospectiveApp(store=sample_store, period="2025-Q4", team="vision")
    try:
        panel = app.closing
        assert soup(panel.state_html.value).select_one("section.okr-lifecycle")[
            "data-state"] == "draft"
        assert panel.close_button.description == "Close period"
        panel.close_button.click()
        assert app.message.kind == "ok", app.message.text
        assert sample_store.plan_state("2025-Q4", "vision").state == "completed"
        rows = table_rows(panel.frozen_html.value)
        frozen = sample_store.frozen_scores("2025-Q4", "vision")
        assert len(rows) == len(frozen) > 0
        assert {r["item"] for r in rows} == set(frozen["item_id"])
        assert panel.close_button.disabled
        # frozen: the retrospective's own save is refused now, naming the state
        form = next(iter(app.reviews.values()))
        form.lessons.value = "too late"
        assert app.save() is False
        assert app.message.kind == "error" and "completed and frozen" in app.message.text
    finally:
        app.close()


def test_retrospective_shows_the_refusal_before_the_period_ends(sample_store) -> None:
    app = RetrospectiveApp(store=sample_store, period=Q1, team="chatbot",
                           as_of=dt.date(2026, 2, 13), author="Lee")
    try:
        panel = app.closing
        assert panel.close() is None
        assert app.message.kind == "error" and "before the period ends" in app.message.text
        panel.force.value = True
        assert panel.close() is None and "needs a --reason" in app.message.text
        panel.reason.value = "team reorganised"
        done = panel.close()
        assert done is not None and done.state == "completed"
        section = soup(panel.state_html.value).select_one("section.okr-lifecycle")
        assert section["data-state"] == "completed"
        items = [li.get_text() for li in section.select("ul.okr-amendments li")]
        assert len(items) == 1 and items[0].endswith("closed early: team reorganised (Lee)")
    finally:
        app.close()


def test_monthly_review_lists_plans_not_active_and_reviews_overdue(sample_store) -> None:
    _sign_all(sample_store, "vision")
    from dataclasses import replace

    sample_store.update_plan_state(Q1, "vision", lambda s: replace(
        s, header=Header(project="Defects", next_review=dt.date(2026, 2, 1))))
    sample_store.update_plan_state(Q1, "chatbot", lifecycle.submit)
    app = MonthlyReviewApp(store=sample_store, period=Q1, as_of=dt.date(2026, 2, 13))
    try:
        rows = {r["team"]: r for r in table_rows(app.plans_table.value)}
        assert rows["vision"]["plan"] == "active"
        assert "next review 2026-02-01 has passed (12 days ago)" in rows["vision"]["why"]
        assert rows["chatbot"]["plan"] == "in-review"
        assert "waiting for Executive Sponsor, Product Lead" in rows["chatbot"]["why"]
        teams = set(sample_store.teams(Q1))
        assert set(rows) == teams  # every other team is still a draft
        assert all(rows[t]["plan"] == "draft" for t in teams - {"vision", "chatbot"})
    finally:
        app.close()


def test_attention_skips_active_plans_whose_review_is_ahead() -> None:
    s = lifecycle.PlanState(Q1, "x", state="active",
                            header=Header(next_review=dt.date(2026, 3, 1)))
    assert attention([s], dt.date(2026, 2, 1)).empty
    assert len(attention([s], dt.date(2026, 3, 2))) == 1


def test_team_report_carries_header_state_and_signoffs(sample_url: str, sample_store) -> None:
    _sign_all(sample_store, "chatbot")
    from dataclasses import replace

    sample_store.update_plan_state(Q1, "chatbot", lambda s: replace(s, header=Header(
        project="Support <bot>", owner="VP Support", contributors=("Ana", "Ben"),
        next_review=dt.date(2026, 3, 1))))
    r = gather(Q1, "chatbot", sample_url, "2026-02-13", with_forecast=False)
    html = rv.header_html(r)
    section = soup(html).select_one("section.okr-lifecycle")
    assert section["data-team"] == "chatbot" and section["data-state"] == "active"
    facts = dict(zip([d.get_text() for d in section.select("dt")],
                     [d.get_text() for d in section.select("dd")], strict=True))
    assert facts["project"] == "Support <bot>"  # user text stays text
    assert facts["executive sponsor"] == "VP Support"
    assert facts["contributors"] == "Ana, Ben" and facts["next review"] == "2026-03-01"
    signed = table_rows(str(section))
    assert [(x["role"], x["signed by"], x["on"]) for x in signed] == [
        (role, who, "2026-01-06") for role, who in zip(ROLES, ["Ada", "Bo", "Cy", "Di"],
                                                        strict=True)]
    assert section.select_one("p.okr-missing") is None


def test_company_report_and_index_show_per_team_state_and_signers(
        sample_url: str, sample_store, tmp_path: Path) -> None:
    _sign_all(sample_store, "vision")
    sample_store.update_plan_state(Q1, "chatbot", lifecycle.submit)
    sample_store.update_plan_state(Q1, "chatbot", lambda s: lifecycle.approve(
        s, "Product Lead", "Bo", at=utcnow()))
    company = gather(Q1, "company", sample_url, "2026-02-13", with_forecast=False,
                     with_weekly=False)
    rows = {r["team"]: r for r in table_rows(rv.lifecycle_section(company))}
    assert rows["vision"]["plan"] == "active" and rows["vision"]["active"] == "yes"
    assert rows["vision"]["signed by"].startswith("Executive Sponsor: Ada (2026-01-06)")
    assert rows["chatbot"]["plan"] == "in-review" and rows["chatbot"]["active"] == "no"
    assert rows["chatbot"]["signed by"].startswith("Product Lead: Bo")
    jobs = [ReportResult(ReportJob(Q1, t, sample_url, "2026-02-13",
                                   tmp_path / f"{Q1}-{t or 'company'}.html"), True, 0.1)
            for t in (None, "vision", "chatbot")]
    index = write_index(Q1, jobs, tmp_path, sample_url, "2026-02-13", data=company)
    got = {r["report"]: r for r in table_rows(index.read_text(encoding="utf-8"))}
    assert got["vision"]["plan"] == "active" and got["vision"]["signed by"].count(":") == 4
    assert got["chatbot"]["plan"] == "in-review"
    assert got["Company roll-up"]["plan"] == ""


def test_plan_states_read_back_from_a_stored_plan(sample_store) -> None:
    _sign_all(sample_store, "vision")
    states = {s.team: s for s in plan_states(sample_store.load_plan(Q1))}
    assert states["vision"].state == "active" and len(states["vision"].signoffs) == 4
    assert states["vision"].signoffs[0].note == "ok"
    assert all(s.state == "draft" for t, s in states.items() if t != "vision")


@pytest.mark.parametrize("team", ["vision"])
def test_an_edit_through_the_store_shows_in_the_report(sample_url, sample_store, team) -> None:
    sample_store.update_plan_state(Q1, team, lifecycle.submit)
    plan = sample_store.load_plan(Q1)
    obj = plan.objectives.copy()
    obj.loc[obj["team"] == team, "title"] = obj.loc[obj["team"] == team, "title"] + " v2"
    rev = sample_store.save_plan(plan.with_frames(objectives=obj))
    assert any("back to draft" in n for n in rev.notes)
    r = gather(Q1, team, sample_url, "2026-02-13", with_forecast=False)
    assert soup(rv.lifecycle_section(r)).select_one("section.okr-lifecycle")[
        "data-state"] == "draft"


def test_retrospective_save_while_active_says_it_is_a_change_after_approval(
        sample_store) -> None:
    _sign_all(sample_store, "vision")
    app = RetrospectiveApp(store=sample_store, period=Q1, team="vision", author="Lee",
                           as_of=dt.date(2026, 2, 13))
    try:
        next(iter(app.reviews.values())).lessons.value = "label data earlier"
        assert app.save() is True
        assert "recorded as a change after approval" in app.message.text
        assert sample_store.plan_state(Q1, "vision").changes_after_approval == 1
    finally:
        app.close()

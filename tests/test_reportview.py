"""The report's data (okrkit.reportdata) and its HTML sections (okrkit.reportview).

No kernel here: the sections are rendered straight from :func:`gather` on a private copy
of the sample store, and checked by parsing the HTML.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import EVIL_PLAN, checkins_frame
from htmltree import soup, table_rows, tags, text_of

from okrkit import reportview as rv
from okrkit.errors import ReportError
from okrkit.insights import at_risk_list, kr_changes, team_scores
from okrkit.plan import parse_plan
from okrkit.reportdata import ReportData, gather
from okrkit.scoring import ScoringPolicy, score

PERIOD, AS_OF = "2026-Q1", "2026-02-13"
SECTIONS = (rv.header_html, rv.objectives_html, rv.hierarchy_html, rv.charts_html,
            rv.risks_html, rv.changes_html, rv.calibration_section, rv.forecast_html,
            rv.notes_html, rv.review_html)


@pytest.fixture
def team(sample_url: str) -> ReportData:
    return gather(PERIOD, "chatbot", sample_url, AS_OF)


@pytest.fixture
def company(sample_url: str) -> ReportData:
    return gather(PERIOD, "company", sample_url, AS_OF)


def test_gather_holds_what_the_report_shows(team: ReportData, sample_store) -> None:
    plan = sample_store.load_plan(PERIOD)
    card = score(plan, sample_store.checkins(period=PERIOD), AS_OF)
    pd.testing.assert_frame_equal(team.card.key_results, card.key_results)
    assert set(team.key_results["team"]) == {"chatbot"}
    assert set(team.objectives["team"]) == {"chatbot"}
    assert set(team.checkins["kr_id"]) <= set(team.key_results["kr_id"])
    assert all(d <= team.as_of for d in team.checkins["date"])
    ts = team_scores(card).set_index("team")
    assert team.overall == pytest.approx(ts.at["chatbot", "score"])
    assert team.owner == ts.at["chatbot", "owner"]
    assert team.calibration_groups["group"].tolist() == ["chatbot"]
    # the previous check-in date and what changed since then
    dates = sorted(set(team.checkins["date"]))
    assert team.previous_date == dates[-2]
    before = score(plan, sample_store.checkins(period=PERIOD), team.previous_date)
    want = kr_changes(card, before)
    pd.testing.assert_frame_equal(
        team.changes, want[want["kr_id"].isin(team.key_results["kr_id"])].reset_index(drop=True))
    risky = at_risk_list(card)
    assert team.at_risk["kr_id"].tolist() == risky.loc[
        risky["team"] == "chatbot", "kr_id"].tolist()
    assert team.forecast["objective_id"].tolist() == team.objectives["objective_id"].tolist()
    assert team.forecast["p_score_07"].between(0, 1).all()


def test_unknown_period_or_team_names_the_parameter(sample_url: str) -> None:
    with pytest.raises(ReportError, match=r"parameter 'period'.*2031-Q4"):
        gather("2031-Q4", None, sample_url)
    with pytest.raises(ReportError, match=r"parameter 'team'.*'nobody'"):
        gather(PERIOD, "nobody", sample_url)


def test_sections_only_format_the_data(team: ReportData, sample_url: str) -> None:
    """Rendering twice gives the same bytes, and needs no store at all."""
    first = [f(team) for f in SECTIONS]
    Path(sample_url.removeprefix("sqlite:///")).unlink()
    again = [f(team) for f in SECTIONS]
    assert first == again
    for html in first:
        assert "script" not in tags(html)


def test_team_sections_structure(team: ReportData) -> None:
    head = soup(rv.header_html(team))
    assert head.h1.get_text() == "Team chatbot — OKR report 2026-Q1"
    assert head.select_one("span.big").get_text() == f"{team.overall:.2f}"
    objectives = soup(rv.objectives_html(team))
    assert [h.get_text().split(" · ")[0] for h in objectives.select("h3")] == [
        "BOT-1", "BOT-2", "BOT-3"]
    rows = table_rows(rv.objectives_html(team))  # the first objective's key results
    krs = team.key_results.set_index("kr_id")
    assert [r["KR"] for r in rows] == ["BOT-1.1", "BOT-1.2", "BOT-1.3", "BOT-1.4"]
    assert rows[0]["key result"] == krs.at["BOT-1.1", "title"]
    assert rows[0]["score"] == f"{krs.at['BOT-1.1', 'score']:.2f}"
    badges = objectives.select("td span.badge")
    assert [b["class"][1] for b in badges] == krs["band"].tolist()
    changes = table_rows(rv.changes_html(team))
    assert [r["KR"] for r in changes] == team.changes["kr_id"].tolist()
    forecast = soup(rv.forecast_html(team))
    assert [th.get_text() for th in forecast.select("th")][-1] == "P(score ≥ 0.7)"
    assert len(forecast.select("tbody tr")) == len(team.forecast)
    charts = soup(rv.charts_html(team))
    assert len(charts.select("figure.okr-chart > svg")) == 3  # burn-up, timeline, distribution
    sections = soup(rv.objectives_html(team)).select("section.okr-objective")
    assert len(sections) == len(team.objectives)
    for sec, oid in zip(sections, team.objectives["objective_id"], strict=True):
        chart = sec.select_one("figure.okr-chart > svg")  # each objective's own score chart
        own = team.key_results.loc[team.key_results["objective_id"] == oid, "kr_id"]
        assert chart is not None and all(k in chart.get_text(" ") for k in own)
        f = team.forecast.set_index("objective_id").loc[oid]
        assert f"forecast {f['expected_score']:.2f}" in sec.select_one("p.meta").get_text()
    cal = soup(rv.calibration_section(team))
    assert cal.select_one("b.verdict").get_text() == team.calibration.label
    assert team.calibration.basis == "projected"  # open period: judged on the forecast
    assert team.calibration.label == f"projected: {team.calibration.verdict}"
    assert team.calibration_groups["basis"].tolist() == ["projected"]


def test_company_sections_structure(company: ReportData) -> None:
    assert company.is_company and company.overall == pytest.approx(company.card.overall)
    tree = soup(rv.hierarchy_html(company))
    bot = tree.find("code", string="BOT-1")
    assert [li.find("code").get_text() for li in bot.find_parents("li")] == [
        "BOT-1", "CS-1", "CO-1"]
    assert len(tree.select("span.badge")) == len(company.card.objectives)
    risks = soup(rv.risks_html(company))
    top = table_rows(str(risks.select("table")[0]))
    assert [r["KR"] for r in top] == company.at_risk["kr_id"].head(10).tolist()
    assert [r["why"] for r in top] == company.at_risk["reason"].head(10).tolist()
    stale = table_rows(str(risks.select("table")[1]))
    assert [r["KR"] for r in stale] == company.stale["kr_id"].tolist()
    groups = table_rows(rv.calibration_section(company))
    assert [g["team"] for g in groups] == company.calibration_groups["group"].tolist()
    assert len(soup(rv.charts_html(company)).select("figure.okr-chart > svg")) == 3


def test_a_finished_period_has_final_scores_and_no_forecast(sample_url: str) -> None:
    done = gather("2025-Q4", "vision", sample_url)
    assert done.forecast is None and done.as_of == done.period.end
    assert "final scores" in soup(rv.header_html(done)).select_one("p.meta").get_text()
    assert soup(rv.forecast_html(done)).select_one("p.muted").get_text() == (
        "the period has ended: the scores above are final.")
    lessons = soup(rv.review_html(done))
    assert "Hardware lead times should be factored into future timelines" in [
        li.get_text() for li in lessons.select("li")]


def test_a_closed_period_shows_outcomes_and_no_pace(sample_url: str) -> None:
    """Issue 9: once the period has ended, outcomes (✅ / 🟡 / ❌ by band) and no pace."""
    done = gather("2025-Q4", "vision", sample_url)
    assert done.card.closed
    page = soup(rv.objectives_html(done))
    sections = page.select("section.okr-objective")
    assert len(sections) == len(done.objectives)
    icons = {"Achieved": "✅", "Partially Achieved": "🟡", "Missed": "❌"}
    for sec, o in zip(sections, done.objectives.to_dict("records"), strict=True):
        meta = sec.select_one("p.meta")
        assert "pace" not in meta.get_text() and "expected" not in meta.get_text()
        assert text_of(meta.select_one('[class^="status-"]')) == (
            f"{icons[o['status']]} {o['status']}")
        heads = [th.get_text() for th in sec.select("thead th")]
        assert "expected" not in heads and "outcome" in heads and "final value" in heads
        rows = table_rows(str(sec.select_one("table")))
        krs = done.key_results[done.key_results["objective_id"] == o["objective_id"]]
        assert [r["outcome"] for r in rows] == [f"{icons[s]} {s}" for s in krs["status"]]
    head = soup(rv.header_html(done)).get_text()
    assert "Achieved" in head and "In Progress" not in head and "At Risk" not in head
    for sec in sections:  # each objective's chart: final scores, no expected-pace ticks
        assert "Final score by key result" in sec.select_one("figure svg").get_text(" ")
        assert "forecast" not in sec.select_one("p.meta").get_text()


def test_company_chart_is_objectives_by_week(company: ReportData) -> None:
    """Not the teams × objectives diagonal: each objective's score, week by week."""
    weekly = company.weekly
    assert weekly is not None and max(weekly["date"]) == company.as_of
    assert set(weekly["objective_id"]) == set(
        company.card.objectives.loc[company.card.objectives["score"].notna(), "objective_id"])
    titles = [h.get_text() for h in soup(rv.charts_html(company)).select("h3")]
    assert "Objective scores week by week" in titles and "Objective scores by team" not in titles




def test_user_text_stays_text(sample_store) -> None:
    sample_store.save_plan(parse_plan(EVIL_PLAN, source="evil.yaml"))
    sample_store.add_checkins(checkins_frame([("EV-1.1", "2026-04-10", 70)],
                                             blockers="<iframe src=//evil.example>"))
    r = gather("2026-Q2", "evil", store=sample_store, as_of="2026-04-30")
    html = "".join(f(r) for f in SECTIONS)
    assert not {"img", "iframe", "script"} & set(tags(html))
    assert not [t for t in soup(html).find_all(True) if any(a.startswith("on") for a in t.attrs)]
    text = soup(html).get_text()
    assert "<script>alert(1)</script> Delight customers" in text
    assert "<iframe src=//evil.example>" in text


def test_the_report_data_carries_the_policy(sample_url: str) -> None:
    strict = ScoringPolicy(green_from=0.95)
    r = gather(PERIOD, "chatbot", sample_url, AS_OF, policy=strict)
    assert r.policy is strict and r.card.policy is strict
    head = soup(rv.header_html(r)).select_one("span.badge")
    assert head["class"][1] != "green"  # no team scores 0.95
    assert [th.get_text() for th in soup(rv.forecast_html(r)).select("th")][-1] == (
        "P(score ≥ 0.95)")

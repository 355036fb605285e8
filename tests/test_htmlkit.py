"""The HTML helpers shared by reports and apps (okrkit.htmlkit), checked by parsing."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import checkins_frame
from htmltree import row_cells, soup, table_rows, tags, text_of

from okrkit.errors import Problem
from okrkit.htmlkit import (
    DASH,
    alignment_tree_html,
    amount,
    badge,
    calibration_html,
    chart_html,
    esc,
    num,
    problems_html,
    status_html,
    status_text,
    table_html,
)
from okrkit.plan import parse_plan
from okrkit.scoring import Calibration, ScoringPolicy, score

TREE = """period: 2026-Q1
objectives:
  - {id: CO-1, title: Company <goal>, level: company, team: company}
  - {id: P-2, title: Second project, level: project, parent: BU-1, team: proj}
  - {id: BU-1, title: Unit goal, level: business_unit, parent: CO-1, team: bu}
  - {id: P-1, title: Project goal, level: project, parent: BU-1, team: proj, kind: committed,
     key_results: [{id: P-1.1, title: Users, unit: users, direction: increase, baseline: 0,
                    target: 100}]}
"""


def path_of(html: str, oid: str) -> list[str]:
    """The ids from ``oid`` up to its root in a rendered tree."""
    code = soup(html).find("code", string=oid)
    return [li.find("code").get_text() for li in code.find_parents("li")]


def test_text_and_numbers():
    assert esc("<b>&'\"") == "&lt;b&gt;&amp;&#x27;&quot;"
    assert esc(None) == "" and esc(float("nan"), DASH) == DASH and esc(pd.NaT) == ""
    assert num(0.7333) == "0.73" and num(0.05, signed=True) == "+0.05"
    assert num(None) == num(float("nan")) == num(pd.NA) == DASH
    assert num("n/a") == "n/a" and num(3, 0) == "3"
    assert amount(7600.0) == "7,600" and amount(86.5) == "86.5" and amount(None) == DASH
    assert amount(1234.5) == "1,234.5" and amount(-2.0) == "-2"


def test_badge_and_status():
    assert badge(0.75) == '<span class="badge green">0.75</span>'
    assert badge(0.75, policy=ScoringPolicy(green_from=0.8)) == (
        '<span class="badge yellow">0.75</span>')
    assert badge(0.1, "green") == '<span class="badge green">0.10</span>'  # the given band
    assert badge(float("nan")) == f'<span class="badge none">{DASH}</span>'
    assert status_html("At Risk") == '<span class="status-at-risk">At Risk</span>'
    assert status_html(None) == f'<span class="status-none">{DASH}</span>'


def test_table_html_escapes_formats_and_marks_up():
    frame = pd.DataFrame({"kr_id": ["K-1", "K-2"], "title": ["<script>x()</script>", "ok"],
                          "score": [0.756, float("nan")], "flag": [True, False],
                          "badge": [badge(0.756), badge(0.2)], "band": ["green", "red"]})
    out = table_html(frame, {"kr_id": "KR", "title": "title", "score": "score", "flag": "flag",
                             "badge": "badge"}, markup={"badge"}, numeric={"score"},
                     band_column="band")
    assert "script" not in tags(out)
    assert table_rows(out) == [
        {"KR": "K-1", "title": "<script>x()</script>", "score": "0.76", "flag": "yes",
         "badge": "0.76"},
        {"KR": "K-2", "title": "ok", "score": "", "flag": "", "badge": "0.20"}]
    cells = row_cells(out)
    assert cells[0][2]["class"] == ["num"] and "nowrap" in cells[0][2]["style"]
    assert "nowrap" not in cells[0][1]["style"]  # titles wrap
    assert [c.select_one("span.badge")["class"] for c in (cells[0][4], cells[1][4])] == [
        ["badge", "green"], ["badge", "red"]]
    rows = soup(out).select("tbody tr")
    assert [r["style"] for r in rows] == ["background:#c8e6c9", "background:#ffcdd2"]
    # the report skin: no inline styles, formats give the text
    plain = table_html(frame, {"kr_id": "KR", "score": "score"}, numeric={"score"},
                       formats={"score": lambda v: num(v, 1)}, inline=False)
    assert "style" not in plain and table_rows(plain)[1] == {"KR": "K-2", "score": DASH}
    empty = soup(table_html(frame.iloc[0:0], empty="no <rows>"))
    assert empty.select_one("p.okr-table-empty").get_text() == "no <rows>"


def test_problems_html():
    assert problems_html([]) == ""
    out = problems_html([Problem("bad <x>", row=2, field="value"), "plain"], title="Fix:")
    assert [li.get_text() for li in soup(out).select("ul.okr-problems li")] == [
        "row 2, field 'value': bad <x>", "plain"]
    assert soup(out).b.get_text() == "Fix:" and "x" not in tags(out)


def test_calibration_html_words_come_from_the_policy():
    cal = Calibration(mean=0.45, n=2, verdict="concerning", committed_misses=("X-1",))
    page = soup(calibration_html(cal, titles={"X-1": "<Ship> it"}))
    head = page.select_one("p.okr-calibration")
    assert head.select_one("b.verdict").get_text() == "concerning"
    assert head.small.get_text() == f"({ScoringPolicy().guide()['concerning']})"
    assert page.select_one("p.meta").get_text() == (
        "Scoring guide: 0.7–0.8 ideal · < 0.5 concerning · > 0.9 too easy; committed OKRs are "
        "expected at 1.0.")
    assert [li.get_text() for li in page.select("ul li")] == ["X-1 <Ship> it"]
    custom = ScoringPolicy(concerning_below=0.3, ideal_from=0.6, ideal_to=0.75)
    ok = soup(calibration_html(Calibration(mean=0.65, n=3, verdict="ideal"), custom))
    assert ok.small.get_text() == "(0.6–0.75: the sweet spot for ambitious OKRs)"
    assert "0.6–0.75 ideal · < 0.3 concerning" in ok.select_one("p.meta").get_text()
    assert ok.find_all("p")[-1].get_text() == "No committed OKR missed 1.0."
    groups = pd.DataFrame({"group": ["a", "b"], "n": [2, 1], "mean": [0.75, 0.3],
                           "verdict": ["ideal", "concerning"], "basis": ["final"] * 2,
                           "label": ["ideal", "concerning"], "committed_misses": ["", "B-1"],
                           "committed_at_risk": ["", ""]})
    table = calibration_html(Calibration(0.6, 3, "below ideal"), custom, groups=groups,
                             inline=False)
    assert table_rows(table) == [
        {"team": "a", "objectives": "2", "mean score": "0.75", "verdict": "ideal",
         "committed below 1.0": DASH},
        {"team": "b", "objectives": "1", "mean score": "0.30", "verdict": "concerning",
         "committed below 1.0": "B-1"}]
    assert [s["class"] for s in soup(table).select("td span.badge")] == [
        ["badge", "green"], ["badge", "red"]]


def test_alignment_tree_nests_and_escapes():
    plan = parse_plan(TREE)
    out = alignment_tree_html(plan.objectives, highlight_team="proj")
    assert "goal" not in tags(out)
    assert soup(out).find("code", string="CO-1").parent.get_text().startswith(
        "CO-1 Company <goal>")
    assert path_of(out, "P-1") == ["P-1", "BU-1", "CO-1"]
    assert path_of(out, "P-2") == ["P-2", "BU-1", "CO-1"]
    # children in plan order within a level; only the highlighted team is bold
    bu = soup(out).find("code", string="BU-1").find_parent("li")
    assert [c.get_text() for c in bu.find("ul").find_all("code")] == ["P-2", "P-1"]
    own = [b.code.get_text() for b in soup(out).select("b.okr-own")]
    assert own == ["P-2", "P-1"]


def test_alignment_tree_unknown_parents_and_cycles():
    frame = pd.DataFrame({"objective_id": ["A", "B", "C", "D"],
                          "parent_id": [None, "X", "D", "C"], "title": ["a", "b", "c", "d"],
                          "level": ["company", "team", "team", "team"],
                          "team": ["t"] * 4, "kind": ["aspirational"] * 4})
    out = alignment_tree_html(frame)
    top = soup(out).select_one("ul.okr-tree")
    roots = [li.find("code").get_text() for li in top.find_all("li", recursive=False)]
    assert roots == ["A", "B", "C"]  # B: unknown parent; C and D: a cycle, listed once
    assert soup(out).select_one("small.okr-unknown").get_text() == "parent X unknown"
    assert path_of(out, "D") == ["D", "C"] and "(cycle)" in out
    assert soup(alignment_tree_html(frame.iloc[0:0])).get_text() == (
        "no objectives in this period yet")


def test_alignment_tree_with_scores_uses_the_policy():
    plan = parse_plan(TREE)
    card = score(plan, checkins_frame([("P-1.1", "2026-03-31", 75)]), "2026-03-31",
                 ScoringPolicy(green_from=0.8))
    page = soup(alignment_tree_html(card.objectives, policy=card.policy))
    p1 = page.find("code", string="P-1").parent
    assert p1.select_one("span.badge")["class"] == ["badge", "yellow"]
    assert p1.select_one("span.badge").get_text() == "0.75"
    status = card.objectives.set_index("objective_id").at["P-1", "status"]
    # the period is over: the outcome of a yellow score
    assert status == "Partially Achieved"
    # read like the framework document's completed sample: ✅ / 🟡 / ❌ by band
    assert text_of(p1.select_one('[class^="status-"]')) == "🟡 Partially Achieved"


def test_chart_html_is_svg_or_an_escaped_note():
    good = soup(chart_html(lambda c: c.score_weeks(None)))
    assert good.select("figure.okr-chart > svg") and not good.select(".okr-chart-error")

    def broken(_charts):
        raise ValueError("<bad> spec")

    note = soup(chart_html(broken)).select_one("p.okr-chart-error")
    assert note.get_text() == "chart could not be drawn: ValueError: <bad> spec"


@pytest.mark.parametrize("value", [None, float("nan"), "", "  "])
def test_missing_numbers_are_dashes(value):
    assert num(value) == DASH and amount(value) == DASH


def test_calibration_html_before_the_end_is_projected_or_none():
    projected = Calibration(mean=0.76, n=2, verdict="ideal", basis="projected",
                            committed_at_risk=("X-1",))
    page = soup(calibration_html(projected, titles={"X-1": "Ship"}))
    head = page.select_one("p.okr-calibration")
    assert head.get_text().startswith("Mean expected final score 0.76 over 2 objectives")
    assert head.select_one("b.verdict").get_text() == "projected: ideal"
    assert page.find_all("p")[-1].b.get_text() == "Committed OKRs below 1.0 so far"
    assert [li.get_text() for li in page.select("ul li")] == ["X-1 Ship"]
    none = soup(calibration_html(Calibration(mean=0.3, n=2, verdict="none yet",
                                             basis="in progress")))
    head = none.select_one("p.okr-calibration")
    assert head.select_one("b.verdict").get_text() == "no verdict before the period ends"
    assert head.small is None  # no guide words for a verdict not given
    assert none.find_all("p")[-1].get_text() == "No committed OKR is below 1.0 so far."


def test_status_text_gives_outcomes_their_icons():
    assert [status_text(s) for s in ("Achieved", "Partially Achieved", "Missed")] == [
        "✅ Achieved", "🟡 Partially Achieved", "❌ Missed"]
    assert status_text("At Risk") == "At Risk" and status_text(None) == "—"
    span = soup(status_html("Missed")).span
    assert span["class"] == ["status-missed"] and text_of(span) == "❌ Missed"
    # in HTML the icons need no emoji font (a projector's Linux may have none)
    for name, glyph in (("Achieved", "✔"), ("Partially Achieved", ""), ("Missed", "✖")):
        icon = soup(status_html(name)).select_one("span.okr-icon")
        assert icon.get_text() == glyph and icon["role"] == "img"
        assert not set(icon.get_text()) & {"✅", "🟡", "❌"}

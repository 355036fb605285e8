"""The weekly check-in app (okrkit.widgets.checkin) on a SQLite store with the sample."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from okrkit.plan import parse_plan
from okrkit.scoring import score
from okrkit.widgets import CheckinApp
from okrkit.widgets.checkin import (
    DERIVED,
    check_entries,
    entries_to_checkins,
    preview,
    weekly_summary,
)
from okrkit.widgets.common import MessageBox, problems_html

REPO = Path(__file__).resolve().parent.parent
PERIOD = "2026-Q1"
AS_OF = "2026-02-13"
CHATBOT_KRS = [
    "BOT-1.1", "BOT-1.2", "BOT-1.3", "BOT-1.4", "BOT-2.1", "BOT-2.2", "BOT-2.3",
    "BOT-3.1", "BOT-3.2", "BOT-3.3",
]


@pytest.fixture
def store(sample_store):
    """A copy of the sample store for this test (see conftest)."""
    return sample_store


@pytest.fixture
def app(store):
    a = CheckinApp(store=store, period=PERIOD, team="chatbot", as_of=AS_OF, author="tester")
    yield a
    a.close()


def count(store) -> int:
    return len(store.checkins(period=PERIOD, effective=False))


# -- the app -----------------------------------------------------------------------


def test_one_row_per_team_kr_with_derived_status(app):
    assert list(app.rows) == CHATBOT_KRS
    row = app.rows["BOT-1.1"]
    assert row.value.value == ""
    assert row.status.value == DERIVED
    assert row.status.label.startswith("(derived: ")
    assert 0.0 <= row.confidence.value <= 1.0
    assert app.date.value == dt.date(2026, 2, 13)
    assert app.team.value == "chatbot"
    assert "vision" in app.team.options
    assert "company" not in app.team.options  # no key results of its own


def test_save_stores_exactly_the_rows_entered(app, store):
    before = count(store)
    r1, r2 = app.rows["BOT-1.1"], app.rows["BOT-2.3"]
    r1.value.value = "86.5"
    r1.confidence.value = 0.9
    r1.note.value = "Survey redesign"
    r1.blockers.value = "Waiting for the survey vendor"
    r2.value.value = "3"
    r2.status.value = "Complete"
    r2.achievements.value = "French launched"
    app.save_button.click()

    assert app.message.kind == "ok", app.message.text
    assert "saved 2 check-ins" in app.message.text
    assert count(store) == before + 2
    mine = store.checkins(period=PERIOD, effective=False)
    mine = mine[mine["author"] == "tester"].set_index("kr_id")
    assert sorted(mine.index) == ["BOT-1.1", "BOT-2.3"]
    assert mine.at["BOT-1.1", "value"] == 86.5
    assert mine.at["BOT-1.1", "confidence"] == pytest.approx(0.9)
    assert mine.at["BOT-1.1", "date"] == dt.date(2026, 2, 13)
    assert mine.at["BOT-1.1", "status"] is None  # derived
    assert mine.at["BOT-1.1", "blockers"] == "Waiting for the survey vendor"
    assert mine.at["BOT-2.3", "status"] == "Complete"
    assert mine.at["BOT-2.3", "achievements"] == "French launched"
    # the correction wins in effective reads, the form is cleared, the summary updated
    eff = store.checkins(period=PERIOD, team="chatbot").set_index(["kr_id", "date"])
    assert eff.at[("BOT-1.1", dt.date(2026, 2, 13)), "value"] == 86.5
    assert r1.value.value == "" and r2.status.value == DERIVED
    assert "Waiting for the survey vendor" in app.summary_markdown.value
    assert "French launched" in app.summary.value
    assert app.saved == 2


def test_preview_updates_when_a_value_changes(app):
    first = app.preview_frame.set_index("kr_id")
    assert not first["entered"].any()
    old = first.at["BOT-1.2", "score"]
    assert old < 1
    app.rows["BOT-1.2"].value.value = "10000"
    now = app.preview_frame.set_index("kr_id")
    assert now.at["BOT-1.2", "score"] == 1.0
    assert now.at["BOT-1.2", "status"] == "Complete"
    assert bool(now.at["BOT-1.2", "entered"])
    assert app.rows["BOT-1.2"].status.label == "(derived: Complete)"
    assert "Complete" in app.rows["BOT-1.2"].preview.value
    assert "✎" in app.preview_table.value
    # an unparseable value is left out of the preview (Save reports it)
    app.rows["BOT-1.2"].value.value = "lots"
    assert app.preview_frame.set_index("kr_id").at["BOT-1.2", "score"] == pytest.approx(old)


def test_date_outside_the_period_saves_nothing(app, store):
    before = count(store)
    app.date.value = dt.date(2026, 4, 2)
    app.rows["BOT-1.1"].value.value = "88"
    app.rows["BOT-1.3"].value.value = "65"
    app.save_button.click()
    assert app.message.kind == "error"
    assert "nothing saved" in app.message.text
    assert "outside the period 2026-Q1" in app.message.text
    assert "outside the period 2026-Q1" in app.date_problems.value
    assert count(store) == before
    assert app.rows["BOT-1.1"].value.value == "88"  # input kept for fixing


def test_bad_values_are_shown_next_to_the_field(app, store):
    before = count(store)
    app.rows["BOT-1.1"].value.value = "abc"
    app.rows["BOT-1.2"].value.value = "inf"
    app.rows["BOT-1.3"].blockers.value = "no data"  # text but no value
    app.rows["BOT-1.4"].value.value = "3"  # fine on its own
    app.save_button.click()
    assert count(store) == before
    assert "not a number" in app.rows["BOT-1.1"].problems.value
    assert "finite" in app.rows["BOT-1.2"].problems.value
    assert "required field" in app.rows["BOT-1.3"].problems.value
    assert app.rows["BOT-1.4"].problems.value == ""
    assert app.message.kind == "error" and "3 problems" in app.message.text
    assert "Traceback" not in app.message.value
    # fixing them clears the problems and saves
    app.rows["BOT-1.1"].value.value = "86"
    app.rows["BOT-1.2"].value.value = "7600"
    app.rows["BOT-1.3"].value.value = "62"
    app.save_button.click()
    assert app.message.kind == "ok", app.message.text
    assert count(store) == before + 4
    assert all(r.problems.value == "" for r in app.rows.values())


def test_status_conflicting_with_value_saves_nothing(app, store):
    before = count(store)
    app.rows["BOT-1.1"].value.value = "70"
    app.rows["BOT-1.1"].status.value = "Complete"
    app.save_button.click()
    assert count(store) == before
    assert "has not reached the target 90" in app.rows["BOT-1.1"].problems.value
    assert "status" in app.message.text


def test_nothing_entered_saves_nothing(app, store):
    before = count(store)
    app.save_button.click()
    assert app.message.kind == "error"
    assert "nothing to save" in app.message.text
    assert count(store) == before


def test_user_text_is_escaped(app, store):
    app.rows["BOT-1.1"].value.value = "<b>x</b>"
    app.save_button.click()
    assert "<b>x</b>" not in app.rows["BOT-1.1"].problems.value
    assert "&lt;b&gt;x&lt;/b&gt;" in app.rows["BOT-1.1"].problems.value
    assert "<b>x</b>" not in app.message.value
    app.rows["BOT-1.1"].value.value = "86"
    app.rows["BOT-1.1"].blockers.value = "<script>alert(1)</script>"
    app.save_button.click()
    assert app.message.kind == "ok"
    assert "<script>" not in app.summary.value
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in app.summary.value


def test_team_change_reloads_rows(app):
    app.team.value = "vision"
    assert app.rows and all(k.startswith("VIS-") for k in app.rows)
    assert set(app.preview_frame["kr_id"]) == set(app.rows)
    assert "vision" in app.summary_markdown.value


def test_progress_charts_are_svg(app):
    assert "<svg" in app.chart.value
    assert "<svg" in app.burnup.value
    assert "weekly update" in app.summary_markdown.value.lower()


def test_db_url_and_defaults(sample_db, tmp_path):
    path = tmp_path / "copy.db"
    shutil.copy(sample_db, path)
    a = CheckinApp(db=f"sqlite:///{path}", as_of=AS_OF)
    try:
        assert a.period.value == PERIOD  # the period containing as_of
        assert a.team.value == a.team.options[0]
        assert len(a.rows) > 0
    finally:
        a.close()


def test_unknown_team_is_a_message_not_a_traceback(store):
    a = CheckinApp(store=store, period=PERIOD, team="nobody", as_of=AS_OF)
    assert a.message.kind == "error"
    assert "nobody" in a.message.text
    a.close()


# -- pure functions ----------------------------------------------------------------

PLAN = parse_plan(
    """period: 2026-Q1
objectives:
  - id: T-1
    title: Ship the thing
    level: team
    team: t
    owner: Lead
    key_results:
      - {id: T-1.1, title: Users, unit: users, direction: increase, baseline: 0, target: 100}
      - {id: T-1.2, title: Latency, unit: ms, direction: decrease, baseline: 500, target: 100}
      - {id: T-1.3, title: Uptime, unit: "%", direction: at_least, target: 99}
"""
)


def frame(rows):
    recs = [
        dict(zip(["kr_id", "date", "value", "confidence", "status", "note", "blockers",
                  "achievements"], r, strict=False))
        for r in rows
    ]
    out = pd.DataFrame(recs)
    out["date"] = [dt.date.fromisoformat(d) for d in out["date"]]
    return out


def test_entries_to_checkins_skips_blank_rows():
    entries = {
        "T-1.1": {"value": "40", "confidence": 0.8, "status": DERIVED, "note": " ok "},
        "T-1.2": {"value": "", "confidence": 0.5, "status": DERIVED, "note": ""},
        "T-1.3": {"value": None, "confidence": 0.5, "status": DERIVED, "blockers": "vendor"},
    }
    out = entries_to_checkins(entries, "2026-02-01", author="me")
    assert out["kr_id"].tolist() == ["T-1.1", "T-1.3"]
    assert out.loc[0, "status"] is None
    assert out.loc[0, "note"] == "ok"
    assert out.loc[0, "date"] == dt.date(2026, 2, 1)
    assert out.loc[1, "value"] is None and out.loc[1, "blockers"] == "vendor"
    assert out["author"].tolist() == ["me", "me"]
    parsed, problems = check_entries(PLAN, out)
    assert parsed is None
    assert [(p.id, p.field) for p in problems] == [("T-1.3", "value")]


def test_check_entries_valid_and_conflicts():
    ok = entries_to_checkins({"T-1.1": {"value": "100", "status": "Complete"}}, "2026-02-01")
    parsed, problems = check_entries(PLAN, ok)
    assert problems == [] and parsed["value"].tolist() == [100.0]
    bad = entries_to_checkins(
        {"T-1.1": {"value": "50", "status": "Complete"},
         "T-1.2": {"value": "300", "status": "Not Started"}},
        "2026-02-01",
    )
    _, problems = check_entries(PLAN, bad)
    assert [(p.id, p.field) for p in problems] == [("T-1.1", "status"), ("T-1.2", "status")]
    assert "has not reached the target 100 users" in problems[0].message
    assert "moved from the baseline 500 ms" in problems[1].message


def test_preview_is_pure_and_scores_entries():
    existing = frame([("T-1.1", "2026-01-10", 10.0, 0.9)])
    entries = {"T-1.1": {"value": "60", "confidence": 0.9}, "T-1.2": {"value": ""}}
    out = preview(PLAN, existing, entries, "2026-02-14")
    row = out.set_index("kr_id").loc["T-1.1"]
    assert row["value"] == 60 and row["score"] == pytest.approx(0.6)
    assert row["pace"] == pytest.approx(0.6 - 45 / 90)
    assert bool(row["entered"]) and not out.set_index("kr_id").at["T-1.2", "entered"]
    assert len(existing) == 1  # not mutated


def test_weekly_summary_insights_blockers_achievements():
    ck = frame([
        ("T-1.1", "2026-01-30", 20.0, 0.9, None, None, None, None),
        ("T-1.1", "2026-02-10", 55.0, 0.9, None, "good week", None, "Beta opened to <all>"),
        ("T-1.2", "2026-01-30", 400.0, 0.8),
        ("T-1.2", "2026-02-11", 380.0, 0.3, None, None, "GPU quota *blocked*", None),
        ("T-1.3", "2026-01-05", 99.5, 0.9),  # stale by 2026-02-13
    ])
    card = score(PLAN, ck, "2026-02-13")
    md = weekly_summary(card, ck, since="2026-02-06")
    assert "week to 2026-02-13" in md
    sections = ["### Insights — biggest movers", "### At risk", "### Blockers", "### Achievements"]
    assert all(s in md for s in sections)
    assert [md.index(s) for s in sections] == sorted(md.index(s) for s in sections)
    # T-1.1 moved 20 -> 55 (+0.35); T-1.2 400 -> 380 (+0.05): biggest first
    movers = md.split("### Insights — biggest movers")[1].split("###")[0]
    assert movers.index("T-1.1") < movers.index("T-1.2")
    assert "20 → 55 users (progress +0.35)" in movers
    at_risk = md.split("### At risk")[1].split("###")[0]
    assert "T-1.2" in at_risk and "low confidence (0.30)" in at_risk
    assert "T-1.3" in at_risk and "no check-in since 2026-01-05" in at_risk
    assert "T-1.1" not in at_risk
    assert "T-1.2 (2026-02-11): GPU quota *blocked*" in md
    assert "Beta opened to <all>" in md
    assert "2 of 3 key results checked in since 2026-02-06" in md
    html_out = weekly_summary(card, ck, since="2026-02-06", fmt="html")
    assert "Beta opened to &lt;all&gt;" in html_out and "<all>" not in html_out
    quiet = weekly_summary(card, ck.iloc[[0, 2, 4]], since="2026-02-06")
    assert "No blockers reported." in quiet and "No achievements reported." in quiet
    assert "No key result moved this week." in quiet


def test_problems_html_and_message_box_escape():
    assert problems_html([]) == ""
    html_out = problems_html(["a <b> c"])
    assert "&lt;b&gt;" in html_out and "<b>" not in html_out
    box = MessageBox()
    box.error("bad <thing>", ["x & y"])
    assert box.kind == "error" and "bad <thing>" in box.text and "x & y" in box.text
    assert "&lt;thing&gt;" in box.value and "x &amp; y" in box.value
    box.ok("fine")
    assert box.kind == "ok" and box.text == "fine"


@pytest.mark.parametrize(
    ("name", "team", "app_class"),
    [("weekly_checkin", "chatbot", "CheckinApp"), ("monthly_review", None, "MonthlyReviewApp")],
)
def test_notebooks_are_thin_and_without_outputs(name, team, app_class):
    nb = nbformat.read(REPO / "notebooks" / f"{name}.ipynb", as_version=4)
    nbformat.validate(nb)
    first = nb.cells[0]
    assert first.cell_type == "code" and "parameters" in first.metadata.get("tags", [])
    ns: dict = {}
    exec(first.source, ns)
    assert ns["period"] == PERIOD and ns["team"] == team
    assert ns["db"] is None and ns["as_of"] == AS_OF
    assert nb.cells[1].cell_type == "markdown"
    assert f"from okrkit.widgets import {app_class}" in nb.cells[2].source
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
            assert "def " not in cell.source

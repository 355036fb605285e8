"""The weekly check-in app (okrkit.widgets.checkin) on a SQLite store with the sample."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from htmltree import soup, table_rows

from okrkit.entries import DERIVED
from okrkit.widgets import CheckinApp
from okrkit.widgets.common import MessageBox

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
    rows = {r["KR"]: r for r in table_rows(app.preview_table.value)}
    assert rows["BOT-1.2"]["new"] == "✎" and rows["BOT-1.2"]["status"] == "Complete"
    assert rows["BOT-1.2"]["value"] == "10,000"
    assert [k for k, r in rows.items() if r["new"]] == ["BOT-1.2"]
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
    assert "script" not in [t.name for t in soup(app.summary.value).find_all(True)]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in app.summary.value


def test_team_change_reloads_rows(app):
    app.team.value = "vision"
    assert app.rows and all(k.startswith("VIS-") for k in app.rows)
    assert set(app.preview_frame["kr_id"]) == set(app.rows)
    assert "vision" in app.summary_markdown.value


def test_charts_are_drawn_only_when_their_panel_opens(app):
    assert not app.charts_open and app.chart.value == app.burnup.value == ""
    app.charts_panel.selected_index = 0  # what opening the panel in a browser does
    assert app.charts_open and app.chart.value and app.burnup.value
    app.rows["BOT-1.1"].value.value = "88"
    app.refresh()  # open: kept current
    assert "BOT-1.1" in soup(app.chart.value).get_text(" ")


def test_building_the_app_imports_no_chart_library(sample_db, tmp_path):
    """Altair and vl-convert load only when a chart is drawn (a fresh interpreter)."""
    import subprocess
    import sys

    path = tmp_path / "copy.db"
    shutil.copy(sample_db, path)
    code = (
        "import sys\n"
        "from okrkit.widgets import CheckinApp\n"
        f"app = CheckinApp(db='sqlite:///{path}', period='{PERIOD}', team='chatbot', "
        f"as_of='{AS_OF}')\n"
        "heavy = sorted(m for m in ('altair', 'vl_convert', 'jsonschema', 'vega_datasets')"
        " if m in sys.modules)\n"
        "assert app.rows and not heavy, heavy\n"
        "app.show_charts()\n"
        "assert 'altair' in sys.modules and '<svg' in app.chart.value\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]


def test_untouched_confidence_is_not_saved(app, store):
    """The slider starts at the last confidence, but only a confidence someone set is
    saved (issue 9): an untouched slider saves no confidence at all."""
    untouched, moved = app.rows["BOT-1.1"], app.rows["BOT-1.2"]
    last = store.checkins(period=PERIOD, team="chatbot")
    last = last[last["kr_id"] == "BOT-1.1"].iloc[-1]["confidence"]
    assert untouched.confidence.value == pytest.approx(last)  # shown as the hint
    assert not untouched.confidence_set
    assert "not saved" in untouched.confidence_hint.value  # the screen says so
    untouched.value.value = "85"
    moved.value.value = "60"
    moved.confidence.value = 0.35
    assert moved.confidence_hint.value == ""
    assert app.save() == 2
    mine = store.checkins(period=PERIOD, effective=False)
    mine = mine[mine["author"] == "tester"].set_index("kr_id")
    assert pd.isna(mine.at["BOT-1.1", "confidence"])
    assert mine.at["BOT-1.2", "confidence"] == pytest.approx(0.35)
    # after the save the slider is untouched again: the next save sets none either
    assert not moved.confidence_set and "not saved" in moved.confidence_hint.value
    moved.value.value = "61"
    app.date.value = dt.date(2026, 2, 14)
    assert app.save() == 1
    again = store.checkins(period=PERIOD, effective=False)
    again = again[(again["kr_id"] == "BOT-1.2") & (again["date"] == dt.date(2026, 2, 14))]
    assert len(again) == 1 and pd.isna(again["confidence"].iloc[0])


def test_each_row_shows_its_last_three_checkins(app, store):
    ck = store.checkins(period=PERIOD, team="chatbot")
    mine = ck[ck["kr_id"] == "BOT-1.1"].sort_values("date")
    want = mine.tail(3).iloc[::-1]
    rows = table_rows(app.rows["BOT-1.1"].history.value, "table.okr-history-table")
    assert [r["date"] for r in rows] == [str(d) for d in want["date"]]
    assert [r["value"] for r in rows] == [f"{v:g} %" for v in want["value"]]
    assert [r["by"] for r in rows] == [a or "" for a in want["author"]]
    # a saved check-in becomes the newest line once the rows are rebuilt
    app.rows["BOT-1.1"].value.value = "88.25"
    app.rows["BOT-1.1"].note.value = "new <b>note</b>"
    assert app.save() == 1
    app._load_team()
    rows = table_rows(app.rows["BOT-1.1"].history.value, "table.okr-history-table")
    assert len(rows) == 3 and rows[0]["date"] == AS_OF and rows[0]["value"] == "88.25 %"
    assert rows[0]["note"] == "new <b>note</b>" and rows[0]["by"] == "tester"
    history = soup(app.rows["BOT-1.1"].history.value).select_one("table.okr-history-table")
    assert not history.select("b")  # the note is escaped


def test_progress_charts_are_svg(app):
    app.show_charts()
    for html in (app.chart.value, app.burnup.value):
        page = soup(html)
        assert page.select("figure.okr-chart > svg") and not page.select(".okr-chart-error")
    # the progress chart shows every KR of the team
    text = soup(app.chart.value).get_text(" ")
    assert all(k in text for k in app.rows)
    assert app.summary_markdown.value.startswith("## Weekly update — chatbot — 2026-Q1")


def test_db_url_and_defaults(sample_db, tmp_path):
    path = tmp_path / "copy.db"
    shutil.copy(sample_db, path)
    a = CheckinApp(db=f"sqlite:///{path}", as_of=AS_OF)
    try:
        assert a.period.value == PERIOD  # the period containing as_of
        # the default team is the first that owns key results; one row per KR, plan order
        plan = a.store.load_plan(PERIOD)
        first = plan.key_result_teams[0]
        assert a.team.value == first == a.team.options[0]
        own = plan.key_results[plan.key_results["objective_id"].isin(
            plan.objectives.loc[plan.objectives["team"] == first, "objective_id"])]
        assert list(a.rows) == list(own["kr_id"]) and len(own) > 0
        assert set(a.preview_frame["kr_id"]) == set(own["kr_id"])
    finally:
        a.close()


def test_unknown_team_is_a_message_not_a_traceback(store):
    a = CheckinApp(store=store, period=PERIOD, team="nobody", as_of=AS_OF)
    assert a.message.kind == "error"
    assert "nobody" in a.message.text
    a.close()


def test_message_box_escapes():
    box = MessageBox()
    box.error("bad <thing>", ["x & y"])
    assert box.kind == "error" and "bad <thing>" in box.text and "x & y" in box.text
    assert "&lt;thing&gt;" in box.value and "x &amp; y" in box.value
    items = [li.get_text() for li in soup(box.value).select("ul.okr-problems li")]
    assert items == ["x & y"]
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


# -- key results that measure themselves ------------------------------------------


def test_a_pulled_value_is_shown_with_its_provenance_and_prefilled(store, monkeypatch):
    import sqlite3

    from okrkit.pull import pull

    monkeypatch.setenv("OKRKIT_CONNECTIONS", str(REPO / "data" / "connections.yaml"))
    fetched = dt.datetime(2026, 2, 13, 6, 15)
    result = pull(store, PERIOD, as_of=dt.date(2026, 2, 13), now=fetched)
    assert not result.failed
    con = sqlite3.connect(f"file:{REPO / 'data' / 'warehouse' / 'support.db'}?mode=ro", uri=True)
    want = con.execute("SELECT round(100.0 * sum(resolved) / sum(conversations), 1) FROM "
                       "daily_support WHERE day > '2026-02-06' AND day <= '2026-02-13'"
                       ).fetchone()[0]
    con.close()
    a = CheckinApp(store=store, period=PERIOD, team="chatbot", as_of=AS_OF, author="tester")
    try:
        row = a.rows["BOT-1.3"]
        assert row.value.value == f"{want:g}"  # the value the team confirms or corrects
        tree = soup(row.pulled.value)
        assert tree.select_one(".okr-pulled-value").get_text() == f"{want:g} %"
        assert tree.select_one(".okr-pulled-source").get_text() == "sql 'support'"
        assert tree.select_one(".okr-pulled-at").get_text() == "2026-02-13T06:15:00"
        assert row.pulled in row.box.children
        plain = a.rows["BOT-1.1"]  # no source: nothing pulled, nothing prefilled
        assert plain.value.value == "" and plain.pulled not in plain.box.children
        # confirm it with a confidence and a note: one more check-in of that value
        before = count(store)
        row.confidence.value = 0.8
        row.note.value = "checked against the dashboard"
        a.rows["BOT-1.2"].value.value = ""  # the other sourced KR is not confirmed today
        assert a.save() == 1
        assert count(store) == before + 1
        latest = store.checkins(PERIOD)
        mine = latest[latest["kr_id"] == "BOT-1.3"].iloc[-1]
        assert mine["value"] == want and mine["confidence"] == 0.8
        assert mine["note"] == "checked against the dashboard"
    finally:
        a.close()

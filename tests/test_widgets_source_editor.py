"""The workshop's source editor on real SQLite and DuckDB files (the sample warehouse)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from okrkit.sources import Source
from okrkit.widgets.workshop import PlanningWorkshopApp

REPO = Path(__file__).resolve().parent.parent
PERIOD = "2026-Q1"
WAREHOUSE = REPO / "data" / "warehouse" / "support.db"


@pytest.fixture
def app(sample_store, monkeypatch, tmp_path):
    monkeypatch.setenv("OKRKIT_CONNECTIONS", str(REPO / "data" / "connections.yaml"))
    a = PlanningWorkshopApp(store=sample_store, period=PERIOD, team="chatbot", author="tester")
    a.sources.base_dir = tmp_path
    yield a
    a.close()


def form(app, kid: str):
    return next(k for o in app.objectives for k in o.key_results if k.id.value == kid)


def rate_as_of(day: str) -> float:
    con = sqlite3.connect(f"file:{WAREHOUSE}?mode=ro", uri=True)
    try:
        return con.execute("SELECT round(100.0 * sum(resolved) / sum(conversations), 1) FROM "
                           "daily_support WHERE day > date(?, '-7 days') AND day <= ?",
                           (day, day)).fetchone()[0]
    finally:
        con.close()


def test_the_editor_is_part_of_the_workshop(app):
    assert app.sources.widget in app.widget.children


def test_shows_and_tests_a_stored_source(app):
    ed = app.sources
    ed.kr_id.value = "BOT-1.3"
    assert "connection: support" in ed.text.value and ":as_of" in ed.text.value
    got = ed.test()
    # today (2026-12-01 or whatever it is) is kept inside the period
    day = min(max(dt.date.today(), dt.date(2026, 1, 1)), dt.date(2026, 3, 31))
    assert got["value"].tolist() == [rate_as_of(day.isoformat())]
    assert ed.result.kind == "ok" and ed.result.text.startswith(f"{rate_as_of(day.isoformat()):g}")
    assert ed.baseline_button.disabled  # BOT-1.3 has a baseline


def test_errors_are_shown_masked_and_nothing_changes(app, monkeypatch):
    ed = app.sources
    ed.kr_id.value = "BOT-1.3"
    ed.text.value = "connection: support\nsql: DELETE FROM daily_support"
    assert ed.test() is None and ed.result.kind == "error"
    assert "read-only" in ed.result.text
    con = sqlite3.connect(f"file:{WAREHOUSE}?mode=ro", uri=True)
    assert con.execute("SELECT count(*) FROM daily_support").fetchone()[0] == 121
    con.close()
    monkeypatch.setenv("OKRKIT_CONNECTION_OPS", "postgresql+psycopg://ana:s3cr3t-pw@127.0.0.1:1/wh")
    ed.text.value = "connection: ops\nsql: SELECT 1"
    assert ed.test() is None
    assert "s3cr3t" not in ed.result.value and "ana:***@127.0.0.1" in ed.result.text
    ed.text.value = "connection: postgresql://ana:pw@db/x\nsql: SELECT 1"
    assert ed.test() is None and "must be a name, not a URL" in ed.result.text
    ed.text.value = "connection: [unclosed"
    assert ed.test() is None and "not valid YAML" in ed.result.text
    ed.kr_id.value = "NOPE-1"
    assert ed.result.text == "no key result 'NOPE-1' in the draft"


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_backfill_takes_the_baseline_from_a_file_history(app, sample_store, tmp_path, suffix):
    frame = pd.DataFrame({"date": pd.to_datetime(["2025-12-15", "2025-12-31", "2026-01-20"]),
                          "value": [7.6, 7.2, 6.1]})
    path = tmp_path / f"aht{suffix}"
    frame.to_csv(path, index=False) if suffix == ".csv" else frame.to_parquet(path)
    ed = app.sources
    kr = form(app, "BOT-1.4")
    kr.baseline.value = ""
    ed.kr_id.value = "BOT-1.4"
    assert ed.text.value == "" and ed.baseline_button.disabled
    ed.text.value = f"file: {path.name}\nnote: average handling time"
    got = ed.test()
    assert got["value"].tolist() == [6.1]  # inside the period only
    assert not ed.baseline_button.disabled  # no baseline, the source has history
    assert ed.take_baseline() == 7.2  # the latest value on or before 2026-01-01
    assert kr.baseline.value == "7.2" and ed.baseline_button.disabled
    assert ed.apply()
    app.save_button.click()
    assert app.message.kind == "ok", app.message.text
    krs = sample_store.load_plan(PERIOD).key_results.set_index("kr_id")
    assert krs.loc["BOT-1.4", "source"] == Source.parse(
        {"file": path.name, "note": "average handling time"})
    assert krs.loc["BOT-1.4", "baseline"] == 7.2
    # the other sourced key results kept theirs through the workshop's save
    assert krs.loc["BOT-1.3", "source"].connection == "support"


def test_no_history_before_the_start_says_so(app, tmp_path):
    pd.DataFrame({"date": ["2026-02-01"], "value": [5.0]}).to_csv(tmp_path / "late.csv",
                                                                   index=False)
    ed = app.sources
    form(app, "BOT-1.4").baseline.value = ""
    ed.kr_id.value = "BOT-1.4"
    ed.text.value = "file: late.csv"
    assert ed.take_baseline() is None
    assert ed.result.text == "the source has no value on or before 2026-01-01"
    assert form(app, "BOT-1.4").baseline.value == ""

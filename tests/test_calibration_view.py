"""Where people see calibration (okrkit.calibration_view): numbers equal the CLI's.

The expected numbers are never typed in: they come from ``okrkit calibration`` and
``okrkit backtest`` run on the same sample store (typer's CliRunner, JSON output).
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from htmltree import soup, table_rows
from typer.testing import CliRunner

from okrkit import backtest as bt
from okrkit.calibration_view import (
    confidence_html,
    gather_confidence,
    gather_track_record,
    model_losses,
    track_record_html,
)
from okrkit.cli import app as cli
from okrkit.confidence import calibration_summary_text

AS_OF = dt.date(2026, 2, 13)  # the sample's "now": 2025-Q1..Q4 closed, 2026-Q1 open
QUARTERS = "2025-Q1..2025-Q4"


def _cli(*args: str) -> dict:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def company(sample_db):
    """The company view of 2026-Q1 as of the sample's day, with the track record."""
    from okrkit.store import open_store

    with open_store(f"sqlite:///{sample_db}") as store:
        return gather_confidence(store, "2026-Q1", AS_OF, track=True)


@pytest.fixture(scope="module")
def cli_calibration(sample_db):
    return _cli("calibration", "--period", QUARTERS, "--format", "json", "--db",
                f"sqlite:///{sample_db}")


def test_the_view_looks_back_on_the_closed_quarters_before_an_open_one(company):
    assert company.periods == ("2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4")
    assert company.team is None and company.row["group"] == "(all)"


def test_company_calibration_equals_okrkit_calibration(company, cli_calibration):
    groups = {g["group"]: g for g in cli_calibration["groups"]}
    mine = company.groups.set_index("group")
    assert set(mine.index) == set(groups)
    for name, g in groups.items():
        for col in ("n", "brier", "reliability", "resolution", "uncertainty", "bias"):
            assert mine.at[name, col] == pytest.approx(g[col], abs=5e-7), (name, col)
        assert mine.at[name, "verdict"] == g["verdict"]
    rel = pd.DataFrame(cli_calibration["reliability"])
    np.testing.assert_allclose(company.reliability["share_green"], rel["share_green"], atol=5e-7)
    np.testing.assert_allclose(company.reliability["n"], rel["n"])


def test_a_team_view_reads_only_its_team_and_equals_its_company_row(sample_store, company,
                                                                   cli_calibration):
    view = gather_confidence(sample_store, "2026-Q1", AS_OF, "vision")
    cli_row = next(g for g in cli_calibration["groups"] if g["group"] == "vision")
    assert view.row["n"] == cli_row["n"]
    assert view.row["brier"] == pytest.approx(cli_row["brier"], abs=5e-7)
    assert view.row["verdict"] == cli_row["verdict"]
    assert list(view.groups["group"]) == ["vision", "(all)"]  # nobody else was read
    assert view.track is None
    per = company.groups.set_index("group").loc["vision"]
    assert view.row["brier"] == pytest.approx(per["brier"])


def test_track_record_equals_okrkit_backtest(sample_db, company):
    bt._REPLAYS.clear()  # the CLI replays afresh: not the view's cached runs
    # the forecast the apps show learns from earlier quarters: the track record judges it
    assert company.track.history
    out = _cli("backtest", "--period", QUARTERS, "--format", "json", "--db",
               f"sqlite:///{sample_db}")
    summary = {r["forecaster"]: r for r in out["summary"]}
    mine = company.track.summary.set_index("forecaster")
    for f in bt.FORECASTERS:
        assert mine.at[f, "brier"] == pytest.approx(summary[f]["brier"], abs=5e-7)
        assert mine.at[f, "n"] == summary[f]["n"]
    # the CLI's summary is reproducible from its own forecast list
    long = pd.DataFrame(out["forecasts"])
    for f, g in long.groupby("forecaster"):
        assert summary[f]["brier"] == pytest.approx(
            float(((g["p_green"] - g["outcome"]) ** 2).mean()), abs=5e-6)
    per = pd.DataFrame(out["per_period"]).set_index(["period", "forecaster"])["brier"]
    mine_per = company.track.per_period.set_index(["period", "forecaster"])["brier"]
    pd.testing.assert_series_equal(mine_per.sort_index(), per.sort_index(), check_names=False,
                                   atol=5e-7)


def test_confidence_html_shows_the_words_the_table_and_the_chart(company):
    page = soup(confidence_html(company, inline=False))
    said = page.select_one("p.okr-confidence-summary").get_text(strip=True)
    assert said == calibration_summary_text(company.row, subject="All teams")
    dec = table_rows(str(page), "table.okr-decomposition")
    assert dec == [{"forecasts": str(company.row["n"]),
                    "Brier score": f"{company.row['brier']:.3f}",
                    "reliability": f"{company.row['reliability']:.3f}",
                    "resolution": f"{company.row['resolution']:.3f}",
                    "uncertainty": f"{company.row['uncertainty']:.3f}"}]
    teams = {r["team"]: r for r in table_rows(str(page), "table.okr-team-calibration")}
    g = company.groups.set_index("group")
    assert set(teams) == set(g.index) - {"(all)"}
    for team, r in teams.items():
        assert r["Brier score"] == f"{g.at[team, 'brier']:.3f}"
        assert r["verdict"] == g.at[team, "verdict"]
    flagged = [li.find("b").get_text() for li in page.select("ul.okr-flags li")]
    assert flagged == [*company.sandbagging["team"], *company.ratchet_flags["team"]]
    assert page.select_one("figure.okr-chart svg") is not None
    assert page.select_one(".okr-chart-error") is None


def test_model_losses_are_never_hidden():
    per = pd.DataFrame({"period": ["A"] * 3 + ["B"] * 3,
                        "forecaster": list(bt.FORECASTERS) * 2,
                        "brier": [0.20, 0.10, 0.30, 0.05, 0.10, 0.04], "n": [10] * 6})
    pooled = pd.DataFrame({"forecaster": list(bt.FORECASTERS),
                           "brier": [0.125, 0.10, 0.17], "n": [20] * 3})
    lost = model_losses(pooled, per)
    assert lost == [
        "Over these quarters the forecast did worse than people's confidence "
        "(0.125 against 0.100).",
        "A: the forecast did worse than people's confidence (0.200 against 0.100).",
        "B: the forecast did worse than linear pacing (0.050 against 0.040).",
    ]
    won = per.assign(brier=[0.01, 0.1, 0.2] * 2)
    assert model_losses(pooled.assign(brier=[0.01, 0.1, 0.2]), won) == []


def test_track_record_html_names_every_quarter_the_model_lost(company):
    page = soup(track_record_html(company.track))
    summary = page.select_one("p.okr-track-summary").get_text(strip=True)
    assert summary == bt.track_record_text(company.track.summary)
    losses = [li.get_text() for li in page.select("ul.okr-model-losses li")]
    assert losses == model_losses(company.track.summary, company.track.per_period)
    per = company.track.per_period.pivot(index="period", columns="forecaster", values="brier")
    lost_in = sorted(p for p, r in per.iterrows()
                     if r["model"] > min(r["confidence"], r["pacing"]))
    assert [t.split(":")[0] for t in losses if t[:4].isdigit()] == lost_in
    assert (page.select_one("p.okr-model-won") is None) == bool(losses)
    assert page.select_one("figure.okr-chart svg") is not None


def test_nothing_closed_yet_says_so(sample_store):
    view = gather_confidence(sample_store, "2025-Q1", dt.date(2025, 2, 1), track=True)
    assert view.periods == () and view.row["n"] == 0
    said = soup(confidence_html(view)).select_one("p.okr-confidence-summary").get_text()
    assert "no quarter has closed yet" in said
    tr = soup(track_record_html(view.track)).select_one("p.okr-track-summary").get_text()
    assert tr == "No closed quarter to measure the forecast on yet."


def test_a_closed_quarter_looks_back_on_itself(sample_store):
    view = gather_track_record(sample_store, "2025-Q2", dt.date(2026, 1, 1), last=1)
    assert view.periods == ("2025-Q2",)


def test_replay_cache_follows_the_stored_rows(sample_store):
    runs = bt.replay(sample_store, ["2025-Q1"], simulations=50)
    assert bt.replay(sample_store, ["2025-Q1"], simulations=50) is runs
    ck = sample_store.checkins(period="2025-Q1")
    late = ck.iloc[[0]].assign(date=dt.date(2025, 3, 30), value=ck["value"].iloc[0],
                               recorded_at=None, note="late correction")
    sample_store.add_checkins(late.drop(columns=[c for c in ("id",) if c in late]))
    assert bt.replay(sample_store, ["2025-Q1"], simulations=50) is not runs


# -- the screens: reports, the retrospective, the what-if forecast panel ---------------


def test_company_report_section_has_calibration_per_team_and_the_track_record(
        sample_url, company):
    from okrkit import reportview as rv
    from okrkit.reportdata import gather

    report = gather("2026-Q1", "company", sample_url, AS_OF.isoformat())
    assert report.confidence.periods == company.periods
    page = soup(rv.confidence_section(report))
    assert page.select_one("h2").get_text() == ("How well we know ourselves: confidence "
                                                "calibration")
    assert [h.get_text() for h in page.select("h3")] == ["Per team",
                                                       "The forecast's track record"]
    teams = table_rows(str(page), "table.okr-team-calibration")
    assert [r["team"] for r in teams] == [g for g in company.groups["group"] if g != "(all)"]
    assert page.select_one("p.okr-track-summary").get_text(strip=True) == \
        bt.track_record_text(company.track.summary)
    assert len(page.select("figure.okr-chart svg")) == 2  # reliability, track record


def test_team_report_section_is_the_teams_own(sample_url, cli_calibration):
    from okrkit import reportview as rv
    from okrkit.reportdata import gather

    report = gather("2026-Q1", "vision", sample_url, AS_OF.isoformat())
    page = soup(rv.confidence_section(report))
    cli_row = next(g for g in cli_calibration["groups"] if g["group"] == "vision")
    assert page.select_one("p.okr-confidence-summary").get_text(strip=True) == \
        calibration_summary_text(cli_row, subject="Team vision")
    assert page.select_one("table.okr-team-calibration") is None
    assert page.select_one(".okr-track-record") is None  # the company report's
    assert page.select_one("figure.okr-chart svg") is not None


def test_retrospective_shows_the_teams_calibration(sample_store, cli_calibration):
    from okrkit.widgets.retro import RetrospectiveApp

    app = RetrospectiveApp(store=sample_store, period="2025-Q4", team="vision",
                           author="tester")
    try:
        assert app.confidence.periods == ("2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4")
        page = soup(app.confidence_panel.value)
        cli_row = next(g for g in cli_calibration["groups"] if g["group"] == "vision")
        assert page.select_one("p.okr-confidence-summary").get_text(strip=True) == \
            calibration_summary_text(cli_row, subject="Team vision")
        dec = table_rows(str(page), "table.okr-decomposition")[0]
        assert dec["Brier score"] == f"{cli_row['brier']:.3f}"
        assert page.select_one("figure.okr-chart svg") is not None
        assert app.confidence_panel in app.widget.children
        app.team.value = "platform"  # another team: its own figures
        cli_platform = next(g for g in cli_calibration["groups"] if g["group"] == "platform")
        assert app.confidence.row["n"] == cli_platform["n"]
        assert soup(app.confidence_panel.value).select_one(
            "p.okr-confidence-summary").get_text(strip=True).startswith("Team platform:")
    finally:
        app.close()


def test_what_if_forecast_panel_shows_the_track_record(sample_store, company):
    from okrkit.widgets.whatif_app import WhatIfApp

    app = WhatIfApp(store=sample_store, period="2026-Q1", team="vision", as_of=AS_OF)
    try:
        pd.testing.assert_frame_equal(app.track.summary, company.track.summary)
        page = soup(app.forecast_panel.value)
        assert page.select_one("p.okr-track-summary").get_text(strip=True) == \
            bt.track_record_text(company.track.summary)
        losses = [li.get_text() for li in page.select("ul.okr-model-losses li")]
        assert losses == model_losses(company.track.summary, company.track.per_period)
        app.forecast_button.click()  # the scenario's forecast keeps the track record
        assert soup(app.forecast_panel.value).select_one("p.okr-track-summary") is not None
    finally:
        app.close()


def test_the_index_page_has_calibration_per_team_and_the_track_record(sample_url, company,
                                                                      tmp_path):
    from okrkit.report import _index_data, write_index

    data = _index_data("2026-Q1", sample_url, AS_OF.isoformat())
    assert data.confidence.track is not None
    out = write_index("2026-Q1", [], tmp_path, sample_url, None, data=data)
    page = soup(out.read_text(encoding="utf-8"))
    h2 = [h.get_text() for h in page.select("h2")]
    assert h2 == ["How well we know ourselves"]
    teams = {r["team"]: r for r in table_rows(str(page), "table.okr-team-calibration")}
    g = company.groups.set_index("group")
    assert {t: r["Brier score"] for t, r in teams.items()} == {
        t: f"{g.at[t, 'brier']:.3f}" for t in g.index if t != "(all)"}
    assert page.select_one("p.okr-track-summary").get_text(strip=True) == \
        bt.track_record_text(company.track.summary)
    assert [li.get_text() for li in page.select("ul.okr-model-losses li")] == \
        model_losses(company.track.summary, company.track.per_period)


"""What a scorecard says (okrkit.insights): month change, movers, risks, teams, forecast."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pandas as pd
import pytest
from conftest import SHIP_PLAN, checkin_rows
from htmltree import soup, tags

from okrkit.forecasting import forecast
from okrkit.frames import conform
from okrkit.insights import (
    FORECAST_COLUMNS,
    MOVER_COLUMNS,
    TEAM_COLUMNS,
    at_risk_list,
    forecast_table,
    kr_changes,
    latest_notes,
    month_change,
    movers,
    recent_checkins,
    stale_list,
    status_line,
    team_calibration,
    team_scores,
    team_status,
    team_view,
    week_ends,
    weekly_scores,
    weekly_summary,
)
from okrkit.plan import parse_plan
from okrkit.scoring import ScoringPolicy, score

AS_OF = "2026-02-13"

def test_month_change_by_objective_hand_computed(teams_plan, teams_checkins):
    out = month_change(teams_plan, teams_checkins, AS_OF).set_index("objective_id")
    assert list(out.index) == ["A", "B", "C"]
    assert set(out["before"]) == {dt.date(2026, 1, 14)}  # 30 days before 2026-02-13
    # A = mean(A.1, C) with weights 1, 1: now (0.5 + 1.0) / 2, before (0.2 + 0) / 2
    assert out.at["A", "score_now"] == pytest.approx(0.75)
    assert out.at["A", "score_before"] == pytest.approx(0.1)
    assert out.at["A", "change"] == pytest.approx(0.65)
    assert out.at["B", "score_before"] == pytest.approx(0.2)
    assert out.at["B", "score_now"] == pytest.approx(0.8)
    assert out.at["B", "change"] == pytest.approx(0.6)
    assert out.at["C", "score_before"] == 0.0 and out.at["C", "score_now"] == 1.0
    assert out.at["C", "team"] == "y"
    assert out.at["B", "band_now"] == "green"


def test_month_change_by_team_hand_computed(teams_plan, teams_checkins):
    out = month_change(teams_plan, teams_checkins, AS_OF, by="team").set_index("team")
    # team x: top objectives A (w 2) and B (w 1); C belongs to y (its top objective)
    assert out.at["x", "n_objectives"] == 2
    assert out.at["x", "score_now"] == pytest.approx((2 * 0.75 + 0.8) / 3)
    assert out.at["x", "score_before"] == pytest.approx((2 * 0.1 + 0.2) / 3)
    assert out.at["x", "change"] == pytest.approx((2 * 0.65 + 0.6) / 3)
    assert out.at["y", "score_now"] == 1.0 and out.at["y", "change"] == 1.0


def test_month_change_other_window_and_bad_by(teams_plan, teams_checkins):
    out = month_change(teams_plan, teams_checkins, AS_OF, days=7).set_index("objective_id")
    # 2026-02-06: A.1 still 0.2, C.1 already 1.0 -> A = 0.6; B.1 = 0.8
    assert out.at["A", "score_before"] == pytest.approx(0.6)
    assert out.at["B", "change"] == pytest.approx(0.0)
    with pytest.raises(Exception, match="by must be"):
        month_change(teams_plan, teams_checkins, AS_OF, by="nope")


def test_at_risk_and_stale_lists(teams_plan, teams_checkins):
    low = conform(pd.DataFrame([{"kr_id": "B.1", "date": dt.date(2026, 2, 12), "value": 2.0,
                                 "confidence": 0.2}]), "checkins")
    card = score(teams_plan, pd.concat([teams_checkins, low], ignore_index=True), "2026-02-26")
    risky = at_risk_list(card).set_index("kr_id")
    # A.1 last checked in 2026-02-10 (16 days: stale), B.1 (14 days) low confidence;
    # C.1 is stale too but Complete (complete wins, and it is no longer chased)
    assert set(risky.index) == {"A.1", "B.1"}
    assert card.key_results.set_index("kr_id").at["C.1", "stale"]
    assert "low confidence (0.20)" in risky.at["B.1", "reason"]
    assert "no check-in since 2026-02-10 (16 days)" in risky.at["A.1", "reason"]
    why = card.key_results.set_index("kr_id")["why"]
    assert risky["reason"].to_dict() == why[risky.index].to_dict()  # the status rule's words
    stale = stale_list(card)
    assert stale["kr_id"].tolist() == ["A.1"]
    assert stale["days_silent"].tolist() == [16]
    assert "B.1" not in set(stale["kr_id"])  # exactly one cadence (14 days) is not stale
    assert set(stale["status"]) == {"At Risk"}


WEEK_PLAN = parse_plan(SHIP_PLAN)
frame = checkin_rows


def test_weekly_summary_insights_blockers_achievements():
    ck = frame([
        ("T-1.1", "2026-01-30", 20.0, 0.9, None, None, None, None),
        ("T-1.1", "2026-02-10", 55.0, 0.9, None, "good week", None, "Beta opened to <all>"),
        ("T-1.2", "2026-01-30", 400.0, 0.8),
        ("T-1.2", "2026-02-11", 380.0, 0.3, None, None, "GPU quota *blocked*", None),
        ("T-1.3", "2026-01-05", 99.5, 0.9),  # stale by 2026-02-13
    ])
    card = score(WEEK_PLAN, ck, "2026-02-13")
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
    page = soup(html_out)
    assert "all" not in tags(html_out)
    assert [h.get_text() for h in page.select("h4")][:4] == [
        "Insights — biggest movers", "At risk", "Blockers", "Achievements"]


def test_movers_use_the_scoring_rules():
    """Progress at both dates is the scorecard's: corrections (latest recorded) win and a
    threshold KR moves by the share of its check-ins that met the threshold."""
    ck = frame([
        ("T-1.1", "2026-02-01", 20.0),
        ("T-1.1", "2026-02-10", 90.0),  # corrected below: 40 counts
        ("T-1.1", "2026-02-10", 40.0),
        ("T-1.3", "2026-02-01", 99.5),  # met
        ("T-1.3", "2026-02-09", 98.0),  # missed: share 1/2
        ("T-1.2", "2026-01-20", 400.0),  # no check-in after since: left out
    ])
    ck["recorded_at"] = [dt.datetime(2026, 2, d, 9) for d in (1, 10, 11, 1, 9, 1)]
    card = score(WEEK_PLAN, ck, "2026-02-13")
    out = movers(card, ck, "2026-02-05")
    assert list(out.columns) == MOVER_COLUMNS
    assert out["kr_id"].tolist() == ["T-1.3", "T-1.1"]  # |-0.5| > |+0.2|
    got = out.set_index("kr_id")
    assert got.at["T-1.1", "before"] == 20 and got.at["T-1.1", "now"] == 40
    assert got.at["T-1.1", "change"] == pytest.approx(0.2)
    assert got.at["T-1.3", "change"] == pytest.approx(-0.5)
    kr = card.key_results.set_index("kr_id")
    assert kr.at["T-1.3", "progress"] == pytest.approx(0.5)  # the same rule as scoring
    assert movers(card, ck, "2026-02-13").empty and movers(card, None, "2026-02-05").empty


def test_kr_changes_between_two_scorecards():
    ck = frame([("T-1.1", "2026-01-30", 20.0, 0.9), ("T-1.1", "2026-02-10", 55.0, 0.9),
                ("T-1.2", "2026-01-30", 400.0, 0.8)])
    now, then = score(WEEK_PLAN, ck, "2026-02-10"), score(WEEK_PLAN, ck, "2026-01-30")
    out = kr_changes(now, then).set_index("kr_id")
    assert out.at["T-1.1", "change"] == pytest.approx(0.35)
    assert out.at["T-1.1", "score_before"] == pytest.approx(0.2)
    assert "T-1.2" not in out.index or out.at["T-1.2", "status_before"] != out.at[
        "T-1.2", "status_now"]
    assert kr_changes(now, None).empty and kr_changes(now, now).empty


def test_latest_notes_newest_first_once_per_text():
    ck = frame([("T-1.1", "2026-02-01", 1.0, None, None, None, "vendor", None),
                ("T-1.1", "2026-02-08", 2.0, None, None, None, "vendor", None),
                ("T-1.2", "2026-02-08", 2.0, None, None, None, "  ", None),
                ("T-1.2", "2026-02-03", 2.0, None, None, None, "GPU", None)])
    out = latest_notes(conform(ck, "checkins"), "blockers")
    assert out.to_dict("records") == [
        {"kr_id": "T-1.1", "date": dt.date(2026, 2, 8), "text": "vendor"},
        {"kr_id": "T-1.2", "date": dt.date(2026, 2, 3), "text": "GPU"}]
    assert latest_notes(conform(ck, "checkins"), "note").empty
    assert len(latest_notes(conform(ck, "checkins"), "blockers", limit=1)) == 1


def test_team_view_scores_and_calibration(sample_store):
    plan = sample_store.load_plan("2025-Q4", "vision")
    card = score(plan, sample_store.checkins(period="2025-Q4", team="vision"))
    krs, objs = team_view(card, "vision")
    assert list(objs["objective_id"]) == ["VIS-1", "VIS-2", "VIS-3"]
    assert len(krs) == 10 and set(krs["objective_id"]) <= set(objs["objective_id"])
    cal = team_calibration(card, "vision")
    assert cal.n == 3 and cal.basis == "final"  # a closed period: final scores
    assert cal.mean == pytest.approx(objs["score"].mean())
    assert cal.verdict == "above ideal" == cal.label
    # a stricter guide judges the same mean differently
    lenient = score(plan, sample_store.checkins(period="2025-Q4", team="vision"),
                    policy=ScoringPolicy(ideal_to=0.9))
    assert team_calibration(lenient, "vision").verdict == "ideal"
    assert team_calibration(card).n == len(card.objectives.dropna(subset=["score"]))
    assert team_calibration(card, "nobody").n == 0
    everything = team_view(card, None)
    assert len(everything[1]) == len(card.objectives)


def test_team_scores_roll_up_and_policy_bands(teams_plan, teams_checkins):
    card = score(teams_plan, teams_checkins, AS_OF)
    out = team_scores(card).set_index("team")
    assert list(out.columns) == TEAM_COLUMNS[1:]
    # team x: top objectives A (weight 2, 0.75) and B (weight 1, 0.8)
    assert out.at["x", "score"] == pytest.approx((2 * 0.75 + 0.8) / 3)
    assert out.at["x", "band"] == "green" and out.at["x", "n_objectives"] == 2
    assert out.at["x", "owner"] == "Lead X" and out.at["y", "n_key_results"] == 1
    strict = team_scores(score(teams_plan, teams_checkins, AS_OF, ScoringPolicy(green_from=0.8)))
    assert strict.set_index("team").at["x", "band"] == "yellow"


def test_forecast_table_per_objective(teams_plan, teams_checkins):
    card = score(teams_plan, teams_checkins, AS_OF)
    fc = forecast(teams_plan, teams_checkins, AS_OF, simulations=200, seed=0)
    out = forecast_table(card, fc)
    assert list(out.columns) == FORECAST_COLUMNS
    assert out["objective_id"].tolist() == ["A", "B", "C"]
    np.testing.assert_allclose(out["expected_score"],
                               fc.objectives.set_index("objective_id").loc[
                                   ["A", "B", "C"], "expected_score"])
    only = forecast_table(card, fc, card.objectives.iloc[[2, 0]])
    assert only["objective_id"].tolist() == ["C", "A"]


def test_stale_list_counts_from_the_period_start(teams_plan):
    card = score(teams_plan, None, "2026-02-13")
    out = stale_list(card)
    assert set(out["kr_id"]) == {"A.1", "B.1", "C.1"}
    assert set(out["days_silent"]) == {43} and out["last_checkin"].isna().all()
    risky = at_risk_list(card)
    assert set(risky["reason"]) == {"no check-in yet (43 days)"}
    assert pd.api.types.is_object_dtype(out["last_checkin"])


def test_weekly_scores_are_the_scorecard_at_each_week_end(teams_plan, teams_checkins):
    days = week_ends(teams_plan.period, dt.date(2026, 2, 13))
    assert days[0] == dt.date(2026, 1, 7) and days[-1] == dt.date(2026, 2, 13)
    assert all((b - a).days == 7 for a, b in itertools.pairwise(days[:-1]))
    weekly = weekly_scores(teams_plan, teams_checkins, AS_OF)
    assert sorted(set(weekly["date"])) == days
    for day in (days[2], days[-1]):
        card = score(teams_plan, teams_checkins, day).objectives
        card = card[card["score"].notna()]
        got = weekly[weekly["date"] == day]
        assert got["objective_id"].tolist() == card["objective_id"].tolist()
        np.testing.assert_allclose(got["score"], card["score"])
        assert got["status"].tolist() == card["status"].tolist()
    closed = weekly_scores(teams_plan, teams_checkins, "2026-06-30")
    assert max(closed["date"]) == teams_plan.period.end  # clipped into the period


def test_team_status_counts_and_icons(teams_plan, teams_checkins):
    card = score(teams_plan, teams_checkins, AS_OF)
    counts = team_status(card).set_index("team")
    krs = card.key_results
    for team, g in krs.groupby("team"):
        assert counts.at[team, "key_results"] == len(g)
        for status, n in g["status"].value_counts().items():
            assert counts.at[team, status] == n
    final = score(teams_plan, teams_checkins, teams_plan.period.end)
    line = status_line(final.key_results["status"])
    assert "In Progress" not in line and "At Risk" not in line
    assert any(icon in line for icon in ("✅ Achieved", "🟡 Partially Achieved", "❌ Missed"))


def test_recent_checkins_newest_first_corrections_win():
    rows = conform(pd.DataFrame([
        {"kr_id": "A", "date": dt.date(2026, 1, d), "value": float(d), "confidence": 0.5,
         "author": "ann", "recorded_at": dt.datetime(2026, 1, d, 9)} for d in (5, 12, 19, 26)
    ] + [
        {"kr_id": "A", "date": dt.date(2026, 1, 19), "value": 99.0, "note": "corrected",
         "author": "bob", "recorded_at": dt.datetime(2026, 1, 20, 9)},
        {"kr_id": "B", "date": dt.date(2026, 1, 7), "value": 1.0},
    ]), "checkins")
    recent = recent_checkins(rows)
    a = recent["A"]
    assert a["date"].tolist() == [dt.date(2026, 1, 26), dt.date(2026, 1, 19), dt.date(2026, 1, 12)]
    assert a["value"].tolist() == [26.0, 99.0, 12.0]  # the correction replaced the 19th
    assert a.loc[1, "author"] == "bob" and a.loc[1, "note"] == "corrected"
    assert len(recent["B"]) == 1 and "C" not in recent
    early = recent_checkins(rows, 2, as_of="2026-01-15")
    assert early["A"]["value"].tolist() == [12.0, 5.0]
    assert recent_checkins(None) == {}

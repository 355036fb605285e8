"""Check-in entries typed in a form (okrkit.entries): to check-ins, validated, previewed."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from conftest import SHIP_PLAN, checkin_rows

from okrkit.entries import (
    DERIVED,
    PREVIEW_COLUMNS,
    check_entries,
    entries_to_checkins,
    preview,
    preview_card,
    score_entries,
    valid_entries,
)
from okrkit.plan import parse_plan
from okrkit.scoring import ScoringPolicy

PLAN = parse_plan(SHIP_PLAN)
frame = checkin_rows


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


def test_a_new_entry_wins_over_a_recorded_check_in_of_the_same_day():
    """The entry has no recorded_at yet: by the rule of rules.effective_checkins it is
    newer than every recorded check-in, even one recorded 'in the future'."""
    existing = frame([("T-1.1", "2026-02-14", 90.0, 0.9)])
    existing["recorded_at"] = [dt.datetime(2999, 1, 1)]
    card, table = score_entries(PLAN, existing, {"T-1.1": {"value": "30"}}, "2026-02-14")
    row = table.set_index("kr_id").loc["T-1.1"]
    assert row["value"] == 30 and row["score"] == pytest.approx(0.3) and row["entered"]
    assert list(table.columns) == PREVIEW_COLUMNS
    assert card.key_results.set_index("kr_id").at["T-1.1", "checkins"] == 1
    pd.testing.assert_frame_equal(
        preview_card(PLAN, existing, {"T-1.1": {"value": "30"}}, "2026-02-14").key_results,
        card.key_results)


def test_preview_leaves_out_what_the_validator_refuses():
    entries = {"T-1.1": {"value": "60"}, "T-1.2": {"value": "lots"},
               "T-1.3": {"value": "99.5%"}, }
    ok = valid_entries(PLAN, entries_to_checkins(entries, "2026-02-14"))
    # "lots" is not a number; "99.5%" is a percentage of a % KR: accepted
    assert ok["kr_id"].tolist() == ["T-1.1", "T-1.3"]
    assert ok["value"].tolist() == [60.0, 99.5]
    out = preview(PLAN, None, {**entries, "T-1.1": {"value": "60 users"}}, "2026-02-14")
    assert out.set_index("kr_id")["entered"].to_dict() == {
        "T-1.1": False, "T-1.2": False, "T-1.3": True}
    # a percentage for a KR whose unit is not % is refused by the one validator, as on Save
    out = preview(PLAN, None, {"T-1.1": {"value": "60%"}}, "2026-02-14")
    assert not out["entered"].any()
    _, problems = check_entries(PLAN, entries_to_checkins({"T-1.1": {"value": "60%"}},
                                                          "2026-02-14"))
    assert [(p.id, p.field) for p in problems] == [("T-1.1", "value")]


def test_preview_date_outside_the_period_enters_nothing():
    out = preview(PLAN, None, {"T-1.1": {"value": "60"}}, "2026-05-01")
    assert not out["entered"].any()


def test_preview_scores_with_the_policy():
    entries = {"T-1.1": {"value": "75", "confidence": 0.9}}
    assert preview(PLAN, None, entries, "2026-03-31").set_index("kr_id").at[
        "T-1.1", "band"] == "green"
    strict = preview(PLAN, None, entries, "2026-03-31", ScoringPolicy(green_from=0.8))
    assert strict.set_index("kr_id").at["T-1.1", "band"] == "yellow"


def test_entries_status_derived_and_blank_date():
    out = entries_to_checkins({"T-1.1": {"value": 5, "status": DERIVED}}, " ")
    assert out.loc[0, "date"] is None and out.loc[0, "status"] is None
    _, problems = check_entries(PLAN, out)
    assert [(p.id, p.field) for p in problems] == [("T-1.1", "date")]
    _, problems = check_entries(PLAN, entries_to_checkins({}, "2026-02-01"))
    assert "nothing to save" in problems[0].message

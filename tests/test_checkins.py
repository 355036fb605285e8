"""The one check-in validator (okrkit.checkin_schema) and every path that uses it."""

from __future__ import annotations

import datetime as dt
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from okrkit import checkin_schema, checkin_seal
from okrkit.checkins import parse_checkins_csv, read_checkins, validate_checkins
from okrkit.cli import app
from okrkit.errors import CheckinError
from okrkit.plan import load_plan
from okrkit.store import Store, open_store

BASE = Path(__file__).parent / "corpus" / "base.yaml"
HEAD = "kr_id,date,value,confidence,status,note\n"


@pytest.fixture
def plan():
    return load_plan(BASE)


@pytest.fixture
def base_store(tmp_path: Path):
    with open_store(f"sqlite:///{tmp_path / 'okr.db'}") as store:
        store.save_plan(load_plan(BASE))
        yield store


def problems(text: str, plan=None) -> list[tuple[int | None, str | None, str | None]]:
    with pytest.raises(CheckinError) as err:
        parse_checkins_csv(text, source="ck.csv", plan=plan)
    return [(p.line, p.field, p.code) for p in err.value.problems]


def test_one_message_and_code_per_rule(plan) -> None:
    text = HEAD + "\n".join([
        "BOT-1.1,2026-01-09,seventy,,,",      # 2 not a number
        "BOT-1.1,2026-01-09,1e309,,,",        # 3 not finite
        "BOT-1.1,2026-01-09,70,150%,,",       # 4 confidence 1.5
        "BOT-1.1,09/01/2026,70,,,",           # 5 not a date
        "BOT-1.1,1850-01-01,70,,,",           # 6 out of range (and outside the period)
        "BOT-1.1,2026-01-09,70,,Done,",       # 7 unknown status
        ",2026-01-09,70,,,",                  # 8 missing kr_id
        "BOT-9.9,2026-01-09,70,,,",           # 9 unknown KR
        "BOT-1.2,2026-01-09,50%,,,",          # 10 percent, unit min
        "BOT-1.1,2026-01-09,80,,Complete,",   # 11 Complete below target
        "BOT-1.1,2026-01-09,nan,,,",          # 12 nan is not a number
        "BOT-1.1,2026-01-09,,,,",             # 13 value missing
    ]) + "\n"
    found = problems(text, plan)
    assert found == [
        (2, "value", "not-a-number"),
        (3, "value", "not-finite"),
        (4, "confidence", "out-of-range"),
        (5, "date", "not-a-date"),
        (6, "date", "out-of-range"),
        (7, "status", "unknown-status"),
        (8, "kr_id", "missing"),
        (9, "kr_id", "unknown-key-result"),
        (10, "value", "percent-unit"),
        (11, "status", "status-contradicts-value"),
        (12, "value", "not-a-number"),
        (13, "value", "missing"),
    ]
    with pytest.raises(CheckinError) as err:
        parse_checkins_csv(text, source="ck.csv", plan=plan)
    text_of = {p.line: p.message for p in err.value.problems}
    assert text_of[4] == "confidence 1.5 is outside 0..1"
    assert text_of[7].startswith("status 'Done' is not one of Not Started")
    assert text_of[11] == ("status 'Complete' but the value 80 % has not reached the target 90 %")
    assert str(err.value).count("ck.csv, line") == 12


def test_the_store_speaks_the_same_messages(base_store: Store, plan) -> None:
    raw = pd.DataFrame({"kr_id": ["BOT-1.1", "BOT-1.1"], "date": ["2026-01-09", "2026-01-10"],
                        "value": ["70", "71"], "confidence": ["150%", "0.4"],
                        "status": ["In Progress", "Complete"]})
    with pytest.raises(CheckinError) as file_err:
        validate_checkins(raw, plan=plan)
    with pytest.raises(CheckinError) as store_err:
        base_store.add_checkins(raw)
    pairs = [(p.row, p.field, p.code, p.message) for p in file_err.value.problems]
    assert pairs == [(p.row, p.field, p.code, p.message) for p in store_err.value.problems]
    assert [p[2] for p in pairs] == ["out-of-range", "status-contradicts-value"]


def test_complete_at_sixty_percent_is_refused_on_every_path(
        tmp_path: Path, plan, base_store: Store) -> None:
    csv = tmp_path / "ck.csv"
    csv.write_text("kr_id,date,value,status\nBOT-1.1,2026-01-09,70,In Progress\n"
                   "BOT-1.1,2026-01-16,80,Complete\n")  # (80-65)/(90-65) = 0.6
    # a file validated against a plan
    with pytest.raises(CheckinError) as err:
        read_checkins(csv, plan=plan)
    (p,) = err.value.problems
    assert (p.line, p.field, p.code) == (3, "status", "status-contradicts-value")
    # a frame handed to the store (the store knows the key results)
    with pytest.raises(CheckinError) as err:
        base_store.add_checkins(pd.read_csv(csv, dtype=str))
    assert [(q.row, q.field) for q in err.value.problems] == [(2, "status")]
    # a file validated without a plan, then added: the store applies the rule, by line
    with pytest.raises(CheckinError) as err:
        base_store.add_checkins(read_checkins(csv), source=str(csv))
    assert [(q.line, q.field) for q in err.value.problems] == [(3, "status")]
    assert base_store.checkins(effective=False).empty
    # the command line: import, checkin and score --checkins
    db = base_store.url
    runner = CliRunner()
    res = runner.invoke(app, ["import", str(csv), "--db", db])
    assert res.exit_code == 2 and "line 3" in res.stderr and "'status'" in res.stderr
    res = runner.invoke(app, ["checkin", "BOT-1.1", "80", "--date", "2026-01-16",
                              "--status", "complete", "--db", db])
    assert res.exit_code == 2 and "has not reached the target 90" in res.stderr
    res = runner.invoke(app, ["score", str(BASE), "--checkins", str(csv)])
    assert res.exit_code == 2 and "line 3" in res.stderr and "'status'" in res.stderr
    assert base_store.checkins(effective=False).empty
    # reaching the target is a Complete that stands
    res = runner.invoke(app, ["checkin", "BOT-1.1", "90", "--date", "2026-01-16",
                              "--status", "complete", "--db", db])
    assert res.exit_code == 0, res.stderr
    assert base_store.checkins()["status"].tolist() == ["Complete"]


def test_not_started_needs_the_baseline(plan) -> None:
    found = problems(HEAD + "BOT-1.2,2026-01-09,7,,not started,\n"
                            "BOT-1.2,2026-01-09,8,,Not Started,\n", plan)
    assert found == [(2, "status", "status-contradicts-value")]


def test_percentages_need_a_percent_unit_in_the_store(base_store: Store) -> None:
    frame = read_checkins_text("kr_id,date,value\nBOT-1.2,2026-01-09,50%\nBOT-1.1,2026-01-09,70%\n")
    with pytest.raises(CheckinError) as err:
        base_store.add_checkins(frame)
    (p,) = err.value.problems
    assert (p.line, p.field, p.code, p.id) == (2, "value", "percent-unit", "BOT-1.2")
    assert base_store.add_checkins(frame.iloc[[1]]) == 1
    assert base_store.checkins()["value"].tolist() == [70.0]


def read_checkins_text(text: str) -> pd.DataFrame:
    return parse_checkins_csv(text)


def test_texts_ids_and_times() -> None:
    long_note = "x" * (checkin_schema.MAX_TEXT + 1)
    text = (
        "kr_id,date,value,note,recorded_at\n"
        f"BOT-1.1,2026-01-09,70,{long_note},\n"
        "BOT-1.1,2026-01-09,70,bell\x07,\n"
        "BOT-1.1,2026-01-09,70,ok,yesterday\n"
        f"{'K' * 201},2026-01-09,70,,\n"
        "BOT\u202e-1.1,2026-01-09,70,,\n"
        'BOT-1.1,2026-01-09,70,"two\nlines",2026-01-09T10:00:00+02:00\n'
    )
    found = problems(text)
    assert found == [(2, "note", "too-long"), (3, "note", "control-character"),
                     (4, "recorded_at", "not-a-time"), (5, "kr_id", "too-long"),
                     (6, "kr_id", "control-character")]
    ok = parse_checkins_csv(text.split("\n", 1)[0] + "\n" + text.rsplit("\n", 3)[-3] + "\n"
                            + text.rsplit("\n", 2)[-2] + "\n")
    assert ok.loc[0, "note"] == "two\nlines"
    assert ok.loc[0, "recorded_at"] == dt.datetime(2026, 1, 9, 8, 0)  # in UTC


def test_lines_follow_multi_line_notes_and_blank_rows(plan) -> None:
    text = (HEAD + 'BOT-1.1,2026-01-09,70,,,"a note\nover\nthree lines"\n\n,,,,,\n'
            "BOT-1.1,2026-01-10,x,,,\n")
    assert problems(text, plan) == [(7, "value", "not-a-number")]


def test_rows_pyarrow_cannot_split_are_reported_by_line() -> None:
    assert problems("kr_id,date,value\nBOT-1.1,2026-01-09,1\nBOT-1.1,2026-01-09\n") == [
        (3, None, "field-count")]
    assert problems('kr_id,date,value\nBOT-1.1,"2026-01-09,1\n') == [(2, None, "field-count")]


def test_quoted_header_and_bom() -> None:
    frame = parse_checkins_csv('\ufeff"kr_id","date", value \nBOT-1.1,2026-01-09,70\n')
    assert frame[["kr_id", "value"]].values.tolist() == [["BOT-1.1", 70.0]]
    assert frame.loc[0, "date"] == dt.date(2026, 1, 9)


def test_contract_types_and_no_mutation() -> None:
    raw = pd.DataFrame({"kr_id": [" BOT-1.1 ", "BOT-1.2"], "date": [dt.date(2026, 1, 9),
                                                                  pd.Timestamp("2026-01-10")],
                        "value": [70, 5.5], "confidence": ["80%", None],
                        "status": ["at risk", ""]}, dtype=object)
    before = raw.copy()
    out = validate_checkins(raw)
    pd.testing.assert_frame_equal(raw, before)
    assert out["kr_id"].tolist() == ["BOT-1.1", "BOT-1.2"]
    assert out["date"].tolist() == [dt.date(2026, 1, 9), dt.date(2026, 1, 10)]
    assert out["confidence"].iloc[0] == pytest.approx(0.8) and np.isnan(out["confidence"].iloc[1])
    assert out["status"].tolist() == ["At Risk", None]
    assert out["kr_id"].dtype == object and out["value"].dtype == "float64"


def test_a_sealed_frame_is_not_validated_again(base_store: Store, monkeypatch) -> None:
    frame = parse_checkins_csv("kr_id,date,value\nBOT-1.1,2026-01-09,70\n")
    calls = []
    real = checkin_schema.check
    monkeypatch.setattr(checkin_schema, "check", lambda f: calls.append(len(f)) or real(f))
    assert base_store.add_checkins(frame) == 1
    assert calls == []  # the store only placed it
    edited = frame.copy()
    edited.loc[0, "value"] = np.inf  # an edited frame is a new frame: checked again
    with pytest.raises(CheckinError, match="must be finite"):
        base_store.add_checkins(edited)
    frame.loc[0, "value"] = np.inf  # an in-place edit (copy-on-write copies): checked too
    with pytest.raises(CheckinError, match="must be finite"):
        base_store.add_checkins(frame)
    assert calls == [1, 1]
    assert checkin_seal.sealed(pickle.loads(pickle.dumps(frame))) is None


def test_the_checkin_app_path_validates_once(base_store: Store, plan, monkeypatch) -> None:
    calls = []
    real = checkin_schema.check
    monkeypatch.setattr(checkin_schema, "check", lambda f: calls.append(len(f)) or real(f))
    entry = pd.DataFrame({"kr_id": ["BOT-1.1"], "date": ["2026-01-09"], "value": ["71"],
                          "author": ["ana"]}, dtype=object)
    parsed = validate_checkins(entry, plan=plan)  # what the check-in app does
    base_store.add_checkins(parsed, source="check-in widget")
    assert calls == [1]
    assert base_store.checkins()["author"].tolist() == ["ana"]


def test_a_million_valid_rows_have_no_python_loop_per_row(monkeypatch) -> None:
    n = 200_000
    frame = pd.DataFrame({"kr_id": np.array(["BOT-1.1", "BOT-1.2"], dtype=object)[
        np.arange(n) % 2], "date": ["2026-01-09"] * n, "value": np.arange(n, dtype=float)})
    seen = []
    real = checkin_schema._clean
    monkeypatch.setattr(checkin_schema, "_clean", lambda u: seen.append(u) or real(u))
    out = validate_checkins(frame)
    assert len(out) == n and len(seen) == 2  # once per distinct id, not per row

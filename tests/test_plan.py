"""Plan files: YAML in and out, check-in CSVs, and the bad-input corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pandas.testing as pdt
import pytest

from okrkit.checkins import parse_checkins_csv, read_checkins, validate_checkins
from okrkit.errors import CheckinError, OKRKitError, PlanError
from okrkit.plan import (
    dump_plan,
    load_plan,
    parse_plan,
    save_plan_yaml,
    write_atomic,
)

CORPUS = Path(__file__).parent / "corpus"
MANIFEST = json.loads((CORPUS / "manifest.json").read_text())
BASE = CORPUS / "base.yaml"


def assert_same_plan(a, b) -> None:
    for name in ("objectives", "key_results", "reviews"):
        pdt.assert_frame_equal(getattr(a, name), getattr(b, name), check_dtype=True)
    assert a.period == b.period
    assert a.cadence_days == b.cadence_days


def test_base_plan_loads_with_frames() -> None:
    plan = load_plan(BASE)
    assert plan.period.label == "2026-Q1"
    assert list(plan.objectives["objective_id"]) == ["CS-1", "BOT-1"]
    assert plan.objectives.loc[1, "parent_id"] == "CS-1"
    krs = plan.key_results.set_index("kr_id")
    assert krs.loc["BOT-1.2", "direction"] == "decrease"
    assert krs.loc["BOT-1.1", "baseline"] == 65.0
    assert krs["weight"].tolist() == [1.0, 1.0]
    assert plan.objectives["kind"].tolist() == ["aspirational", "aspirational"]


@pytest.mark.parametrize("name", sorted(n for n in MANIFEST if n.endswith(".yaml")))
def test_bad_plan_corpus(name: str) -> None:
    expect = MANIFEST[name]
    with pytest.raises(PlanError) as info:
        load_plan(CORPUS / name)
    err = info.value
    assert isinstance(err, OKRKitError)
    text = str(err)
    assert expect["message"] in text, text
    assert str(CORPUS / name) in text
    problem = next(p for p in err.problems if expect["message"] in p.message)
    if expect["line"] is not None:
        assert problem.line == expect["line"], text
    if expect["field"] is not None:
        assert problem.field is not None and problem.field.endswith(expect["field"]), text


@pytest.mark.parametrize("name", sorted(n for n in MANIFEST if n.endswith(".csv")))
def test_bad_checkins_corpus(name: str) -> None:
    expect = MANIFEST[name]
    plan = load_plan(BASE)
    with pytest.raises(CheckinError) as info:
        read_checkins(CORPUS / name, plan=plan)
    text = str(info.value)
    assert expect["message"] in text, text
    problem = next(p for p in info.value.problems if expect["message"] in p.message)
    assert problem.file == str(CORPUS / name)
    assert problem.line == expect["line"], text
    if expect["field"] is not None:
        assert problem.field == expect["field"], text


def test_every_problem_is_reported_at_once() -> None:
    text = (
        BASE.read_text()
        .replace("target: 90", "targte: 90")
        .replace("baseline: 8", "baseline: eight")
    )
    with pytest.raises(PlanError) as info:
        parse_plan(text, source="two.yaml")
    messages = [p.message for p in info.value.problems]
    assert any("unknown key 'targte'" in m for m in messages)
    assert any("'eight' is not a number" in m for m in messages)
    assert any("required field 'target'" in m for m in messages)


def test_yaml_round_trip_is_lossless(tmp_path: Path) -> None:
    text = BASE.read_text().replace(
        "        target: 90\n",
        "        target: 90\n        weight: 2.5\n        due: 2026-03-15\n"
        "        milestones: {2026-01-31: 72, 2026-02-28: 80.5}\n",
    ) + (
        "    review:\n      lessons: [first lesson, second lesson]\n"
        "      score_override: 0.8\n      override_reason: agreed in the retro\n"
    )
    plan = parse_plan(text)
    again = parse_plan(dump_plan(plan))
    assert_same_plan(plan, again)
    assert again.key_results.loc[0, "milestones"][1][1] == 80.5
    assert again.reviews.loc[0, "lessons"] == "first lesson\nsecond lesson"
    path = save_plan_yaml(again, tmp_path / "p.yaml")
    assert_same_plan(plan, load_plan(path))


def test_percent_strings_mean_percentage_points() -> None:
    plan = parse_plan(BASE.read_text().replace("target: 90", 'target: "90%"'))
    assert plan.key_results.loc[0, "target"] == 90.0


def test_known_ids_allow_parents_from_the_store() -> None:
    text = BASE.read_text().replace("parent: CS-1", "parent: CO-1")
    plan = parse_plan(text, known_ids={"CO-1"})
    assert plan.objectives.loc[1, "parent_id"] == "CO-1"


def test_override_needs_a_reason() -> None:
    text = BASE.read_text() + "    review:\n      score_override: 0.9\n"
    with pytest.raises(PlanError, match="needs an override_reason"):
        parse_plan(text)


def test_checkins_csv_parses_and_types() -> None:
    plan = load_plan(BASE)
    frame = parse_checkins_csv(
        "kr_id,date,value,confidence,status,note,blockers\n"
        'BOT-1.1,2026-01-09,70%,80%,in progress,"Intent model retrained, +3 points",\n'
        "BOT-1.2,2026-01-09,7.5,,,,waiting for CRM access\n",
        plan=plan,
    )
    assert frame["value"].tolist() == [70.0, 7.5]
    assert frame.loc[0, "confidence"] == pytest.approx(0.8)
    assert frame.loc[0, "status"] == "In Progress"
    assert frame.loc[0, "note"] == "Intent model retrained, +3 points"
    assert pd.isna(frame.loc[1, "confidence"]) and frame.loc[1, "status"] is None
    assert frame.loc[1, "blockers"] == "waiting for CRM access"
    assert str(frame.loc[0, "date"]) == "2026-01-09"


def test_checkin_errors_name_every_bad_line() -> None:
    with pytest.raises(CheckinError) as info:
        parse_checkins_csv(
            "kr_id,date,value,confidence\nA,2026-01-09,x,0.5\nB,2026-01-10,1,7\n,2026-01-11,2,\n",
            source="ck.csv",
        )
    lines = sorted({p.line for p in info.value.problems})
    assert lines == [2, 3, 4]
    assert all(p.file == "ck.csv" for p in info.value.problems)


def test_validate_checkins_does_not_mutate_input() -> None:
    raw = pd.DataFrame({"kr_id": ["A"], "date": ["2026-01-09"], "value": ["3"]}, dtype=object)
    before = raw.copy()
    out = validate_checkins(raw)
    pdt.assert_frame_equal(raw, before)
    assert out is not raw and out.loc[0, "value"] == 3.0


def test_write_atomic_keeps_old_file_on_failure(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "plan.yaml"
    target.write_text("old")

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("okrkit.plan.os.replace", boom)
    with pytest.raises(OSError):
        write_atomic(target, b"new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["plan.yaml"]

"""Plan files: YAML in and out, check-in CSVs, and the bad-input corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pandas.testing as pdt
import pytest

from okrkit.checkins import parse_checkins_csv, read_checkins, validate_checkins
from okrkit.errors import CODES, CheckinError, OKRKitError, PlanError
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
    assert problem.code == expect["code"], (problem.code, text)
    assert all(p.code in CODES for p in err.problems), [p.code for p in err.problems]


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


# ---------------------------------------------------------------------------- ids, numbers


def _problems(text: str) -> list:
    with pytest.raises(PlanError) as info:
        parse_plan(text, source="p.yaml")
    return info.value.problems


def test_ids_are_kept_exactly_as_written() -> None:
    text = (BASE.read_text().replace("id: BOT-1.1", "id: 1.10").replace("id: BOT-1.2", "id: 0x1F")
            .replace("id: CS-1", "id: 2026-01-01").replace("parent: CS-1", "parent: 2026-01-01"))
    plan = parse_plan(text)
    assert plan.key_results["kr_id"].tolist() == ["1.10", "0x1F"]
    assert plan.objectives["objective_id"].tolist() == ["2026-01-01", "BOT-1"]
    assert plan.objectives.loc[1, "parent_id"] == "2026-01-01"
    again = parse_plan(dump_plan(plan))  # the writer quotes them, the reader keeps them
    assert again.key_results["kr_id"].tolist() == ["1.10", "0x1F"]


def test_yes_and_no_are_text_not_booleans() -> None:
    plan = parse_plan(BASE.read_text().replace("team: chatbot", "team: no"))
    assert plan.objectives.loc[1, "team"] == "no"
    problems = _problems(BASE.read_text().replace("baseline: 65", "baseline: yes"))
    assert [(p.code, p.line) for p in problems] == [("wrong-type", 19)]


@pytest.mark.parametrize(
    ("edit", "code", "field"),
    [
        (("target: 90", "target: 1e309"), "not-finite", "target"),
        (("target: 90", "target: -.inf"), "not-finite", "target"),
        (("baseline: 65", "baseline: 1e400"), "not-finite", "baseline"),
        (("target: 90", "target: 90\n        weight: 1e999"), "not-finite", "weight"),
        (("target: 90", "target: 90\n        weight: -2"), "bad-weight", "weight"),
        (("baseline: 65", "baseline: -1.7e308\n"), "out-of-range", "target"),
        (("period: 2026-Q1", "period: 2026-Q1\ncadence_days: 2.5"), "wrong-type", "cadence_days"),
        (("period: 2026-Q1", "period: 2026-Q1\ncadence_days: 400"), "out-of-range",
         "cadence_days"),
        (("target: 90", "target: 90\n        due: 2026-02-30"), "not-a-date", "due"),
        (("target: 90", "target: 90\n        due: 2026-03-01 10:30:00"), "not-a-date", "due"),
    ],
)
def test_numbers_and_dates_must_be_real(edit: tuple[str, str], code: str, field: str) -> None:
    text = BASE.read_text().replace(*edit, 1)
    if "1.7e308" in edit[1]:
        text = text.replace("target: 90", "target: 1.7e308")
    problems = _problems(text)
    hit = [p for p in problems if p.code == code]
    assert hit, [(p.code, str(p)) for p in problems]
    assert hit[0].field.endswith(field) and hit[0].line is not None and hit[0].file == "p.yaml"


@pytest.mark.parametrize(
    ("new_id", "code"),
    [
        ('"BOT\\u200b-1"', "bad-character"),  # zero-width space
        ('"BOT\\u202e-1"', "bad-character"),  # right-to-left override
        ('"BOT\\x00-1"', "bad-character"),
        ('"BOT\\t1"', "bad-character"),
        ("B" * 201, "too-long"),
    ],
)
def test_ids_must_be_plain_text(new_id: str, code: str) -> None:
    problems = _problems(BASE.read_text().replace("id: BOT-1\n", f"id: {new_id}\n"))
    assert [(p.code, p.line, p.field) for p in problems] == [(code, 8, "objectives[1].id")]
    assert "\x00" not in str(problems[0]) and "\u202e" not in str(problems[0])


def test_text_limits_and_characters() -> None:
    problems = _problems(BASE.read_text().replace('unit: "%"', "unit: " + "u" * 65)
                         .replace("owner: Product Manager", 'owner: "PM\\a"'))
    assert {(p.code, p.field.rsplit(".", 1)[-1]) for p in problems} == {
        ("too-long", "unit"), ("bad-character", "owner")}
    assert parse_plan(BASE.read_text().replace("Achieve 90%", "Achieve\u200b 90%"))  # lint's job


@pytest.mark.parametrize("label", ["../../x", "a/b", "Q1 2026", "x" * 65, "a..b", "é"])
def test_period_labels_are_safe_names(label: str) -> None:
    text = BASE.read_text().replace(
        "period: 2026-Q1", f"period: '{label}'\nstart: 2026-01-01\nend: 2026-03-31")
    problems = _problems(text)
    assert problems[0].code in ("bad-period", "too-long") and problems[0].field == "period"
    ok = parse_plan(text.replace(f"'{label}'", "FY2026_h1.v2"))
    assert ok.period.label == "FY2026_h1.v2"


# ---------------------------------------------------------------------------- YAML limits


def test_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    import time

    from adversarial_files import yaml_alias_bomb

    path = tmp_path / "bomb.yaml"
    yaml_alias_bomb(path)
    start = time.perf_counter()
    with pytest.raises(PlanError) as info:
        load_plan(path)
    assert time.perf_counter() - start < 2
    assert info.value.problems[0].code == "too-large" and "alias" in str(info.value)


DEEP_MAPPING = "\n".join(f"{'  ' * i}k{i}:" for i in range(70)) + " x\n"


@pytest.mark.parametrize("text", ["[" * 50_000, "- " * 50_000 + "x", "{a: " * 50_000,
                                  DEEP_MAPPING])
def test_deep_nesting_is_a_plan_error(text: str) -> None:
    with pytest.raises(PlanError) as info:
        parse_plan(text, source="deep.yaml")
    problem = info.value.problems[0]
    assert problem.code == "too-large" and problem.line is not None, str(problem)


def test_nesting_limit_is_ours_not_recursion() -> None:
    deep = "period: 2026-Q1\nx: " + "[" * 200 + "]" * 200 + "\n"
    with pytest.raises(PlanError) as info:
        parse_plan(deep)
    assert info.value.problems[0].code == "too-large" and "64 levels" in str(info.value)


def test_aliases_and_merge_keys_work_within_limits() -> None:
    text = """period: 2026-Q1
objectives:
  - id: A
    title: Delight customers
    key_results:
      - {<<: &kr {unit: "%", direction: increase, baseline: 10}, id: A.1, title: More, target: 50}
      - {<<: *kr, id: A.2, title: Answer faster, target: 40, baseline: 20}
"""
    plan = parse_plan(text)
    assert plan.key_results["baseline"].tolist() == [10.0, 20.0]  # explicit keys win
    assert plan.key_results["unit"].tolist() == ["%", "%"]
    with pytest.raises(PlanError) as info:  # a top-level anchor is still an unknown key
        parse_plan(text.replace("objectives:", "defaults: &d {unit: x}\nobjectives:"))
    assert [(p.code, p.line) for p in info.value.problems] == [("unknown-key", 2)]


def test_recursive_alias_is_refused() -> None:
    with pytest.raises(PlanError) as info:
        parse_plan("period: 2026-Q1\nobjectives: &a [*a]\n")
    assert info.value.problems[0].code == "too-large"


def test_yaml_is_composed_once_by_libyaml(monkeypatch: pytest.MonkeyPatch) -> None:
    import yaml

    calls: list[object] = []
    real = yaml.compose
    monkeypatch.setattr(yaml, "compose", lambda s, Loader: calls.append(Loader) or real(s, Loader))
    monkeypatch.setattr(yaml, "load", lambda *a, **k: pytest.fail("a second parse"))
    monkeypatch.setattr(yaml, "safe_load", lambda *a, **k: pytest.fail("a second parse"))
    plan = load_plan(BASE)
    assert calls == [yaml.CSafeLoader] and len(plan.key_results) == 2


# ---------------------------------------------------------------------------- files


def test_read_plan_reads_every_format_and_is_load_plan(tmp_path: Path) -> None:
    import okrkit
    from okrkit.plan import read_plan
    from okrkit.workbook import export_plan

    assert okrkit.load_plan is read_plan
    plan = read_plan(BASE)
    for fmt in ("csv", "xlsx", "yaml"):
        path = export_plan(plan, tmp_path / f"p.{fmt}")
        assert_same_plan(plan, okrkit.load_plan(path))


def test_file_kind_reads_the_header_as_csv(tmp_path: Path) -> None:
    from okrkit.files import file_kind

    ck = tmp_path / "ck.csv"
    ck.write_text('"kr_id","date","value"\nBOT-1.1,2026-01-09,70\n')
    flat = tmp_path / "flat.csv"
    flat.write_text('"period","objective_id","objective_title","kr_id"\n')
    assert (file_kind(ck), file_kind(flat), file_kind(BASE)) == ("checkins", "plan", "plan")
    with pytest.raises(PlanError) as info:
        file_kind(tmp_path / "plan.json")
    assert info.value.problems[0].code == "unknown-format"


def test_write_atomic_errors_say_what_cannot_be_written(tmp_path: Path) -> None:
    from okrkit.errors import OutputError

    (tmp_path / "folder").mkdir()
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="it is a folder"):
        write_atomic(tmp_path / "folder", b"x")
    with pytest.raises(OutputError, match="a file stands where a folder is needed"):
        write_atomic(tmp_path / "file" / "out.yaml", b"x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "folder"]


def test_open_atomic_streams_and_sets_the_mode(tmp_path: Path) -> None:
    from okrkit.files import open_atomic

    target = tmp_path / "secret.ipynb"
    with open_atomic(target, mode=0o600) as fh:
        for i in range(3):
            fh.write(f"part {i}\n".encode())
        assert not target.exists()  # nobody sees half a file
    assert target.read_text() == "part 0\npart 1\npart 2\n"
    assert target.stat().st_mode & 0o777 == 0o600
    with pytest.raises(RuntimeError), open_atomic(target) as fh:
        fh.write(b"half")
        raise RuntimeError("boom")
    assert target.read_text().startswith("part 0") and len(list(tmp_path.iterdir())) == 1


def test_one_utf8_decoder_for_plans_and_checkins(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"kr_id,date,value\nBOT-1.1,2026-01-09,\xff\n")
    with pytest.raises(CheckinError) as info:
        read_checkins(bad)
    assert (info.value.problems[0].code, info.value.problems[0].line) == ("not-utf8", 2)


def test_duplicate_keys_compare_values_not_spelling() -> None:
    problems = _problems("period: 2026-Q1\nobjectives:\n  - id: A\n    title: T\n    1: x\n    01: y\n")
    assert [(p.code, p.line) for p in problems] == [("duplicate-key", 6)]
    assert "first on line 5" in problems[0].message


def test_yaml_export_keeps_the_description_and_no_empty_key_results() -> None:
    text = ("period: 2026-Q1\ndescription: The customer service quarter\nobjectives:\n"
            "  - {id: CS-1, title: Transform customer service, level: business_unit}\n"
            "  - id: BOT-1\n    title: Delight customers\n    parent: CS-1\n    key_results:\n"
            "      - {id: BOT-1.1, title: Resolve 70% of inquiries, unit: '%', "
            "direction: increase, baseline: 40, target: 70}\n")
    plan = parse_plan(text)
    assert plan.description == "The customer service quarter"
    out = dump_plan(plan)
    assert "key_results: []" not in out
    data = __import__("yaml").safe_load(out)
    assert data["description"] == "The customer service quarter"
    assert "key_results" not in data["objectives"][0]
    assert len(data["objectives"][1]["key_results"]) == 1
    assert parse_plan(out).description == plan.description

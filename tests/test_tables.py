"""Flat CSV/XLSX export and import, and the spreadsheet formula-injection guard."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pandas.testing as pdt
import pytest

from okrkit.errors import PlanError
from okrkit.plan import parse_plan
from okrkit.tables import plan_to_flat, safe_cell, unsafe_cell
from okrkit.workbook import export_plan, read_flat

PLAN = """period: 2025-Q4
objectives:
  - id: OPS-1
    title: "=HYPERLINK(\\"http://evil\\",\\"click\\")"
    level: business_unit
    team: operations-bu
    owner: "@ops"
    review: {lessons: [one, two], score_override: 0.8, override_reason: "-agreed"}
  - id: VIS-1
    title: Launch computer vision defect detection system in production
    parent: OPS-1
    team: vision
    owner: Computer Vision Lead
    kind: committed
    key_results:
      - {id: VIS-1.1, title: "+Achieve accuracy", unit: "%", direction: increase, baseline: -5, target: 95, milestones: {2025-11-15: 60}, due: 2025-12-01}
      - {id: VIS-1.3, title: Reduce false positive rate, unit: "%", direction: decrease, baseline: 12, target: 5, weight: 2}
"""


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "yaml"])
def test_round_trip(tmp_path: Path, fmt: str) -> None:
    plan = parse_plan(PLAN)
    path = export_plan(plan, tmp_path / f"plan.{fmt}")
    if fmt == "yaml":
        return
    again = read_flat(path)
    for name in ("objectives", "key_results", "reviews"):
        pdt.assert_frame_equal(getattr(plan, name), getattr(again, name))


def test_csv_neutralises_formulas_not_numbers(tmp_path: Path) -> None:
    path = export_plan(parse_plan(PLAN), tmp_path / "plan.csv")
    flat = pd.read_csv(path, dtype=object)
    assert flat.loc[0, "objective_title"].startswith("'=HYPERLINK")
    assert flat.loc[0, "objective_owner"] == "'@ops"
    assert flat.loc[0, "override_reason"] == "'-agreed"
    assert flat.loc[1, "kr_title"] == "'+Achieve accuracy"
    assert flat.loc[1, "baseline"] == "-5.0"  # a number stays a number


def test_xlsx_cells_are_text_not_formulas(tmp_path: Path) -> None:
    path = export_plan(parse_plan(PLAN), tmp_path / "plan.xlsx")
    ws = openpyxl.load_workbook(path)["plan"]
    header = [c.value for c in ws[1]]
    title = ws.cell(row=2, column=header.index("objective_title") + 1)
    assert title.data_type == "s" and title.value.startswith("'=")
    baseline = ws.cell(row=3, column=header.index("baseline") + 1)
    assert baseline.value == -5


def test_safe_cell_prefixes() -> None:
    for bad in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(bad) == "'" + bad
        assert unsafe_cell(safe_cell(bad)) == bad
    assert safe_cell(3.5) == 3.5 and safe_cell(-2) == -2 and safe_cell("ok") == "ok"


def test_flat_import_errors_name_row_and_field(tmp_path: Path) -> None:
    flat = plan_to_flat(parse_plan(PLAN)).astype(object)
    flat.loc[2, "target"] = "lots"
    flat.loc[1, "direction"] = "sideways"
    path = tmp_path / "bad.csv"
    flat.to_csv(path, index=False)
    with pytest.raises(PlanError) as info:
        read_flat(path)
    by_row = {p.row: p for p in info.value.problems}
    assert "'lots' is not a number" in by_row[4].message
    assert by_row[4].field.endswith("target")
    assert "sideways" in by_row[3].message
    assert all(p.file == str(path) for p in info.value.problems)


def test_flat_import_rejects_unknown_columns(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("period,objective_id,objective_title,colour\n2026-Q1,A,Title,red\n")
    with pytest.raises(PlanError, match="unknown column 'colour'"):
        read_flat(path)


# ---------------------------------------------------------------------------- as people make them


def _read_problems(path: Path) -> list:
    with pytest.raises(PlanError) as info:
        read_flat(path)
    return info.value.problems


def _xlsx(tmp_path: Path, name: str = "plan.xlsx", **spec) -> Path:
    from adversarial_files import xlsx_flat

    path = tmp_path / name
    xlsx_flat(path, **spec)
    return path


def test_typed_apostrophes_survive_the_round_trip(tmp_path: Path) -> None:
    text = PLAN.replace("title: Reduce false positive rate", "title: \"'Quoted' rate\"").replace(
        'owner: "@ops"', "owner: \"'=not a formula\"")
    plan = parse_plan(text)
    for fmt in ("csv", "xlsx"):
        again = read_flat(export_plan(plan, tmp_path / f"p.{fmt}"))
        assert again.key_results.loc[1, "title"] == "'Quoted' rate"
        assert again.objectives.loc[0, "owner"] == "'=not a formula"


def test_control_characters_never_reach_a_spreadsheet(tmp_path: Path) -> None:
    plan = parse_plan(PLAN)
    checkins = pd.DataFrame({"kr_id": ["VIS-1.1"], "date": ["2025-11-01"], "value": [90.0],
                             "note": ["bell\x07 nul\x00 esc\x1b[31m"]})
    legacy = plan.with_frames(objectives=plan.objectives.assign(
        owner=["ops\x00lead", "Computer Vision Lead"]))
    path = export_plan(legacy, tmp_path / "p.xlsx", checkins=checkins)
    wb = openpyxl.load_workbook(path)
    note = [c.value for c in wb["checkins"][2] if isinstance(c.value, str) and "bell" in c.value]
    assert note == ["bell\\x07 nul\\x00 esc\\x1b[31m"]
    header = [c.value for c in wb["plan"][1]]
    assert wb["plan"].cell(2, header.index("objective_owner") + 1).value == "ops\\x00lead"


def test_later_rows_may_leave_the_objective_blank_but_not_disagree(tmp_path: Path) -> None:
    assert len(read_flat(_xlsx(tmp_path)).key_results) == 2  # row 4 leaves them blank
    problems = _read_problems(_xlsx(tmp_path, cells={"C4": "Another title", "E4": "CS-9"}))
    assert {(p.code, p.row, p.field) for p in problems} == {
        ("conflicting-rows", 4, "objective_title"), ("conflicting-rows", 4, "parent_id")}
    assert "row 3" in problems[0].message
    problems = _read_problems(_xlsx(tmp_path, cells={"A4": "2026-Q2"}))
    assert [(p.code, p.row, p.field) for p in problems] == [("conflicting-rows", 4, "period")]


def test_review_rows_must_agree(tmp_path: Path) -> None:
    flat = plan_to_flat(parse_plan(PLAN)).astype(object)
    flat.loc[2, "score_override"] = 0.3  # VIS-1's second KR row: a second, different override
    flat.loc[1, ["score_override", "override_reason"]] = [0.5, "agreed"]
    path = tmp_path / "p.csv"
    flat.to_csv(path, index=False)
    problems = _read_problems(path)
    assert [(p.code, p.row, p.field) for p in problems] == [
        ("conflicting-rows", 4, "score_override")]


def test_hidden_sheets_never_win(tmp_path: Path) -> None:
    path = _xlsx(tmp_path, sheet="Sheet1", hidden_first={"name": "plan", "cells": {"N3": 1}})
    assert read_flat(path).key_results["target"].tolist() == [90.0, 2.0]


def test_formulas_read_as_their_saved_value_or_a_clear_error(tmp_path: Path) -> None:
    cached = _xlsx(tmp_path, "cached.xlsx", cells={"N3": "=80+10"}, cached={"N3": 90})
    assert read_flat(cached).key_results["target"].tolist() == [90.0, 2.0]
    problems = _read_problems(_xlsx(tmp_path, cells={"N3": "=80+10", "M4": "=A1"}))
    assert {(p.code, p.row, p.field) for p in problems} == {
        ("formula", 3, "target"), ("formula", 4, "baseline")}
    assert "cell N3" in problems[0].message and "missing" not in problems[0].message


def test_merged_cells_give_a_clear_message(tmp_path: Path) -> None:
    problems = _read_problems(_xlsx(tmp_path, merge="B3:B4"))
    assert problems[0].code == "merged-cells" and "B3:B4" in problems[0].message


@pytest.mark.parametrize(("value", "expect"), [
    (46082, "as an Excel serial date it is 2026-03-01"),
    (20260301, "(2026-03-01?)"),
    ("20260301", "(2026-03-01?)"),
])
def test_numbers_are_not_taken_for_dates(tmp_path: Path, value: object, expect: str) -> None:
    problems = _read_problems(_xlsx(tmp_path, cells={"O3": value}))
    assert [(p.code, p.row) for p in problems] == [("not-a-date", 3)]
    assert expect in problems[0].message


def test_date_cells_are_read(tmp_path: Path) -> None:
    import datetime as dt

    plan = read_flat(_xlsx(tmp_path, cells={"O3": dt.datetime(2026, 3, 1)}))
    assert plan.key_results.loc[0, "due"] == dt.date(2026, 3, 1)
    problems = _read_problems(_xlsx(tmp_path, cells={"O3": dt.datetime(2026, 3, 1, 9, 30)}))
    assert problems[0].code == "not-a-date" and "time of day" in problems[0].message


def test_ids_in_number_cells(tmp_path: Path) -> None:
    assert read_flat(_xlsx(tmp_path, cells={"I3": 12})).key_results.loc[0, "kr_id"] == "12"
    problems = _read_problems(_xlsx(tmp_path, cells={"I3": 1.1}))
    assert [(p.code, p.row, p.field) for p in problems] == [("ambiguous-id", 3, "kr_id")]
    assert "format the column as text" in problems[0].message


@pytest.mark.parametrize(("spec", "words"), [
    ({"make": "xlsx_rows", "rows": 2_000_000}, "declares 2,000,000 rows"),
    ({"make": "xlsx_rows", "rows": 5, "declared": False, "written": 100_050}, "more than 100,000"),
    ({"make": "xlsx_bomb", "megabytes": 201}, "unpacks to"),
])
def test_hostile_workbooks_are_refused_quickly(tmp_path: Path, spec: dict, words: str) -> None:
    import time

    from adversarial_files import make

    path = tmp_path / "big.xlsx"
    make(path, **spec)
    start = time.perf_counter()
    problems = _read_problems(path)
    assert time.perf_counter() - start < 3
    assert problems[0].code == "too-large" and words in problems[0].message


def test_quoted_csv_header_and_multiline_cells(tmp_path: Path) -> None:
    flat = plan_to_flat(parse_plan(PLAN)).astype(object)
    path = tmp_path / "q.csv"
    flat.to_csv(path, index=False, quoting=1)  # every cell quoted, lessons span two lines
    again = read_flat(path)
    pdt.assert_frame_equal(again.reviews, parse_plan(PLAN).reviews)
    flat.loc[2, "target"] = "lots"
    flat.to_csv(path, index=False, quoting=1)
    assert [p.row for p in _read_problems(path)] == [4]  # rows, not lines


def test_milestones_keep_full_precision(tmp_path: Path) -> None:
    plan = parse_plan(PLAN.replace("milestones: {2025-11-15: 60}",
                                   "milestones: {2025-11-15: 60.123456789}"))
    again = read_flat(export_plan(plan, tmp_path / "p.csv"))
    assert again.key_results.loc[0, "milestones"] == plan.key_results.loc[0, "milestones"]


def test_export_of_a_big_plan_is_linear() -> None:
    import time

    objectives = "".join(
        f"  - {{id: O{i}, title: Objective {i}, team: t{i % 50}, key_results: ["
        + ", ".join(f"{{id: K{i}.{j}, title: Grow {j}, unit: u, direction: increase, "
                    f"baseline: 0, target: 10}}" for j in range(4)) + "]}\n"
        for i in range(1500))
    plan = parse_plan("period: 2026-Q1\nobjectives:\n" + objectives)
    start = time.perf_counter()
    flat = plan_to_flat(plan)
    assert len(flat) == 6000 and time.perf_counter() - start < 3

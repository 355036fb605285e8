"""Flat CSV/XLSX export and import, and the spreadsheet formula-injection guard."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pandas.testing as pdt
import pytest

from okrkit.errors import PlanError
from okrkit.plan import parse_plan
from okrkit.tables import export_plan, plan_to_flat, read_flat, safe_cell, unsafe_cell

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

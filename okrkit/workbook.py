"""Plan files as CSV and XLSX: export, import, and a workbook's check-ins.

* **CSV** is one flat table (:mod:`okrkit.tables`): the plan's own fields on the first
  row, each team's header on the team's first row (``team_*`` columns), the people as
  mail addresses in the ``people`` cell.
* **XLSX** has a ``plan`` sheet (the flat table without the team and people columns), a
  ``teams`` sheet (one row per team: ``team`` and its header and sign-offs), a ``people``
  sheet (``name, email``) and, when exported with them, a ``checkins`` sheet (the
  check-in CSV's columns, ``recorded_at`` included, so the audit trail survives).
  Import reads every one of those sheets that the workbook has (visible, by name);
  only ``plan`` is required (else the first visible sheet is the plan). Numbers are number
  cells, except the rare float that needs 17 significant digits (openpyxl writes 16): it
  is written as text, so nothing is rounded.

:func:`read_plan_and_checkins` returns the plan and the check-ins a file holds (a YAML
or CSV plan holds none); ``okrkit import`` of a workbook stores both.
"""

from __future__ import annotations

import io
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from okrkit.errors import PlanError
from okrkit.files import write_atomic
from okrkit.frames import Plan, empty
from okrkit.sheets import Table, read_sheets
from okrkit.tables import flat_to_plan, people_rows, plan_to_flat, safe_frame, team_rows

SHEETS = ("plan", "teams", "people", "checkins")


def export_plan(
    plan: Plan,
    path: str | os.PathLike[str],
    fmt: str | None = None,
    checkins: pd.DataFrame | None = None,
) -> Path:
    """Write a plan as ``yaml``, ``csv`` or ``xlsx`` (atomically).

    For ``xlsx`` the workbook has the ``plan``, ``teams`` and ``people`` sheets and, when
    ``checkins`` are given, a ``checkins`` sheet.
    """
    from okrkit.plan import dump_plan

    target = Path(path)
    fmt = (fmt or target.suffix.lstrip(".")).lower()
    if fmt in ("yaml", "yml"):
        return write_atomic(target, dump_plan(plan).encode("utf-8"))
    if fmt == "csv":
        buf = io.StringIO()
        safe_frame(plan_to_flat(plan)).to_csv(buf, index=False, lineterminator="\n")
        return write_atomic(target, buf.getvalue().encode("utf-8"))
    if fmt == "xlsx":
        from okrkit.checkins import checkins_to_csv

        buf2 = io.BytesIO()
        with pd.ExcelWriter(buf2, engine="openpyxl") as xl:
            exact = plan_to_flat(plan, team_columns=False).map(_exact)
            safe_frame(exact).to_excel(xl, sheet_name="plan", index=False)
            safe_frame(team_rows(plan)).to_excel(xl, sheet_name="teams", index=False)
            safe_frame(people_rows(plan)).to_excel(xl, sheet_name="people", index=False)
            if checkins is not None:
                ck = pd.read_csv(io.StringIO(checkins_to_csv(checkins)), dtype=object)
                safe_frame(ck).to_excel(xl, sheet_name="checkins", index=False)
        return write_atomic(target, buf2.getvalue())
    raise PlanError(f"unknown export format '{fmt}' (use yaml, csv or xlsx)", file=str(path))


def _exact(v: Any) -> Any:
    """A number as a workbook stores it exactly: openpyxl writes 16 significant digits,
    so a float that needs 17 (``0.1 + 0.2``) is written as its text, which reads back
    exactly."""
    if isinstance(v, float) and v == v and float(f"{v:.16g}") != v:
        return repr(v)
    return v


def read_flat(path: str | os.PathLike[str], *, known_ids: Any = ()) -> Plan:
    """Import a flat plan from CSV or XLSX (the visible sheet ``plan``, else the first
    visible sheet, and the ``teams`` and ``people`` sheets when present); see
    :mod:`okrkit.sheets` for what is refused before validation."""
    return _read(path, known_ids, checkins=False)[0]


def read_plan_and_checkins(path: str | os.PathLike[str], *, known_ids: Any = ()
                           ) -> tuple[Plan, pd.DataFrame]:
    """The plan a file holds and its check-ins (a workbook's ``checkins`` sheet; an empty
    check-in frame for YAML, CSV, or a workbook without that sheet).

    The check-ins are validated against the plan (its key results and period); problems
    name the sheet and row.

    Raises
    ------
    PlanError, CheckinError
        Every problem of the plan, or of the check-ins.
    """
    if Path(path).suffix.lower() not in (".csv", ".xlsx", ".xlsm"):
        from okrkit.plan import read_plan

        return read_plan(path, known_ids=known_ids), empty("checkins")
    return _read(path, known_ids, checkins=True)


def _read(path: str | os.PathLike[str], known_ids: Any, *, checkins: bool
          ) -> tuple[Plan, pd.DataFrame]:
    source = str(path)
    extra = ("teams", "people", "checkins") if checkins else ("teams", "people")
    tables = read_sheets(path, "plan", extra)
    main = tables["plan"]
    teams, people = tables.get("teams"), tables.get("people")
    plan = flat_to_plan(
        _frame(main), source=source, known_ids=known_ids, rows=main.numbers,
        teams=_frame(teams) if teams else None, team_numbers=teams.numbers if teams else None,
        people=_frame(people) if people else None,
        people_numbers=people.numbers if people else None)
    sheet = tables.get("checkins")
    if sheet is None or not sheet.rows:
        return plan, empty("checkins")
    return plan, _checkins(sheet, plan, source)


def _frame(table: Table) -> pd.DataFrame:
    return pd.DataFrame(table.rows, columns=table.header, dtype=object)


def _checkins(sheet: Table, plan: Plan, source: str) -> pd.DataFrame:
    """The ``checkins`` sheet validated by the one check-in validator; rows, not lines."""
    from okrkit.checkins import validate_checkins
    from okrkit.errors import CheckinError
    from okrkit.tables import unsafe_cell

    frame = _frame(sheet).map(unsafe_cell)
    where = f"{source} (sheet '{sheet.sheet}')"
    try:
        return validate_checkins(frame, plan=plan, source=where, lines=sheet.numbers)
    except CheckinError as err:
        problems = [replace(p, row=p.line, line=None) for p in err.problems]
        raise CheckinError(problems, file=where) from err

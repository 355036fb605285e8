"""Tables from CSV and XLSX files as people really make them, with limits.

:func:`read_table` returns the header, the rows (cells as typed: text, numbers, dates)
and each row's number in the file (the header is row 1), so messages name the row a
person sees. Blank rows are skipped.

CSV: UTF-8 (a BOM is fine), read with the :mod:`csv` module (quoted names and cells are
fine; a row is a record, even one whose quoted cell spans lines); a row with more fields
than the header is refused.

XLSX (checked before the workbook is loaded, so a hostile file is refused quickly):

* at most :data:`MAX_UNPACKED` (200 MB) decompressed and :data:`MAX_MEMBERS` parts in the
  zip, at most :data:`MAX_ROWS` (100,000) rows in the sheet — the declared dimension and
  the rows actually present are both counted (``too-large``);
* the sheet read is the visible one named ``plan`` (or ``checkins`` for check-ins), else
  the first visible sheet: a hidden sheet never wins;
* formula cells read as their saved (cached) value; a formula never calculated is an
  error naming the cell (``formula``), not a missing value;
* merged cells are an error naming the ranges (``merged-cells``): the rows under a merge
  would read as empty;
* a number shown as a percentage (``0.3`` formatted ``30%``) reads as the text ``"30%"``
  (exactly: ``Decimal`` arithmetic), so the one percent rule of :mod:`okrkit.values`
  applies — 30 where the key result's unit is ``%``, a ``wrong-unit`` error elsewhere,
  0.3 for a check-in's confidence.

:func:`read_sheets` reads the main sheet and, when the workbook has them (visible, by
exact name), further sheets (a plan's ``teams``, ``people`` and ``checkins``) in one pass.
"""

from __future__ import annotations

import csv
import io
import os
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from okrkit.errors import PlanError, Problem
from okrkit.files import decode_utf8, read_bytes

MAX_ROWS = 100_000
MAX_UNPACKED = 200 * 1024 * 1024
MAX_MEMBERS = 10_000

_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
       "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
       "p": "http://schemas.openxmlformats.org/package/2006/relationships"}
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]*\d*:?[A-Z]*(\d+)"')
_ROW = re.compile(rb"<(?:\w+:)?row[\s>]")
_FORMULA = re.compile(rb'<(?:\w+:)?c\s+r="([A-Z]+\d+)"[^>]*>\s*<(?:\w+:)?f[\s>/]')
_MERGED = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+\d+:[A-Z]+\d+)"')


@dataclass(frozen=True)
class Table:
    """A header, its rows (same width) and each row's number in the file (or sheet)."""

    header: list[str]
    rows: list[list[Any]]
    numbers: list[int]
    sheet: str | None = None


def read_table(path: str | os.PathLike[str], *, sheet: str = "plan") -> Table:
    """The table in a ``.csv`` or ``.xlsx`` / ``.xlsm`` file (``sheet``: the preferred name).

    Raises
    ------
    PlanError
        Unreadable, empty or malformed files, the limits, formulas without a value,
        merged cells — each naming the file (and the row or cell).
    """
    return read_sheets(path, sheet)[sheet]


def read_sheets(path: str | os.PathLike[str], main: str = "plan", extra: Sequence[str] = ()
                ) -> dict[str, Table]:
    """The main table (key ``main``; a CSV file is only that) and the ``extra`` sheets a
    workbook has (visible, by exact name); see :func:`read_table`."""
    source = str(path)
    suffix = Path(path).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx(path, source, main, extra)
    return {main: _csv(decode_utf8(read_bytes(path), source), source)}


def _fail(source: str, message: str, code: str, row: int | None = None,
          field: str | None = None) -> PlanError:
    return PlanError([Problem(message, file=source, row=row, field=field, code=code)],
                     file=source)


def _csv(text: str, source: str) -> Table:
    if not text.strip():
        raise _fail(source, "the file is empty", "empty", row=1)
    if text.count("\n") > MAX_ROWS + 1:
        raise _fail(source, f"has more than {MAX_ROWS:,} rows", "too-large")
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[list[Any]] = []
    numbers: list[int] = []
    problems: list[Problem] = []
    try:
        header = next(reader)
        for n, rec in enumerate(reader, start=2):  # rows as a spreadsheet shows them
            if any(c.strip() for c in rec):
                if len(rec) > len(header):
                    problems.append(Problem(f"has {len(rec)} fields, the header has "
                                            f"{len(header)}", file=source, row=n,
                                            code="malformed"))
                rows.append((rec + [""] * len(header))[: len(header)])
                numbers.append(n)
    except csv.Error as err:
        raise _fail(source, f"malformed CSV: {err}", "malformed", row=reader.line_num) from err
    if problems:
        raise PlanError(problems, file=source)
    return _checked(header, rows, numbers, source)


def _checked(header: list[Any], rows: list[list[Any]], numbers: list[int], source: str
             ) -> Table:
    names = ["" if h is None else str(h).strip() for h in header]
    problems = []
    for i, name in enumerate(names):
        if not name and any(r[i] not in (None, "") for r in rows):
            problems.append(Problem(f"column {i + 1} has no name", file=source, row=1,
                                    code="missing"))
        elif name and name in names[:i]:
            problems.append(Problem(f"column '{name}' appears twice", file=source, row=1,
                                    field=name, code="duplicate-key"))
    if problems:
        raise PlanError(problems, file=source)
    keep = [i for i, n in enumerate(names) if n]
    if len(keep) != len(names):
        names = [names[i] for i in keep]
        rows = [[r[i] for i in keep] for r in rows]
    return Table(names, rows, numbers)


# ---------------------------------------------------------------------------- xlsx


def _xlsx(path: str | os.PathLike[str], source: str, wanted: str, extra: Sequence[str]
          ) -> dict[str, Table]:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as err:
        raise _fail(source, f"is not an XLSX workbook ({err})", "malformed") from err
    with zf:
        infos = zf.infolist()
        unpacked = sum(i.file_size for i in infos)
        if len(infos) > MAX_MEMBERS or unpacked > MAX_UNPACKED:
            raise _fail(source, f"the workbook unpacks to {unpacked:,} bytes in {len(infos):,} "
                        f"parts (at most {MAX_UNPACKED:,} bytes, {MAX_MEMBERS:,} parts)",
                        "too-large")
        visible = _visible_sheets(zf, source)
        chosen = {wanted: _pick_sheet(visible, wanted)}
        chosen.update({x: (x, m) for x, m in visible if x in extra and x != chosen[wanted][0]})
        formulas = {key: _scan(zf, member, source, name) for key, (name, member) in
                    chosen.items()}
    return _load(path, source, {key: name for key, (name, _) in chosen.items()}, formulas)


def _visible_sheets(zf: zipfile.ZipFile, source: str) -> list[tuple[str, str]]:
    """(name, zip member) of every visible sheet, in workbook order."""
    try:
        book = ElementTree.fromstring(zf.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError) as err:
        raise _fail(source, f"is not an XLSX workbook ({err})", "malformed") from err
    targets = {r.get("Id"): r.get("Target", "") for r in rels.findall("p:Relationship", _NS)}
    sheets = book.findall("m:sheets/m:sheet", _NS)
    if not sheets:
        raise _fail(source, "the workbook has no sheets okrkit can read", "malformed")
    visible: list[tuple[str, str]] = []
    for s in sheets:
        if s.get("state", "visible") != "visible":
            continue
        target = targets.get(s.get(f"{{{_NS['r']}}}id"), "").lstrip("/")
        member = target if target.startswith("xl/") else f"xl/{target}"
        visible.append((s.get("name", ""), member))
    if not visible:
        raise _fail(source, "every sheet of the workbook is hidden: unhide the plan sheet",
                    "hidden-sheet")
    return visible


def _pick_sheet(visible: list[tuple[str, str]], wanted: str) -> tuple[str, str]:
    """The sheet to read: visible ``wanted``, else the first visible."""
    for name, member in visible:
        if name == wanted:
            return name, member
    return visible[0]


def _scan(zf: zipfile.ZipFile, member: str, source: str, name: str) -> set[str]:
    """Check the sheet before loading it (size, merged cells); return its formula cells."""
    too_many = _fail(source, f"sheet '{name}' has more than {MAX_ROWS:,} rows", "too-large")
    try:
        with zf.open(member) as fh:
            head = fh.read(4096)
            m = _DIMENSION.search(head)
            if m and int(m.group(1)) > MAX_ROWS + 1:
                raise _fail(source, f"sheet '{name}' declares {int(m.group(1)):,} rows (at most "
                            f"{MAX_ROWS:,})", "too-large")
            rows = len(_ROW.findall(head))
            formulas = set(_FORMULA.findall(head))
            merged = set(_MERGED.findall(head))
            tail = head[-512:]
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                data = tail + chunk
                rows += len(_ROW.findall(chunk))
                formulas.update(_FORMULA.findall(data))
                merged.update(_MERGED.findall(data))
                tail = data[-512:]
                if rows > MAX_ROWS + 1:
                    raise too_many
    except KeyError as err:
        raise _fail(source, f"sheet '{name}' is missing from the workbook", "malformed") from err
    except zipfile.BadZipFile as err:
        raise _fail(source, f"is not an XLSX workbook ({err})", "malformed") from err
    if rows > MAX_ROWS + 1:
        raise too_many
    if merged:
        shown = sorted(m.decode() for m in merged)
        listed = ", ".join(shown[:5]) + (" ..." if len(shown) > 5 else "")
        raise _fail(source, f"sheet '{name}' has merged cells ({listed}): unmerge them and fill "
                    "every row (a merged cell leaves the rows under it empty)", "merged-cells")
    return {c.decode() for c in formulas}


def _load(path: str | os.PathLike[str], source: str, names: dict[str, str],
          formulas: dict[str, set[str]]) -> dict[str, Table]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, data_only=True, read_only=True)
        grids = {}
        for key, name in names.items():
            ws = wb[name]
            ws.reset_dimensions()  # read every cell, whatever the file declares
            grids[key] = [[_cell(c) for c in r] for r in ws.iter_rows()]
        wb.close()
    except Exception as err:  # openpyxl raises many kinds on broken files
        raise _fail(source, f"cannot read the workbook: {err}", "malformed") from err
    return {key: _grid(grid, source, names[key], formulas[key]) for key, grid in grids.items()}


def _cell(c: Any) -> Any:
    """A cell's value; a number shown as a percentage as its percent text."""
    v = c.value
    if isinstance(v, int | float) and not isinstance(v, bool) and "%" in (
            getattr(c, "number_format", None) or ""):
        return percent_text(v)
    return v


def percent_text(v: float) -> str:
    """The percentage a fraction shows, as text, exactly.

    >>> percent_text(0.3), percent_text(0.075), percent_text(1)
    ('30%', '7.5%', '100%')
    """
    d = Decimal(repr(float(v))) * 100
    text = format(d.normalize(), "f") if d else "0"
    return text + "%"


def _grid(grid: list[list[Any]], source: str, name: str, formulas: set[str]) -> Table:
    from openpyxl.utils import get_column_letter

    if not grid or not any(v not in (None, "") for v in grid[0]):
        raise _fail(source, f"sheet '{name}' has no header row", "empty", row=1)
    width = max(len(r) for r in grid)
    header = grid[0] + [None] * (width - len(grid[0]))
    problems = []
    rows: list[list[Any]] = []
    numbers: list[int] = []
    for n, cells in enumerate(grid[1:], start=2):
        for j, v in enumerate(cells):
            ref = f"{get_column_letter(j + 1)}{n}"
            if v is None and ref in formulas:
                field = None if header[j] is None else str(header[j])
                problems.append(Problem(
                    f"cell {ref} of sheet '{name}' holds a formula with no saved value: open the "
                    "workbook in Excel or LibreOffice and save it, or type the value",
                    file=source, row=n, field=field, code="formula"))
        if any(v not in (None, "") for v in cells):
            rows.append(cells + [None] * (width - len(cells)))
            numbers.append(n)
    if problems:
        raise PlanError(problems, file=source)
    table = _checked(header, rows, numbers, source)
    return Table(table.header, table.rows, table.numbers, name)

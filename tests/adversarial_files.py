"""Makers of hostile files for the adversarial suite (``{make: <name>, ...}`` in a case).

Each maker writes ``path`` from keyword arguments; add one per kind of file that cannot
be written as plain text in the YAML case files.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

MAKERS: dict[str, Callable[..., None]] = {}


def maker(func: Callable[..., None]) -> Callable[..., None]:
    MAKERS[func.__name__] = func
    return func


def make(path: Path, make: str, **kwargs: Any) -> None:
    """Write ``path`` with the maker named ``make``."""
    MAKERS[make](path, **kwargs)


@maker
def text_bytes(path: Path, hex: str) -> None:
    """Raw bytes given as hex (non-UTF-8 files, NUL bytes, ...)."""
    path.write_bytes(bytes.fromhex(hex.replace(" ", "")))


@maker
def repeat(path: Path, head: str = "", body: str = "", times: int = 1, tail: str = "") -> None:
    """``head + body * times + tail`` (deep nesting, long lines, many rows)."""
    path.write_text(head + body * int(times) + tail, encoding="utf-8")


# ---------------------------------------------------------------------------- spreadsheets
# (plans task) flat plans as XLSX the way people make them, and hostile workbooks

FLAT_HEADER = ["period", "objective_id", "objective_title", "level", "parent_id", "team",
               "objective_owner", "kind", "kr_id", "kr_title", "unit", "direction",
               "baseline", "target", "due"]
FLAT_ROWS = [
    ["2026-Q1", "CS-1", "Transform customer service", "business_unit", None, "cs-bu",
     "VP Customer Service", "aspirational", None, None, None, None, None, None, None],
    ["2026-Q1", "BOT-1", "Delight customers with the assistant", "project", "CS-1", "chatbot",
     "Product Manager", "aspirational", "BOT-1.1", "Achieve 90% CSAT", "%", "increase", 65,
     90, None],
    ["2026-Q1", "BOT-1", None, None, None, None, None, None, "BOT-1.2",
     "Cut handling time to 2 minutes", "min", "decrease", 8, 2, None],
]


@maker
def xlsx_flat(path: Path, cells: dict[str, Any] | None = None, sheet: str = "plan",
              hidden_first: dict[str, Any] | None = None, merge: str | None = None,
              rows: list[list[Any]] | None = None, extra_rows: list[list[Any]] | None = None,
              cached: dict[str, Any] | None = None, formats: dict[str, str] | None = None,
              sheets: dict[str, list[list[Any]]] | None = None) -> None:
    """A flat plan workbook (:data:`FLAT_ROWS`), with edits.

    ``cells``: ``{"N3": value}`` (a value starting with ``=`` is a formula, saved without
    a cached value, as openpyxl writes it); ``cached``: ``{"N3": 90}`` gives such formula
    cells the value Excel would have saved; ``hidden_first``: a hidden sheet put first,
    ``{"name": ..., "cells": {...}}`` over a copy of the plan; ``merge``: a range to merge.
    """
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for row in [FLAT_HEADER, *(rows or FLAT_ROWS), *(extra_rows or [])]:
        ws.append(row)
    for ref, value in (cells or {}).items():
        ws[ref] = value
    for ref, number_format in (formats or {}).items():
        ws[ref].number_format = number_format
    for name, sheet_rows in (sheets or {}).items():
        more = wb.create_sheet(name)
        for row in sheet_rows:
            more.append(row)
    if merge:
        ws.merge_cells(merge)
    if hidden_first is not None:
        hidden = wb.create_sheet(hidden_first.get("name", "old plan"), 0)
        for row in [FLAT_HEADER, *FLAT_ROWS]:
            hidden.append(row)
        for ref, value in (hidden_first.get("cells") or {}).items():
            hidden[ref] = value
        hidden.sheet_state = "hidden"
        wb.active = 1
    wb.save(path)
    if cached:
        _cache_formulas(path, cached)


def _cache_formulas(path: Path, values: dict[str, Any]) -> None:
    import re
    import zipfile

    with zipfile.ZipFile(path) as zf:
        parts = {i.filename: zf.read(i.filename) for i in zf.infolist()}
    for name, data in parts.items():
        if name.startswith("xl/worksheets/"):
            for ref, value in values.items():
                data = re.sub(rb'(<c r="' + ref.encode() + rb'"[^>]*>\s*<f>[^<]*</f>)\s*<v\s*/?>(</v>)?',
                              rb"\1<v>" + str(value).encode() + rb"</v>", data)
            parts[name] = data
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)


def _xlsx_parts(sheet_xml: str) -> dict[str, str]:
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    return {
        "[Content_Types].xml": (
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxml'
            'formats-package.relationships+xml"/><Default Extension="xml" ContentType='
            '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
            'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxml'
            'formats-officedocument.spreadsheetml.worksheet+xml"/></Types>'),
        "_rels/.rels": (
            f'<?xml version="1.0"?><Relationships xmlns="{pkg}"><Relationship Id="rId1" '
            f'Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (
            f'<?xml version="1.0"?><workbook xmlns="{ns}" xmlns:r="{rel}"><sheets><sheet '
            'name="plan" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0"?><Relationships xmlns="{pkg}"><Relationship Id="rId1" '
            f'Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'),
        "xl/worksheets/sheet1.xml": sheet_xml,
    }


@maker
def xlsx_rows(path: Path, rows: int = 2_000_000, declared: bool = True, written: int = 3
              ) -> None:
    """A hand-built workbook whose sheet declares ``rows`` rows (``declared``) and holds
    ``written`` rows of one cell each (cheap to make, slow to load naively)."""
    import zipfile

    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    dim = f'<dimension ref="A1:A{rows}"/>' if declared else ""
    body = "".join(f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t>x</t></is></c></row>'
                   for i in range(1, written + 1))
    sheet = f'<?xml version="1.0"?><worksheet xmlns="{ns}">{dim}<sheetData>{body}</sheetData></worksheet>'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in _xlsx_parts(sheet).items():
            zf.writestr(name, text)


@maker
def xlsx_bomb(path: Path, megabytes: int = 300) -> None:
    """A workbook with a part that decompresses to ``megabytes`` MB (a zip bomb)."""
    import zipfile

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in _xlsx_parts('<?xml version="1.0"?><worksheet/>').items():
            zf.writestr(name, text)
        with zf.open("xl/media/padding.bin", "w", force_zip64=True) as fh:
            block = b"\0" * (1 << 20)
            for _ in range(int(megabytes)):
                fh.write(block)


@maker
def yaml_alias_bomb(path: Path, levels: int = 9, width: int = 9) -> None:
    """A plan whose ``description`` is the "billion laughs": ``levels`` levels of
    ``width`` aliases each."""
    lines = ["period: 2026-Q1", 'a0: &a0 ["lol"]']
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    lines.append(f"objectives: *a{levels}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

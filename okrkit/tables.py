"""Plans as flat tables: CSV and XLSX export/import for spreadsheet users.

A flat plan has one row per key result, with its objective's columns repeated (an
objective with no KRs gets one row with the KR columns empty): the "spreadsheet
template" of ``docs/seeds/okrs-framework-for-ai-projects.md``. Importing regroups the
rows and validates them with the same schema and rules as a YAML plan; problems name the
file, the row (the header is row 1) and the column.

Rows as people fill them in: the objective's columns may be left blank on its later rows
(the first filled value counts), but a later row that *disagrees* with an earlier one
about the same objective (another title, parent, weight, review, ...) or the period is
refused (``conflicting-rows``). Ids are text: a spreadsheet cell that holds a number
with a fraction (``1.1``, which may have been typed ``1.10``) is refused with a request
to format the column as text (``ambiguous-id``); whole numbers read as their digits.

Text cells that a spreadsheet would run as a formula (leading ``=``, ``+``, ``-``, ``@``,
tab or carriage return) are exported with a leading apostrophe, as is text that already
starts with an apostrophe; numbers are untouched. Import removes that one apostrophe
again, so an export -> import round trip is lossless (an apostrophe a person typed
survives). Control characters are written as visible escapes (``\\x1b``), never raw.
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from okrkit.checkins import checkins_to_csv
from okrkit.errors import PlanError, Problem
from okrkit.files import write_atomic
from okrkit.frames import Plan
from okrkit.models import validate_plan_data
from okrkit.plan import dump_plan, plan_from_model
from okrkit.sheets import read_table
from okrkit.values import visible

FLAT_COLUMNS = [
    "period",
    "objective_id",
    "objective_title",
    "level",
    "parent_id",
    "team",
    "objective_owner",
    "kind",
    "objective_weight",
    "kr_id",
    "kr_title",
    "metric",
    "unit",
    "direction",
    "baseline",
    "target",
    "kr_weight",
    "kr_owner",
    "due",
    "milestones",
    "lessons",
    "next_actions",
    "score_override",
    "override_reason",
]
_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
_ESCAPED = (*_DANGEROUS, "'")
#: id columns: text exactly as typed
_ID_COLUMNS = ("objective_id", "kr_id", "parent_id")
_NUMBER_COLUMNS = ("objective_weight", "baseline", "target", "kr_weight", "score_override")
#: columns of an objective (and its review) that every row of the objective repeats
_OBJECTIVE_FIELDS = {"objective_title": "title", "level": "level", "parent_id": "parent",
                     "team": "team", "objective_owner": "owner", "kind": "kind",
                     "objective_weight": "weight"}
_REVIEW_FIELDS = ("lessons", "next_actions", "score_override", "override_reason")


def safe_cell(value: Any) -> Any:
    """Neutralise spreadsheet formula injection in a text cell; numbers pass unchanged.

    Text starting with a formula character, or with an apostrophe, gets one leading
    apostrophe (so the apostrophe a person typed survives :func:`unsafe_cell`).

    >>> safe_cell("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> safe_cell(-5.0), safe_cell("-5 days"), safe_cell("Handle 70%"), safe_cell("'quoted'")
    (-5.0, "'-5 days", 'Handle 70%', "''quoted'")
    """
    if isinstance(value, str) and value.startswith(_ESCAPED):
        return "'" + value
    return value


def unsafe_cell(value: Any) -> Any:
    """Undo :func:`safe_cell` on import."""
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1] in "=+-@\t\r'":
        return value[1:]
    return value


def plan_to_flat(plan: Plan) -> pd.DataFrame:
    """The plan as one row per key result (objective columns repeated)."""
    reviews = plan.reviews.set_index("objective_id").to_dict("index") if len(plan.reviews) else {}
    by_objective: dict[Any, list[dict[str, Any]]] = {}
    for k in plan.key_results.to_dict("records"):
        by_objective.setdefault(k["objective_id"], []).append(k)
    rows: list[dict[str, Any]] = []
    for o in plan.objectives.to_dict("records"):
        base = {
            "period": plan.period.label,
            "objective_id": o["objective_id"],
            "objective_title": o["title"],
            "level": o["level"],
            "parent_id": o["parent_id"],
            "team": o["team"],
            "objective_owner": o["owner"],
            "kind": o["kind"],
            "objective_weight": o["weight"],
        }
        r = reviews.get(o["objective_id"], {})
        review = {
            k: r.get(k) for k in ("lessons", "next_actions", "score_override", "override_reason")
        }
        mine = by_objective.get(o["objective_id"], [])
        if not mine:
            rows.append({**base, **review})
        for i, k in enumerate(mine):
            rows.append(
                {
                    **base,
                    "kr_id": k["kr_id"],
                    "kr_title": k["title"],
                    "metric": k["metric"],
                    "unit": k["unit"],
                    "direction": k["direction"],
                    "baseline": k["baseline"],
                    "target": k["target"],
                    "kr_weight": k["weight"],
                    "kr_owner": k["owner"],
                    "due": k["due"].isoformat() if k["due"] else None,
                    "milestones": "; ".join(f"{d.isoformat()}={_exact(v)}"
                                            for d, v in k["milestones"])
                    if k["milestones"]
                    else None,
                    **(review if i == 0 else {}),
                }
            )
    return pd.DataFrame(rows, columns=FLAT_COLUMNS)


def _exact(v: float) -> str:
    return str(int(v)) if float(v).is_integer() and abs(v) < 1e15 else repr(float(v))


def _cell(value: Any) -> Any:
    return safe_cell(visible(value, hidden=False)) if isinstance(value, str) else value


def _safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype(object).map(_cell)


def export_plan(
    plan: Plan,
    path: str | os.PathLike[str],
    fmt: str | None = None,
    checkins: pd.DataFrame | None = None,
) -> Path:
    """Write a plan as ``yaml``, ``csv`` or ``xlsx`` (atomically).

    For ``xlsx`` the workbook has a ``plan`` sheet and, when given, a ``checkins`` sheet.
    """
    target = Path(path)
    fmt = (fmt or target.suffix.lstrip(".")).lower()
    if fmt in ("yaml", "yml"):
        return write_atomic(target, dump_plan(plan).encode("utf-8"))
    flat = _safe_frame(plan_to_flat(plan))
    if fmt == "csv":
        buf = io.StringIO()
        flat.to_csv(buf, index=False, lineterminator="\n")
        return write_atomic(target, buf.getvalue().encode("utf-8"))
    if fmt == "xlsx":
        buf2 = io.BytesIO()
        with pd.ExcelWriter(buf2, engine="openpyxl") as xl:
            flat.to_excel(xl, sheet_name="plan", index=False)
            if checkins is not None:
                ck = pd.read_csv(io.StringIO(checkins_to_csv(checkins)), dtype=object)
                _safe_frame(ck).to_excel(xl, sheet_name="checkins", index=False)
        return write_atomic(target, buf2.getvalue())
    raise PlanError(f"unknown export format '{fmt}' (use yaml, csv or xlsx)", file=str(path))


def read_flat(path: str | os.PathLike[str], *, known_ids: Any = ()) -> Plan:
    """Import a flat plan from CSV or XLSX (the visible sheet ``plan``, else the first
    visible sheet); see :mod:`okrkit.sheets` for what is refused before validation."""
    source = str(path)
    table = read_table(path, sheet="plan")
    frame = pd.DataFrame(table.rows, columns=table.header, dtype=object)
    return flat_to_plan(frame, source=source, known_ids=known_ids, rows=table.numbers)


def flat_to_plan(
    frame: pd.DataFrame,
    *,
    source: str | None = None,
    known_ids: Any = (),
    rows: Sequence[int] | None = None,
) -> Plan:
    """Regroup flat rows into a nested plan and validate it.

    ``rows`` are the rows' numbers in the file (default: 2, 3, ... after the header).
    """
    def fail(problems: list[Problem]) -> PlanError:
        return PlanError(problems, file=source)

    unknown = [c for c in frame.columns if str(c) not in FLAT_COLUMNS]
    if unknown:
        raise fail([Problem(f"unknown column '{c}' (allowed: {', '.join(FLAT_COLUMNS)})",
                            file=source, row=1, field=str(c), code="unknown-key")
                    for c in unknown])
    missing = [c for c in ("period", "objective_id", "objective_title") if c not in frame.columns]
    if missing:
        raise fail([Problem(f"required column '{c}' is missing", file=source, row=1, field=c,
                            code="missing") for c in missing])
    numbers = list(rows) if rows is not None else list(range(2, len(frame) + 2))
    if not len(frame):
        raise fail([Problem("has a header but no rows", file=source, row=1, code="empty")])
    problems: list[Problem] = []
    records = []
    for n, rec in zip(numbers, frame.to_dict("records"), strict=True):
        clean = {}
        for col, v in rec.items():
            clean[col], bad = _clean(unsafe_cell(v), str(col))
            if bad:
                problems.append(Problem(bad, file=source, row=n, field=str(col),
                                        code="ambiguous-id"))
        records.append(clean)
    objectives: dict[str, dict[str, Any]] = {}
    position: dict[str, int] = {}
    first_row: dict[tuple[str, str], int] = {}
    rows_of: dict[tuple[Any, ...], int] = {}
    period, period_row = None, None
    for n, r in zip(numbers, records, strict=True):
        if r.get("period") is not None:
            if period is not None and not _same(period, r["period"]):
                problems.append(_conflict(source, n, "period", r["period"], period_row, period))
            elif period is None:
                period, period_row = r["period"], n
        oid = r.get("objective_id")
        key = str(oid) if oid is not None else f"<row {n}>"
        if key not in objectives:
            position[key] = len(objectives)
            objectives[key] = {"id": oid, "key_results": []}
            rows_of[("objectives", position[key])] = n
        o, i = objectives[key], position[key]
        for col, field in _OBJECTIVE_FIELDS.items():
            _take(o, field, r.get(col), (key, col), n, first_row, problems, source)
        for col in _REVIEW_FIELDS:
            if r.get(col) is not None:
                review = o.setdefault("review", {})
                if not review:
                    rows_of[("objectives", i, "review")] = n
                _take(review, col, r[col], (key, col), n, first_row, problems, source)
        if r.get("kr_id") is not None or r.get("kr_title") is not None:
            kr = {
                "id": r.get("kr_id"),
                "title": r.get("kr_title"),
                "metric": r.get("metric"),
                "unit": r.get("unit"),
                "direction": r.get("direction"),
                "baseline": r.get("baseline"),
                "target": r.get("target"),
                "weight": r.get("kr_weight"),
                "owner": r.get("kr_owner"),
                "due": r.get("due"),
                "milestones": _milestones(r.get("milestones")),
            }
            o["key_results"].append({k: v for k, v in kr.items() if v is not None or k == "id"})
            rows_of[("objectives", i, "key_results", len(o["key_results"]) - 1)] = n
    if problems:
        raise fail(problems)
    data = {"period": period, "objectives": list(objectives.values())}

    def row_of(loc: Any) -> int | None:
        path = tuple(loc)
        while path:
            if path in rows_of:
                return rows_of[path]
            path = path[:-1]
        return None

    model = validate_plan_data(data, source, row_of=row_of)
    return plan_from_model(model, source=source, row_of=row_of, known_ids=known_ids)


def _take(into: dict[str, Any], field: str, value: Any, key: tuple[str, str], n: int,
          first_row: dict[tuple[str, str], int], problems: list[Problem], source: str | None
          ) -> None:
    """Fill ``into[field]`` from a row; a later row that disagrees is a problem."""
    if value is None:
        return
    if field not in into:
        into[field] = value
        first_row[key] = n
    elif not _same(into[field], value):
        problems.append(_conflict(source, n, key[1], value, first_row[key], into[field],
                                  key[0]))


def _conflict(source: str | None, n: int, col: str, value: Any, first: int | None,
              earlier: Any, oid: str | None = None) -> Problem:
    whose = f" for objective {oid}" if oid else ""
    return Problem(f"{col} {value!r} disagrees with {earlier!r} on row {first}{whose}: give it "
                   "once, or the same on every row", file=source, row=n, field=col, id=oid,
                   code="conflicting-rows")


def _same(a: Any, b: Any) -> bool:
    if a == b:
        return True
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return str(a).strip() == str(b).strip()


def _clean(v: Any, col: str) -> tuple[Any, str | None]:
    """A cell as the schema wants it, and a message if an id cell is ambiguous."""
    if v is None:
        return None, None
    if isinstance(v, float) and math.isnan(v):
        return None, None
    if isinstance(v, pd.Timestamp):
        v = v.to_pydatetime()
    if isinstance(v, str):
        v = v.strip()
        return v or None, None
    if isinstance(v, bool) or col in _NUMBER_COLUMNS or not isinstance(v, int | float):
        return v, None
    if float(v).is_integer() and abs(v) < 1e15:
        return str(int(v)), None
    if col in _ID_COLUMNS:
        return None, (f"{col} {v!r} is a number in the spreadsheet, so it may not be the id "
                      "as typed (1.10 reads as 1.1): format the column as text and type it again")
    return repr(float(v)), None


def _milestones(text: Any) -> dict[str, str] | None:
    if text is None:
        return None
    out: dict[str, str] = {}
    for part in str(text).split(";"):
        if part.strip():
            d, _, v = part.partition("=")
            out[d.strip()] = v.strip()
    return out or None

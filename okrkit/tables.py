"""Plans as flat tables: CSV and XLSX export/import for spreadsheet users.

A flat plan has one row per key result, with its objective's columns repeated (an
objective with no KRs gets one row with the KR columns empty). This is the seed's
"spreadsheet template". Importing regroups the rows and validates them with the same
schema as a YAML plan; problems name the file, the row (the header is row 1) and the column.

Text cells that a spreadsheet would run as a formula (leading ``=``, ``+``, ``-``, ``@``,
tab or carriage return) are exported with a leading apostrophe; numbers are untouched.
Import removes that apostrophe again, so an export -> import round trip is lossless.
"""

from __future__ import annotations

import io
import math
import os
from pathlib import Path
from typing import Any

import pandas as pd

from okrkit.checkins import checkins_to_csv
from okrkit.errors import PlanError, Problem
from okrkit.frames import Plan
from okrkit.models import validate_plan_data
from okrkit.plan import dump_plan, plan_from_model, write_atomic

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


def safe_cell(value: Any) -> Any:
    """Neutralise spreadsheet formula injection in a text cell; numbers pass unchanged.

    >>> safe_cell("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> safe_cell(-5.0), safe_cell("-5 days"), safe_cell("Handle 70%")
    (-5.0, "'-5 days", 'Handle 70%')
    """
    if isinstance(value, str) and value.startswith(_DANGEROUS):
        return "'" + value
    return value


def unsafe_cell(value: Any) -> Any:
    """Undo :func:`safe_cell` on import."""
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1] in "=+-@\t\r":
        return value[1:]
    return value


def plan_to_flat(plan: Plan) -> pd.DataFrame:
    """The plan as one row per key result (objective columns repeated)."""
    reviews = plan.reviews.set_index("objective_id").to_dict("index") if len(plan.reviews) else {}
    krs = plan.key_results
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
        mine = krs[krs["objective_id"] == o["objective_id"]].to_dict("records")
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
                    "milestones": "; ".join(f"{d.isoformat()}={v:g}" for d, v in k["milestones"])
                    if k["milestones"]
                    else None,
                    **(review if i == 0 else {}),
                }
            )
    return pd.DataFrame(rows, columns=FLAT_COLUMNS)


def _safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype(object).map(safe_cell)


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
    """Import a flat plan from CSV or XLSX (sheet ``plan``, else the first sheet)."""
    source = str(path)
    suffix = Path(path).suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            sheets = pd.read_excel(path, sheet_name=None, dtype=object, engine="openpyxl")
            frame = sheets["plan"] if "plan" in sheets else next(iter(sheets.values()))
        elif suffix == ".csv":
            raw = Path(path).read_bytes()
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError as err:
                line = raw[: err.start].count(b"\n") + 1
                raise PlanError(
                    [Problem("is not UTF-8 text", file=source, line=line)], file=source
                ) from err
            if not text.strip():
                raise PlanError([Problem("the file is empty", file=source, line=1)], file=source)
            frame = pd.read_csv(io.StringIO(text), dtype=object, keep_default_na=False)
        else:
            raise PlanError(
                f"cannot import '{suffix}' files (use .yaml, .csv or .xlsx)", file=source
            )
    except PlanError:
        raise
    except Exception as err:  # openpyxl/pandas parse errors
        raise PlanError(f"cannot read the table: {err}", file=source) from err
    return flat_to_plan(frame, source=source, known_ids=known_ids)


def flat_to_plan(frame: pd.DataFrame, *, source: str | None = None, known_ids: Any = ()) -> Plan:
    """Regroup flat rows into a nested plan and validate it (rows are 1-based + header)."""
    unknown = [c for c in frame.columns if str(c) not in FLAT_COLUMNS]
    if unknown:
        raise PlanError(
            [Problem(f"unknown column '{c}'", file=source, row=1, field=str(c)) for c in unknown],
            file=source,
        )
    for required in ("period", "objective_id", "objective_title"):
        if required not in frame.columns:
            raise PlanError(
                [
                    Problem(
                        f"required column '{required}' is missing",
                        file=source,
                        row=1,
                        field=required,
                    )
                ],
                file=source,
            )
    records = [
        {k: _clean(unsafe_cell(v)) for k, v in rec.items()} for rec in frame.to_dict("records")
    ]
    if not records:
        raise PlanError([Problem("has a header but no rows", file=source, row=1)], file=source)
    periods = {r.get("period") for r in records if r.get("period") is not None}
    objectives: dict[str, dict[str, Any]] = {}
    rows_of: dict[tuple[Any, ...], int] = {}
    for n, r in enumerate(records, start=2):
        oid = r.get("objective_id")
        key = str(oid) if oid is not None else f"<row {n}>"
        if key not in objectives:
            o: dict[str, Any] = {
                "id": oid,
                "title": r.get("objective_title"),
                "level": r.get("level"),
                "parent": r.get("parent_id"),
                "team": r.get("team"),
                "owner": r.get("objective_owner"),
                "kind": r.get("kind"),
                "weight": r.get("objective_weight"),
                "key_results": [],
            }
            objectives[key] = {k: v for k, v in o.items() if v is not None or k == "id"}
            rows_of[("objectives", len(objectives) - 1)] = n
        o = objectives[key]
        i = list(objectives).index(key)
        review = {
            k: r.get(k)
            for k in ("lessons", "next_actions", "score_override", "override_reason")
            if r.get(k) is not None
        }
        if review:
            o["review"] = review
            rows_of[("objectives", i, "review")] = n
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
    if len(periods) > 1:
        raise PlanError(
            [
                Problem(
                    f"rows name several periods: {', '.join(sorted(map(str, periods)))}",
                    file=source,
                    field="period",
                )
            ],
            file=source,
        )
    data = {"period": next(iter(periods), None), "objectives": list(objectives.values())}

    def row_of(loc: Any) -> int | None:
        path = tuple(loc)
        while path:
            if path in rows_of:
                return rows_of[path]
            path = path[:-1]
        return None

    model = validate_plan_data(data, source, row_of=row_of)
    return plan_from_model(model, source=source, row_of=row_of, known_ids=known_ids)


def _clean(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, pd.Timestamp):
        return v.date().isoformat()
    if isinstance(v, str):
        v = v.strip()
        return v or None
    return v


def _milestones(text: Any) -> dict[str, str] | None:
    if text is None:
        return None
    out: dict[str, str] = {}
    for part in str(text).split(";"):
        if part.strip():
            d, _, v = part.partition("=")
            out[d.strip()] = v.strip()
    return out or None

"""Validation of check-in records with pandera (``lazy=True``: every bad cell at once).

Raw records (strings from a CSV or a widget, or numbers) are first parsed — keeping a
message for each cell that cannot be parsed, quoting what was typed — and the typed frame
is then checked by a pandera schema (required fields, ranges, allowed statuses). With a
plan, each check-in must name one of its KRs and fall inside its period.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from okrkit.frames import STATUSES, Plan, conform

_STATUS_LOOKUP = {s.lower(): s for s in STATUSES}

SCHEMA = pa.DataFrameSchema(
    {
        "kr_id": pa.Column(str, nullable=False),
        "date": pa.Column("datetime64[ns]", nullable=False),
        "value": pa.Column(float, nullable=False),
        "confidence": pa.Column(
            float,
            checks=pa.Check.in_range(0.0, 1.0, error="confidence must be between 0 and 1"),
            nullable=True,
        ),
        "status": pa.Column(
            object,
            checks=pa.Check.isin(
                list(STATUSES), error="status must be one of " + ", ".join(STATUSES)
            ),
            nullable=True,
        ),
    },
    strict=False,
    coerce=False,
)

Problem3 = tuple[int | None, str, str]


def _text(series: pd.Series) -> pd.Series:
    """Strings with surrounding blanks removed; empty and missing become None."""
    out = []
    for v in series.tolist():
        if isinstance(v, str):
            v = v.strip() or None
        elif v is None or (isinstance(v, float) and v != v) or v is pd.NaT:
            v = None
        out.append(v)
    return pd.Series(out, index=series.index, dtype=object)


def _numbers(
    series: pd.Series, field: str, percent_scale: float, problems: list[Problem3]
) -> tuple[pd.Series, pd.Series]:
    """Parse numbers; ``"85%"`` becomes 85 * percent_scale. Returns values and %-mask."""
    s = _text(series)
    as_str = pd.Series([v if isinstance(v, str) else None for v in s], index=s.index, dtype=object)
    pct = as_str.str.endswith("%", na=False)
    body = as_str.where(~pct, as_str.str[:-1].str.strip())
    nums = pd.to_numeric(body.where(as_str.notna(), s), errors="coerce").astype("float64")
    nums = nums.where(~pct, nums * percent_scale)
    bad = s.notna() & nums.isna()
    for i in np.flatnonzero(bad.to_numpy()):
        problems.append((int(i), field, f"{field} '{s.iat[i]}' is not a number"))
    inf = np.isinf(nums.to_numpy())
    for i in np.flatnonzero(inf):
        problems.append((int(i), field, f"{field} must be finite"))
    nums = nums.where(~inf)
    return nums, pct


_MIN_DATE = pd.Timestamp("1900-01-01")
_MAX_DATE = pd.Timestamp("2200-12-31")


def _dates(series: pd.Series, problems: list[Problem3]) -> pd.Series:
    """ISO dates (YYYY-MM-DD, or date objects) as datetime64[ns]; others reported."""
    texts: list[str | None] = []
    for v in _text(series):
        if isinstance(v, dt.datetime | pd.Timestamp):
            v = v.date()
        texts.append(v.isoformat() if isinstance(v, dt.date) else (None if v is None else str(v)))
    txt = pd.Series(texts, index=series.index, dtype=object)
    parsed = pd.to_datetime(txt, format="%Y-%m-%d", errors="coerce")
    in_range = parsed.notna() & (parsed >= _MIN_DATE) & (parsed <= _MAX_DATE)
    for i in np.flatnonzero((txt.notna() & ~in_range).to_numpy()):
        if pd.isna(parsed.iat[i]):
            problems.append((int(i), "date", f"date '{txt.iat[i]}' is not a date (YYYY-MM-DD)"))
        else:
            problems.append((int(i), "date", f"date {txt.iat[i]} is out of range (1900..2200)"))
    return parsed.where(in_range).astype("datetime64[ns]")


def parse(raw: pd.DataFrame, plan: Plan | None = None) -> tuple[pd.DataFrame, list[Problem3]]:
    """Parse and check raw check-in records.

    Returns the contract frame and a list of ``(row_index, field, message)`` problems
    (empty when everything is valid).
    """
    problems: list[Problem3] = []
    n = len(raw)

    def col(name: str) -> pd.Series:
        if name in raw.columns:
            return raw[name]
        return pd.Series([None] * n, index=raw.index, dtype=object)

    kr = pd.Series(
        [None if v is None else str(v) for v in _text(col("kr_id"))], index=raw.index, dtype=object
    )
    dates = _dates(col("date"), problems)
    value, value_pct = _numbers(col("value"), "value", 1.0, problems)
    confidence, _ = _numbers(col("confidence"), "confidence", 0.01, problems)
    status_txt = _text(col("status"))
    status = pd.Series(
        [_STATUS_LOOKUP.get(str(v).lower(), v) if v else None for v in status_txt],
        index=raw.index,
        dtype=object,
    )

    typed = pd.DataFrame(
        {
            "kr_id": kr,
            "date": dates,
            "value": value,
            "confidence": confidence,
            "status": status,
        }
    )
    already = {(r, f) for r, f, _ in problems}
    try:
        SCHEMA.validate(typed, lazy=True)
    except SchemaErrors as err:
        fc = err.failure_cases
        for rec in fc.to_dict("records"):
            field = str(rec.get("column"))
            idx = rec.get("index")
            row = None if idx is None or pd.isna(idx) else int(idx)
            if (row, field) in already:
                continue
            check = str(rec.get("check"))
            if check == "not_nullable":
                msg = f"required field '{field}' is missing"
            elif "dtype" in check:
                continue  # parse problems are reported above with the text typed
            else:
                msg = check
                if field == "status":
                    msg = f"status '{rec.get('failure_case')}' is not one of " + ", ".join(STATUSES)
                elif field == "confidence":
                    msg = f"confidence {rec.get('failure_case')} is outside 0..1"
            already.add((row, field))
            problems.append((row, field, msg))

    if plan is not None:
        _check_against_plan(typed, value_pct, plan, problems, already)

    if problems:
        return typed, problems
    out = raw.copy()
    for name in ("kr_id", "value", "confidence", "status"):
        out[name] = typed[name]
    out["date"] = typed["date"]
    for name in ("note", "blockers", "achievements", "author"):
        out[name] = _text(col(name))
    if "recorded_at" not in out.columns:
        out["recorded_at"] = None
    return conform(out, "checkins"), problems


def _check_against_plan(
    typed: pd.DataFrame,
    value_pct: pd.Series,
    plan: Plan,
    problems: list[Problem3],
    already: set[tuple[Any, str]],
) -> None:
    krs = plan.key_results.set_index("kr_id")
    known = typed["kr_id"].isin(krs.index)
    for i in np.flatnonzero((typed["kr_id"].notna() & ~known).to_numpy()):
        problems.append(
            (
                int(i),
                "kr_id",
                f"kr_id '{typed['kr_id'].iat[i]}' is not a key result of {plan.period}",
            )
        )
    start = pd.Timestamp(plan.period.start)
    end = pd.Timestamp(plan.period.end)
    outside = typed["date"].notna() & ((typed["date"] < start) | (typed["date"] > end))
    for i in np.flatnonzero(outside.to_numpy()):
        d = typed["date"].iat[i].date()
        problems.append(
            (
                int(i),
                "date",
                f"date {d} is outside the period {plan.period} "
                f"({plan.period.start}..{plan.period.end})",
            )
        )
    units = typed["kr_id"].map(krs["unit"].to_dict() if len(krs) else {})
    wrong_pct = value_pct & known & (units.fillna("").str.strip() != "%")
    for i in np.flatnonzero(wrong_pct.to_numpy()):
        if (i, "value") not in already:
            problems.append(
                (
                    int(i),
                    "value",
                    f"value is a percentage but the unit of {typed['kr_id'].iat[i]} "
                    f"is {units.iat[i]!r}",
                )
            )

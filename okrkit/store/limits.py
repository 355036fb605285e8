"""What a store column can hold — one rule for SQLite and PostgreSQL alike.

SQLite stores a 201-character id in a ``VARCHAR(200)`` and a NUL inside text;
PostgreSQL refuses both, with an error that names no field. okrkit checks every value
against its column before it reaches either backend, so both behave the same and a
SQLite backup always restores into PostgreSQL:

* text (``String(n)``, ``Text``): a ``str`` of at most ``n`` characters, without NUL;
* numbers (``Float``): finite, never a boolean; whole numbers (``Integer``) too;
* dates (``Date``) ``YYYY-MM-DD``; times (``DateTime``) ISO date and time;
* ``NOT NULL`` columns hold a value.

The plan's own rules (:mod:`okrkit.structure`, :mod:`okrkit.values`) and the check-in
validator (:mod:`okrkit.checkin_schema`) are stricter and run first; this is the floor
they stand on, and the type check of every backup row (:mod:`okrkit.store.restore`).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Column, Date, DateTime, Float, Integer, String, Table

from okrkit.errors import Problem


def _blank(v: Any) -> bool:
    return v is None or v is pd.NaT or (isinstance(v, float) and math.isnan(v))


def text_problem(column: Column[Any], value: str) -> tuple[str, str] | None:
    """A ``(code, message)`` if text ``value`` does not fit ``column``."""
    width = getattr(column.type, "length", None)
    if width is not None and len(value) > width:
        return "too-long", (f"{column.name} is {len(value):,} characters long (the store holds "
                            f"at most {width})")
    if "\x00" in value:
        return "bad-character", f"{column.name} contains a NUL character (\\x00)"
    return None


def value_problem(column: Column[Any], value: Any) -> tuple[str, str] | None:
    """A ``(code, message)`` if a raw value (a backup's JSON) cannot go into ``column``."""
    name, kind = column.name, column.type
    if value is None:
        return None if column.nullable else ("missing", f"{name} is required")
    if isinstance(kind, String):  # Text is a String too
        if not isinstance(value, str):
            return "wrong-type", f"{name} must be text, not {type(value).__name__} {value!r:.40}"
        return text_problem(column, value)
    if isinstance(kind, Integer):
        if isinstance(value, bool) or not isinstance(value, int):
            return "wrong-type", f"{name} must be a whole number, not {value!r:.40}"
        return None if abs(value) < 2**31 else ("out-of-range", f"{name} {value} is too large")
    if isinstance(kind, Float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return "not-a-number", f"{name} '{value!s:.40}' is not a number"
        return None if math.isfinite(value) else ("not-finite", f"{name} must be finite")
    if isinstance(kind, DateTime):
        return _iso(value, name, dt.datetime.fromisoformat, "a date and time")
    if isinstance(kind, Date):
        return _iso(value, name, dt.date.fromisoformat, "a date (YYYY-MM-DD)")
    return None


def _iso(value: Any, name: str, parse: Any, what: str) -> tuple[str, str] | None:
    if isinstance(value, str):
        try:
            parse(value)
        except ValueError:
            pass
        else:
            return None
    code = "not-a-time" if "time" in what else "not-a-date"
    return code, f"{name} '{value!s:.40}' is not {what}"


_ALLOWED: list[tuple[type, tuple[type, ...]]] = [
    (String, (str,)), (Integer, (int,)), (Float, (int, float)), (DateTime, (str,)),
    (Date, (str,)),
]


def suspects(column: Column[Any], values: list[Any], kinds: set[type]) -> list[int]:
    """Positions in ``values`` that :func:`value_problem` must look at (the others fit).

    Types are compared as a set first (``kinds``: the types in ``values``), so a column
    of good values costs one pass in C, not a Python check per value.
    """
    kind = column.type
    allowed = next((a for t, a in _ALLOWED if isinstance(kind, t)), None)
    if allowed is None:
        return []
    if not kinds <= {*allowed, type(None)} or (type(None) in kinds and not column.nullable):
        return [i for i, v in enumerate(values) if type(v) not in allowed]
    if isinstance(kind, String):
        width = getattr(kind, "length", None) or 0
        return [i for i, v in enumerate(values)
                if v is not None and ((width and len(v) > width) or "\x00" in v)]
    if isinstance(kind, Float):
        arr = np.array([math.nan if v is None else v for v in values], dtype="float64")
        return np.flatnonzero(np.isinf(arr) | (np.isnan(arr) & np.array(
            [v is not None for v in values], dtype=bool))).tolist()
    if isinstance(kind, Integer):
        return [i for i, v in enumerate(values) if v is not None and abs(v) >= 2**31]
    bad = {v for v in set(values) - {None} if value_problem(column, v) is not None}
    return [i for i, v in enumerate(values) if v in bad] if bad else []


def converter(column: Column[Any]) -> Any:
    """The function turning a backup's text into the column's Python value (or None)."""
    if isinstance(column.type, DateTime):
        return dt.datetime.fromisoformat
    if isinstance(column.type, Date):
        return dt.date.fromisoformat
    return None


def frame_problems(frame: pd.DataFrame, table: Table, source: str | None = None
                   ) -> list[Problem]:
    """Text cells of a (typed) frame that do not fit ``table``'s columns."""
    out: list[Problem] = []
    ident = "kr_id" if "kr_id" in frame.columns else "objective_id"
    for name in frame.columns:
        if name not in table.c or not isinstance(table.c[name].type, String):
            continue
        col = table.c[name]
        for i, v in enumerate(frame[name].tolist()):
            if isinstance(v, str) and not _blank(v):
                bad = text_problem(col, v)
                if bad:
                    out.append(Problem(bad[1], file=source, row=i + 1, field=name,
                                       id=frame[ident].iloc[i] if ident in frame else None,
                                       code=bad[0]))
    return out

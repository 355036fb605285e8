"""Check-in files in and out: CSV text to a validated contract frame, and back.

Check-in CSVs (``kr_id,date,value[,confidence,status,note,blockers,achievements,author]``)
are validated by the one check-in validator (:mod:`okrkit.checkin_schema`), lazily, so
every bad row is reported at once with its line. ``value`` may be written ``"85%"``
(meaning 85) for a KR whose unit is ``%``; ``confidence`` may be ``"80%"`` (meaning 0.8).
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from okrkit.errors import CheckinError, Problem
from okrkit.files import decode_utf8
from okrkit.frames import CHECKIN_COLUMNS, Plan, conform


def read_checkins(path: str | os.PathLike[str], plan: Plan | None = None) -> pd.DataFrame:
    """Read and validate a check-ins CSV; see :func:`validate_checkins`.

    Errors name the file, the line (the header is line 1) and the field.
    """
    source = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as err:
        raise CheckinError(f"cannot read check-ins: {err.strerror}", file=source) from err
    text = decode_utf8(raw, source, CheckinError)
    return parse_checkins_csv(text, source=source, plan=plan)


def parse_checkins_csv(
    text: str, *, source: str | None = None, plan: Plan | None = None
) -> pd.DataFrame:
    """Parse check-ins CSV text; see :func:`read_checkins`."""
    if not text.strip():
        raise CheckinError([Problem("the file is empty", file=source, line=1)], file=source)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
        unknown = [h for h in header if h not in CHECKIN_COLUMNS]
        problems = [
            Problem(
                f"unknown column '{h}' (allowed: {', '.join(CHECKIN_COLUMNS[:-1])})",
                file=source,
                line=1,
                field=h,
            )
            for h in unknown
        ]
        missing = [c for c in ("kr_id", "date", "value") if c not in header]
        problems += [
            Problem(f"required column '{c}' is missing", file=source, line=1, field=c)
            for c in missing
        ]
        if len(set(header)) != len(header):
            problems.append(Problem("a column name appears twice", file=source, line=1))
        if problems:
            raise CheckinError(problems, file=source)
        rows: list[list[str]] = []
        lines: list[int] = []
        width = len(header)
        start = reader.line_num + 1
        for rec in reader:
            if not rec or all(not c.strip() for c in rec):
                start = reader.line_num + 1
                continue
            if len(rec) != width:
                problems.append(
                    Problem(
                        f"has {len(rec)} fields, the header has {width}", file=source, line=start
                    )
                )
            rows.append((rec + [""] * width)[:width])
            lines.append(start)
            start = reader.line_num + 1
    except csv.Error as err:
        raise CheckinError(
            [Problem(f"malformed CSV: {err}", file=source, line=reader.line_num)], file=source
        ) from err
    if problems:
        raise CheckinError(problems, file=source)
    if not rows:
        raise CheckinError(
            [Problem("has a header but no check-ins", file=source, line=1)], file=source
        )
    frame = pd.DataFrame(rows, columns=header, dtype=object)
    return validate_checkins(frame, plan=plan, source=source, lines=lines)


def validate_checkins(
    frame: pd.DataFrame,
    *,
    plan: Plan | None = None,
    source: str | None = None,
    lines: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Validate raw check-in records (strings or numbers) and return a contract frame.

    Every problem is collected (pandera, ``lazy=True``) and raised at once as a
    :class:`~okrkit.errors.CheckinError` naming the line (``lines``) or the 1-based row
    and the field. With a ``plan``, check-ins must name its KRs and fall in its period.
    """
    from okrkit import checkin_schema

    raw = frame.reset_index(drop=True)
    parsed, problems = checkin_schema.parse(raw, plan=plan)
    if problems:
        located = []
        for row_idx, fld, msg in problems:
            line = lines[row_idx] if lines is not None and row_idx is not None else None
            row = None if line is not None or row_idx is None else row_idx + 1
            kr = None
            if row_idx is not None and "kr_id" in raw.columns:
                kr = _clean_id(raw.at[row_idx, "kr_id"])
            located.append(Problem(msg, file=source, line=line, row=row, field=fld, id=kr))
        located.sort(key=lambda p: (p.line or p.row or 0, p.field or ""))
        raise CheckinError(located, file=source)
    return parsed


def _clean_id(v: Any) -> str | None:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    s = str(v).strip()
    return s or None


def checkins_to_csv(frame: pd.DataFrame) -> str:
    """Check-ins as CSV text in the contract's column order (dates ISO)."""
    out = conform(frame, "checkins").copy()
    out["date"] = [d.isoformat() if d else "" for d in out["date"]]
    out["recorded_at"] = [d.isoformat() if d else "" for d in out["recorded_at"]]
    buf = io.StringIO()
    out.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue()



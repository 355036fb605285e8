"""Check-in files in and out: CSV text to a validated contract frame, and back.

Check-in CSVs (``kr_id,date,value[,confidence,status,note,blockers,achievements,author]``)
are validated by the one check-in validator (:mod:`okrkit.checkin_schema`), lazily, so
every bad row is reported at once with its line. ``value`` may be written ``"85%"``
(meaning 85) for a KR whose unit is ``%``; ``confidence`` may be ``"80%"`` (meaning 0.8).

Reading is built for volume: pyarrow parses the file (every column as text), numbers are
cast by Arrow, and the validator looks at each distinct text once. Line numbers are only
worked out when there is a problem to report. A file pyarrow cannot split into rows
(a row with the wrong number of fields, an unclosed quote) is read again with Python's
``csv`` module, which names the line.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd

from okrkit import checkin_schema, checkin_seal
from okrkit.errors import CheckinError, Problem
from okrkit.files import decode_utf8, read_bytes
from okrkit.frames import CHECKIN_COLUMNS, Plan, conform

REQUIRED = ("kr_id", "date", "value")
NUMBERS = ("value", "confidence")
Lines = Sequence[int] | Callable[[], Sequence[int] | None]


def read_checkins(path: str | os.PathLike[str], plan: Plan | None = None) -> pd.DataFrame:
    """Read and validate a check-ins CSV; see :func:`validate_checkins`.

    Errors name the file, the line (the header is line 1) and the field.
    """
    frame, lines = read_checkin_records(path)
    return validate_checkins(frame, plan=plan, source=str(path), lines=lines)


def read_checkin_records(path: str | os.PathLike[str]) -> tuple[pd.DataFrame, Lines]:
    """The records of a check-ins CSV, not validated yet, and the line each starts on.

    File-level problems (unreadable, not UTF-8, empty, bad header, rows with the wrong
    number of fields) are raised here; the records go to :func:`validate_checkins` or to
    :meth:`Store.add_checkins <okrkit.store.Store.add_checkins>` (``lines=``), which
    then reports every problem of the file at once.
    """
    raw = read_bytes(path, CheckinError)
    return _records(None, raw.removeprefix(b"\xef\xbb\xbf"), str(path))


def _decode(data: bytes, source: str | None) -> str:
    return decode_utf8(data, source, CheckinError)  # the one UTF-8 rule (okrkit.files)


def _fail(message: str, source: str | None, code: str, line: int | None = 1,
          field: str | None = None) -> CheckinError:
    return CheckinError([Problem(message, file=source, line=line, field=field, code=code)],
                        file=source)


def _header(text: str, source: str | None) -> tuple[list[str], int]:
    """The column names and the line the data starts on; header problems raised."""
    reader = csv.reader(io.StringIO(text[: 1 << 20], newline=""))  # the header's lines
    try:
        header = [h.strip() for h in next(reader)]
    except csv.Error as err:
        raise _fail(f"malformed CSV: {err}", source, "malformed-csv") from err
    problems = [
        Problem(f"unknown column '{h}' (allowed: {', '.join(CHECKIN_COLUMNS[:-1])})",
                file=source, line=1, field=h, code="unknown-column")
        for h in header if h not in CHECKIN_COLUMNS
    ]
    problems += [
        Problem(f"required column '{c}' is missing", file=source, line=1, field=c,
                code="missing-column")
        for c in REQUIRED if c not in header
    ]
    if len(set(header)) != len(header):
        problems.append(Problem("a column name appears twice", file=source, line=1,
                                code="duplicate-column"))
    if problems:
        raise CheckinError(problems, file=source)
    return header, reader.line_num + 1


def parse_checkins_csv(
    text: str, *, source: str | None = None, plan: Plan | None = None
) -> pd.DataFrame:
    """Parse check-ins CSV text; see :func:`read_checkins`."""
    frame, lines = _records(text.removeprefix("\ufeff"), None, source)
    return validate_checkins(frame, plan=plan, source=source, lines=lines)


def _records(text: str | None, data: bytes | None, source: str | None
             ) -> tuple[pd.DataFrame, Lines]:
    """Text or bytes to records. Bytes are only decoded in Python when pyarrow (which
    checks the UTF-8 itself) cannot read them, or for the header's first line."""
    if data is None:
        data = (text or "").encode("utf-8")
    if not data or data.isspace():
        raise _fail("the file is empty", source, "empty-file")
    first = data[: data.find(b"\n") + 1 or len(data)]
    head = _decode(first, source) if first.count(b'"') % 2 == 0 else None
    header, _ = _header(head if head is not None else _decode(data, source), source)
    fast = _arrow_rows(data, header)
    if fast is None:
        return _python_rows(_decode(data, source) if text is None else text, header, source)
    frame, kept, total = fast
    if not len(frame):
        raise _fail("has a header but no check-ins", source, "no-rows")

    def lines() -> Sequence[int] | None:
        """Only worked out when a problem is reported (None: they cannot be matched)."""
        every = _record_lines(data)
        return None if len(every) != total else every[kept]

    return frame, lines


def _arrow_rows(data: bytes, header: list[str]) -> tuple[pd.DataFrame, np.ndarray, int] | None:
    """Rows parsed by pyarrow; None if it cannot split them (then the csv module reports).

    Numbers are cast by Arrow when every cell is one; every other column comes back as
    a ``Categorical`` (distinct texts + codes), so the validator sees each text once.
    Rows whose cells are all blank are dropped (their positions are not in ``kept``).
    """
    import pyarrow as pa
    import pyarrow.csv as pcsv

    try:
        table = pcsv.read_csv(
            io.BytesIO(data),
            read_options=pcsv.ReadOptions(column_names=header, skip_rows=1),
            parse_options=pcsv.ParseOptions(newlines_in_values=b'"' in data),
            convert_options=pcsv.ConvertOptions(
                column_types={h: pa.string() for h in header}, strings_can_be_null=True,
                null_values=[""]),  # "nan", "NA", "null" are text (then "not a number")
        )
    except (pa.ArrowInvalid, pa.ArrowException):
        return None
    total = table.num_rows
    with ThreadPoolExecutor(max(1, min(4, pa.cpu_count()))) as pool:  # Arrow frees the GIL
        converted = list(pool.map(lambda h: _arrow_column(h, table.column(h)), header))
    columns = {h: c for h, (c, _) in zip(header, converted, strict=True)}
    blank = np.logical_and.reduce([b for _, b in converted]) if converted else np.ones(0, bool)
    frame = pd.DataFrame(columns, columns=header, copy=False)
    kept = np.flatnonzero(~blank)
    if len(kept) < total:
        frame = frame.iloc[kept].reset_index(drop=True)
    return frame, kept, total


def _arrow_column(name: str, col: Any) -> tuple[Any, np.ndarray]:
    """One column: floats if every cell is a number, else a ``Categorical``; blank cells."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if name in NUMBERS:
        try:
            num = pc.cast(col, pa.float64())
            if not pc.any(pc.is_nan(num)).as_py():  # "nan" is reported as typed
                values = num.to_numpy()
                return values, np.isnan(values)
        except pa.ArrowInvalid:
            pass
    distinct = pc.drop_null(pc.unique(col))
    codes = pc.fill_null(pc.index_in(col, value_set=distinct), -1).to_numpy()
    texts = distinct.to_pylist()
    empty = np.array([not t.strip() for t in texts] + [True], dtype=bool)
    return pd.Categorical.from_codes(codes, categories=pd.Index(texts, dtype=object)), \
        empty[codes]


def _record_lines(data: bytes) -> np.ndarray:
    """The line each data record starts on, as pyarrow splits them (numpy over the bytes).

    A newline ends a record unless it is inside quotes (an odd number of ``"`` before
    it); empty records (blank lines) are skipped, like pyarrow does; the header is the
    first record.
    """
    b = np.frombuffer(data, dtype=np.uint8)
    newline = np.flatnonzero(b == 10)
    quotes = np.flatnonzero(b == 34)
    ends = newline[np.searchsorted(quotes, newline) % 2 == 0]
    starts = np.r_[0, ends + 1]
    stops = np.r_[ends, len(b)]
    body = stops - starts - (b[np.maximum(stops - 1, 0)] == 13)  # "\r\n" endings
    line = np.searchsorted(newline, starts) + 1
    keep = body > 0
    return line[keep][1:]


def _python_rows(text: str, header: list[str], source: str | None
                 ) -> tuple[pd.DataFrame, list[int]]:
    """Rows by Python's ``csv`` module: every record's line, ragged rows reported."""
    reader = csv.reader(io.StringIO(text, newline=""))
    problems: list[Problem] = []
    rows: list[list[str]] = []
    lines: list[int] = []
    width = len(header)
    try:
        next(reader)
        start = reader.line_num + 1
        for rec in reader:
            if not rec or all(not c.strip() for c in rec):
                start = reader.line_num + 1
                continue
            if len(rec) != width:
                problems.append(Problem(f"has {len(rec)} fields, the header has {width}",
                                        file=source, line=start, code="field-count"))
            rows.append((rec + [""] * width)[:width])
            lines.append(start)
            start = reader.line_num + 1
    except csv.Error as err:
        raise _fail(f"malformed CSV: {err}", source, "malformed-csv", reader.line_num) from err
    if problems:
        raise CheckinError(problems, file=source)
    if not rows:
        raise _fail("has a header but no check-ins", source, "no-rows")
    return pd.DataFrame(rows, columns=header, dtype=object), lines


def validate_checkins(
    frame: pd.DataFrame,
    *,
    plan: Plan | None = None,
    source: str | None = None,
    lines: Lines | None = None,
) -> pd.DataFrame:
    """Validate raw check-in records (strings or numbers) and return a contract frame.

    Every problem is collected (pandera, ``lazy=True``) and raised at once as a
    :class:`~okrkit.errors.CheckinError` naming the line (``lines``) or the 1-based row
    and the field, each with its ``code`` (:mod:`okrkit.checkin_schema`). With a
    ``plan``, check-ins must name its KRs, fall in its period, and a reported status
    must agree with the value (:func:`okrkit.rules.status_conflicts`).

    The frame returned is marked as validated: :meth:`Store.add_checkins
    <okrkit.store.Store.add_checkins>` then checks only what needs the store, unless the
    frame was changed in between.
    """
    return _finish(_checked(frame, plan), source, lines)


def _checked(frame: pd.DataFrame, plan: Plan | None) -> checkin_schema.Checked:
    chk = checkin_schema.check(frame)
    if plan is not None:
        checkin_schema.check_plan(chk, plan)
    return chk


def _finish(chk: checkin_schema.Checked, source: str | None, lines: Lines | None
            ) -> pd.DataFrame:
    if chk.found:
        raise CheckinError(chk.problems(source, lines), file=source)
    return checkin_seal.seal(chk, source=source, lines=lines)


def checkins_to_csv(frame: pd.DataFrame) -> str:
    """Check-ins as CSV text in the contract's column order (dates ISO)."""
    out = conform(frame, "checkins").copy()
    out["date"] = [d.isoformat() if d else "" for d in out["date"]]
    out["recorded_at"] = [d.isoformat() if d else "" for d in out["recorded_at"]]
    buf = io.StringIO()
    out.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue()

"""Check-ins in the store: validation against the stored plans, bulk insert, reads.

Check-ins are append-only. A correction is a new row for the same ``(kr_id, date)``; the
row with the latest ``recorded_at`` (ties: the one inserted last) is the *effective* one.
Reads return only effective rows unless ``effective=False`` asks for the audit trail.

The insert path is built for volume: the frame is validated with vectorised pandas/numpy
checks, turned into plain tuples of ISO text and floats, and written with the driver's
``executemany`` (SQLite) or ``COPY ... FROM STDIN`` (PostgreSQL) in chunks, all inside the
caller's single transaction.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from itertools import islice
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, String, func, select, type_coerce

from okrkit.errors import CheckinError, Problem
from okrkit.frames import CHECKIN_COLUMNS, STATUSES, empty
from okrkit.store.schema import checkins, key_results, objectives, periods

CHUNK = 50_000
_COLUMNS = ("period", *CHECKIN_COLUMNS, "source")  # the checkins table, in order
_INSERT_SQLITE = (
    "INSERT INTO checkins (period, kr_id, date, value, confidence, status, note, blockers, "
    "achievements, author, recorded_at, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_COPY_PG = (
    "COPY checkins (period, kr_id, date, value, confidence, status, note, blockers, "
    "achievements, author, recorded_at, source) FROM STDIN"
)
_TEXT = ("note", "blockers", "achievements", "author")
_STATUS_LOOKUP = {s.lower(): s for s in STATUSES}


def utcnow() -> dt.datetime:
    """Now in UTC, naive (the contract's ``recorded_at`` convention)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return frame[name].reset_index(drop=True)
    return pd.Series([None] * len(frame), dtype=object)


def _texts(series: pd.Series, *, strip: bool = False) -> np.ndarray:
    """Object array of str/None; blank strings become None (``strip``: trim ids)."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    clean: list[str | None] = []
    for u in uniques:
        t = u if isinstance(u, str) else str(u)
        clean.append((t.strip() if strip else t) if t.strip() else None)
    lookup = np.array([*clean, None], dtype=object)  # code -1 (missing) -> None
    return lookup[codes]


def _numbers(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Float values and a mask of cells that hold something that is not a number."""
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        vals = series.to_numpy(dtype="float64", na_value=np.nan)
        return vals, np.zeros(len(vals), bool)
    vals = pd.to_numeric(series, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    given = ~pd.isna(_texts(series))
    return vals, given & np.isnan(vals)


def _day(v: Any) -> np.datetime64:
    if isinstance(v, dt.datetime):
        v = v.date()
    if not isinstance(v, dt.date):
        v = dt.date.fromisoformat(str(v).strip())  # ValueError for anything else
    return np.datetime64(v, "D")


def _days(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Dates as ``datetime64[D]`` and a mask of cells that are given but not dates."""
    if pd.api.types.is_datetime64_any_dtype(series):
        out = series.dt.tz_localize(None) if series.dt.tz is not None else series
        return out.to_numpy(dtype="datetime64[D]"), np.zeros(len(series), bool)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    parsed = np.full(len(uniques) + 1, np.datetime64("NaT"), dtype="datetime64[D]")
    wrong = np.zeros(len(uniques) + 1, bool)
    for j, u in enumerate(uniques):
        if isinstance(u, str) and not u.strip():
            continue
        try:
            parsed[j] = _day(u)
        except (ValueError, TypeError):
            wrong[j] = True
    return parsed[codes], wrong[codes]


def _recorded(series: pd.Series, now: dt.datetime) -> tuple[np.ndarray, np.ndarray]:
    """``recorded_at`` as SQL text (UTC, naive); missing ones become ``now``."""
    bad = np.zeros(len(series), bool)
    if series.isna().all():
        stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f")
        return np.full(len(series), stamp, dtype=object), bad
    ts = pd.to_datetime(series, errors="coerce", utc=True, format="mixed")
    bad = (~pd.isna(series) & ts.isna()).to_numpy()
    arr = ts.dt.tz_localize(None).to_numpy(dtype="datetime64[us]")
    arr = np.where(np.isnat(arr), np.datetime64(now, "us"), arr)
    text = np.char.replace(np.datetime_as_string(arr, unit="us"), "T", " ")
    return text.astype(object), bad


def prepare(
    conn: Connection,
    frame: pd.DataFrame,
    *,
    source: str | None = None,
    lines: Sequence[int] | None = None,
    now: dt.datetime | None = None,
) -> list[tuple[Any, ...]]:
    """Validate check-in records against the stored plans and return rows to insert.

    Raises
    ------
    CheckinError
        With every problem found (nothing is written), each naming the row or line.
    """
    n = len(frame)
    now = now or utcnow()
    problems: list[tuple[int, str, str]] = []

    kr = _texts(_column(frame, "kr_id"), strip=True)
    days, bad_day = _days(_column(frame, "date"))
    value, bad_value = _numbers(_column(frame, "value"))
    conf, bad_conf = _numbers(_column(frame, "confidence"))
    status_raw = _texts(_column(frame, "status"), strip=True)
    recorded, bad_rec = _recorded(_column(frame, "recorded_at"), now)

    def report(mask: np.ndarray, field: str, msg: Any) -> None:
        for i in np.flatnonzero(mask):
            problems.append((int(i), field, msg(int(i)) if callable(msg) else msg))

    kr_missing = pd.isna(kr)
    report(kr_missing, "kr_id", "required field 'kr_id' is missing")
    report(bad_day, "date", lambda i: f"date '{frame['date'].iat[i]}' is not a date (YYYY-MM-DD)")
    report(np.isnat(days) & ~bad_day, "date", "required field 'date' is missing")
    report(bad_value, "value", lambda i: f"value '{frame['value'].iat[i]}' is not a number")
    report(np.isnan(value) & ~bad_value, "value", "required field 'value' is missing")
    report(np.isinf(value), "value", "value must be finite")
    report(
        bad_conf,
        "confidence",
        lambda i: f"confidence '{frame['confidence'].iat[i]}' is not a number",
    )
    report(
        ~np.isnan(conf) & ((conf < 0) | (conf > 1)),
        "confidence",
        lambda i: f"confidence {conf[i]:g} must be between 0 and 1",
    )
    report(
        bad_rec,
        "recorded_at",
        lambda i: f"recorded_at '{frame['recorded_at'].iat[i]}' is not a time",
    )
    codes, uniques = pd.factorize(status_raw, use_na_sentinel=True)
    fixed = [_STATUS_LOOKUP.get(u.lower(), u) for u in uniques]
    status = np.array([*fixed, None], dtype=object)[codes]
    bad_status = np.array([u not in STATUSES for u in fixed] + [False], bool)[codes]
    report(
        bad_status,
        "status",
        lambda i: f"status '{status[i]}' must be one of " + ", ".join(STATUSES),
    )

    # which stored period holds the KR at that date?
    known = conn.execute(
        select(key_results.c.kr_id, key_results.c.period, periods.c.start_date, periods.c.end_date)
        .join(periods, periods.c.period == key_results.c.period)
        .order_by(periods.c.start_date, periods.c.period)
    ).all()
    ok = ~kr_missing & ~np.isnat(days)
    period = np.full(n, None, dtype=object)
    if known and ok.any():
        krs = pd.DataFrame(known, columns=["kr_id", "period", "start", "end"])
        krs["start"] = krs["start"].to_numpy(dtype="datetime64[D]")
        krs["end"] = krs["end"].to_numpy(dtype="datetime64[D]")
        rows = np.flatnonzero(ok)
        left = pd.DataFrame({"row": rows, "kr_id": kr[rows], "day": days[rows]})
        m = left.merge(krs, on="kr_id", how="inner", sort=False)
        m = m[(m["day"] >= m["start"]) & (m["day"] <= m["end"])]
        m = m.drop_duplicates("row", keep="first")
        period[m["row"].to_numpy()] = m["period"].to_numpy(dtype=object)
    unplaced = ok & pd.isna(period)
    if unplaced.any():
        spans: dict[str, list[str]] = {}
        for k, p, s, e in known:
            spans.setdefault(k, []).append(f"{p}: {s}..{e}")
        for i in np.flatnonzero(unplaced):
            k = kr[i]
            if k not in spans:
                problems.append(
                    (int(i), "kr_id", f"unknown key result '{k}' (not in any stored plan)")
                )
            else:
                d = str(days[i])
                where = "; ".join(spans[k])
                msg = f"date {d} is outside every period that holds key result '{k}' ({where})"
                problems.append((int(i), "date", msg))

    if problems:
        raise CheckinError(_locate(problems, kr, source, lines), file=source)

    date_text = np.datetime_as_string(days, unit="D").astype(object)
    conf_obj = conf.astype(object)
    conf_obj[np.isnan(conf)] = None
    text_cols = [_texts(_column(frame, c)) for c in _TEXT]
    src = [source] * n
    return list(
        zip(
            period.tolist(),
            kr.tolist(),
            date_text.tolist(),
            value.tolist(),
            conf_obj.tolist(),
            status.tolist(),
            *(c.tolist() for c in text_cols),
            recorded.tolist(),
            src,
            strict=True,
        )
    )


def _locate(
    problems: list[tuple[int, str, str]],
    kr: np.ndarray,
    source: str | None,
    lines: Sequence[int] | None,
) -> list[Problem]:
    out = []
    is_file = source is not None and lines is None and os.path.isfile(source)
    for i, field, msg in sorted(problems, key=lambda p: (p[0], p[1])):
        if lines is not None:
            line, row = int(lines[i]), None
        elif is_file:
            line, row = i + 2, None  # a header line, then one record per line
        else:
            line, row = None, i + 1
        out.append(Problem(msg, file=source, line=line, row=row, field=field, id=kr[i]))
    return out


def insert(conn: Connection, rows: list[tuple[Any, ...]]) -> int:
    """Append prepared rows in chunks (one transaction: the caller's)."""
    if not rows:
        return 0
    if conn.dialect.name == "sqlite":
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            it = iter(rows)
            while chunk := list(islice(it, CHUNK)):
                cursor.executemany(_INSERT_SQLITE, chunk)
        finally:
            cursor.close()
    else:
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            with cursor.copy(_COPY_PG) as copy:
                for row in rows:
                    copy.write_row(row)
        finally:
            cursor.close()
    return len(rows)


def read(
    conn: Connection,
    *,
    period: str | None = None,
    team: str | None = None,
    effective: bool = True,
    with_period: bool = False,
) -> pd.DataFrame:
    """Check-ins as a contract frame sorted by kr_id, date, recorded_at.

    Dates come back as text (SQLite) or date objects (PostgreSQL) and are converted
    column-wise with numpy, not row by row, so a million rows read in seconds.
    """
    c = checkins
    raw = {
        "date": type_coerce(c.c.date, String),
        "recorded_at": type_coerce(c.c.recorded_at, String),
    }
    names = ["id", "period", *_COLUMNS[1:-1]]
    cols = [raw.get(n, c.c[n]).label(n) for n in names]
    stmt = select(*cols)
    if team is not None:
        k, o = key_results, objectives
        stmt = stmt.join(k, (k.c.period == c.c.period) & (k.c.kr_id == c.c.kr_id)).join(
            o, (o.c.period == k.c.period) & (o.c.objective_id == k.c.objective_id)
        )
        stmt = stmt.where(o.c.team == team)
    if period is not None:
        stmt = stmt.where(c.c.period == period)
    if effective:
        rank = (
            func.row_number()
            .over(
                partition_by=(c.c.period, c.c.kr_id, c.c.date),
                order_by=(c.c.recorded_at.desc(), c.c.id.desc()),
            )
            .label("rank")
        )
        inner = stmt.add_columns(rank).subquery()
        stmt = select(*(inner.c[n] for n in names)).where(inner.c.rank == 1)
        order = [inner.c.kr_id, inner.c.date, inner.c.recorded_at, inner.c.id]
    else:
        order = [c.c.kr_id, c.c.date, c.c.recorded_at, c.c.id]
    rows = conn.execute(stmt.order_by(*order)).all()
    if not rows:
        out = empty("checkins")
        if with_period:
            out.insert(0, "period", pd.Series(dtype=object))
        return out
    data = dict(zip(names, zip(*rows, strict=True), strict=True))

    def text(name: str) -> pd.Series:
        return pd.Series(data[name], dtype=object)

    out = pd.DataFrame(
        {
            "kr_id": text("kr_id"),
            "date": pd.Series(np.array(data["date"], dtype="datetime64[D]").astype(object)),
            "value": np.array(data["value"], dtype="float64"),
            "confidence": np.array(data["confidence"], dtype="float64"),
            **{name: text(name) for name in ("status", *_TEXT)},
            "recorded_at": pd.Series(
                np.array(data["recorded_at"], dtype="datetime64[us]").astype(object)
            ),
        },
        columns=CHECKIN_COLUMNS,
    )
    if with_period:
        out.insert(0, "period", text("period"))
    return out

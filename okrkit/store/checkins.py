"""Check-ins in the store: what only the store can check, bulk insert, reads.

Check-ins are append-only. A correction is a new row for the same ``(kr_id, date)``; which
row counts is :func:`okrkit.rules.latest_per_day` (the latest ``recorded_at``; equal
times: the one inserted last). Reads return only those rows unless ``effective=False``
asks for the audit trail; which rows win is the rule of
:func:`okrkit.rules.latest_per_day` (:func:`okrkit.rules.keep_latest` on the codes read).

The fields of each record are checked by the one check-in validator
(:mod:`okrkit.checkin_schema`; a frame it sealed is not checked again). The store adds
what needs it: which stored period holds the key result on that date (unknown key
results, dates outside every period that holds them), and the key-result rules (a
percentage value needs a ``%`` unit; a reported status must agree with the value) against
the stored key results. Rows are then written column-wise: ``executemany`` (SQLite) or
one CSV ``COPY ... FROM STDIN`` (PostgreSQL), inside the caller's single transaction.
"""

from __future__ import annotations

import datetime as dt
import io
import os
from itertools import islice
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, select

from okrkit import checkin_schema, checkin_seal
from okrkit.errors import CheckinError
from okrkit.frames import CHECKIN_COLUMNS
from okrkit.rules import keep_latest
from okrkit.store.schema import key_results, periods

CHUNK = 50_000
_COLUMNS = ("period", *CHECKIN_COLUMNS, "source")  # the checkins table, in order
_NAMES = ", ".join(_COLUMNS)
_INSERT_SQLITE = f"INSERT INTO checkins ({_NAMES}) VALUES ({', '.join('?' * len(_COLUMNS))})"  # noqa: S608
_COPY_PG = f"COPY checkins ({_NAMES}) FROM STDIN"
_COPY_PG_CSV = f"COPY checkins ({_NAMES}) FROM STDIN WITH (FORMAT csv)"
_TEXT = ("note", "blockers", "achievements", "author")
_STAMP = "%Y-%m-%d %H:%M:%S.%f"


def utcnow() -> dt.datetime:
    """Now in UTC, naive (the contract's ``recorded_at`` convention)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _placements(conn: Connection, ids: np.ndarray) -> pd.DataFrame:
    """The stored key results named ``ids`` (all of them for many ids), with their
    period's dates and the fields the KR rules need."""
    k, p = key_results, periods
    stmt = (
        select(k.c.kr_id, k.c.period, p.c.start_date, p.c.end_date, k.c.unit, k.c.direction,
               k.c.baseline, k.c.target)
        .join(p, p.c.period == k.c.period)
        .order_by(p.c.start_date, p.c.period)
    )
    if len(ids) <= 500:  # a few check-ins (the app, the command line): only their KRs
        stmt = stmt.where(k.c.kr_id.in_([str(i) for i in ids]))
    rows = [tuple(r) for r in conn.execute(stmt).all()]  # plain tuples: pandas is slow on Rows
    cols = ["kr_id", "period", "start", "end", "unit", "direction", "baseline", "target"]
    out = pd.DataFrame.from_records(rows, columns=cols)
    for c in ("start", "end"):
        days = pd.Series(out[c].to_numpy(dtype=object), dtype=object)
        out[c] = _by_distinct(days, lambda d: np.datetime64(d, "D")).astype("datetime64[D]")
    return out


def _place(chk: checkin_schema.Checked, krs: pd.DataFrame) -> np.ndarray:
    """Each row's stored key result (row of ``krs``) whose period holds the date; -1: none.

    A key result id may be in several periods (a carried key result keeps its id), but
    only one period holding the date may hold it: a row that two overlapping periods
    could take is refused (``ambiguous-period``) and left unplaced.
    """
    n = len(chk.kr_codes)
    placed = np.full(n, -1, dtype="int64")
    if not len(krs) or not n:
        return placed
    nth = krs.groupby("kr_id", sort=False).cumcount().to_numpy()
    start, end = krs["start"].to_numpy(), krs["end"].to_numpy()
    ok = (chk.kr_codes >= 0) & ~np.isnat(chk.day)
    holders: dict[int, list[int]] = {}
    for j in range(int(nth.max()) + 1):
        level = np.flatnonzero(nth == j)
        cand = checkin_schema.kr_positions(chk, krs["kr_id"].to_numpy()[level])
        sel = np.flatnonzero(ok & (cand >= 0))
        rows = level[cand[sel]]
        inside = (chk.day[sel] >= start[rows]) & (chk.day[sel] <= end[rows])
        sel, rows = sel[inside], rows[inside]
        again = placed[sel] >= 0  # another period holds it too: rare
        for i, r in zip(sel[again].tolist(), rows[again].tolist(), strict=True):
            holders.setdefault(i, [int(placed[i])]).append(r)
        placed[sel[~again]] = rows[~again]
    if holders:
        bad = np.array(sorted(holders), dtype="int64")
        placed[bad] = -2  # neither unknown nor outside: ambiguous
        label = krs["period"].to_numpy()
        kr, day = chk.kr, chk.day
        chk.add(bad, "kr_id", "ambiguous-period",
                lambda i: f"key result '{kr[i]}' is in "
                          f"{' and '.join(sorted({str(label[r]) for r in holders[i]}))}, which "
                          f"both hold {day[i]}: a check-in cannot tell which one it is for "
                          "(give the key results of overlapping periods different ids)")
    return placed


def checked(frame: pd.DataFrame) -> tuple[checkin_schema.Checked, str | None, Any]:
    """The fields checked by the one validator (no store needed: done before locking).

    A frame the validator sealed is not checked again; its file and lines come along.
    """
    known = checkin_seal.sealed(frame)
    return (checkin_schema.check(frame), None, None) if known is None else known


def prepare(
    conn: Connection,
    frame: pd.DataFrame,
    *,
    source: str | None = None,
    lines: Any = None,
    now: dt.datetime | None = None,
    checked_as: tuple[checkin_schema.Checked, str | None, Any] | None = None,
    future_dates: bool = False,
) -> dict[str, Any]:
    """Check check-in records against the stored plans; the columns to insert.

    ``checked_as`` is :func:`checked` of ``frame`` when the caller ran it already. A date
    after today is refused unless ``future_dates`` (:func:`okrkit.checkin_schema.
    check_not_after`). The columns carry ``"_recorded_given"``: the rows whose
    ``recorded_at`` came with the record.

    Raises
    ------
    CheckinError
        With every problem found (nothing is written), each naming the row or line.
    """
    chk, sealed_source, sealed_lines = checked_as or checked(frame)
    if lines is None and sealed_lines is not None and source in (None, sealed_source):
        lines = sealed_lines
    now = now or utcnow()
    if not future_dates:
        checkin_schema.check_not_after(chk, now.date())
    krs = _placements(conn, chk.kr_ids)
    placed = _place(chk, krs)
    _unplaced(chk, krs, placed)
    rows = np.flatnonzero(placed >= 0)
    checkin_schema.check_key_results(chk, rows, placed[rows], krs)
    if chk.found:
        if lines is None and source is not None and os.path.isfile(source):
            lines = range(2, len(frame) + 2)  # a header line, then one record per line
        raise CheckinError(chk.problems(source, lines), file=source)
    return _columns(chk, krs["period"].to_numpy()[placed] if len(krs) else placed,
                    source, now)


def _unplaced(chk: checkin_schema.Checked, krs: pd.DataFrame, placed: np.ndarray) -> None:
    todo = np.flatnonzero((placed == -1) & (chk.kr_codes >= 0) & ~np.isnat(chk.day))
    if not len(todo):
        return
    spans: dict[str, list[str]] = {}
    for k, p, s, e in zip(krs["kr_id"], krs["period"], krs["start"].dt.date, krs["end"].dt.date,
                          strict=True):
        spans.setdefault(k, []).append(f"{p}: {s}..{e}")
    kr, day = chk.kr, chk.day
    unknown = np.array([kr[i] not in spans for i in todo], dtype=bool)
    chk.add(todo[unknown], "kr_id", "unknown-key-result",
            lambda i: f"unknown key result '{kr[i]}' (not in any stored plan)")
    chk.add(todo[~unknown], "date", "outside-period",
            lambda i: f"date {day[i]} is outside every period that holds key result "
                      f"'{kr[i]}' ({'; '.join(spans[kr[i]])})")


def _by_distinct(values: pd.Series, convert: Any) -> np.ndarray:
    codes, uniq = pd.factorize(values, use_na_sentinel=True)
    lookup = np.array([*(convert(u) for u in uniq), None], dtype=object)
    return lookup[codes]


def _columns(chk: checkin_schema.Checked, period: np.ndarray, source: str | None,
             now: dt.datetime) -> dict[str, Any]:
    """The checkins table's columns (Python values, SQL text for dates and times)."""
    f = chk.frame
    days = pd.Series(chk.day.astype("int64"))
    day_text = _by_distinct(days, lambda d: str(np.datetime64(int(d), "D")))
    rec = _by_distinct(f["recorded_at"], lambda m: m.strftime(_STAMP))
    given = ~pd.isna(rec)
    rec[~given] = now.strftime(_STAMP)
    conf = f["confidence"].to_numpy().astype(object)
    conf[np.isnan(f["confidence"].to_numpy())] = None
    return {
        "period": period.astype(object), "kr_id": f["kr_id"].to_numpy(), "date": day_text,
        "value": f["value"].to_numpy(), "confidence": conf, "status": f["status"].to_numpy(),
        **{c: f[c].to_numpy() for c in _TEXT}, "recorded_at": rec,
        "source": np.full(len(f), source, dtype=object), "_recorded_given": given,
    }


#: The fields that make two check-ins the same record (``recorded_at`` too when given).
IDENTITY = ("period", "kr_id", "date", "value", "confidence", "status", *_TEXT)


def already_recorded(conn: Connection, columns: dict[str, Any]) -> np.ndarray:
    """Rows of prepared columns that the store holds already (idempotent imports).

    A row is already recorded when a stored check-in has the same period, key result,
    date, value, confidence, status and texts — and the same ``recorded_at`` when the
    row came with one. A changed value is a correction, hence a new row; rows of the same
    import are never compared with each other (a file may correct itself).
    """
    n = len(columns["kr_id"])
    if not n:
        return np.zeros(0, dtype=bool)
    mine = pd.DataFrame({c: np.asarray(columns[c], dtype=object) for c in IDENTITY})
    mine["value"] = mine["value"].astype("float64")
    mine["confidence"] = pd.to_numeric(mine["confidence"]).astype("float64")
    mine["recorded_at"] = np.asarray(columns["recorded_at"], dtype=object)
    stored = _stored_identities(conn, mine)
    if not len(stored):
        return np.zeros(n, dtype=bool)
    given = np.asarray(columns["_recorded_given"], dtype=bool)
    found = np.zeros(n, dtype=bool)
    for with_time in (True, False):
        rows = np.flatnonzero(given == with_time)
        if not len(rows):
            continue
        on = [*IDENTITY, "recorded_at"] if with_time else list(IDENTITY)
        hit = mine.iloc[rows][on].merge(stored[on].drop_duplicates(), how="left", on=on,
                                        indicator=True)["_merge"].to_numpy() == "both"
        found[rows[hit]] = True
    return found


def _stored_identities(conn: Connection, mine: pd.DataFrame) -> pd.DataFrame:
    """The stored check-ins of the periods (and, for a few rows, the key results) of
    ``mine``, with the identity columns in ``mine``'s representation."""
    names = [*IDENTITY, "recorded_at"]
    sql = f"SELECT {', '.join(names)} FROM checkins WHERE period IN "  # noqa: S608
    periods_ = sorted(set(mine["period"]))
    params: list[Any] = list(periods_)
    sql += "(" + ", ".join("?" * len(periods_)) + ")"
    ids = sorted(set(mine["kr_id"]))
    if len(ids) <= 500:
        sql += " AND kr_id IN (" + ", ".join("?" * len(ids)) + ")"
        params += ids
    rows = _fetch(conn, sql, params)
    grid = np.array(rows, dtype=object) if rows else np.empty((0, len(names)), dtype=object)
    out = pd.DataFrame({n: grid[:, j] for j, n in enumerate(names)})
    out["date"] = _by_distinct(out["date"], lambda d: _as_date(d).isoformat())
    out["recorded_at"] = _by_distinct(out["recorded_at"],
                                      lambda m: _as_datetime(m).strftime(_STAMP))
    for c in ("value", "confidence"):
        out[c] = np.array(out[c].tolist(), dtype="float64")
    return out


def not_recorded(conn: Connection, columns: dict[str, Any]) -> dict[str, Any]:
    """Prepared columns without the rows :func:`already_recorded` finds."""
    keep = ~already_recorded(conn, columns)
    return columns if keep.all() else {c: np.asarray(v)[keep] for c, v in columns.items()}


def insert_columns(conn: Connection, columns: dict[str, Any]) -> int:
    """Append prepared columns (:func:`prepare`) in the caller's transaction; the rows
    added."""
    n = len(columns["kr_id"])
    if not n:
        return 0
    if conn.dialect.name == "sqlite":
        lists = [np.asarray(columns[c]).tolist() for c in _COLUMNS]
        return insert(conn, zip(*lists, strict=True), n)
    import pyarrow as pa
    import pyarrow.csv as pcsv

    table = pa.table({c: pa.array(np.asarray(columns[c]), type=pa.float64()
                                  if c in ("value", "confidence") else pa.string(),
                                  from_pandas=True) for c in _COLUMNS})
    buf = io.BytesIO()
    pcsv.write_csv(table, buf, pcsv.WriteOptions(include_header=False, quoting_style="needed"))
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(_COPY_PG_CSV) as copy:
            view = buf.getbuffer()
            for at in range(0, len(view), 1 << 24):
                copy.write(view[at: at + (1 << 24)])
            del view
    finally:
        cursor.close()
    return n


def insert(conn: Connection, rows: Any, n: int | None = None) -> int:
    """Append rows (tuples in :data:`_COLUMNS` order) in chunks (the caller's transaction)."""
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    count = 0
    try:
        if conn.dialect.name == "sqlite":
            it = iter(rows)
            while chunk := list(islice(it, CHUNK)):
                cursor.executemany(_INSERT_SQLITE, chunk)
                count += len(chunk)
        else:
            with cursor.copy(_COPY_PG) as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
    finally:
        cursor.close()
    return count if n is None else n


def read(
    conn: Connection,
    *,
    period: str | None = None,
    team: str | None = None,
    effective: bool = True,
    with_period: bool = False,
    with_source: bool = False,
) -> pd.DataFrame:
    """Check-ins as a contract frame sorted by kr_id, date, recorded_at (then insertion).

    One plain query through the driver's cursor, in the order of the check-in index
    (period, kr_id, date, recorded_at, id); the columns are converted once per distinct
    value (dates, times) rather than per row. ``effective`` keeps the rows
    :func:`okrkit.rules.latest_per_day` picks (per period, KR and day: the latest
    recorded, then the latest inserted), by :func:`okrkit.rules.keep_latest`.
    ``with_source`` adds the ``source`` column (an import's file, a pull's provenance).
    """
    names = ["id", "period", *CHECKIN_COLUMNS, *(["source"] if with_source else [])]
    sql = f"SELECT {', '.join('c.' + n for n in names)} FROM checkins c"  # noqa: S608
    where, params = [], []
    if team is not None:
        sql += (" JOIN key_results k ON k.period = c.period AND k.kr_id = c.kr_id"
                " JOIN objectives o ON o.period = k.period AND o.objective_id = k.objective_id")
        where.append("o.team = ?")
        params.append(team)
    if period is not None:
        where.append("c.period = ?")
        params.append(period)
    if where:
        sql += " WHERE " + " AND ".join(where)
    collate = "" if conn.dialect.name == "sqlite" else ' COLLATE "C"'  # code-point order
    sql += (f" ORDER BY c.period{collate}, c.kr_id{collate}, c.date, c.recorded_at, c.id")
    frame = _frame(names, _fetch(conn, sql, params))  # sorted: the index's own order
    if effective and len(frame):
        change = np.zeros(len(frame), dtype=bool)
        for c in ("period", "kr_id", "date"):
            v = frame[c].to_numpy()
            change[1:] |= v[1:] != v[:-1]
        # rows are in recorded_at, id order within a day: the rule's "latest wins"
        keep = keep_latest(np.cumsum(change), None)
        frame = frame.iloc[keep]
    if frame["period"].nunique() > 1:  # several periods: back to kr_id, date order
        order = np.lexsort([_sorted_codes(frame[c]) for c in ("id", "recorded_at", "date",
                                                                "kr_id")])
        frame = frame.iloc[order]
    cols = (["period"] if with_period else []) + CHECKIN_COLUMNS + (
        ["source"] if with_source else [])
    return frame[cols].reset_index(drop=True)


def _fetch(conn: Connection, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    raw = conn.connection.driver_connection  # type: ignore[union-attr]
    if conn.dialect.name != "sqlite":
        sql = sql.replace("?", "%s")
    cursor = raw.cursor()
    try:
        cursor.execute(sql, params)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _frame(names: list[str], rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    """Rows to typed columns: dates and times converted once per distinct value."""
    grid = np.array(rows, dtype=object) if rows else np.empty((0, len(names)), dtype=object)
    data = {n: grid[:, j] for j, n in enumerate(names)}

    def obj(name: str) -> pd.Series:
        return pd.Series(np.ascontiguousarray(data[name]), dtype=object, copy=False)

    def floats(name: str) -> np.ndarray:
        return np.array(data[name].tolist(), dtype="float64")  # None: NaN

    day = _by_distinct(obj("date"), _as_date)
    codes, uniq = pd.factorize(obj("recorded_at"), use_na_sentinel=True)
    stamp = np.array([np.datetime64(_as_datetime(u), "us") for u in uniq] + [np.datetime64("NaT")],
                     dtype="datetime64[us]")[codes]
    out = {"id": data["id"].astype("int64"), "period": obj("period"),
           "kr_id": obj("kr_id"), "date": pd.Series(day, dtype=object), "value": floats("value"),
           "confidence": floats("confidence"),
           **{n: obj(n) for n in ("status", *_TEXT)}, "recorded_at": pd.Series(stamp)}
    if "source" in data:
        out["source"] = obj("source")
    return pd.DataFrame(out, copy=False)


def _as_date(v: Any) -> dt.date:
    return v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v)[:10])


def _as_datetime(v: Any) -> dt.datetime:
    return v if isinstance(v, dt.datetime) else dt.datetime.fromisoformat(str(v))


def _sorted_codes(values: pd.Series) -> np.ndarray:
    """Codes that sort like the values (missing first)."""
    return np.asarray(pd.factorize(values, sort=True, use_na_sentinel=True)[0], dtype="int64")

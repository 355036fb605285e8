"""The one check-in validator: raw records in, a contract frame and every problem out.

Files (:mod:`okrkit.checkins`), the check-in app, ``okrkit checkin`` and
:meth:`Store.add_checkins <okrkit.store.Store.add_checkins>` all call :func:`check`; the
store adds only what needs the store (which stored period holds the key result on that
date). Each problem names the row (or file line) and the field and has a stable ``code``:

========================  ===========================================================
code                      rule
========================  ===========================================================
missing                   ``kr_id``, ``date`` and ``value`` are required
not-a-number              ``value`` / ``confidence``: a number (``85%`` means 85; a
                          confidence of ``80%`` means 0.8); ``nan`` is not a number
not-finite                numbers are finite (``1e309``, ``inf`` are refused)
out-of-range              ``confidence`` in 0..1; dates and times in 1900..2200
not-a-date                ``date`` is ``YYYY-MM-DD`` (or a date object)
not-a-time                ``recorded_at`` is an ISO date and time (UTC if no zone)
unknown-status            ``status`` is one of :data:`okrkit.frames.STATUSES` (any case)
too-long                  ids at most 200 characters, text fields at most 10,000
control-character         no control characters in ids; none but tab and newline in text
unknown-key-result        the key result exists (in the plan, or in the store)
outside-period            the date falls in the plan's period (or a stored one holding it)
percent-unit              ``85%`` only for a key result whose unit is ``%``
status-contradicts-value  :func:`okrkit.rules.status_conflicts` (``Complete`` needs the
                          target reached, ``Not Started`` the value at the baseline)
========================  ===========================================================

The work is vectorised: every column is factorized and only its distinct values are
parsed; the checks are pandera schemas run lazily (every failure at once) over the typed
numbers and over the distinct texts, so a million valid rows cost no Python loop per row.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from okrkit.errors import Problem
from okrkit.frames import CHECKIN_COLUMNS, STATUSES
from okrkit.rules import status_conflicts

TEXT_FIELDS = ("note", "blockers", "achievements", "author")
MAX_ID = 200  # the store's id columns
MAX_TEXT = 10_000
FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(2200, 12, 31)
_STATUS = {s.lower(): s for s in STATUSES}
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_INFINITE = re.compile(r"[+-]?(inf|infinity)", re.IGNORECASE)
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_ID_CONTROL = r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
_TEXT_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
Message = str | Callable[[int], str]


def _quote(v: Any, width: int = 60) -> str:
    t = str(v).strip()
    return t if len(t) <= width else t[: width - 1] + "…"


def _no(pattern: str) -> pa.Check:
    return pa.Check(lambda s: ~s.str.contains(pattern, regex=True), error="control-character")


_RANGE = (pd.Timestamp(FIRST_DAY), pd.Timestamp(LAST_DAY) + pd.Timedelta(days=1)
          - pd.Timedelta(1, "us"))
#: The typed numbers, every row: required value, finite numbers, confidence range.
ROWS = pa.DataFrameSchema(
    {
        "value": pa.Column(float, nullable=False,
                           checks=pa.Check(np.isfinite, error="not-finite")),
        "confidence": pa.Column(float, nullable=True, checks=[
            pa.Check(np.isfinite, error="not-finite"),
            pa.Check.in_range(0.0, 1.0, error="out-of-range")]),
    },
    coerce=False,
)
#: The distinct values of the other columns (each checked once, whatever its count).
DISTINCT = {
    "kr_id": [pa.Check.str_length(max_value=MAX_ID, error="too-long"), _no(_ID_CONTROL)],
    "date": [pa.Check.in_range(*_RANGE, error="out-of-range")],
    "recorded_at": [pa.Check.in_range(*_RANGE, error="out-of-range")],
    "status": [pa.Check.isin(list(STATUSES), error="unknown-status")],
    **{f: [pa.Check.str_length(max_value=MAX_TEXT, error="too-long"), _no(_TEXT_CONTROL)]
       for f in TEXT_FIELDS},
}
_TEMPLATES: dict[tuple[str, str], Callable[[str, Any], str]] = {
    ("*", "missing"): lambda f, v: f"required field '{f}' is missing",
    ("*", "not-a-number"): lambda f, v: f"{f} '{_quote(v)}' is not a number",
    ("*", "not-finite"): lambda f, v: f"{f} must be finite",
    ("confidence", "out-of-range"): lambda f, v: f"confidence {v:g} is outside 0..1",
    ("date", "out-of-range"): lambda f, v: f"date {v} is out of range (1900..2200)",
    ("recorded_at", "out-of-range"): lambda f, v: f"recorded_at {v} is out of range (1900..2200)",
    ("date", "not-a-date"): lambda f, v: f"date '{_quote(v)}' is not a date (YYYY-MM-DD)",
    ("recorded_at", "not-a-time"): lambda f, v: (
        f"recorded_at '{_quote(v)}' is not a time (YYYY-MM-DD HH:MM:SS, UTC unless a zone is given)"),
    ("status", "unknown-status"): lambda f, v: (
        f"status '{_quote(v)}' is not one of " + ", ".join(STATUSES)),
    ("*", "too-long"): lambda f, v: (
        f"{f} is {len(v):,} characters long (at most {MAX_ID if f == 'kr_id' else MAX_TEXT:,})"),
    ("*", "control-character"): lambda f, v: (
        f"{f} contains a control character ({_control(v)}): remove it"),
}


def _control(text: str) -> str:
    m = re.search(_ID_CONTROL, text)
    c = ord(m.group()) if m else 0
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def message(field_name: str, code: str, value: Any) -> str:
    """The one message of a check-in rule (``code``) for the offending ``value``."""
    make = _TEMPLATES.get((field_name, code)) or _TEMPLATES[("*", code)]
    return make(field_name, value)


@dataclass(frozen=True)
class Found:
    """Rows (0-based positions) breaking one rule, with the message for each row."""

    rows: np.ndarray
    field: str
    code: str
    message: Message


@dataclass
class Checked:
    """The result of :func:`check`: the contract frame and what is wrong with it.

    ``kr_codes``/``kr_ids`` factorize the ids (-1: missing), ``day`` holds the dates as
    ``datetime64[D]`` and ``percent`` marks values written as ``"85%"`` — what the plan
    and store checks need without parsing again.
    """

    frame: pd.DataFrame
    kr_codes: np.ndarray
    kr_ids: np.ndarray
    day: np.ndarray
    percent: np.ndarray
    found: list[Found] = field(default_factory=list)
    said: np.ndarray | None = None  # rows reporting Complete or Not Started

    def add(self, rows: Any, field_name: str, code: str, msg: Message) -> None:
        """Record a problem for ``rows``, except rows already wrong in that field."""
        rows = np.asarray(rows, dtype="int64")
        taken = [f.rows for f in self.found if f.field == field_name]
        if taken and len(rows):
            rows = rows[~np.isin(rows, np.concatenate(taken))]
        if len(rows):
            self.found.append(Found(rows, field_name, code, msg))

    @property
    def kr(self) -> np.ndarray:
        return self.frame["kr_id"].to_numpy()

    def problems(self, source: str | None = None,
                 lines: Sequence[int] | Callable[[], Sequence[int]] | None = None
                 ) -> list[Problem]:
        """Every problem located: ``line`` when ``lines`` maps rows to lines, else ``row``."""
        if callable(lines):
            lines = lines()  # None: rows could not be matched to lines
        kr = self.kr
        out = []
        for f in self.found:
            for i in f.rows.tolist():
                text = f.message(i) if callable(f.message) else f.message
                line = int(lines[i]) if lines is not None else None
                row = None if line is not None else i + 1
                out.append(Problem(text, file=source, line=line, row=row, field=f.field,
                                   id=kr[i], code=f.code))
        out.sort(key=lambda p: (p.line or p.row or 0, p.field or ""))
        return out


# ---------------------------------------------------------------------------- columns


@dataclass(frozen=True)
class _Col:
    """A factorized column: ``codes`` (-1: missing) into the distinct ``values``."""

    codes: np.ndarray
    values: list[Any]

    def take(self, values: list[Any] | None = None, dtype: Any = object,
             missing: Any = None) -> np.ndarray:
        """Per row: ``values`` (default: the distinct values) looked up by code."""
        vals = self.values if values is None else values
        lookup = np.empty(len(vals) + 1, dtype=dtype)
        lookup[: len(vals)] = vals
        lookup[-1] = missing
        return lookup[self.codes]

    def rows(self, distinct: Any) -> np.ndarray:
        """Rows holding one of the distinct values at positions ``distinct``."""
        bad = np.zeros(len(self.values) + 1, dtype=bool)
        bad[np.asarray(distinct, dtype="int64")] = True
        bad[-1] = False
        return np.flatnonzero(bad[self.codes])

    def remap(self, values: list[Any]) -> _Col:
        """The column with each distinct value replaced (equal ones merged, None: missing)."""
        index: dict[Any, int] = {}
        new = [-1 if v is None else index.setdefault(v, len(index)) for v in values]
        if new == list(range(len(new))):  # nothing merged or dropped: same codes
            return _Col(self.codes, list(index))
        return _Col(np.asarray([*new, -1], dtype="int64")[self.codes], list(index))

    def per_row(self, name: str, code: str) -> Callable[[int], str]:
        return lambda i: message(name, code, self.values[self.codes[i]])


def _distinct(series: pd.Series | None, n: int) -> _Col:
    """Factorize a column (``None``: absent, every row missing)."""
    if series is None:
        return _Col(np.full(n, -1, dtype="int64"), [])
    if isinstance(series.dtype, pd.CategoricalDtype):
        return _Col(series.cat.codes.to_numpy(dtype="int64"), list(series.cat.categories))
    try:
        codes, uniq = pd.factorize(series, use_na_sentinel=True)
    except TypeError:  # unhashable cells (lists, dicts): compare them as text
        codes, uniq = pd.factorize(series.map(lambda v: v if pd.api.types.is_hashable(v)
                                              else repr(v)), use_na_sentinel=True)
    return _Col(np.asarray(codes, dtype="int64"),
                uniq.tolist() if hasattr(uniq, "tolist") else list(uniq))


def _clean(u: Any) -> str | None:
    t = u if isinstance(u, str) else str(u)
    t = t.strip()
    return t or None


def _schema(chk: Checked, col: _Col, name: str, values: list[Any], dtype: Any = object
            ) -> None:
    """Run the :data:`DISTINCT` checks of ``name`` over the distinct ``values`` (None: skip)."""
    given = [i for i, v in enumerate(values) if v is not None]
    if not given or name not in DISTINCT:
        return
    distinct = pd.Series([values[i] for i in given], index=given, dtype=dtype, name=name)
    try:
        pa.SeriesSchema(dtype, checks=DISTINCT[name], name=name).validate(distinct, lazy=True)
    except SchemaErrors as err:
        for code, cases in err.failure_cases.groupby("check", sort=False):
            bad = [int(i) for i in cases["index"].dropna()]
            shown = _Col(col.codes, [str(v)[:10] if name == "date" else v for v in values])
            chk.add(col.rows(bad), name, str(code), shown.per_row(name, str(code)))


def _texts(chk: Checked, col: _Col, name: str) -> _Col:
    """Strings with surrounding blanks removed (blank: missing), checked once per distinct."""
    clean = col.remap([_clean(u) for u in col.values])
    _schema(chk, clean, name, clean.values)
    return clean


def _numbers(chk: Checked, series: pd.Series | None, n: int, name: str, percent: float
             ) -> tuple[np.ndarray, np.ndarray]:
    """Floats (NaN: missing) and the cells written with ``%`` (scaled by ``percent``)."""
    if series is not None and pd.api.types.is_numeric_dtype(series) and not (
            pd.api.types.is_bool_dtype(series)):
        return series.to_numpy(dtype="float64", na_value=np.nan), np.zeros(n, dtype=bool)
    col = _distinct(series, n)
    vals = np.full(len(col.values), np.nan)
    pct = np.zeros(len(col.values), dtype=bool)
    bad: list[int] = []
    for j, u in enumerate(col.values):
        if isinstance(u, bool | np.bool_):
            bad.append(j)
        elif isinstance(u, int | float | np.number):
            vals[j] = float(u)
        else:
            t = str(u).strip()
            if not t:
                continue
            if t.endswith("%"):
                pct[j], t = True, t[:-1].strip()
            if _NUMBER.fullmatch(t):
                vals[j] = float(t) * (percent if pct[j] else 1.0)
            elif _INFINITE.fullmatch(t):
                vals[j] = float(t)
            else:
                bad.append(j)
    if bad:
        chk.add(col.rows(bad), name, "not-a-number", col.per_row(name, "not-a-number"))
    return col.take(list(vals), "float64", np.nan), col.take(list(pct), bool, False)


def _day(u: Any) -> dt.date | None:
    if isinstance(u, pd.Timestamp | dt.datetime):
        return u.date()
    if isinstance(u, dt.date):
        return u
    if isinstance(u, np.datetime64):
        return None if np.isnat(u) else pd.Timestamp(u).date()
    t = str(u).strip()
    if _DAY.fullmatch(t):
        try:
            return dt.date.fromisoformat(t)
        except ValueError:
            return None
    return None


def _blank(u: Any) -> bool:
    return isinstance(u, str) and not u.strip()


def _dates(chk: Checked, series: pd.Series | None, n: int) -> _Col:
    """Dates as ``datetime.date`` (distinct values); bad ones reported, then missing."""
    if series is not None and pd.api.types.is_datetime64_any_dtype(series):
        s = series.dt.tz_localize(None) if series.dt.tz is not None else series
        series = s.dt.normalize()
    col = _distinct(series, n)
    days = [None if _blank(u) else _day(u) for u in col.values]
    bad = [j for j, (d, u) in enumerate(zip(days, col.values, strict=True))
           if d is None and not _blank(u)]
    if bad:
        chk.add(col.rows(bad), "date", "not-a-date", col.per_row("date", "not-a-date"))
    out = col.remap(days)
    _schema(chk, out, "date", [np.datetime64(d, "s") for d in out.values], "datetime64[s]")
    return out


def _moment(u: Any) -> dt.datetime | None:
    if isinstance(u, pd.Timestamp):
        u = u.to_pydatetime()
    if isinstance(u, np.datetime64):
        return None if np.isnat(u) else pd.Timestamp(u).to_pydatetime()
    if isinstance(u, dt.date) and not isinstance(u, dt.datetime):
        return dt.datetime(u.year, u.month, u.day)
    if not isinstance(u, dt.datetime):
        try:
            u = dt.datetime.fromisoformat(str(u).strip())
        except ValueError:
            return None
    if u.tzinfo is not None:
        u = u.astimezone(dt.UTC).replace(tzinfo=None)
    return u


def _recorded(chk: Checked, series: pd.Series | None, n: int) -> _Col:
    """``recorded_at`` as naive UTC ``datetime`` (missing: not yet recorded)."""
    col = _distinct(series, n)
    moments = [None if _blank(u) else _moment(u) for u in col.values]
    bad = [j for j, (m, u) in enumerate(zip(moments, col.values, strict=True))
           if m is None and not _blank(u)]
    if bad:
        chk.add(col.rows(bad), "recorded_at", "not-a-time",
                col.per_row("recorded_at", "not-a-time"))
    out = col.remap(moments)
    _schema(chk, out, "recorded_at", [np.datetime64(m, "us") for m in out.values],
            "datetime64[us]")
    return out


def _statuses(chk: Checked, col: _Col) -> _Col:
    canon = [_STATUS.get(t.lower(), t) if (t := _clean(u)) else None for u in col.values]
    out = col.remap(canon)
    _schema(chk, out, "status", out.values)
    return out


def _pandera_rows(chk: Checked, value: np.ndarray, confidence: np.ndarray) -> None:
    """Required value, finite numbers, confidence range: the :data:`ROWS` schema."""
    typed = pd.DataFrame({"value": value, "confidence": confidence})
    try:
        ROWS.validate(typed, lazy=True)
    except SchemaErrors as err:
        fc = err.failure_cases
        for (col, check), cases in fc.groupby(["column", "check"], sort=False):
            code = "missing" if check == "not_nullable" else str(check)
            rows = cases["index"].dropna().to_numpy(dtype="int64")
            shown = typed[col].to_numpy()
            chk.add(rows, str(col), code, lambda i, c=str(col), k=code, v=shown: message(c, k,
                                                                                         v[i]))


# ---------------------------------------------------------------------------- the validator


def check(raw: pd.DataFrame) -> Checked:
    """Parse and check raw check-in records (strings, numbers, dates or a contract frame).

    Returns a :class:`Checked` whose ``frame`` has the contract columns (cells that break
    a rule are left empty) and whose ``found`` lists every problem; the input is not
    changed. Rows are positions (0-based) in ``raw``.
    """
    raw = raw.reset_index(drop=True)
    n = len(raw)

    def col(name: str) -> pd.Series | None:
        return raw[name] if name in raw.columns else None

    chk = Checked(pd.DataFrame(), np.zeros(0, "int64"), np.zeros(0, object),
                  np.zeros(0, "datetime64[D]"), np.zeros(n, bool))
    kr = _texts(chk, _distinct(col("kr_id"), n), "kr_id")
    chk.add(np.flatnonzero(kr.codes < 0), "kr_id", "missing", message("kr_id", "missing", None))
    chk.kr_codes, chk.kr_ids = kr.codes, np.array(kr.values, dtype=object)
    day = _dates(chk, col("date"), n)
    chk.add(np.flatnonzero(day.codes < 0), "date", "missing", message("date", "missing", None))
    chk.day = day.take([np.datetime64(d, "D") for d in day.values], "datetime64[D]",
                       np.datetime64("NaT"))
    value, chk.percent = _numbers(chk, col("value"), n, "value", 1.0)
    confidence, _ = _numbers(chk, col("confidence"), n, "confidence", 0.01)
    _pandera_rows(chk, value, confidence)
    status = _statuses(chk, _distinct(col("status"), n))
    texts = {name: _texts(chk, _distinct(col(name), n), name).take() for name in TEXT_FIELDS}
    recorded = _recorded(chk, col("recorded_at"), n)
    chk.said = np.isin(status.codes, [i for i, v in enumerate(status.values)
                                      if v in ("Complete", "Not Started")])
    stamps = recorded.take([np.datetime64(m, "us") for m in recorded.values], "datetime64[us]",
                           np.datetime64("NaT")) if recorded.values else recorded.take()
    chk.frame = contract_frame(
        {"kr_id": kr.take(), "date": day.take(), "value": value, "confidence": confidence,
         "status": status.take(), **texts, "recorded_at": stamps})
    return chk


def contract_frame(columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """A check-in frame with the contract's columns and dtypes (text stays ``object``)."""
    data = {c: pd.Series(columns[c], dtype="float64" if c in ("value", "confidence")
                         else object, copy=False) for c in CHECKIN_COLUMNS[:-1]}
    stamps = columns["recorded_at"]  # datetime64[us] when any is set, as conform() gives
    data["recorded_at"] = pd.Series(stamps, dtype=None if stamps.dtype.kind == "M" else object)
    return pd.DataFrame(data, columns=CHECKIN_COLUMNS, copy=False)  # no block stacking


def check_key_results(chk: Checked, rows: np.ndarray, kr: np.ndarray, krs: pd.DataFrame
                      ) -> None:
    """The rules that need each row's key result: row ``rows[i]`` is ``krs.iloc[kr[i]]``
    (``krs`` has ``unit``, ``direction``, ``baseline``, ``target``).

    A value written as a percentage needs a ``%`` unit; a reported status must not
    contradict the value (:func:`okrkit.rules.status_conflicts`, the one rule). Only the
    rows concerned are looked at (values written with ``%``; ``Complete`` and
    ``Not Started``).
    """
    rows, kr = np.asarray(rows, dtype="int64"), np.asarray(kr, dtype="int64")
    if not len(rows):
        return
    unit = krs["unit"].to_numpy(dtype=object)
    pct = np.flatnonzero(chk.percent[rows])
    if len(pct):
        units = pd.Series(unit[kr[pct]], dtype=object).fillna("").astype(str).str.strip()
        wrong = pct[units.to_numpy() != "%"]
        ids, unit_of = chk.kr, dict(zip(rows[wrong].tolist(), unit[kr[wrong]], strict=True))
        chk.add(rows[wrong], "value", "percent-unit",
                lambda i: f"value is a percentage but the unit of {ids[i]} is {unit_of[i]!r}")
    status = chk.frame["status"]
    said = chk.said if chk.said is not None else status.isin(
        ("Complete", "Not Started")).to_numpy()
    sel = np.flatnonzero(said[rows])
    value = chk.frame["value"].to_numpy()[rows[sel]]
    sel, value = sel[~np.isnan(value)], value[~np.isnan(value)]
    if not len(sel):
        return
    at = kr[sel]
    msgs = status_conflicts(krs["direction"].to_numpy(dtype=object)[at],
                            krs["baseline"].to_numpy(dtype="float64")[at],
                            krs["target"].to_numpy(dtype="float64")[at], value,
                            status.to_numpy()[rows[sel]], unit[at])
    bad = {int(rows[s]): m for s, m in zip(sel, msgs, strict=True) if m}
    chk.add(np.array(sorted(bad), dtype="int64"), "status", "status-contradicts-value",
            lambda i: bad[i])


def kr_positions(chk: Checked, ids: Any) -> np.ndarray:
    """Each row's position in ``ids`` (first occurrence); -1: unknown or missing."""
    first = pd.Series(np.arange(len(ids)), index=pd.Index(np.asarray(ids, dtype=object)))
    first = first[~first.index.duplicated()]
    of_unique = pd.Series(chk.kr_ids, dtype=object).map(first).fillna(-1).to_numpy("int64")
    return np.where(chk.kr_codes >= 0, np.r_[of_unique, -1][chk.kr_codes], -1)


def check_plan(chk: Checked, plan: Any) -> None:
    """Check-ins against a plan: its key results, inside its period, and the KR rules."""
    krs = plan.key_results
    pos = kr_positions(chk, krs["kr_id"])
    kr = chk.kr
    period = plan.period
    chk.add(np.flatnonzero((chk.kr_codes >= 0) & (pos < 0)), "kr_id", "unknown-key-result",
            lambda i: f"kr_id '{kr[i]}' is not a key result of {period}")
    start, end = np.datetime64(period.start, "D"), np.datetime64(period.end, "D")
    day = chk.day
    outside = ~np.isnat(day) & ((day < start) | (day > end))
    chk.add(np.flatnonzero(outside), "date", "outside-period",
            lambda i: f"date {day[i]} is outside the period {period} "
                      f"({period.start}..{period.end})")
    known = np.flatnonzero(pos >= 0)
    check_key_results(chk, known, pos[known], krs)

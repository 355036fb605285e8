"""Reading a backup is an import: every line and every row checked before one is written.

A backup is untrusted input (someone may have edited it; a disk may have flipped a
byte). :func:`read_backup` reads the whole file and refuses it — naming the line — when

* the file is not what :mod:`okrkit.store.backup` writes: a header line that is not a
  JSON object with ``okrkit_backup: 1`` and the columns of known tables; a record that is
  not ``{"t": table, "r": [values]}`` with one value per column; a line after the end
  record; no end record (truncated), or counts that differ from it; a compressed file
  that does not decompress (a flipped byte, cut short) or text that is not UTF-8;
* a value does not fit its column (:mod:`okrkit.store.limits`: text, length, NUL,
  finite numbers that are numbers, whole numbers, dates, times, required values);
* a plan breaks the plan's rules — the same :func:`okrkit.structure.check` as every plan
  file (ids, titles, levels, kinds, directions, baselines and targets, weights,
  milestones, cadence, reviews and their override rule, parents across periods, cycles)
  and :func:`okrkit.values.label_problem` for period labels;
* a check-in breaks the one check-in validator (:func:`okrkit.checkin_schema.check`:
  ids, dates, finite values, confidence 0..1, statuses, texts, ``recorded_at`` not in
  the future);
* a reference is broken — any foreign key of the schema (:data:`okrkit.store.schema.
  TABLES`: a row of a period the backup lacks, a milestone of an unknown key result, a
  sign-off of an unknown plan state, ...) — or a primary key is used twice, or a
  check-in is dated outside its period.

A check-in of a key result its period no longer holds is kept (``okrkit import --prune``
removes key results and keeps their check-ins). Nothing is restored unless everything
passes; the rows come back ready to insert, in :data:`okrkit.store.schema.TABLES` order.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from okrkit import checkin_schema, structure
from okrkit.errors import Problem, StoreError, ValidationError
from okrkit.frames import CHECKIN_COLUMNS
from okrkit.period import Period
from okrkit.store import limits
from okrkit.store.schema import TABLES

FORMAT = 1
MAX_SHOWN = 50  # problems listed in full; the rest are counted
_BY_NAME = {t.name: t for t in TABLES}


class BackupError(ValidationError, StoreError):
    """A backup that cannot be restored; every problem names the file and line."""


def serial(table: Any) -> bool:
    """Tables whose rows are numbered by the database (``id``): the numbers are not kept,
    the order is (a restore numbers the rows again, in the same order)."""
    return "id" in table.c and table.c.id.autoincrement is True


def columns_of(table: Any) -> list[str]:
    """The columns a backup holds for ``table`` (a serial table's without its ``id``)."""
    return [c.name for c in table.columns if not (serial(table) and c.name == "id")]


@dataclass
class Backup:
    """The rows of a read and checked backup: per table, values by column, and lines."""

    columns: dict[str, list[str]]
    rows: dict[str, list[list[Any]]] = field(default_factory=dict)
    lines: dict[str, list[int]] = field(default_factory=dict)

    def column(self, table: str, name: str) -> list[Any]:
        """One column of a table (``None`` throughout when the backup lacks it)."""
        rows = self.rows.get(table, [])
        cols = self.columns.get(table, [])
        if name not in cols:
            return [None] * len(rows)
        j = cols.index(name)
        return [r[j] for r in rows]

    def counts(self) -> dict[str, int]:
        return {t.name: len(self.rows.get(t.name, [])) for t in TABLES}


class _Problems:
    def __init__(self, source: str) -> None:
        self.source = source
        self.found: list[Problem] = []

    def add(self, line: int | None, message: str, field_name: str | None = None,
            code: str | None = None, ident: Any = None) -> None:
        self.append(Problem(message, file=self.source, line=line, field=field_name,
                            id=None if ident is None else str(ident), code=code))

    def append(self, problem: Problem) -> None:
        """Keep ``problem`` unless its line and field were reported already (a value of the
        wrong kind is read as missing: its rules would only say so again)."""
        where = (problem.line, problem.field)
        if problem.line is None or where not in {(p.line, p.field) for p in self.found}:
            self.found.append(problem)

    def raise_if_any(self) -> None:
        if not self.found:
            return
        found = sorted(self.found, key=lambda p: (p.line or 0, p.field or ""))
        shown = found[:MAX_SHOWN]
        if len(found) > MAX_SHOWN:
            shown.append(Problem(f"... and {len(found) - MAX_SHOWN} more problems",
                                 file=self.source))
        raise BackupError([*shown, Problem("nothing was restored", file=self.source)],
                          file=self.source)


def _stop(source: str, line: int | None, message: str, code: str = "malformed") -> BackupError:
    return BackupError([Problem(f"{message}: nothing was restored", file=source, line=line,
                                code=code)], file=source)


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    """The file's lines (gzip when it starts like one), numbered from 1."""
    source = str(path)
    try:
        with open(path, "rb") as raw:
            packed = raw.read(2) == b"\x1f\x8b"
            raw.seek(0)
            stream: IO[bytes] = gzip.GzipFile(fileobj=raw) if packed else raw
            number = 0
            try:
                for number, data in enumerate(stream, start=1):
                    yield number, data.decode("utf-8")
            except UnicodeDecodeError as err:
                raise _stop(source, number, "not UTF-8 text (a damaged file?)") from err
            except (OSError, EOFError, zlib.error) as err:
                why = "cut short" if isinstance(err, EOFError) else str(err)
                raise _stop(source, number + 1, f"the compressed backup is damaged ({why})",
                            "corrupted") from err
    except OSError as err:
        if isinstance(err, BackupError):
            raise
        raise _stop(source, None, f"cannot read the backup ({err.strerror or err})",
                    "unreadable") from err


def _header(text: str, source: str) -> dict[str, list[str]]:
    try:
        head = json.loads(text)
    except json.JSONDecodeError:
        head = None
    if not isinstance(head, dict) or head.get("okrkit_backup") != FORMAT:
        raise _stop(source, 1, "not an okrkit backup (the first line is not its header)",
                    "not-a-backup")
    tables = head.get("tables")
    if not isinstance(tables, dict) or not all(
            isinstance(c, list) and all(isinstance(x, str) for x in c) for c in tables.values()):
        raise _stop(source, 1, "the header's 'tables' is not {table: [column names]}")
    from okrkit.store.engine import known_revisions

    schema = head.get("schema")
    if schema is not None and schema not in known_revisions():
        raise _stop(source, 1, f"the backup has schema revision {schema!r}, which this okrkit "
                    "does not know (written by a newer okrkit?)")
    for name, cols in tables.items():
        table = _BY_NAME.get(name)
        if table is None:
            raise _stop(source, 1, f"the header names an unknown table {name!r}")
        unknown = [c for c in cols if c not in columns_of(table)]
        if unknown or len(set(cols)) != len(cols):
            raise _stop(source, 1, f"table {name} has columns this okrkit does not know or "
                        f"names one twice: {unknown or cols}")
        required = [c for c in columns_of(table) if not table.c[c].nullable and c not in cols]
        if required:
            raise _stop(source, 1, f"table {name} lacks its required columns {required}")
    return tables


def read_backup(path: Path) -> Backup:
    """Read and check a whole backup file; see the module docstring.

    Raises
    ------
    BackupError
        Every problem found (the first fifty listed), each with the file and line.
    """
    source = str(path)
    if not path.is_file():
        raise _stop(source, None, "the backup does not exist", "unreadable")
    lines = _lines(path)
    first = next(lines, None)
    if first is None:
        raise _stop(source, 1, "the backup is empty", "empty")
    backup = Backup(_header(first[1], source))
    end: dict[str, Any] | None = None
    for number, text in lines:
        if not text.strip():
            continue
        if end is not None:
            raise _stop(source, number, "there is more after the end record")
        try:
            rec = json.loads(text)
        except json.JSONDecodeError as err:
            raise _stop(source, number, f"not a backup record ({err.msg})") from err
        if isinstance(rec, dict) and set(rec) == {"end"} and isinstance(rec["end"], dict):
            end = rec["end"]
            continue
        name = rec.get("t") if isinstance(rec, dict) else None
        if not (isinstance(rec, dict) and set(rec) == {"t", "r"} and name in backup.columns
                and isinstance(rec["r"], list)):
            raise _stop(source, number, 'not a backup record ({"t": table, "r": [values]} of '
                        "a table the header names)", "wrong-type")
        if len(rec["r"]) != len(backup.columns[name]):
            raise _stop(source, number, f"a {name} record has {len(rec['r'])} values, the "
                        f"header names {len(backup.columns[name])} columns", "wrong-type")
        backup.rows.setdefault(name, []).append(rec["r"])
        backup.lines.setdefault(name, []).append(number)
    if end is None:
        raise _stop(source, None, "the backup is truncated (no end record)", "truncated")
    held = {k: v for k, v in backup.counts().items() if v}
    if {k: v for k, v in end.items() if v} != held:
        raise _stop(source, None, f"the backup is inconsistent: its end record announces "
                    f"{end}, it holds {held}")
    problems = _Problems(source)
    _types(backup, problems)  # a value of the wrong kind becomes None for the rules below
    _references(backup, problems)
    _plans(backup, problems)
    _checkins(backup, problems)
    problems.raise_if_any()
    return backup


def _types(backup: Backup, problems: _Problems) -> None:
    """Every value against its column (:func:`okrkit.store.limits.value_problem`);
    dates and times become ``datetime`` values."""
    for name, cols in backup.columns.items():
        table, rows, lines = _BY_NAME[name], backup.rows.get(name, []), backup.lines.get(name)
        for j, col in enumerate(cols):
            column = table.c[col]
            values = [r[j] for r in rows]
            kinds = set(map(type, values))
            for i in limits.suspects(column, values, kinds):
                bad = limits.value_problem(column, values[i])
                if bad is not None:
                    problems.add(lines[i] if lines else None, bad[1], col, bad[0])
                    rows[i][j] = None
            convert = limits.converter(column)
            if convert is not None:
                seen: dict[Any, Any] = {}
                for r in rows:
                    v = r[j]
                    if v is not None:
                        r[j] = seen[v] if v in seen else seen.setdefault(v, convert(v))


def _frame(backup: Backup, name: str, wanted: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(backup.column(name, c), dtype=object) for c in wanted})


def _unique(backup: Backup, name: str, keys: list[str], problems: _Problems) -> None:
    seen: set[tuple[Any, ...]] = set()
    for line, key in zip(backup.lines.get(name, []),
                         zip(*(backup.column(name, k) for k in keys), strict=True), strict=True):
        if key in seen:
            problems.add(line, f"a second {name} row for {', '.join(map(str, key))}", keys[-1],
                         "duplicate-id", key[-1])
        seen.add(key)


def _references(backup: Backup, problems: _Problems) -> None:
    """The schema's keys: primary keys unique, every foreign key pointing at a row that
    the backup holds (whatever the table: plans, check-ins, lifecycle, votes, ...)."""
    for table in TABLES:
        name = table.name
        if not backup.rows.get(name):
            continue
        if not serial(table):
            _unique(backup, name, [c.name for c in table.primary_key.columns], problems)
        for fk in table.foreign_key_constraints:
            cols = [e.parent.name for e in fk.elements]
            target, wanted = fk.referred_table.name, [e.column.name for e in fk.elements]
            have = set(zip(*(backup.column(target, c) for c in wanted), strict=True))
            for line, key in zip(backup.lines[name], zip(*(backup.column(name, c)
                                                           for c in cols), strict=True),
                                 strict=True):
                if None in key or key in have:
                    continue
                if target == "periods":
                    msg = f"period {key[0]!r} is not in the backup's periods"
                else:
                    msg = (f"{name} row refers to {target} {', '.join(map(str, key))}, which "
                           "the backup does not hold")
                problems.add(line, msg, cols[-1], "unknown-reference", key[-1])


def _plans(backup: Backup, problems: _Problems) -> None:
    """Periods, then each period's plan by the plan's rules, then the plan tables' keys."""
    from okrkit.values import label_problem

    spans: dict[str, Period] = {}
    cadence: dict[str, Any] = {}
    for line, label, start, end, days in zip(
            backup.lines.get("periods", []), *(backup.column("periods", c) for c in (
                "period", "start_date", "end_date", "cadence_days")), strict=True):
        bad = label_problem(label) if label is not None else None
        if bad:
            problems.add(line, bad[1], "period", bad[0], label)
        elif start is not None and end is not None:
            if end < start:
                problems.add(line, f"period ends ({end}) before it starts ({start})",
                             "end_date", "bad-period", label)
            spans.setdefault(label, Period(start, end, label))
            cadence[label] = days
    known = {o for o in backup.column("objectives", "objective_id") if o is not None}
    for label, period in spans.items():
        _plan(backup, label, period, cadence[label], known, problems)


def _plan(backup: Backup, label: str, period: Period, cadence_days: Any, known: set[str],
          problems: _Problems) -> None:
    """One period's plan through :func:`okrkit.structure.check`, located by line."""
    from okrkit.frames import KEY_RESULT_COLUMNS, OBJECTIVE_COLUMNS, REVIEW_COLUMNS

    def part(name: str, wanted: list[str]) -> tuple[pd.DataFrame, list[int]]:
        frame = _frame(backup, name, wanted + (["position"] if name != "reviews" else []))
        at = np.flatnonzero(np.asarray(backup.column(name, "period"), dtype=object) == label)
        frame, lines = frame.iloc[at], [backup.lines[name][i] for i in at]
        if "position" in frame:
            order = np.argsort(frame["position"].fillna(0).to_numpy(dtype="int64"), kind="stable")
            frame, lines = frame.iloc[order].drop(columns="position"), [lines[i] for i in order]
        return frame.reset_index(drop=True), lines

    obj, obj_lines = part("objectives", OBJECTIVE_COLUMNS)
    kr_cols = [c for c in KEY_RESULT_COLUMNS if c != "milestones"]
    krs, kr_lines = part("key_results", [c for c in kr_cols if c in _BY_NAME["key_results"].c])
    rev, rev_lines = part("reviews", REVIEW_COLUMNS)
    ms: dict[str, list[tuple[dt.date, float]]] = {}
    ms_lines: dict[tuple[Any, Any], int] = {}
    for line, p, k, d, v in zip(backup.lines.get("milestones", []), *(
            backup.column("milestones", c) for c in ("period", "kr_id", "date", "target")),
                                strict=True):
        if p != label:
            continue
        if d is not None and v is not None:
            ms.setdefault(k, []).append((d, float(v)))
            ms_lines[(k, d)] = line
    krs["milestones"] = pd.Series([tuple(sorted(ms[k])) if k in ms else None
                                   for k in krs["kr_id"]], dtype=object)
    krs["objective_id"] = krs["objective_id"].astype(object)
    _sources(krs, kr_lines, label, problems)
    lines = {"objectives": obj_lines, "key_results": kr_lines, "reviews": rev_lines}
    for issue in structure.check(obj, krs, rev, period=period, cadence_days=cadence_days,
                                 known_ids=known):
        at = lines.get(issue.table)
        line = at[issue.row] if at is not None and issue.row is not None else (
            backup.lines["periods"][backup.column("periods", "period").index(label)])
        line = ms_lines.get((issue.kr_id, issue.key), line)  # a milestone's own line
        problems.add(line, f"{label}: {issue.message}", issue.field, issue.code,
                     issue.kr_id or issue.objective_id)


def _sources(krs: pd.DataFrame, lines: list[int], label: str, problems: _Problems) -> None:
    """Each key result's stored source (JSON text) by the plan's own rule for a source."""
    if "source" not in krs:
        return
    from okrkit.models import parse_source
    from okrkit.values import ValueProblem

    for line, kid, text in zip(lines, krs["kr_id"], krs["source"], strict=True):
        if isinstance(text, str):
            try:
                parse_source(text)
            except ValueProblem as err:
                problems.add(line, f"{label}: {err.message}", "source", err.code, kid)


def _checkins(backup: Backup, problems: _Problems) -> None:
    """Check-ins through the one validator, then their period and its dates."""
    if not backup.rows.get("checkins"):
        return
    lines = backup.lines["checkins"]
    raw = _frame(backup, "checkins", [c for c in CHECKIN_COLUMNS])
    chk = checkin_schema.check(raw)
    for p in chk.problems(problems.source, lines):
        problems.append(p)
    spans = dict(zip(backup.column("periods", "period"), zip(
        backup.column("periods", "start_date"), backup.column("periods", "end_date"),
        strict=True), strict=True))
    for i, (label, day) in enumerate(zip(backup.column("checkins", "period"),
                                         chk.frame["date"], strict=True)):
        span = spans.get(label)  # no span: an unknown period, told by _references
        if span is not None and day is not None and None not in span and not span[0] <= day <= span[1]:
            problems.add(lines[i], f"date {day} is outside its period {label} "
                         f"({span[0]}..{span[1]})", "date", "outside-period")
    # what is restored is what the validator read (ids stripped, statuses canonical)
    cols = backup.columns["checkins"]
    for name in CHECKIN_COLUMNS:
        if name in cols:
            j = cols.index(name)
            values = chk.frame[name].tolist()
            for r, v in zip(backup.rows["checkins"], values, strict=True):
                r[j] = None if v is None or (isinstance(v, float) and v != v) or v is pd.NaT \
                    else (v.to_pydatetime() if isinstance(v, pd.Timestamp) else v)

"""Backup and restore: the whole store as one JSON-lines file (``.gz`` compresses it).

Line 1 is a header (format version, schema revision, the columns of each table); then one
line per row, ``{"t": table, "r": [values...]}``, parents before children and check-ins
in the order they were recorded; the last line ``{"end": {table: rows}}`` lets a restore
tell a complete file from a truncated one. The same file restores into SQLite or
PostgreSQL. The file is written to a temporary name and renamed, so a crash never
leaves half a backup under the real name.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Connection, Date, DateTime, delete, func, insert, select

from okrkit.errors import StoreError
from okrkit.files import open_atomic
from okrkit.store import checkins as _checkins
from okrkit.store.engine import current_revision
from okrkit.store.schema import TABLES, checkins

FORMAT = 1
_CHUNK = 10_000


def _gz(path: Path) -> bool:
    return path.suffix == ".gz"


def _open(path: Path) -> IO[str]:
    if _gz(path):
        return gzip.open(path, "rt", encoding="utf-8")
    return open(path, encoding="utf-8")


def _plain(v: Any) -> Any:
    if isinstance(v, dt.datetime):
        return v.isoformat(sep=" ", timespec="microseconds")
    if isinstance(v, dt.date):
        return v.isoformat()
    return v


def _serial(table: Any) -> bool:
    """Tables whose rows are numbered by the database (``id``): the numbers are not kept,
    the order is (a restore numbers the rows again, in the same order)."""
    return "id" in table.c and table.c.id.autoincrement is True


def _columns(table: Any) -> list[str]:
    return [c.name for c in table.columns if not (_serial(table) and c.name == "id")]


def dump(conn: Connection, path: Path) -> dict[str, int]:
    """Write every table of the store to ``path``; returns rows per table."""
    tables = {t.name: _columns(t) for t in TABLES}
    header = {
        "okrkit_backup": FORMAT,
        "schema": current_revision(conn),
        "created_at": _checkins.utcnow().isoformat(),
        "tables": tables,
    }
    counts: dict[str, int] = {}
    # the one atomic writer (okrkit.files); 0600 like before: a backup holds everything
    with open_atomic(path, mode=0o600) as raw:
        packed: Any = gzip.GzipFile(fileobj=raw, mode="wb") if _gz(path) else raw
        fh = io.TextIOWrapper(packed, encoding="utf-8", newline="\n")
        fh.write(json.dumps(header) + "\n")
        for table in TABLES:
            cols = [table.c[c] for c in tables[table.name]]
            order = [table.c.id] if _serial(table) else list(table.primary_key.columns)
            result = conn.execution_options(yield_per=_CHUNK).execute(
                select(*cols).order_by(*order)
            )
            n = 0
            for part in result.partitions():
                fh.writelines(
                    json.dumps({"t": table.name, "r": [_plain(v) for v in row]}) + "\n"
                    for row in part
                )
                n += len(part)
            counts[table.name] = n
        fh.write(json.dumps({"end": counts}) + "\n")
        fh.flush()
        fh.detach()
        if packed is not raw:
            packed.close()
    return counts


def _converters(table: Any, names: list[str]) -> list[Any]:
    out: list[Any] = []
    for name in names:
        col_type = table.c[name].type
        if isinstance(col_type, DateTime):
            out.append(lambda v: None if v is None else dt.datetime.fromisoformat(v))
        elif isinstance(col_type, Date):
            out.append(lambda v: None if v is None else dt.date.fromisoformat(v))
        else:
            out.append(None)
    return out


def _records(fh: IO[str], source: str) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, line in enumerate(fh, start=2):
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as err:
            raise StoreError(f"{source}, line {number}: not a backup record ({err.msg})") from err


def load(conn: Connection, path: Path, *, replace: bool, where: str) -> dict[str, int]:
    """Insert the rows of a backup file (caller's transaction); returns rows per table."""
    source = str(path)
    if not path.is_file():
        raise StoreError(f"backup {source} does not exist")
    by_name = {t.name: t for t in TABLES}
    existing = sum(conn.execute(select(func.count()).select_from(t)).scalar_one() for t in TABLES)
    if existing and not replace:
        raise StoreError(
            f"the store {where} is not empty: restore into an empty store, or delete its "
            "contents first (okrkit restore --replace; Store.restore(..., replace=True))"
        )
    if replace:
        for table in reversed(TABLES):
            conn.execute(delete(table))
    counts: dict[str, int] = {t.name: 0 for t in TABLES}
    try:
        with _open(path) as fh:
            try:
                header = json.loads(fh.readline() or "null")
            except json.JSONDecodeError:
                header = None
            if not isinstance(header, dict) or header.get("okrkit_backup") != FORMAT:
                raise StoreError(f"{source} is not an okrkit backup (line 1)")
            columns: dict[str, list[str]] = header["tables"]
            for name, cols in columns.items():
                unknown = [c for c in cols if name not in by_name or c not in by_name[name].c]
                if unknown:
                    msg = f"{source}: table {name} has columns this okrkit does not know: {unknown}"
                    raise StoreError(msg)
            end = _insert_all(conn, _records(fh, source), columns, by_name, counts, source)
    except (OSError, EOFError, UnicodeDecodeError) as err:
        raise StoreError(f"cannot read backup {source}: {err}") from err
    if end is None:
        raise StoreError(f"backup {source} is truncated (no end record): nothing was restored")
    if {k: v for k, v in end.items() if v} != {k: v for k, v in counts.items() if v}:
        raise StoreError(f"backup {source} is inconsistent: it announces {end}, holds {counts}")
    return counts


def _insert_all(
    conn: Connection,
    records: Iterator[tuple[int, dict[str, Any]]],
    columns: dict[str, list[str]],
    by_name: dict[str, Any],
    counts: dict[str, int],
    source: str,
) -> dict[str, int] | None:
    pending: list[dict[str, Any]] = []
    current: str | None = None

    def flush() -> None:
        if pending and current is not None:
            table = by_name[current]
            if table is checkins:
                cols = _checkins._COLUMNS
                rows = [tuple(_plain(r.get(c)) for c in cols) for r in pending]
                _checkins.insert(conn, rows)
            else:
                conn.execute(insert(table), pending)
            counts[current] = counts.get(current, 0) + len(pending)
            pending.clear()

    convs = {name: _converters(by_name[name], cols) for name, cols in columns.items()}
    for number, rec in records:
        if "end" in rec:
            flush()
            return dict(rec["end"])
        name, values = rec.get("t"), rec.get("r")
        if name not in columns or not isinstance(values, list):
            raise StoreError(f"{source}, line {number}: not a backup record")
        if name != current:
            flush()
            current = name
        cols = columns[name]
        if len(values) != len(cols):
            raise StoreError(f"{source}, line {number}: expected {len(cols)} values")
        try:
            row = {
                c: (f(v) if f is not None else v)
                for c, f, v in zip(cols, convs[name], values, strict=True)
            }
        except (TypeError, ValueError) as err:
            raise StoreError(f"{source}, line {number}: bad value ({err})") from err
        pending.append(row)
        if len(pending) >= _CHUNK:
            flush()
    flush()
    return None

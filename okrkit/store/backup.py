"""Backup and restore: the whole store as one JSON-lines file (``.gz`` compresses it).

A restore first reads and checks the whole file (:mod:`okrkit.store.restore`: a backup
is untrusted input, checked as strictly as an import), then inserts it.

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
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select

from okrkit.errors import StoreError
from okrkit.files import open_atomic
from okrkit.store import checkins as _checkins
from okrkit.store.engine import current_revision
from okrkit.store.restore import FORMAT, Backup, columns_of, serial
from okrkit.store.schema import TABLES, checkins

_CHUNK = 10_000


def _gz(path: Path) -> bool:
    return path.suffix == ".gz"


def _plain(v: Any) -> Any:
    if isinstance(v, dt.datetime):
        return v.isoformat(sep=" ", timespec="microseconds")
    if isinstance(v, dt.date):
        return v.isoformat()
    return v


def dump(conn: Connection, path: Path) -> dict[str, int]:
    """Write every table of the store to ``path``; returns rows per table."""
    tables = {t.name: columns_of(t) for t in TABLES}
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
            order = [table.c.id] if serial(table) else list(table.primary_key.columns)
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


def is_empty(conn: Connection) -> bool:
    """Whether the store holds no row at all (a schema only)."""
    return all(conn.execute(select(func.count()).select_from(t)).scalar_one() == 0
               for t in TABLES)


def load(conn: Connection, backup: Backup, *, replace: bool, where: str) -> dict[str, int]:
    """Insert a checked backup (:func:`okrkit.store.restore.read_backup`) in the caller's
    transaction; returns rows per table. The store must be empty unless ``replace``."""
    if not replace and not is_empty(conn):
        raise StoreError(
            f"the store {where} is not empty: restore into an empty store, or delete its "
            "contents first (okrkit restore --replace; Store.restore(..., replace=True))"
        )
    if replace:
        for table in reversed(TABLES):
            conn.execute(delete(table))
    for table in TABLES:
        rows = backup.rows.get(table.name)
        if not rows:
            continue
        cols = backup.columns[table.name]
        if table is checkins:
            at = [cols.index(c) if c in cols else None for c in _checkins._COLUMNS]
            _checkins.insert(conn, (tuple(None if j is None else _plain(r[j]) for j in at)
                                    for r in rows))
        else:
            for start in range(0, len(rows), _CHUNK):
                conn.execute(insert(table), [dict(zip(cols, r, strict=True))
                                             for r in rows[start: start + _CHUNK]])
    return {k: v for k, v in backup.counts().items() if k in backup.columns or v}

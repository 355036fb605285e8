"""Opening a store: the URL, one engine per backend, schema upgrades, error messages.

SQLite connections run in WAL mode with a busy timeout and foreign keys on. pysqlite's
own transaction handling is switched off and okrkit emits ``BEGIN`` itself: a plain
(deferred) ``BEGIN`` for reads and ``BEGIN IMMEDIATE`` for writes, so a writer takes the
write lock before it reads what it is about to change and waits (up to the busy timeout)
instead of failing halfway. PostgreSQL connections are checked before use
(``pool_pre_ping``) so a dropped connection is replaced, not reported.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event, inspect, pool, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from okrkit.errors import OKRKitError, StoreError

DEFAULT_URL = "sqlite:///data/okrkit.db"  # relative to the project root (okrkit.config)
BUSY_TIMEOUT = 30.0
VERSION_TABLE = "okrkit_schema_version"
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
_PG_LOCK_KEY = 0x6F6B726B  # "okrk": serialises concurrent schema upgrades
_WRITE = "okrkit_write"
_READ_ONLY = "okrkit_read_only"


def resolve_url(url: str | URL | None) -> tuple[URL, bool]:
    """The store URL: ``url`` > ``$OKRKIT_DB`` > the default file; and whether it is the default."""
    from okrkit.config import default_store_url, store_url_from_env

    default = False
    if url is None:
        url = store_url_from_env()
        if url is None:
            url, default = default_store_url(), True
    try:
        parsed = make_url(url)
    except ArgumentError as err:
        text = str(url)
        shown = f"'{text}'" if "@" not in text and ":" not in text.partition("://")[2] else "it"
        msg = (
            f"the store URL {shown} is not a database URL (expected "
            "sqlite:///path/to/okrkit.db or postgresql+psycopg://user@host/dbname)"
        )
        raise StoreError(msg) from err
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise StoreError(
            f"unsupported store {masked(parsed)}: okrkit stores live in SQLite or PostgreSQL"
        )
    return parsed, default


def masked(url: URL) -> str:
    """The URL as text with its password hidden."""
    return url.render_as_string(hide_password=True)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def create(url: URL, *, default: bool, timeout: float) -> Engine:
    """A configured engine for ``url`` (nothing is connected yet)."""
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url, default=default, timeout=timeout)
    return _postgres_engine(url, timeout=timeout)


def _writable(path: Path) -> bool:
    return os.access(path, os.W_OK, effective_ids=os.access in os.supports_effective_ids)


def read_only_url(url: URL, file: Path) -> URL:
    """A SQLite URL opening ``file`` read-only.

    SQLite reads a WAL database read-only through its ``-shm`` file; when there is none
    (nobody has the store open) and none can be made (the folder is not writable), the
    file is opened as immutable — no writer is at work, so nothing can change under it.
    """
    shm = Path(f"{file}-shm")
    flags = "mode=ro" if shm.exists() or _writable(file.parent) else "mode=ro&immutable=1"
    return url.set(database=f"file:{quote(str(file))}?{flags}", query={"uri": "true"})


def _sqlite_engine(url: URL, *, default: bool, timeout: float) -> Engine:
    database = url.database or ""
    memory = database in ("", ":memory:")
    read_only = False
    if not memory and not url.query.get("uri"):
        folder = Path(database).expanduser().parent
        if default:
            folder.mkdir(parents=True, exist_ok=True)
        elif not folder.is_dir():
            raise StoreError(f"cannot open the store {masked(url)}: folder {folder} does not exist")
        file = Path(database).expanduser()
        if file.exists() and not (_writable(file) and _writable(folder)):
            # a store others keep: read it; writing is refused with a clear message
            url, read_only = read_only_url(url, file), True
    kwargs: dict[str, Any] = {"connect_args": {"timeout": timeout, "check_same_thread": False}}
    if memory:
        kwargs["poolclass"] = pool.StaticPool
    engine = create_engine(url, **kwargs)
    setattr(engine, _READ_ONLY, read_only)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # okrkit emits BEGIN itself (see module doc)
        cur = dbapi_conn.cursor()
        try:
            cur.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            cur.execute("PRAGMA foreign_keys = ON")
            if not memory and not read_only:
                cur.execute("PRAGMA journal_mode = WAL")
        finally:
            cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        write = conn.get_execution_options().get(_WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def _postgres_engine(url: URL, *, timeout: float) -> Engine:
    connect_args = {
        "connect_timeout": max(1, int(min(timeout, 10))),
        "application_name": "okrkit",
        "options": f"-c lock_timeout={int(timeout * 1000)}",
    }
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args)


def is_read_only(engine: Engine) -> bool:
    """Whether the engine opened a SQLite file it may not write (see :func:`read_only_url`)."""
    return bool(getattr(engine, _READ_ONLY, False))


def writer(engine: Engine) -> Engine:
    """The same engine, but its transactions take the write lock up front (SQLite)."""
    return engine.execution_options(**{_WRITE: True})


# ---------------------------------------------------------------------------
# errors


def describe(err: BaseException, where: str) -> str:
    """A one-line, user-facing explanation of a database error."""
    orig = getattr(err, "orig", None) or err
    full = str(orig).strip()
    first = full.splitlines()[0] if full else type(orig).__name__
    low = full.lower()
    module = type(orig).__module__ or ""
    if "database is locked" in low or "lock timeout" in low or "table is locked" in low:
        return (
            f"the store {where} is locked by another writer and stayed locked past the "
            "timeout; try again in a moment"
        )
    if "readonly database" in low or "read-only" in low or "read only" in low:
        return (
            f"the store {where} is read-only: check the permissions of the file and its folder "
            "(SQLite also writes -wal and -shm files next to it)"
        )
    if "not a database" in low or "malformed" in low or "corrupt" in low:
        return f"{where} is not an okrkit store / is corrupted ({first})"
    if "unable to open database file" in low:
        return f"cannot open the store {where}: the file or its folder is missing or not accessible"
    if "disk is full" in low or "disk i/o error" in low:
        return f"the store {where} could not be written: {first}"
    if module.startswith("psycopg") and (
        "connection" in low or "server" in low or "terminating" in low or "timeout" in low
    ):
        return f"cannot reach the PostgreSQL server of {where}: {first}"
    return f"store {where}: {first}"


@contextmanager
def guard(where: str) -> Iterator[None]:
    """Turn database and file-system errors into :class:`StoreError` naming ``where``."""
    try:
        yield
    except OKRKitError:
        raise
    except (SQLAlchemyError, sqlite3.Error, OSError) as err:
        raise StoreError(describe(err, where)) from err
    except Exception as err:
        if type(err).__module__.startswith("psycopg"):
            raise StoreError(describe(err, where)) from err
        raise


# ---------------------------------------------------------------------------
# schema upgrades


def _alembic_config(connection: Any) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return str(ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head())


def known_revisions() -> set[str]:
    """Every schema revision this okrkit's migrations know."""
    from alembic.script import ScriptDirectory

    return {s.revision for s in ScriptDirectory(str(MIGRATIONS_DIR)).walk_revisions()}


def current_revision(conn: Any) -> str | None:
    """The schema revision recorded in the store, or ``None`` for an empty database."""
    from alembic.runtime.migration import MigrationContext

    ctx = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
    return ctx.get_current_revision()


def upgrade(engine: Engine, where: str, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (default: the newest); a no-op when it is there.

    Concurrent openers are serialised (SQLite write lock, PostgreSQL advisory lock) and
    the whole upgrade is one transaction on both backends (transactional DDL).
    """
    from alembic import command
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(MIGRATIONS_DIR))
    target = str(script.get_current_head()) if revision == "head" else revision
    known = known_revisions()
    with engine.connect() as conn:
        current = current_revision(conn)
        conn.rollback()
    if current == target:
        return
    if is_read_only(engine):
        raise StoreError(
            f"the store {where} is read-only and its schema (revision {current}) needs an "
            f"upgrade to {target} before this okrkit can read it: open it once with write "
            "permission (any okrkit command upgrades it)"
        )
    with writer(engine).begin() as conn:
        if not is_sqlite(engine):
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
        current = current_revision(conn)
        if current == target:
            return
        if current is not None and current not in known:
            raise StoreError(
                f"the store {where} has schema revision {current}, which this okrkit does not "
                "know: it was written by a newer okrkit; upgrade okrkit"
            )
        if current is None and is_sqlite(engine):
            foreign = [t for t in inspect(conn).get_table_names() if t != VERSION_TABLE]
            if foreign:
                raise StoreError(
                    f"{where} is not an okrkit store / is corrupted (it holds other tables: "
                    f"{', '.join(sorted(foreign)[:5])})"
                )
        command.upgrade(_alembic_config(conn), target)

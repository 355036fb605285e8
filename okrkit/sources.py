"""Key results that measure themselves: run a key result's ``source`` and read its values.

A plan's key result may carry a ``source`` (plain text, reviewed in git like the rest of
the plan)::

    source:
      connection: support        # a name: the URL is never in the plan
      sql: SELECT 100.0 * avg(resolved) FROM conversations WHERE day <= :as_of

    source: {file: data/csat.csv}                      # CSV or Parquet, relative to the plan
    source: {file: tickets.parquet, sql: "SELECT day AS date, n AS value FROM data"}
    source: {python: "mypackage.metrics:csat"}          # f(key_result, period, as_of)

Options: ``timeout_s`` (default 30) and ``note`` (recorded with each pulled check-in).

* **Connections** name a database; the URL (any SQLAlchemy URL: SQLite, PostgreSQL, or
  DuckDB through duckdb-engine) comes from ``$OKRKIT_CONNECTION_<NAME>`` (the name upper
  case, every other character ``_``) or from the connections file — ``$OKRKIT_CONNECTIONS``,
  else ``connections.yaml`` in the project folder (else ``data/connections.yaml``, the
  sample's), a mapping ``{name: url}`` kept out of git
  when it holds passwords; a relative SQLite or DuckDB path in it is relative to the file. Messages never show a password.
* **Queries** get ``:start``, ``:end`` and ``:as_of`` as bound parameters (never text
  pasted into the SQL). One row with one column is the value as of ``as_of``; rows with
  ``date`` and ``value`` columns are a history: one check-in per date inside the period,
  on or before ``as_of``.
* **Files** are queried by DuckDB as the table ``data``; without ``sql`` their
  ``date, value`` rows are the history.
* **Read-only, enforced**: SQLite is opened ``mode=ro``, PostgreSQL with
  ``default_transaction_read_only``, DuckDB ``read_only``, and a file source's DuckDB has
  external access switched off once the file is loaded. A ``DELETE`` in a plan fails and
  changes nothing. A query running past ``timeout_s`` is interrupted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import json
import math
import os
import re
import sqlite3
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from okrkit.errors import MissingDependencyError, OKRKitError
from okrkit.period import Period, as_date

KINDS = ("sql", "file", "python")
KEYS = ("connection", "sql", "file", "python", "timeout_s", "note")
_PY_REF = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")


class SourceError(OKRKitError):
    """A source could not be run: the message names the key result and the reason."""

    exit_code = 1


@dataclass(frozen=True)
class Source:
    """A key result's source (see the module docstring)."""

    kind: str
    connection: str | None = None
    sql: str | None = None
    file: str | None = None
    python: str | None = None
    timeout_s: float = 30.0
    note: str | None = None

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Source:
        """A source from its plan mapping; :class:`ValueError` naming what is wrong."""
        if not isinstance(data, Mapping):
            raise ValueError("a source is a mapping with connection + sql, file, or python")
        unknown = sorted(set(data) - set(KEYS))
        if unknown:
            raise ValueError(f"unknown source key '{unknown[0]}' (allowed: {', '.join(KEYS)})")
        given = {k: data.get(k) for k in KEYS}
        for k in ("connection", "sql", "file", "python", "note"):
            v = given[k]
            if v is not None and (not isinstance(v, str) or not v.strip()):
                raise ValueError(f"source {k} must be non-empty text")
        timeout = given["timeout_s"]
        if timeout is None:
            timeout = 30.0
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not (
                math.isfinite(timeout) and 0 < timeout <= 3600):
            raise ValueError("source timeout_s must be a number of seconds from 0 to 3600")
        if given["python"] is not None:
            if any(given[k] for k in ("connection", "sql", "file")):
                raise ValueError("a python source takes no connection, sql or file")
            if not _PY_REF.match(given["python"].strip()):
                raise ValueError("source python must look like package.module:function")
            kind = "python"
        elif given["file"] is not None:
            if given["connection"]:
                raise ValueError("a file source takes no connection")
            kind = "file"
        elif given["connection"] is not None:
            if not given["sql"]:
                raise ValueError("a connection source needs sql")
            kind = "sql"
        else:
            raise ValueError("a source needs connection + sql, file (+ sql), or python")
        return cls(kind=kind, connection=given["connection"], sql=given["sql"],
                   file=given["file"], python=given["python"], timeout_s=float(timeout),
                   note=given["note"])

    def to_mapping(self) -> dict[str, Any]:
        """The plan mapping (what a plan file holds), without defaults."""
        out = {k: getattr(self, k) for k in ("connection", "sql", "file", "python")
               if getattr(self, k) is not None}
        if self.timeout_s != 30.0:
            out["timeout_s"] = self.timeout_s
        if self.note is not None:
            out["note"] = self.note
        return out

    def to_json(self) -> str:
        """The plan mapping as JSON text: how a flat table and the store hold a source."""
        return json.dumps(self.to_mapping(), ensure_ascii=False)


# ---------------------------------------------------------------------------- connections


def env_name(connection: str) -> str:
    """``$OKRKIT_CONNECTION_<NAME>`` for a connection name.

    >>> env_name("support-db")
    'OKRKIT_CONNECTION_SUPPORT_DB'
    """
    return "OKRKIT_CONNECTION_" + re.sub(r"[^A-Z0-9]", "_", connection.upper())


def connections_file() -> Path:
    """Where named connections live: ``$OKRKIT_CONNECTIONS``, else ``connections.yaml`` in
    the project folder, else the sample's ``data/connections.yaml`` when only that exists."""
    from okrkit.config import project_root

    env = os.environ.get("OKRKIT_CONNECTIONS", "").strip()
    if env:
        return Path(env)
    root = project_root()
    own, sample = root / "connections.yaml", root / "data" / "connections.yaml"
    return sample if not own.is_file() and sample.is_file() else own


def connection_url(connection: str) -> str:
    """The URL of a named connection (environment first, then the connections file)."""
    url = os.environ.get(env_name(connection), "").strip()
    if url:
        return url
    path = connections_file()
    if path.is_file():
        import yaml

        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (yaml.YAMLError, UnicodeDecodeError) as err:
            raise SourceError(f"connections file {path} is not valid YAML: {err}") from err
        if isinstance(data, Mapping) and isinstance(data.get(connection), str):
            return _relative_to(str(data[connection]), path.parent)
    raise SourceError(f"connection '{connection}' is not configured: set ${env_name(connection)} "
                      f"or add it to {path}")


def _relative_to(url: str, folder: Path) -> str:
    """A file database URL of the connections file (SQLite, DuckDB) made absolute:
    a relative path is relative to the connections file's folder."""
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception:  # not a URL: the engine will say so (masked)
        return url
    database = parsed.database or ""
    if parsed.get_backend_name() not in ("sqlite", "duckdb") or database in ("", ":memory:") \
            or Path(database).is_absolute():
        return url
    return parsed.set(database=str((folder / database).resolve())).render_as_string(
        hide_password=False)


def masked(url: str) -> str:
    """A URL with its password hidden."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL at all: show only its scheme
        return url.split(":", 1)[0] + ":…"


def _scrub(text: str, url: str | None) -> str:
    if url:
        from sqlalchemy.engine import make_url

        try:
            password = make_url(url).password
        except Exception:
            password = None
        if password:
            text = text.replace(str(password), "***")
        text = text.replace(url, masked(url))
    return text


# ---------------------------------------------------------------------------- running


def _params(sql: str, period: Period, as_of: dt.date) -> dict[str, Any]:
    every = {"start": period.start, "end": period.end, "as_of": as_of}
    return {k: v for k, v in every.items() if re.search(rf":{k}\b", sql)}


def _sqlite_ro(url: Any, timeout: float) -> Any:
    """A read-only SQLite engine whose statements stop after ``timeout`` seconds."""
    from sqlalchemy import create_engine, event

    database = url.database or ""
    if database in ("", ":memory:"):
        raise SourceError("a SQLite source must name a database file")
    path = Path(database).expanduser()
    if not path.is_file():
        raise SourceError(f"SQLite database {path} does not exist")

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)

    engine = create_engine("sqlite://", creator=connect)

    @event.listens_for(engine, "connect")
    def _deadline(dbapi: sqlite3.Connection, _rec: Any) -> None:
        deadline = time.monotonic() + timeout
        dbapi.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)

    return engine


def _engine(url_text: str, timeout: float) -> Any:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    url = make_url(url_text)
    backend = url.get_backend_name()
    if backend == "sqlite":
        return _sqlite_ro(url, timeout)
    if backend == "postgresql":
        if url.drivername in ("postgresql", "postgres"):
            url = url.set(drivername="postgresql+psycopg")
        ms = int(timeout * 1000)
        return create_engine(url, connect_args={
            "connect_timeout": max(1, int(min(timeout, 10))),
            "options": f"-c default_transaction_read_only=on -c statement_timeout={ms}"})
    if backend == "duckdb":
        _duckdb()
        try:
            import duckdb_engine  # noqa: F401
        except ImportError as err:
            raise MissingDependencyError("duckdb-engine", "sources") from err
        return create_engine(url, connect_args={"read_only": True})
    return create_engine(url)


def _run_sql(url_text: str, sql: str, params: Mapping[str, Any], timeout: float) -> pd.DataFrame:
    from sqlalchemy import text

    engine = _engine(url_text, timeout)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "duckdb":
                return _with_interrupt(conn, lambda: _frame(conn.execute(text(sql), params)),
                                       timeout)
            return _frame(conn.execute(text(sql), params))
    finally:
        engine.dispose()


def _frame(result: Any) -> pd.DataFrame:
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def _with_interrupt(conn: Any, work: Any, timeout: float) -> pd.DataFrame:
    raw = conn.connection.driver_connection
    timer = threading.Timer(timeout, lambda: raw.interrupt())
    timer.start()
    try:
        return work()
    finally:
        timer.cancel()


def _duckdb() -> Any:
    try:
        import duckdb
    except ImportError as err:
        raise MissingDependencyError("duckdb", "sources") from err
    return duckdb


def _run_file(path: Path, sql: str | None, params: Mapping[str, Any],
              timeout: float) -> pd.DataFrame:
    duckdb = _duckdb()

    if not path.is_file():
        raise SourceError(f"source file {path} does not exist")
    suffix = path.suffix.lower()
    reader = {".csv": "read_csv_auto", ".parquet": "read_parquet"}.get(suffix)
    if reader is None:
        raise SourceError(f"source file {path.name}: use a .csv or .parquet file")
    con = duckdb.connect(":memory:")
    try:
        load = {"read_csv_auto": "CREATE TABLE data AS SELECT * FROM read_csv_auto(?)",
                "read_parquet": "CREATE TABLE data AS SELECT * FROM read_parquet(?)"}[reader]
        con.execute(load, [str(path)])
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
        query = sql or "SELECT date, value FROM data"
        timer = threading.Timer(timeout, con.interrupt)
        timer.start()
        try:
            return con.execute(_duckdb_params(query), dict(params)).df()
        finally:
            timer.cancel()
    finally:
        con.close()


def _duckdb_params(sql: str) -> str:
    """DuckDB names parameters ``$name``: turn ``:name`` into that (outside quotes)."""
    out, quote = [], None
    i = 0
    while i < len(sql):
        ch = sql[i]
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == ":" and i + 1 < len(sql) and (sql[i + 1].isalpha() or sql[i + 1] == "_") and (
                i == 0 or sql[i - 1] != ":"):
            out.append("$")
            i += 1
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _run_python(ref: str, kr: Mapping[str, Any], period: Period, as_of: dt.date,
                timeout: float) -> pd.DataFrame:
    module_name, _, func_name = ref.strip().partition(":")
    try:
        func = getattr(importlib.import_module(module_name), func_name)
    except (ImportError, AttributeError) as err:
        raise SourceError(f"cannot import {ref}: {err}") from err
    box: dict[str, Any] = {}

    def call() -> None:
        try:
            box["value"] = func(dict(kr), period, as_of)
        except Exception as err:  # the user's function: report, never crash
            box["error"] = err

    worker = threading.Thread(target=call, daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise SourceError(f"{ref} did not return within {timeout:g} s")
    if "error" in box:
        err = box["error"]
        raise SourceError(f"{ref} failed: {type(err).__name__}: {err}")
    value = box.get("value")
    if isinstance(value, pd.DataFrame):
        return value
    return pd.DataFrame({"value": [value]})


def _history(frame: pd.DataFrame, period: Period, as_of: dt.date, what: str) -> pd.DataFrame:
    """The rows a source returned as ``date, value`` check-ins inside the period."""
    cols = [str(c).lower() for c in frame.columns]
    frame = frame.set_axis(cols, axis=1)
    if len(frame.columns) == 1 and len(frame) == 1:
        rows = pd.DataFrame({"date": [as_of], "value": [frame.iloc[0, 0]]})
    elif {"date", "value"} <= set(cols):
        rows = frame[["date", "value"]]
    elif not len(frame):
        raise SourceError(f"{what} returned no rows")
    else:
        raise SourceError(f"{what} returned {len(frame)} rows of columns {', '.join(cols)}: "
                          "return one row with one column, or date and value columns")
    out = []
    for d, v in zip(rows["date"], rows["value"], strict=True):
        try:
            day = as_date(d)
        except OKRKitError as err:
            raise SourceError(f"{what} returned a date that is not a date: {d!r}") from err
        if day is None:
            raise SourceError(f"{what} returned a missing date")
        try:
            x = float(v)
        except (TypeError, ValueError):
            raise SourceError(f"{what} returned a value that is not a number: {v!r}") from None
        if not math.isfinite(x):
            raise SourceError(f"{what} returned a value that is not finite: {v!r}")
        if period.start <= day <= min(as_of, period.end):
            out.append((day, x))
    result = pd.DataFrame(out, columns=["date", "value"])
    return result.drop_duplicates("date", keep="last").sort_values("date").reset_index(drop=True)


def fingerprint(source: Source, base_dir: Path | None = None) -> str:
    """A short hash of what the source runs: the query text, the file's bytes, the function."""
    h = hashlib.sha256(source.kind.encode())
    for part in (source.connection, source.sql, source.python):
        h.update(b"\0" + (part or "").encode())
    if source.file:
        path = resolve_file(source, base_dir)
        h.update(b"\0" + (path.read_bytes() if path.is_file() else b"<missing>"))
    return h.hexdigest()[:16]


def resolve_file(source: Source, base_dir: Path | None) -> Path:
    """A file source's path: relative to the plan file's folder."""
    path = Path(source.file or "")
    return path if path.is_absolute() or base_dir is None else Path(base_dir) / path


def run(source: Source, kr: Mapping[str, Any], period: Period, as_of: dt.date, *,
        base_dir: Path | None = None) -> pd.DataFrame:
    """Run a key result's source: its check-ins (``date, value``) inside the period.

    Raises :class:`SourceError` naming the reason (bad query, missing table, time-out,
    missing connection, unreadable file); passwords are masked.
    """
    kid = kr.get("kr_id", "?")
    what = f"the source of {kid}"
    url: str | None = None
    try:
        if source.kind == "sql":
            url = connection_url(str(source.connection))
            params = _params(source.sql or "", period, as_of)
            raw = _run_sql(url, source.sql or "", params, source.timeout_s)
        elif source.kind == "file":
            path = resolve_file(source, base_dir)
            params = _params(source.sql or "", period, as_of)
            raw = _run_file(path, source.sql, params, source.timeout_s)
        else:
            raw = _run_python(str(source.python), kr, period, as_of, source.timeout_s)
        return _history(raw, period, as_of, what)
    except SourceError as err:
        raise SourceError(f"{kid}: {_scrub(str(err), url)}") from None
    except MissingDependencyError:
        raise
    except Exception as err:  # database drivers, DuckDB, SQLAlchemy: one clear line
        raise SourceError(f"{kid}: {_describe(err, source, url)}") from None


def _describe(err: BaseException, source: Source, url: str | None) -> str:
    orig = getattr(err, "orig", None) or err
    first = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
    low = first.lower()
    if "interrupt" in low or "statement timeout" in low or "canceling statement" in low:
        reason = f"the query ran longer than {source.timeout_s:g} s and was stopped"
    elif "readonly" in low or "read-only" in low or "read only" in low:
        reason = f"the source is read-only: it may only read ({first})"
    else:
        reason = first
    where = f" on connection '{source.connection}' ({masked(url)})" if url else ""
    return _scrub(f"{reason}{where}", url)

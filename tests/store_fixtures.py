"""Store fixtures, loaded by the store tests with ``pytest_plugins = ["store_fixtures"]``.

* ``backend`` / ``store_url`` / ``store``: parametrized over ``sqlite`` (a file in
  ``tmp_path``) and ``postgresql`` (a fresh database per test on the server named by
  ``$OKRKIT_TEST_PG_URL``, dropped afterwards). Without that variable the postgresql
  case skips locally and **fails** under ``CI=true``: start a server with
  ``eval "$(scripts/pg_throwaway.sh start)"``.
* ``sample_plan()``: a small two-team plan built from frames.
* ``LEDGER``: figures the reliability tests record; printed at the end of the session.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pandas as pd
import pytest
from sqlalchemy.engine import make_url

from okrkit.frames import Plan, conform
from okrkit.period import Period
from okrkit.store import Store, open_store

PG_ENV = "OKRKIT_TEST_PG_URL"
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]
LEDGER: Counter[str] = Counter()


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def pg_base_url() -> str:
    """The test server's URL, or skip (locally) / fail (CI) without one."""
    url = os.environ.get(PG_ENV, "").strip()
    if url:
        return url
    why = (
        f"{PG_ENV} is not set: start a throwaway server with "
        'eval "$(scripts/pg_throwaway.sh start)"'
    )
    if _in_ci():
        pytest.fail(f"CI=true but {why}", pytrace=False)
    pytest.skip(why)


@contextmanager
def fresh_pg_database(base: str) -> Iterator[str]:
    """A new, empty database on the test server; dropped (forcibly) afterwards."""
    import psycopg
    from psycopg import sql

    u = make_url(base)
    admin = dict(host=u.host, port=u.port, user=u.username, password=u.password, dbname=u.database)
    name = f"okrkit_t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(**admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield u.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(**admin, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def store_url(backend: str, tmp_path: Any) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'okrkit.db'}"
        return
    with fresh_pg_database(pg_base_url()) as url:
        yield url


@pytest.fixture
def pg_store_url() -> Iterator[str]:
    """A fresh PostgreSQL database (for PostgreSQL-only tests; mark them ``postgres``)."""
    with fresh_pg_database(pg_base_url()) as url:
        yield url


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = open_store(store_url)
    try:
        yield s
    finally:
        s.close()


def sample_plan(period: str = "2026-Q1", *, suffix: str = "") -> Plan:
    """A company objective with two team objectives below it (vision, data)."""
    p = Period.parse(period)
    objectives = pd.DataFrame(
        {
            "objective_id": [f"CO-1{suffix}", f"VIS-1{suffix}", f"DAT-1{suffix}"],
            "period": [p.label] * 3,
            "title": ["Ship AI to production", "Launch defect detection", "Trustworthy data"],
            "level": ["company", "team", "team"],
            "parent_id": [None, f"CO-1{suffix}", f"CO-1{suffix}"],
            "team": [None, "vision", "data"],
            "owner": ["CTO", "CV lead", None],
            "kind": ["committed", "aspirational", "committed"],
            "weight": [1.0, 2.0, 1.0],
        }
    )
    key_results = pd.DataFrame(
        {
            "kr_id": [
                f"CO-1.1{suffix}",
                f"VIS-1.1{suffix}",
                f"VIS-1.2{suffix}",
                f"DAT-1.1{suffix}",
            ],
            "objective_id": [f"CO-1{suffix}", f"VIS-1{suffix}", f"VIS-1{suffix}", f"DAT-1{suffix}"],
            "title": ["Models in prod", "Accuracy >= 95%", "False positives < 5%", "Fresh data"],
            "metric": [None, "accuracy", "fp rate", None],
            "unit": ["models", "%", "%", "%"],
            "direction": ["increase", "increase", "decrease", "at_least"],
            "baseline": [0.0, 88.0, 12.0, 80.0],
            "target": [3.0, 95.0, 5.0, 99.0],
            "weight": [1.0, 1.0, 0.5, 1.0],
            "owner": [None, "Ana", "Ben", None],
            "due": [None, p.end - dt.timedelta(days=10), None, None],
            "milestones": [
                None,
                ((p.start + dt.timedelta(days=30), 90.0), (p.start + dt.timedelta(days=60), 93.0)),
                None,
                None,
            ],
        }
    )
    reviews = pd.DataFrame(
        {
            "objective_id": [f"DAT-1{suffix}"],
            "period": [p.label],
            "lessons": ["Pipelines first\nthen dashboards"],
            "next_actions": ["Automate freshness checks"],
            "score_override": [0.6],
            "override_reason": ["outage outside our control"],
        }
    )
    return Plan(
        period=p,
        objectives=conform(objectives, "objectives"),
        key_results=conform(key_results, "key_results"),
        reviews=conform(reviews, "reviews"),
        cadence_days=7,
    )


def checkin_frame(rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    """Check-ins from ``(kr_id, date, value[, confidence[, status]])`` tuples."""
    cols = ["kr_id", "date", "value", "confidence", "status"]
    width = max(len(r) for r in rows)
    padded = [list(r) + [None] * (width - len(r)) for r in rows]
    return pd.DataFrame(padded, columns=cols[:width])


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not LEDGER:
        return
    tr = terminalreporter
    tr.section("okrkit store reliability")
    for key in sorted(LEDGER):
        tr.write_line(f"{key:<70} {LEDGER[key]:>9,}")


# ---------------------------------------------------------------------------
# worker processes (spawned: they import this module, never share a connection)


def write_many(url: str, worker: int, writes: int, kr_id: str, day: str) -> int:
    """One writer: ``writes`` separate ``add_checkins`` calls of one row each."""
    store = open_store(url)
    try:
        for i in range(writes):
            row = pd.DataFrame(
                {
                    "kr_id": [kr_id],
                    "date": [day],
                    "value": [float(worker * 1_000_000 + i)],
                    "author": [f"writer-{worker}"],
                }
            )
            store.add_checkins(row)
    finally:
        store.close()
    return writes


def open_and_save(url: str, worker: int) -> int:
    """Open a (maybe brand-new) store and save a plan of one's own."""
    with open_store(url) as store:
        return store.save_plan(sample_plan(f"{2030 + worker}-Q1", suffix=f"-w{worker}"))

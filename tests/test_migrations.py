"""Schema migrations: an old store is upgraded on open and keeps its data."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import make_url
from store_fixtures import checkin_frame

from okrkit.errors import StoreError
from okrkit.store import engine as store_engine
from okrkit.store import open_store
from okrkit.store.schema import metadata


def _engine(url: str):
    return store_engine.create(make_url(url), default=False, timeout=10)


def _old_store(url: str) -> None:
    """A store at revision 0001 holding a plan, a check-in and a revision row."""
    engine = _engine(url)
    store_engine.upgrade(engine, "test", "0001")
    with store_engine.writer(engine).begin() as conn:
        conn.execute(
            text(
                "INSERT INTO periods (period, start_date, end_date, cadence_days, revision) "
                "VALUES (:p, :s, :e, 14, 1)"
            ),
            {"p": "2026-Q1", "s": dt.date(2026, 1, 1), "e": dt.date(2026, 3, 31)},
        )
        conn.execute(
            text(
                "INSERT INTO objectives (period, objective_id, position, title, level, kind, "
                "team, weight) VALUES ('2026-Q1', 'O-1', 0, 'Old objective', 'team', "
                "'committed', 'ops', 1.0)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO key_results (period, kr_id, objective_id, position, title, "
                "direction, baseline, target, weight) VALUES ('2026-Q1', 'O-1.1', 'O-1', 0, "
                "'Old KR', 'increase', 0, 10, 1.0)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO checkins (period, kr_id, date, value, recorded_at) "
                "VALUES ('2026-Q1', 'O-1.1', :d, 4.0, :r)"
            ),
            {"d": dt.date(2026, 1, 20), "r": dt.datetime(2026, 1, 20, 9, 30)},
        )
        conn.execute(
            text(
                "INSERT INTO plan_revisions (period, revision, saved_at, plan_yaml) "
                "VALUES ('2026-Q1', 1, :t, 'period: 2026-Q1')"
            ),
            {"t": dt.datetime(2026, 1, 2)},
        )
    with engine.connect() as conn:
        assert store_engine.current_revision(conn) == "0001"
    engine.dispose()


#: the newest migration file is the head of one straight line of revisions
HEAD = max(p.name[:4] for p in store_engine.MIGRATIONS_DIR.glob("versions/[0-9]*.py"))


def test_migrations_are_one_numbered_line() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(store_engine.MIGRATIONS_DIR))
    chain = [s.revision for s in reversed(list(script.walk_revisions()))]
    assert chain == [f"{i:04d}" for i in range(1, len(chain) + 1)]
    assert store_engine.head_revision() == HEAD == chain[-1]


def test_an_old_store_is_upgraded_on_open_and_keeps_its_data(store_url: str) -> None:
    _old_store(store_url)
    with open_store(store_url) as store:
        with store._engine.connect() as conn:
            assert store_engine.current_revision(conn) == store_engine.head_revision() == HEAD
        plan = store.load_plan("2026-Q1")
        assert plan.revision == 1
        assert plan.key_results["kr_id"].tolist() == ["O-1.1"]
        old = store.checkins()
        assert old["value"].tolist() == [4.0]
        assert old["recorded_at"].tolist() == [dt.datetime(2026, 1, 20, 9, 30)]
        store.add_checkins(checkin_frame([("O-1.1", "2026-01-27", 5.0)]), source="week4.csv")
        with store._engine.connect() as conn:
            sources = conn.execute(text("SELECT source FROM checkins ORDER BY id")).scalars()
            assert list(sources) == [None, "week4.csv"]
        assert store.revisions("2026-Q1")["plan_yaml"].tolist() == ["period: 2026-Q1"]
        store.save_plan(plan)  # the upgraded store takes new revisions
        assert store.load_plan("2026-Q1").revision == 2


def test_migrations_build_exactly_the_current_schema(store_url: str) -> None:
    with open_store(store_url) as store, store._engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"version_table": store_engine.VERSION_TABLE})
        diffs = compare_metadata(ctx, metadata)
        assert [d for d in diffs if "okrkit_schema_version" not in repr(d)] == []


def test_downgrade_and_upgrade_again(store_url: str) -> None:
    open_store(store_url).close()
    engine = _engine(store_url)
    with store_engine.writer(engine).begin() as conn:
        command.downgrade(store_engine._alembic_config(conn), "0001")
    with engine.connect() as conn:
        assert store_engine.current_revision(conn) == "0001"
    engine.dispose()
    with open_store(store_url) as store:
        assert store.periods() == []
        with store._engine.connect() as conn:
            assert store_engine.current_revision(conn) == HEAD


def test_a_store_from_a_newer_okrkit_is_refused(store_url: str) -> None:
    open_store(store_url).close()
    engine = _engine(store_url)
    with store_engine.writer(engine).begin() as conn:
        conn.execute(text(f"UPDATE {store_engine.VERSION_TABLE} SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(StoreError, match=r"schema revision 9999.*newer okrkit"):
        open_store(store_url)


def test_no_upgrade_leaves_an_empty_database_alone(store_url: str) -> None:
    with open_store(store_url, upgrade=False) as store, store._engine.connect() as conn:
        assert store_engine.current_revision(conn) is None

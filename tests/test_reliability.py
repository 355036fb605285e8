"""Reliability of the store under concurrency, crashes and bad input, on both backends.

Every test records what it tried in ``store_fixtures.LEDGER``; the session ends with a
summary (writers, rows held, faults injected and survived, bad inputs, rows lost).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import multiprocessing
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import store_fixtures
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import make_url
from store_fixtures import LEDGER, checkin_frame, sample_plan

from okrkit.errors import CheckinError, ConflictError, StoreError
from okrkit.scoring import score
from okrkit.store import Store, open_store

WRITERS, WRITES = 8, 500
REPO = Path(__file__).resolve().parent.parent


def _spawn_pool(n: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("spawn"))


def _count(store: Store) -> int:
    return len(store.checkins(effective=False))


# -- concurrency ---------------------------------------------------------------


def test_eight_writers_lose_nothing(store_url: str, backend: str) -> None:
    with open_store(store_url) as store:
        store.save_plan(sample_plan())
    with _spawn_pool(WRITERS) as pool:
        futures = [
            pool.submit(
                store_fixtures.write_many, store_url, w, WRITES, "VIS-1.1", f"2026-01-{w + 1:02d}"
            )
            for w in range(WRITERS)
        ]
        done = sum(f.result(timeout=600) for f in futures)
    assert done == WRITERS * WRITES
    with open_store(store_url) as store:
        audit = store.checkins(effective=False)
        held = len(audit)
        LEDGER[f"concurrent writers ({backend})"] += WRITERS
        LEDGER[f"check-ins written concurrently ({backend})"] += done
        LEDGER[f"check-ins held afterwards ({backend})"] += held
        LEDGER["rows lost"] += done - held
        assert held == WRITERS * WRITES
        for w in range(WRITERS):
            mine = audit[audit["author"] == f"writer-{w}"]
            expected = {float(w * 1_000_000 + i) for i in range(WRITES)}
            assert set(mine["value"]) == expected
            assert set(mine["date"]) == {dt.date(2026, 1, w + 1)}
        eff = store.checkins()  # the effective view: one row per writer's day, the last write
        assert len(eff) == WRITERS


def test_two_people_editing_one_plan(store_url: str, backend: str) -> None:
    with open_store(store_url) as alice, open_store(store_url) as bob:
        alice.save_plan(sample_plan())
        a, b = alice.load_plan("2026-Q1"), bob.load_plan("2026-Q1")
        alice.save_plan(a.with_frames(objectives=a.objectives.assign(owner="Alice")))
        with pytest.raises(ConflictError, match="changed by someone else in revision 2, after revision 1 that you loaded"):
            bob.save_plan(b.with_frames(objectives=b.objectives.assign(owner="Bob")))
        assert set(bob.load_plan("2026-Q1").objectives["owner"]) == {"Alice"}
        LEDGER[f"plan conflicts detected ({backend})"] += 1

        # both change the same objectives at the same instant from the same revision:
        # exactly one wins (a stale copy that changes nothing is not a conflict)
        a, b = alice.load_plan("2026-Q1"), bob.load_plan("2026-Q1")
        a = a.with_frames(objectives=a.objectives.assign(owner="Alice again"))
        b = b.with_frames(objectives=b.objectives.assign(owner="Bob again"))
        barrier = threading.Barrier(2)
        results: dict[str, object] = {}

        def save(who: str, store: Store, plan) -> None:
            barrier.wait()
            try:
                results[who] = store.save_plan(plan)
            except ConflictError as err:
                results[who] = err

        threads = [
            threading.Thread(target=save, args=("alice", alice, a)),
            threading.Thread(target=save, args=("bob", bob, b)),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        outcomes = sorted("conflict" if isinstance(v, ConflictError) else
                          "saved" if isinstance(v, int) else repr(v) for v in results.values())
        assert outcomes == ["conflict", "saved"]
        winner = "Alice again" if isinstance(results["alice"], int) else "Bob again"
        assert set(alice.load_plan("2026-Q1").objectives["owner"]) == {winner}
        assert alice.load_plan("2026-Q1").revision == 3
        assert len(alice.revisions("2026-Q1")) == 3
        LEDGER[f"plan conflicts detected ({backend})"] += 1


def test_many_processes_open_a_new_store_at_once(store_url: str, backend: str) -> None:
    with _spawn_pool(6) as pool:
        revs = list(pool.map(store_fixtures.open_and_save, [store_url] * 6, range(6)))
    assert revs == [1] * 6
    with open_store(store_url) as store:
        assert len(store.periods()) == 6
    LEDGER[f"concurrent first opens ({backend})"] += 6


# -- crashes and faults ---------------------------------------------------------

_IMPORTER = """
import sys, datetime as dt, numpy as np, pandas as pd
from okrkit.store import open_store
url, n = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(1)
frame = pd.DataFrame({
    "kr_id": np.array(["VIS-1.1", "VIS-1.2", "DAT-1.1"], dtype=object)[rng.integers(0, 3, n)],
    "date": [dt.date(2026, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 90, n)],
    "value": rng.random(n) * 100, "note": "bulk",
})
store = open_store(url)
print("ready", flush=True)
store.add_checkins(frame, source="bulk.csv")
print("done", flush=True)
"""


@pytest.mark.parametrize("delay", [0.3, 1.0])
def test_sigkill_mid_import_leaves_all_or_nothing(
    store_url: str, backend: str, delay: float
) -> None:
    n = 200_000
    with open_store(store_url) as store:
        store.save_plan(sample_plan())
        store.add_checkins(checkin_frame([("CO-1.1", "2026-01-02", 1.0)]))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.Popen(
        [sys.executable, "-c", _IMPORTER, store_url, str(n)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "ready"
    time.sleep(delay)
    finished_before_kill = child.poll() is not None
    child.send_signal(signal.SIGKILL)
    child.wait(30)
    with open_store(store_url) as store:
        held = _count(store)
        assert held in (1, n + 1)
        store.add_checkins(checkin_frame([("CO-1.1", "2026-01-03", 2.0)]))
        assert _count(store) == held + 1
    if backend == "sqlite":
        con = sqlite3.connect(make_url(store_url).database)
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        con.close()
    LEDGER[f"faults injected: SIGKILL mid-import ({backend})"] += 1
    LEDGER["faults survived"] += 1
    if not finished_before_kill and held == 1:
        LEDGER["imports killed part-way, nothing half-written"] += 1


@pytest.fixture
def shared_dir():
    """A folder other users can enter (tmp_path is private to root)."""
    d = Path(tempfile.mkdtemp(prefix="okrkit-ro-"))
    d.chmod(0o755)
    yield d
    d.chmod(0o755)
    for f in d.iterdir():
        f.unlink()
    d.rmdir()


@contextlib.contextmanager
def _as_user(uid: int) -> Iterator[None]:
    """Run as another effective user (root only), then become root again."""
    os.seteuid(uid)
    try:
        yield
    finally:
        os.seteuid(0)


@pytest.mark.parametrize("what", ["file", "folder"])
def test_a_read_only_store_is_read_and_only_writing_is_refused(shared_dir: Path, what: str
                                                               ) -> None:
    """A store file (or folder) others may not write: scoring, export and backup read it;
    a write is refused with a clear message and changes nothing."""
    db = shared_dir / "okrkit.db"
    with open_store(f"sqlite:///{db}") as store:
        store.save_plan(sample_plan())
        store.add_checkins(checkin_frame([("CO-1.1", "2026-01-02", 1.0)]))
    for f in shared_dir.iterdir():
        f.chmod(0o644 if what == "file" else 0o666)
    if what == "folder":
        shared_dir.chmod(0o555)
    out = Path(tempfile.mkdtemp(prefix="okrkit-out-"))
    out.chmod(0o777)
    root = os.geteuid() == 0
    try:
        with _as_user(65534) if root else contextlib.nullcontext(), \
                open_store(f"sqlite:///{db}") as store:
            assert store.periods() == ["2026-Q1"]
            card = score(store.load_plan("2026-Q1"), store.checkins("2026-Q1"))
            assert card.key_results.set_index("kr_id").at["CO-1.1", "checkins"] == 1
            assert store.backup(out / "b.jsonl")["checkins"] == 1
            with pytest.raises(StoreError, match=r"is read-only: check the permissions") as err:
                store.add_checkins(checkin_frame([("CO-1.1", "2026-01-03", 2.0)]))
            with pytest.raises(StoreError, match=r"is read-only"):
                store.save_plan(store.load_plan("2026-Q1"))
    finally:
        shared_dir.chmod(0o755)
        shutil.rmtree(out)
    assert str(db) in str(err.value)
    with open_store(f"sqlite:///{db}") as store:
        assert len(store.checkins(effective=False)) == 1 and store.load_plan(
            "2026-Q1").revision == 1
    LEDGER["faults injected: read-only store (sqlite)"] += 1
    LEDGER["faults survived"] += 1


def test_read_only_connection_is_a_clear_error(tmp_path) -> None:
    db = tmp_path / "okrkit.db"
    with open_store(f"sqlite:///{db}") as store:
        store.save_plan(sample_plan())
    with open_store(f"sqlite:///file:{db}?mode=ro&uri=true") as ro:
        assert ro.periods() == ["2026-Q1"]
        with pytest.raises(StoreError, match="is read-only"):
            ro.add_checkins(checkin_frame([("CO-1.1", "2026-01-02", 1.0)]))
    LEDGER["faults injected: read-only store (sqlite)"] += 1
    LEDGER["faults survived"] += 1


def test_locked_store_is_a_clear_error(store_url: str, backend: str) -> None:
    with open_store(store_url) as store:
        store.save_plan(sample_plan())
    if backend == "sqlite":
        holder = sqlite3.connect(make_url(store_url).database, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute("DELETE FROM checkins WHERE id < 0")
    else:
        import psycopg

        u = make_url(store_url)
        holder = psycopg.connect(
            host=u.host, port=u.port, user=u.username, password=u.password, dbname=u.database
        )
        holder.execute("LOCK TABLE checkins, periods IN ACCESS EXCLUSIVE MODE")
    try:
        with open_store(store_url, timeout=0.5) as store:
            started = time.monotonic()
            with pytest.raises(StoreError, match="is locked by another writer") as err:
                store.add_checkins(checkin_frame([("CO-1.1", "2026-01-02", 1.0)]))
            waited = time.monotonic() - started
            assert 0.3 <= waited < 10
            with pytest.raises(StoreError, match="is locked"):
                store.save_plan(sample_plan(), force=True)
            assert "***" in str(err.value) or backend == "sqlite"
    finally:
        holder.rollback() if backend == "postgresql" else holder.execute("ROLLBACK")
        holder.close()
    with open_store(store_url) as store:
        assert store.add_checkins(checkin_frame([("CO-1.1", "2026-01-02", 1.0)])) == 1
        assert _count(store) == 1
    LEDGER[f"faults injected: lock held past the timeout ({backend})"] += 1
    LEDGER["faults survived"] += 1


def test_corrupted_or_foreign_sqlite_files(tmp_path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(os.urandom(8192))
    with pytest.raises(StoreError, match=r"junk.db is not an okrkit store / is corrupted"):
        open_store(f"sqlite:///{junk}")
    foreign = tmp_path / "foreign.db"
    con = sqlite3.connect(foreign)
    con.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    con.commit()
    con.close()
    with pytest.raises(StoreError, match=r"foreign.db is not an okrkit store .*invoices"):
        open_store(f"sqlite:///{foreign}")
    # a real store whose pages were overwritten
    db = tmp_path / "okrkit.db"
    with open_store(f"sqlite:///{db}") as store:
        store.save_plan(sample_plan())
        rows = [("VIS-1.1", f"2026-01-{1 + i % 28:02d}", float(i)) for i in range(20_000)]
        store.add_checkins(checkin_frame(rows))
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    size = db.stat().st_size
    with open(db, "r+b") as fh:
        for offset in range(4096 * 2, size, 4096 * 3):
            fh.seek(offset)
            fh.write(os.urandom(4096))
    with (
        pytest.raises(StoreError, match="is not an okrkit store / is corrupted"),
        open_store(f"sqlite:///{db}") as store,
    ):
        store.checkins(effective=False)
        store.load_plan("2026-Q1")
    LEDGER["faults injected: corrupted or foreign file (sqlite)"] += 3
    LEDGER["faults survived"] += 3


def _terminate(store_url: str, *, only_active: bool = False) -> int:
    import psycopg

    u = make_url(store_url)
    with psycopg.connect(
        host=u.host,
        port=u.port,
        user=u.username,
        password=u.password,
        dbname=u.database,
        autocommit=True,
    ) as admin:
        cond = " AND state = 'active'" if only_active else ""
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND application_name = 'okrkit' AND pid <> pg_backend_pid()" + cond,
            (u.database,),
        ).fetchall()
    return len(rows)


@pytest.mark.postgres
def test_dropped_postgres_connection(pg_store_url: str) -> None:
    store_url = pg_store_url
    with open_store(store_url) as store:
        store.save_plan(sample_plan())
        store.add_checkins(checkin_frame([("CO-1.1", "2026-01-02", 1.0)]))
        assert _terminate(store_url) >= 1
        # the pool's connection is dead: pre-ping replaces it, nothing is lost
        assert store.add_checkins(checkin_frame([("CO-1.1", "2026-01-03", 2.0)])) == 1
        assert _count(store) == 2
        LEDGER["faults injected: dropped connection between operations (postgresql)"] += 1
        LEDGER["faults survived"] += 1

        # dropped in the middle of a large import: all or nothing, then it works again
        n = 300_000
        rng = np.random.default_rng(3)
        frame = pd.DataFrame(
            {
                "kr_id": "VIS-1.1",
                "date": [dt.date(2026, 2, 1)] * n,
                "value": rng.random(n),
            }
        )
        outcome: dict[str, object] = {}

        def run() -> None:
            try:
                outcome["rows"] = store.add_checkins(frame)
            except StoreError as err:
                outcome["error"] = err

        t = threading.Thread(target=run)
        t.start()
        for _ in range(200):
            time.sleep(0.02)
            if _terminate(store_url, only_active=True):
                break
        t.join(120)
        held = _count(store)
        if "error" in outcome:
            assert "PostgreSQL server" in str(outcome["error"]) or "store" in str(outcome["error"])
            assert held == 2
            LEDGER["imports cut off by a dropped connection, nothing half-written"] += 1
        else:
            assert held == n + 2
        assert store.add_checkins(checkin_frame([("CO-1.1", "2026-01-04", 3.0)])) == 1
        assert _count(store) == held + 1
        LEDGER["faults injected: dropped connection mid-import (postgresql)"] += 1
        LEDGER["faults survived"] += 1


# -- bad input -------------------------------------------------------------------

_cells = st.one_of(
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-5, 5),
    st.text(max_size=6),
    st.sampled_from(["2026-01-15", "2026-13-01", "VIS-1.1", "NOPE", "0.5", "At Risk", "85%"]),
)


@pytest.fixture(scope="module")
def fuzz_store(tmp_path_factory):
    s = open_store(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'okrkit.db'}")
    s.save_plan(sample_plan())
    yield s
    s.close()


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["VIS-1.1", "CO-1.1", "NOPE", None, " DAT-1.1 "]),
            st.one_of(st.dates(dt.date(2025, 12, 1), dt.date(2026, 5, 1)), _cells),
            st.one_of(st.floats(-1e6, 1e6), _cells),
            st.one_of(st.floats(0, 1), _cells),
            st.one_of(st.sampled_from(["In Progress", "complete", None]), _cells),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_any_input_is_all_or_nothing(fuzz_store: Store, rows) -> None:
    frame = pd.DataFrame(rows, columns=["kr_id", "date", "value", "confidence", "status"])
    before = _count(fuzz_store)
    try:
        added = fuzz_store.add_checkins(frame)
    except CheckinError as err:
        assert err.problems and all(p.row and 1 <= p.row <= len(rows) for p in err.problems)
        assert _count(fuzz_store) == before
        LEDGER["bad inputs tried"] += 1
    else:
        assert added == len(rows) and _count(fuzz_store) == before + len(rows)
        LEDGER["good random inputs accepted"] += 1


def test_nothing_written_is_lost(store_url: str, backend: str) -> None:
    """Every row written through each path is held; a refused file adds nothing.

    Self-contained (it does not read what other tests recorded), so it passes or fails
    the same alone, first or last; its count joins the "rows lost" line of the summary.
    """
    from okrkit.checkins import read_checkins

    with open_store(store_url) as store:
        store.save_plan(sample_plan())
        written = 0
        for i in range(40):  # one row at a time
            written += store.add_checkins(
                checkin_frame([("VIS-1.1", f"2026-01-{1 + i % 28:02d}", float(i))]))
        n = 20_000
        bulk = checkin_frame([("DAT-1.1", f"2026-02-{1 + i % 28:02d}", 80 + i % 19, 0.5)
                              for i in range(n)])
        written += store.add_checkins(bulk)  # one bulk import
        csv = Path(tempfile.mkdtemp()) / "week.csv"
        csv.write_text("kr_id,date,value,note\nCO-1.1,2026-03-02,1,\"two\nlines\"\n")
        written += store.add_checkins(read_checkins(csv), source=str(csv))  # a sealed file
        with pytest.raises(CheckinError):  # refused as a whole: adds nothing
            store.add_checkins(checkin_frame([("CO-1.1", "2026-03-03", 2.0),
                                              ("CO-1.1", "2026-03-04", float("inf"))]))
        held = _count(store)
    LEDGER["rows lost"] += written - held
    LEDGER[f"check-ins written and counted back ({backend})"] += written
    assert written == 40 + n + 1 and held == written

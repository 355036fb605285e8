"""Store.backup / Store.restore: a JSON-lines dump that round-trips on both backends."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from pandas.testing import assert_frame_equal
from store_fixtures import LEDGER, checkin_frame, sample_plan

from okrkit.errors import StoreError
from okrkit.store import Store, open_store


def _fill(store: Store) -> None:
    store.save_plan(sample_plan("2026-Q1"), author="ana", message="draft")
    store.save_plan(store.load_plan("2026-Q1"), author="ben", message="tweak")
    store.save_plan(sample_plan("2026-Q2"))
    rows = [
        ("VIS-1.1", f"2026-01-{d:02d}", 88.0 + d / 10, 0.7, "In Progress") for d in range(1, 29)
    ]
    jan = checkin_frame(rows).assign(recorded_at=dt.datetime(2026, 11, 29, 9))
    store.add_checkins(jan, source="jan.csv")
    fix = checkin_frame([("VIS-1.1", "2026-01-05", 80.0)]).assign(
        recorded_at=dt.datetime(2026, 11, 30, 9), note="typo: was 88.5"
    )
    store.add_checkins(fix)
    store.add_checkins(checkin_frame([("DAT-1.1", "2026-05-02", 91.0, None, "At Risk")]))


def _same(a: Store, b: Store) -> None:
    assert a.periods() == b.periods()
    for period in a.periods():
        pa, pb = a.load_plan(period), b.load_plan(period)
        assert pa.revision == pb.revision and pa.period == pb.period
        for frame in ("objectives", "key_results", "reviews"):
            assert_frame_equal(getattr(pa, frame), getattr(pb, frame))
        assert_frame_equal(a.revisions(period), b.revisions(period))
    assert_frame_equal(a.checkins(effective=False), b.checkins(effective=False))
    assert_frame_equal(a.checkins(), b.checkins())


@pytest.mark.parametrize("suffix", [".jsonl", ".jsonl.gz"])
def test_backup_restore_round_trip(store: Store, tmp_path, suffix: str) -> None:
    _fill(store)
    path = tmp_path / f"okrkit-backup{suffix}"
    counts = store.backup(path)
    assert counts["checkins"] == 30 and counts["plan_revisions"] == 3
    # into the same backend ...
    store.restore(path, replace=True)
    # ... and into a fresh SQLite file (a PostgreSQL backup moves to SQLite and back)
    with open_store(f"sqlite:///{tmp_path / 'copy.db'}") as copy:
        assert copy.restore(path) == counts
        _same(store, copy)
        assert copy.checkins().set_index("date").at[dt.date(2026, 1, 5), "value"] == 80.0
        copy.backup(tmp_path / f"again{suffix}")
    with open_store(f"sqlite:///{tmp_path / 'copy2.db'}") as copy2:
        copy2.restore(tmp_path / f"again{suffix}")
        _same(store, copy2)
    LEDGER["backup/restore round trips"] += 2


def test_restore_refuses_a_non_empty_store(store: Store, tmp_path) -> None:
    _fill(store)
    path = tmp_path / "b.jsonl"
    store.backup(path)
    with pytest.raises(StoreError, match="is not empty"):
        store.restore(path)
    assert len(store.checkins(effective=False)) == 30


def test_truncated_or_foreign_backups_restore_nothing(store: Store, tmp_path) -> None:
    with open_store(f"sqlite:///{tmp_path / 'src.db'}") as src:
        _fill(src)
        src.backup(tmp_path / "full.jsonl")
    lines = (tmp_path / "full.jsonl").read_text().splitlines(keepends=True)
    (tmp_path / "cut.jsonl").write_text("".join(lines[:-5]))
    with pytest.raises(StoreError, match="truncated"):
        store.restore(tmp_path / "cut.jsonl")
    bad = [*lines[:3], json.dumps({"t": "periods", "r": [1]}) + "\n", *lines[3:]]
    (tmp_path / "bad.jsonl").write_text("".join(bad))
    with pytest.raises(StoreError, match="line 4"):
        store.restore(tmp_path / "bad.jsonl")
    (tmp_path / "other.jsonl").write_text('{"hello": 1}\n')
    with pytest.raises(StoreError, match="not an okrkit backup"):
        store.restore(tmp_path / "other.jsonl")
    with pytest.raises(StoreError, match="does not exist"):
        store.restore(tmp_path / "missing.jsonl")
    assert store.periods() == [] and store.checkins(effective=False).empty
    LEDGER["bad inputs tried"] += 4

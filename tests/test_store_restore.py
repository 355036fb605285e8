"""Restore is an import (okrkit.store.restore): a damaged or edited backup restores nothing.

Each case takes a good backup of a small store, breaks one thing, and checks that the
restore is refused naming the line (and the field), that the target store stays empty,
and that the good backup still restores — on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from store_fixtures import LEDGER, checkin_frame, sample_plan

from okrkit.errors import CheckinError, StoreError
from okrkit.scoring import score
from okrkit.store import Store, open_store
from okrkit.store.restore import BackupError, read_backup

pytest_plugins = ["store_fixtures"]


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> list[Any]:
    """A good backup's records: the header first, the end record last."""
    folder = tmp_path_factory.mktemp("good")
    with open_store(f"sqlite:///{folder / 'src.db'}") as src:
        plan = sample_plan()
        krs = plan.key_results.copy()
        krs["milestones"] = [((dt.date(2026, 2, 1), 92.0),)] + [None] * (len(krs) - 1)
        src.save_plan(plan.with_frames(key_results=krs))
        src.add_checkins(checkin_frame([("VIS-1.1", "2026-01-10", 89.0, 0.8, "In Progress"),
                                        ("DAT-1.1", "2026-01-12", 95.5)]))
        src.backup(folder / "b.jsonl")
    return [json.loads(line) for line in (folder / "b.jsonl").read_text().splitlines()]


def _write(path: Path, records: list[Any]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _edit(good: list[Any], table: str, column: str, value: Any, nth: int = 0
          ) -> tuple[list[Any], int]:
    """A copy of the records with one value changed; and the line it is on."""
    records = json.loads(json.dumps(good))
    cols = records[0]["tables"][table]
    seen = 0
    for i, rec in enumerate(records):
        if rec.get("t") == table:
            if seen == nth:
                rec["r"][cols.index(column)] = value
                return records, i + 1
            seen += 1
    raise AssertionError(f"no {table} row {nth}")


def _ended(records: list[Any]) -> list[Any]:
    """The records with an end record that counts them."""
    counts: dict[str, int] = {}
    for r in records[1:]:
        counts[r["t"]] = counts.get(r["t"], 0) + 1
    return [*records, {"end": counts}]


def _refused(store: Store, path: Path, *words: str) -> str:
    with pytest.raises(BackupError) as err:
        store.restore(path)
    text = str(err.value)
    for w in (*words, "nothing was restored"):
        assert w in text, text
    assert store.is_empty()
    LEDGER["bad backups refused"] += 1
    return text


CASES = [  # table, column, bad value, words of the message
    ("key_results", "baseline", "abc", ["field 'baseline'", "'abc' is not a number"]),
    ("key_results", "target", True, ["field 'target'", "not a number"]),
    ("key_results", "direction", "sideways", ["direction 'sideways' is not one of"]),
    ("key_results", "weight", -1.0, ["weight -1 must be > 0"]),
    ("key_results", "kr_id", "X" * 201, ["kr_id is 201 characters long"]),
    ("key_results", "source", '{"connection": "support"}',
     ["field 'source'", "a connection source needs sql"]),
    ("key_results", "source", '{"connection": "postgresql://ana:pw@db/x", "sql": "SELECT 1"}',
     ["field 'source'", "must be a name, not a URL"]),
    ("key_results", "source", "not json", ["field 'source'", "source must be a mapping"]),
    ("objectives", "objective_id", "VIS\u200b-1", ["invisible, control or bidi character"]),
    ("objectives", "level", "galaxy", ["level 'galaxy' is not one of"]),
    ("objectives", "title", "bell\x07", ["control character \\x07"]),
    ("objectives", "period", "2031-Q1", ["period '2031-Q1' is not in the backup's periods"]),
    ("periods", "cadence_days", 0, ["cadence_days 0 must be a whole number"]),
    ("periods", "cadence_days", "14", ["cadence_days must be a whole number"]),
    ("periods", "end_date", "2026-02-30", ["end_date '2026-02-30' is not a date"]),
    ("periods", "period", "../../x", ["is not a safe name"]),
    ("milestones", "kr_id", "NOPE", ["milestones row refers to key_results 2026-Q1, NOPE, "
                                     "which the backup does not hold"]),
    ("milestones", "date", "2027-01-01", ["milestone date 2027-01-01 is outside the period"]),
    ("checkins", "value", "abc", ["field 'value'", "'abc' is not a number"]),
    ("checkins", "value", 1e309, ["value must be finite"]),
    ("checkins", "confidence", 1.5, ["confidence 1.5 is outside 0..1"]),
    ("checkins", "status", "Done", ["status 'Done' is not one of"]),
    ("checkins", "note", "a\x00b", ["NUL character"]),
    ("checkins", "date", "2026-05-01", ["date 2026-05-01 is outside its period 2026-Q1"]),
    ("checkins", "recorded_at", "2099-01-01 00:00:00", ["recorded_at 2099-01-01 00:00:00 is "
                                                         "in the future"]),
    ("checkins", "recorded_at", None, ["recorded_at is required"]),
    ("checkins", "kr_id", "BOT\x1b[31m", ["control character"]),
    ("plan_revisions", "plan_yaml", 5, ["plan_yaml must be text"]),
]


@pytest.mark.parametrize(("table", "column", "value", "words"), CASES,
                         ids=[f"{t}.{c}={v!r:.12}" for t, c, v, _ in CASES])
def test_a_bad_value_restores_nothing(store: Store, good: list[Any], tmp_path: Path,
                                      table: str, column: str, value: Any,
                                      words: list[str]) -> None:
    records, line = _edit(good, table, column, value)
    _refused(store, _write(tmp_path / "bad.jsonl", records), f"line {line}", *words)


def test_the_good_backup_restores_and_scores(store: Store, good: list[Any],
                                             tmp_path: Path) -> None:
    counts = store.restore(_write(tmp_path / "good.jsonl", good))
    assert counts["checkins"] == 2 and counts["milestones"] == 1
    card = score(store.load_plan("2026-Q1"), store.checkins("2026-Q1"), as_of="2026-02-13")
    assert card.key_results.set_index("kr_id").at["VIS-1.1", "value"] == 89.0


def test_broken_shapes_restore_nothing(store: Store, good: list[Any], tmp_path: Path) -> None:
    head, *body = good
    cases = [
        ([{"okrkit_backup": 2, "tables": {}}, *body], ["line 1", "not an okrkit backup"]),
        ([{**head, "tables": {"periods": "period"}}, *body], ["line 1", "'tables' is not"]),
        ([{**head, "tables": {"secrets": ["x"]}}, *body], ["line 1", "unknown table 'secrets'"]),
        ([{**head, "schema": "9999"}, *body], ["line 1", "schema revision '9999'"]),
        ([head, {"t": "periods", "r": "2026-Q1"}, *body], ["line 2", "not a backup record"]),
        ([head, {"t": "periods", "r": [], "x": 1}, *body], ["line 2", "not a backup record"]),
        ([head, ["periods"], *body], ["line 2", "not a backup record"]),
        ([head, {"t": "periods", "r": ["2026-Q2"]}, *body], ["line 2", "has 1 values"]),
        ([head, *body, {"t": "periods", "r": []}], [f"line {len(good) + 1}", "more after the "
                                                                            "end record"]),
        ([head, *body[:-1]], ["truncated (no end record)"]),
        ([head, *body[:-1], {"end": {"periods": 7}}], ["inconsistent"]),
        (_ended([head, body[0], *body[:-1]]), ["line 3", "a second periods row for "
                                                            "2026-Q1"]),
    ]
    for records, words in cases:
        _refused(store, _write(tmp_path / "shape.jsonl", records), *words)
    (tmp_path / "junk.jsonl").write_text(json.dumps(head) + "\n{not json\n")
    _refused(store, tmp_path / "junk.jsonl", "line 2", "not a backup record")
    (tmp_path / "latin1.jsonl").write_bytes(json.dumps(head).encode() + b'\n{"t": "\xe9"}\n')
    _refused(store, tmp_path / "latin1.jsonl", "line 2", "not UTF-8")
    (tmp_path / "empty.jsonl").write_bytes(b"")
    _refused(store, tmp_path / "empty.jsonl", "empty")


def test_a_damaged_gzip_restores_nothing(store: Store, good: list[Any], tmp_path: Path) -> None:
    text = "".join(json.dumps(r) + "\n" for r in good).encode()
    packed = gzip.compress(text)
    flipped = bytearray(packed)
    flipped[len(flipped) // 2] ^= 0x5A
    (tmp_path / "flip.jsonl.gz").write_bytes(bytes(flipped))
    msg = _refused(store, tmp_path / "flip.jsonl.gz", "line ")
    assert "damaged" in msg or "not a backup record" in msg or "not UTF-8" in msg
    (tmp_path / "cut.jsonl.gz").write_bytes(packed[: len(packed) - 12])
    _refused(store, tmp_path / "cut.jsonl.gz", "damaged", "line ")
    (tmp_path / "named.okrbackup").write_bytes(packed)  # gzip is told by its bytes
    assert store.restore(tmp_path / "named.okrbackup")["checkins"] == 2


def test_every_problem_is_listed(store: Store, good: list[Any], tmp_path: Path) -> None:
    records, first = _edit(good, "checkins", "value", "abc", 0)
    records2, second = _edit(records, "checkins", "confidence", 7, 1)
    text = _refused(store, _write(tmp_path / "two.jsonl", records2), "3 problems")
    assert f"line {first}" in text and f"line {second}" in text


def test_read_backup_does_not_need_a_store(good: list[Any], tmp_path: Path) -> None:
    checked = read_backup(_write(tmp_path / "good.jsonl", good))
    assert checked.counts()["key_results"] == len(sample_plan().key_results)
    with pytest.raises(StoreError, match="does not exist"):
        read_backup(tmp_path / "missing.jsonl")


def test_check_ins_of_pruned_key_results_are_kept(store_url: str, tmp_path: Path) -> None:
    """--prune removes key results and keeps their check-ins: such a backup restores."""
    with open_store(store_url) as src:
        src.save_plan(sample_plan())
        src.add_checkins(checkin_frame([("VIS-1.1", "2026-01-10", 89.0)]))
        plan = src.load_plan("2026-Q1")
        src.import_plan(plan.with_frames(
            key_results=plan.key_results[plan.key_results["kr_id"] != "VIS-1.1"]),
            replace=True, prune=True)
        src.backup(tmp_path / "pruned.jsonl")
    with open_store(f"sqlite:///{tmp_path / 'copy.db'}") as copy:
        assert copy.restore(tmp_path / "pruned.jsonl")["checkins"] == 1
        assert copy.checkins(effective=False)["kr_id"].tolist() == ["VIS-1.1"]


@pytest.mark.postgres
def test_a_sqlite_backup_always_restores_into_postgresql(sample_db: Path, pg_store_url: str,
                                                         tmp_path: Path) -> None:
    """What SQLite would take but PostgreSQL refuses never reaches SQLite: the sample with
    edge values (a 200-character id, 10,000-character notes, every script) moves over."""
    work = tmp_path / "edge.db"
    work.write_bytes(sample_db.read_bytes())
    long_id = "K" * 200
    with open_store(f"sqlite:///{work}") as src:
        plan = src.load_plan("2026-Q1")
        krs = plan.key_results.copy()
        krs.loc[0, "kr_id"] = long_id
        krs.loc[1, "title"] = "Ünïcödé ✅ 中文 עברית \t tab"
        src.save_plan(plan.with_frames(key_results=krs), force=True, prune=True)
        src.add_checkins(checkin_frame([(long_id, "2026-01-20", 70.0, 0.5, None)]).assign(
            note="n" * 10_000, blockers="line one\nline two"))
        with pytest.raises(CheckinError, match="kr_id is 201 characters long"):
            src.add_checkins(checkin_frame([("K" * 201, "2026-01-20", 1.0)]))
        with pytest.raises(CheckinError, match="control character"):
            src.add_checkins(checkin_frame([(long_id, "2026-01-20", 1.0)]).assign(note="\x00"))
        src.backup(tmp_path / "edge.jsonl.gz")
        want = src.checkins(effective=False)
    with open_store(pg_store_url) as pg:
        counts = pg.restore(tmp_path / "edge.jsonl.gz")
        assert counts["checkins"] == len(want)
        got = pg.checkins(effective=False)
        assert got["note"].tolist() == want["note"].tolist()
        assert pg.load_plan("2026-Q1").key_results["kr_id"].iloc[0] == long_id
    LEDGER["backup/restore round trips"] += 1


def test_every_table_round_trips_and_its_references_are_checked(store: Store,
                                                                 tmp_path: Path) -> None:
    """Lifecycle states, sign-offs, amendments, frozen scores, votes and digests go through
    the same checks: the schema's keys, whichever table."""
    from okrkit import lifecycle
    from okrkit.store.checkins import utcnow

    with open_store(f"sqlite:///{tmp_path / 'src.db'}") as src:
        src.save_plan(sample_plan())
        src.update_plan_state("2026-Q1", "vision", lifecycle.submit)
        src.update_plan_state("2026-Q1", "vision", lambda s: lifecycle.approve(
            s, lifecycle.DEFAULT_ROLES[0], "ana", at=utcnow()))
        src.close_plan("2026-Q1", "data", as_of=dt.date(2026, 3, 1), force=True,
                       reason="team disbanded")
        src.cast_vote("2026-Q1", "vision", "ana", {"VIS-1": 0.7})
        src.record_digest("2026-Q1", "vision", dt.date(2026, 1, 9))
        counts = src.backup(tmp_path / "all.jsonl")
    assert all(counts[t] for t in ("plan_states", "signoffs", "amendments", "final_scores",
                                   "vote_rounds", "votes", "digests", "team_revisions"))
    records = [json.loads(x) for x in (tmp_path / "all.jsonl").read_text().splitlines()]
    assert store.restore(_write(tmp_path / "good.jsonl", records)) == counts
    assert store.votes("2026-Q1")["confidence"].tolist() == [0.7]
    store.restore(_write(tmp_path / "good.jsonl", records), replace=True)  # again: replaced
    store.close()
    with open_store(f"sqlite:///{tmp_path / 'empty.db'}") as empty:
        for table, column, value, words in (
                ("signoffs", "team", "nosuch", ["signoffs row refers to plan_states 2026-Q1, "
                                                "nosuch"]),
                ("votes", "confidence", "high", ["field 'confidence'", "is not a number"]),
                ("plan_states", "team", "vision", ["a second plan_states row for 2026-Q1, "
                                                   "vision"]),
                ("digests", "as_of", "yesterday", ["as_of 'yesterday' is not a date"])):
            bad, line = _edit(records, table, column, value)
            at = line + 1 if table == "plan_states" else line  # the second row is the extra
            _refused(empty, _write(tmp_path / "bad.jsonl", bad), f"line {at}", *words)

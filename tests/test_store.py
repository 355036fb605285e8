"""The store contract (docs/internals.md, "Store") on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import socket
from dataclasses import replace

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal
from store_fixtures import checkin_frame, sample_plan

from okrkit.errors import CheckinError, ConflictError, PlanError, StoreError
from okrkit.frames import CHECKIN_COLUMNS, REVIEW_COLUMNS, conform
from okrkit.store import Store, open_store

Q1 = "2026-Q1"


def test_round_trip_gives_equal_frames(store: Store) -> None:
    plan = sample_plan()
    assert store.save_plan(plan) == 1
    loaded = store.load_plan(Q1)
    assert loaded.revision == 1
    assert loaded.period == plan.period
    assert loaded.cadence_days == 7
    assert_frame_equal(loaded.objectives, plan.objectives)
    assert_frame_equal(loaded.key_results, plan.key_results)
    assert_frame_equal(loaded.reviews, plan.reviews)
    ms = loaded.key_results.set_index("kr_id").at["VIS-1.1", "milestones"]
    assert ms == ((dt.date(2026, 1, 31), 90.0), (dt.date(2026, 3, 2), 93.0))


def test_explicit_date_period_round_trips(store: Store) -> None:
    from okrkit.period import Period

    plan = sample_plan()
    odd = Period.parse("H1 pilot", "2026-01-15", "2026-06-30")
    plan = replace(plan, period=odd).with_frames(
        objectives=plan.objectives.assign(period=odd.label),
        reviews=plan.reviews.assign(period=odd.label),
    )
    store.save_plan(plan)
    loaded = store.load_plan("H1 pilot")
    assert loaded.period == odd
    assert_frame_equal(loaded.objectives, plan.objectives)


def test_every_save_is_a_revision_with_the_plan_text(store: Store) -> None:
    plan = sample_plan()
    store.save_plan(plan, author="ana", message="first draft")
    loaded = store.load_plan(Q1)
    krs = loaded.key_results.copy()
    krs.loc[krs["kr_id"] == "VIS-1.1", "target"] = 97.0
    assert store.save_plan(loaded.with_frames(key_results=krs), author="ben") == 2
    hist = store.revisions(Q1)
    assert list(hist.columns) == [
        "period",
        "revision",
        "saved_at",
        "author",
        "message",
        "plan_yaml",
    ]
    assert hist["revision"].tolist() == [1, 2]
    assert hist["author"].tolist() == ["ana", "ben"]
    assert hist.at[0, "message"] == "first draft"
    assert "VIS-1.1" in hist.at[0, "plan_yaml"]
    diff = store.diff(Q1, 1)
    assert "-    target: 95\n" in diff and "+    target: 97\n" in diff
    assert store.load_plan(Q1).key_results.set_index("kr_id").at["VIS-1.1", "target"] == 97.0


def _owner(plan, team: str, owner: str):
    obj = plan.objectives
    return plan.with_frames(objectives=obj.assign(owner=obj["owner"].where(obj["team"] != team,
                                                                            owner)))


def test_stale_revision_is_a_conflict(store: Store) -> None:
    """A stale copy that would undo another's change to a team is refused, naming the
    team and the revisions; a stale copy that changes nothing of theirs is not."""
    store.save_plan(sample_plan())
    mine = store.load_plan(Q1)
    store.save_plan(store.load_plan(Q1))  # a save that changes no team
    assert store.save_plan(mine) == 3  # nothing of anyone else's would be lost
    theirs = store.load_plan(Q1)
    store.save_plan(_owner(theirs, "vision", "new lead"))
    store.save_plan(store.load_plan(Q1))
    with pytest.raises(ConflictError) as err:
        store.save_plan(_owner(theirs, "data", "me"))  # holds vision's old owner
    assert str(err.value) == (
        "plan for 2026-Q1: team 'vision' was changed by someone else in revision 4, after "
        "revision 3 that you loaded (the store is at revision 5): reload and re-apply your "
        "edits"
    )
    assert store.load_plan(Q1).revision == 5


def test_two_teams_saving_the_same_period_do_not_conflict(store: Store) -> None:
    store.save_plan(sample_plan())
    vision, data = store.load_plan(Q1), store.load_plan(Q1)
    store.save_plan(_owner(vision, "vision", "V"), teams="vision")
    store.save_plan(_owner(data, "data", "D"), teams=["data"])  # loaded before vision's save
    owners = store.load_plan(Q1).objectives.set_index("objective_id")["owner"]
    assert owners.to_dict() == {"CO-1": "CTO", "VIS-1": "V", "DAT-1": "D"}
    with pytest.raises(ConflictError, match=r"team 'vision' was changed by someone else in "
                                            r"revision 2, after revision 1 that you loaded"):
        store.save_plan(_owner(vision, "vision", "stale"), teams="vision")
    fresh = store.load_plan(Q1)  # the objectives without a team are a team of their own
    obj = fresh.objectives
    ceo = fresh.with_frames(objectives=obj.assign(owner=obj["owner"].mask(obj["team"].isna(),
                                                                          "CEO")))
    store.save_plan(ceo, teams=[None])
    with pytest.raises(ConflictError, match=r"the objectives without a team were changed by "
                                            r"someone else in revision 4"):
        store.save_plan(vision, teams=[None])
    store.save_plan(vision, teams=["data"], force=True)
    assert store.load_plan(Q1).objectives["owner"].tolist() == ["CEO", "V", None]


def test_plan_from_a_file_needs_force_once_the_period_exists(store: Store) -> None:
    store.save_plan(sample_plan())
    fresh = sample_plan()
    assert fresh.revision is None
    with pytest.raises(ConflictError, match="not loaded from it"):
        store.save_plan(fresh)
    edited = fresh.with_frames(objectives=fresh.objectives.assign(owner="new owner"))
    assert store.save_plan(edited, force=True, message="import plan.yaml") == 2
    hist = store.revisions(Q1)
    assert hist["message"].tolist() == [None, "import plan.yaml"]
    assert "CTO" in hist.at[0, "plan_yaml"]  # the replaced plan is still in the history


def test_invalid_plan_changes_nothing(store: Store) -> None:
    store.save_plan(sample_plan())
    loaded = store.load_plan(Q1)
    krs = pd.concat([loaded.key_results, loaded.key_results.iloc[[0]]], ignore_index=True)
    krs.loc[1, "objective_id"] = "NOPE"
    with pytest.raises(PlanError) as err:
        store.save_plan(loaded.with_frames(key_results=krs))
    fields = {(p.row, p.field) for p in err.value.problems}
    assert fields == {(5, "kr_id"), (2, "objective_id")}
    again = store.load_plan(Q1)
    assert again.revision == 1
    assert_frame_equal(again.key_results, loaded.key_results)


def test_checkins_are_append_only_and_corrections_win(store: Store) -> None:
    store.save_plan(sample_plan())
    first = checkin_frame([("VIS-1.1", "2026-01-10", 89.0, 0.8), ("VIS-1.1", "2026-01-17", 90.0)])
    assert store.add_checkins(first.assign(recorded_at=dt.datetime(2026, 1, 17, 9))) == 2
    fix = checkin_frame([("VIS-1.1", "2026-01-10", 89.5, 0.7, "In Progress")])
    fix["recorded_at"] = [dt.datetime(2026, 1, 18, 9)]
    assert store.add_checkins(fix) == 1
    eff = store.checkins(Q1)
    assert list(eff.columns) == CHECKIN_COLUMNS
    assert eff["value"].tolist() == [89.5, 90.0]
    assert eff["status"].tolist() == ["In Progress", None]
    audit = store.checkins(Q1, effective=False)
    assert_frame_equal(audit, conform(audit, "checkins"))  # contract dtypes
    assert len(audit) == 3
    assert audit["value"].tolist() == [89.0, 89.5, 90.0]  # sorted by kr, date, recorded_at
    # a correction recorded at the same instant: the one inserted last wins
    now = dt.datetime(2026, 1, 19, 9)
    same = checkin_frame([("VIS-1.1", "2026-01-10", 1.0), ("VIS-1.1", "2026-01-10", 2.0)])
    store.add_checkins(same.assign(recorded_at=now))
    assert store.checkins(Q1).set_index("date").at[dt.date(2026, 1, 10), "value"] == 2.0


def test_checkin_types_and_default_recorded_at(store: Store) -> None:
    store.save_plan(sample_plan())
    before = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    frame = pd.DataFrame(
        {
            "kr_id": [" DAT-1.1 "],
            "date": [pd.Timestamp("2026-02-01")],
            "value": ["97.5"],
            "confidence": [0.9],
            "status": ["at risk"],
            "note": ["slow pipeline"],
            "blockers": [""],
            "author": ["dana"],
        }
    )
    store.add_checkins(frame)
    got = store.checkins().iloc[0]
    assert got["kr_id"] == "DAT-1.1" and got["date"] == dt.date(2026, 2, 1)
    assert got["value"] == 97.5 and got["status"] == "At Risk" and got["blockers"] is None
    assert (
        before - dt.timedelta(seconds=1) <= got["recorded_at"] <= before + dt.timedelta(minutes=5)
    )
    assert frame.at[0, "kr_id"] == " DAT-1.1 "  # input not mutated


def test_bad_checkins_write_nothing_and_name_every_row(store: Store, tmp_path) -> None:
    store.save_plan(sample_plan())
    frame = checkin_frame(
        [
            ("VIS-1.1", "2026-01-10", 89.0, 0.5, "In Progress"),
            ("NOPE-1", "2026-01-10", 1.0, 0.5, None),
            ("VIS-1.1", "2026-05-01", 90.0, 1.5, "Done"),
            ("VIS-1.2", "31/01/2026", "abc", None, None),
            (None, "2026-01-11", None, None, None),
        ]
    )
    with pytest.raises(CheckinError) as err:
        store.add_checkins(frame)
    found = {(p.row, p.field) for p in err.value.problems}
    assert found == {
        (2, "kr_id"),
        (3, "date"),
        (3, "confidence"),
        (3, "status"),
        (4, "date"),
        (4, "value"),
        (5, "kr_id"),
        (5, "value"),
    }
    assert "outside every period that holds key result 'VIS-1.1'" in str(err.value)
    assert len(store.checkins(effective=False)) == 0
    csv = tmp_path / "checkins.csv"
    csv.write_text("kr_id,date,value\nNOPE-1,2026-01-10,1\n")
    with pytest.raises(CheckinError) as err:
        store.add_checkins(frame.iloc[[1]], source=str(csv))
    (p,) = err.value.problems
    assert (p.file, p.line, p.row, p.id) == (str(csv), 2, None, "NOPE-1")
    with pytest.raises(CheckinError) as err:
        store.add_checkins(frame.iloc[[1]], source="command line")
    (p,) = err.value.problems
    assert (p.file, p.line, p.row) == ("command line", None, 1)
    with pytest.raises(CheckinError) as err:
        store.add_checkins(frame.iloc[[0, 1]], source="x.csv", lines=[7, 9])
    assert [p.line for p in err.value.problems] == [9]


def test_a_kr_id_reused_in_another_period_goes_to_the_right_period(store: Store) -> None:
    store.save_plan(sample_plan(Q1))
    store.save_plan(sample_plan("2026-Q2"))
    store.add_checkins(
        checkin_frame([("CO-1.1", "2026-02-01", 1.0), ("CO-1.1", "2026-05-01", 2.0)])
    )
    assert store.checkins(Q1)["value"].tolist() == [1.0]
    assert store.checkins("2026-Q2")["value"].tolist() == [2.0]
    assert len(store.checkins()) == 2


def test_team_views(store: Store) -> None:
    store.save_plan(sample_plan())
    vision = store.load_plan(Q1, team="vision")
    assert vision.objectives["objective_id"].tolist() == ["CO-1", "VIS-1"]  # with its parent
    assert vision.key_results["kr_id"].tolist() == ["VIS-1.1", "VIS-1.2"]
    assert vision.reviews.empty and vision.revision == 1
    store.add_checkins(
        checkin_frame([("VIS-1.2", "2026-01-05", 11.0), ("DAT-1.1", "2026-01-05", 85.0)])
    )
    assert store.checkins(Q1, team="vision")["kr_id"].tolist() == ["VIS-1.2"]
    assert store.checkins(team="data")["kr_id"].tolist() == ["DAT-1.1"]
    assert store.checkins(team="nobody").empty


def test_periods_and_teams_listing(store: Store) -> None:
    assert store.periods() == []
    store.save_plan(sample_plan("2026-Q2"))
    store.save_plan(sample_plan("2025-Q4"))
    assert store.periods() == ["2025-Q4", "2026-Q2"]
    assert store.teams("2026-Q2") == ["data", "vision"]
    assert store.teams("1999-Q1") == []


def test_reviews(store: Store) -> None:
    store.save_plan(sample_plan())
    review = pd.DataFrame(
        {
            "objective_id": ["VIS-1"],
            "lessons": ["label data earlier"],
            "score_override": [0.8],
            "override_reason": ["scope cut agreed"],
        }
    )
    store.save_reviews(review, Q1)
    got = store.reviews(Q1)
    assert list(got.columns) == REVIEW_COLUMNS
    assert got["objective_id"].tolist() == ["VIS-1", "DAT-1"]  # plan order
    assert got.set_index("objective_id").at["VIS-1", "score_override"] == 0.8
    assert store.load_plan(Q1).revision == 2
    assert store.revisions(Q1)["message"].iloc[-1] == "reviews updated"
    bad = pd.DataFrame({"objective_id": ["VIS-1", "ZZZ"], "score_override": [0.5, None]})
    with pytest.raises(PlanError) as err:
        store.save_reviews(bad, Q1)
    assert {(p.row, p.field) for p in err.value.problems} == {
        (1, "override_reason"),
        (2, "objective_id"),
    }


def test_unknown_period_is_a_clear_error(store: Store) -> None:
    store.save_plan(sample_plan())
    with pytest.raises(StoreError, match=r"no plan for period 2030-Q1 .*\(periods: 2026-Q1\)"):
        store.load_plan("2030-Q1")


def test_empty_store_reads_give_contract_frames(store: Store) -> None:
    assert list(store.checkins().columns) == CHECKIN_COLUMNS
    assert store.revisions(Q1).empty
    assert store.reviews(Q1).empty


def test_url_order_env_and_default(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("OKRKIT_DB", raising=False)
    with open_store() as s:
        # no project folder above tmp_path: the default file is data/okrkit.db under cwd
        assert s.url == f"sqlite:///{tmp_path.resolve() / 'data' / 'okrkit.db'}"
        s.save_plan(sample_plan())
    assert (tmp_path / "data" / "okrkit.db").is_file()
    monkeypatch.setenv("OKRKIT_DB", f"sqlite:///{tmp_path / 'env.db'}")
    with open_store() as s:
        assert s.periods() == []
    with open_store(f"sqlite:///{tmp_path / 'data' / 'okrkit.db'}") as s:
        assert s.periods() == [Q1]
    import sqlite3

    con = sqlite3.connect(tmp_path / "data" / "okrkit.db")
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()


def test_default_store_is_found_from_a_subfolder(tmp_path, monkeypatch) -> None:
    # notebooks run in notebooks/: they must find the project's data/okrkit.db
    (tmp_path / "data").mkdir()
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "notebooks").mkdir()
    monkeypatch.chdir(tmp_path / "notebooks")
    monkeypatch.delenv("OKRKIT_DB", raising=False)
    with open_store() as s:
        assert s.url == f"sqlite:///{tmp_path.resolve() / 'data' / 'okrkit.db'}"


def test_missing_folder_is_not_created_for_explicit_urls(tmp_path) -> None:
    with pytest.raises(StoreError, match="does not exist"):
        open_store(f"sqlite:///{tmp_path / 'nope' / 'x.db'}")


def test_passwords_never_show(tmp_path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens here once closed
    url = f"postgresql+psycopg://ana:s3cr3t-pw@127.0.0.1:{port}/okr"
    with pytest.raises(StoreError) as err:
        open_store(url, timeout=2)
    text = str(err.value)
    assert "s3cr3t-pw" not in text and "ana:***@127.0.0.1" in text
    assert "cannot reach the PostgreSQL server" in text
    with pytest.raises(StoreError) as err:
        open_store("mysql://ana:s3cr3t-pw@db/okr")
    assert "s3cr3t-pw" not in str(err.value)
    with pytest.raises(StoreError) as err:
        open_store("not a url ana:s3cr3t-pw@")
    assert "s3cr3t-pw" not in str(err.value)
    s = open_store(f"sqlite:///{tmp_path / 'x.db'}")
    assert repr(s) == f"Store('sqlite:///{tmp_path / 'x.db'}')"
    s.close()


def test_store_repr_masks_password(store_url: str, backend: str) -> None:
    with open_store(store_url) as s:
        assert s.backend == backend
        if backend == "postgresql":
            assert ":***@" in str(s) and ":***@" in repr(s)
            assert s.url.split("@")[1] in store_url


def test_store_queries(store: Store) -> None:
    assert store.objective_ids() == [] and store.latest_period() is None
    store.save_plan(sample_plan("2026-Q1"))
    store.save_plan(sample_plan("2025-Q4", suffix="-old"))
    assert store.objective_ids() == sorted(
        ["CO-1", "VIS-1", "DAT-1", "CO-1-old", "VIS-1-old", "DAT-1-old"])
    assert store.latest_period() == Q1
    assert store.latest_period(team="vision") == Q1
    assert store.latest_period(team="nobody") is None
    krs = store.key_results(Q1)
    assert_frame_equal(krs, sample_plan().key_results)
    assert store.key_results("1999-Q1").empty


def test_effective_view_is_the_scoring_rule(store: Store) -> None:
    """Store.checkins() keeps what rules.latest_per_day keeps, row for row."""
    from okrkit.rules import latest_per_day

    store.save_plan(sample_plan(Q1))
    store.save_plan(sample_plan("2026-Q2"))
    t0 = dt.datetime(2026, 1, 20, 9)
    rows = []
    for i in range(60):
        day = dt.date(2026, 1, 1) + dt.timedelta(days=(i * 7) % 150 if i < 30 else i % 9)
        rows.append(("VIS-1.1" if i % 3 else "CO-1.1", day.isoformat(), float(i)))
    frame = checkin_frame(rows)
    frame["recorded_at"] = [t0 + dt.timedelta(minutes=(i * 37) % 11) for i in range(60)]
    store.add_checkins(frame)
    audit = store.checkins(effective=False)
    expected = latest_per_day(audit).sort_values(["kr_id", "date", "recorded_at"],
                                                kind="stable").reset_index(drop=True)
    assert_frame_equal(store.checkins(), expected)
    assert len(store.checkins()) < len(audit)
    # the audit trail is sorted by kr_id, date, recorded_at
    keys = list(zip(audit["kr_id"], audit["date"], audit["recorded_at"], strict=True))
    assert keys == sorted(keys)


def test_cli_closes_every_store_it_opens(tmp_path, monkeypatch) -> None:
    from typer.testing import CliRunner

    import okrkit.store
    from okrkit.cli import app

    opened: list[Store] = []
    closed: list[Store] = []
    real_open, real_close = okrkit.store.open_store, Store.close

    def tracking_open(*args, **kwargs):
        s = real_open(*args, **kwargs)
        opened.append(s)
        return s

    def tracking_close(self):
        closed.append(self)
        real_close(self)

    monkeypatch.setattr(okrkit.store, "open_store", tracking_open)
    monkeypatch.setattr(Store, "close", tracking_close)
    db = f"sqlite:///{tmp_path / 'okr.db'}"
    csv = tmp_path / "ck.csv"
    csv.write_text("kr_id,date,value\nVIS-1.1,2026-01-10,89\n")
    with real_open(db) as s:
        s.save_plan(sample_plan())
    runner = CliRunner()
    for args in (["import", str(csv)], ["score", Q1], ["score", Q1, "--format", "json"],
                 ["lint", Q1], ["export", "--period", Q1], ["checkin", "VIS-1.1", "90",
                                                             "--date", "2026-01-11"],
                 ["score", "2030-Q1"], ["sample"]):
        before = len(opened)
        res = runner.invoke(app, [*args, "--db", db])
        assert res.exception is None or isinstance(res.exception, SystemExit), res.output
        assert len(opened) > before, args
        assert set(map(id, opened)) <= set(map(id, closed)), f"{args} left a store open"

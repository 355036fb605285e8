"""Imports never delete silently (okrkit.store.imports, ``okrkit import``), check-in imports
are idempotent, and time and overlapping periods are handled on purpose."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from store_fixtures import checkin_frame, sample_plan
from typer.testing import CliRunner

from okrkit.cli import app
from okrkit.errors import CheckinError, PlanError
from okrkit.frames import Plan
from okrkit.period import Period
from okrkit.plan import save_plan_yaml
from okrkit.store import Store, open_store

pytest_plugins = ["store_fixtures"]
Q1 = "2026-Q1"


def run(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(app, [str(a) for a in args])
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exception
    return r.exit_code, r.stdout + r.stderr


def _counts(db: str) -> tuple[int, int]:
    with open_store(db) as store:
        plan = store.load_plan(Q1)
    return len(plan.objectives), len(plan.key_results)


# ---------------------------------------------------------------------------- teams


def test_a_team_export_imported_back_keeps_the_period(sample_url: str, tmp_path: Path) -> None:
    """The bug: 22 objectives became 5. Now vision is replaced and the rest kept."""
    before = _counts(sample_url)
    assert before == (22, 57)
    v = tmp_path / "v.yaml"
    assert run("export", "--period", Q1, "--team", "vision", "--to", "yaml", "--out", v,
               "--db", sample_url)[0] == 0
    code, out = run("import", v, "--db", sample_url)
    assert code == 0, out
    assert "team vision replaced (3 objectives, 9 key results), the other teams kept" in out
    assert "alignment objectives kept as stored: CO-1, OPS-1" in out
    assert _counts(sample_url) == before
    with open_store(sample_url) as store:
        assert len(store.checkins(Q1)) == 285


def test_replace_is_explicit_and_prune_protects_check_ins(sample_url: str,
                                                           tmp_path: Path) -> None:
    v = tmp_path / "v.yaml"
    run("export", "--period", Q1, "--team", "vision", "--out", v, "--db", sample_url)
    code, out = run("import", v, "--replace", "--db", sample_url)
    assert code == 2
    assert "48 key results of 2026-Q1 that have check-ins would be removed: BOT-1.1 (6 " \
           "check-ins)" in out and "--prune" in out
    assert _counts(sample_url) == (22, 57)
    code, out = run("import", v, "--replace", "--prune", "--db", sample_url)
    assert code == 0 and "removed 17 objectives" in out and "removed 48 key results" in out
    assert _counts(sample_url) == (5, 9)
    with open_store(sample_url) as store:  # the check-ins stay in the history
        assert len(store.checkins(Q1, effective=False)) == 285


def test_a_changed_objective_of_another_team_is_that_teams_plan(store: Store) -> None:
    """An ancestor that differs from the store is content, not context: its team is
    replaced by what the file holds of it (and the import says what it removed)."""
    store.save_plan(sample_plan())
    plan = store.load_plan(Q1).for_team("vision")
    same = store.import_plan(plan.with_frames())
    assert same.teams == ["vision"] and same.kept == ["CO-1"]
    obj = plan.objectives.assign(title=plan.objectives["title"].where(
        plan.objectives["objective_id"] != "CO-1", "A new company goal"))
    done = store.import_plan(plan.with_frames(objectives=obj))
    assert done.teams == ["", "vision"] and done.kept == []
    assert store.load_plan(Q1).objectives.set_index("objective_id").at[
        "CO-1", "title"] == "A new company goal"
    assert len(store.load_plan(Q1).objectives) == 3  # data kept: it is not in the file


def test_a_merge_that_breaks_another_team_is_refused(store: Store) -> None:
    """A file of the objectives without a team that drops CO-1, while vision and data are
    aligned to it: refused by the workshop's merge rules, nothing saved."""
    store.save_plan(sample_plan())
    plan = store.load_plan(Q1)
    obj = plan.objectives
    new = obj[obj["objective_id"] == "CO-1"].assign(objective_id="CO-2", title="Other goal")
    krs = plan.key_results[plan.key_results["objective_id"] == "CO-1"].assign(
        objective_id="CO-2", kr_id=lambda k: k["kr_id"] + "b")
    with pytest.raises(PlanError, match=r"objective 'VIS-1' of team 'vision' is aligned to "
                                        r"'CO-1', which this draft removes"):
        store.import_plan(Plan(plan.period, new, krs))
    assert store.load_plan(Q1).revision == 1


def test_an_objective_id_of_another_team_is_refused(store: Store) -> None:
    store.save_plan(sample_plan())
    plan = store.load_plan(Q1)
    obj = plan.objectives.copy()
    obj.loc[obj["objective_id"] == "VIS-1", "team"] = "ops"
    intruder = plan.with_frames(objectives=obj[obj["team"].isin(["ops"]) | obj["team"].isna()],
                                key_results=plan.key_results[
                                    plan.key_results["objective_id"] == "VIS-1"])
    with pytest.raises(PlanError, match="objective id 'VIS-1' is already used by team 'vision'"):
        store.import_plan(intruder)
    assert store.load_plan(Q1).revision == 1


# ---------------------------------------------------------------------------- check-ins


def test_importing_the_same_check_ins_twice_adds_nothing(sample_url: str,
                                                          tmp_path: Path) -> None:
    ck = tmp_path / "ck.csv"
    ck.write_text("kr_id,date,value,confidence,note\n"
                  "BOT-1.1,2026-02-20,80,0.7,week 8\n"
                  "BOT-1.2,2026-02-20,3500,,\n")
    assert run("import", ck, "--db", sample_url)[1].strip().endswith(
        "2 check-ins added, 0 already recorded")
    assert run("import", ck, "--db", sample_url)[1].strip().endswith(
        "0 check-ins added, 2 already recorded")
    ck.write_text("kr_id,date,value,confidence,note\n"
                  "BOT-1.1,2026-02-20,81,0.7,week 8\n"  # a correction: a new row
                  "BOT-1.2,2026-02-20,3500,,\n")
    assert run("import", ck, "--db", sample_url)[1].strip().endswith(
        "1 check-ins added, 1 already recorded")
    code, out = run("import", "data/checkins/2026-Q1.csv", "--db", sample_url)
    assert code == 0 and "0 check-ins added, 285 already recorded" in out
    with open_store(sample_url) as store:
        eff = store.checkins(Q1)
        assert eff.set_index(["kr_id", "date"]).at[("BOT-1.1", dt.date(2026, 2, 20)),
                                                   "value"] == 81.0
        assert len(store.checkins(Q1, effective=False)) == 285 + 3


def test_recorded_at_is_part_of_the_record_when_given(store: Store) -> None:
    store.save_plan(sample_plan())
    rows = checkin_frame([("VIS-1.1", "2026-01-10", 5.0), ("VIS-1.1", "2026-01-10", 6.0),
                          ("VIS-1.1", "2026-01-10", 5.0)])
    trail = rows.assign(recorded_at=["2026-01-10 09:00", "2026-01-11 09:00",
                                     "2026-01-12 09:00"])
    assert store.add_checkins(trail, skip_recorded=True) == 3  # a file corrects itself
    assert store.add_checkins(trail, skip_recorded=True) == 0
    assert store.checkins(Q1)["value"].tolist() == [5.0]
    # without recorded_at, an identical row anywhere in the trail is already recorded:
    # re-importing last week's file never undoes a later correction
    assert store.add_checkins(rows.iloc[[1]], skip_recorded=True) == 0
    assert store.checkins(Q1)["value"].tolist() == [5.0]
    assert store.add_checkins(rows.iloc[[1]]) == 1  # the app and okrkit checkin append


def test_a_bad_import_creates_no_store(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    bad = tmp_path / "bad.yaml"
    bad.write_text("period: 2026-Q1\nobjectives:\n  - id: A\n    title: x\n    level: galaxy\n")
    assert run("import", bad, "--db", f"sqlite:///{db}")[0] == 2
    ck = tmp_path / "ck.csv"
    ck.write_text("kr_id,date,value\nBOT-1.1,2026-01-16,72\n")
    code, out = run("import", ck, "--db", f"sqlite:///{db}")
    assert code == 2 and "unknown key result 'BOT-1.1'" in out
    ck.write_text("kr_id,date,value\nBOT-1.1,2026-01-16,many\n")
    assert run("import", ck, "--db", f"sqlite:///{db}")[0] == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml", "ck.csv"]
    good = tmp_path / "good.yaml"
    save_plan_yaml(sample_plan(), good)
    assert run("import", good, "--db", f"sqlite:///{db}")[0] == 0 and db.exists()


# ---------------------------------------------------------------------------- time


def _around_today(store: Store) -> Period:
    today = dt.date.today()
    period = Period(today - dt.timedelta(days=30), today + dt.timedelta(days=60), "NOW")
    plan = sample_plan()
    krs = plan.key_results.assign(due=None, milestones=None)
    store.save_plan(Plan(period, plan.objectives.assign(period="NOW"), krs))
    return period


def test_a_check_in_dated_after_today_is_refused_unless_given_on_purpose(
        store_url: str, tmp_path: Path) -> None:
    with open_store(store_url) as store:
        _around_today(store)
    later = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    ck = tmp_path / "ck.csv"
    ck.write_text(f"kr_id,date,value\nVIS-1.1,{later},90\n")
    code, out = run("import", ck, "--db", store_url)
    assert code == 2 and f"line 2, id VIS-1.1, field 'date': date {later} is after today" in out
    code, out = run("checkin", "VIS-1.1", "90", "--date", later, "--db", store_url)
    assert code == 0 and f"warning: {later} is after today" in out
    today = dt.date.today().isoformat()
    code, out = run("checkin", "VIS-1.1", "91", "--db", store_url)
    assert code == 0 and "warning" not in out and f"on {today}" in out
    with open_store(store_url) as store:
        assert sorted(store.checkins("NOW")["value"]) == [90.0, 91.0]


def test_recorded_at_in_the_future_blank_or_junk(store: Store) -> None:
    _around_today(store)
    day = dt.date.today().isoformat()
    for stamp, words in (("2099-01-01 00:00", "recorded_at 2099-01-01 00:00:00 is in the "
                                              "future"),
                         ("yesterday", "recorded_at 'yesterday' is not a time")):
        frame = checkin_frame([("VIS-1.1", day, 1.0)]).assign(recorded_at=stamp)
        with pytest.raises(CheckinError, match=words):
            store.add_checkins(frame)
    before = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    store.add_checkins(checkin_frame([("VIS-1.1", day, 1.0)]).assign(recorded_at=" "))
    stamp = store.checkins("NOW")["recorded_at"].iloc[0]
    assert before - dt.timedelta(seconds=1) <= stamp <= before + dt.timedelta(minutes=1)


def test_overlapping_periods_cannot_share_a_key_result_id(store: Store, store_url: str
                                                          ) -> None:
    store.save_plan(sample_plan())
    h1 = Period.parse("2026-H1", "2026-01-01", "2026-06-30")
    plan = sample_plan(suffix="-H")
    krs = plan.key_results.copy()
    krs.loc[0, "kr_id"] = "VIS-1.1"  # also a key result of 2026-Q1
    with pytest.raises(PlanError, match=r"key result id 'VIS-1.1' is also in 2026-Q1 "
                                        r"\(2026-01-01..2026-03-31\), which overlaps 2026-H1"):
        store.save_plan(Plan(h1, plan.objectives.assign(period="2026-H1"), krs))
    store.save_plan(Plan(h1, plan.objectives.assign(period="2026-H1"), plan.key_results))
    q2 = sample_plan("2026-Q2")  # the next quarter may carry the same ids
    store.save_plan(q2)
    # a store that holds the ambiguity already (made before the rule): refused at check-in
    if store.backend == "sqlite":
        con = sqlite3.connect(store_url.removeprefix("sqlite:///"))
        con.execute("UPDATE key_results SET kr_id = 'VIS-1.1' WHERE period = '2026-H1' AND "
                    "kr_id = 'VIS-1.1-H'")
        con.commit()
        con.close()
        with pytest.raises(CheckinError) as err:
            store.add_checkins(checkin_frame([("VIS-1.1", "2026-02-01", 90.0),
                                              ("VIS-1.1", "2026-05-01", 91.0)]))
        assert [p.message.split(":")[0] for p in err.value.problems] == [
            "key result 'VIS-1.1' is in 2026-H1 and 2026-Q1, which both hold 2026-02-01",
            "key result 'VIS-1.1' is in 2026-H1 and 2026-Q2, which both hold 2026-05-01"]
        assert {p.code for p in err.value.problems} == {"ambiguous-period"}
        assert store.checkins(effective=False).empty


# ---------------------------------------------------------------------------- new fields


def test_min_max_and_the_description_round_trip(store: Store, tmp_path: Path) -> None:
    from okrkit.frames import KEY_RESULT_COLUMNS

    plan = sample_plan()
    extra = {"description": "Why this quarter matters"} if "description" in Plan.__dataclass_fields__ else {}
    krs = plan.key_results.assign(min=[0.0] + [float("nan")] * (len(plan.key_results) - 1),
                                  max=[100.0] + [float("nan")] * (len(plan.key_results) - 1))
    store.save_plan(Plan(plan.period, plan.objectives, krs, **extra))
    back = store.load_plan(Q1)
    if "min" in KEY_RESULT_COLUMNS:
        assert back.key_results["min"].iloc[0] == 0.0 and back.key_results["max"].iloc[0] == 100.0
        assert pd.isna(back.key_results["max"].iloc[1])
    if extra:
        assert back.description == extra["description"]
    store.backup(tmp_path / "b.jsonl")
    with open_store(f"sqlite:///{tmp_path / 'copy.db'}") as copy:
        copy.restore(tmp_path / "b.jsonl")
        again = copy.load_plan(Q1)
        pd.testing.assert_frame_equal(again.key_results, back.key_results)
        assert getattr(again, "description", None) == getattr(back, "description", None)

"""The plan's lifecycle enforced by every save and check-in (store API and CLI), on SQLite
and PostgreSQL; the team header and sign-offs through export and import."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
from store_fixtures import checkin_frame, sample_plan
from typer.testing import CliRunner

from okrkit import lifecycle
from okrkit.cli import app
from okrkit.lifecycle import LifecycleError
from okrkit.plan import read_plan
from okrkit.store import open_store
from okrkit.store.checkins import utcnow

P = "2026-Q1"


def run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(app, [str(a) for a in args])
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exception
    return r.exit_code, r.stdout, r.stderr


def _active(store, team: str = "vision") -> None:
    store.update_plan_state(P, team, lifecycle.submit)
    for role in lifecycle.DEFAULT_ROLES:
        store.update_plan_state(P, team, lambda s, r=role: lifecycle.approve(
            s, r, f"{r} person", at=utcnow()))


def _edit(store, title: str = "Launch defect detection v2") -> int:
    plan = store.load_plan(P)
    obj = plan.objectives.copy()
    obj.loc[obj["objective_id"] == "VIS-1", "title"] = title
    return store.save_plan(plan.with_frames(objectives=obj))


def test_an_edit_in_review_goes_back_to_draft_and_says_so(store) -> None:
    store.save_plan(sample_plan(P))
    store.update_plan_state(P, "vision", lifecycle.submit)
    store.update_plan_state(P, "vision", lambda s: lifecycle.approve(
        s, "Product Lead", "Bo", at=utcnow()))
    rev = _edit(store)
    assert rev == 2 and any("back to draft" in n and "1 sign-off" in n for n in rev.notes)
    s = store.plan_state(P, "vision")
    assert s.state == "draft" and s.signoffs == ()
    assert store.plan_state(P, "data").state == "draft"  # the other team untouched


def test_a_save_not_changing_a_team_leaves_its_review_alone(store) -> None:
    store.save_plan(sample_plan(P))
    store.update_plan_state(P, "data", lifecycle.submit)
    rev = _edit(store)  # only vision changes
    assert rev.notes == () and store.plan_state(P, "data").state == "in-review"


def test_an_edit_while_active_counts_and_keeps_the_history(store) -> None:
    store.save_plan(sample_plan(P))
    _active(store)
    rev = _edit(store)
    assert any("change after approval" in n for n in rev.notes)
    rev = _edit(store, "Launch defect detection v3")
    s = store.plan_state(P, "vision")
    assert s.state == "active" and s.changes_after_approval == 2 and len(s.signoffs) == 4
    assert list(store.revisions(P)["revision"]) == [1, 2, 3]


def test_a_completed_plan_refuses_saves_and_checkins_unless_amended(store) -> None:
    store.save_plan(sample_plan(P))
    _active(store)
    store.close_plan(P, "vision", as_of=dt.date(2026, 4, 2))
    with pytest.raises(LifecycleError, match="vision plan of 2026-Q1 is completed"):
        _edit(store)
    assert store.load_plan(P).revision == 1  # nothing half-written
    frame = checkin_frame([("VIS-1.1", "2026-03-20", 93.0)])
    with pytest.raises(LifecycleError, match=r"completed and frozen.*--amend --reason"):
        store.add_checkins(frame)
    assert len(store.checkins(P)) == 0
    # the data team is not completed: its check-ins still go in
    assert store.add_checkins(checkin_frame([("DAT-1.1", "2026-03-20", 90.0)])) == 1
    assert store.add_checkins(frame, amend_reason="late lab result", author="Ana") == 1
    plan = store.load_plan(P)
    obj = plan.objectives.copy()
    obj.loc[obj["objective_id"] == "VIS-1", "title"] = "Corrected title"
    rev = store.save_plan(plan.with_frames(objectives=obj), amend_reason="typo in title",
                          author="Cy")
    assert rev == 2 and any("amendment" in n for n in rev.notes)
    s = store.plan_state(P, "vision")
    assert s.state == "completed"
    assert [(a[1], a[2]) for a in s.amendments] == [("late lab result", "Ana"),
                                                   ("typo in title", "Cy")]


def test_header_saved_with_the_plan_and_loaded_back(store) -> None:
    plan = sample_plan(P)
    headers = pd.DataFrame([{"team": "vision", "project": "Defect detection",
                             "sponsor": "VP Ops", "contributors": ("Ana", "Ben"),
                             "next_review": dt.date(2026, 2, 15),
                             "roles": ("Executive Sponsor", "Product Lead")}])
    from okrkit.frames import conform

    store.save_plan(plan.with_frames(headers=conform(headers, "headers")))
    s = store.plan_state(P, "vision")
    assert s.header.project == "Defect detection" and s.header.owner == "VP Ops"
    assert s.header.contributors == ("Ana", "Ben")
    assert s.header.next_review == dt.date(2026, 2, 15)
    assert s.required_roles == ("Executive Sponsor", "Product Lead")
    loaded = store.load_plan(P).headers
    assert list(loaded["team"]) == ["vision"] and loaded.iloc[0]["state"] == "draft"


@pytest.mark.parametrize("fmt", ["yaml", "csv", "xlsx"])
def test_export_import_round_trip_keeps_header_state_and_signoffs(
        store_url: str, tmp_path: Path, fmt: str) -> None:
    with open_store(store_url) as store:
        store.save_plan(sample_plan(P))
        store.update_plan_state(P, "vision", lambda s: lifecycle.with_roles(
            s, ["Executive Sponsor", "Product Lead"]))
        _active_two = [("Executive Sponsor", "Pat"), ("Product Lead", "Bo")]
        store.update_plan_state(P, "vision", lifecycle.submit)
        for role, who in _active_two:
            store.update_plan_state(P, "vision", lambda s, r=role, w=who: lifecycle.approve(
                s, r, w, at=dt.datetime(2026, 1, 6, 9, 30), note="go"))
        store.update_plan_state(P, "data", lifecycle.submit)
    out = tmp_path / f"plan.{fmt}"
    code, _, err = run("export", "--period", P, "--to", fmt, "--out", out, "--db", store_url)
    assert code == 0, err
    again = read_plan(out).headers.set_index("team")
    assert again.loc["vision", "state"] == "active"
    assert [s.name for s in again.loc["vision", "signoffs"]] == ["Pat", "Bo"]
    other = f"sqlite:///{tmp_path / 'other.db'}"
    code, _, err = run("import", out, "--db", other)
    assert code == 0, err
    with open_store(other) as o:
        s, d = o.plan_state(P, "vision"), o.plan_state(P, "data")
    assert s.state == "active" and s.required_roles == ("Executive Sponsor", "Product Lead")
    assert [(x.role, x.name, x.note) for x in s.signoffs] == [
        ("Executive Sponsor", "Pat", "go"), ("Product Lead", "Bo", "go")]
    assert s.signoffs[0].at == dt.datetime(2026, 1, 6, 9, 30)
    assert d.state == "in-review"
    # importing the same file back into the first store changes nothing
    code, out_text, err = run("import", out, "--db", store_url)
    assert code == 0 and "back to draft" not in out_text, err
    with open_store(store_url) as store:
        assert store.plan_state(P, "vision").state == "active"


def test_cli_import_and_checkin_refuse_a_completed_plan_unless_amended(sample_url: str,
                                                                        tmp_path: Path) -> None:
    db = ["--db", sample_url]
    code, out, err = run("close", "--period", "2025-Q4", "--as-of", "2026-01-05", *db)
    assert code == 0, err
    with open_store(sample_url) as store:
        kr = store.load_plan("2025-Q4").key_results.iloc[0]["kr_id"]
        team_plan = store.load_plan("2025-Q4")
    code, out, err = run("checkin", kr, "1", "--date", "2025-12-30", *db)
    assert code == 2 and "is completed and frozen" in err and "Traceback" not in err
    code, out, err = run("checkin", kr, "1", "--date", "2025-12-30", "--amend", *db)
    assert code == 2 and "--amend needs --reason" in err
    code, out, err = run("checkin", kr, "1", "--date", "2025-12-30", "--reason", "x", *db)
    assert code == 2 and "--reason is for --amend" in err
    code, out, err = run("checkin", kr, "1", "--date", "2025-12-30", "--amend", "--reason",
                         "late figure", *db)
    assert code == 0 and "amendment" in out, err
    from okrkit.plan import dump_plan

    obj = team_plan.objectives.copy()
    obj.loc[0, "title"] = str(obj.loc[0, "title"]) + " (corrected)"
    path = tmp_path / "q4.yaml"
    path.write_text(dump_plan(team_plan.with_frames(objectives=obj)), encoding="utf-8")
    code, out, err = run("import", path, *db)
    assert code == 2 and "is completed and frozen" in err
    code, out, err = run("import", path, "--amend", "--reason", "title typo", *db)
    assert code == 0 and "recorded as an amendment (title typo)" in out, err
    code, out, err = run("plan-state", "--period", "2025-Q4", "--format", "json", *db)
    amended = [s for s in json.loads(out) if s["amendments"]]
    reasons = {a["reason"] for s in amended for a in s["amendments"]}
    assert {"late figure", "title typo"} <= reasons


def test_cli_import_of_an_in_review_team_says_back_to_draft(sample_url: str,
                                                             tmp_path: Path) -> None:
    db = ["--db", sample_url]
    code, _, err = run("submit", "--period", P, "--team", "vision", *db)
    assert code == 0, err
    with open_store(sample_url) as store:
        plan = store.load_plan(P, team="vision")
    obj = plan.objectives.copy()
    mine = obj["team"] == "vision"
    obj.loc[mine, "title"] = obj.loc[mine, "title"] + " (v2)"
    from okrkit.plan import dump_plan

    path = tmp_path / "vision.yaml"
    path.write_text(dump_plan(plan.with_frames(objectives=obj)), encoding="utf-8")
    code, out, err = run("import", path, *db)
    assert code == 0 and "sends it back to draft" in out, err
    code, out, _ = run("plan-state", "--period", P, "--team", "vision", *db)
    assert "draft" in out


def test_close_refusals_through_the_cli(sample_url: str) -> None:
    db = ["--db", sample_url]
    code, _, err = run("close", "--period", P, "--team", "vision", "--as-of", "2026-02-01",
                       "--force", *db)
    assert code == 2 and "needs a --reason" in err
    code, out, err = run("close", "--period", P, "--team", "vision", "--as-of", "2026-02-01",
                         "--force", "--reason", "project stopped", *db)
    assert code == 0 and "is completed" in out, err
    code, _, err = run("close", "--period", P, "--team", "vision", "--as-of", "2026-04-02", *db)
    assert code == 2 and "already" in err
    code, _, err = run("submit", "--period", P, "--team", "vision", *db)
    assert code == 2 and "only a draft is submitted" in err


def test_close_every_team_leaves_the_completed_ones(sample_url: str) -> None:
    db = ["--db", sample_url]
    code, out, err = run("close", "--period", "2025-Q4", "--team", "vision", "--as-of",
                         "2026-01-05", *db)
    assert code == 0, err
    code, out, err = run("close", "--period", "2025-Q4", "--as-of", "2026-01-05", *db)
    assert code == 0 and "vision plan of 2025-Q4 is already completed" in out, err
    with open_store(sample_url) as store:
        states = store.plan_states("2025-Q4")
    assert {s.state for s in states} == {"completed"}


def test_a_file_state_does_not_override_the_store_state(store) -> None:
    from okrkit.frames import conform
    from okrkit.lifecycle import SignOff

    store.save_plan(sample_plan(P))
    store.update_plan_state(P, "vision", lifecycle.submit)
    forged = conform(pd.DataFrame([{
        "team": "vision", "roles": ("Executive Sponsor",), "state": "active",
        "signoffs": (SignOff("Executive Sponsor", "Mallory", dt.datetime(2026, 1, 2)),)}]),
        "headers")
    plan = store.load_plan(P)
    done = store.import_plan(plan.with_frames(headers=forged))
    assert any("the store's state (in-review) is kept" in n for n in done.notes)
    s = store.plan_state(P, "vision")
    # the header change (the roles) is an edit of a plan in review: back to draft
    assert s.state == "draft" and s.signoffs == () and s.required_roles == (
        "Executive Sponsor",)


def test_a_quarter_from_draft_to_closed_through_the_cli(store_url: str, tmp_path: Path
                                                         ) -> None:
    """The issue's "done when", on SQLite and PostgreSQL: four sign-offs, the quarter run,
    closed, and after that nothing changes without an amendment and its reason."""
    from okrkit.plan import dump_plan

    db = ["--db", store_url]
    path = tmp_path / "plan.yaml"
    path.write_text(dump_plan(sample_plan(P)), encoding="utf-8")
    code, _, err = run("import", path, *db)
    assert code == 0, err
    code, out, err = run("submit", "--period", P, "--team", "vision", *db)
    assert code == 0 and "in review" in out, err
    for role, who in zip(lifecycle.DEFAULT_ROLES, ["Ada", "Bo", "Cy", "Di"], strict=True):
        code, out, err = run("approve", "--period", P, "--team", "vision", "--role", role,
                             "--by", who, "--note", "ok", *db)
        assert code == 0, err
    assert "is active" in out
    code, out, err = run("approve", "--period", P, "--team", "vision", "--role",
                         "Business Owner", "--by", "Eve", *db)
    assert code == 2 and "cannot sign off" in err
    code, out, err = run("checkin", "VIS-1.1", "94", "--date", "2026-03-20", *db)
    assert code == 0, err
    code, _, err = run("close", "--period", P, "--team", "vision", "--as-of", "2026-03-30",
                       *db)
    assert code == 2 and "before the period ends" in err
    code, out, err = run("close", "--period", P, "--team", "vision", "--as-of", "2026-04-01",
                         *db)
    assert code == 0 and "final scores frozen" in out, err
    code, _, err = run("checkin", "VIS-1.1", "95", "--date", "2026-03-21", *db)
    assert code == 2 and "vision plan of 2026-Q1 is completed and frozen" in err
    code, _, err = run("import", path, "--replace", *db)  # the same file changes nothing
    assert code == 0, err
    edited = sample_plan(P)
    obj = edited.objectives.copy()
    obj.loc[obj["objective_id"] == "VIS-1", "title"] = "Launch defect detection (fixed)"
    path.write_text(dump_plan(edited.with_frames(objectives=obj)), encoding="utf-8")
    code, _, err = run("import", path, *db)
    assert code == 2 and "cannot change the plan" in err and "Traceback" not in err
    code, out, err = run("checkin", "VIS-1.1", "95", "--date", "2026-03-21", "--amend",
                         "--reason", "late lab result", *db)
    assert code == 0, err
    code, out, err = run("plan-state", "--period", P, "--team", "vision", "--format", "json",
                         *db)
    (state,) = json.loads(out)
    assert state["state"] == "completed" and len(state["signoffs"]) == 4
    assert [a["reason"] for a in state["amendments"]] == ["late lab result"]
    with open_store(store_url) as store:
        assert store.load_plan(P).objectives.set_index("objective_id").loc[
            "VIS-1", "title"] == "Launch defect detection"
        assert len(store.frozen_scores(P, "vision")) == 3  # 2 KRs + 1 objective

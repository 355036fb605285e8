"""The plan lifecycle in the store and through the CLI, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from store_fixtures import sample_plan
from typer.testing import CliRunner

from okrkit import lifecycle
from okrkit.cli import app
from okrkit.errors import StoreError
from okrkit.store.checkins import utcnow


def run(*args: str):
    r = CliRunner().invoke(app, list(args))
    return r.exit_code, r.stdout, r.stderr


def test_draft_to_active_to_completed_in_the_store(store) -> None:
    store.save_plan(sample_plan("2026-Q1"))
    assert store.plan_state("2026-Q1", "vision").state == "draft"
    store.update_plan_state("2026-Q1", "vision", lifecycle.submit)
    for role in lifecycle.DEFAULT_ROLES:
        s = store.update_plan_state("2026-Q1", "vision", lambda st, r=role: lifecycle.approve(
            st, r, f"{r} person", at=utcnow(), note="ok"))
    assert s.state == "active"
    again = store.plan_state("2026-Q1", "vision")  # what the store holds, read back
    assert again.state == "active" and [x.role for x in again.signoffs] == list(
        lifecycle.DEFAULT_ROLES)
    assert again.signoffs[0].note == "ok"
    # the other team is untouched
    assert store.plan_state("2026-Q1", "data").state == "draft"
    with pytest.raises(lifecycle.LifecycleError, match="before the period ends"):
        store.close_plan("2026-Q1", "vision", as_of=dt.date(2026, 2, 1))
    done = store.close_plan("2026-Q1", "vision", as_of=dt.date(2026, 4, 2))
    assert done.state == "completed"
    frozen = store.frozen_scores("2026-Q1", "vision")
    assert set(frozen["kind"]) == {"key_result", "objective"} and (frozen["team"] == "vision").all()
    assert set(frozen["outcome"]) <= {"Achieved", "Partially Achieved", "Missed"}


def test_a_refused_transition_changes_nothing(store) -> None:
    store.save_plan(sample_plan("2026-Q1"))
    store.update_plan_state("2026-Q1", "vision", lifecycle.submit)
    with pytest.raises(lifecycle.LifecycleError):
        store.update_plan_state("2026-Q1", "vision", lifecycle.submit)
    with pytest.raises(lifecycle.LifecycleError, match="not a sign-off role"):
        store.update_plan_state("2026-Q1", "vision", lambda s: lifecycle.approve(
            s, "Janitor", "x", at=utcnow()))
    s = store.plan_state("2026-Q1", "vision")
    assert s.state == "in-review" and s.signoffs == ()
    with pytest.raises(StoreError, match="no team 'nosuch'"):
        store.plan_state("2026-Q1", "nosuch")


def test_closing_early_needs_force_and_a_reason(store) -> None:
    store.save_plan(sample_plan("2026-Q1"))
    s = store.close_plan("2026-Q1", "data", as_of=dt.date(2026, 3, 1), force=True,
                         reason="team disbanded")
    assert s.state == "completed" and s.amendments[0][1] == "closed early: team disbanded"
    assert store.plan_state("2026-Q1", "data").amendments[0][1].startswith("closed early")


def test_cli_transitions_and_refusals(sample_url) -> None:
    db = ["--db", sample_url]
    code, out, err = run("submit", "--period", "2026-Q1", "--team", "vision", *db)
    assert code == 0 and "waiting for Executive Sponsor" in out, err
    for role, who in zip(lifecycle.DEFAULT_ROLES, ["Ada", "Bo", "Cy", "Di"], strict=True):
        code, out, err = run("approve", "--period", "2026-Q1", "--team", "vision", "--role",
                             role.lower(), "--by", who, *db)
        assert code == 0, err
    assert "is active" in out
    code, out, err = run("approve", "--period", "2026-Q1", "--team", "vision", "--role",
                         "Product Lead", "--by", "Eve", *db)
    assert code == 2 and "cannot sign off" in err and "Traceback" not in err
    code, out, err = run("approve", "--period", "2026-Q1", "--team", "chatbot", "--role",
                         "Product Lead", *db)
    assert code == 2 and "submit it for review first" in err
    code, out, err = run("plan-state", "--period", "2026-Q1", "--format", "json", *db)
    states = {s["team"]: s for s in json.loads(out)}
    assert states["vision"]["state"] == "active" and states["chatbot"]["state"] == "draft"
    assert [s["name"] for s in states["vision"]["signoffs"]] == ["Ada", "Bo", "Cy", "Di"]
    code, out, err = run("close", "--period", "2026-Q1", "--team", "vision", "--as-of",
                         "2026-02-13", *db)
    assert code == 2 and "before the period ends" in err
    code, out, err = run("close", "--period", "2025-Q4", "--as-of", "2026-01-05", *db)
    assert code == 0 and out.count("is completed") >= 5, err

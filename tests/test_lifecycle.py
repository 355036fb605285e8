"""The plan lifecycle as pure transitions: every transition and every refusal."""

from __future__ import annotations

import datetime as dt

import pytest

from okrkit import lifecycle as lc

NOW = dt.datetime(2026, 1, 5, 9, 0)
END = dt.date(2026, 3, 31)


def fresh() -> lc.PlanState:
    return lc.PlanState(period="2026-Q1", team="vision")


def signed_all(state: lc.PlanState) -> lc.PlanState:
    for i, role in enumerate(state.required_roles):
        state = lc.approve(state, role, f"person {i}", at=NOW)
    return state


def test_draft_to_active_with_four_signoffs() -> None:
    s = lc.submit(fresh())
    assert s.state == "in-review" and s.missing_roles == lc.DEFAULT_ROLES
    s = lc.approve(s, "executive sponsor", "Ada", at=NOW, note="go")
    assert s.state == "in-review" and s.signoffs[0].role == "Executive Sponsor"
    for role in lc.DEFAULT_ROLES[1:]:
        s = lc.approve(s, role, "Bo", at=NOW)
    assert s.state == "active" and not s.missing_roles


def test_refusals() -> None:
    with pytest.raises(lc.LifecycleError, match="submit it for review first"):
        lc.approve(fresh(), "Product Lead", "x", at=NOW)
    s = lc.submit(fresh())
    with pytest.raises(lc.LifecycleError, match="is in-review"):
        lc.submit(s)
    with pytest.raises(lc.LifecycleError, match="not a sign-off role"):
        lc.approve(s, "Janitor", "x", at=NOW)
    s = lc.approve(s, "Product Lead", "Ann", at=NOW)
    with pytest.raises(lc.LifecycleError, match=r"already signed off .*Ann"):
        lc.approve(s, "Product Lead", "Bob", at=NOW)


def test_edit_in_review_goes_back_to_draft() -> None:
    s = lc.approve(lc.submit(fresh()), "Product Lead", "Ann", at=NOW)
    s2, msg = lc.edited(s)
    assert s2.state == "draft" and s2.signoffs == ()
    assert "back to draft" in msg and "1 sign-off" in msg


def test_edit_active_is_a_change_after_approval() -> None:
    s = signed_all(lc.submit(fresh()))
    s2, msg = lc.edited(s)
    assert s2.state == "active" and s2.changes_after_approval == 1 and "after approval" in msg
    assert lc.edited(fresh()) == (fresh(), None)


def test_close_only_after_the_end_or_forced_with_reason() -> None:
    s = signed_all(lc.submit(fresh()))
    with pytest.raises(lc.LifecycleError, match="before the period ends"):
        lc.close(s, period_end=END, as_of=dt.date(2026, 3, 1))
    with pytest.raises(lc.LifecycleError, match="needs a --reason"):
        lc.close(s, period_end=END, as_of=dt.date(2026, 3, 1), force=True)
    done = lc.close(s, period_end=END, as_of=dt.date(2026, 3, 1), force=True, reason="reorg")
    assert done.state == "completed"
    assert lc.close(s, period_end=END, as_of=dt.date(2026, 4, 1)).state == "completed"
    with pytest.raises(lc.LifecycleError, match="already"):
        lc.close(done, period_end=END, as_of=dt.date(2026, 4, 1))


def test_completed_is_frozen_unless_amended() -> None:
    done = lc.close(fresh(), period_end=END, as_of=dt.date(2026, 4, 2))
    with pytest.raises(lc.LifecycleError, match="completed and frozen"):
        lc.edited(done)
    with pytest.raises(lc.LifecycleError, match="--amend --reason"):
        lc.check_frozen(done, "add check-ins")
    lc.check_frozen(done, "add check-ins", amend_reason="typo in the final value")
    amended = lc.amend(done, "typo in the final value", "ana", at=NOW)
    assert amended.amendments[0][1] == "typo in the final value"
    with pytest.raises(lc.LifecycleError, match="needs a reason"):
        lc.amend(done, " ", "ana", at=NOW)
    with pytest.raises(lc.LifecycleError, match="only a completed plan"):
        lc.amend(fresh(), "x", None, at=NOW)


def test_custom_roles() -> None:
    s = lc.with_roles(fresh(), ["CTO", "CFO", "CTO"])
    assert s.required_roles == ("CTO", "CFO")
    s = lc.approve(lc.approve(lc.submit(s), "cto", "A", at=NOW), "CFO", "B", at=NOW)
    assert s.state == "active"
    with pytest.raises(lc.LifecycleError, match="at least one"):
        lc.with_roles(fresh(), [" "])

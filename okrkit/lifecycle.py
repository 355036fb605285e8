"""A plan's own lifecycle: Draft → In Review → Active → Completed, with sign-offs.

The OKR template of ``docs/seeds/okrs-framework-for-ai-projects.md`` opens with a header
(project, period, owner — the executive sponsor —, contributors, **Status: Draft / In
Review / Active / Completed**) and closes with **Review & Approval** sign-offs by the
Executive Sponsor, Product Lead, Engineering Lead and Business Owner, and a "Next Review"
date. Each team's plan of a period is in exactly one state:

* ``draft`` — new or edited;
* ``in-review`` — submitted for sign-off (:func:`submit`);
* ``active`` — every required role has signed off (:func:`approve`);
* ``completed`` — closed after the period (:func:`close`); frozen from then on.

Rules (every transition is a pure function returning a new :class:`PlanState`, or raising
:class:`LifecycleError` naming the state):

* any plan edit while ``in-review`` sends it back to ``draft`` and clears the sign-offs
  (:func:`edited` says so in its message); an edit while ``active`` keeps the state and is
  recorded as a change after approval; an edit or a new check-in once ``completed`` is
  refused unless it is an amendment with a reason (:func:`check_frozen`);
* a role signs off once; an unknown role is refused;
* a period can be completed only after its end date, or with ``force`` and a reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from okrkit.errors import OKRKitError

STATES = ("draft", "in-review", "active", "completed")
DEFAULT_ROLES = ("Executive Sponsor", "Product Lead", "Engineering Lead", "Business Owner")


class LifecycleError(OKRKitError):
    """A transition the plan's state does not allow (exit status 2)."""


@dataclass(frozen=True)
class SignOff:
    """One sign-off: a role, who signed, when, and an optional note."""

    role: str
    name: str
    at: dt.datetime
    note: str | None = None


@dataclass(frozen=True)
class Header:
    """The template's header: project, owner (executive sponsor), contributors, next review."""

    project: str | None = None
    owner: str | None = None
    contributors: tuple[str, ...] = ()
    next_review: dt.date | None = None


@dataclass(frozen=True)
class PlanState:
    """The lifecycle state of one team's plan in one period."""

    period: str
    team: str
    state: str = "draft"
    header: Header = field(default_factory=Header)
    required_roles: tuple[str, ...] = DEFAULT_ROLES
    signoffs: tuple[SignOff, ...] = ()
    changes_after_approval: int = 0
    amendments: tuple[tuple[dt.datetime, str, str | None], ...] = ()  # (at, reason, by)
    #: where the team's digest and reminders go (webhook URLs, ``mailto:``): routing, not
    #: the plan's content, so changing them is no edit (no transition, no amendment)
    destinations: tuple[str, ...] = ()

    @property
    def missing_roles(self) -> tuple[str, ...]:
        """Required roles that have not signed off yet."""
        signed = {s.role for s in self.signoffs}
        return tuple(r for r in self.required_roles if r not in signed)

    def describe(self) -> str:
        return f"the {self.team} plan of {self.period} is {self.state}"


def _role(state: PlanState, role: str) -> str:
    for r in state.required_roles:
        if r.casefold() == role.strip().casefold():
            return r
    raise LifecycleError(f"'{role}' is not a sign-off role of the {state.team} plan of "
                         f"{state.period} (roles: {', '.join(state.required_roles)})")


def submit(state: PlanState) -> PlanState:
    """Draft → in-review."""
    if state.state != "draft":
        raise LifecycleError(f"cannot submit: {state.describe()} (only a draft is submitted)")
    return replace(state, state="in-review", signoffs=())


def approve(state: PlanState, role: str, name: str, *, at: dt.datetime,
            note: str | None = None) -> PlanState:
    """Record a sign-off; the plan becomes active once every required role has signed."""
    if state.state != "in-review":
        raise LifecycleError(f"cannot sign off: {state.describe()} (submit it for review "
                             "first)" if state.state == "draft" else
                             f"cannot sign off: {state.describe()}")
    canonical = _role(state, role)
    if any(s.role == canonical for s in state.signoffs):
        who = next(s.name for s in state.signoffs if s.role == canonical)
        raise LifecycleError(f"the {canonical} has already signed off the {state.team} plan of "
                             f"{state.period} ({who})")
    if not name or not name.strip():
        raise LifecycleError("a sign-off needs the name of who signs")
    signed = (*state.signoffs, SignOff(canonical, name.strip(), at, note or None))
    new = replace(state, signoffs=signed)
    return replace(new, state="active") if not new.missing_roles else new


def edited(state: PlanState) -> tuple[PlanState, str | None]:
    """The state after a plan edit, and what to tell the editor (``None``: nothing to say)."""
    check_frozen(state, "edit the plan")
    if state.state == "in-review":
        n = len(state.signoffs)
        msg = (f"the {state.team} plan of {state.period} was in review: the edit sends it back "
               f"to draft and clears its {n} sign-off{'s' * (n != 1)}; submit it again")
        return replace(state, state="draft", signoffs=()), msg
    if state.state == "active":
        return replace(state, changes_after_approval=state.changes_after_approval + 1), (
            f"the {state.team} plan of {state.period} is active: this edit is recorded as a "
            "change after approval")
    return state, None


def check_frozen(state: PlanState, action: str, *, amend_reason: str | None = None) -> None:
    """Refuse ``action`` on a completed plan unless it is an amendment with a reason."""
    if state.state == "completed" and not (amend_reason and amend_reason.strip()):
        raise LifecycleError(f"cannot {action}: {state.describe()} and frozen; record a "
                             "correction with --amend --reason TEXT")


def amend(state: PlanState, reason: str, by: str | None, *, at: dt.datetime) -> PlanState:
    """Record an amendment of a completed plan (the correction itself is saved separately)."""
    if state.state != "completed":
        raise LifecycleError(f"nothing to amend: {state.describe()} (only a completed plan is "
                             "amended; edit it instead)")
    if not reason or not reason.strip():
        raise LifecycleError("an amendment needs a reason")
    return replace(state, amendments=(*state.amendments, (at, reason.strip(), by)))


def close(state: PlanState, *, period_end: dt.date, as_of: dt.date, force: bool = False,
          reason: str | None = None) -> PlanState:
    """Complete the plan: after the period's end date, or with ``force`` and a reason."""
    if state.state == "completed":
        raise LifecycleError(f"cannot close: {state.describe()} already")
    if as_of <= period_end and not force:
        raise LifecycleError(f"cannot close the {state.team} plan of {state.period} before the "
                             f"period ends ({period_end}); use --force with a --reason")
    if force and as_of <= period_end and not (reason and reason.strip()):
        raise LifecycleError("closing a period early needs a --reason")
    return replace(state, state="completed")


def with_roles(state: PlanState, roles: Iterable[str] | None) -> PlanState:
    """The state with the plan's own required roles (``None``: the template's four)."""
    chosen = tuple(dict.fromkeys(r.strip() for r in (roles or DEFAULT_ROLES) if r.strip()))
    if not chosen:
        raise LifecycleError("a plan needs at least one sign-off role")
    return replace(state, required_roles=chosen)

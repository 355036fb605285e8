"""A plan's lifecycle: ``plan-state``, ``submit``, ``approve``, ``close``."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

import typer

from okrkit.cli.base import DbOption, app, echo, fail, handles_errors, parse_date

TeamOption = Annotated[str, typer.Option("--team", "-t", help="The team whose plan it is.")]
PeriodOption = Annotated[str, typer.Option("--period", "-p", help="Period, e.g. 2026-Q1.")]
AmendOption = Annotated[bool, typer.Option(
    "--amend", help="Correct a completed (frozen) plan: recorded as an amendment; needs "
    "--reason.")]
ReasonOption = Annotated[str | None, typer.Option("--reason", help="Why (with --amend).")]


def amendment(amend: bool, reason: str | None) -> str | None:
    """The amendment reason of ``--amend --reason TEXT`` (``None``: not an amendment);
    either flag without the other is an error (exit 2)."""
    text = (reason or "").strip()
    if amend and not text:
        fail("--amend needs --reason TEXT: why the completed plan is corrected")
    if text and not amend:
        fail("--reason is for --amend (a correction of a completed plan)")
    return text or None


def state_record(s: Any) -> dict[str, Any]:
    """A :class:`okrkit.lifecycle.PlanState` as plain JSON data."""
    h = s.header
    return {
        "period": s.period, "team": s.team, "state": s.state,
        "header": {"project": h.project, "sponsor": h.owner,
                   "contributors": list(h.contributors),
                   "next_review": h.next_review.isoformat() if h.next_review else None},
        "required_roles": list(s.required_roles), "missing_roles": list(s.missing_roles),
        "signoffs": [{"role": x.role, "name": x.name, "at": x.at.isoformat(timespec="seconds"),
                      "note": x.note} for x in s.signoffs],
        "changes_after_approval": s.changes_after_approval,
        "amendments": [{"at": at.isoformat(timespec="seconds"), "reason": r, "by": by}
                       for at, r, by in s.amendments],
    }


def _line(s: Any) -> str:
    signed = ", ".join(f"{x.role}: {x.name} ({x.at:%Y-%m-%d})" for x in s.signoffs) or "none"
    missing = ", ".join(s.missing_roles) if s.state == "in-review" else ""
    out = f"{s.team:<20} {s.state:<10} sign-offs: {signed}"
    if missing:
        out += f"; waiting for: {missing}"
    if s.header.next_review:
        out += f"; next review {s.header.next_review}"
    return out


@app.command("plan-state")
@handles_errors
def plan_state(
    period: PeriodOption,
    team: Annotated[str | None, typer.Option("--team", "-t", help="Only this team.")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
    db: DbOption = None,
) -> None:
    """The state of each team's plan (draft, in-review, active, completed), its header and
    sign-offs."""
    from okrkit.store import open_store

    if fmt not in ("table", "json"):
        fail(f"--format '{fmt}' is not one of table, json")
    with open_store(db) as store:
        states = [store.plan_state(period, team)] if team else store.plan_states(period)
    if fmt == "json":
        echo(json.dumps([state_record(s) for s in states], indent=2, ensure_ascii=False))
        return
    for s in states:
        echo(_line(s))


@app.command()
@handles_errors
def submit(period: PeriodOption, team: TeamOption, db: DbOption = None) -> None:
    """Submit a team's draft plan for sign-off (draft → in-review)."""
    from okrkit import lifecycle
    from okrkit.store import open_store

    with open_store(db) as store:
        s = store.update_plan_state(period, team, lifecycle.submit)
    echo(f"the {team} plan of {s.period} is in review: waiting for "
         f"{', '.join(s.missing_roles)}")


@app.command()
@handles_errors
def approve(
    period: PeriodOption,
    team: TeamOption,
    role: Annotated[str, typer.Option("--role", help="The signing role, e.g. 'Product Lead'.")],
    by: Annotated[str | None, typer.Option("--by", help="Who signs (default: you).")] = None,
    note: Annotated[str | None, typer.Option("--note", help="A note with the sign-off.")] = None,
    db: DbOption = None,
) -> None:
    """Sign off a team's plan in one role; it becomes active when every role has signed."""
    from okrkit import lifecycle
    from okrkit.config import current_user
    from okrkit.store import open_store
    from okrkit.store.checkins import utcnow

    name = by or current_user() or ""
    with open_store(db) as store:
        s = store.update_plan_state(
            period, team, lambda st: lifecycle.approve(st, role, name, at=utcnow(), note=note))
    if s.state == "active":
        echo(f"the {team} plan of {s.period} is active: every role has signed off")
    else:
        echo(f"signed off as {s.signoffs[-1].role} by {name}; waiting for "
             f"{', '.join(s.missing_roles)}")


@app.command()
@handles_errors
def close(
    period: PeriodOption,
    team: Annotated[list[str] | None, typer.Option("--team", "-t", help="Only this team "
                                                   "(repeat); default every team.")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Close as of (default today)."
                                              )] = None,
    force: Annotated[bool, typer.Option("--force", help="Close before the period ends.")
                     ] = False,
    reason: Annotated[str | None, typer.Option("--reason", help="Why (needed with --force).")
                      ] = None,
    db: DbOption = None,
) -> None:
    """Complete the plans of a period and freeze the final scores the retrospective showed.

    A period can be closed only after its end date, or with --force and a --reason. After
    that, plan edits and new check-ins are refused unless they are amendments with a reason
    (--amend --reason TEXT on import and checkin). Without --team, teams already completed
    are left as they are.
    """
    from okrkit.store import open_store

    day = parse_date(as_of) or dt.date.today()
    with open_store(db) as store:
        known = store.teams(period)
        unknown = [t for t in team or () if t not in known]
        if unknown:  # before anything is closed
            fail(f"no team {', '.join(repr(t) for t in unknown)} in {period} (teams: "
                 f"{', '.join(known)})")
        teams = team or known
        if not team:  # every team: those already completed stay as they are
            done = {s.team for s in store.plan_states(period) if s.state == "completed"}
            for t in sorted(done):
                echo(f"the {t} plan of {period} is already completed")
            teams = [t for t in teams if t not in done]
        for t in teams:
            s = store.close_plan(period, t, as_of=day, force=force, reason=reason)
            frozen = store.frozen_scores(period, t)
            echo(f"the {t} plan of {s.period} is completed: {len(frozen)} final scores frozen")

"""The team's week: ``digest`` (the weekly update) and ``remind`` (check-ins owed)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from okrkit.cli.base import DbOption, app, echo, fail, handles_errors, parse_date

ToOption = Annotated[
    list[str] | None,
    typer.Option("--to", help="A webhook URL (https://…) or mailto:address; repeat for more. "
                              "Default: the team's destinations in the plan."),
]


def team_destinations(plan: Any, team: str) -> list[str]:
    """Where the plan says a team's messages go (its ``teams:`` section), or ``[]``."""
    teams = getattr(plan, "headers", None)  # the team headers frame (okrkit.headers)
    if teams is None or not len(teams) or "destinations" not in teams:
        return []
    rows = teams[teams["team"] == team]
    out: list[str] = []
    for value in rows["destinations"]:
        if isinstance(value, list | tuple):
            out += [str(v) for v in value]
    return out


def owner_email(plan: Any, owner: str | None) -> str | None:
    """An owner's e-mail from the plan's ``people:`` mapping, or ``None``."""
    people = getattr(plan, "emails", None) or {}  # Plan.people as name -> e-mail
    return people.get(owner) if owner else None


def _send(store: Any, period: Any, team: str, day: Any, message: Any, targets: list[str], *,
          what: str, kind: str, card: bool, dry_run: bool) -> bool:
    """Deliver ``message`` to ``targets`` and say how each went; a delivery that went is
    recorded (:meth:`okrkit.store.Store.record_digest`). Whether every one went."""
    from okrkit.notify import parse_destination, send

    deliveries = send(message, [parse_destination(t) for t in targets], card=card,
                      dry_run=dry_run)
    ok = _report(what, deliveries, dry_run)
    sent = [x.destination.shown for x in deliveries if x.ok]
    if not dry_run and sent:
        store.record_digest(period, team, day, kind=kind, destinations=", ".join(sent))
    return ok


def _report(what: str, deliveries: list[Any], dry_run: bool) -> bool:
    ok = True
    for d in deliveries:
        if dry_run:
            echo(f"--- would send {what} to {d.destination.shown}:")
            payload = d.payload
            echo(json.dumps(payload, ensure_ascii=False, indent=1) if isinstance(payload, dict)
                 else payload.get_body(preferencelist=("plain",)).get_content())
        elif d.ok:
            echo(f"sent {what} to {d.destination.shown}")
        else:
            ok = False
            echo(f"error: {what} to {d.destination.shown} failed: {d.error}", err=True)
    return ok


@app.command()
@handles_errors
def digest(
    period: Annotated[str, typer.Option("--period", "-p", help="Period, e.g. 2026-Q1.")],
    team: Annotated[list[str] | None, typer.Option("--team", help="Only this team (repeat).")
                    ] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Up to this date.")] = None,
    since: Annotated[str | None, typer.Option(
        "--since", help="From this date (default: the last digest, else 7 days).")] = None,
    to: ToOption = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="markdown, html or json.")
                   ] = "markdown",
    card: Annotated[bool, typer.Option("--teams-card", help="Send a Teams message card.")
                    ] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print what would be sent.")
                       ] = False,
    db: DbOption = None,
) -> None:
    """The weekly digest per team: changes, risks, owed check-ins, achievements, blockers.

    Without any destination (no --to, none in the plan) the digest is printed. A failing
    destination is named (exit 1); the others are still sent.
    """
    from okrkit import digest as dg
    from okrkit.notify import Message
    from okrkit.scoring import resolve_as_of, score
    from okrkit.store import open_store

    if fmt not in ("markdown", "html", "json"):
        fail(f"--format '{fmt}' is not one of markdown, html, json")
    with open_store(db) as store:
        plan = store.load_plan(period)
        checkins = store.checkins(period=plan.period.label)
        day = resolve_as_of(plan.period, parse_date(as_of))
        start = parse_date(since, "--since")
        teams = team or plan.key_result_teams
        unknown = [t for t in teams if t not in plan.teams]
        if unknown:
            fail(f"no team {', '.join(map(repr, unknown))} in {plan.period} "
                 f"(teams: {', '.join(plan.teams)})")
        card_now = score(plan, checkins, day)
        failed = False
        printed: list[Any] = []
        for t in teams:
            window = start or store.last_digest(plan.period, t, before=day)
            d = dg.team_digest(plan, checkins, t, day, window, now=card_now)
            targets = list(to or team_destinations(plan, t))
            if not targets:
                printed.append(dg.as_json(d) if fmt == "json" else
                               dg.html(d) if fmt == "html" else dg.markdown(d))
                continue
            msg = Message(d.subject, dg.markdown(d), dg.html(d))
            failed |= not _send(store, plan.period, t, day, msg, targets,
                                what=f"the {t} digest", kind="digest", card=card,
                                dry_run=dry_run)
        if printed:
            if fmt == "json":
                echo(json.dumps(printed if len(printed) > 1 else printed[0], indent=2,
                                ensure_ascii=False))
            else:
                echo("\n".join(printed), nl=False)
    if failed:
        raise typer.Exit(1)


@app.command()
@handles_errors
def remind(
    period: Annotated[str, typer.Option("--period", "-p", help="Period, e.g. 2026-Q1.")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="As of this date.")] = None,
    to: ToOption = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print what would be sent.")
                       ] = False,
    db: DbOption = None,
) -> None:
    """Remind each owner who owes a check-in, listing their key results.

    An owner with an e-mail in the plan's ``people:`` mapping gets a mail; the others'
    reminders go to their team's destinations (or --to).
    """
    from okrkit import digest as dg
    from okrkit.notify import Message
    from okrkit.scoring import resolve_as_of, score
    from okrkit.store import open_store

    with open_store(db) as store:
        plan = store.load_plan(period)
        checkins = store.checkins(period=plan.period.label)
        day = resolve_as_of(plan.period, parse_date(as_of))
        card = score(plan, checkins, day)
        failed = False
        todo = dg.reminders(plan, card)
        if not todo:
            echo(f"nobody owes a check-in in {plan.period} as of {day}")
        for r in todo:
            email = owner_email(plan, r.owner)
            targets = [f"mailto:{email}"] if email else list(to or team_destinations(plan, r.team))
            if not targets:
                echo(f"error: no destination for {r.owner} ({r.team}): give --to, or the "
                     "team's destinations or the owner's e-mail in the plan", err=True)
                failed = True
                continue
            msg = Message(r.subject, dg.reminder_text(r), dg.reminder_html(r))
            failed |= not _send(store, plan.period, r.team, day, msg, targets,
                                what=f"the reminder for {r.owner}", kind="reminder",
                                card=False, dry_run=dry_run)
    if failed:
        raise typer.Exit(1)


__all__ = ["digest", "remind"]

"""Check-ins: ``checkin``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from okrkit.cli.base import DbOption, app, echo, handles_errors
from okrkit.cli.lifecycle import AmendOption, ReasonOption, amendment


@app.command()
@handles_errors
def checkin(
    kr_id: Annotated[str, typer.Argument(help="Key result id.")],
    value: Annotated[str, typer.Argument(help="Current value of the metric.")],
    date: Annotated[str | None, typer.Option(help="Date of the check-in (default today).")] = None,
    confidence: Annotated[str | None, typer.Option(help="Confidence 0..1.")] = None,
    status: Annotated[
        str | None, typer.Option(help="Not Started, In Progress, At Risk, Complete.")
    ] = None,
    note: Annotated[str | None, typer.Option()] = None,
    blockers: Annotated[str | None, typer.Option()] = None,
    achievements: Annotated[str | None, typer.Option()] = None,
    author: Annotated[str | None, typer.Option()] = None,
    amend: AmendOption = False,
    reason: ReasonOption = None,
    db: DbOption = None,
) -> None:
    """Record one check-in (append-only: a correction is a new check-in).

    The store checks it once, with the one check-in validator and the stored key result
    (a ``Complete`` needs the target reached, a ``%`` value a ``%`` unit). A ``--date``
    after today is taken on purpose, with a warning (a file's later dates are refused).
    A key result of a completed (closed) plan takes a check-in only as an amendment:
    --amend --reason TEXT.
    """
    import pandas as pd

    from okrkit.config import current_user
    from okrkit.period import as_date as as_date_or_none
    from okrkit.store import open_store

    amend_reason = amendment(amend, reason)
    day = date or dt.date.today().isoformat()
    record = {
        "kr_id": kr_id,
        "date": day,
        "value": value,
        "confidence": confidence,
        "status": status,
        "note": note,
        "blockers": blockers,
        "achievements": achievements,
        "author": author or current_user(),
    }
    with open_store(db) as store:
        # a date given on purpose may be after today (then a warning); a file's may not
        store.add_checkins(pd.DataFrame([record], dtype=object), source="command line",
                           future_dates=date is not None, amend_reason=amend_reason,
                           author=record["author"])
    done = " (recorded as an amendment)" if amend_reason else ""
    echo(f"check-in recorded: {kr_id.strip()} = {value.strip()} on {day.strip()}{done}")
    later = as_date_or_none(day)
    if later is not None and later > dt.date.today():
        echo(f"warning: {later} is after today ({dt.date.today()}): this check-in counts from "
             "that day on and is the key result's latest value until then", err=True)

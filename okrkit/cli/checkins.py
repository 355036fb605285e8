"""Check-ins: ``checkin``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from okrkit.cli.base import DbOption, app, echo, handles_errors


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
    db: DbOption = None,
) -> None:
    """Record one check-in (append-only: a correction is a new check-in)."""
    import pandas as pd

    from okrkit.checkins import validate_checkins
    from okrkit.config import current_user
    from okrkit.store import open_store

    record = {
        "kr_id": kr_id,
        "date": date or dt.date.today().isoformat(),
        "value": value,
        "confidence": confidence,
        "status": status,
        "note": note,
        "blockers": blockers,
        "achievements": achievements,
        "author": author or current_user(),
    }
    frame = validate_checkins(pd.DataFrame([record], dtype=object), source="command line")
    store = open_store(db)
    try:
        store.add_checkins(frame, source="command line")
    finally:
        store.close()
    echo(f"check-in recorded: {kr_id} = {frame['value'].iat[0]:g} on {frame['date'].iat[0]}")


"""Key results that measure themselves: ``pull``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from okrkit.cli.base import DbOption, app, echo, handles_errors, parse_date


@app.command()
@handles_errors
def pull(
    period: Annotated[str, typer.Option("--period", help="Period label, e.g. 2026-Q1.")],
    team: Annotated[str | None, typer.Option(help="Only this team's key results.")] = None,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="The day the values are as of (default today).")] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Run the sources and print what would be recorded; record nothing.")
    ] = False,
    base_dir: Annotated[Path | None, typer.Option(
        "--base-dir", help="Folder file sources are relative to (default: data/plans of the "
                           "project).")] = None,
    db: DbOption = None,
) -> None:
    """Record the value of every key result with a ``source`` as a check-in.

    Each check-in carries its provenance (source kind, connection, hash of the query or
    file, fetch time). Pulling again at the same ``--as-of`` adds nothing; a changed
    value is a correction. A failing source is listed with its key result id and the
    reason, the others are still recorded, and the exit status is 1. Bad input exits 2.
    """
    from okrkit.pull import default_base_dir
    from okrkit.pull import pull as run_pull
    from okrkit.store import open_store

    day = parse_date(as_of)
    folder = base_dir if base_dir is not None else default_base_dir()
    with open_store(db) as store:
        result = run_pull(store, period, team=team, as_of=day, dry_run=dry_run,
                          base_dir=folder)
    verb = "would record" if dry_run else "recorded"
    for p in result.pulled:
        where = p.provenance["connection"] or p.provenance["kind"]
        for d, v in zip(p.rows["date"], p.rows["value"], strict=True):
            echo(f"{verb} {p.kr_id} = {v:g} on {d} (from {p.provenance['kind']} {where}, "
                 f"hash {p.provenance['hash']})")
        if p.unchanged and not len(p.rows):
            echo(f"{p.kr_id}: unchanged ({p.unchanged} value{'s' * (p.unchanged != 1)} "
                 "already recorded)")
    for f in result.failed:
        echo(f"failed {f.kr_id}: {f.reason}", err=True)
    sourced = len(result.pulled) + len(result.failed)
    done = "would be recorded" if dry_run else "recorded"
    echo(f"{result.period} as of {result.as_of}: {result.added} check-in"
         f"{'s' * (result.added != 1)} {done} from {len(result.pulled)} of {sourced} sourced "
         f"key result{'s' * (sourced != 1)}" + (f"; {len(result.failed)} failed"
                                               if result.failed else ""))
    if result.failed:
        raise typer.Exit(1)

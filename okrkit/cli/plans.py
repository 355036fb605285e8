"""Plans: ``score``, ``lint``, ``import``, ``export``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from okrkit.cli.base import DbOption, app, echo, fail, handles_errors, jsonable, parse_date, records
from okrkit.frames import Plan

if TYPE_CHECKING:
    import pandas as pd


def _plan_argument(
    plan: str, db: str | None, team: str | None = None, *, checkins: bool = False
) -> tuple[Plan, pd.DataFrame | None]:
    """The plan a PLAN argument names: a file (any format, :func:`okrkit.plan.read_plan`)
    or, for anything else, a period in the store. For a stored plan, ``checkins=True``
    also returns the period's check-ins, read in the same store session (closed before
    returning)."""
    from okrkit.files import names_a_file
    from okrkit.plan import read_plan

    if names_a_file(plan):
        return read_plan(plan).for_team(team), None
    from okrkit.store import open_store

    with open_store(db) as store:
        stored = store.load_plan(plan, team=team)
        return stored, store.checkins(period=stored.period.label) if checkins else None


@app.command()
@handles_errors
def score(
    plan: Annotated[
        str, typer.Argument(help="Plan file (YAML/CSV/XLSX) or a period in the store.")
    ],
    checkins: Annotated[
        Path | None, typer.Option("--checkins", "-c", help="Check-ins CSV.")
    ] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Score as of this date.")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, csv or json.")] = "table",
    level: Annotated[
        str, typer.Option(help="csv only: key_results or objectives.")
    ] = "key_results",
    team: Annotated[str | None, typer.Option(help="Only this team (and its ancestors).")] = None,
    db: DbOption = None,
) -> None:
    """Score a plan: progress, score, band, expected pace and status per KR and objective."""
    from okrkit.checkins import read_checkins
    from okrkit.scoring import score as score_plan

    if fmt not in ("table", "csv", "json"):
        fail(f"--format '{fmt}' is not one of table, csv, json")
    loaded, stored = _plan_argument(plan, db, team, checkins=checkins is None)
    ck = read_checkins(checkins, plan=loaded) if checkins is not None else stored
    card = score_plan(loaded, ck, as_of=parse_date(as_of))
    if fmt == "json":
        out = {
            "period": card.period.label,
            "as_of": card.as_of.isoformat(),
            "overall": jsonable(card.overall),
            "key_results": records(card.key_results),
            "objectives": records(card.objectives),
        }
        echo(json.dumps(out, indent=2, ensure_ascii=False))
    elif fmt == "csv":
        frame = card.objectives if level.startswith("obj") else card.key_results
        frame.to_csv(sys.stdout, index=False, lineterminator="\n")
    else:
        from okrkit.console import print_scorecard

        print_scorecard(card)


@app.command()
@handles_errors
def lint(
    plan: Annotated[
        str, typer.Argument(help="Plan file (YAML/CSV/XLSX) or a period in the store.")
    ],
    db: DbOption = None,
) -> None:
    """Check a plan against the OKR DO/DON'T list. Exit 1 if any error-level finding."""
    from okrkit.console import print_findings
    from okrkit.linting import lint as lint_plan

    loaded, _ = _plan_argument(plan, db)
    findings = lint_plan(loaded)
    print_findings(findings, source=plan)
    if any(f.severity == "error" for f in findings):
        raise typer.Exit(1)


@app.command("import")
@handles_errors
def import_(
    paths: Annotated[
        list[Path], typer.Argument(help="Plan files (YAML/CSV/XLSX) and check-in CSVs.")
    ],
    db: DbOption = None,
    author: Annotated[str | None, typer.Option(help="Recorded in the revision history.")] = None,
    replace: Annotated[bool, typer.Option(
        "--replace", help="A plan file replaces its whole period (default: only the teams "
        "it holds).")] = False,
    prune: Annotated[bool, typer.Option(
        "--prune", help="Allow removing key results that have check-ins.")] = False,
) -> None:
    """Load plans and check-ins into the store; each file is one all-or-nothing transaction.

    A plan file replaces the teams it holds and keeps the period's other teams (--replace:
    the whole period). Check-ins the store already holds are not added again.
    Every file is read and checked before the store is opened, so a bad file changes
    nothing and creates no store.
    """
    from okrkit.store import created_or_nothing

    loaded = _read_import_files(paths, db)
    with created_or_nothing(db) as store:
        for path, item in loaded:
            if isinstance(item, Plan):
                done = store.import_plan(item, replace=replace, prune=prune, author=author,
                                         message=f"import {path.name}")
                echo(f"{path}: {_imported(done)}")
            else:
                frame, lines = item
                n = store.add_checkins(frame, source=str(path), lines=lines, skip_recorded=True)
                echo(f"{path}: {n} check-ins added, {len(frame) - n} already recorded")


def _read_import_files(paths: list[Path], db: str | None) -> list[tuple[Path, Any]]:
    """Every file read and validated on its own (plans: their parents may be objectives
    of the store or of the plan files before them), before the store is written.

    Check-in files become ``(records, lines)``: the store checks them (every problem at
    once: the fields, the key results, the periods); when there is no store yet their
    fields are checked here, so that a bad file creates none."""
    from okrkit.checkins import read_checkin_records, validate_checkins
    from okrkit.files import file_kind
    from okrkit.plan import read_plan
    from okrkit.store import open_store, store_exists

    known: set[str] = set()
    exists = store_exists(db)
    if exists:
        with open_store(db) as store:
            known = set(store.objective_ids())
    out: list[tuple[Path, Any]] = []
    for path in paths:
        if not path.exists():
            fail(f"{path}: no such file")
        if file_kind(path) == "checkins":
            frame, lines = read_checkin_records(path)
            if not exists:  # the fields now; an existing store reports every problem at once
                frame = validate_checkins(frame, source=str(path), lines=lines)
            out.append((path, (frame, lines)))
        else:
            plan = read_plan(path, known_ids=known)
            known |= set(plan.objectives["objective_id"])
            out.append((path, plan))
    return out


def _imported(done: Any) -> str:
    """What an import did, in words (:class:`okrkit.store.imports.PlanImport`)."""
    what = f"{done.objectives} objectives, {done.key_results} key results"
    if done.teams is None:
        text = f"plan {done.period} saved ({what}, revision {done.revision})"
    else:
        names = ", ".join(t or "(no team)" for t in done.teams)
        text = (f"plan {done.period}: team{'s' * (len(done.teams) != 1)} {names} replaced "
                f"({what}), the other teams kept (revision {done.revision})")
    if done.kept:
        text += f"; alignment objectives kept as stored: {', '.join(done.kept)}"
    for kind, ids in (("objectives", done.removed_objectives),
                      ("key results", done.removed_key_results)):
        if ids:
            shown = ", ".join(ids[:10]) + (f" and {len(ids) - 10} more" if len(ids) > 10 else "")
            text += f"; removed {len(ids)} {kind}: {shown}"
    return text


@app.command()
@handles_errors
def export(
    period: Annotated[str, typer.Option("--period", "-p", help="Period, e.g. 2026-Q1.")],
    to: Annotated[str, typer.Option("--to", help="yaml, csv or xlsx.")] = "yaml",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Output file.")] = None,
    team: Annotated[str | None, typer.Option(help="Only this team.")] = None,
    db: DbOption = None,
) -> None:
    """Export a period's plan from the store (YAML to stdout unless --out)."""
    from okrkit.plan import dump_plan
    from okrkit.store import open_store
    from okrkit.tables import export_plan

    if to not in ("yaml", "csv", "xlsx"):
        fail(f"--to '{to}' is not one of yaml, csv, xlsx")
    with open_store(db) as store:
        plan = store.load_plan(period, team=team)
        checkins = store.checkins(period=period, team=team) if to == "xlsx" else None
    if out is None and to == "yaml":
        echo(dump_plan(plan), nl=False)
        return
    target = out or Path(f"okr-{period}{'-' + team if team else ''}.{to}")
    export_plan(plan, target, to, checkins=checkins)
    echo(f"wrote {target}")


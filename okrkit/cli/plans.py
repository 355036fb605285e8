"""Plans: ``score``, ``lint``, ``import``, ``export``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from okrkit.cli.base import DbOption, app, echo, fail, handles_errors, jsonable, parse_date, records

if TYPE_CHECKING:
    import pandas as pd

    from okrkit.frames import Plan


def _plan_argument(
    plan: str, db: str | None, *, checkins: bool = False
) -> tuple[Plan, pd.DataFrame | None]:
    """The plan a PLAN argument names: a file (any format, :func:`okrkit.plan.read_plan`)
    or, for anything else, a period in the store. For a stored plan, ``checkins=True``
    also returns the period's check-ins, read in the same store session (closed before
    returning)."""
    from okrkit.files import names_a_file
    from okrkit.plan import read_plan

    if names_a_file(plan):
        return read_plan(plan), None
    from okrkit.store import open_store

    with open_store(db) as store:
        stored = store.load_plan(plan)
        return stored, store.checkins(period=stored.period.label) if checkins else None


def _team_plan(full: Plan, team: str | None, named: str) -> Plan:
    """One team's view of the plan (its objectives and their ancestors); a team that owns
    no objective is an error naming the plan's teams."""
    if team is None:
        return full
    if team not in full.teams:
        fail(f"team '{team}' owns no objective in {named} (teams: "
             f"{', '.join(full.teams) or 'none'})")
    return full.for_team(team)


def _as_of_notice(card: Any) -> None:
    """Say so on stderr when ``--as-of`` lies before the period starts (it still scores)."""
    period = card.period
    if card.as_of < period.start:
        echo(f"note: --as-of {card.as_of} is before {period.label} starts ({period.start}): "
             "no check-in counts yet and nothing is expected; scores are 0", err=True)


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
    full, stored = _plan_argument(plan, db, checkins=checkins is None)
    loaded = _team_plan(full, team, plan)
    # every team's check-ins are valid rows of the plan; the team's view keeps its own
    ck = read_checkins(checkins, plan=full) if checkins is not None else stored
    if ck is not None and team is not None:
        ck = ck[ck["kr_id"].isin(set(loaded.key_results["kr_id"]))].reset_index(drop=True)
    card = score_plan(loaded, ck, as_of=parse_date(as_of))
    _as_of_notice(card)
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
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
    db: DbOption = None,
) -> None:
    """Check a plan against the OKR DO/DON'T list. Exit 1 if any error-level finding.

    ``--format json`` prints a list of ``{code, severity, objective_id, kr_id, field,
    message}``.
    """
    from okrkit.console import print_findings
    from okrkit.linting import lint as lint_plan

    if fmt not in ("table", "json"):
        fail(f"--format '{fmt}' is not one of table, json")
    loaded, _ = _plan_argument(plan, db)
    findings = lint_plan(loaded)
    if fmt == "json":
        keys = ("code", "severity", "objective_id", "kr_id", "field", "message")
        out = [{k: getattr(f, k) for k in keys} for f in findings]
        echo(json.dumps(out, indent=2, ensure_ascii=False))
    else:
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
) -> None:
    """Load plans and check-ins into the store; each file is one all-or-nothing transaction.

    A workbook (XLSX) exported with its ``checkins`` sheet imports both: the plan and the
    check-ins are read and validated first, then the plan is saved and the check-ins added.
    """
    from okrkit.checkins import read_checkin_records
    from okrkit.files import file_kind
    from okrkit.store import open_store
    from okrkit.workbook import read_plan_and_checkins

    with open_store(db) as store:
        for path in paths:
            if not path.exists():
                fail(f"{path}: no such file")
            if file_kind(path) == "checkins":
                # checked once, by the store: the fields, the stored KRs and their periods
                frame, lines = read_checkin_records(path)
                n = store.add_checkins(frame, source=str(path), lines=lines)
                echo(f"{path}: {n} check-ins added")
                continue
            plan, checkins = read_plan_and_checkins(path, known_ids=store.objective_ids())
            rev = store.save_plan(plan, author=author, message=f"import {path.name}", force=True)
            echo(f"{path}: plan {plan.period} saved ({len(plan.objectives)} objectives, "
                 f"{len(plan.key_results)} key results, revision {rev})")
            if len(checkins):
                n = store.add_checkins(checkins, source=f"{path} (sheet 'checkins')")
                echo(f"{path}: {n} check-ins added from the checkins sheet")


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
    from okrkit.workbook import export_plan

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


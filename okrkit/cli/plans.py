"""Plans: ``score``, ``lint``, ``import``, ``export``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from okrkit.cli.base import (
    DbOption,
    app,
    dump_json,
    echo,
    fail,
    handles_errors,
    jsonable,
    parse_date,
    records,
)
from okrkit.cli.lifecycle import AmendOption, ReasonOption, amendment
from okrkit.frames import Plan

if TYPE_CHECKING:
    import pandas as pd


def _plan_argument(
    plan: str, db: str | None, *, checkins: bool = False, sources: bool = False
) -> tuple[Plan, pd.DataFrame | None]:
    """The plan a PLAN argument names: a file (any format, :func:`okrkit.plan.read_plan`)
    or, for anything else, a period in the store. For a stored plan, ``checkins=True``
    also returns the period's check-ins, read in the same store session (closed before
    returning); ``sources=True`` reads their ``source`` column too (the provenance of
    pulled values, :mod:`okrkit.pull`)."""
    from okrkit.files import names_a_file
    from okrkit.plan import read_plan

    if names_a_file(plan):
        return read_plan(plan), None
    from okrkit.store import open_store

    with open_store(db) as store:
        stored = store.load_plan(plan)
        return stored, store.checkins(period=stored.period.label,
                                      with_source=sources) if checkins else None


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
    from okrkit.pull import latest_pulled, provenance_label
    from okrkit.scoring import score as score_plan

    if fmt not in ("table", "csv", "json"):
        fail(f"--format '{fmt}' is not one of table, csv, json")
    # only the table names pulled values: the other formats never read the source column
    table = fmt == "table"
    full, stored = _plan_argument(plan, db, checkins=checkins is None, sources=table)
    loaded = _team_plan(full, team, plan)
    # every team's check-ins are valid rows of the plan; the team's view keeps its own
    ck = read_checkins(checkins, plan=full) if checkins is not None else stored
    pulled = latest_pulled(ck) if table and ck is not None else {}
    ck = ck.drop(columns="source", errors="ignore") if ck is not None else None
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
        echo(dump_json(out))
    elif fmt == "csv":
        frame = card.objectives if level.startswith("obj") else card.key_results
        frame.to_csv(sys.stdout, index=False, lineterminator="\n")
    else:
        from okrkit.console import print_scorecard

        print_scorecard(card)
        for kid in (k for k in card.key_results["kr_id"]
                    if k in pulled and pulled[k]["date"] <= card.as_of):
            p = pulled[kid]
            echo(f"{kid}: pulled {p['value']:g} on {p['date']} from {provenance_label(p)}, "
                 f"fetched {p['fetched_at']} (hash {p['hash']})")


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
        echo(dump_json(out))
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
    replace: Annotated[bool, typer.Option(
        "--replace", help="A plan file replaces its whole period (default: only the teams "
        "it holds).")] = False,
    prune: Annotated[bool, typer.Option(
        "--prune", help="Allow removing key results that have check-ins.")] = False,
    amend: AmendOption = False,
    reason: ReasonOption = None,
) -> None:
    """Load plans and check-ins into the store; each file is one all-or-nothing transaction.

    A plan file replaces the teams it holds and keeps the period's other teams (--replace:
    the whole period). Check-ins the store already holds are not added again.
    Every file is read and checked before the store is opened, so a bad file changes
    nothing and creates no store. A workbook (XLSX) exported with its ``checkins`` sheet
    imports both: the plan is saved, then the sheet's check-ins are added.

    A completed (closed) team's plan is frozen: changing it, or adding its check-ins, is
    refused unless --amend --reason TEXT records the correction as an amendment.
    """
    from okrkit.store import created_or_nothing

    amend_reason = amendment(amend, reason)
    loaded = _read_import_files(paths, db)
    with created_or_nothing(db) as store:
        for path, item in loaded:
            if isinstance(item[0], Plan):
                plan, sheet = item
                done = store.import_plan(plan, replace=replace, prune=prune, author=author,
                                         message=f"import {path.name}",
                                         amend_reason=amend_reason)
                echo(f"{path}: {_imported(done)}")
                for note in done.notes:
                    echo(f"{path}: {note}")
                if len(sheet):
                    n = store.add_checkins(sheet, source=f"{path} (sheet 'checkins')",
                                           skip_recorded=True, amend_reason=amend_reason,
                                           author=author)
                    echo(f"{path}: {n} check-ins added from the checkins sheet, "
                         f"{len(sheet) - n} already recorded")
            else:
                frame, lines = item
                n = store.add_checkins(frame, source=str(path), lines=lines, skip_recorded=True,
                                       amend_reason=amend_reason, author=author)
                echo(f"{path}: {n} check-ins added, {len(frame) - n} already recorded")


def _read_import_files(paths: list[Path], db: str | None) -> list[tuple[Path, Any]]:
    """Every file read and validated on its own (plans: their parents may be objectives
    of the store or of the plan files before them), before the store is written.

    Check-in files become ``(records, lines)``: the store checks them (every problem at
    once: the fields, the key results, the periods); when there is no store yet their
    fields are checked here, so that a bad file creates none."""
    from okrkit.checkins import read_checkin_records, validate_checkins
    from okrkit.files import file_kind
    from okrkit.store import open_store, store_exists
    from okrkit.workbook import read_plan_and_checkins

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
            plan, sheet = read_plan_and_checkins(path, known_ids=known)
            known |= set(plan.objectives["objective_id"])
            out.append((path, (plan, sheet)))
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


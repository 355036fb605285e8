"""The ``okrkit`` command line (typer).

Verbs: ``score``, ``lint``, ``import``, ``export``, ``checkin``, ``report``, ``backup``,
``restore``, ``lab``, ``workshop``. Bad input prints one clear message naming the file,
line or row and field to stderr and exits with status 2 — never a traceback.

``okrkit score --format json`` prints one JSON object, stable across versions::

    {"period": "2026-Q1", "as_of": "2026-02-13", "overall": 0.61,
     "key_results": [{"kr_id": ..., "objective_id": ..., "team": ..., "title": ...,
                      "direction": ..., "unit": ..., "baseline": ..., "target": ...,
                      "weight": ..., "value": ..., "checkins": ..., "last_checkin": ...,
                      "confidence": ..., "reported_status": ..., "progress": ...,
                      "score": ..., "band": ..., "expected": ..., "pace": ...,
                      "stale": ..., "status": ...}, ...],
     "objectives": [{"objective_id": ..., "parent_id": ..., "level": ..., "team": ...,
                     "title": ..., "owner": ..., "kind": ..., "weight": ...,
                     "n_key_results": ..., "score": ..., "band": ..., "expected": ...,
                     "pace": ..., "status": ..., "score_override": ...,
                     "override_reason": ..., "final_score": ..., "final_band": ...}, ...]}

Missing numbers are ``null``; dates are ISO strings. ``--format csv`` prints the key
result frame (``--level objectives`` for the objective frame) with the same columns.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from okrkit.errors import OKRKitError

app = typer.Typer(
    name="okrkit",
    help="OKR Workbench: plan, score, pace and report OKRs.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

F = TypeVar("F", bound=Callable[..., Any])

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Store URL (default: $OKRKIT_DB or sqlite:///data/okrkit.db)."),
]


def fail(message: str, code: int = 2) -> None:
    """Print an error to stderr and exit (no traceback)."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def handles_errors(func: F) -> F:
    """Turn OKRKitError into a clear message and exit status 2."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except OKRKitError as err:
            fail(str(err), getattr(err, "exit_code", 2))
        except KeyboardInterrupt:
            fail("interrupted", 130)

    return wrapper  # type: ignore[return-value]


def _date(value: str | None, what: str = "--as-of") -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"{what} '{value}' is not a date (YYYY-MM-DD)")
    return None


def _load_any_plan(plan: str, db: str | None, team: str | None = None):  # type: ignore[no-untyped-def]
    """A plan from a file (YAML/CSV/XLSX) or, for a period label, from the store."""
    from okrkit.plan import load_plan
    from okrkit.tables import read_flat

    path = Path(plan)
    if path.exists():
        if path.suffix.lower() in (".csv", ".xlsx", ".xlsm"):
            loaded = read_flat(path)
        else:
            loaded = load_plan(path)
        return loaded.for_team(team), None
    if path.suffix.lower() in (".yaml", ".yml", ".csv", ".xlsx"):
        fail(f"{plan}: no such file")
    from okrkit.store import open_store

    store = open_store(db)
    return store.load_plan(plan, team=team), store


def _jsonable(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, float):
        return None if math.isnan(v) or math.isinf(v) else round(v, 6)
    if isinstance(v, dt.date | dt.datetime):
        return v.isoformat()
    if hasattr(v, "item"):
        return _jsonable(v.item())
    if isinstance(v, tuple | list):
        return [_jsonable(x) for x in v]
    return v


def _records(frame: Any) -> list[dict[str, Any]]:
    return [{k: _jsonable(v) for k, v in r.items()} for r in frame.to_dict("records")]


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
    from okrkit.plan import read_checkins
    from okrkit.scoring import score as score_plan

    if fmt not in ("table", "csv", "json"):
        fail(f"--format '{fmt}' is not one of table, csv, json")
    loaded, store = _load_any_plan(plan, db, team)
    if checkins is not None:
        ck = read_checkins(checkins, plan=loaded)
    elif store is not None:
        ck = store.checkins(period=loaded.period.label)
    else:
        ck = None
    card = score_plan(loaded, ck, as_of=_date(as_of))
    if fmt == "json":
        out = {
            "period": card.period.label,
            "as_of": card.as_of.isoformat(),
            "overall": _jsonable(card.overall),
            "key_results": _records(card.key_results),
            "objectives": _records(card.objectives),
        }
        typer.echo(json.dumps(out, indent=2, ensure_ascii=False))
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

    loaded, _ = _load_any_plan(plan, db)
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
) -> None:
    """Load plans and check-ins into the store; each file is one all-or-nothing transaction."""
    from okrkit.plan import load_plan, read_checkins
    from okrkit.store import open_store
    from okrkit.tables import read_flat

    store = open_store(db)
    try:
        for path in paths:
            if not path.exists():
                fail(f"{path}: no such file")
            kind = _file_kind(path)
            if kind == "checkins":
                frame = read_checkins(path)
                n = store.add_checkins(frame, source=str(path))
                typer.echo(f"{path}: {n} check-ins added")
            else:
                known = _store_objective_ids(store)
                plan = (
                    read_flat(path, known_ids=known)
                    if kind == "table"
                    else load_plan(path, known_ids=known)
                )
                rev = store.save_plan(
                    plan, author=author, message=f"import {path.name}", force=True
                )
                typer.echo(
                    f"{path}: plan {plan.period} saved ({len(plan.objectives)} objectives, "
                    f"{len(plan.key_results)} key results, revision {rev})"
                )
    finally:
        store.close()


def _store_objective_ids(store: Any) -> set[str]:
    ids: set[str] = set()
    for period in store.periods():
        ids |= set(store.load_plan(period).objectives["objective_id"])
    return ids


def _file_kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return "yaml"
    if suffix in (".xlsx", ".xlsm"):
        return "table"
    if suffix == ".csv":
        with path.open("rb") as fh:
            head = fh.readline().decode("utf-8-sig", errors="replace")
        cols = {c.strip() for c in head.split(",")}
        return "checkins" if "kr_id" in cols and "objective_id" not in cols else "table"
    fail(f"{path}: cannot import '{suffix}' files (use .yaml, .csv or .xlsx)")
    return ""


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
    store = open_store(db)
    try:
        plan = store.load_plan(period, team=team)
        if out is None and to == "yaml":
            typer.echo(dump_plan(plan), nl=False)
            return
        target = out or Path(f"okr-{period}{'-' + team if team else ''}.{to}")
        checkins = store.checkins(period=period, team=team) if to == "xlsx" else None
        export_plan(plan, target, to, checkins=checkins)
        typer.echo(f"wrote {target}")
    finally:
        store.close()


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

    from okrkit.plan import validate_checkins
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
        "author": author or os.environ.get("USER"),
    }
    frame = validate_checkins(pd.DataFrame([record], dtype=object), source="command line")
    store = open_store(db)
    try:
        store.add_checkins(frame, source="command line")
    finally:
        store.close()
    typer.echo(f"check-in recorded: {kr_id} = {frame['value'].iat[0]:g} on {frame['date'].iat[0]}")


@app.command()
@handles_errors
def lab(
    port: Annotated[int, typer.Option(help="Port (0 picks a free one).")] = 0,
    token: Annotated[str | None, typer.Option(help="Access token (default: random).")] = None,
) -> None:
    """Open JupyterLab on notebooks/, bound to 127.0.0.1 with token auth."""
    from okrkit.launch import run_lab

    raise typer.Exit(run_lab(port=port, token=token))


@app.command()
@handles_errors
def workshop(
    port: Annotated[int, typer.Option(help="Port (0 picks a free one).")] = 0,
    token: Annotated[str | None, typer.Option(help="Access token (default: random).")] = None,
    notebook: Annotated[
        str, typer.Option(help="Notebook in notebooks/ to serve.")
    ] = "planning_workshop.ipynb",
) -> None:
    """Serve the planning workshop as a Voilà app (127.0.0.1, token auth) for a projector."""
    from okrkit.launch import run_workshop

    raise typer.Exit(run_workshop(port=port, token=token, notebook=notebook))


@app.command()
@handles_errors
def backup(
    path: Annotated[
        Path, typer.Argument(help="Backup file to write (JSON lines; .gz to compress).")
    ],
    db: DbOption = None,
) -> None:
    """Write everything in the store (plans, revisions, check-ins, reviews) to one file."""
    from okrkit.store import open_store

    with open_store(db) as store:
        counts = store.backup(path)
    typer.echo(f"wrote {path}: " + ", ".join(f"{n} {t}" for t, n in counts.items()))


@app.command()
@handles_errors
def restore(
    path: Annotated[Path, typer.Argument(help="A file written by `okrkit backup`.")],
    db: DbOption = None,
    replace: Annotated[bool, typer.Option(help="Delete the store's contents first.")] = False,
) -> None:
    """Load a backup into a store (one transaction; the store must be empty unless --replace)."""
    from okrkit.store import open_store

    if not path.exists():
        fail(f"{path}: no such file")
    with open_store(db) as store:
        counts = store.restore(path, replace=replace)
    typer.echo(f"restored {path}: " + ", ".join(f"{n} {t}" for t, n in counts.items()))


@app.command()
@handles_errors
def report(
    period: Annotated[str, typer.Option("--period", help="Period label, e.g. 2026-Q1.")],
    team: Annotated[
        list[str] | None,
        typer.Option("--team", help="A team's report (repeat for several)."),
    ] = None,
    all_teams: Annotated[
        bool, typer.Option("--all-teams", help="Every team with key results, plus the company.")
    ] = False,
    out: Annotated[
        Path | None, typer.Option("--out", help="Output folder (default: reports/<period>).")
    ] = None,
    jobs: Annotated[
        int | None, typer.Option("--jobs", min=1, help="Parallel warm kernels (default 3).")
    ] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Score as of YYYY-MM-DD.")] = None,
    db: DbOption = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Render quarterly reports to self-contained HTML (plus index.html).

    Without --team or --all-teams, renders the company report. Exits 1 when any report
    failed (the others are still written; the failed notebooks are kept in _failed/).
    """
    from okrkit.report import render_reports, report_targets

    if team and all_teams:
        fail("give --team or --all-teams, not both")
    day = _date(as_of)
    targets = report_targets(period, db, teams=team, all_teams=all_teams)
    folder = out or Path("reports") / period
    run = render_reports(
        period, targets, folder, db=db, as_of=day, jobs=jobs, progress=progress
    )
    for r in run.failed:
        typer.echo(f"FAILED {r.job.label}: {r.error}", err=True)
        if r.debug_notebook:
            typer.echo(f"       executed notebook kept at {r.debug_notebook}", err=True)
    ok = len(run.results) - len(run.failed)
    typer.echo(
        f"{ok} of {len(run.results)} reports rendered in {run.seconds:.1f} s; "
        f"index: {run.index.resolve() if run.index else '-'}"
    )
    if run.failed:
        raise typer.Exit(1)


@app.command()
@handles_errors
def sample(
    db: DbOption = None,
    force: Annotated[
        bool, typer.Option(help="Save the sample plans again as new revisions.")
    ] = False,
) -> None:
    """Load the sample plans and check-ins (data/) into the store, once."""
    from okrkit.sample import load_sample
    from okrkit.store import open_store

    store = open_store(db)
    try:
        loaded = load_sample(store, force=force)
        typer.echo(
            f"{store.url}: sample loaded: {', '.join(loaded)}"
            if loaded
            else f"{store.url}: sample already loaded"
        )
    finally:
        store.close()


def main() -> None:
    """Entry point of the ``okrkit`` console script."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()

"""Reports: ``report``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from okrkit.cli.base import DbOption, app, echo, fail, handles_errors, parse_date


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
        Path | None,
        typer.Option("--out", help="Output folder (default: reports/<period>, the period "
                                   "label as a safe file name)."),
    ] = None,
    jobs: Annotated[
        int | None, typer.Option("--jobs", min=1, help="Parallel warm kernels (default 3).")
    ] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Score as of YYYY-MM-DD.")] = None,
    db: DbOption = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    pdf: Annotated[
        bool, typer.Option("--pdf", help="Also print each report to PDF (offline chromium).")
    ] = False,
    paper: Annotated[str, typer.Option("--paper", help="PDF paper: A4 or Letter.")] = "A4",
) -> None:
    """Render quarterly reports to self-contained HTML (plus index.html).

    Without --team or --all-teams, renders the company report. Exits 1 when any report
    failed (the others are still written; the failed notebooks are kept in _failed/).
    With --pdf each rendered report is also printed to <report>.pdf: a team report has
    one page per objective (page 1: the header and the first objective).
    """
    from okrkit.report import render_reports, report_targets, start_kernel
    from okrkit.reportfiles import default_folder, output_folder

    if team and all_teams:
        fail("give --team or --all-teams, not both")
    from okrkit.pdf import PAPERS

    if paper not in PAPERS:
        fail(f"--paper '{paper}' is not one of {', '.join(PAPERS)}")
    day = parse_date(as_of)
    # one report: its kernel boots while the arguments are checked
    kernel = start_kernel(db) if not all_teams and len(team or []) <= 1 else None
    try:
        targets = report_targets(period, db, teams=team, all_teams=all_teams)
        folder = output_folder(out, "--out") if out is not None else output_folder(
            default_folder(period), "the default report folder")
        run = render_reports(period, targets, folder, db=db, as_of=day, jobs=jobs,
                             progress=progress, kernel=kernel)
    finally:
        if kernel is not None:
            kernel.close()
    for r in run.failed:
        echo(f"FAILED {r.job.label}: {r.error}", err=True)
        if r.debug_notebook:
            echo(f"       executed notebook kept at {r.debug_notebook}", err=True)
    ok = len(run.results) - len(run.failed)
    if pdf and ok:
        from okrkit.report import print_reports

        printed = print_reports(run, paper=paper)
        echo(f"{len(printed.pdfs)} PDF{'s' * (len(printed.pdfs) != 1)} ({paper}) printed "
             f"offline: {', '.join(p.name for p in printed.pdfs)}")
    echo(
        f"{ok} of {len(run.results)} reports rendered in {run.seconds:.1f} s; "
        f"index: {run.index.resolve() if run.index else '-'}"
    )
    if run.failed:
        raise typer.Exit(1)


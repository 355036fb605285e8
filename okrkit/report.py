"""Render the parameterized quarterly report notebook to self-contained HTML, in batches.

One report is ``notebooks/quarterly_report.ipynb`` parameterized by papermill's own
:func:`papermill.parameterize.parameterize_notebook` (period, team, db, as_of), executed
by nbclient and converted by nbconvert without code cells. Batches are fast because the
cost of a report is mostly kernel start-up and imports: ``jobs`` worker processes each
keep **one warm kernel** and run report after report in it (``%reset -f`` between
reports, so no variable leaks from one report into the next; imported modules stay
loaded). Every section of the report is a pure function of the store, so a batch report
equals the same report rendered alone (tested).

Each HTML file is written to a temporary name and renamed (a reader never sees half a
report; a failed run leaves the previous report in place). A failing team does not stop
the others: its executed notebook is kept under ``<out>/_failed/`` for debugging and the
run ends with a summary.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import html
import multiprocessing
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from okrkit.errors import MissingDependencyError, ReportError
from okrkit.plan import write_atomic

NOTEBOOK_NAME = "quarterly_report.ipynb"
COMPANY = "company"


def notebook_path() -> Path:
    """The report notebook (``notebooks/quarterly_report.ipynb`` of the project)."""
    from okrkit.launch import notebooks_dir

    path = notebooks_dir() / NOTEBOOK_NAME
    if not path.is_file():
        raise ReportError(f"report notebook not found: {path}")
    return path


def slug(name: str) -> str:
    """A file-name-safe form of a team name (team names are user input)."""
    s = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip(".-")
    return s or "team"


@dataclass(frozen=True)
class ReportJob:
    """One report to render: ``team`` ``None`` is the company report."""

    period: str
    team: str | None
    db: str
    as_of: str | None
    out: Path

    @property
    def label(self) -> str:
        return self.team if self.team is not None else COMPANY

    def parameters(self) -> dict[str, Any]:
        return {"period": self.period, "team": self.team, "db": self.db, "as_of": self.as_of}


@dataclass
class ReportResult:
    job: ReportJob
    ok: bool
    seconds: float
    error: str | None = None
    debug_notebook: Path | None = None


@dataclass
class ReportRun:
    results: list[ReportResult] = field(default_factory=list)
    index: Path | None = None
    seconds: float = 0.0

    @property
    def failed(self) -> list[ReportResult]:
        return [r for r in self.results if not r.ok]


# ---------------------------------------------------------------------------
# one report: parameterize, execute, export


def _require() -> None:
    try:
        import nbclient  # noqa: F401
        import nbconvert  # noqa: F401
        import papermill  # noqa: F401
    except ImportError as err:  # pragma: no cover - depends on the install
        raise MissingDependencyError(err.name or "papermill", "report") from err


def parameterized(job: ReportJob, template: Path | None = None) -> Any:
    """The report notebook with the job's parameters injected the way papermill does."""
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    nb = load_notebook_node(str(template or notebook_path()))
    nb = parameterize_notebook(nb, job.parameters(), report_mode=False)
    for cell in nb.cells:  # papermill gives the injected cell a random id
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell["id"] = "injected-parameters"
    return nb


def page(body: str, title: str) -> str:
    """Wrap nbconvert's body in a self-contained page: no script, no external URL.

    A Content-Security-Policy forbids scripts and remote loads outright, so even a
    markup slip could not run code or phone home.
    """
    from okrkit import __version__

    csp = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:"
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="generator" content="okrkit {html.escape(__version__)}">'
        f"<title>{html.escape(title)}</title>"
        "<style>body{margin:1.5em auto;max-width:1150px;padding:0 1.2em;background:#fff}"
        ".jp-OutputArea-output{overflow-x:auto}</style></head><body>\n"
        f"{body}\n</body></html>\n"
    )


_EXPORTER: Any = None


def to_html(nb: Any, title: str) -> str:
    """Executed notebook → report page (outputs only; stderr streams dropped)."""
    global _EXPORTER
    from nbconvert import HTMLExporter

    if _EXPORTER is None:
        _EXPORTER = HTMLExporter(
            template_name="basic",
            exclude_input=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
        )
    for cell in nb.cells:
        if cell.get("cell_type") == "code":
            cell["outputs"] = [
                o for o in cell.get("outputs", [])
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
                and "pin" not in cell.get("metadata", {}).get("tags", [])  # nbval's pins
            ]
    body, _ = _EXPORTER.from_notebook_node(nb)
    return page(body, title)


def title_of(job: ReportJob) -> str:
    who = "Company" if job.team is None else f"Team {job.team}"
    return f"{who} — OKR report {job.period}"


class _Kernel:
    """A warm kernel that runs report after report."""

    def __init__(self, cwd: Path) -> None:
        from jupyter_client.manager import KernelManager

        self.cwd = cwd
        # IPC sockets in a private folder: no TCP port races between parallel kernels
        self._sockets = tempfile.mkdtemp(prefix="okrkit-kernel-")
        self.km = KernelManager(
            kernel_name="python3", transport="ipc", ip=os.path.join(self._sockets, "k")
        )
        self.km.start_kernel(cwd=str(cwd))

    def run(self, nb: Any, timeout: int) -> Any:
        from nbclient import NotebookClient

        if not self.km.is_alive():
            self.km.restart_kernel(now=True)
        import nbformat

        reset = nbformat.v4.new_code_cell("%reset -f")
        nb.cells.insert(0, reset)
        client = NotebookClient(
            nb, km=self.km, timeout=timeout, allow_errors=False,
            resources={"metadata": {"path": str(self.cwd)}},
        )
        try:
            client.execute()
        finally:
            nb.cells.remove(reset)
        return nb

    def close(self) -> None:
        if self.km.has_kernel:
            self.km.shutdown_kernel(now=True)
        shutil.rmtree(self._sockets, ignore_errors=True)


def _error_text(err: BaseException) -> str:
    ename = getattr(err, "ename", None)
    evalue = getattr(err, "evalue", None)
    if ename:
        return f"{ename}: {evalue}"
    return f"{type(err).__name__}: {err}"


def render_one(job: ReportJob, kernel: _Kernel | None = None, *, timeout: int = 600,
               template: Path | None = None) -> ReportResult:
    """Render one report (in ``kernel`` if given, else in a fresh kernel of its own)."""
    import nbformat

    start = time.perf_counter()
    nb = None
    own = kernel is None
    k = kernel or _Kernel((template or notebook_path()).parent)
    try:
        nb = parameterized(job, template)
        k.run(nb, timeout)
        write_atomic(job.out, to_html(nb, title_of(job)).encode("utf-8"))
        return ReportResult(job, True, time.perf_counter() - start)
    except Exception as err:  # any failure of one report is reported, not raised
        debug: Path | None = job.out.parent / "_failed" / f"{job.out.stem}.ipynb"
        try:
            if nb is None:
                raise ValueError("no notebook to keep")
            write_atomic(debug, nbformat.writes(nb).encode("utf-8"))  # type: ignore[arg-type]
        except Exception:
            debug = None
        return ReportResult(job, False, time.perf_counter() - start, _error_text(err), debug)
    finally:
        if own:
            k.close()


# ---------------------------------------------------------------------------
# the worker pool

_KERNEL: _Kernel | None = None


def _init_worker(cwd: str) -> None:
    from multiprocessing import util

    global _KERNEL
    _KERNEL = _Kernel(Path(cwd))
    util.Finalize(None, _KERNEL.close, exitpriority=10)
    # import the heavy modules of the parent side once, too
    import nbconvert  # noqa: F401
    import papermill.parameterize  # noqa: F401


def _run_in_worker(job: ReportJob, timeout: int, template: str) -> ReportResult:
    return render_one(job, _KERNEL, timeout=timeout, template=Path(template))


def render_reports(
    period: str,
    teams: list[str | None],
    out: str | os.PathLike[str],
    *,
    db: str | None = None,
    as_of: str | dt.date | None = None,
    jobs: int | None = None,
    timeout: int = 600,
    progress: bool = True,
    index: bool = True,
    template: str | os.PathLike[str] | None = None,
) -> ReportRun:
    """Render the reports of ``teams`` (``None`` = the company report) into ``out``.

    Returns a :class:`ReportRun`; failures are in ``run.failed`` (never raised).
    """
    _require()
    from okrkit.config import default_store_url

    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    url = db or default_store_url()
    day = as_of.isoformat() if isinstance(as_of, dt.date) else as_of
    tpl = Path(template) if template else notebook_path()
    names: set[str] = set()
    work = []
    for team in teams:
        name = f"{slug(str(period))}-{COMPANY if team is None else slug(team)}"
        while name in names:
            name += "_"
        names.add(name)
        work.append(ReportJob(str(period), team, url, day, out_dir / f"{name}.html"))
    n = max(1, min(jobs or min(3, os.cpu_count() or 1), len(work)))
    run = ReportRun()
    start = time.perf_counter()
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(work), desc=f"reports {period}", unit="report")
    try:
        if n == 1:
            kernel = _Kernel(tpl.parent)
            try:
                for job in work:
                    run.results.append(render_one(job, kernel, timeout=timeout, template=tpl))
                    if bar is not None:
                        bar.update(1)
            finally:
                kernel.close()
        else:
            ctx = multiprocessing.get_context("spawn")
            with cf.ProcessPoolExecutor(n, mp_context=ctx, initializer=_init_worker,
                                        initargs=(str(tpl.parent),)) as pool:
                futures = {pool.submit(_run_in_worker, job, timeout, str(tpl)): job
                           for job in work}
                done: dict[ReportJob, ReportResult] = {}
                for fut in cf.as_completed(futures):
                    job = futures[fut]
                    try:
                        done[job] = fut.result()
                    except Exception as err:  # a worker died
                        done[job] = ReportResult(job, False, 0.0, _error_text(err))
                    if bar is not None:
                        bar.update(1)
                run.results = [done[j] for j in work]
    finally:
        if bar is not None:
            bar.close()
    if index:
        run.index = write_index(period, run.results, out_dir, url, day)
    run.seconds = time.perf_counter() - start
    return run


def write_index(period: str, results: list[ReportResult], out_dir: Path, db: str,
                as_of: str | None) -> Path:
    """``index.html``: every report of the run with its team's score and band."""
    import pandas as pd

    from okrkit.htmlkit import badge, esc, table_html
    from okrkit.reportdata import gather
    from okrkit.reportview import CSS

    data = gather(period, None, db, as_of, with_forecast=False)
    scores = data.teams.set_index("team")
    rows = []
    for r in sorted(results, key=lambda r: (r.job.team is not None, r.job.label)):
        if r.job.team is None:
            s, b, owner = data.overall, None, data.owner
            risk, stale = len(data.at_risk), int(data.key_results["stale"].sum())
        elif r.job.team in scores.index:
            t = scores.loc[r.job.team]
            s, b, owner, risk, stale = t["score"], t["band"], t["owner"], t["at_risk"], t["stale"]
        else:
            s, b, owner, risk, stale = float("nan"), None, None, None, None
        name = esc("Company roll-up" if r.job.team is None else r.job.team)
        link = (f'<a href="{esc(r.job.out.name)}">{name}</a>' if r.ok
                else f'{name} <b class="status-at-risk">failed</b>: {esc(r.error)}')
        rows.append({"report": link, "owner": owner, "score": badge(s, b, data.policy),
                     "risk": risk, "stale": stale})
    table = table_html(
        pd.DataFrame(rows), {"report": "report", "owner": "owner", "score": "score",
                             "risk": "KRs at risk", "stale": "stale KRs"},
        formats={"risk": lambda v: "" if v is None else str(v),
                 "stale": lambda v: "" if v is None else str(v)},
        markup={"report", "score"}, numeric={"risk", "stale"}, inline=False)
    body = (f'{CSS}<div class="okr"><h1>OKR reports {esc(period)}</h1>'
            f'<p class="meta">as of {data.as_of:%d %b %Y} · overall score '
            f"{badge(data.overall, policy=data.policy)}</p>{table}</div>")
    return write_atomic(out_dir / "index.html",
                        page(body, f"OKR reports {period}").encode("utf-8"))


def report_targets(period: str, db: str | None = None, *, teams: list[str] | None = None,
                   all_teams: bool = False) -> list[str | None]:
    """The reports to render (``None`` = the company report), checked against the store.

    ``all_teams``: the company plus every team that owns key results; ``teams``: those
    teams (``"company"`` for the company report); neither: the company report. An
    unknown period or team raises :class:`ReportError` naming the option.
    """
    from okrkit.store import open_store

    with open_store(db) as store:
        periods = store.periods()
        if period not in periods:
            raise ReportError(f"--period: no plan for {period!r} in the store "
                              f"(periods: {', '.join(periods) or 'none'})")
        plan = store.load_plan(period)
    if all_teams:
        return [None, *(t for t in plan.key_result_teams if t != COMPANY)]
    if not teams:
        return [None]
    unknown = [t for t in teams if t != COMPANY and t not in plan.teams]
    if unknown:
        raise ReportError(f"--team: no team {unknown[0]!r} in {period} "
                          f"(teams: {', '.join(plan.teams)})")
    return [None if t == COMPANY else t for t in teams]

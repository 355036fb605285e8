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

Where reports go is checked before any kernel starts (:func:`output_folder`): a file
where the folder should be, a folder that cannot be created or written, and a disk that
fills up while writing are :class:`~okrkit.errors.ReportError` with the path and the
reason. Period labels and team names are user input: they become file names only through
:func:`safe_name`, and every file is checked to land inside the folder it was given.

Secrets: a store URL with a password never enters a notebook. The kernel reads it from
``$OKRKIT_DB`` in its environment, the injected parameter is ``db = None`` with the
masked URL in a comment, and every text kept from a failed run (error messages, the
notebook under ``_failed/``) is masked again; kept notebooks are mode 0600 in a 0700
folder.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import html
import multiprocessing
import os
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from okrkit.errors import MissingDependencyError, ReportError
from okrkit.reportfiles import (
    COMPANY,
    inside,
    keep_failed,
    mask,
    output_folder,
    report_file,
    write_output,
)

NOTEBOOK_NAME = "quarterly_report.ipynb"


def notebook_path() -> Path:
    """The report notebook (``notebooks/quarterly_report.ipynb`` of the project)."""
    from okrkit.launch import notebooks_dir

    path = notebooks_dir() / NOTEBOOK_NAME
    if not path.is_file():
        raise ReportError(f"report notebook not found: {path}")
    return path


class KernelStartError(ReportError):
    """The Jupyter kernel that runs the reports could not start (an environment failure)."""

    exit_code = 1


def _has_password(url: str) -> bool:
    from sqlalchemy.engine import make_url

    try:
        return bool(make_url(url).password)
    except Exception:  # not a URL: the store reports it when it is opened
        return False


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
        """The notebook's parameters; a store URL with a password is not among them (the
        kernel reads it from ``$OKRKIT_DB``)."""
        db = None if _has_password(self.db) else self.db
        return {"period": self.period, "team": self.team, "db": db, "as_of": self.as_of}


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
    """Check that the report dependencies are installed (without importing them: that is
    :func:`_preload`'s job, while a kernel boots)."""
    import importlib.util

    for name in ("nbclient", "nbconvert", "papermill", "jupyter_client"):
        if importlib.util.find_spec(name) is None:  # pragma: no cover - the install
            raise MissingDependencyError(name, "report")


def _preload() -> None:
    """Import what the parent needs (papermill's parameterization, nbclient, nbconvert's
    exporter): about 3 s, run in a thread while the kernel boots and works."""
    from okrkit.imports import jsonschema_without_iri_grammar

    jsonschema_without_iri_grammar()  # nbformat validates with jsonschema
    import nbclient  # noqa: F401
    import papermill.iorw
    import papermill.parameterize  # noqa: F401

    _exporter()


_PRELOAD: threading.Thread | None = None


def _start_preload() -> None:
    global _PRELOAD
    if _PRELOAD is None:
        _PRELOAD = threading.Thread(target=_preload, name="okrkit-preload", daemon=True)
        _PRELOAD.start()


def parameterized(job: ReportJob, template: Path | None = None) -> Any:
    """The report notebook with the job's parameters injected the way papermill does."""
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    nb = load_notebook_node(str(template or notebook_path()))
    params = job.parameters()
    nb = parameterize_notebook(nb, params, report_mode=False)
    for cell in nb.cells:  # papermill gives the injected cell a random id
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell["id"] = "injected-parameters"
            if params["db"] is None and job.db:
                cell["source"] += f"\n# db: the store in $OKRKIT_DB ({mask(job.db, job.db)})"
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
_EXPORTER_LOCK = threading.Lock()


def _exporter() -> Any:
    global _EXPORTER
    with _EXPORTER_LOCK:
        if _EXPORTER is None:
            from nbconvert import HTMLExporter

            _EXPORTER = HTMLExporter(
                template_name="basic",
                exclude_input=True,
                exclude_input_prompt=True,
                exclude_output_prompt=True,
            )
        return _EXPORTER


def to_html(nb: Any, title: str) -> str:
    """Executed notebook → report page (outputs only; stderr streams dropped)."""
    exporter = _exporter()
    for cell in nb.cells:
        if cell.get("cell_type") == "code":
            cell["outputs"] = [
                o for o in cell.get("outputs", [])
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
                and "pin" not in cell.get("metadata", {}).get("tags", [])  # nbval's pins
            ]
    body, _ = exporter.from_notebook_node(nb)
    return page(body, title)


def title_of(job: ReportJob) -> str:
    who = "Company" if job.team is None else f"Team {job.team}"
    return f"{who} — OKR report {job.period}"


class _Kernel:
    """A warm kernel that runs report after report."""

    def __init__(self, cwd: Path, db: str | None = None) -> None:
        from jupyter_client.manager import KernelManager

        self.cwd = cwd
        self.db = db
        # IPC sockets in a private folder: no TCP port races between parallel kernels
        self._sockets = tempfile.mkdtemp(prefix="okrkit-kernel-")
        env = dict(os.environ)
        if db:
            env["OKRKIT_DB"] = db  # the store, never in the notebook if it has a password
        try:
            self.km = KernelManager(
                kernel_name=KERNEL, transport="ipc", ip=os.path.join(self._sockets, "k")
            )
            self.km.start_kernel(cwd=str(cwd), env=env)
        except Exception as err:
            shutil.rmtree(self._sockets, ignore_errors=True)
            first = (str(err).strip().splitlines() or [type(err).__name__])[0]
            raise KernelStartError(
                f"the Jupyter kernel '{KERNEL}' that renders reports could not start: "
                f"{mask(first, db)} (is ipykernel installed in this environment? "
                "pip install 'okrkit[report]'; check `jupyter kernelspec list`)") from err
        # while the parent imports papermill and nbconvert, the kernel imports okrkit's
        # report modules and starts vl-convert: the two overlap on two cores
        self._warm = threading.Thread(target=self._warm_up, name="okrkit-warm", daemon=True)
        self._warm.start()

    def _warm_up(self) -> None:
        """Run :data:`WARM_UP` once in the fresh kernel (an optimisation: errors ignored;
        the notebook's ``%reset -f`` clears its names, the imported modules stay)."""
        kc = None
        try:
            kc = self.km.client()
            kc.start_channels()
            kc.wait_for_ready(timeout=120)
            msg_id = kc.execute(WARM_UP, silent=True, store_history=False)
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                reply = kc.get_shell_msg(timeout=max(0.1, deadline - time.monotonic()))
                if reply["parent_header"].get("msg_id") == msg_id:
                    break
        except Exception:  # warming up is an optimisation only
            pass
        finally:
            if kc is not None:
                kc.stop_channels()

    def run(self, nb: Any, timeout: int) -> Any:
        from nbclient import NotebookClient

        self._warm.join()
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


KERNEL = "python3"
#: What a fresh report kernel runs first: the report's imports and vl-convert's start.
WARM_UP = ("import okrkit.reportdata, okrkit.reportview\n"
           "from okrkit import charts as _okrkit_charts\n"
           "_okrkit_charts.warm_up()\n"
           "del _okrkit_charts\n")


def _error_text(err: BaseException, db: str | None = None) -> str:
    ename = getattr(err, "ename", None)
    evalue = getattr(err, "evalue", None)
    text = f"{ename}: {evalue}" if ename else f"{type(err).__name__}: {err}"
    return mask(text, db)


def render_one(job: ReportJob, kernel: _Kernel | None = None, *, timeout: int = 600,
               template: Path | None = None) -> ReportResult:
    """Render one report (in ``kernel`` if given, else in a fresh kernel of its own).

    A failure of this report is returned (``ok`` false, the error masked, the executed
    notebook kept under ``_failed/``). A kernel that cannot start
    (:class:`KernelStartError`) and an output that cannot be written (a full disk:
    :class:`~okrkit.errors.ReportError`) are raised: the next report would fail the same.
    """
    start = time.perf_counter()
    nb = None
    own = kernel is None
    k = kernel or _Kernel((template or notebook_path()).parent, job.db)
    try:
        nb = parameterized(job, template)
        k.run(nb, timeout)
        html_text = to_html(nb, title_of(job))
    except Exception as err:  # any failure of one report is reported, not raised
        debug: Path | None
        try:
            if nb is None:
                raise ValueError("no notebook to keep")
            debug = keep_failed(job.out, nb, job.db)
        except Exception:  # warming up is an optimisation only
            debug = None
        return ReportResult(job, False, time.perf_counter() - start,
                            _error_text(err, job.db), debug)
    finally:
        if own:
            k.close()
    write_output(job.out, html_text.encode("utf-8"))
    return ReportResult(job, True, time.perf_counter() - start)


# ---------------------------------------------------------------------------
# the worker pool

_KERNEL: _Kernel | None = None
_KERNEL_ERROR: KernelStartError | None = None


def _init_worker(cwd: str, db: str) -> None:
    from multiprocessing import util

    global _KERNEL, _KERNEL_ERROR
    try:
        _KERNEL = _Kernel(Path(cwd), db)
    except KernelStartError as err:  # raised by the first job, with its message
        _KERNEL_ERROR = err
        return
    util.Finalize(None, _KERNEL.close, exitpriority=10)
    # import the heavy modules of the parent side once, too
    import nbconvert  # noqa: F401
    import papermill.parameterize  # noqa: F401


def _run_in_worker(job: ReportJob, timeout: int, template: str) -> ReportResult:
    if _KERNEL_ERROR is not None:
        raise _KERNEL_ERROR
    return render_one(job, _KERNEL, timeout=timeout, template=Path(template))


def start_kernel(db: str | None = None, template: str | os.PathLike[str] | None = None
                 ) -> _Kernel:
    """Start a report kernel now, to hand to :func:`render_reports` later.

    A single report waits mostly for its kernel to boot and import: started first, the
    kernel boots (and warms up) while the caller still checks its arguments and the parent
    imports papermill and nbconvert. Close it when done. Raises
    :class:`KernelStartError` when the kernel cannot start.
    """
    from okrkit.config import default_store_url

    _require()
    kernel = _Kernel((Path(template) if template else notebook_path()).parent,
                     db or default_store_url())
    _start_preload()
    return kernel


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
    kernel: _Kernel | None = None,
) -> ReportRun:
    """Render the reports of ``teams`` (``None`` = the company report) into ``out``.

    Returns a :class:`ReportRun`; failures are in ``run.failed`` (never raised).
    ``kernel`` (:func:`start_kernel`, same store) renders a run of one worker; the caller
    closes it.
    """
    _require()
    from okrkit.config import default_store_url

    out_dir = output_folder(out)
    url = db or default_store_url()
    day = as_of.isoformat() if isinstance(as_of, dt.date) else as_of
    tpl = Path(template) if template else notebook_path()
    taken: set[str] = set()
    work = [ReportJob(str(period), team, url, day, report_file(out_dir, period, team, taken))
            for team in teams]
    n = max(1, min(jobs or min(3, os.cpu_count() or 1), len(work)))
    run = ReportRun()
    start = time.perf_counter()
    background = cf.ThreadPoolExecutor(1, thread_name_prefix="okrkit-index")
    index_data = background.submit(_index_data, period, url, day) if index else None
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(work), desc=f"reports {period}", unit="report")
    try:
        if n == 1:
            given = kernel is not None and kernel.db == url and kernel.cwd == tpl.parent
            k = kernel if given and kernel is not None else _Kernel(tpl.parent, url)
            _start_preload()
            try:
                for job in work:
                    run.results.append(render_one(job, k, timeout=timeout, template=tpl))
                    if bar is not None:
                        bar.update(1)
            finally:
                if k is not kernel:
                    k.close()
        else:
            ctx = multiprocessing.get_context("spawn")
            with cf.ProcessPoolExecutor(n, mp_context=ctx, initializer=_init_worker,
                                        initargs=(str(tpl.parent), url)) as pool:
                futures = {pool.submit(_run_in_worker, job, timeout, str(tpl)): job
                           for job in work}
                done: dict[ReportJob, ReportResult] = {}
                for fut in cf.as_completed(futures):
                    job = futures[fut]
                    try:
                        done[job] = fut.result()
                    except ReportError:  # no kernel, or a full disk: stop the run
                        pool.shutdown(wait=True, cancel_futures=True)
                        raise
                    except Exception as err:  # a worker died
                        done[job] = ReportResult(job, False, 0.0, _error_text(err, url))
                    if bar is not None:
                        bar.update(1)
                run.results = [done[j] for j in work]
    finally:
        if bar is not None:
            bar.close()
        background.shutdown(wait=False)  # the index data is awaited below
    if index_data is not None:
        run.index = write_index(period, run.results, out_dir, url, day,
                                data=index_data.result())
    run.seconds = time.perf_counter() - start
    return run


def _index_data(period: str, db: str, as_of: str | None) -> Any:
    """What the index shows (scores, owners, risks): gathered while the reports render."""
    from okrkit.reportdata import gather

    return gather(period, None, db, as_of, with_forecast=False, with_weekly=False)


def print_reports(run: ReportRun, *, paper: str = "A4") -> Any:
    """Print every rendered report of ``run`` to a PDF next to it (``<report>.pdf``).

    :func:`okrkit.pdf.print_pdfs` (Debian chromium, offline: every request is refused and
    listed in the result). A PDF that cannot be written (a full disk) is a
    :class:`~okrkit.errors.ReportError` naming it.
    """
    from okrkit.pdf import print_pdfs

    pages = [(r.job.out, r.job.out.with_suffix(".pdf")) for r in run.results if r.ok]
    try:
        return print_pdfs(pages, paper=paper)
    except OSError as err:
        where = err.filename or (pages[0][1].parent if pages else "")
        raise ReportError(f"cannot write the PDF {where}: {err.strerror or err}") from err


def write_index(period: str, results: list[ReportResult], out_dir: Path, db: str,
                as_of: str | None, *, data: Any = None) -> Path:
    """``index.html``: every report of the run with its team's score and band, whether its
    plan is active and who signed it (``data``: the company's
    :class:`~okrkit.reportdata.ReportData`, gathered if not given)."""
    import pandas as pd

    from okrkit.htmlkit import badge, esc, table_html
    from okrkit.reportview import CSS

    data = data if data is not None else _index_data(period, db, as_of)
    scores = data.teams.set_index("team")
    from okrkit.lifecycle_view import plan_states, signed_by, state_badge

    states = {s.team: s for s in plan_states(data.plan)}
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
        st = states.get(r.job.team) if r.job.team is not None else None
        rows.append({"report": link, "owner": owner, "score": badge(s, b, data.policy),
                     "risk": risk, "stale": stale,
                     "plan": state_badge(st.state) if st else "",
                     "signed": (signed_by(st) or "nobody yet") if st else ""})
    table = table_html(
        pd.DataFrame(rows), {"report": "report", "owner": "owner", "score": "score",
                             "risk": "KRs at risk", "stale": "stale KRs", "plan": "plan",
                             "signed": "signed by"},
        formats={"risk": lambda v: "" if v is None else str(v),
                 "stale": lambda v: "" if v is None else str(v)},
        markup={"report", "score", "plan"}, numeric={"risk", "stale"}, inline=False)
    body = (f'{CSS}<div class="okr"><h1>OKR reports {esc(period)}</h1>'
            f'<p class="meta">as of {data.as_of:%d %b %Y} · overall score '
            f"{badge(data.overall, policy=data.policy)}</p>{table}"
            f"{_confidence_block(data)}</div>")
    return write_output(inside(out_dir, "index.html"),
                  page(body, f"OKR reports {period}").encode("utf-8"))


def _confidence_block(data: Any) -> str:
    """The index's calibration per team and the forecast's track record (in words)."""
    from okrkit.calibration_view import summary_html

    if getattr(data, "confidence", None) is None:
        return ""
    return "<h2>How well we know ourselves</h2>" + summary_html(data.confidence)


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

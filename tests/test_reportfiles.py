"""Where reports go (okrkit.reportfiles, okrkit.report): safe names, folders, full disks,
kernels that cannot start, and no password in anything a failed report leaves behind."""

from __future__ import annotations

import errno
import json
import re
import stat
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import checkins_frame
from hypothesis import given
from hypothesis import strategies as st

from okrkit import report as report_mod
from okrkit import reportfiles
from okrkit.errors import ReportError
from okrkit.plan import parse_plan
from okrkit.report import KernelStartError, ReportJob, parameterized, render_reports
from okrkit.reportfiles import default_folder, output_folder, report_file, safe_name
from okrkit.sample import SAMPLE_AS_OF, load_sample
from okrkit.store import open_store

ROOT = Path(__file__).resolve().parents[1]
SAFE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


# -- names -------------------------------------------------------------------------------


@given(st.text(max_size=400))
def test_safe_name_is_always_a_plain_short_file_name(text: str) -> None:
    name = safe_name(text)
    assert SAFE.fullmatch(name) and len(name) <= reportfiles.NAME_LIMIT
    assert not name.endswith((".", "-")) and name not in (".", "..")


@given(st.text(min_size=1, max_size=120), st.text(min_size=1, max_size=120))
def test_different_names_never_share_a_file(a: str, b: str) -> None:
    if a != b:
        assert safe_name(a) != safe_name(b)


def test_safe_names_stay_as_they_are() -> None:
    for name in ("vision", "customer-service", "2026-Q1", "team_7", "FY2026.H1"):
        assert safe_name(name) == name


@pytest.mark.parametrize("period", ["../../x", "..", "/etc/passwd", "a/../../b", "C:\\x",
                                    "\x00nul", "x" * 300])
def test_a_label_never_escapes_its_folder(tmp_path: Path, period: str) -> None:
    path = report_file(tmp_path, period, "../../team")
    assert path.parent == tmp_path and len(path.name) < 200
    assert default_folder(period).parent == Path("reports")
    assert default_folder(period).name == safe_name(period)


def test_the_same_name_twice_gets_two_files(tmp_path: Path) -> None:
    taken: set[str] = set()
    a, b = (report_file(tmp_path, "2026-Q1", "vision", taken) for _ in range(2))
    assert a != b and a.parent == b.parent == tmp_path


# -- folders -----------------------------------------------------------------------------


def test_output_folder_refusals(tmp_path: Path) -> None:
    afile = tmp_path / "afile"
    afile.write_text("x")
    with pytest.raises(ReportError, match=r"--out .*afile: exists and is not a folder"):
        output_folder(afile)
    with pytest.raises(ReportError, match=r"afile is a file, not a folder"):
        output_folder(afile / "sub")
    with pytest.raises(ReportError, match=r"cannot create or write the folder: File name too"):
        output_folder(tmp_path / ("x" * 300))
    assert output_folder(tmp_path / "new" / "deep").is_dir()


def test_a_full_disk_at_the_folder_is_a_clear_error(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    def full(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(reportfiles.tempfile, "mkstemp", full)
    with pytest.raises(ReportError, match="no space left on the device"):
        output_folder(tmp_path / "r", "the default report folder")


def test_cli_full_disk_exits_2_without_traceback(sample_url: str, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from okrkit.cli import app

    def full(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device")

    # only the folder probe sees the full disk (the kernel's connection file does not)
    monkeypatch.setattr(reportfiles, "tempfile", SimpleNamespace(mkstemp=full))
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(app, ["report", "--period", "2026-Q1", "--team", "vision",
                                   "--db", sample_url, "--no-progress"])
    assert res.exit_code == 2, res.output
    assert "the default report folder reports/2026-Q1" in res.stderr
    assert "no space left on the device" in res.stderr and "Traceback" not in res.stderr


# -- real renders: long names, a disk filling up, kernels ---------------------------------


@pytest.fixture(scope="module")
def long_team_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A store whose team name is as long as a plan allows (200 characters: names over
    that are refused at input since the store must restore into PostgreSQL; longer names
    still get a safe file name, see test_a_label_never_escapes_its_folder)."""
    team = "t" * 200
    url = f"sqlite:///{tmp_path_factory.mktemp('long') / 'okr.db'}"
    with open_store(url) as store:
        store.save_plan(parse_plan(f"""period: 2026-Q1
objectives:
  - id: L-1
    title: A team with a very long name
    team: {team}
    key_results:
      - {{id: L-1.1, title: Grow users to 100, unit: u, direction: increase, baseline: 0,
         target: 100}}
""", source="long.yaml"))
        store.add_checkins(checkins_frame([("L-1.1", "2026-02-01", 40, 0.7)]))
    return url, team


@pytest.mark.notebook
def test_the_longest_team_name_gets_a_report(long_team_db, tmp_path: Path) -> None:
    url, team = long_team_db
    run = render_reports("2026-Q1", [team], tmp_path, db=url, as_of=SAMPLE_AS_OF, jobs=1,
                         progress=False)
    assert not run.failed, [r.error for r in run.failed]
    out = run.results[0].job.out
    assert out.parent == tmp_path and out.is_file() and len(out.name) <= 100
    assert "A team with a very long name" in out.read_text(encoding="utf-8")
    index = run.index.read_text(encoding="utf-8")
    assert f'href="{out.name}"' in index


@pytest.mark.notebook
def test_a_disk_that_fills_while_writing_stops_with_the_path(
        long_team_db, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url, team = long_team_db
    old = tmp_path / f"2026-Q1-{safe_name(team)}.html"
    old.write_text("the previous report")

    def full(path, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(reportfiles, "write_atomic", full)
    with pytest.raises(ReportError, match=r"cannot write .*\.html: no space left on the device"):
        render_reports("2026-Q1", [team], tmp_path, db=url, as_of=SAMPLE_AS_OF, jobs=1,
                       progress=False)
    assert old.read_text() == "the previous report"
    assert not list(tmp_path.glob(".*.tmp"))


def _broken_kernel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = tmp_path / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": ["/nonexistent/python", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "broken", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_kernel_that_cannot_start_is_a_clear_error(long_team_db, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     jobs: int) -> None:
    url, team = long_team_db
    _broken_kernel(tmp_path, monkeypatch)
    with pytest.raises(KernelStartError, match=r"kernel 'python3' .* could not start") as err:
        render_reports("2026-Q1", [None, team], tmp_path / "out", db=url, jobs=jobs,
                       progress=False)
    assert err.value.exit_code == 1 and "/nonexistent/python" in str(err.value)
    assert not list((tmp_path / "out").glob("*.html"))


# -- secrets -----------------------------------------------------------------------------


def test_a_password_never_enters_the_notebook_parameters(tmp_path: Path) -> None:
    url = "postgresql+psycopg://okr:s3cret-pw@db.example:5432/okr"
    job = ReportJob("2026-Q1", "vision", url, None, tmp_path / "r.html")
    assert job.parameters()["db"] is None
    nb = parameterized(job)
    cell = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert "db = None" in cell.source and "okr:***@db.example" in cell.source
    assert "s3cret-pw" not in json.dumps(nb)
    plain = ReportJob("2026-Q1", "vision", "sqlite:///x.db", None, tmp_path / "r.html")
    assert plain.parameters()["db"] == "sqlite:///x.db"


LEAKY = {
    "cells": [
        {"cell_type": "code", "id": "p", "metadata": {"tags": ["parameters"]}, "outputs": [],
         "execution_count": None,
         "source": "period = None\nteam = None\ndb = None\nas_of = None"},
        {"cell_type": "code", "id": "leak", "metadata": {}, "outputs": [],
         "execution_count": None,
         "source": "import os\nprint(os.environ['OKRKIT_DB'])\n"
                   "raise RuntimeError('cannot reach ' + os.environ['OKRKIT_DB'])"},
    ],
    "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                "language": "python"}},
    "nbformat": 4, "nbformat_minor": 5,
}


@pytest.mark.notebook
@pytest.mark.postgres
def test_a_failed_report_on_postgresql_keeps_no_password(tmp_path: Path) -> None:
    """Issue 10, class 8: the PostgreSQL password never reaches ``_failed/*.ipynb`` (0600,
    in a 0700 folder) or the error text, even when the notebook prints the URL; the real
    report still reads the store through ``$OKRKIT_DB``."""
    from sqlalchemy.engine import make_url
    from store_fixtures import fresh_pg_database, pg_base_url

    with fresh_pg_database(pg_base_url()) as url:
        password = make_url(url).password
        assert password and password in url
        with open_store(url) as store:
            load_sample(store, ROOT / "data")
        run = render_reports("2026-Q1", ["vision", "no-such-team"], tmp_path, db=url,
                             as_of=SAMPLE_AS_OF, jobs=1, progress=False)
        ok, bad = run.results
        assert ok.ok, ok.error
        assert not bad.ok and "no team 'no-such-team'" in bad.error
        leaky = tmp_path / "leaky.ipynb"
        leaky.write_text(json.dumps(LEAKY))
        run2 = render_reports("2026-Q1", [None], tmp_path / "leak", db=url, jobs=1,
                              progress=False, template=leaky, index=False)
    kept = [bad.debug_notebook, run2.results[0].debug_notebook]
    for path in kept:
        assert path is not None and path.parent.name == "_failed"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        text = path.read_text(encoding="utf-8")
        assert password not in text
    leak_text = kept[1].read_text(encoding="utf-8")
    assert "***@127.0.0.1" in leak_text  # the printed URL, masked
    assert "RuntimeError" in run2.results[0].error and password not in run2.results[0].error
    for html in tmp_path.rglob("*.html"):
        assert password not in html.read_text(encoding="utf-8")


def test_masking_is_the_sources_rule() -> None:
    url = "postgresql+psycopg://okr:pw-123456@h/db"
    assert report_mod.mask(f"failed: {url} (pw-123456)", url) == (
        "failed: postgresql+psycopg://okr:***@h/db (***)")

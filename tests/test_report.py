"""Quarterly reports end to end: real kernels, a temporary store, self-contained HTML."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import EVIL_PLAN

from okrkit.plan import parse_plan, write_atomic
from okrkit.report import ReportJob, render_one, render_reports
from okrkit.sample import SAMPLE_AS_OF, load_sample
from okrkit.store import open_store

pytestmark = pytest.mark.notebook

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(os.environ.get("OKRKIT_TEST_ARTIFACTS", ROOT / "test-artifacts"))



@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('reports') / 'okr.db'}"
    with open_store(url) as store:
        load_sample(store, ROOT / "data")
        store.save_plan(parse_plan(EVIL_PLAN, source="evil.yaml"))
        import pandas as pd

        from okrkit.frames import conform

        store.add_checkins(conform(pd.DataFrame([
            {"kr_id": "EV-1.1", "date": pd.Timestamp("2026-04-10").date(), "value": 70.0,
             "note": "<script>steal()</script>", "blockers": "<iframe src=//evil.example>"},
            {"kr_id": "EV-1.1", "date": pd.Timestamp("2026-04-24").date(), "value": 75.0,
             "achievements": "<a href=http://evil.example>won</a>"},
        ]), "checkins"))
    return url


@pytest.fixture(scope="module")
def batch(db: str, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("batch")
    run = render_reports("2026-Q1", [None, "chatbot", "vision", "no-such-team"], out, db=db,
                         as_of=SAMPLE_AS_OF, jobs=2, progress=False)
    return out, run


class _Tags(HTMLParser):
    """Collect real tags and URL-bearing attributes (escaped text is not markup)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.urls: list[str] = []
        self.handlers: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href", "action", "poster", "data", "xlink:href", "srcset"):
                self.urls.append(value or "")
            if name.startswith("on"):
                self.handlers.append(f"{tag} {name}")


def assert_self_contained(text: str) -> _Tags:
    parser = _Tags()
    parser.feed(text)
    assert "script" not in parser.tags and "iframe" not in parser.tags
    assert "link" not in parser.tags  # no external stylesheet
    assert not parser.handlers, parser.handlers
    # only links between the report files themselves, fragments and data: URLs
    bad = [u for u in parser.urls
           if not (re.fullmatch(r"[\w.-]+\.html", u) or u.startswith(("#", "data:")))]
    assert not bad, bad
    assert "@import" not in text and "url(http" not in text
    assert "Content-Security-Policy" in text
    return parser


def test_team_and_company_reports_render(batch) -> None:
    out, run = batch
    ok = {r.job.label: r for r in run.results if r.ok}
    assert set(ok) == {"company", "chatbot", "vision"}
    team = (out / "2026-Q1-chatbot.html").read_text(encoding="utf-8")
    for needle in ("Team chatbot — OKR report 2026-Q1", "BOT-1.1", "Achieve 90% CSAT",
                   "Since the previous check-in", "Forecast", "<svg", "Calibration"):
        assert needle in team, needle
    company = (out / "2026-Q1-company.html").read_text(encoding="utf-8")
    for needle in ("Company — OKR report 2026-Q1", "Alignment and roll-up", "CO-1",
                   "Top risks", "Stale key results", "GEN-1.1", "<svg"):
        assert needle in company, needle
    for text in (team, company):
        assert_self_contained(text)
        # no code cells and no papermill/nbclient error output
        assert "gather(" not in text and "display(HTML" not in text
        assert "Traceback" not in text and "An Exception was encountered" not in text
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for name in ("2026-Q1-chatbot.html", "2026-Q1-company.html", "index.html"):
        shutil.copy(out / name, ARTIFACTS / name)


def test_index_links_reports_with_scores(batch) -> None:
    out, run = batch
    assert run.index == out / "index.html"
    index = run.index.read_text(encoding="utf-8")
    assert 'href="2026-Q1-chatbot.html"' in index and 'href="2026-Q1-company.html"' in index
    assert re.search(r'chatbot</a></td><td>Product Manager</td><td><span class="badge '
                     r'(green|yellow|red)">0\.\d\d</span>', index)
    assert "no-such-team" in index and "failed" in index
    assert_self_contained(index)


def test_failing_team_is_reported_and_does_not_stop_others(batch) -> None:
    out, run = batch
    failed = run.failed
    assert [r.job.team for r in failed] == ["no-such-team"]
    assert "no team 'no-such-team'" in failed[0].error
    assert failed[0].debug_notebook is not None and failed[0].debug_notebook.exists()
    assert not (out / "2026-Q1-no-such-team.html").exists()


def test_batch_report_equals_single_run(batch, db: str, tmp_path: Path) -> None:
    out, _ = batch
    job = ReportJob("2026-Q1", "chatbot", db, SAMPLE_AS_OF, tmp_path / "single.html")
    result = render_one(job)  # a fresh kernel of its own
    assert result.ok, result.error
    assert job.out.read_bytes() == (out / "2026-Q1-chatbot.html").read_bytes()


def test_markup_in_user_text_stays_text(db: str, tmp_path: Path) -> None:
    run = render_reports("2026-Q2", ["evil", None], tmp_path, db=db, as_of="2026-04-30",
                         jobs=1, progress=False)
    assert not run.failed, [r.error for r in run.failed]
    for path in (tmp_path / "2026-Q2-evil.html", tmp_path / "2026-Q2-company.html",
                 tmp_path / "index.html"):
        text = path.read_text(encoding="utf-8")
        tags = assert_self_contained(text).tags
        assert ("img" not in tags and "a" not in tags) or path.name == "index.html"
        assert "<img" not in text and "<iframe" not in text and "<b onmouseover" not in text
    team = (tmp_path / "2026-Q2-evil.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Delight customers" in team
    assert "&lt;img src=x onerror=alert(2)&gt;" in team
    assert "&lt;script&gt;steal()&lt;/script&gt;" in team


def test_failed_run_leaves_previous_report(db: str, tmp_path: Path) -> None:
    job = ReportJob("2026-Q1", "platform", db, SAMPLE_AS_OF, tmp_path / "platform.html")
    assert render_one(job).ok
    before = job.out.read_bytes()
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    open_store(empty).close()
    broken = ReportJob("2026-Q1", "platform", empty, SAMPLE_AS_OF, job.out)
    result = render_one(broken)
    assert not result.ok and "no plan for '2026-Q1'" in (result.error or "")
    assert job.out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_interrupted_write_keeps_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "r.html"
    target.write_text("old report")

    def boom(*_: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, b"new half-written report")
    assert target.read_text() == "old report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html"]


def test_cli_report(db: str, tmp_path: Path) -> None:
    exe = [sys.executable, "-m", "okrkit.cli"]
    bad = subprocess.run([*exe, "report", "--period", "2026-Q1", "--team", "nope", "--db", db],
                         capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode == 2 and "no team 'nope'" in bad.stderr
    assert "Traceback" not in bad.stderr
    bad = subprocess.run([*exe, "report", "--period", "2031-Q4", "--db", db],
                         capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode == 2 and "2031-Q4" in bad.stderr and "Traceback" not in bad.stderr
    good = subprocess.run(
        [*exe, "report", "--period", "2025-Q4", "--team", "vision", "--out", str(tmp_path),
         "--db", db, "--no-progress"], capture_output=True, text=True, cwd=ROOT)
    assert good.returncode == 0, good.stderr
    assert str((tmp_path / "index.html").resolve()) in good.stdout
    text = (tmp_path / "2025-Q4-vision.html").read_text(encoding="utf-8")
    assert "Hardware lead times should be factored into future timelines" in text
    assert "final scores" in text


@pytest.mark.browser
def test_report_in_headless_chromium(batch) -> None:
    """Open a rendered report in Debian's chromium: it loads nothing, shows its charts."""
    from playwright.sync_api import sync_playwright

    out, _ = batch
    failed: list[str] = []
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=os.environ.get("OKRKIT_CHROMIUM", "/usr/bin/chromium"),
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("request", lambda r: requests.append(r.url))
            page.on("requestfailed", lambda r: failed.append(r.url))
            page.goto((out / "2026-Q1-chatbot.html").as_uri())
            assert page.title() == "Team chatbot — OKR report 2026-Q1"
            svgs = page.locator("figure.okr-chart svg")
            assert svgs.count() >= 4
            box = svgs.first.bounding_box()
            assert box is not None and box["width"] > 200 and box["height"] > 100
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "report-chatbot.png"), full_page=True)
        finally:
            browser.close()
    assert not failed
    assert [u for u in requests if not u.startswith("file://")] == []

"""Every app in a real browser: JupyterLab + Debian chromium driven by Playwright.

One JupyterLab (``make lab``'s command) on a free loopback port with private ``JUPYTER_*``
folders serves copies of the notebooks (autosave never touches the committed files) on a
private copy of the sample store. Each test opens its notebook, runs all cells and drives
the app as a person would:

* the weekly check-in: type a value, Save, the check-in is in the store; the charts panel
  draws its SVG charts; each row shows its last check-ins;
* the planning workshop: start from a template, edit an objective and a key result, the
  lint panel changes, Save, the plan is in the store;
* what-if: move a target slider, the table and the chart change;
* the monthly review and the retrospective: every cell runs, the charts are visible.

Every test asserts that no request failed and no console error appeared, and keeps a
screenshot under ``test-artifacts/``.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import jupyter_env, stop_group

from okrkit.launch import free_port, lab_command
from okrkit.sample import SAMPLE_PERIOD
from okrkit.store import open_store

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(os.environ.get("OKRKIT_TEST_ARTIFACTS", ROOT / "test-artifacts"))
CHROMIUM = os.environ.get("OKRKIT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync",
                 "--disable-dev-shm-usage"]
NOTEBOOKS = ("weekly_checkin", "planning_workshop", "what_if", "monthly_review",
             "quarterly_retrospective")
WORKSHOP_TEAM = "labteam"


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory, sample_db: Path) -> Iterator[dict]:
    """JupyterLab on a free loopback port with a private store; yields url, token, db."""
    tmp = tmp_path_factory.mktemp("lab")
    db_path = tmp / "okr.db"
    shutil.copy(sample_db, db_path)
    db = f"sqlite:///{db_path}"
    root = tmp / "nb"
    root.mkdir()
    for name in NOTEBOOKS:
        shutil.copy(ROOT / "notebooks" / f"{name}.ipynb", root / f"{name}.ipynb")
    _set_parameter(root / "planning_workshop.ipynb", "team", WORKSHOP_TEAM)
    env = jupyter_env(tmp, OKRKIT_DB=db)
    # no "Jupyter news?" toast over the corner of every page (and no request for it)
    news = (Path(env["JUPYTER_CONFIG_DIR"]) / "lab" / "user-settings" / "@jupyterlab" /
            "apputils-extension" / "notification.jupyterlab-settings")
    news.parent.mkdir(parents=True, exist_ok=True)
    news.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    port, token = free_port(), secrets.token_hex(16)
    cmd = [*lab_command(port, token, root), "--LabApp.expose_app_in_browser=True",
           "--LabApp.news_url=None",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    log_path = tmp / "lab.log"
    log = log_path.open("w")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    log.flush()
                    pytest.fail("JupyterLab did not start:\n" + log_path.read_text()[-3000:])
                time.sleep(0.5)
        yield {"url": url, "token": token, "db": db}
    finally:
        stop_group(proc)
        log.close()


def _set_parameter(path: Path, name: str, value: str) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    cell = nb["cells"][0]
    src = "".join(cell["source"])
    cell["source"] = re.sub(rf'^{name} = .*$', f"{name} = {value!r}", src, flags=re.M)
    path.write_text(json.dumps(nb), encoding="utf-8")


class Page:
    """A chromium page on one notebook: every failed request and console error is kept."""

    def __init__(self, browser, lab: dict, name: str) -> None:
        self.lab = lab
        self.name = name
        self.failed: list[str] = []
        self.errors: list[str] = []
        self.page = browser.new_page(viewport={"width": 1400, "height": 1000})
        self.page.on("requestfailed", lambda r: self.failed.append(f"{r.url} {r.failure}"))
        self.page.on("console", lambda m: self.errors.append(m.text)
                     if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))

    def open_and_run(self) -> None:
        p, lab = self.page, self.lab
        p.goto(f"{lab['url']}/lab/workspaces/{self.name}/tree/{self.name}.ipynb"
               f"?token={lab['token']}&reset")
        p.wait_for_selector(".jp-Notebook", timeout=90_000)
        p.wait_for_function(
            "() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
            " const k = w && w.sessionContext && w.sessionContext.session"
            " && w.sessionContext.session.kernel; return k && k.status === 'idle'; }",
            timeout=120_000)
        p.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        self.dismiss_news()
        self.wait_idle()

    def dismiss_news(self) -> None:
        news = self.page.locator(".jp-Notification-Toast button:has-text('No')")
        if news.count():  # the "Jupyter news" pop-up covers the page corner
            news.first.click()

    def wait_idle(self, timeout: int = 180_000) -> None:
        """Until every cell has run (no ``[*]`` prompt) and the kernel is idle."""
        self.page.wait_for_function(
            "() => { const ps = [...document.querySelectorAll('.jp-InputArea-prompt')];"
            " const w = window.jupyterapp.shell.currentWidget;"
            " const k = w.sessionContext.session.kernel;"
            " return ps.length > 0 && !ps.some(p => p.textContent.includes('*'))"
            " && k.status === 'idle'; }", timeout=timeout)

    def shot(self, name: str) -> Path:
        """A screenshot of the whole notebook: Lab scrolls inside its own panel, so the
        window is made as tall as the notebook for the picture."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.dismiss_news()
        path = ARTIFACTS / f"{name}.png"
        p = self.page
        height = p.evaluate(
            "() => { const cells = [...document.querySelectorAll('.jp-Notebook .jp-Cell')];"
            " return cells.reduce((h, c) => h + c.getBoundingClientRect().height, 0) + 300; }")
        p.set_viewport_size({"width": 1400, "height": int(min(8000, max(1000, height)))})
        try:
            p.wait_for_timeout(500)  # Lab lays the taller window out
            p.evaluate("() => document.querySelectorAll('.jp-WindowedPanel-outer')"
                       ".forEach(e => { e.scrollTop = 0; })")
            p.wait_for_timeout(300)
            p.screenshot(path=str(path))
        finally:
            p.set_viewport_size({"width": 1400, "height": 1000})
        return path

    def assert_clean(self) -> None:
        """No request failed, no console error, no error output in any cell."""
        assert not self.failed, self.failed
        assert not self.errors, self.errors
        assert self.page.locator(".jp-OutputArea-output[data-mime-type*='error']").count() == 0

    def close(self) -> None:
        """Shut the notebook's kernel down and close the page."""
        self.page.evaluate(
            "async () => { const w = window.jupyterapp.shell.currentWidget;"
            " if (w && w.sessionContext) { await w.sessionContext.shutdown(); } }")
        self.page.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def notebook(browser, lab, request) -> Iterator[Page]:
    page = Page(browser, lab, request.param)
    try:
        yield page
    finally:
        page.close()


def _pages(name: str):
    return pytest.mark.parametrize("notebook", [name], indirect=True)


def _svg_boxes(page, selector: str) -> list[dict]:
    boxes = []
    for i in range(page.locator(selector).count()):
        box = page.locator(selector).nth(i).bounding_box()
        assert box is not None
        boxes.append(box)
    return boxes


# ---------------------------------------------------------------------------- check-in


@_pages("weekly_checkin")
def test_weekly_checkin_in_jupyterlab(notebook: Page, lab: dict) -> None:
    p = notebook.page
    with open_store(lab["db"]) as store:
        before = len(store.checkins(period=SAMPLE_PERIOD, effective=False))
    notebook.open_and_run()
    value = p.locator(".okr-value input").first
    value.wait_for(timeout=120_000)
    history = p.locator("table.okr-history-table").first  # the last three check-ins
    assert history.locator("tbody tr").count() == 3
    p.get_by_text("Charts: progress against expected pace").click()  # drawn on opening
    p.wait_for_function("() => document.querySelectorAll("
                        "'.okr-charts figure.okr-chart svg').length === 2", timeout=120_000)
    boxes = _svg_boxes(p, ".okr-charts figure.okr-chart svg")
    assert len(boxes) == 2 and all(b["width"] > 200 and b["height"] > 60 for b in boxes)
    notebook.shot("weekly-checkin-before-save")
    value.click()
    value.fill("88.5")
    value.press("Enter")
    p.locator("button.okr-save").first.click()
    p.wait_for_selector(".okr-message:has-text('saved')", timeout=30_000)
    notebook.shot("weekly-checkin-after-save")
    notebook.assert_clean()
    with open_store(lab["db"]) as store:
        after = store.checkins(period=SAMPLE_PERIOD, effective=False)
    assert len(after) == before + 1
    new = after[after["value"] == 88.5]
    assert len(new) == 1 and new["confidence"].isna().all()  # nobody touched the slider


# ---------------------------------------------------------------------------- workshop


def _lint_text(page) -> str:
    return page.locator(".okr-lint-panel").inner_text()


@_pages("planning_workshop")
def test_planning_workshop_from_template_to_the_store(notebook: Page, lab: dict) -> None:
    p = notebook.page
    notebook.open_and_run()
    p.locator(".okr-start select").select_option(label="a template")
    p.locator("button.okr-start-button").click()
    p.wait_for_selector(".okr-objective-title input", timeout=60_000)
    p.wait_for_function("() => document.querySelector('.okr-lint-panel').innerText"
                        ".includes('[activity]')", timeout=30_000)
    lint_before = _lint_text(p)
    # the template's key result that reads like an activity: edit that one
    found = re.search(r"\[activity\] \S+ · (LAB-[\d.]+):", lint_before)
    assert found, lint_before
    kr_id = found.group(1)
    ids = p.locator(".okr-kr-id input").evaluate_all("els => els.map(e => e.value)")
    first_kr = p.locator(".okr-kr-title input").nth(ids.index(kr_id))
    notebook.shot("workshop-template")

    title = p.locator(".okr-objective-title input").first
    title.fill("Predict churn well enough for the retention team to act on it")
    title.press("Tab")
    first_kr.fill("Serve 10,000+ predictions a day to the retention team")
    first_kr.press("Tab")
    p.wait_for_function(f"() => !document.querySelector('.okr-lint-panel').innerText"
                        f".includes('{kr_id}')", timeout=30_000)
    lint_after = _lint_text(p)
    assert lint_after != lint_before and kr_id not in lint_after
    notebook.shot("workshop-edited")

    p.locator("button.okr-save-plan").click()
    p.wait_for_selector(".okr-message:has-text('saved')", timeout=60_000)
    notebook.shot("workshop-saved")
    notebook.assert_clean()
    with open_store(lab["db"]) as store:
        plan = store.load_plan(SAMPLE_PERIOD, WORKSHOP_TEAM)
    titles = set(plan.objectives["title"])
    assert "Predict churn well enough for the retention team to act on it" in titles
    krs = plan.key_results.set_index("kr_id")
    assert krs.at[kr_id, "title"] == "Serve 10,000+ predictions a day to the retention team"


# ---------------------------------------------------------------------------- what-if


@_pages("what_if")
def test_what_if_slider_moves_the_table_and_the_chart(notebook: Page) -> None:
    p = notebook.page
    notebook.open_and_run()
    p.wait_for_selector(".okr-diff table", timeout=120_000)
    chart = p.locator(".okr-whatif-chart")
    chart.locator("canvas, svg").first.wait_for(timeout=60_000)
    table_before = p.locator(".okr-diff").inner_text()
    chart_before = chart.screenshot()
    notebook.shot("what-if-before")
    readout = p.locator(".okr-target .widget-readout").nth(2)  # CC-1.3: FCR 62 -> 85 %
    start = float(readout.inner_text())
    readout.click()
    p.keyboard.press("Control+A")
    p.keyboard.type(f"{start + 10:g}")  # a harder target, inside 0-100 %
    p.keyboard.press("Enter")
    p.wait_for_function("(before) => document.querySelector('.okr-diff').innerText"
                        " !== before", arg=table_before, timeout=30_000)
    table_after = p.locator(".okr-diff").inner_text()
    assert "yes" in table_after  # a changed objective is marked
    time.sleep(1.0)  # the chart re-renders after the table
    assert chart.screenshot() != chart_before
    notebook.shot("what-if-after")
    notebook.assert_clean()


# ---------------------------------------------------------------------------- review, retro


def _run_with_visible_charts(notebook: Page, at_least: int) -> None:
    p = notebook.page
    notebook.open_and_run()
    p.wait_for_selector("figure.okr-chart svg", timeout=120_000)
    boxes = _svg_boxes(p, "figure.okr-chart svg")
    assert len(boxes) >= at_least and all(b["width"] > 200 and b["height"] > 60 for b in boxes)
    _assert_text_columns_readable(p)


@_pages("monthly_review")
def test_monthly_review_runs_with_visible_charts(notebook: Page) -> None:
    _run_with_visible_charts(notebook, 2)  # objectives by week, calibration
    notebook.shot("monthly-review")
    notebook.assert_clean()


@_pages("quarterly_retrospective")
def test_retrospective_runs_with_visible_charts_and_outcomes(notebook: Page) -> None:
    _run_with_visible_charts(notebook, 2)  # key-result scores, reliability
    icons = notebook.page.locator("span.okr-icon[aria-label='✅']")  # a closed quarter
    assert icons.count() > 0
    box = icons.first.bounding_box()  # drawn without an emoji font: a visible square
    assert box is not None and box["width"] >= 8 and box["height"] >= 8
    notebook.shot("retrospective")
    notebook.assert_clean()


def _assert_text_columns_readable(page) -> None:
    """No table cell of titles or reasons wraps a word per line (what a projector shows
    when a wide table squeezes its text column)."""
    narrow = page.evaluate(
        "() => [...document.querySelectorAll('table.okr-table td')].filter(td =>"
        " td.style.minWidth && td.getBoundingClientRect().width < 150)"
        ".map(td => td.innerText.slice(0, 40))")
    assert not narrow, narrow

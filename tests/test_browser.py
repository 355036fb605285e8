"""One real-browser test: JupyterLab + Debian chromium driven by Playwright.

The test starts JupyterLab on a free port with private ``JUPYTER_*`` folders, opens the
weekly check-in notebook (a copy, so autosave never touches the committed file), runs all
cells, types a value into the check-in widget, clicks Save and checks that the check-in
reached the store; it also checks that the chart rendered as SVG and that the page made
no failed request (a CDN chart would show up as one). Screenshots go to
``test-artifacts/``.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import time
import urllib.request
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


@pytest.fixture
def lab(tmp_path: Path, sample_url: str):
    """JupyterLab (``make lab``'s command) on a free loopback port with a temporary store;
    yields (url, token, db)."""
    db = sample_url
    root = tmp_path / "nb"
    root.mkdir()
    shutil.copy(ROOT / "notebooks" / "weekly_checkin.ipynb", root / "weekly_checkin.ipynb")
    env = jupyter_env(tmp_path, OKRKIT_DB=db)
    port, token = free_port(), secrets.token_hex(16)
    cmd = [*lab_command(port, token, root), "--LabApp.expose_app_in_browser=True",
           "--LabApp.news_url=None",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    log = (tmp_path / "lab.log").open("w")
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
                    pytest.fail("JupyterLab did not start:\n" +
                                (tmp_path / "lab.log").read_text()[-3000:])
                time.sleep(0.5)
        yield url, token, db
    finally:
        stop_group(proc)
        log.close()


def test_weekly_checkin_in_jupyterlab(lab) -> None:
    from playwright.sync_api import sync_playwright

    url, token, db = lab
    with open_store(db) as store:
        before = len(store.checkins(period=SAMPLE_PERIOD, effective=False))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    failed: list[str] = []
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("requestfailed", lambda r: failed.append(f"{r.url} {r.failure}"))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(f"{url}/lab/tree/weekly_checkin.ipynb?token={token}&reset")
            page.wait_for_selector(".jp-Notebook", timeout=90_000)
            page.wait_for_function(
                "() => window.jupyterapp && document.querySelector('.jp-Notebook')",
                timeout=60_000)
            # wait for the kernel, then run everything
            page.wait_for_function(
                "() => { const w = window.jupyterapp.shell.currentWidget;"
                " const k = w && w.sessionContext && w.sessionContext.session"
                " && w.sessionContext.session.kernel; return k && k.status === 'idle'; }",
                timeout=90_000)
            page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
            news = page.locator(".jp-Notification-Toast button:has-text('No')")
            if news.count():  # the "Jupyter news" pop-up covers the page corner
                news.first.click()
            value = page.locator(".okr-value input").first
            value.wait_for(timeout=120_000)
            page.wait_for_selector(".jp-OutputArea-output svg", timeout=60_000)
            page.screenshot(path=str(ARTIFACTS / "weekly-checkin-before-save.png"),
                            full_page=True)
            value.click()
            value.fill("88.5")
            value.press("Enter")
            page.locator("button.okr-save").first.click()
            page.wait_for_selector(".okr-message:has-text('saved')", timeout=30_000)
            page.screenshot(path=str(ARTIFACTS / "weekly-checkin-after-save.png"),
                            full_page=True)
            svg_count = page.locator(".jp-OutputArea-output svg").count()
        finally:
            browser.close()
    with open_store(db) as store:
        after = store.checkins(period=SAMPLE_PERIOD, effective=False)
    assert len(after) == before + 1
    assert 88.5 in set(after["value"])
    assert svg_count >= 1
    external = [f for f in failed if not f.startswith(url)]
    assert not external, external
    assert not [e for e in errors if "net::ERR" in e or "Failed to load" in e], errors

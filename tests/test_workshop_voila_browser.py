"""Two participants vote from two browser contexts in the Voilà workshop, then the
facilitator reveals (issue 14, section 4): Debian chromium driven by Playwright.

``okrkit workshop`` serves the planning workshop on a private copy of the sample store;
each browser context is a participant's own laptop (its own Voilà kernel). Both vote,
each sees who voted (no numbers), the facilitator reveals and the other session shows
the votes through its periodic refresh. No request may fail, no console error may
appear; the screenshots are kept under ``test-artifacts/``.
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import jupyter_env, stop_group
from test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS

from okrkit.launch import free_port
from okrkit.store import open_store

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
PERIOD, TEAM = "2026-Q1", "chatbot"  # the notebook's defaults


@pytest.fixture
def voila(tmp_path: Path, sample_db: Path):
    db_path = tmp_path / "okr.db"
    shutil.copy(sample_db, db_path)
    db = f"sqlite:///{db_path}"
    env = jupyter_env(tmp_path, OKRKIT_DB=db)
    port, token = free_port(), secrets.token_hex(12)
    log_path = tmp_path / "voila.log"
    log = log_path.open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "okrkit.cli", "workshop", "--port", str(port), "--token", token],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/?token={token}"
    try:
        deadline = time.time() + 120
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}",
                                       timeout=5)
                break
            except urllib.error.HTTPError:
                break  # the server answers
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    log.flush()
                    pytest.fail("Voilà did not start:\n" + log_path.read_text()[-3000:])
                time.sleep(0.5)
        yield {"url": url, "db": db}
    finally:
        stop_group(proc)
        log.close()


class Laptop:
    """One participant's browser context on the Voilà app; failures and errors are kept."""

    def __init__(self, browser, url: str) -> None:
        self.failed: list[str] = []
        self.errors: list[str] = []
        self.context = browser.new_context(viewport={"width": 1300, "height": 900})
        self.page = self.context.new_page()
        self.page.on("requestfailed", lambda r: self.failed.append(f"{r.url} {r.failure}"))
        self.page.on("console", lambda m: self.errors.append(m.text)
                     if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.page.goto(url, timeout=180_000)
        self.page.wait_for_selector(".okr-vote", timeout=180_000)

    def vote(self, name: str, value: float) -> None:
        box = self.page.locator(".okr-participant input")
        box.fill(name)
        box.press("Tab")
        # the first objective's slider, by keyboard (0.05 a step from 0.50)
        handle = self.page.locator(".widget-slider .noUi-handle").first
        handle.focus()
        steps = round((value - 0.5) / 0.05)
        for _ in range(abs(steps)):
            handle.press("ArrowRight" if steps > 0 else "ArrowLeft")
        readout = self.page.locator(".widget-slider .widget-readout").first
        assert readout.inner_text().strip() == f"{value:.2f}"
        self.page.wait_for_timeout(500)
        self.page.locator(".okr-vote").click()
        self.page.wait_for_function(
            "n => document.querySelector('.okr-votes-panel').textContent.includes(n)",
            arg=name, timeout=60_000)

    def panel(self) -> str:
        return self.page.locator(".okr-votes-panel").inner_text()

    def shot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.locator(".okr-votes-panel").scroll_into_view_if_needed()
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def assert_clean(self) -> None:
        assert not self.failed, self.failed
        assert not self.errors, self.errors

    def close(self) -> None:
        self.context.close()


def test_two_participants_vote_and_the_facilitator_reveals(voila) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            ana = Laptop(browser, voila["url"])
            ben = Laptop(browser, voila["url"])
            ana.vote("Ana", 0.9)
            ben.vote("Ben", 0.3)
            ben_sees = ben.panel()
            assert "2 participants voted (Ana, Ben)" in ben_sees
            assert "0.90" not in ben_sees and "0.30" not in ben_sees  # no numbers yet
            # Ana's session learns of Ben's vote by its periodic refresh
            ana.page.wait_for_function(
                "() => document.querySelector('.okr-votes-panel').textContent"
                ".includes('2 participants')", timeout=60_000)
            ana.page.locator(".okr-reveal").click()  # Ana facilitates
            for laptop in (ana, ben):  # Ben's session follows by itself
                laptop.page.wait_for_selector(".okr-votes-panel table.okr-votes",
                                              timeout=60_000)
            heads = ben.page.locator(".okr-votes-panel table.okr-votes thead th").all_inner_texts()
            assert heads == ["objective", "Ana", "Ben", "mean", "spread"]
            first = ben.page.locator(".okr-votes-panel table.okr-votes tbody tr").first
            assert first.locator("td").all_inner_texts()[:4] == ["BOT-1", "0.90", "0.30", "0.60"]
            ana.shot("workshop_votes_facilitator")
            ben.shot("workshop_votes_participant")
            # the lifecycle panel: the facilitator submits the plan for review
            ana.page.locator(".okr-submit-review").click()
            ana.page.wait_for_selector(
                ".okr-lifecycle-panel .okr-state[data-state='in-review']", timeout=60_000)
            waiting = ana.page.locator(".okr-lifecycle-panel .okr-missing-roles").inner_text()
            assert waiting == ("Waiting for: Executive Sponsor, Product Lead, Engineering Lead, "
                               "Business Owner")
            ana.page.locator(".okr-lifecycle-panel").scroll_into_view_if_needed()
            ana.page.screenshot(path=str(ARTIFACTS / "workshop_lifecycle.png"))
            ana.assert_clean()
            ben.assert_clean()
            ana.close()
            ben.close()
        finally:
            browser.close()
    with open_store(voila["db"]) as store:
        votes = store.votes(PERIOD, TEAM)
        assert sorted(set(votes["participant"])) == ["Ana", "Ben"]
        assert store.vote_round(PERIOD, TEAM).revealed
        assert store.plan_state(PERIOD, TEAM).state == "in-review"

"""`okrkit workshop` serves the planning workshop as a Voilà app (loopback, token)."""

from __future__ import annotations

import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import jupyter_env, stop_group

from okrkit.launch import free_port, voila_command

pytestmark = [pytest.mark.notebook, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]


def test_voila_command_is_loopback_with_token(tmp_path: Path) -> None:
    cmd = voila_command(tmp_path / "x.ipynb", 8999, "tok")
    assert "--Voila.ip=127.0.0.1" in cmd and "--token=tok" in cmd and "--no-browser" in cmd


def test_workshop_serves_the_planning_workshop(tmp_path: Path, sample_url: str) -> None:
    env = jupyter_env(tmp_path, OKRKIT_DB=sample_url)
    port, token = free_port(), secrets.token_hex(12)
    log = (tmp_path / "voila.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "okrkit.cli", "workshop", "--port", str(port), "--token", token],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}/"
        deadline = time.time() + 120
        body = ""
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"{base}?token={token}", timeout=90) as resp:
                    assert resp.status == 200
                    body = resp.read().decode("utf-8", "replace")
                    break
            except (urllib.error.URLError, ConnectionError):
                if proc.poll() is not None:
                    break
                time.sleep(1)
        log.flush()
        assert body, (tmp_path / "voila.log").read_text()[-3000:]
        assert "application/vnd.jupyter.widget-view+json" in body
        assert "Traceback" not in body
        # okrkit's Voilà template: no stylesheet or script from a CDN
        assert "cdn.jsdelivr.net" not in body and "cdnjs.cloudflare.com" not in body
        # no token, no app (a login redirect or a refusal)
        try:
            with urllib.request.urlopen(base, timeout=30) as resp:
                assert "widget-view" not in resp.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as err:
            assert err.code in (401, 403)
    finally:
        stop_group(proc)
        log.close()

"""The pins and their checked copies: complete, in step, plain text, sanitised, offline.

The nbval run itself is the checked copies in this folder (collected by ``nbval_pins``);
these tests check what that run relies on, and that a changed number fails it with a
readable diff.
"""

from __future__ import annotations

import ast
import inspect
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbval.plugin import get_sanitize_patterns
from nbval_offline import MESSAGE, install, uninstall
from nbval_pins import (
    COPIES,
    TESTS,
    MARKER,
    META,
    PIN_TAG,
    ROOT,
    SANITIZE,
    committed_notebooks,
    copy_path,
    is_checked_copy,
    is_pinned,
    pinned_cells,
    target_of,
)

from okrkit import pins

NOTEBOOKS = committed_notebooks()
IDS = [p.stem for p in NOTEBOOKS]
#: What a reader relies on first, per notebook: a line of the checked copy matching it.
MUST_PIN = {
    "quarterly_report": r"^as of 2026-02-13: overall \d\.\d{3} (red|yellow|green)$",
    "monthly_review": r"^2026-Q1 as of 2026-02-13: overall \d\.\d{3} \w+; \d+ key results, "
                      r"\d+ at risk, \d+ stale$",
    "quarterly_retrospective": r"^VIS-1  team=vision  score=\d\.\d{3}  band=\w+",
    "weekly_checkin": r"^BOT-1\.1  value=\S+  target=90  score=\d\.\d{3}",
    "what_if": r"^what-if overall \d\.\d{3}$",
    "planning_workshop": r"^\d+ problems?, \d+ lint findings?$",
}


def copy_text(nb) -> dict[str, str]:
    """The expected stdout of each pinned cell of a checked copy, by cell id."""
    return {c["id"]: "".join(o.get("text", "") for o in c.outputs) for c in pinned_cells(nb)}


def test_every_notebook_has_a_checked_copy_and_no_copy_is_orphaned() -> None:
    assert {p.stem for p in NOTEBOOKS} >= set(MUST_PIN)
    missing = [p.name for p in NOTEBOOKS if not copy_path(p).exists()]
    assert not missing, f"no checked copy for {missing}: run tests/notebooks/refresh.py"
    for copy in COPIES.glob("*.ipynb"):
        assert is_checked_copy(copy), f"{copy.name}: not a checked copy (no {META} metadata)"
        assert target_of(nbformat.read(copy, 4), copy).exists(), f"{copy.name}: orphaned"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_pins_are_small_okrkit_calls(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    pinned = pinned_cells(nb)
    assert pinned, f"{path.name} pins nothing"
    # every checked cell is a pin and vice versa
    for cell in nb.cells:
        checked = any(line.strip() == MARKER for line in cell.source.splitlines())
        assert checked == is_pinned(cell), f"{cell.get('id')}: {MARKER} without tag {PIN_TAG}"
    for cell in pinned:
        assert cell.source.splitlines()[0] == MARKER and re.fullmatch(r"pin-[a-z0-9-]+",
                                                                      cell["id"])
        for node in ast.parse(cell.source).body:
            if isinstance(node, ast.ImportFrom):
                assert node.module == "okrkit" and [a.name for a in node.names] == ["pins"]
                continue
            # print(pins.<function>(...)): the numbers come from okrkit, not the notebook
            assert isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
            assert isinstance(node.value.func, ast.Name) and node.value.func.id == "print"
            (inner,) = node.value.args
            assert isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute)
            assert isinstance(inner.func.value, ast.Name) and inner.func.value.id == "pins"
            assert inspect.isfunction(getattr(pins, inner.func.attr, None)), inner.func.attr


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_checked_copy_is_in_step_and_plain_text(path: Path) -> None:
    copy = nbformat.read(copy_path(path), as_version=4)
    nbformat.validate(copy)
    mine = [(c["id"], c.source) for c in pinned_cells(nbformat.read(path, as_version=4))]
    theirs = [(c["id"], c.source) for c in pinned_cells(copy)]
    assert theirs == mine, f"{copy_path(path).name} is stale: run tests/notebooks/refresh.py"
    for cell in pinned_cells(copy):
        assert cell.execution_count is not None
        assert [(o.output_type, o.get("name")) for o in cell.outputs] == [("stream", "stdout")]
        assert cell.outputs[0].text.strip(), f"{cell['id']} printed nothing"
    lines = "\n".join(copy_text(copy).values()).splitlines()
    assert [x for x in lines if re.search(MUST_PIN[path.stem], x)], MUST_PIN[path.stem]


def test_sanitize_file_replaces_what_varies_and_keeps_every_pinned_number() -> None:
    patterns = get_sanitize_patterns(SANITIZE.read_text())
    assert len(patterns) >= 5

    def sanitize(s: str) -> str:
        for regex, replace in patterns:
            s = re.sub(regex, replace, s)
        return s

    varying = {
        '<div id="altair-viz-3f2a9c0d1e4b5a6f7c8d9e0f1a2b3c4d"></div>': "altair-viz-ID",
        '{"model_id": "0a1b2c3d4e5f60718293a4b5c6d7e8f9", "version_major": 2}': "MODEL-ID",
        "saved at 2026-12-01T08:43:45.123456+00:00": "saved at 2026-12-01 TIME",
        "saved at 2026-12-01 08:43:45": "saved at 2026-12-01 TIME",
        "store sqlite:////tmp/okrkit-nbval-kernel-x1y2/okr.db": "store TMP-PATH",
        "exported to /tmp/pytest-of-ci/pytest-3/x.yaml": "exported to TMP-PATH",
        "<okrkit.widgets.review.MonthlyReviewApp object at 0x7f3a2b1c>": "at 0xADDRESS",
    }
    for raw, token in varying.items():
        assert token in sanitize(raw) and sanitize(raw) != raw, raw
    assert sanitize("as of 2026-02-13: overall 0.461") == "as of 2026-02-13: overall 0.461"
    # the pins themselves hold nothing that varies: sanitising never hides one of them
    for path in NOTEBOOKS:
        for text in copy_text(nbformat.read(copy_path(path), as_version=4)).values():
            assert sanitize(text) == text


def test_offline_guard_refuses_the_network_but_not_loopback() -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    install()
    try:
        with pytest.raises(OSError, match=MESSAGE):
            socket.create_connection(("192.0.2.1", 80), timeout=1)
        with pytest.raises(OSError, match=MESSAGE):
            socket.getaddrinfo("cdn.jsdelivr.net", 443)
        with socket.create_connection(server.getsockname(), timeout=5):
            pass
    finally:
        uninstall()
        server.close()
    assert socket.socket.connect.__qualname__ == "socket.connect"  # restored


def test_report_pages_leave_the_pins_out() -> None:
    from htmltree import soup

    from okrkit.report import to_html

    shown = nbformat.v4.new_code_cell("print('x')", outputs=[
        nbformat.v4.new_output("stream", name="stdout", text="the report's own text\n")])
    pin = nbformat.v4.new_code_cell(f"{MARKER}\nprint(pins.report(report))",
                                    metadata={"tags": [PIN_TAG]}, outputs=[
        nbformat.v4.new_output("stream", name="stdout", text="overall 0.461 yellow\n")])
    page = soup(to_html(nbformat.v4.new_notebook(cells=[shown, pin]), "t"))
    texts = [pre.get_text() for pre in page.find_all("pre")]
    assert texts == ["the report's own text\n"]


@pytest.mark.notebook
def test_a_changed_number_fails_with_a_readable_diff(tmp_path: Path) -> None:
    source = copy_path(ROOT / "notebooks" / "planning_workshop.ipynb")
    copy = nbformat.read(source, as_version=4)
    cell = next(c for c in pinned_cells(copy) if "  BOT-1.1: " in c.outputs[0].text)
    line = next(x for x in cell.outputs[0].text.splitlines() if x.startswith("  BOT-1.1: "))
    moved = re.sub(r"-> \S+", "-> 95", line)
    assert moved != line
    cell.outputs[0].text = cell.outputs[0].text.replace(line, moved)
    nbformat.write(copy, tmp_path / source.name)
    env = dict(os.environ, PYTHONPATH=str(TESTS))
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "nbval_pins", "-p", "no:cacheprovider",
         "--color=no", "-q", "--rootdir", str(tmp_path), source.name],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 1, run.stdout[-3000:]
    # the failure report (the summary repeats it in full under CI=true)
    out, _, summary = run.stdout.partition("short test summary info")
    assert re.search(r"^FAILED .*planning_workshop\.ipynb::Cell \d", summary, re.M), summary
    diff = [x for x in out.splitlines() if x.startswith(("-  BOT-1.1", "+  BOT-1.1"))]
    assert diff == [f"-{moved}", f"+{line}"], out[-3000:]
    assert f"pinned output 'stdout' of cell '{cell['id']}' changed" in out
    assert "tests/notebooks/refresh.py" in out


@pytest.mark.notebook
@pytest.mark.slow
def test_voila_workshop_hides_the_pins(tmp_path: Path, sample_url: str) -> None:
    import secrets
    import time
    import urllib.error
    import urllib.request

    from conftest import jupyter_env, stop_group
    from htmltree import soup

    from okrkit.launch import free_port, voila_command, voila_env

    port, token = free_port(), secrets.token_hex(12)
    env = voila_env(jupyter_env(tmp_path, OKRKIT_DB=sample_url))
    log = (tmp_path / "voila.log").open("w")
    proc = subprocess.Popen(voila_command(ROOT / "notebooks" / "planning_workshop.ipynb", port,
                                          token),
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        body, deadline = "", time.time() + 180
        while not body and time.time() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/?token={token}",
                                            timeout=120) as resp:
                    body = resp.read().decode("utf-8", "replace")
            except (urllib.error.URLError, ConnectionError):
                time.sleep(1)
    finally:
        stop_group(proc)
        log.close()
    assert body, (tmp_path / "voila.log").read_text()[-3000:]
    page = soup(body)
    hidden = page.select(".celltag_pin")
    assert hidden and any("lint finding" in h.get_text() for h in hidden)
    styles = " ".join(s.get_text() for s in page.find_all("style"))
    assert re.search(r"\.celltag_pin\s*\{\s*display:\s*none;?\s*\}", styles)

"""Reports leaders can forward: HTML reports printed to PDF by headless chromium, offline.

The same Debian chromium the browser tests use is driven through Playwright
(``$OKRKIT_CHROMIUM``, default ``/usr/bin/chromium``; Playwright never downloads a browser
here). The report is loaded as inline content and every request it would make is aborted
before it leaves the machine and listed in the result (``data:`` URLs need none), so a PDF
never depends on the network. Charts are inline SVG and print as vectors; the report's print stylesheet
(``@media print``) puts page breaks between objectives. Pages are A4 or Letter.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from okrkit.errors import MissingDependencyError, ReportError

CHROMIUM_ARGS = ("--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync",
                 "--disable-dev-shm-usage")
PAPERS = ("A4", "Letter")


def chromium_path() -> str:
    """The chromium executable: ``$OKRKIT_CHROMIUM``, else Debian's ``/usr/bin/chromium``."""
    return os.environ.get("OKRKIT_CHROMIUM", "").strip() or "/usr/bin/chromium"


@dataclass
class Printed:
    """What printing did: the PDFs written and every request that was refused."""

    pdfs: list[Path] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)


def print_pdfs(pages: Iterable[tuple[Path, Path]], *, paper: str = "A4",
               timeout_s: float = 60.0) -> Printed:
    """Print each ``(html, pdf)`` pair; one browser for all of them.

    Each PDF is written to a temporary file in its folder and renamed, so a reader never
    sees half a PDF and a failure leaves the previous one in place.
    """
    if paper not in PAPERS:
        raise ReportError(f"paper '{paper}' is not one of {', '.join(PAPERS)}")
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as err:
        raise MissingDependencyError("playwright", "pdf") from err
    exe = chromium_path()
    if not Path(exe).is_file():
        raise ReportError(f"no chromium at {exe}: install Debian's chromium (apt-get install "
                          "chromium) or set $OKRKIT_CHROMIUM")
    out = Printed()
    jobs = [(Path(h).resolve(), Path(p)) for h, p in pages]
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=exe, args=list(CHROMIUM_ARGS))
            try:
                context = browser.new_context(java_script_enabled=False,
                                              service_workers="block")
                for html, pdf in jobs:

                    def guard(route):
                        out.blocked.append(route.request.url)
                        route.abort()

                    try:
                        text = html.read_text(encoding="utf-8")
                    except (OSError, UnicodeDecodeError) as err:
                        raise ReportError(f"cannot read the report {html}: {err}") from err
                    page = context.new_page()
                    page.route("**/*", guard)  # the page is inline: any request is refused
                    page.set_content(text, wait_until="load", timeout=timeout_s * 1000)
                    page.emulate_media(media="print")
                    data = page.pdf(format=paper, print_background=True,
                                    prefer_css_page_size=False,
                                    margin={"top": "14mm", "bottom": "14mm",
                                            "left": "12mm", "right": "12mm"})
                    page.close()
                    _write(pdf, data)
                    out.pdfs.append(pdf)
            finally:
                browser.close()
    except PlaywrightError as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ReportError(f"printing the PDF failed: {first}") from err
    return out


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

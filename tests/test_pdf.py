"""Reports as PDF: chromium prints offline, one page per objective, text extractable."""

from __future__ import annotations

from pathlib import Path

import pytest

from okrkit.pdf import print_pdfs

pytestmark = [pytest.mark.browser]

HTML = """<!doctype html><html><head><meta charset="utf-8"><title>r</title>
<style>@media print { section.obj { break-before: page } section.obj:first-of-type
{ break-before: auto } }</style></head><body>
<h1>Team vision — OKR report 2025-Q4</h1>
{sections}
<img src="https://cdn.example.com/tracker.png" alt="">
</body></html>"""


def test_pdf_pages_text_and_no_network(tmp_path: Path) -> None:
    from pypdf import PdfReader

    titles = ["Launch computer vision defect detection", "Build the labelled image foundation",
              "Prove the business value"]
    sections = "".join(
        f'<section class="obj"><h2>{t}</h2><p>score 0.7{i}</p><svg width="200" height="20">'
        f'<rect width="150" height="20" fill="green"/></svg></section>'
        for i, t in enumerate(titles))
    html = tmp_path / "vision.html"
    html.write_text(HTML.replace("{sections}", sections), encoding="utf-8")
    done = print_pdfs([(html, tmp_path / "pdf" / "vision.pdf")], paper="A4")
    pdf = tmp_path / "pdf" / "vision.pdf"
    assert done.pdfs == [pdf] and pdf.read_bytes().startswith(b"%PDF")
    assert done.blocked == ["https://cdn.example.com/tracker.png"]  # refused, never fetched
    reader = PdfReader(pdf)
    assert len(reader.pages) == len(titles)
    text = [p.extract_text() for p in reader.pages]
    for page, (i, title) in zip(text, enumerate(titles), strict=True):
        assert title in page and f"0.7{i}" in page
    width_pt = float(reader.pages[0].mediabox.width)
    assert width_pt == pytest.approx(595, abs=2)  # A4 portrait
    assert not list(tmp_path.glob("pdf/.*.tmp"))


def test_letter_paper(tmp_path: Path) -> None:
    from pypdf import PdfReader

    html = tmp_path / "r.html"
    html.write_text("<p>hello</p>", encoding="utf-8")
    print_pdfs([(html, tmp_path / "r.pdf")], paper="Letter")
    assert float(PdfReader(tmp_path / "r.pdf").pages[0].mediabox.width) == pytest.approx(612, abs=2)

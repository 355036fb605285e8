"""Reports as PDF (issue 15): okrkit report --pdf prints each report offline, one page per
objective in a team report, titles and scores as text, charts as vectors."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from okrkit.cli import app
from okrkit.report import print_reports, render_reports
from okrkit.reportdata import gather
from okrkit.sample import SAMPLE_AS_OF

pytestmark = [pytest.mark.notebook, pytest.mark.browser]


@pytest.fixture(scope="module")
def printed(sample_db: Path, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("pdf")
    url = f"sqlite:///{sample_db}"
    run = render_reports("2026-Q1", ["vision", None], out, db=url, as_of=SAMPLE_AS_OF,
                         jobs=1, progress=False)
    assert not run.failed, [r.error for r in run.failed]
    return url, out, run, print_reports(run, paper="A4")


def test_one_pdf_per_report_and_nothing_fetched(printed) -> None:
    _, out, _run, done = printed
    assert sorted(p.name for p in done.pdfs) == ["2026-Q1-company.pdf", "2026-Q1-vision.pdf"]
    assert done.blocked == []  # the report asked for nothing: no request at all
    for pdf in done.pdfs:
        assert pdf.parent == out and pdf.read_bytes().startswith(b"%PDF")


def test_a_team_pdf_has_one_page_per_objective_with_titles_and_scores(printed) -> None:
    from pypdf import PdfReader

    url, out, _, _ = printed
    data = gather("2026-Q1", "vision", url, SAMPLE_AS_OF)
    reader = PdfReader(out / "2026-Q1-vision.pdf")
    assert len(reader.pages) == len(data.objectives) == 3
    assert float(reader.pages[0].mediabox.width) == pytest.approx(595, abs=2)  # A4
    pages = [p.extract_text() for p in reader.pages]
    assert "Team vision — OKR report 2026-Q1" in pages[0]  # page 1: the header ...
    assert f"{data.overall:.2f}" in pages[0] and "overall score" in pages[0]
    for text, o in zip(pages, data.objectives.to_dict("records"), strict=True):
        assert o["objective_id"] in text and o["title"][:40] in text  # ... one objective each
        assert f"{o['score']:.2f}" in text
        for k in data.key_results[data.key_results["objective_id"] == o["objective_id"]][
                "kr_id"]:
            assert k in text
        assert "score (0–1)" in text  # the chart's axis is text in the PDF: a vector chart
    assert "Team vision — OKR report" not in pages[1]  # the header is on page 1 only
    # the charts are vectors: no image at all on any page
    for page in reader.pages:
        xobjects = page["/Resources"].get("/XObject") or {}
        images = [x for x in xobjects.values() if x.get_object().get("/Subtype") == "/Image"]
        assert images == []


def test_cli_pdf_on_letter_paper(sample_db: Path, tmp_path: Path) -> None:
    from pypdf import PdfReader

    res = CliRunner().invoke(app, ["report", "--period", "2025-Q4", "--team", "vision",
                                   "--out", str(tmp_path), "--db", f"sqlite:///{sample_db}",
                                   "--pdf", "--paper", "Letter", "--no-progress"])
    assert res.exit_code == 0, res.output
    assert "1 PDF (Letter) printed offline: 2025-Q4-vision.pdf" in res.stdout
    reader = PdfReader(tmp_path / "2025-Q4-vision.pdf")
    assert float(reader.pages[0].mediabox.width) == pytest.approx(612, abs=2)
    text = "".join(p.extract_text() for p in reader.pages)
    assert "Achieved" in text and "pace" not in text  # a closed quarter: outcomes only
    bad = CliRunner().invoke(app, ["report", "--period", "2025-Q4", "--pdf", "--paper", "A3",
                                   "--db", f"sqlite:///{sample_db}"])
    assert bad.exit_code == 2 and "--paper 'A3'" in bad.stderr

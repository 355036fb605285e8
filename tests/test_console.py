"""The terminal scorecard (okrkit.console): open periods pace, closed ones have outcomes."""

from __future__ import annotations

import io

from rich.console import Console

from okrkit.console import print_scorecard
from okrkit.scoring import score


def _printed(card) -> str:
    buf = io.StringIO()
    print_scorecard(card, Console(file=buf, width=200, color_system=None))
    return buf.getvalue()


def _header(text: str) -> list[str]:
    line = next(x for x in text.splitlines() if "id" in x and "title" in x)
    return [c.strip() for c in line.strip("┃│ ").split("┃")]


def test_closed_period_prints_outcomes_and_no_pace(sample_store) -> None:
    plan = sample_store.load_plan("2025-Q4")
    card = score(plan, sample_store.checkins(period="2025-Q4"))
    assert card.closed
    text = _printed(card)
    assert _header(text) == ["id", "title", "team", "value", "progress", "score", "outcome"]
    assert "final (the period ended 2025-12-31)" in text.splitlines()[0]
    icons = {"Achieved": "✅", "Partially Achieved": "🟡", "Missed": "❌"}
    for kr_id, status in zip(card.key_results["kr_id"], card.key_results["status"],
                             strict=True):
        line = next(x for x in text.splitlines() if f" {kr_id} " in x)
        assert f"{icons[status]} {status}" in line
    assert "At Risk" not in text and "In Progress" not in text and "expected" not in text


def test_open_period_prints_expected_pace_and_status(sample_store) -> None:
    plan = sample_store.load_plan("2026-Q1")
    card = score(plan, sample_store.checkins(period="2026-Q1"), "2026-02-13")
    text = _printed(card)
    assert _header(text) == ["id", "title", "team", "value", "progress", "score", "expected",
                             "pace", "status"]
    assert "as of 2026-02-13" in text.splitlines()[0] and "At Risk" in text
    assert "✅" not in text

"""Terminal rendering of scorecards and lint findings (rich, as typer ships it).

Text from plans (ids, titles, messages quoting them) is printed with rich markup escaped
and control, zero-width and bidi characters shown as escapes (:func:`okrkit.values.visible`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from okrkit.hierarchy import depths
from okrkit.values import visible

_BAND_STYLE = {"green": "bold green", "yellow": "bold yellow", "red": "bold red"}


def _text(v: Any) -> str:
    """Text for the terminal: rich markup escaped, control and bidi characters shown."""
    return escape(visible(str(v)))


def _num(v: Any, fmt: str = "{:.2f}") -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    return fmt.format(v)


def _band(band: Any, text: str) -> str:
    style = _BAND_STYLE.get(str(band))
    return f"[{style}]{text}[/]" if style else text


def print_scorecard(card: Any, console: Console | None = None) -> None:
    """Print objectives (indented by hierarchy) with their key results beneath.

    An open period shows expected progress, pace and status. A closed one shows final
    outcomes only (``✅ Achieved`` / ``🟡 Partially Achieved`` / ``❌ Missed`` by band, as
    in the framework document's completed sample) and no expected or pace column.
    """
    from okrkit.htmlkit import status_text
    from okrkit.insights import status_line

    console = console or Console(width=140)
    objectives = card.objectives
    krs = card.key_results
    closed = bool(card.closed)
    state = (f"final (the period ended {card.period.end.isoformat()})" if closed
             else f"as of {card.as_of.isoformat()}")
    console.print(
        f"[bold]Scorecard {_text(card.period.label)}[/] {state} — "
        f"overall {_band(_band_of(card), _num(card.overall))} · "
        f"{_text(status_line(krs['status']) or 'no key results')}"
    )
    table = Table(show_lines=False, header_style="bold", expand=False)
    columns = [("id", "left"), ("title", "left"), ("team", "left"), ("value", "right"),
               ("progress", "right"), ("score", "right")]
    columns += [("outcome", "left")] if closed else [
        ("expected", "right"), ("pace", "right"), ("status", "left")]
    for col, just in columns:
        table.add_column(col, justify=just)  # type: ignore[arg-type]

    def tail(rec: dict[str, Any], stale: bool = False) -> list[str]:
        status = _text(status_text(rec["status"])) + (" (stale)" if stale else "")
        if closed:
            return [status]
        return [_num(rec["expected"]), _num(rec["pace"], "{:+.2f}"), status]

    depth = _depths(objectives)
    by_obj = {oid: g for oid, g in krs.groupby("objective_id", sort=False)}
    for o in objectives.to_dict("records"):
        indent = "  " * depth.get(o["objective_id"], 0)
        score_txt = _num(o["score"])
        if o.get("score_override") is not None and not _nan(o.get("score_override")):
            score_txt += f" → {_num(o['final_score'])}*"
        table.add_row(
            f"[bold]{indent}{_text(o['objective_id'])}[/]",
            f"[bold]{_text(o['title'])}[/]",
            _text(o["team"] or ""),
            "",
            "",
            _band(o["band"], score_txt),
            *tail(o),
        )
        group = by_obj.get(o["objective_id"])
        if group is None:
            continue
        for k in group.to_dict("records"):
            table.add_row(
                f"{indent}  {_text(k['kr_id'])}",
                _text(k["title"]),
                "",
                _num(k["value"], "{:g}"),
                _num(k["progress"]),
                _band(k["band"], _num(k["score"])),
                *tail(k, bool(k.get("stale"))),
            )
    console.print(table)
    if objectives["score_override"].notna().any():
        console.print("* score override from the retrospective; the computed score is kept"
                      + ("; the outcome follows the final score." if closed else "."))


def _nan(v: Any) -> bool:
    return isinstance(v, float) and math.isnan(v)


def _band_of(card: Any) -> str:
    from okrkit.scoring import band

    return band(card.overall, card.policy) if not _nan(card.overall) else ""


def _depths(objectives: Any) -> dict[str, int]:
    return depths(dict(zip(objectives["objective_id"], objectives["parent_id"], strict=True)))


def print_findings(
    findings: Sequence[Any], source: str | None = None, console: Console | None = None
) -> None:
    """Print lint findings, errors first, one line each."""
    console = console or Console(width=140)
    if not findings:
        console.print(f"[green]{_text(source or 'plan')}: no findings[/]")
        return
    order = {"error": 0, "warning": 1}
    for f in sorted(findings, key=lambda f: order.get(f.severity, 2)):
        where = f.where()
        style = "red" if f.severity == "error" else "yellow"
        console.print(
            f"[{style}]{f.severity}[/] {_text('[' + f.code + ']')} {_text(where)}: "
            f"{_text(f.message)}"
        )
    n_err = sum(f.severity == "error" for f in findings)
    console.print(f"{len(findings)} findings ({n_err} errors, {len(findings) - n_err} warnings)")

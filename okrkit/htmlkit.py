"""Small HTML helpers shared by the reports and the apps: text, numbers, badges, tables.

One home for turning okrkit's frames into HTML fragments:

* :func:`esc` — every piece of text people typed (titles, owners, notes, blockers) is
  escaped here, so ``<script>`` stays text in a report or an app;
* :func:`num`, :func:`amount` — numbers for display (a missing number is ``—``);
* :func:`badge`, :func:`status_html` — a score in its band's colour, a status;
  :func:`status_text` — a status or a closed period's outcome as people read it
  (``✅ Achieved``, ``🟡 Partially Achieved``, ``❌ Missed``: the framework document's
  completed sample), shared with the terminal;
* :func:`table_html` — a table of a frame (escaped cells, optional markup columns);
* :func:`problems_html` — a list of problems;
* :func:`calibration_html` — the calibration verdict with the scoring guide's words
  (:meth:`okrkit.scoring.ScoringPolicy.guide`);
* :func:`alignment_tree_html` — company → business unit → project, with scores when the
  objectives are scored;
* :func:`chart_html` — a chart as inline SVG, or a short note when it cannot be drawn.

Two skins: ``inline=True`` (the apps: no stylesheet, so the styles are inline) and
``inline=False`` (the reports: classes styled by the report's stylesheet). Nothing here
imports ipywidgets, and nothing reads a clock or makes a random id, so a report rendered
in a batch equals the same report rendered alone.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any

import pandas as pd

from okrkit.errors import Problem
from okrkit.frames import LEVELS, OUTCOME_ICONS, is_blank
from okrkit.scoring import Calibration, ScoringPolicy, band

DASH = "—"
BAND_COLOURS = {"red": "#ffcdd2", "yellow": "#fff9c4", "green": "#c8e6c9"}
VERDICT_COLOURS = {"ideal": "#1b5e20", "concerning": "#b71c1c", "too easy": "#e65100"}
#: Columns whose text may wrap (ids, dates and numbers never wrap mid-token).
WRAPPING = ("title", "why", "reason", "note", "blockers", "achievements")
_CELL = "padding:2px 6px"
#: A text column (titles, reasons, notes) wraps only at a readable width.
TEXT_CELL = "min-width:14em;max-width:40em"


def esc(value: Any, missing: str = "") -> str:
    """``value`` as escaped HTML text; ``None``/NaN become ``missing`` (not escaped)."""
    if value is None or value is pd.NaT or value is pd.NA or (
            isinstance(value, float) and math.isnan(value)):
        return missing
    return html.escape(str(value), quote=True)


def _float(value: Any) -> float | None:
    if value is None or isinstance(value, str | bool):
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def num(value: Any, digits: int = 2, *, signed: bool = False) -> str:
    """A number rounded for display (plain text): ``0.73``, ``+0.05``; missing: ``—``.

    >>> num(0.7333), num(-0.049, signed=True), num(None), num(float("nan"))
    ('0.73', '-0.05', '—', '—')
    """
    f = _float(value)
    if f is None:
        return DASH if is_blank(value) else str(value)
    return f"{f:+.{digits}f}" if signed else f"{f:.{digits}f}"


def amount(value: Any) -> str:
    """A measured value as people write it: ``7,600``, ``86.5``, ``0.1235``; missing ``—``.

    >>> amount(7600.0), amount(86.5), amount(0.123456), amount(None)
    ('7,600', '86.5', '0.1235', '—')
    """
    f = _float(value)
    if f is None:
        return DASH
    if f.is_integer():
        return f"{f:,.0f}"
    return f"{f:,.4f}".rstrip("0").rstrip(".")


def badge(value: Any, band_name: Any = None, policy: ScoringPolicy | None = None) -> str:
    """A score in its band's colour: ``band_name`` if given, else the band under ``policy``."""
    f = _float(value)
    b = band_name if isinstance(band_name, str) else (band(f, policy) if f is not None else None)
    return f'<span class="badge {b or "none"}">{num(value)}</span>'


def status_text(status: Any) -> str:
    """A status as plain text; a closed period's outcome carries its icon.

    >>> status_text("Achieved"), status_text("Missed"), status_text("At Risk"), status_text(None)
    ('✅ Achieved', '❌ Missed', 'At Risk', '—')
    """
    if not isinstance(status, str) or not status:
        return DASH
    icon = OUTCOME_ICONS.get(status)
    return f"{icon} {status}" if icon else status


_ICON = ('<span class="okr-icon" role="img" aria-label="{emoji}" title="{title}" '
         'style="display:inline-block;{style}">{glyph}</span>')
_ICON_LOOK = {  # emoji -> (style, glyph): drawn with CSS and DejaVu Sans glyphs
    "✅": ("min-width:1.15em;line-height:1.15em;text-align:center;border-radius:.2em;"
          "background:#1a7f37;color:#fff;font-weight:700", "✔"),
    "🟡": ("width:.9em;height:.9em;border-radius:50%;background:#e6b000;"
          "vertical-align:-.1em", ""),
    "❌": ("min-width:1.15em;text-align:center;color:#cf222e;font-weight:700", "✖"),
}


def icon_html(emoji: str, title: str | None = None) -> str:
    """✅, 🟡 or ❌ drawn without an emoji font (a projector's or a print server's Linux
    often has none: the emoji would show as empty boxes); the emoji stays its accessible
    label. Any other text is escaped as it is."""
    look = _ICON_LOOK.get(emoji)
    if look is None:
        return esc(emoji)
    return _ICON.format(emoji=emoji, title=esc(title or emoji), style=look[0], glyph=look[1])


def text_html(text: Any, missing: str = "") -> str:
    """:func:`esc`, with ✅ / 🟡 / ❌ drawn by :func:`icon_html` (messages such as lint's
    quote the framework document's icons)."""
    out = esc(text, missing)
    for emoji in _ICON_LOOK:
        out = out.replace(emoji, icon_html(emoji))
    return out


#: A closed period's outcome icons in HTML: a green square with a white check, an amber
#: disc, a red cross — the framework document's ✅ / 🟡 / ❌ (:func:`icon_html`).
OUTCOME_ICON_HTML = {name: icon_html(emoji, f"{emoji} {name}")
                     for name, emoji in OUTCOME_ICONS.items()}


def status_html(status: Any) -> str:
    """A status (``At Risk`` in red, ``Complete`` in green with the report stylesheet); an
    outcome with its icon (:data:`OUTCOME_ICON_HTML`, the HTML form of :func:`status_text`)."""
    cls = str(status).lower().replace(" ", "-") if isinstance(status, str) else "none"
    icon = OUTCOME_ICON_HTML.get(status) if isinstance(status, str) else None
    text = f"{icon} {esc(status)}" if icon else esc(status_text(status))
    return f'<span class="status-{esc(cls)}">{text}</span>'


def _default_cell(v: Any) -> str:
    if v is None or v is pd.NaT:
        return ""
    if isinstance(v, bool):
        return "yes" if v else ""
    if isinstance(v, float):
        return "" if math.isnan(v) else f"{v:.2f}"
    return str(v)


def table_html(
    frame: pd.DataFrame,
    columns: Mapping[str, str] | None = None,
    *,
    formats: Mapping[str, Callable[[Any], str]] | None = None,
    markup: Collection[str] = (),
    numeric: Collection[str] = (),
    band_column: str | None = None,
    empty: str = "nothing to show",
    css_class: str = "okr-table",
    inline: bool = True,
) -> str:
    """An HTML table of ``frame``.

    Parameters
    ----------
    frame
        The rows.
    columns
        Column -> header (selects and orders the columns); default every column.
    formats
        Column -> function giving the cell's plain text (escaped here).
    markup
        Columns whose values are HTML already (badges, statuses) and are not escaped: only
        for values built by these helpers, never for text people typed.
    numeric
        Columns aligned as numbers (class ``num``).
    band_column
        Colour each row by its band (apps).
    empty
        The note shown instead of an empty table.
    css_class
        The table's class.
    inline
        Inline styles (apps, no stylesheet) or classes only (reports).
    """
    cols = dict(columns) if columns else {c: c for c in frame.columns}
    if frame.empty:
        return f'<p class="{css_class}-empty muted"><i>{esc(empty)}</i></p>'
    fmts = formats or {}
    th = f' style="text-align:left;{_CELL}"' if inline else ""
    head = "".join(f"<th{th}>{esc(h)}</th>" for h in cols.values())
    body = []
    for rec in frame.to_dict("records"):
        style = ""
        if inline and band_column and rec.get(band_column) in BAND_COLOURS:
            style = f' style="background:{BAND_COLOURS[rec[band_column]]}"'
        cells = []
        for c in cols:
            v = rec.get(c)
            if c in markup:
                text = "" if v is None else str(v)
            else:
                text = esc(fmts[c](v) if c in fmts else _default_cell(v))
            kind = "num" if c in numeric else ("text" if c in WRAPPING else "")
            attrs = f' class="{kind}"' if kind else ""
            if inline:  # text wraps, but never a word per line; ids and numbers never wrap
                wrap = f";{TEXT_CELL}" if c in WRAPPING else ";white-space:nowrap"
                attrs += f' style="{_CELL}{wrap}"'
            cells.append(f"<td{attrs}>{text}</td>")
        body.append(f"<tr{style}>{''.join(cells)}</tr>")
    table_style = ' style="border-collapse:collapse"' if inline else ""
    return (f'<table class="{css_class}"{table_style}><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table>")


def problems_html(problems: Iterable[Problem | str], *, title: str | None = None) -> str:
    """An escaped list of problems (``""`` when there are none)."""
    items = [f"<li>{text_html(str(p))}</li>" for p in problems]
    if not items:
        return ""
    head = f"<b>{esc(title)}</b>" if title else ""
    return f'{head}<ul class="okr-problems" style="margin:2px 0 2px 18px">{"".join(items)}</ul>'


def calibration_html(
    cal: Calibration,
    policy: ScoringPolicy | None = None,
    *,
    titles: Mapping[Any, Any] | None = None,
    groups: pd.DataFrame | None = None,
    inline: bool = True,
) -> str:
    """The calibration verdict in the scoring guide's words, then the details.

    The verdict is ``cal.label``: final once the period is closed, a projection from the
    forecast before, or no verdict yet (:meth:`okrkit.scoring.Scorecard.calibration`).
    The guide is the policy's (:meth:`ScoringPolicy.guide` and
    :meth:`ScoringPolicy.guide_line`, from the scoring guide of
    ``docs/seeds/okrs-framework-for-ai-projects.md``). With ``groups`` (a
    ``Scorecard.calibration`` frame) a table per group follows; without, the committed
    OKRs below 1.0 are listed (``titles``: objective id -> title): missed once the period
    is closed, at risk before.
    """
    p = policy or ScoringPolicy()
    colour = VERDICT_COLOURS.get(cal.verdict, "#263238")
    what = {"final": "Mean objective score", "projected": "Mean expected final score"}.get(
        cal.basis, "Mean objective score so far")
    guide = p.guide().get(cal.verdict) if cal.basis != "in progress" else None
    n = cal.n
    out = (f'<p class="okr-calibration">{what} <b>{esc(num(cal.mean))}</b> over {n} '
           f'objective{"s" * (n != 1)}: <b class="verdict" style="color:{colour}">'
           f"{esc(cal.label)}</b>{f' <small>({esc(guide)})</small>' if guide else ''}</p>"
           f'<p class="meta">Scoring guide: {esc(p.guide_line())}; committed OKRs are '
           "expected at 1.0.</p>")
    if groups is not None:
        view = groups.assign(
            mean=[badge(m, policy=p) for m in groups["mean"]],
            misses=[m or DASH for m in (groups["committed_misses"] if cal.basis == "final"
                                        else groups["committed_at_risk"])])
        below = "committed below 1.0" + ("" if cal.basis == "final" else " so far")
        return out + table_html(
            view, {"group": "team", "n": "objectives", "mean": "mean score",
                   "label": "verdict", "misses": below},
            markup={"mean"}, numeric={"n"}, formats={"n": str}, empty="no scores",
            inline=inline)
    final = cal.basis == "final"
    below_ids = cal.committed_misses if final else cal.committed_at_risk
    if not below_ids:
        return out + ("<p>No committed OKR missed 1.0.</p>" if final
                      else "<p>No committed OKR is below 1.0 so far.</p>")
    names = titles or {}
    items = "".join(f"<li><code>{esc(o)}</code> {esc(names.get(o))}</li>" for o in below_ids)
    head = ("<b>Committed OKRs that missed 1.0</b> (committed means 100% is expected: say "
            "what got in the way):" if final else
            "<b>Committed OKRs below 1.0 so far</b> (committed means 100% is expected by "
            "the end):")
    return out + f"<p>{head}</p><ul>{items}</ul>"


_LEVEL_ORDER = {lvl: i for i, lvl in enumerate(LEVELS)}


def alignment_tree_html(objectives: pd.DataFrame, *, highlight_team: str | None = None,
                        policy: ScoringPolicy | None = None) -> str:
    """The objectives as a nested list: company → business unit → project, escaped.

    Children follow the level order, then plan order. An objective whose parent is not in
    the frame is a root, marked "parent … unknown"; one only reachable through a parent
    cycle is listed at the top level, and the cycle is cut. The highlighted team's
    objectives are bold. A scored frame (``Scorecard.objectives``) shows each objective's
    score badge and status.
    """
    if objectives.empty:
        return '<p class="muted"><i>no objectives in this period yet</i></p>'
    scored = "score" in objectives.columns
    recs = [{str(k): v for k, v in r.items()} for r in objectives.to_dict("records")
            if not is_blank(r["objective_id"])]
    ids = {r["objective_id"] for r in recs}
    children: dict[Any, list[dict[str, Any]]] = {}
    for r in recs:
        children.setdefault(r["parent_id"] if r["parent_id"] in ids else None, []).append(r)
    for lst in children.values():
        lst.sort(key=lambda r: _LEVEL_ORDER.get(r["level"], len(LEVELS)))

    def label(r: dict[str, Any]) -> str:
        text = (f"<code>{esc(r['objective_id'])}</code> {esc(r['title'])} "
                f'<small class="muted">({esc(r["level"])} · {esc(r["team"])} · '
                f"{esc(r['kind'])})</small>")
        if highlight_team is not None and r["team"] == highlight_team:
            text = f'<b class="okr-own">{text}</b>'
        if scored:
            text = f"{badge(r['score'], r.get('band'), policy)} {text} {status_html(r['status'])}"
        if not is_blank(r["parent_id"]) and r["parent_id"] not in ids:
            text += (f' <small class="okr-unknown" style="color:#b71c1c">parent '
                     f"{esc(r['parent_id'])} unknown</small>")
        return text

    reached: set[Any] = set()

    def item(r: dict[str, Any], path: frozenset[Any]) -> str:
        oid = r["objective_id"]
        reached.add(oid)
        if oid in path:  # a parent cycle: stop here
            return f"<li>{label(r)} <small>(cycle)</small></li>"
        inner = "".join(item(k, path | {oid}) for k in children.get(oid, []))
        nested = f'<ul class="okr-tree">{inner}</ul>' if inner else ""
        return f"<li>{label(r)}{nested}</li>"

    body = "".join(item(r, frozenset()) for r in children.get(None, []))
    for r in recs:  # objectives only reachable through a cycle have no root: list them too
        if r["objective_id"] not in reached:
            body += item(r, frozenset())
    return f'<ul class="okr-tree" style="margin:2px 0 2px 18px">{body}</ul>'


def chart_html(build: Callable[[Any], Any]) -> str:
    """SVG HTML of the chart ``build(charts_module)`` returns, or an escaped note.

    In the apps charts are decoration: a missing dependency or a chart error never breaks
    an app; the note (class ``okr-chart-error``) says what went wrong.
    """
    try:
        from okrkit import charts
    except Exception as err:  # the charts module or altair is not available
        return f'<p class="okr-chart-error"><i>charts unavailable: {esc(err)}</i></p>'
    try:
        return str(charts.svg_html(build(charts)))
    except Exception as err:
        return (f'<p class="okr-chart-error"><i>chart could not be drawn: '
                f"{esc(type(err).__name__)}: {esc(err)}</i></p>")

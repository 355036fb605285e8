"""Helpers shared by the notebook apps: messages, store, period/team choices, tables.

Everything that shows text a user typed goes through :func:`html.escape` here; charts are
rendered as SVG (``okrkit.charts.svg_html``), never with Altair's CDN renderer.
"""

from __future__ import annotations

import datetime as dt
import html
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import ipywidgets as widgets
import pandas as pd

from okrkit.errors import OKRKitError, Problem
from okrkit.period import Period, as_date

OK_STYLE = "color:#1b5e20;background:#e8f5e9;border:1px solid #a5d6a7"
ERROR_STYLE = "color:#b71c1c;background:#ffebee;border:1px solid #ef9a9a"
INFO_STYLE = "color:#263238;background:#eceff1;border:1px solid #cfd8dc"
BAND_COLOURS = {"red": "#ffcdd2", "yellow": "#fff9c4", "green": "#c8e6c9"}


def esc(value: Any) -> str:
    """``value`` as escaped HTML text; missing values become an empty string."""
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    return html.escape(str(value))


def problem_text(problem: Problem | str) -> str:
    """One problem as plain text (location and message)."""
    return str(problem)


def problems_html(problems: Iterable[Problem | str], *, title: str | None = None) -> str:
    """An escaped HTML list of problems (``""`` when there are none)."""
    items = [f"<li>{esc(problem_text(p))}</li>" for p in problems]
    if not items:
        return ""
    head = f"<b>{esc(title)}</b>" if title else ""
    return f'{head}<ul class="okr-problems" style="margin:2px 0 2px 18px">{"".join(items)}</ul>'


class MessageBox(widgets.HTML):
    """A one-line status area: ``ok(text)``, ``error(text, problems)``, ``info``, ``clear``.

    ``kind`` is ``"ok"``, ``"error"``, ``"info"`` or ``None``; ``text`` keeps the plain text
    (without HTML) of the last message so tests and scripts can read it.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.kind: str | None = None
        self.text: str = ""

    def _show(self, kind: str, style: str, text: str, extra_html: str = "") -> None:
        self.kind = kind
        self.text = text
        self.value = (
            f'<div class="okr-message okr-{kind}" style="{style};padding:4px 8px;'
            f'border-radius:4px">{esc(text)}{extra_html}</div>'
        )

    def ok(self, text: str) -> None:
        self._show("ok", OK_STYLE, text)

    def info(self, text: str) -> None:
        self._show("info", INFO_STYLE, text)

    def error(self, text: str, problems: Iterable[Problem | str] = ()) -> None:
        probs = list(problems)
        self._show("error", ERROR_STYLE, text, problems_html(probs))
        if probs:
            self.text = text + "\n" + "\n".join(problem_text(p) for p in probs)

    def clear(self) -> None:
        self.kind = None
        self.text = ""
        self.value = ""


def resolve_store(store: Any = None, db: str | None = None) -> tuple[Any, bool]:
    """The store to use and whether the caller owns it (must close it).

    An explicit ``store`` wins; else :func:`okrkit.store.open_store` opens ``db``
    (``None``: ``$OKRKIT_DB`` or ``sqlite:///data/okrkit.db``).
    """
    if store is not None:
        return store, False
    from okrkit.store import open_store

    return open_store(db), True


def default_period(periods: list[str], as_of: Any = None) -> str | None:
    """The period containing ``as_of`` (today if ``None``), else the latest one."""
    if not periods:
        return None
    day = as_date(as_of) or dt.date.today()
    for label in periods:
        try:
            if Period.parse(label).contains(day):
                return label
        except OKRKitError:
            continue
    return periods[-1]


def default_day(label: str | None, as_of: Any = None) -> dt.date:
    """``as_of`` as a date; if not given, today clipped into the period ``label``."""
    day = as_date(as_of)
    if day is None and label is not None:
        from okrkit.scoring import resolve_as_of

        day = resolve_as_of(Period.parse(label), None)
    return day or dt.date.today()


def period_dropdown(periods: list[str], value: str | None, **kwargs: Any) -> widgets.Dropdown:
    """A dropdown of period labels."""
    options = list(periods)
    if value is not None and value not in options:
        options.append(value)
    return widgets.Dropdown(
        options=options, value=value, description=kwargs.pop("description", "Period"), **kwargs
    )


def team_dropdown(teams: list[str], value: str | None, **kwargs: Any) -> widgets.Dropdown:
    """A dropdown of team names (``value`` must be one of them or ``None``)."""
    options = list(teams)
    if value is not None and value not in options:
        value = None
    return widgets.Dropdown(
        options=options, value=value, description=kwargs.pop("description", "Team"), **kwargs
    )


def fmt_number(value: Any, digits: int = 2, signed: bool = False) -> str:
    """A number rounded for display; missing values are ``–``."""
    if value is None:
        return "–"
    try:
        f = float(value)
    except (TypeError, ValueError):
        return esc(value)
    if math.isnan(f):
        return "–"
    return f"{f:+.{digits}f}" if signed else f"{f:.{digits}f}"


def table_html(
    frame: pd.DataFrame,
    columns: Mapping[str, str] | None = None,
    *,
    formats: Mapping[str, Callable[[Any], str]] | None = None,
    band_column: str | None = None,
    empty: str = "nothing to show",
    css_class: str = "okr-table",
) -> str:
    """An HTML table of ``frame``; every cell is escaped (formatters return plain text).

    ``columns`` maps column -> header (and selects/orders them); ``band_column`` colours
    each row by its band.
    """
    cols = dict(columns) if columns else {c: c for c in frame.columns}
    if frame.empty:
        return f'<p class="{css_class}-empty"><i>{esc(empty)}</i></p>'
    fmts = formats or {}
    head = "".join(
        f'<th style="text-align:left;padding:2px 6px">{esc(h)}</th>' for h in cols.values()
    )
    body = []
    for rec in frame.to_dict("records"):
        style = ""
        if band_column and rec.get(band_column) in BAND_COLOURS:
            style = f' style="background:{BAND_COLOURS[rec[band_column]]}"'
        cells = []
        for c in cols:
            v = rec.get(c)
            text = fmts[c](v) if c in fmts else _cell(v)
            # ids, dates and numbers never wrap mid-token ("VIS-" / "4.1")
            wrap = "" if c in ("title", "why", "note", "blockers", "achievements") else (
                ";white-space:nowrap")
            cells.append(f'<td style="padding:2px 6px{wrap}">{esc(text)}</td>')
        body.append(f"<tr{style}>{''.join(cells)}</tr>")
    return (
        f'<table class="{css_class}" style="border-collapse:collapse">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return "" if math.isnan(v) else f"{v:.2f}"
    if isinstance(v, bool):
        return "yes" if v else ""
    return str(v)


def chart_html(build: Callable[[Any], Any]) -> str:
    """SVG HTML of the chart ``build(charts_module)`` returns, or an escaped note on failure.

    Charts are optional decoration: a missing dependency or a chart error never breaks
    an app, it shows a short message in place of the chart.
    """
    try:
        from okrkit import charts
    except Exception as err:  # charts module or altair not available
        return f"<p><i>charts unavailable: {esc(err)}</i></p>"
    try:
        return str(charts.svg_html(build(charts)))
    except Exception as err:
        return f"<p><i>chart could not be drawn: {esc(type(err).__name__)}: {esc(err)}</i></p>"


def heading(text: str, level: int = 4) -> widgets.HTML:
    """An escaped heading widget."""
    return widgets.HTML(f"<h{level} style='margin:8px 0 4px 0'>{esc(text)}</h{level}>")


def risk_reasons(kr: Mapping[Any, Any], policy: Any = None, as_of: dt.date | None = None) -> str:
    """Why a scored key result (a ``Scorecard.key_results`` record) is At Risk, in words.

    The words come with the status (``why``, from :func:`okrkit.pacing.derive_status`).
    """
    why = kr.get("why")
    return why if isinstance(why, str) else ""


class App:
    """What every app shares: it displays as its ``widget`` and closes its store."""

    store: Any
    _owns_store: bool
    widget: widgets.Widget

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def close(self) -> None:
        """Close the widgets (and the store if the app opened it)."""
        self.widget.close()
        if self._owns_store:
            self.store.close()


class TeamApp(App):
    """An app on one team of one period: the period dropdown fills the team dropdown.

    Subclasses set ``message``, ``period`` and ``team`` (dropdowns) and ``_busy``, and
    implement ``_load_team`` (and may replace ``_load_period``); ``_on_period`` and
    ``_on_team`` are the dropdowns' observers.
    """

    message: MessageBox
    period: widgets.Dropdown
    team: widgets.Dropdown
    _busy: bool

    def _load_period(self, team: str | None = None) -> None:
        """Fill the team dropdown for the chosen period (teams that own key results)."""
        label = self.period.value
        if label is None:
            self.message.error("the store has no plans yet: load a plan first")
            return
        try:
            full = self.store.load_plan(label)
        except OKRKitError as err:
            self.message.error(str(err))
            return
        teams = full.key_result_teams or full.teams
        if team is not None and team not in teams:
            self.message.error(f"team '{team}' has no key results in {label}")
        wanted = team if team in teams else (
            self.team.value if self.team.value in teams else (teams[0] if teams else None))
        self._busy = True
        try:
            self.team.options = teams
            self.team.value = wanted
        finally:
            self._busy = False
        self._load_team()

    def _load_team(self) -> None:  # pragma: no cover - every app implements it
        raise NotImplementedError

    def _on_period(self, change: Any) -> None:
        if not self._busy:
            self.message.clear()
            self._load_period()

    def _on_team(self, change: Any) -> None:
        if not self._busy:
            self.message.clear()
            self._load_team()

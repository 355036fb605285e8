"""What the notebook apps share: the message box, the store, period/team choices, headings.

Only widget code: the HTML of tables, numbers and charts comes from :mod:`okrkit.htmlkit`
(every piece of text a user typed is escaped there; charts are SVG, never Altair's CDN
renderer), and the domain from :mod:`okrkit.entries`, :mod:`okrkit.insights`,
:mod:`okrkit.drafts` and :mod:`okrkit.planning`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import ipywidgets as widgets

from okrkit.errors import OKRKitError, Problem
from okrkit.htmlkit import esc, problems_html
from okrkit.period import Period, as_date
from okrkit.scoring import ScoringPolicy, resolve_as_of

OK_STYLE = "color:#1b5e20;background:#e8f5e9;border:1px solid #a5d6a7"
ERROR_STYLE = "color:#b71c1c;background:#ffebee;border:1px solid #ef9a9a"
INFO_STYLE = "color:#263238;background:#eceff1;border:1px solid #cfd8dc"


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
            self.text = text + "\n" + "\n".join(str(p) for p in probs)

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


def auto_width() -> widgets.Layout:
    """A layout as wide as the content (buttons whose label would be cut at 148 px)."""
    return widgets.Layout(width="auto")


def heading(text: str, level: int = 4) -> widgets.HTML:
    """An escaped heading widget."""
    return widgets.HTML(f"<h{level} style='margin:8px 0 4px 0'>{esc(text)}</h{level}>")


class App:
    """What every app shares: it displays as its ``widget``, closes its store, and scores
    with its ``policy`` (bands, status and calibration thresholds)."""

    store: Any
    _owns_store: bool
    widget: widgets.Widget
    policy: ScoringPolicy
    message: MessageBox
    _busy: bool

    def _start(self, store: Any, db: str | None, policy: ScoringPolicy | None = None) -> None:
        """Open the store (an explicit ``store`` wins), set the policy and the message box."""
        self.store, self._owns_store = resolve_store(store, db)
        self.policy = policy or ScoringPolicy()
        self.message = MessageBox()
        self._busy = False

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def close(self) -> None:
        """Close the widgets (and the store if the app opened it)."""
        self.widget.close()
        if self._owns_store:
            self.store.close()


class TeamApp(App):
    """An app on one team of one period: the period dropdown fills the team dropdown.

    Subclasses call ``_start`` (store, policy, ``message``), set ``period`` and ``team``
    (dropdowns), and implement ``_load_team`` (and may replace ``_load_period``); ``_on_period`` and
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

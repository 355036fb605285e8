"""The monthly leadership review: every team at a glance, and what changed in a month.

Only widgets: the tables come from :mod:`okrkit.insights` (:func:`~okrkit.insights.month_change`,
:func:`~okrkit.insights.at_risk_list`, :func:`~okrkit.insights.stale_list`) and
``Scorecard.calibration("team")``; the charts (objective scores week by week, calibration)
are SVG from :mod:`okrkit.charts`, in the app's policy's bands. A closed period shows its
final outcomes (✅ / 🟡 / ❌) and no pace.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ipywidgets as widgets
import pandas as pd

from okrkit.errors import OKRKitError
from okrkit.forecasting import forecast
from okrkit.frames import Plan, empty
from okrkit.htmlkit import chart_html, esc, num, status_html, table_html
from okrkit.insights import (
    AT_RISK_COLUMNS,
    CHANGE_COLUMNS,
    MONTH_DAYS,
    STALE_COLUMNS,
    TEAM_CHANGE_COLUMNS,
    WEEKLY_COLUMNS,
    at_risk_list,
    change_table,
    stale_list,
    status_line,
    team_status,
    weekly_scores,
)
from okrkit.lifecycle_view import ATTENTION_COLUMNS, attention, plan_states
from okrkit.period import Period
from okrkit.priors import shown_priors
from okrkit.scoring import CALIBRATION_COLUMNS, Scorecard, ScoringPolicy, resolve_as_of, score
from okrkit.widgets.common import (
    App,
    default_day,
    default_period,
    heading,
    period_dropdown,
)

ALL_TEAMS = "(all teams)"
#: Forecast runs behind the projected calibration verdict (seeded: the same every time).
SIMULATIONS = 1000


class MonthlyReviewApp(App):
    """Monthly review across teams for one period as of a date.

    Parameters
    ----------
    db
        Store URL (``None``: ``$OKRKIT_DB`` or ``sqlite:///data/okrkit.db``).
    period
        Period label; default the stored period containing ``as_of`` (else the latest).
    as_of
        Review date; default today clipped into the period.
    store
        An open :class:`~okrkit.store.Store` (wins over ``db``; not closed by the app).
    team
        Optional: restrict to one team's objectives (and their ancestors).
    policy
        Bands, status and calibration thresholds (default :class:`ScoringPolicy`).

    Widgets: ``period`` (Dropdown), ``as_of`` (DatePicker), ``team`` (Dropdown,
    :data:`ALL_TEAMS` for everyone), ``message``, ``headline``, ``weeks_chart`` (SVG:
    objective scores week by week), ``status_table`` (key results per status and team),
    ``at_risk_table``, ``stale_table``, ``change_table``, ``team_change_table``,
    ``calibration_table``, ``calibration_chart`` (SVG), ``plans_table`` (the plans not yet
    active and those whose next review date has passed), ``widget``.
    State after :meth:`refresh`: ``plan``, ``checkins``, ``card``, ``weekly``, ``status``,
    ``at_risk``, ``stale``, ``change``, ``team_change``, ``calibration``, ``plans``
    (:func:`okrkit.lifecycle_view.attention`) (DataFrames).
    """

    def __init__(
        self,
        db: str | None = None,
        period: str | None = None,
        as_of: Any = None,
        store: Any = None,
        team: str | None = None,
        policy: ScoringPolicy | None = None,
    ) -> None:
        self._start(store, db, policy)
        self.plan: Plan | None = None
        self.checkins = empty("checkins")
        self.card: Scorecard | None = None
        self.weekly = pd.DataFrame(columns=WEEKLY_COLUMNS)
        self.status = pd.DataFrame(columns=["team", "key_results"])
        self.at_risk = pd.DataFrame(columns=AT_RISK_COLUMNS)
        self.stale = pd.DataFrame(columns=STALE_COLUMNS)
        self.change = pd.DataFrame(columns=CHANGE_COLUMNS)
        self.team_change = pd.DataFrame(columns=TEAM_CHANGE_COLUMNS)
        self.calibration = pd.DataFrame(columns=CALIBRATION_COLUMNS)

        periods = self.store.periods()
        label = period or default_period(periods, as_of)
        self.period = period_dropdown(periods, label)
        self.as_of = widgets.DatePicker(value=default_day(label, as_of), description="As of")
        teams = self.store.teams(label) if label else []
        options = [ALL_TEAMS, *teams]
        if team is not None and team not in options:
            options.append(team)
        self.team = widgets.Dropdown(
            options=options, value=team if team is not None else ALL_TEAMS, description="Team"
        )
        self.weeks_chart = widgets.HTML("")
        self.status_table = widgets.HTML("")
        self.at_risk_table = widgets.HTML("")
        self.stale_table = widgets.HTML("")
        self.change_table = widgets.HTML("")
        self.team_change_table = widgets.HTML("")
        self.calibration_table = widgets.HTML("")
        self.calibration_chart = widgets.HTML("")
        self.headline = widgets.HTML("")
        # -- the plans' lifecycle (okrkit.lifecycle_view) --
        self.plans = pd.DataFrame(columns=ATTENTION_COLUMNS)
        self.plans_table = widgets.HTML("")
        self.widget = widgets.VBox(
            [
                widgets.HBox([self.period, self.as_of, self.team]),
                self.message,
                self.headline,
                heading("Plans not yet active, and reviews overdue"),
                self.plans_table,
                heading("Objective scores week by week"),
                self.weeks_chart,
                heading("Key results by status and team"),
                self.status_table,
                heading("At risk"),
                self.at_risk_table,
                heading("Stale (no recent check-in)"),
                self.stale_table,
                heading("Change since last month — teams"),
                self.team_change_table,
                heading("Change since last month — objectives"),
                self.change_table,
                heading("Calibration per team"),
                self.calibration_table,
                self.calibration_chart,
            ]
        )
        self.period.observe(self._on_period, names="value")
        self.as_of.observe(self._on_change, names="value")
        self.team.observe(self._on_change, names="value")
        self.refresh()

    def _on_period(self, change: Any) -> None:
        label = self.period.value
        self._busy = True
        try:
            current = self.team.value
            teams = [ALL_TEAMS, *(self.store.teams(label) if label else [])]
            self.team.options = teams
            self.team.value = current if current in teams else ALL_TEAMS
            period = Period.parse(label) if label else None
            if period is not None and self.as_of.value and not period.contains(self.as_of.value):
                self.as_of.value = resolve_as_of(period, None)
        finally:
            self._busy = False
        self.refresh()

    def _on_change(self, change: Any) -> None:
        if not self._busy:
            self.refresh()

    def refresh(self) -> None:
        """Reload the plan and check-ins and recompute every table and chart."""
        self.message.clear()
        label = self.period.value
        if label is None:
            self.message.error("the store has no plans yet: load a plan first")
            return
        team = None if self.team.value == ALL_TEAMS else self.team.value
        try:
            self.plan = self.store.load_plan(label, team)
            self.checkins = self.store.checkins(period=label)
        except OKRKitError as err:
            self.message.error(str(err))
            return
        day = self.as_of.value or resolve_as_of(self.plan.period, None)
        card = score(self.plan, self.checkins, day, self.policy)
        self.card = card
        self.weekly = weekly_scores(self.plan, self.checkins, day, policy=self.policy)
        self.status = team_status(card)
        self.at_risk = at_risk_list(card)
        self.stale = stale_list(card)
        # one scoring a month back serves both change tables (month_change's rule)
        then = score(self.plan, self.checkins, day - dt.timedelta(days=MONTH_DAYS), self.policy)
        self.change = change_table(card, then)
        self.team_change = change_table(card, then, by="team")
        # before the end, calibration is a projection from the forecast (labelled so)
        run = None if card.closed else forecast(self.plan, self.checkins, as_of=day,
                                                simulations=SIMULATIONS, seed=0,
                                                policy=self.policy,
                                                prior=shown_priors(self.store, self.plan.period))
        self.calibration = card.calibration("team", forecast=run)
        self.plans = attention(plan_states(self.plan), day)
        if not card.period.contains(day):
            self.message.info(f"{day} is outside {card.period} ({card.period.start}.."
                              f"{card.period.end})")
        self._render()

    def _render(self) -> None:
        card = self.card
        assert card is not None
        n_risk, n_stale = len(self.at_risk), len(self.stale)
        counts = status_line(card.key_results["status"], status_html) or "none"
        if card.closed:
            self.headline.value = (
                f"<p><b>{esc(card.period)}</b> has ended ({esc(card.period.end)}): final "
                f"overall score <b>{esc(num(card.overall))}</b>; {len(card.key_results)} key "
                f"results: {counts}.</p>")
        else:
            self.headline.value = (
                f"<p><b>{esc(card.period)}</b> as of {esc(card.as_of)} — overall score "
                f"<b>{esc(num(card.overall))}</b>; {len(card.key_results)} key results "
                f"({counts}), {n_risk} at risk, {n_stale} stale.</p>")
        self.plans_table.value = table_html(
            self.plans, {"team": "team", "state": "plan", "next_review": "next review",
                         "why": "why"},
            empty="every plan is active and no review is overdue")
        weekly = self.weekly
        self.weeks_chart.value = chart_html(lambda c: c.score_weeks(weekly, card.policy))
        names = [c for c in self.status.columns if c not in ("team", "key_results")]
        self.status_table.value = table_html(
            self.status, {"team": "team", "key_results": "key results",
                          **{n: n for n in names}},
            formats={c: str for c in ("key_results", *names)},
            numeric={"key_results", *names}, empty="no key results")
        signed = {"pace": lambda v: num(v, signed=True),
                  "change": lambda v: num(v, signed=True)}
        self.at_risk_table.value = table_html(
            self.at_risk,
            {"team": "team", "kr_id": "KR", "title": "title", "score": "score",
             "pace": "pace", "confidence": "confidence", "last_checkin": "last check-in",
             "reason": "why"},
            formats=signed,
            empty="nothing at risk",
        )
        self.stale_table.value = table_html(
            self.stale,
            {"team": "team", "kr_id": "KR", "title": "title", "last_checkin": "last check-in",
             "days_silent": "days silent", "status": "status"},
            empty="no stale key results",
        )
        self.team_change_table.value = table_html(
            self.team_change,
            {"team": "team", "n_objectives": "objectives", "score_before": "score before",
             "score_now": "score now", "change": "change"},
            formats=signed,
            empty="no team scores",
        )
        self.change_table.value = table_html(
            self.change.assign(status_now=[status_html(v) for v in self.change["status_now"]]),
            {"team": "team", "objective_id": "objective", "title": "title",
             "score_before": "score before", "score_now": "score now", "change": "change",
             "status_now": "outcome" if card.closed else "status"},
            formats=signed, markup={"status_now"},
            band_column="band_now",
            empty="no objective scores",
        )
        below = ({"committed_misses": "committed below 1.0"} if card.closed else
                 {"committed_at_risk": "committed below 1.0 so far"})
        self.calibration_table.value = table_html(
            self.calibration,
            {"group": "team", "n": "objectives", "mean": "mean score" if card.closed
             else "expected final score", "label": "verdict", **below},
            empty="no scores",
        )
        calib = self.calibration
        self.calibration_chart.value = chart_html(
            lambda c: c.calibration_chart(calib, card.policy))

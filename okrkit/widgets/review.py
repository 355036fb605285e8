"""The monthly leadership review: every team at a glance, and what changed in a month.

Thin class over pure functions the tests exercise directly:

* :func:`month_change` — score at ``as_of`` vs ``as_of - 30 days`` per objective (or per
  team);
* :func:`at_risk_list`, :func:`stale_list` — the key results to talk about, with reasons;
* ``Scorecard.calibration("team")`` — how ambitious each team's OKRs are.

Charts (heatmap of objective scores by team, calibration) are SVG from ``okrkit.charts``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ipywidgets as widgets
import pandas as pd

from okrkit.errors import OKRKitError
from okrkit.frames import Plan, empty
from okrkit.period import Period
from okrkit.scoring import Scorecard, resolve_as_of, score, team_rollup
from okrkit.widgets.common import (
    App,
    MessageBox,
    chart_html,
    default_day,
    default_period,
    esc,
    fmt_number,
    heading,
    period_dropdown,
    resolve_store,
    risk_reasons,
    table_html,
)

ALL_TEAMS = "(all teams)"
CHANGE_COLUMNS = [
    "objective_id",
    "team",
    "title",
    "level",
    "before",
    "score_before",
    "score_now",
    "change",
    "band_now",
    "status_now",
]
TEAM_CHANGE_COLUMNS = ["team", "n_objectives", "before", "score_before", "score_now", "change"]
AT_RISK_COLUMNS = [
    "team",
    "kr_id",
    "title",
    "score",
    "pace",
    "confidence",
    "last_checkin",
    "reason",
]
STALE_COLUMNS = ["team", "kr_id", "title", "last_checkin", "days_silent", "status"]


def month_change(
    plan: Plan,
    checkins: pd.DataFrame | None,
    as_of: Any,
    *,
    days: int = 30,
    by: str = "objective",
) -> pd.DataFrame:
    """Score at ``as_of`` against the score ``days`` earlier.

    ``by="objective"`` (``CHANGE_COLUMNS``, plan order): every objective with a score.
    ``by="team"`` (``TEAM_CHANGE_COLUMNS``): each team's weighted mean over its top
    objectives. ``before`` is the earlier date; before the period started every score is 0.
    """
    if by not in ("objective", "team"):
        raise OKRKitError(f"by must be 'objective' or 'team', not {by!r}")
    day = resolve_as_of(plan.period, as_of)
    earlier = day - dt.timedelta(days=days)
    now = score(plan, checkins, day)
    then = score(plan, checkins, earlier)
    if by == "team":
        a = team_rollup(then.objectives)
        b = team_rollup(now.objectives)
        out = pd.DataFrame(
            {
                "team": b["team"],
                "n_objectives": b["n_objectives"],
                "before": [earlier] * len(b),
                "score_before": a["score"].to_numpy(),
                "score_now": b["score"].to_numpy(),
            }
        )
        out["change"] = out["score_now"] - out["score_before"]
        out = out[out["n_objectives"] > 0].reset_index(drop=True)
        return out[TEAM_CHANGE_COLUMNS]
    o = now.objectives
    out = pd.DataFrame(
        {
            "objective_id": o["objective_id"],
            "team": o["team"],
            "title": o["title"],
            "level": o["level"],
            "before": [earlier] * len(o),
            "score_before": then.objectives["score"].to_numpy(),
            "score_now": o["score"].to_numpy(),
            "band_now": o["band"],
            "status_now": o["status"],
        }
    )
    out["change"] = out["score_now"] - out["score_before"]
    out = out[out["score_now"].notna()].reset_index(drop=True)
    return out[CHANGE_COLUMNS]


def at_risk_list(card: Scorecard) -> pd.DataFrame:
    """The At Risk key results with the reason (``AT_RISK_COLUMNS``), lowest score first."""
    krs = card.key_results
    risky = krs[krs["status"] == "At Risk"]
    rows = [
        {
            **{c: kr[c] for c in AT_RISK_COLUMNS if c in kr},
            "reason": risk_reasons(kr, card.policy, card.as_of),
        }
        for kr in risky.to_dict("records")
    ]
    out = pd.DataFrame(rows, columns=AT_RISK_COLUMNS)
    if out.empty:
        return out
    return out.sort_values(["score", "team", "kr_id"], kind="stable").reset_index(drop=True)


def stale_list(card: Scorecard) -> pd.DataFrame:
    """Key results without a check-in for longer than the cadence (``STALE_COLUMNS``).

    ``days_silent`` counts from the last check-in, or from the period start if none.
    Complete key results are left out: nothing more is expected of them.
    """
    krs = card.key_results
    stale = krs[krs["stale"].astype(bool) & (krs["status"] != "Complete")]
    rows = []
    for kr in stale.to_dict("records"):
        last = kr["last_checkin"]
        since = last if isinstance(last, dt.date) else card.period.start
        rows.append(
            {
                "team": kr["team"],
                "kr_id": kr["kr_id"],
                "title": kr["title"],
                "last_checkin": last if isinstance(last, dt.date) else None,
                "days_silent": (card.as_of - since).days,
                "status": kr["status"],
            }
        )
    out = pd.DataFrame(rows, columns=STALE_COLUMNS)
    if out.empty:
        return out
    return out.sort_values(["days_silent", "team", "kr_id"], ascending=[False, True, True],
                           kind="stable").reset_index(drop=True)


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

    Widgets: ``period`` (Dropdown), ``as_of`` (DatePicker), ``team`` (Dropdown,
    :data:`ALL_TEAMS` for everyone), ``message``, ``heatmap`` (SVG), ``at_risk_table``,
    ``stale_table``, ``change_table``, ``team_change_table``, ``calibration_table``,
    ``calibration_chart`` (SVG), ``widget``.
    State after :meth:`refresh`: ``plan``, ``checkins``, ``card``, ``at_risk``, ``stale``,
    ``change``, ``team_change``, ``calibration`` (DataFrames).
    """

    def __init__(
        self,
        db: str | None = None,
        period: str | None = None,
        as_of: Any = None,
        store: Any = None,
        team: str | None = None,
    ) -> None:
        self.store, self._owns_store = resolve_store(store, db)
        self.message = MessageBox()
        self.plan: Plan | None = None
        self.checkins = empty("checkins")
        self.card: Scorecard | None = None
        self.at_risk = pd.DataFrame(columns=AT_RISK_COLUMNS)
        self.stale = pd.DataFrame(columns=STALE_COLUMNS)
        self.change = pd.DataFrame(columns=CHANGE_COLUMNS)
        self.team_change = pd.DataFrame(columns=TEAM_CHANGE_COLUMNS)
        self.calibration = pd.DataFrame(columns=["group", "n", "mean", "verdict",
                                                 "committed_misses"])
        self._busy = False

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
        self.heatmap = widgets.HTML("")
        self.at_risk_table = widgets.HTML("")
        self.stale_table = widgets.HTML("")
        self.change_table = widgets.HTML("")
        self.team_change_table = widgets.HTML("")
        self.calibration_table = widgets.HTML("")
        self.calibration_chart = widgets.HTML("")
        self.headline = widgets.HTML("")
        self.widget = widgets.VBox(
            [
                widgets.HBox([self.period, self.as_of, self.team]),
                self.message,
                self.headline,
                heading("Objective scores by team"),
                self.heatmap,
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
        card = score(self.plan, self.checkins, day)
        self.card = card
        self.at_risk = at_risk_list(card)
        self.stale = stale_list(card)
        self.change = month_change(self.plan, self.checkins, day)
        self.team_change = month_change(self.plan, self.checkins, day, by="team")
        self.calibration = card.calibration("team")
        if not card.period.contains(day):
            self.message.info(f"{day} is outside {card.period} ({card.period.start}.."
                              f"{card.period.end})")
        self._render()

    def _render(self) -> None:
        card = self.card
        assert card is not None
        n_risk, n_stale = len(self.at_risk), len(self.stale)
        self.headline.value = (
            f"<p><b>{esc(card.period)}</b> as of {esc(card.as_of)} — overall score "
            f"<b>{esc(fmt_number(card.overall))}</b>; {len(card.key_results)} key results, "
            f"{n_risk} at risk, {n_stale} stale.</p>"
        )
        self.heatmap.value = chart_html(lambda c: c.heatmap(card.objectives))
        signed = {"pace": lambda v: fmt_number(v, signed=True),
                  "change": lambda v: fmt_number(v, signed=True)}
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
            self.change,
            {"team": "team", "objective_id": "objective", "title": "title",
             "score_before": "score before", "score_now": "score now", "change": "change",
             "status_now": "status"},
            formats=signed,
            band_column="band_now",
            empty="no objective scores",
        )
        self.calibration_table.value = table_html(
            self.calibration,
            {"group": "team", "n": "objectives", "mean": "mean score", "verdict": "verdict",
             "committed_misses": "committed below 1.0"},
            empty="no scores",
        )
        calib = self.calibration
        self.calibration_chart.value = chart_html(lambda c: c.calibration_chart(calib))

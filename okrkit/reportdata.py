"""What one quarterly report shows, gathered once: the store, the scores, the forecast.

:func:`gather` reads the period from the store, scores it (now and at the previous
check-in date), runs the forecast and works out every table the report shows into a plain
:class:`ReportData`. The HTML sections (:mod:`okrkit.reportview`) only format that object,
so they never open the store, score or simulate (the shape of great-tables' build / render
split).

Nothing here reads a clock (``as_of=None`` is resolved once, by
:func:`okrkit.scoring.resolve_as_of`) and the forecast is seeded, so a report rendered in a
batch equals the same report rendered alone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from okrkit import insights
from okrkit.backtest import ReadOnce
from okrkit.calibration_view import ConfidenceView, gather_confidence
from okrkit.errors import ReportError
from okrkit.forecasting import forecast
from okrkit.frames import Plan
from okrkit.period import Period
from okrkit.priors import shown_priors
from okrkit.scoring import Calibration, Scorecard, ScoringPolicy, resolve_as_of, score

COMPANY = "company"
SIMULATIONS = 2000
SEED = 0


@dataclass(frozen=True)
class ReportData:
    """Everything one report shows (a team's, or the company's when ``team`` is ``None``).

    ``card`` is the whole period's scorecard; ``key_results``, ``objectives``,
    ``checkins`` (up to ``as_of``) and ``reviews`` are the report's own rows. ``teams`` is
    :func:`okrkit.insights.team_scores` of the card; ``overall`` / ``owner`` the report's
    score and owner. ``calibration`` / ``calibration_groups`` follow the scorecard's rule:
    final scores once the period is closed, else projected from the forecast (or no
    verdict without one). ``changes`` (:func:`okrkit.insights.kr_changes`) compares with the
    previous check-in date (``None``: only one date so far). ``at_risk`` / ``stale`` are
    :func:`okrkit.insights.at_risk_list` / :func:`~okrkit.insights.stale_list` of the
    report's key results; ``notes`` maps ``blockers``, ``achievements`` and ``note`` to
    :func:`okrkit.insights.latest_notes`. ``forecast`` is
    :func:`okrkit.insights.forecast_table` of the report's scored objectives (``None``
    once the period has ended, or when not asked for). ``weekly`` is
    :func:`okrkit.insights.weekly_scores` (company reports only). ``confidence`` is
    :func:`okrkit.calibration_view.gather_confidence` of the last closed quarters (the
    team's rows only for a team report; with the forecast's track record for the company
    report), ``None`` when not asked for.
    """

    period: Period
    team: str | None
    as_of: dt.date
    policy: ScoringPolicy
    plan: Plan
    card: Scorecard
    key_results: pd.DataFrame
    objectives: pd.DataFrame
    checkins: pd.DataFrame
    reviews: pd.DataFrame
    teams: pd.DataFrame
    overall: float
    owner: Any
    calibration: Calibration
    calibration_groups: pd.DataFrame
    previous_date: dt.date | None
    changes: pd.DataFrame
    at_risk: pd.DataFrame
    stale: pd.DataFrame
    notes: dict[str, pd.DataFrame]
    forecast: pd.DataFrame | None
    weekly: pd.DataFrame | None = None
    simulations: int = SIMULATIONS
    seed: int = SEED
    confidence: ConfidenceView | None = None

    @property
    def is_company(self) -> bool:
        return self.team is None

    @property
    def title(self) -> str:
        who = "Company" if self.is_company else f"Team {self.team}"
        return f"{who} — OKR report {self.period.label}"


def load(period: str, team: str | None = None, db: str | None = None, *,
         store: Any = None) -> tuple[Plan, pd.DataFrame, str | None]:
    """The period's plan and check-ins from the store, and the report's team.

    ``team`` ``None``, ``""`` or ``"company"`` is the company report. Raises
    :class:`~okrkit.errors.ReportError` naming the parameter when the period or the team
    does not exist.
    """
    from okrkit.store import open_store

    team = None if team in (None, "", COMPANY) else str(team)
    own = store is None
    st = open_store(db) if own else store
    try:
        periods = st.periods()
        if str(period) not in periods:
            raise ReportError(
                f"report parameter 'period': no plan for {period!r} in the store "
                f"(periods: {', '.join(periods) or 'none'})")
        plan = st.load_plan(str(period))
        checkins = st.checkins(period=str(period))
    finally:
        if own:
            st.close()
    if team is not None and team not in plan.teams:
        raise ReportError(f"report parameter 'team': no team {team!r} in {period} "
                          f"(teams: {', '.join(plan.teams)})")
    return plan, checkins, team


def _only(frame: pd.DataFrame, kr_ids: set[Any]) -> pd.DataFrame:
    return frame[frame["kr_id"].isin(kr_ids)].reset_index(drop=True)


def _owner(objectives: pd.DataFrame) -> Any:
    owners = objectives["owner"].dropna()
    return owners.iloc[0] if len(owners) else None


def gather(period: str, team: str | None = None, db: str | None = None, as_of: Any = None, *,
           store: Any = None, with_forecast: bool = True, with_weekly: bool = True,
           with_confidence: bool = True, policy: ScoringPolicy | None = None) -> ReportData:
    """Load a period from the store and work out everything its report shows.

    Parameters
    ----------
    period, team, db, as_of
        The report's parameters (``team`` ``None`` or ``"company"``: the company report;
        ``db``: a store URL, ``None`` for ``$OKRKIT_DB``; ``as_of`` ``None``: today
        clipped into the period).
    store
        An open store to read instead of opening ``db``.
    with_forecast, with_weekly
        Run the forecast; score every week (company reports). The index page needs
        neither.
    with_confidence
        Gather the calibration of the last closed quarters (:func:`confidence`).
    policy
        Bands, status and calibration thresholds (default :class:`ScoringPolicy`).
    """
    from okrkit.store import open_store

    if store is None:
        with open_store(db) as st:
            return gather(period, team, db, as_of, store=st, with_forecast=with_forecast,
                          with_weekly=with_weekly, with_confidence=with_confidence,
                          policy=policy)
    # the period, the priors' earlier quarters and the calibration's closed ones: one read
    store = ReadOnce(store)
    plan, checkins, team = load(period, team, store=store)
    p = policy or ScoringPolicy()
    day = resolve_as_of(plan.period, as_of)
    card = score(plan, checkins, day, p)
    krs, obj = insights.team_view(card, team)
    ids = set(krs["kr_id"])
    mine = checkins[checkins["kr_id"].isin(ids)]
    mine = mine[[d <= day for d in mine["date"]]] if len(mine) else mine
    dates = sorted(set(mine["date"]))
    previous_date = dates[-2] if len(dates) >= 2 else None
    previous = score(plan, checkins, previous_date, p) if previous_date else None
    teams = insights.team_scores(card)
    if team is None:
        overall, owner = card.overall, _owner(obj[obj["level"] == "company"])
    else:
        row = teams.set_index("team").loc[team]
        overall, owner = float(row["score"]), row["owner"]
    fc = run = None
    if with_forecast and not card.closed:
        run = forecast(plan, checkins, as_of=day, simulations=SIMULATIONS, seed=SEED, policy=p,
                       prior=shown_priors(store, plan.period))
        fc = insights.forecast_table(card, run, obj[obj["score"].notna()])
    # a team report judges the team's own objectives only (one group, not every team's)
    own = card if team is None else replace(card, objectives=obj)
    groups = own.calibration(by="team", forecast=run)
    rev = plan.reviews[plan.reviews["objective_id"].isin(set(obj["objective_id"]))]
    rev = rev[rev["lessons"].notna() | rev["next_actions"].notna()].reset_index(drop=True)
    return ReportData(
        period=plan.period, team=team, as_of=day, policy=p, plan=plan, card=card,
        key_results=krs, objectives=obj, checkins=mine.reset_index(drop=True), reviews=rev,
        teams=teams, overall=overall, owner=owner,
        calibration=insights.team_calibration(own, team, run), calibration_groups=groups,
        previous_date=previous_date,
        changes=_only(insights.kr_changes(card, previous), ids),
        at_risk=_only(insights.at_risk_list(card), ids),
        stale=_only(insights.stale_list(card), ids),
        notes={f: insights.latest_notes(mine, f) for f in ("blockers", "achievements", "note")},
        forecast=fc,
        weekly=(insights.weekly_scores(plan, checkins, day, policy=p)
                if team is None and with_weekly else None),
        confidence=confidence(plan.period, team, db, day, store=store, policy=p)
        if with_confidence else None,
    )


def confidence(period: Period, team: str | None, db: str | None, as_of: dt.date, *,
               store: Any = None, policy: ScoringPolicy | None = None) -> ConfidenceView:
    """The calibration a report of ``period`` shows: the last closed quarters up to it.

    Read once for the whole report: a team report reads only its team's rows; the company
    report reads every team at once and adds the forecast's track record (the replay of
    those quarters, :func:`okrkit.backtest.replay`).
    """
    from okrkit.store import open_store

    own = store is None
    st = open_store(db) if own else store
    try:
        return gather_confidence(st, period, as_of, team, track=team is None, policy=policy)
    finally:
        if own:
            st.close()

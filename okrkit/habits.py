"""Habits across closed periods: calibration trends, sandbagging and ratchets.

The definitions (one home each; the README section "Confidence calibration" repeats
them). ``green_from`` is ``ScoringPolicy.green_from`` (0.7).

* **Which periods** (:func:`closed_periods`): ``P``, a range ``A..B`` (every stored period
  starting on or after ``A``'s start and ending on or before ``B``'s end) or all. Only
  closed periods — ended on or before ``as_of`` (today by default) — have outcomes: an
  open one named explicitly is refused; ``all`` leaves open ones out.
* **Trend** (:func:`trend`): per team and period, the calibration figures of
  :func:`okrkit.confidence.calibration_table` (n, Brier score, mean confidence, share
  green, bias, verdict), in period order.
* **Sandbagging** (:func:`sandbagging`) — the framework document's "if you always hit
  100%, raise the bar". A team *sandbags in a period* when more than half of its key
  results end with a final computed score of 1.0 **and** at least ``SANDBAG_SHARE`` (75%)
  of its confidences that period are ``>= SANDBAG_CONFIDENCE`` (0.9). A team is
  **flagged** when it sandbags in most of its periods: more than half of the periods in
  which it has forecasts, and at least two.
* **Ratchets** (:func:`ratchets`) — progress that flattens once a key result is safely
  green. A rising or falling key result *ratchets* when its progress first reaches
  ``green_from`` at a check-in no later than ``RATCHET_BY`` (2/3) into the period, a later
  check-in at least ``RATCHET_SPAN`` (0.2 of the period) after that one exists, the
  progress per period after it is at most ``RATCHET_RATIO`` (a quarter) of the progress
  per period before it (from 0 at the start), and it ends below 1.0 (short of the target
  it could have reached). Such a key result is *eligible* once the first three
  conditions' dates allow the test. A team *ratchets in a period* when at least two of its
  key results ratchet and they are at least half of its eligible ones; it is
  **flagged** when it ratchets in most of its periods (more than half, and at least two).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from okrkit import rules
from okrkit.confidence import FORECAST_COLUMNS, OUTCOME_COLUMNS, calibration_table
from okrkit.errors import OKRKitError
from okrkit.frames import Plan
from okrkit.period import Period
from okrkit.scoring import ScoringPolicy, is_closed

SANDBAG_CONFIDENCE = 0.9
SANDBAG_SHARE = 0.75
RATCHET_BY = 2 / 3
RATCHET_SPAN = 0.2
RATCHET_RATIO = 0.25
TREND_COLUMNS = ["team", "period", "n", "brier", "mean_confidence", "share_green", "bias",
                 "verdict"]
SANDBAG_COLUMNS = ["team", "periods", "sandbagged", "flagged", "sandbagged_in"]
RATCHET_COLUMNS = ["period", "kr_id", "team", "green_on", "progress_at_green",
                   "final_progress", "rate_before", "rate_after", "ratchet"]
RATCHET_FLAG_COLUMNS = ["team", "periods", "ratcheted", "flagged", "ratcheted_in"]


# ---------------------------------------------------------------------------- periods


def closed_periods(available: list[Period] | list[str], spec: str | None = None, *,
                   every: bool = False, as_of: dt.date | None = None) -> list[str]:
    """The closed periods ``spec`` (``P`` or ``A..B``) or ``every`` one names, in order.

    ``available`` are the store's periods in date order (:class:`~okrkit.period.Period`,
    or quarter labels). Raises :class:`~okrkit.errors.OKRKitError` (naming ``--period`` /
    ``--all``) for an unknown period, an open one, a range ending before it starts, or no
    closed period at all.
    """
    day = as_of or dt.date.today()
    if spec and every:
        raise OKRKitError("give --period or --all, not both")
    if not spec and not every:
        raise OKRKitError("give --period P, --period A..B or --all")
    items = [p if isinstance(p, Period) else Period.parse(p) for p in available]
    periods = {p.label: p for p in items}
    available = [p.label for p in items]
    have = ", ".join(available) or "none"
    if every:
        chosen = [p for p in available if is_closed(periods[p], day)]
        if not chosen:
            raise OKRKitError(f"--all: no closed period in the store as of {day} "
                              f"(periods: {have})")
        return chosen
    assert spec is not None
    ends = [s.strip() for s in spec.split("..")]
    if len(ends) > 2 or not all(ends):
        raise OKRKitError(f"--period '{spec}' is not a period (2025-Q4) or a range "
                          "(2025-Q1..2025-Q4)")
    for e in ends:
        if e not in periods:
            raise OKRKitError(f"--period: no plan for '{e}' in the store (periods: {have})")
    lo, hi = periods[ends[0]], periods[ends[-1]]
    if hi.end < lo.start:
        raise OKRKitError(f"--period '{spec}': the range ends before it starts")
    chosen = [p for p in available if periods[p].start >= lo.start and periods[p].end <= hi.end]
    open_ = [p for p in chosen if not is_closed(periods[p], day)]
    if open_:
        p = periods[open_[0]]
        raise OKRKitError(
            f"--period: {p.label} is still open (it ends {p.end}, after {day}): its outcomes "
            "are not known yet, so its confidences cannot be scored — choose a closed "
            "period, or --as-of a day after it ended")
    return chosen


HISTORY = 4


def history_periods(available: list[Period], upto: Period, as_of: dt.date | None = None,
                    last: int = HISTORY) -> list[str]:
    """The last ``last`` closed periods a report or a retrospective of ``upto`` looks back on.

    The periods of ``available`` (date order) that end on or before both ``upto``'s end
    and ``as_of`` (today by default): ``upto`` itself once it has closed, else the periods
    before it. Empty when none has closed yet.

    >>> qs = [Period.parse(q) for q in ("2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4")]
    >>> history_periods(qs, qs[3], dt.date(2025, 11, 1))
    ['2025-Q1', '2025-Q2', '2025-Q3']
    >>> history_periods(qs, qs[3], dt.date(2026, 1, 1), last=2)
    ['2025-Q3', '2025-Q4']
    """
    day = as_of or dt.date.today()
    ok = [p.label for p in available if p.end <= upto.end and is_closed(p, day)]
    return ok[-last:] if last > 0 else []


# ---------------------------------------------------------------------------- trends


def trend(forecast_frame: pd.DataFrame, periods: list[str] | None = None) -> pd.DataFrame:
    """Calibration per team and period (:data:`TREND_COLUMNS`), periods in ``periods`` order."""
    rows = []
    order = periods or sorted(set(forecast_frame["period"]))
    for label in order:
        g = forecast_frame[forecast_frame["period"] == label]
        if not len(g):
            continue
        t = calibration_table(g, "team", total=False).rename(columns={"group": "team"})
        rows.append(t.assign(period=label)[TREND_COLUMNS])
    return (pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=TREND_COLUMNS)
            ).sort_values(["team"], kind="stable").reset_index(drop=True)


def _flags(per: pd.DataFrame, flag: str, columns: list[str], label: str) -> pd.DataFrame:
    rows = []
    for team, g in per.groupby("team", sort=True):
        hit = g[g[flag]]["period"].tolist()
        k = len(g)
        rows.append({"team": team, "periods": k, label: len(hit),
                     "flagged": bool(len(hit) >= 2 and len(hit) > k / 2),
                     f"{label}_in": ", ".join(hit)})
    return pd.DataFrame(rows, columns=columns)


def sandbagging(outcomes: pd.DataFrame, forecast_frame: pd.DataFrame) -> pd.DataFrame:
    """Sandbagging per team (:data:`SANDBAG_COLUMNS`; see the module docstring).

    ``outcomes`` are :func:`okrkit.confidence.kr_outcomes` frames and ``forecast_frame``
    :func:`okrkit.confidence.forecasts` frames of the same periods (concatenated).
    """
    hit = outcomes.assign(_hit=np.round(outcomes["final_score"], 9) >= 1.0)
    hit_share = hit.groupby(["team", "period"])["_hit"].mean()
    high = forecast_frame.assign(
        _high=np.round(forecast_frame["confidence"], 9) >= SANDBAG_CONFIDENCE)
    high_share = high.groupby(["team", "period"])["_high"].mean()
    per = pd.DataFrame({"hit": hit_share, "high": high_share}).dropna(subset=["high"])
    per["sandbag"] = (per["hit"] > 0.5) & (per["high"] >= SANDBAG_SHARE)
    per = per.reset_index()
    return _flags(per, "sandbag", SANDBAG_COLUMNS, "sandbagged")


def ratchets(plan: Plan, checkins: pd.DataFrame | None,
             policy: ScoringPolicy | None = None) -> pd.DataFrame:
    """Each rising or falling key result's ratchet test (:data:`RATCHET_COLUMNS`).

    One row per key result that is eligible (see the module docstring); ``ratchet`` says
    whether it flattened once safely green.
    """
    p = policy or ScoringPolicy()
    period = plan.period
    krs = plan.key_results.reset_index(drop=True)
    teams = plan.kr_teams()
    eff = rules.effective_checkins(krs, checkins, period, period.end)
    direction = krs["direction"].to_numpy(dtype=object)
    prog = rules.value_progress(direction[eff.kr], krs["baseline"].to_numpy("float64")[eff.kr],
                                krs["target"].to_numpy("float64")[eff.kr], eff.value)
    share = np.array([period.elapsed_share(d) for d in
                      eff.day.astype("datetime64[D]").astype(object)], dtype="float64")
    rows = []
    for k in np.unique(eff.kr):
        if direction[k] not in rules.LINEAR:
            continue
        sel = (eff.kr == k) & ~np.isnan(prog)
        pk, sk, dk = prog[sel], share[sel], eff.day[sel]
        green = np.flatnonzero(np.round(pk, 9) >= p.green_from)
        if not len(green) or sk[green[0]] > RATCHET_BY:
            continue
        g = green[0]
        if sk[-1] - sk[g] < RATCHET_SPAN - 1e-9:
            continue
        before = pk[g] / sk[g]
        after = (pk[-1] - pk[g]) / (sk[-1] - sk[g])
        rows.append({
            "period": period.label, "kr_id": krs.at[k, "kr_id"],
            "team": teams[k],
            "green_on": np.datetime64(int(dk[g]), "D").astype(object),
            "progress_at_green": float(pk[g]), "final_progress": float(pk[-1]),
            "rate_before": float(before), "rate_after": float(after),
            "ratchet": bool(after <= RATCHET_RATIO * before and pk[-1] < 1 - 1e-9),
        })
    return pd.DataFrame(rows, columns=RATCHET_COLUMNS)


def ratchet_flags(ratchet_frame: pd.DataFrame, teams_by_period: dict[str, set[Any]]
                  ) -> pd.DataFrame:
    """Ratchet flags per team (:data:`RATCHET_FLAG_COLUMNS`; see the module docstring).

    ``ratchet_frame`` is :func:`ratchets` of several periods (concatenated);
    ``teams_by_period`` names the teams with rising or falling key results in each period
    (the periods a team could ratchet in).
    """
    rows = []
    for label, teams in teams_by_period.items():
        r = ratchet_frame[ratchet_frame["period"] == label]
        for team in sorted(t for t in teams if t is not None):
            t = r[r["team"] == team]
            n_r = int(t["ratchet"].sum())
            rows.append({"team": team, "period": label,
                         "ratchets": bool(n_r >= 2 and n_r >= len(t) / 2)})
    per = pd.DataFrame(rows, columns=["team", "period", "ratchets"])
    return _flags(per, "ratchets", RATCHET_FLAG_COLUMNS, "ratcheted")


def linear_teams(plan: Plan) -> set[Any]:
    """The teams that own rising or falling key results in ``plan``."""
    lin = plan.key_results["direction"].isin(rules.LINEAR).to_numpy()
    return set(plan.kr_teams()[lin].dropna())


# ---------------------------------------------------------------------------- gathered


@dataclass(frozen=True)
class CalibrationReport:
    """Everything ``okrkit calibration`` shows, gathered from a store (plain frames).

    ``groups`` is :func:`okrkit.confidence.calibration_table` over every forecast of the
    ``periods``; ``trend``, ``sandbagging``, ``ratchets`` (eligible key results) and
    ``ratchet_flags`` are filled for any number of periods (the flags need two).
    """

    periods: tuple[str, ...]
    by: str | None
    forecasts: pd.DataFrame
    outcomes: pd.DataFrame
    groups: pd.DataFrame
    trend: pd.DataFrame
    sandbagging: pd.DataFrame
    ratchets: pd.DataFrame
    ratchet_flags: pd.DataFrame


def calibration_report(store: Any, periods: list[str], by: str | None = "team", *,
                       policy: ScoringPolicy | None = None, team: str | None = None
                       ) -> CalibrationReport:
    """Gather the calibration of ``periods`` (closed ones: :func:`closed_periods`).

    ``team`` reads only that team's plan view and check-ins (a team report or
    retrospective), and keeps only its key results: the figures equal that team's rows
    of the whole company's report.
    """
    from okrkit.confidence import forecasts, kr_outcomes

    if by is not None and by not in ("team", "owner", "level"):
        raise OKRKitError(f"--by '{by}' is not one of team, owner, level")
    fs, outs, rs = [], [], []
    teams: dict[str, set[Any]] = {}
    for label in periods:
        if team is not None and team not in store.teams(label):
            continue
        plan = store.load_plan(label, team)
        ck = store.checkins(period=label, team=team)
        out = kr_outcomes(plan, ck, policy)
        fs.append(_mine(forecasts(plan, ck, policy, outcomes=out), team))
        outs.append(_mine(out, team))
        rs.append(_mine(ratchets(plan, ck, policy), team))
        teams[label] = linear_teams(plan) if team is None else linear_teams(plan) & {team}
    f = _concat(fs, FORECAST_COLUMNS)
    o = _concat(outs, OUTCOME_COLUMNS)
    r = _concat(rs, RATCHET_COLUMNS)
    return CalibrationReport(
        periods=tuple(periods), by=by, forecasts=f, outcomes=o,
        groups=calibration_table(f, by),
        trend=trend(f, list(periods)),
        sandbagging=sandbagging(o, f),
        ratchets=r,
        ratchet_flags=ratchet_flags(r, teams),
    )


def _mine(frame: pd.DataFrame, team: str | None) -> pd.DataFrame:
    return frame if team is None else frame[frame["team"] == team].reset_index(drop=True)


def _concat(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)

"""What the closed quarters teach the forecast: each team's usual pace and noise.

A forecast made early in a period knows little from the period's own check-ins. The
closed periods before it know more: how far a team's key results usually get in a
period, and how unevenly. :func:`learn_priors` turns that history into a
:class:`Priors` table, and :meth:`Priors.for_key_results` into the per-key-result
:class:`okrkit.forecast_model.Prior` the forecast combines with the check-ins
(empirical Bayes):

* per team and kind of key result (``linear``: rising or falling; ``milestone``), from
  every key result of the history with at least one check-in:

  - ``drift``: the mean final progress per period (unclipped progress, kept in
    -0.5..2), shrunk towards everyone's mean with ``SHRINK`` pseudo key results;
  - ``drift_sd``: the spread of the drifts — the variance of the final progress less
    the square of the median noise (each shrunk the same way), at least ``MIN_DRIFT_SD``;
  - ``noise``: the median noise (progress per square root of a period, as the forecast
    estimates it at each period's end), shrunk the same way, at least ``MIN_NOISE``;

* for threshold key results, ``drift`` is the mean share of check-ins that met the
  threshold (the prior's ``hit_rate`` for a threshold without a baseline), shrunk the
  same way;

* a kind needs ``MIN_HISTORY`` key results in the history, else the plan is its prior
  (:data:`okrkit.forecast_model.PLAN_PRIOR`); a team without history of a kind gets
  everyone's.

:func:`store_priors` learns from the periods of a store that ended before a period
starts — so a backtest never learns from the future it replays.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from okrkit import rules
from okrkit.forecast_model import FALLBACK_NOISE, NO_PRIOR, PLAN_PRIOR, Prior, estimate
from okrkit.frames import Plan
from okrkit.period import Period

SHRINK = 6.0  # pseudo key results of everyone's figures in a team's
MIN_HISTORY = 5
MIN_DRIFT_SD = 0.1
MIN_NOISE = 0.05
HISTORY_COLUMNS = ["period", "team", "kind", "kr_id", "progress", "noise"]
PRIOR_COLUMNS = ["team", "kind", "n", "drift", "drift_sd", "noise"]
ALL_TEAMS = "*"


def kind_of(direction: object) -> np.ndarray:
    """``linear``, ``milestone`` or ``threshold`` for each direction."""
    d = np.asarray(direction, dtype=object)
    return np.where(np.isin(d, rules.THRESHOLD), "threshold",
                    np.where(d == "milestone", "milestone", "linear")).astype(object)


def history(plan: Plan, checkins: pd.DataFrame | None) -> pd.DataFrame:
    """One closed period as history: each key result's final progress and noise.

    Key results without a check-in are left out. Columns: :data:`HISTORY_COLUMNS`.
    """
    period = plan.period
    krs = plan.key_results.reset_index(drop=True)
    eff = rules.effective_checkins(krs, checkins, period, period.end)
    direction = krs["direction"].to_numpy(dtype=object)
    baseline = krs["baseline"].to_numpy(dtype="float64")
    target = krs["target"].to_numpy(dtype="float64")
    state = rules.kr_progress(direction, baseline, target, eff)
    # the noise as the forecast sees it at the end (per sqrt(day), in value units)
    model = estimate(krs, eff, period, period.end, NO_PRIOR)
    span = np.abs(target - np.where(np.isnan(baseline), 0.0, baseline))
    kinds = kind_of(direction)
    with np.errstate(invalid="ignore", divide="ignore"):
        noise = model.sigma * np.sqrt(period.days) / span
    noise = np.where(kinds == "threshold", 0.0, noise)  # a threshold's prior is its hit rate
    out = pd.DataFrame({
        "period": period.label,
        "team": plan.kr_teams().to_numpy(dtype=object),
        "kind": kinds,
        "kr_id": krs["kr_id"].to_numpy(dtype=object),
        "progress": np.clip(state.progress, -0.5, 2.0),
        "noise": noise,
    })
    keep = (state.count > 0) & np.isfinite(noise)
    return out[keep].reset_index(drop=True)[HISTORY_COLUMNS]


@dataclass(frozen=True)
class Priors:
    """Learned priors per team and kind (``table``: :data:`PRIOR_COLUMNS`; team ``*`` is
    everyone) and the periods they were learned from."""

    table: pd.DataFrame
    periods: tuple[str, ...] = ()

    def for_key_results(self, teams: object, direction: object) -> Prior:
        """The :class:`~okrkit.forecast_model.Prior` of each key result (arrays)."""
        teams = np.asarray(teams, dtype=object)
        kinds = kind_of(direction)
        n = len(kinds)
        drift = np.full(n, float(PLAN_PRIOR.drift))
        drift_sd = np.full(n, float(PLAN_PRIOR.drift_sd))
        noise = np.full(n, FALLBACK_NOISE)
        hit_rate = np.full(n, 0.8)
        rows = {(r.team, r.kind): r for r in self.table.itertuples()}
        for i in range(n):
            r = rows.get((teams[i], kinds[i])) or rows.get((ALL_TEAMS, kinds[i]))
            if r is None:
                continue
            if kinds[i] == "threshold":
                hit_rate[i] = r.drift
            else:
                drift[i], drift_sd[i], noise[i] = r.drift, r.drift_sd, r.noise
        return Prior(drift=drift, drift_sd=drift_sd, noise=noise, hit_rate=hit_rate)


def learn_priors(frame: pd.DataFrame) -> Priors:
    """:class:`Priors` from :func:`history` frames of closed periods (concatenated)."""
    rows = []
    for kind, g in frame.groupby("kind", sort=True):
        if len(g) < MIN_HISTORY:
            continue
        mean, var = float(g["progress"].mean()), float(g["progress"].var(ddof=0))
        med = float(g["noise"].median())
        rows.append(_row(ALL_TEAMS, kind, len(g), mean, var, med))
        for team, t in g.groupby("team", sort=True):
            k = len(t)
            w = k / (k + SHRINK)
            rows.append(_row(team, kind, k,
                             w * t["progress"].mean() + (1 - w) * mean,
                             w * t["progress"].var(ddof=0) + (1 - w) * var,
                             w * t["noise"].median() + (1 - w) * med))
    table = pd.DataFrame(rows, columns=PRIOR_COLUMNS)
    return Priors(table, tuple(sorted(set(frame["period"]))) if len(frame) else ())


def _row(team: str, kind: str, n: int, mean: float, var: float, noise: float
         ) -> dict[str, object]:
    sd = float(np.sqrt(max(var - noise**2, MIN_DRIFT_SD**2)))
    return {"team": team, "kind": kind, "n": n, "drift": float(mean), "drift_sd": sd,
            "noise": max(float(noise), MIN_NOISE)}


# The forecast the apps and reports show (reportdata.gather, the monthly review, the
# what-if panel) learns from the earlier quarters; the track record
# (okrkit.calibration_view) judges that same forecast, never a better one people do not see.
SHOWN_WITH_HISTORY = True


def shown_priors(store: Any, period: Period | str) -> Priors | None:
    """The priors of the forecast okrkit shows (reports, monthly review, what-if): the
    store's, unless :data:`SHOWN_WITH_HISTORY` is off."""
    return store_priors(store, period) if SHOWN_WITH_HISTORY else None


def store_priors(store: Any, period: Period | str) -> Priors | None:
    """Priors learned from the store's periods that ended before ``period`` starts.

    ``None`` when there is no such period (the forecast then has no prior).
    """
    target = period if isinstance(period, Period) else store.load_plan(period).period
    frames = []
    for label in store.periods():
        plan = store.load_plan(label)
        if plan.period.end >= target.start:
            continue
        frames.append(history(plan, store.checkins(period=label)))
    frames = [f for f in frames if len(f)]
    if not frames:
        return None
    return learn_priors(pd.concat(frames, ignore_index=True))

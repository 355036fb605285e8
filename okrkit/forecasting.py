"""Monte Carlo forecast: where each key result and objective will likely end the period.

For every key result the effective check-in history is taken with the scoring rules
(:func:`okrkit.rules.effective_checkins`: check-ins in the period, dated on or before
``as_of``, the latest recorded one winning for a KR and day). The value at the period end
is projected from the **anchor** (the latest check-in, or ``(period start, baseline)``
when there is none) over the **horizon** (days from the anchor to the period end; 0 once
``as_of`` is on or after the period end, when the forecast is the scored state).

The model is a **random walk with drift**, both estimated from the history:

* **Points**: the effective check-ins, plus ``(period start, baseline)`` for a rising or
  falling key result whose first check-in comes later (the baseline is a measurement).
* **Drift**: the least-squares slope per day through the points (0 with fewer than two).
* **Noise**: each interval between consecutive points gives a standardised innovation
  ``(change - drift * days) / sqrt(days)``. Their sum of squares is pooled with a prior:
  ``PRIOR_WEIGHT`` pseudo-intervals of the fallback noise, whose standard deviation over a
  whole period is ``FALLBACK_NOISE`` (10%) of ``|target - baseline|``. So the forecast
  widens when evidence is thin — two check-ins are never certain — and narrows with a
  long, steady history, but is never certain while time remains.
* **Uncertainty of the estimates**: each simulation draws its noise scale from the
  scaled inverse chi-square of that pooled estimate (Student-t marginals with
  ``intervals - 1 + PRIOR_WEIGHT`` degrees of freedom) and its drift from
  ``drift ± scale / sqrt(days observed)``.
* **Range**: simulated values are clipped to the metric's physical range
  (:func:`okrkit.rules.physical_range`: 0..100 for ``%``, >= 0 when baseline and target
  are, or the key result's own ``min`` / ``max``) — at the end for a rising or falling
  value, and at every step of ``cadence_days`` (the last may be shorter) for a threshold
  key result, whose simulated check-ins are counted step by step.

Each simulated end value becomes a progress and a score with the scoring rules
(:func:`okrkit.rules.value_progress`); for ``at_least`` / ``at_most`` one future check-in
is assumed at the end of every step, and progress is the share of all check-ins (observed
and simulated) meeting the threshold. A ``milestone`` count is projected like any other
value (a fractional count is not rounded).

``score = clip(progress, 0, 1)``; missing progress scores 0, as in scoring. Objectives are
rolled up **per simulation** (the same :class:`okrkit.rules.RollUp` as scoring), so
``p_score_07`` of an objective is the probability that *its* score ends at or above the
green threshold — not a mean of KR probabilities.

Vectorised over key results and simulations (numpy); simulations are split into chunks,
each with its own generator spawned from ``seed``, run on up to two threads: the same
seed gives identical results whatever the scheduling.
"""

from __future__ import annotations

import datetime as dt
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from okrkit import rules
from okrkit.errors import OKRKitError
from okrkit.frames import Plan
from okrkit.period import Period
from okrkit.rules import LINEAR, THRESHOLD, RollUp, value_progress
from okrkit.scoring import ScoringPolicy, resolve_as_of

KR_FORECAST_COLUMNS = [
    "kr_id",
    "objective_id",
    "team",
    "value_now",
    "expected_value",
    "expected_score",
    "p_score_07",
    "p_complete",
    "p10_value",
    "p90_value",
]
OBJECTIVE_FORECAST_COLUMNS = ["objective_id", "expected_score", "p_score_07", "p_complete"]
FALLBACK_NOISE = 0.10  # sd over a whole period, as a share of |target - baseline|
PRIOR_WEIGHT = 1.0  # pseudo-intervals of the fallback noise pooled with the observed ones
MIN_DOF = 3.0  # the noise scale's degrees of freedom never go below this (finite variance)
_EPS = 1e-9
_CHUNK_CELLS = 2_000_000  # KRs x simulations per chunk


@dataclass(frozen=True)
class Forecast:
    """Forecast of a plan at its period end (see the module docstring)."""

    period: Period
    as_of: dt.date
    key_results: pd.DataFrame  # KR_FORECAST_COLUMNS
    objectives: pd.DataFrame  # OBJECTIVE_FORECAST_COLUMNS
    simulations: int
    seed: int


@dataclass(frozen=True)
class _Model:
    """Per key result: where the walk starts, its drift and noise, and how long it runs."""

    anchor: np.ndarray
    value_now: np.ndarray
    horizon: np.ndarray  # days from the anchor to the period end (0: nothing left)
    drift: np.ndarray  # per day
    drift_sd: np.ndarray  # per unit of noise scale
    sigma: np.ndarray  # pooled noise sd per sqrt(day)
    dof: np.ndarray  # degrees of freedom of the pooled estimate
    count: np.ndarray  # effective check-ins
    hits: np.ndarray  # observed check-ins meeting a threshold


def _model(krs: pd.DataFrame, eff: rules.Effective, period: Period, day: dt.date) -> _Model:
    n = len(krs)
    direction = krs["direction"].to_numpy(dtype=object)
    baseline = krs["baseline"].to_numpy(dtype="float64")
    target = krs["target"].to_numpy(dtype="float64")
    start = int(np.datetime64(period.start, "D").astype("int64"))
    end = int(np.datetime64(period.end, "D").astype("int64"))
    ok = ~np.isnan(eff.value)
    c, d, v = eff.kr[ok], eff.day[ok], eff.value[ok]
    count = np.bincount(c, minlength=n)
    last = np.r_[c[1:] != c[:-1], True] if len(c) else np.zeros(0, dtype=bool)
    value_now = np.full(n, np.nan)
    value_now[c[last]] = v[last]
    last_day = np.full(n, start, dtype="int64")
    last_day[c[last]] = d[last]
    base0 = np.where(np.isnan(baseline), 0.0, baseline)

    # the points: check-ins, plus (start, baseline) for rising/falling KRs that began later
    first_day = np.full(n, end + 1, dtype="int64")
    if len(c):
        firsts = np.r_[True, c[1:] != c[:-1]]
        first_day[c[firsts]] = d[firsts]
    lead = np.isin(direction, LINEAR) & ~np.isnan(baseline) & (first_day > start)
    lead_kr = np.flatnonzero(lead)
    pk = np.r_[lead_kr, c]
    px = np.r_[np.full(len(lead_kr), start, dtype="int64"), d].astype("float64")
    py = np.r_[baseline[lead_kr], v]
    order = np.lexsort((px, pk))
    pk, px, py = pk[order], px[order], py[order]
    npts = np.bincount(pk, minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        xbar = np.bincount(pk, px, minlength=n) / npts
        ybar = np.bincount(pk, py, minlength=n) / npts
        sxy = np.bincount(pk, (px - xbar[pk]) * (py - ybar[pk]), minlength=n)
        sxx = np.bincount(pk, (px - xbar[pk]) ** 2, minlength=n)
        drift = np.where((npts >= 2) & (sxx > 0), sxy / sxx, 0.0)
    drift = np.where(np.isfinite(drift), drift, 0.0)

    # standardised innovations of the intervals between consecutive points
    pair = pk[1:] == pk[:-1] if len(pk) else np.zeros(0, dtype=bool)
    ik = pk[1:][pair]
    span_days = (px[1:] - px[:-1])[pair]
    change = (py[1:] - py[:-1])[pair]
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (change - drift[ik] * span_days) / np.sqrt(span_days)
    z = np.where(np.isfinite(z), z, 0.0)
    intervals = np.bincount(ik, minlength=n)
    ss = np.bincount(ik, z * z, minlength=n)
    observed = np.bincount(ik, span_days, minlength=n)

    spread = np.abs(target - base0)
    sigma0 = np.where(np.isfinite(spread), FALLBACK_NOISE * spread / np.sqrt(period.days), 0.0)
    dof_obs = np.maximum(intervals - 1, 0).astype("float64")
    sigma = np.sqrt((ss + PRIOR_WEIGHT * sigma0**2) / (dof_obs + PRIOR_WEIGHT))
    dof = np.maximum(dof_obs + PRIOR_WEIGHT, MIN_DOF)
    drift_sd = 1.0 / np.sqrt(np.where(observed > 0, observed, period.days))

    anchor = np.where(count > 0, value_now, base0)
    horizon = np.where(day >= period.end, 0, end - last_day).clip(0)
    met = np.nan_to_num(value_progress(direction[c], baseline[c], target[c], v))
    thr = np.isin(direction, THRESHOLD)
    hits = np.bincount(c[thr[c]], met[thr[c]], minlength=n)
    return _Model(anchor, value_now, horizon, drift, drift_sd, sigma, dof, count, hits)


def forecast(
    plan: Plan,
    checkins: pd.DataFrame | None,
    as_of: Any = None,
    *,
    simulations: int = 2000,
    seed: int = 0,
    policy: ScoringPolicy | None = None,
) -> Forecast:
    """Forecast every key result and objective of ``plan`` at the period end.

    Parameters
    ----------
    plan, checkins, as_of, policy
        As for :func:`okrkit.scoring.score` (``as_of=None`` is today clipped into the
        period). ``policy.cadence_days`` (else ``plan.cadence_days``) is the step of the
        simulation; ``policy.green_from`` (0.7 by default) is the threshold of
        ``p_score_07``.
    simulations
        Number of Monte Carlo runs (>= 1).
    seed
        Seed of the numpy generators; the same seed gives identical results.

    Returns
    -------
    Forecast
        ``key_results`` (``KR_FORECAST_COLUMNS``, plan order) and ``objectives``
        (``OBJECTIVE_FORECAST_COLUMNS``, plan order).
    """
    if int(simulations) < 1:
        raise OKRKitError(f"simulations must be at least 1 (got {simulations})")
    sims = int(simulations)
    p = policy or ScoringPolicy()
    cadence = max(1, int(p.cadence_days or plan.cadence_days or 14))
    period = plan.period
    day = resolve_as_of(period, as_of)
    krs = plan.key_results.reset_index(drop=True)
    obj = plan.objectives.reset_index(drop=True)
    n, n_obj = len(krs), len(obj)
    direction = krs["direction"].to_numpy(dtype=object)
    baseline = krs["baseline"].to_numpy(dtype="float64")
    target = krs["target"].to_numpy(dtype="float64")
    kr_weight = krs["weight"].to_numpy(dtype="float64")
    obj_weight = obj["weight"].to_numpy(dtype="float64")
    low, high = rules.physical_range(krs)

    m = _model(krs, rules.effective_checkins(krs, checkins, period, day), period, day)
    moving = (m.horizon > 0) & ((m.sigma > 0) | (m.drift != 0))
    mv = np.flatnonzero(moving)
    thr = np.isin(direction, THRESHOLD)
    n_steps_kr = -(-m.horizon // cadence)
    steps = int(n_steps_kr[mv].max(initial=0))
    step_len = np.clip(m.horizon[mv, None] - cadence * np.arange(steps)[None, :], 0, cadence)
    step_len = step_len.astype("float64")
    total_thr = (m.count + np.where(moving, n_steps_kr, 0))[thr]
    rollup = RollUp(obj, krs["objective_id"].to_numpy(dtype=object))
    green = p.green_from
    anchor = np.clip(m.anchor, low, high)

    chunk = max(1, min(sims, _CHUNK_CELLS // max(n, 1)))
    bounds = [(j, min(sims, j + chunk)) for j in range(0, sims, chunk)]
    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(len(bounds))]
    ends = np.empty((n, sims))

    def run(k: int) -> tuple[np.ndarray, ...]:
        j0, j1 = bounds[k]
        rng = rngs[k]
        cols = j1 - j0
        x = np.repeat(anchor[:, None], cols, axis=1)
        hits = np.repeat(m.hits[thr, None], cols, axis=1)
        if len(mv):
            nu = m.dof[mv, None]
            scale = m.sigma[mv, None] * np.sqrt(nu / rng.chisquare(nu, (len(mv), cols)))
            slope = m.drift[mv, None] + m.drift_sd[mv, None] * scale * rng.standard_normal(
                (len(mv), cols), dtype=np.float32)
            lo, hi = low[mv, None], high[mv, None]
            # a rising or falling value only matters at the end: one step to the end
            walk = ~thr[mv]
            w = np.flatnonzero(walk)
            hz = m.horizon[mv][w, None].astype("float64")
            xw = x[mv[w]] + slope[w] * hz + scale[w] * np.sqrt(hz) * rng.standard_normal(
                (len(w), cols), dtype=np.float32)
            x[mv[w]] = np.clip(xw, lo[w], hi[w])
            # a threshold KR is checked in at every step: walk it step by step
            tr = np.flatnonzero(~walk)
            if len(tr):
                xt = x[mv[tr]]
                pos = np.searchsorted(np.flatnonzero(thr), mv[tr])
                for s_ in range(steps):
                    h = step_len[tr, s_, None]
                    xt += slope[tr] * h + scale[tr] * np.sqrt(h) * rng.standard_normal(
                        (len(tr), cols), dtype=np.float32)
                    np.clip(xt, lo[tr], hi[tr], out=xt)
                    met = value_progress(direction[mv[tr]], baseline[mv[tr]],
                                         target[mv[tr]], xt) == 1.0
                    hits[pos] += met & (h > 0)
                x[mv[tr]] = xt
        prog = value_progress(direction, baseline, target, x)
        if thr.any():
            with np.errstate(invalid="ignore", divide="ignore"):
                prog[thr] = hits / total_thr[:, None]
        prog[np.isnan(prog)] = 0.0
        score = np.clip(prog, 0.0, 1.0)
        ends[:, j0:j1] = x
        objective = rollup.apply(score, kr_weight, obj_weight)
        with np.errstate(invalid="ignore"):
            obj_sums = (
                objective.sum(1),
                (np.round(objective, 9) >= green).sum(1),
                (objective >= 1 - _EPS).sum(1),
            )
        return (
            score.sum(1),
            (np.round(score, 9) >= green).sum(1),
            (score >= 1 - _EPS).sum(1),
            *obj_sums,
        )

    workers = min(len(bounds), max(1, min(2, os.cpu_count() or 1)))
    if workers > 1:
        with ThreadPoolExecutor(workers) as pool:
            parts = list(pool.map(run, range(len(bounds))))
    else:
        parts = [run(k) for k in range(len(bounds))]
    totals = [np.sum([pt[i] for pt in parts], axis=0) for i in range(6)] if parts else []
    kr_stats = np.array(totals[:3], dtype="float64") / sims
    obj_stats = np.array(totals[3:], dtype="float64") / sims
    obj_stats[:, np.isnan(obj_stats[0])] = np.nan

    p10, p90 = _quantiles(ends, (0.1, 0.9), workers)
    team_of = dict(zip(obj["objective_id"], obj["team"], strict=False))
    key_results = pd.DataFrame(
        {
            "kr_id": krs["kr_id"].to_numpy(dtype=object),
            "objective_id": krs["objective_id"].to_numpy(dtype=object),
            "team": krs["objective_id"].map(team_of).to_numpy(dtype=object),
            "value_now": m.value_now,
            "expected_value": ends.mean(axis=1) if n else np.zeros(0),
            "expected_score": kr_stats[0] if n else np.zeros(0),
            "p_score_07": kr_stats[1] if n else np.zeros(0),
            "p_complete": kr_stats[2] if n else np.zeros(0),
            "p10_value": p10,
            "p90_value": p90,
        }
    )[KR_FORECAST_COLUMNS]
    key_results["team"] = key_results["team"].astype(object).where(key_results["team"].notna(), None)
    objectives = pd.DataFrame(
        {
            "objective_id": obj["objective_id"].to_numpy(dtype=object),
            "expected_score": obj_stats[0] if n_obj else np.zeros(0),
            "p_score_07": obj_stats[1] if n_obj else np.zeros(0),
            "p_complete": obj_stats[2] if n_obj else np.zeros(0),
        }
    )[OBJECTIVE_FORECAST_COLUMNS]
    return Forecast(
        period=period,
        as_of=day,
        key_results=key_results,
        objectives=objectives,
        simulations=sims,
        seed=int(seed),
    )


def _quantiles(ends: np.ndarray, qs: tuple[float, ...], workers: int) -> list[np.ndarray]:
    """Per-row quantiles (linear interpolation, numpy's default) via one partition."""
    n, s = ends.shape
    if not n:
        return [np.zeros(0) for _ in qs]
    pos = [q * (s - 1) for q in qs]
    kth = sorted({int(np.floor(x)) for x in pos} | {min(s - 1, int(np.floor(x)) + 1) for x in pos})
    # rows whose simulations do not vary need no partition
    lo, hi = ends.min(axis=1), ends.max(axis=1)
    vary = np.flatnonzero(hi > lo)
    out = [lo.copy() for _ in qs]
    if not len(vary):
        return out

    def part(rows: np.ndarray) -> np.ndarray:
        return np.partition(ends[rows], kth, axis=1)[:, kth]

    blocks = np.array_split(vary, max(1, workers * 4))
    if workers > 1 and len(vary) > 256:
        with ThreadPoolExecutor(workers) as pool:
            picked = np.concatenate(list(pool.map(part, blocks)))
    else:
        picked = part(vary)
    col = {k: i for i, k in enumerate(kth)}
    for i, x in enumerate(pos):
        f = int(np.floor(x))
        g = min(s - 1, f + 1)
        frac = x - f
        a, b = picked[:, col[f]], picked[:, col[g]]
        out[i][vary] = a + (b - a) * frac
    return out

"""Monte Carlo forecast: where each key result and objective will likely end the period.

For every key result the effective check-in history is taken with the scoring rules
(:func:`okrkit.rules.effective_checkins`: check-ins in the period, dated on or before
``as_of``, the latest recorded one winning for a KR and day). The value at the period end is then
projected from the **anchor** (the latest check-in, or ``(period start, baseline)`` when
there is none) over the **horizon** (days from the anchor to the period end; 0 once
``as_of`` is on or after the period end, when the forecast is the scored state):

* **Trend** — two or more check-ins: the least-squares slope per day through them;
  one check-in: the slope from ``(period start, baseline)`` to it; none: flat.
* **Noise** — two or more check-ins: the observed per-day changes between consecutive
  check-ins are centred on their mean and resampled (bootstrap) once per step of
  ``cadence_days`` (the last step may be shorter), each scaled by the step length. The
  noise has mean zero, so ``expected_value`` follows the trend, and a KR whose changes do
  not vary (perfectly linear check-ins) is deterministic. Fewer than two check-ins (the
  fallback): a Gaussian random walk whose standard deviation over a whole period is 10% of
  ``|target - baseline|`` (so ``0.1 * |target - baseline| * sqrt(horizon / period days)``
  over the horizon).

Each simulated end value becomes a progress and a score with the scoring rules
(:func:`okrkit.rules.value_progress`); for ``at_least`` / ``at_most`` one future check-in
is assumed at the end of every step, and progress is the share of all check-ins (observed
and simulated) meeting the threshold. A ``milestone`` count is projected like any other
value (a fractional count is not rounded).

``score = clip(progress, 0, 1)``; missing progress scores 0, as in scoring. Objectives are
rolled up **per simulation** (weighted mean of KR scores, then of child objectives, with
the same :class:`okrkit.rules.RollUp` as scoring), so ``p_score_07`` of an objective is
the probability that *its* score ends at or above the green threshold — not a mean of KR
probabilities.

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
from okrkit.rules import THRESHOLD, RollUp, value_progress
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
FALLBACK_NOISE = 0.10  # share of |target - baseline| per whole period (random walk)
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
    n = len(krs)
    direction = krs["direction"].to_numpy(dtype=object)
    baseline = krs["baseline"].to_numpy(dtype="float64")
    target = krs["target"].to_numpy(dtype="float64")
    kr_weight = krs["weight"].to_numpy(dtype="float64")
    obj_weight = obj["weight"].to_numpy(dtype="float64")
    start = int(np.datetime64(period.start, "D").astype("int64"))
    end = int(np.datetime64(period.end, "D").astype("int64"))

    eff = rules.effective_checkins(krs, checkins, period, day)
    ok = ~np.isnan(eff.value)
    c, d, v = eff.kr[ok], eff.day[ok], eff.value[ok]
    count = np.bincount(c, minlength=n)
    has = count > 0
    last = np.r_[c[1:] != c[:-1], True] if len(c) else np.array([], dtype=bool)
    value_now = np.full(n, np.nan)
    value_now[c[last]] = v[last]
    last_day = np.full(n, start, dtype="int64")
    last_day[c[last]] = d[last]

    # trend: least squares for >= 2 check-ins, from (start, baseline) for one, flat for none
    base0 = np.where(np.isnan(baseline), 0.0, baseline)
    slope = np.zeros(n)
    with np.errstate(invalid="ignore", divide="ignore"):
        x = (d - start).astype("float64")
        xbar = np.bincount(c, x, minlength=n) / count
        vbar = np.bincount(c, v, minlength=n) / count
        sxy = np.bincount(c, (x - xbar[c]) * (v - vbar[c]), minlength=n)
        sxx = np.bincount(c, (x - xbar[c]) ** 2, minlength=n)
        ls = sxy / sxx
        one = (value_now - base0) / (last_day - start)
    multi = count >= 2
    slope[multi] = ls[multi]
    single = (count == 1) & (last_day > start)
    slope[single] = one[single]
    slope = np.where(np.isfinite(slope), slope, 0.0)

    # bootstrap pool: per-day changes between consecutive check-ins, centred per KR
    pair = c[1:] == c[:-1] if len(c) else np.array([], dtype=bool)
    rate_kr = c[1:][pair]
    rates = (v[1:][pair] - v[:-1][pair]) / (d[1:][pair] - d[:-1][pair])
    n_rates = np.bincount(rate_kr, minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_rate = np.bincount(rate_kr, rates, minlength=n) / n_rates
    centred = rates - mean_rate[rate_kr]
    tol = 1e-12 * (1.0 + np.abs(mean_rate[rate_kr]))
    spread = np.bincount(rate_kr, (np.abs(centred) > tol).astype("float64"), minlength=n) > 0
    rate_start = np.zeros(n, dtype="int64")
    if len(rate_kr):
        firsts = np.flatnonzero(np.r_[True, rate_kr[1:] != rate_kr[:-1]])
        rate_start[rate_kr[firsts]] = firsts

    span = np.abs(target - base0)
    sigma_day = np.where(np.isfinite(span), FALLBACK_NOISE * span / np.sqrt(period.days), 0.0)
    anchor = np.where(has, value_now, base0)
    horizon = np.where(day >= period.end, 0, end - last_day).clip(0)
    resample = multi & spread & (horizon > 0)
    walk = (count < 2) & (sigma_day > 0) & (horizon > 0)

    # threshold KRs: observed hits and the number of future check-ins (one per step)
    thr = np.isin(direction, THRESHOLD)
    met = np.nan_to_num(value_progress(direction[c], baseline[c], target[c], v))
    hits_obs = np.bincount(c[thr[c]], met[thr[c]], minlength=n)
    n_steps_kr = -(-horizon // cadence)
    steps = int(n_steps_kr.max(initial=0))

    # permuted order: resampled KRs first, then random walks, then deterministic ones
    perm = np.r_[np.flatnonzero(resample), np.flatnonzero(walk), np.flatnonzero(~(resample | walk))]
    n_r, n_w = int(resample.sum()), int(walk.sum())
    pr = perm[:n_r]
    pw = perm[n_r : n_r + n_w]
    thr_p = np.flatnonzero(thr[perm])
    thr_kr = perm[thr_p]
    step_len = np.clip(horizon[perm, None] - cadence * np.arange(steps)[None, :], 0, cadence)
    step_len = step_len.astype("float64")
    rollup = RollUp(obj, krs["objective_id"].to_numpy(dtype=object)[perm])
    kw_p, dir_p, b_p, t_p = kr_weight[perm], direction[perm], baseline[perm], target[perm]
    total_thr = count[thr_kr] + n_steps_kr[thr_kr]
    green = p.green_from

    chunk = max(1, min(sims, _CHUNK_CELLS // max(n, 1)))
    bounds = [(j, min(sims, j + chunk)) for j in range(0, sims, chunk)]
    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(len(bounds))]
    ends = np.empty((n, sims))
    n_obj = len(obj)

    def run(k: int) -> tuple[np.ndarray, ...]:
        j0, j1 = bounds[k]
        rng = rngs[k]
        cols = j1 - j0
        x = np.repeat(anchor[perm, None], cols, axis=1)
        hits = np.repeat(hits_obs[thr_kr, None], cols, axis=1)
        for s in range(steps):
            h = step_len[:, s]
            x += (slope[perm] * h)[:, None]
            if n_r:
                u = rng.random((n_r, cols), dtype=np.float32)
                pick = (u * n_rates[pr, None]).astype("int64")
                np.minimum(pick, n_rates[pr, None] - 1, out=pick)
                pick += rate_start[pr, None]
                x[:n_r] += centred[pick] * h[:n_r, None]
            if n_w:
                z = rng.standard_normal((n_w, cols))
                x[n_r : n_r + n_w] += z * (sigma_day[pw] * np.sqrt(h[n_r : n_r + n_w]))[:, None]
            if len(thr_p):
                met = value_progress(dir_p[thr_p], b_p[thr_p], t_p[thr_p], x[thr_p]) == 1.0
                hits += met & (h[thr_p] > 0)[:, None]
        prog = value_progress(dir_p, b_p, t_p, x)
        if len(thr_p):
            with np.errstate(invalid="ignore", divide="ignore"):
                prog[thr_p] = hits / total_thr[:, None]
        prog[np.isnan(prog)] = 0.0
        score = np.clip(prog, 0.0, 1.0)
        ends[perm, j0:j1] = x
        objective = rollup.apply(score, kw_p, obj_weight)
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
    kr_stats = np.zeros((3, n))
    kr_stats[:, perm] = np.array(totals[:3], dtype="float64") / sims
    obj_stats = np.array(totals[3:], dtype="float64") / sims
    obj_stats[:, np.isnan(obj_stats[0])] = np.nan

    p10, p90 = _quantiles(ends, (0.1, 0.9), workers)
    team_of = dict(zip(obj["objective_id"], obj["team"], strict=False))
    key_results = pd.DataFrame(
        {
            "kr_id": krs["kr_id"].to_numpy(dtype=object),
            "objective_id": krs["objective_id"].to_numpy(dtype=object),
            "team": krs["objective_id"].map(team_of).to_numpy(dtype=object),
            "value_now": value_now,
            "expected_value": ends.mean(axis=1) if n else np.zeros(0),
            "expected_score": kr_stats[0],
            "p_score_07": kr_stats[1],
            "p_complete": kr_stats[2],
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

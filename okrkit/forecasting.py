"""Monte Carlo forecast: where each key result and objective will likely end the period.

For every key result the effective check-in history is taken with the scoring rules
(:func:`okrkit.rules.effective_checkins`: check-ins in the period, dated on or before
``as_of``, the latest recorded one winning for a KR and day). The value at the period end
is projected from the **anchor** (the latest check-in, or ``(period start, baseline)``
when there is none) over the **horizon** (days from the anchor to the period end; 0 once
``as_of`` is on or after the period end, when the forecast is the scored state).

What each key result's history says is estimated by :func:`okrkit.forecast_model.estimate`
(the rules are in that module):

* **Rising and falling key results** (and counts of several milestones) are a **random
  walk with drift**. The drift is the least-squares slope through the check-ins (and the
  baseline at the period start, unless the check-ins contradict it), or through the last
  three points when the last two intervals show a significant stall or speed-up; it is
  combined by precision with a **prior**: the plan's (the target reached at the period
  end, give or take 0.6 of it: :data:`okrkit.forecast_model.PLAN_PRIOR`) or one learned
  from the team's closed periods (:mod:`okrkit.priors`). A key result without a check-in
  gets no drift prior: it stays at its baseline on average (silence is never progress).
  The noise pools the observed innovations with ``PRIOR_WEIGHT`` pseudo-intervals of the
  fallback noise (``FALLBACK_NOISE``, 10% of ``|target - baseline|`` over a period, or the
  learned one), so thin evidence is never certain while time remains. Each simulation
  draws its noise scale from the scaled inverse chi-square of that pooled estimate
  (Student-t marginals) and its drift from the drift's posterior.
* **Threshold key results** (``at_least`` / ``at_most``) are a **level with independent
  noise**: each future check-in (one every ``cadence_days``; the last step may be shorter)
  is the level plus noise, both estimated from the values observed.
* **A single milestone** (``milestone`` with target 1) not reached yet is an **event**:
  reached by the end with the gamma-Poisson probability of its prior rate, lowered by the
  days checked in without it. Milestones reached stay reached.
* **Range**: simulated values are clipped to the metric's physical range
  (:func:`okrkit.rules.physical_range`: 0..100 for ``%``, >= 0 when baseline and target
  are, or the key result's own ``min`` / ``max``).

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
from okrkit.forecast_model import (  # noqa: F401  (the constants stay importable here)
    FALLBACK_NOISE,
    MIN_DOF,
    PLAN_PRIOR,
    PRIOR_WEIGHT,
    Prior,
    estimate,
)
from okrkit.frames import Plan
from okrkit.period import Period
from okrkit.priors import Priors
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
_EPS = 1e-9
DEFAULT_PRIOR = PLAN_PRIOR
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
    #: the simulated final KR scores (n_krs x simulations, plan order) when asked for with
    #: ``keep_scores=True`` (for the CRPS of the backtest), else ``None``
    simulated_scores: np.ndarray | None = None


def forecast(
    plan: Plan,
    checkins: pd.DataFrame | None,
    as_of: Any = None,
    *,
    simulations: int = 2000,
    seed: int = 0,
    policy: ScoringPolicy | None = None,
    keep_scores: bool = False,
    prior: Prior | Priors | None = None,
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
    prior
        What the forecast expects before the check-ins say so: a
        :class:`~okrkit.forecast_model.Prior`, or :class:`~okrkit.priors.Priors` learned
        from closed periods (:func:`okrkit.priors.store_priors`); ``None``: the plan's own
        prior (:data:`DEFAULT_PRIOR`, i.e. :data:`okrkit.forecast_model.PLAN_PRIOR`).
    keep_scores
        Also return every simulated final KR score (``Forecast.simulated_scores``), the
        model's final-score distribution; off by default (memory: KRs x simulations).

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

    team_of = dict(zip(obj["objective_id"], obj["team"], strict=False))
    if isinstance(prior, Priors):
        prior = prior.for_key_results(krs["objective_id"].map(team_of), direction)
    m = estimate(krs, rules.effective_checkins(krs, checkins, period, day), period, day,
                 prior or DEFAULT_PRIOR)
    thr = np.isin(direction, THRESHOLD)
    step = np.flatnonzero(~np.isnan(m.p_done) & (m.horizon > 0))  # a single milestone
    counted = np.flatnonzero(~np.isnan(m.hit_a) & (m.horizon > 0))  # a threshold's hits
    counted_pos = np.searchsorted(np.flatnonzero(thr), counted)
    moving = (m.horizon > 0) & ((m.sigma > 0) | (m.drift != 0) | thr) & np.isnan(m.p_done)
    mv = np.flatnonzero(moving)
    n_steps_kr = -(-m.horizon // cadence)
    steps = int(n_steps_kr[mv].max(initial=0))
    step_len = np.clip(m.horizon[mv, None] - cadence * np.arange(steps)[None, :], 0, cadence)
    step_len = step_len.astype("float64")
    total_thr = (m.count + np.where(moving, n_steps_kr, 0))[thr]
    rollup = RollUp(obj, krs["objective_id"].to_numpy(dtype=object))
    green = p.green_from
    anchor = np.clip(m.anchor, low, high)
    # milestones reached stay reached: a milestone count never goes down
    low = np.where(direction == "milestone", np.maximum(low, anchor), low)

    chunk = max(1, min(sims, _CHUNK_CELLS // max(n, 1)))
    bounds = [(j, min(sims, j + chunk)) for j in range(0, sims, chunk)]
    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(len(bounds))]
    ends = np.empty((n, sims))
    kept = np.empty((n, sims)) if keep_scores else None

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
            # a threshold KR is checked in at every step: a level with independent noise
            tr = np.flatnonzero(~walk & np.isnan(m.hit_a[mv]))
            if len(tr):
                kt = mv[tr]
                pos = np.searchsorted(np.flatnonzero(thr), kt)
                level = m.level[kt, None] + m.level_sd[kt, None] * scale[tr] * \
                    rng.standard_normal((len(tr), cols), dtype=np.float32)
                xt = x[kt]
                for s_ in range(steps):
                    h = step_len[tr, s_, None] > 0
                    new = np.clip(level + scale[tr] * rng.standard_normal(
                        (len(tr), cols), dtype=np.float32), lo[tr], hi[tr])
                    met = value_progress(direction[kt], baseline[kt], target[kt], new) == 1.0
                    hits[pos] += met & h
                    xt = np.where(h, new, xt)
                x[kt] = xt
        if len(counted):  # a threshold without a baseline: future hits at a beta rate
            theta = rng.beta(m.hit_a[counted, None], m.hit_b[counted, None],
                             (len(counted), cols))
            hits[counted_pos] += rng.binomial(n_steps_kr[counted, None], theta)
        if len(step):  # a single milestone is reached by the end, or not
            done = rng.random((len(step), cols)) < m.p_done[step, None]
            x[step] = np.where(done, target[step, None], x[step])
        prog = value_progress(direction, baseline, target, x)
        if thr.any():
            with np.errstate(invalid="ignore", divide="ignore"):
                prog[thr] = hits / total_thr[:, None]
        prog[np.isnan(prog)] = 0.0
        score = np.clip(prog, 0.0, 1.0)
        ends[:, j0:j1] = x
        if kept is not None:
            kept[:, j0:j1] = score
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
        simulated_scores=kept,
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

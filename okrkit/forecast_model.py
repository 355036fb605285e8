"""What the forecast estimates from each key result's history: its trend and its noise.

:func:`estimate` turns the effective check-ins into one :class:`Model` per key result;
:mod:`okrkit.forecasting` simulates from it. The rules (the README section "Confidence
calibration" and :mod:`okrkit.forecasting` describe them in words):

**Rising and falling key results** (and milestone counts) are a random walk with drift.

* *Points*: the effective check-ins, plus ``(period start, baseline)`` for a rising or
  falling key result whose first check-in comes later (the baseline is a measurement) —
  unless the check-ins contradict it (the baseline test below).
* *Drift*: the least-squares slope per day through the points; *noise*: the standardised
  innovations ``(change - drift * days) / sqrt(days)`` of the intervals between
  consecutive points, their sum of squares pooled with ``PRIOR_WEIGHT`` pseudo-intervals
  of the fallback noise (``FALLBACK_NOISE`` of ``|target - baseline|`` over a period).
* *The baseline test*: with at least two check-ins, the rate of the first interval (from
  the baseline) is compared with the rate of the others (a two-sample test of the drift
  under the pooled noise); when they differ significantly (``CHANGE_Z``, about 1%) the
  baseline is older than the period or the work started before it, and the baseline
  point is dropped.
* *The change test*: with at least four intervals, the rate of the last two is compared
  with the rate of the earlier ones the same way. When it differs significantly the key
  result has stalled (or sped up): the drift is the least-squares slope through the last
  three points only, its uncertainty the days they span, and the noise pools the
  innovations about each part's own rate.

**Threshold key results** (``at_least`` / ``at_most``) with a baseline are a level with
independent noise: each future check-in is ``level + noise``, the level the mean of the
values observed (uncertain by ``noise / sqrt(n)``) and the noise their standard deviation
pooled with ``PRIOR_WEIGHT`` pseudo-values of ``FALLBACK_NOISE`` of ``|target - baseline|``.
Without a baseline nothing says how far a value is from trouble, so the forecast counts:
each future check-in meets the threshold with a probability whose beta prior has mean
``Prior.hit_rate`` (0.8, or the team's rate in closed periods) and the weight of
``Prior.hit_weight`` (2) check-ins, updated by the hits and misses so far.

The noise scale's degrees of freedom are ``observed - estimated + PRIOR_WEIGHT``, at
least ``MIN_DOF``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from okrkit import rules
from okrkit.period import Period
from okrkit.rules import LINEAR, THRESHOLD, value_progress

FALLBACK_NOISE = 0.10  # sd over a whole period, as a share of |target - baseline|
PRIOR_WEIGHT = 1.0  # pseudo-intervals of the fallback noise pooled with the observed ones
MIN_DOF = 3.0  # the noise scale's degrees of freedom never go below this (finite variance)
CHANGE_Z = 2.576  # two-sided 1% level of the baseline and change tests (normal scale)


@dataclass(frozen=True)
class Prior:
    """What a key result's progress is expected to do before its check-ins say so.

    ``drift`` and ``drift_sd``: the prior of the drift, in progress per period (1.0 = the
    target reached at the period end); ``noise``: the fallback noise, progress per square
    root of a period (the module's ``FALLBACK_NOISE`` by default). ``drift_sd=inf`` is no
    drift prior at all. A key result without any check-in never gets the drift prior
    (silence is never progress). Each field is a number for every key result or an array
    with one per key result (:meth:`okrkit.priors.Priors.for_key_results`).
    """

    drift: float | np.ndarray = 0.0
    drift_sd: float | np.ndarray = float("inf")
    noise: float | np.ndarray = FALLBACK_NOISE
    #: a threshold key result without a baseline: the prior share of check-ins meeting it
    #: and that prior's weight in check-ins
    hit_rate: float | np.ndarray = 0.8
    hit_weight: float | np.ndarray = 2.0


NO_PRIOR = Prior()
#: The plan as a prior, when no closed period says better: the target was set to be
#: reached by the period end (drift 1.0 per period), give or take 0.6 of it.
PLAN_PRIOR = Prior(drift=1.0, drift_sd=0.6)


@dataclass(frozen=True)
class Model:
    """Per key result: where the walk starts, its drift and noise, and how long it runs.

    For a threshold key result ``drift`` is 0, ``level`` the mean observed value and
    ``sigma`` the noise of one check-in; for the others ``sigma`` is per sqrt(day).
    """

    anchor: np.ndarray
    value_now: np.ndarray
    horizon: np.ndarray  # days from the anchor to the period end (0: nothing left)
    drift: np.ndarray  # per day
    drift_sd: np.ndarray  # per unit of noise scale
    sigma: np.ndarray
    dof: np.ndarray  # degrees of freedom of the pooled estimate
    count: np.ndarray  # effective check-ins
    hits: np.ndarray  # observed check-ins meeting a threshold
    level: np.ndarray  # threshold key results: the mean observed value
    level_sd: np.ndarray  # threshold key results: the level's sd per unit of noise
    lead_dropped: np.ndarray  # the baseline test rejected the baseline point
    changed: np.ndarray  # the change test found a stall or a speed-up
    p_done: np.ndarray  # a single milestone: P(reached by the end) (1 once reached), else NaN
    hit_a: np.ndarray  # a threshold without a baseline: beta posterior of its hit rate
    hit_b: np.ndarray  # (NaN for the others)


def significant(t: np.ndarray, dof: np.ndarray) -> np.ndarray:
    """Whether Student-t statistics ``t`` (``dof`` degrees of freedom) pass ``CHANGE_Z``.

    ``t`` is put on the normal scale with ``sqrt(dof * log(1 + t² / dof) * (1 - 1/(2 dof)))``
    (a slightly conservative approximation of the t-to-normal quantile map).
    """
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):  # huge t: z = inf
        z = np.sqrt(dof * np.log1p(t * t / dof) * np.clip(1 - 1 / (2 * dof), 0, 1))
    return np.nan_to_num(z) > CHANGE_Z


def _slope(k: np.ndarray, x: np.ndarray, y: np.ndarray, n: int) -> tuple[np.ndarray, ...]:
    """Least-squares slope per group ``k`` (0 with fewer than two points)."""
    npts = np.bincount(k, minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        xbar = np.bincount(k, x, minlength=n) / npts
        ybar = np.bincount(k, y, minlength=n) / npts
        sxy = np.bincount(k, (x - xbar[k]) * (y - ybar[k]), minlength=n)
        sxx = np.bincount(k, (x - xbar[k]) ** 2, minlength=n)
        slope = np.where((npts >= 2) & (sxx > 0), sxy / sxx, 0.0)
    return np.where(np.isfinite(slope), slope, 0.0), npts


def _intervals(pk: np.ndarray, px: np.ndarray, py: np.ndarray, n: int) -> tuple[np.ndarray, ...]:
    """Consecutive-point intervals: KR, days, change, position from the end (1 = last)."""
    pair = pk[1:] == pk[:-1] if len(pk) else np.zeros(0, dtype=bool)
    ik = pk[1:][pair]
    span = (px[1:] - px[:-1])[pair]
    change = (py[1:] - py[:-1])[pair]
    m = np.bincount(ik, minlength=n)
    first = np.r_[True, ik[1:] != ik[:-1]] if len(ik) else np.zeros(0, dtype=bool)
    start = np.flatnonzero(first)
    idx = np.arange(len(ik)) - np.repeat(start, np.diff(np.r_[start, len(ik)]))
    from_end = m[ik] - idx
    return ik, span, change, from_end, m


def _two_rates(ik: np.ndarray, span: np.ndarray, change: np.ndarray, part: np.ndarray,
               n: int, sigma0: np.ndarray) -> tuple[np.ndarray, ...]:
    """Two-sample test of the drift: intervals in ``part`` against the others.

    Returns ``(t, dof, ss, rate_part, rate_rest)`` per KR; ``ss`` is the sum of squared
    standardised innovations about each side's own rate (increments' maximum likelihood).
    """
    t_p = np.bincount(ik, span * part, minlength=n)
    t_r = np.bincount(ik, span * ~part, minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        r_p = np.bincount(ik, change * part, minlength=n) / t_p
        r_r = np.bincount(ik, change * ~part, minlength=n) / t_r
        rate = np.where(part, r_p[ik], r_r[ik])
        ss = np.bincount(ik, (change - rate * span) ** 2 / span, minlength=n)
        m = np.bincount(ik, minlength=n)
        dof = np.maximum(m - 2, 0) + PRIOR_WEIGHT
        sd = np.sqrt((ss + PRIOR_WEIGHT * sigma0**2) / dof * (1 / t_p + 1 / t_r))
        t = (r_p - r_r) / sd
    return np.nan_to_num(t), dof, np.nan_to_num(ss), r_p, r_r


def estimate(krs: pd.DataFrame, eff: rules.Effective, period: Period, day: dt.date,
             prior: Prior = NO_PRIOR) -> Model:
    """The :class:`Model` of every key result of ``krs`` from its effective check-ins."""
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
    thr = np.isin(direction, THRESHOLD)
    spread = np.abs(target - base0)
    sigma0 = np.where(np.isfinite(spread), prior.noise * spread / np.sqrt(period.days), 0.0)

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
    is_lead = np.r_[np.ones(len(lead_kr), dtype=bool), np.zeros(len(c), dtype=bool)]
    order = np.lexsort((px, pk))
    pk, px, py, is_lead = pk[order], px[order], py[order], is_lead[order]

    # the baseline test: is the first interval's rate that of the others?
    ik, span, change, from_end, m = _intervals(pk, px, py, n)
    first_iv = np.r_[True, ik[1:] != ik[:-1]] if len(ik) else np.zeros(0, dtype=bool)
    t_lead, dof_lead, *_ = _two_rates(ik, span, change, first_iv, n, sigma0)
    lead_dropped = lead & (m >= 2) & significant(np.abs(t_lead), dof_lead)
    if lead_dropped.any():
        keep = ~(is_lead & lead_dropped[pk])
        pk, px, py = pk[keep], px[keep], py[keep]
        ik, span, change, from_end, m = _intervals(pk, px, py, n)

    drift, _ = _slope(pk, px, py, n)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (change - drift[ik] * span) / np.sqrt(span)
    z = np.where(np.isfinite(z), z, 0.0)
    ss = np.bincount(ik, z * z, minlength=n)
    observed = np.bincount(ik, span, minlength=n)
    dof_obs = np.maximum(m - 1, 0).astype("float64")

    # the change test: are the last two intervals' rate that of the earlier ones?
    recent = from_end <= 2
    t_chg, dof_chg, ss_chg, *_ = _two_rates(ik, span, change, recent, n, sigma0)
    changed = ~thr & (m >= 4) & significant(np.abs(t_chg), dof_chg)
    if changed.any():
        # the segment since the change: the last three points of each changed KR
        npts = np.bincount(pk, minlength=n)
        pos = np.arange(len(pk)) - np.repeat(np.r_[0, np.cumsum(npts)[:-1]], npts)
        seg = changed[pk] & (pos >= npts[pk] - 3)
        seg_drift, _ = _slope(pk[seg], px[seg], py[seg], n)
        drift = np.where(changed, seg_drift, drift)
        ss = np.where(changed, ss_chg, ss)
        observed = np.where(changed, np.bincount(ik, span * recent, minlength=n), observed)
        dof_obs = np.where(changed, np.maximum(m - 2, 0), dof_obs)

    sigma = np.sqrt((ss + PRIOR_WEIGHT * sigma0**2) / (dof_obs + PRIOR_WEIGHT))
    dof = np.maximum(dof_obs + PRIOR_WEIGHT, MIN_DOF)
    drift_sd = 1.0 / np.sqrt(np.where(observed > 0, observed, period.days))
    if np.isfinite(np.asarray(prior.drift_sd)).any():  # the drift's prior, by precision
        span_v = (target - base0) / period.days
        with np.errstate(invalid="ignore"):
            mu0, tau = prior.drift * span_v, prior.drift_sd * np.abs(span_v)
        use = (count > 0) & ~thr & np.isfinite(span_v) & np.isfinite(tau) & (tau > 0) & (
            sigma > 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            p_data = np.where(observed > 0, observed, 0) / sigma**2
            p_prior = 1 / tau**2
            post = (mu0 * p_prior + drift * p_data) / (p_prior + p_data)
            post_sd = 1 / np.sqrt(p_prior + p_data) / sigma
        drift = np.where(use, post, drift)
        drift_sd = np.where(use, post_sd, drift_sd)

    # threshold key results: a level with independent noise, or counted hits
    level = np.full(n, np.nan)
    level_sd = np.ones(n)
    hit_a, hit_b = np.full(n, np.nan), np.full(n, np.nan)
    met = np.nan_to_num(value_progress(direction[c], baseline[c], target[c], v))
    hits = np.bincount(c[thr[c]], met[thr[c]], minlength=n)
    if thr.any():
        tc = thr[c]
        k, vals = c[tc], v[tc]
        cnt = np.bincount(k, minlength=n).astype("float64")
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.bincount(k, vals, minlength=n) / cnt
            dev = np.bincount(k, (vals - mean[k]) ** 2, minlength=n)
        dof_t = np.maximum(cnt - 1, 0)
        level = np.where(thr & (cnt > 0), mean, base0)
        level_sd = np.where(thr & (cnt > 0), 1 / np.sqrt(np.maximum(cnt, 1)), 1.0)
        prior_t = np.where(np.isfinite(spread), prior.noise * spread, 0.0)
        sig_t = np.sqrt((np.nan_to_num(dev) + PRIOR_WEIGHT * prior_t**2) / (dof_t + PRIOR_WEIGHT))
        sigma = np.where(thr, sig_t, sigma)
        dof = np.where(thr, np.maximum(dof_t + PRIOR_WEIGHT, MIN_DOF), dof)
        drift = np.where(thr, 0.0, drift)
        counted = thr & np.isnan(baseline) & (cnt > 0)
        rate = np.clip(np.broadcast_to(np.asarray(prior.hit_rate, "float64"), (n,)), 0.01, 0.99)
        weight = np.broadcast_to(np.asarray(prior.hit_weight, "float64"), (n,))
        hit_a = np.where(counted, rate * weight + hits, np.nan)
        hit_b = np.where(counted, (1 - rate) * weight + cnt - hits, np.nan)

    anchor = np.where(count > 0, value_now, base0)
    horizon = np.where(day >= period.end, 0, end - last_day).clip(0)
    p_done = _single_milestone(direction, target, value_now, count, last_day - start, horizon,
                               prior, period.days)
    return Model(anchor, value_now, horizon, drift, drift_sd, sigma, dof, count, hits, level,
                 level_sd, lead_dropped, changed, p_done, hit_a, hit_b)


def _single_milestone(direction: np.ndarray, target: np.ndarray, value_now: np.ndarray,
                      count: np.ndarray, exposure: np.ndarray, horizon: np.ndarray,
                      prior: Prior, days: int) -> np.ndarray:
    """P(a single milestone is reached by the end): 1 once reached, else NaN for others.

    A single milestone is an event: its rate per day has a gamma prior with the drift
    prior's mean and sd (one milestone per period at drift 1.0), updated by the days
    checked in without it; the chance of it happening in the days left is the
    gamma-Poisson ``1 - (b / (b + horizon)) ** a``.
    """
    n = len(direction)
    mu = np.broadcast_to(np.asarray(prior.drift, dtype="float64"), (n,))
    tau = np.broadcast_to(np.asarray(prior.drift_sd, dtype="float64"), (n,))
    one = (direction == "milestone") & (target == 1) & (count > 0)
    reached = one & (np.nan_to_num(value_now) >= 1)
    single = one & ~reached & np.isfinite(tau) & (tau > 0)
    out = np.where(reached, 1.0, np.nan)  # reached stays reached
    if not single.any():
        return out
    with np.errstate(invalid="ignore", divide="ignore"):
        a = (mu / tau) ** 2
        b = mu * days / tau**2 + np.maximum(exposure, 0)
        p = 1 - (b / (b + horizon)) ** a
    out[single] = np.where(mu[single] > 0, np.nan_to_num(p[single]), 0.0)
    return out

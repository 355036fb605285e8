"""The per-key-result rules of okrkit, one home each.

Scoring, the forecast, what-if, the charts, the widgets and the store all call these
functions; none of them computes progress or picks check-ins on its own.

* **Progress of a value** (:func:`value_progress`): ``increase`` / ``decrease``:
  ``(value - baseline) / (target - baseline)`` (one formula for both directions);
  ``milestone``: ``value / target`` (milestones reached of those planned);
  ``at_least`` / ``at_most``: 1 if the value meets the threshold, else 0.
* **Which check-in counts** (:func:`effective_checkins`, :func:`latest_per_day`): for one
  key result and day the latest *recorded* check-in wins (``recorded_at``); a row with no
  ``recorded_at`` has not been recorded yet — an entry being typed, or a file about to be
  imported — and counts as newer than every recorded one; equal times keep the input
  order (the later row wins). Scoring uses the check-ins inside the period dated on or
  before ``as_of``.
* **Progress of a key result** (:func:`kr_progress`): the progress of its latest
  effective check-in; threshold key results score the *share* of their effective
  check-ins that met the threshold (the mean of :func:`value_progress`). No check-in, or
  a progress that cannot be computed: 0.
* **The roll-up** (:class:`RollUp`): an objective's value is the weighted mean over its
  own key results (KR weights) and its child objectives (objective weights) that have a
  value, through any depth; the overall score is the weighted mean of the root objectives
  (:func:`overall`).
* **A score override** (:func:`override_problems`): a number from 0 to 1 with a reason.
* **A reported status against the numbers** (:func:`status_conflicts`): ``Complete``
  needs the value to reach the target, ``Not Started`` needs the value still at the
  baseline. Every entry path refuses a contradiction; scoring derives the status and lets
  a reported ``At Risk`` raise a warning, never hide one (see :mod:`okrkit.pacing`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from okrkit.hierarchy import Hierarchy, positions
from okrkit.period import Period

THRESHOLD = ("at_least", "at_most")
LINEAR = ("increase", "decrease")
_NONE = np.iinfo("int64").min  # "no day" / "no time"
_PENDING = np.iinfo("int64").max  # recorded_at missing: not recorded yet, newest


# ---------------------------------------------------------------------------- progress


def value_progress(direction: Any, baseline: Any, target: Any, value: Any) -> np.ndarray:
    """Progress that ``value`` means for its key result (see the module docstring).

    ``direction``, ``baseline`` and ``target`` are per key result; ``value`` is a vector of
    the same length, or a matrix with one row per key result (e.g. simulations). NaN where
    the value is missing or the formula is undefined (``target == baseline``).

    >>> value_progress(["increase", "decrease", "at_most", "milestone"],
    ...                [88, 12, np.nan, np.nan], [95, 5, 5, 2], [96, 6.5, 4, 1]).round(3).tolist()
    [1.143, 0.786, 1.0, 0.5]
    """
    value = np.asarray(value, dtype="float64")
    shape = (-1,) + (1,) * (value.ndim - 1)
    kind = np.asarray(direction, dtype=object).reshape(-1)
    b = np.asarray(baseline, dtype="float64").reshape(shape)
    t = np.asarray(target, dtype="float64").reshape(shape)
    counted = kind == "milestone"
    thr = (kind == "at_least") | (kind == "at_most")
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        if not (counted.any() or thr.any()):  # the common case: one formula for every row
            out = (value - b) / (t - b)
        else:
            out = np.empty_like(value)
            rest = ~(counted | thr)
            out[rest] = (value[rest] - b[rest]) / (t[rest] - b[rest])
            out[counted] = value[counted] / t[counted]
            if thr.any():
                v, tt = value[thr], t[thr]
                least = (kind[thr] == "at_least").reshape((-1,) + (1,) * (value.ndim - 1))
                met = np.where(least, v >= tt, v <= tt).astype("float64")
                out[thr] = np.where(np.isnan(v) | np.isnan(tt), np.nan, met)
    out[np.isinf(out)] = np.nan
    return out


# ---------------------------------------------------------------------------- check-ins


def day_numbers(values: Any) -> np.ndarray:
    """Dates (date objects, strings or datetime64) as int64 day numbers; missing: min."""
    s = values if isinstance(values, pd.Series) else pd.Series(values)
    if pd.api.types.is_datetime64_any_dtype(s):
        arr = s.to_numpy(dtype="datetime64[D]")
    else:
        arr = pd.to_datetime(s, errors="coerce").to_numpy(dtype="datetime64[D]")
    out = arr.astype("int64")
    out[np.isnat(arr)] = _NONE
    return out


def recorded_numbers(values: Any) -> np.ndarray:
    """``recorded_at`` as int64 microseconds; missing (not recorded yet): the maximum."""
    s = values if isinstance(values, pd.Series) else pd.Series(values)
    arr = pd.to_datetime(s, errors="coerce", format="mixed").to_numpy(dtype="datetime64[us]")
    out = arr.astype("int64")
    out[np.isnat(arr)] = _PENDING
    return out


def keep_latest(group: np.ndarray, recorded: np.ndarray | None) -> np.ndarray:
    """Positions of the rows that win within each group, sorted by group.

    The winner of a group is the row with the latest ``recorded`` time; equal times (or
    ``recorded=None``: no times at all) keep the input order, so the later row wins.
    """
    if not len(group):
        return np.zeros(0, dtype="int64")
    if recorded is None or (recorded == recorded[0]).all():
        order = np.argsort(group, kind="stable")
    else:
        order = np.lexsort((recorded, group))
    g = group[order]
    last = np.ones(len(g), dtype=bool)
    last[:-1] = g[:-1] != g[1:]
    return order[last]


@dataclass(frozen=True)
class Effective:
    """The check-ins that count: one per key result and day, sorted by (KR, day).

    ``kr`` is the key result's position in plan order, ``day`` a day number, ``row`` the
    position in the input frame (-1 for entries added with :meth:`add`).
    """

    n: int  # number of key results
    kr: np.ndarray
    day: np.ndarray
    value: np.ndarray
    row: np.ndarray

    def add(self, kr: np.ndarray, day: int, value: np.ndarray) -> Effective:
        """These entries recorded now, on ``day``: each replaces its KR's check-in of that day.

        The same rule as :func:`effective_checkins` (a new entry is newer than every
        recorded one), for the what-if sliders.
        """
        kr = np.asarray(kr, dtype="int64")
        c = np.r_[self.kr, kr]
        d = np.r_[self.day, np.full(len(kr), day, dtype="int64")]
        v = np.r_[self.value, np.asarray(value, dtype="float64")]
        r = np.r_[self.row, np.full(len(kr), -1, dtype="int64")]
        lo = int(d.min(initial=0))
        span = int(d.max(initial=0)) - lo + 1
        keep = keep_latest(c * span + (d - lo), None)
        return Effective(self.n, c[keep], d[keep], v[keep], r[keep])

    def latest(self) -> np.ndarray:
        """Mask of each key result's latest effective check-in."""
        if not len(self.kr):
            return np.zeros(0, dtype=bool)
        return np.r_[self.kr[1:] != self.kr[:-1], True]

    def counts(self) -> np.ndarray:
        """Effective check-ins per key result."""
        return np.bincount(self.kr, minlength=self.n)


def _empty_effective(n: int) -> Effective:
    none = np.zeros(0, dtype="int64")
    return Effective(n, none, none, np.zeros(0), none)


def effective_checkins(
    key_results: pd.DataFrame, checkins: pd.DataFrame | None, period: Period, as_of: dt.date
) -> Effective:
    """The check-ins that count for each key result of ``key_results`` at ``as_of``.

    Check-ins of a known key result, inside the period, dated on or before ``as_of``; for
    one key result and day the latest recorded wins (see the module docstring).
    """
    n = len(key_results)
    if checkins is None or not len(checkins) or not n:
        return _empty_effective(n)
    codes = positions(key_results["kr_id"].to_numpy(dtype=object),
                      checkins["kr_id"].to_numpy(dtype=object))
    days = day_numbers(checkins["date"])
    lo = int(np.datetime64(period.start, "D").astype("int64"))
    hi = int(np.datetime64(min(as_of, period.end), "D").astype("int64"))
    idx = np.flatnonzero((codes >= 0) & (days >= lo) & (days <= hi))
    if not len(idx):
        return _empty_effective(n)
    c, d = codes[idx], days[idx]
    rec = None
    if "recorded_at" in checkins.columns:
        rec = recorded_numbers(checkins["recorded_at"])[idx]
    keep = keep_latest(c * (hi - lo + 1) + (d - lo), rec)
    rows = idx[keep]
    values = checkins["value"].to_numpy(dtype="float64")[rows]
    return Effective(n, c[keep], d[keep], values, rows)


def latest_per_day(checkins: pd.DataFrame, keys: tuple[str, ...] = ("kr_id", "date")
                   ) -> pd.DataFrame:
    """The effective rows of a check-in frame (one per ``keys``), sorted by ``keys``.

    The frame-level form of :func:`effective_checkins` for callers without a plan (the
    store's effective view, a team's history): same rule, no period filter.
    """
    if not len(checkins):
        return checkins.reset_index(drop=True)
    codes = np.zeros(len(checkins), dtype="int64")
    for name in keys:
        col = checkins[name]
        k = day_numbers(col) if name == "date" else pd.factorize(col, sort=True)[0]
        k = k.astype("int64")
        k = k - k.min()
        codes = codes * (int(k.max()) + 1) + k
    rec = recorded_numbers(checkins["recorded_at"]) if "recorded_at" in checkins else None
    keep = keep_latest(codes, rec)
    return checkins.iloc[keep].reset_index(drop=True)


@dataclass(frozen=True)
class KRState:
    """What the effective check-ins say about each key result (plan order)."""

    count: np.ndarray  # effective check-ins
    value: np.ndarray  # latest value (NaN: none)
    last_day: np.ndarray  # day number of the latest (int64 min: none)
    last_row: np.ndarray  # input row of the latest (-1: none)
    progress: np.ndarray  # unclipped progress (0 with no check-in)


def kr_progress(direction: Any, baseline: Any, target: Any, eff: Effective) -> KRState:
    """Each key result's state and progress from its effective check-ins (module docstring)."""
    n = eff.n
    direction = np.asarray(direction, dtype=object)
    count = eff.counts()
    last = eff.latest()
    value = np.full(n, np.nan)
    value[eff.kr[last]] = eff.value[last]
    last_day = np.full(n, _NONE, dtype="int64")
    last_day[eff.kr[last]] = eff.day[last]
    last_row = np.full(n, -1, dtype="int64")
    last_row[eff.kr[last]] = eff.row[last]
    progress = value_progress(direction, baseline, target, value)
    thr = np.isin(direction, THRESHOLD)
    if thr.any() and len(eff.kr):
        sel = thr[eff.kr]
        c = eff.kr[sel]
        per = value_progress(direction[c], np.full(len(c), np.nan),
                             np.asarray(target, dtype="float64")[c], eff.value[sel])
        hits = np.bincount(c, weights=np.nan_to_num(per), minlength=n)
        with np.errstate(invalid="ignore", divide="ignore"):
            progress = np.where(thr, hits / count, progress)
    progress = np.where((count > 0) & ~np.isnan(progress), progress, 0.0)
    return KRState(count, value, last_day, last_row, progress)


# ---------------------------------------------------------------------------- status entry


def status_conflicts(direction: Any, baseline: Any, target: Any, value: Any, status: Any,
                     unit: Any = None) -> list[str | None]:
    """Why each reported status contradicts the value reported with it (``None``: it does not).

    ``Complete`` needs the value to reach the target (:func:`value_progress` >= 1);
    ``Not Started`` needs the value still at the baseline (rising, falling and milestone
    key results). One entry per row; every entry path (file import, ``okrkit checkin``,
    the check-in app, the store) refuses rows with a message.
    """
    status = np.asarray(status, dtype=object)
    direction = np.asarray(direction, dtype=object)
    value = np.asarray(value, dtype="float64")
    target = np.asarray(target, dtype="float64")
    base = np.asarray(baseline, dtype="float64")
    prog = value_progress(direction, base, target, value)
    units = [""] * len(status) if unit is None else [
        f" {u}" if isinstance(u, str) and u.strip() else "" for u in unit]
    out: list[str | None] = []
    for i, s in enumerate(status):
        msg = None
        if s == "Complete" and not prog[i] >= 1 - 1e-9:
            msg = (f"status 'Complete' but the value {value[i]:g}{units[i]} has not reached "
                   f"the target {target[i]:g}{units[i]}")
        elif s == "Not Started" and direction[i] != "milestone" and direction[i] in LINEAR \
                and abs(np.nan_to_num(prog[i])) > 1e-9:
            msg = (f"status 'Not Started' but the value {value[i]:g}{units[i]} has moved from "
                   f"the baseline {base[i]:g}{units[i]}")
        elif s == "Not Started" and direction[i] == "milestone" and value[i] > 0:
            msg = (f"status 'Not Started' but {value[i]:g} of {target[i]:g} milestones are "
                   "reached")
        out.append(msg)
    return out


# ---------------------------------------------------------------------------- range


def physical_range(key_results: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The values each key result's metric can physically take: ``(low, high)`` arrays.

    A key result's own ``min`` / ``max`` win. Otherwise a ``%`` metric lies in 0..100, and
    a metric whose baseline and target are both >= 0 (counts, rates, times, money)
    cannot go below 0. Anything else is unbounded. Forecasts never leave this range and
    suggested targets never lie outside it.

    >>> import okrkit.frames as f
    >>> krs = f.conform(pd.DataFrame({"kr_id": ["a", "b", "c"], "unit": ["%", "min", "delta"],
    ...     "baseline": [40, 8, -2], "target": [70, 3, 5]}), "key_results")
    >>> [x.tolist() for x in physical_range(krs)]
    [[0.0, 0.0, -inf], [100.0, inf, inf]]
    """
    n = len(key_results)
    unit = key_results["unit"].to_numpy(dtype=object) if "unit" in key_results else [None] * n
    base = key_results["baseline"].to_numpy(dtype="float64")
    target = key_results["target"].to_numpy(dtype="float64")
    pct = np.array([isinstance(u, str) and u.strip() == "%" for u in unit], dtype=bool)
    with np.errstate(invalid="ignore"):
        nonneg = (np.nan_to_num(base, nan=0.0) >= 0) & (target >= 0)
    low = np.where(pct | nonneg, 0.0, -np.inf)
    high = np.where(pct, 100.0, np.inf)
    for col, out in (("min", low), ("max", high)):
        if col in key_results:
            given = key_results[col].to_numpy(dtype="float64")
            out[:] = np.where(np.isnan(given), out, given)
    return low, high


# ---------------------------------------------------------------------------- reviews


def override_problems(score_override: Any, override_reason: Any) -> list[tuple[str, str, str]]:
    """What is wrong with a retrospective score override: ``[(field, code, message)]``.

    The one override rule (plan files, spreadsheets, the store and the retrospective app
    call it): an override is a number from 0 to 1, it needs a reason (it never erases the
    computed score, it says why that score is not the right one), and a reason needs an
    override.

    >>> override_problems(0.8, None)[0][2]
    'a score override needs an override_reason: say why the computed score is not the right one'
    >>> override_problems(None, None)
    []
    """
    out: list[tuple[str, str, str]] = []
    blank = lambda v: v is None or (isinstance(v, float) and v != v) or (  # noqa: E731
        isinstance(v, str) and not v.strip())
    if blank(score_override):
        if not blank(override_reason):
            out.append(("override_reason", "override-without-score",
                        "an override_reason without a score_override: set the override or "
                        "clear the reason"))
        return out
    try:
        x = float(score_override)
    except (TypeError, ValueError):
        return [("score_override", "not-a-number",
                 f"score_override {score_override!r} is not a number")]
    if not (0.0 <= x <= 1.0):
        out.append(("score_override", "out-of-range",
                    f"score_override {x:g} must be between 0 and 1"))
    if blank(override_reason):
        out.append(("override_reason", "override-needs-reason",
                    "a score override needs an override_reason: say why the computed score "
                    "is not the right one"))
    return out


# ---------------------------------------------------------------------------- roll-up


class RollUp:
    """Weighted means of key-result values up the objective hierarchy, precomputed.

    ``apply(values, kr_weight, objective_weight)`` takes KR values as a vector (n_krs) or a
    matrix (n_krs x columns, e.g. simulations) without NaN and returns the objective
    values (NaN where an objective has neither key results nor valued children).
    ``totals(values)`` sums KR values over each objective's own KRs and all descendants.
    """

    def __init__(self, objectives: pd.DataFrame, kr_objective_ids: Any) -> None:
        obj = objectives.reset_index(drop=True)
        self.n = len(obj)
        self.hierarchy = Hierarchy.of(obj)
        self.parent = self.hierarchy.parent
        ids = obj["objective_id"].to_numpy(dtype=object)
        self.owner = positions(ids, np.asarray(kr_objective_ids, dtype=object))
        on = np.flatnonzero(self.owner >= 0)
        self.kr_order = on[np.argsort(self.owner[on], kind="stable")]
        grp = self.owner[self.kr_order]
        self.kr_starts = np.flatnonzero(np.r_[True, grp[1:] != grp[:-1]]) if len(grp) else grp
        self.kr_groups = grp[self.kr_starts] if len(grp) else grp
        self.levels = self.hierarchy.levels()

    def apply(self, values: np.ndarray, kr_weight: np.ndarray,
              objective_weight: np.ndarray) -> np.ndarray:
        values = np.asarray(values, dtype="float64")
        vec = values.ndim == 1
        m = values[:, None] if vec else values
        cols = m.shape[1]
        num = np.zeros((self.n, cols))
        den = np.bincount(self.owner[self.kr_order], weights=kr_weight[self.kr_order],
                          minlength=self.n).astype("float64")
        if len(self.kr_order):
            o = self.kr_order
            num[self.kr_groups] = np.add.reduceat(m[o] * kr_weight[o, None], self.kr_starts, 0)
        final = np.full((self.n, cols), np.nan)
        for i, at in enumerate(self.levels):
            ok = at[den[at] > 0]
            final[ok] = num[ok] / den[ok, None]
            if i == len(self.levels) - 1:
                break
            child = ok[self.parent[ok] >= 0]
            if len(child):
                child = child[np.argsort(self.parent[child], kind="stable")]
                par = self.parent[child]
                starts = np.flatnonzero(np.r_[True, par[1:] != par[:-1]])
                num[par[starts]] += np.add.reduceat(
                    final[child] * objective_weight[child, None], starts, 0)
                den += np.bincount(par, weights=objective_weight[child], minlength=self.n)
        return final[:, 0] if vec else final

    def totals(self, values: np.ndarray) -> np.ndarray:
        """Sum of KR ``values`` over each objective's own KRs and all its descendants."""
        on = self.owner >= 0
        out = np.bincount(self.owner[on], weights=np.asarray(values, "float64")[on],
                          minlength=self.n).astype("float64")  # int when there are no KRs
        for at in self.levels[:-1]:
            child = at[self.parent[at] >= 0]
            out += np.bincount(self.parent[child], weights=out[child], minlength=self.n)
        return out

    def overall(self, objective_scores: np.ndarray, objective_weight: np.ndarray) -> float:
        """The weighted mean of the root objectives that have a score (NaN if none)."""
        return overall(objective_scores, objective_weight, self.hierarchy.roots)


def overall(scores: np.ndarray, weights: np.ndarray, roots: np.ndarray) -> float:
    """Weighted mean of the scored root objectives (the company / period score)."""
    scores = np.asarray(scores, dtype="float64")
    ok = np.asarray(roots, dtype=bool) & ~np.isnan(scores)
    w = np.asarray(weights, dtype="float64")[ok]
    if not ok.any() or w.sum() <= 0:
        return float("nan")
    return float(np.average(scores[ok], weights=w))

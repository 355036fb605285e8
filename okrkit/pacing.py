"""Pacing: where a key result should be by a date, and the status that follows.

Expected progress is the elapsed share of the period (linear), or — when the key result
has phased milestones (the seed's Q1..Q4 dashboard targets) — the value interpolated
through ``(period start, baseline)``, each ``(milestone date, milestone value)`` and
``(period end, target)``, turned into progress with the direction formula.

Threshold key results (``at_least`` / ``at_most``) score the share of check-ins that met
the threshold; every check-in is expected to meet it, so their expected progress is 1.0
from the first day and they only count as ``Complete`` once the period is over.

Status (seed's four indicators), in this order:

* no check-in yet: ``At Risk`` once the first cadence has passed (silence is never
  green), else ``Not Started``;
* progress >= 1: ``Complete``;
* stale (no check-in for longer than the cadence), pace below ``behind_pace``, latest
  confidence below ``low_confidence``, or reported ``At Risk``: ``At Risk``;
* else the status the latest check-in reported, else ``In Progress``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from okrkit.period import Period

THRESHOLD = ("at_least", "at_most")


def expected_progress(key_results: pd.DataFrame, period: Period, as_of: dt.date) -> pd.Series:
    """Expected progress of each key result at the end of ``as_of`` (0..1).

    >>> import okrkit.frames as f
    >>> krs = f.conform(pd.DataFrame({"kr_id": ["a", "b"], "direction": ["increase", "at_least"],
    ...                               "baseline": [0, 0], "target": [10, 5]}), "key_results")
    >>> expected_progress(krs, Period.parse("2026-Q1"), dt.date(2026, 2, 14)).round(3).tolist()
    [0.5, 1.0]
    """
    n = len(key_results)
    share = period.elapsed_share(as_of)
    out = np.full(n, share, dtype="float64")
    direction = key_results["direction"].to_numpy(dtype=object)
    out[np.isin(direction, THRESHOLD)] = 1.0
    milestones = key_results["milestones"].to_numpy(dtype=object)
    has = np.flatnonzero([bool(m) for m in milestones]) if n else np.array([], dtype=int)
    if len(has):
        base = key_results["baseline"].to_numpy(dtype="float64")
        target = key_results["target"].to_numpy(dtype="float64")
        day = as_of.toordinal() + 1  # end of the day, like elapsed_share
        start = period.start.toordinal()
        end = period.end.toordinal() + 1
        for i in has:
            if direction[i] in THRESHOLD:
                continue
            b = 0.0 if direction[i] == "milestone" or np.isnan(base[i]) else base[i]
            xs = [start] + [d.toordinal() + 1 for d, _ in milestones[i]]
            ys = [b] + [float(v) for _, v in milestones[i]]
            if xs[-1] < end:
                xs.append(end)
                ys.append(target[i])
            value = float(np.interp(day, xs, ys))
            out[i] = min(1.0, max(0.0, (value - b) / (target[i] - b)))
    return pd.Series(out, index=key_results.index, name="expected")


def derive_status(
    *,
    has_checkin: np.ndarray,
    progress: np.ndarray,
    pace: np.ndarray,
    confidence: np.ndarray,
    stale: np.ndarray,
    reported: np.ndarray,
    can_complete: np.ndarray,
    behind_pace: float = -0.15,
    low_confidence: float = 0.5,
) -> np.ndarray:
    """Vectorised status per key result (see the module docstring for the rules).

    >>> derive_status(has_checkin=np.array([False, True, True, True]),
    ...               progress=np.array([0, 1.2, 0.1, 0.5]), pace=np.array([0, 0.7, -0.4, 0]),
    ...               confidence=np.array([np.nan, 0.9, 0.8, 0.9]),
    ...               stale=np.array([False] * 4), reported=np.array([None] * 4, dtype=object),
    ...               can_complete=np.array([True] * 4)).tolist()
    ['Not Started', 'Complete', 'At Risk', 'In Progress']
    """
    reported = np.asarray(reported, dtype=object)
    with np.errstate(invalid="ignore"):
        at_risk = (
            stale | (pace < behind_pace) | (confidence < low_confidence) | (reported == "At Risk")
        )
        complete = (progress >= 1.0 - 1e-9) & can_complete
    usable = np.isin(reported, ("In Progress", "Complete", "Not Started"))
    fallback = np.where(usable, reported, "In Progress")
    status = np.where(complete, "Complete", np.where(at_risk, "At Risk", fallback))
    silent = np.where(stale, "At Risk", "Not Started")
    return np.where(has_checkin, status, silent).astype(object)

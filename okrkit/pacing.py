"""Pacing: where a key result should be by a date, and the status that follows.

Expected progress is the elapsed share of the period (linear), or — when the key result
has phased milestones (the Q1..Q4 dashboard targets of ``docs/seeds/okrs-framework-for-ai-projects.md``) — the value interpolated
through ``(period start, baseline)``, each ``(milestone date, milestone value)`` and
``(period end, target)``, turned into progress with the direction formula.

Threshold key results (``at_least`` / ``at_most``) score the share of check-ins that met
the threshold; every check-in is expected to meet it, so their expected progress is 1.0
from the first day and they only count as ``Complete`` once the period is over.

Status (the four indicators of ``docs/seeds/caio-okr-planning-cadence.txt``), in order:

* no check-in yet: ``At Risk`` once the first cadence has passed (silence is never
  green), else ``Not Started``;
* progress >= 1: ``Complete``;
* stale (no check-in for longer than the cadence), pace below ``behind_pace``, latest
  confidence below ``low_confidence``, or reported ``At Risk``: ``At Risk``;
* else ``In Progress``.

The status is derived from the numbers. A *reported* status can raise a warning but never
hide one: a reported ``At Risk`` always counts; ``Complete`` and ``Not Started`` must agree
with the value reported with them (:func:`okrkit.rules.status_conflicts`, refused on
every entry path), and a reported ``In Progress`` changes nothing.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from okrkit.period import Period
from okrkit.rules import THRESHOLD


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
    silent_days: np.ndarray | None = None,
    last_checkin: np.ndarray | None = None,
    behind_pace: float = -0.15,
    low_confidence: float = 0.5,
) -> tuple[np.ndarray, np.ndarray]:
    """Status per key result and, for the At Risk ones, why (see the module docstring).

    Returns ``(status, why)``: ``why`` is the reasons in words ("behind pace (-0.49); low
    confidence (0.40)"), built from the very conditions that set the status, and ``None``
    where the status is not At Risk. ``silent_days`` (days since the last check-in, or
    since the period start) and ``last_checkin`` (dates) only feed the words.

    >>> status, why = derive_status(
    ...     has_checkin=np.array([False, True, True, True]),
    ...     progress=np.array([0, 1.2, 0.1, 0.5]), pace=np.array([0, 0.7, -0.4, 0]),
    ...     confidence=np.array([np.nan, 0.9, 0.8, 0.9]),
    ...     stale=np.array([False] * 4), reported=np.array([None] * 4, dtype=object),
    ...     can_complete=np.array([True] * 4))
    >>> status.tolist(), why.tolist()
    (['Not Started', 'Complete', 'At Risk', 'In Progress'], [None, None, 'behind pace (-0.40)', None])
    """
    reported = np.asarray(reported, dtype=object)
    stale = np.asarray(stale, dtype=bool)
    with np.errstate(invalid="ignore"):
        behind = has_checkin & (pace < behind_pace)
        unsure = has_checkin & (confidence < low_confidence)
        flagged = has_checkin & (reported == "At Risk")
        complete = has_checkin & (progress >= 1.0 - 1e-9) & can_complete
    at_risk = ~complete & (stale | behind | unsure | flagged)
    status = np.where(
        complete, "Complete",
        np.where(at_risk, "At Risk", np.where(has_checkin, "In Progress", "Not Started")),
    ).astype(object)
    why = np.full(len(status), None, dtype=object)
    for i in np.flatnonzero(at_risk):
        parts = []
        if stale[i]:
            days = "" if silent_days is None else f" ({int(silent_days[i])} days)"
            if not has_checkin[i]:
                parts.append(f"no check-in yet{days}")
            else:
                last = "" if last_checkin is None else f" since {last_checkin[i]}"
                parts.append(f"no check-in{last}{days}")
        if behind[i]:
            parts.append(f"behind pace ({float(pace[i]):+.2f})")
        if unsure[i]:
            parts.append(f"low confidence ({float(confidence[i]):.2f})")
        if flagged[i]:
            parts.append("reported At Risk")
        why[i] = "; ".join(parts)
    return status, why

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

Once the period has ended (``as_of`` on or after its last day) there is nothing left to
pace: a key result or objective has a final **outcome** instead (:func:`outcomes`), by the
band of its final score — ``Achieved`` ✅ (green), ``Partially Achieved`` 🟡 (yellow),
``Missed`` ❌ (red, and a key result that never checked in) — and no pace.

The status is derived from the numbers. A *reported* status can raise a warning but never
hide one: a reported ``At Risk`` always counts; ``Complete`` and ``Not Started`` must agree
with the value reported with them (:func:`okrkit.rules.status_conflicts`, refused on
every entry path), and a reported ``In Progress`` changes nothing.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from okrkit.frames import OUTCOME_OF_BAND
from okrkit.period import Period
from okrkit.rules import THRESHOLD


def expected_progress(key_results: pd.DataFrame, period: Period, as_of: dt.date) -> pd.Series:
    """Expected progress of each key result at the end of ``as_of`` (0..1).

    * ``increase`` / ``decrease``: linear from the period start to the key result's end —
      its ``due`` date when it is due before the period ends, else the period end — or,
      with phased milestones, the value interpolated through ``(start, baseline)``, each
      ``(milestone date, milestone value)`` and ``(end, target)``, as progress.
    * ``milestone``: a step, not a line: the milestones planned by that date (each
      milestone's value is the count due by its date) of those planned; without phased
      milestones nothing is expected before the end, and all of it at the end.
    * ``at_least`` / ``at_most``: 1.0 from the first day (every check-in should meet it).

    >>> import okrkit.frames as f
    >>> krs = f.conform(pd.DataFrame({"kr_id": ["a", "b", "c", "d"],
    ...     "direction": ["increase", "at_least", "increase", "milestone"],
    ...     "baseline": [0, 0, 0, None], "target": [10, 5, 10, 1],
    ...     "due": [None, None, "2026-01-31", "2026-02-10"]}), "key_results")
    >>> expected_progress(krs, Period.parse("2026-Q1"), dt.date(2026, 2, 14)).round(3).tolist()
    [0.5, 1.0, 1.0, 1.0]
    """
    n = len(key_results)
    direction = key_results["direction"].to_numpy(dtype=object)
    day = as_of.toordinal() + 1  # the end of the day
    start = period.start.toordinal()
    period_end = period.end.toordinal() + 1
    ends = np.full(n, period_end, dtype="int64")
    dues = key_results["due"].to_numpy(dtype=object) if "due" in key_results else [None] * n
    for i, d in enumerate(dues):
        if isinstance(d, dt.date) and start < d.toordinal() + 1 < period_end:
            ends[i] = d.toordinal() + 1
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.clip((day - start) / (ends - start), 0.0, 1.0)
    out[np.isin(direction, THRESHOLD)] = 1.0
    milestones = key_results["milestones"].to_numpy(dtype=object)
    base = key_results["baseline"].to_numpy(dtype="float64")
    target = key_results["target"].to_numpy(dtype="float64")
    for i in np.flatnonzero(direction == "milestone"):
        planned = [(d.toordinal() + 1, float(v)) for d, v in (milestones[i] or ())]
        planned.append((int(ends[i]), float(target[i])))
        due_by = max((v for when, v in planned if when <= day), default=0.0)
        out[i] = min(1.0, max(0.0, due_by / target[i])) if target[i] > 0 else 0.0
    for i in np.flatnonzero([bool(m) for m in milestones] if n else []):
        if direction[i] in THRESHOLD or direction[i] == "milestone":
            continue
        b = 0.0 if np.isnan(base[i]) else base[i]
        xs = [start] + [d.toordinal() + 1 for d, _ in milestones[i]]
        ys = [b] + [float(v) for _, v in milestones[i]]
        if xs[-1] < ends[i]:
            xs.append(int(ends[i]))
            ys.append(target[i])
        value = float(np.interp(day, xs, ys))
        out[i] = min(1.0, max(0.0, (value - b) / (target[i] - b)))
    return pd.Series(out, index=key_results.index, name="expected")


def expected_path(key_results: pd.DataFrame, period: Period, step_days: int = 1) -> pd.DataFrame:
    """Expected progress of each key result over the period (``kr_id, date, expected``).

    The same rule as :func:`expected_progress`, evaluated every ``step_days`` days from the
    period start to its end (the end always included): what a burn-up chart draws as the
    expected line.
    """
    days = list(range(0, period.days, max(1, int(step_days))))
    if days[-1] != period.days - 1:
        days.append(period.days - 1)
    frames = []
    for k in days:
        d = period.start + dt.timedelta(days=k)
        e = expected_progress(key_results, period, d).to_numpy()
        frames.append(pd.DataFrame({"kr_id": key_results["kr_id"].to_numpy(dtype=object),
                                    "date": [d] * len(e), "expected": e}))
    if not frames:
        return pd.DataFrame(columns=["kr_id", "date", "expected"])
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(["kr_id", "date"], kind="stable").reset_index(drop=True)


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


def outcomes(band_values: np.ndarray) -> np.ndarray:
    """The final outcome of each band (``Achieved`` / ``Partially Achieved`` / ``Missed``).

    A missing band (nothing to score) is ``Missed``: silence is never green.

    >>> outcomes(np.array(["green", "yellow", "red", None], dtype=object)).tolist()
    ['Achieved', 'Partially Achieved', 'Missed', 'Missed']
    """
    return np.array([OUTCOME_OF_BAND.get(b, "Missed") for b in band_values], dtype=object)

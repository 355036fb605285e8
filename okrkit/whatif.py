"""What-if: override targets, latest values and weights, rescore, and diff.

* ``targets`` — ``{kr_id: new target}``.
* ``values`` — ``{kr_id: value}``: "the latest value as of ``as_of`` becomes X"; a
  synthetic check-in is appended at ``as_of`` (clipped into the period), not yet
  recorded, so by the rule of :func:`okrkit.rules.effective_checkins` it replaces a
  check-in of the same day.
* ``weights`` — ``{kr_id or objective_id: weight}`` (> 0).
* ``stretch`` — multiplies the distance ``target - baseline`` of every KR with a baseline
  (``increase``, ``decrease``, ``at_least``, ``at_most``); ``stretch=1.2`` is 20% more
  ambitious. ``milestone`` KRs (their target is a count of milestones) are left alone.
  Explicit ``targets`` are applied after the stretch and win.

:func:`what_if` applies the changes to copies (inputs are never mutated), rescores with
:func:`okrkit.scoring.score` and diffs against the unchanged scorecard.
:class:`WhatIfSession` precomputes once and recomputes only progress, score and the
roll-up (vectorised) per call — the fast path for sliders. :func:`suggest_targets`
proposes the target that a forecast's expected end value would score at ``goal``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from okrkit import rules
from okrkit.errors import OKRKitError, Problem
from okrkit.forecasting import Forecast, forecast
from okrkit.frames import Plan, conform, empty
from okrkit.rules import RollUp
from okrkit.scoring import Scorecard, ScoringPolicy, bands, resolve_as_of, score

DIFF_COLUMNS = [
    "id",
    "title",
    "score_before",
    "score_after",
    "delta",
    "band_before",
    "band_after",
    "changed",
]
SUGGEST_COLUMNS = ["kr_id", "direction", "baseline", "target", "suggested_target",
                   "expected_end_value", "reason"]
STRETCHABLE = ("increase", "decrease", "at_least", "at_most")


@dataclass(frozen=True)
class WhatIf:
    """A scenario scored beside its baseline, with per-row differences."""

    baseline: Scorecard
    scenario: Scorecard
    key_results_diff: pd.DataFrame  # DIFF_COLUMNS
    objectives_diff: pd.DataFrame  # DIFF_COLUMNS
    overall_before: float
    overall_after: float


def _check_number(kind: str, key: Any, value: Any, *, positive: bool = False) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise OKRKitError(f"{kind} of '{key}' is not a number: {value!r}") from None
    if not math.isfinite(x) or (positive and x <= 0):
        need = "a positive number" if positive else "a finite number"
        raise OKRKitError(f"{kind} of '{key}' must be {need} (got {value!r})")
    return x


def checked_weights(weights: Mapping[str, Any]) -> dict[str, float]:
    """What-if weights as floats; a weight that is not a positive finite number is refused.

    The one weight rule of :func:`what_if` and :class:`WhatIfSession`.
    """
    return {k: _check_number("weight", k, x, positive=True) for k, x in weights.items()}


def checked_targets(plan: Plan, targets: Mapping[str, Any]
                    ) -> tuple[dict[str, float], list[Problem]]:
    """The usable target overrides, and a problem for each refused one.

    The one target rule of :func:`what_if` (which raises the first problem) and the what-if
    app (which shows them): a target is a finite number of a known key result, and a
    rising or falling key result's target may not equal its baseline (its progress could
    not be measured).
    """
    krs = plan.key_results.drop_duplicates("kr_id").set_index("kr_id")
    ok: dict[str, float] = {}
    problems: list[Problem] = []
    for k, x in targets.items():
        if k not in krs.index:
            problems.append(Problem(f"unknown key result in what-if: {k!r}", field="target",
                                    id=k))
            continue
        try:
            t = _check_number("target", k, x)
        except OKRKitError as err:
            problems.append(Problem(str(err), field="target", id=k))
            continue
        base = float(krs.at[k, "baseline"])
        if krs.at[k, "direction"] in rules.LINEAR and math.isclose(t, base, rel_tol=0,
                                                                     abs_tol=1e-9):
            problems.append(Problem(f"target of '{k}' must differ from its baseline {base:g}",
                                    field="target", id=k))
            continue
        ok[k] = t
    return ok, problems


def checked_values(kind: str, given: Mapping[str, Any]) -> dict[str, float]:
    """What-if targets or values as finite floats (else :class:`OKRKitError`)."""
    return {k: _check_number(kind, k, x) for k, x in given.items()}


def _unknown(kind: str, ids: list[Any]) -> OKRKitError:
    shown = ", ".join(repr(i) for i in ids[:5]) + (" ..." if len(ids) > 5 else "")
    return OKRKitError(f"unknown {kind} in what-if: {shown}")


def _synthetic_day(plan: Plan, day: dt.date) -> dt.date:
    return min(max(day, plan.period.start), plan.period.end)


def scenario_inputs(
    plan: Plan,
    checkins: pd.DataFrame | None,
    as_of: dt.date,
    *,
    targets: Mapping[str, float] | None = None,
    values: Mapping[str, float] | None = None,
    weights: Mapping[str, float] | None = None,
    stretch: float = 1.0,
) -> tuple[Plan, pd.DataFrame | None]:
    """The scenario's plan and check-ins (copies; the inputs are not mutated)."""
    stretch = _check_number("stretch", "stretch", stretch, positive=True)
    krs = plan.key_results.copy()
    obj = plan.objectives.copy()
    kr_ids = set(krs["kr_id"])
    obj_ids = set(obj["objective_id"])
    targets, values, weights = dict(targets or {}), dict(values or {}), dict(weights or {})
    for kind, given in (("key result", targets), ("key result", values)):
        missing = [k for k in given if k not in kr_ids]
        if missing:
            raise _unknown(kind, missing)
    missing = [k for k in weights if k not in kr_ids and k not in obj_ids]
    if missing:
        raise _unknown("id", missing)
    weights = checked_weights(weights)

    direction = krs["direction"].to_numpy(dtype=object)
    base = krs["baseline"].to_numpy(dtype="float64")
    target = krs["target"].to_numpy(dtype="float64").copy()
    if stretch != 1.0:
        can = np.isin(direction, STRETCHABLE) & np.isfinite(base)
        target = np.where(can, base + stretch * (target - base), target)
    pos = {k: i for i, k in enumerate(krs["kr_id"])}
    usable, problems = checked_targets(plan, targets)
    if problems:
        raise OKRKitError(problems[0].message)
    for k, t in usable.items():
        target[pos[k]] = t
    krs["target"] = target
    if weights:
        kw = krs["weight"].to_numpy(dtype="float64").copy()
        ow = obj["weight"].to_numpy(dtype="float64").copy()
        opos = {k: i for i, k in enumerate(obj["objective_id"])}
        for k, w in weights.items():
            if k in pos:
                kw[pos[k]] = w
            if k in opos:
                ow[opos[k]] = w
        krs["weight"] = kw
        obj["weight"] = ow
    new_plan = replace(plan, key_results=krs, objectives=obj)

    new_checkins = checkins
    if values:
        day = _synthetic_day(plan, as_of)
        rows = pd.DataFrame(
            {
                "kr_id": list(values),
                "date": [day] * len(values),
                "value": [_check_number("value", k, x) for k, x in values.items()],
                "note": "what-if",
            }
        )
        base_ck = checkins if checkins is not None else empty("checkins")
        new_checkins = pd.concat([conform(base_ck, "checkins"), conform(rows, "checkins")],
                                 ignore_index=True)
    return new_plan, new_checkins


def score_diff(before: pd.DataFrame, after: pd.DataFrame, id_col: str) -> pd.DataFrame:
    """Scores before and after (``DIFF_COLUMNS``), in ``before``'s order.

    ``after`` is matched to ``before`` by ``id_col`` (it may be in another order); a
    difference below 1e-12 is float noise and shows as 0, not as a change.
    """
    a = after.drop_duplicates(id_col).set_index(id_col)
    ids = before[id_col]
    sb = before["score"].to_numpy(dtype="float64")
    sa = a["score"].reindex(ids).to_numpy(dtype="float64")
    bb = before["band"].to_numpy(dtype=object)
    ba = a["band"].reindex(ids).to_numpy(dtype=object)
    with np.errstate(invalid="ignore"):
        delta = sa - sb
    moved = np.abs(np.nan_to_num(delta)) > 1e-12
    delta = np.where(moved | np.isnan(delta), delta, 0.0)
    changed = moved | (np.isnan(sa) != np.isnan(sb)) | (bb != ba)
    return pd.DataFrame(
        {
            "id": ids.to_numpy(dtype=object),
            "title": before["title"].to_numpy(dtype=object),
            "score_before": sb,
            "score_after": sa,
            "delta": delta,
            "band_before": bb,
            "band_after": ba,
            "changed": changed.astype(bool),
        }
    )[DIFF_COLUMNS]


def what_if(
    plan: Plan,
    checkins: pd.DataFrame | None,
    as_of: Any = None,
    *,
    targets: Mapping[str, float] | None = None,
    values: Mapping[str, float] | None = None,
    weights: Mapping[str, float] | None = None,
    stretch: float = 1.0,
    policy: ScoringPolicy | None = None,
) -> WhatIf:
    """Score a scenario (see the module docstring) and diff it against the plan as is.

    Unknown ids, non-finite numbers, weights <= 0, ``stretch <= 0`` or an
    increase/decrease target equal to its baseline raise :class:`OKRKitError`.
    """
    day = resolve_as_of(plan.period, as_of)
    new_plan, new_checkins = scenario_inputs(
        plan, checkins, day, targets=targets, values=values, weights=weights, stretch=stretch
    )
    before = score(plan, checkins, day, policy)
    after = score(new_plan, new_checkins, day, policy)
    return WhatIf(
        baseline=before,
        scenario=after,
        key_results_diff=score_diff(before.key_results, after.key_results, "kr_id"),
        objectives_diff=score_diff(before.objectives, after.objectives, "objective_id"),
        overall_before=before.overall,
        overall_after=after.overall,
    )


def suggest_targets(
    plan: Plan,
    checkins: pd.DataFrame | None,
    as_of: Any = None,
    *,
    forecast: Forecast | None = None,
    goal: float = 0.7,
) -> pd.DataFrame:
    """Targets that the forecast's expected end value would score at ``goal``.

    For ``increase``/``decrease`` KRs: ``baseline + (expected_end - baseline) / goal``, if
    that target lies inside the metric's physical range (:func:`okrkit.rules.physical_range`:
    a CSAT cannot be 123 %, a handling time cannot be negative). Otherwise — and for other
    directions, or where the forecast does not move from the baseline toward the target —
    ``suggested_target`` is NaN and ``reason`` says why: no honest target exists.
    Columns: kr_id, direction, baseline, target, suggested_target, expected_end_value,
    reason.
    """
    goal = _check_number("goal", "goal", goal, positive=True)
    fc = forecast if forecast is not None else _forecast(plan, checkins, as_of)
    krs = plan.key_results.reset_index(drop=True)
    expected = (
        fc.key_results.drop_duplicates("kr_id").set_index("kr_id")["expected_value"]
        .reindex(krs["kr_id"]).to_numpy(dtype="float64")
    )
    direction = krs["direction"].to_numpy(dtype=object)
    base = krs["baseline"].to_numpy(dtype="float64")
    target = krs["target"].to_numpy(dtype="float64")
    low, high = rules.physical_range(krs)
    units = [f" {u}" if isinstance(u, str) and u.strip() else "" for u in krs["unit"]]
    with np.errstate(invalid="ignore"):
        moved = expected - base
        sign = np.sign(target - base)
        linear = np.isin(direction, rules.LINEAR)
        toward = linear & (moved * sign > 0)
        raw = np.where(toward, base + moved / goal, np.nan)
        inside = (raw >= low - 1e-9) & (raw <= high + 1e-9)
    suggested = np.where(toward & inside, raw, np.nan)
    reasons: list[str | None] = []
    for i in range(len(krs)):
        if not linear[i]:
            reasons.append(f"a '{direction[i]}' key result has no target to move")
        elif not toward[i]:
            reasons.append("the forecast does not move from the baseline toward the target: "
                           "no target would be honest")
        elif not inside[i]:
            reasons.append(
                f"no target inside the metric's range ({low[i]:g} to {high[i]:g}{units[i]}): an "
                f"expected score of {goal:g} would need {raw[i]:.4g}{units[i]}")
        else:
            reasons.append(None)
    return pd.DataFrame(
        {
            "kr_id": krs["kr_id"].to_numpy(dtype=object),
            "direction": direction,
            "baseline": base,
            "target": target,
            "suggested_target": suggested,
            "expected_end_value": expected,
            "reason": pd.Series(reasons, dtype=object),
        }
    )[SUGGEST_COLUMNS]


_forecast = forecast


class WhatIfSession:
    """Precomputed what-if for interactive sliders.

    ``apply(...)`` takes the same overrides as :func:`what_if` (each call starts from the
    plan as is) and returns the scenario's objective scores (objective_id, title, score,
    band) — equal to ``what_if(...).scenario.objectives`` on those columns — recomputing
    only progress, score and the roll-up. ``overall`` holds the last call's overall score.
    """

    def __init__(
        self,
        plan: Plan,
        checkins: pd.DataFrame | None,
        as_of: Any = None,
        *,
        policy: ScoringPolicy | None = None,
    ) -> None:
        self.plan = plan
        self.policy = policy or ScoringPolicy()
        self.as_of = resolve_as_of(plan.period, as_of)
        krs = plan.key_results.reset_index(drop=True)
        obj = plan.objectives.reset_index(drop=True)
        n = len(krs)
        self._n = n
        self._kr_pos = {k: i for i, k in reversed(list(enumerate(krs["kr_id"])))}
        self._obj_pos = {k: i for i, k in reversed(list(enumerate(obj["objective_id"])))}
        self._direction = krs["direction"].to_numpy(dtype=object)
        self._baseline = krs["baseline"].to_numpy(dtype="float64")
        self._target = krs["target"].to_numpy(dtype="float64")
        self._kw = krs["weight"].to_numpy(dtype="float64")
        self._ow = obj["weight"].to_numpy(dtype="float64")
        self._stretchable = np.isin(self._direction, STRETCHABLE) & np.isfinite(self._baseline)
        self._ids = obj["objective_id"].to_numpy(dtype=object)
        self._titles = obj["title"].to_numpy(dtype=object)
        self._eff = rules.effective_checkins(krs, checkins, plan.period, self.as_of)
        syn = _synthetic_day(plan, self.as_of)
        self._syn_day = int(np.datetime64(syn, "D").astype("int64"))
        # a synthetic check-in counts only if scoring keeps it (as_of inside the period)
        self._syn_counts = self.as_of >= plan.period.start
        self._rollup = RollUp(obj, krs["objective_id"].to_numpy(dtype=object))
        self.overall = float("nan")

    def _positions(self, given: Mapping[str, float], kind: str) -> tuple[np.ndarray, np.ndarray]:
        idx, vals = [], []
        for k, x in checked_values(kind, given).items():
            i = self._kr_pos.get(k)
            if i is None:
                raise _unknown("key result", [k])
            idx.append(i)
            vals.append(x)
        return np.asarray(idx, dtype="int64"), np.asarray(vals, dtype="float64")

    def apply(
        self,
        *,
        targets: Mapping[str, float] | None = None,
        values: Mapping[str, float] | None = None,
        weights: Mapping[str, float] | None = None,
        stretch: float = 1.0,
    ) -> pd.DataFrame:
        """Objective scores of the scenario (objective_id, title, score, band)."""
        stretch = _check_number("stretch", "stretch", stretch, positive=True)
        target = self._target
        if stretch != 1.0:
            target = np.where(
                self._stretchable, self._baseline + stretch * (target - self._baseline), target
            )
        if targets:
            i, x = self._positions(targets, "target")
            target = target.copy() if target is self._target else target
            target[i] = x
        eff = self._eff
        if values:
            vi, vx = self._positions(values, "value")
            if self._syn_counts:
                eff = eff.add(vi, self._syn_day, vx)
        kw, ow = self._kw, self._ow
        if weights:
            kw, ow = kw.copy(), ow.copy()
            for k, x in checked_weights(weights).items():
                i = self._kr_pos.get(k)
                j = self._obj_pos.get(k)
                if i is None and j is None:
                    raise _unknown("id", [k])
                if i is not None:
                    kw[i] = x
                if j is not None:
                    ow[j] = x
        progress = rules.kr_progress(self._direction, self._baseline, target, eff).progress
        kr_score = np.clip(progress, 0.0, 1.0)
        obj_score = self._rollup.apply(kr_score, kw, ow)
        self.overall = self._rollup.overall(obj_score, ow)
        return pd.DataFrame(
            {
                "objective_id": self._ids,
                "title": self._titles,
                "score": obj_score,
                "band": bands(obj_score, self.policy),
            }
        )

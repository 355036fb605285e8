"""Row-by-row pure-Python reference of the scoring contract (docs/internals.md).

Deliberately plain: dicts and loops, one key result at a time. It is the yardstick for
the vectorised okrkit.scoring (speed) and a second implementation to cross-check it.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

THRESHOLD = ("at_least", "at_most")


def _band(s: float) -> str | None:
    if math.isnan(s):
        return None
    r = round(s, 9)
    return "red" if r < 0.4 else "yellow" if r < 0.7 else "green"


def _expected(kr: dict[str, Any], start: dt.date, end: dt.date, as_of: dt.date) -> float:
    due = kr.get("due")
    if isinstance(due, dt.date) and start <= due < end:
        end = due
    days = (end - start).days + 1
    share = min(1.0, max(0.0, ((as_of - start).days + 1) / days))
    if kr["direction"] in THRESHOLD:
        return 1.0
    ms = kr["milestones"]
    if kr["direction"] == "milestone":  # a step: the milestones due by then
        x = as_of.toordinal() + 1
        planned = [(d.toordinal() + 1, float(v)) for d, v in (ms or ())]
        planned.append((end.toordinal() + 1, float(kr["target"])))
        due_by = max((v for when, v in planned if when <= x), default=0.0)
        return min(1.0, max(0.0, due_by / kr["target"]))
    if not ms:
        return share
    b = 0.0 if math.isnan(kr["baseline"]) else kr["baseline"]
    xs = [start.toordinal()] + [d.toordinal() + 1 for d, _ in ms]
    ys = [b] + [float(v) for _, v in ms]
    if xs[-1] < end.toordinal() + 1:
        xs.append(end.toordinal() + 1)
        ys.append(kr["target"])
    x = as_of.toordinal() + 1
    if x <= xs[0]:
        value = ys[0]
    elif x >= xs[-1]:
        value = ys[-1]
    else:
        value = ys[-1]
        for i in range(1, len(xs)):
            if x <= xs[i]:
                value = ys[i - 1] + (ys[i] - ys[i - 1]) * (x - xs[i - 1]) / (xs[i] - xs[i - 1])
                break
    return min(1.0, max(0.0, (value - b) / (kr["target"] - b)))


def score_rowwise(plan: Any, checkins: Any, as_of: dt.date, cadence: int = 14) -> tuple[
        dict[str, dict[str, Any]], dict[str, float]]:
    """KR results by id and objective scores by id."""
    start, end = plan.period.start, plan.period.end
    krs = {r["kr_id"]: r for r in plan.key_results.to_dict("records")}
    by_kr: dict[str, dict[dt.date, tuple[Any, ...]]] = {}
    last_day = min(as_of, end)
    cols = [checkins[c].tolist() for c in ("kr_id", "date", "value", "confidence", "status")]
    for kid, day, value, conf, status in zip(*cols, strict=True):
        if kid not in krs or day < start or day > last_day:
            continue
        by_kr.setdefault(kid, {})[day] = (value, conf, status)  # later rows win
    out: dict[str, dict[str, Any]] = {}
    for kid, kr in krs.items():
        rows = by_kr.get(kid, {})
        n = len(rows)
        d = kr["direction"]
        value = conf = math.nan
        status = None
        last = None
        if n:
            last = max(rows)
            value, conf, status = rows[last]
            conf = math.nan if conf is None else conf
        if not n:
            progress = 0.0
        elif d in THRESHOLD:
            met = [(v >= kr["target"]) if d == "at_least" else (v <= kr["target"])
                   for v, _, _ in rows.values()]
            progress = sum(met) / len(met)
        elif d == "milestone":
            progress = value / kr["target"]
        else:
            progress = (value - kr["baseline"]) / (kr["target"] - kr["baseline"])
        if math.isnan(progress):
            progress = 0.0
        score = min(1.0, max(0.0, progress))
        expected = _expected(kr, start, end, as_of)
        pace = progress - expected
        since = last if last is not None else start
        stale = (as_of - since).days > cadence and as_of <= end + dt.timedelta(days=cadence)
        can_complete = d not in THRESHOLD or as_of >= end
        if not n:
            st = "At Risk" if stale else "Not Started"
        elif progress >= 1 - 1e-9 and can_complete:
            st = "Complete"
        elif stale or pace < -0.15 or (not math.isnan(conf) and conf < 0.5) or status == "At Risk":
            st = "At Risk"
        else:
            st = "In Progress"
        out[kid] = {"progress": progress, "score": score, "band": _band(score),
                    "expected": expected, "pace": pace, "stale": stale, "status": st,
                    "value": value, "checkins": n}
    # roll-up, recursively through the hierarchy
    objectives = {r["objective_id"]: r for r in plan.objectives.to_dict("records")}
    children: dict[str, list[str]] = {}
    for oid, o in objectives.items():
        if o["parent_id"] is not None and o["parent_id"] in objectives:
            children.setdefault(o["parent_id"], []).append(oid)
    own: dict[str, list[str]] = {}
    for kid, kr in krs.items():
        own.setdefault(kr["objective_id"], []).append(kid)
    memo: dict[str, float] = {}

    def objective_score(oid: str) -> float:
        if oid in memo:
            return memo[oid]
        num = den = 0.0
        for kid in own.get(oid, []):
            num += krs[kid]["weight"] * out[kid]["score"]
            den += krs[kid]["weight"]
        for child in children.get(oid, []):
            s = objective_score(child)
            if not math.isnan(s):
                num += objectives[child]["weight"] * s
                den += objectives[child]["weight"]
        memo[oid] = num / den if den > 0 else math.nan
        return memo[oid]

    for oid in objectives:
        objective_score(oid)
    return out, memo

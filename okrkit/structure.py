"""The structural rules of a plan — written once, checked on the plan's frames.

A plan read from a file (:func:`okrkit.plan.plan_from_model` raises them as a
:class:`~okrkit.errors.PlanError` with file, line or row and field), linted
(:func:`okrkit.linting.lint` turns them into error-level findings with the same codes)
or saved to the store (``okrkit.store.plans``) meets the same rules:

========================  ================================================================
code                      rule
========================  ================================================================
missing-id, missing-title  objectives and key results have an id and a title; reviews an
                          objective id
duplicate-id              objective ids, key result ids and reviews are unique
too-long, bad-character   ids, parents and teams are plain text of at most 200 characters
                          (:mod:`okrkit.values`); titles and notes hold no control
                          characters; units at most 64, period labels at most 64
unknown-parent            a parent is an objective of the plan or ``known_ids`` (the store)
cycle                     no objective is its own ancestor (:func:`okrkit.hierarchy.find_cycles`)
unknown-objective         a key result or review belongs to an objective of the plan
bad-direction, not-one-of  direction, level and kind are from their lists
not-finite                baselines, targets, weights, milestone targets, ``min`` and
                          ``max`` are finite
not-measurable            a key result has a target, and an ``increase`` / ``decrease`` one
                          a baseline (one issue per key result, naming what to set)
target-equals-baseline    ``target != baseline`` (progress would divide by zero)
direction-mismatch        ``increase`` means target above baseline, ``decrease`` below
bad-weight                weights are > 0
out-of-range              ``target - baseline`` does not overflow; ``cadence_days`` 1..366
milestone-target          a ``milestone`` key result's target (milestones planned) is >= 1
bad-range                 a declared physical range has ``min < max``
outside-range             baseline, target and milestone targets lie inside ``min..max``
                          (the declared bounds; a ``milestone`` key result counts
                          milestones, so its range is not checked)
outside-period            milestone dates and ``due`` lie inside the period
override-needs-reason,    the review override rule, :func:`okrkit.rules.override_problems`
override-without-score
unknown-team,             the header and sign-offs of each team's plan
unknown-role,             (:func:`okrkit.headers.header_issues`)
duplicate-role,
state-mismatch
========================  ================================================================

:func:`check` returns :class:`Issue` records (frame, row position, column, ids);
:func:`problems` turns them into :class:`~okrkit.errors.Problem` with a caller's locator
(YAML line, spreadsheet row), so each rule is written here only.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from okrkit.errors import Problem, dotted
from okrkit.frames import COLUMNS, DIRECTIONS, KINDS, LEVELS, Plan, conform, empty, is_blank
from okrkit.hierarchy import find_cycles
from okrkit.period import Period
from okrkit.rules import override_problems
from okrkit.values import MAX_LABEL, MAX_UNIT, id_problem, text_problem, visible

LINEAR = ("increase", "decrease")


@dataclass(frozen=True)
class Issue:
    """One broken rule, located in the plan's frames.

    ``table`` is ``plan``, ``objectives``, ``key_results``, ``reviews``, ``headers`` or
    ``people``; ``row`` the position in that frame (``None`` for the plan); ``field`` the
    frame column (or ``period`` / ``cadence_days``); ``key`` a milestone's date or a
    sign-off's position; ``fields`` every field a ``not-measurable`` issue asks to set.
    """

    code: str
    message: str
    table: str
    row: int | None
    field: str
    objective_id: str | None = None
    kr_id: str | None = None
    key: Any = None
    fields: tuple[str, ...] = ()


#: ``(table, row) -> "objectives[0].key_results[2]"``: how a message names another row
Where = Callable[[str, int], str]
#: ``issue -> (line, row, field)`` for a Problem
Locate = Callable[[Issue], tuple[int | None, int | None, str | None]]


def check_plan(plan: Plan, known_ids: Iterable[str] = (), where: Where | None = None
               ) -> list[Issue]:
    """:func:`check` on a :class:`~okrkit.frames.Plan`."""
    return check(plan.objectives, plan.key_results, plan.reviews, period=plan.period,
                 cadence_days=plan.cadence_days, known_ids=known_ids, where=where,
                 headers=plan.headers, people=plan.people)


def check(
    objectives: pd.DataFrame,
    key_results: pd.DataFrame,
    reviews: pd.DataFrame | None = None,
    *,
    period: Period | None = None,
    cadence_days: Any = None,
    known_ids: Iterable[str] = (),
    where: Where | None = None,
    headers: pd.DataFrame | None = None,
    people: pd.DataFrame | None = None,
) -> list[Issue]:
    """Every structural problem of a plan's frames (any frames: none is assumed valid).

    Parameters
    ----------
    objectives, key_results, reviews, headers, people
        The plan's frames (conformed here; the inputs are not changed).
    period
        The plan's period: milestones and ``due`` must fall inside it.
    cadence_days
        Checked to be a whole number of days from 1 to 366 when given.
    known_ids
        Objective ids elsewhere (the store) that may be parents.
    where
        Names the first of two duplicate rows in messages (default ``row N``).
    """
    where = where or (lambda table, row: f"row {row + 1}")
    obj = _conformed(objectives, "objectives")
    krs = _conformed(key_results, "key_results")
    rev = _conformed(reviews, "reviews") if reviews is not None else empty("reviews")
    out: list[Issue] = []
    if period is not None and len(period.label) > MAX_LABEL:
        out.append(Issue("too-long", f"period label is {len(period.label)} characters long "
                         f"(at most {MAX_LABEL})", "plan", None, "period"))
    if cadence_days is not None and not (
            isinstance(cadence_days, int | float) and float(cadence_days).is_integer()
            and 1 <= cadence_days <= 366):
        out.append(Issue("out-of-range", f"cadence_days {cadence_days} must be a whole number "
                         "of days from 1 to 366", "plan", None, "cadence_days"))
    seen = _objectives(obj, out, where)
    _parents(obj, seen, set(known_ids), out)
    _key_results(krs, seen, period, out, where)
    _reviews(rev, seen, out)
    if headers is not None and len(headers):
        from okrkit.headers import header_issues

        out += header_issues(_conformed(headers, "headers"), obj["team"],
                             period.label if period is not None else "")
    for r, name in enumerate(() if people is None else people["name"]):
        _text(out, "people", r, "name", name, "name", None)
    return out


def _conformed(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    """``frame`` itself if it already has the contract's columns and number types."""
    cols = COLUMNS[kind]
    if list(frame.columns) == cols and all(
            frame[c].dtype == "float64" for c in cols if c in _NUMBERS):
        return frame
    return conform(frame, kind)


_NUMBERS = {"weight", "baseline", "target", "score_override", "min", "max"}


def _text(out: list[Issue], table: str, row: int, field: str, value: Any, what: str,
          oid: str | None, kid: str | None = None, limit: int | None = None) -> None:
    if isinstance(value, str):
        bad = text_problem(value, what, limit)
        if bad:
            out.append(Issue(*bad, table, row, field, oid, kid))


def _ident(out: list[Issue], table: str, row: int, field: str, value: Any, what: str,
           oid: str | None, kid: str | None = None) -> None:
    if not is_blank(value):
        bad = id_problem(str(value), what)
        if bad:
            out.append(Issue(*bad, table, row, field, oid, kid))


def _weight(out: list[Issue], table: str, row: int, value: float, oid: str | None,
            kid: str | None = None) -> None:
    if math.isnan(value):
        return
    if not math.isfinite(value):
        out.append(Issue("not-finite", "weight is not a finite number", table, row, "weight",
                         oid, kid))
    elif value <= 0:
        out.append(Issue("bad-weight", f"weight {value:g} must be > 0", table, row, "weight",
                         oid, kid))


def _objectives(obj: pd.DataFrame, out: list[Issue], where: Where) -> dict[str, int]:
    seen: dict[str, int] = {}
    cols = ("objective_id", "title", "level", "kind", "parent_id", "team", "owner", "weight")
    for i, (oid, title, level, kind, parent, team, owner, weight) in enumerate(
            zip(*(obj[c] for c in cols), strict=True)):
        me = None if is_blank(oid) else str(oid)
        if me is None:
            out.append(Issue("missing-id", f"objective '{title}' has no id", "objectives", i,
                             "objective_id"))
        else:
            _ident(out, "objectives", i, "objective_id", me, "objective id", me)
            if me in seen:
                out.append(Issue("duplicate-id", f"duplicate objective id '{me}' (also "
                                 f"{where('objectives', seen[me])})", "objectives", i,
                                 "objective_id", me))
            seen.setdefault(me, i)
        if is_blank(title):
            out.append(Issue("missing-title", "the objective has no title", "objectives", i, "title",
                             me))
        _text(out, "objectives", i, "title", title, "title", me)
        for field, value, allowed in (("level", level, LEVELS), ("kind", kind, KINDS)):
            if not is_blank(value) and value not in allowed:
                out.append(Issue("not-one-of", f"{field} '{value}' is not one of "
                                 + ", ".join(allowed), "objectives", i, field, me))
        _ident(out, "objectives", i, "parent_id", parent, "parent", me)
        _ident(out, "objectives", i, "team", team, "team", me)
        _text(out, "objectives", i, "owner", owner, "owner", me)
        _weight(out, "objectives", i, weight, me)
    return seen


def _parents(obj: pd.DataFrame, seen: dict[str, int], known: set[str], out: list[Issue]
             ) -> None:
    parents: dict[str, str | None] = {}
    for i, (oid, parent) in enumerate(zip(obj["objective_id"], obj["parent_id"], strict=True)):
        if is_blank(oid):
            continue
        up = None if is_blank(parent) else str(parent)
        parents.setdefault(str(oid), up)
        if up is not None and up not in seen and up not in known:
            out.append(Issue("unknown-parent", f"parent '{up}' is not an objective of this "
                             "plan or the store", "objectives", i, "parent_id", str(oid)))
    for _, cycle in find_cycles(parents, list(seen)):
        row = seen[cycle[0]]
        out.append(Issue("cycle", "parent cycle: " + " -> ".join(cycle), "objectives", row,
                         "parent_id", cycle[0]))


def milestone_pairs(value: Any) -> list[tuple[dt.date, float]] | None:
    """Milestones as sorted ``(date, target)`` pairs; ``None`` if they are not pairs.

    Accepts the frame's tuple of pairs, a ``{date: target}`` mapping, or nothing (``[]``).
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    items = value.items() if isinstance(value, dict) else value
    out = []
    try:
        for d, v in items:
            day = d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d))
            if isinstance(day, dt.datetime):
                day = day.date()
            out.append((day, float(v)))
    except (TypeError, ValueError):
        return None
    return sorted(out)


def _key_results(krs: pd.DataFrame, seen: dict[str, int], period: Period | None,
                 out: list[Issue], where: Where) -> None:
    first: dict[str, int] = {}
    cols = ("kr_id", "objective_id", "title", "metric", "unit", "direction", "baseline",
            "target", "weight", "owner", "due", "milestones", "min", "max")
    for r, (kid, oid, title, metric, unit, direction, base, target, weight, owner, due, ms,
            low, high) in enumerate(zip(*(krs[c] for c in cols), strict=True)):
        me = None if is_blank(kid) else str(kid)
        obj = None if is_blank(oid) else str(oid)

        def add(code: str, message: str, field: str, key: Any = None,
                fields: tuple[str, ...] = ()) -> None:
            out.append(Issue(code, message, "key_results", r, field, obj, me, key,  # noqa: B023
                             fields))

        if me is None:
            add("missing-id", f"key result '{title}' has no id", "kr_id")
        else:
            _ident(out, "key_results", r, "kr_id", me, "key result id", obj, me)
            if me in first:
                add("duplicate-id", f"duplicate key result id '{me}' (also "
                    f"{where('key_results', first[me])})", "kr_id")
            first.setdefault(me, r)
        if obj is None or obj not in seen:
            add("unknown-objective", f"objective '{oid}' of this key result does not exist",
                "objective_id")
        if is_blank(title):
            add("missing-title", "the key result has no title", "title")
        _text(out, "key_results", r, "title", title, "title", obj, me)
        _text(out, "key_results", r, "metric", metric, "metric", obj, me)
        _text(out, "key_results", r, "owner", owner, "owner", obj, me)
        _text(out, "key_results", r, "unit", unit, "unit", obj, me, MAX_UNIT)
        if direction not in DIRECTIONS:
            add("bad-direction", f"direction '{direction}' is not one of "
                + ", ".join(DIRECTIONS), "direction")
        _numbers(add, direction, base, target)
        _weight(out, "key_results", r, weight, obj, me)
        pairs = milestone_pairs(ms)
        if pairs is None:
            add("wrong-type", "milestones must be (date, target) pairs", "milestones")
        for d, v in pairs or ():
            if not math.isfinite(v):
                add("not-finite", f"milestone {d} target is not a finite number", "milestones",
                    d)
            if period is not None and not period.contains(d):
                add("outside-period", f"milestone date {d} is outside the period {period}",
                    "milestones", d)
        if period is not None and isinstance(due, dt.date) and not period.contains(due):
            add("outside-period", f"due date {due} is outside the period {period}", "due")
        _range(add, direction, base, target, low, high, pairs or ())


def _range(add: Callable[..., None], direction: Any, base: float, target: float, low: float,
           high: float, pairs: Sequence[tuple[dt.date, float]]) -> None:
    """A declared physical range: finite bounds, ``min < max``, the plan's numbers inside."""
    for field, x in (("min", low), ("max", high)):
        if math.isinf(x):
            add("not-finite", f"{field} is not a finite number (leave it out for no bound)",
                field)
    lo = low if math.isfinite(low) else -math.inf
    hi = high if math.isfinite(high) else math.inf
    if math.isfinite(low) and math.isfinite(high) and not low < high:
        add("bad-range", f"min {low:g} must be below max {high:g}", "min")
        return
    if direction == "milestone" or (lo, hi) == (-math.inf, math.inf):
        return
    for field, x in (("baseline", base), ("target", target)):
        if math.isfinite(x) and not lo <= x <= hi:
            add("outside-range", f"{field} {x:g} is outside the range {_shown(lo, hi)}",
                field)
    for d, v in pairs:
        if math.isfinite(v) and not lo <= v <= hi:
            add("outside-range", f"milestone {d} target {v:g} is outside the range "
                f"{_shown(lo, hi)}", "milestones", d)


def _shown(lo: float, hi: float) -> str:
    if math.isfinite(lo) and math.isfinite(hi):
        return f"{lo:g}..{hi:g}"
    return f">= {lo:g}" if math.isfinite(lo) else f"<= {hi:g}"


def not_measurable(fields: Sequence[str]) -> str:
    """The message of a key result that cannot be measured until ``fields`` are set."""
    return ("not measurable: set " + ", ".join(fields) + " (docs/seeds/okrs-framework-for-"
            "ai-projects.md: set baseline & target, use specific numbers)")


def _numbers(add: Callable[..., None], direction: Any, base: float, target: float) -> None:
    for field, x in (("baseline", base), ("target", target)):
        if math.isinf(x):
            add("not-finite", f"{field} is not a finite number (infinite or too large)", field)
    unset = [f for f, x in (("baseline", base), ("target", target))
             if math.isnan(x) and (f == "target" or direction in LINEAR)]
    if unset:
        add("not-measurable", not_measurable(unset), unset[0], fields=tuple(unset))
    if direction in LINEAR and math.isfinite(base) and math.isfinite(target):
        if not math.isfinite(target - base):
            add("out-of-range", f"target {target:g} minus baseline {base:g} overflows",
                "target")
        elif math.isclose(base, target, rel_tol=0, abs_tol=1e-12):
            add("target-equals-baseline",
                f"target equals baseline ({target:g}): progress cannot be measured",
                "target")
        elif (direction == "increase") != (target > base):
            other, side = (("decrease", "below") if direction == "increase"
                           else ("increase", "above"))
            add("direction-mismatch", f"direction is '{direction}' but target {target:g} is "
                f"{side} baseline {base:g} (use direction: {other})", "direction")
    if direction == "milestone" and math.isfinite(target) and target < 1:
        add("milestone-target", "a milestone key result's target is the number of milestones "
            f"(>= 1), not {target:g}", "target")


def _reviews(rev: pd.DataFrame, seen: dict[str, int], out: list[Issue]) -> None:
    reviewed: set[str] = set()
    cols = ("objective_id", "lessons", "next_actions", "score_override", "override_reason")
    for r, (oid, lessons, nxt, override, reason) in enumerate(
            zip(*(rev[c] for c in cols), strict=True)):
        me = None if is_blank(oid) else str(oid)
        if me is None:
            out.append(Issue("missing-id", "a review without an objective id", "reviews", r,
                             "objective_id"))
        elif me not in seen:
            out.append(Issue("unknown-objective", f"review of unknown objective '{me}'",
                             "reviews", r, "objective_id", me))
        elif me in reviewed:
            out.append(Issue("duplicate-id", f"objective '{me}' has two reviews", "reviews", r,
                             "objective_id", me))
        if me is not None:
            reviewed.add(me)
        for field, value in (("lessons", lessons), ("next_actions", nxt),
                             ("override_reason", reason)):
            _text(out, "reviews", r, field, value, field, me)
        for field, code, message in override_problems(override, reason):
            out.append(Issue(code, message, "reviews", r, field, me))


def problems(issues: Iterable[Issue], *, source: str | None = None,
             locate: Locate | None = None) -> list[Problem]:
    """The issues as :class:`~okrkit.errors.Problem` (default: frame row, 1-based, and column).

    Ids are quoted with their control and hidden characters made visible.
    """
    out = []
    for i in issues:
        if locate is not None:
            line, row, field = locate(i)
        else:
            line, row, field = None, None if i.row is None else i.row + 1, i.field
        shown = i.kr_id or i.objective_id
        out.append(Problem(i.message, file=source, line=line, row=row, field=field,
                           id=None if shown is None else visible(shown, breaks=True),
                           code=i.code))
    return out


def rows_locator(
    line_of: Callable[[Sequence[Any]], int | None] | None,
    row_of: Callable[[Sequence[Any]], int | None] | None,
    loc_of: Callable[[Issue], tuple[Any, ...]],
) -> Locate:
    """A :data:`Locate` from a nested-data path per issue and the file's line/row maps."""

    def locate(issue: Issue) -> tuple[int | None, int | None, str | None]:
        loc = loc_of(issue)
        return (line_of(loc) if line_of else None, row_of(loc) if row_of else None,
                dotted(loc) or None)

    return locate

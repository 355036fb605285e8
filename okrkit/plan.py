"""Plan files in and out: YAML plans (check-in files: :mod:`okrkit.checkins`).

``load_plan`` reads a YAML plan with safe loading only, validates it with the pydantic
schema in :mod:`okrkit.models` plus the structural rules (unique ids, known parents, no
cycles, ``target != baseline``) and returns a :class:`~okrkit.frames.Plan`.
``dump_plan`` writes it back: YAML -> Plan -> YAML -> Plan is lossless.

Check-in CSVs (``kr_id,date,value[,confidence,status,note,blockers,achievements,author]``)
are validated with pandera, lazily, so every bad row is reported at once with its line.
``value`` may be written ``"85%"`` (meaning 85) for a KR whose unit is ``%``;
``confidence`` may be ``"80%"`` (meaning 0.8).
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from okrkit.errors import OKRKitError, PlanError, Problem
from okrkit.frames import Plan, conform, empty
from okrkit.models import PlanModel, decode_text, load_yaml, validate_plan_data
from okrkit.period import Period

_RISING_FALLING = ("increase", "decrease")


# ---------------------------------------------------------------------------
# YAML plans


def load_plan(path: str | os.PathLike[str], *, known_ids: Iterable[str] = ()) -> Plan:
    """Read and validate a YAML plan file.

    Parameters
    ----------
    path
        The plan file.
    known_ids
        Objective ids that exist elsewhere (e.g. in the store) and may be used as parents.

    Raises
    ------
    PlanError
        With every problem found, each naming the file, line and field.
    """
    source = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        raise PlanError(f"cannot read plan: {err.strerror}", file=source) from err
    return parse_plan(decode_text(data, source), source=source, known_ids=known_ids)


def parse_plan(text: str, *, source: str | None = None, known_ids: Iterable[str] = ()) -> Plan:
    """Validate YAML plan text; see :func:`load_plan`."""
    data, lines = load_yaml(text, source)
    model = validate_plan_data(data, source, line_of=lines.line_of)
    return plan_from_model(model, source=source, line_of=lines.line_of, known_ids=known_ids)


def plan_from_model(
    model: PlanModel,
    *,
    source: str | None = None,
    line_of: Callable[[Sequence[Any]], int | None] | None = None,
    row_of: Callable[[Sequence[Any]], int | None] | None = None,
    known_ids: Iterable[str] = (),
) -> Plan:
    """Check the structural rules of a validated model and build the frames."""

    def problem(msg: str, loc: tuple[Any, ...], id_: str | None) -> Problem:
        return Problem(
            msg,
            file=source,
            line=line_of(loc) if line_of else None,
            row=row_of(loc) if row_of else None,
            field=_dotted(loc),
            id=id_,
        )

    problems: list[Problem] = []
    try:
        period = Period.parse(model.period, model.start, model.end)
    except OKRKitError as err:
        loc: tuple[Any, ...] = ("period",) if model.period else ("start",)
        problems.append(problem(str(err), loc, None))
        period = None

    obj_rows: list[dict[str, Any]] = []
    kr_rows: list[dict[str, Any]] = []
    review_rows: list[dict[str, Any]] = []
    seen_obj: dict[str, int] = {}
    seen_kr: dict[str, tuple[int, int]] = {}
    label = period.label if period else model.period
    for i, o in enumerate(model.objectives):
        if o.id in seen_obj:
            problems.append(
                problem(
                    f"duplicate objective id '{o.id}' (also objectives[{seen_obj[o.id]}])",
                    ("objectives", i, "id"),
                    o.id,
                )
            )
        seen_obj.setdefault(o.id, i)
        obj_rows.append(
            {
                "objective_id": o.id,
                "period": label,
                "title": o.title,
                "level": o.level,
                "parent_id": o.parent,
                "team": o.team,
                "owner": o.owner,
                "kind": o.kind,
                "weight": o.weight,
            }
        )
        if o.review is not None:
            r = o.review
            if r.score_override is not None and not r.override_reason:
                problems.append(
                    problem(
                        "a score override needs an override_reason",
                        ("objectives", i, "review", "score_override"),
                        o.id,
                    )
                )
            review_rows.append(
                {
                    "objective_id": o.id,
                    "period": label,
                    "lessons": r.lessons,
                    "next_actions": r.next_actions,
                    "score_override": r.score_override,
                    "override_reason": r.override_reason,
                }
            )
        for j, k in enumerate(o.key_results):
            at = ("objectives", i, "key_results", j)
            if k.id in seen_kr:
                a, b = seen_kr[k.id]
                problems.append(
                    problem(
                        f"duplicate key result id '{k.id}' (also objectives[{a}].key_results[{b}])",
                        (*at, "id"),
                        k.id,
                    )
                )
            seen_kr.setdefault(k.id, (i, j))
            if k.direction in _RISING_FALLING:
                if k.baseline is None:
                    problems.append(
                        problem(
                            f"a '{k.direction}' key result needs a baseline",
                            (*at, "baseline"),
                            k.id,
                        )
                    )
                elif math.isclose(k.baseline, k.target, rel_tol=0, abs_tol=1e-12):
                    problems.append(
                        problem(
                            f"target equals baseline ({k.target:g}): progress cannot be measured",
                            (*at, "target"),
                            k.id,
                        )
                    )
                elif k.direction == "increase" and k.target < k.baseline:
                    problems.append(
                        problem(
                            f"direction is 'increase' but target {k.target:g} is below baseline "
                            f"{k.baseline:g} (use direction: decrease)",
                            (*at, "direction"),
                            k.id,
                        )
                    )
                elif k.direction == "decrease" and k.target > k.baseline:
                    problems.append(
                        problem(
                            f"direction is 'decrease' but target {k.target:g} is above baseline "
                            f"{k.baseline:g} (use direction: increase)",
                            (*at, "direction"),
                            k.id,
                        )
                    )
            if k.direction == "milestone" and k.target <= 0:
                problems.append(
                    problem(
                        "a milestone key result's target is the number of milestones (>= 1)",
                        (*at, "target"),
                        k.id,
                    )
                )
            milestones = None
            if k.milestones:
                milestones = tuple(sorted(k.milestones.items()))
                if period is not None:
                    for d, _ in milestones:
                        if not period.contains(d):
                            problems.append(
                                problem(
                                    f"milestone date {d} is outside the period {period}",
                                    (*at, "milestones", d),
                                    k.id,
                                )
                            )
            if period is not None and k.due is not None and not period.contains(k.due):
                problems.append(
                    problem(f"due date {k.due} is outside the period {period}", (*at, "due"), k.id)
                )
            kr_rows.append(
                {
                    "kr_id": k.id,
                    "objective_id": o.id,
                    "title": k.title,
                    "metric": k.metric,
                    "unit": k.unit,
                    "direction": k.direction,
                    "baseline": k.baseline,
                    "target": k.target,
                    "weight": k.weight,
                    "owner": k.owner,
                    "due": k.due,
                    "milestones": milestones,
                }
            )

    known = set(seen_obj) | set(known_ids)
    parents = {o.id: o.parent for o in model.objectives}
    for i, o in enumerate(model.objectives):
        if o.parent is not None and o.parent not in known:
            problems.append(
                problem(
                    f"parent '{o.parent}' is not an objective of this plan or the store",
                    ("objectives", i, "parent"),
                    o.id,
                )
            )
    for i, cycle in _cycles(parents, [o.id for o in model.objectives]):
        problems.append(
            problem("parent cycle: " + " -> ".join(cycle), ("objectives", i, "parent"), cycle[0])
        )

    if problems:
        raise PlanError(problems, file=source)
    assert period is not None
    return Plan(
        period=period,
        objectives=conform(pd.DataFrame(obj_rows), "objectives"),
        key_results=conform(pd.DataFrame(kr_rows), "key_results")
        if kr_rows
        else empty("key_results"),
        reviews=conform(pd.DataFrame(review_rows), "reviews") if review_rows else empty("reviews"),
        cadence_days=model.cadence_days,
        source=source,
    )


def _cycles(parents: dict[str, str | None], order: list[str]) -> list[tuple[int, list[str]]]:
    """Each parent cycle once, reported at the first objective (in file order) on it."""
    out: list[tuple[int, list[str]]] = []
    reported: set[str] = set()
    index = {oid: i for i, oid in reversed(list(enumerate(order)))}
    for oid in order:
        if oid in reported:
            continue
        path: list[str] = []
        cur: str | None = oid
        while cur is not None and cur in parents and cur not in path:
            path.append(cur)
            cur = parents[cur]
        if cur is not None and cur in path:
            cycle = path[path.index(cur) :]
            if not reported.intersection(cycle):
                first = min(cycle, key=lambda c: index[c])
                k = cycle.index(first)
                ordered = cycle[k:] + cycle[:k]
                out.append((index[first], [*ordered, first]))
                reported.update(cycle)
    return out


def _dotted(loc: Sequence[Any]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out


def plan_to_data(plan: Plan) -> dict[str, Any]:
    """The nested, plain-data form of a plan (what the YAML file holds)."""
    p = plan.period
    data: dict[str, Any] = {}
    if _is_quarter_label(p):
        data["period"] = p.label
    else:
        data.update({"period": p.label, "start": p.start, "end": p.end})
    if plan.cadence_days != 14:
        data["cadence_days"] = int(plan.cadence_days)
    krs_by_obj: dict[str, list[dict[str, Any]]] = {}
    for k in plan.key_results.to_dict("records"):
        item: dict[str, Any] = {"id": k["kr_id"], "title": k["title"]}
        for col in ("metric", "unit", "direction"):
            if _present(k[col]):
                item[col] = k[col]
        for col in ("baseline", "target"):
            if _present(k[col]):
                item[col] = _num(k[col])
        if _present(k["weight"]) and float(k["weight"]) != 1.0:
            item["weight"] = _num(k["weight"])
        for col in ("owner", "due"):
            if _present(k[col]):
                item[col] = k[col]
        if k["milestones"]:
            item["milestones"] = {d: _num(v) for d, v in k["milestones"]}
        krs_by_obj.setdefault(k["objective_id"], []).append(item)
    reviews = {r["objective_id"]: r for r in plan.reviews.to_dict("records")}
    objectives = []
    for o in plan.objectives.to_dict("records"):
        item = {"id": o["objective_id"], "title": o["title"], "level": o["level"]}
        for col, key in (("parent_id", "parent"), ("team", "team"), ("owner", "owner")):
            if _present(o[col]):
                item[key] = o[col]
        item["kind"] = o["kind"]
        if _present(o["weight"]) and float(o["weight"]) != 1.0:
            item["weight"] = _num(o["weight"])
        r = reviews.get(o["objective_id"])
        if r is not None:
            review: dict[str, Any] = {}
            for col in ("lessons", "next_actions"):
                if _present(r[col]):
                    lines = str(r[col]).split("\n")
                    review[col] = lines if len(lines) > 1 else lines[0]
            if _present(r["score_override"]):
                review["score_override"] = _num(r["score_override"])
            if _present(r["override_reason"]):
                review["override_reason"] = r["override_reason"]
            item["review"] = review
        item["key_results"] = krs_by_obj.get(o["objective_id"], [])
        objectives.append(item)
    data["objectives"] = objectives
    return data


def dump_plan(plan: Plan) -> str:
    """The plan as YAML text; ``parse_plan(dump_plan(p))`` gives back equal frames."""
    return yaml.safe_dump(
        plan_to_data(plan),
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )


def save_plan_yaml(plan: Plan, path: str | os.PathLike[str]) -> Path:
    """Write the plan as YAML atomically (temporary file, then rename)."""
    return write_atomic(path, dump_plan(plan).encode("utf-8"))


def _read_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


#: read once: changing the process umask per write would race with other threads
_UMASK = _read_umask()


def write_atomic(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write bytes to ``path`` via a temporary file in the same folder and a rename.

    A reader never sees half a file; if writing fails the old file stays in place.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)  # mkstemp makes 0600; readers need the usual mode
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def _is_quarter_label(p: Period) -> bool:
    try:
        return Period.parse(p.label) == p
    except OKRKitError:
        return False


def _present(v: Any) -> bool:
    if v is None:
        return False
    if isinstance(v, float) and math.isnan(v):
        return False
    return not (isinstance(v, str) and v == "")


def _num(v: Any) -> int | float:
    f = float(v)
    return int(f) if f.is_integer() and abs(f) < 1e15 else f


__all__ = [
    "dump_plan",
    "load_plan",
    "parse_plan",
    "plan_from_model",
    "plan_to_data",
    "save_plan_yaml",
    "write_atomic",
]

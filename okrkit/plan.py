"""Plan files in and out: one reader for YAML, CSV and XLSX plans, and the YAML writer.

The pipeline reads the same for every format (check-in files: :mod:`okrkit.checkins`):

1. **read** — :func:`read_plan` (``okrkit.load_plan``) picks the reader from the suffix:
   YAML (parsed once by libyaml, :mod:`okrkit.yamlnodes`), or a flat table
   (:mod:`okrkit.tables`, spreadsheets through :mod:`okrkit.workbook` and
   :mod:`okrkit.sheets`);
2. **validate the values** — the pydantic schema (:mod:`okrkit.models`);
3. **check the structure** — :func:`plan_from_model` builds the frames and applies the
   plan's rules (:mod:`okrkit.structure`): every problem at once, each with the file, the
   line (YAML) or row (tables), the field and a code;
4. **return** a :class:`~okrkit.frames.Plan`.

``dump_plan`` writes a plan back: YAML -> Plan -> YAML -> Plan is lossless.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from okrkit.errors import OKRKitError, PlanError, Problem, dotted
from okrkit.files import decode_utf8, read_bytes, write_atomic
from okrkit.frames import Plan, conform, empty
from okrkit.headers import headers_frame, headers_to_data, people_frame
from okrkit.models import PlanModel, validate_plan_data
from okrkit.period import Period
from okrkit.structure import Issue, check, problems, rows_locator
from okrkit.yamlnodes import load_yaml

_TABLES = (".csv", ".xlsx", ".xlsm")
_OBJECTIVE_KEYS = {"objective_id": "id", "parent_id": "parent"}
_KR_KEYS = {"kr_id": "id"}


# ---------------------------------------------------------------------------
# reading


def read_plan(path: str | os.PathLike[str], *, known_ids: Iterable[str] = ()) -> Plan:
    """Read and validate a plan file: YAML, or a flat CSV / XLSX table.

    ``.csv``, ``.xlsx`` and ``.xlsm`` are tables (:func:`okrkit.workbook.read_flat`); any
    other file is YAML.

    Parameters
    ----------
    path
        The plan file.
    known_ids
        Objective ids that exist elsewhere (e.g. in the store) and may be used as parents.

    Raises
    ------
    PlanError
        With every problem found, each naming the file, line or row, and field.
    """
    if Path(path).suffix.lower() in _TABLES:
        from okrkit.workbook import read_flat

        return read_flat(path, known_ids=known_ids)
    source = str(path)
    return parse_plan(decode_utf8(read_bytes(path), source), source=source, known_ids=known_ids)


#: the public name (``okrkit.load_plan``): the same function
load_plan = read_plan


def parse_plan(text: str, *, source: str | None = None, known_ids: Iterable[str] = ()) -> Plan:
    """Validate YAML plan text; see :func:`read_plan`."""
    doc = load_yaml(text, source)
    model = validate_plan_data(doc.data, source, line_of=doc.line_of)
    return plan_from_model(model, source=source, line_of=doc.line_of, known_ids=known_ids)


def plan_from_model(
    model: PlanModel,
    *,
    source: str | None = None,
    line_of: Callable[[Sequence[Any]], int | None] | None = None,
    row_of: Callable[[Sequence[Any]], int | None] | None = None,
    known_ids: Iterable[str] = (),
) -> Plan:
    """Build the frames of a validated model and check the plan's rules.

    Raises
    ------
    PlanError
        Every broken rule of :mod:`okrkit.structure`, located by ``line_of`` / ``row_of``
        (paths of keys and indices in the nested data).
    """
    found: list[Problem] = []
    try:
        period = Period.parse(model.period, model.start, model.end)
    except OKRKitError as err:
        loc: tuple[Any, ...] = ("period",) if model.period else ("start",)
        found.append(Problem(str(err), file=source, line=line_of(loc) if line_of else None,
                             row=row_of(loc) if row_of else None, field=dotted(loc),
                             code="bad-period"))
        period = None
    label = period.label if period else model.period

    obj_rows: list[dict[str, Any]] = []
    kr_rows: list[dict[str, Any]] = []
    review_rows: list[dict[str, Any]] = []
    kr_at: list[tuple[int, int]] = []
    review_at: list[int] = []
    for i, o in enumerate(model.objectives):
        obj_rows.append({"objective_id": o.id, "period": label, "title": o.title,
                         "level": o.level, "parent_id": o.parent, "team": o.team,
                         "owner": o.owner, "kind": o.kind, "weight": o.weight})
        if o.review is not None and o.review.model_dump(exclude_none=True):
            r = o.review  # (an empty review is no review)
            review_rows.append({"objective_id": o.id, "period": label, "lessons": r.lessons,
                                "next_actions": r.next_actions,
                                "score_override": r.score_override,
                                "override_reason": r.override_reason})
            review_at.append(i)
        for j, k in enumerate(o.key_results):
            kr_rows.append({"kr_id": k.id, "objective_id": o.id, "title": k.title,
                            "metric": k.metric, "unit": k.unit, "direction": k.direction,
                            "baseline": k.baseline, "target": k.target, "weight": k.weight,
                            "owner": k.owner, "due": k.due,
                            "milestones": tuple(sorted(k.milestones.items()))
                            if k.milestones else None,
                            "min": k.min, "max": k.max, "source": k.source})
            kr_at.append((i, j))
    objectives = conform(pd.DataFrame(obj_rows), "objectives")
    key_results = conform(pd.DataFrame(kr_rows), "key_results") if kr_rows else empty(
        "key_results")
    reviews = conform(pd.DataFrame(review_rows), "reviews") if review_rows else empty("reviews")
    headers = headers_frame(model.teams, order=[o.team for o in model.objectives])
    people = people_frame(model.people)
    team_names = list(headers["team"])
    people_names = list(people["name"])

    def loc_of(issue: Issue) -> tuple[Any, ...]:
        if issue.table == "objectives" and issue.row is not None:
            return ("objectives", issue.row, _OBJECTIVE_KEYS.get(issue.field, issue.field))
        if issue.table == "key_results" and issue.row is not None:
            i, j = kr_at[issue.row]
            at = ("objectives", i, "key_results", j, _KR_KEYS.get(issue.field, issue.field))
            return at if issue.key is None else (*at, issue.key)
        if issue.table == "reviews" and issue.row is not None:
            return ("objectives", review_at[issue.row], "review", issue.field)
        if issue.table == "headers" and issue.row is not None:
            at = ("teams", team_names[issue.row])
            return at if issue.field == "team" else (
                (*at, issue.field) if issue.key is None else (*at, issue.field, issue.key))
        if issue.table == "people" and issue.row is not None:
            return ("people", people_names[issue.row])
        return (issue.field,)

    def where(table: str, row: int) -> str:
        return dotted(loc_of(Issue("", "", table, row, ""))[:-1])

    issues = check(objectives, key_results, reviews, period=period,
                   cadence_days=model.cadence_days, known_ids=known_ids, where=where,
                   headers=headers, people=people)
    found += problems(issues, source=source, locate=rows_locator(line_of, row_of, loc_of))
    if found:
        raise PlanError(found, file=source)
    assert period is not None
    return Plan(period=period, objectives=objectives, key_results=key_results, reviews=reviews,
                cadence_days=model.cadence_days, source=source, description=model.description,
                headers=headers, people=people)


# ---------------------------------------------------------------------------
# writing


def plan_to_data(plan: Plan) -> dict[str, Any]:
    """The nested, plain-data form of a plan (what the YAML file holds)."""
    p = plan.period
    data: dict[str, Any] = {}
    if is_quarter_label(p):
        data["period"] = p.label
    else:
        data.update({"period": p.label, "start": p.start, "end": p.end})
    if _present(plan.description):
        data["description"] = plan.description
    if plan.cadence_days != 14:
        data["cadence_days"] = int(plan.cadence_days)
    if len(plan.headers):
        data["teams"] = headers_to_data(plan.headers)
    if len(plan.people):
        data["people"] = dict(zip(plan.people["name"], plan.people["email"], strict=True))
    krs_by_obj: dict[str, list[dict[str, Any]]] = {}
    for k in plan.key_results.to_dict("records"):
        item: dict[str, Any] = {"id": k["kr_id"], "title": k["title"]}
        for col in ("metric", "unit", "direction"):
            if _present(k[col]):
                item[col] = k[col]
        for col in ("baseline", "target", "min", "max"):
            if _present(k.get(col)):
                item[col] = _num(k[col])
        if _present(k["weight"]) and float(k["weight"]) != 1.0:
            item["weight"] = _num(k["weight"])
        for col in ("owner", "due"):
            if _present(k[col]):
                item[col] = k[col]
        if k["milestones"]:
            item["milestones"] = {d: _num(v) for d, v in k["milestones"]}
        if k.get("source") is not None:
            item["source"] = k["source"].to_mapping()
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
        if o["objective_id"] in krs_by_obj:
            item["key_results"] = krs_by_obj[o["objective_id"]]
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


def is_quarter_label(p: Period) -> bool:
    """Whether the period is the quarter its label names (else a file writes its dates)."""
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
    "read_plan",
    "save_plan_yaml",
    "write_atomic",
]

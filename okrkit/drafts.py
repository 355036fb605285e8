"""Drafts of a team's OKRs: where a draft starts, its ids, its validation and its lint.

A draft is what the planning workshop (:mod:`okrkit.widgets.workshop`) edits — plain
data, no widgets::

    {"period": "2026-Q1", "team": "chatbot", "objectives": [
        {"id": "BOT-1", "title": ..., "level": "project", "parent": "CS-1" or None,
         "owner": ..., "kind": "aspirational", "weight": 1.0,
         "key_results": [{"id": "BOT-1.1", "title": ..., "metric": ..., "unit": ...,
                          "direction": "increase", "baseline": "65", "target": "90",
                          "weight": 1.0, "owner": ...}, ...]}, ...]}

Numbers may be typed as text (``"85%"`` is accepted for a ``%`` unit, as in plan files).

* where a draft starts: :func:`blank_draft`, :func:`draft_from_plan` (the stored plan),
  :func:`draft_from_data` (nested plan data), :func:`draft_from_template` (a template of
  :mod:`okrkit.templates`);
* ids: :func:`next_objective_id`, :func:`next_kr_id`, :func:`team_prefix`;
* :func:`draft_to_plan` — the draft validated like a plan file (``okrkit.models`` +
  ``okrkit.plan.plan_from_model``): a :class:`~okrkit.frames.Plan` or the problems, never
  an exception; :func:`locate` finds a problem's objective, key result and field;
* :func:`draft_frames` / :func:`lint_draft` — a lenient plan of the draft, linted even
  when it does not validate yet.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
import yaml

from okrkit.errors import OKRKitError, PlanError, Problem
from okrkit.frames import Plan, conform, empty, is_blank
from okrkit.linting import Finding, lint
from okrkit.period import Period

SOURCE = "workshop form"
_LOC = re.compile(r"^objectives\[(\d+)\](?:\.key_results\[(\d+)\])?(?:\.(.+))?$")
# key result fields the workshop does not edit but keeps, so a save leaves them unchanged
KEPT_KR_FIELDS = ("due", "milestones", "min", "max", "source")
CATEGORY_LABELS = {
    "project-type": "project type",
    "stakeholder": "stakeholder",
    "business-value": "business value",
    "caio": "CAIO",
}


def _text(v: Any) -> str | None:
    return None if is_blank(v) else str(v).strip()


def num_text(v: Any) -> str:
    """A number for a Text field (``""`` when missing; integers without ``.0``)."""
    if is_blank(v):
        return ""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    return str(int(f)) if f.is_integer() and abs(f) < 1e15 else repr(f)


def kept_fields(kr: Mapping[str, Any]) -> dict[str, Any]:
    """The :data:`KEPT_KR_FIELDS` a key result has (milestones as a mapping; blanks left
    out, so they read as missing)."""
    out: dict[str, Any] = {}
    for f in KEPT_KR_FIELDS:
        v = kr.get(f)
        if is_blank(v) or (f == "milestones" and not v):
            continue
        out[f] = dict(v) if f == "milestones" else v
    return out


def blank_objective(oid: str, team: str | None = None) -> dict[str, Any]:
    """An empty objective of the draft (kind aspirational, level project, weight 1)."""
    return {"id": oid, "title": "", "level": "project", "parent": None, "team": team,
            "owner": "", "kind": "aspirational", "weight": 1.0, "key_results": []}


def blank_key_result(kid: str) -> dict[str, Any]:
    """An empty key result (direction increase, weight 1)."""
    return {"id": kid, "title": "", "metric": "", "unit": "", "direction": "increase",
            "baseline": "", "target": "", "weight": 1.0, "owner": ""}


def blank_draft(period: str, team: str) -> dict[str, Any]:
    """A draft with no objectives."""
    return {"period": period, "team": team, "objectives": []}


def draft_from_plan(plan: Plan | None, team: str, period: str | None = None) -> dict[str, Any]:
    """The team's own objectives of ``plan`` (not their ancestors) as a draft."""
    label = period or (plan.period.label if plan is not None else "")
    draft = blank_draft(label, team)
    if plan is None:
        return draft
    krs = plan.key_results
    for o in plan.objectives.to_dict("records"):
        if o["team"] != team:
            continue
        item = {
            "id": o["objective_id"],
            "title": o["title"] or "",
            "level": o["level"] or "project",
            "parent": o["parent_id"],
            "team": team,
            "owner": o["owner"] or "",
            "kind": o["kind"] or "aspirational",
            "weight": 1.0 if is_blank(o["weight"]) else float(o["weight"]),
            "key_results": [],
        }
        for k in krs[krs["objective_id"] == o["objective_id"]].to_dict("records"):
            item["key_results"].append(
                {
                    "id": k["kr_id"],
                    "title": k["title"] or "",
                    "metric": k["metric"] or "",
                    "unit": k["unit"] or "",
                    "direction": k["direction"] or "increase",
                    "baseline": num_text(k["baseline"]),
                    "target": num_text(k["target"]),
                    "weight": 1.0 if is_blank(k["weight"]) else float(k["weight"]),
                    "owner": k["owner"] or "",
                    # kept, not editable here: they survive a save unchanged
                    **kept_fields(k),
                }
            )
        draft["objectives"].append(item)
    return draft


def draft_from_data(data: Mapping[str, Any], team: str, period: str) -> dict[str, Any]:
    """A draft from nested plan data (a parsed plan YAML, e.g. an instantiated template)."""
    draft = blank_draft(period, team)
    for o in data.get("objectives") or []:
        item = blank_objective(str(o.get("id", "")), team)
        item.update(
            {
                "title": str(o.get("title") or ""),
                "level": o.get("level") or "project",
                "parent": _text(o.get("parent")),
                "owner": str(o.get("owner") or ""),
                "kind": o.get("kind") or "aspirational",
                "weight": float(o.get("weight") or 1.0),
            }
        )
        for k in o.get("key_results") or []:
            kr = blank_key_result(str(k.get("id", "")))
            kr.update(
                {
                    "title": str(k.get("title") or ""),
                    "metric": str(k.get("metric") or ""),
                    "unit": str(k.get("unit") or ""),
                    "direction": k.get("direction") or "increase",
                    "baseline": num_text(k.get("baseline")),
                    "target": num_text(k.get("target")),
                    "weight": float(k.get("weight") or 1.0),
                    "owner": str(k.get("owner") or ""),
                }
            )
            item["key_results"].append(kr)
        draft["objectives"].append(item)
    return draft


def template_options(category: str | None = None) -> list[tuple[str, str]]:
    """``(label, template id)`` pairs for a dropdown, labelled by category."""
    from okrkit.templates import list_templates

    frame = list_templates(category)
    return [
        (f"{CATEGORY_LABELS.get(r['category'], r['category'])} · {r['name']}", str(r["id"]))
        for r in frame.to_dict("records")
    ]


def draft_from_template(
    template_id: str,
    *,
    period: str,
    team: str,
    prefix: str,
    parent: str | None = None,
    owner: str | None = None,
) -> tuple[dict[str, Any] | None, list[str]]:
    """A draft from a template (``okrkit.templates.instantiate``) and notes for the user.

    Returns ``(None, [error])`` when the template cannot be instantiated.
    """
    from okrkit.templates import TODO_BASELINE, instantiate

    try:
        text = instantiate(template_id, period=period, team=team, prefix=prefix,
                           parent=parent or None, owner=owner or None)
    except OKRKitError as err:
        return None, [str(err)]
    data = yaml.safe_load(text)
    notes = []
    todo = text.count(TODO_BASELINE)
    if todo:
        notes.append(
            f"{todo} key result{'s' * (todo != 1)} got baseline 0 from the template: measure "
            "the real baseline and type it before check-ins start"
        )
    return draft_from_data(data, team, period), notes


def _next_id(used: set[str], stem: str, sep: str) -> str:
    """``<stem><sep><n>`` with n one more than the largest number used, and not used."""
    pat = re.compile(rf"^{re.escape(stem)}{re.escape(sep)}(\d+)$")
    n = max((int(m.group(1)) for i in used if (m := pat.match(i))), default=0) + 1
    while f"{stem}{sep}{n}" in used:
        n += 1
    return f"{stem}{sep}{n}"


def next_objective_id(draft: Mapping[str, Any], prefix: str) -> str:
    """``<prefix>-<n>`` with n one more than the largest number used in the draft."""
    return _next_id({str(o.get("id")) for o in draft.get("objectives", [])}, prefix, "-")


def next_kr_id(objective: Mapping[str, Any]) -> str:
    """``<objective id>.<m>`` with m one more than the largest used."""
    return _next_id({str(k.get("id")) for k in objective.get("key_results", [])},
                    str(objective.get("id") or "KR"), ".")


def team_prefix(team: str, plan: Plan | None = None) -> str:
    """The id prefix the team already uses (``BOT`` of ``BOT-1``), else from its name."""
    if plan is not None:
        ids = plan.objectives.loc[plan.objectives["team"] == team, "objective_id"]
        for oid in ids:
            m = re.match(r"^([A-Za-z0-9_]+)-\d+$", str(oid))
            if m:
                return m.group(1)
    letters = re.sub(r"[^A-Za-z0-9]", "", team or "")
    return (letters[:3] or "OKR").upper()


def _model_data(draft: Mapping[str, Any]) -> dict[str, Any]:
    """The draft as nested plan data (blank fields left out, so they read as missing)."""
    objectives = []
    for o in draft.get("objectives", []):
        item: dict[str, Any] = {}
        for f in ("id", "title", "level", "parent", "owner", "kind"):
            v = _text(o.get(f))
            if v is not None:
                item[f] = v
        item["team"] = draft.get("team")
        if not is_blank(o.get("weight")):
            item["weight"] = o.get("weight")
        krs = []
        for k in o.get("key_results", []):
            kr: dict[str, Any] = {}
            for f in ("id", "title", "metric", "unit", "direction", "owner"):
                v = _text(k.get(f))
                if v is not None:
                    kr[f] = v
            for f in ("baseline", "target", "weight"):
                v = k.get(f)
                if not is_blank(v):
                    kr[f] = v.strip() if isinstance(v, str) else v
            kr.update(kept_fields(k))
            krs.append(kr)
        item["key_results"] = krs
        objectives.append(item)
    return {"period": draft.get("period"), "objectives": objectives}


def draft_to_plan(
    draft: Mapping[str, Any], known_ids: Iterable[str] = ()
) -> tuple[Plan | None, list[Problem]]:
    """Validate the draft like a plan file: ``(plan, [])`` or ``(None, problems)``.

    ``known_ids`` are objective ids of the period's other teams (valid parents). Each
    problem's ``field`` is its path in the draft, e.g. ``objectives[0].key_results[1].target``.
    """
    from okrkit.models import validate_plan_data
    from okrkit.plan import plan_from_model

    data = _model_data(draft)
    try:
        model = validate_plan_data(data, SOURCE)
        plan = plan_from_model(model, source=SOURCE, known_ids=known_ids)
    except PlanError as err:
        return None, list(err.problems)
    except OKRKitError as err:
        return None, [Problem(str(err), file=SOURCE)]
    return plan, []


def draft_frames(draft: Mapping[str, Any]) -> Plan | None:
    """A lenient :class:`Plan` of the draft (bad numbers become NaN) for linting.

    ``None`` when the draft's period is not a period.
    """
    try:
        period = Period.parse(draft.get("period"))
    except OKRKitError:
        return None
    team = draft.get("team")
    obj_rows, kr_rows = [], []
    for o in draft.get("objectives", []):
        obj_rows.append(
            {
                "objective_id": _text(o.get("id")),
                "period": period.label,
                "title": _text(o.get("title")),
                "level": _text(o.get("level")) or "project",
                "parent_id": _text(o.get("parent")),
                "team": team,
                "owner": _text(o.get("owner")),
                "kind": _text(o.get("kind")) or "aspirational",
                "weight": _lenient_number(o.get("weight"), None),
            }
        )
        for k in o.get("key_results", []):
            unit = _text(k.get("unit"))
            kr_rows.append(
                {
                    "kr_id": _text(k.get("id")),
                    "objective_id": _text(o.get("id")),
                    "title": _text(k.get("title")),
                    "metric": _text(k.get("metric")),
                    "unit": unit,
                    "direction": _text(k.get("direction")),
                    "baseline": _lenient_number(k.get("baseline"), unit),
                    "target": _lenient_number(k.get("target"), unit),
                    "weight": _lenient_number(k.get("weight"), None),
                    "owner": _text(k.get("owner")),
                }
            )
    objectives = conform(pd.DataFrame(obj_rows), "objectives") if obj_rows else empty(
        "objectives")
    krs = conform(pd.DataFrame(kr_rows), "key_results") if kr_rows else empty("key_results")
    return Plan(period=period, objectives=objectives, key_results=krs, source=SOURCE)


def _lenient_number(v: Any, unit: str | None) -> float:
    from okrkit.models import parse_number

    try:
        x = parse_number(v, unit if unit == "%" else "%", "number")
    except ValueError:
        return float("nan")
    return float("nan") if x is None else x


def lint_draft(draft: Mapping[str, Any], known_ids: Iterable[str] = ()) -> list[Finding]:
    """Lint findings of the draft, even when it does not validate yet."""
    plan = draft_frames(draft)
    return [] if plan is None else lint(plan, known_ids)


def locate(problem: Problem) -> tuple[int | None, int | None, str | None]:
    """``(objective index, key result index, field)`` of a draft problem's ``field``."""
    m = _LOC.match(problem.field or "")
    if not m:
        return None, None, problem.field
    i = int(m.group(1))
    j = int(m.group(2)) if m.group(2) is not None else None
    return i, j, m.group(3)



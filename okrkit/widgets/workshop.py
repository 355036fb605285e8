"""The quarterly planning workshop: draft a team's OKRs, lint them live, align, save.

The class is thin: its callbacks call the pure functions of this module, which the tests
exercise directly —

* :func:`draft_from_plan`, :func:`draft_from_template`, :func:`blank_draft` — where a
  draft starts (the stored plan, a template of ``okrkit.templates``, nothing);
* :func:`draft_to_plan` — the typed draft validated like a plan file
  (``okrkit.models`` + ``okrkit.plan.plan_from_model``): a :class:`Plan` or the problems,
  never an exception; :func:`lint_draft` lints even an invalid draft;
* :func:`lint_panel_html` — validation problems and lint findings as escaped HTML;
* :func:`merge_team_plan` — the team's objectives merged into the period's stored plan
  (other teams untouched), with the cross-team checks (ids, children of removed
  objectives);
* :func:`alignment_tree_html` — company → business unit → project, escaped;
* :func:`add_votes`, :func:`vote_summary`, :func:`votes_html` — private confidence votes,
  hidden until revealed.

A draft is plain data::

    {"period": "2026-Q1", "team": "chatbot", "objectives": [
        {"id": "BOT-1", "title": ..., "level": "project", "parent": "CS-1" or None,
         "owner": ..., "kind": "aspirational", "weight": 1.0,
         "key_results": [{"id": "BOT-1.1", "title": ..., "metric": ..., "unit": ...,
                          "direction": "increase", "baseline": "65", "target": "90",
                          "weight": 1.0, "owner": ...}, ...]}, ...]}

Numbers may be typed as text (``"85%"`` is accepted for a ``%`` unit, as in plan files).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

import ipywidgets as widgets
import numpy as np
import pandas as pd
import yaml

from okrkit.config import current_user
from okrkit.errors import ConflictError, OKRKitError, PlanError, Problem
from okrkit.frames import DIRECTIONS, KINDS, LEVELS, Plan, conform, empty, is_blank
from okrkit.linting import Finding, lint
from okrkit.period import Period
from okrkit.widgets.common import (
    MessageBox,
    TeamApp,
    default_period,
    esc,
    fmt_number,
    heading,
    period_dropdown,
    problems_html,
    resolve_store,
)

SOURCE = "workshop form"
NO_PARENT = ""
START_STORED = "stored"
START_BLANK = "blank"
START_TEMPLATE = "template"
OBJECTIVE_FIELDS = ("id", "title", "level", "parent", "owner", "kind", "weight")
KR_FIELDS = ("id", "title", "metric", "unit", "direction", "baseline", "target", "weight",
             "owner")
VOTE_COLUMNS = ["objective_id", "n", "mean", "spread", "min", "max"]
_LOC = re.compile(r"^objectives\[(\d+)\](?:\.key_results\[(\d+)\])?(?:\.(.+))?$")
_CATEGORY_LABELS = {
    "project-type": "project type",
    "stakeholder": "stakeholder",
    "business-value": "business value",
    "caio": "CAIO",
}


# -- drafts --------------------------------------------------------------------------


def _text(v: Any) -> str | None:
    return None if is_blank(v) else str(v).strip()


def _num_text(v: Any) -> str:
    """A number for a Text field (``""`` when missing; integers without ``.0``)."""
    if is_blank(v):
        return ""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    return str(int(f)) if f.is_integer() and abs(f) < 1e15 else repr(f)


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
                    "baseline": _num_text(k["baseline"]),
                    "target": _num_text(k["target"]),
                    "weight": 1.0 if is_blank(k["weight"]) else float(k["weight"]),
                    "owner": k["owner"] or "",
                    # kept, not editable here: they survive a save unchanged
                    "due": k["due"],
                    "milestones": k["milestones"],
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
                    "baseline": _num_text(k.get("baseline")),
                    "target": _num_text(k.get("target")),
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
        (f"{_CATEGORY_LABELS.get(r['category'], r['category'])} · {r['name']}", str(r["id"]))
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


def next_objective_id(draft: Mapping[str, Any], prefix: str) -> str:
    """``<prefix>-<n>`` with n one more than the largest number used in the draft."""
    used = {str(o.get("id")) for o in draft.get("objectives", [])}
    pat = re.compile(rf"^{re.escape(prefix)}-(\d+)$")
    nums = [int(m.group(1)) for i in used if (m := pat.match(i))]
    n = max(nums, default=0) + 1
    while f"{prefix}-{n}" in used:
        n += 1
    return f"{prefix}-{n}"


def next_kr_id(objective: Mapping[str, Any]) -> str:
    """``<objective id>.<m>`` with m one more than the largest used."""
    oid = str(objective.get("id") or "KR")
    used = {str(k.get("id")) for k in objective.get("key_results", [])}
    pat = re.compile(rf"^{re.escape(oid)}\.(\d+)$")
    nums = [int(found.group(1)) for i in used if (found := pat.match(i))]
    n = max(nums, default=0) + 1
    while f"{oid}.{n}" in used:
        n += 1
    return f"{oid}.{n}"


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
            if k.get("due") is not None:
                kr["due"] = k["due"]
            if k.get("milestones"):
                kr["milestones"] = dict(k["milestones"])
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


def _severity_rank(f: Finding) -> int:
    return 0 if f.severity == "error" else 1


def lint_panel_html(findings: Iterable[Finding], problems: Iterable[Problem] = ()) -> str:
    """Validation problems and lint findings as escaped HTML (errors first)."""
    probs = list(problems)
    found = sorted(findings, key=_severity_rank)
    parts = []
    n_err = len(probs) + sum(f.severity == "error" for f in found)
    n_warn = sum(f.severity != "error" for f in found)
    if not probs and not found:
        return ('<div class="okr-lint okr-lint-clean" style="color:#1b5e20">'
                "No findings: the draft follows the OKR DO/DON'T list.</div>")
    parts.append(
        f'<div class="okr-lint"><b>{n_err} error{"s" * (n_err != 1)}, '
        f'{n_warn} warning{"s" * (n_warn != 1)}</b>'
    )
    if probs:
        parts.append(problems_html(probs, title="Cannot be saved yet:"))
    if found:
        items = []
        for f in found:
            colour = "#b71c1c" if f.severity == "error" else "#e65100"
            where = " · ".join(x for x in (f.objective_id, f.kr_id) if x)
            items.append(
                f'<li class="okr-finding okr-{esc(f.severity)}" style="color:{colour}">'
                f"<b>{esc(f.severity)}</b> [{esc(f.code)}] "
                f"{esc(where) + ': ' if where else ''}{esc(f.message)}</li>"
            )
        parts.append(f'<ul style="margin:2px 0 2px 18px">{"".join(items)}</ul>')
    parts.append("</div>")
    return "".join(parts)


def locate(problem: Problem) -> tuple[int | None, int | None, str | None]:
    """``(objective index, key result index, field)`` of a draft problem's ``field``."""
    m = _LOC.match(problem.field or "")
    if not m:
        return None, None, problem.field
    i = int(m.group(1))
    j = int(m.group(2)) if m.group(2) is not None else None
    return i, j, m.group(3)


def _problem_line(problem: Problem) -> str:
    _, _, field = locate(problem)
    return f"{field}: {problem.message}" if field else problem.message


# -- the period: merge, alignment ----------------------------------------------------


def merge_team_plan(
    stored: Plan | None, team_plan: Plan, team: str
) -> tuple[Plan | None, list[Problem]]:
    """The period's plan with ``team``'s objectives replaced by those of ``team_plan``.

    Other teams' objectives, key results and reviews are untouched; the team's
    objectives take the place of its old ones (appended when it had none). Reviews of
    objectives that no longer exist are dropped. ``revision`` is the stored one (the
    optimistic check of :meth:`Store.save_plan`).

    Problems: an id of the draft already used by another team; another team's objective
    whose parent is a team objective the draft removes.
    """
    if stored is None:
        return replace(team_plan, revision=None, source=None), []
    obj = stored.objectives
    mine = obj["team"] == team
    old_ids = set(obj.loc[mine, "objective_id"])
    others = obj[~mine]
    other_krs = stored.key_results[~stored.key_results["objective_id"].isin(old_ids)]
    problems: list[Problem] = []
    other_teams = dict(zip(others["objective_id"], others["team"], strict=True))
    for oid in team_plan.objectives["objective_id"]:
        if oid in other_teams:
            problems.append(Problem(
                f"objective id '{oid}' is already used by team '{other_teams[oid]}' in "
                f"{stored.period.label}: choose another id", field="id", id=oid))
    kr_owner = dict(zip(other_krs["kr_id"], other_krs["objective_id"], strict=True))
    for kid in team_plan.key_results["kr_id"]:
        if kid in kr_owner:
            problems.append(Problem(
                f"key result id '{kid}' is already used by objective '{kr_owner[kid]}' in "
                f"{stored.period.label}: choose another id", field="id", id=kid))
    new_ids = set(team_plan.objectives["objective_id"])
    removed = old_ids - new_ids
    for o in others.to_dict("records"):
        if o["parent_id"] in removed:
            problems.append(Problem(
                f"objective '{o['objective_id']}' of team '{o['team']}' is aligned to "
                f"'{o['parent_id']}', which this draft removes: keep it or re-align that "
                "objective first", field="parent", id=o["parent_id"]))
    if problems:
        return None, problems
    positions = np.flatnonzero(mine.to_numpy())
    at = int(positions[0]) if len(positions) else len(obj)
    before = obj.iloc[:at][~mine.iloc[:at]]
    after = obj.iloc[at:][~mine.iloc[at:]]
    objectives = pd.concat([before, team_plan.objectives, after], ignore_index=True)
    order = {oid: i for i, oid in enumerate(objectives["objective_id"])}
    krs = pd.concat([other_krs, team_plan.key_results], ignore_index=True)
    krs = krs.iloc[np.argsort([order.get(o, len(order)) for o in krs["objective_id"]],
                              kind="stable")]
    reviews = stored.reviews[stored.reviews["objective_id"].isin(set(order))]
    merged = stored.with_frames(objectives=objectives, key_results=krs, reviews=reviews)
    return merged, []


def period_objectives(stored: Plan | None, draft_plan: Plan | None, team: str,
                      draft: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """The period's objectives with the team's replaced by the draft's (for the tree)."""
    parts = []
    if stored is not None:
        parts.append(stored.objectives[stored.objectives["team"] != team])
    if draft_plan is not None:
        parts.append(draft_plan.objectives)
    elif draft is not None:
        lenient = draft_frames(draft)
        if lenient is not None:
            parts.append(lenient.objectives)
    if not parts:
        return empty("objectives")
    return conform(pd.concat(parts, ignore_index=True), "objectives")


_LEVEL_ORDER = {lvl: i for i, lvl in enumerate(LEVELS)}


def alignment_tree_html(objectives: pd.DataFrame, highlight_team: str | None = None) -> str:
    """The objectives as a nested list (company → business unit → project), escaped.

    Objectives whose parent is unknown are shown as roots, marked. The highlighted
    team's objectives are bold.
    """
    if objectives.empty:
        return "<p><i>no objectives in this period yet</i></p>"
    recs: list[dict[str, Any]] = [
        {str(k): v for k, v in r.items()}
        for r in objectives.to_dict("records")
        if not is_blank(r["objective_id"])
    ]
    ids = {r["objective_id"] for r in recs}
    children: dict[Any, list[dict[str, Any]]] = {}
    for r in recs:
        parent = r["parent_id"] if r["parent_id"] in ids else None
        children.setdefault(parent, []).append(r)
    for lst in children.values():
        lst.sort(key=lambda r: _LEVEL_ORDER.get(r["level"], 9))

    def item(r: dict[str, Any], seen: frozenset[str]) -> str:
        label = (f"<code>{esc(r['objective_id'])}</code> {esc(r['title'])} "
                 f"<small>({esc(r['level'])} · {esc(r['team'])} · {esc(r['kind'])})</small>")
        if r["team"] == highlight_team and highlight_team is not None:
            label = f'<b class="okr-own">{label}</b>'
        if not is_blank(r["parent_id"]) and r["parent_id"] not in ids:
            label += f' <small style="color:#b71c1c">parent {esc(r["parent_id"])} unknown</small>'
        oid = r["objective_id"]
        if oid in seen:  # a cycle: stop
            return f"<li>{label} <small>(cycle)</small></li>"
        kids = children.get(oid, [])
        inner = "".join(item(k, seen | {oid}) for k in kids)
        return f"<li>{label}{f'<ul>{inner}</ul>' if inner else ''}</li>"

    roots = children.get(None, [])
    listed = {r["objective_id"] for r in roots}
    # objectives only reachable through a cycle have no root: list them too
    body = "".join(item(r, frozenset()) for r in roots)
    reached: set[str] = set()
    stack = list(listed)
    while stack:
        cur = stack.pop()
        if cur in reached:
            continue
        reached.add(cur)
        stack.extend(k["objective_id"] for k in children.get(cur, []))
    body += "".join(item(r, frozenset()) for r in recs if r["objective_id"] not in reached)
    return f'<ul class="okr-tree" style="margin:2px 0 2px 18px">{body}</ul>'


# -- confidence votes ----------------------------------------------------------------


def add_votes(
    votes: Mapping[str, Mapping[str, float]], participant: str, ballot: Mapping[str, Any]
) -> tuple[dict[str, dict[str, float]], list[Problem]]:
    """A copy of ``votes`` with ``participant``'s ballot (objective id -> 0..1) recorded.

    A participant voting again replaces their earlier ballot. Problems (nothing recorded):
    no name, a vote that is not a number in [0, 1].
    """
    out = {p: dict(b) for p, b in votes.items()}
    name = (participant or "").strip()
    problems = []
    if not name:
        problems.append(Problem("type your name before voting", field="participant"))
    clean: dict[str, float] = {}
    for oid, v in ballot.items():
        try:
            x = float(v)
        except (TypeError, ValueError):
            problems.append(Problem(f"vote '{v}' is not a number", field="vote", id=oid))
            continue
        if not 0.0 <= x <= 1.0 or math.isnan(x):
            problems.append(Problem(f"vote {x:g} must be between 0 and 1", field="vote", id=oid))
            continue
        clean[str(oid)] = x
    if problems:
        return out, problems
    out[name] = clean
    return out, []


def vote_summary(votes: Mapping[str, Mapping[str, float]]) -> pd.DataFrame:
    """Per objective: number of votes, mean, spread (max - min), min, max."""
    rows: dict[str, list[float]] = {}
    for ballot in votes.values():
        for oid, x in ballot.items():
            rows.setdefault(oid, []).append(float(x))
    out = [
        {"objective_id": oid, "n": len(xs), "mean": float(np.mean(xs)),
         "spread": float(max(xs) - min(xs)), "min": float(min(xs)), "max": float(max(xs))}
        for oid, xs in rows.items()
    ]
    return pd.DataFrame(out, columns=VOTE_COLUMNS)


def votes_html(votes: Mapping[str, Mapping[str, float]], revealed: bool,
               objective_ids: Iterable[str] = ()) -> str:
    """Hidden: who has voted, no numbers. Revealed: every vote with mean and spread."""
    people = sorted(votes)
    if not people:
        return "<p><i>no votes yet</i></p>"
    if not revealed:
        names = ", ".join(esc(p) for p in people)
        return (f'<p class="okr-votes-hidden">{len(people)} participant'
                f'{"s" * (len(people) != 1)} voted ({names}); votes stay hidden until '
                "<b>Reveal</b>.</p>")
    ids = list(dict.fromkeys([*objective_ids, *(o for b in votes.values() for o in b)]))
    summary = vote_summary(votes).set_index("objective_id")
    head = "".join(f"<th style='padding:2px 6px'>{esc(p)}</th>" for p in people)
    body = []
    for oid in ids:
        cells = "".join(
            f"<td style='padding:2px 6px'>{esc(fmt_number(votes[p].get(oid)))}</td>"
            for p in people
        )
        s = summary.loc[oid] if oid in summary.index else None
        mean = fmt_number(s["mean"]) if s is not None else "–"
        spread = fmt_number(s["spread"]) if s is not None else "–"
        flag = ""
        if s is not None and s["spread"] >= 0.3:
            flag = " <small style='color:#e65100'>(discuss: wide spread)</small>"
        body.append(f"<tr><td style='padding:2px 6px'><code>{esc(oid)}</code></td>{cells}"
                    f"<td style='padding:2px 6px'><b>{esc(mean)}</b></td>"
                    f"<td style='padding:2px 6px'>{esc(spread)}{flag}</td></tr>")
    return ('<table class="okr-votes" style="border-collapse:collapse"><thead><tr>'
            f"<th>objective</th>{head}<th>mean</th><th>spread</th></tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>")


# -- widgets ---------------------------------------------------------------------------


def _w(width: str) -> widgets.Layout:
    return widgets.Layout(width=width)


def _login() -> str | None:
    return current_user()


class KRForm:
    """The fields of one key result: ``id``, ``title``, ``metric``, ``unit``,
    ``direction`` (Dropdown), ``baseline``, ``target`` (Text: blank = missing),
    ``weight`` (FloatText), ``owner``; ``remove_button``; ``problems`` (HTML)."""

    def __init__(self, kr: Mapping[str, Any]) -> None:
        self.extra = {k: kr.get(k) for k in ("due", "milestones")}
        self.id = widgets.Text(value=str(kr.get("id") or ""), description="KR id",
                               layout=_w("170px"), style={"description_width": "45px"})
        self.title = widgets.Text(value=str(kr.get("title") or ""), placeholder="outcome",
                                  description="title", layout=_w("460px"),
                                  style={"description_width": "35px"})
        self.metric = widgets.Text(value=str(kr.get("metric") or ""), placeholder="metric",
                                   layout=_w("130px"))
        self.unit = widgets.Text(value=str(kr.get("unit") or ""), placeholder="unit",
                                 layout=_w("80px"))
        direction = kr.get("direction") or "increase"
        options = list(DIRECTIONS) + ([direction] if direction not in DIRECTIONS else [])
        self.direction = widgets.Dropdown(options=options, value=direction, layout=_w("105px"))
        self.baseline = widgets.Text(value=_num_text(kr.get("baseline")),
                                     placeholder="baseline", layout=_w("85px"))
        self.target = widgets.Text(value=_num_text(kr.get("target")), placeholder="target",
                                   layout=_w("85px"))
        self.weight = widgets.FloatText(value=float(kr.get("weight") or 1.0), description="w",
                                        layout=_w("90px"), style={"description_width": "15px"})
        self.owner = widgets.Text(value=str(kr.get("owner") or ""), placeholder="owner",
                                  layout=_w("120px"))
        self.remove_button = widgets.Button(description="✕", tooltip="remove this key result",
                                            layout=_w("36px"))
        self.problems = widgets.HTML("")
        self.box = widgets.VBox([
            widgets.HBox([self.id, self.title]),
            widgets.HBox([self.metric, self.unit, self.direction, self.baseline, self.target,
                          self.weight, self.owner, self.remove_button]),
            self.problems,
        ], layout=widgets.Layout(margin="0 0 4px 24px"))

    def inputs(self) -> list[widgets.Widget]:
        return [self.id, self.title, self.metric, self.unit, self.direction, self.baseline,
                self.target, self.weight, self.owner]

    def data(self) -> dict[str, Any]:
        out = {f: getattr(self, f).value for f in KR_FIELDS}
        out.update(self.extra)
        return out


class ObjectiveForm:
    """The fields of one objective: ``id``, ``title``, ``owner``, ``kind``, ``level``,
    ``parent`` (Dropdown of the period's objectives; ``""`` = none), ``weight``;
    ``key_results`` (list of :class:`KRForm`), ``add_kr_button``, ``remove_button``,
    ``problems`` (HTML)."""

    def __init__(self, objective: Mapping[str, Any], parent_options: list[tuple[str, str]]
                 ) -> None:
        self.id = widgets.Text(value=str(objective.get("id") or ""), description="id",
                               layout=_w("150px"), style={"description_width": "20px"})
        self.title = widgets.Text(value=str(objective.get("title") or ""),
                                  placeholder="qualitative, inspiring goal",
                                  description="Objective", layout=_w("520px"))
        self.owner = widgets.Text(value=str(objective.get("owner") or ""),
                                  description="owner", layout=_w("230px"),
                                  style={"description_width": "45px"})
        kind = objective.get("kind") or "aspirational"
        self.kind = widgets.Dropdown(options=list(KINDS), value=kind if kind in KINDS else
                                     "aspirational", description="kind", layout=_w("200px"),
                                     style={"description_width": "35px"})
        level = objective.get("level") or "project"
        self.level = widgets.Dropdown(options=list(LEVELS), value=level if level in LEVELS
                                      else "project", description="level", layout=_w("200px"),
                                      style={"description_width": "35px"})
        parent = objective.get("parent") or NO_PARENT
        self.parent = widgets.Dropdown(options=_with_value(parent_options, parent),
                                       value=parent, description="aligns to",
                                       layout=_w("420px"), style={"description_width": "60px"})
        self.weight = widgets.FloatText(value=float(objective.get("weight") or 1.0),
                                        description="weight", layout=_w("140px"),
                                        style={"description_width": "45px"})
        self.key_results = [KRForm(k) for k in objective.get("key_results", [])]
        self.add_kr_button = widgets.Button(description="+ key result", icon="plus")
        self.remove_button = widgets.Button(description="Remove objective", icon="trash",
                                            button_style="warning")
        self.problems = widgets.HTML("")
        self.box = widgets.VBox(
            [widgets.HBox([self.id, self.title]),
             widgets.HBox([self.owner, self.kind, self.level, self.weight]),
             widgets.HBox([self.parent]),
             self.problems,
             *[k.box for k in self.key_results],
             widgets.HBox([self.add_kr_button, self.remove_button])],
            layout=widgets.Layout(border="1px solid #cfd8dc", padding="4px", margin="4px 0"),
        )

    def inputs(self) -> list[widgets.Widget]:
        own = [self.id, self.title, self.owner, self.kind, self.level, self.parent, self.weight]
        return own + [w for k in self.key_results for w in k.inputs()]

    def data(self) -> dict[str, Any]:
        out: dict[str, Any] = {f: getattr(self, f).value for f in OBJECTIVE_FIELDS}
        out["parent"] = out["parent"] or None
        out["key_results"] = [k.data() for k in self.key_results]
        return out


def _with_value(options: list[tuple[str, str]], value: str) -> list[tuple[str, str]]:
    if value in {v for _, v in options}:
        return list(options)
    return [*options, (f"{value} (not in this period)", value)]


class PlanningWorkshopApp(TeamApp):
    """Plan one team's OKRs for a period: start, edit, lint live, align, vote, save.

    Parameters
    ----------
    db
        Store URL (``None``: ``$OKRKIT_DB`` or ``sqlite:///data/okrkit.db``).
    period
        Period label (``2026-Q1``); default the stored period containing today, else the
        latest. A period not in the store yet can be planned (saved as a new period).
    team
        The team planning; default the first team of the period.
    store
        An open store (wins over ``db``; not closed by the app).

    Widgets: ``period`` (Dropdown), ``team`` (Combobox), ``start`` (Dropdown: stored /
    blank / template), ``category``, ``template`` (Dropdowns), ``prefix``,
    ``template_parent`` (align the template under), ``template_owner``, ``start_button``;
    ``objectives`` (list of :class:`ObjectiveForm`), ``add_objective_button``;
    ``lint_panel``, ``alignment`` (HTML); votes: ``participant`` (Text), ``vote_sliders``
    (objective id -> FloatSlider), ``vote_button``, ``reveal_button``, ``votes_panel``;
    ``author`` (Text), ``save_button``, ``export_path`` (Text), ``export_button``,
    ``export_preview`` (HTML), ``message`` (MessageBox), ``widget``.
    State: ``stored`` (the period's stored plan or None), ``plan`` (validated draft or None),
    ``problems``, ``findings``, ``votes``, ``revealed``, ``saved_revision``.
    """

    def __init__(
        self,
        db: str | None = None,
        period: str | None = None,
        team: str | None = None,
        store: Any = None,
        author: str | None = None,
    ) -> None:
        self.store, self._owns_store = resolve_store(store, db)
        self.message = MessageBox()
        self.stored: Plan | None = None
        self.plan: Plan | None = None
        self.problems: list[Problem] = []
        self.findings: list[Finding] = []
        self.objectives: list[ObjectiveForm] = []
        self.votes: dict[str, dict[str, float]] = {}
        self.revealed = False
        self.saved_revision: int | None = None
        self._busy = False
        self._parent_options: list[tuple[str, str]] = []

        periods = self.store.periods()
        today = dt.date.today()
        label = period or default_period(periods) or f"{today.year}-Q{(today.month - 1) // 3 + 1}"
        choices = list(periods)
        if periods:  # the period after the last stored one can be planned too
            try:
                following = Period.parse(periods[-1]).next().label
            except OKRKitError:
                following = None
            if following is not None and following not in choices:
                choices.append(following)
        self.period = period_dropdown(choices, label)
        self.team = widgets.Combobox(value=team or "", options=[], description="Team",
                                     placeholder="team name", ensure_option=False,
                                     continuous_update=False)
        self.start = widgets.Dropdown(
            options=[("the stored plan", START_STORED), ("a template", START_TEMPLATE),
                     ("blank", START_BLANK)], value=START_STORED, description="Start from")
        self.category = widgets.Dropdown(
            options=[("all templates", "")] + [(v, k) for k, v in _CATEGORY_LABELS.items()],
            value="", description="Category")
        self.template = widgets.Dropdown(options=[], description="Template",
                                         layout=_w("520px"))
        self.prefix = widgets.Text(value="", description="Id prefix", layout=_w("200px"))
        self.template_parent = widgets.Dropdown(options=[("— none —", NO_PARENT)],
                                                value=NO_PARENT, description="Align under",
                                                layout=_w("420px"))
        self.template_owner = widgets.Text(value="", description="Owner",
                                           placeholder="(template's owners)")
        self.start_button = widgets.Button(description="Start", icon="play")
        self.objectives_box = widgets.VBox([])
        self.add_objective_button = widgets.Button(description="+ objective", icon="plus")
        self.lint_panel = widgets.HTML("")
        self.alignment = widgets.HTML("")
        self.participant = widgets.Text(value="", description="Your name")
        self.vote_sliders: dict[str, widgets.FloatSlider] = {}
        self.vote_box = widgets.VBox([])
        self.vote_button = widgets.Button(description="Submit my votes", icon="check")
        self.reveal_button = widgets.Button(description="Reveal", icon="eye")
        self.reset_votes_button = widgets.Button(description="Reset votes")
        self.votes_panel = widgets.HTML("")
        self.author = widgets.Text(value=author or _login() or "", description="Author")
        self.save_button = widgets.Button(description="Save plan", button_style="primary",
                                          icon="save")
        self.export_path = widgets.Text(value="", description="YAML path",
                                        placeholder="plans/team.yaml", layout=_w("420px"))
        self.export_button = widgets.Button(description="Export YAML", icon="download")
        self.export_preview = widgets.HTML("")
        self.widget = widgets.VBox([
            widgets.HBox([self.period, self.team]),
            heading("1. Start"),
            widgets.HBox([self.start, self.category]),
            self.template,
            widgets.HBox([self.prefix, self.template_owner]),
            self.template_parent,
            self.start_button,
            heading("2. Objectives and key results"),
            self.objectives_box,
            self.add_objective_button,
            heading("Lint (the OKR DO/DON'T list)"),
            self.lint_panel,
            heading("Alignment of the period"),
            self.alignment,
            heading("3. Confidence votes (private until revealed)"),
            self.participant,
            self.vote_box,
            widgets.HBox([self.vote_button, self.reveal_button, self.reset_votes_button]),
            self.votes_panel,
            heading("4. Save or export"),
            widgets.HBox([self.author, self.save_button]),
            widgets.HBox([self.export_path, self.export_button]),
            self.message,
            self.export_preview,
        ])
        self.period.observe(self._on_period, names="value")
        self.team.observe(self._on_team, names="value")
        self.category.observe(self._on_category, names="value")
        self.start_button.on_click(lambda _b: self.start_draft())
        self.add_objective_button.on_click(lambda _b: self.add_objective())
        self.save_button.on_click(lambda _b: self.save())
        self.export_button.on_click(lambda _b: self.export())
        self.vote_button.on_click(lambda _b: self.submit_votes())
        self.reveal_button.on_click(lambda _b: self.reveal())
        self.reset_votes_button.on_click(lambda _b: self.reset_votes())
        self._load_templates()
        self._load_period()

    # -- loading -----------------------------------------------------------------

    def _load_templates(self) -> None:
        try:
            options = template_options(self.category.value or None)
        except Exception as err:  # the template library is optional decoration
            options = []
            self.message.error(f"templates unavailable: {err}")
        self.template.options = options
        if options:
            self.template.value = options[0][1]

    def _load_period(self) -> None:
        label = self.period.value
        self.stored = None
        if label is not None and label in self.store.periods():
            try:
                self.stored = self.store.load_plan(label)
            except OKRKitError as err:
                self.message.error(str(err))
        teams = self.stored.teams if self.stored is not None else []
        self._busy = True
        try:
            self.team.options = tuple(teams)
            if not self.team.value and teams:
                self.team.value = teams[0]
        finally:
            self._busy = False
        self._load_team()

    def _load_team(self) -> None:
        team = self.team.value.strip()
        self.prefix.value = self._team_prefix(team)
        self._parent_options = self._other_options()
        common = _common_parent(self.stored, team)
        self.template_parent.options = [("— none —", NO_PARENT), *self._parent_options]
        self.template_parent.value = common if common in {
            v for _, v in self.template_parent.options} else NO_PARENT
        self.votes, self.revealed = {}, False
        self.set_draft(draft_from_plan(self.stored, team, self.period.value))

    def _team_prefix(self, team: str) -> str:
        """The id prefix the team used in this period, else in the latest period it has."""
        if self.stored is not None and team in self.stored.teams:
            return team_prefix(team, self.stored)
        for label in reversed(self.store.periods()):
            try:
                plan = self.store.load_plan(label)
            except OKRKitError:
                continue
            if team in plan.teams:
                return team_prefix(team, plan)
        return team_prefix(team)

    def _other_options(self) -> list[tuple[str, str]]:
        if self.stored is None:
            return []
        team = self.team.value.strip()
        obj = self.stored.objectives
        return [(f"{r['objective_id']} · {r['title']} ({r['team']})", r["objective_id"])
                for r in obj[obj["team"] != team].to_dict("records")]

    def other_ids(self) -> list[str]:
        """Objective ids of the period's other teams (valid parents)."""
        return [v for _, v in self._parent_options]

    # -- the draft ---------------------------------------------------------------

    def draft(self) -> dict[str, Any]:
        """What the form holds, as a draft (see the module docstring)."""
        return {"period": self.period.value, "team": self.team.value.strip(),
                "objectives": [f.data() for f in self.objectives]}

    def set_draft(self, draft: Mapping[str, Any]) -> None:
        """Rebuild the forms from a draft and refresh the lint panel."""
        opts = self._draft_parent_options(draft)
        self.objectives = [ObjectiveForm(o, opts) for o in draft.get("objectives", [])]
        for i, form in enumerate(self.objectives):
            for w in form.inputs():
                w.observe(self._on_input, names="value")
            form.add_kr_button.on_click(lambda _b, i=i: self.add_key_result(i))
            form.remove_button.on_click(lambda _b, i=i: self.remove_objective(i))
            for j, kr in enumerate(form.key_results):
                kr.remove_button.on_click(lambda _b, i=i, j=j: self.remove_key_result(i, j))
        self.objectives_box.children = [f.box for f in self.objectives]
        self.refresh()

    def _draft_parent_options(self, draft: Mapping[str, Any]) -> list[tuple[str, str]]:
        own = [(f"{o.get('id')} · {o.get('title') or '(untitled)'} (this team)", str(o["id"]))
               for o in draft.get("objectives", []) if not is_blank(o.get("id"))]
        return [("— none —", NO_PARENT), *self._parent_options, *own]

    def start_draft(self) -> None:
        """Apply the ``start`` choice: the stored plan, a template or a blank draft."""
        self.message.clear()
        period, team = self.period.value, self.team.value.strip()
        if not team:
            self.message.error("type a team name first")
            return
        if self.start.value == START_BLANK:
            self.set_draft(blank_draft(period, team))
            self.message.info("blank draft: add objectives")
        elif self.start.value == START_STORED:
            self.set_draft(draft_from_plan(self.stored, team, period))
            n = len(self.objectives)
            self.message.info(f"{n} objective{'s' * (n != 1)} of team '{team}' from the store")
        else:
            if not self.template.value:
                self.message.error("choose a template")
                return
            draft, notes = draft_from_template(
                self.template.value, period=period, team=team,
                prefix=self.prefix.value.strip(), parent=self.template_parent.value or None,
                owner=self.template_owner.value.strip() or None)
            if draft is None:
                self.message.error("the template could not be used", notes)
                return
            self.set_draft(draft)
            text = f"template '{self.template.value}' loaded: edit it for your team"
            self.message.info(text + ("; " + "; ".join(notes) if notes else ""))

    def add_objective(self) -> None:
        """Append an empty objective (with one empty key result)."""
        draft = self.draft()
        prefix = self.prefix.value.strip() or team_prefix(draft["team"], self.stored)
        obj = blank_objective(next_objective_id(draft, prefix), draft["team"])
        obj["key_results"].append(blank_key_result(next_kr_id(obj)))
        draft["objectives"].append(obj)
        self.set_draft(draft)

    def remove_objective(self, i: int) -> None:
        draft = self.draft()
        if 0 <= i < len(draft["objectives"]):
            del draft["objectives"][i]
            self.set_draft(draft)

    def add_key_result(self, i: int) -> None:
        draft = self.draft()
        if 0 <= i < len(draft["objectives"]):
            obj = draft["objectives"][i]
            obj["key_results"].append(blank_key_result(next_kr_id(obj)))
            self.set_draft(draft)

    def remove_key_result(self, i: int, j: int) -> None:
        draft = self.draft()
        if 0 <= i < len(draft["objectives"]) and 0 <= j < len(
                draft["objectives"][i]["key_results"]):
            del draft["objectives"][i]["key_results"][j]
            self.set_draft(draft)

    # -- live feedback -----------------------------------------------------------

    def _on_input(self, change: Any) -> None:
        if not self._busy:
            self.refresh()

    def _on_category(self, change: Any) -> None:
        self._load_templates()

    def refresh(self) -> None:
        """Validate and lint the draft; show problems next to their fields and the tree."""
        draft = self.draft()
        self.plan, self.problems = draft_to_plan(draft, self.other_ids())
        self.findings = lint_draft(draft, self.other_ids())
        self.lint_panel.value = lint_panel_html(self.findings, self.problems)
        self._show_field_problems()
        self._refresh_parent_options(draft)
        self.alignment.value = alignment_tree_html(
            period_objectives(self.stored, self.plan, draft["team"], draft), draft["team"])
        self._refresh_vote_sliders()

    def _show_field_problems(self) -> None:
        per_obj: dict[int, list[str]] = {}
        per_kr: dict[tuple[int, int], list[str]] = {}
        for p in self.problems:
            i, j, _ = locate(p)
            if i is None:
                continue
            if j is None:
                per_obj.setdefault(i, []).append(_problem_line(p))
            else:
                per_kr.setdefault((i, j), []).append(_problem_line(p))
        obj_index = {f.id.value.strip(): i for i, f in enumerate(self.objectives)}
        kr_index = {k.id.value.strip(): (i, j) for i, f in enumerate(self.objectives)
                    for j, k in enumerate(f.key_results)}
        for f in self.findings:
            text = f"{f.severity}: {f.field + ': ' if f.field else ''}{f.message}"
            if f.kr_id and f.kr_id in kr_index:
                per_kr.setdefault(kr_index[f.kr_id], []).append(text)
            elif f.objective_id and f.objective_id in obj_index and not f.kr_id:
                per_obj.setdefault(obj_index[f.objective_id], []).append(text)
        for i, form in enumerate(self.objectives):
            form.problems.value = _small_list(per_obj.get(i, []))
            for j, kr in enumerate(form.key_results):
                kr.problems.value = _small_list(per_kr.get((i, j), []))

    def _refresh_parent_options(self, draft: Mapping[str, Any]) -> None:
        opts = self._draft_parent_options(draft)
        self._busy = True
        try:
            for form in self.objectives:
                value = form.parent.value
                own_id = form.id.value.strip()
                new = _with_value([o for o in opts if o[1] != own_id or not own_id], value)
                if list(form.parent.options) != new:
                    form.parent.options = new
                    form.parent.value = value
        finally:
            self._busy = False

    # -- votes -------------------------------------------------------------------

    def _refresh_vote_sliders(self) -> None:
        ids = [f.id.value.strip() for f in self.objectives if f.id.value.strip()]
        if list(self.vote_sliders) == ids:
            self.votes_panel.value = votes_html(self.votes, self.revealed, ids)
            return
        old = self.vote_sliders
        self.vote_sliders = {
            oid: old.get(oid) or widgets.FloatSlider(value=0.5, min=0.0, max=1.0, step=0.05,
                                                     description=oid, readout_format=".2f")
            for oid in ids
        }
        self.vote_box.children = list(self.vote_sliders.values())
        self.votes_panel.value = votes_html(self.votes, self.revealed, ids)

    def submit_votes(self) -> None:
        """Record the participant's votes, then reset the sliders for the next person."""
        ballot = {oid: s.value for oid, s in self.vote_sliders.items()}
        if not ballot:
            self.message.error("there are no objectives to vote on yet")
            return
        votes, problems = add_votes(self.votes, self.participant.value, ballot)
        if problems:
            self.message.error("vote not recorded", problems)
            return
        self.votes = votes
        name = self.participant.value.strip()
        self.participant.value = ""
        for s in self.vote_sliders.values():
            s.value = 0.5
        self.votes_panel.value = votes_html(self.votes, self.revealed, list(self.vote_sliders))
        self.message.ok(f"votes of {name} recorded (hidden until Reveal)")

    def reveal(self) -> None:
        """Show every vote with the mean and spread per objective."""
        self.revealed = True
        self.votes_panel.value = votes_html(self.votes, True, list(self.vote_sliders))

    def reset_votes(self) -> None:
        self.votes, self.revealed = {}, False
        self.votes_panel.value = votes_html(self.votes, False)

    # -- save / export -----------------------------------------------------------

    def _validated(self) -> Plan | None:
        self.refresh()
        errors = [f for f in self.findings if f.severity == "error"]
        if self.plan is None or self.problems or errors:
            n = len(self.problems) + len(errors)
            self.message.error(
                f"nothing saved: fix the {n} problem{'s' * (n != 1)} shown next to the fields",
                [*self.problems, *(str(f) for f in errors)])
            return None
        return self.plan

    def save(self) -> int | None:
        """Validate, merge the team's objectives into the period's plan, save (one
        transaction). Returns the new revision, or ``None`` when nothing was saved."""
        team = self.team.value.strip()
        if not team:
            self.message.error("nothing saved: type a team name")
            return None
        plan = self._validated()
        if plan is None:
            return None
        merged, problems = merge_team_plan(self.stored, plan, team)
        if merged is None:
            self.message.error("nothing saved: the draft clashes with the period's plan",
                               problems)
            return None
        try:
            rev = self.store.save_plan(
                merged, author=self.author.value.strip() or None,
                message=f"planning workshop: team {team}")
        except ConflictError as err:
            self.message.error(f"nothing saved: {err}")
            return None
        except OKRKitError as err:
            self.message.error(f"nothing saved: {err}", getattr(err, "problems", []))
            return None
        self.saved_revision = rev
        label = self.period.value
        if label not in self.period.options:
            self._busy = True
            try:
                self.period.options = [*self.period.options, label]
                self.period.value = label
            finally:
                self._busy = False
        self.stored = self.store.load_plan(label)
        self._parent_options = self._other_options()
        self.message.ok(f"saved {label} revision {rev}: {len(plan.objectives)} objectives, "
                        f"{len(plan.key_results)} key results of team '{team}'")
        return rev

    def export(self) -> str | None:
        """Write the team's validated plan as YAML to ``export_path``; returns the text."""
        from okrkit.plan import dump_plan, save_plan_yaml

        path = self.export_path.value.strip()
        if not path:
            self.message.error("nothing exported: type a file path")
            return None
        plan = self._validated()
        if plan is None:
            return None
        try:
            written = save_plan_yaml(plan, path)
        except OSError as err:
            self.message.error(f"nothing exported: cannot write {path}: {err.strerror}")
            return None
        text = dump_plan(plan)
        self.export_preview.value = f"<pre class='okr-yaml'>{esc(text)}</pre>"
        self.message.ok(f"exported to {written}")
        return text


def _common_parent(stored: Plan | None, team: str) -> str:
    if stored is None:
        return NO_PARENT
    obj = stored.objectives
    own = obj[obj["team"] == team]
    outside = own.loc[~own["parent_id"].isin(set(own["objective_id"])), "parent_id"].dropna()
    return str(outside.mode().iloc[0]) if len(outside) else NO_PARENT


def _small_list(lines: list[str]) -> str:
    if not lines:
        return ""
    items = "".join(f"<li>{esc(t)}</li>" for t in lines)
    return (f'<ul class="okr-field-problems" style="color:#b71c1c;margin:0 0 0 18px;'
            f'font-size:small">{items}</ul>')


__all__ = [
    "KRForm",
    "ObjectiveForm",
    "PlanningWorkshopApp",
    "add_votes",
    "alignment_tree_html",
    "blank_draft",
    "draft_from_plan",
    "draft_from_template",
    "draft_to_plan",
    "lint_draft",
    "lint_panel_html",
    "merge_team_plan",
    "vote_summary",
    "votes_html",
]

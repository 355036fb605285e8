"""Planning a period: merging teams into it, carrying work forward, votes, reviews.

Pure functions on plans (:class:`~okrkit.frames.Plan`) that the planning workshop and the
retrospective apps call (drafts themselves are :mod:`okrkit.drafts`); none imports
ipywidgets.

* :func:`merge_team_plan` — the period's stored plan with some teams' objectives replaced
  (the other teams untouched), with the cross-team checks;
* :func:`period_objectives` — the period's objectives with one team's replaced by a draft
  (for the alignment tree);
* :func:`carry_forward` — a draft plan for the next period with the unfinished key results;
  :func:`merge_carried` adds it to the next period's stored plan;
* :func:`add_votes`, :func:`vote_summary` — private confidence votes;
* :func:`reviews_from_entries` — a retrospective typed in a form as a reviews frame, with
  the one score-override rule (:func:`okrkit.rules.override_problems`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from okrkit.drafts import draft_frames
from okrkit.errors import Problem
from okrkit.frames import Plan, conform, empty, is_blank
from okrkit.hierarchy import with_ancestors
from okrkit.period import Period
from okrkit.rules import override_problems
from okrkit.scoring import Scorecard

VOTE_COLUMNS = ["objective_id", "n", "mean", "spread", "min", "max"]


# ---------------------------------------------------------------------------- the period


def merge_team_plan(
    stored: Plan | None, incoming: Plan, teams: str | Iterable[str] | None = None
) -> tuple[Plan | None, list[Problem]]:
    """The period's plan with the objectives of ``teams`` replaced by ``incoming``'s.

    Parameters
    ----------
    stored
        The period's plan in the store (``None``: the period has none yet; then the
        result is ``incoming`` itself, as a new plan).
    incoming
        The new objectives and key results of those teams (a validated plan of the same
        period: a workshop draft, or a plan file holding some teams of the period).
    teams
        The teams being replaced: one name, several, or ``None`` for every team of
        ``incoming``. A team of ``teams`` that ``incoming`` leaves without objectives
        loses its objectives.

    Returns
    -------
    ``(merged, [])``, or ``(None, problems)`` when the merge would break the period.
    Other teams' objectives, key results and reviews are untouched; the replaced teams'
    objectives take the place of their old ones (the position of the first of them;
    appended when they had none). ``incoming``'s reviews replace the stored reviews of
    the same objectives; reviews of objectives that no longer exist are dropped.
    ``revision`` and ``source`` are the stored plan's (the optimistic check of
    :meth:`Store.save_plan`).

    Problems: ``incoming`` is of another period; an objective of ``incoming`` belongs to
    a team not being replaced; an objective or key result id of ``incoming`` is already
    used by a team that is not replaced; another team's objective is aligned to an
    objective the merge removes.
    """
    if teams is None:
        replaced = {t for t in incoming.objectives["team"] if not is_blank(t)}
    else:
        replaced = {teams} if isinstance(teams, str) else set(teams)
    if stored is None:
        return replace(incoming, revision=None, source=None), []
    label = stored.period.label
    problems: list[Problem] = []
    if incoming.period != stored.period:
        problems.append(Problem(f"the plan is for {incoming.period.label}, not {label}",
                                field="period"))
    for o in incoming.objectives.to_dict("records"):
        if o["team"] not in replaced:
            problems.append(Problem(
                f"objective '{o['objective_id']}' belongs to team '{o['team']}', which this "
                f"merge does not replace ({', '.join(sorted(replaced))})", field="team",
                id=o["objective_id"]))
    obj = stored.objectives
    mine = obj["team"].isin(replaced)
    old_ids = set(obj.loc[mine, "objective_id"])
    others = obj[~mine]
    other_krs = stored.key_results[~stored.key_results["objective_id"].isin(old_ids)]
    problems += _taken(incoming.objectives["objective_id"], "objective", label, {
        o: f"team '{t}'" for o, t in zip(others["objective_id"], others["team"], strict=True)})
    problems += _taken(incoming.key_results["kr_id"], "key result", label, {
        k: f"objective '{o}'"
        for k, o in zip(other_krs["kr_id"], other_krs["objective_id"], strict=True)})
    removed = old_ids - set(incoming.objectives["objective_id"])
    for o in others.to_dict("records"):
        if o["parent_id"] in removed:
            problems.append(Problem(
                f"objective '{o['objective_id']}' of team '{o['team']}' is aligned to "
                f"'{o['parent_id']}', which this draft removes: keep it or re-align that "
                "objective first", field="parent", id=o["parent_id"]))
    if problems:
        return None, problems
    at_rows = np.flatnonzero(mine.to_numpy())
    at = int(at_rows[0]) if len(at_rows) else len(obj)
    before, after = obj.iloc[:at][~mine.iloc[:at]], obj.iloc[at:][~mine.iloc[at:]]
    objectives = pd.concat([before, incoming.objectives, after], ignore_index=True)
    order = {oid: i for i, oid in enumerate(objectives["objective_id"])}
    krs = pd.concat([other_krs, incoming.key_results], ignore_index=True)
    krs = krs.iloc[np.argsort([order.get(o, len(order)) for o in krs["objective_id"]],
                              kind="stable")]
    renewed = set(incoming.reviews["objective_id"])
    kept = stored.reviews[stored.reviews["objective_id"].isin(set(order))
                          & ~stored.reviews["objective_id"].isin(renewed)]
    reviews = pd.concat([kept, incoming.reviews], ignore_index=True) if len(renewed) else kept
    return stored.with_frames(objectives=objectives, key_results=krs, reviews=reviews), []


def _taken(ids: Iterable[Any], what: str, label: str, users: Mapping[Any, str]
           ) -> list[Problem]:
    """A problem for each of ``ids`` already used in the period (``users``: id -> by whom)."""
    return [Problem(f"{what} id '{i}' is already used by {users[i]} in {label}: choose "
                    "another id", field="id", id=i) for i in ids if i in users]


def period_objectives(stored: Plan | None, draft_plan: Plan | None, team: str,
                      draft: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """The period's objectives with the team's replaced by the draft's (for the tree).

    ``draft_plan`` is the validated draft; when it does not validate (``None``) the
    lenient frames of ``draft`` (:func:`okrkit.drafts.draft_frames`) stand in.
    """
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


# ---------------------------------------------------------------------------- carrying over


def carry_forward(plan: Plan, card: Scorecard, next_period: str | Period | None = None) -> Plan:
    """A draft plan for the next period with the key results not finished (score < 1).

    Each carried key result keeps its id, title, unit, direction, target and weight; its
    baseline becomes the latest value of the period (the old baseline if there was no
    check-in); due dates and milestones (dated in the old period) are dropped. Objectives
    holding a carried key result are kept, with their ancestors (for alignment; they carry
    no key results of their own unless unfinished ones). Reviews are not carried.
    ``revision`` is ``None``: it is a new draft.
    """
    period = (next_period if isinstance(next_period, Period)
              else Period.parse(next_period) if next_period is not None
              else plan.period.next())
    sc = card.key_results.drop_duplicates("kr_id").set_index("kr_id")
    krs = plan.key_results.reset_index(drop=True)
    scores = sc["score"].reindex(krs["kr_id"]).to_numpy(dtype="float64")
    values = sc["value"].reindex(krs["kr_id"]).to_numpy(dtype="float64")
    unfinished = ~(scores >= 1.0 - 1e-9)
    carried = krs[unfinished].copy()
    latest = values[unfinished]
    old = carried["baseline"].to_numpy(dtype="float64")
    carried["baseline"] = np.where(np.isnan(latest), old, latest)
    carried["due"] = None
    carried["milestones"] = None
    obj = plan.objectives
    parents = dict(zip(obj["objective_id"], obj["parent_id"], strict=True))
    keep = with_ancestors(parents, carried["objective_id"])
    objectives = obj[obj["objective_id"].isin(keep)].copy()
    objectives["period"] = period.label
    return replace(
        plan,
        period=period,
        objectives=conform(objectives, "objectives"),
        key_results=conform(carried, "key_results") if len(carried) else empty("key_results"),
        reviews=empty("reviews"),
        revision=None,
        source=None,
    )


def merge_carried(
    stored: Plan | None, carried: Plan, team: str | None
) -> tuple[Plan | None, list[Problem]]:
    """The next period's plan with the carried objectives added.

    No stored plan: the carried plan (with its ancestors) is the period's plan. Else the
    carried ancestors already stored are not repeated, missing ones are added; refused
    (problems) when the team already has objectives in that period — export the YAML and
    merge it in the planning workshop instead — or an id is used there already.
    """
    if stored is None:
        return carried, []
    label = stored.period.label
    have = set(stored.objectives["objective_id"])
    problems = []
    if team is not None and (stored.objectives["team"] == team).any():
        problems.append(Problem(
            f"team '{team}' already has objectives in {label}: export the carried plan as "
            "YAML and merge it in the planning workshop", field="team"))
    own = carried.objectives
    if team is not None:
        own = own[own["team"] == team]
    for oid in own["objective_id"]:
        if oid in have:
            problems.append(Problem(f"objective id '{oid}' is already used in {label}",
                                    field="id", id=oid))
    have_kr = set(stored.key_results["kr_id"])
    for kid in carried.key_results["kr_id"]:
        if kid in have_kr:
            problems.append(Problem(f"key result id '{kid}' is already used in {label}",
                                    field="id", id=kid))
    if problems:
        return None, problems
    new_obj = carried.objectives[~carried.objectives["objective_id"].isin(have)]
    objectives = pd.concat([stored.objectives, new_obj], ignore_index=True)
    krs = pd.concat([stored.key_results, carried.key_results], ignore_index=True)
    return stored.with_frames(objectives=objectives, key_results=krs), []


# ---------------------------------------------------------------------------- votes


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
    """Per objective (``VOTE_COLUMNS``): number of votes, mean, spread (max - min), min, max."""
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


# ---------------------------------------------------------------------------- reviews


def _typed(v: Any) -> str | None:
    return None if is_blank(v) else str(v).strip()


def reviews_from_entries(
    entries: Mapping[str, Mapping[str, Any]], period: str,
    keep: set[str] | frozenset[str] = frozenset(),
) -> tuple[pd.DataFrame | None, list[Problem]]:
    """The form's review entries as a reviews frame, or ``(None, problems)``.

    ``entries`` maps objective id -> ``{score_override (float or None), override_reason,
    lessons, next_actions}``. An objective with nothing typed is left out unless it is in
    ``keep`` (it has a stored review, which the save then clears). The override follows
    the one rule of :func:`okrkit.rules.override_problems` (a number from 0 to 1, with a
    reason).
    """
    rows, problems = [], []
    for oid, e in entries.items():
        override = None if is_blank(e.get("score_override")) else e.get("score_override")
        reason, lessons, actions = (_typed(e.get(f)) for f in
                                    ("override_reason", "lessons", "next_actions"))
        found = override_problems(override, reason)
        problems += [Problem(msg, field=field, id=oid) for field, _code, msg in found]
        if found:
            continue
        if override is None and reason is None and lessons is None and actions is None and (
                oid not in keep):
            continue
        rows.append({"objective_id": oid, "period": period, "lessons": lessons,
                     "next_actions": actions,
                     "score_override": None if override is None else float(override),
                     "override_reason": reason})
    if problems:
        return None, problems
    return conform(pd.DataFrame(rows), "reviews") if rows else empty("reviews"), []

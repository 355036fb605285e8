"""Importing a plan file: it replaces the teams it holds, never the rest of the period.

A plan file (``okrkit import``) may hold a whole period or some of its teams — ``okrkit
export --team vision`` writes vision's objectives with their ancestors for alignment.
Importing it replaces only the teams it holds, by the planning workshop's merge
(:func:`okrkit.planning.merge_team_plan`, done by :func:`okrkit.store.plans.save_plan`
inside the import's transaction), and keeps every other team's objectives, key results
and reviews as they are in the store.

Which teams a file holds: every team with an objective in it, except teams whose every
objective in the file is **alignment context** — an objective that is in the store
unchanged, carries no key result in the file, and is the parent (or an ancestor) of
another objective of the file. Those are kept as stored. ``replace=True``
(``okrkit import --replace``) replaces the whole period with the file instead.

Either way a key result that has check-ins and is missing from the result is refused
unless ``prune=True`` (``--prune``); its check-ins then stay in the store's history.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from okrkit.frames import Plan
from okrkit.store import plans as _plans
from okrkit.store import saving as _saving
from okrkit.store import teams as _teams
from okrkit.store.schema import objectives, periods


@dataclass(frozen=True)
class PlanImport:
    """What an import did.

    ``teams`` are the teams replaced (``''``: objectives without a team), ``None`` when
    the file became the whole period (a new period, or ``replace``); ``kept`` the
    alignment objectives of other teams left as stored; ``removed_objectives`` /
    ``removed_key_results`` what the import took out of the period.
    """

    period: str
    revision: int
    teams: list[str] | None
    kept: list[str]
    removed_objectives: list[str]
    removed_key_results: list[str]
    objectives: int
    key_results: int
    notes: tuple[str, ...] = ()


def held_teams(stored: Plan, incoming: Plan) -> tuple[set[str], list[str]]:
    """The teams ``incoming`` holds (team keys) and its alignment-context objectives."""
    cols = [c.name for c in objectives.c if c.name not in ("period", "position")]
    before = {r[0]: r for r in _teams._rows(stored.objectives, cols)}
    obj = incoming.objectives
    above = set(obj["parent_id"].dropna())  # each ancestor in the file is someone's parent
    with_krs = set(incoming.key_results["objective_id"])
    context: dict[str, list[str]] = {}
    held: set[str] = set()
    for row in _teams._rows(obj, cols):
        oid, team = row[0], _teams.key(row[cols.index("team")])
        if before.get(oid) == row and oid not in with_krs and oid in above:
            context.setdefault(team, []).append(oid)
        else:
            held.add(team)
    kept = sorted(o for t, ids in context.items() if t not in held for o in ids)
    return held, kept


def import_plan(conn: Connection, plan: Plan, *, replace: bool, prune: bool,
                author: str | None, message: str | None, where: str,
                amend_reason: str | None = None) -> PlanImport:
    """Import a plan file's plan (caller's transaction); see the module docstring."""
    label = plan.period.label
    exists = conn.execute(select(periods.c.period).where(periods.c.period == label)
                          .with_for_update()).first() is not None
    teams: set[str] | None = None
    kept: list[str] = []
    stored = None
    if exists and not replace:
        stored = _plans.load(conn, label, where)
        teams, kept = held_teams(stored, plan)
    saved = _saving.save_plan(conn, plan, author=author, message=message, force=True,
                             teams=None if teams is None else {t or None for t in teams},
                             prune=prune, where=where, amend_reason=amend_reason,
                             stored=stored)
    before, after = saved.before, saved.after
    gone_obj = gone_kr = []
    if before is not None:
        gone_obj = sorted(set(before.objectives["objective_id"])
                          - set(after.objectives["objective_id"]))
        gone_kr = sorted(set(before.key_results["kr_id"]) - set(after.key_results["kr_id"]))
    part = plan if teams is None else _saving.only_teams(plan, teams)
    return PlanImport(label, saved.revision, None if teams is None else sorted(teams), kept,
                      gone_obj, gone_kr, len(part.objectives), len(part.key_results),
                      saved.notes)

"""Optimistic locking per team: which teams a save changes, and who changed them when.

A period's plan is one revision counter (``periods.revision``, the history's numbers), but
people plan it team by team. ``team_revisions`` records for each team (``''``: objectives
without a team) the revision in which its part last changed — its objectives, their key
results and milestones, and their reviews. A save that carries the revision it loaded is
refused only for a team that somebody changed after that revision:

* saving *some teams* (``teams=``, the planning workshop, a plan file of some teams): the
  save is refused when one of those teams changed after the loaded revision; the other
  teams are taken from the store as they are now, inside the same transaction;
* saving *a whole period* from a stale copy: refused for a team that changed after the
  loaded revision unless the copy holds exactly its current state (nothing would be lost).

A team without a row counts as changed in the period's current revision (the safe side);
each save writes a row for every team of the period.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
from sqlalchemy import Connection, delete, insert, select

from okrkit.errors import ConflictError
from okrkit.frames import Plan, is_blank
from okrkit.store.schema import key_results, objectives, reviews, team_revisions


def key(team: Any) -> str:
    """The team as stored in ``team_revisions`` (``''`` for objectives without a team)."""
    return "" if is_blank(team) else str(team)


def shown(team: str) -> str:
    """A team for a message."""
    return f"team '{team}'" if team else "the objectives without a team"


def _plain(v: Any) -> Any:
    if v is None or (isinstance(v, float) and v != v) or v is pd.NaT:
        return None
    if hasattr(v, "item") and not isinstance(v, str | bytes):
        return _plain(v.item())
    if isinstance(v, tuple | list):
        return [_plain(x) for x in v]
    return v


def _rows(frame: pd.DataFrame, columns: Iterable[str]) -> list[list[Any]]:
    cols = [c for c in columns if c in frame.columns]
    return [[_plain(v) for v in r] for r in frame[cols].itertuples(index=False, name=None)]


def parts(plan: Plan) -> dict[str, str]:
    """Each team's part of ``plan`` as canonical text (equal text: the same part).

    Only what the store keeps counts (the columns of its tables), in plan order.
    """
    obj = plan.objectives
    team_of = {o: key(t) for o, t in zip(obj["objective_id"], obj["team"], strict=True)}
    kr_cols = [c.name for c in key_results.c if c.name not in ("period", "position")]
    kr_cols.append("milestones")
    per: dict[str, dict[str, list[Any]]] = {}
    for name, frame, cols, by in (
        ("objectives", obj, [c.name for c in objectives.c if c.name not in ("period",
                                                                             "position")],
         obj["objective_id"]),
        ("key_results", plan.key_results, kr_cols, plan.key_results["objective_id"]),
        ("reviews", plan.reviews, [c.name for c in reviews.c if c.name not in (
            "period", "recorded_at")], plan.reviews["objective_id"]),
    ):
        for owner, row in zip(by, _rows(frame, cols), strict=True):
            team = team_of.get(owner, "")
            per.setdefault(team, {}).setdefault(name, []).append(row)
    return {t: json.dumps(p, default=str, sort_keys=True) for t, p in per.items()}


def stored(conn: Connection, label: str) -> dict[str, int]:
    """The recorded revision of each team of a period (teams without a row are absent)."""
    stmt = select(team_revisions.c.team, team_revisions.c.revision).where(
        team_revisions.c.period == label)
    return {str(t): int(r) for t, r in conn.execute(stmt)}


def changed_since(revisions: Mapping[str, int], team: str, current: int) -> int:
    """The revision in which ``team`` last changed (no row: ``current``)."""
    return revisions.get(team, current)


def refuse_stale(label: str, loaded: int, current: int, revisions: Mapping[str, int],
                 teams: Iterable[str]) -> None:
    """Raise :class:`ConflictError` for the first of ``teams`` changed after ``loaded``."""
    for team in sorted(teams):
        at = changed_since(revisions, team, current)
        if at > loaded:
            verb = "were" if not team else "was"
            msg = (f"plan for {label}: {shown(team)} {verb} changed by someone else in revision "
                   f"{at}, after revision {loaded} that you loaded (the store is at revision "
                   f"{current}): reload and re-apply your edits")
            raise ConflictError(msg)


def stale_teams(old: Mapping[str, str], new: Mapping[str, str]) -> set[str]:
    """Teams whose part differs between two :func:`parts` (added and removed teams too)."""
    return {t for t in set(old) | set(new) if old.get(t) != new.get(t)}


def record(conn: Connection, label: str, revisions: Mapping[str, int], changed: set[str],
           teams: Iterable[str], old: int, new: int) -> None:
    """Write every team's row after a save from revision ``old`` to ``new``.

    ``changed`` teams get ``new``; the others keep theirs (``old`` when they had none).
    """
    rows = {t: revisions.get(t, old) for t in set(teams) | set(revisions)}
    rows.update({t: new for t in changed})
    conn.execute(delete(team_revisions).where(team_revisions.c.period == label))
    if rows:
        conn.execute(insert(team_revisions), [
            {"period": label, "team": t, "revision": r} for t, r in sorted(rows.items())])

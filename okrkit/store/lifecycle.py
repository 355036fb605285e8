"""The lifecycle of each team's plan in the store: state, header, sign-offs, amendments and
the final scores frozen at close. The transitions themselves are :mod:`okrkit.lifecycle`'s;
this module only reads and writes them (in the caller's transaction)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import numpy as np
from sqlalchemy import Connection, delete, insert, select, update

from okrkit.lifecycle import DEFAULT_ROLES, Header, PlanState, SignOff
from okrkit.store.checkins import utcnow
from okrkit.store.schema import amendments, final_scores, plan_states, signoffs


def _date(v: Any) -> dt.date | None:
    if v is None or isinstance(v, dt.date):
        return v
    return dt.date.fromisoformat(str(v)[:10])


def _time(v: Any) -> dt.datetime:
    return v if isinstance(v, dt.datetime) else dt.datetime.fromisoformat(str(v))


def load(conn: Connection, period: str, team: str) -> PlanState:
    """The stored state of ``team``'s plan in ``period`` (a new draft if none is stored)."""
    row = conn.execute(select(plan_states).where(plan_states.c.period == period,
                                                 plan_states.c.team == team)).mappings().first()
    if row is None:
        return PlanState(period=period, team=team)
    signed = conn.execute(select(signoffs).where(signoffs.c.period == period,
                                                 signoffs.c.team == team)
                          .order_by(signoffs.c.id)).mappings().all()
    amended = conn.execute(select(amendments).where(amendments.c.period == period,
                                                    amendments.c.team == team)
                           .order_by(amendments.c.id)).mappings().all()
    header = Header(project=row["project"], owner=row["sponsor"],
                    contributors=tuple(json.loads(row["contributors"] or "[]")),
                    next_review=_date(row["next_review"]))
    return PlanState(
        period=period, team=team, state=row["state"], header=header,
        required_roles=tuple(json.loads(row["roles"])) or DEFAULT_ROLES,
        signoffs=tuple(SignOff(s["role"], s["name"], _time(s["signed_at"]), s["note"])
                       for s in signed),
        changes_after_approval=int(row["changes_after_approval"]),
        amendments=tuple((_time(a["amended_at"]), a["reason"], a["author"]) for a in amended),
    )


def load_all(conn: Connection, period: str, teams: list[str]) -> list[PlanState]:
    """The states of ``teams`` in ``period`` (drafts for teams with nothing stored)."""
    return [load(conn, period, t) for t in teams]


def save(conn: Connection, state: PlanState) -> None:
    """Store ``state`` (upsert of the state row; sign-offs replaced; amendments appended)."""
    values = {
        "state": state.state, "project": state.header.project, "sponsor": state.header.owner,
        "contributors": json.dumps(list(state.header.contributors)),
        "next_review": state.header.next_review, "roles": json.dumps(list(state.required_roles)),
        "changes_after_approval": state.changes_after_approval, "updated_at": utcnow(),
    }
    key = (plan_states.c.period == state.period) & (plan_states.c.team == state.team)
    if conn.execute(select(plan_states.c.state).where(key)).first() is None:
        conn.execute(insert(plan_states).values(period=state.period, team=state.team, **values))
    else:
        conn.execute(update(plan_states).where(key).values(**values))
    conn.execute(delete(signoffs).where(signoffs.c.period == state.period,
                                        signoffs.c.team == state.team))
    if state.signoffs:
        conn.execute(insert(signoffs), [
            {"period": state.period, "team": state.team, "role": s.role, "name": s.name,
             "signed_at": s.at, "note": s.note} for s in state.signoffs])
    stored = conn.execute(select(amendments.c.id).where(
        amendments.c.period == state.period, amendments.c.team == state.team)).all()
    for at, reason, by in state.amendments[len(stored):]:
        conn.execute(insert(amendments).values(period=state.period, team=state.team,
                                               amended_at=at, reason=reason, author=by))


def freeze(conn: Connection, state: PlanState, card: Any) -> int:
    """Store the team's final scores from a closing scorecard; returns the rows frozen."""
    team = state.team
    conn.execute(delete(final_scores).where(final_scores.c.period == state.period,
                                            final_scores.c.team == team))
    rows = []
    krs = card.key_results[card.key_results["team"] == team]
    for k in krs.to_dict("records"):
        rows.append({"kind": "key_result", "item_id": k["kr_id"], "score": _f(k["score"]),
                     "final_score": _f(k["score"]), "band": k["band"], "outcome": k["status"]})
    obj = card.objectives[card.objectives["team"] == team]
    for o in obj.to_dict("records"):
        rows.append({"kind": "objective", "item_id": o["objective_id"], "score": _f(o["score"]),
                     "final_score": _f(o["final_score"]), "band": o["final_band"],
                     "outcome": o["status"]})
    if rows:
        conn.execute(insert(final_scores), [
            {"period": state.period, "team": team, "as_of": card.as_of, **r} for r in rows])
    return len(rows)


def frozen_scores(conn: Connection, period: str, team: str | None = None) -> list[dict[str, Any]]:
    """The final scores frozen at close (all teams of the period, or one)."""
    stmt = select(final_scores).where(final_scores.c.period == period)
    if team is not None:
        stmt = stmt.where(final_scores.c.team == team)
    return [dict(r) for r in conn.execute(stmt.order_by(final_scores.c.team,
                                                         final_scores.c.kind,
                                                         final_scores.c.item_id)).mappings()]


def _f(v: Any) -> float | None:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return None if np.isnan(x) else x


def completed(conn: Connection) -> set[tuple[str, str]]:
    """Every ``(period, team)`` whose plan is completed (frozen)."""
    return {(p, t) for p, t in conn.execute(
        select(plan_states.c.period, plan_states.c.team).where(
            plan_states.c.state == "completed")).all()}

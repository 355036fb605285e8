"""The lifecycle of each team's plan in the store: state, header, sign-offs, amendments and
the final scores frozen at close. The transitions themselves are :mod:`okrkit.lifecycle`'s;
this module only reads and writes them (in the caller's transaction), and holds the hooks
every plan save and every check-in insert goes through (:func:`on_save`,
:func:`on_checkins`):

* a save that changes a team's plan (its objectives, key results, reviews, or its header)
  is :func:`okrkit.lifecycle.edited`: in review it goes back to draft (sign-offs cleared),
  active it counts a change after approval, completed it is refused unless an amendment
  reason is given (then :func:`okrkit.lifecycle.amend` records it);
* new check-ins of a completed team's plan are refused the same way;
* a plan file's team header (project, sponsor, contributors, next review, roles, and the
  destinations of its messages) is stored; changing only the destinations is no edit (they
  route the team's digest, they are not the plan), so it never needs an amendment; its state and sign-offs are taken only for a team the store has no state of yet (an
  export brought into another store); otherwise the store's own state wins.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, and_, delete, insert, select, update

from okrkit import lifecycle
from okrkit.frames import conform, empty, is_blank
from okrkit.headers import header_state
from okrkit.lifecycle import DEFAULT_ROLES, Header, PlanState, SignOff
from okrkit.store.checkins import _as_date, _as_datetime, utcnow
from okrkit.store.schema import (
    amendments,
    final_scores,
    key_results,
    objectives,
    plan_states,
    signoffs,
)


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
    due = row["next_review"]
    header = Header(project=row["project"], owner=row["sponsor"],
                    contributors=tuple(json.loads(row["contributors"] or "[]")),
                    next_review=None if due is None else _as_date(due))
    return PlanState(
        period=period, team=team, state=row["state"], header=header,
        required_roles=tuple(json.loads(row["roles"])) or DEFAULT_ROLES,
        signoffs=tuple(SignOff(s["role"], s["name"], _as_datetime(s["signed_at"]), s["note"])
                       for s in signed),
        changes_after_approval=int(row["changes_after_approval"]),
        amendments=tuple((_as_datetime(a["amended_at"]), a["reason"], a["author"]) for a in amended),
        destinations=tuple(json.loads(row["destinations"] or "[]")),
    )


def load_all(conn: Connection, period: str, teams: list[str]) -> list[PlanState]:
    """The states of ``teams`` in ``period`` (drafts for teams with nothing stored)."""
    return [load(conn, period, t) for t in teams]


def save(conn: Connection, state: PlanState, *, what: str | None = None) -> None:
    """Store ``state`` (upsert of the state row; sign-offs replaced; amendments appended,
    ``what`` saying what each new one changed)."""
    values = {
        "state": state.state, "project": state.header.project, "sponsor": state.header.owner,
        "contributors": json.dumps(list(state.header.contributors)),
        "next_review": state.header.next_review, "roles": json.dumps(list(state.required_roles)),
        "changes_after_approval": state.changes_after_approval, "updated_at": utcnow(),
        "destinations": json.dumps(list(state.destinations)) if state.destinations else None,
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
                                               amended_at=at, reason=reason, author=by,
                                               what=what))


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


def lock_period(conn: Connection, *period: str) -> None:
    """Lock the periods' rows (PostgreSQL) as a plan save does first, so that a transition,
    a save and a check-in of the same period run one after the other, each seeing the
    other's state. Several periods are locked in the order of their labels (no deadlock);
    SQLite's write transaction already runs alone."""
    from okrkit.store.schema import periods

    conn.execute(select(periods.c.revision).where(periods.c.period.in_(sorted(set(period))))
                 .order_by(periods.c.period).with_for_update())


def stored_teams(conn: Connection, period: str) -> set[str]:
    """The teams of ``period`` that have a stored state row."""
    return set(conn.execute(select(plan_states.c.team).where(
        plan_states.c.period == period)).scalars())


# ---------------------------------------------------------------- plan files' headers


def headers(conn: Connection, period: str, teams: list[str]) -> pd.DataFrame:
    """The ``headers`` frame (:mod:`okrkit.headers`) of the stored states of ``teams``:
    what an export writes, so that importing it elsewhere keeps header and sign-offs."""
    have = stored_teams(conn, period)
    rows = []
    for team in (t for t in teams if t in have):
        s = load(conn, period, team)
        h = s.header
        rows.append({"team": team, "project": h.project, "sponsor": h.owner,
                     "contributors": h.contributors or None, "next_review": h.next_review,
                     "roles": s.required_roles, "destinations": s.destinations or None,
                     "state": s.state,
                     "signoffs": s.signoffs or None})
    return conform(pd.DataFrame(rows), "headers") if rows else empty("headers")


# ---------------------------------------------------------------------------- hooks


def on_save(conn: Connection, period: str, changed: set[str], header_rows: pd.DataFrame,
            *, amend_reason: str | None, author: str | None, what: str) -> list[str]:
    """Apply the lifecycle to a plan save (caller's transaction, before it commits).

    ``changed`` are the teams whose part of the plan the save changes (``''``, the
    objectives without a team, has no lifecycle); ``header_rows`` the plan file's headers
    of the teams being saved. Returns what to tell the editor; raises
    :class:`~okrkit.lifecycle.LifecycleError` for a completed plan without an amendment.
    """
    rows = {str(r["team"]): r for r in header_rows.to_dict("records")}
    have = stored_teams(conn, period)
    notes: list[str] = []
    amended = False
    for team in sorted((set(changed) | set(rows)) - {""}):
        stored = load(conn, period, team)
        new = stored
        row = rows.get(team)
        adopted = False
        if row is not None:
            new = header_state(row, stored)
            file_state = None if is_blank(row.get("state")) else str(row["state"])
            file_signed = tuple(row.get("signoffs") or ())
            if team not in have and file_state:
                new = replace(new, state=file_state, signoffs=file_signed)
                adopted = True
            elif file_state and (file_state, _who(file_signed)) != (stored.state,
                                                                     _who(stored.signoffs)):
                notes.append(f"the saved plan's header says the {team} plan of {period} is "
                             f"{file_state}; the store's state ({stored.state}) is kept: "
                             "okrkit submit / approve / close change it")
        if not adopted and (team in changed or new.header != stored.header
                            or new.required_roles != stored.required_roles):
            if stored.state == "completed":
                lifecycle.check_frozen(stored, "change the plan", amend_reason=amend_reason)
                new = lifecycle.amend(new, str(amend_reason), author, at=utcnow())
                amended = True
                notes.append(f"the {team} plan of {period} is completed: the change is "
                             f"recorded as an amendment ({str(amend_reason).strip()})")
            else:
                new, msg = lifecycle.edited(new)
                if msg:
                    notes.append(msg)
        if new != stored or (adopted and team not in have):
            save(conn, new, what=what)
    if amend_reason and not amended:
        notes.append("--amend: no completed plan was changed, so no amendment was recorded")
    return notes


def _who(signed: tuple[SignOff, ...]) -> list[tuple[str, str]]:
    return [(x.role, x.name) for x in signed]


def on_checkins(conn: Connection, columns: dict[str, Any], *, amend_reason: str | None,
                author: str | None) -> list[str]:
    """Refuse new check-ins of a completed team's plan unless they are an amendment.

    ``columns`` are the new rows (:func:`okrkit.store.checkins.prepare`, without those
    the store already holds when an import runs again). The caller has locked the rows'
    periods first (:func:`lock_period`, as a close, a transition and a save do;
    :meth:`okrkit.store.Store.add_checkins`), so a close that commits while the
    check-ins are added is seen: they are refused, not slipped in after the freeze. With
    ``amend_reason`` each completed plan touched records one amendment. Returns what to
    tell the user.
    """
    if not len(columns["kr_id"]):
        return []
    frozen = completed(conn)
    if not frozen:
        return []
    periods = {p for p, _ in frozen}
    team_of = dict(((p, k), t) for p, k, t in conn.execute(
        select(key_results.c.period, key_results.c.kr_id, objectives.c.team)
        .join(objectives, and_(objectives.c.period == key_results.c.period,
                               objectives.c.objective_id == key_results.c.objective_id))
        .where(key_results.c.period.in_(sorted(periods)))).all())
    hit: dict[tuple[str, str], list[str]] = {}
    for p, k in zip(np.asarray(columns["period"]), np.asarray(columns["kr_id"]), strict=True):
        team = team_of.get((str(p), str(k)))
        if team is not None and (str(p), team) in frozen:
            hit.setdefault((str(p), team), []).append(str(k))
    notes: list[str] = []
    for (p, team), krs in sorted(hit.items()):
        state = load(conn, p, team)
        n = len(krs)
        named = ", ".join(dict.fromkeys(krs))
        lifecycle.check_frozen(state, f"add {n} check-in{'s' * (n != 1)} of {named}",
                               amend_reason=amend_reason)
        save(conn, lifecycle.amend(state, str(amend_reason), author, at=utcnow()),
             what=f"{n} check-in{'s' * (n != 1)} of {named}")
        notes.append(f"the {team} plan of {p} is completed: {n} check-in{'s' * (n != 1)} "
                     f"recorded as an amendment ({str(amend_reason).strip()})")
    return notes

"""Workshop confidence votes in the store, so every participant's session sees them.

A team's workshop in a period votes in **rounds**. Each participant's latest ballot of the
current round counts (voting again replaces it). Until the facilitator reveals the round
everybody sees who has voted, never the numbers; :func:`new_round` clears the votes for
a fresh vote (the old rounds stay: votes are forecasts, scored later by
:mod:`okrkit.confidence`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Connection, delete, func, insert, select, update

from okrkit.store.checkins import utcnow
from okrkit.store.schema import vote_rounds, votes

VOTE_FRAME = ["period", "team", "round", "participant", "objective_id", "confidence", "cast_at"]


@dataclass(frozen=True)
class Round:
    """The current voting round of a team's workshop."""

    period: str
    team: str
    number: int
    revealed: bool


def current(conn: Connection, period: str, team: str, *, create: bool = False) -> Round:
    """The latest round of the team (round 1, not revealed, if there is none yet)."""
    row = conn.execute(
        select(vote_rounds.c.round, vote_rounds.c.revealed)
        .where(vote_rounds.c.period == period, vote_rounds.c.team == team)
        .order_by(vote_rounds.c.round.desc()).limit(1)).first()
    if row is None:
        if create:
            conn.execute(insert(vote_rounds).values(period=period, team=team, round=1,
                                                    revealed=False, started_at=utcnow()))
        return Round(period, team, 1, False)
    return Round(period, team, int(row.round), bool(row.revealed))


def cast(conn: Connection, period: str, team: str, participant: str,
         ballot: dict[str, float]) -> Round:
    """Record ``participant``'s ballot in the current round (replacing their earlier one)."""
    rnd = current(conn, period, team, create=True)
    key = (votes.c.period == period) & (votes.c.team == team) & (votes.c.round == rnd.number)
    conn.execute(delete(votes).where(key & (votes.c.participant == participant)))
    now = utcnow()
    if ballot:
        conn.execute(insert(votes), [
            {"period": period, "team": team, "round": rnd.number, "participant": participant,
             "objective_id": oid, "confidence": float(x), "cast_at": now}
            for oid, x in ballot.items()])
    return rnd


def reveal(conn: Connection, period: str, team: str) -> Round:
    rnd = current(conn, period, team, create=True)
    conn.execute(update(vote_rounds).where(
        vote_rounds.c.period == period, vote_rounds.c.team == team,
        vote_rounds.c.round == rnd.number).values(revealed=True))
    return Round(period, team, rnd.number, True)


def new_round(conn: Connection, period: str, team: str) -> Round:
    n = conn.execute(select(func.max(vote_rounds.c.round)).where(
        vote_rounds.c.period == period, vote_rounds.c.team == team)).scalar() or 0
    conn.execute(insert(vote_rounds).values(period=period, team=team, round=int(n) + 1,
                                            revealed=False, started_at=utcnow()))
    return Round(period, team, int(n) + 1, False)


def read(conn: Connection, period: str, team: str | None = None,
         round_: int | None = None) -> pd.DataFrame:
    """Votes (``VOTE_FRAME``): of one round of a team, or every round (``round_=None``)."""
    stmt = select(*(votes.c[c] for c in VOTE_FRAME)).where(votes.c.period == period)
    if team is not None:
        stmt = stmt.where(votes.c.team == team)
    if round_ is not None:
        stmt = stmt.where(votes.c.round == round_)
    rows = conn.execute(stmt.order_by(votes.c.team, votes.c.round, votes.c.participant,
                                      votes.c.objective_id)).all()
    return pd.DataFrame(rows, columns=VOTE_FRAME)

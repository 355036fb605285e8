"""The log of digests and reminders sent (``okrkit digest`` / ``okrkit remind``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, insert, select

from okrkit.store.checkins import utcnow
from okrkit.store.schema import digests


def record(conn: Connection, period: str, team: str, kind: str, as_of: dt.date,
           destinations: str) -> None:
    """Remember that a digest (or reminder) of ``team`` as of ``as_of`` went out."""
    conn.execute(insert(digests).values(period=period, team=team, kind=kind, as_of=as_of,
                                        sent_at=utcnow(), destinations=destinations))


def last(conn: Connection, period: str, team: str, kind: str = "digest",
         before: dt.date | None = None) -> dt.date | None:
    """The ``as_of`` of the team's latest digest (before ``before``, if given), or ``None``."""
    stmt = select(digests.c.as_of).where(digests.c.period == period, digests.c.team == team,
                                         digests.c.kind == kind)
    if before is not None:
        stmt = stmt.where(digests.c.as_of < before)
    day = conn.execute(stmt.order_by(digests.c.as_of.desc()).limit(1)).scalar()
    if isinstance(day, str):
        return dt.date.fromisoformat(day)
    return day

"""The :class:`Store` and :func:`open_store`."""

from __future__ import annotations

import datetime as dt
import difflib
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, select
from sqlalchemy.engine import URL

from okrkit.config import current_user
from okrkit.errors import StoreError
from okrkit.frames import Plan
from okrkit.period import Period
from okrkit.store import checkins as _checkins
from okrkit.store import engine as _engine
from okrkit.store import imports as _imports
from okrkit.store import plans as _plans
from okrkit.store import saving as _saving
from okrkit.store.imports import PlanImport
from okrkit.store.schema import objectives, periods, plan_revisions


def _author(author: str | None) -> str | None:
    return author if author is not None else current_user()


def _label(period: str | Period) -> str:
    return period.label if isinstance(period, Period) else str(period).strip()


class Store:
    """A SQLite or PostgreSQL store of plans, check-ins and reviews.

    Use :func:`open_store` to get one. Every method is one transaction; database errors
    surface as :class:`~okrkit.errors.StoreError` naming the store (password hidden).
    A store is also a context manager that closes itself.
    """

    def __init__(self, engine: Engine, url: URL) -> None:
        self._engine = engine
        self._url = url
        self.url: str = _engine.masked(url)

    def __repr__(self) -> str:
        return f"Store({self.url!r})"

    def __str__(self) -> str:
        return self.url

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return str(self._engine.dialect.name)

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with _engine.guard(self.url), self._engine.connect() as conn:
            try:
                yield conn
            finally:
                conn.rollback()

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with _engine.guard(self.url), _engine.writer(self._engine).begin() as conn:
            yield conn

    # -- plans -------------------------------------------------------------------

    def save_plan(
        self,
        plan: Plan,
        *,
        author: str | None = None,
        message: str | None = None,
        force: bool = False,
        teams: str | Iterable[str | None] | None = None,
        prune: bool = True,
        amend_reason: str | None = None,
    ) -> int:
        """Save ``plan`` as the new state of its period; returns the new revision.

        The period's objectives, key results, milestones and reviews are replaced in one
        transaction and a revision row (the plan as YAML) is added to the history.

        Parameters
        ----------
        teams
            Save only these teams' objectives (with their key results and reviews) of
            ``plan`` — one team, several, ``None`` in them for objectives without a team
            — merged into the period as it is in the store at that moment
            (:func:`okrkit.planning.merge_team_plan`); the other teams are untouched.
            Default: ``plan`` is the whole period.
        force
            Skip the revision check (an import that replaces on purpose; the replaced
            state stays in the history).
        prune
            ``False`` refuses to remove key results that have check-ins.
        amend_reason
            Why a completed (frozen) team's plan is changed: the change is then recorded
            as an amendment (:func:`okrkit.lifecycle.amend`) instead of refused.

        Returns
        -------
        int
            The new revision (:class:`okrkit.store.saving.Revision`); its ``notes`` say
            what the plan's lifecycle made of the save (a plan in review went back to
            draft, a change after approval, an amendment).

        Raises
        ------
        ConflictError
            The optimistic check is per team (:mod:`okrkit.store.teams`): refused when a
            team being saved — or, for a whole period, a team whose state ``plan`` would
            change — was changed by someone else after ``plan.revision``; or when the
            period has a plan and this one was not loaded from the store (``revision is
            None``). The message names the revisions.
        PlanError
            The plan's rules (:mod:`okrkit.structure`), what the columns hold
            (:mod:`okrkit.store.limits`), a key result id also in an overlapping period,
            the merge's cross-team checks, key results with check-ins removed without
            ``prune``.
        LifecycleError
            A team the save changes has a completed plan and no ``amend_reason`` is given
            (:mod:`okrkit.store.lifecycle`).
        """
        chosen = None if teams is None else [teams] if isinstance(teams, str) else list(teams)
        with self._write() as conn:
            return _saving.save(conn, plan, author=_author(author), message=message,
                               force=force, teams=chosen, prune=prune, where=self.url,
                               amend_reason=amend_reason)

    def import_plan(
        self,
        plan: Plan,
        *,
        replace: bool = False,
        prune: bool = False,
        author: str | None = None,
        message: str | None = None,
        amend_reason: str | None = None,
    ) -> PlanImport:
        """Import a plan file's plan: it replaces the teams it holds (one transaction).

        Other teams of the period keep their objectives; ``replace=True`` makes the file
        the whole period. A key result that has check-ins and is missing afterwards is
        refused unless ``prune``. See :mod:`okrkit.store.imports`. The plan's lifecycle
        applies as in :meth:`save_plan` (``amend_reason``; ``PlanImport.notes``); the file's
        team headers are stored, and its states and sign-offs for teams new to the store.
        """
        with self._write() as conn:
            return _imports.import_plan(conn, plan, replace=replace, prune=prune,
                                        author=_author(author), message=message,
                                        where=self.url, amend_reason=amend_reason)

    def load_plan(self, period: str | Period, team: str | None = None) -> Plan:
        """The stored plan of ``period`` (``Plan.revision`` set), optionally one team's view."""
        with self._read() as conn:
            plan = _plans.load(conn, _label(period), self.url)
        return plan.for_team(team)

    def periods(self) -> list[str]:
        """Period labels that have a plan, in date order."""
        with self._read() as conn:
            stmt = select(periods.c.period).order_by(periods.c.start_date, periods.c.period)
            return list(conn.execute(stmt).scalars())

    def teams(self, period: str | Period) -> list[str]:
        """Teams owning objectives in ``period``, sorted."""
        with self._read() as conn:
            stmt = (
                select(objectives.c.team)
                .distinct()
                .where(objectives.c.period == _label(period), objectives.c.team.is_not(None))
                .order_by(objectives.c.team)
            )
            return list(conn.execute(stmt).scalars())

    def objective_ids(self) -> list[str]:
        """Every objective id in the store (all periods), sorted: parents a plan may name."""
        with self._read() as conn:
            stmt = select(objectives.c.objective_id).distinct().order_by(objectives.c.objective_id)
            return list(conn.execute(stmt).scalars())

    def latest_period(self, team: str | None = None) -> str | None:
        """The period with the latest start that has a plan (that ``team`` owns objectives in)."""
        with self._read() as conn:
            stmt = select(periods.c.period).order_by(
                periods.c.start_date.desc(), periods.c.period.desc()).limit(1)
            if team is not None:
                stmt = stmt.where(periods.c.period.in_(
                    select(objectives.c.period).where(objectives.c.team == team)))
            return conn.execute(stmt).scalar()

    def key_results(self, period: str | Period) -> pd.DataFrame:
        """The key results of ``period`` (contract frame, plan order; empty if none)."""
        with self._read() as conn:
            return _plans.read_key_results(conn, _label(period))

    def save_reviews(
        self, frame: pd.DataFrame, period: str | Period, *, author: str | None = None
    ) -> int:
        """Add or replace the reviews of the objectives in ``frame`` (a new plan revision);
        returns it, with the lifecycle's ``notes`` (:meth:`save_plan`)."""
        with self._write() as conn:
            return _saving.save_reviews(conn, frame, _label(period), author=_author(author),
                                        where=self.url)

    def reviews(self, period: str | Period) -> pd.DataFrame:
        """The reviews of ``period`` (contract columns), in objective order."""
        with self._read() as conn:
            return _plans.read_reviews(conn, _label(period))

    def revisions(self, period: str | Period) -> pd.DataFrame:
        """The revision history: ``period, revision, saved_at, author, message, plan_yaml``."""
        with self._read() as conn:
            return _plans.history(conn, _label(period))

    def diff(self, period: str | Period, old: int, new: int | None = None) -> str:
        """A unified diff of the plan YAML between two revisions (``new`` defaults to the latest)."""
        label = _label(period)
        with self._read() as conn:
            rows = dict(
                conn.execute(
                    select(plan_revisions.c.revision, plan_revisions.c.plan_yaml).where(
                        plan_revisions.c.period == label
                    )
                ).all()
            )
        new = max(rows) if new is None and rows else new
        for r in (old, new):
            if r not in rows:
                raise StoreError(f"{label} has no revision {r} in the store {self.url}")
        return "".join(
            difflib.unified_diff(
                rows[old].splitlines(keepends=True),
                rows[new].splitlines(keepends=True),
                fromfile=f"{label} revision {old}",
                tofile=f"{label} revision {new}",
            )
        )

    # -- check-ins ---------------------------------------------------------------

    def add_checkins(
        self,
        frame: pd.DataFrame,
        *,
        source: str | None = None,
        lines: Sequence[int] | Callable[[], Sequence[int] | None] | None = None,
        skip_recorded: bool = False,
        future_dates: bool = False,
        amend_reason: str | None = None,
        author: str | None = None,
    ) -> int:
        """Append check-ins (one transaction, all or nothing); returns the rows added.

        The records are checked by the one check-in validator (a frame it returned and
        nobody changed is not checked again), then against the store: each row must name
        a stored key result and fall inside the one period holding it on that date
        (overlapping periods holding the same id are refused as ambiguous), a ``%`` value
        needs a ``%`` unit, and a reported status must agree with the value
        (:func:`okrkit.rules.status_conflicts`). Every problem is reported at once.
        ``recorded_at`` defaults to now (UTC) and may not be in the future.

        Parameters
        ----------
        skip_recorded
            Leave out rows the store already holds (an import run twice adds nothing):
            :func:`okrkit.store.checkins.already_recorded`.
        future_dates
            Accept a check-in dated after today (``okrkit checkin --date`` on purpose);
            by default it is refused as a typo.
        amend_reason
            Why check-ins are added to a completed (frozen) team's plan: recorded as an
            amendment by ``author`` (default: the current user); without it they are
            refused (:func:`okrkit.store.lifecycle.on_checkins`).

        Raises
        ------
        LifecycleError
            A row is of a completed team's plan and no ``amend_reason`` is given.
        CheckinError
            Listing every bad row: ``row`` is 1-based in ``frame``. The file ``line`` is
            named instead when ``lines`` (one line number per row, or a function giving
            them) is given, when the frame came from :func:`okrkit.read_checkins` of that
            file, or when ``source`` is an existing file (then a header line and one
            record per line are assumed: line = row + 1).
        """
        fields = _checkins.checked(frame)  # before taking the write lock
        with self._write() as conn:
            columns = _checkins.prepare(conn, frame, source=source, lines=lines,
                                        checked_as=fields, future_dates=future_dates)
            from okrkit.store import lifecycle as _life

            if not len(columns["kr_id"]):
                return 0
            # a close, a transition or a save of these periods runs before or after this
            _life.lock_period(conn, *pd.unique(columns["period"]))
            if skip_recorded:  # after the lock: an import that just committed is seen
                columns = _checkins.not_recorded(conn, columns)
            _life.on_checkins(conn, columns, amend_reason=amend_reason, author=_author(author))
            return _checkins.insert_columns(conn, columns)

    def checkins(
        self,
        period: str | Period | None = None,
        team: str | None = None,
        *,
        effective: bool = True,
        with_source: bool = False,
    ) -> pd.DataFrame:
        """Check-ins (contract columns) sorted by kr_id, date, recorded_at.

        ``effective=True`` keeps, for each KR and date, only the row with the latest
        ``recorded_at`` (a correction supersedes what it corrects); ``effective=False``
        returns every row ever recorded (the audit trail). ``with_source`` adds the
        ``source`` column: the file an import came from, or a pull's provenance
        (:func:`okrkit.pull.provenance_of`).
        """
        label = None if period is None else _label(period)
        with self._read() as conn:
            return _checkins.read(conn, period=label, team=team, effective=effective,
                                  with_source=with_source)

    # -- plan lifecycle (okrkit.lifecycle) ---------------------------------------

    def _team_of(self, conn: Connection, period: str, team: str) -> None:
        known = list(conn.execute(
            select(objectives.c.team).distinct()
            .where(objectives.c.period == period, objectives.c.team.is_not(None))
            .order_by(objectives.c.team)).scalars())
        if not known and conn.execute(select(periods.c.period).where(
                periods.c.period == period)).first() is None:
            _plans.load(conn, period, self.url)  # raises: no such period, listing them
        if team not in known:
            raise StoreError(f"no team '{team}' in {period} (teams: {', '.join(known)})")

    def plan_state(self, period: str | Period, team: str) -> Any:
        """The lifecycle state of ``team``'s plan (:class:`okrkit.lifecycle.PlanState`)."""
        from okrkit.store import lifecycle as _life

        label = _label(period)
        with self._read() as conn:
            self._team_of(conn, label, team)
            return _life.load(conn, label, team)

    def plan_states(self, period: str | Period) -> list[Any]:
        """The lifecycle state of every team's plan in ``period``."""
        from okrkit.store import lifecycle as _life

        label = _label(period)
        teams = self.teams(label)
        with self._read() as conn:
            return _life.load_all(conn, label, teams)

    def update_plan_state(self, period: str | Period, team: str,
                          change: Callable[[Any], Any]) -> Any:
        """Apply one :mod:`okrkit.lifecycle` transition to ``team``'s plan, in one transaction.

        ``change`` takes the stored state and returns the new one (or raises
        :class:`~okrkit.lifecycle.LifecycleError`, which leaves the store unchanged).
        """
        from okrkit.store import lifecycle as _life

        label = _label(period)
        with self._write() as conn:
            _life.lock_period(conn, label)
            self._team_of(conn, label, team)
            new = change(_life.load(conn, label, team))
            _life.save(conn, new)
            return new

    def close_plan(self, period: str | Period, team: str, *, as_of: dt.date,
                   force: bool = False, reason: str | None = None,
                   author: str | None = None) -> Any:
        """Complete ``team``'s plan and freeze its final scores (the retrospective's).

        Only after the period's end date, or with ``force`` and a reason
        (:func:`okrkit.lifecycle.close`; an early close is recorded as an amendment by
        ``author``, default the current user). Returns the completed state.
        """
        from okrkit import lifecycle
        from okrkit.scoring import score
        from okrkit.store import lifecycle as _life

        label = _label(period)
        with self._write() as conn:
            _life.lock_period(conn, label)
            self._team_of(conn, label, team)
            plan = _plans.load(conn, label, self.url)
            new = lifecycle.close(_life.load(conn, label, team), period_end=plan.period.end,
                                  as_of=as_of, force=force, reason=reason)
            checkins = _checkins.read(conn, period=label)
            card = score(plan, checkins, min(as_of, plan.period.end))
            if force and reason and as_of <= plan.period.end:
                new = lifecycle.amend(new, f"closed early: {reason}", _author(author),
                                      at=_checkins.utcnow())
            _life.save(conn, new)
            _life.freeze(conn, new, card)
            return new

    def frozen_scores(self, period: str | Period, team: str | None = None) -> pd.DataFrame:
        """The final scores frozen when the plans were closed (one row per KR / objective)."""
        from okrkit.store import lifecycle as _life

        with self._read() as conn:
            rows = _life.frozen_scores(conn, _label(period), team)
        cols = ["period", "team", "kind", "item_id", "score", "final_score", "band", "outcome",
                "as_of"]
        return pd.DataFrame(rows, columns=cols)

    # -- workshop votes (okrkit.store.votes) -------------------------------------

    def cast_vote(self, period: str | Period, team: str, participant: str,
                  ballot: dict[str, Any]) -> Any:
        """Record a participant's confidence votes (objective id -> 0..1) in the current round.

        The ballot is checked by :func:`okrkit.planning.add_votes` (a name, numbers in
        0..1) and must name objectives of the team; voting again replaces the earlier
        ballot. Returns the round (:class:`okrkit.store.votes.Round`).
        """
        from okrkit.errors import PlanError, Problem
        from okrkit.planning import add_votes
        from okrkit.store import votes as _votes

        label = _label(period)
        _, problems = add_votes({}, participant, ballot)
        with self._write() as conn:
            self._team_of(conn, label, team)
            mine = set(conn.execute(select(objectives.c.objective_id).where(
                objectives.c.period == label, objectives.c.team == team)).scalars())
            problems += [Problem(f"objective '{oid}' is not one of team {team}'s in {label}",
                                 field="vote", id=str(oid)) for oid in ballot if oid not in mine]
            if problems:
                raise PlanError(problems)
            clean = {str(k): float(v) for k, v in ballot.items()}
            return _votes.cast(conn, label, team, participant.strip(), clean)

    def vote_round(self, period: str | Period, team: str) -> Any:
        """The team's current voting round (who voted is public; numbers once revealed)."""
        from okrkit.store import votes as _votes

        with self._read() as conn:
            return _votes.current(conn, _label(period), team)

    def reveal_votes(self, period: str | Period, team: str) -> Any:
        """Reveal the current round's votes to every session."""
        from okrkit.store import votes as _votes

        with self._write() as conn:
            self._team_of(conn, _label(period), team)
            return _votes.reveal(conn, _label(period), team)

    def new_vote_round(self, period: str | Period, team: str) -> Any:
        """Start a new round: no votes, hidden (the earlier rounds are kept)."""
        from okrkit.store import votes as _votes

        with self._write() as conn:
            self._team_of(conn, _label(period), team)
            return _votes.new_round(conn, _label(period), team)

    def votes(self, period: str | Period, team: str | None = None, *,
              round_: int | None = None) -> pd.DataFrame:
        """Votes of ``period`` (every round, or one): the frame of :mod:`okrkit.store.votes`."""
        from okrkit.store import votes as _votes

        with self._read() as conn:
            return _votes.read(conn, _label(period), team, round_)

    # -- digests -----------------------------------------------------------------

    def record_digest(self, period: str | Period, team: str, as_of: dt.date, *,
                      kind: str = "digest", destinations: str = "") -> None:
        """Remember that ``team``'s digest (or ``kind="reminder"``) as of ``as_of`` was sent."""
        from okrkit.store import digests as _digests

        with self._write() as conn:
            _digests.record(conn, _label(period), team, kind, as_of, destinations)

    def last_digest(self, period: str | Period, team: str, *, kind: str = "digest",
                    before: dt.date | None = None) -> dt.date | None:
        """The ``as_of`` of the team's latest digest sent before ``before``, or ``None``."""
        from okrkit.store import digests as _digests

        with self._read() as conn:
            return _digests.last(conn, _label(period), team, kind, before)

    # -- maintenance -------------------------------------------------------------

    def backup(self, path: str | os.PathLike[str]) -> dict[str, int]:
        """Write everything to a JSON-lines file; returns rows written per table."""
        from okrkit.store import backup as _backup

        with self._read() as conn:
            return _backup.dump(conn, Path(path))

    def restore(self, path: str | os.PathLike[str], *, replace: bool = False) -> dict[str, int]:
        """Load a :meth:`backup` file (one transaction); returns rows read per table.

        The whole file is read and checked first (:func:`okrkit.store.restore.read_backup`:
        its shape, every value, the plans' rules, the check-in validator, the references
        between tables), before the store is touched. The store must be empty unless
        ``replace=True``, which first deletes everything.

        Raises
        ------
        BackupError
            The file is not a complete, valid backup; every problem names the line.
        """
        from okrkit.store import backup as _backup
        from okrkit.store.restore import read_backup

        checked = read_backup(Path(path))
        with self._write() as conn:
            return _backup.load(conn, checked, replace=replace, where=self.url)

    def is_empty(self) -> bool:
        """Whether the store holds no row at all (a schema only)."""
        from okrkit.store import backup as _backup

        with self._read() as conn:
            return _backup.is_empty(conn)

    def close(self) -> None:
        """Release the store's connections."""
        self._engine.dispose()


def open_store(
    url: str | URL | None = None, *, timeout: float = _engine.BUSY_TIMEOUT, upgrade: bool = True
) -> Store:
    """Open (and create or upgrade) the store at ``url``.

    Parameters
    ----------
    url
        ``sqlite:///path.db`` or ``postgresql+psycopg://user:pass@host/db``; default
        ``$OKRKIT_DB``, else ``sqlite:///data/okrkit.db`` (``data/`` is created).
    timeout
        Seconds to wait for another writer's lock (SQLite busy timeout, PostgreSQL
        ``lock_timeout``) before failing with a clear :class:`StoreError`.
    upgrade
        Apply pending schema migrations (the default; concurrent openers are serialised).
    """
    parsed, default = _engine.resolve_url(url)
    where = _engine.masked(parsed)
    with _engine.guard(where):
        engine = _engine.create(parsed, default=default, timeout=timeout)
    try:
        with _engine.guard(where):
            if upgrade:
                _engine.upgrade(engine, where)
    except BaseException:
        engine.dispose()
        raise
    return Store(engine, parsed)


def store_file(url: str | URL | None) -> Path | None:
    """The SQLite file ``url`` names (``None`` for PostgreSQL or an in-memory store)."""
    parsed, _ = _engine.resolve_url(url)
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in ("", ":memory:") or (
            parsed.query.get("uri")):
        return None
    return Path(database).expanduser()


def store_exists(url: str | URL | None) -> bool:
    """Whether opening ``url`` would find a store rather than create a SQLite file."""
    file = store_file(url)
    return file is None or file.exists()


@contextmanager
def created_or_nothing(url: str | URL | None) -> Iterator[Store]:
    """Open the store at ``url``; a SQLite file this opens anew is removed again when the
    block fails and the store is still empty, so a failed command leaves nothing behind."""
    file = store_file(url)
    new = file is not None and not file.exists()
    store = open_store(url)
    try:
        yield store
    except BaseException:
        empty = new and store.is_empty()
        store.close()
        if empty and file is not None:
            for extra in ("", "-wal", "-shm", "-journal"):
                Path(f"{file}{extra}").unlink(missing_ok=True)
        raise
    store.close()

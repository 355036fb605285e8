"""Saving plans: the rules, the per-team revision check, the merge of some teams, the write.

:func:`save_plan` replaces a period's objectives, key results, milestones and reviews in
the caller's transaction and writes a ``plan_revisions`` row holding the result as YAML
(:func:`okrkit.store.plans.plan_text`). The revision check is per team
(:mod:`okrkit.store.teams`); ``teams=`` saves some teams only, merged into the period as
it is at that moment. Before anything is written the plan meets the plan's rules
(:mod:`okrkit.structure`), what the columns hold (:mod:`okrkit.store.limits`), and the
rule that a key result id is in at most one of any overlapping periods.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd
from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from okrkit import structure
from okrkit.errors import ConflictError, PlanError, Problem
from okrkit.frames import REVIEW_COLUMNS, Plan, conform
from okrkit.rules import override_problems
from okrkit.store import lifecycle as _life
from okrkit.store import limits
from okrkit.store import teams as _teams
from okrkit.store.checkins import utcnow
from okrkit.store.plans import _records, load, plan_text
from okrkit.store.schema import (
    checkins,
    key_results,
    milestones,
    objectives,
    periods,
    plan_revisions,
    reviews,
)


def _check(conn: Connection, plan: Plan, source: str | None
           ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, list[tuple[Any, ...]]]:
    """The plan's frames and milestone rows, after the plan's rules (okrkit.structure).

    Parents may be objectives of any stored period. A key result id may not also be in
    another stored period whose dates overlap this one (a check-in names a key result and
    a date, and must find exactly one period).
    """
    known_ids = set(conn.execute(select(objectives.c.objective_id)).scalars())
    obj = conform(plan.objectives, "objectives")
    krs = conform(plan.key_results, "key_results")
    rev = conform(plan.reviews, "reviews")
    issues = structure.check(obj, krs, rev, period=plan.period, cadence_days=plan.cadence_days,
                             known_ids=known_ids)
    if issues:
        raise PlanError(structure.problems(issues, source=source), file=source)
    problems = limits.frame_problems(obj, objectives, source) + limits.frame_problems(
        krs, key_results, source) + limits.frame_problems(rev, reviews, source)
    problems += _overlaps(conn, plan, source)
    if problems:
        raise PlanError(problems, file=source)
    ms: list[tuple[Any, ...]] = []
    for k, m in zip(krs["kr_id"], krs["milestones"], strict=True):
        ms += [(k, d, v) for d, v in structure.milestone_pairs(m) or ()]
    return obj, krs, rev, ms


def _overlaps(conn: Connection, plan: Plan, source: str | None) -> list[Problem]:
    """Key result ids of ``plan`` that another stored period overlapping it holds too."""
    p = plan.period
    others = conn.execute(
        select(periods.c.period, periods.c.start_date, periods.c.end_date).where(
            periods.c.period != p.label, periods.c.start_date <= p.end,
            periods.c.end_date >= p.start)).all()
    if not others:
        return []
    spans = {label: f"{label} ({s}..{e})" for label, s, e in others}
    mine = set(plan.key_results["kr_id"].dropna())
    held = conn.execute(select(key_results.c.kr_id, key_results.c.period).where(
        key_results.c.period.in_(list(spans)))).all()
    return [Problem(f"key result id '{k}' is also in {spans[other]}, which overlaps {p.label} "
                    f"({p.start}..{p.end}): a check-in of '{k}' could not tell which period "
                    "it is for; use another id", file=source, field="kr_id", id=k,
                    code="duplicate-id")
            for k, other in sorted(held) if k in mine]


def only_teams(plan: Plan, teams: set[str]) -> Plan:
    """The part of ``plan`` that belongs to ``teams`` (:func:`okrkit.store.teams.key`)."""
    obj = plan.objectives
    mine = obj[[_teams.key(t) in teams for t in obj["team"]]]
    ids = set(mine["objective_id"])
    return plan.with_frames(
        objectives=mine,
        key_results=plan.key_results[plan.key_results["objective_id"].isin(ids)],
        reviews=plan.reviews[plan.reviews["objective_id"].isin(ids)])


@dataclass(frozen=True)
class Saved:
    """What a save did: the new revision, the plan before (``None``: a new period), after."""

    revision: int
    before: Plan | None
    after: Plan
    notes: tuple[str, ...] = ()


class Revision(int):
    """A saved plan's new revision (an ``int``) with what the lifecycle says of the save
    (``notes``: e.g. the plan went back to draft; :func:`okrkit.store.lifecycle.on_save`)."""

    notes: tuple[str, ...] = ()

    @classmethod
    def of(cls, saved: Saved) -> Revision:
        out = cls(saved.revision)
        out.notes = saved.notes
        return out


def save(conn: Connection, plan: Plan, *, author: str | None, message: str | None,
         force: bool, teams: Iterable[Any] | None = None, prune: bool = True,
         where: str = "the store", amend_reason: str | None = None) -> Revision:
    """Save ``plan`` (or, with ``teams``, those teams of it) in the caller's transaction.

    Returns the new revision (with the lifecycle's notes); see :func:`save_plan`.
    """
    return Revision.of(save_plan(conn, plan, author=author, message=message, force=force,
                                 teams=teams, prune=prune, where=where,
                                 amend_reason=amend_reason))


def save_plan(conn: Connection, plan: Plan, *, author: str | None, message: str | None,
              force: bool, teams: Iterable[Any] | None = None, prune: bool = True,
              where: str = "the store", amend_reason: str | None = None,
              stored: Plan | None = None) -> Saved:
    """Save a period's plan (caller's transaction); the revision check is per team.

    ``teams=None`` saves ``plan`` as the whole period; a team changed by someone else
    after ``plan.revision`` is refused unless ``plan`` holds exactly its current state
    (:mod:`okrkit.store.teams`). With ``teams`` (names; ``None`` in it: the objectives
    without a team) only those teams' objectives of ``plan`` are saved, merged into the
    period as it is now (:func:`okrkit.planning.merge_team_plan`); refused when one of
    them changed after ``plan.revision``. ``force`` skips the revision check (an import).
    Key results the save removes that have check-ins are refused unless ``prune``.
    Each team the save changes goes through the plan's lifecycle
    (:func:`okrkit.store.lifecycle.on_save`: back to draft from review, a change after
    approval, refused once completed unless ``amend_reason``); the plan's team headers
    are stored with the states. ``stored`` is the period as the caller loaded it in this
    transaction after locking its row (an import), so that it is not read again.
    """
    label = plan.period.label
    keys = None if teams is None else {_teams.key(t) for t in teams}
    # the period row is locked first (PostgreSQL): a concurrent save waits, then sees ours
    row = conn.execute(select(periods.c.revision).where(periods.c.period == label)
                       .with_for_update()).first()
    before = None if row is None else (
        stored if stored is not None else load(conn, label, where))
    current = 0 if row is None else int(row.revision)
    known = _teams.stored(conn, label) if row is not None else {}
    if before is not None and not force:
        _optimistic(plan, before, current, known, keys)
    after = plan if keys is None else _merged(before, plan, keys)
    obj, krs, rev, ms = _check(conn, after, plan.source)
    removed = [] if before is None else sorted(
        set(before.key_results["kr_id"]) - set(krs["kr_id"]))
    if removed and not prune:
        _refuse_removal(conn, label, removed, plan.source)
    old_parts = {} if before is None else _teams.parts(before)
    new_parts = _teams.parts(after)
    changed = _teams.stale_teams(old_parts, new_parts)
    new = _write_period(conn, after, row is not None, current)
    header_rows = plan.headers if keys is None else plan.headers[
        [_teams.key(t) in keys for t in plan.headers["team"]]]
    notes = _life.on_save(conn, label, changed, header_rows, amend_reason=amend_reason,
                          author=author, what=message or f"plan revision {new}")
    _write_frames(conn, label, obj, krs, rev, ms)
    conn.execute(insert(plan_revisions).values(
        period=label, revision=new, saved_at=utcnow(), author=author, message=message,
        plan_yaml=plan_text(after)))
    _teams.record(conn, label, known, changed, new_parts, current, new)
    return Saved(new, before, after, tuple(notes))


def _optimistic(plan: Plan, before: Plan, current: int, known: dict[str, int],
                keys: set[str] | None) -> None:
    label = plan.period.label
    if plan.revision is None:
        msg = (
            f"plan for {label} is already in the store (revision {current}) and this plan "
            "was not loaded from it: load it from the store and re-apply your edits, or "
            "import it (okrkit import; force=True) to replace it (the old plan stays in the "
            "history)"
        )
        raise ConflictError(msg)
    if plan.revision == current:
        return
    if keys is not None:
        _teams.refuse_stale(label, plan.revision, current, known, keys)
        return
    old, new = _teams.parts(before), _teams.parts(plan)
    _teams.refuse_stale(label, plan.revision, current, known,
                        {t for t in _teams.stale_teams(old, new)})


def _merged(before: Plan | None, plan: Plan, keys: set[str]) -> Plan:
    """The period with ``keys``' teams replaced by ``plan``'s (merge_team_plan's rules)."""
    from okrkit.planning import merge_team_plan

    incoming = only_teams(plan, keys)
    names = {None if k == "" else k for k in keys}
    merged, problems = merge_team_plan(before, incoming, names)
    if merged is None:
        source = plan.source
        raise PlanError([replace(p, file=source) for p in problems], file=source)
    return merged


def _refuse_removal(conn: Connection, label: str, removed: list[str], source: str | None
                    ) -> None:
    counts: dict[str, int] = {}
    for at in range(0, len(removed), 500):
        part = removed[at: at + 500]
        counts.update(conn.execute(
            select(checkins.c.kr_id, func.count()).where(
                checkins.c.period == label, checkins.c.kr_id.in_(part))
            .group_by(checkins.c.kr_id)).all())
    if not counts:
        return
    named = ", ".join(f"{k} ({n} check-in{'s' * (n != 1)})" for k, n in sorted(counts.items()))
    many = len(counts) != 1
    problems = [Problem(
        f"{len(counts)} key result{'s' * many} of {label} that {'have' if many else 'has'} "
        f"check-ins would be removed: {named}. Keep {'them' if many else 'it'} in the plan, "
        "or remove them on purpose with okrkit import --prune (prune=True); their check-ins "
        "stay in the store", file=source, field="kr_id", code="missing")]
    raise PlanError(problems, file=source)


def _write_period(conn: Connection, plan: Plan, exists: bool, current: int) -> int:
    """Insert or bump the period row; the new revision."""
    label = plan.period.label
    span = {"start_date": plan.period.start, "end_date": plan.period.end,
            "cadence_days": int(plan.cadence_days),
            "description": getattr(plan, "description", None)}
    if not exists:
        try:
            with conn.begin_nested():
                conn.execute(insert(periods).values(period=label, revision=1, **span))
        except IntegrityError as err:
            msg = (f"plan for {label} was saved by someone else at the same moment: reload and "
                   "re-apply your edits")
            raise ConflictError(msg) from err
        return 1
    new = current + 1
    done = conn.execute(update(periods).where(periods.c.period == label,
                                              periods.c.revision == current)
                        .values(revision=new, **span))
    if done.rowcount != 1:
        msg = (f"plan for {label} was changed by someone else while saving: reload and "
               "re-apply your edits")
        raise ConflictError(msg)
    return new


def _write_frames(conn: Connection, label: str, obj: pd.DataFrame, krs: pd.DataFrame,
                  rev: pd.DataFrame, ms: list[tuple[Any, ...]]) -> None:
    """Replace the period's objectives, key results, milestones and reviews.

    A review that did not change keeps its ``recorded_at``.
    """
    old_reviews = {m["objective_id"]: dict(m) for m in conn.execute(
        select(reviews).where(reviews.c.period == label)).mappings()}
    for table in (milestones, reviews, key_results, objectives):
        conn.execute(delete(table).where(table.c.period == label))
    now = utcnow()
    if len(obj):
        conn.execute(insert(objectives), _records(
            obj.assign(period=label, position=range(len(obj)))))
    if len(krs):
        cols = [c for c in krs.columns if c in key_results.c]
        rows = krs[cols].assign(period=label, position=range(len(krs)))
        if "source" in rows:  # a Source is stored as its plan mapping's JSON text
            rows["source"] = [None if s is None else s.to_json() for s in rows["source"]]
        conn.execute(insert(key_results), _records(rows))
    if ms:
        conn.execute(insert(milestones), [
            {"period": label, "kr_id": k, "date": d, "target": v} for k, d, v in ms])
    if len(rev):
        rows = _records(rev.assign(period=label))
        for r in rows:
            old = old_reviews.get(r["objective_id"])
            same = old is not None and all(old[c] == r[c] for c in REVIEW_COLUMNS[2:])
            r["recorded_at"] = old["recorded_at"] if same and old else now
        conn.execute(insert(reviews), rows)


def save_reviews(
    conn: Connection, frame: pd.DataFrame, label: str, *, author: str | None, where: str
) -> int:
    """Upsert reviews of some objectives; a new plan revision records the change."""
    plan = load(conn, label, where)
    rev = conform(frame, "reviews")
    problems: list[Problem] = []
    oids = set(plan.objectives["objective_id"])
    seen: set[str] = set()
    for i, r in enumerate(rev.to_dict("records"), start=1):
        oid = r["objective_id"]
        if oid not in oids:
            problems.append(
                Problem(f"no objective '{oid}' in {label}", row=i, field="objective_id", id=oid)
            )
        if oid in seen:
            problems.append(Problem("duplicate review", row=i, field="objective_id", id=oid))
        seen.add(oid)
        if r["period"] is not None and r["period"] != label:
            msg = f"review is for period {r['period']}, not {label}"
            problems.append(Problem(msg, row=i, field="period", id=oid))
        for field, code, msg in override_problems(r["score_override"], r["override_reason"]):
            problems.append(Problem(msg, row=i, field=field, id=oid, code=code))
    if problems:
        raise PlanError(problems)
    keep = plan.reviews[~plan.reviews["objective_id"].isin(seen)]
    merged = pd.concat([keep, rev.assign(period=label)], ignore_index=True)
    order = {o: i for i, o in enumerate(plan.objectives["objective_id"])}
    merged = merged.sort_values("objective_id", key=lambda s: s.map(order)).reset_index(drop=True)
    updated = plan.with_frames(reviews=merged)
    return save(conn, updated, author=author, message="reviews updated", force=False,
                where=where)

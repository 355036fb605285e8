"""Plans in the store: save with an optimistic revision check, load, reviews, history.

A save replaces the period's objectives, key results, milestones and reviews and writes a
``plan_revisions`` row holding the plan as YAML text (``okrkit.plan.dump_plan``), so every
earlier state can be read back and diffed.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

import pandas as pd
from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from okrkit import structure
from okrkit.errors import ConflictError, PlanError, Problem, StoreError
from okrkit.frames import (
    KEY_RESULT_COLUMNS,
    OBJECTIVE_COLUMNS,
    REVIEW_COLUMNS,
    Plan,
    conform,
)
from okrkit.period import Period
from okrkit.rules import override_problems
from okrkit.store.checkins import utcnow
from okrkit.store.schema import (
    key_results,
    milestones,
    objectives,
    periods,
    plan_revisions,
    reviews,
)

REVISION_COLUMNS = ["period", "revision", "saved_at", "author", "message", "plan_yaml"]


def _clean(v: Any) -> Any:
    """NaN / NaT -> None; numpy scalars -> Python."""
    if v is None or v is pd.NaT:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if hasattr(v, "item") and not isinstance(v, str | bytes):
        v = v.item()
        if isinstance(v, float) and math.isnan(v):
            return None
    return v


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): _clean(v) for k, v in r.items()} for r in frame.to_dict("records")]


def plan_text(plan: Plan) -> str:
    """The plan as YAML (the revision history's format); JSON if it cannot be dumped."""
    try:
        from okrkit.plan import dump_plan

        return dump_plan(plan)
    except Exception:  # a plan the YAML writer rejects still gets a readable history row
        data = {
            "period": plan.period.label,
            "start": plan.period.start.isoformat(),
            "end": plan.period.end.isoformat(),
            "cadence_days": plan.cadence_days,
            "objectives": _records(plan.objectives),
            "key_results": _records(plan.key_results),
            "reviews": _records(plan.reviews),
        }
        return json.dumps(data, default=str, indent=1, sort_keys=False)


def _check(
    conn: Connection, plan: Plan
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, list[tuple[Any, ...]]]:
    """The plan's frames and milestone rows, after the plan's rules (okrkit.structure).

    Parents may be objectives of any stored period.
    """
    known_ids = set(conn.execute(select(objectives.c.objective_id)).scalars())
    obj = conform(plan.objectives, "objectives")
    krs = conform(plan.key_results, "key_results")
    rev = conform(plan.reviews, "reviews")
    issues = structure.check(obj, krs, rev, period=plan.period, cadence_days=plan.cadence_days,
                             known_ids=known_ids)
    if issues:
        raise PlanError(structure.problems(issues, source=plan.source), file=plan.source)
    ms: list[tuple[Any, ...]] = []
    for k, m in zip(krs["kr_id"], krs["milestones"], strict=True):
        ms += [(k, d, v) for d, v in structure.milestone_pairs(m) or ()]
    return obj, krs, rev, ms


def save(
    conn: Connection,
    plan: Plan,
    *,
    author: str | None,
    message: str | None,
    force: bool,
) -> int:
    """Replace the period's plan (caller's transaction); returns the new revision."""
    obj, krs, rev, ms = _check(conn, plan)
    label = plan.period.label
    row = conn.execute(select(periods.c.revision).where(periods.c.period == label)).first()
    span = {
        "start_date": plan.period.start,
        "end_date": plan.period.end,
        "cadence_days": int(plan.cadence_days),
    }
    old_reviews: dict[str, dict[str, Any]] = {}
    if row is None:
        new = 1
        try:
            with conn.begin_nested():
                conn.execute(insert(periods).values(period=label, revision=new, **span))
        except IntegrityError as err:
            msg = f"plan for {label} was saved by someone else at the same moment: reload and re-apply your edits"
            raise ConflictError(msg) from err
    else:
        stored = int(row.revision)
        if not force and plan.revision is None:
            msg = (
                f"plan for {label} is already in the store (revision {stored}) and this plan "
                "was not loaded from it: load it from the store and re-apply your edits, or "
                "import it with force=True to replace it (the old plan stays in the history)"
            )
            raise ConflictError(msg)
        if not force and plan.revision != stored:
            msg = (
                f"plan for {label} was changed by someone else (revision {stored}, you loaded "
                f"{plan.revision}): reload and re-apply your edits"
            )
            raise ConflictError(msg)
        new = stored + 1
        done = conn.execute(
            update(periods)
            .where(periods.c.period == label, periods.c.revision == stored)
            .values(revision=new, **span)
        )
        if done.rowcount != 1:
            msg = f"plan for {label} was changed by someone else while saving: reload and re-apply your edits"
            raise ConflictError(msg)
        for m in conn.execute(select(reviews).where(reviews.c.period == label)).mappings():
            old_reviews[m["objective_id"]] = dict(m)
        for table in (milestones, reviews, key_results, objectives):
            conn.execute(delete(table).where(table.c.period == label))

    now = utcnow()
    if len(obj):
        rows = _records(obj.assign(period=label, position=range(len(obj))))
        conn.execute(insert(objectives), rows)
    if len(krs):
        rows = _records(
            krs[[c for c in krs.columns if c in key_results.c]].assign(
                period=label, position=range(len(krs)))
        )
        conn.execute(insert(key_results), rows)
    if ms:
        conn.execute(
            insert(milestones),
            [{"period": label, "kr_id": k, "date": d, "target": v} for k, d, v in ms],
        )
    if len(rev):
        rows = _records(rev.assign(period=label))
        for r in rows:
            old = old_reviews.get(r["objective_id"])
            same = old is not None and all(old[c] == r[c] for c in REVIEW_COLUMNS[2:])
            r["recorded_at"] = old["recorded_at"] if same and old else now
        conn.execute(insert(reviews), rows)
    conn.execute(
        insert(plan_revisions).values(
            period=label,
            revision=new,
            saved_at=now,
            author=author,
            message=message,
            plan_yaml=plan_text(plan),
        )
    )
    return new


def load(conn: Connection, label: str, where: str) -> Plan:
    """The stored plan of one period (all teams)."""
    p = conn.execute(select(periods).where(periods.c.period == label)).first()
    if p is None:
        known = conn.execute(select(periods.c.period).order_by(periods.c.start_date)).scalars()
        listed = ", ".join(known) or "none"
        raise StoreError(f"no plan for period {label} in the store {where} (periods: {listed})")
    obj = pd.DataFrame(
        conn.execute(
            select(*(objectives.c[c] for c in OBJECTIVE_COLUMNS))
            .where(objectives.c.period == label)
            .order_by(objectives.c.position)
        ).all(),
        columns=OBJECTIVE_COLUMNS,
    )
    return Plan(
        period=Period.parse(label, p.start_date, p.end_date),
        objectives=conform(obj, "objectives"),
        key_results=read_key_results(conn, label),
        reviews=read_reviews(conn, label),
        cadence_days=int(p.cadence_days),
        revision=int(p.revision),
    )


def read_key_results(conn: Connection, label: str) -> pd.DataFrame:
    """The key results of one period (contract frame, plan order, milestones included)."""
    ms: dict[str, list[tuple[dt.date, float]]] = {}
    for k, d, v in conn.execute(
        select(milestones.c.kr_id, milestones.c.date, milestones.c.target)
        .where(milestones.c.period == label)
        .order_by(milestones.c.kr_id, milestones.c.date)
    ):
        ms.setdefault(k, []).append((d, float(v)))
    kr_cols = [c for c in KEY_RESULT_COLUMNS if c != "milestones" and c in key_results.c]
    krs = pd.DataFrame(
        conn.execute(
            select(*(key_results.c[c] for c in kr_cols))
            .where(key_results.c.period == label)
            .order_by(key_results.c.position)
        ).all(),
        columns=kr_cols,
    )
    krs["milestones"] = pd.Series(
        [tuple(ms[k]) if k in ms else None for k in krs["kr_id"]], index=krs.index, dtype=object
    )
    return conform(krs, "key_results")


def read_reviews(conn: Connection, label: str) -> pd.DataFrame:
    stmt = (
        select(*(reviews.c[c] for c in REVIEW_COLUMNS))
        .join(
            objectives,
            (objectives.c.period == reviews.c.period)
            & (objectives.c.objective_id == reviews.c.objective_id),
        )
        .where(reviews.c.period == label)
        .order_by(objectives.c.position)
    )
    return conform(pd.DataFrame(conn.execute(stmt).all(), columns=REVIEW_COLUMNS), "reviews")


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
    return save(conn, updated, author=author, message="reviews updated", force=False)


def history(conn: Connection, label: str) -> pd.DataFrame:
    rows = conn.execute(
        select(*(plan_revisions.c[c] for c in REVISION_COLUMNS))
        .where(plan_revisions.c.period == label)
        .order_by(plan_revisions.c.revision)
    ).all()
    out = pd.DataFrame(rows, columns=REVISION_COLUMNS, dtype=object)
    return out.astype({"revision": "int64"})

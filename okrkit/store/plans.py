"""Plans in the store, read back: one period's plan, its key results, reviews, history.

Saving is :mod:`okrkit.store.saving`; every save writes a ``plan_revisions`` row holding
the plan as YAML text (:func:`plan_text`), so every earlier state can be read back and
diffed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from typing import Any

import pandas as pd
from sqlalchemy import Connection, select

from okrkit.errors import StoreError
from okrkit.frames import KEY_RESULT_COLUMNS, OBJECTIVE_COLUMNS, REVIEW_COLUMNS, Plan, conform
from okrkit.period import Period
from okrkit.store.schema import (
    key_results,
    milestones,
    objectives,
    periods,
    plan_revisions,
    reviews,
)

REVISION_COLUMNS = ["period", "revision", "saved_at", "author", "message", "plan_yaml"]
_PLAN_FIELDS = {f.name for f in dataclasses.fields(Plan)}


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
    extra = {"description": p.description} if "description" in _PLAN_FIELDS else {}
    from okrkit.store.lifecycle import headers

    owners = list(dict.fromkeys(t for t in obj["team"] if isinstance(t, str) and t))
    return Plan(
        period=Period.parse(label, p.start_date, p.end_date),
        objectives=conform(obj, "objectives"),
        key_results=read_key_results(conn, label),
        reviews=read_reviews(conn, label),
        cadence_days=int(p.cadence_days),
        revision=int(p.revision),
        headers=headers(conn, label, owners),
        **extra,
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
    if "source" in krs:
        krs["source"] = pd.Series([stored_source(t) for t in krs["source"]], index=krs.index,
                                  dtype=object)
    return conform(krs, "key_results")


def stored_source(text: Any) -> Any:
    """A stored ``key_results.source`` (JSON text) as a :class:`~okrkit.sources.Source`."""
    from okrkit.models import parse_source
    from okrkit.values import ValueProblem

    try:
        return parse_source(_clean(text))
    except ValueProblem as err:
        raise StoreError(f"a stored key result source is not valid: {err}") from None


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


def history(conn: Connection, label: str) -> pd.DataFrame:
    rows = conn.execute(
        select(*(plan_revisions.c[c] for c in REVISION_COLUMNS))
        .where(plan_revisions.c.period == label)
        .order_by(plan_revisions.c.revision)
    ).all()
    out = pd.DataFrame(rows, columns=REVISION_COLUMNS, dtype=object)
    return out.astype({"revision": "int64"})

"""The scoring contract as DuckDB SQL: the near-the-limit reference for speed.

Latest check-in per key result with window functions, threshold shares with a grouped
average, phased milestones by interpolating between the surrounding points, and the
roll-up one hierarchy depth at a time (4 statements for 4 levels).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import numpy as np
import pandas as pd


def _milestone_points(plan: Any) -> pd.DataFrame:
    krs = plan.key_results
    rows: list[tuple[str, int, float]] = []
    start = plan.period.start.toordinal()
    end = plan.period.end.toordinal() + 1
    for kid, direction, base, target, ms in zip(
        krs["kr_id"], krs["direction"], krs["baseline"], krs["target"], krs["milestones"],
        strict=True,
    ):
        if direction in ("at_least", "at_most") or (not ms and direction != "milestone"):
            continue
        b = 0.0 if direction == "milestone" or np.isnan(base) else float(base)
        rows.append((kid, start, b))
        rows += [(kid, d.toordinal() + 1, float(v)) for d, v in (ms or ())]
        if not ms or ms[-1][0].toordinal() + 1 < end:
            rows.append((kid, end, float(target)))
    return pd.DataFrame(rows, columns=["kr_id", "x", "y"])


def score_duckdb(plan: Any, checkins: pd.DataFrame, as_of: dt.date, cadence: int = 14,
                 con: duckdb.DuckDBPyConnection | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """KR frame (kr_id, progress, score, band, expected, pace, stale, status) and objective
    frame (objective_id, score)."""
    con = con or duckdb.connect()
    p = plan.period
    share = min(1.0, max(0.0, ((as_of - p.start).days + 1) / p.days))
    krs = plan.key_results.drop(columns=["milestones"])
    ck = checkins[["kr_id", "date", "value", "confidence", "status"]].assign(
        seq=np.arange(len(checkins)))
    con.register("krs", krs)
    con.register("ck", ck)
    con.register("objs", plan.objectives)
    con.register("pts", _milestone_points(plan))
    params = {"start": p.start, "last": min(as_of, p.end), "asof": as_of, "end": p.end,
              "share": share, "x": as_of.toordinal() + 1, "cadence": cadence}
    kr = con.execute("""
        WITH eff AS (
            SELECT c.kr_id, c.date::DATE AS date, c.value, c.confidence, c.status,
                   row_number() OVER (PARTITION BY c.kr_id, c.date::DATE ORDER BY c.seq DESC) AS r
            FROM ck c SEMI JOIN krs k ON c.kr_id = k.kr_id
            WHERE c.date::DATE BETWEEN $start AND $last
        ), agg AS (
            SELECT e.kr_id, count(*) AS n, max(e.date) AS last_date,
                   arg_max({'v': e.value, 'c': e.confidence, 's': e.status}, e.date) AS latest,
                   avg(CASE WHEN k.direction = 'at_least' THEN (e.value >= k.target)::DOUBLE
                            WHEN k.direction = 'at_most' THEN (e.value <= k.target)::DOUBLE END)
                       AS share
            FROM eff e JOIN krs k USING (kr_id) WHERE e.r = 1 GROUP BY e.kr_id
        ), seg AS (
            SELECT kr_id,
                   max(x) FILTER (WHERE x <= $x) AS x0, min(x) FILTER (WHERE x > $x) AS x1,
                   arg_max(y, x) FILTER (WHERE x <= $x) AS y0,
                   arg_min(y, x) FILTER (WHERE x > $x) AS y1,
                   min(x) AS xmin, arg_min(y, x) AS ymin, arg_max(y, x) AS ymax,
                   arg_min(y, x) AS b, max(y) FILTER (WHERE x <= $x) AS due_by
            FROM pts GROUP BY kr_id
        ), base AS (
            SELECT k.kr_id, k.direction, k.baseline, k.target, coalesce(a.n, 0) AS n,
                   a.last_date, a.latest.v AS value, a.latest.c AS conf, a.latest.s AS status,
                   CASE WHEN coalesce(a.n, 0) = 0 THEN 0.0
                        WHEN k.direction IN ('at_least', 'at_most') THEN a.share
                        WHEN k.direction = 'milestone' THEN a.latest.v / k.target
                        ELSE (a.latest.v - k.baseline) / (k.target - k.baseline) END AS progress,
                   CASE WHEN k.direction IN ('at_least', 'at_most') THEN 1.0
                        WHEN k.direction = 'milestone'
                            THEN greatest(0.0, least(1.0, coalesce(s.due_by, 0.0) / k.target))
                        WHEN s.kr_id IS NULL THEN $share
                        ELSE greatest(0.0, least(1.0,
                            (CASE WHEN s.x1 IS NULL THEN s.ymax
                                  WHEN s.x0 IS NULL THEN s.ymin
                                  ELSE s.y0 + (s.y1 - s.y0) * ($x - s.x0) / (s.x1 - s.x0) END
                             - s.b) / (k.target - s.b))) END AS expected
            FROM krs k LEFT JOIN agg a USING (kr_id) LEFT JOIN seg s USING (kr_id)
        ), scored AS (
            SELECT *, coalesce(progress, 0.0) AS p,
                   ($asof - coalesce(last_date, $start)) > $cadence
                       AND $asof <= $end + $cadence::INTEGER AS stale
            FROM base
        )
        SELECT kr_id, p AS progress, greatest(0.0, least(1.0, p)) AS score,
               CASE WHEN round(greatest(0.0, least(1.0, p)), 9) < 0.4 THEN 'red'
                    WHEN round(greatest(0.0, least(1.0, p)), 9) < 0.7 THEN 'yellow'
                    ELSE 'green' END AS band,
               expected, p - expected AS pace, stale,
               CASE WHEN n = 0 THEN (CASE WHEN stale THEN 'At Risk' ELSE 'Not Started' END)
                    WHEN p >= 1 - 1e-9 AND (direction NOT IN ('at_least', 'at_most')
                                            OR $asof >= $end) THEN 'Complete'
                    WHEN stale OR p - expected < -0.15 OR conf < 0.5 OR status = 'At Risk'
                        THEN 'At Risk'
                    ELSE 'In Progress' END AS status
        FROM scored
    """, params).df()
    con.register("kr_scores", kr)
    # depth of each objective, then the roll-up one depth at a time
    con.execute("""
        CREATE OR REPLACE TEMP TABLE tree AS
        WITH RECURSIVE walk(objective_id, parent_id, weight, depth) AS (
            SELECT o.objective_id, o.parent_id, o.weight, 0 FROM objs o
            WHERE o.parent_id IS NULL OR o.parent_id NOT IN (SELECT objective_id FROM objs)
            UNION ALL
            SELECT o.objective_id, o.parent_id, o.weight, w.depth + 1
            FROM objs o JOIN walk w ON o.parent_id = w.objective_id
        ) SELECT * FROM walk;
        CREATE OR REPLACE TEMP TABLE acc AS
        SELECT t.objective_id, coalesce(sum(k.weight * s.score), 0.0) AS num,
               coalesce(sum(k.weight), 0.0) AS den, NULL::DOUBLE AS score
        FROM tree t LEFT JOIN krs k ON k.objective_id = t.objective_id
        LEFT JOIN kr_scores s ON s.kr_id = k.kr_id
        GROUP BY t.objective_id;
    """)
    max_depth = con.execute("SELECT max(depth) FROM tree").fetchone()[0] or 0
    for depth in range(max_depth, -1, -1):
        con.execute("""
            UPDATE acc SET score = CASE WHEN den > 0 THEN num / den END
            WHERE objective_id IN (SELECT objective_id FROM tree WHERE depth = $d)
        """, {"d": depth})
        if depth:
            con.execute("""
                UPDATE acc SET num = acc.num + c.num, den = acc.den + c.den
                FROM (SELECT t.parent_id, sum(t.weight * a.score) AS num, sum(t.weight) AS den
                      FROM tree t JOIN acc a USING (objective_id)
                      WHERE t.depth = $d AND a.score IS NOT NULL GROUP BY t.parent_id) c
                WHERE acc.objective_id = c.parent_id
            """, {"d": depth})
    objs = con.execute("SELECT objective_id, score FROM acc").df()
    return kr, objs

"""Altair charts shared by the notebooks and the HTML reports — no network needed.

Reports embed charts as SVG rendered by vl-convert (:func:`to_svg`, :func:`svg_html`);
notebooks show the same SVG (:func:`show`) or, for interactive charts, Altair's offline
``JupyterChart`` (``mode="offline"``). Altair's default renderer loads Vega from a CDN and
shows nothing offline: it is never used here.

Every builder takes the scorecard frames (``Scorecard.key_results`` /
``Scorecard.objectives``) or check-ins, never mutates them, and returns a "no data" chart
for empty input. Data is embedded inline (``alt.InlineData(values=...)``, dates as ISO
strings; Altair moves it to the spec's top-level ``datasets``), so Altair's global max-rows
limit and data transformers never apply. Text from users ends up in SVG ``<text>``
elements, escaped by the renderer; nothing is escaped by hand.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from typing import Any

import numpy as np
import pandas as pd

from okrkit import rules
from okrkit.errors import MissingDependencyError, ReportError
from okrkit.frames import OUTCOMES, conform
from okrkit.imports import jsonschema_without_iri_grammar
from okrkit.pacing import expected_path
from okrkit.period import Period
from okrkit.scoring import ScoringPolicy, band, resolve_as_of

jsonschema_without_iri_grammar()  # 2-4 s less in every process that draws a chart

import altair as alt  # noqa: E402  (after jsonschema, above)

BAND_DOMAIN = ["red", "yellow", "green"]
BAND_RANGE = ["#d62728", "#e6b000", "#2ca02c"]
NOT_REPORTED = "not reported"
STATUS_DOMAIN = ["Not Started", "In Progress", "At Risk", "Complete", NOT_REPORTED]
STATUS_RANGE = ["#6e7781", "#1f77b4", "#d62728", "#2ca02c", "#b1bac4"]
#: Week-by-week cells: the status of an open period, the outcome at a closed one's end.
WEEK_DOMAIN = ["Not Started", "In Progress", "At Risk", "Complete", "Achieved",
               "Partially Achieved", "Missed"]
WEEK_RANGE = ["#8c959f", "#3b7dd8", "#cf222e", "#1a7f37", "#1a7f37", "#bf8700", "#cf222e"]
WIDTH = 640

Chart = alt.Chart | alt.LayerChart | alt.FacetChart


# ---------------------------------------------------------------------------- helpers
def _iso(value: Any) -> str | None:
    """A date-like value as an ISO string for Vega (``None`` when missing)."""
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _clean(value: Any) -> Any:
    """JSON-safe scalar: NaN/NaT/NA -> None, numpy scalars -> Python, dates -> ISO."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, dt.date):
        return _iso(value)
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _data(frame: pd.DataFrame) -> alt.InlineData:
    """Inline data values (a new list; the frame is not touched)."""
    cols = list(frame.columns)
    return alt.InlineData(values=[{c: _clean(v) for c, v in zip(cols, row, strict=True)}
                            for row in frame.itertuples(index=False, name=None)])


def _empty(frame: pd.DataFrame | None) -> bool:
    return frame is None or not isinstance(frame, pd.DataFrame) or len(frame) == 0


def _col(frame: pd.DataFrame, name: str, default: Any = None) -> pd.Series:
    if name in frame.columns:
        return frame[name].reset_index(drop=True)
    return pd.Series([default] * len(frame), dtype=object)


def _num(frame: pd.DataFrame, name: str) -> pd.Series:
    return pd.to_numeric(_col(frame, name), errors="coerce").astype(float)


def _text(frame: pd.DataFrame, name: str, default: str = "") -> pd.Series:
    return pd.Series([default if _clean(v) is None else str(v) for v in _col(frame, name)],
                     dtype=object)


def _bands(values: Any, policy: ScoringPolicy | None) -> list[str | None]:
    """The band of each value under ``policy`` (:func:`okrkit.scoring.band`)."""
    return [band(float(v), policy) for v in values]


def _band_color(field: str = "band") -> alt.Color:
    return alt.Color(f"{field}:N", title="band",
                     scale=alt.Scale(domain=BAND_DOMAIN, range=BAND_RANGE))


def _no_data(message: str = "no data") -> alt.Chart:
    return alt.Chart(alt.InlineData(values=[{"text": message}])).mark_text(
        size=14, color="#57606a").encode(text="text:N").properties(width=WIDTH, height=40)


def _label(frame: pd.DataFrame, limit: int = 48) -> pd.Series:
    """``kr_id · short title`` (titles cut to ``limit`` characters)."""
    titles = _text(frame, "title")
    short = titles.where(titles.str.len() <= limit, titles.str.slice(0, limit - 1) + "…")
    ids = _text(frame, "kr_id", "?")
    return pd.Series([f"{i} · {t}" if t else i for i, t in zip(ids, short, strict=True)],
                     dtype=object)


# ---------------------------------------------------------------------------- builders
def kr_progress_chart(key_results: pd.DataFrame, policy: ScoringPolicy | None = None) -> Chart:
    """Score per key result (bars by band), expected pace (tick) and the target (1.0).

    ``key_results`` is ``Scorecard.key_results``; rows keep plan order. Its ``band``
    column is used as it is; where it is missing the band is taken from ``policy``. A
    closed period (every status an outcome, no pace) shows final scores and the outcome,
    without expected-pace ticks.
    """
    if _empty(key_results):
        return _no_data("no key results")
    score = _num(key_results, "score").fillna(0.0)
    df = pd.DataFrame({
        "kr": _label(key_results),
        "kr_id": _text(key_results, "kr_id"),
        "score": score,
        "progress": _num(key_results, "progress"),
        "expected": _num(key_results, "expected"),
        "pace": _num(key_results, "pace"),
        "band": [b if b in BAND_DOMAIN else band(s, policy)
                 for b, s in zip(_col(key_results, "band"), score, strict=True)],
        "status": _text(key_results, "status"),
    })
    closed = bool(df["status"].isin(OUTCOMES).all()) and bool(df["pace"].isna().all())
    order = list(dict.fromkeys(df["kr"]))
    y = alt.Y("kr:N", sort=order, title=None, axis=alt.Axis(labelLimit=360))
    base = alt.Chart()
    tips = [alt.Tooltip("kr:N", title="key result"), alt.Tooltip("progress:Q", format=".2f")]
    tips += ([alt.Tooltip("status:N", title="outcome")] if closed else [
        alt.Tooltip("expected:Q", format=".2f"), alt.Tooltip("pace:Q", format="+.2f"),
        alt.Tooltip("status:N")])
    bars = base.mark_bar(height={"band": 0.7}).encode(
        x=alt.X("score:Q", scale=alt.Scale(domain=[0, 1.05]), title="score (0–1)"),
        y=y, color=_band_color(), tooltip=tips)
    target = alt.Chart(alt.InlineData(values=[{"x": 1.0}])).mark_rule(
        color="#57606a", strokeDash=[4, 3]).encode(x="x:Q")
    size = {"width": WIDTH - 200, "height": max(60, 22 * len(order))}
    if closed:
        return alt.layer(bars, target, data=_data(df)).properties(
            **size, title="Final score by key result · dashed = target")
    ticks = base.mark_tick(color="#1f2328", thickness=3, size=16).encode(
        x="expected:Q", y=y,
        tooltip=[alt.Tooltip("kr:N", title="key result"),
                 alt.Tooltip("expected:Q", format=".2f", title="expected pace")])
    return alt.layer(bars, ticks, target, data=_data(df)).properties(
        **size, title="Score by key result · tick = expected pace · dashed = target")


def _progress_points(krs: pd.DataFrame, checkins: pd.DataFrame, period: Period,
                     as_of: dt.date) -> pd.DataFrame:
    """Each KR's progress at each of its effective check-ins (in the period, up to ``as_of``).

    The scoring rules (:mod:`okrkit.rules`): the check-ins that count, and the progress
    they mean; for a threshold KR the share of its check-ins so far that met the threshold.
    """
    cols = ["kr_id", "date", "progress"]
    if _empty(krs) or _empty(checkins) or "kr_id" not in checkins.columns:
        return pd.DataFrame(columns=cols)
    frame = pd.DataFrame({"kr_id": _text(krs, "kr_id")})
    ck = pd.DataFrame({c: _col(checkins, c) for c in ("kr_id", "date", "value", "recorded_at")})
    ck["value"] = pd.to_numeric(ck["value"], errors="coerce")
    eff = rules.effective_checkins(frame, ck, period, as_of)
    if not len(eff.kr):
        return pd.DataFrame(columns=cols)
    direction = _text(krs, "direction").to_numpy(dtype=object)
    prog = rules.value_progress(direction[eff.kr], _num(krs, "baseline").to_numpy()[eff.kr],
                                _num(krs, "target").to_numpy()[eff.kr], eff.value)
    thr = np.isin(direction[eff.kr], rules.THRESHOLD)
    if thr.any():
        met = pd.Series(np.nan_to_num(prog))
        seen = pd.Series(np.ones(len(prog)))
        share = met.groupby(eff.kr).cumsum() / seen.groupby(eff.kr).cumsum()
        prog = np.where(thr, share.to_numpy(), prog)
    keep = ~np.isnan(prog)
    ids = frame["kr_id"].to_numpy(dtype=object)
    days = eff.day.astype("datetime64[D]").astype(object)
    return pd.DataFrame({"kr_id": ids[eff.kr][keep], "date": days[keep],
                         "progress": prog[keep].astype(float)}, columns=cols)


def _expected_corners(key_results: pd.DataFrame, period: Period, plan: Any = None
                      ) -> pd.DataFrame:
    """The expected-progress path of each KR (:func:`okrkit.pacing.expected_path`, the
    pacing rule: due dates, phased milestones, milestone steps), from 0 at the period
    start, keeping only the corners (points where the path bends)."""
    krs = conform(key_results, "key_results")
    if plan is not None:  # due dates and milestones are the plan's
        extra = plan.key_results.drop_duplicates("kr_id").set_index("kr_id")
        for col in ("due", "milestones"):
            krs[col] = krs["kr_id"].map(extra[col]).astype(object)
            krs[col] = krs[col].where(krs[col].notna(), None)
    path = expected_path(krs, period)
    start = pd.DataFrame({"kr_id": krs["kr_id"].to_numpy(dtype=object),
                          "date": [period.start] * len(krs), "expected": 0.0})
    path = pd.concat([start, path], ignore_index=True).sort_values(
        ["kr_id", "date", "expected"], kind="stable").reset_index(drop=True)
    e = path["expected"].to_numpy()
    same = path["kr_id"].to_numpy(dtype=object)
    keep = np.ones(len(path), dtype=bool)
    if len(path) > 2:
        inner = (same[1:-1] == same[:-2]) & (same[1:-1] == same[2:])
        straight = np.abs((e[2:] - e[1:-1]) - (e[1:-1] - e[:-2])) < 1e-9
        keep[1:-1] = ~(inner & straight)
    return path[keep].reset_index(drop=True)


def burnup_chart(key_results: pd.DataFrame, checkins: pd.DataFrame, period: Any,
                 as_of: Any, plan: Any = None) -> Chart:
    """Progress over time per key result against its expected pace.

    One small panel per KR (3 columns), a dashed line of the expected progress (the
    pacing rule, :func:`okrkit.pacing.expected_path`: linear to the period end or the KR's
    due date, through phased milestones; give ``plan`` for its due dates and milestones
    when ``key_results`` is a scorecard frame) and an amber rule at ``as_of``. Each point
    is the KR's progress after that check-in, by the scoring rules
    (:func:`_progress_points`). Check-ins after ``as_of`` are left out.
    """
    if _empty(key_results) or _empty(checkins):
        return _no_data("no check-ins yet")
    per = period if isinstance(period, Period) else Period.parse(str(period))
    day = resolve_as_of(per, as_of)
    pts = _progress_points(key_results, checkins, per, day)
    if not len(pts):
        return _no_data("no check-ins yet")
    pts = pts.sort_values(["kr_id", "date"], kind="stable")
    ids = list(dict.fromkeys(_text(key_results, "kr_id")))
    labels = dict(zip(_text(key_results, "kr_id"), _label(key_results, 30), strict=True))
    panels = [labels[k] for k in ids]
    start, end = per.start.isoformat(), per.end.isoformat()
    path = _expected_corners(key_results, per, plan)
    rows = [{"kr": labels[k], "date": d.isoformat(), "progress": p, "kind": "expected"}
            for k, d, p in zip(path["kr_id"], path["date"], path["expected"], strict=True)
            if k in labels]
    rows += [{"kr": labels[k], "date": day.isoformat(), "progress": None, "kind": "as of"}
             for k in ids]
    rows += [{"kr": labels[k], "date": d.isoformat(), "progress": p, "kind": "actual"}
             for k, d, p in zip(pts["kr_id"], pts["date"], pts["progress"], strict=True)]
    xs = alt.X("date:T", title=None, scale=alt.Scale(domain=[start, end]),
               axis=alt.Axis(format="%d %b", labelAngle=0, tickCount=4))
    ys = alt.Y("progress:Q", title="progress",
               scale=alt.Scale(domain=[0, 1.2], clamp=True))
    base = alt.Chart()
    pace = base.transform_filter("datum.kind == 'expected'").mark_line(
        color="#8c959f", strokeDash=[4, 3]).encode(x=xs, y=ys)
    today = base.transform_filter("datum.kind == 'as of'").mark_rule(
        color="#bf8700").encode(x="date:T")
    actual = base.transform_filter("datum.kind == 'actual'").mark_line(
        point=True, color="#1f77b4").encode(
        x=xs, y=ys, tooltip=[alt.Tooltip("kr:N", title="key result"),
                             alt.Tooltip("date:T", format="%Y-%m-%d"),
                             alt.Tooltip("progress:Q", format=".2f")])
    layered = alt.layer(pace, today, actual, data=_data(pd.DataFrame(rows)))
    return layered.properties(width=180, height=110).facet(
        facet=alt.Facet("kr:N", title=None, sort=panels,
                        header=alt.Header(labelLimit=200)),
        columns=3,
    ).properties(title="Burn-up: progress (blue) vs expected pace (dashed); amber = as of")


def checkin_timeline(checkins: pd.DataFrame,
                     key_results: pd.DataFrame | None = None) -> Chart:
    """Each check-in as a point by date and KR: colour = status, size = confidence.

    Check-ins without a reported status show as "not reported"; missing confidence is
    drawn at the neutral 0.5 size. With ``key_results`` the rows follow plan order.
    """
    if _empty(checkins):
        return _no_data("no check-ins yet")
    conf = _num(checkins, "confidence")
    df = pd.DataFrame({
        "kr": _text(checkins, "kr_id", "?"),
        "date": [_iso(v) for v in _col(checkins, "date")],
        "value": _num(checkins, "value"),
        "confidence": conf,
        "size": conf.clip(0, 1).fillna(0.5),
        "status": [s if s in STATUS_DOMAIN else NOT_REPORTED
                   for s in _text(checkins, "status")],
    }).dropna(subset=["date"])
    if not len(df):
        return _no_data("no check-ins yet")
    seen = list(dict.fromkeys(df["kr"]))
    order = (list(dict.fromkeys(_text(key_results, "kr_id"))) if not _empty(key_results)
             else sorted(seen))
    order += [k for k in sorted(seen) if k not in order]
    rows = [k for k in order if k in set(seen)]
    return alt.Chart(_data(df)).mark_circle(opacity=0.85).encode(
        x=alt.X("date:T", title=None, scale=alt.Scale(nice="week", padding=12),
                axis=alt.Axis(format="%d %b", labelAngle=0)),
        y=alt.Y("kr:N", sort=rows, title=None),
        color=alt.Color("status:N", scale=alt.Scale(domain=STATUS_DOMAIN, range=STATUS_RANGE)),
        size=alt.Size("size:Q", title="confidence",
                      scale=alt.Scale(domain=[0, 1], range=[20, 220])),
        tooltip=[alt.Tooltip("kr:N", title="key result"),
                 alt.Tooltip("date:T", format="%Y-%m-%d"), alt.Tooltip("value:Q"),
                 alt.Tooltip("confidence:Q", format=".2f"), alt.Tooltip("status:N")],
    ).properties(width=WIDTH - 200, height=max(60, 18 * len(rows)),
                 title="Check-ins: colour = status, size = confidence")


def score_distribution(scores: pd.DataFrame, column: str = "score",
                       policy: ScoringPolicy | None = None) -> Chart:
    """Histogram of scores in 0.1 bins by band, the mean (rule) and the ideal zone.

    Bands and the ideal zone (0.7–0.8 by default) come from ``policy``.
    """
    p = policy or ScoringPolicy()
    if _empty(scores) or column not in scores.columns:
        return _no_data("no scores")
    vals = pd.to_numeric(scores[column], errors="coerce").astype(float).dropna()
    if not len(vals):
        return _no_data("no scores")
    clipped = vals.clip(0, 1)
    # bin index from the value rounded to 9 dp (as band() does), 1.0 in the last bin
    idx = [min(9, math.floor(round(v * 10, 9))) for v in clipped]
    counts = pd.Series(idx).value_counts().sort_index()
    df = pd.DataFrame({"start": [i / 10 for i in counts.index],
                       "end": [(i + 1) / 10 for i in counts.index],
                       "n": counts.to_numpy().astype(int)})
    df["band"] = _bands(df["start"], p)
    df["bin"] = [f"{s:.1f}–{e:.1f}" for s, e in zip(df["start"], df["end"], strict=True)]
    mean = float(vals.mean())
    step = max(1, math.ceil(int(df["n"].max()) / 5))
    ticks = list(range(0, int(df["n"].max()) + step, step))
    zone = alt.Chart(alt.InlineData(values=[{"a": p.ideal_from, "b": p.ideal_to}])).mark_rect(
        color="#2ca02c", opacity=0.15).encode(x="a:Q", x2="b:Q")
    bars = alt.Chart(_data(df)).mark_bar(stroke="white").encode(
        x=alt.X("start:Q", scale=alt.Scale(domain=[0, 1]), title=column,
                axis=alt.Axis(values=[i / 10 for i in range(11)], format=".1f")),
        x2="end:Q",
        y=alt.Y("n:Q", title="count", scale=alt.Scale(domain=[0, ticks[-1]]),
                axis=alt.Axis(values=ticks, format="d")),
        y2=alt.datum(0), color=_band_color(),
        tooltip=[alt.Tooltip("bin:N"), alt.Tooltip("n:Q", title="count")])
    rule = alt.Chart(alt.InlineData(values=[{"mean": mean}])).mark_rule(
        color="#1f2328", strokeWidth=2).encode(
        x="mean:Q", tooltip=[alt.Tooltip("mean:Q", format=".2f")])
    return alt.layer(zone, bars, rule).properties(
        width=WIDTH - 240, height=160,
        title=f"Distribution of {column} · mean {mean:.2f} · shaded = ideal "
              f"{p.ideal_from:g}–{p.ideal_to:g}")


def score_weeks(weekly: pd.DataFrame, policy: ScoringPolicy | None = None) -> Chart:
    """Objectives (rows, grouped by team) × weeks (columns): each cell the objective's
    score at the end of that week, coloured by its status then — At Risk red, In Progress
    blue, Complete green, Not Started grey; a closed period's last column is the outcome
    (✅ green, 🟡 amber, ❌ red) — (:func:`okrkit.insights.weekly_scores`).

    A leadership review reads across a row to see an objective move or stall, and down the
    last column for where everything stands. (A teams × objectives grid was a diagonal:
    each objective belongs to one team.) Colour by status rather than by band because
    early in a period every honest score is red: the status says whether it is on pace.
    The band (``band`` column, else under ``policy``) is in the tooltip.
    """
    if _empty(weekly):
        return _no_data("no objectives")
    df = pd.DataFrame({
        "team": _text(weekly, "team", "—"),
        "objective_id": _text(weekly, "objective_id", "?"),
        "title": _text(weekly, "title"),
        "week": [_iso(v) for v in _col(weekly, "date")],
        "score": _num(weekly, "score"),
        "band": _col(weekly, "band"),
        "status": _text(weekly, "status"),
    }).dropna(subset=["score", "week"])
    if not len(df):
        return _no_data("no scores yet")
    df["band"] = [b if b in BAND_DOMAIN else band(s, policy)
                  for b, s in zip(df["band"], df["score"], strict=True)]
    df["label"] = [f"{s:.2f}" for s in df["score"]]
    short = _label(df.rename(columns={"objective_id": "kr_id"}), 40)
    df["objective"] = [f"{t} · {o}" for t, o in zip(df["team"], short, strict=True)]
    rows = list(dict.fromkeys(df.sort_values("team", kind="stable")["objective"]))
    weeks = sorted(set(df["week"]))
    base = alt.Chart().encode(
        x=alt.X("week:O", title="week ending", sort=weeks,
                axis=alt.Axis(labelAngle=0, labelExpr="timeFormat(toDate(datum.value), "
                                                      "'%d %b')")),
        y=alt.Y("objective:N", title=None, sort=rows, axis=alt.Axis(labelLimit=420)))
    df["status"] = [s if s in WEEK_DOMAIN else NOT_REPORTED for s in df["status"]]
    colours = dict(zip([*WEEK_DOMAIN, NOT_REPORTED], [*WEEK_RANGE, "#b1bac4"], strict=True))
    seen = [s for s in colours if s in set(df["status"])]  # the legend lists only these
    rect = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color("status:N", title="status",
                        scale=alt.Scale(domain=seen, range=[colours[s] for s in seen])),
        tooltip=[alt.Tooltip("objective:N"), alt.Tooltip("title:N"),
                 alt.Tooltip("week:N", title="week ending"),
                 alt.Tooltip("score:Q", format=".2f"), alt.Tooltip("band:N"),
                 alt.Tooltip("status:N")])
    text = base.mark_text(fontSize=10, color="#ffffff").encode(text="label:N")
    return alt.layer(rect, text, data=_data(df)).properties(
        width=max(200, 44 * len(weeks)), height=max(60, 20 * len(rows)),
        title="Objective scores week by week (colour = status that week)")


def calibration_chart(calibration: pd.DataFrame, policy: ScoringPolicy | None = None) -> Chart:
    """Mean score per group (``Scorecard.calibration``) with rules at the policy's verdict
    thresholds (0.5, 0.7, 0.8, 0.9 by default)."""
    p = policy or ScoringPolicy()
    if _empty(calibration):
        return _no_data("no objectives")
    df = pd.DataFrame({"group": _text(calibration, "group", "—"),
                       "n": _num(calibration, "n"),
                       "mean": _num(calibration, "mean"),
                       "verdict": _text(calibration, "verdict"),
                       "committed_misses": _text(calibration, "committed_misses")}
                      ).dropna(subset=["mean"])
    if not len(df):
        return _no_data("no scores yet")
    df["band"] = _bands(df["mean"], p)
    bars = alt.Chart(_data(df)).mark_bar().encode(
        y=alt.Y("group:N", title=None, sort=list(dict.fromkeys(df["group"]))),
        x=alt.X("mean:Q", scale=alt.Scale(domain=[0, 1]), title="mean objective score"),
        color=_band_color(),
        tooltip=[alt.Tooltip("group:N"), alt.Tooltip("n:Q", title="objectives"),
                 alt.Tooltip("mean:Q", format=".2f"), alt.Tooltip("verdict:N"),
                 alt.Tooltip("committed_misses:N", title="committed misses")])
    cuts = (p.concerning_below, p.ideal_from, p.ideal_to, p.too_easy_above)
    marks = alt.Chart(alt.InlineData(values=[{"x": x} for x in cuts])).mark_rule(
        color="#57606a", strokeDash=[3, 3]).encode(x="x:Q")
    return alt.layer(bars, marks).properties(
        width=WIDTH - 240, height=max(60, 22 * len(df)),
        title=f"Calibration: {p.guide_line()}")


# ---------------------------------------------------------------------------- output
def whatif_chart(diff: pd.DataFrame, limit: int = 25,
                 policy: ScoringPolicy | None = None) -> Chart:
    """What-if scores per objective (bars by band) against the stored score (tick).

    ``diff`` has ``id, title, score_before, score_after`` (``okrkit.whatif`` diff frames);
    the ``limit`` objectives that moved most are shown, most moved first.
    """
    if _empty(diff):
        return _no_data("no objectives")
    d = diff.dropna(subset=["score_after"])
    if not len(d):
        return _no_data("no scores yet")
    moved = (d["score_after"] - d["score_before"]).abs().fillna(0.0)
    top = d.assign(moved=moved.to_numpy()).sort_values("moved", ascending=False, kind="stable")
    top = top.head(limit)
    frame = pd.DataFrame({
        "objective": top["id"].astype(str).to_numpy(),
        "title": _text(top, "title").to_numpy(),
        "stored": top["score_before"].astype(float).to_numpy(),
        "what_if": top["score_after"].astype(float).to_numpy(),
    })
    frame["band"] = _bands(frame["what_if"], policy)
    order = list(frame["objective"])
    base = alt.Chart(_data(frame))
    y = alt.Y("objective:N", sort=order, title=None)
    bars = base.mark_bar().encode(
        x=alt.X("what_if:Q", scale=alt.Scale(domain=[0, 1]), title="score"), y=y,
        color=_band_color(),
        tooltip=["objective:N", "title:N", alt.Tooltip("stored:Q", format=".2f"),
                 alt.Tooltip("what_if:Q", format=".2f")])
    ticks = base.mark_tick(color="#1f2328", thickness=2).encode(x="stored:Q", y=y)
    return (bars + ticks).properties(
        width=WIDTH - 240, height=max(60, 18 * len(frame)),
        title="What-if score (bar) vs stored score (tick), most moved first")


def _vl_version(supported: list[str]) -> str:
    """The vl-convert Vega-Lite version matching Altair's schema (e.g. ``v6.4.1`` -> ``6.4``).

    Falls back to the newest supported version of the same major, then the newest overall.
    """
    want = alt.SCHEMA_VERSION.lstrip("v").split(".")
    major_minor = ".".join(want[:2])
    if major_minor in supported:
        return major_minor

    def key(v: str) -> tuple[int, ...]:
        return tuple(int(p) for p in v.split(".") if p.isdigit())

    same = sorted((v for v in supported if v.split(".")[0] == want[0]), key=key)
    older = [v for v in same if key(v) <= key(major_minor)]
    pick = older or same or sorted(supported, key=key)
    return pick[-1]


def to_svg(chart: Any) -> str:
    """The chart as standalone SVG text (vl-convert: no network, no script)."""
    try:
        import vl_convert as vlc
    except ImportError as err:  # pragma: no cover - depends on the install
        raise MissingDependencyError("vl-convert-python", "charts") from err
    version = _vl_version(list(vlc.get_vegalite_versions()))
    svg = str(vlc.vegalite_to_svg(chart.to_dict(), vl_version=version))
    if "<script" in svg.lower():  # pragma: no cover - Vega's SVG renderer emits none
        raise ReportError("chart SVG unexpectedly contains a <script> element")
    return svg


def warm_up() -> None:
    """Start vl-convert's renderer (its first conversion costs about a second)."""
    to_svg(_no_data("warm-up"))


def svg_html(chart: Any) -> str:
    """The chart as an HTML ``<figure class="okr-chart">`` with inline SVG."""
    return f'<figure class="okr-chart">{to_svg(chart)}</figure>'


def show(chart: Any, mode: str = "svg") -> Any:
    """Display a chart in a notebook without a CDN.

    Returns an object the notebook displays (last expression of a cell, or pass it to
    ``IPython.display.display``): ``mode="svg"`` an ``IPython.display.HTML`` with the static
    SVG figure (:func:`svg_html`); ``mode="offline"`` an interactive ``alt.JupyterChart``
    with the Vega JavaScript bundled offline (falls back to the SVG, with a warning, when
    the widget or its offline bundle is unavailable). Altair's renderer is never used.
    """
    if mode not in ("svg", "offline"):
        raise ValueError(f"mode must be 'svg' or 'offline', not {mode!r}")
    if mode == "offline":
        try:
            jupyter_chart = alt.JupyterChart
            jupyter_chart.enable_offline()
            return jupyter_chart(chart)
        except Exception as err:  # anywidget / vl-convert bundle missing
            warnings.warn(f"offline interactive chart unavailable ({err}); showing SVG",
                          stacklevel=2)
    from IPython.display import HTML

    return HTML(svg_html(chart))

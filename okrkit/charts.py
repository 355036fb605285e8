"""Altair charts shared by the notebooks and the HTML reports — no network needed.

Reports embed charts as SVG rendered by vl-convert (:func:`to_svg`, :func:`svg_html`);
notebooks show the same SVG (:func:`show`) or, for interactive charts, Altair's offline
``JupyterChart`` (``mode="offline"``). Altair's default renderer loads Vega from a CDN and
shows nothing offline: it is never used here.

Every builder takes the scorecard frames (``Scorecard.key_results`` /
``Scorecard.objectives``) or check-ins, never mutates them, and returns a "no data" chart
for empty input. Text from users ends up in SVG ``<text>`` elements, escaped by the
renderer.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import altair as alt
import pandas as pd

from okrkit.errors import MissingDependencyError

BAND_DOMAIN = ["red", "yellow", "green"]
BAND_RANGE = ["#d62728", "#e6b000", "#2ca02c"]
STATUS_DOMAIN = ["Not Started", "In Progress", "At Risk", "Complete"]
STATUS_RANGE = ["#8c959f", "#1f77b4", "#d62728", "#2ca02c"]
WIDTH = 640


def _band_color(field: str = "band") -> alt.Color:
    return alt.Color(f"{field}:N", title="band",
                     scale=alt.Scale(domain=BAND_DOMAIN, range=BAND_RANGE))


def _no_data(message: str = "no data") -> alt.Chart:
    return alt.Chart(pd.DataFrame({"text": [message]})).mark_text(
        size=14, color="#8c959f").encode(text="text:N").properties(width=WIDTH, height=40)


def _iso(values: pd.Series) -> pd.Series:
    return values.map(lambda d: d.isoformat() if isinstance(d, dt.date) else None)


def _label(frame: pd.DataFrame, limit: int = 48) -> pd.Series:
    titles = frame["title"].fillna("").astype(str)
    short = titles.where(titles.str.len() <= limit, titles.str.slice(0, limit - 1) + "…")
    return frame["kr_id"].astype(str) + " · " + short


def kr_progress_chart(key_results: pd.DataFrame) -> alt.Chart | alt.LayerChart:
    """Score per key result (bars by band), expected pace (tick) and the target (1.0)."""
    if key_results is None or not len(key_results):
        return _no_data("no key results")
    df = pd.DataFrame({
        "kr": _label(key_results),
        "score": key_results["score"].astype(float).fillna(0.0),
        "progress": key_results["progress"].astype(float),
        "expected": key_results["expected"].astype(float),
        "pace": key_results["pace"].astype(float),
        "band": key_results["band"].fillna("red"),
        "status": key_results["status"].fillna(""),
    })
    order = list(df["kr"])
    y = alt.Y("kr:N", sort=order, title=None, axis=alt.Axis(labelLimit=360))
    x = alt.Scale(domain=[0, 1.05])
    base = alt.Chart(df)
    bars = base.mark_bar(height={"band": 0.7}).encode(
        x=alt.X("score:Q", scale=x, title="score (0–1)"), y=y, color=_band_color(),
        tooltip=["kr", alt.Tooltip("progress:Q", format=".2f"),
                 alt.Tooltip("expected:Q", format=".2f"), alt.Tooltip("pace:Q", format="+.2f"),
                 "status"])
    ticks = base.mark_tick(color="#1f2328", thickness=2, size=14).encode(
        x="expected:Q", y=y)
    target = alt.Chart(pd.DataFrame({"x": [1.0]})).mark_rule(
        color="#57606a", strokeDash=[4, 3]).encode(x="x:Q")
    return (bars + ticks + target).properties(
        width=WIDTH - 200, height=max(60, 22 * len(df)),
        title="Score by key result · tick = expected pace · dashed = target")


def _progress_of(krs: pd.DataFrame, checkins: pd.DataFrame) -> pd.DataFrame:
    k = krs.set_index("kr_id")
    rows = []
    for kid, day, value in zip(checkins["kr_id"], checkins["date"], checkins["value"],
                               strict=True):
        if kid not in k.index or pd.isna(value):
            continue
        r = k.loc[kid]
        if r["direction"] in ("increase", "decrease") and r["target"] != r["baseline"]:
            prog = (float(value) - float(r["baseline"])) / (float(r["target"]) - float(r["baseline"]))
        else:
            prog = float(r["progress"]) if not pd.isna(r["progress"]) else 0.0
        rows.append({"kr": str(kid), "date": day.isoformat(), "progress": prog})
    return pd.DataFrame(rows, columns=["kr", "date", "progress"])


def burnup_chart(key_results: pd.DataFrame, checkins: pd.DataFrame, period: Any,
                 as_of: Any) -> alt.Chart | alt.FacetChart:
    """Progress over time per key result against the linear expected-pace line."""
    if key_results is None or not len(key_results) or checkins is None or not len(checkins):
        return _no_data("no check-ins yet")
    ck = checkins.sort_values(["kr_id", "date"])
    pts = _progress_of(key_results, ck)
    if not len(pts):
        return _no_data("no check-ins yet")
    day = as_of if isinstance(as_of, dt.date) else dt.date.fromisoformat(str(as_of))
    kr_ids = [k for k in key_results["kr_id"].astype(str) if k in set(pts["kr"])]
    rows = [{"kr": k, "date": d.isoformat(), "progress": p, "kind": "expected"}
            for k in kr_ids for d, p in ((period.start, 0.0), (period.end, 1.0))]
    rows += [{"kr": k, "date": day.isoformat(), "progress": None, "kind": "as of"}
             for k in kr_ids]
    data = pd.concat([pd.DataFrame(rows), pts.assign(kind="actual")], ignore_index=True)
    xs = alt.X("date:T", title=None, scale=alt.Scale(
        domain=[period.start.isoformat(), period.end.isoformat()]),
        axis=alt.Axis(format="%d %b", labelAngle=0, tickCount=4))
    ys = alt.Y("progress:Q", title="progress", scale=alt.Scale(domain=[0, 1.2], clamp=True))
    base = alt.Chart(data)
    line = base.transform_filter("datum.kind == 'expected'").mark_line(
        color="#8c959f", strokeDash=[4, 3]).encode(x=xs, y=ys)
    today = base.transform_filter("datum.kind == 'as of'").mark_rule(
        color="#bf8700").encode(x="date:T")
    prog = base.transform_filter("datum.kind == 'actual'").mark_line(
        point=True, color="#1f77b4").encode(
        x=xs, y=ys, tooltip=["kr", "date:T", alt.Tooltip("progress:Q", format=".2f")])
    return alt.layer(line, today, prog).properties(width=180, height=110).facet(
        facet=alt.Facet("kr:N", title=None, sort=kr_ids), columns=3
    ).properties(title="Burn-up: progress (blue) vs expected pace (dashed); amber = as of")


def checkin_timeline(checkins: pd.DataFrame,
                     key_results: pd.DataFrame | None = None) -> alt.Chart:
    """Each check-in as a point by date and KR: colour = status, size = confidence."""
    if checkins is None or not len(checkins):
        return _no_data("no check-ins yet")
    status = checkins["status"].fillna("In Progress") if "status" in checkins else "In Progress"
    df = pd.DataFrame({
        "kr": checkins["kr_id"].astype(str).to_numpy(),
        "date": _iso(checkins["date"]).to_numpy(),
        "value": checkins["value"].astype(float).to_numpy(),
        "confidence": checkins["confidence"].astype(float).fillna(0.5).to_numpy(),
        "status": pd.Series(status).to_numpy(),
    })
    order = (list(key_results["kr_id"].astype(str)) if key_results is not None
             else sorted(set(df["kr"])))
    return alt.Chart(df).mark_circle(opacity=0.85).encode(
        x=alt.X("date:T", title=None, axis=alt.Axis(format="%d %b", labelAngle=0)),
        y=alt.Y("kr:N", sort=order, title=None),
        color=alt.Color("status:N", scale=alt.Scale(domain=STATUS_DOMAIN, range=STATUS_RANGE)),
        size=alt.Size("confidence:Q", scale=alt.Scale(domain=[0, 1], range=[20, 220])),
        tooltip=["kr", "date:T", "value:Q", "confidence:Q", "status"],
    ).properties(width=WIDTH - 200, height=max(60, 16 * len(set(df["kr"]))),
                 title="Check-ins: colour = status, size = confidence")


def score_distribution(scores: pd.DataFrame, column: str = "score") -> alt.LayerChart | alt.Chart:
    """Histogram of scores in 0.1 bins by band, the mean (rule) and the ideal 0.7–0.8 zone."""
    vals = scores[column].dropna().astype(float) if scores is not None and len(scores) else []
    if not len(vals):
        return _no_data("no scores")
    bins = (vals.clip(0, 1) * 10).clip(upper=9.999).astype(int) / 10
    df = pd.DataFrame({"bin": bins.to_numpy(), "score": vals.to_numpy()})
    df["band"] = ["red" if b < 0.4 else "yellow" if b < 0.7 - 1e-9 else "green"
                  for b in df["bin"]]
    counts = df.groupby(["bin", "band"], as_index=False).agg(n=("score", "size"))
    counts["end"] = counts["bin"] + 0.1
    zone = alt.Chart(pd.DataFrame({"a": [0.7], "b": [0.8]})).mark_rect(
        color="#2ca02c", opacity=0.12).encode(x="a:Q", x2="b:Q")
    bars = alt.Chart(counts).mark_bar(stroke="white").encode(
        x=alt.X("bin:Q", scale=alt.Scale(domain=[0, 1]), title=column),
        x2="end:Q", y=alt.Y("n:Q", title="count", scale=alt.Scale(domainMin=0)),
        y2=alt.datum(0), color=_band_color())
    mean = alt.Chart(pd.DataFrame({"mean": [float(vals.mean())]})).mark_rule(
        color="#1f2328", strokeWidth=2).encode(x="mean:Q")
    return (zone + bars + mean).properties(
        width=WIDTH - 240, height=160,
        title=f"Distribution of {column}s · mean {vals.mean():.2f} · shaded = ideal 0.7–0.8")


def heatmap(objectives: pd.DataFrame) -> alt.LayerChart | alt.Chart:
    """Objective scores: team (rows) × objective (columns), coloured red → green."""
    if objectives is None or not len(objectives):
        return _no_data("no objectives")
    df = pd.DataFrame({
        "team": objectives["team"].fillna("—").astype(str),
        "objective": objectives["objective_id"].astype(str),
        "title": objectives["title"].fillna("").astype(str),
        "score": objectives["score"].astype(float),
    }).dropna(subset=["score"])
    if not len(df):
        return _no_data("no scores yet")
    df["label"] = df["score"].map(lambda s: f"{s:.2f}")
    base = alt.Chart(df).encode(
        x=alt.X("objective:N", title=None, sort=list(df["objective"]),
                axis=alt.Axis(labelAngle=-45)),
        y=alt.Y("team:N", title=None))
    rect = base.mark_rect(stroke="white").encode(
        color=alt.Color("score:Q", scale=alt.Scale(domain=[0, 0.4, 0.7, 1],
                                                   range=["#d62728", "#f0b400", "#a8d08d",
                                                          "#1a7f37"])),
        tooltip=["team", "objective", "title", alt.Tooltip("score:Q", format=".2f")])
    text = base.mark_text(fontSize=10).encode(text="label:N")
    return (rect + text).properties(
        width=max(240, 34 * df["objective"].nunique()),
        height=max(60, 26 * df["team"].nunique()),
        title="Objective scores by team")


def calibration_chart(calibration: pd.DataFrame) -> alt.LayerChart | alt.Chart:
    """Mean score per group with the calibration thresholds 0.5, 0.7, 0.8 and 0.9."""
    if calibration is None or not len(calibration):
        return _no_data("no objectives")
    df = pd.DataFrame({"group": calibration["group"].astype(str),
                       "mean": calibration["mean"].astype(float),
                       "verdict": calibration["verdict"].astype(str)}).dropna(subset=["mean"])
    if not len(df):
        return _no_data("no scores yet")
    df["band"] = ["red" if m < 0.4 else "yellow" if m < 0.7 else "green" for m in df["mean"]]
    bars = alt.Chart(df).mark_bar().encode(
        y=alt.Y("group:N", title=None, sort=list(df["group"])),
        x=alt.X("mean:Q", scale=alt.Scale(domain=[0, 1]), title="mean objective score"),
        color=_band_color(), tooltip=["group", alt.Tooltip("mean:Q", format=".2f"), "verdict"])
    rules = alt.Chart(pd.DataFrame({"x": [0.5, 0.7, 0.8, 0.9]})).mark_rule(
        color="#57606a", strokeDash=[3, 3]).encode(x="x:Q")
    return (bars + rules).properties(
        width=WIDTH - 240, height=max(60, 22 * len(df)),
        title="Calibration: 0.7–0.8 ideal · < 0.5 concerning · > 0.9 too easy")


def to_svg(chart: Any) -> str:
    """The chart as standalone SVG text (vl-convert; no network, no script)."""
    try:
        import vl_convert as vlc
    except ImportError as err:  # pragma: no cover - depends on the install
        raise MissingDependencyError("vl-convert-python", "charts") from err
    spec = chart.to_dict()
    version = alt.SCHEMA_VERSION.lstrip("v").rsplit(".", 1)[0]
    return str(vlc.vegalite_to_svg(spec, vl_version=version))


def svg_html(chart: Any) -> str:
    """The chart as an HTML ``<figure>`` with inline SVG."""
    return f'<figure class="okr-chart">{to_svg(chart)}</figure>'


def show(chart: Any, mode: str = "svg") -> Any:
    """Display a chart in a notebook without a CDN: static SVG, or offline interactive."""
    if mode == "offline":
        alt.JupyterChart.enable_offline()
        return alt.JupyterChart(chart)
    from IPython.display import HTML

    return HTML(svg_html(chart))

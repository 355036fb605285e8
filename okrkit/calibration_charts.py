"""Charts of calibration and of the forecast's track record (Altair, no network).

* :func:`reliability_chart` — a reliability diagram: each confidence bin's mean
  confidence against the share of its forecasts whose key result ended green
  (:func:`okrkit.confidence.reliability_table`), points sized by the number of forecasts,
  with the diagonal of perfect calibration. Above the diagonal: under-confident; below:
  over-confident.
* :func:`track_record_chart` — the Brier score of each forecaster per period
  (:func:`okrkit.backtest.summarise` with ``by=("period",)``), lower is better.

Data is inline (``alt.InlineData``) so no data transformer or row limit applies; render
to SVG with :func:`okrkit.charts.to_svg` for the reports.
"""

from __future__ import annotations

import math
from typing import Any

import altair as alt
import pandas as pd

from okrkit.scoring import ScoringPolicy

WIDTH = 320
FORECASTER_DOMAIN = ["model", "confidence", "pacing"]
FORECASTER_RANGE = ["#1f77b4", "#ff7f0e", "#8c8c8c"]


def _values(frame: pd.DataFrame, columns: list[str]) -> alt.InlineData:
    def clean(v: Any) -> Any:
        if hasattr(v, "item") and not isinstance(v, str):
            v = v.item()
        if isinstance(v, float) and math.isnan(v):
            return None
        return v if isinstance(v, int | float | str | bool) or v is None else str(v)

    return alt.InlineData(values=[{c: clean(r[c]) for c in columns}
                                  for r in frame[columns].to_dict("records")])


def _message(text: str) -> alt.Chart:
    return alt.Chart(alt.InlineData(values=[{"t": text}])).mark_text(
        size=13, color="#57606a").encode(text="t:N").properties(width=WIDTH, height=60)


def reliability_chart(table: pd.DataFrame, policy: ScoringPolicy | None = None,
                      title: str | None = None) -> alt.LayerChart | alt.Chart:
    """Reliability diagram of a :func:`~okrkit.confidence.reliability_table`.

    ``policy.green_from`` names what "green" means in the axis title. An empty table
    gives a "no forecasts" chart.
    """
    p = policy or ScoringPolicy()
    if table is None or not len(table):
        return _message("no forecasts to score")
    cols = ["bin", "n", "mean_confidence", "share_green"]
    data = _values(table, cols)
    x = alt.X("mean_confidence:Q", scale=alt.Scale(domain=[0, 1]),
              title="confidence (mean of the bin)")
    y = alt.Y("share_green:Q", scale=alt.Scale(domain=[0, 1]),
              title=f"share that ended green (score ≥ {p.green_from:g})")
    diagonal = alt.Chart(alt.InlineData(values=[{"x": 0, "y": 0}, {"x": 1, "y": 1}])).mark_line(
        color="#8c959f", strokeDash=[4, 4]).encode(x="x:Q", y="y:Q")
    line = alt.Chart(data).mark_line(color="#1f77b4").encode(x=x, y=y, order="bin:Q")
    points = alt.Chart(data).mark_circle(color="#1f77b4", opacity=0.9).encode(
        x=x, y=y, size=alt.Size("n:Q", title="forecasts", scale=alt.Scale(range=[30, 400], zero=False)),
        tooltip=[alt.Tooltip("bin:Q", title="bin", format=".1f"),
                 alt.Tooltip("n:Q", title="forecasts"),
                 alt.Tooltip("mean_confidence:Q", title="mean confidence", format=".2f"),
                 alt.Tooltip("share_green:Q", title="ended green", format=".0%")])
    return alt.layer(diagonal, line, points).properties(
        width=WIDTH, height=WIDTH, title=title or "Reliability: confidence against outcome")


def track_record_chart(per_period: pd.DataFrame, title: str | None = None
                       ) -> alt.Chart:
    """Brier score per period and forecaster (grouped bars; lower is better).

    ``per_period`` has ``period, forecaster, brier, n``.
    """
    if per_period is None or not len(per_period):
        return _message("no closed period replayed yet")
    data = _values(per_period, ["period", "forecaster", "brier", "n"])
    return alt.Chart(data).mark_bar().encode(
        x=alt.X("period:N", title=None, axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("forecaster:N", sort=FORECASTER_DOMAIN),
        y=alt.Y("brier:Q", title="Brier score (lower is better)"),
        color=alt.Color("forecaster:N", scale=alt.Scale(domain=FORECASTER_DOMAIN,
                                                        range=FORECASTER_RANGE),
                        title="forecaster"),
        tooltip=[alt.Tooltip("period:N"), alt.Tooltip("forecaster:N"),
                 alt.Tooltip("brier:Q", format=".3f"), alt.Tooltip("n:Q", title="forecasts")],
    ).properties(width=WIDTH + 120, height=220,
                 title=title or "Track record: Brier score per quarter")

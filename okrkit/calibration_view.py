"""Where people see calibration: the retrospective, the reports and the forecast panel.

:func:`gather_confidence` reads the last closed quarters once
(:func:`okrkit.habits.history_periods`) into a plain :class:`ConfidenceView`: the
calibration of the people's confidences (:func:`okrkit.habits.calibration_report`, the
figures of ``okrkit calibration``) and, when asked, the forecast's track record
(:func:`okrkit.backtest.replay`, the figures of ``okrkit backtest``). The HTML functions
below only format that object; no ipywidgets here, so the apps and the report notebook
share them.

* :func:`confidence_html` — the Brier score and its decomposition, the reliability chart
  (inline SVG) and over- or under-confidence in words; per team for the company.
* :func:`track_record_html` — "our forecast's Brier score over the last N quarters: x;
  people's: y", the quarters where the model lost (never hidden) and a chart per quarter.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd

from okrkit.backtest import (
    FORECASTERS,
    ReadOnce,
    pooled,
    replay,
    summarise,
    track_record_text,
)
from okrkit.confidence import (
    ALL,
    calibration_summary_text,
    calibration_table,
    reliability_table,
)
from okrkit.habits import HISTORY, calibration_report, history_periods
from okrkit.htmlkit import DASH, chart_html, esc, table_html
from okrkit.period import Period
from okrkit.priors import SHOWN_WITH_HISTORY
from okrkit.scoring import ScoringPolicy

NAMES = {"model": "the forecast", "confidence": "people's confidence",
         "pacing": "linear pacing"}
TEAM_TABLE = {"group": "team", "n": "forecasts", "brier": "Brier score",
              "mean_confidence": "mean confidence", "share_green": "ended green",
              "verdict": "verdict", "brier_first_half": "Brier 1st half",
              "brier_second_half": "Brier 2nd half"}
DECOMPOSITION = {"n": "forecasts", "brier": "Brier score", "reliability": "reliability",
                 "resolution": "resolution", "uncertainty": "uncertainty"}




@dataclass(frozen=True)
class TrackRecord:
    """The forecast's track record over ``periods`` (closed quarters): ``summary``
    (pooled: ``forecaster, brier, n, periods``) and ``per_period`` (``period, forecaster,
    brier, n``) of :func:`okrkit.backtest.replay`. ``history``: whether the model judged
    learned priors from the quarters before each one (``okrkit backtest --history``)."""

    periods: tuple[str, ...]
    summary: pd.DataFrame
    per_period: pd.DataFrame
    history: bool = SHOWN_WITH_HISTORY

    @property
    def span(self) -> str:
        return _span(self.periods)


def _span(periods: tuple[str, ...]) -> str:
    if not periods:
        return "no closed quarter yet"
    if len(periods) == 1:
        return periods[0]
    return f"{periods[0]}..{periods[-1]} ({len(periods)} quarters)"


def _history(store: Any, upto: Period | str, as_of: dt.date | None, last: int) -> list[str]:
    known = [store.load_plan(label).period for label in store.periods()]
    target = upto if isinstance(upto, Period) else Period.parse(str(upto))
    target = next((k for k in known if k.label == target.label), target)
    return history_periods(known, target, as_of, last)


def gather_track_record(store: Any, upto: Period | str, as_of: dt.date | None = None, *,
                        policy: ScoringPolicy | None = None, last: int = HISTORY,
                        every: int = 7, seed: int = 0, simulations: int = 1000,
                        history: bool = SHOWN_WITH_HISTORY) -> TrackRecord:
    """The forecast's track record over the last ``last`` closed quarters up to ``upto``
    (replayed every ``every`` days, ``simulations`` runs, ``seed``: ``okrkit backtest``'s
    defaults; ``history``: the model learns priors from earlier quarters, see
    :data:`SHOWN_WITH_HISTORY`)."""
    periods = _history(store, upto, as_of, last)
    runs = replay(store, periods, every=every, seed=seed, simulations=simulations,
                  policy=policy, history=history)
    long = pooled(runs)
    return TrackRecord(periods=tuple(periods),
                       summary=summarise(long).assign(periods=len(periods)),
                       per_period=summarise(long, by=("period",)), history=history)


@dataclass(frozen=True)
class ConfidenceView:
    """The calibration and track record one screen shows (see the module docstring).

    ``periods`` are the closed quarters looked back on; ``team`` the team (``None``: the
    company). ``groups`` is :func:`okrkit.confidence.calibration_table` by team with the
    ``(all)`` row; ``row`` the subject's row (the team's, or ``(all)``); ``reliability``
    the subject's :func:`~okrkit.confidence.reliability_table`; ``trend`` the subject's
    Brier score per quarter; ``sandbagging`` / ``ratchet_flags`` the flagged teams.
    ``track`` is the forecast's :class:`TrackRecord` (``None`` unless asked for).
    """

    periods: tuple[str, ...]
    team: str | None
    policy: ScoringPolicy
    groups: pd.DataFrame
    row: dict[str, Any]
    reliability: pd.DataFrame
    trend: pd.DataFrame
    sandbagging: pd.DataFrame
    ratchet_flags: pd.DataFrame
    track: TrackRecord | None = None

    @property
    def subject(self) -> str:
        return "All teams" if self.team is None else f"Team {self.team}"

    @property
    def span(self) -> str:
        return _span(self.periods)


def gather_confidence(store: Any, upto: Period | str, as_of: dt.date | None = None,
                      team: str | None = None, *, track: bool = False,
                      policy: ScoringPolicy | None = None, last: int = HISTORY,
                      every: int = 7, seed: int = 0, simulations: int = 1000
                      ) -> ConfidenceView:
    """The calibration of the last ``last`` closed quarters up to ``upto`` (and the track record).

    ``team`` reads only that team's rows; ``track`` replays the quarters (every ``every``
    days, ``simulations`` runs, ``seed``: ``okrkit backtest``'s defaults) for the
    forecast's track record.
    """
    p = policy or ScoringPolicy()
    # calibration and track record read the same periods (a caller's memo is kept)
    store = ReadOnce(store)
    periods = _history(store, upto, as_of, last)
    rep = calibration_report(store, periods, "team", policy=p, team=team)
    f = rep.forecasts
    groups = rep.groups if len(f) else calibration_table(f, "team")
    key = ALL if team is None else team
    row = groups[groups["group"] == key]
    row_d = row.iloc[0].to_dict() if len(row) else {"group": key, "n": 0}
    rel = (reliability_table(f["confidence"], f["outcome"]) if len(f)
           else pd.DataFrame(columns=["bin", "n", "mean_confidence", "share_green"]))
    trend = _subject_trend(f, rep.trend, team, periods)
    tr = (gather_track_record(store, upto, as_of, policy=p, last=last, every=every,
                              seed=seed, simulations=simulations) if track else None)
    return ConfidenceView(
        periods=tuple(periods), team=team, policy=p, groups=groups, row=row_d,
        reliability=rel, trend=trend,
        sandbagging=rep.sandbagging[rep.sandbagging["flagged"]].reset_index(drop=True),
        ratchet_flags=rep.ratchet_flags[rep.ratchet_flags["flagged"]].reset_index(drop=True),
        track=tr)


def _subject_trend(f: pd.DataFrame, trend: pd.DataFrame, team: str | None,
                   periods: list[str]) -> pd.DataFrame:
    """The subject's Brier score and forecasts per quarter: ``period, n, brier, verdict``."""
    cols = ["period", "n", "brier", "verdict"]
    if team is not None:
        return trend[trend["team"] == team][cols].reset_index(drop=True)
    rows = []
    for label in periods:
        g = f[f["period"] == label]
        if len(g):
            r = calibration_table(g, None).iloc[0]
            rows.append({"period": label, "n": r["n"], "brier": r["brier"],
                         "verdict": r["verdict"]})
    return pd.DataFrame(rows, columns=cols)


# ---------------------------------------------------------------------------- words


def model_losses(track: pd.DataFrame, per_period: pd.DataFrame) -> list[str]:
    """Every place the model's Brier score is worse than another forecaster's, in words.

    The pooled score first, then each quarter; empty when the model beat both everywhere.

    >>> per = pd.DataFrame({"period": ["2025-Q1"] * 3, "forecaster": list(FORECASTERS),
    ...                     "brier": [0.124, 0.108, 0.248], "n": [43] * 3})
    >>> model_losses(per.drop(columns="period"), per)
    ["Over these quarters the forecast did worse than people's confidence (0.124 against 0.108).", "2025-Q1: the forecast did worse than people's confidence (0.124 against 0.108)."]
    """
    out = []
    for where, frame in [("Over these quarters", track),
                         *((str(k), g) for k, g in per_period.groupby("period", sort=True))]:
        b = frame.set_index("forecaster")["brier"]
        if "model" not in b.index:
            continue
        beat = [f"{NAMES[f]} ({b['model']:.3f} against {b[f]:.3f})"
                for f in FORECASTERS[1:] if f in b.index and b[f] < b["model"]]
        if beat:
            sep = " the forecast" if where.startswith("Over") else ": the forecast"
            out.append(f"{where}{sep} did worse than {' and '.join(beat)}.")
    return out


def _num(v: Any, digits: int = 3) -> str:
    return DASH if v is None or pd.isna(v) else f"{float(v):.{digits}f}"


def _pct(v: Any) -> str:
    return DASH if v is None or pd.isna(v) else f"{float(v):.0%}"


# ---------------------------------------------------------------------------- HTML


def confidence_html(view: ConfidenceView, *, inline: bool = True) -> str:
    """The subject's calibration: words, decomposition, trend, reliability chart (and the
    per-team table and flags for the company). ``inline``: styles on the table (apps)."""
    from okrkit.calibration_charts import reliability_chart

    head = (f'<p class="meta">Each check-in\'s confidence is a forecast that its key result '
            f"ends green (final score ≥ {view.policy.green_from:g}). Scored over "
            f"{esc(view.span)}.</p>")
    if not int(view.row.get("n") or 0):
        why = ("no quarter has closed yet: confidences are scored once a quarter ends"
               if not view.periods else "no check-in of these quarters carried a confidence")
        return (f'<div class="okr-confidence">{head}<p class="okr-confidence-summary">'
                f"{esc(view.subject)}: {esc(why)}.</p></div>")
    words = calibration_summary_text(view.row, subject=view.subject)
    parts = [head, f'<p class="okr-confidence-summary"><b>{esc(words)}</b></p>',
             table_html(pd.DataFrame([view.row]), DECOMPOSITION,
                        formats={c: _num for c in ("brier", "reliability", "resolution",
                                                   "uncertainty")} | {"n": str},
                        numeric=set(DECOMPOSITION), css_class="okr-table okr-decomposition",
                        inline=inline),
             '<p class="meta">Brier score = mean of (confidence − outcome)²: 0 is perfect, '
             "a constant 0.5 scores 0.25. Reliability (lower is better) − resolution (higher "
             "is better) + uncertainty ≈ the Brier score.</p>"]
    if len(view.trend) > 1:
        items = " · ".join(f"{esc(r.period)} {_num(r.brier)}" for r in view.trend.itertuples())
        parts.append(f'<p class="okr-confidence-trend">Brier score per quarter: {items}</p>')
    if view.team is None:
        parts.append("<h3>Per team</h3>" + _teams_html(view, inline) + _flags_html(view))
    rel, policy = view.reliability, view.policy
    parts.append(chart_html(lambda _c: reliability_chart(
        rel, policy, title=f"{view.subject}: confidence against outcome")))
    parts.append('<p class="meta">Each point is a tenth of confidence (its size: how many '
                 "forecasts). Below the dashed diagonal the confidences were too high "
                 "(over-confident); above it, too low (under-confident).</p>")
    return f'<div class="okr-confidence">{"".join(parts)}</div>'


def summary_html(view: ConfidenceView) -> str:
    """The short form for the reports' index page: the words, the table per team, the
    flags and the track record in words (no charts: the company report has them)."""
    if not int(view.row.get("n") or 0):
        return confidence_html(view, inline=False)
    words = calibration_summary_text(view.row, subject=view.subject)
    return (f'<div class="okr-confidence"><p class="meta">Confidences scored over '
            f'{esc(view.span)}.</p><p class="okr-confidence-summary">{esc(words)}</p>'
            + _teams_html(view, inline=False) + _flags_html(view) + "</div>" + track_record_html(view.track, chart=False))


def _teams_html(view: ConfidenceView, inline: bool) -> str:
    teams = view.groups[view.groups["group"] != ALL]
    return table_html(
        teams, TEAM_TABLE,
        formats={"n": str, "mean_confidence": lambda v: _num(v, 2), "share_green": _pct,
                 "brier": _num, "brier_first_half": _num, "brier_second_half": _num},
        numeric=set(TEAM_TABLE) - {"group", "verdict"},
        css_class="okr-table okr-team-calibration", inline=inline)


def _command(track: TrackRecord) -> str:
    if track.history:
        return "okrkit backtest; the forecast learns from earlier quarters"
    return ("okrkit backtest --no-history: the forecast as shown here, without what "
            "earlier quarters teach it")


def _flags_html(view: ConfidenceView) -> str:
    items = []
    for r in view.sandbagging.itertuples():
        items.append(f"<li><b>{esc(r.team)}</b> sandbagged in {esc(r.sandbagged_in)}: most "
                     "key results ended at 1.0 while confidences stayed ≥ 0.9 — raise the "
                     "bar.</li>")
    for r in view.ratchet_flags.itertuples():
        items.append(f"<li><b>{esc(r.team)}</b> ratcheted in {esc(r.ratcheted_in)}: "
                     "progress flattened once key results were safely green.</li>")
    if not items:
        return '<p class="okr-flags muted">No sandbagging or ratchet flags.</p>'
    return f'<ul class="okr-flags">{"".join(items)}</ul>'


def track_record_html(track: TrackRecord | None, *, chart: bool = True) -> str:
    """The forecast's track record in words, every quarter it lost, and (``chart``) the
    Brier score per quarter and forecaster."""
    from okrkit.calibration_charts import track_record_chart

    if track is None:
        return ""
    if not len(track.summary):
        return ('<div class="okr-track-record"><p class="okr-track-summary">No closed '
                "quarter to measure the forecast on yet.</p></div>")
    parts = [f'<p class="okr-track-summary"><b>{esc(track_record_text(track.summary))}</b>'
             "</p>",
             f'<p class="meta">Replayed {esc(track.span)} at weekly cut-offs: at each, every '
             "forecaster gave each key result's P(ends green) from only the check-ins known "
             f"by then ({_command(track)}).</p>"]
    losses = model_losses(track.summary, track.per_period)
    if losses:
        parts.append('<p class="okr-model-lost">Where the forecast lost:</p><ul '
                     'class="okr-model-losses">'
                     + "".join(f"<li>{esc(t)}</li>" for t in losses) + "</ul>")
    else:
        parts.append('<p class="okr-model-won">The forecast beat people\'s confidence and '
                     "linear pacing in every one of these quarters.</p>")
    if chart:
        per = track.per_period
        parts.append(chart_html(lambda _c: track_record_chart(per)))
    return f'<div class="okr-track-record">{"".join(parts)}</div>'


__all__ = ["ConfidenceView", "TrackRecord", "confidence_html", "gather_confidence",
           "gather_track_record", "model_losses", "summary_html", "track_record_html"]

"""Plain-text lines of the numbers a notebook's reader relies on, for nbval to pin.

Each notebook ends with a few small cells marked ``# NBVAL_CHECK_OUTPUT`` (and tagged
``pin``) that print one of these functions' text; the test suite runs every notebook
under nbval and compares that text with the expected copy kept in ``tests/notebooks/``
(see ``tests/README.md``). The text must be the same on every run and every machine:

* it never reads a clock, a path, a user name or a random id — only the frames and
  scorecards the notebook already shows;
* numbers are rounded the way the apps show them (:func:`okrkit.htmlkit.num` with three
  decimals for scores, :func:`okrkit.htmlkit.amount` for measured values), so a moved score
  shows up as a changed line, and a missing number is ``—``;
* one thing per line, in the order the app shows it, so nbval's diff names the line.

Nothing here computes a score: every function formats what okrkit already computed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from okrkit.frames import is_blank
from okrkit.htmlkit import DASH, amount, num
from okrkit.scoring import Calibration, Scorecard, band


def score(value: Any) -> str:
    """A score with three decimals (``0.733``; missing ``—``).

    >>> score(0.73288), score(None)
    ('0.733', '—')
    """
    return num(value, 3)


def signed(value: Any) -> str:
    """A change or a pace with its sign and three decimals (``+0.366``).

    >>> signed(0.36652), signed(-0.05)
    ('+0.367', '-0.050')
    """
    return num(value, 3, signed=True)


def share(value: Any) -> str:
    """A confidence, a probability or a forecast figure with two decimals (``0.76``).

    >>> share(0.755)
    '0.76'
    """
    return num(value, 2)


def text(value: Any) -> str:
    """Any other cell: dates in ISO form, missing or blank ``—``, everything else ``str``.

    >>> text(dt.date(2026, 2, 13)), text(None), text(float("nan")), text(""), text("At Risk")
    ('2026-02-13', '—', '—', '—', 'At Risk')
    """
    if is_blank(value):
        return DASH
    if isinstance(value, pd.Timestamp):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


#: How a column is shown, by name; any other column is :func:`text`.
FORMATS: dict[str, Callable[[Any], str]] = {
    **dict.fromkeys(["score", "score_before", "score_now", "score_after", "final_score",
                     "score_override", "mean", "expected", "progress"], score),
    **dict.fromkeys(["pace", "change", "delta"], signed),
    **dict.fromkeys(["value", "target", "baseline"], amount),
    # the forecast's Monte Carlo figures, as the reports show them
    **dict.fromkeys(["confidence", "p_score_07", "p_complete", "expected_score",
                     "suggested_target", "expected_end_value"], share),
}


def table(frame: pd.DataFrame, columns: Sequence[str],
          formats: Mapping[str, Callable[[Any], str]] | None = None) -> str:
    """One line per row: the first of ``columns`` bare, then ``name=value`` for the rest.

    Lines do not depend on each other (no alignment across rows), so a changed row is one
    changed line in a diff, and each line says what its numbers are. Columns the frame
    lacks are left out; every cell is formatted by :data:`FORMATS` (or ``formats``); no
    rows is ``none``.

    >>> print(table(pd.DataFrame({"kr_id": ["A.1", "B.10"], "score": [0.5, 1.0],
    ...                           "status": ["At Risk", None]}), ["kr_id", "score", "status"]))
    A.1  score=0.500  status=At Risk
    B.10  score=1.000  status=—
    """
    fmt = {**FORMATS, **(formats or {})}
    cols = [c for c in columns if c in frame.columns]
    if frame.empty:
        return "none"
    lines = []
    for r in frame[cols].to_dict("records"):
        first, *rest = (fmt.get(c, text)(r[c]) for c in cols)
        lines.append("  ".join([first, *(f"{c}={v}" for c, v in zip(cols[1:], rest,
                                                                   strict=True))]))
    return "\n".join(lines)


def _counted(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def headline(card: Scorecard, *, at_risk: pd.DataFrame | None = None,
             stale: pd.DataFrame | None = None) -> str:
    """The scorecard in one line: period, date, overall score and band, counts.

    ``2026-Q1 as of 2026-02-13: overall 0.461 yellow; 57 key results, 24 at risk, 10 stale``
    """
    parts = [_counted(len(card.key_results), "key result")]
    if at_risk is not None:
        parts.append(f"{len(at_risk)} at risk")
    if stale is not None:
        parts.append(f"{len(stale)} stale")
    return (f"{card.period.label} as of {card.as_of.isoformat()}: overall "
            f"{score(card.overall)} {text(band(card.overall, card.policy))}; "
            + ", ".join(parts))


def report(data: Any) -> str:
    """A quarterly report's header (:class:`okrkit.reportdata.ReportData`): its title, date,
    score and band, at-risk and stale counts, calibration."""
    cal = data.calibration
    return "\n".join([
        data.title,
        f"as of {data.as_of.isoformat()}: overall {score(data.overall)} "
        f"{text(band(data.overall, data.policy))}",
        f"{_counted(len(data.objectives), 'objective')}, "
        f"{_counted(len(data.key_results), 'key result')}, {len(data.at_risk)} at risk, "
        f"{len(data.stale)} stale",
        f"calibration: {calibration(cal)}",
    ])


def objectives(frame: pd.DataFrame) -> str:
    """Objectives with their team, score, band and status (and the final score where a
    retrospective overrode it), in the frame's order."""
    cols = ["objective_id", "team", "score", "band", "status"]
    if "score_override" in frame.columns and frame["score_override"].notna().any():
        cols += ["score_override", "final_score", "final_band"]
    return f"{_counted(len(frame), 'objective')}\n{table(frame, cols)}"


def key_results(frame: pd.DataFrame) -> str:
    """Key results with their latest value, score, band, pace and status."""
    cols = ["kr_id", "value", "target", "score", "band", "pace", "status"]
    return f"{_counted(len(frame), 'key result')}\n{table(frame, cols)}"


def at_risk(frame: pd.DataFrame) -> str:
    """The at-risk list (:func:`okrkit.insights.at_risk_list`): each key result and why."""
    cols = ["kr_id", "team", "score", "pace", "confidence", "reason"]
    return f"{len(frame)} at risk\n{table(frame, cols)}"


def stale(frame: pd.DataFrame) -> str:
    """The stale list (:func:`okrkit.insights.stale_list`): last check-in, days silent."""
    cols = ["kr_id", "team", "last_checkin", "days_silent", "status"]
    return f"{len(frame)} stale\n{table(frame, cols)}"


def changes(frame: pd.DataFrame) -> str:
    """Change since last month (:func:`okrkit.insights.month_change`), per team or
    objective."""
    cols = ["team", "objective_id", "before", "score_before", "score_now", "change"]
    return table(frame, cols)


def teams(frame: pd.DataFrame) -> str:
    """Team scores (:func:`okrkit.insights.team_scores`): score, band, counts."""
    cols = ["team", "n_objectives", "n_key_results", "score", "band", "at_risk", "stale"]
    return table(frame, cols)


def calibration(cal: Calibration | pd.DataFrame) -> str:
    """A calibration verdict (one :class:`~okrkit.scoring.Calibration`: its label, mean
    and committed OKRs below 1.0), or a per-group calibration frame as a table."""
    if isinstance(cal, pd.DataFrame):
        return table(cal, ["group", "n", "mean", "label", "committed_misses",
                           "committed_at_risk"])
    misses = ", ".join(cal.committed_misses) or "none"
    line = f"{cal.label} (mean {score(cal.mean)} over {_counted(cal.n, 'objective')})"
    if cal.basis == "final":
        return f"{line}; committed below 1.0: {misses}"
    return f"{line}; committed below 1.0 so far: {', '.join(cal.committed_at_risk) or 'none'}"


def forecast(frame: pd.DataFrame | None) -> str:
    """The forecast per objective (:func:`okrkit.insights.forecast_table`): expected final
    score and P(score ≥ green)."""
    if frame is None:
        return "no forecast (the period has ended)"
    return table(frame, ["objective_id", "score", "expected_score", "p_score_07"])


def confidence(view: Any) -> str:
    """The confidence calibration a screen shows (a
    :class:`~okrkit.calibration_view.ConfidenceView`): the quarters, the subject's Brier
    score and verdict, its Brier score per quarter and, when gathered, the track record."""
    if view is None:
        return "no confidence calibration gathered"
    r = view.row
    lines = [f"confidence calibration over {', '.join(view.periods) or 'no closed quarter'}",
             f"{view.subject}: {int(r.get('n') or 0)} forecasts, Brier {score(r.get('brier'))}, "
             f"bias {signed(r.get('bias'))}, {r.get('verdict', 'no forecasts')}"]
    lines += [f"{t.period}: Brier {score(t.brier)} over {int(t.n)}"
              for t in view.trend.itertuples()]
    if view.track is not None:
        lines += [f"track record {t.forecaster}: Brier {score(t.brier)} over {int(t.n)}"
                  for t in view.track.summary.itertuples()]
    return "\n".join(lines)


def what_if(frame: pd.DataFrame, overall: Any = None) -> str:
    """The what-if diff against the stored scorecard (and the what-if overall score)."""
    head = [] if overall is None else [f"what-if overall {score(overall)}"]
    body = table(frame, ["id", "score_before", "score_after", "delta", "band_before",
                         "band_after"])
    return "\n".join([*head, body])


def suggestions(frame: pd.DataFrame) -> str:
    """The targets a green expected score would need (:func:`okrkit.insights.suggestions_table`)."""
    return table(frame, ["kr_id", "direction", "baseline", "target", "suggested_target",
                         "expected_end_value", "reason"])


def plan(p: Any) -> str:
    """A plan (:class:`okrkit.frames.Plan`) as the workshop starts from it: each objective
    with its parent, kind and weight, and its key results with baseline and target."""
    if p is None:
        return "no plan"
    krs = p.key_results
    lines = [f"{p.period.label}: {_counted(len(p.objectives), 'objective')}, "
             f"{_counted(len(krs), 'key result')}"]
    for o in p.objectives.to_dict("records"):
        lines.append(f"{o['objective_id']} ({text(o['team'])}, {text(o['kind'])}, weight "
                     f"{amount(o['weight'])}) under {text(o['parent_id'])}")
        own = krs[krs["objective_id"] == o["objective_id"]]
        lines += [f"  {r['kr_id']}: {text(r['direction'])} {amount(r['baseline'])} -> "
                  f"{amount(r['target'])} {text(r['unit'])}".rstrip()
                  for r in own.to_dict("records")]
    return "\n".join(lines)


def findings(problems: Iterable[Any], lint: Iterable[Any]) -> str:
    """Validation problems and lint findings, one per line (``none`` when clean)."""
    problems, lint = list(problems), list(lint)
    lines = [f"{_counted(len(problems), 'problem')}, {_counted(len(lint), 'lint finding')}"]
    lines += [f"problem: {p}" for p in problems]
    lines += [str(f) for f in lint]
    return "\n".join(lines)


__all__ = [
    "FORMATS", "at_risk", "calibration", "changes", "findings", "forecast", "headline",
    "key_results", "objectives", "plan", "report", "score", "share", "signed", "stale",
    "suggestions", "table", "teams", "text", "what_if",
]

"""The quarterly report's HTML sections, formatted from a :class:`ReportData`.

The report notebook (``notebooks/quarterly_report.ipynb``) stays thin: it calls
:func:`okrkit.reportdata.gather` once and displays the sections below. The sections only
format that object (numbers, badges, tables from :mod:`okrkit.htmlkit`): they never open
the store, score or forecast. Everything people typed (titles, owners, notes, blockers)
is escaped, so a title such as ``<script>alert(1)</script>`` stays text in the report.
Bands, verdicts and the forecast threshold are the report's policy (``ReportData.policy``).

Every section is a pure function of the data (no clocks, no random ids), so a report
rendered in a batch equals the same report rendered alone.

**Print (PDF, issue 15).** The stylesheet's ``@media print`` rules print only the parts
marked ``okr-print``: the header and the objectives (a team report) or the alignment tree
(the company report). A team report prints one page per objective: **page 1 is the header
(title, period, as-of date, owner, overall score and status counts) and the first
objective**; every further objective starts a new page, with its key-result table and its
own score chart (inline SVG, printed as vectors). The other sections are for the screen.
An objective too long for one page continues on the next.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from okrkit.htmlkit import (
    DASH,
    alignment_tree_html,
    amount,
    badge,
    calibration_html,
    esc,
    num,
    status_html,
    table_html,
)
from okrkit.insights import status_line
from okrkit.reportdata import ReportData

CSS = """
<style>
.okr{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
 color:#1f2328;max-width:1100px;line-height:1.45}
.okr h1{font-size:1.7em;margin:.2em 0}.okr h2{font-size:1.25em;margin:1.2em 0 .4em;
 border-bottom:1px solid #d0d7de;padding-bottom:.2em}.okr h3{font-size:1.05em;margin:.9em 0 .3em}
.okr .meta{color:#57606a}.okr table{border-collapse:collapse;margin:.4em 0 1em;font-size:.92em}
.okr th,.okr td{border-bottom:1px solid #d8dee4;padding:.3em .6em;text-align:left;vertical-align:top}
.okr th{background:#f6f8fa}.okr td.num{text-align:right;font-variant-numeric:tabular-nums}
.okr .badge{display:inline-block;padding:.05em .55em;border-radius:1em;font-weight:600;
 font-size:.85em;color:#fff}.okr .green{background:#1a7f37}.okr .yellow{background:#bf8700}
.okr .red{background:#cf222e}.okr .none{background:#8c959f}
.okr .big{font-size:2.2em;font-weight:700;margin-right:.3em}
.okr .status-at-risk,.okr .status-missed{color:#cf222e;font-weight:600}
.okr .status-complete,.okr .status-achieved{color:#1a7f37}.okr .status-partially-achieved{color:#9a6700}
.okr ul.okr-tree{list-style:none;padding-left:1.2em}.okr ul.okr-tree>li{margin:.15em 0}
.okr td:first-child,.okr [class^="status-"]{white-space:nowrap}
.okr td.text{min-width:14em;max-width:40em}.okr td:not(.text){white-space:nowrap}.okr .muted{color:#8c959f}.okr figure.okr-chart{margin:.5em 0 1.2em}
.okr figure.okr-chart svg{max-width:100%;height:auto}
@media print{
 body{max-width:none!important;margin:0!important;padding:0!important}
 body>.cell:not(:has(.okr-print)){display:none}
 .okr{max-width:none;font-size:11pt}.okr h2{margin-top:.4em}
 .okr table{font-size:8.5pt}.okr td.text{min-width:9em}.okr th,.okr td{padding:.25em .35em}
 .okr section.okr-objective+section.okr-objective{break-before:page}
 .okr table,.okr tr,.okr figure{break-inside:avoid}
 .jp-OutputArea-output,.output_subarea{overflow:visible!important}
}
</style>
"""


def _section(title: str, body: str, printed: bool = False) -> str:
    cls = "okr okr-print" if printed else "okr"
    return f'<div class="{cls}"><h2>{esc(title)}</h2>{body}</div>'


def _muted(text: str) -> str:
    return f'<p class="muted">{esc(text)}</p>'


def header_html(r: ReportData) -> str:
    """Title, period, as-of date, owner, the overall score and the status counts, then
    :func:`lifecycle_section` (the plan's header, state and sign-offs)."""
    p = r.period
    state = ("final scores: the period has ended" if r.card.closed
             else f"{p.elapsed_share(r.as_of):.0%} of the period elapsed")
    return (
        f'{CSS}<div class="okr okr-print"><h1>{esc(r.title)}</h1>'
        f'<p class="meta">{esc(p.label)} ({p.start:%d %b %Y} – {p.end:%d %b %Y}) · as of '
        f"{r.as_of:%d %b %Y} ({state}) · owner {esc(r.owner, DASH)}</p>"
        f'<p><span class="big">{num(r.overall)}</span>{badge(r.overall, policy=r.policy)} '
        f"overall score · {len(r.objectives)} objectives · {len(r.key_results)} key results"
        f" · {status_line(r.key_results['status'], status_html)}</p></div>"
        + lifecycle_section(r)
    )


# -- the plans' lifecycle (okrkit.lifecycle_view) ---------------------------------------


def lifecycle_section(r: ReportData) -> str:
    """The plan's header, state and sign-offs: the team's plan, or (company report) per
    team whether its plan is active and who signed it."""
    from okrkit.lifecycle_view import lifecycle_html, plan_states, states_table_html

    if r.is_company:
        body = states_table_html(plan_states(r.plan))
    else:
        body = "".join(lifecycle_html(s) for s in plan_states(r.plan, [str(r.team)]))
    return _section("Plan state and sign-offs", body, printed=True)


def _target_text(k: dict[str, Any]) -> str:
    unit = f" {k['unit']}" if isinstance(k["unit"], str) and k["unit"] else ""
    if k["direction"] in ("increase", "decrease"):
        return f"{amount(k['baseline'])} → {amount(k['target'])}{unit}"
    return f"{str(k['direction']).replace('_', ' ')} {amount(k['target'])}{unit}"


def kr_table_html(r: ReportData, rows: pd.DataFrame) -> str:
    """Key results: target, latest value, progress, expected, score, status, confidence.

    A closed period shows the final value, the score and the outcome (``✅ Achieved``, ...)
    and nothing about pace.
    """
    recs = rows.to_dict("records")
    closed = r.card.closed
    view = rows.assign(
        range=[_target_text(k) for k in recs],
        score=[badge(k["score"], k["band"], r.policy) for k in recs],
        status=[status_html(k["status"]) + (" (stale)" if k["stale"] else "") for k in recs],
    )
    columns = {"kr_id": "KR", "title": "key result", "range": "baseline → target",
               "value": "final value" if closed else "latest", "progress": "progress"}
    if not closed:
        columns["expected"] = "expected"
    columns |= {"score": "score", "status": "outcome" if closed else "status",
                "confidence": "confidence"}
    return table_html(
        view, columns,
        formats={"value": amount, "progress": num, "expected": num, "confidence": num},
        markup={"score", "status"}, numeric={"value", "progress", "expected", "confidence"},
        inline=False)


def _forecast_text(r: ReportData, objective_id: Any) -> str:
    if r.forecast is None:
        return ""
    f = r.forecast[r.forecast["objective_id"] == objective_id]
    if not len(f) or pd.isna(f["expected_score"].iloc[0]):
        return ""
    p = f["p_score_07"].iloc[0]
    chance = "" if pd.isna(p) else f", P(score ≥ {r.policy.green_from:g}) {float(p):.0%}"
    return f" · forecast {num(f['expected_score'].iloc[0])}{chance}"


def objectives_html(r: ReportData) -> str:
    """Each objective with its key results: score, band, progress vs expected, status, the
    forecast, and a chart of its key results' scores.

    Each objective is one ``section.okr-objective``: in print, every objective after the
    first starts a new page (the first page is the report's header and the first
    objective). A closed period shows each objective's outcome and no pace.
    """
    from okrkit import charts

    obj = r.objectives
    if r.is_company:
        obj = obj[obj["n_key_results"] > 0]
    closed = r.card.closed
    out = []
    for o in obj.to_dict("records"):
        final = ""
        if not pd.isna(o["score_override"]):
            final = (f" · final score {badge(o['final_score'], o['final_band'], r.policy)} "
                     f"(override: {esc(o['override_reason'], DASH)})")
        pace = ("" if closed else
                f" · expected {num(o['expected'])} · pace {num(o['pace'], signed=True)}")
        rows = r.key_results[r.key_results["objective_id"] == o["objective_id"]]
        body = ""
        if len(rows):
            body = kr_table_html(r, rows) + charts.svg_html(
                charts.kr_progress_chart(rows, policy=r.policy))
        out.append(
            f'<section class="okr-objective"><h3>{esc(o["objective_id"])} · '
            f"{esc(o['title'])}</h3>"
            f'<p class="meta">{esc(o["kind"])} · owner {esc(o["owner"], DASH)} · score '
            f"{badge(o['score'], o['band'], r.policy)}{pace} · {status_html(o['status'])}"
            f"{esc(_forecast_text(r, o['objective_id']))}{final}</p>{body}</section>")
    return _section("Objectives and key results", "".join(out), printed=True)


def changes_html(r: ReportData) -> str:
    """What changed since the previous check-in date."""
    title = "Since the previous check-in"
    if r.previous_date is None:
        return _section(title, _muted("Only one check-in date so far: nothing to compare."))
    view = r.changes.assign(status=[f"{status_html(a)} → {status_html(b)}" for a, b in
                                    zip(r.changes["status_before"], r.changes["status_now"],
                                        strict=True)])
    signed = {"change": lambda v: num(v, signed=True)}
    body = table_html(
        view, {"kr_id": "KR", "title": "key result", "score_before": "score then",
               "score_now": "now", "change": "change", "status": "status"},
        formats={"score_before": num, "score_now": num, **signed}, markup={"status"},
        numeric={"score_before", "score_now", "change"}, empty="No score or status changed.",
        inline=False)
    return _section(title, f'<p class="meta">{r.previous_date:%d %b %Y} → '
                           f"{r.as_of:%d %b %Y}</p>{body}")


def notes_html(r: ReportData) -> str:
    """Blockers, achievements and notes from the latest check-ins (newest first)."""
    parts = []
    for field, label in (("blockers", "Blockers"), ("achievements", "Achievements"),
                         ("note", "Notes")):
        rows = r.notes[field]
        items = "".join(f"<li>{d:%d %b} · {esc(k)}: {esc(t)}</li>"
                        for k, d, t in zip(rows["kr_id"], rows["date"], rows["text"],
                                           strict=True))
        parts.append(f"<h3>{label}</h3>" + (f"<ul>{items}</ul>" if items
                                             else _muted("None recorded.")))
    return _section("Blockers and achievements", "".join(parts))


def forecast_html(r: ReportData) -> str:
    """Expected final score and P(score >= green) per objective."""
    title = "Forecast to the end of the period"
    if r.forecast is None:
        why = ("the period has ended: the scores above are final" if r.as_of >= r.period.end
               else "no forecast available")
        return _section(title, _muted(f"{why}."))
    p = r.policy
    view = r.forecast.assign(score=[badge(v, policy=p) for v in r.forecast["score"]],
                             expected_score=[badge(v, policy=p)
                                             for v in r.forecast["expected_score"]])
    body = table_html(
        view, {"objective_id": "objective", "title": "title", "score": "score now",
               "expected_score": "expected final", "p_score_07": f"P(score ≥ {p.green_from:g})"},
        formats={"p_score_07": lambda v: DASH if pd.isna(v) else f"{float(v):.0%}"},
        markup={"score", "expected_score"}, numeric={"p_score_07"}, inline=False)
    return _section(title, f'<p class="meta">Trend plus a Monte Carlo over the observed '
                           f"changes between check-ins ({r.simulations} simulations, seed "
                           f"{r.seed}).</p>{body}")


def review_html(r: ReportData) -> str:
    """Lessons learned and next actions from the retrospective, if recorded."""
    title = "Retrospective"
    if not len(r.reviews):
        return _section(title, _muted("No retrospective recorded for this period yet."))
    titles = dict(zip(r.card.objectives["objective_id"], r.card.objectives["title"],
                      strict=True))
    parts = []
    for v in r.reviews.to_dict("records"):
        parts.append(f"<h3>{esc(v['objective_id'])} · "
                     f"{esc(titles.get(v['objective_id']), DASH)}</h3>")
        for col, label in (("lessons", "Lessons learned"), ("next_actions", "Next actions")):
            if isinstance(v[col], str) and v[col].strip():
                items = "".join(f"<li>{esc(x.strip())}</li>" for x in v[col].splitlines()
                                if x.strip())
                parts.append(f"<p><b>{label}</b></p><ul>{items}</ul>")
    return _section(title, "".join(parts))


def hierarchy_html(r: ReportData) -> str:
    """The alignment tree company → business unit → project with roll-up scores."""
    return _section("Alignment and roll-up",
                    alignment_tree_html(r.card.objectives, policy=r.policy), printed=True)


def calibration_section(r: ReportData) -> str:
    """The calibration verdict of the report's objectives and the table per team."""
    return _section("Calibration", calibration_html(
        r.calibration, r.policy, groups=r.calibration_groups, inline=False))


def confidence_section(r: ReportData) -> str:
    """How well the confidences forecast the outcomes of the last closed quarters (and,
    in the company report, the forecast's own track record)."""
    from okrkit.calibration_view import confidence_html, track_record_html

    title = "How well we know ourselves: confidence calibration"
    if r.confidence is None:
        return _section(title, _muted("Not gathered for this report."))
    body = confidence_html(r.confidence, inline=False)
    if r.is_company:
        body += "<h3>The forecast's track record</h3>" + track_record_html(r.confidence.track)
    return _section(title, body)


def risks_html(r: ReportData, limit: int = 10) -> str:
    """At-risk key results (lowest score first, with the reason) and stale key results."""
    p = r.policy
    risk = r.at_risk.head(limit)
    risk = risk.assign(score=[badge(v, policy=p) for v in risk["score"]])
    risks = table_html(
        risk, {"kr_id": "KR", "team": "team", "title": "key result", "score": "score",
               "pace": "pace", "confidence": "confidence", "last_checkin": "last check-in",
               "reason": "why"},
        formats={"pace": lambda v: num(v, signed=True), "confidence": num},
        markup={"score"}, numeric={"pace", "confidence"}, empty="None.", inline=False)
    stale = table_html(
        r.stale, {"kr_id": "KR", "team": "team", "title": "key result",
                  "last_checkin": "last check-in", "days_silent": "days silent",
                  "status": "status"},
        formats={"days_silent": str}, numeric={"days_silent"}, empty="None.", inline=False)
    return (f'<div class="okr"><h2>Top risks</h2>{risks}'
            "<h2>Stale key results (no check-in for more than the cadence)</h2>"
            f"{stale}</div>")


def charts_html(r: ReportData, which: tuple[str, ...] | None = None) -> str:
    """The report's charts as inline SVG (no script, no network), in the report's bands."""
    from okrkit import charts

    p = r.policy
    made: list[tuple[str, Any]] = []
    if r.is_company:
        made.append(("Objective scores week by week", charts.score_weeks(r.weekly, policy=p)))
        made.append(("Calibration per team", charts.calibration_chart(r.calibration_groups,
                                                                      policy=p)))
        made.append(("Score distribution (objectives)",
                     charts.score_distribution(r.objectives, policy=p)))
    else:
        krs = r.key_results  # each objective's score chart is in its own section
        made.append(("Burn-up against the expected pace",
                     charts.burnup_chart(krs, r.checkins, r.period, r.as_of, r.plan)))
        made.append(("Check-in timeline", charts.checkin_timeline(r.checkins, krs)))
        made.append(("Score distribution (key results)",
                     charts.score_distribution(krs, policy=p)))
    parts = [f"<h3>{esc(title)}</h3>{charts.svg_html(chart)}" for title, chart in made
             if which is None or title in which]
    return _section("Charts", "".join(parts))

"""The content of the quarterly report, as HTML fragments built from the store.

The report notebook (``notebooks/quarterly_report.ipynb``) stays thin: it calls
:func:`build` once and displays the sections below. Everything people typed (titles,
owners, notes, blockers) goes through :func:`html.escape` here, so a title such as
``<script>alert(1)</script>`` stays text in the report.

Every section is a pure function of the data (no clocks, no random ids), so a report
rendered in a batch equals the same report rendered alone.
"""

from __future__ import annotations

import datetime as dt
import html
import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from okrkit.errors import ReportError
from okrkit.frames import Plan
from okrkit.period import Period
from okrkit.scoring import Scorecard, band, calibration, resolve_as_of, score, team_rollup

COMPANY = "company"

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
.okr .status-at-risk{color:#cf222e;font-weight:600}.okr .status-complete{color:#1a7f37}
.okr ul.tree{list-style:none;padding-left:1.2em}.okr ul.tree>li{margin:.15em 0}
.okr td:first-child,.okr [class^="status-"]{white-space:nowrap}.okr .muted{color:#8c959f}.okr figure.okr-chart{margin:.5em 0 1.2em}
.okr figure.okr-chart svg{max-width:100%;height:auto}
</style>
"""


def esc(value: Any) -> str:
    """Text for HTML: escaped; missing values as an em dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return html.escape(str(value), quote=True)


def num(value: Any, digits: int = 2, signed: bool = False) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return "—"
    return f"{float(value):+.{digits}f}" if signed else f"{float(value):.{digits}f}"


def badge(value: Any, band_name: Any = None) -> str:
    b = band_name if isinstance(band_name, str) else (band(value) if not pd.isna(value) else None)
    return f'<span class="badge {b or "none"}">{num(value)}</span>'


def status_html(status: Any) -> str:
    s = esc(status)
    cls = str(status).lower().replace(" ", "-") if isinstance(status, str) else "none"
    return f'<span class="status-{cls}">{s}</span>'


@dataclass
class ReportData:
    """Everything one report shows."""

    period: Period
    team: str | None
    as_of: dt.date
    plan: Plan
    checkins: pd.DataFrame
    card: Scorecard
    previous: Scorecard | None
    previous_date: dt.date | None
    forecast: Any = None
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def is_company(self) -> bool:
        return self.team is None

    @property
    def title(self) -> str:
        who = "Company" if self.is_company else f"Team {self.team}"
        return f"{who} — OKR report {self.period.label}"

    def team_objectives(self) -> pd.DataFrame:
        obj = self.card.objectives
        return obj if self.is_company else obj[obj["team"] == self.team]

    def team_key_results(self) -> pd.DataFrame:
        krs = self.card.key_results
        return krs if self.is_company else krs[krs["team"] == self.team]

    def team_checkins(self) -> pd.DataFrame:
        ids = set(self.team_key_results()["kr_id"])
        ck = self.checkins
        ck = ck[ck["kr_id"].isin(ids)]
        return ck[[d <= self.as_of for d in ck["date"]]] if len(ck) else ck


def team_scores(card: Scorecard) -> pd.DataFrame:
    """One row per team: its top objectives' weighted score, band and risk counts.

    A team's score is the weighted mean of its objectives whose parent belongs to another
    team (its contribution to the hierarchy), the same roll-up rule as everywhere.
    """
    obj = card.objectives
    krs = card.key_results
    rolled = team_rollup(obj).set_index("team")["score"]
    rows = []
    for team, g in obj.groupby("team", sort=True):
        s = float(rolled[team])
        k = krs[krs["team"] == team]
        owner = g["owner"].dropna()
        rows.append({
            "team": team, "owner": owner.iloc[0] if len(owner) else None,
            "levels": ", ".join(sorted(set(g["level"]))), "n_objectives": len(g),
            "n_key_results": len(k), "score": s, "band": band(s) if not math.isnan(s) else None,
            "at_risk": int((k["status"] == "At Risk").sum()), "stale": int(k["stale"].sum()),
        })
    return pd.DataFrame(rows, columns=["team", "owner", "levels", "n_objectives",
                                       "n_key_results", "score", "band", "at_risk", "stale"])


def build(period: str, team: str | None = None, db: str | None = None,
          as_of: Any = None, *, store: Any = None, with_forecast: bool = True) -> ReportData:
    """Load a period from the store and compute everything the report shows.

    ``team`` ``None`` (or ``"company"``) is the company report. Raises
    :class:`~okrkit.errors.ReportError` naming the parameter when the period or team
    does not exist.
    """
    from okrkit.store import open_store

    team = None if team in (None, "", COMPANY) else str(team)
    own = store is None
    st = open_store(db) if own else store
    try:
        periods = st.periods()
        if str(period) not in periods:
            raise ReportError(
                f"report parameter 'period': no plan for {period!r} in the store "
                f"(periods: {', '.join(periods) or 'none'})"
            )
        plan = st.load_plan(str(period))
        checkins = st.checkins(period=str(period))
    finally:
        if own:
            st.close()
    if team is not None and team not in plan.teams:
        raise ReportError(
            f"report parameter 'team': no team {team!r} in {period} "
            f"(teams: {', '.join(plan.teams)})"
        )
    day = resolve_as_of(plan.period, as_of)
    card = score(plan, checkins, as_of=day)
    ids = set(card.key_results["kr_id"] if team is None
              else card.key_results.loc[card.key_results["team"] == team, "kr_id"])
    dates = sorted({d for k, d in zip(checkins["kr_id"], checkins["date"], strict=True)
                    if k in ids and d <= day})
    prev_date = dates[-2] if len(dates) >= 2 else None
    previous = score(plan, checkins, as_of=prev_date) if prev_date else None
    fc = None
    if with_forecast:
        try:
            from okrkit.forecasting import forecast as _forecast
        except ImportError:  # the forecast module is optional for reports
            _forecast = None
        if _forecast is not None and day < plan.period.end:
            fc = _forecast(plan, checkins, as_of=day, simulations=2000, seed=0)
    return ReportData(plan.period, team, day, plan, checkins, card, previous, prev_date, fc)


# ---------------------------------------------------------------------------
# sections


def header_html(r: ReportData) -> str:
    obj = r.team_objectives()
    krs = r.team_key_results()
    if r.is_company:
        overall, owner = r.card.overall, _owner(obj[obj["level"] == "company"])
    else:
        ts = team_scores(r.card).set_index("team")
        overall, owner = ts.loc[r.team, "score"], ts.loc[r.team, "owner"]
    p = r.period
    done = r.as_of >= p.end
    state = "final scores" if done else f"{p.elapsed_share(r.as_of):.0%} of the period elapsed"
    counts = krs["status"].value_counts()
    parts = [f"{counts.get(s, 0)} {s}" for s in ("Complete", "In Progress", "At Risk",
                                                 "Not Started") if counts.get(s, 0)]
    return (
        f'{CSS}<div class="okr"><h1>{esc(r.title)}</h1>'
        f'<p class="meta">{esc(p.label)} ({p.start:%d %b %Y} – {p.end:%d %b %Y}) · as of '
        f"{r.as_of:%d %b %Y} ({state}) · owner {esc(owner)}</p>"
        f'<p><span class="big">{num(overall)}</span>{badge(overall)} overall score · '
        f"{len(obj)} objectives · {len(krs)} key results · {esc(', '.join(parts))}</p></div>"
    )


def _owner(obj: pd.DataFrame) -> Any:
    owners = obj["owner"].dropna()
    return owners.iloc[0] if len(owners) else None


def objectives_html(r: ReportData) -> str:
    """Each objective with its key results: score, band, progress vs expected, status."""
    obj = r.team_objectives()
    krs = r.team_key_results()
    if r.is_company:
        obj = obj[obj["n_key_results"] > 0]
    out = ['<div class="okr"><h2>Objectives and key results</h2>']
    for o in obj.to_dict("records"):
        final = ""
        if not pd.isna(o["score_override"]):
            final = (f' · final score {badge(o["final_score"], o["final_band"])} '
                     f"(override: {esc(o['override_reason'])})")
        out.append(
            f"<h3>{esc(o['objective_id'])} · {esc(o['title'])}</h3>"
            f'<p class="meta">{esc(o["kind"])} · owner {esc(o["owner"])} · score '
            f"{badge(o['score'], o['band'])} · expected {num(o['expected'])} · pace "
            f"{num(o['pace'], signed=True)} · {status_html(o['status'])}{final}</p>"
        )
        rows = krs[krs["objective_id"] == o["objective_id"]]
        if not len(rows):
            continue
        out.append("<table><thead><tr><th>KR</th><th>key result</th><th>baseline → target</th>"
                   "<th>latest</th><th>progress</th><th>expected</th><th>score</th>"
                   "<th>status</th><th>confidence</th></tr></thead><tbody>")
        for k in rows.to_dict("records"):
            unit = f" {k['unit']}" if isinstance(k["unit"], str) and k["unit"] else ""
            rng = (f"{_n(k['baseline'])} → {_n(k['target'])}{unit}"
                   if k["direction"] in ("increase", "decrease")
                   else f"{esc(k['direction']).replace('_', ' ')} {_n(k['target'])}{unit}")
            out.append(
                f"<tr><td>{esc(k['kr_id'])}</td><td>{esc(k['title'])}</td><td>{esc(rng)}</td>"
                f'<td class="num">{esc(_n(k["value"]))}</td>'
                f'<td class="num">{num(k["progress"])}</td>'
                f'<td class="num">{num(k["expected"])}</td>'
                f"<td>{badge(k['score'], k['band'])}</td>"
                f"<td>{status_html(k['status'])}{' (stale)' if k['stale'] else ''}</td>"
                f'<td class="num">{num(k["confidence"])}</td></tr>'
            )
        out.append("</tbody></table>")
    out.append("</div>")
    return "".join(out)


def _n(v: Any) -> str:
    if v is None or pd.isna(v):
        return "—"
    f = float(v)
    return f"{f:,.0f}" if f.is_integer() else f"{f:,.4g}"


def changes_html(r: ReportData) -> str:
    """What changed since the previous check-in date."""
    head = '<div class="okr"><h2>Since the previous check-in</h2>'
    if r.previous is None:
        return head + '<p class="muted">Only one check-in date so far: nothing to compare.</p></div>'
    now = r.team_key_results().set_index("kr_id")
    before = r.previous.key_results.set_index("kr_id").reindex(now.index)
    delta = (now["score"] - before["score"]).round(6)
    moved = now[(delta != 0) | (now["status"] != before["status"])]
    rows = []
    for kid, k in moved.iterrows():
        rows.append(
            f"<tr><td>{esc(kid)}</td><td>{esc(k['title'])}</td>"
            f'<td class="num">{num(before.loc[kid, "score"])}</td><td class="num">'
            f'{num(k["score"])}</td><td class="num">{num(delta[kid], signed=True)}</td>'
            f"<td>{status_html(before.loc[kid, 'status'])} → {status_html(k['status'])}</td></tr>"
        )
    body = (
        "<table><thead><tr><th>KR</th><th>key result</th><th>score then</th><th>now</th>"
        "<th>change</th><th>status</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
        if rows else '<p class="muted">No score or status changed.</p>'
    )
    return (f"{head}<p class=\"meta\">{r.previous_date:%d %b %Y} → {r.as_of:%d %b %Y}</p>"
            f"{body}</div>")


def notes_html(r: ReportData, limit: int = 12) -> str:
    """Blockers and achievements from the latest check-ins (newest first)."""
    ck = r.team_checkins()
    parts = ['<div class="okr"><h2>Blockers and achievements</h2>']
    for col, label in (("blockers", "Blockers"), ("achievements", "Achievements"),
                       ("note", "Notes")):
        rows = ck[ck[col].notna()] if len(ck) else ck
        if not len(rows):
            parts.append(f'<h3>{label}</h3><p class="muted">None recorded.</p>')
            continue
        rows = rows.sort_values(["date", "kr_id"], ascending=[False, True])
        seen: set[tuple[str, str]] = set()
        items = []
        for k, d, text in zip(rows["kr_id"], rows["date"], rows[col], strict=True):
            if (k, text) in seen:
                continue
            seen.add((k, text))
            items.append(f"<li>{d:%d %b} · {esc(k)}: {esc(text)}</li>")
            if len(items) >= limit:
                break
        parts.append(f"<h3>{label}</h3><ul>{''.join(items)}</ul>")
    parts.append("</div>")
    return "".join(parts)


def forecast_html(r: ReportData) -> str:
    head = '<div class="okr"><h2>Forecast to the end of the period</h2>'
    if r.forecast is None:
        why = ("the period has ended: the scores above are final" if r.as_of >= r.period.end
               else "no forecast available")
        return f'{head}<p class="muted">{esc(why)}.</p></div>'
    fo = r.forecast.objectives.set_index("objective_id")
    obj = r.team_objectives()
    rows = []
    for o in obj.to_dict("records"):
        if o["objective_id"] not in fo.index or pd.isna(o["score"]):
            continue
        f = fo.loc[o["objective_id"]]
        rows.append(
            f"<tr><td>{esc(o['objective_id'])}</td><td>{esc(o['title'])}</td>"
            f"<td>{badge(o['score'], o['band'])}</td><td>{badge(f['expected_score'])}</td>"
            f'<td class="num">{f["p_score_07"]:.0%}</td></tr>'
        )
    sims = getattr(r.forecast, "simulations", None)
    return (
        f"{head}<p class=\"meta\">Trend plus a Monte Carlo over the observed changes between "
        f"check-ins ({esc(sims)} simulations, seed {esc(getattr(r.forecast, 'seed', 0))}).</p>"
        "<table><thead><tr><th>objective</th><th>title</th><th>score now</th>"
        "<th>expected final</th><th>P(score ≥ 0.7)</th></tr></thead><tbody>"
        + "".join(rows) + "</tbody></table></div>"
    )


def review_html(r: ReportData) -> str:
    """Lessons learned and next actions from the retrospective, if recorded."""
    rev = r.plan.reviews
    ids = set(r.team_objectives()["objective_id"])
    rev = rev[rev["objective_id"].isin(ids)]
    rev = rev[rev["lessons"].notna() | rev["next_actions"].notna()]
    head = '<div class="okr"><h2>Retrospective</h2>'
    if not len(rev):
        return f'{head}<p class="muted">No retrospective recorded for this period yet.</p></div>'
    parts = [head]
    titles = dict(zip(r.card.objectives["objective_id"], r.card.objectives["title"], strict=True))
    for v in rev.to_dict("records"):
        parts.append(f"<h3>{esc(v['objective_id'])} · {esc(titles.get(v['objective_id']))}</h3>")
        for col, label in (("lessons", "Lessons learned"), ("next_actions", "Next actions")):
            if isinstance(v[col], str) and v[col].strip():
                items = "".join(f"<li>{esc(x.strip())}</li>" for x in v[col].splitlines()
                                if x.strip())
                parts.append(f"<p><b>{label}</b></p><ul>{items}</ul>")
    parts.append("</div>")
    return "".join(parts)


def hierarchy_html(r: ReportData) -> str:
    """The alignment tree company → business unit → project with roll-up scores."""
    obj = r.card.objectives
    kids: dict[Any, list[dict[str, Any]]] = {}
    ids = set(obj["objective_id"])
    for o in obj.to_dict("records"):
        parent = o["parent_id"] if o["parent_id"] in ids else None
        kids.setdefault(parent, []).append(o)

    def walk(parent: Any, depth: int) -> str:
        items = []
        for o in kids.get(parent, []):
            items.append(
                f"<li>{badge(o['score'], o['band'])} <b>{esc(o['objective_id'])}</b> "
                f"{esc(o['title'])} <span class=\"muted\">· {esc(o['level'])} · "
                f"{esc(o['team'])}</span> {status_html(o['status'])}"
                f"{walk(o['objective_id'], depth + 1)}</li>"
            )
        return f'<ul class="tree">{"".join(items)}</ul>' if items else ""

    return f'<div class="okr"><h2>Alignment and roll-up</h2>{walk(None, 0)}</div>'


def calibration_html(r: ReportData) -> str:
    cal = r.card.calibration(by="team")
    allc = calibration(r.team_objectives()["score"].dropna(), r.team_objectives()["kind"])
    rows = "".join(
        f"<tr><td>{esc(c['group'])}</td><td class=\"num\">{c['n']}</td>"
        f"<td>{badge(c['mean'])}</td><td>{esc(c['verdict'])}</td>"
        f"<td>{esc(c['committed_misses'] or '—')}</td></tr>"
        for c in cal.to_dict("records")
        if r.is_company or c["group"] == r.team
    )
    return (
        '<div class="okr"><h2>Calibration</h2><p class="meta">The seed\'s guide: an average of '
        "0.7–0.8 is ideal, below 0.5 concerning, above 0.9 too easy; committed objectives are "
        f"expected at 1.0. This report: mean {num(allc.mean)} → <b>{esc(allc.verdict)}</b>.</p>"
        "<table><thead><tr><th>team</th><th>objectives</th><th>mean score</th><th>verdict</th>"
        f"<th>committed below 1.0</th></tr></thead><tbody>{rows}</tbody></table></div>"
    )


def risks_html(r: ReportData, limit: int = 10) -> str:
    """At-risk key results (furthest behind pace first) and stale key results."""
    krs = r.team_key_results()
    risk = krs[krs["status"] == "At Risk"].sort_values(["pace", "kr_id"]).head(limit)
    stale = krs[krs["stale"]].sort_values(["last_checkin", "kr_id"], na_position="first")

    def table(rows: pd.DataFrame) -> str:
        if not len(rows):
            return '<p class="muted">None.</p>'
        body = "".join(
            f"<tr><td>{esc(k['kr_id'])}</td><td>{esc(k['team'])}</td><td>{esc(k['title'])}</td>"
            f"<td>{badge(k['score'], k['band'])}</td><td class=\"num\">"
            f"{num(k['pace'], signed=True)}</td><td class=\"num\">{num(k['confidence'])}</td>"
            f"<td>{esc(k['last_checkin'])}</td></tr>"
            for k in rows.to_dict("records")
        )
        return ("<table><thead><tr><th>KR</th><th>team</th><th>key result</th><th>score</th>"
                "<th>pace</th><th>confidence</th><th>last check-in</th></tr></thead><tbody>"
                f"{body}</tbody></table>")

    return (f'<div class="okr"><h2>Top risks</h2>{table(risk)}'
            f"<h2>Stale key results (no check-in for more than the cadence)</h2>"
            f"{table(stale)}</div>")


def charts_html(r: ReportData, which: tuple[str, ...] | None = None) -> str:
    """The report's charts as inline SVG (no script, no network)."""
    from okrkit import charts

    krs = r.team_key_results()
    obj = r.team_objectives()
    made: list[tuple[str, Any]] = []
    if r.is_company:
        made.append(("Objective scores by team", charts.heatmap(r.card.objectives)))
        made.append(("Calibration per team", charts.calibration_chart(r.card.calibration("team"))))
        made.append(("Score distribution (objectives)", charts.score_distribution(obj)))
    else:
        made.append(("Key results: score, expected pace (tick) and target (1.0)",
                     charts.kr_progress_chart(krs)))
        made.append(("Burn-up against the expected pace",
                     charts.burnup_chart(krs, r.team_checkins(), r.period, r.as_of)))
        made.append(("Check-in timeline", charts.checkin_timeline(r.team_checkins(), krs)))
        made.append(("Score distribution (key results)", charts.score_distribution(krs)))
    parts = ['<div class="okr"><h2>Charts</h2>']
    for title, chart in made:
        if which is None or title in which:
            parts.append(f"<h3>{esc(title)}</h3>{charts.svg_html(chart)}")
    parts.append("</div>")
    return "".join(parts)

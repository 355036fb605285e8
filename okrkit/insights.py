"""What a scorecard says, for people: changes, movers, risks, team scores, forecasts.

Pure functions over scorecards (:class:`okrkit.scoring.Scorecard`) and check-ins, shared
by the apps, the reports and scripts; none imports ipywidgets.

* :func:`month_change` — score at ``as_of`` against ``days`` earlier, per objective or
  per team;
* :func:`movers` — the progress change per key result since a date (the scoring rules of
  :mod:`okrkit.rules` at both dates); :func:`weekly_summary` — the weekly update;
* :func:`kr_changes` — key results whose score or status changed between two scorecards;
* :func:`at_risk_list`, :func:`stale_list` — the key results to talk about; the reason is
  the status rule's own (``why``, :func:`okrkit.pacing.derive_status`);
* :func:`latest_notes` — the latest blockers, achievements or notes;
  :func:`recent_checkins` — each key result's last three check-ins;
* :func:`weekly_scores` — each objective's score week by week (the monthly review's
  and the company report's chart); :func:`team_status` — status counts per team;
* :func:`team_scores` (one row per team), :func:`team_view` (one team's key results and
  objectives), :func:`team_calibration` (the scorecard's rule: final, projected or none
  yet), :func:`status_line`;
* :func:`forecast_table`, :func:`suggestions_table` — the forecast per objective and the
  targets a goal score would need.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from okrkit import rules
from okrkit.errors import OKRKitError
from okrkit.frames import OUTCOMES, Plan, conform, is_blank
from okrkit.htmlkit import esc, num, status_html, status_text
from okrkit.period import as_date
from okrkit.scoring import (
    Calibration,
    Scorecard,
    ScoringPolicy,
    band,
    resolve_as_of,
    score,
    team_rollup,
)
from okrkit.whatif import score_diff, suggest_targets

if TYPE_CHECKING:
    from okrkit.forecasting import Forecast

CHANGE_COLUMNS = ["objective_id", "team", "title", "level", "before", "score_before",
                  "score_now", "change", "band_now", "status_now"]
TEAM_CHANGE_COLUMNS = ["team", "n_objectives", "before", "score_before", "score_now", "change"]
MOVER_COLUMNS = ["kr_id", "title", "unit", "before", "now", "change"]
KR_CHANGE_COLUMNS = ["kr_id", "title", "score_before", "score_now", "change", "status_before",
                     "status_now"]
AT_RISK_COLUMNS = ["team", "kr_id", "title", "score", "pace", "confidence", "last_checkin",
                   "reason"]
STALE_COLUMNS = ["team", "kr_id", "title", "last_checkin", "days_silent", "status"]
TEAM_COLUMNS = ["team", "owner", "levels", "n_objectives", "n_key_results", "score", "band",
                "at_risk", "stale"]
#: The order statuses are counted in (open periods; closed ones have outcomes).
STATUS_ORDER = ("Complete", "In Progress", "At Risk", "Not Started")
FORECAST_COLUMNS = ["objective_id", "title", "score", "expected_score", "p_score_07"]
HISTORY_COLUMNS = ["date", "value", "confidence", "note", "author"]
WEEKLY_COLUMNS = ["objective_id", "team", "title", "date", "score", "band", "status"]


#: The window of :func:`month_change` ("change since last month"), in days.
MONTH_DAYS = 30


def month_change(
    plan: Plan,
    checkins: pd.DataFrame | None,
    as_of: Any,
    *,
    days: int = MONTH_DAYS,
    by: str = "objective",
    policy: ScoringPolicy | None = None,
) -> pd.DataFrame:
    """Score at ``as_of`` against the score ``days`` earlier.

    ``by="objective"`` (``CHANGE_COLUMNS``, plan order): every objective with a score.
    ``by="team"`` (``TEAM_CHANGE_COLUMNS``): each team's weighted mean over its top
    objectives. ``before`` is the earlier date; before the period started every score is 0.
    """
    _check_by(by)
    day = resolve_as_of(plan.period, as_of)
    earlier = day - dt.timedelta(days=days)
    return change_table(score(plan, checkins, day, policy), score(plan, checkins, earlier, policy),
                        by)


def _check_by(by: str) -> None:
    if by not in ("objective", "team"):
        raise OKRKitError(f"by must be 'objective' or 'team', not {by!r}")


def change_table(now: Scorecard, then: Scorecard, by: str = "objective") -> pd.DataFrame:
    """:func:`month_change`'s table from the two scorecards (``before`` is ``then.as_of``),
    for a caller that already scored them (one scoring serves both ``by``)."""
    _check_by(by)
    earlier = then.as_of
    if by == "team":
        a, b = team_rollup(then.objectives), team_rollup(now.objectives)
        out = pd.DataFrame({"team": b["team"], "n_objectives": b["n_objectives"],
                            "before": [earlier] * len(b),
                            "score_before": a["score"].to_numpy(),
                            "score_now": b["score"].to_numpy()})
        out["change"] = out["score_now"] - out["score_before"]
        return out[out["n_objectives"] > 0].reset_index(drop=True)[TEAM_CHANGE_COLUMNS]
    o = now.objectives
    out = pd.DataFrame({"objective_id": o["objective_id"], "team": o["team"],
                        "title": o["title"], "level": o["level"], "before": [earlier] * len(o),
                        "score_before": then.objectives["score"].to_numpy(),
                        "score_now": o["score"].to_numpy(), "band_now": o["band"],
                        "status_now": o["status"]})
    out["change"] = out["score_now"] - out["score_before"]
    return out[out["score_now"].notna()].reset_index(drop=True)[CHANGE_COLUMNS]


def movers(card: Scorecard, checkins: pd.DataFrame | None, since: Any) -> pd.DataFrame:
    """Progress change per key result between ``since`` and ``card.as_of``, largest first.

    Progress at each date is the scoring rule's (:func:`okrkit.rules.kr_progress` over
    :func:`okrkit.rules.effective_checkins`): a key result without a check-in by ``since``
    starts at 0. Columns ``MOVER_COLUMNS``: ``before`` / ``now`` are the latest values
    (``before`` NaN when there was none), ``change`` is in progress points. Key results
    without a check-in after ``since`` are left out.
    """
    since_day = as_date(since)
    krs = card.key_results
    if checkins is None or not len(checkins) or since_day is None or not len(krs):
        return pd.DataFrame(columns=MOVER_COLUMNS)
    args = (krs["direction"].to_numpy(dtype=object), krs["baseline"].to_numpy(dtype="float64"),
            krs["target"].to_numpy(dtype="float64"))
    now = rules.kr_progress(*args, rules.effective_checkins(krs, checkins, card.period,
                                                            card.as_of))
    then = rules.kr_progress(*args, rules.effective_checkins(
        krs, checkins, card.period, min(since_day, card.as_of)))
    moved = np.flatnonzero(now.count > then.count)
    out = pd.DataFrame({
        "kr_id": krs["kr_id"].to_numpy(dtype=object)[moved],
        "title": krs["title"].to_numpy(dtype=object)[moved],
        "unit": krs["unit"].to_numpy(dtype=object)[moved],
        "before": then.value[moved],
        "now": now.value[moved],
        "change": now.progress[moved] - then.progress[moved],
    }, columns=MOVER_COLUMNS)
    order = np.argsort(-np.abs(out["change"].fillna(0).to_numpy()), kind="stable")
    return out.iloc[order].reset_index(drop=True)


def kr_changes(now: Scorecard, before: Scorecard | None) -> pd.DataFrame:
    """Key results of ``now`` whose score or status differs in ``before`` (``KR_CHANGE_COLUMNS``).

    The score difference is :func:`okrkit.whatif.score_diff`'s (float noise is no change).
    """
    if before is None:
        return pd.DataFrame(columns=KR_CHANGE_COLUMNS)
    krs = now.key_results
    prev = before.key_results.drop_duplicates("kr_id").set_index("kr_id").reindex(krs["kr_id"])
    diff = score_diff(prev.reset_index(), krs, "kr_id")
    status_before = prev["status"].to_numpy(dtype=object)
    out = pd.DataFrame({"kr_id": krs["kr_id"].to_numpy(dtype=object),
                        "title": krs["title"].to_numpy(dtype=object),
                        "score_before": diff["score_before"].to_numpy(),
                        "score_now": diff["score_after"].to_numpy(),
                        "change": diff["delta"].to_numpy(),
                        "status_before": status_before,
                        "status_now": krs["status"].to_numpy(dtype=object)})
    moved = (out["change"].fillna(0) != 0) | (out["status_before"] != out["status_now"])
    return out[moved.to_numpy()].reset_index(drop=True)[KR_CHANGE_COLUMNS]


def at_risk_list(card: Scorecard) -> pd.DataFrame:
    """The At Risk key results with the reason (``AT_RISK_COLUMNS``), lowest score first.

    The reason is the status rule's own words (the scorecard's ``why`` column).
    """
    krs = card.key_results
    risky = krs[krs["status"] == "At Risk"]
    out = pd.DataFrame({c: risky[c].to_numpy() for c in AT_RISK_COLUMNS[:-1]},
                       columns=AT_RISK_COLUMNS)
    out["reason"] = [w if isinstance(w, str) else "" for w in risky["why"]]
    if out.empty:
        return out
    return out.sort_values(["score", "team", "kr_id"], kind="stable").reset_index(drop=True)


def stale_list(card: Scorecard) -> pd.DataFrame:
    """Key results without a check-in for longer than the cadence (``STALE_COLUMNS``).

    ``days_silent`` counts from the last check-in, or from the period start if none.
    Complete key results are left out: nothing more is expected of them.
    """
    krs = card.key_results
    stale = krs[krs["stale"].astype(bool) & (krs["status"] != "Complete")]
    last = [d if isinstance(d, dt.date) else None for d in stale["last_checkin"]]
    out = pd.DataFrame({
        "team": stale["team"].to_numpy(dtype=object),
        "kr_id": stale["kr_id"].to_numpy(dtype=object),
        "title": stale["title"].to_numpy(dtype=object),
        "last_checkin": pd.Series(last, dtype=object),
        "days_silent": [(card.as_of - (d or card.period.start)).days for d in last],
        "status": stale["status"].to_numpy(dtype=object),
    }, columns=STALE_COLUMNS)
    if out.empty:
        return out
    return out.sort_values(["days_silent", "team", "kr_id"], ascending=[False, True, True],
                           kind="stable").reset_index(drop=True)


def latest_notes(checkins: pd.DataFrame, field: str, limit: int = 12) -> pd.DataFrame:
    """The latest texts of one check-in field (``note``, ``blockers``, ``achievements``).

    Newest first (then by key result); a text repeated for the same key result is shown
    once, at its latest date. Columns: kr_id, date, text.
    """
    rows = checkins[[not is_blank(v) for v in checkins[field]]] if len(checkins) else checkins
    if not len(rows):
        return pd.DataFrame(columns=["kr_id", "date", "text"])
    rows = rows.sort_values(["date", "kr_id"], ascending=[False, True], kind="stable")
    out = pd.DataFrame({"kr_id": rows["kr_id"].to_numpy(dtype=object),
                        "date": rows["date"].to_numpy(dtype=object),
                        "text": rows[field].to_numpy(dtype=object)})
    return out.drop_duplicates(["kr_id", "text"]).head(limit).reset_index(drop=True)


def week_ends(period: Any, as_of: dt.date, every: int = 7) -> list[dt.date]:
    """The dates a week-by-week view scores at: every ``every`` days from the period's
    first week, up to ``as_of`` (clipped into the period), which is always the last."""
    day = min(max(as_of, period.start), period.end)
    out = []
    cur = period.start + dt.timedelta(days=every - 1)
    while cur < day:
        out.append(cur)
        cur += dt.timedelta(days=every)
    return [*out, day]


def weekly_scores(plan: Plan, checkins: pd.DataFrame | None, as_of: Any, *,
                  policy: ScoringPolicy | None = None, every: int = 7) -> pd.DataFrame:
    """Each objective's score at the end of every week so far (``WEEKLY_COLUMNS``).

    What a monthly review reads across: which objectives move, which are stuck. Each
    column is the scorecard at that date (:func:`okrkit.scoring.score`, the same rules as
    everywhere); the last one is ``as_of`` (the period end once it is closed, where the
    status is the final outcome). Objectives without key results anywhere below them are
    left out; rows keep plan order.
    """
    day = resolve_as_of(plan.period, as_of)
    rows = []
    for when in week_ends(plan.period, day, every):
        o = score(plan, checkins, when, policy).objectives
        o = o[o["score"].notna()]
        rows.append(pd.DataFrame({
            "objective_id": o["objective_id"].to_numpy(dtype=object),
            "team": o["team"].to_numpy(dtype=object),
            "title": o["title"].to_numpy(dtype=object),
            "date": [when] * len(o),
            "score": o["score"].to_numpy(dtype="float64"),
            "band": o["band"].to_numpy(dtype=object),
            "status": o["status"].to_numpy(dtype=object),
        }))
    return pd.concat(rows, ignore_index=True)[WEEKLY_COLUMNS]


def team_status(card: Scorecard) -> pd.DataFrame:
    """How many key results of each team have each status (open period) or outcome
    (closed): one row per team that owns key results, a column per status seen, and
    ``key_results`` (the total)."""
    krs = card.key_results
    names = [s for s in (*STATUS_ORDER, *OUTCOMES) if s in set(krs["status"])]
    if not len(krs):
        return pd.DataFrame(columns=["team", "key_results"])
    counts = pd.crosstab(krs["team"], krs["status"]).reindex(columns=names, fill_value=0)
    out = counts.reset_index().rename_axis(None, axis=1)
    out.insert(1, "key_results", counts.sum(axis=1).to_numpy())
    return out


def recent_checkins(checkins: pd.DataFrame | None, n: int = 3,
                    as_of: Any = None) -> dict[str, pd.DataFrame]:
    """Each key result's last ``n`` check-ins, newest first (``HISTORY_COLUMNS``).

    What the weekly check-in app shows where people write the next one. Only the check-ins
    that count (:func:`okrkit.rules.latest_per_day`: for one key result and day the latest
    recorded wins, so a corrected value replaces the one it corrects), dated on or before
    ``as_of`` when given. Key results without a check-in are absent from the mapping.
    """
    if checkins is None or not len(checkins):
        return {}
    rows = rules.latest_per_day(conform(checkins, "checkins"))
    day = as_date(as_of)
    if day is not None:
        rows = rows[[d <= day for d in rows["date"]]]
    out: dict[str, pd.DataFrame] = {}
    for kr_id, g in rows.groupby("kr_id", sort=False):
        last = g.iloc[::-1].head(n)
        out[str(kr_id)] = last[HISTORY_COLUMNS].reset_index(drop=True)
    return out


def team_scores(card: Scorecard) -> pd.DataFrame:
    """One row per team (``TEAM_COLUMNS``): its score, band, owner and risk counts.

    A team's score is :func:`okrkit.scoring.team_rollup`'s (the weighted mean of its
    objectives whose parent belongs to another team); the band is the card's policy's; the
    owner is the first owner named on its objectives. Vectorised: one pass however many
    teams.
    """
    obj, krs = card.objectives, card.key_results
    if not len(obj):
        return pd.DataFrame(columns=TEAM_COLUMNS)
    by_team = obj.groupby("team", sort=True)
    teams = pd.Index(list(by_team.groups), name="team")
    rolled = team_rollup(obj).set_index("team")["score"].reindex(teams)
    owners = obj.dropna(subset=["owner"]).groupby("team", sort=True)["owner"].first()
    levels = by_team["level"].agg(lambda s: ", ".join(sorted(set(s))))
    k = krs.assign(_risk=(krs["status"] == "At Risk").to_numpy(),
                   _stale=krs["stale"].astype(bool).to_numpy())
    kr_counts = k.groupby("team", sort=True).agg(n=("kr_id", "size"), risk=("_risk", "sum"),
                                                 stale=("_stale", "sum")).reindex(teams)
    score = rolled.to_numpy(dtype="float64")
    out = pd.DataFrame({
        "team": teams.to_numpy(dtype=object),
        "owner": owners.reindex(teams).astype(object).where(owners.reindex(teams).notna(),
                                                            None).to_numpy(dtype=object),
        "levels": levels.reindex(teams).to_numpy(dtype=object),
        "n_objectives": by_team.size().reindex(teams).to_numpy(dtype="int64"),
        "n_key_results": kr_counts["n"].fillna(0).to_numpy(dtype="int64"),
        "score": score,
        "band": [band(float(v), card.policy) for v in score],
        "at_risk": kr_counts["risk"].fillna(0).to_numpy(dtype="int64"),
        "stale": kr_counts["stale"].fillna(0).to_numpy(dtype="int64"),
    })
    return out[TEAM_COLUMNS]


def team_view(card: Scorecard, team: str | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(key_results, objectives)`` of one team (its own, not their ancestors), plan order.

    ``team`` ``None``: everything.
    """
    obj = card.objectives if team is None else card.objectives[card.objectives["team"] == team]
    krs = card.key_results[card.key_results["objective_id"].isin(set(obj["objective_id"]))]
    return krs.reset_index(drop=True), obj.reset_index(drop=True)


def team_calibration(card: Scorecard, team: str | None = None, forecast: Any = None
                     ) -> Calibration:
    """The calibration of one team's objectives (``None``: all of the card's).

    The scorecard's own rule (:meth:`okrkit.scoring.Scorecard.calibration`): final scores
    once the period is closed; before, a projection from ``forecast``
    (:class:`okrkit.forecasting.Forecast`) or no verdict yet.
    """
    frame = card.calibration(by=None if team is None else "team", forecast=forecast)
    rows = frame if team is None else frame[frame["group"] == team]
    if not len(rows):
        return Calibration(mean=float("nan"), n=0, verdict=card.policy.verdict(float("nan")))
    row = rows.iloc[0]

    def ids(text: Any) -> tuple[str, ...]:  # the frame joins the ids with ", "
        return tuple(i for i in str(text or "").split(", ") if i)

    return Calibration(mean=float(row["mean"]), n=int(row["n"]), verdict=str(row["verdict"]),
                       committed_misses=ids(row["committed_misses"]), basis=str(row["basis"]),
                       committed_at_risk=ids(row["committed_at_risk"]))


def status_line(statuses: Any, label: Callable[[Any], str] = status_text) -> str:
    """How many of each status or outcome: ``"3 Complete, 5 In Progress, 2 At Risk"``, or
    for a closed period ``"3 ✅ Achieved, 1 🟡 Partially Achieved, 1 ❌ Missed"``.

    ``label`` writes each status: :func:`okrkit.htmlkit.status_text` (plain text), or
    :func:`okrkit.htmlkit.status_html` for HTML (then the line is HTML).
    """
    counts = pd.Series(statuses, dtype=object).value_counts()
    return ", ".join(f"{int(counts[s])} {label(s)}" for s in (*STATUS_ORDER, *OUTCOMES)
                     if s in counts)


def forecast_table(card: Scorecard, fc: Forecast, objectives: pd.DataFrame | None = None
                   ) -> pd.DataFrame:
    """Per objective (``FORECAST_COLUMNS``): current score, the forecast's expected end score
    and P(score >= the policy's ``green_from``) (``p_score_07``).

    ``objectives`` (default all of ``card``'s) chooses and orders the rows.
    """
    obj = (card.objectives if objectives is None else objectives)[
        ["objective_id", "title", "score"]]
    f = fc.objectives.drop_duplicates("objective_id").set_index("objective_id")
    out = obj.assign(
        expected_score=f["expected_score"].reindex(obj["objective_id"]).to_numpy(),
        p_score_07=f["p_score_07"].reindex(obj["objective_id"]).to_numpy(),
    )
    return out[FORECAST_COLUMNS].reset_index(drop=True)


def suggestions_table(plan: Plan, checkins: pd.DataFrame | None, as_of: Any, fc: Forecast,
                      goal: float = 0.7) -> pd.DataFrame:
    """:func:`okrkit.whatif.suggest_targets` for ``goal`` with the key result titles."""
    s = suggest_targets(plan, checkins, as_of, forecast=fc, goal=goal)
    titles = dict(zip(plan.key_results["kr_id"], plan.key_results["title"], strict=True))
    return s.assign(title=s["kr_id"].map(titles))


def weekly_summary(
    card: Scorecard,
    checkins: pd.DataFrame | None,
    since: Any = None,
    *,
    fmt: str = "markdown",
    top: int = 3,
) -> str:
    """The weekly update: insights (biggest movers, at-risk list), blockers, achievements.

    ``since`` defaults to a week before ``card.as_of``; the week is ``(since, as_of]`` and
    its check-ins are the effective ones (:func:`okrkit.rules.effective_checkins`).
    ``fmt="markdown"`` gives Markdown (user text verbatim, for pasting into chat or e-mail);
    ``fmt="html"`` gives HTML with every piece of text escaped.
    """
    if fmt not in ("markdown", "html"):
        raise OKRKitError(f"fmt must be 'markdown' or 'html', not {fmt!r}")
    as_of = card.as_of
    since_day = as_date(since) or as_of - dt.timedelta(days=7)
    krs = card.key_results
    ck = conform(checkins, "checkins") if checkins is not None and len(checkins) else None
    eff = rules.effective_checkins(krs, ck, card.period, as_of)
    week = pd.DataFrame(columns=["kr_id", "date", "note", "blockers", "achievements"])
    if ck is not None:
        after = eff.day > np.datetime64(since_day, "D").astype("int64")
        week = ck.iloc[eff.row[after]]
    teams = sorted({t for t in krs["team"].dropna()})
    head = f"Weekly update — {', '.join(teams) or 'all teams'} — {card.period} — week to {as_of}"
    overall = f"Overall score {num(card.overall)} across {len(krs)} key results"
    intro = [f"{overall} ({status_line(krs['status']) or 'none'}).",
             f"{week['kr_id'].nunique()} of {len(krs)} key results checked in since "
             f"{since_day}."]

    moved = movers(card, ck, since_day)
    moved = moved[moved["change"].abs() > 1e-9].head(top)
    insights = []
    for m in moved.to_dict("records"):
        unit = f" {m['unit']}" if m["unit"] else ""
        before = "no check-in" if pd.isna(m["before"]) else f"{m['before']:g}"
        insights.append(f"{'▲' if m['change'] > 0 else '▼'} {m['kr_id']} {m['title']}: "
                        f"{before} → {m['now']:g}{unit} (progress {m['change']:+.2f})")
    risky = [f"{k['kr_id']} {k['title']} — score {num(k['score'])}"
             + (f": {k['why']}" if isinstance(k["why"], str) and k["why"] else "")
             for k in krs[krs["status"] == "At Risk"].to_dict("records")]

    def notes(field: str) -> list[str]:
        return [f"{r['kr_id']} ({r['date']}): {r[field]}" for r in week.to_dict("records")
                if not is_blank(r.get(field))]

    completed = [f"{k} {t}" for k, t, s in zip(krs["kr_id"], krs["title"], krs["status"],
                                                strict=True) if s == "Complete"]
    sections: list[tuple[str, list[str]]] = [
        ("Insights — biggest movers", insights or ["No key result moved this week."]),
        ("At risk", risky or ["Nothing at risk."]),
        ("Blockers", notes("blockers") or ["No blockers reported."]),
        ("Achievements", notes("achievements") or ["No achievements reported."]),
    ]
    if completed:
        sections.append(("Complete", completed))
    if notes("note"):
        sections.append(("Notes", notes("note")))
    if fmt == "markdown":
        lines = [f"## {head}", "", *intro, ""]
        for title, items in sections:
            lines += [f"### {title}", *[f"- {i}" for i in items], ""]
        return "\n".join(lines).rstrip() + "\n"
    counts = status_line(krs["status"], status_html) or "none"  # outcome icons as HTML
    parts = [f"<h3>{esc(head)}</h3>", f"<p>{esc(overall)} ({counts}).</p>",
             f"<p>{esc(intro[1])}</p>"]
    for title, items in sections:
        parts.append(f"<h4>{esc(title)}</h4><ul>{''.join(f'<li>{esc(i)}</li>' for i in items)}</ul>")
    return '<div class="okr-weekly-summary">' + "".join(parts) + "</div>"

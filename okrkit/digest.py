"""The team's week where the team already talks: the digest and check-in reminders.

A **digest** covers one team and a window ``(since, as_of]`` — by default since the team's
last digest, else the last 7 days — and says, in this order:

* the team score and its change over the window;
* key results whose score or status changed (from → to);
* key results at risk, each with the status rule's reason (the scorecard's ``why``);
* key results whose owners **owe a check-in** (stale by the plan's cadence), with the
  owner's name (the key result's owner, else its objective's);
* the achievements and blockers people wrote in the window.

A **reminder** goes to each owner who owes a check-in, listing their key results.

Everything here is data (:class:`TeamDigest`, :class:`Reminder`) plus three renderings —
Markdown (chat; :mod:`okrkit.notify` escapes it for the destination), HTML (mail; every
piece of text escaped) and JSON. No rule is restated: scores, statuses, reasons and
staleness are the scorecard's, changes are :func:`okrkit.insights.kr_changes`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from okrkit import insights, rules
from okrkit.frames import Plan, conform, is_blank
from okrkit.htmlkit import esc, num
from okrkit.scoring import Scorecard, ScoringPolicy, score

DEFAULT_WINDOW = 7


@dataclass(frozen=True)
class Owed:
    """A key result whose owner owes a check-in."""

    kr_id: str
    title: str
    owner: str | None
    last_checkin: dt.date | None
    days_silent: int


@dataclass(frozen=True)
class TeamDigest:
    """One team's digest for the window ``(since, as_of]``."""

    team: str
    period: str
    as_of: dt.date
    since: dt.date
    score: float
    score_before: float
    changes: list[dict[str, Any]] = field(default_factory=list)
    at_risk: list[dict[str, Any]] = field(default_factory=list)
    owed: list[Owed] = field(default_factory=list)
    achievements: list[tuple[str, dt.date, str]] = field(default_factory=list)
    blockers: list[tuple[str, dt.date, str]] = field(default_factory=list)

    @property
    def subject(self) -> str:
        return f"OKR digest — {self.team} — {self.period} — week to {self.as_of}"


@dataclass(frozen=True)
class Reminder:
    """One owner's reminder: the key results they owe a check-in for."""

    owner: str
    team: str
    period: str
    as_of: dt.date
    key_results: list[Owed]

    @property
    def subject(self) -> str:
        n = len(self.key_results)
        return f"Check-in reminder — {n} key result{'s' * (n != 1)} — {self.period}"


def _owners(plan: Plan) -> dict[str, str | None]:
    """Each key result's owner: its own, else its objective's."""
    obj_owner = dict(zip(plan.objectives["objective_id"], plan.objectives["owner"], strict=True))
    out: dict[str, str | None] = {}
    for kid, oid, own in zip(plan.key_results["kr_id"], plan.key_results["objective_id"],
                             plan.key_results["owner"], strict=True):
        who = own if not is_blank(own) else obj_owner.get(oid)
        out[str(kid)] = None if is_blank(who) else str(who)
    return out


def owed(card: Scorecard, plan: Plan, team: str | None = None) -> list[Owed]:
    """The key results (of ``team``) whose owners owe a check-in: stale, not complete."""
    stale = insights.stale_list(card)
    if team is not None:
        stale = stale[stale["team"] == team]
    owners = _owners(plan)
    return [Owed(str(r["kr_id"]), str(r["title"]), owners.get(str(r["kr_id"])),
                 r["last_checkin"], int(r["days_silent"])) for r in stale.to_dict("records")]


def _notes(checkins: pd.DataFrame | None, card: Scorecard, since: dt.date, team: str
           ) -> dict[str, list[tuple[str, dt.date, str]]]:
    """The team's achievements and blockers of the effective check-ins after ``since``."""
    out: dict[str, list[tuple[str, dt.date, str]]] = {"achievements": [], "blockers": []}
    krs = card.key_results[card.key_results["team"] == team]
    if checkins is None or not len(checkins) or not len(krs):
        return out
    ck = conform(checkins, "checkins")
    eff = rules.effective_checkins(krs, ck, card.period, card.as_of)
    after = eff.day > np.datetime64(since, "D").astype("int64")
    for r in ck.iloc[eff.row[after]].to_dict("records"):
        for column, found in out.items():
            if not is_blank(r[column]):
                found.append((str(r["kr_id"]), r["date"], str(r[column]).strip()))
    return out


def team_digest(plan: Plan, checkins: pd.DataFrame | None, team: str, as_of: dt.date,
                since: dt.date | None = None, *, policy: ScoringPolicy | None = None,
                now: Scorecard | None = None) -> TeamDigest:
    """The digest of ``team`` for ``(since, as_of]`` (``since``: 7 days before ``as_of``)."""
    since = since or as_of - dt.timedelta(days=DEFAULT_WINDOW)
    card = now or score(plan, checkins, as_of, policy)
    before = score(plan, checkins, since, policy)
    teams_now = insights.team_scores(card).set_index("team")["score"]
    teams_before = insights.team_scores(before).set_index("team")["score"]
    mine = set(card.key_results.loc[card.key_results["team"] == team, "kr_id"])
    changes = insights.kr_changes(card, before)
    changes = changes[changes["kr_id"].isin(mine)]
    risk = insights.at_risk_list(card)
    risk = risk[risk["team"] == team]
    notes = _notes(checkins, card, since, team)
    return TeamDigest(
        team=team, period=card.period.label, as_of=card.as_of, since=since,
        score=float(teams_now.get(team, np.nan)),
        score_before=float(teams_before.get(team, np.nan)),
        changes=changes.to_dict("records"),
        at_risk=risk.to_dict("records"),
        owed=owed(card, plan, team),
        achievements=notes["achievements"],
        blockers=notes["blockers"],
    )


def reminders(plan: Plan, card: Scorecard, team: str | None = None) -> list[Reminder]:
    """One reminder per owner who owes a check-in (owners without a name are the team's)."""
    out: dict[tuple[str, str], list[Owed]] = {}
    team_of = dict(zip(card.key_results["kr_id"], card.key_results["team"], strict=True))
    for o in owed(card, plan, team):
        t = str(team_of.get(o.kr_id) or "")
        out.setdefault((o.owner or f"team {t}", t), []).append(o)
    return [Reminder(owner, t, card.period.label, card.as_of, krs)
            for (owner, t), krs in sorted(out.items())]


# ---------------------------------------------------------------------------- renderings


def _change_line(c: dict[str, Any]) -> str:
    status = (f"{c['status_before']} → {c['status_now']}"
              if c["status_before"] != c["status_now"] else str(c["status_now"]))
    return (f"{c['kr_id']} {c['title']}: score {num(c['score_before'])} → "
            f"{num(c['score_now'])} ({status})")


def _owed_line(o: Owed) -> str:
    since = f"since {o.last_checkin}" if o.last_checkin else "no check-in yet"
    return f"{o.kr_id} {o.title} — {o.owner or 'no owner'} ({since}, {o.days_silent} days)"


def _sections(d: TeamDigest) -> list[tuple[str, list[str]]]:
    change = d.score - d.score_before
    head = (f"Team score {num(d.score)} ({'+' if change >= 0 else ''}{num(change)} since "
            f"{d.since})" if not np.isnan(change) else f"Team score {num(d.score)}")
    return [
        ("Summary", [head]),
        ("Changed", [_change_line(c) for c in d.changes] or ["Nothing changed."]),
        ("At risk", [f"{r['kr_id']} {r['title']} — score {num(r['score'])}"
                     + (f": {r['reason']}" if r["reason"] else "") for r in d.at_risk]
         or ["Nothing at risk."]),
        ("Check-ins owed", [_owed_line(o) for o in d.owed] or ["Everyone is up to date."]),
        ("Achievements", [f"{k} ({day}): {t}" for k, day, t in d.achievements]
         or ["None reported."]),
        ("Blockers", [f"{k} ({day}): {t}" for k, day, t in d.blockers] or ["None reported."]),
    ]


def markdown(d: TeamDigest) -> str:
    """The digest as Markdown (people's text verbatim: escape it for the destination)."""
    lines = [f"*{d.subject}*", ""]
    for title, items in _sections(d):
        lines += [f"*{title}*", *[f"• {i}" for i in items], ""]
    return "\n".join(lines).rstrip() + "\n"


def html(d: TeamDigest) -> str:
    """The digest as HTML: every piece of text escaped."""
    parts = [f"<h2>{esc(d.subject)}</h2>"]
    for title, items in _sections(d):
        parts.append(f"<h3>{esc(title)}</h3><ul>"
                     + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>")
    return "<html><body>" + "".join(parts) + "</body></html>"


def as_json(d: TeamDigest) -> dict[str, Any]:
    """The digest as plain JSON data."""

    def clean(v: Any) -> Any:
        if isinstance(v, dt.date):
            return v.isoformat()
        if isinstance(v, float):
            return None if np.isnan(v) else round(v, 6)
        if isinstance(v, np.generic):
            return clean(v.item())
        return v

    return {
        "team": d.team, "period": d.period, "as_of": d.as_of.isoformat(),
        "since": d.since.isoformat(), "score": clean(d.score),
        "score_before": clean(d.score_before),
        "changes": [{k: clean(v) for k, v in c.items()} for c in d.changes],
        "at_risk": [{k: clean(v) for k, v in r.items()} for r in d.at_risk],
        "owed": [{"kr_id": o.kr_id, "title": o.title, "owner": o.owner,
                  "last_checkin": clean(o.last_checkin), "days_silent": o.days_silent}
                 for o in d.owed],
        "achievements": [{"kr_id": k, "date": day.isoformat(), "text": t}
                         for k, day, t in d.achievements],
        "blockers": [{"kr_id": k, "date": day.isoformat(), "text": t}
                     for k, day, t in d.blockers],
    }


def reminder_text(r: Reminder) -> str:
    """A reminder as plain text."""
    lines = [f"Hello {r.owner},", "",
             f"please check in on {len(r.key_results)} key result"
             f"{'s' * (len(r.key_results) != 1)} of {r.team} in {r.period} (as of {r.as_of}):",
             *[f"• {_owed_line(o)}" for o in r.key_results], "",
             "Run the weekly check-in notebook, or: okrkit checkin KR-ID VALUE --confidence C"]
    return "\n".join(lines) + "\n"


def reminder_html(r: Reminder) -> str:
    """A reminder as HTML (escaped)."""
    items = "".join(f"<li>{esc(_owed_line(o))}</li>" for o in r.key_results)
    return (f"<html><body><p>Hello {esc(r.owner)},</p><p>please check in on these key "
            f"results of {esc(r.team)} in {esc(r.period)} (as of {esc(r.as_of)}):</p>"
            f"<ul>{items}</ul></body></html>")

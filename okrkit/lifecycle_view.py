"""The plan's lifecycle where people see it: the reports, the company index, the monthly
review and the retrospective.

The states come from the plan itself: a plan loaded from the store carries each team's
stored state, header and sign-offs in ``Plan.headers`` (:mod:`okrkit.store.lifecycle`), so
a report never opens the store again for them. :func:`plan_states` turns that frame into
:class:`~okrkit.lifecycle.PlanState` records (a team without a row: a new draft);
:func:`attention` is the monthly review's list (plans not yet active, next review date
passed); the ``*_html`` functions format them (user text escaped).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pandas as pd

from okrkit.frames import Plan
from okrkit.headers import header_state
from okrkit.htmlkit import esc, table_html
from okrkit.lifecycle import PlanState

ATTENTION_COLUMNS = ["team", "state", "next_review", "why"]
_STATE_STYLE = {"draft": "#757575", "in-review": "#ef6c00", "active": "#2e7d32",
                "completed": "#1565c0"}


def plan_states(plan: Plan, teams: Iterable[str] | None = None) -> list[PlanState]:
    """The lifecycle state of each team of ``plan`` (default every team that owns an
    objective), read from ``plan.headers``."""
    label = plan.period.label
    rows = {str(r["team"]): r for r in plan.headers.to_dict("records")}
    out = []
    for team in (plan.teams if teams is None else teams):
        base = PlanState(period=label, team=team)
        row = rows.get(team)
        out.append(base if row is None else header_state(row, base, with_state=True))
    return out


def signed_by(state: PlanState) -> str:
    """Who signed, in words: ``Product Lead: Bo (2026-01-06), ...`` (``""``: nobody)."""
    return ", ".join(f"{s.role}: {s.name} ({s.at:%Y-%m-%d})" for s in state.signoffs)


def attention(states: Iterable[PlanState], today: dt.date) -> pd.DataFrame:
    """The plans a monthly review should chase: not yet active (draft, in review), and
    those whose next review date has passed (before ``today``). One row per team."""
    rows = []
    for s in states:
        why = []
        if s.state in ("draft", "in-review"):
            why.append("not yet active" + (f": waiting for {', '.join(s.missing_roles)}"
                                           if s.state == "in-review" else ": not submitted"))
        due = s.header.next_review
        if due is not None and due < today and s.state != "completed":
            why.append(f"next review {due} has passed ({(today - due).days} days ago)")
        if why:
            rows.append({"team": s.team, "state": s.state, "next_review": due,
                         "why": "; ".join(why)})
    return pd.DataFrame(rows, columns=ATTENTION_COLUMNS)


def state_badge(state: str) -> str:
    """The state as a small coloured label (``class="okr-state okr-state-<state>"``)."""
    colour = _STATE_STYLE.get(state, "#757575")
    return (f'<span class="okr-state okr-state-{esc(state)}" style="color:{colour};'
            f'font-weight:bold">{esc(state)}</span>')


def lifecycle_html(s: PlanState) -> str:
    """One team's plan: state, header, sign-offs (and the roles still missing), changes
    after approval and amendments, as a ``<section class="okr-lifecycle">``."""
    h = s.header
    facts = [("state", state_badge(s.state)), ("project", esc(h.project or "—")),
             ("executive sponsor", esc(h.owner or "—")),
             ("contributors", esc(", ".join(h.contributors) or "—")),
             ("next review", esc(h.next_review.isoformat() if h.next_review else "—"))]
    if s.changes_after_approval:
        facts.append(("changes after approval", str(s.changes_after_approval)))
    items = "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in facts)
    signed = pd.DataFrame([{"role": x.role, "name": x.name, "at": x.at.strftime("%Y-%m-%d"),
                            "note": x.note} for x in s.signoffs],
                          columns=["role", "name", "at", "note"])
    table = table_html(signed, {"role": "role", "name": "signed by", "at": "on",
                                "note": "note"}, empty="no sign-offs yet")
    missing = (f'<p class="okr-missing">waiting for: {esc(", ".join(s.missing_roles))}</p>'
               if s.missing_roles and s.state != "draft" else "")
    amended = ""
    if s.amendments:
        amended = ("<p>amendments:</p><ul class='okr-amendments'>" + "".join(
            f"<li>{at:%Y-%m-%d} {esc(reason)}{' (' + esc(by) + ')' if by else ''}</li>"
            for at, reason, by in s.amendments) + "</ul>")
    return (f'<section class="okr-lifecycle" data-team="{esc(s.team)}" '
            f'data-state="{esc(s.state)}"><h3>Plan of {esc(s.team)}: {esc(s.state)}</h3>'
            f'<dl class="okr-header">{items}</dl><h4>Review &amp; approval</h4>{table}'
            f"{missing}{amended}</section>")


def states_table_html(states: Iterable[PlanState]) -> str:
    """Per team: the state, whether it is active, who signed (the company report)."""
    rows = [{"team": s.team, "state": state_badge(s.state),
             "active": "yes" if s.state in ("active", "completed") else "no",
             "signed": signed_by(s) or "—"} for s in states]
    return table_html(pd.DataFrame(rows, columns=["team", "state", "active", "signed"]),
                      {"team": "team", "state": "plan", "active": "active",
                       "signed": "signed by"}, markup={"state"},
                      empty="no teams")

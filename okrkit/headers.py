"""The header of each team's plan, its sign-offs, and the people: frames, rules, cells.

A plan file may hold, beside its objectives, the framework template's header of each
team's plan (``docs/seeds/okrs-framework-for-ai-projects.md``: project, owner — the
executive sponsor —, contributors, next review, status, and the Review & Approval
sign-offs) and a ``people`` mapping (name -> e-mail address, for reminders)::

    teams:
      vision:
        project: Computer vision defect detection
        sponsor: VP Operations
        contributors: [Computer Vision Lead, ML Engineer]
        next_review: 2026-02-15
        roles: [Executive Sponsor, Product Lead, Engineering Lead, Business Owner]
        destinations: ["https://hooks.example.com/...", "mailto:vision@example.com"]
        state: in-review
        signoffs:
          - {role: Executive Sponsor, name: Pat Doe, at: 2026-01-06T09:30:00, note: go}
    people:
      Computer Vision Lead: cv.lead@example.com

On :class:`~okrkit.frames.Plan` they are the ``headers`` frame (one row per team) and the
``people`` frame (``name, email``). This module turns the validated schema
(:class:`okrkit.models.TeamModel`) into those frames and back, checks the rules that
relate one field to another (:func:`header_issues`, called by
:func:`okrkit.structure.check`), and writes and reads the cells a flat table holds.

Rules (codes of :data:`okrkit.errors.CODES`):

* a ``teams`` entry names a team that owns an objective of the plan (``unknown-team``);
* the sign-off rules are :mod:`okrkit.lifecycle`'s, replayed: every sign-off is by one of
  the plan's roles (``unknown-role``) and a role signs once (``duplicate-role``); a role
  is listed once;
* the state agrees with the sign-offs (``state-mismatch``): a draft has none; a plan in
  review lacks at least one role; an active one has them all; sign-offs need a state.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import replace
from email.utils import getaddresses
from typing import Any

import pandas as pd

from okrkit.frames import conform, empty, is_blank
from okrkit.lifecycle import DEFAULT_ROLES, LifecycleError, PlanState, SignOff, approve

#: flat-table columns of a team's header (CSV: on the team's rows; XLSX: the teams sheet)
TEAM_CELLS = {
    "team_project": "project",
    "team_sponsor": "sponsor",
    "team_contributors": "contributors",
    "team_next_review": "next_review",
    "team_roles": "roles",
    "team_destinations": "destinations",
    "team_state": "state",
    "team_signoffs": "signoffs",
}
_LISTS = ("contributors", "roles", "destinations")


# ---------------------------------------------------------------------------- frames


def headers_frame(teams: Mapping[str, Any] | None, order: Iterable[Any] = ()) -> pd.DataFrame:
    """The ``headers`` frame of validated :class:`~okrkit.models.TeamModel` entries.

    Rows follow ``order`` (the teams of the plan's objectives, as they first appear; a
    flat table can keep no other order), then any other team; an empty entry is none.
    """
    rank = {t: i for i, t in enumerate(dict.fromkeys(order))}
    rows = []
    for team, t in sorted((teams or {}).items(), key=lambda kv: rank.get(kv[0], len(rank))):
        if not t.model_dump(exclude_none=True):
            continue  # an empty header is no header
        signoffs = tuple(SignOff(s.role, s.name, s.at, s.note) for s in t.signoffs or ())
        rows.append({"team": team, "project": t.project, "sponsor": t.sponsor,
                     "contributors": _tuple(t.contributors), "next_review": t.next_review,
                     "roles": _tuple(t.roles), "destinations": _tuple(t.destinations),
                     "state": t.state, "signoffs": signoffs or None})
    return conform(pd.DataFrame(rows), "headers") if rows else empty("headers")


def people_frame(people: Mapping[str, str] | None) -> pd.DataFrame:
    """The ``people`` frame (``name, email``) of a name -> e-mail mapping."""
    rows = [{"name": n, "email": e} for n, e in (people or {}).items()]
    return conform(pd.DataFrame(rows), "people") if rows else empty("people")


def _tuple(items: Iterable[str] | None) -> tuple[str, ...] | None:
    out = tuple(items or ())
    return out or None


def headers_to_data(headers: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """The plan file's ``teams:`` mapping (plain data) of a ``headers`` frame."""
    out: dict[str, dict[str, Any]] = {}
    for h in headers.to_dict("records"):
        item: dict[str, Any] = {}
        for col in ("project", "sponsor", "contributors", "next_review", "roles",
                    "destinations", "state"):
            v = h.get(col)
            if not is_blank(v):
                item[col] = list(v) if col in _LISTS else v
        if h.get("signoffs"):
            item["signoffs"] = [_signoff_data(s) for s in h["signoffs"]]
        out[str(h["team"])] = item
    return out


def header_state(row: Mapping[str, Any], base: PlanState, *, with_state: bool = False
                 ) -> PlanState:
    """``base`` with one ``headers`` row's header fields (project, sponsor, contributors,
    next review, required roles); ``with_state`` also takes its state and sign-offs."""
    from okrkit.lifecycle import Header, with_roles

    def text(col: str) -> Any:
        v = row.get(col)
        return None if is_blank(v) else v

    nr = text("next_review")
    header = Header(project=text("project"), owner=text("sponsor"),
                    contributors=tuple(row.get("contributors") or ()),
                    next_review=nr if nr is None or isinstance(nr, dt.date)
                    else dt.date.fromisoformat(str(nr)[:10]))
    roles = row.get("roles")
    new = replace(with_roles(base, tuple(roles) if roles else None), header=header)
    if with_state and text("state"):
        new = replace(new, state=str(row["state"]), signoffs=tuple(row.get("signoffs") or ()))
    return new


def _signoff_data(s: SignOff) -> dict[str, Any]:
    item: dict[str, Any] = {"role": s.role, "name": s.name, "at": s.at}
    if s.note is not None:
        item["note"] = s.note
    return item


# ---------------------------------------------------------------------------- rules


def header_issues(headers: pd.DataFrame, teams: Iterable[Any], period: str = "") -> list[Any]:
    """The rules of the module docstring as :class:`okrkit.structure.Issue` records.

    ``teams`` are the teams that own objectives in the plan; ``period`` its label (for
    messages).
    """
    from okrkit.structure import Issue
    from okrkit.values import id_problem, text_problem

    owned = {str(t) for t in teams if not is_blank(t)}
    out: list[Issue] = []
    for r, h in enumerate(headers.to_dict("records")):
        team = str(h["team"])

        def add(code: str, message: str, field: str, key: Any = None) -> None:
            out.append(Issue(code, message, "headers", r, field, key=key))  # noqa: B023

        bad = id_problem(team, "team")
        if bad:
            add(*bad, "team")
        elif team not in owned:
            add("unknown-team", f"team '{team}' owns no objective of this plan (teams: "
                f"{', '.join(sorted(owned)) or 'none'})", "team")
        for col in ("project", "sponsor", "contributors", "roles"):
            v = h.get(col)
            for text in (v if isinstance(v, tuple) else () if is_blank(v) else (v,)):
                bad = text_problem(str(text), col)
                if bad:
                    add(*bad, col)
        roles = tuple(h.get("roles") or DEFAULT_ROLES)
        folded = [x.casefold() for x in roles]
        for i, role in enumerate(roles):
            if role.casefold() in folded[:i]:
                add("duplicate-role", f"role '{role}' is listed twice", "roles")
        _signoffs(add, team, period, h, roles)
    return out


def _signoffs(add: Any, team: str, period: str, h: Mapping[str, Any],
              roles: tuple[str, ...]) -> None:
    """Replay the sign-offs through :func:`okrkit.lifecycle.approve`."""
    state = h.get("state")
    signed = tuple(h.get("signoffs") or ())
    replay = PlanState(period=period, team=team, state="in-review", required_roles=roles)
    for i, s in enumerate(signed):
        if not any(r.casefold() == s.role.strip().casefold() for r in roles):
            code = "unknown-role"
        elif any(x.role.casefold() == s.role.strip().casefold() for x in replay.signoffs):
            code = "duplicate-role"
        else:
            code = None
        try:
            replay = approve(replace(replay, state="in-review"), s.role, s.name, at=s.at,
                             note=s.note)
        except LifecycleError as err:
            add(code or ("missing" if is_blank(s.name) else "state-mismatch"), str(err).replace(" plan of  ", " plan "),
                "signoffs", i)
    missing = replay.missing_roles
    if signed and is_blank(state):
        add("state-mismatch", "sign-offs need the plan's state (draft, in-review, active, "
            "completed)", "state")
    elif state == "draft" and signed:
        add("state-mismatch", f"a draft has no sign-offs, but {len(signed)} are listed: the "
            "state is in-review, active or completed", "state")
    elif state == "active" and missing:
        add("state-mismatch", "an active plan has every required sign-off; missing: "
            + ", ".join(missing), "state")
    elif state == "in-review" and signed and not missing:
        add("state-mismatch", "every required role has signed off, so the plan is active, "
            "not in-review", "state")


# ---------------------------------------------------------------------------- cells


def header_cells(h: Mapping[str, Any]) -> dict[str, Any]:
    """One team's header as flat-table cells (``team_*`` columns; lists as text)."""
    out: dict[str, Any] = {}
    for cell, col in TEAM_CELLS.items():
        v = h.get(col)
        if col in _LISTS:
            out[cell] = list_cell(v)
        elif col == "signoffs":
            out[cell] = json.dumps([{**_signoff_data(s), "at": s.at.isoformat()} for s in v],
                                   ensure_ascii=False) if v else None
        elif col == "next_review":
            out[cell] = v.isoformat() if isinstance(v, dt.date) else None
        else:
            out[cell] = None if is_blank(v) else v
    return out


def team_data(cells: Mapping[str, Any]) -> dict[str, Any]:
    """The ``teams:`` entry (plain data for the schema) of one team's flat cells."""
    out: dict[str, Any] = {}
    for cell, col in TEAM_CELLS.items():
        v = cells.get(cell)
        if v is None:
            continue
        if col in _LISTS:
            v = read_list_cell(v)
        elif col == "signoffs":
            v = _json(v)
        out[col] = v
    return out


def list_cell(items: Iterable[str] | None) -> str | None:
    """Names as one cell: ``a; b`` (a JSON list when a name holds ``;``)."""
    items = list(items or ())
    if not items:
        return None
    if any(";" in x or x.startswith("[") for x in items):
        return json.dumps(items, ensure_ascii=False)
    return "; ".join(items)


def read_list_cell(text: Any) -> Any:
    """:func:`list_cell` read back (a JSON list, or ``;``-separated names)."""
    if not isinstance(text, str):
        return text
    if text.lstrip().startswith("["):
        return _json(text)
    return [x.strip() for x in text.split(";") if x.strip()]


def people_cell(people: pd.DataFrame) -> str | None:
    """The people as one cell of mail addresses, ``Ana Lopez <ana@example.com>, ...``;
    a JSON object when a name would not read back the same (quotes, line breaks)."""
    if not len(people):
        return None
    mapping = dict(zip(people["name"], people["email"], strict=True))
    text = ", ".join(_address(n, e) for n, e in mapping.items())
    if read_people_cell(text) == mapping:
        return text
    return json.dumps(mapping, ensure_ascii=False)


def _address(name: str, email: str) -> str:
    plain = name.replace(" ", "").isalnum()
    return f"{name} <{email}>" if plain else '"' + name.replace("\\", "\\\\").replace(
        '"', '\\"') + f'" <{email}>'


def read_people_cell(text: Any) -> Any:
    """:func:`people_cell` read back as a name -> e-mail mapping (JSON text, or mail
    addresses; a bare address is its own name)."""
    if not isinstance(text, str):
        return text
    if text.lstrip().startswith("{"):
        return _json(text)
    return {name or email: email for name, email in getaddresses([text]) if email or name}


def _json(text: Any) -> Any:
    """JSON text parsed; anything else (or text that is not JSON) as it is, for the
    schema to refuse with its message."""
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text

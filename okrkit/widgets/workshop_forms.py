"""The planning workshop's parts: the objective and key result forms, and the panels.

Widgets and their HTML only, for :class:`okrkit.widgets.workshop.PlanningWorkshopApp`:
:class:`KRForm` and :class:`ObjectiveForm` edit a draft (:mod:`okrkit.drafts`);
:func:`lint_panel_html` shows validation problems and lint findings, :func:`votes_html`
the confidence votes (hidden until revealed).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import ipywidgets as widgets
import pandas as pd

from okrkit.drafts import kept_fields, locate, num_text
from okrkit.errors import Problem
from okrkit.frames import DIRECTIONS, KINDS, LEVELS
from okrkit.htmlkit import DASH, esc, num, problems_html, text_html
from okrkit.lifecycle import PlanState
from okrkit.linting import Finding
from okrkit.planning import vote_summary

NO_PARENT = ""
OBJECTIVE_FIELDS = ("id", "title", "level", "parent", "owner", "kind", "weight")
KR_FIELDS = ("id", "title", "metric", "unit", "direction", "baseline", "target", "weight",
             "owner")


def _severity_rank(f: Finding) -> int:
    return 0 if f.severity == "error" else 1


def lint_panel_html(findings: Iterable[Finding], problems: Iterable[Problem] = ()) -> str:
    """Validation problems and lint findings as escaped HTML (errors first)."""
    probs = list(problems)
    found = sorted(findings, key=_severity_rank)
    parts = []
    n_err = len(probs) + sum(f.severity == "error" for f in found)
    n_warn = sum(f.severity != "error" for f in found)
    if not probs and not found:
        return ('<div class="okr-lint okr-lint-clean" style="color:#1b5e20">'
                "No findings: the draft follows the OKR DO/DON'T list.</div>")
    parts.append(
        f'<div class="okr-lint"><b>{n_err} error{"s" * (n_err != 1)}, '
        f'{n_warn} warning{"s" * (n_warn != 1)}</b>'
    )
    if probs:
        parts.append(problems_html(probs, title="Cannot be saved yet:"))
    if found:
        items = []
        for f in found:
            colour = "#b71c1c" if f.severity == "error" else "#e65100"
            where = " · ".join(x for x in (f.objective_id, f.kr_id) if x)
            items.append(
                f'<li class="okr-finding okr-{esc(f.severity)}" style="color:{colour}">'
                f"<b>{esc(f.severity)}</b> [{esc(f.code)}] "
                f"{esc(where) + ': ' if where else ''}{text_html(f.message)}</li>"
            )
        parts.append(f'<ul style="margin:2px 0 2px 18px">{"".join(items)}</ul>')
    parts.append("</div>")
    return "".join(parts)


def problem_line(problem: Problem) -> str:
    """A draft problem as ``field: message`` (the field inside its objective / key result)."""
    _, _, field = locate(problem)
    return f"{field}: {problem.message}" if field else problem.message


def ballots(frame: pd.DataFrame) -> dict[str, dict[str, float]]:
    """The votes frame of one round (:meth:`okrkit.store.Store.votes`) as participant ->
    {objective id -> confidence}, the shape :func:`votes_html` shows."""
    out: dict[str, dict[str, float]] = {}
    for r in frame.to_dict("records"):
        out.setdefault(str(r["participant"]), {})[str(r["objective_id"])] = float(r["confidence"])
    return out


def votes_html(votes: Mapping[str, Mapping[str, float]], revealed: bool,
               objective_ids: Iterable[str] = (), round_number: int | None = None) -> str:
    """Hidden: who has voted, no numbers. Revealed: every vote with mean and spread."""
    people = sorted(votes)
    where = (f'<p class="okr-vote-round"><b>Round {round_number}</b> · '
             f'{"revealed" if revealed else "hidden until Reveal"}</p>'
             if round_number is not None else "")
    if not people:
        return f"{where}<p><i>no votes yet</i></p>"
    if not revealed:
        names = ", ".join(esc(p) for p in people)
        return (f'{where}<p class="okr-votes-hidden">{len(people)} participant'
                f'{"s" * (len(people) != 1)} voted ({names}); votes stay hidden until '
                "<b>Reveal</b>.</p>")
    ids = list(dict.fromkeys([*objective_ids, *(o for b in votes.values() for o in b)]))
    summary = vote_summary(votes).set_index("objective_id")
    th = "<th style='padding:2px 6px;text-align:left'>"
    head = "".join(f"{th}{esc(p)}</th>" for p in people)
    body = []
    for oid in ids:
        cells = "".join(
            f"<td style='padding:2px 6px'>{esc(num(votes[p].get(oid)))}</td>"
            for p in people
        )
        s = summary.loc[oid] if oid in summary.index else None
        mean = num(s["mean"]) if s is not None else DASH
        spread = num(s["spread"]) if s is not None else DASH
        flag = ""
        if s is not None and s["spread"] >= 0.3:
            flag = " <small style='color:#e65100'>(discuss: wide spread)</small>"
        body.append(f"<tr><td style='padding:2px 6px'><code>{esc(oid)}</code></td>{cells}"
                    f"<td style='padding:2px 6px'><b>{esc(mean)}</b></td>"
                    f"<td style='padding:2px 6px'>{esc(spread)}{flag}</td></tr>")
    return (f'{where}<table class="okr-votes" style="border-collapse:collapse"><thead><tr>'
            f"{th}objective</th>{head}{th}mean</th>{th}spread</th></tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>")


STATE_COLOURS = {"draft": "#616161", "in-review": "#e65100", "active": "#1b5e20",
                 "completed": "#0d47a1"}


def lifecycle_html(state: PlanState | None, team: str = "", period: str = "",
                   note: str | None = None) -> str:
    """The plan's state, header, sign-offs and missing roles (escaped).

    ``state`` ``None``: the team has no plan in the store yet. ``note`` is what the last
    save did to the state (:func:`okrkit.lifecycle.edited`'s message).
    """
    if state is None:
        return (f'<div class="okr-lifecycle"><span class="okr-state" data-state="unsaved">'
                f"not saved yet</span>: the {esc(team) or 'team'}'s plan of {esc(period)} "
                "becomes a draft when it is saved.</div>")
    colour = STATE_COLOURS.get(state.state, "#000")
    h = state.header
    header = [("Project", esc(h.project, DASH)), ("Owner / sponsor", esc(h.owner, DASH)),
              ("Contributors", esc(", ".join(h.contributors) or None, DASH)),
              ("Next review", esc(h.next_review, DASH))]
    rows = "".join(f"<tr><th style='text-align:left;padding:1px 8px 1px 0'>{k}</th>"
                   f"<td>{v}</td></tr>" for k, v in header)
    signed = "".join(
        f"<tr><td style='padding:1px 6px'>{esc(s.role)}</td><td style='padding:1px 6px'>"
        f"{esc(s.name)}</td><td style='padding:1px 6px'>{esc(s.at.strftime('%Y-%m-%d %H:%M'))}"
        f"</td><td style='padding:1px 6px'>{text_html(s.note)}</td></tr>"
        for s in state.signoffs)
    signoffs = (f'<table class="okr-signoffs"><thead><tr><th>role</th><th>name</th><th>at</th>'
                f"<th>note</th></tr></thead><tbody>{signed}</tbody></table>" if signed
                else "<p><i>no sign-offs yet</i></p>")
    missing = state.missing_roles
    waiting = (f'<p class="okr-missing-roles">Waiting for: {esc(", ".join(missing))}</p>'
               if missing and state.state == "in-review" else
               f'<p class="okr-missing-roles">Sign-offs needed: {esc(", ".join(missing))}</p>'
               if missing and state.state == "draft" else "")
    after = (f"<p>{state.changes_after_approval} change"
             f"{'s' * (state.changes_after_approval != 1)} after approval</p>"
             if state.changes_after_approval else "")
    told = (f'<p class="okr-lifecycle-note" style="color:#e65100">{text_html(note)}</p>'
            if note else "")
    return (f'<div class="okr-lifecycle"><p>State: <b class="okr-state" '
            f'data-state="{esc(state.state)}" style="color:{colour}">{esc(state.state)}</b></p>'
            f"{told}<table class='okr-header'>{rows}</table>{signoffs}{waiting}{after}</div>")


def field_problems_html(lines: list[str]) -> str:
    """Problems shown under one field (escaped)."""
    if not lines:
        return ""
    items = "".join(f"<li>{text_html(t)}</li>" for t in lines)
    return (f'<ul class="okr-field-problems" style="color:#b71c1c;margin:0 0 0 18px;'
            f'font-size:small">{items}</ul>')


def layout_width(width: str) -> widgets.Layout:
    """A layout of this width."""
    return widgets.Layout(width=width)


def _labelled(label: str, width: str, label_width: str) -> dict[str, Any]:
    """A field's description, width and label width (keyword arguments of a widget)."""
    return {"description": label, "layout": layout_width(width),
            "style": {"description_width": label_width}}


class KRForm:
    """The fields of one key result: ``id``, ``title``, ``metric``, ``unit``,
    ``direction`` (Dropdown), ``baseline``, ``target`` (Text: blank = missing),
    ``weight`` (FloatText), ``owner``; ``remove_button``; ``problems`` (HTML)."""

    def __init__(self, kr: Mapping[str, Any]) -> None:
        self.extra = kept_fields(kr)  # not edited here: kept for the save
        self.id = widgets.Text(value=str(kr.get("id") or ""), description="KR id",
                               layout=layout_width("170px"), style={"description_width": "45px"})
        self.title = widgets.Text(value=str(kr.get("title") or ""), placeholder="outcome",
                                  description="title", layout=layout_width("640px"),
                                  style={"description_width": "35px"})
        # every field keeps a visible label: a placeholder vanishes once the field is filled,
        # and on a projector nobody can tell baseline from target by position
        self.metric = widgets.Text(value=str(kr.get("metric") or ""), placeholder="what is measured",
                                   **_labelled("metric", "230px", "45px"))
        self.unit = widgets.Text(value=str(kr.get("unit") or ""), placeholder="%",
                                 **_labelled("unit", "120px", "30px"))
        direction = kr.get("direction") or "increase"
        options = list(DIRECTIONS) + ([direction] if direction not in DIRECTIONS else [])
        self.direction = widgets.Dropdown(options=options, value=direction,
                                          **_labelled("direction", "190px", "60px"))
        self.baseline = widgets.Text(value=num_text(kr.get("baseline")), placeholder="from",
                                     **_labelled("baseline", "150px", "55px"))
        self.target = widgets.Text(value=num_text(kr.get("target")), placeholder="to",
                                   **_labelled("target", "130px", "40px"))
        self.weight = widgets.FloatText(value=float(kr.get("weight") or 1.0),
                                        **_labelled("weight", "120px", "45px"))
        self.owner = widgets.Text(value=str(kr.get("owner") or ""), placeholder="who",
                                  **_labelled("owner", "210px", "50px"))
        self.remove_button = widgets.Button(description="✕ remove", tooltip="remove this key result",
                                            layout=layout_width("90px"))
        self.problems = widgets.HTML("")
        self.title.add_class("okr-kr-title")
        self.id.add_class("okr-kr-id")
        self.box = widgets.VBox([
            widgets.HBox([self.id, self.title, self.remove_button]),
            widgets.HBox([self.metric, self.unit, self.direction, self.baseline, self.target,
                          self.weight, self.owner],
                         layout=widgets.Layout(flex_flow="row wrap")),
            self.problems,
        ], layout=widgets.Layout(margin="0 0 8px 24px", padding="2px 0 0 6px",
                                 border_left="3px solid #cfd8dc"))

    def inputs(self) -> list[widgets.Widget]:
        return [self.id, self.title, self.metric, self.unit, self.direction, self.baseline,
                self.target, self.weight, self.owner]

    def data(self) -> dict[str, Any]:
        out = {f: getattr(self, f).value for f in KR_FIELDS}
        out.update(self.extra)
        return out


class ObjectiveForm:
    """The fields of one objective: ``id``, ``title``, ``owner``, ``kind``, ``level``,
    ``parent`` (Dropdown of the period's objectives; ``""`` = none), ``weight``;
    ``key_results`` (list of :class:`KRForm`), ``add_kr_button``, ``remove_button``,
    ``problems`` (HTML)."""

    def __init__(self, objective: Mapping[str, Any], parent_options: list[tuple[str, str]]
                 ) -> None:
        self.id = widgets.Text(value=str(objective.get("id") or ""), description="id",
                               layout=layout_width("150px"), style={"description_width": "20px"})
        self.title = widgets.Text(value=str(objective.get("title") or ""),
                                  placeholder="qualitative, inspiring goal",
                                  description="Objective", layout=layout_width("720px"))
        self.title.add_class("okr-objective-title")
        self.owner = widgets.Text(value=str(objective.get("owner") or ""),
                                  description="owner", layout=layout_width("230px"),
                                  style={"description_width": "45px"})
        kind = objective.get("kind") or "aspirational"
        self.kind = widgets.Dropdown(options=list(KINDS), value=kind if kind in KINDS else
                                     "aspirational", description="kind", layout=layout_width("200px"),
                                     style={"description_width": "35px"})
        level = objective.get("level") or "project"
        self.level = widgets.Dropdown(options=list(LEVELS), value=level if level in LEVELS
                                      else "project", description="level", layout=layout_width("200px"),
                                      style={"description_width": "35px"})
        parent = objective.get("parent") or NO_PARENT
        self.parent = widgets.Dropdown(options=with_value(parent_options, parent),
                                       value=parent, description="aligns to",
                                       layout=layout_width("420px"), style={"description_width": "60px"})
        self.weight = widgets.FloatText(value=float(objective.get("weight") or 1.0),
                                        description="weight", layout=layout_width("140px"),
                                        style={"description_width": "45px"})
        self.key_results = [KRForm(k) for k in objective.get("key_results", [])]
        self.add_kr_button = widgets.Button(description="+ key result", icon="plus")
        self.remove_button = widgets.Button(description="Remove objective", icon="trash",
                                            button_style="warning", layout=layout_width("170px"))
        self.problems = widgets.HTML("")
        self.box = widgets.VBox(
            [widgets.HBox([self.id, self.title]),
             widgets.HBox([self.owner, self.kind, self.level, self.weight]),
             widgets.HBox([self.parent]),
             self.problems,
             *[k.box for k in self.key_results],
             widgets.HBox([self.add_kr_button, self.remove_button])],
            layout=widgets.Layout(border="1px solid #cfd8dc", padding="4px", margin="4px 0"),
        )

    def inputs(self) -> list[widgets.Widget]:
        own = [self.id, self.title, self.owner, self.kind, self.level, self.parent, self.weight]
        return own + [w for k in self.key_results for w in k.inputs()]

    def data(self) -> dict[str, Any]:
        out: dict[str, Any] = {f: getattr(self, f).value for f in OBJECTIVE_FIELDS}
        out["parent"] = out["parent"] or None
        out["key_results"] = [k.data() for k in self.key_results]
        return out


def with_value(options: list[tuple[str, str]], value: str) -> list[tuple[str, str]]:
    if value in {v for _, v in options}:
        return list(options)
    return [*options, (f"{value} (not in this period)", value)]

"""The quarterly planning workshop: draft a team's OKRs, lint them live, align, save.

Only widgets: the callbacks call :mod:`okrkit.drafts` (where a draft starts, its ids, its
validation and lint) and :mod:`okrkit.planning` (merging the team into the period's plan,
confidence votes); the alignment tree is :func:`okrkit.htmlkit.alignment_tree_html`; the
forms and the lint and vote panels are :mod:`okrkit.widgets.workshop_forms`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import ipywidgets as widgets

from okrkit.config import current_user
from okrkit.drafts import (
    CATEGORY_LABELS,
    blank_draft,
    blank_key_result,
    blank_objective,
    draft_from_plan,
    draft_from_template,
    draft_to_plan,
    lint_draft,
    locate,
    next_kr_id,
    next_objective_id,
    team_prefix,
    template_options,
)
from okrkit.errors import ConflictError, OKRKitError, Problem
from okrkit.frames import Plan, is_blank
from okrkit.htmlkit import alignment_tree_html, esc
from okrkit.linting import Finding
from okrkit.period import Period
from okrkit.planning import merge_team_plan, period_objectives
from okrkit.widgets.common import (
    TeamApp,
    default_period,
    heading,
    period_dropdown,
)
from okrkit.widgets.source_editor import SourceEditor
from okrkit.widgets.workshop_forms import (
    NO_PARENT,
    ObjectiveForm,
    field_problems_html,
    layout_width,
    lint_panel_html,
    problem_line,
    with_value,
)
from okrkit.widgets.workshop_room import REFRESH_SECONDS, WorkshopRoom, save_note

START_STORED = "stored"
START_BLANK = "blank"
START_TEMPLATE = "template"


class PlanningWorkshopApp(WorkshopRoom, TeamApp):
    """Plan one team's OKRs for a period: start, edit, lint live, align, vote, save.

    Parameters
    ----------
    db
        Store URL (``None``: ``$OKRKIT_DB`` or ``sqlite:///data/okrkit.db``).
    period
        Period label (``2026-Q1``); default the stored period containing today, else the
        latest. A period not in the store yet can be planned (saved as a new period).
    team
        The team planning; default the first team of the period.
    store
        An open store (wins over ``db``; not closed by the app).
    author
        The author of the saved revision (default :func:`okrkit.config.current_user`).
    refresh_seconds
        How often the open app reads the votes and the round again (``None``: only on
        Refresh and on the app's own actions).

    Widgets: ``period`` (Dropdown), ``team`` (Combobox), ``start`` (Dropdown: stored /
    blank / template), ``category``, ``template`` (Dropdowns), ``prefix``,
    ``template_parent`` (align the template under), ``template_owner``, ``start_button``;
    ``objectives`` (list of :class:`ObjectiveForm`), ``add_objective_button``;
    ``lint_panel``, ``alignment`` (HTML); the votes and the lifecycle panel of
    :class:`~okrkit.widgets.workshop_room.WorkshopRoom` (``participant``,
    ``vote_sliders``, ``vote_button``, ``reveal_button``, ``reset_votes_button``,
    ``refresh_votes_button``, ``votes_panel``, ``lifecycle_panel``, ``submit_button``);
    ``author`` (Text), ``save_button``, ``export_path`` (Text), ``export_button``,
    ``export_preview`` (HTML), ``message`` (MessageBox), ``widget``.
    State: ``stored`` (the period's stored plan or None), ``plan`` (validated draft or None),
    ``problems``, ``findings``, ``saved_revision``, and the room's ``votes``, ``revealed``,
    ``round``, ``plan_state``.
    """

    def __init__(
        self,
        db: str | None = None,
        period: str | None = None,
        team: str | None = None,
        store: Any = None,
        author: str | None = None,
        refresh_seconds: float | None = REFRESH_SECONDS,
    ) -> None:
        self._start(store, db)
        self.stored: Plan | None = None
        self.plan: Plan | None = None
        self.problems: list[Problem] = []
        self.findings: list[Finding] = []
        self.objectives: list[ObjectiveForm] = []
        self.saved_revision: int | None = None
        self._parent_options: list[tuple[str, str]] = []

        periods = self.store.periods()
        today = dt.date.today()
        label = period or default_period(periods) or f"{today.year}-Q{(today.month - 1) // 3 + 1}"
        choices = list(periods)
        if periods:  # the period after the last stored one can be planned too
            try:
                following = Period.parse(periods[-1]).next().label
            except OKRKitError:
                following = None
            if following is not None and following not in choices:
                choices.append(following)
        self.period = period_dropdown(choices, label)
        self.team = widgets.Combobox(value=team or "", options=[], description="Team",
                                     placeholder="team name", ensure_option=False,
                                     continuous_update=False)
        self.start = widgets.Dropdown(
            options=[("the stored plan", START_STORED), ("a template", START_TEMPLATE),
                     ("blank", START_BLANK)], value=START_STORED, description="Start from")
        self.category = widgets.Dropdown(
            options=[("all templates", "")] + [(v, k) for k, v in CATEGORY_LABELS.items()],
            value="", description="Category")
        self.template = widgets.Dropdown(options=[], description="Template",
                                         layout=layout_width("520px"))
        self.prefix = widgets.Text(value="", description="Id prefix", layout=layout_width("200px"))
        self.template_parent = widgets.Dropdown(options=[("— none —", NO_PARENT)],
                                                value=NO_PARENT, description="Align under",
                                                layout=layout_width("420px"))
        self.template_owner = widgets.Text(value="", description="Owner",
                                           placeholder="(template's owners)")
        self.start_button = widgets.Button(description="Start", icon="play")
        self.objectives_box = widgets.VBox([])
        self.add_objective_button = widgets.Button(description="+ objective", icon="plus")
        self.lint_panel = widgets.HTML("")
        self.alignment = widgets.HTML("")
        self._build_room(refresh_seconds)
        # stable hooks for the browser tests and for styling
        for w, name in ((self.start, "okr-start"), (self.start_button, "okr-start-button"),
                        (self.lint_panel, "okr-lint-panel"), (self.alignment, "okr-alignment")):
            w.add_class(name)
        self.author = widgets.Text(value=author or current_user() or "", description="Author")
        self.save_button = widgets.Button(description="Save plan", button_style="primary",
                                          icon="save")
        self.export_path = widgets.Text(value="", description="YAML path",
                                        placeholder="plans/team.yaml", layout=layout_width("420px"))
        self.save_button.add_class("okr-save-plan")
        self.export_button = widgets.Button(description="Export YAML", icon="download")
        self.export_preview = widgets.HTML("")
        self.sources = SourceEditor(self)  # a key result's source: edit, test, backfill
        self.widget = widgets.VBox([
            widgets.HBox([self.period, self.team]),
            heading("1. Start"),
            widgets.HBox([self.start, self.category]),
            self.template,
            widgets.HBox([self.prefix, self.template_owner]),
            self.template_parent,
            self.start_button,
            self.message,  # the same message box shows here and by Save (two views)
            heading("2. Objectives and key results"),
            self.objectives_box,
            self.add_objective_button,
            heading("Sources (key results that measure themselves)"), self.sources.widget,
            heading("Lint (the OKR DO/DON'T list)"),
            self.lint_panel,
            heading("Alignment of the period"),
            self.alignment,
            heading("3. Confidence votes (private until revealed)"),
            self.participant,
            self.vote_box,
            widgets.HBox([self.vote_button, self.reveal_button, self.reset_votes_button,
                          self.refresh_votes_button]),
            self.votes_panel,
            heading("4. Save or export"),
            widgets.HBox([self.author, self.save_button]),
            widgets.HBox([self.export_path, self.export_button]),
            self.message,
            self.export_preview,
            heading("5. Review and approval"),
            self.lifecycle_panel,
            widgets.HBox([self.submit_button]),
        ])
        self.period.observe(self._on_period, names="value")
        self.team.observe(self._on_team, names="value")
        self.category.observe(self._on_category, names="value")
        self.start_button.on_click(lambda _b: self.start_draft())
        self.add_objective_button.on_click(lambda _b: self.add_objective())
        self.save_button.on_click(lambda _b: self.save())
        self.export_button.on_click(lambda _b: self.export())
        self._load_templates()
        self._load_period()
        self._start_ticker()

    # -- loading -----------------------------------------------------------------

    def _load_templates(self) -> None:
        try:
            options = template_options(self.category.value or None)
        except Exception as err:  # the template library is optional decoration
            options = []
            self.message.error(f"templates unavailable: {err}")
        self.template.options = options
        if options:
            self.template.value = options[0][1]

    def _load_period(self) -> None:
        label = self.period.value
        self.stored = None
        if label is not None and label in self.store.periods():
            try:
                self.stored = self.store.load_plan(label)
            except OKRKitError as err:
                self.message.error(str(err))
        teams = self.stored.teams if self.stored is not None else []
        self._busy = True
        try:
            self.team.options = tuple(teams)
            if not self.team.value and teams:
                self.team.value = teams[0]
        finally:
            self._busy = False
        self._load_team()

    def _load_team(self) -> None:
        team = self.team.value.strip()
        self.prefix.value = self._team_prefix(team)
        self._parent_options = self._other_options()
        common = _common_parent(self.stored, team)
        self.template_parent.options = [("— none —", NO_PARENT), *self._parent_options]
        self.template_parent.value = common if common in {
            v for _, v in self.template_parent.options} else NO_PARENT
        self.votes, self.revealed, self.round = {}, False, None
        self.set_draft(draft_from_plan(self.stored, team, self.period.value))
        self.refresh_votes()
        mine = self.votes.get(self.participant.value.strip(), {})
        for oid, x in mine.items():  # your own ballot of the round, to adjust
            if oid in self.vote_sliders:
                self.vote_sliders[oid].value = x
        self.refresh_state()

    def _team_prefix(self, team: str) -> str:
        """The id prefix the team used in this period, else in the latest period it has."""
        if self.stored is not None and team in self.stored.teams:
            return team_prefix(team, self.stored)
        for label in reversed(self.store.periods()):
            try:
                plan = self.store.load_plan(label)
            except OKRKitError:
                continue
            if team in plan.teams:
                return team_prefix(team, plan)
        return team_prefix(team)

    def _other_options(self) -> list[tuple[str, str]]:
        if self.stored is None:
            return []
        team = self.team.value.strip()
        obj = self.stored.objectives
        return [(f"{r['objective_id']} · {r['title']} ({r['team']})", r["objective_id"])
                for r in obj[obj["team"] != team].to_dict("records")]

    def other_ids(self) -> list[str]:
        """Objective ids of the period's other teams (valid parents)."""
        return [v for _, v in self._parent_options]

    # -- the draft ---------------------------------------------------------------

    def draft(self) -> dict[str, Any]:
        """What the form holds, as a draft (see the module docstring)."""
        return {"period": self.period.value, "team": self.team.value.strip(),
                "objectives": [f.data() for f in self.objectives]}

    def set_draft(self, draft: Mapping[str, Any]) -> None:
        """Rebuild the forms from a draft and refresh the lint panel."""
        opts = self._draft_parent_options(draft)
        self.objectives = [ObjectiveForm(o, opts) for o in draft.get("objectives", [])]
        for i, form in enumerate(self.objectives):
            for w in form.inputs():
                w.observe(self._on_input, names="value")
            form.add_kr_button.on_click(lambda _b, i=i: self.add_key_result(i))
            form.remove_button.on_click(lambda _b, i=i: self.remove_objective(i))
            for j, kr in enumerate(form.key_results):
                kr.remove_button.on_click(lambda _b, i=i, j=j: self.remove_key_result(i, j))
        self.objectives_box.children = [f.box for f in self.objectives]
        self.refresh()

    def _draft_parent_options(self, draft: Mapping[str, Any]) -> list[tuple[str, str]]:
        own = [(f"{o.get('id')} · {o.get('title') or '(untitled)'} (this team)", str(o["id"]))
               for o in draft.get("objectives", []) if not is_blank(o.get("id"))]
        return [("— none —", NO_PARENT), *self._parent_options, *own]

    def start_draft(self) -> None:
        """Apply the ``start`` choice: the stored plan, a template or a blank draft."""
        self.message.clear()
        period, team = self.period.value, self.team.value.strip()
        if not team:
            self.message.error("type a team name first")
            return
        if self.start.value == START_BLANK:
            self.set_draft(blank_draft(period, team))
            self.message.info("blank draft: add objectives")
        elif self.start.value == START_STORED:
            self.set_draft(draft_from_plan(self.stored, team, period))
            n = len(self.objectives)
            self.message.info(f"{n} objective{'s' * (n != 1)} of team '{team}' from the store")
        else:
            if not self.template.value:
                self.message.error("choose a template")
                return
            draft, notes = draft_from_template(
                self.template.value, period=period, team=team,
                prefix=self.prefix.value.strip(), parent=self.template_parent.value or None,
                owner=self.template_owner.value.strip() or None)
            if draft is None:
                self.message.error("the template could not be used", notes)
                return
            self.set_draft(draft)
            text = f"template '{self.template.value}' loaded: edit it for your team"
            self.message.info(text + ("; " + "; ".join(notes) if notes else ""))

    def add_objective(self) -> None:
        """Append an empty objective (with one empty key result)."""
        draft = self.draft()
        prefix = self.prefix.value.strip() or team_prefix(draft["team"], self.stored)
        obj = blank_objective(next_objective_id(draft, prefix), draft["team"])
        obj["key_results"].append(blank_key_result(next_kr_id(obj)))
        draft["objectives"].append(obj)
        self.set_draft(draft)

    def remove_objective(self, i: int) -> None:
        draft = self.draft()
        if 0 <= i < len(draft["objectives"]):
            del draft["objectives"][i]
            self.set_draft(draft)

    def add_key_result(self, i: int) -> None:
        draft = self.draft()
        if 0 <= i < len(draft["objectives"]):
            obj = draft["objectives"][i]
            obj["key_results"].append(blank_key_result(next_kr_id(obj)))
            self.set_draft(draft)

    def remove_key_result(self, i: int, j: int) -> None:
        draft = self.draft()
        if 0 <= i < len(draft["objectives"]) and 0 <= j < len(
                draft["objectives"][i]["key_results"]):
            del draft["objectives"][i]["key_results"][j]
            self.set_draft(draft)

    # -- live feedback -----------------------------------------------------------

    def _on_input(self, change: Any) -> None:
        if not self._busy:
            self.refresh()

    def _on_category(self, change: Any) -> None:
        self._load_templates()

    def refresh(self) -> None:
        """Validate and lint the draft; show problems next to their fields and the tree."""
        draft = self.draft()
        self.plan, self.problems = draft_to_plan(draft, self.other_ids())
        self.findings = lint_draft(draft, self.other_ids())
        self.lint_panel.value = lint_panel_html(self.findings, self.problems)
        self._show_field_problems()
        self._refresh_parent_options(draft)
        self.alignment.value = alignment_tree_html(
            period_objectives(self.stored, self.plan, draft["team"], draft),
            highlight_team=draft["team"])
        self._refresh_vote_sliders()

    def _show_field_problems(self) -> None:
        per_obj: dict[int, list[str]] = {}
        per_kr: dict[tuple[int, int], list[str]] = {}
        for p in self.problems:
            i, j, _ = locate(p)
            if i is None:
                continue
            if j is None:
                per_obj.setdefault(i, []).append(problem_line(p))
            else:
                per_kr.setdefault((i, j), []).append(problem_line(p))
        obj_index = {f.id.value.strip(): i for i, f in enumerate(self.objectives)}
        kr_index = {k.id.value.strip(): (i, j) for i, f in enumerate(self.objectives)
                    for j, k in enumerate(f.key_results)}
        for f in self.findings:
            text = f"{f.severity}: {f.field + ': ' if f.field else ''}{f.message}"
            if f.kr_id and f.kr_id in kr_index:
                per_kr.setdefault(kr_index[f.kr_id], []).append(text)
            elif f.objective_id and f.objective_id in obj_index and not f.kr_id:
                per_obj.setdefault(obj_index[f.objective_id], []).append(text)
        for i, form in enumerate(self.objectives):
            form.problems.value = field_problems_html(per_obj.get(i, []))
            for j, kr in enumerate(form.key_results):
                kr.problems.value = field_problems_html(per_kr.get((i, j), []))

    def _refresh_parent_options(self, draft: Mapping[str, Any]) -> None:
        opts = self._draft_parent_options(draft)
        self._busy = True
        try:
            for form in self.objectives:
                value = form.parent.value
                own_id = form.id.value.strip()
                new = with_value([o for o in opts if o[1] != own_id or not own_id], value)
                if list(form.parent.options) != new:
                    form.parent.options = new
                    form.parent.value = value
        finally:
            self._busy = False

    # -- save / export -----------------------------------------------------------

    def _validated(self) -> Plan | None:
        self.refresh()
        errors = [f for f in self.findings if f.severity == "error"]
        if self.plan is None or self.problems or errors:
            n = len(self.problems) + len(errors)
            self.message.error(
                f"nothing saved: fix the {n} problem{'s' * (n != 1)} shown next to the fields",
                [*self.problems, *(str(f) for f in errors)])
            return None
        return self.plan

    def save(self) -> int | None:
        """Validate, merge the team's objectives into the period's plan, save (one
        transaction). Returns the new revision, or ``None`` when nothing was saved."""
        team = self.team.value.strip()
        if not team:
            self.message.error("nothing saved: type a team name")
            return None
        plan = self._validated()
        if plan is None:
            return None
        merged, problems = merge_team_plan(self.stored, plan, team)
        if merged is None:
            self.message.error("nothing saved: the draft clashes with the period's plan",
                               problems)
            return None
        try:
            rev = self.store.save_plan(
                merged, teams=team, author=self.author.value.strip() or None,
                message=f"planning workshop: team {team}")
        except ConflictError as err:  # the draft stays in the form, as typed
            self.message.error(f"nothing saved: {err}. Your draft is kept here: Export YAML "
                               "keeps a copy; Start from the stored plan shows theirs.")
            return None
        except OKRKitError as err:
            self.message.error(f"nothing saved: {err}", getattr(err, "problems", []))
            return None
        self.saved_revision = rev
        label = self.period.value
        if label not in self.period.options:
            self._busy = True
            try:
                self.period.options = [*self.period.options, label]
                self.period.value = label
            finally:
                self._busy = False
        self.stored = self.store.load_plan(label)
        self._parent_options = self._other_options()
        before = self.plan_state
        self.refresh_state()
        note = save_note(before, self.plan_state)
        if note:
            self.refresh_state(note)
        self.refresh_votes()
        self.message.ok(f"saved {label} revision {rev}: {len(plan.objectives)} objectives, "
                        f"{len(plan.key_results)} key results of team '{team}'"
                        + (f". {note}" if note else ""))
        return rev

    def export(self) -> str | None:
        """Write the team's validated plan as YAML to ``export_path``; returns the text."""
        from okrkit.plan import dump_plan, save_plan_yaml

        path = self.export_path.value.strip()
        if not path:
            self.message.error("nothing exported: type a file path")
            return None
        plan = self._validated()
        if plan is None:
            return None
        try:
            written = save_plan_yaml(plan, path)
        except OSError as err:
            self.message.error(f"nothing exported: cannot write {path}: {err.strerror}")
            return None
        text = dump_plan(plan)
        self.export_preview.value = f"<pre class='okr-yaml'>{esc(text)}</pre>"
        self.message.ok(f"exported to {written}")
        return text


def _common_parent(stored: Plan | None, team: str) -> str:
    if stored is None:
        return NO_PARENT
    obj = stored.objectives
    own = obj[obj["team"] == team]
    outside = own.loc[~own["parent_id"].isin(set(own["objective_id"])), "parent_id"].dropna()
    return str(outside.mode().iloc[0]) if len(outside) else NO_PARENT


__all__ = ["REFRESH_SECONDS", "PlanningWorkshopApp", "save_note"]

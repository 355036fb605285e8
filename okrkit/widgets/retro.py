"""The quarterly retrospective: final scores, calibration, overrides, lessons, carry-over.

The class is thin: its callbacks call the pure functions of this module, which the tests
exercise directly —

* :func:`team_scores` — the team's final key result and objective scores with bands;
* :func:`calibration_html` — the seed's scoring guide verdict (0.7–0.8 ideal, < 0.5
  concerning, > 0.9 too easy) and the committed OKRs that missed 1.0;
* :func:`reviews_from_entries` — overrides, reasons, lessons and next actions typed in
  the form as a reviews frame, or the problems (an override needs a reason);
* :func:`carry_forward` — a draft plan for the next period with the unfinished key
  results (score < 1): baseline = the latest value, same target; their objectives are
  kept with their parents; :func:`merge_carried` adds it to the next period's stored plan.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import ipywidgets as widgets
import numpy as np
import pandas as pd

from okrkit.config import current_user
from okrkit.errors import OKRKitError, Problem
from okrkit.frames import Plan, conform, empty, is_blank
from okrkit.period import Period
from okrkit.scoring import Calibration, Scorecard, calibration, score
from okrkit.widgets.common import (
    MessageBox,
    TeamApp,
    chart_html,
    esc,
    fmt_number,
    heading,
    period_dropdown,
    resolve_store,
    table_html,
    team_dropdown,
)

KR_TABLE = {"kr_id": "KR", "title": "key result", "unit": "unit", "baseline": "baseline",
            "target": "target", "value": "final value", "score": "score", "band": "band"}
OBJECTIVE_TABLE = {"objective_id": "objective", "title": "title", "kind": "kind",
                   "score": "score", "band": "band", "final_score": "final score",
                   "final_band": "final band"}
GUIDE = {
    "concerning": "below 0.5: the OKRs were out of reach or the team was blocked — find out why",
    "below ideal": "0.5–0.7: a little short of the sweet spot",
    "ideal": "0.7–0.8: the sweet spot for ambitious OKRs",
    "above ideal": "0.8–0.9: good, maybe not ambitious enough",
    "too easy": "above 0.9: the OKRs were too easy — raise the bar next quarter",
    "no scores": "no scored objectives",
}


# -- pure functions ----------------------------------------------------------------


def team_scores(card: Scorecard, team: str | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The team's key results and its own objectives (not ancestors) from ``card``."""
    obj = card.objectives
    if team is not None:
        obj = obj[obj["team"] == team]
    ids = set(obj["objective_id"])
    krs = card.key_results[card.key_results["objective_id"].isin(ids)]
    return krs.reset_index(drop=True), obj.reset_index(drop=True)


def team_calibration(objectives: pd.DataFrame) -> Calibration:
    """Calibration of these objectives' computed scores (committed misses included)."""
    frame = objectives.set_index("objective_id")
    return calibration(frame["score"], frame["kind"])


def calibration_html(cal: Calibration, objectives: pd.DataFrame | None = None) -> str:
    """The verdict with the seed's guide, and the committed OKRs that missed 1.0."""
    titles = {}
    if objectives is not None:
        titles = dict(zip(objectives["objective_id"], objectives["title"], strict=True))
    colour = {"ideal": "#1b5e20", "concerning": "#b71c1c", "too easy": "#e65100"}.get(
        cal.verdict, "#263238")
    out = (f'<p class="okr-calibration">Mean objective score <b>{esc(fmt_number(cal.mean))}</b> '
           f'over {cal.n} objective{"s" * (cal.n != 1)}: '
           f'<b style="color:{colour}">{esc(cal.verdict)}</b> '
           f"<small>({esc(GUIDE.get(cal.verdict, ''))})</small></p>")
    if cal.committed_misses:
        items = "".join(f"<li><code>{esc(o)}</code> {esc(titles.get(o, ''))}</li>"
                        for o in cal.committed_misses)
        out += ("<p><b>Committed OKRs that missed 1.0</b> (committed means 100% is expected: "
                f"say what got in the way):</p><ul>{items}</ul>")
    else:
        out += "<p>No committed OKR missed 1.0.</p>"
    return out


def reviews_from_entries(
    entries: Mapping[str, Mapping[str, Any]], period: str, keep: set[str] | frozenset[str] = frozenset()
) -> tuple[pd.DataFrame | None, list[Problem]]:
    """The form's review entries as a reviews frame, or ``(None, problems)``.

    ``entries`` maps objective id -> ``{score_override (float or None), override_reason,
    lessons, next_actions}``. An objective with nothing typed is left out unless it is in
    ``keep`` (it has a stored review, which the save then clears). An override needs a
    reason and must lie in [0, 1].
    """
    rows, problems = [], []
    for oid, e in entries.items():
        override = e.get("score_override")
        override = None if is_blank(override) else override
        reason = None if is_blank(e.get("override_reason")) else str(e["override_reason"]).strip()
        lessons = None if is_blank(e.get("lessons")) else str(e["lessons"]).strip()
        actions = None if is_blank(e.get("next_actions")) else str(e["next_actions"]).strip()
        if override is not None:
            try:
                x = float(override)
            except (TypeError, ValueError):
                problems.append(Problem(f"score override '{override}' is not a number",
                                        field="score_override", id=oid))
                continue
            if not 0.0 <= x <= 1.0:
                problems.append(Problem(f"score override {x:g} must be between 0 and 1",
                                        field="score_override", id=oid))
            if reason is None:
                problems.append(Problem("a score override needs a reason: say why the "
                                        "computed score is not the right one",
                                        field="override_reason", id=oid))
            override = x
        elif reason is not None:
            problems.append(Problem("a reason without a score override: set the override or "
                                    "clear the reason", field="score_override", id=oid))
        if override is None and reason is None and lessons is None and actions is None and (
                oid not in keep):
            continue
        rows.append({"objective_id": oid, "period": period, "lessons": lessons,
                     "next_actions": actions, "score_override": override,
                     "override_reason": reason})
    if problems:
        return None, problems
    return conform(pd.DataFrame(rows), "reviews") if rows else empty("reviews"), []


def carry_forward(plan: Plan, card: Scorecard, next_period: str | Period | None = None) -> Plan:
    """A draft plan for the next period with the key results not finished (score < 1).

    Each carried key result keeps its id, title, unit, direction, target and weight; its
    baseline becomes the latest value of the period (the old baseline if there was no
    check-in); due dates and milestones (dated in the old period) are dropped. Objectives
    holding a carried key result are kept, with their ancestors (for alignment; they carry
    no key results of their own unless unfinished ones). Reviews are not carried.
    ``revision`` is ``None``: it is a new draft.
    """
    period = (next_period if isinstance(next_period, Period)
              else Period.parse(next_period) if next_period is not None
              else plan.period.next())
    sc = card.key_results.drop_duplicates("kr_id").set_index("kr_id")
    krs = plan.key_results.reset_index(drop=True)
    scores = sc["score"].reindex(krs["kr_id"]).to_numpy(dtype="float64")
    values = sc["value"].reindex(krs["kr_id"]).to_numpy(dtype="float64")
    unfinished = ~(scores >= 1.0 - 1e-9)
    carried = krs[unfinished].copy()
    latest = values[unfinished]
    old = carried["baseline"].to_numpy(dtype="float64")
    carried["baseline"] = np.where(np.isnan(latest), old, latest)
    carried["due"] = None
    carried["milestones"] = None
    obj = plan.objectives
    parents = dict(zip(obj["objective_id"], obj["parent_id"], strict=True))
    keep: set[str] = set()
    for oid in carried["objective_id"]:
        cur = oid
        while cur is not None and cur in parents and cur not in keep:
            keep.add(cur)
            cur = parents[cur]
    objectives = obj[obj["objective_id"].isin(keep)].copy()
    objectives["period"] = period.label
    return replace(
        plan,
        period=period,
        objectives=conform(objectives, "objectives"),
        key_results=conform(carried, "key_results") if len(carried) else empty("key_results"),
        reviews=empty("reviews"),
        revision=None,
        source=None,
    )


def merge_carried(
    stored: Plan | None, carried: Plan, team: str | None
) -> tuple[Plan | None, list[Problem]]:
    """The next period's plan with the carried objectives added.

    No stored plan: the carried plan (with its ancestors) is the period's plan. Else the
    carried ancestors already stored are not repeated, missing ones are added; refused
    (problems) when the team already has objectives in that period — export the YAML and
    merge it in the planning workshop instead — or an id is used there already.
    """
    if stored is None:
        return carried, []
    label = stored.period.label
    have = set(stored.objectives["objective_id"])
    problems = []
    if team is not None and (stored.objectives["team"] == team).any():
        problems.append(Problem(
            f"team '{team}' already has objectives in {label}: export the carried plan as "
            "YAML and merge it in the planning workshop", field="team"))
    own = carried.objectives
    if team is not None:
        own = own[own["team"] == team]
    for oid in own["objective_id"]:
        if oid in have:
            problems.append(Problem(f"objective id '{oid}' is already used in {label}",
                                    field="id", id=oid))
    have_kr = set(stored.key_results["kr_id"])
    for kid in carried.key_results["kr_id"]:
        if kid in have_kr:
            problems.append(Problem(f"key result id '{kid}' is already used in {label}",
                                    field="id", id=kid))
    if problems:
        return None, problems
    new_obj = carried.objectives[~carried.objectives["objective_id"].isin(have)]
    objectives = pd.concat([stored.objectives, new_obj], ignore_index=True)
    krs = pd.concat([stored.key_results, carried.key_results], ignore_index=True)
    return stored.with_frames(objectives=objectives, key_results=krs), []


# -- widgets ---------------------------------------------------------------------------


def _login() -> str | None:
    return current_user()


class ReviewForm:
    """One objective's review: ``use_override`` (Checkbox), ``override`` (FloatText),
    ``reason`` (Text), ``lessons``, ``next_actions`` (Textarea), ``problems`` (HTML).

    Typing an override value ticks ``use_override``; untick it to drop the override.
    """

    def __init__(self, objective: Mapping[Any, Any], review: Mapping[Any, Any] | None) -> None:
        review = review or {}
        self.objective_id = str(objective["objective_id"])
        stored = review.get("score_override")
        has = not is_blank(stored)
        start = float(stored) if stored is not None and has else (0.0 if is_blank(objective.get("score")) else
                                           round(float(objective["score"]), 2))
        self.label = widgets.HTML(
            f"<b><code>{esc(self.objective_id)}</code> {esc(objective.get('title'))}</b> "
            f"<small>({esc(objective.get('kind'))}; score "
            f"{esc(fmt_number(objective.get('score')))}, {esc(objective.get('band'))})</small>")
        self.use_override = widgets.Checkbox(value=has, description="override score",
                                             indent=False, layout=widgets.Layout(width="130px"))
        self.override = widgets.BoundedFloatText(value=start, min=0.0, max=1.0, step=0.05,
                                                 layout=widgets.Layout(width="90px"))
        self.reason = widgets.Text(value=review.get("override_reason") or "",
                                   placeholder="why the computed score is not right",
                                   description="reason", layout=widgets.Layout(width="520px"))
        self.lessons = widgets.Textarea(value=review.get("lessons") or "",
                                        placeholder="lessons learned", description="lessons",
                                        layout=widgets.Layout(width="700px", height="60px"))
        self.next_actions = widgets.Textarea(value=review.get("next_actions") or "",
                                             placeholder="actions for next quarter",
                                             description="next actions",
                                             layout=widgets.Layout(width="700px", height="60px"))
        self.problems = widgets.HTML("")
        self.override.observe(self._on_override, names="value")
        self.box = widgets.VBox(
            [self.label, widgets.HBox([self.use_override, self.override, self.reason]),
             self.problems, self.lessons, self.next_actions],
            layout=widgets.Layout(border="1px solid #cfd8dc", padding="4px", margin="4px 0"))

    def _on_override(self, change: Any) -> None:
        self.use_override.value = True

    def entry(self) -> dict[str, Any]:
        return {
            "score_override": self.override.value if self.use_override.value else None,
            "override_reason": self.reason.value,
            "lessons": self.lessons.value,
            "next_actions": self.next_actions.value,
        }


class RetrospectiveApp(TeamApp):
    """The quarterly retrospective of one team.

    Parameters
    ----------
    db
        Store URL (``None``: ``$OKRKIT_DB`` or ``sqlite:///data/okrkit.db``).
    period
        Period label; default the latest stored period that has ended, else the latest.
    team
        Team; default the first team with key results.
    store
        An open store (wins over ``db``; not closed by the app).
    as_of
        Scoring date; default ``None`` (a finished period is scored at its end).

    Widgets: ``period``, ``team`` (Dropdown), ``kr_table``, ``objective_table``,
    ``calibration_panel``, ``chart`` (HTML); ``reviews`` (objective id ->
    :class:`ReviewForm`), ``save_button``; ``carry_button`` (build the carried draft),
    ``carry_preview`` (HTML, the YAML), ``carry_save_button``, ``carry_path`` (Text),
    ``carry_export_button``; ``message`` (MessageBox), ``widget``.
    State: ``plan`` (team view), ``card``, ``krs``, ``team_objectives``, ``cal``,
    ``carried`` (Plan or None).
    """

    def __init__(
        self,
        db: str | None = None,
        period: str | None = None,
        team: str | None = None,
        store: Any = None,
        as_of: Any = None,
        author: str | None = None,
    ) -> None:
        self.store, self._owns_store = resolve_store(store, db)
        self.as_of = as_of
        self.author = author or _login()
        self.message = MessageBox()
        self.plan: Plan | None = None
        self.card: Scorecard | None = None
        self.krs = pd.DataFrame()
        self.team_objectives = pd.DataFrame()
        self.cal: Calibration | None = None
        self.carried: Plan | None = None
        self.reviews: dict[str, ReviewForm] = {}
        self._busy = False

        periods = self.store.periods()
        label = period or _default_retro_period(periods)
        self.period = period_dropdown(periods, label)
        self.team = team_dropdown([], None)
        self._wanted_team = team
        self.kr_table = widgets.HTML("")
        self.objective_table = widgets.HTML("")
        self.calibration_panel = widgets.HTML("")
        self.chart = widgets.HTML("")
        self.reviews_box = widgets.VBox([])
        self.save_button = widgets.Button(description="Save retrospective",
                                          button_style="primary", icon="save")
        self.carry_button = widgets.Button(description="Carry unfinished KRs",
                                           icon="share")
        self.carry_preview = widgets.HTML("")
        self.carry_save_button = widgets.Button(description="Save carried plan", icon="save")
        self.carry_path = widgets.Text(value="", description="YAML path",
                                       placeholder="plans/next.yaml",
                                       layout=widgets.Layout(width="420px"))
        self.carry_export_button = widgets.Button(description="Export carried YAML",
                                                  icon="download")
        self.widget = widgets.VBox([
            widgets.HBox([self.period, self.team]),
            heading("Final scores"),
            self.objective_table,
            self.kr_table,
            self.chart,
            heading("Calibration"),
            self.calibration_panel,
            heading("Overrides, lessons learned, next-quarter actions"),
            self.reviews_box,
            self.save_button,
            self.message,
            heading("Carry unfinished key results into the next period"),
            self.carry_button,
            widgets.HBox([self.carry_save_button, self.carry_path, self.carry_export_button]),
            self.carry_preview,
        ])
        self.period.observe(self._on_period, names="value")
        self.team.observe(self._on_team, names="value")
        self.save_button.on_click(lambda _b: self.save())
        self.carry_button.on_click(lambda _b: self.build_carry())
        self.carry_save_button.on_click(lambda _b: self.save_carry())
        self.carry_export_button.on_click(lambda _b: self.export_carry())
        self._load_period(team)

    # -- loading (_load_period, close: TeamApp) -------------------------------


    def _load_team(self) -> None:
        label, team = self.period.value, self.team.value
        self.carried = None
        self.carry_preview.value = ""
        if label is None or team is None:
            return
        self.plan = self.store.load_plan(label, team)
        checkins = self.store.checkins(period=label, team=team)
        self.card = score(self.plan, checkins, self.as_of)
        self.krs, self.team_objectives = team_scores(self.card, team)
        self.cal = team_calibration(self.team_objectives)
        self.kr_table.value = table_html(self.krs, KR_TABLE, band_column="band")
        self.objective_table.value = table_html(self.team_objectives, OBJECTIVE_TABLE,
                                                band_column="final_band")
        self.calibration_panel.value = calibration_html(self.cal, self.team_objectives)
        krs = self.krs
        self.chart.value = chart_html(lambda c: c.kr_progress_chart(krs))
        stored = self.plan.reviews.set_index("objective_id")
        self.reviews = {}
        for o in self.team_objectives.to_dict("records"):
            oid = o["objective_id"]
            review = stored.loc[oid].to_dict() if oid in stored.index else None
            self.reviews[oid] = ReviewForm(o, review)
        self.reviews_box.children = [f.box for f in self.reviews.values()]

    # -- actions -----------------------------------------------------------------

    def entries(self) -> dict[str, dict[str, Any]]:
        return {oid: f.entry() for oid, f in self.reviews.items()}

    def save(self) -> bool:
        """Validate the reviews and write them (``store.save_reviews``); ``True`` if saved."""
        if self.plan is None:
            self.message.error("nothing to save: no plan loaded")
            return False
        label = self.period.value
        keep = set(self.plan.reviews["objective_id"])
        frame, problems = reviews_from_entries(self.entries(), label, keep)
        for oid, form in self.reviews.items():
            mine = [p for p in problems if p.id == oid]
            form.problems.value = "" if not mine else (
                '<ul style="color:#b71c1c;margin:0 0 0 18px">'
                + "".join(f"<li>{esc((p.field or '') + ': ' + p.message)}</li>" for p in mine)
                + "</ul>")
        if frame is None:
            self.message.error("nothing saved: fix the problems shown next to the fields",
                               problems)
            return False
        if frame.empty:
            self.message.info("nothing to save: type lessons, actions or an override first")
            return False
        try:
            self.store.save_reviews(frame, label, author=self.author)
        except OKRKitError as err:
            self.message.error(f"nothing saved: {err}", getattr(err, "problems", []))
            return False
        n = len(frame)
        self._load_team()
        self.message.ok(f"saved the retrospective of {n} objective{'s' * (n != 1)} ({label})")
        return True

    def build_carry(self) -> Plan | None:
        """Build the carried draft for the next period and show it as YAML."""
        from okrkit.plan import dump_plan

        if self.plan is None or self.card is None:
            self.message.error("no plan loaded")
            return None
        try:
            self.carried = carry_forward(self.plan, self.card)
        except OKRKitError as err:  # e.g. a custom period has no "next quarter"
            self.message.error(f"cannot carry forward: {err}")
            return None
        n = len(self.carried.key_results)
        if n == 0:
            self.carry_preview.value = "<p>Every key result reached 1.0: nothing to carry.</p>"
            self.message.info("nothing to carry")
            return self.carried
        text = dump_plan(self.carried)
        self.carry_preview.value = (
            f"<p>{n} unfinished key result{'s' * (n != 1)} carried into "
            f"{esc(self.carried.period.label)} (baseline = latest value, same target):</p>"
            f"<pre class='okr-yaml'>{esc(text)}</pre>")
        self.message.info(f"carried draft for {self.carried.period.label} built: save or "
                          "export it")
        return self.carried

    def save_carry(self) -> int | None:
        """Save the carried draft into the next period (added to its stored plan)."""
        carried = self.carried if self.carried is not None else self.build_carry()
        if carried is None or carried.key_results.empty:
            return None
        label = carried.period.label
        stored = self.store.load_plan(label) if label in self.store.periods() else None
        merged, problems = merge_carried(stored, carried, self.team.value)
        if merged is None:
            self.message.error("carried plan not saved", problems)
            return None
        try:
            rev = self.store.save_plan(merged, author=self.author,
                                       message=f"carried from {self.period.value} "
                                               f"(team {self.team.value})")
        except OKRKitError as err:
            self.message.error(f"carried plan not saved: {err}", getattr(err, "problems", []))
            return None
        self.message.ok(f"carried plan saved as {label} revision {rev}")
        return rev

    def export_carry(self) -> str | None:
        """Write the carried draft as YAML to ``carry_path``."""
        from okrkit.plan import save_plan_yaml

        carried = self.carried if self.carried is not None else self.build_carry()
        if carried is None:
            return None
        path = self.carry_path.value.strip()
        if not path:
            self.message.error("nothing exported: type a file path")
            return None
        try:
            written = save_plan_yaml(carried, path)
        except OSError as err:
            self.message.error(f"nothing exported: cannot write {path}: {err.strerror}")
            return None
        self.message.ok(f"carried plan exported to {written}")
        return str(written)


def _default_retro_period(periods: list[str]) -> str | None:
    """The latest period that has ended, else the latest."""
    import datetime as dt

    today = dt.date.today()
    ended = []
    for label in periods:
        try:
            if Period.parse(label).end < today:
                ended.append(label)
        except OKRKitError:
            continue
    return ended[-1] if ended else (periods[-1] if periods else None)


__all__ = [
    "RetrospectiveApp",
    "ReviewForm",
    "calibration_html",
    "carry_forward",
    "merge_carried",
    "reviews_from_entries",
    "team_calibration",
    "team_scores",
]

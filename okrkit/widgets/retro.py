"""The quarterly retrospective: final scores, calibration, overrides, lessons, carry-over.

Only widgets: the callbacks call :func:`okrkit.insights.team_view` (the team's final key
result and objective scores), :func:`okrkit.insights.team_calibration` with
:func:`okrkit.htmlkit.calibration_html` (the verdict in the words of the policy's scoring
guide), :func:`okrkit.planning.reviews_from_entries` (overrides, reasons, lessons and next
actions; the one override rule) and :func:`okrkit.planning.carry_forward` /
:func:`~okrkit.planning.merge_carried` (the unfinished key results into the next period).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import ipywidgets as widgets
import pandas as pd

from okrkit.calibration_view import ConfidenceView, confidence_html, gather_confidence
from okrkit.config import current_user
from okrkit.errors import OKRKitError
from okrkit.frames import Plan, is_blank
from okrkit.htmlkit import (
    amount,
    calibration_html,
    chart_html,
    esc,
    num,
    status_html,
    table_html,
)
from okrkit.insights import team_calibration, team_view
from okrkit.period import Period, as_date
from okrkit.planning import carry_forward, merge_carried, reviews_from_entries
from okrkit.scoring import Calibration, Scorecard, ScoringPolicy, score
from okrkit.widgets.common import (
    TeamApp,
    auto_width,
    heading,
    period_dropdown,
    team_dropdown,
)
from okrkit.widgets.retro_close import ClosePanel

KR_TABLE = {"kr_id": "KR", "title": "key result", "unit": "unit", "baseline": "baseline",
            "target": "target", "value": "final value", "score": "score", "band": "band",
            "status": "outcome"}
OBJECTIVE_TABLE = {"objective_id": "objective", "title": "title", "kind": "kind",
                   "score": "score", "band": "band", "final_score": "final score",
                   "final_band": "final band", "status": "outcome"}


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
            f"{esc(num(objective.get('score')))}, {esc(objective.get('band'))})</small>")
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
    author
        Recorded as the author of the saves; default the login name.
    policy
        Bands, status and calibration thresholds (default :class:`ScoringPolicy`).

    Widgets: ``period``, ``team`` (Dropdown), ``kr_table``, ``objective_table``,
    ``calibration_panel``, ``chart``, ``confidence_panel`` (HTML: how well the team's
    confidences forecast its outcomes over the last closed quarters); ``reviews`` (objective id ->
    :class:`ReviewForm`), ``save_button``; ``carry_button`` (build the carried draft),
    ``carry_preview`` (HTML, the YAML), ``carry_save_button``, ``carry_path`` (Text),
    ``carry_export_button``; ``closing`` (:class:`~okrkit.widgets.retro_close.ClosePanel`:
    the plan's state and the Close period button); ``message`` (MessageBox), ``widget``.
    State: ``plan`` (team view), ``card``, ``krs``, ``team_objectives``, ``cal``,
    ``confidence`` (:class:`~okrkit.calibration_view.ConfidenceView`), ``carried`` (Plan
    or None).
    """

    def __init__(
        self,
        db: str | None = None,
        period: str | None = None,
        team: str | None = None,
        store: Any = None,
        as_of: Any = None,
        author: str | None = None,
        policy: ScoringPolicy | None = None,
    ) -> None:
        self._start(store, db, policy)
        self.as_of = as_of
        self.author = author or current_user()
        self.plan: Plan | None = None
        self.card: Scorecard | None = None
        self.krs = pd.DataFrame()
        self.team_objectives = pd.DataFrame()
        self.cal: Calibration | None = None
        self.carried: Plan | None = None
        self.confidence: ConfidenceView | None = None
        self.reviews: dict[str, ReviewForm] = {}

        periods = self.store.periods()
        label = period or _default_retro_period(periods)
        self.period = period_dropdown(periods, label)
        self.team = team_dropdown([], None)
        self._wanted_team = team
        self.kr_table = widgets.HTML("")
        self.objective_table = widgets.HTML("")
        self.calibration_panel = widgets.HTML("")
        self.chart = widgets.HTML("")
        self.confidence_panel = widgets.HTML("")
        self.reviews_box = widgets.VBox([])
        self.closing = ClosePanel(self.store, self.message, self.author)
        self.save_button = widgets.Button(description="Save retrospective", layout=auto_width(),
                                          button_style="primary", icon="save")
        self.carry_button = widgets.Button(description="Carry unfinished KRs", layout=auto_width(),
                                           icon="share")
        self.carry_preview = widgets.HTML("")
        self.carry_save_button = widgets.Button(
            description="Save carried plan", icon="save", layout=auto_width())
        self.carry_path = widgets.Text(value="", description="YAML path",
                                       placeholder="plans/next.yaml",
                                       layout=widgets.Layout(width="420px"))
        self.carry_export_button = widgets.Button(
            description="Export carried YAML", layout=auto_width(), icon="download")
        self.widget = widgets.VBox([
            widgets.HBox([self.period, self.team]),
            heading("Final scores"),
            self.objective_table,
            self.kr_table,
            self.chart,
            heading("Calibration"),
            self.calibration_panel,
            heading("How well we knew: confidence calibration"),
            self.confidence_panel,
            heading("Overrides, lessons learned, next-quarter actions"),
            self.reviews_box,
            self.save_button,
            self.message,
            heading("Carry unfinished key results into the next period"),
            self.carry_button,
            widgets.HBox([self.carry_save_button, self.carry_path, self.carry_export_button]),
            self.carry_preview,
            # -- the plan's lifecycle: close the period (okrkit.widgets.retro_close) --
            heading("Close the period"),
            self.closing.box,
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
        self.card = score(self.plan, checkins, self.as_of, self.policy)
        self.krs, self.team_objectives = team_view(self.card, team)
        self.cal = team_calibration(self.card, team)
        # a closed period's status is its outcome (✅ / 🟡 / ❌); before the end, the status
        heads = {"status": "outcome" if self.card.closed else "status so far"}
        self.kr_table.value = table_html(
            _with_status_html(self.krs), KR_TABLE | heads, band_column="band",
            markup={"status"}, formats=dict.fromkeys(("baseline", "target", "value"), amount),
            numeric={"baseline", "target", "value", "score"})
        self.objective_table.value = table_html(
            _with_status_html(self.team_objectives), OBJECTIVE_TABLE | heads,
            band_column="final_band", markup={"status"})
        titles = dict(zip(self.team_objectives["objective_id"], self.team_objectives["title"],
                          strict=True))
        self.calibration_panel.value = calibration_html(self.cal, self.policy, titles=titles)
        krs, policy = self.krs, self.policy
        self.chart.value = chart_html(lambda c: c.kr_progress_chart(krs, policy))
        self._show_confidence(team)
        stored = self.plan.reviews.set_index("objective_id")
        self.reviews = {}
        for o in self.team_objectives.to_dict("records"):
            oid = o["objective_id"]
            review = stored.loc[oid].to_dict() if oid in stored.index else None
            self.reviews[oid] = ReviewForm(o, review)
        self.reviews_box.children = [f.box for f in self.reviews.values()]
        self.closing.show(label, team, self.as_of)

    def _show_confidence(self, team: str) -> None:
        """The team's confidence calibration over the last closed quarters up to the period."""
        assert self.plan is not None
        self.confidence = gather_confidence(self.store, self.plan.period,
                                            as_date(self.as_of), team, policy=self.policy)
        self.confidence_panel.value = confidence_html(self.confidence)

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
            rev = self.store.save_reviews(frame, label, author=self.author)
        except OKRKitError as err:
            self.message.error(f"nothing saved: {err}", getattr(err, "problems", []))
            return False
        n = len(frame)
        self._load_team()
        self.message.ok(f"saved the retrospective of {n} objective{'s' * (n != 1)} ({label})"
                        + "".join(f"; {note}" for note in getattr(rev, "notes", ())))
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
        self.message.ok(f"carried plan saved as {label} revision {rev}"
                        + "".join(f"; {note}" for note in getattr(rev, "notes", ())))
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


def _with_status_html(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(status=[status_html(v) for v in frame["status"]])


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


__all__ = ["RetrospectiveApp", "ReviewForm"]

"""What-if: move targets, values, weights and a stretch factor; watch the scores move.

The class is thin: its callbacks call the pure functions of this module, which the tests
exercise directly —

* :func:`slider_range` — a slider's min, max and step around baseline, target and value;
* :func:`changed` — the slider values that differ from where they started (so an
  untouched slider is no override);
* :func:`check_targets` — refuses an ``increase``/``decrease`` target equal to its baseline;
* :func:`scenario_diff` / :func:`diff_html` — objective scores before and after;
* :func:`okrkit.insights.forecast_table` / :func:`~okrkit.insights.suggestions_table` —
  the Monte Carlo forecast (expected score, P(score >= the policy's ``green_from``)) and the
  targets that score would need (the "aim for 70%" of
  ``docs/seeds/okrs-framework-for-ai-projects.md``).

Rescoring uses :class:`okrkit.whatif.WhatIfSession` (precomputed once), so a slider move
costs a vectorised recomputation, not a full scoring.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import ipywidgets as widgets
import pandas as pd

from okrkit import charts, rules
from okrkit.backtest import ReadOnce
from okrkit.calibration_view import TrackRecord, gather_track_record, track_record_html
from okrkit.errors import OKRKitError, Problem
from okrkit.forecasting import Forecast, forecast
from okrkit.frames import Plan, empty
from okrkit.htmlkit import esc, num, table_html
from okrkit.insights import FORECAST_COLUMNS, forecast_table, suggestions_table
from okrkit.period import as_date
from okrkit.priors import Priors, shown_priors
from okrkit.scoring import Scorecard, ScoringPolicy, resolve_as_of, score
from okrkit.whatif import (
    DIFF_COLUMNS,
    WhatIfSession,
    checked_targets,
    scenario_inputs,
    score_diff,
)
from okrkit.widgets.common import (
    TeamApp,
    auto_width,
    default_period,
    heading,
    period_dropdown,
    team_dropdown,
)

SIMULATIONS = 1000


# -- pure functions ----------------------------------------------------------------


def _finite(*values: Any) -> list[float]:
    out = []
    for v in values:
        try:
            f = float(v)
        except (TypeError, ValueError):
            continue
        if math.isfinite(f):
            out.append(f)
    return out


def slider_range(baseline: Any, target: Any, value: Any = None,
                 bounds: tuple[float, float] = (-math.inf, math.inf)
                 ) -> tuple[float, float, float]:
    """``(min, max, step)`` of a slider around baseline, target and the latest value.

    Half the span is added on each side (span = max - min of the three; when they are
    all equal, their absolute value, or 1 for zero), never beyond ``bounds`` (the metric's
    physical range, :func:`okrkit.rules.physical_range`: a CSAT slider stops at 100 %);
    the step is a thousandth of the slider's width.

    >>> slider_range(0, 10, 4)
    (-5.0, 15.0, 0.02)
    >>> slider_range(60, 90, 80, bounds=(0.0, 100.0))
    (45.0, 100.0, 0.055)
    """
    pts = _finite(baseline, target, value) or [0.0]
    lo, hi = min(pts), max(pts)
    span = hi - lo or (abs(hi) or 1.0)
    low = max(lo - span / 2, min(bounds[0], lo))
    high = min(hi + span / 2, max(bounds[1], hi))
    step = (high - low) / 1000
    return float(low), float(high), float(step)


def changed(current: Mapping[str, float], initial: Mapping[str, float],
            tol: float | Mapping[str, float] = 1e-12) -> dict[str, float]:
    """The entries of ``current`` that moved from ``initial`` by more than ``tol``."""
    out = {}
    for k, v in current.items():
        t = tol.get(k, 1e-12) if isinstance(tol, Mapping) else tol
        start = initial.get(k)
        if start is None or not (abs(float(v) - float(start)) <= t):
            out[k] = float(v)
    return out


def check_targets(plan: Plan, targets: Mapping[str, float]
                  ) -> tuple[dict[str, float], list[Problem]]:
    """The usable target overrides and a problem for each refused one
    (:func:`okrkit.whatif.checked_targets`, the rule ``what_if`` applies)."""
    return checked_targets(plan, targets)


def scenario_diff(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Objective scores before and after (``okrkit.whatif.DIFF_COLUMNS``), plan order.

    ``before``/``after`` have ``objective_id, title, score, band`` (a scorecard's
    objectives, or :meth:`WhatIfSession.apply`).
    """
    return score_diff(before, after, "objective_id")


def diff_html(diff: pd.DataFrame, overall_before: float, overall_after: float) -> str:
    """The diff as an escaped table, changed rows marked, with the overall score."""
    d = overall_after - overall_before
    head = (f'<p class="okr-overall">Overall <b>{esc(num(overall_before))}</b> → '
            f'<b>{esc(num(overall_after))}</b> ({esc(num(d, signed=True))})</p>')
    return head + table_html(
        diff.assign(band=diff["band_after"]),
        {"id": "objective", "title": "title", "score_before": "stored", "score_after":
         "what-if", "delta": "change", "band_before": "band", "band_after": "band after",
         "changed": "changed"},
        formats={"delta": lambda v: num(v, signed=True)},
        band_column="band",
    )


# -- widgets ---------------------------------------------------------------------------


class KRSliders:
    """Sliders of one key result: ``target`` and ``value`` (FloatSlider), ``label``."""

    def __init__(self, kr: Mapping[Any, Any],
                 bounds: tuple[float, float] = (-math.inf, math.inf)) -> None:
        self.kr_id = str(kr["kr_id"])
        self.direction = kr["direction"]
        base, target, value = kr["baseline"], kr["target"], kr["value"]
        lo, hi, step = slider_range(base, target, value, bounds)
        start_value = value if _finite(value) else (base if _finite(base) else float(target))
        self.step = step
        self.label = widgets.HTML(
            f"<code>{esc(self.kr_id)}</code> {esc(kr['title'])} <small>({esc(kr['direction'])}"
            f", baseline {esc(num(base))} {esc(kr['unit'])})</small>")
        style = {"description_width": "50px"}
        layout = widgets.Layout(width="420px")
        self.target = widgets.FloatSlider(value=float(target), min=lo, max=hi, step=step,
                                          description="target", readout_format=".4g",
                                          style=style, layout=layout)
        self.value = widgets.FloatSlider(value=float(start_value), min=lo, max=hi, step=step,
                                         description="value", readout_format=".4g",
                                         style=style, layout=layout)
        self.target.add_class("okr-target")
        self.initial_target = float(self.target.value)
        self.initial_value = float(self.value.value)
        self.box = widgets.VBox([self.label, widgets.HBox([self.target, self.value])])


class WhatIfApp(TeamApp):
    """What-if for one team: sliders, a live diff against the stored scorecard, forecast.

    Parameters
    ----------
    db
        Store URL (``None``: ``$OKRKIT_DB`` or ``sqlite:///data/okrkit.db``).
    period
        Period label; default the stored period containing ``as_of`` (else the latest).
    team
        Team; default the first team with key results.
    as_of
        Scoring date; default today clipped into the period.
    store
        An open store (wins over ``db``; not closed by the app).
    simulations, seed
        The forecast's Monte Carlo runs and random seed.
    policy
        Bands, status and the forecast's goal (``green_from``: P(score >= it) and the
        targets it would need); default :class:`ScoringPolicy`.

    Widgets: ``period``, ``team`` (Dropdown); ``krs`` (kr_id -> :class:`KRSliders` with
    ``.target`` and ``.value``), ``weights`` (objective id -> FloatSlider), ``stretch``
    (FloatSlider), ``reset_button``; ``diff_panel`` (HTML), ``forecast_panel`` (HTML),
    ``forecast_button`` (forecast the scenario), ``apply_suggestions_button`` (move the
    target sliders to the suggestions for ``policy.green_from``); ``message`` (MessageBox), ``widget``.
    State: ``plan``, ``checkins``, ``card`` (stored scorecard), ``session``
    (WhatIfSession), ``diff`` (last diff frame), ``overall``, ``forecast`` (Forecast),
    ``forecast_frame``, ``suggestions``, ``track`` (the forecast's
    :class:`~okrkit.calibration_view.TrackRecord` over the last closed quarters, shown
    under its probabilities).
    """

    def __init__(
        self,
        db: str | None = None,
        period: str | None = None,
        team: str | None = None,
        as_of: Any = None,
        store: Any = None,
        simulations: int = SIMULATIONS,
        seed: int = 0,
        policy: ScoringPolicy | None = None,
    ) -> None:
        self._start(store, db, policy)
        self.as_of = as_date(as_of)
        self.simulations = simulations
        self.seed = seed
        self.plan: Plan | None = None
        self.checkins = empty("checkins")
        self.card: Scorecard | None = None
        self.session: WhatIfSession | None = None
        self.diff = pd.DataFrame(columns=DIFF_COLUMNS)
        self.overall = float("nan")
        self.forecast: Forecast | None = None
        self.forecast_frame = pd.DataFrame(columns=FORECAST_COLUMNS)
        self.suggestions = pd.DataFrame()
        self.track: TrackRecord | None = None
        self._priors: Priors | None = None  # the forecast's priors, of period _priors_for
        self._priors_for: str | None = None
        self.krs: dict[str, KRSliders] = {}
        self.weights: dict[str, widgets.FloatSlider] = {}

        periods = self.store.periods()
        label = period or default_period(periods, self.as_of)
        self.period = period_dropdown(periods, label)
        self.team = team_dropdown([], None)
        self.stretch = widgets.FloatSlider(value=1.0, min=0.5, max=2.0, step=0.05,
                                           description="stretch", readout_format=".2f")
        self.reset_button = widgets.Button(description="Reset", icon="undo")
        self.kr_box = widgets.VBox([])
        self.weight_box = widgets.VBox([])
        self.diff_panel = widgets.HTML("")
        self.diff_panel.add_class("okr-diff")
        # interactive and offline: Altair's JupyterChart with its JavaScript bundled
        self.chart = charts.show(charts.whatif_chart(self.diff, policy=self.policy),
                                 mode="offline")
        self.chart.add_class("okr-whatif-chart")
        self.forecast_panel = widgets.HTML("")
        self.forecast_button = widgets.Button(
            description="Forecast this scenario", layout=auto_width(), icon="line-chart")
        self.apply_suggestions_button = widgets.Button(
            description="Use 70% targets", layout=auto_width(), icon="bullseye")
        self.widget = widgets.VBox([
            widgets.HBox([self.period, self.team]),
            heading("Global stretch (multiplies every target's distance from its baseline)"),
            widgets.HBox([self.stretch, self.reset_button]),
            heading("Key results: target and latest value"),
            self.kr_box,
            heading("Objective weights"),
            self.weight_box,
            self.message,
            heading("Scores: stored vs what-if"),
            self.diff_panel,
            self.chart,
            heading("Forecast to the period end"),
            widgets.HBox([self.forecast_button, self.apply_suggestions_button]),
            self.forecast_panel,
        ])
        self.period.observe(self._on_period, names="value")
        self.team.observe(self._on_team, names="value")
        self.stretch.observe(self._on_slider, names="value")
        self.reset_button.on_click(lambda _b: self.reset())
        self.forecast_button.on_click(lambda _b: self.run_forecast(scenario=True))
        self.apply_suggestions_button.on_click(lambda _b: self.apply_suggestions())
        self._load_period(team)

    # -- loading (_load_period, close: TeamApp) -------------------------------


    def _load_team(self) -> None:
        label, team = self.period.value, self.team.value
        if label is None or team is None:
            return
        self.plan = self.store.load_plan(label, team)
        self.checkins = self.store.checkins(period=label, team=team)
        day = resolve_as_of(self.plan.period, self.as_of)
        self.day = day
        self.card = score(self.plan, self.checkins, day, self.policy)
        self.session = WhatIfSession(self.plan, self.checkins, day, policy=self.policy)
        self._busy = True
        try:
            self.stretch.value = 1.0
            self.krs = {}
            low, high = rules.physical_range(self.plan.key_results)
            bounds = {k: (float(a), float(b)) for k, a, b in
                      zip(self.plan.key_results["kr_id"], low, high, strict=True)}
            for kr in self.card.key_results.to_dict("records"):
                row = KRSliders(kr, bounds.get(kr["kr_id"], (-math.inf, math.inf)))
                row.target.observe(self._on_slider, names="value")
                row.value.observe(self._on_slider, names="value")
                self.krs[row.kr_id] = row
            self.weights = {}
            for o in self.card.objectives.to_dict("records"):
                w = float(o["weight"])
                s = widgets.FloatSlider(value=w, min=0.1, max=max(5.0, w), step=0.1,
                                        description=str(o["objective_id"]),
                                        readout_format=".1f")
                s.observe(self._on_slider, names="value")
                self.weights[str(o["objective_id"])] = s
        finally:
            self._busy = False
        self.kr_box.children = [r.box for r in self.krs.values()]
        self.weight_box.children = list(self.weights.values())
        self.refresh()
        reads = ReadOnce(self.store)  # the track record and the priors read the same quarters
        self.track = gather_track_record(reads, self.plan.period, day, policy=self.policy)
        if self._priors_for != self.plan.period.label:
            self._priors = shown_priors(reads, self.plan.period)
            self._priors_for = self.plan.period.label
        self.run_forecast(scenario=False)

    # -- callbacks ---------------------------------------------------------------

    def _on_slider(self, change: Any) -> None:
        if not self._busy:
            self.refresh()

    # -- actions -----------------------------------------------------------------

    def overrides(self) -> tuple[dict[str, float], dict[str, float], dict[str, float],
                                 list[Problem]]:
        """``(targets, values, weights, problems)`` of the sliders that moved."""
        tol = {k: r.step / 2 for k, r in self.krs.items()}
        targets = changed({k: r.target.value for k, r in self.krs.items()},
                          {k: r.initial_target for k, r in self.krs.items()}, tol)
        values = changed({k: r.value.value for k, r in self.krs.items()},
                         {k: r.initial_value for k, r in self.krs.items()}, tol)
        stored_w = {} if self.card is None else dict(
            zip(self.card.objectives["objective_id"], self.card.objectives["weight"],
                strict=True))
        weights = changed({k: s.value for k, s in self.weights.items()}, stored_w, 0.05)
        problems: list[Problem] = []
        if self.plan is not None:
            targets, problems = check_targets(self.plan, targets)
        return targets, values, weights, problems

    def refresh(self) -> pd.DataFrame:
        """Rescore the scenario (WhatIfSession) and show the diff."""
        if self.session is None or self.card is None:
            return self.diff
        targets, values, weights, problems = self.overrides()
        try:
            after = self.session.apply(targets=targets, values=values, weights=weights,
                                       stretch=self.stretch.value)
        except OKRKitError as err:
            self.message.error(str(err))
            return self.diff
        if problems:
            self.message.error("some changes are ignored", problems)
        else:
            self.message.clear()
        self.overall = self.session.overall
        self.diff = scenario_diff(self.card.objectives, after)
        self.diff_panel.value = diff_html(self.diff, self.card.overall, self.overall)
        self.chart.chart = charts.whatif_chart(self.diff, policy=self.policy)
        return self.diff

    def reset(self) -> None:
        """Every slider back to the stored plan."""
        self._busy = True
        try:
            self.stretch.value = 1.0
            for r in self.krs.values():
                r.target.value = r.initial_target
                r.value.value = r.initial_value
            if self.card is not None:
                for o in self.card.objectives.to_dict("records"):
                    self.weights[o["objective_id"]].value = float(o["weight"])
        finally:
            self._busy = False
        self.refresh()

    def run_forecast(self, scenario: bool = True) -> pd.DataFrame:
        """Forecast the stored plan (``scenario=False``) or the sliders' scenario."""
        if self.plan is None or self.card is None:
            return self.forecast_frame
        plan, card = self.plan, self.card
        checkins: pd.DataFrame | None = self.checkins
        title = "stored plan"
        if scenario:
            targets, values, weights, _ = self.overrides()
            try:
                plan, checkins = scenario_inputs(
                    self.plan, self.checkins, self.day, targets=targets, values=values,
                    weights=weights, stretch=self.stretch.value)
            except OKRKitError as err:
                self.message.error(str(err))
                return self.forecast_frame
            card = score(plan, checkins, self.day, self.policy)
            title = "what-if scenario"
        self.forecast = forecast(plan, checkins, self.day, simulations=self.simulations,
                                 seed=self.seed, policy=self.policy, prior=self._priors)
        goal = self.policy.green_from
        self.forecast_frame = forecast_table(card, self.forecast)
        self.suggestions = suggestions_table(plan, checkins, self.day, self.forecast, goal)
        pct = {"p_score_07": lambda v: "—" if pd.isna(v) else f"{float(v):.0%}"}
        self.forecast_panel.value = (
            f"<p>Forecast of the <b>{esc(title)}</b> ({self.simulations} simulations, "
            f"as of {esc(self.day)}):</p>"
            + table_html(self.forecast_frame,
                         {"objective_id": "objective", "title": "title", "score": "score now",
                          "expected_score": "expected at end", "p_score_07": f"P(score ≥ {goal:g})"},
                         formats=pct)
            + "<p><b>How good is this forecast?</b></p>"
            + track_record_html(self.track, chart=False)
            + f"<p>Targets a {goal:.0%} score would need (from the expected end value):</p>"
            + table_html(self.suggestions,
                         {"kr_id": "KR", "title": "title", "baseline": "baseline",
                          "target": "target", "expected_end_value": "expected end",
                          "suggested_target": f"target for {goal:.0%}",
                          "reason": "why none"},
                         formats={c: num for c in ("baseline", "target", "expected_end_value",
                                                   "suggested_target")}))
        return self.forecast_frame

    def apply_suggestions(self) -> int:
        """Move target sliders to the suggested targets; returns how many moved.

        A key result without an honest target (``suggested_target`` NaN: the target would
        leave the metric's physical range, or the forecast does not move toward it) is
        never moved; the message gives the reason instead.
        """
        if self.suggestions.empty:
            return 0
        n = 0
        skipped: list[str] = []
        self._busy = True
        try:
            for r in self.suggestions.to_dict("records"):
                s = r["suggested_target"]
                row = self.krs.get(r["kr_id"])
                if row is None:
                    continue
                if not _finite(s):
                    skipped.append(f"{r['kr_id']}: {r.get('reason') or 'no honest target'}")
                    continue
                if s > row.target.max:
                    row.target.max = float(s)
                if s < row.target.min:
                    row.target.min = float(s)
                row.target.value = float(s)
                n += 1
        finally:
            self._busy = False
        self.refresh()
        moved = (f"{n} target{'s' * (n != 1)} moved to the "
                 f"{self.policy.green_from:.0%} suggestion")
        if skipped:
            self.message.error(f"{moved}; {len(skipped)} left as they are (no honest "
                               "target)", skipped)
        else:
            self.message.info(moved)
        return n


__all__ = [
    "KRSliders",
    "WhatIfApp",
    "changed",
    "check_targets",
    "diff_html",
    "scenario_diff",
    "slider_range",
]

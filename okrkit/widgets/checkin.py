"""The weekly check-in app: one row per key result of a team, a live preview, Save.

Only widgets: the callbacks call :mod:`okrkit.entries` (the typed rows as check-ins, the
one check-in validator, the preview scores), :func:`okrkit.insights.recent_checkins` (each
key result's last three check-ins, shown where the next one is written) and
:func:`okrkit.insights.weekly_summary` (the weekly update). Nothing is saved while any
problem remains; problems are shown next to the field.

The app starts fast: charts (Altair, vl-convert) are drawn only when their panel is
opened, so building the app never imports them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import ipywidgets as widgets
import pandas as pd

from okrkit.config import current_user
from okrkit.entries import (
    DERIVED,
    PREVIEW_COLUMNS,
    check_entries,
    entries_to_checkins,
    score_entries,
)
from okrkit.errors import CheckinError, OKRKitError, Problem
from okrkit.frames import STATUSES, Plan, empty
from okrkit.htmlkit import amount, chart_html, esc, num, problems_html, status_html, table_html
from okrkit.insights import recent_checkins, weekly_summary
from okrkit.pull import latest_pulled, provenance_label
from okrkit.scoring import Scorecard, ScoringPolicy, score
from okrkit.widgets.common import (
    TeamApp,
    default_day,
    default_period,
    heading,
    period_dropdown,
    team_dropdown,
)

#: Next to an untouched confidence slider: it shows the last confidence, which is not saved.
UNSET_HINT = ('<small class="okr-confidence-unset" style="color:#78909c">last one: not saved '
              "unless moved</small>")


def history_html(history: pd.DataFrame | None, unit: Any = None) -> str:
    """The last check-ins of one key result as a small table (newest first), or a note."""
    if history is None or not len(history):
        return '<div class="okr-history"><small><i>no check-ins yet</i></small></div>'
    u = f" {unit}" if isinstance(unit, str) and unit else ""
    table = table_html(
        history, {"date": "date", "value": "value", "confidence": "confidence",
                  "note": "note", "author": "by"},
        formats={"value": lambda v: amount(v) + u, "confidence": num,
                 "note": lambda v: "" if not isinstance(v, str) else v},
        numeric={"value", "confidence"}, css_class="okr-history-table")
    return (f'<div class="okr-history" style="font-size:90%;color:#37474f;margin:2px 0 4px 0">'
            f"<small>last check-ins:</small>{table}</div>")


def pulled_html(pulled: Mapping[str, Any] | None, unit: Any = None) -> str:
    """A sourced key result's latest pulled value and its provenance (kind, connection,
    fetch time), or ``""`` when it has none (:func:`okrkit.pull.latest_pulled`)."""
    if not pulled:
        return ""
    u = f" {unit}" if isinstance(unit, str) and unit else ""
    where = provenance_label(pulled)
    return (f'<div class="okr-pulled" style="font-size:90%;color:#1b5e20">pulled '
            f'<b class="okr-pulled-value">{esc(amount(pulled["value"]) + u)}</b> on '
            f"{esc(pulled['date'])} from <span class=\"okr-pulled-source\">{esc(where)}</span>, "
            f'fetched <span class="okr-pulled-at">{esc(pulled.get("fetched_at"))}</span>: '
            "confirm or correct it, and add confidence and notes</div>")


class KRRow:
    """The input widgets of one key result.

    Attributes: ``value`` (Text: blank = no check-in), ``confidence`` (FloatSlider 0–1; it
    starts at the last confidence, and only a confidence someone set is saved:
    ``confidence_set``), ``status`` (Dropdown; :data:`DERIVED` = let okrkit derive it),
    ``note``, ``blockers``, ``achievements`` (Text), ``problems`` (HTML: this row's
    validation problems), ``label`` (HTML: the title and the last check-ins; ``history``
    is the same widget), ``box``.
    """

    def __init__(self, kr: Mapping[Any, Any], last: Mapping[Any, Any] | None = None,
                 history: pd.DataFrame | None = None,
                 pulled: Mapping[str, Any] | None = None) -> None:
        self.kr_id = str(kr["kr_id"])
        unit = f" {kr['unit']}" if kr.get("unit") else ""
        base = "" if pd.isna(kr.get("baseline")) else f"{amount(kr['baseline'])} → "
        last_txt = (
            f"last {amount(last['value'])}{unit} on {last['date']}" if last else "no check-in yet"
        )
        # one HTML widget for the title and the last check-ins (fewer widgets: a faster start)
        self.label = widgets.HTML(
            f"<b>{esc(self.kr_id)}</b> {esc(kr.get('title'))} "
            f"<small style='color:#546e7a'>({esc(kr.get('direction'))} {esc(base)}"
            f"{esc(amount(kr.get('target')))}{esc(unit)}; {esc(last_txt)})</small>"
            + history_html(history, kr.get("unit"))
        )
        self.history = self.label
        self.value = widgets.Text(
            value="",
            placeholder=f"{float(last['value']):g}" if last else "value",
            description="value",
            layout=widgets.Layout(width="220px"),
        )
        self.value.add_class("okr-value")  # stable hooks for browser tests and styling
        # a sourced key result: its latest pulled value is the one the team confirms or
        # corrects (prefilled while no later check-in was typed in)
        self.pulled = widgets.HTML(pulled_html(pulled, kr.get("unit")))
        self.prefill = "" if pulled is None or (last and last["date"] > pulled["date"]) \
            else f"{float(pulled['value']):g}"
        self.value.value = self.prefill
        conf = last.get("confidence") if last else None
        self.confidence = widgets.FloatSlider(
            value=0.7 if conf is None or pd.isna(conf) else float(conf),
            min=0.0,
            max=1.0,
            step=0.05,
            description="confidence",
            readout_format=".2f",
            continuous_update=False,
        )
        self.confidence_set = False
        self.confidence.observe(self._on_confidence, names="value")
        self.status = widgets.Dropdown(
            options=self._status_options("?"), value=DERIVED, description="status"
        )
        wide = {"description_width": "90px"}  # "achievements" in full
        self.note = widgets.Text(placeholder="note", description="note", style=wide)
        self.blockers = widgets.Text(placeholder="blockers", description="blockers",
                                     style=wide)
        self.achievements = widgets.Text(placeholder="achievements",
                                         description="achievements", style=wide)
        self.confidence_hint = widgets.HTML(UNSET_HINT if last else "")
        self.problems = widgets.HTML("")
        self.preview = widgets.HTML("")
        self.box = widgets.VBox(
            [
                self.label,
                *([self.pulled] if pulled else []),
                widgets.HBox([self.value, self.confidence, self.confidence_hint, self.status,
                              self.preview]),
                widgets.HBox([self.note, self.blockers, self.achievements]),
                self.problems,
            ],
            layout=widgets.Layout(border="1px solid #eceff1", padding="4px", margin="2px 0"),
        )

    @staticmethod
    def _status_options(derived: str) -> list[tuple[str, str]]:
        return [(f"(derived: {derived})", DERIVED)] + [(s, s) for s in STATUSES]

    def _on_confidence(self, change: Any) -> None:
        self.confidence_set = True
        self.confidence_hint.value = ""

    def inputs(self) -> list[widgets.Widget]:
        return [self.value, self.confidence, self.status, *self.text_widgets()]

    def text_widgets(self) -> list[widgets.Text]:
        return [self.note, self.blockers, self.achievements]

    def entry(self) -> dict[str, Any]:
        """What was typed, as an entry for :func:`entries_to_checkins` (the confidence only
        when someone set it: an untouched slider only shows the last one)."""
        return {
            "value": self.value.value,
            "confidence": self.confidence.value if self.confidence_set else None,
            "status": self.status.value,
            "note": self.note.value,
            "blockers": self.blockers.value,
            "achievements": self.achievements.value,
        }

    def set_derived(self, status: str) -> None:
        """Show the derived status in the dropdown's first option (keeps the choice)."""
        options = self._status_options(status)
        if list(self.status.options) == options:
            return
        chosen = self.status.value
        self.status.options = options
        self.status.value = chosen

    def show_problems(self, problems: list[Problem]) -> None:
        items = [
            f"{p.field}: {p.message}" if p.field else p.message for p in problems
        ]
        self.problems.value = (
            f'<div style="color:#b71c1c">{problems_html(items)}</div>' if items else ""
        )

    def clear(self) -> None:
        self.value.value = ""
        self.confidence_set = False
        self.confidence_hint.value = UNSET_HINT
        self.status.value = DERIVED
        for w in self.text_widgets():
            w.value = ""
        self.problems.value = ""


#: How many earlier check-ins each key result shows.
HISTORY = 3


class CheckinApp(TeamApp):
    """Weekly check-ins for one team: type values, watch the preview, Save.

    Parameters
    ----------
    db
        Store URL (``None``: ``$OKRKIT_DB`` or ``sqlite:///data/okrkit.db``).
    period
        Period label; default the stored period containing ``as_of`` (else the latest).
    team
        Team to check in for; default the first team with key results.
    as_of
        Check-in date (and date of the preview); default today clipped into the period.
    store
        An open :class:`~okrkit.store.Store` (wins over ``db``; not closed by the app).
    author
        Recorded as the check-ins' author; default the login name.
    policy
        Bands, status and calibration thresholds (default :class:`ScoringPolicy`).

    Widgets: ``period``, ``team`` (Dropdown), ``date`` (DatePicker), ``author`` (Text),
    ``rows`` (kr_id -> :class:`KRRow`), ``save_button``, ``message`` (MessageBox),
    ``date_problems`` (HTML next to the date), ``preview_table``, ``summary`` (HTML),
    ``summary_markdown`` (Textarea), ``chart`` and ``burnup`` (HTML, SVG) inside
    ``charts_panel`` (an Accordion, closed at first: the charts are drawn when it is
    opened, or by :meth:`show_charts`), ``widget``. Each row shows its last three
    check-ins (:data:`HISTORY`).
    State: ``plan`` (team plan), ``checkins`` (effective check-ins of the team),
    ``preview_frame``, ``card`` (preview scorecard), ``saved`` (rows saved so far).
    """

    def __init__(
        self,
        db: str | None = None,
        period: str | None = None,
        team: str | None = None,
        as_of: Any = None,
        store: Any = None,
        author: str | None = None,
        policy: ScoringPolicy | None = None,
    ) -> None:
        self._start(store, db, policy)
        self.plan: Plan | None = None
        self.checkins = empty("checkins")
        self.rows: dict[str, KRRow] = {}
        self.preview_frame = pd.DataFrame(columns=PREVIEW_COLUMNS)
        self.card: Scorecard | None = None
        self.saved = 0

        periods = self.store.periods()
        label = period or default_period(periods, as_of)
        self.period = period_dropdown(periods, label)
        self.date = widgets.DatePicker(value=default_day(label, as_of), description="Date")
        self.date_problems = widgets.HTML("")
        self.team = team_dropdown([], None)
        self.author = widgets.Text(value=author or current_user() or "", description="Author")
        self.rows_box = widgets.VBox([])
        self.preview_table = widgets.HTML("")
        self.save_button = widgets.Button(
            description="Save check-ins", button_style="primary", icon="save"
        )
        self.save_button.add_class("okr-save")
        self.summary = widgets.HTML("")
        self.summary_markdown = widgets.Textarea(
            value="", layout=widgets.Layout(width="100%", height="160px")
        )
        self.chart = widgets.HTML("")
        self.burnup = widgets.HTML("")
        self.charts_panel = widgets.Accordion(
            children=[widgets.VBox([self.chart, self.burnup])], selected_index=None)
        self.charts_panel.set_title(0, "Charts: progress against expected pace")
        self.charts_panel.add_class("okr-charts")
        self.widget = widgets.VBox(
            [
                widgets.HBox([self.period, self.team, self.date, self.author]),
                self.date_problems,
                self.rows_box,
                widgets.HBox([self.save_button]),
                self.message,
                heading("Preview (with the values above)"),
                self.preview_table,
                self.charts_panel,
                heading("Weekly update"),
                self.summary,
                widgets.HTML("<small>Markdown to paste into chat or e-mail:</small>"),
                self.summary_markdown,
            ]
        )
        self.save_button.on_click(self._on_save)
        self.period.observe(self._on_period, names="value")
        self.team.observe(self._on_team, names="value")
        self.date.observe(self._on_date, names="value")
        self.charts_panel.observe(self._on_charts, names="selected_index")
        self._load_period(team)

    # -- loading (_load_period, close: TeamApp) -------------------------------


    def _load_team(self) -> None:
        label, team = self.period.value, self.team.value
        if label is None or team is None:
            self.rows = {}
            self.rows_box.children = []
            return
        self.plan = self.store.load_plan(label, team)
        held = self.store.checkins(period=label, team=team, with_source=True)
        pulled = latest_pulled(held)
        self.checkins = held.drop(columns="source")
        recent = recent_checkins(self.checkins, HISTORY)
        self.rows = {}
        for kr in self.plan.key_results.to_dict("records"):
            history = recent.get(str(kr["kr_id"]))
            prior = history.iloc[0].to_dict() if history is not None else None
            row = KRRow(kr, prior, history, pulled.get(str(kr["kr_id"])))
            for w in row.inputs():
                w.observe(self._on_input, names="value")
            self.rows[row.kr_id] = row
        self.rows_box.children = [r.box for r in self.rows.values()]
        if not self.rows:
            self.message.info(f"team '{team}' has no key results in {label}")
        self.date_problems.value = ""
        self.refresh()

    # -- callbacks ---------------------------------------------------------------

    def _on_date(self, change: Any) -> None:
        self.date_problems.value = ""
        self.refresh()

    def _on_input(self, change: Any) -> None:
        if not self._busy:
            self.refresh_preview()

    def _on_save(self, _button: Any = None) -> None:
        self.save()

    def _on_charts(self, change: Any) -> None:
        if self.charts_open:
            self.refresh_chart()

    # -- actions -----------------------------------------------------------------

    def entries(self) -> dict[str, dict[str, Any]]:
        """What is typed in the form, kr_id -> entry."""
        return {kr_id: row.entry() for kr_id, row in self.rows.items()}

    def refresh_preview(self) -> pd.DataFrame:
        """Recompute the preview table from the typed values (no chart: that is slower)."""
        if self.plan is None:
            return self.preview_frame
        self.card, frame = score_entries(self.plan, self.checkins, self.entries(),
                                         self.date.value, self.policy)
        self.preview_frame = frame
        self._busy = True
        try:
            for rec in frame.to_dict("records"):
                row = self.rows.get(rec["kr_id"])
                if row is None:
                    continue
                row.set_derived(rec["status"])
                pace = ("" if self.card.closed else
                        f"pace {esc(num(rec['pace'], signed=True))} · ")
                row.preview.value = (
                    f"<small>score {esc(num(rec['score']))} · {esc(rec['band'])} · "
                    f"{pace}{status_html(rec['status'])}</small>"
                )
        finally:
            self._busy = False
        columns = {"kr_id": "KR", "title": "title", "value": "value", "unit": "unit",
                   "target": "target", "score": "score", "band": "band"}
        if self.card.closed:  # final outcomes: nothing left to pace
            columns |= {"status": "outcome", "entered": "new"}
        else:
            columns |= {"expected": "expected", "pace": "pace", "status": "status",
                        "entered": "new"}
        self.preview_table.value = table_html(
            frame.assign(status=[status_html(v) for v in frame["status"]]),
            columns,
            formats={
                "value": amount,
                "target": amount,
                "pace": lambda v: num(v, signed=True),
                "entered": lambda v: "✎" if v else "",
            },
            markup={"status"},
            band_column="band",
            empty="no key results",
        )
        return frame

    def refresh_summary(self) -> None:
        """Weekly update from the stored check-ins as of the date."""
        if self.plan is None:
            return
        card = score(self.plan, self.checkins, self.date.value, self.policy)
        self.summary.value = weekly_summary(card, self.checkins, fmt="html")
        self.summary_markdown.value = weekly_summary(card, self.checkins)

    @property
    def charts_open(self) -> bool:
        """Whether the charts panel is open (its charts are drawn and kept current)."""
        return self.charts_panel.selected_index == 0

    def show_charts(self) -> None:
        """Open the charts panel (which draws the charts)."""
        if self.charts_open:
            self.refresh_chart()
        else:
            self.charts_panel.selected_index = 0

    def refresh_chart(self) -> None:
        """Each KR's score against expected pace, and its burn-up over the period (SVG)."""
        if self.card is None:
            self.chart.value = self.burnup.value = ""
            return
        card, ck, plan = self.card, self.checkins, self.plan
        self.chart.value = chart_html(
            lambda charts: charts.kr_progress_chart(card.key_results, card.policy))
        self.burnup.value = chart_html(
            lambda charts: charts.burnup_chart(card.key_results, ck, card.period, card.as_of,
                                               plan)
        )

    def refresh(self) -> None:
        """Preview, weekly summary, and the charts when their panel is open."""
        self.refresh_preview()
        if self.charts_open:
            self.refresh_chart()
        self.refresh_summary()

    def save(self) -> int:
        """Validate and save what is typed; returns the check-ins saved (0 on problems)."""
        for row in self.rows.values():
            row.show_problems([])
        self.date_problems.value = ""
        if self.plan is None:
            self.message.error("no plan loaded")
            return 0
        frame = entries_to_checkins(self.entries(), self.date.value, self.author.value)
        parsed, problems = check_entries(self.plan, frame)
        if problems:
            self._show_problems(frame, problems)
            return 0
        assert parsed is not None
        try:
            n = int(self.store.add_checkins(parsed, source="check-in widget"))
        except CheckinError as err:
            self._show_problems(frame, list(err.problems))
            return 0
        except OKRKitError as err:
            self.message.error(f"nothing saved: {err}")
            return 0
        self.saved += n
        self._busy = True
        try:
            for row in self.rows.values():
                row.clear()
        finally:
            self._busy = False
        label, team = self.period.value, self.team.value
        self.checkins = self.store.checkins(period=label, team=team)
        self.refresh()
        self.message.ok(f"saved {n} check-in{'s' if n != 1 else ''} for {team} on {self.date.value}")
        return n

    def _show_problems(self, frame: pd.DataFrame, problems: list[Problem]) -> None:
        ids = frame["kr_id"].tolist()
        by_kr: dict[str, list[Problem]] = {}
        date_msgs: list[str] = []
        for p in problems:
            kr = p.id or (ids[p.row - 1] if p.row and 0 < p.row <= len(ids) else None)
            if p.field == "date":
                if p.message not in date_msgs:
                    date_msgs.append(p.message)
                continue
            if kr in self.rows:
                by_kr.setdefault(kr, []).append(p)
        for kr, probs in by_kr.items():
            self.rows[kr].show_problems(probs)
        self.date_problems.value = (
            f'<div style="color:#b71c1c">{problems_html(date_msgs)}</div>' if date_msgs else ""
        )
        n = len(problems)
        self.message.error(
            f"nothing saved: {n} problem{'s' if n != 1 else ''} to fix", problems
        )

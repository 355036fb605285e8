"""The weekly check-in app: one row per key result of a team, a live preview, Save.

The class is thin: its callbacks call the pure functions of this module, which the tests
exercise directly —

* :func:`entries_to_checkins` — the rows typed in the form as a raw check-in frame;
* :func:`check_entries` — validation (``okrkit.plan.validate_checkins`` plus a status /
  value consistency check); problems, never exceptions;
* :func:`preview` / :func:`preview_card` — the scores the team would have with the
  entries saved;
* :func:`weekly_summary` — the weekly update (insights, at-risk list, blockers,
  achievements) as Markdown or escaped HTML.

Nothing is saved while any problem remains; problems are shown next to the field.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

import ipywidgets as widgets
import numpy as np
import pandas as pd

from okrkit.checkins import validate_checkins
from okrkit.config import current_user
from okrkit.errors import CheckinError, OKRKitError, Problem
from okrkit.frames import CHECKIN_COLUMNS, STATUSES, Plan, conform, empty
from okrkit.scoring import Scorecard, resolve_as_of, score
from okrkit.widgets.common import (
    MessageBox,
    TeamApp,
    as_date,
    chart_html,
    default_day,
    default_period,
    esc,
    fmt_number,
    heading,
    period_dropdown,
    problems_html,
    resolve_store,
    risk_reasons,
    table_html,
    team_dropdown,
)

#: Value of the status dropdown's first option: let okrkit derive the status.
DERIVED = "derived"
TEXT_FIELDS = ("note", "blockers", "achievements")
ENTRY_COLUMNS = [c for c in CHECKIN_COLUMNS if c != "recorded_at"]  # the store stamps it
PREVIEW_COLUMNS = [
    "kr_id",
    "title",
    "unit",
    "target",
    "value",
    "progress",
    "score",
    "band",
    "expected",
    "pace",
    "status",
    "entered",
]


# -- pure functions ----------------------------------------------------------------


def is_blank(value: Any) -> bool:
    """``None``, NaN or a blank string."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, float) and math.isnan(value)


def _status(value: Any) -> str | None:
    return None if is_blank(value) or value == DERIVED else str(value)


def entries_to_checkins(
    entries: Mapping[str, Mapping[str, Any]], date: Any, author: str | None = None
) -> pd.DataFrame:
    """The form's entries as a raw check-in frame (``ENTRY_COLUMNS``), in entry order.

    ``entries`` maps kr_id -> ``{value, confidence, status, note, blockers, achievements}``
    (values as typed: text or numbers). A KR whose value is blank and that has no text
    and no explicit status is skipped (no check-in for it); one with text or a status but
    no value is kept so that validation reports the missing value. ``status`` equal to
    :data:`DERIVED` (or blank) becomes ``None``. Nothing is parsed here.
    """
    rows = []
    for kr_id, e in entries.items():
        value = e.get("value")
        texts = {f: (None if is_blank(e.get(f)) else str(e.get(f)).strip()) for f in TEXT_FIELDS}
        status = _status(e.get("status"))
        if is_blank(value) and status is None and not any(texts.values()):
            continue
        conf = e.get("confidence")
        rows.append(
            {
                "kr_id": kr_id,
                "date": as_date(date) if not isinstance(date, str) or date.strip() else None,
                "value": None if is_blank(value) else value,
                "confidence": None if is_blank(conf) else conf,
                "status": status,
                **texts,
                "author": None if is_blank(author) else str(author).strip(),
            }
        )
    return pd.DataFrame(
        {c: pd.Series([r[c] for r in rows], dtype=object) for c in ENTRY_COLUMNS}
    )


def _progress(direction: str, baseline: float, target: float, value: float) -> float:
    """Progress one value means for one key result (threshold KRs: met 1 / not met 0)."""
    if direction == "at_least":
        return 1.0 if value >= target else 0.0
    if direction == "at_most":
        return 1.0 if value <= target else 0.0
    if direction == "milestone":
        return value / target if target else float("nan")
    if target == baseline:
        return float("nan")
    return (value - baseline) / (target - baseline)


def status_conflicts(plan: Plan, frame: pd.DataFrame) -> list[Problem]:
    """Reported statuses that contradict the value reported with them.

    ``Complete`` needs the target reached; ``Not Started`` needs the value still at the
    baseline. ``frame`` is a validated contract frame (row numbers are 1-based).
    """
    krs = plan.key_results.set_index("kr_id")
    problems = []
    for i, rec in enumerate(frame.to_dict("records")):
        status, kr_id = rec.get("status"), rec.get("kr_id")
        if status not in ("Complete", "Not Started") or kr_id not in krs.index:
            continue
        kr = krs.loc[kr_id]
        value = float(rec["value"])
        base = 0.0 if pd.isna(kr["baseline"]) else float(kr["baseline"])
        prog = _progress(kr["direction"], base, float(kr["target"]), value)
        unit = f" {kr['unit']}" if kr["unit"] else ""
        if status == "Complete" and not prog >= 1 - 1e-9:
            problems.append(
                Problem(
                    f"status 'Complete' but the value {value:g}{unit} has not reached the "
                    f"target {float(kr['target']):g}{unit}",
                    row=i + 1,
                    field="status",
                    id=kr_id,
                )
            )
        if status == "Not Started" and kr["direction"] in ("increase", "decrease") and prog > 0:
            problems.append(
                Problem(
                    f"status 'Not Started' but the value {value:g}{unit} has moved from the "
                    f"baseline {base:g}{unit}",
                    row=i + 1,
                    field="status",
                    id=kr_id,
                )
            )
    return problems


def check_entries(plan: Plan, frame: pd.DataFrame) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Validate the raw frame of :func:`entries_to_checkins` against ``plan``.

    Returns ``(contract_frame, [])`` when valid, else ``(None, problems)``; never raises
    for bad input. An empty frame is a problem too (nothing to save).
    """
    if frame.empty:
        return None, [Problem("nothing to save: enter a value for at least one key result")]
    try:
        parsed = validate_checkins(frame, plan=plan)
    except CheckinError as err:
        return None, list(err.problems)
    conflicts = status_conflicts(plan, parsed)
    if conflicts:
        return None, conflicts
    return parsed, []


def _lenient(frame: pd.DataFrame) -> pd.DataFrame:
    """The entries that parse, as a contract frame (for the preview only)."""
    rows = []
    for rec in frame.to_dict("records"):
        text: Any = rec.get("value")
        if is_blank(text):
            continue
        s = str(text).strip().rstrip("%").strip() if isinstance(text, str) else text
        try:
            value = float(s)
        except (TypeError, ValueError):
            continue
        if not math.isfinite(value):
            continue
        conf_raw: Any = rec.get("confidence")
        try:
            conf = float(conf_raw)
        except (TypeError, ValueError):
            conf = float("nan")
        status = rec.get("status")
        rows.append({**rec, "value": value, "confidence": conf,
                     "status": status if status in STATUSES else None})
    out = conform(pd.DataFrame(rows, columns=ENTRY_COLUMNS), "checkins")
    # entered now: they supersede anything already recorded for the same KR and day
    out["recorded_at"] = [dt.datetime(9999, 1, 1)] * len(out)
    return out


def preview_card(
    plan: Plan, checkins: pd.DataFrame | None, entries: Mapping[str, Mapping[str, Any]], as_of: Any
) -> Scorecard:
    """The scorecard at ``as_of`` with the entries recorded as check-ins dated ``as_of``."""
    day = resolve_as_of(plan.period, as_of)
    new = _lenient(entries_to_checkins(entries, day))
    base = conform(checkins, "checkins") if checkins is not None else empty("checkins")
    frames = [f for f in (base, new) if len(f)]
    combined = pd.concat(frames, ignore_index=True) if frames else empty("checkins")
    return score(plan, combined, day)


def preview(
    plan: Plan, checkins: pd.DataFrame | None, entries: Mapping[str, Mapping[str, Any]], as_of: Any
) -> pd.DataFrame:
    """Score, band, pace and status per KR if the entries were saved (``PREVIEW_COLUMNS``).

    ``entered`` marks the KRs whose entry counts (a value that parses); entries that do
    not parse are left out of the preview (Save reports them).
    """
    card = preview_card(plan, checkins, entries, as_of)
    new = _lenient(entries_to_checkins(entries, card.as_of))
    out = card.key_results.copy()
    out["entered"] = out["kr_id"].isin(set(new["kr_id"]))
    return out[PREVIEW_COLUMNS]


def _effective(checkins: pd.DataFrame) -> pd.DataFrame:
    ck = conform(checkins, "checkins")
    ck = ck[ck["date"].notna()]
    if ck["recorded_at"].notna().any():
        ck = ck.assign(_rec=ck["recorded_at"].fillna(dt.datetime.min))
        ck = ck.sort_values(["kr_id", "date", "_rec"], kind="stable").drop(columns="_rec")
    else:
        ck = ck.sort_values(["kr_id", "date"], kind="stable")
    return ck.drop_duplicates(["kr_id", "date"], keep="last").reset_index(drop=True)


def movers(card: Scorecard, checkins: pd.DataFrame, since: Any) -> pd.DataFrame:
    """Progress change per KR between ``since`` and ``card.as_of`` (largest first).

    Columns: kr_id, title, unit, before, now, change (progress points). KRs without a
    check-in after ``since`` are left out.
    """
    since_day = as_date(since)
    cols = ["kr_id", "title", "unit", "before", "now", "change"]
    krs = card.key_results
    if checkins is None or not len(checkins) or since_day is None:
        return pd.DataFrame(columns=cols)
    ck = _effective(checkins)
    ck = ck[ck["kr_id"].isin(set(krs["kr_id"]))]
    ck = ck[(ck["date"] >= card.period.start) & (ck["date"] <= card.as_of)]
    rows = []
    for kr in krs.to_dict("records"):
        mine = ck[ck["kr_id"] == kr["kr_id"]]
        recent = mine[mine["date"] > since_day]
        if recent.empty:
            continue
        older = mine[mine["date"] <= since_day]
        base = 0.0 if pd.isna(kr["baseline"]) else float(kr["baseline"])
        before_value = float(older["value"].iloc[-1]) if len(older) else float("nan")
        now_value = float(recent["value"].iloc[-1])
        p_now = _progress(kr["direction"], base, kr["target"], now_value)
        p_before = (
            _progress(kr["direction"], base, kr["target"], before_value) if len(older) else 0.0
        )
        rows.append(
            {
                "kr_id": kr["kr_id"],
                "title": kr["title"],
                "unit": kr["unit"],
                "before": before_value,
                "now": now_value,
                "change": p_now - p_before,
            }
        )
    out = pd.DataFrame(rows, columns=cols)
    if out.empty:
        return out
    order = np.argsort(-np.abs(out["change"].fillna(0).to_numpy()), kind="stable")
    return out.iloc[order].reset_index(drop=True)


def weekly_summary(
    card: Scorecard,
    checkins: pd.DataFrame | None,
    since: Any = None,
    *,
    fmt: str = "markdown",
    top: int = 3,
) -> str:
    """The weekly update: insights (biggest movers, at-risk list), blockers, achievements.

    ``since`` defaults to a week before ``card.as_of``; the week is ``(since, as_of]``.
    ``fmt="markdown"`` gives Markdown (user text verbatim, for pasting into chat or e-mail);
    ``fmt="html"`` gives HTML with every piece of text escaped.
    """
    if fmt not in ("markdown", "html"):
        raise OKRKitError(f"fmt must be 'markdown' or 'html', not {fmt!r}")
    as_of = card.as_of
    since_day = as_date(since) or as_of - dt.timedelta(days=7)
    krs = card.key_results
    ck = _effective(checkins) if checkins is not None and len(checkins) else empty("checkins")
    ck = ck[ck["kr_id"].isin(set(krs["kr_id"]))]
    week = ck[(ck["date"] > since_day) & (ck["date"] <= as_of)]
    teams = sorted({t for t in krs["team"].dropna()})
    title_of = dict(zip(krs["kr_id"], krs["title"], strict=True))

    counts = krs["status"].value_counts()
    status_line = ", ".join(
        f"{int(counts[s])} {s}" for s in ("Complete", "In Progress", "At Risk", "Not Started")
        if s in counts
    )
    head = f"Weekly update — {', '.join(teams) or 'all teams'} — {card.period} — week to {as_of}"
    intro = [
        f"Overall score {fmt_number(card.overall)} across {len(krs)} key results "
        f"({status_line or 'none'}).",
        f"{week['kr_id'].nunique()} of {len(krs)} key results checked in since {since_day}.",
    ]

    moved = movers(card, ck, since_day)
    moved = moved[moved["change"].abs() > 1e-9].head(top)
    insights = []
    for m in moved.to_dict("records"):
        unit = f" {m['unit']}" if m["unit"] else ""
        before = "no check-in" if pd.isna(m["before"]) else f"{m['before']:g}"
        insights.append(
            f"{'▲' if m['change'] > 0 else '▼'} {m['kr_id']} {m['title']}: {before} → "
            f"{m['now']:g}{unit} (progress {m['change']:+.2f})"
        )
    if not insights:
        insights.append("No key result moved this week.")

    risky = []
    for kr in krs[krs["status"] == "At Risk"].to_dict("records"):
        why = risk_reasons(kr, card.policy, as_of)
        risky.append(
            f"{kr['kr_id']} {kr['title']} — score {fmt_number(kr['score'])}"
            + (f": {why}" if why else "")
        )
    if not risky:
        risky.append("Nothing at risk.")

    def notes(field: str, none: str) -> list[str]:
        items = [
            f"{r['kr_id']} ({r['date']}): {r[field]}"
            for r in week.to_dict("records")
            if not is_blank(r.get(field))
        ]
        return items or [none]

    completed = [
        f"{kr['kr_id']} {title_of[kr['kr_id']]}"
        for kr in krs[krs["status"] == "Complete"].to_dict("records")
    ]
    sections: list[tuple[str, list[str]]] = [
        ("Insights — biggest movers", insights),
        ("At risk", risky),
        ("Blockers", notes("blockers", "No blockers reported.")),
        ("Achievements", notes("achievements", "No achievements reported.")),
    ]
    if completed:
        sections.append(("Complete", completed))
    notes_items = notes("note", "")
    if notes_items != [""]:
        sections.append(("Notes", notes_items))

    if fmt == "markdown":
        lines = [f"## {head}", "", *intro, ""]
        for title, items in sections:
            lines += [f"### {title}", *[f"- {i}" for i in items], ""]
        return "\n".join(lines).rstrip() + "\n"
    parts = [f"<h3>{esc(head)}</h3>", *[f"<p>{esc(i)}</p>" for i in intro]]
    for title, items in sections:
        parts.append(f"<h4>{esc(title)}</h4><ul>{''.join(f'<li>{esc(i)}</li>' for i in items)}</ul>")
    return '<div class="okr-weekly-summary">' + "".join(parts) + "</div>"


def _login() -> str | None:
    return current_user()


# -- the app -----------------------------------------------------------------------


class KRRow:
    """The input widgets of one key result.

    Attributes: ``value`` (Text: blank = no check-in), ``confidence`` (FloatSlider 0–1),
    ``status`` (Dropdown; :data:`DERIVED` = let okrkit derive it), ``note``, ``blockers``,
    ``achievements`` (Text), ``problems`` (HTML: this row's validation problems), ``box``.
    """

    def __init__(self, kr: Mapping[Any, Any], last: Mapping[Any, Any] | None = None) -> None:
        self.kr_id = str(kr["kr_id"])
        unit = f" {kr['unit']}" if kr.get("unit") else ""
        base = "" if pd.isna(kr.get("baseline")) else f"{float(kr['baseline']):g} → "
        last_txt = (
            f"last {float(last['value']):g}{unit} on {last['date']}" if last else "no check-in yet"
        )
        self.label = widgets.HTML(
            f"<b>{esc(self.kr_id)}</b> {esc(kr.get('title'))} "
            f"<small style='color:#546e7a'>({esc(kr.get('direction'))} {esc(base)}"
            f"{esc(fmt_number(kr.get('target'), 4).rstrip('0').rstrip('.'))}{esc(unit)}; "
            f"{esc(last_txt)})</small>"
        )
        self.value = widgets.Text(
            value="",
            placeholder=f"{float(last['value']):g}" if last else "value",
            description="value",
            layout=widgets.Layout(width="220px"),
        )
        self.value.add_class("okr-value")  # stable hooks for browser tests and styling
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
        self.status = widgets.Dropdown(
            options=self._status_options("?"), value=DERIVED, description="status"
        )
        self.note = widgets.Text(placeholder="note", description="note")
        self.blockers = widgets.Text(placeholder="blockers", description="blockers")
        self.achievements = widgets.Text(placeholder="achievements", description="achievements")
        self.problems = widgets.HTML("")
        self.preview = widgets.HTML("")
        self.box = widgets.VBox(
            [
                self.label,
                widgets.HBox([self.value, self.confidence, self.status, self.preview]),
                widgets.HBox([self.note, self.blockers, self.achievements]),
                self.problems,
            ],
            layout=widgets.Layout(border="1px solid #eceff1", padding="4px", margin="2px 0"),
        )

    @staticmethod
    def _status_options(derived: str) -> list[tuple[str, str]]:
        return [(f"(derived: {derived})", DERIVED)] + [(s, s) for s in STATUSES]

    def inputs(self) -> list[widgets.Widget]:
        return [self.value, self.confidence, self.status, *self.text_widgets()]

    def text_widgets(self) -> list[widgets.Text]:
        return [self.note, self.blockers, self.achievements]

    def entry(self) -> dict[str, Any]:
        """What was typed, as an entry for :func:`entries_to_checkins`."""
        return {
            "value": self.value.value,
            "confidence": self.confidence.value,
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
        self.status.value = DERIVED
        for w in self.text_widgets():
            w.value = ""
        self.problems.value = ""


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

    Widgets: ``period``, ``team`` (Dropdown), ``date`` (DatePicker), ``author`` (Text),
    ``rows`` (kr_id -> :class:`KRRow`), ``save_button``, ``message`` (MessageBox),
    ``date_problems`` (HTML next to the date), ``preview_table``, ``summary`` (HTML),
    ``summary_markdown`` (Textarea), ``chart`` and ``burnup`` (HTML, SVG), ``widget``.
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
    ) -> None:
        self.store, self._owns_store = resolve_store(store, db)
        self.message = MessageBox()
        self.plan: Plan | None = None
        self.checkins = empty("checkins")
        self.rows: dict[str, KRRow] = {}
        self.preview_frame = pd.DataFrame(columns=PREVIEW_COLUMNS)
        self.card: Scorecard | None = None
        self.saved = 0
        self._busy = False

        periods = self.store.periods()
        label = period or default_period(periods, as_of)
        self.period = period_dropdown(periods, label)
        self.date = widgets.DatePicker(value=default_day(label, as_of), description="Date")
        self.date_problems = widgets.HTML("")
        self.team = team_dropdown([], None)
        self.author = widgets.Text(value=author or _login() or "", description="Author")
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
        self.widget = widgets.VBox(
            [
                widgets.HBox([self.period, self.team, self.date, self.author]),
                self.date_problems,
                self.rows_box,
                widgets.HBox([self.save_button]),
                self.message,
                heading("Preview (with the values above)"),
                self.preview_table,
                heading("Progress against expected pace"),
                self.chart,
                self.burnup,
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
        self._load_period(team)

    # -- loading (_load_period, close: TeamApp) -------------------------------


    def _load_team(self) -> None:
        label, team = self.period.value, self.team.value
        if label is None or team is None:
            self.rows = {}
            self.rows_box.children = []
            return
        self.plan = self.store.load_plan(label, team)
        self.checkins = self.store.checkins(period=label, team=team)
        last = _effective(self.checkins).drop_duplicates("kr_id", keep="last").set_index("kr_id")
        self.rows = {}
        for kr in self.plan.key_results.to_dict("records"):
            prior = last.loc[kr["kr_id"]].to_dict() if kr["kr_id"] in last.index else None
            row = KRRow(kr, prior)
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

    # -- actions -----------------------------------------------------------------

    def entries(self) -> dict[str, dict[str, Any]]:
        """What is typed in the form, kr_id -> entry."""
        return {kr_id: row.entry() for kr_id, row in self.rows.items()}

    def refresh_preview(self) -> pd.DataFrame:
        """Recompute the preview table from the typed values (no chart: that is slower)."""
        if self.plan is None:
            return self.preview_frame
        self.card = preview_card(self.plan, self.checkins, self.entries(), self.date.value)
        frame = preview(self.plan, self.checkins, self.entries(), self.date.value)
        self.preview_frame = frame
        self._busy = True
        try:
            for rec in frame.to_dict("records"):
                row = self.rows.get(rec["kr_id"])
                if row is None:
                    continue
                row.set_derived(rec["status"])
                row.preview.value = (
                    f"<small>score {esc(fmt_number(rec['score']))} · {esc(rec['band'])} · "
                    f"pace {esc(fmt_number(rec['pace'], signed=True))} · "
                    f"{esc(rec['status'])}</small>"
                )
        finally:
            self._busy = False
        self.preview_table.value = table_html(
            frame,
            {
                "kr_id": "KR",
                "title": "title",
                "value": "value",
                "unit": "unit",
                "target": "target",
                "score": "score",
                "band": "band",
                "expected": "expected",
                "pace": "pace",
                "status": "status",
                "entered": "new",
            },
            formats={
                "value": lambda v: fmt_number(v, 4).rstrip("0").rstrip(".") if not pd.isna(v)
                else "–",
                "target": lambda v: fmt_number(v, 4).rstrip("0").rstrip("."),
                "pace": lambda v: fmt_number(v, signed=True),
                "entered": lambda v: "✎" if v else "",
            },
            band_column="band",
            empty="no key results",
        )
        return frame

    def refresh_summary(self) -> None:
        """Weekly update from the stored check-ins as of the date."""
        if self.plan is None:
            return
        card = score(self.plan, self.checkins, self.date.value)
        self.summary.value = weekly_summary(card, self.checkins, fmt="html")
        self.summary_markdown.value = weekly_summary(card, self.checkins)

    def refresh_chart(self) -> None:
        """Each KR's score against expected pace, and its burn-up over the period (SVG)."""
        if self.card is None:
            self.chart.value = self.burnup.value = ""
            return
        card, ck = self.card, self.checkins
        self.chart.value = chart_html(lambda charts: charts.kr_progress_chart(card.key_results))
        self.burnup.value = chart_html(
            lambda charts: charts.burnup_chart(card.key_results, ck, card.period, card.as_of)
        )

    def refresh(self) -> None:
        """Preview, chart and weekly summary."""
        self.refresh_preview()
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

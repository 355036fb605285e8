"""The retrospective's "Close period" block: the team plan's state and sign-offs, and the
button that completes it (:meth:`okrkit.store.Store.close_plan`, which freezes the final
scores), showing the frozen result or the refusal (the period has not ended; closing early
needs "close before the end" and a reason).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ipywidgets as widgets

from okrkit.errors import OKRKitError, StoreError
from okrkit.htmlkit import esc, num, table_html
from okrkit.lifecycle_view import lifecycle_html
from okrkit.widgets.common import auto_width

FROZEN_TABLE = {"kind": "kind", "item_id": "item", "final_score": "final score",
                "band": "band", "outcome": "outcome"}


class ClosePanel:
    """Widgets: ``state_html`` (HTML: state, header, sign-offs), ``force`` (Checkbox: close
    before the period ends), ``reason`` (Text), ``close_button``, ``frozen_html`` (HTML:
    the frozen final scores), ``box``. ``message`` is the app's MessageBox."""

    def __init__(self, store: Any, message: Any, author: str | None = None) -> None:
        self.store = store
        self.author = author
        self.message = message
        self.period: str | None = None
        self.team: str | None = None
        self.as_of: dt.date | None = None
        self.state_html = widgets.HTML("")
        self.frozen_html = widgets.HTML("")
        self.force = widgets.Checkbox(value=False, description="close before the period ends",
                                      indent=False, layout=widgets.Layout(width="240px"))
        self.reason = widgets.Text(value="", description="reason",
                                   placeholder="why close early (needed with the box ticked)",
                                   layout=widgets.Layout(width="420px"))
        self.close_button = widgets.Button(description="Close period", icon="lock",
                                           button_style="warning", layout=auto_width())
        self.close_button.on_click(lambda _b: self.close())
        self.box = widgets.VBox([self.state_html,
                                 widgets.HBox([self.close_button, self.force, self.reason]),
                                 self.frozen_html])

    def show(self, period: str | None, team: str | None, as_of: Any = None) -> None:
        """Show ``team``'s plan of ``period`` (and its frozen scores once completed)."""
        self.period, self.team = period, team
        self.as_of = as_of if isinstance(as_of, dt.date) else None
        self.state_html.value = self.frozen_html.value = ""
        if period is None or team is None:
            return
        try:
            state = self.store.plan_state(period, team)
        except StoreError:
            return
        self.state_html.value = lifecycle_html(state)
        self.close_button.disabled = state.state == "completed"
        if state.state == "completed":
            self._show_frozen()

    def _show_frozen(self) -> None:
        frozen = self.store.frozen_scores(self.period, self.team)
        self.frozen_html.value = (
            f"<p><b>{esc(self.period)} is closed for {esc(self.team)}</b>: {len(frozen)} final "
            "scores frozen.</p>" + table_html(frozen, FROZEN_TABLE, formats={
                "final_score": num}, numeric={"final_score"}, empty="no scores frozen"))

    def close(self) -> Any:
        """Complete the team's plan (today, or the app's as-of date); the state or ``None``."""
        if self.period is None or self.team is None:
            self.message.error("nothing to close: no plan loaded")
            return None
        day = self.as_of or dt.date.today()
        try:
            state = self.store.close_plan(self.period, self.team, as_of=day,
                                          force=self.force.value,
                                          reason=self.reason.value.strip() or None,
                                          author=self.author)
        except OKRKitError as err:
            self.message.error(f"not closed: {err}")
            return None
        self.show(self.period, self.team, self.as_of)
        self.message.ok(f"the {self.team} plan of {self.period} is completed: final scores "
                        "frozen")
        return state

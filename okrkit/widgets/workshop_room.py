"""The planning workshop as a room of people: confidence votes through the store, and
the plan's lifecycle panel (state, header, sign-offs, Submit for review).

A mixin of :class:`okrkit.widgets.workshop.PlanningWorkshopApp` (which has ``store``,
``period``, ``team``, ``stored``, ``objectives``, ``message`` and ``widget``). Every
participant votes from their own session (JupyterLab or the Voilà app on their laptop):
:meth:`~okrkit.store.Store.cast_vote` records the ballot per period, team, participant,
objective and round; each open session reads the current round again on Refresh and every
``refresh_seconds`` while the app is open (:class:`okrkit.widgets.ticker.Ticker`), so it
sees who voted — names, no numbers — until the facilitator's Reveal shows every vote with
the mean and the spread; New round clears the votes (the old rounds stay, as forecasts
for :func:`okrkit.confidence.vote_forecasts`).
"""

from __future__ import annotations

import threading
from typing import Any

import ipywidgets as widgets

from okrkit import lifecycle
from okrkit.config import current_user
from okrkit.errors import OKRKitError
from okrkit.lifecycle import PlanState
from okrkit.store.votes import Round
from okrkit.widgets.common import auto_width
from okrkit.widgets.ticker import Ticker
from okrkit.widgets.workshop_forms import ballots, lifecycle_html, votes_html

#: seconds between two reads of the votes while the app is open
REFRESH_SECONDS = 5.0


class WorkshopRoom:
    """The votes and the lifecycle panel of the planning workshop (a mixin).

    Widgets: ``participant`` (Text, default :func:`okrkit.config.current_user`),
    ``vote_sliders`` (objective id -> FloatSlider), ``vote_box``, ``vote_button``,
    ``reveal_button``, ``reset_votes_button`` (New round), ``refresh_votes_button``,
    ``votes_panel``; ``lifecycle_panel`` (HTML), ``submit_button``. State: ``votes``
    (participant -> objective id -> confidence, of the current round), ``revealed``,
    ``round`` (:class:`okrkit.store.votes.Round` or None), ``plan_state``
    (:class:`okrkit.lifecycle.PlanState` or None: not saved yet), ``ticker``.
    """

    store: Any
    period: widgets.Dropdown
    team: widgets.Combobox
    stored: Any
    objectives: list[Any]
    message: Any
    widget: widgets.Widget

    def _build_room(self, refresh_seconds: float | None) -> None:
        self.votes: dict[str, dict[str, float]] = {}
        self.revealed = False
        self.round: Round | None = None
        self.plan_state: PlanState | None = None
        self._votes_lock = threading.RLock()
        self._refresh_seconds = refresh_seconds
        self.ticker: Ticker | None = None
        self.participant = widgets.Text(value=current_user() or "", description="Your name")
        self.vote_sliders: dict[str, widgets.FloatSlider] = {}
        self.vote_box = widgets.VBox([])
        self.vote_button = widgets.Button(
            description="Submit my votes", icon="check", layout=auto_width())
        self.reveal_button = widgets.Button(description="Reveal", icon="eye")
        self.reset_votes_button = widgets.Button(description="New round", icon="undo")
        self.refresh_votes_button = widgets.Button(description="Refresh", icon="refresh")
        self.votes_panel = widgets.HTML("")
        self.lifecycle_panel = widgets.HTML("")
        self.submit_button = widgets.Button(description="Submit for review", icon="paper-plane",
                                            layout=auto_width())
        for w, name in ((self.participant, "okr-participant"), (self.vote_button, "okr-vote"),
                        (self.reveal_button, "okr-reveal"), (self.votes_panel, "okr-votes-panel"),
                        (self.reset_votes_button, "okr-new-round"),
                        (self.refresh_votes_button, "okr-refresh-votes"),
                        (self.lifecycle_panel, "okr-lifecycle-panel"),
                        (self.submit_button, "okr-submit-review")):
            w.add_class(name)
        self.vote_button.on_click(lambda _b: self.submit_votes())
        self.reveal_button.on_click(lambda _b: self.reveal())
        self.reset_votes_button.on_click(lambda _b: self.reset_votes())
        self.refresh_votes_button.on_click(lambda _b: self.refresh_votes())
        self.submit_button.on_click(lambda _b: self.submit_for_review())

    def _start_ticker(self) -> None:
        if self._refresh_seconds:
            self.ticker = Ticker(self._refresh_seconds, self._tick, "okrkit-workshop-votes")

    def close(self) -> None:
        """Stop the periodic refresh, then close the app."""
        if self.ticker is not None:
            self.ticker.stop()
        super().close()  # type: ignore[misc]

    # -- votes (in the store: every session of the team's workshop sees them) ------

    def _refresh_vote_sliders(self) -> None:
        ids = [f.id.value.strip() for f in self.objectives if f.id.value.strip()]
        if list(self.vote_sliders) != ids:
            old = self.vote_sliders
            self.vote_sliders = {
                oid: old.get(oid) or widgets.FloatSlider(
                    value=0.5, min=0.0, max=1.0, step=0.05, description=oid,
                    readout_format=".2f")
                for oid in ids
            }
            self.vote_box.children = list(self.vote_sliders.values())
        self._show_votes()

    def _show_votes(self) -> None:
        html = votes_html(self.votes, self.revealed, list(self.vote_sliders),
                          self.round.number if self.round is not None else None)
        if self.votes_panel.value != html:  # a periodic refresh sends nothing new
            self.votes_panel.value = html

    def _stored_ids(self) -> list[str]:
        """The team's objectives in the store (the ones a vote can be on)."""
        if self.stored is None:
            return []
        obj = self.stored.objectives
        return list(obj.loc[obj["team"] == self.team.value.strip(), "objective_id"])

    def refresh_votes(self) -> None:
        """Read the team's current round from the store: who voted (numbers once revealed)."""
        with self._votes_lock:
            period, team = self.period.value, self.team.value.strip()
            if not period or not self._stored_ids():
                self.votes, self.revealed, self.round = {}, False, None
            else:
                try:
                    rnd = self.store.vote_round(period, team)
                    votes = ballots(self.store.votes(period, team, round_=rnd.number))
                except OKRKitError as err:  # e.g. the store's server is away for a moment
                    text = f"votes not refreshed: {err}"
                    if self.message.text != text:
                        self.message.error(text)
                    return
                self.votes = votes
                before, self.round, self.revealed = self.round, rnd, rnd.revealed
                if before is not None and before != rnd:  # another session moved the room on
                    self.message.info(round_news(rnd))
            self._show_votes()

    def _tick(self) -> bool:
        """The periodic refresh; ``False`` (stop) once the app's widgets are closed."""
        if getattr(self.widget, "comm", None) is None:
            return False
        self.refresh_votes()
        return True

    def submit_votes(self) -> None:
        """Cast the participant's votes (one per stored objective) in the current round."""
        if not self.vote_sliders:
            self.message.error("there are no objectives to vote on yet")
            return
        stored = set(self._stored_ids())
        ballot = {oid: s.value for oid, s in self.vote_sliders.items() if oid in stored}
        unsaved = [oid for oid in self.vote_sliders if oid not in stored]
        if not ballot:
            self.message.error("vote not recorded: save the plan first (votes are on the "
                               f"stored objectives; not saved yet: {', '.join(unsaved)})")
            return
        name = self.participant.value.strip()
        try:
            rnd = self.store.cast_vote(self.period.value, self.team.value.strip(), name, ballot)
        except OKRKitError as err:
            self.message.error("vote not recorded", getattr(err, "problems", None) or [str(err)])
            return
        self.refresh_votes()
        left = f"; not voted on (not saved yet): {', '.join(unsaved)}" if unsaved else ""
        shown = "shown to everyone: the round is revealed" if rnd.revealed else (
            "hidden until Reveal")
        self.message.ok(f"votes of {name} recorded in round {rnd.number} ({shown}){left}")

    def reveal(self) -> None:
        """Reveal the current round in every session: every vote, the mean and the spread."""
        self._move_round(self.store.reveal_votes, "nothing revealed")

    def reset_votes(self) -> None:
        """Start a new round: no votes, hidden (the earlier rounds stay, as forecasts)."""
        self._move_round(self.store.new_vote_round, "no new round")

    def _move_round(self, move: Any, failed: str) -> None:
        team = self.team.value.strip()
        try:
            rnd = move(self.period.value, team)
        except OKRKitError as err:
            self.message.error(f"{failed}: {err}")
            return
        self.refresh_votes()
        self.message.info(round_news(rnd))

    # -- the plan's lifecycle ------------------------------------------------------

    def refresh_state(self, note: str | None = None) -> None:
        """Show the plan's state, header and sign-offs (``note``: what a save did)."""
        period, team = self.period.value, self.team.value.strip()
        self.plan_state = None
        if period and self._stored_ids():
            try:
                self.plan_state = self.store.plan_state(period, team)
            except OKRKitError as err:
                self.message.error(str(err))
        self.lifecycle_panel.value = lifecycle_html(self.plan_state, team, period or "", note)
        self.submit_button.disabled = (self.plan_state is None
                                       or self.plan_state.state != "draft")

    def submit_for_review(self) -> PlanState | None:
        """Submit the team's saved plan for sign-off (draft → in-review)."""
        team = self.team.value.strip()
        try:
            new = self.store.update_plan_state(self.period.value, team, lifecycle.submit)
        except OKRKitError as err:
            self.message.error(f"not submitted: {err}")
            self.refresh_state()
            return None
        self.refresh_state()
        self.message.ok(f"the {team} plan of {new.period} is in review: waiting for the "
                        f"sign-offs of {', '.join(new.missing_roles)}")
        return new


def round_news(rnd: Round) -> str:
    """What every session is told when a round is revealed or a new one starts."""
    return (f"round {rnd.number} of team '{rnd.team}' revealed in every session: every vote "
            "below" if rnd.revealed else
            f"round {rnd.number} of team '{rnd.team}' started: vote again")


def save_note(before: PlanState | None, after: PlanState | None) -> str | None:
    """What a save did to the plan's state, in :func:`okrkit.lifecycle.edited`'s words
    (``None`` when the store left the state as it was)."""
    if before is None or after is None or (before.state, before.changes_after_approval) == (
            after.state, after.changes_after_approval):
        return None
    return lifecycle.edited(before)[1]


__all__ = ["REFRESH_SECONDS", "WorkshopRoom", "round_news", "save_note"]

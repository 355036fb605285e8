"""The workshop's source editor: a key result's ``source`` as YAML, tested once, backfill.

A small panel of the planning workshop (:class:`okrkit.widgets.workshop.PlanningWorkshopApp`):
type a key result id, edit its source as YAML text (the plan's ``source:`` mapping,
:mod:`okrkit.sources`), **Test** runs it once (:func:`okrkit.sources.run`) and shows the
value as of today (inside the period) or the masked error, **Apply** keeps it in the
draft (saved with the plan). When the key result has no baseline and the source gives a
value on or before the period start, **Take baseline** fills the baseline with it
(:func:`okrkit.pull.baseline_from_history`).
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from okrkit.errors import OKRKitError
from okrkit.frames import is_blank
from okrkit.htmlkit import amount
from okrkit.period import Period
from okrkit.pull import baseline_from_history, default_as_of, default_base_dir
from okrkit.sources import Source, SourceError, run
from okrkit.widgets.common import MessageBox


class SourceEditor:
    """Edit and test one key result's source in a workshop (see the module docstring).

    Widgets: ``kr_id`` (Text), ``text`` (Textarea, YAML), ``test_button``,
    ``apply_button``, ``baseline_button``, ``result`` (a message box), ``widget``.
    ``workshop`` is the app whose draft (``objectives``: forms) and period it edits.
    """

    def __init__(self, workshop: Any, base_dir: Any = None) -> None:
        self.workshop = workshop
        self.base_dir = base_dir
        self.kr_id = widgets.Text(value="", description="KR id", placeholder="BOT-1.3",
                                  continuous_update=False)
        self.text = widgets.Textarea(
            value="", description="source", placeholder="connection: support\nsql: SELECT ... WHERE day <= :as_of",
            layout=widgets.Layout(width="640px", height="90px"))
        self.test_button = widgets.Button(description="Test", icon="play")
        self.apply_button = widgets.Button(description="Apply to the draft", icon="check")
        self.baseline_button = widgets.Button(description="Take baseline", icon="history",
                                              disabled=True)
        self.result = MessageBox()
        for w, name in ((self.text, "okr-source-text"), (self.result, "okr-source-result")):
            w.add_class(name)
        self.widget = widgets.VBox([self.kr_id, self.text, widgets.HBox(
            [self.test_button, self.apply_button, self.baseline_button]), self.result])
        self.kr_id.observe(lambda _c: self.load(), names="value")
        self.test_button.on_click(lambda _b: self.test())
        self.apply_button.on_click(lambda _b: self.apply())
        self.baseline_button.on_click(lambda _b: self.take_baseline())

    # -- the draft -----------------------------------------------------------------

    def _form(self) -> Any:
        kid = self.kr_id.value.strip()
        for o in self.workshop.objectives:
            for k in o.key_results:
                if k.id.value.strip() == kid:
                    return k
        return None

    def _period(self) -> Period:
        return Period.parse(self.workshop.period.value)

    def load(self) -> None:
        """Show the typed key result's source (YAML) from the draft."""
        import yaml

        form = self._form()
        self.result.clear()
        if form is None:
            self.text.value = ""
            self.baseline_button.disabled = True
            if self.kr_id.value.strip():
                self.result.error(f"no key result '{self.kr_id.value.strip()}' in the draft")
            return
        source = form.extra.get("source")
        self.text.value = "" if source is None else yaml.safe_dump(
            source.to_mapping(), sort_keys=False, allow_unicode=True, width=100)
        self.baseline_button.disabled = True

    def parsed(self) -> Source | None:
        """The YAML text as a source (``None``: blank); :class:`OKRKitError` if wrong."""
        import yaml

        from okrkit.models import parse_source
        from okrkit.values import ValueProblem

        if not self.text.value.strip():
            return None
        try:
            data = yaml.safe_load(self.text.value)
        except yaml.YAMLError as err:
            raise OKRKitError(f"the source is not valid YAML: {err}") from None
        try:
            return parse_source(data if data is not None else None)
        except ValueProblem as err:
            raise OKRKitError(f"source: {err}") from None

    def _kr(self, form: Any) -> dict[str, Any]:
        data = form.data()
        return {"kr_id": data["id"], "title": data["title"], "unit": data["unit"],
                "direction": data["direction"]}

    def _ready(self) -> tuple[Any, Source, Period] | None:
        """The key result's form, the typed source and the period; else shows why not."""
        form = self._form()
        if form is None:
            self.result.error(f"no key result '{self.kr_id.value.strip()}' in the draft")
            return None
        try:
            source = self.parsed()
            period = self._period()
        except OKRKitError as err:
            self.result.error(str(err))
            return None
        if source is None:
            self.result.error("type a source first")
            return None
        return form, source, period

    # -- actions -------------------------------------------------------------------

    def test(self) -> Any:
        """Run the source once; shows and returns the value frame (``None`` on a problem)."""
        ready = self._ready()
        if ready is None:
            return None
        form, source, period = ready
        day = default_as_of(period)
        try:
            got = run(source, self._kr(form), period, day, base_dir=self._base())
        except (SourceError, OKRKitError) as err:
            self.result.error(str(err))
            return None
        self.baseline_button.disabled = not is_blank(form.baseline.value)
        if not len(got):
            self.result.info(f"the source ran: no values in {period.label} up to {day}")
            return got
        last = got.iloc[-1]
        extra = f" ({len(got)} dated values in the period)" if len(got) > 1 else ""
        self.result.ok(f"{amount(last['value'])} as of {last['date']}{extra}")
        return got

    def apply(self) -> bool:
        """Keep the source in the draft (a blank text removes it)."""
        form = self._form()
        if form is None:
            self.result.error(f"no key result '{self.kr_id.value.strip()}' in the draft")
            return False
        try:
            form.extra["source"] = self.parsed()
        except OKRKitError as err:
            self.result.error(str(err))
            return False
        self.result.ok(f"source of {form.id.value} kept in the draft: save the plan to "
                       "store it")
        return True

    def take_baseline(self) -> float | None:
        """Fill a missing baseline with the source's value as of the period start."""
        ready = self._ready()
        if ready is None:
            return None
        form, source, period = ready
        if not is_blank(form.baseline.value):
            self.result.error("the baseline is already set")
            return None
        try:
            got = baseline_from_history(source, self._kr(form), period, self._base())
        except (SourceError, OKRKitError) as err:
            self.result.error(str(err))
            return None
        if got is None:
            self.result.error(f"the source has no value on or before {period.start}")
            return None
        day, value = got
        form.baseline.value = f"{value:g}"
        self.baseline_button.disabled = True
        self.result.ok(f"baseline {amount(value)} taken from the source as of {day}")
        return value

    def _base(self) -> Any:
        return self.base_dir if self.base_dir is not None else default_base_dir()

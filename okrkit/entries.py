"""Check-in entries typed in a form: to a check-in frame, validated, previewed.

The weekly check-in app (:mod:`okrkit.widgets.checkin`) calls these; they never import
ipywidgets, so scripts and tests use them directly.

* :func:`entries_to_checkins` — the rows typed in the form as a raw check-in frame;
* :func:`check_entries` — the one check-in validator
  (:func:`okrkit.checkins.validate_checkins`, which applies the reported-status rule
  :func:`okrkit.rules.status_conflicts` itself): the contract frame, or the problems;
* :func:`preview_card` / :func:`preview` — the scores the team would have with the
  entries saved. The entries are not recorded yet (no ``recorded_at``), so by the rule
  of :func:`okrkit.rules.effective_checkins` each one wins over a check-in already
  recorded for the same key result and day.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from okrkit.checkins import validate_checkins
from okrkit.errors import CheckinError, Problem
from okrkit.frames import CHECKIN_COLUMNS, Plan, conform, empty, is_blank
from okrkit.period import as_date
from okrkit.scoring import Scorecard, ScoringPolicy, resolve_as_of, score

#: The status of an entry that lets okrkit derive it.
DERIVED = "derived"
TEXT_FIELDS = ("note", "blockers", "achievements")
ENTRY_COLUMNS = [c for c in CHECKIN_COLUMNS if c != "recorded_at"]  # the store stamps it
PREVIEW_COLUMNS = ["kr_id", "title", "unit", "target", "value", "progress", "score", "band",
                   "expected", "pace", "status", "entered"]


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
        rows.append({
            "kr_id": kr_id,
            "date": as_date(date) if not isinstance(date, str) or date.strip() else None,
            "value": None if is_blank(value) else value,
            "confidence": None if is_blank(conf) else conf,
            "status": status,
            **texts,
            "author": None if is_blank(author) else str(author).strip(),
        })
    return pd.DataFrame({c: pd.Series([r[c] for r in rows], dtype=object)
                         for c in ENTRY_COLUMNS})


def check_entries(plan: Plan, frame: pd.DataFrame) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Validate the raw frame of :func:`entries_to_checkins` against ``plan``.

    Returns ``(contract_frame, [])`` when valid, else ``(None, problems)``; never raises
    for bad input. An empty frame is a problem too (nothing to save). Row numbers are
    1-based positions in ``frame``.
    """
    if frame.empty:
        return None, [Problem("nothing to save: enter a value for at least one key result")]
    try:
        parsed = validate_checkins(frame, plan=plan)
    except CheckinError as err:
        return None, list(err.problems)
    return parsed, []


def valid_entries(plan: Plan, frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``frame`` that the check-in validator accepts, as a contract frame.

    Rows with a problem are left out (Save reports them); for the preview only.
    """
    rows = frame.reset_index(drop=True)
    while len(rows):
        try:
            return validate_checkins(rows, plan=plan)
        except CheckinError as err:
            bad = {p.row - 1 for p in err.problems if p.row}
            if not bad:  # a problem of the whole frame: nothing to preview
                break
            rows = rows.drop(index=sorted(bad)).reset_index(drop=True)
    return empty("checkins")


def score_entries(
    plan: Plan, checkins: pd.DataFrame | None, entries: Mapping[str, Mapping[str, Any]],
    as_of: Any, policy: ScoringPolicy | None = None,
) -> tuple[Scorecard, pd.DataFrame]:
    """The scorecard at ``as_of`` with the entries saved, and its preview table.

    The entries the validator accepts count as check-ins dated ``as_of`` (not recorded
    yet: each wins over a recorded check-in of its KR and day); the others are left out
    (Save reports them). The table has ``PREVIEW_COLUMNS``: ``entered`` marks the KRs
    whose entry counts.
    """
    day = resolve_as_of(plan.period, as_of)
    new = valid_entries(plan, entries_to_checkins(entries, day))
    base = conform(checkins, "checkins") if checkins is not None else empty("checkins")
    frames = [f for f in (base, new) if len(f)]
    card = score(plan, pd.concat(frames, ignore_index=True) if frames else None, day, policy)
    krs = card.key_results
    return card, krs.assign(entered=krs["kr_id"].isin(set(new["kr_id"])))[PREVIEW_COLUMNS]


def preview_card(
    plan: Plan, checkins: pd.DataFrame | None, entries: Mapping[str, Mapping[str, Any]],
    as_of: Any, policy: ScoringPolicy | None = None,
) -> Scorecard:
    """The scorecard at ``as_of`` with the entries saved (:func:`score_entries`)."""
    return score_entries(plan, checkins, entries, as_of, policy)[0]


def preview(
    plan: Plan, checkins: pd.DataFrame | None, entries: Mapping[str, Mapping[str, Any]],
    as_of: Any, policy: ScoringPolicy | None = None,
) -> pd.DataFrame:
    """Score, band, pace and status per KR if the entries were saved (``PREVIEW_COLUMNS``,
    :func:`score_entries`)."""
    return score_entries(plan, checkins, entries, as_of, policy)[1]

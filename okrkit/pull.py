"""``okrkit pull``: key results that measure themselves, recorded as check-ins.

For every key result of a period (or of one team) with a ``source``
(:mod:`okrkit.sources`), :func:`pull` runs the source once and records what it returned
as check-ins through :meth:`okrkit.store.Store.add_checkins` (the one validator):

* **One check-in per date**: a value is dated ``as_of``; a history gives one check-in per
  date inside the period, on or before ``as_of``.
* **Provenance** is JSON text in the check-in's ``source`` column:
  ``{"kind", "connection", "hash", "fetched_at"}`` (:func:`provenance`,
  :func:`provenance_of`); the author is :func:`okrkit.config.current_user`, the note the
  source's ``note``.
* **Idempotent**: a date whose effective check-in already holds the same value is left
  alone, so pulling again at the same ``as_of`` adds nothing. A changed value is a
  correction: a new row; the old one stays in the audit trail.
* **A failing source** is reported with its key result id and reason
  (:class:`Failure`); the other key results are still recorded.
* **A completed plan is frozen**: a pull touching its key results is refused before any
  source runs (:func:`okrkit.lifecycle.check_frozen`), unless ``amend_reason`` records
  the new check-ins as an amendment (``okrkit pull --amend --reason TEXT``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from okrkit.config import current_user
from okrkit.errors import MissingDependencyError, OKRKitError
from okrkit.lifecycle import LifecycleError
from okrkit.period import Period
from okrkit.sources import Source, SourceError, fingerprint, run

PROVENANCE_KEYS = ("kind", "connection", "hash", "fetched_at")


@dataclass(frozen=True)
class Failure:
    """A key result whose source could not be run or recorded."""

    kr_id: str
    reason: str


@dataclass(frozen=True)
class Pulled:
    """What one key result's source gave: the rows to record and those already held."""

    kr_id: str
    rows: pd.DataFrame  # date, value: recorded (or, in a dry run, would be)
    unchanged: int  # dates whose effective check-in already holds the value
    provenance: dict[str, Any]


@dataclass
class PullResult:
    """The outcome of :func:`pull`: what was (or would be) recorded, and what failed."""

    period: str
    as_of: dt.date
    dry_run: bool
    pulled: list[Pulled] = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)

    @property
    def added(self) -> int:
        """Check-ins recorded (a dry run: that would be recorded)."""
        return sum(len(p.rows) for p in self.pulled)


def provenance(source: Source, fetched_at: dt.datetime, base_dir: Path | None = None
               ) -> dict[str, Any]:
    """The provenance of a pulled value: source kind, connection, hash, fetch time."""
    return {"kind": source.kind, "connection": source.connection,
            "hash": fingerprint(source, base_dir),
            "fetched_at": fetched_at.replace(microsecond=0).isoformat()}


def provenance_of(text: Any) -> dict[str, Any] | None:
    """A check-in's ``source`` column read back as a pull's provenance (else ``None``:
    typed in, or imported from a file)."""
    if not isinstance(text, str) or not text.startswith("{"):
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict) or not {"kind", "hash"} <= set(data):
        return None
    return {k: data.get(k) for k in PROVENANCE_KEYS}


def provenance_label(prov: Mapping[str, Any]) -> str:
    """Where a pulled value came from, in words: ``sql 'support'``, ``file``."""
    kind = str(prov.get("kind") or "?")
    return f"{kind} '{prov['connection']}'" if prov.get("connection") else kind


def latest_pulled(checkins: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Per key result, its latest effective pulled check-in: value, date and provenance.

    ``checkins`` is a frame with the ``source`` column
    (``Store.checkins(period, with_source=True)``), in the store's order.
    """
    out: dict[str, dict[str, Any]] = {}
    if "source" not in checkins:
        return out
    for r in checkins.to_dict("records"):
        prov = provenance_of(r["source"])
        if prov is not None:  # rows come by kr_id, date, recorded_at: the last one wins
            out[r["kr_id"]] = {"value": r["value"], "date": r["date"], **prov}
    return out


def default_base_dir() -> Path:
    """The folder a file source is relative to when the plan file is not at hand: the
    project's ``data/plans`` (where the plans live)."""
    from okrkit.config import project_root

    return project_root() / "data" / "plans"


def default_as_of(period: Period, today: dt.date | None = None) -> dt.date:
    """The day a pull is as of by default: today, kept inside the period."""
    day = today or dt.date.today()
    return min(max(day, period.start), period.end)


def baseline_from_history(source: Source, kr: Mapping[str, Any], period: Period,
                          base_dir: Path | None = None) -> tuple[dt.date, float] | None:
    """The backfill of a missing baseline: the source's value as of the period start.

    The source runs once with ``:as_of`` = the period start and ``:start`` far back, and
    the latest row on or before the start is the baseline; ``None`` when it has none.
    Raises :class:`~okrkit.sources.SourceError` as :func:`okrkit.sources.run` does.
    """
    before = Period(dt.date(1900, 1, 1), period.start, period.label)
    got = run(source, kr, before, period.start, base_dir=base_dir)
    if not len(got):
        return None
    last = got.iloc[-1]
    return last["date"], float(last["value"])


def _sourced(store: Any, period: str, team: str | None
             ) -> tuple[Period, pd.DataFrame, dict[str, str]]:
    """The period, its (team's) key results with a source, and each one's team."""
    plan = store.load_plan(period)
    if team is not None:
        if team not in plan.teams:
            raise OKRKitError(f"no team '{team}' in {plan.period.label} (teams: "
                              f"{', '.join(plan.teams) or 'none'})")
        plan = plan.for_team(team)  # the team's own key results
    krs = plan.key_results
    krs = krs[[s is not None for s in krs["source"]]].reset_index(drop=True)
    obj = plan.objectives
    owner = {o: t for o, t in zip(obj["objective_id"], obj["team"], strict=True)
             if isinstance(t, str) and t}
    teams = {k: owner[o] for k, o in zip(krs["kr_id"], krs["objective_id"], strict=True)
             if o in owner}
    return plan.period, krs, teams


def _refuse_frozen(store: Any, label: str, teams: dict[str, str],
                   amend_reason: str | None) -> None:
    """Refuse the whole pull, before any source runs, when a sourced key result is of a
    completed (frozen) plan and the pull is no amendment (:func:`okrkit.lifecycle.
    check_frozen`: the rule ``okrkit checkin`` meets)."""
    from okrkit.lifecycle import check_frozen

    for team in sorted(set(teams.values())):
        ids = [k for k, t in teams.items() if t == team]
        check_frozen(store.plan_state(label, team),
                     f"pull check-ins of {', '.join(ids)}", amend_reason=amend_reason)


def _new_rows(got: pd.DataFrame, held: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The pulled rows whose date does not already hold the same (effective) value."""
    have = dict(zip(held["date"], held["value"], strict=True))
    new = [d not in have or float(have[d]) != float(v) for d, v in
           zip(got["date"], got["value"], strict=True)]
    return got[new].reset_index(drop=True), len(got) - sum(new)


def pull(store: Any, period: str, *, team: str | None = None, as_of: dt.date | None = None,
         dry_run: bool = False, base_dir: Path | None = None,
         now: dt.datetime | None = None, amend_reason: str | None = None) -> PullResult:
    """Run every sourced key result of ``period`` (of ``team``) and record the values.

    Parameters
    ----------
    store
        An open :class:`okrkit.store.Store`.
    as_of
        The day the values are as of (default: today, and never after the period's end).
    dry_run
        Run the sources but record nothing (``PullResult.pulled`` is what would be).
    base_dir
        The folder a file source's path is relative to (the plan files' folder).
    now
        The fetch time recorded in the provenance (default: now, UTC).
    amend_reason
        Why values are pulled into a completed (frozen) plan: each key result's new
        check-ins are recorded as an amendment (:meth:`okrkit.store.Store.add_checkins`).

    Raises
    ------
    LifecycleError
        A sourced key result is of a completed plan and no ``amend_reason`` is given:
        nothing is run or recorded (a dry run too). A close that commits during the pull
        stops it there (what was recorded before the close stays).
    OKRKitError
        A period or team the store does not hold (bad input).
    """
    per, krs, teams = _sourced(store, period, team)
    _refuse_frozen(store, per.label, teams, amend_reason)
    day = as_of or default_as_of(per)
    if not per.start <= day <= per.end:
        raise OKRKitError(f"as of {day} is outside the period {per.label} "
                          f"({per.start}..{per.end})")
    fetched = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    result = PullResult(per.label, day, dry_run)
    if not len(krs):
        return result
    checkins = store.checkins(per.label)
    held = dict(tuple(checkins.groupby("kr_id", sort=False)))  # one pass, not one per KR
    author = current_user()
    for kr in krs.to_dict("records"):
        kid, source = kr["kr_id"], kr["source"]
        try:
            got = run(source, kr, per, day, base_dir=base_dir)
            prov = provenance(source, fetched, base_dir)
        except (SourceError, MissingDependencyError) as err:
            result.failed.append(Failure(kid, str(err).removeprefix(f"{kid}: ")))
            continue
        rows, same = _new_rows(got, held.get(kid, checkins.iloc[:0]))
        if len(rows) and not dry_run:
            frame = pd.DataFrame({"kr_id": kid, "date": rows["date"], "value": rows["value"],
                                  "note": source.note, "author": author})
            try:
                store.add_checkins(frame, source=json.dumps(prov), amend_reason=amend_reason,
                                   author=author)
            except LifecycleError:
                raise  # a frozen plan stops the pull (exit 2), it is no failing source
            except OKRKitError as err:
                result.failed.append(Failure(kid, _reason(err)))
                continue
        result.pulled.append(Pulled(kid, rows, same, prov))
    return result


def _reason(err: OKRKitError) -> str:
    problems = getattr(err, "problems", None) or []
    texts = [getattr(p, "message", str(p)) for p in problems]
    return "; ".join(texts) if texts else str(err)

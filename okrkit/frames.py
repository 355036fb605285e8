"""The four OKR frames (contract) and the :class:`Plan` that carries them.

One tidy DataFrame per concept, one row per thing, ids are strings.

=============  ==========================================================================
frame          columns
=============  ==========================================================================
objectives     objective_id, period, title, level, parent_id, team, owner, kind, weight
key_results    kr_id, objective_id, title, metric, unit, direction, baseline, target,
               weight, owner, due, milestones, min, max, source
checkins       kr_id, date, value, confidence, status, note, blockers, achievements,
               author, recorded_at
reviews        objective_id, period, lessons, next_actions, score_override,
               override_reason
headers        team, project, sponsor, contributors, next_review, roles, destinations,
               state, signoffs
people         name, email
=============  ==========================================================================

``milestones`` holds ``None`` or a tuple of ``(datetime.date, float)`` pairs: the phased
targets (the Q1..Q4 dashboard targets of ``docs/seeds/okrs-framework-for-ai-projects.md``)
used for pacing. ``min`` / ``max`` are the metric's physical range (NaN when the key
result declares none: :func:`okrkit.rules.physical_range` then uses 0..100 for ``%`` and
>= 0 when baseline and target are >= 0). ``source`` holds ``None`` or an
:class:`okrkit.sources.Source` (how the key result measures itself).

``headers`` is the framework template's header of each team's plan (one row per team):
``project``, ``sponsor`` (the owner / executive sponsor), ``contributors`` (a tuple of
names or ``None``), ``next_review`` (a date), ``roles`` (the required sign-off roles, a
tuple; ``None`` means :data:`okrkit.lifecycle.DEFAULT_ROLES`), ``destinations`` (a tuple
of webhook URLs / ``mailto:`` addresses for the team's digest and reminders), ``state``
(one of :data:`okrkit.lifecycle.STATES` or ``None``) and ``signoffs`` (a tuple of
:class:`okrkit.lifecycle.SignOff` or ``None``). ``people`` maps names (owners) to e-mail
addresses, for reminders.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

import pandas as pd

from okrkit.hierarchy import with_ancestors
from okrkit.period import Period

DIRECTIONS = ("increase", "decrease", "at_least", "at_most", "milestone")
STATUSES = ("Not Started", "In Progress", "At Risk", "Complete")
#: The final outcome of a key result or objective once its period has ended, by band
#: (green, yellow, red), as in the completed sample of
#: ``docs/seeds/okrs-framework-for-ai-projects.md``: ✅ / 🟡 / ❌.
OUTCOMES = ("Achieved", "Partially Achieved", "Missed")
OUTCOME_OF_BAND = {"green": "Achieved", "yellow": "Partially Achieved", "red": "Missed"}
OUTCOME_ICONS = {"Achieved": "✅", "Partially Achieved": "🟡", "Missed": "❌"}
LEVELS = ("company", "business_unit", "team", "project")
KINDS = ("committed", "aspirational")
BANDS = ("red", "yellow", "green")

OBJECTIVE_COLUMNS = [
    "objective_id",
    "period",
    "title",
    "level",
    "parent_id",
    "team",
    "owner",
    "kind",
    "weight",
]
KEY_RESULT_COLUMNS = [
    "kr_id",
    "objective_id",
    "title",
    "metric",
    "unit",
    "direction",
    "baseline",
    "target",
    "weight",
    "owner",
    "due",
    "milestones",
    "min",
    "max",
    "source",
]
CHECKIN_COLUMNS = [
    "kr_id",
    "date",
    "value",
    "confidence",
    "status",
    "note",
    "blockers",
    "achievements",
    "author",
    "recorded_at",
]
HEADER_COLUMNS = [
    "team",
    "project",
    "sponsor",
    "contributors",
    "next_review",
    "roles",
    "destinations",
    "state",
    "signoffs",
]
PEOPLE_COLUMNS = ["name", "email"]
REVIEW_COLUMNS = [
    "objective_id",
    "period",
    "lessons",
    "next_actions",
    "score_override",
    "override_reason",
]

_TEXT = "object"
_DTYPES: dict[str, dict[str, str]] = {
    "objectives": {
        "objective_id": _TEXT,
        "period": _TEXT,
        "title": _TEXT,
        "level": _TEXT,
        "parent_id": _TEXT,
        "team": _TEXT,
        "owner": _TEXT,
        "kind": _TEXT,
        "weight": "float64",
    },
    "key_results": {
        "kr_id": _TEXT,
        "objective_id": _TEXT,
        "title": _TEXT,
        "metric": _TEXT,
        "unit": _TEXT,
        "direction": _TEXT,
        "baseline": "float64",
        "target": "float64",
        "weight": "float64",
        "owner": _TEXT,
        "due": _TEXT,
        "milestones": _TEXT,
        "min": "float64",
        "max": "float64",
        "source": _TEXT,
    },
    "checkins": {
        "kr_id": _TEXT,
        "date": _TEXT,
        "value": "float64",
        "confidence": "float64",
        "status": _TEXT,
        "note": _TEXT,
        "blockers": _TEXT,
        "achievements": _TEXT,
        "author": _TEXT,
        "recorded_at": _TEXT,
    },
    "reviews": {
        "objective_id": _TEXT,
        "period": _TEXT,
        "lessons": _TEXT,
        "next_actions": _TEXT,
        "score_override": "float64",
        "override_reason": _TEXT,
    },
}
_DTYPES["headers"] = dict.fromkeys(HEADER_COLUMNS, _TEXT)
_DTYPES["people"] = dict.fromkeys(PEOPLE_COLUMNS, _TEXT)
COLUMNS = {
    "objectives": OBJECTIVE_COLUMNS,
    "key_results": KEY_RESULT_COLUMNS,
    "checkins": CHECKIN_COLUMNS,
    "reviews": REVIEW_COLUMNS,
    "headers": HEADER_COLUMNS,
    "people": PEOPLE_COLUMNS,
}


def empty(kind: str) -> pd.DataFrame:
    """An empty frame of ``kind`` (objectives, key_results, checkins, reviews, headers,
    people).

    >>> list(empty("reviews").columns)[:2]
    ['objective_id', 'period']
    """
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in _DTYPES[kind].items()})


def conform(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Return a copy with exactly the contract columns of ``kind``, in order, typed.

    Missing optional columns are added (empty); ``date`` columns become ``datetime.date``
    objects; numbers become float64. The input is not mutated.
    """
    out = pd.DataFrame(index=frame.index)
    for col, dtype in _DTYPES[kind].items():
        if col in frame.columns:
            s = frame[col]
        else:
            s = pd.Series([None] * len(frame), index=frame.index, dtype="object")
        if dtype == "float64":
            s = pd.to_numeric(s, errors="coerce").astype("float64")
        else:
            s = pd.Series(
                [None if _missing(v) else v for v in s.tolist()], index=frame.index, dtype=object
            )
        out[col] = s
    for col in ("date", "due", "next_review"):
        if col in out.columns:
            out[col] = [_to_date(v) for v in out[col]]
    if "recorded_at" in out.columns:
        out["recorded_at"] = [_to_datetime(v) for v in out["recorded_at"]]
    return out.reset_index(drop=True)


def _missing(v: object) -> bool:
    if v is None or v is pd.NaT or v is pd.NA:
        return True
    return isinstance(v, float) and v != v


def is_blank(v: object) -> bool:
    """Missing for a person: ``None``, NaN/NaT/NA, or a string of only whitespace."""
    return _missing(v) or (isinstance(v, str) and not v.strip())


def _to_date(v: object) -> dt.date | None:
    if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NaT:
        return None
    if isinstance(v, pd.Timestamp):
        return v.date()
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    return dt.date.fromisoformat(str(v)[:10])


def _to_datetime(v: object) -> dt.datetime | None:
    if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NaT:
        return None
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if isinstance(v, dt.datetime):
        return v
    if isinstance(v, dt.date):
        return dt.datetime(v.year, v.month, v.day)
    return dt.datetime.fromisoformat(str(v))


@dataclass(frozen=True)
class Plan:
    """One period's objectives and key results (and retrospective reviews, if any).

    Attributes
    ----------
    period
        The :class:`~okrkit.period.Period` the plan covers.
    objectives, key_results, reviews
        Contract frames (see module docstring).
    cadence_days
        Expected days between check-ins; longer silence makes a KR stale.
    revision
        Store revision this plan was loaded at (``None`` for a plan from a file); used for
        the optimistic conflict check on save.
    source
        File the plan came from, for messages.
    description
        The plan's description (free text), if any.
    headers, people
        The template header and sign-offs of each team's plan, and names -> e-mail
        addresses (see the module docstring).
    """

    period: Period
    objectives: pd.DataFrame
    key_results: pd.DataFrame
    reviews: pd.DataFrame = field(default_factory=lambda: empty("reviews"))
    cadence_days: int = 14
    revision: int | None = None
    source: str | None = None
    description: str | None = None
    headers: pd.DataFrame = field(default_factory=lambda: empty("headers"))
    people: pd.DataFrame = field(default_factory=lambda: empty("people"))

    @property
    def teams(self) -> list[str]:
        """Teams that own objectives in this plan, sorted."""
        return sorted({t for t in self.objectives["team"].dropna()})

    @property
    def key_result_teams(self) -> list[str]:
        """Teams that own at least one key result, sorted."""
        obj = self.objectives
        owners = set(self.key_results["objective_id"])
        return sorted({t for t, o in zip(obj["team"], obj["objective_id"], strict=True)
                       if isinstance(t, str) and o in owners})

    def for_team(self, team: str | None) -> Plan:
        """The sub-plan of one team's objectives plus their ancestors (for alignment).

        ``None`` returns the plan itself.
        """
        if team is None:
            return self
        obj = self.objectives
        parents = dict(zip(obj["objective_id"], obj["parent_id"], strict=True))
        own = set(obj.loc[obj["team"] == team, "objective_id"])
        keep = with_ancestors(parents, own)
        objectives = obj[obj["objective_id"].isin(keep)].reset_index(drop=True)
        krs = self.key_results[self.key_results["objective_id"].isin(own)].reset_index(drop=True)
        reviews = self.reviews[self.reviews["objective_id"].isin(own)].reset_index(drop=True)
        headers = self.headers[self.headers["team"] == team].reset_index(drop=True)
        return replace(self, objectives=objectives, key_results=krs, reviews=reviews,
                       headers=headers)

    def kr_teams(self) -> pd.Series:
        """Each key result's team (its objective's), in key-result order (index 0..n-1)."""
        team_of = self.objectives.drop_duplicates("objective_id").set_index("objective_id")[
            "team"]
        return self.key_results["objective_id"].reset_index(drop=True).map(team_of)

    @property
    def emails(self) -> dict[str, str]:
        """``people`` as a mapping: name -> e-mail address."""
        return dict(zip(self.people["name"], self.people["email"], strict=True))

    def with_frames(self, **frames: pd.DataFrame) -> Plan:
        """A copy with some frames replaced (conformed to the contract)."""
        conformed = {k: conform(v, k) for k, v in frames.items()}
        return replace(self, **conformed)

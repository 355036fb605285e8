"""Pydantic schema of a plan file: the types of every field, validated at the edge.

The nested plan (YAML, or a flat spreadsheet regrouped into the same shape) is validated
here. Every problem is collected — a workshop sees all of them at once, each with the
file, the line or row, the field and a code (:data:`okrkit.errors.CODES`).

The schema checks kinds of values (text, numbers, dates, the allowed directions, levels
and kinds), using the one set of value parsers in :mod:`okrkit.values`: ``"85%"`` means
85 where the key result's unit is ``%``; ``yes`` is not a number; dates are
``YYYY-MM-DD``. Ranges and everything that relates one value to another (weights > 0,
the cadence, the score override, ids, parents, baselines against targets, ...) are the
plan's rules in :mod:`okrkit.structure`, checked after the schema on the plan's frames.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic import ValidationError as PydanticValidationError

from okrkit.errors import PlanError, Problem, dotted
from okrkit.values import (
    ValueProblem,
    label_problem,
    parse_count,
    parse_date,
    parse_number,
    parse_time,
    visible,
)

Direction = Literal["increase", "decrease", "at_least", "at_most", "milestone"]
Level = Literal["company", "business_unit", "team", "project"]
Kind = Literal["committed", "aspirational"]
State = Literal["draft", "in-review", "active", "completed"]  # okrkit.lifecycle.STATES

__all__ = [
    "KeyResultModel",
    "ObjectiveModel",
    "PlanModel",
    "ReviewModel",
    "SignOffModel",
    "TeamModel",
    "parse_number",
    "validate_plan_data",
]


def _text_list(value: Any) -> str | None:
    """Lessons / next actions: one per line, each stripped, blank lines dropped (a list or
    text give the same)."""
    if value is None:
        return None
    items = value if isinstance(value, list | tuple) else [value]
    lines = [x.strip() for v in items if v is not None for x in str(v).split("\n")]
    return "\n".join(x for x in lines if x) or None


def _weight_or_default(cls: type, v: Any) -> float | None:
    """A weight: 1 when left out."""
    return 1.0 if v is None else parse_number(v, None, "weight")


def _a_date(cls: type, v: Any, info: ValidationInfo) -> dt.date | None:
    """A ``YYYY-MM-DD`` date field (:func:`okrkit.values.parse_date`)."""
    return parse_date(v, info.field_name or "date")


class _Strict(BaseModel):
    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, coerce_numbers_to_str=True, frozen=True
    )


class ReviewModel(_Strict):
    lessons: str | None = None
    next_actions: str | None = None
    score_override: float | None = None
    override_reason: str | None = None

    @field_validator("lessons", "next_actions", mode="before")
    @classmethod
    def _join(cls, v: Any) -> str | None:
        return _text_list(v)

    @field_validator("score_override", mode="before")
    @classmethod
    def _number(cls, v: Any) -> float | None:
        return parse_number(v, None, "score_override")

    @field_validator("override_reason")
    @classmethod
    def _reason(cls, v: str | None, info: ValidationInfo) -> str | None:
        return v or None


class KeyResultModel(_Strict):
    """A key result. ``min`` / ``max`` are the metric's physical range (optional; when not
    given, :func:`okrkit.rules.physical_range` uses 0..100 for unit ``%``, and >= 0 when
    baseline and target are both >= 0). A ``milestone`` key result without ``target``
    has one milestone (target 1). ``source`` is how it measures itself
    (:class:`okrkit.sources.Source`; never a connection URL)."""

    id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    metric: str | None = None
    unit: str | None = None
    direction: Direction
    baseline: float | None = None
    target: float
    min: float | None = None
    max: float | None = None
    weight: float = 1.0
    owner: str | None = None
    due: dt.date | None = None
    milestones: dict[dt.date, float] | None = None
    source: Any = None

    @model_validator(mode="before")
    @classmethod
    def _one_milestone(cls, data: Any) -> Any:
        """A ``milestone`` key result without a target has one milestone."""
        if (isinstance(data, dict) and isinstance(data.get("direction"), str)
                and data["direction"].strip() == "milestone"
                and (data.get("target") is None
                     or (isinstance(data["target"], str) and not data["target"].strip()))):
            return {**data, "target": 1}
        return data

    @field_validator("baseline", "target", "min", "max", mode="before")
    @classmethod
    def _numbers(cls, v: Any, info: ValidationInfo) -> float | None:
        return parse_number(v, info.data.get("unit"), info.field_name or "number")

    @field_validator("source", mode="before")
    @classmethod
    def _source(cls, v: Any) -> Any:
        return parse_source(v)

    _weight = field_validator("weight", mode="before")(_weight_or_default)

    _due = field_validator("due", mode="before")(_a_date)

    @field_validator("milestones", mode="before")
    @classmethod
    def _milestones(cls, v: Any, info: ValidationInfo) -> Any:
        if v is None or not isinstance(v, dict):
            return v
        unit = info.data.get("unit")
        out: dict[dt.date | None, float | None] = {}
        for k, x in v.items():
            day = parse_date(k, "milestone date")
            if day is None:
                raise ValueProblem("missing", "a milestone needs a date (YYYY-MM-DD: target)")
            out[day] = parse_number(x, unit, f"milestone {day}")
            if out[day] is None:
                raise ValueProblem("missing", f"milestone {day} has no target value")
        return out


def parse_source(value: Any) -> Any:
    """A key result's ``source`` mapping (or its JSON text, as a flat table holds it) as
    a :class:`~okrkit.sources.Source`; ``None`` when blank.

    A connection is a name, never a URL (the URL, with any password, comes from
    ``$OKRKIT_CONNECTION_<NAME>`` or the connections file).
    """
    from okrkit.sources import Source, env_name

    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, Source):
        return value
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise ValueProblem("bad-source", "source must be a mapping (in a table: JSON text "
                               'such as {"connection": "support", "sql": "SELECT ..."})') from None
    conn = value.get("connection") if isinstance(value, dict) else None
    if isinstance(conn, str) and "://" in conn:
        raise ValueProblem("connection-url", "source connection must be a name, not a URL: "
                           "a URL (and its password) never lives in the plan; name the "
                           "connection (e.g. connection: support) and set its URL in "
                           f"${env_name('support')} or the connections file")
    try:
        return Source.parse(value)
    except ValueError as err:
        raise ValueProblem("bad-source", str(err)) from None


class ObjectiveModel(_Strict):
    id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    level: Level = "project"
    parent: str | None = None
    team: str | None = None
    owner: str | None = None
    kind: Kind = "aspirational"
    weight: float = 1.0
    key_results: list[KeyResultModel] = Field(default_factory=list)
    review: ReviewModel | None = None

    _weight = field_validator("weight", mode="before")(_weight_or_default)

    @field_validator("key_results", mode="before")
    @classmethod
    def _krs(cls, v: Any) -> Any:
        return [] if v is None else v


def _names(v: Any) -> Any:
    """One name, or a list of names (``None`` when empty)."""
    if v is None:
        return None
    items = v if isinstance(v, list | tuple) else [v]
    out = [x.strip() if isinstance(x, str) else x for x in items if x is not None]
    return [x for x in out if x != ""] or None


def _destination(v: str) -> str:
    """A webhook URL or ``mailto:`` address (:func:`okrkit.notify.parse_destination`)."""
    from okrkit.notify import DestinationError, parse_destination

    try:
        parse_destination(v)
    except DestinationError as err:
        raise ValueProblem("bad-destination", str(err)) from None
    return v


def _email(v: str) -> str:
    """An e-mail address (what a ``mailto:`` destination accepts)."""
    from okrkit.notify import DestinationError, parse_destination

    try:
        parse_destination(f"mailto:{v}")
    except DestinationError:
        raise ValueProblem("not-an-email", f"'{v}' is not an e-mail address "
                           "(name@example.com)") from None
    return v


Destination = Annotated[str, AfterValidator(_destination)]
Email = Annotated[str, AfterValidator(_email)]


class SignOffModel(_Strict):
    """One sign-off of a team's plan (:class:`okrkit.lifecycle.SignOff`)."""

    role: str = Field(min_length=1)
    name: str = Field(min_length=1)
    at: dt.datetime
    note: str | None = None

    @field_validator("at", mode="before")
    @classmethod
    def _at(cls, v: Any) -> Any:
        return parse_time(v, "at")


class TeamModel(_Strict):
    """The framework template's header of one team's plan, and its sign-offs.

    ``sponsor`` is the owner / executive sponsor; ``roles`` the sign-off roles the plan
    needs (default :data:`okrkit.lifecycle.DEFAULT_ROLES`); ``destinations`` where the
    team's digest and reminders go (webhook URLs or ``mailto:``). ``state`` and
    ``signoffs`` are what the store held when the plan was exported.
    """

    project: str | None = None
    sponsor: str | None = None
    contributors: list[str] | None = None
    next_review: dt.date | None = None
    roles: list[str] | None = None
    destinations: list[Destination] | None = None
    state: State | None = None
    signoffs: list[SignOffModel] | None = None

    @field_validator("contributors", "roles", "destinations", mode="before")
    @classmethod
    def _lists(cls, v: Any) -> Any:
        return _names(v)

    _day = field_validator("next_review", mode="before")(_a_date)

    @field_validator("signoffs", mode="before")
    @classmethod
    def _signoffs(cls, v: Any) -> Any:
        return v or None


class PlanModel(_Strict):
    period: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    description: str | None = None
    cadence_days: int = 14
    teams: dict[str, TeamModel] | None = None
    people: dict[str, Email] | None = None
    objectives: list[ObjectiveModel] = Field(min_length=1)

    @field_validator("teams", "people", mode="before")
    @classmethod
    def _maps(cls, v: Any) -> Any:
        return v or None

    @field_validator("period", mode="before")
    @classmethod
    def _label(cls, v: Any) -> Any:
        if isinstance(v, str) and v.strip():
            bad = label_problem(v.strip())
            if bad:
                raise ValueProblem(*bad)
        return v

    _dates = field_validator("start", "end", mode="before")(_a_date)

    @field_validator("cadence_days", mode="before")
    @classmethod
    def _cadence(cls, v: Any) -> int:
        n = parse_count(v, "cadence_days")
        return 14 if n is None else n


def validate_plan_data(
    data: Any,
    source: str | None,
    line_of: Callable[[Sequence[Any]], int | None] | None = None,
    row_of: Callable[[Sequence[Any]], int | None] | None = None,
) -> PlanModel:
    """Validate nested plan data; raise PlanError with every problem located and coded."""
    if not isinstance(data, dict):
        line = line_of(()) if line_of else None
        msg = f"a plan must be a mapping with 'period' and 'objectives', not {type(data).__name__}"
        raise PlanError([Problem(msg, file=source, line=line, code="wrong-type")], file=source)
    try:
        return PlanModel.model_validate(data)
    except PydanticValidationError as err:
        problems = []
        for e in err.errors():
            loc = e["loc"]
            code, message = _friendly(e)
            problems.append(
                Problem(
                    message,
                    file=source,
                    line=line_of(loc) if line_of else None,
                    row=row_of(loc) if row_of else None,
                    field=dotted(loc) or None,
                    id=_id_at(data, loc),
                    code=code,
                )
            )
        raise PlanError(problems, file=source) from err


#: a missing id or title has its own code (lint's)
_MISSING = {"id": "missing-id", "title": "missing-title"}
#: pydantic error types -> okrkit codes (the rest: "wrong-type")
_CODES = {
    "extra_forbidden": "unknown-key",
    "float_parsing": "not-a-number",
    "int_parsing": "not-a-number",
    "date_parsing": "not-a-date",
    "date_from_datetime_parsing": "not-a-date",
    "date_from_datetime_inexact": "not-a-date",
    "finite_number": "not-finite",
}


def _friendly(e: Any) -> tuple[str, str]:
    """``(code, message)`` for one pydantic error."""
    kind = e["type"]
    loc = e["loc"]
    name = next((str(p) for p in reversed(loc) if isinstance(p, str)), "value")
    if kind == "value_error":
        cause = (e.get("ctx") or {}).get("error")
        if isinstance(cause, ValueProblem):
            return cause.code, cause.message
        return "wrong-type", str(e["msg"]).removeprefix("Value error, ")
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc)
        hint = f" (allowed: {', '.join(allowed)})" if allowed else ""
        return "unknown-key", f"unknown key '{loc[-1]}'{hint}"
    missing = _MISSING.get(name, "missing")
    if kind == "missing" or (kind in ("float_type", "int_type", "string_type")
                             and e.get("input") is None):
        return missing, f"required field '{name}' is missing"
    if kind in ("string_too_short", "too_short"):
        return missing, f"'{name}' is blank"
    if kind == "literal_error":
        code = "bad-direction" if name == "direction" else "not-one-of"
        return code, f"{e['msg'].lower()}, got {e.get('input')!r}"
    if kind == "string_type":
        return "wrong-type", f"{name} must be text, not {type(e.get('input')).__name__}"
    if kind in ("list_type", "dict_type", "model_type", "model_attributes_type"):
        want = "a list" if kind == "list_type" else "a mapping"
        return "wrong-type", f"{name} must be {want}, not {type(e.get('input')).__name__}"
    msg: str = e["msg"]
    return _CODES.get(kind, "wrong-type"), f"{name}: {msg.removeprefix('Value error, ')}"


def _allowed_keys(loc: Sequence[Any]) -> list[str]:
    names = [p for p in loc[:-1] if isinstance(p, str)]
    model: type[BaseModel] = PlanModel
    if "objectives" in names:
        model = ObjectiveModel
    if "key_results" in names:
        model = KeyResultModel
    if names and names[-1] == "review":
        model = ReviewModel
    if "teams" in names:
        model = SignOffModel if "signoffs" in names else TeamModel
    return list(model.model_fields)


def _id_at(data: Any, loc: Sequence[Any]) -> str | None:
    """The id of the innermost objective/KR on the error's path, if any."""
    found: str | None = None
    cur = data
    for part in loc:
        try:
            cur = cur[part]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(cur, dict) and cur.get("id") is not None:
            found = visible(str(cur["id"]), breaks=True)
    return found

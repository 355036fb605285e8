"""Pydantic schema of a plan file, and the YAML reader that keeps line numbers.

The nested plan (YAML, or a flat spreadsheet regrouped into the same shape) is validated
here, at the edge. Every problem is collected: a workshop sees all of them at once, each
with the file, the line and the field.

Numbers written as ``"85%"`` are accepted and mean 85 (percentage points) when the key
result's unit is ``%``; anywhere else a string where a number belongs is an error.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)
from pydantic import ValidationError as PydanticValidationError

from okrkit.errors import PlanError, Problem

Direction = Literal["increase", "decrease", "at_least", "at_most", "milestone"]
Level = Literal["company", "business_unit", "team", "project"]
Kind = Literal["committed", "aspirational"]

_PERCENT = re.compile(r"^\s*([-+]?\d+(?:\.\d+)?)\s*%\s*$")


def parse_number(value: Any, unit: str | None, what: str) -> float | None:
    """Turn a YAML/CSV cell into a float, honouring the ``"85%"`` rule.

    >>> parse_number("85%", "%", "target")
    85.0
    >>> parse_number(12, None, "baseline")
    12.0
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"{what} must be a number, not {value!r}")
    if isinstance(value, int | float):
        if value != value:  # NaN
            return None
        return float(value)
    text = str(value).strip()
    if text == "":
        return None
    m = _PERCENT.match(text)
    if m:
        if unit is not None and unit.strip() == "%":
            return float(m.group(1))
        raise ValueError(
            f"{what} '{text}' is a percentage but the unit is {unit!r}: write the number "
            "in the key result's unit, or set unit: '%'"
        )
    try:
        return float(text.replace("_", ""))
    except ValueError:
        raise ValueError(f"{what} '{text}' is not a number") from None


def _text_list(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list | tuple):
        items = [str(v).strip() for v in value if v is not None and str(v).strip()]
        return "\n".join(items) if items else None
    text = str(value).strip()
    return text or None


class _Strict(BaseModel):
    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, coerce_numbers_to_str=True, frozen=True
    )


class ReviewModel(_Strict):
    lessons: str | None = None
    next_actions: str | None = None
    score_override: float | None = Field(default=None, ge=0.0, le=1.0)
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
    id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    metric: str | None = None
    unit: str | None = None
    direction: Direction
    baseline: float | None = None
    target: float
    weight: float = Field(default=1.0, gt=0)
    owner: str | None = None
    due: dt.date | None = None
    milestones: dict[dt.date, float] | None = None

    @field_validator("baseline", "target", mode="before")
    @classmethod
    def _numbers(cls, v: Any, info: ValidationInfo) -> float | None:
        return parse_number(v, info.data.get("unit"), info.field_name or "number")

    @field_validator("weight", mode="before")
    @classmethod
    def _weight(cls, v: Any) -> float | None:
        return 1.0 if v is None else parse_number(v, None, "weight")

    @field_validator("milestones", mode="before")
    @classmethod
    def _milestones(cls, v: Any, info: ValidationInfo) -> Any:
        if v is None or not isinstance(v, dict):
            return v
        unit = info.data.get("unit")
        return {k: parse_number(x, unit, f"milestone {k}") for k, x in v.items()}


class ObjectiveModel(_Strict):
    id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    level: Level = "project"
    parent: str | None = None
    team: str | None = None
    owner: str | None = None
    kind: Kind = "aspirational"
    weight: float = Field(default=1.0, gt=0)
    key_results: list[KeyResultModel] = Field(default_factory=list)
    review: ReviewModel | None = None

    @field_validator("weight", mode="before")
    @classmethod
    def _weight(cls, v: Any) -> float | None:
        return 1.0 if v is None else parse_number(v, None, "weight")

    @field_validator("key_results", mode="before")
    @classmethod
    def _krs(cls, v: Any) -> Any:
        return [] if v is None else v


class PlanModel(_Strict):
    period: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    description: str | None = None
    cadence_days: int = Field(default=14, gt=0, le=366)
    objectives: list[ObjectiveModel] = Field(min_length=1)


# ---------------------------------------------------------------------------
# YAML with line numbers


class _LineMap:
    """Maps a path of keys/indices in the loaded data to its line in the file."""

    def __init__(self) -> None:
        self.lines: dict[tuple[Any, ...], int] = {}

    def line_of(self, loc: Sequence[Any]) -> int | None:
        path = tuple(loc)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get(())


def _walk(
    node: yaml.Node, path: tuple[Any, ...], lines: _LineMap, dups: list[Problem], source: str | None
) -> None:
    lines.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            line = key_node.start_mark.line + 1
            if key in seen:
                dups.append(
                    Problem(
                        f"key '{key}' appears twice (first on line {seen[key]})",
                        file=source,
                        line=line,
                        field=_dotted((*path, key)),
                    )
                )
            seen[key] = line
            lines.lines[(*path, key)] = line
            _walk(value_node, (*path, key), lines, dups, source)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, (*path, i), lines, dups, source)


def _dotted(loc: Sequence[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def decode_text(data: bytes, source: str | None) -> str:
    """Decode UTF-8 (with or without BOM) or raise a PlanError naming the line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        msg = f"is not UTF-8 text (byte 0x{data[err.start]:02x} at offset {err.start})"
        raise PlanError([Problem(msg, file=source, line=line)], file=source) from err


def load_yaml(text: str, source: str | None) -> tuple[Any, _LineMap]:
    """Safely load YAML text; return the data and its line map.

    Only plain data is built (``yaml.SafeLoader``): tags that would construct Python
    objects are refused with the line they are on.
    """
    if not text.strip():
        raise PlanError([Problem("the file is empty", file=source, line=1)], file=source)
    lines = _LineMap()
    dups: list[Problem] = []
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.load(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(err, "problem", None) or str(err)
        if "could not determine a constructor" in str(err):
            problem = (
                "YAML tags that construct objects are not allowed (plans are plain data): "
                + str(problem)
            )
        raise PlanError(
            [Problem(f"malformed YAML: {problem}", file=source, line=line)], file=source
        ) from err
    if node is None or data is None:
        raise PlanError([Problem("the file is empty", file=source, line=1)], file=source)
    _walk(node, (), lines, dups, source)
    if dups:
        raise PlanError(dups, file=source)
    return data, lines


def validate_plan_data(
    data: Any,
    source: str | None,
    line_of: Callable[[Sequence[Any]], int | None] | None = None,
    row_of: Callable[[Sequence[Any]], int | None] | None = None,
) -> PlanModel:
    """Validate nested plan data; raise PlanError with every problem located."""
    if not isinstance(data, dict):
        line = line_of(()) if line_of else None
        msg = f"a plan must be a mapping with 'period' and 'objectives', not {type(data).__name__}"
        raise PlanError([Problem(msg, file=source, line=line)], file=source)
    try:
        return PlanModel.model_validate(data)
    except PydanticValidationError as err:
        problems = []
        for e in err.errors():
            loc = e["loc"]
            problems.append(
                Problem(
                    _friendly(e, data),
                    file=source,
                    line=line_of(loc) if line_of else None,
                    row=row_of(loc) if row_of else None,
                    field=_dotted(loc) or None,
                    id=_id_at(data, loc),
                )
            )
        raise PlanError(problems, file=source) from err


def _friendly(e: Any, data: Any) -> str:
    kind = e["type"]
    loc = e["loc"]
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc)
        hint = f" (allowed: {', '.join(allowed)})" if allowed else ""
        return f"unknown key '{loc[-1]}'{hint}"
    if kind == "missing":
        return f"required field '{loc[-1]}' is missing"
    if kind == "literal_error":
        return f"{e['msg'].lower()}, got {e.get('input')!r}"
    msg: str = e["msg"]
    return msg.removeprefix("Value error, ")


def _allowed_keys(loc: Sequence[Any]) -> list[str]:
    names = [p for p in loc[:-1] if isinstance(p, str)]
    model: type[BaseModel] = PlanModel
    if "objectives" in names:
        model = ObjectiveModel
    if "key_results" in names:
        model = KeyResultModel
    if names and names[-1] == "review":
        model = ReviewModel
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
            found = str(cur["id"])
    return found

"""Errors raised by okrkit.

Every error okrkit raises derives from :class:`OKRKitError`. Validation errors carry a
list of :class:`Problem` records so a workshop sees every bad row at once, each naming
the file, the line or row, and the field.

Each problem also carries a stable ``code`` (``Problem.code``), so an app can put the
message next to the right field without parsing strings. Lint's ``Finding.code`` uses the
same words for the same rule (lint's codes came first and are kept: ``missing-id``,
``missing-title``, ``bad-direction``, ``bad-weight``, ``not-measurable``, ...). :data:`CODES` lists them all with their meaning; the message
may change wording between versions, the code does not.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

#: Every problem and lint code, with what it means. Input (reading a file), structure
#: (the plan's rules, :mod:`okrkit.structure`) and lint style warnings share one vocabulary.
CODES: dict[str, str] = {
    # reading a file
    "unreadable": "the file cannot be read (missing, a folder, no permission)",
    "unknown-format": "the file's suffix is not one okrkit reads (.yaml, .yml, .csv, .xlsx)",
    "not-utf8": "a text file is not UTF-8",
    "empty": "the file, or its table, holds nothing",
    "malformed": "the file is not well-formed YAML, CSV or XLSX",
    "unsafe-tag": "a YAML tag that would construct an object (plans are plain data)",
    "duplicate-key": "a YAML key, or a table column, appears twice",
    "too-large": "a resource limit: aliases, nesting depth, rows or (decompressed) size",
    "hidden-sheet": "the plan sheet is hidden while another sheet is visible",
    "formula": "a spreadsheet formula cell without a cached value",
    "merged-cells": "merged spreadsheet cells (the rows under them would read as empty)",
    "conflicting-rows": "rows of a flat plan disagree about the same objective or period",
    # one value
    "unknown-key": "a key or column the format does not have",
    "missing": "a required field (target, ...) or column is missing or blank",
    "missing-id": "an objective, key result or review without an id",
    "missing-title": "an objective or key result without a title",
    "wrong-type": "a value of the wrong kind (a list where text belongs, yes/no for a number)",
    "not-a-number": "text where a number belongs",
    "not-finite": "a number that is infinite or NaN (1e309, .inf)",
    "not-a-date": "a date that is not YYYY-MM-DD (an Excel serial, 20260301, a time of day)",
    "not-one-of": "a value outside its list (level, kind)",
    "bad-direction": "a direction that is not increase, decrease, at_least, at_most, milestone",
    "wrong-unit": "'85%' for a key result whose unit is not %",
    "out-of-range": "a number outside its range (cadence 1..366, overrides 0..1, a range that "
                    "overflows)",
    "bad-weight": "a weight that is not > 0",
    "too-long": "text longer than its limit (ids and teams 200, units and periods 64)",
    "bad-character": "control, zero-width or bidi-override characters where they are refused",
    "ambiguous-id": "an id a spreadsheet stored as a number (1.10 would become 1.1)",
    "bad-period": "a period that is not a quarter or dates, or a label that is not a safe name",
    "bad-source": "a key result's source that is not connection + sql, file (+ sql) or python",
    "connection-url": "a source connection written as a URL (the URL never lives in the plan)",
    "bad-destination": "a team destination that is not a webhook URL or mailto: address",
    "not-an-email": "a person's e-mail address that is not one",
    # the plan's structure (okrkit.structure)
    "duplicate-id": "an objective, key result or review id used twice",
    "unknown-parent": "a parent that is not an objective of the plan or the store",
    "unknown-objective": "a key result or review of an objective that does not exist",
    "cycle": "objectives that are their own ancestors",
    "not-measurable": "a key result without what it needs to measure (target, baseline, unit)",
    "target-equals-baseline": "target == baseline: progress cannot be measured",
    "direction-mismatch": "the direction contradicts baseline and target",
    "milestone-target": "a milestone key result's target (the number of milestones) below 1",
    "outside-period": "a milestone or due date outside the period",
    "bad-range": "a key result's physical range with min >= max",
    "outside-range": "a baseline, target or milestone target outside the declared min..max",
    "unknown-team": "a team header for a team that owns no objective of the plan",
    "unknown-role": "a sign-off by a role the team's plan does not require",
    "duplicate-role": "a sign-off role listed, or signed, twice",
    "state-mismatch": "a plan state that contradicts its sign-offs",
    "override-needs-reason": "a score override without an override_reason",
    "override-without-score": "an override_reason without a score override",
    # lint's style advice (warnings)
    "activity": "a key result worded as an activity, not an outcome",
    "objective-is-metric": "an objective that is a bare number or metric",
    "objective-count": "a team with fewer than 3 or more than 5 objectives",
    "kr-count": "an objective with fewer than 3 or more than 5 key results",
    "missing-owner": "an objective without an owner",
    "hidden-character": "zero-width or bidi-override characters in a title",
    "placeholder": "an unfilled template placeholder such as [use case]",
    "unaligned": "a team or project objective without a parent where the period has a "
                 "company or business-unit objective (a separate root of the company score)",
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with some input, located as precisely as we can.

    ``code`` is one of :data:`CODES` (``None`` only where a caller gave none).
    """

    message: str
    file: str | None = None
    line: int | None = None
    row: int | None = None
    field: str | None = None
    id: str | None = None
    code: str | None = None

    def location(self) -> str:
        parts: list[str] = []
        if self.file:
            parts.append(str(self.file))
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.id:
            parts.append(f"id {self.id}")
        if self.field:
            parts.append(f"field '{self.field}'")
        return ", ".join(parts)

    def __str__(self) -> str:
        loc = self.location()
        return f"{loc}: {self.message}" if loc else self.message


def dotted(loc: Iterable[Any]) -> str:
    """A path of keys and indices as a ``Problem.field``.

    >>> dotted(("objectives", 0, "key_results", 1, "target"))
    'objectives[0].key_results[1].target'
    """
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out


class OKRKitError(Exception):
    """Base class of every error okrkit raises."""

    exit_code = 2


class ValidationError(OKRKitError):
    """Input that does not satisfy the contract; holds every problem found."""

    def __init__(
        self, problems: Iterable[Problem] | str, *, file: str | None = None,
        code: str | None = None,
    ) -> None:
        if isinstance(problems, str):
            problems = [Problem(problems, file=file, code=code)]
        self.problems: list[Problem] = list(problems)
        self.file = file
        super().__init__(self._message())

    def _message(self) -> str:
        n = len(self.problems)
        if n == 1:
            return str(self.problems[0])
        head = f"{n} problems" + (f" in {self.file}" if self.file else "") + ":"
        return "\n".join([head, *(f"  - {p}" for p in self.problems)])


class PlanError(ValidationError):
    """A plan (YAML, XLSX, CSV or widget form) is invalid."""


class CheckinError(ValidationError):
    """Check-in records are invalid."""


class OutputError(OKRKitError, OSError):
    """A file could not be written (a folder where a file belongs, no space, no permission).

    Also an :class:`OSError`, so callers that caught the plain error still do.
    """


class StoreError(OKRKitError):
    """The store could not be opened, read or written."""


class ConflictError(StoreError):
    """Somebody else saved the same plan first (optimistic revision check)."""


class ReportError(OKRKitError):
    """A report could not be rendered."""


class MissingDependencyError(OKRKitError):
    """An optional package is needed; the message names the extra to install."""

    def __init__(self, package: str, extra: str) -> None:
        self.package = package
        self.extra = extra
        super().__init__(
            f"{package} is needed for this; install it with: pip install 'okrkit[{extra}]'"
        )

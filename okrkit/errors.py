"""Errors raised by okrkit.

Every error okrkit raises derives from :class:`OKRKitError`. Validation errors carry a
list of :class:`Problem` records so a workshop sees every bad row at once, each naming
the file, the line or row, and the field.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with some input, located as precisely as we can."""

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


class OKRKitError(Exception):
    """Base class of every error okrkit raises."""

    exit_code = 2


class ValidationError(OKRKitError):
    """Input that does not satisfy the contract; holds every problem found."""

    def __init__(self, problems: Iterable[Problem] | str, *, file: str | None = None) -> None:
        if isinstance(problems, str):
            problems = [Problem(problems, file=file)]
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

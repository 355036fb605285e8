"""Periods: a quarter label such as ``2026-Q1`` or explicit start/end dates."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from okrkit.errors import OKRKitError

_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


@dataclass(frozen=True, order=True)
class Period:
    """A planning period, inclusive of both ends.

    >>> p = Period.parse("2026-Q1")
    >>> p.start, p.end
    (datetime.date(2026, 1, 1), datetime.date(2026, 3, 31))
    >>> round(p.elapsed_share(dt.date(2026, 2, 15)), 3)
    0.511
    """

    start: dt.date
    end: dt.date
    label: str

    @classmethod
    def parse(
        cls, label: str | None, start: dt.date | str | None = None, end: dt.date | str | None = None
    ) -> Period:
        """Build a period from ``YYYY-Qn`` or from explicit dates (which win)."""
        if start is not None and end is not None:
            s, e = as_date(start), as_date(end)
            assert s is not None and e is not None  # both given
            if e < s:
                raise OKRKitError(f"period end {e} is before its start {s}")
            return cls(s, e, str(label) if label else f"{s}..{e}")
        if label is None:
            raise OKRKitError("a period needs a label YYYY-Qn or start and end dates")
        m = _QUARTER.match(str(label).strip())
        if not m:
            raise OKRKitError(f"period '{label}' is not of the form YYYY-Qn (e.g. 2026-Q1)")
        year, q = int(m.group(1)), int(m.group(2))
        s = dt.date(year, 3 * q - 2, 1)
        e = dt.date(year + 1, 1, 1) if q == 4 else dt.date(year, 3 * q + 1, 1)
        return cls(s, e - dt.timedelta(days=1), str(label).strip())

    @property
    def days(self) -> int:
        """Length of the period in days (inclusive)."""
        return (self.end - self.start).days + 1

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def elapsed_share(self, day: dt.date) -> float:
        """Share of the period elapsed at the end of ``day``, clipped to [0, 1]."""
        share = ((day - self.start).days + 1) / self.days
        return min(1.0, max(0.0, share))

    def previous(self) -> Period:
        """The quarter before this one (quarter labels only)."""
        m = _QUARTER.match(self.label)
        if not m:
            raise OKRKitError(f"period '{self.label}' is not a quarter")
        year, q = int(m.group(1)), int(m.group(2))
        return Period.parse(f"{year - 1}-Q4" if q == 1 else f"{year}-Q{q - 1}")

    def next(self) -> Period:
        """The quarter after this one (quarter labels only)."""
        m = _QUARTER.match(self.label)
        if not m:
            raise OKRKitError(f"period '{self.label}' is not a quarter")
        year, q = int(m.group(1)), int(m.group(2))
        return Period.parse(f"{year + 1}-Q1" if q == 4 else f"{year}-Q{q + 1}")

    def __str__(self) -> str:
        return self.label


def as_date(value: Any) -> dt.date | None:
    """A date from a date, datetime, pandas Timestamp or ISO string; ``None`` stays ``None``.

    The one date coercion of okrkit (scoring, charts, widgets and periods use it).

    >>> as_date("2026-02-13"), as_date(dt.datetime(2026, 2, 13, 9, 30))
    (datetime.date(2026, 2, 13), datetime.date(2026, 2, 13))
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):  # pandas Timestamp is a datetime too
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text[:10] if len(text) > 10 and text[10] in "T " else text)
    except ValueError as err:
        raise OKRKitError(f"'{value}' is not a date (YYYY-MM-DD)") from err


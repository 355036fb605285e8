from __future__ import annotations

import datetime as dt

import pytest

from okrkit.errors import OKRKitError
from okrkit.period import Period


def test_quarters() -> None:
    q4 = Period.parse("2025-Q4")
    assert (q4.start, q4.end, q4.days) == (dt.date(2025, 10, 1), dt.date(2025, 12, 31), 92)
    assert q4.next().label == "2026-Q1" and q4.next().previous() == q4


def test_elapsed_share_is_clipped() -> None:
    p = Period.parse("2026-Q1")
    assert p.elapsed_share(dt.date(2025, 1, 1)) == 0.0
    assert p.elapsed_share(dt.date(2026, 3, 31)) == 1.0
    assert p.elapsed_share(dt.date(2027, 1, 1)) == 1.0


def test_explicit_dates_and_errors() -> None:
    p = Period.parse("sprint", "2026-01-05", "2026-01-18")
    assert p.days == 14 and p.contains(dt.date(2026, 1, 18))
    with pytest.raises(OKRKitError):
        Period.parse("2026-Q5")
    with pytest.raises(OKRKitError):
        Period.parse(None, "2026-02-01", "2026-01-01")

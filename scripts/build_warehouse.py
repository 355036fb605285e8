"""Write the sample warehouse ``data/warehouse/support.db`` (deterministic, committed).

A small SQLite database the chatbot team's sourced key results read (see
``data/connections.yaml`` and the ``source:`` of BOT-1.2 and BOT-1.3 in
``scripts/build_sample.py``): one row per day from 2025-12-01 to 2026-03-31 with the
conversations the bot handled and how many it resolved without a human. Run
``python scripts/build_warehouse.py`` after changing it; the same numbers every time.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PATH = ROOT / "data" / "warehouse" / "support.db"
FIRST, LAST = dt.date(2025, 12, 1), dt.date(2026, 3, 31)


def rows() -> list[tuple[str, int, int]]:
    """(day, conversations, resolved): volume grows, the resolution rate climbs."""
    out = []
    for i in range((LAST - FIRST).days + 1):
        day = FIRST + dt.timedelta(days=i)
        q = max(0, i - 31)  # days into 2026-Q1
        conversations = 90 + 9 * q // 2 + (7 if day.weekday() < 5 else -9)
        rate = min(0.40 + 0.0048 * q, 0.95) + (0.01 if i % 3 == 0 else -0.005)
        out.append((day.isoformat(), conversations, round(conversations * rate)))
    return out


def main() -> None:
    PATH.parent.mkdir(parents=True, exist_ok=True)
    PATH.unlink(missing_ok=True)
    con = sqlite3.connect(PATH)
    try:
        con.execute("CREATE TABLE daily_support (day TEXT PRIMARY KEY, conversations INTEGER "
                    "NOT NULL, resolved INTEGER NOT NULL)")
        con.executemany("INSERT INTO daily_support VALUES (?, ?, ?)", rows())
        con.commit()
        con.execute("VACUUM")
    finally:
        con.close()
    print(f"wrote {PATH.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

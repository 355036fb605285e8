"""The sample's history: 2025-Q1, 2025-Q2 and 2025-Q3, completed quarters with team habits.

Used by ``scripts/build_sample.py``. Each team keeps one habit across the year, so that
``okrkit calibration --all`` and ``okrkit backtest`` have something true to find:

* ``vision`` and ``caio-office`` are **well calibrated**: their confidence is the
  probability of ending green under what they know (the true drift, with an error they
  account for);
* ``genai-assistant`` is **over-confident**: ``0.3 + 0.65 x`` that probability, so a
  hopeless key result still gets 0.3 and most end below green;
* ``platform`` **sandbags**: easy targets (drift 1.05–1.4 periods' worth), confidence
  0.9–0.98 throughout — the framework document's "if you always hit 100%, raise the bar";
* ``chatbot`` **ratchets**: fast progress until a key result is safely green
  (0.72–0.85), then flat; confidence 0.8–0.95.

The key results move as random walks with drift in *time* (progress per period and
noise per square root of a period, sampled daily); threshold key results are a level
with independent noise around it; a milestone completes on one day or never. Every
number comes from ``random.Random`` streams seeded by ``history:<period>:<kr>``, apart
from the streams of 2025-Q4 and 2026-Q1, which stay exactly as they were.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from typing import Any

D = dt.date

# habit: drift of the progress per period (range), noise per sqrt(period) (range),
# milestone completion probability, threshold margin in noise units (range)
HABITS: dict[str, dict[str, Any]] = {
    "calibrated": {"mu": (0.45, 1.15), "sigma": (0.08, 0.2), "q": 0.7, "margin": (0.3, 1.8)},
    "over-confident": {"mu": (0.3, 0.85), "sigma": (0.08, 0.2), "q": 0.45,
                       "margin": (-0.3, 1.0)},
    "sandbagging": {"mu": (1.05, 1.4), "sigma": (0.05, 0.12), "q": 0.97,
                    "margin": (1.8, 3.0)},
    "ratchet": {"mu": (1.1, 1.6), "sigma": (0.05, 0.12), "q": 0.8, "margin": (0.8, 2.0)},
}
TEAM_HABIT = {"vision": "calibrated", "caio-office": "calibrated",
              "genai-assistant": "over-confident", "platform": "sandbagging",
              "chatbot": "ratchet"}
BELIEF_ERROR = 0.15  # sd of a team's error about its own drift (progress per period)
GREEN = 0.7
FIRST_FRIDAY = {"2025-Q1": D(2025, 1, 3), "2025-Q2": D(2025, 4, 4), "2025-Q3": D(2025, 7, 4)}
BOUNDS = {"2025-Q1": (D(2025, 1, 1), D(2025, 3, 31)), "2025-Q2": (D(2025, 4, 1), D(2025, 6, 30)),
          "2025-Q3": (D(2025, 7, 1), D(2025, 9, 30))}


def phi(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def binom_tail(r: int, q: float, k: int) -> float:
    """P(Binomial(r, q) >= k)."""
    if k <= 0:
        return 1.0
    if k > r:
        return 0.0
    return sum(math.comb(r, j) * q**j * (1 - q) ** (r - j) for j in range(k, r + 1))


def _linear(rng: random.Random, habit: str, days: int, checkin_days: list[int]
            ) -> tuple[list[float], list[float]]:
    """Progress at each check-in day and the team's calibrated P(green) there."""
    h = HABITS[habit]
    mu, sigma = rng.uniform(*h["mu"]), rng.uniform(*h["sigma"])
    plateau = rng.uniform(0.72, 0.85) if habit == "ratchet" else None
    belief = mu + rng.gauss(0.0, BELIEF_ERROR)
    x, path = 0.0, [0.0]
    flat = False
    for _ in range(days):
        if plateau is not None and x >= plateau:
            flat = True
        m, s = (rng.uniform(0.0, 0.1), sigma / 3) if flat else (mu, sigma)
        x += m / days + s / math.sqrt(days) * rng.gauss(0.0, 1.0)
        path.append(x)
    prog, probs = [], []
    for d in checkin_days:
        left = 1.0 - d / days
        p = path[d]
        sd = math.sqrt(sigma**2 * left + BELIEF_ERROR**2 * left**2) or 1e-9
        probs.append(phi((p + belief * left - GREEN) / sd))
        prog.append(p)
    return prog, probs


def _threshold(rng: random.Random, habit: str, n: int) -> tuple[list[bool], list[float]]:
    """Whether each check-in meets the threshold and the team's P(share met >= 0.7)."""
    q = phi(rng.uniform(*HABITS[habit]["margin"]))
    hits = [rng.random() < q for _ in range(n)]
    probs = []
    for i in range(n):
        h = sum(hits[: i + 1])
        need = math.ceil(GREEN * n - 1e-9)
        probs.append(binom_tail(n - i - 1, q, need - h))
    return hits, probs


def _milestone(rng: random.Random, habit: str, days: int, checkin_days: list[int]
               ) -> tuple[list[float], list[float]]:
    q = HABITS[habit]["q"]
    done_on = round(rng.uniform(0.3, 1.0) * days) if rng.random() < q else days + 1
    values, probs = [], []
    for d in checkin_days:
        s = d / days
        if d >= done_on:
            values.append(1.0)
            probs.append(1.0)
            continue
        before = min(1.0, max(0.0, (s - 0.3) / 0.7))
        values.append(0.0)
        probs.append(q * (1 - before) / (1 - q * before))
    return values, probs


def _confidence(rng: random.Random, habit: str, p: float, progress: float | None) -> float:
    if habit == "calibrated":
        c = p
    elif habit == "over-confident":
        c = 0.3 + 0.65 * p + rng.uniform(-0.05, 0.05)
    elif habit == "sandbagging":
        c = rng.uniform(0.9, 0.98)
    else:  # ratchet: sure of green once there
        c = rng.uniform(0.9, 0.97) if progress is not None and progress >= GREEN else \
            rng.uniform(0.8, 0.9)
    return round(min(0.97, max(0.03, c)), 2)


def history_checkins(plan: dict[str, Any], nice: Any, authors: dict[str, str],
                     notes: dict[str, list[str]]) -> list[dict[str, Any]]:
    """The check-in rows of one history quarter (bi-weekly Fridays, 7 check-ins)."""
    period = plan["period"]
    start, end = BOUNDS[period]
    days = (end - start).days + 1
    dates = [FIRST_FRIDAY[period] + dt.timedelta(days=14 * i) for i in range(7)]
    offsets = [(d - start).days for d in dates]
    rows: list[dict[str, Any]] = []
    for o in plan["objectives"]:
        team = o["team"]
        habit = TEAM_HABIT.get(team)
        if habit is None:
            continue
        for k in o.get("key_results", []):
            rng = random.Random(f"history:{period}:{k['id']}")
            direction = k["direction"]
            target = float(k["target"])
            base = float(k.get("baseline", 0) or 0)
            prog: list[float | None]
            if direction in ("increase", "decrease"):
                p_, probs = _linear(rng, habit, days, offsets)
                prog = list(p_)
                values = [nice(base + (target - base) * x, k) for x in p_]
            elif direction in ("at_least", "at_most"):
                hits, probs = _threshold(rng, habit, len(dates))
                scale = 0.3 if k["unit"] == "%" else 0.25 * target
                up = direction == "at_least"
                values = []
                for met in hits:
                    gap = rng.uniform(0.05, 1.0) * scale
                    over = gap if met == up else -gap
                    v = target + over
                    values.append(round(min(v, 100.0) if k["unit"] == "%" else v, 2))
                prog = [None] * len(dates)
            else:
                values, probs = _milestone(rng, habit, days, offsets)
                prog = [None] * len(dates)
            for i, day in enumerate(dates):
                conf = _confidence(rng, habit, probs[i], prog[i])
                note = rng.choice(notes[team]) if rng.random() < 0.3 else None
                rows.append({"kr_id": k["id"], "date": day.isoformat(), "value": values[i],
                             "confidence": conf, "status": None, "note": note,
                             "blockers": None, "achievements": None,
                             "author": authors[team]})
    rows.sort(key=lambda r: (r["date"], r["kr_id"]))
    return rows

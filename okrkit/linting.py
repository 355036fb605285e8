"""Lint: the seed's DO/DON'T list as checks on a plan.

``lint`` works on any :class:`~okrkit.frames.Plan`, including one typed into a widget
that still has duplicate ids or cycles: it reports them instead of failing.

Severity ``error`` means the plan cannot be scored honestly (duplicate or unknown ids,
cycles, a key result that is not measurable, ``target == baseline``, a direction that
contradicts its numbers, weights <= 0). ``warning`` is the style advice of the seed:
3–5 objectives per team and 3–5 key results per objective (counted for team/project
objectives), key results worded as activities rather than outcomes, objectives that are
bare numbers, missing owners.

Activity wording: a key result whose title starts with an activity verb ("Attend",
"Deploy", "Implement", "Complete", "Launch", "Build", "Hold", ...) is flagged, because
the seed asks for outcomes: "Deploy chatbot" ❌ → "Handle 70% of inquiries" ✅.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass

import pandas as pd

from okrkit.frames import DIRECTIONS, Plan, is_blank

ACTIVITY_VERBS = (
    "attend",
    "deploy",
    "implement",
    "complete",
    "launch",
    "build",
    "create",
    "develop",
    "conduct",
    "hold",
    "run",
    "organize",
    "organise",
    "host",
    "install",
    "set up",
    "setup",
    "write",
    "publish",
    "document",
    "migrate",
    "integrate",
    "roll out",
    "release",
    "ship",
    "start",
    "begin",
    "finish",
    "perform",
    "execute",
    "deliver",
    "design",
    "hire",
    "train",
    "participate",
    "schedule",
    "prepare",
    "draft",
    "establish",
    "introduce",
)
_ACTIVITY = re.compile(r"^\s*(" + "|".join(re.escape(v) for v in ACTIVITY_VERBS) + r")\b", re.I)
_METRIC_OBJECTIVE = re.compile(
    r"^\s*(increase|reduce|decrease|achieve|reach|grow|improve|raise|lower|cut|hit|get)\b"
    r".*\d",
    re.I,
)
_TEAM_LEVELS = ("team", "project")


@dataclass(frozen=True)
class Finding:
    """One lint finding."""

    code: str
    severity: str
    message: str
    objective_id: str | None = None
    kr_id: str | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = ", ".join(
            x
            for x in (
                self.objective_id and f"objective {self.objective_id}",
                self.kr_id and f"KR {self.kr_id}",
                self.field and f"field '{self.field}'",
            )
            if x
        )
        return f"{self.severity} [{self.code}] {where}: {self.message}"


def _bare_number(title: str) -> bool:
    text = re.sub(r"\s", "", title)
    if not text:
        return False
    symbols = sum(ch.isdigit() or ch in "%$€£.,<>=≥≤+-/:" for ch in text)
    return symbols / len(text) >= 0.5 or bool(_METRIC_OBJECTIVE.match(title))


def lint(plan: Plan, known_ids: Iterable[str] = ()) -> list[Finding]:
    """Check a plan against the OKR DO/DON'T list; return every finding.

    Parameters
    ----------
    plan
        The plan to check.
    known_ids
        Objective ids that exist elsewhere (the store) and may be used as parents.

    >>> from okrkit.plan import parse_plan
    >>> p = parse_plan('''
    ... period: 2026-Q1
    ... objectives:
    ...   - id: A
    ...     title: Delight customers with our assistant
    ...     team: bot
    ...     key_results:
    ...       - {id: A.1, title: Deploy chatbot, unit: bots, direction: increase,
    ...          baseline: 0, target: 1}
    ... ''')
    >>> sorted({f.code for f in lint(p)})
    ['activity', 'kr-count', 'missing-owner', 'objective-count']
    """
    out: list[Finding] = []
    obj = plan.objectives
    krs = plan.key_results

    def add(
        code: str,
        severity: str,
        message: str,
        oid: object = None,
        kid: object = None,
        field: str | None = None,
    ) -> None:
        out.append(
            Finding(
                code,
                severity,
                message,
                None if is_blank(oid) else str(oid),
                None if is_blank(kid) else str(kid),
                field,
            )
        )

    ids = [str(i) for i in obj["objective_id"] if not is_blank(i)]
    for oid, n in Counter(ids).items():
        if n > 1:
            add("duplicate-id", "error", f"objective id '{oid}' is used {n} times", oid, field="id")
    kr_ids = [str(i) for i in krs["kr_id"] if not is_blank(i)]
    for kid, n in Counter(kr_ids).items():
        if n > 1:
            add(
                "duplicate-id",
                "error",
                f"key result id '{kid}' is used {n} times",
                kid=kid,
                field="id",
            )
    known = set(ids) | set(known_ids)
    parents: dict[str, str | None] = {}
    for o in obj.to_dict("records"):
        oid = o["objective_id"]
        if is_blank(oid):
            add("missing-id", "error", f"objective '{o['title']}' has no id", field="id")
            continue
        parent = None if is_blank(o["parent_id"]) else str(o["parent_id"])
        parents.setdefault(str(oid), parent)
        if parent is not None and parent not in known:
            add(
                "unknown-parent",
                "error",
                f"parent '{parent}' is not an objective of this plan",
                oid,
                field="parent",
            )
        if is_blank(o["title"]):
            add("missing-title", "error", "the objective has no title", oid, field="title")
        elif _bare_number(str(o["title"])):
            add(
                "objective-is-metric",
                "warning",
                f"'{o['title']}' reads like a number or metric: an objective is a qualitative, "
                "inspiring goal; put the numbers in its key results",
                oid,
                field="title",
            )
        if is_blank(o["owner"]):
            add("missing-owner", "warning", "the objective has no owner", oid, field="owner")
        weight = o["weight"]
        if not is_blank(weight) and float(weight) <= 0:
            add("bad-weight", "error", f"weight {weight} must be > 0", oid, field="weight")
    for cycle in _cycles(parents):
        add("cycle", "error", "parent cycle: " + " -> ".join(cycle), cycle[0], field="parent")

    for k in krs.to_dict("records"):
        kid, oid = k["kr_id"], k["objective_id"]
        if is_blank(kid):
            add("missing-id", "error", f"key result '{k['title']}' has no id", oid, field="id")
        if is_blank(oid) or str(oid) not in set(ids):
            add(
                "unknown-objective",
                "error",
                f"objective '{oid}' of this key result does not exist",
                oid,
                kid,
                "objective_id",
            )
        direction = k["direction"]
        if direction not in DIRECTIONS:
            add(
                "bad-direction",
                "error",
                f"direction '{direction}' is not one of " + ", ".join(DIRECTIONS),
                oid,
                kid,
                "direction",
            )
        title = "" if is_blank(k["title"]) else str(k["title"])
        if not title:
            add("missing-title", "error", "the key result has no title", oid, kid, "title")
        elif _ACTIVITY.match(title):
            add(
                "activity",
                "warning",
                f"'{title}' reads like an activity, not an outcome: say what result it should "
                "change (the seed: 'Deploy chatbot' ❌ -> 'Handle 70% of inquiries' ✅)",
                oid,
                kid,
                "title",
            )
        base, target = k["baseline"], k["target"]
        rising_falling = direction in ("increase", "decrease")
        missing = [f for f, v in (("target", target),) if is_blank(v)]
        if rising_falling and is_blank(base):
            missing.insert(0, "baseline")
        if is_blank(k["unit"]) and direction != "milestone":
            missing.append("unit")
        if missing:
            add(
                "not-measurable",
                "error",
                "not measurable: set " + ", ".join(missing) + " (the seed: set baseline & "
                "target, use specific numbers)",
                oid,
                kid,
                missing[0],
            )
        if rising_falling and not is_blank(base) and not is_blank(target):
            b, t = float(base), float(target)
            if math.isclose(b, t, abs_tol=1e-12):
                add(
                    "target-equals-baseline",
                    "error",
                    f"target equals baseline ({t:g}): progress cannot be measured",
                    oid,
                    kid,
                    "target",
                )
            elif (direction == "increase") != (t > b):
                other = "decrease" if direction == "increase" else "increase"
                add(
                    "direction-mismatch",
                    "error",
                    f"direction '{direction}' but target {t:g} vs baseline {b:g}: use '{other}'",
                    oid,
                    kid,
                    "direction",
                )
        weight = k["weight"]
        if not is_blank(weight) and float(weight) <= 0:
            add("bad-weight", "error", f"weight {weight} must be > 0", oid, kid, "weight")

    own = obj[obj["level"].isin(_TEAM_LEVELS)]
    for team, group in own.groupby(own["team"].fillna("(no team)"), sort=True):
        n = group["objective_id"].nunique()
        if not 3 <= n <= 5:
            add(
                "objective-count",
                "warning",
                f"team '{team}' has {n} objective{'s' * (n != 1)}: aim for 3–5 to keep focus",
                field="team",
            )
    counts = krs.groupby("objective_id").size()
    has_children = set(obj["parent_id"].dropna())
    for o in obj.to_dict("records"):
        n = int(counts.get(o["objective_id"], 0))
        team_level = o["level"] in _TEAM_LEVELS
        if n > 5 or (team_level and n < 3 and not (n == 0 and o["objective_id"] in has_children)):
            add(
                "kr-count",
                "warning",
                f"{n} key result{'s' * (n != 1)}: aim for 3–5 per objective",
                o["objective_id"],
                field="key_results",
            )
    return out


def _cycles(parents: dict[str, str | None]) -> list[list[str]]:
    seen: set[str] = set()
    found: list[list[str]] = []
    for start in parents:
        path: list[str] = []
        cur: str | None = start
        while cur is not None and cur in parents and cur not in path and cur not in seen:
            path.append(cur)
            cur = parents[cur]
        if cur is not None and cur in path:
            cycle = path[path.index(cur) :]
            found.append([*cycle, cycle[0]])
        seen.update(path)
    return found


def findings_frame(findings: Iterable[Finding]) -> pd.DataFrame:
    """Findings as a frame (code, severity, message, objective_id, kr_id, field)."""
    rows = [asdict(f) for f in findings]
    cols = ["code", "severity", "message", "objective_id", "kr_id", "field"]
    return pd.DataFrame(rows, columns=cols)

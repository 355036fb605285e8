"""Lint: the DO/DON'T list of ``docs/seeds/okrs-framework-for-ai-projects.md`` as checks.

``lint`` works on any :class:`~okrkit.frames.Plan`, including one typed into a widget
that still has duplicate ids or cycles: it reports them instead of failing.

Severity ``error`` means the plan cannot be scored honestly: every rule of
:mod:`okrkit.structure` (duplicate or unknown ids, cycles, a key result that is not
measurable, ``target == baseline``, a direction that contradicts its numbers, weights
<= 0, dates outside the period, the override rule, ...) with the same codes a plan file
gets, and a key result without a unit (``not-measurable``: DO 3, "use specific numbers").
``warning`` is the style advice of the framework document: 3–5 objectives per team and
3–5 key results per objective (counted for team/project objectives; "Limited: 3-5
objectives with 3-5 key results each"), key results worded as activities rather than
outcomes, objectives that are bare numbers, missing owners, and invisible or bidi
characters in titles (``hidden-character``).

Activity wording (:func:`okrkit.wording.activity_reason`): a key result worded as work
rather than a result is flagged, because the document asks for outcomes (DO 4): "Deploy
chatbot" ❌ → "Handle 70% of inquiries" ✅ — a leading activity verb, the passive
("Chatbot deployed to production"), "Kick off", "Go live", "Finalize", or a noun phrase
naming no change; a title that carries a measurable result is an outcome whatever its
first word ("Launch 3 AI features with over 80% user adoption").

Also warnings: unfilled template placeholders such as ``[use case]`` in titles and owners
(``placeholder``), and a team or project objective with no parent in a plan that has
company or business-unit objectives (``unaligned``: it counts as a separate root of the
company score; DON'T 7, "Don't cascade blindly").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from okrkit.frames import Plan, is_blank
from okrkit.structure import check_plan, not_measurable
from okrkit.values import hidden_characters
from okrkit.wording import activity_reason, placeholders

_DOC = "docs/seeds/okrs-framework-for-ai-projects.md"

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

    def where(self) -> str:
        """``objective X, KR Y, field 'z'`` (the parts that are set)."""
        parts = (
            self.objective_id and f"objective {self.objective_id}",
            self.kr_id and f"KR {self.kr_id}",
            self.field and f"field '{self.field}'",
        )
        return ", ".join(x for x in parts if x)

    def __str__(self) -> str:
        return f"{self.severity} [{self.code}] {self.where()}: {self.message}"


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

    unmeasured = {}  # kr row -> fields a not-measurable issue names
    for issue in check_plan(plan, known_ids):
        if issue.code == "not-measurable" and issue.row is not None:
            unmeasured[issue.row] = list(issue.fields)
            continue
        add(issue.code, "error", issue.message, issue.objective_id, issue.kr_id,
            _FIELDS.get(issue.field, issue.field))

    for o in obj.to_dict("records"):
        oid = o["objective_id"]
        title = "" if is_blank(o["title"]) else str(o["title"])
        if title and _bare_number(title):
            add(
                "objective-is-metric",
                "warning",
                f"'{title}' reads like a number or metric: an objective is a qualitative, "
                f"inspiring goal; put the numbers in its key results ({_DOC})",
                oid,
                field="title",
            )
        _hidden(add, title, oid)
        _placeholders(add, o, oid)
        if is_blank(o["owner"]):
            add("missing-owner", "warning", "the objective has no owner", oid, field="owner")
    _unaligned(add, obj)

    for r, k in enumerate(krs.to_dict("records")):
        kid, oid = k["kr_id"], k["objective_id"]
        title = "" if is_blank(k["title"]) else str(k["title"])
        why = activity_reason(title)
        if why:
            add(
                "activity",
                "warning",
                f"'{title}' reads like an activity, not an outcome ({why}): say what result "
                f"it should change ({_DOC}, DO 4: 'Deploy chatbot' ❌ -> 'Handle 70% of "
                "inquiries' ✅)",
                oid,
                kid,
                "title",
            )
        _placeholders(add, k, oid, kid)
        _hidden(add, title, oid, kid)
        unset = unmeasured.get(r, [])
        if is_blank(k["unit"]) and k["direction"] != "milestone":
            unset.append("unit")  # lint asks for a unit too (DO 3: specific numbers)
        if unset:
            add("not-measurable", "error", not_measurable(unset), oid, kid, unset[0])

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


#: frame columns -> the plan-file keys lint names (``Finding.field``)
_FIELDS = {"objective_id": "id", "kr_id": "id", "parent_id": "parent"}


def _hidden(add: Any, title: str, oid: object, kid: object = None) -> None:
    chars = hidden_characters(title)
    if chars:
        add("hidden-character", "warning", f"the title holds invisible or bidi characters "
            f"({', '.join(chars)}): it may not read as it looks", oid, kid, "title")


def _placeholders(add: Any, row: dict[str, Any], oid: object, kid: object = None) -> None:
    """Unfilled template placeholders in a title or owner (``[use case]``)."""
    for field in ("title", "owner"):
        text = row.get(field)
        found = placeholders(text) if isinstance(text, str) else []
        if found:
            add("placeholder", "warning", f"the {field} still holds the template placeholder"
                f"{'s' * (len(found) > 1)} {', '.join(found)}: fill it in", oid, kid, field)


def _unaligned(add: Any, obj: pd.DataFrame) -> None:
    """Team and project objectives without a parent where the plan has company or
    business-unit objectives: each is a separate root of the company score."""
    above = [str(o) for o, lv in zip(obj["objective_id"], obj["level"], strict=True)
             if lv in ("company", "business_unit") and not is_blank(o)]
    if not above:
        return
    shown = ", ".join(above[:3]) + (" ..." if len(above) > 3 else "")
    for oid, level, parent in zip(obj["objective_id"], obj["level"], obj["parent_id"],
                                  strict=True):
        if level in _TEAM_LEVELS and is_blank(parent):
            add("unaligned", "warning", f"this {level} objective has no parent although the "
                f"period has company or business-unit objectives ({shown}): it counts as a "
                "separate root of the company score; set its parent to align it (DON'T 7)",
                oid, field="parent")


def findings_frame(findings: Iterable[Finding]) -> pd.DataFrame:
    """Findings as a frame (code, severity, message, objective_id, kr_id, field)."""
    rows = [asdict(f) for f in findings]
    cols = ["code", "severity", "message", "objective_id", "kr_id", "field"]
    return pd.DataFrame(rows, columns=cols)

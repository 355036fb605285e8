"""Plans as flat tables: one row per key result, for CSV and XLSX (:mod:`okrkit.workbook`).

A flat plan has one row per key result, with its objective's columns repeated (an
objective with no KRs gets one row with the KR columns empty): the "spreadsheet
template" of ``docs/seeds/okrs-framework-for-ai-projects.md``. Importing regroups the
rows and validates them with the same schema and rules as a YAML plan; problems name the
file, the row (the header is row 1) and the column.

Columns beyond the objective and key result (all optional on import):

* the plan's own fields: ``period`` (every row), ``start`` / ``end`` (a custom period,
  e.g. ``FY2026``), ``cadence_days``, ``description`` and ``people`` (mail addresses,
  ``Ana Lopez <ana@example.com>, ...``) — written on the first row;
* per key result: ``min`` / ``max`` (the physical range), ``milestones``
  (``2026-03-31=47.5; ...``, numbers at full precision) and ``source`` (JSON text of the
  source mapping, e.g. ``{"connection": "support", "sql": "SELECT ..."}``);
* per team (:data:`okrkit.headers.TEAM_CELLS`): ``team_project``, ``team_sponsor``,
  ``team_contributors`` and ``team_roles`` (names ``a; b``), ``team_next_review``,
  ``team_destinations``, ``team_state`` and ``team_signoffs`` (JSON) — written on the
  first row of each team. A workbook holds them in its ``teams`` sheet instead.

Rows as people fill them in: the objective's (team's, plan's) columns may be left blank
on its later rows (the first filled value counts), but a later row that *disagrees* with
an earlier one about the same objective (another title, parent, weight, review, ...),
team or the plan is refused (``conflicting-rows``). Ids are text: a spreadsheet cell that
holds a number with a fraction (``1.1``, which may have been typed ``1.10``) is refused
with a request to format the column as text (``ambiguous-id``); whole numbers read as
their digits.

Text cells that a spreadsheet would run as a formula (leading ``=``, ``+``, ``-``, ``@``,
tab or carriage return) are exported with a leading apostrophe, as is text that already
starts with an apostrophe; numbers are untouched. Import removes that one apostrophe
again, so an export -> import round trip is lossless (an apostrophe a person typed
survives). Control characters are written as visible escapes (``\\x1b``), never raw.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import pandas as pd

from okrkit.errors import PlanError, Problem
from okrkit.frames import Plan
from okrkit.headers import (
    TEAM_CELLS,
    header_cells,
    people_cell,
    read_people_cell,
    team_data,
)
from okrkit.models import validate_plan_data
from okrkit.plan import is_quarter_label, plan_from_model
from okrkit.values import visible

#: the plan's own columns: (column, plan-file key)
PLAN_CELLS = {"period": "period", "start": "start", "end": "end",
              "cadence_days": "cadence_days", "description": "description", "people": "people"}
FLAT_COLUMNS = [
    "period",
    "start",
    "end",
    "objective_id",
    "objective_title",
    "level",
    "parent_id",
    "team",
    "objective_owner",
    "kind",
    "objective_weight",
    "kr_id",
    "kr_title",
    "metric",
    "unit",
    "direction",
    "baseline",
    "target",
    "min",
    "max",
    "kr_weight",
    "kr_owner",
    "due",
    "milestones",
    "source",
    "lessons",
    "next_actions",
    "score_override",
    "override_reason",
    "cadence_days",
    "description",
    "people",
    *TEAM_CELLS,
]
_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
_ESCAPED = (*_DANGEROUS, "'")
#: id columns: text exactly as typed
_ID_COLUMNS = ("objective_id", "kr_id", "parent_id")
_NUMBER_COLUMNS = ("objective_weight", "baseline", "target", "min", "max", "kr_weight",
                   "score_override", "cadence_days")
#: columns of an objective (and its review) that every row of the objective repeats
_OBJECTIVE_FIELDS = {"objective_title": "title", "level": "level", "parent_id": "parent",
                     "team": "team", "objective_owner": "owner", "kind": "kind",
                     "objective_weight": "weight"}
_REVIEW_FIELDS = ("lessons", "next_actions", "score_override", "override_reason")
#: flat column -> key result key
_KR_FIELDS = {"kr_id": "id", "kr_title": "title", "metric": "metric", "unit": "unit",
              "direction": "direction", "baseline": "baseline", "target": "target",
              "min": "min", "max": "max", "kr_weight": "weight", "kr_owner": "owner",
              "due": "due", "milestones": "milestones", "source": "source"}


def safe_cell(value: Any) -> Any:
    """Neutralise spreadsheet formula injection in a text cell; numbers pass unchanged.

    Text starting with a formula character, or with an apostrophe, gets one leading
    apostrophe (so the apostrophe a person typed survives :func:`unsafe_cell`).

    >>> safe_cell("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> safe_cell(-5.0), safe_cell("-5 days"), safe_cell("Handle 70%"), safe_cell("'quoted'")
    (-5.0, "'-5 days", 'Handle 70%', "''quoted'")
    """
    if isinstance(value, str) and value.startswith(_ESCAPED):
        return "'" + value
    return value


def unsafe_cell(value: Any) -> Any:
    """Undo :func:`safe_cell` on import."""
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1] in "=+-@\t\r'":
        return value[1:]
    return value


# ---------------------------------------------------------------------------- writing


def plan_to_flat(plan: Plan, *, team_columns: bool = True) -> pd.DataFrame:
    """The plan as one row per key result (objective columns repeated).

    ``team_columns=False`` leaves out the team headers and people (a workbook writes them
    on their own sheets: :func:`team_rows`, :func:`people_rows`).
    """
    reviews = plan.reviews.set_index("objective_id").to_dict("index") if len(plan.reviews) else {}
    by_objective: dict[Any, list[dict[str, Any]]] = {}
    for k in plan.key_results.to_dict("records"):
        by_objective.setdefault(k["objective_id"], []).append(k)
    headers = {h["team"]: header_cells(h) for h in plan.headers.to_dict("records")}
    p = plan.period
    custom = {"start": p.start.isoformat(), "end": p.end.isoformat()} if not is_quarter_label(p) else {}
    first = {"cadence_days": plan.cadence_days if plan.cadence_days != 14 else None,
             "description": plan.description,
             "people": people_cell(plan.people) if team_columns else None}
    rows: list[dict[str, Any]] = []
    for o in plan.objectives.to_dict("records"):
        base = {
            "period": p.label,
            **custom,
            "objective_id": o["objective_id"],
            "objective_title": o["title"],
            "level": o["level"],
            "parent_id": o["parent_id"],
            "team": o["team"],
            "objective_owner": o["owner"],
            "kind": o["kind"],
            "objective_weight": o["weight"],
        }
        if not rows:
            base.update(first)
        if team_columns and o["team"] in headers:
            base.update(headers.pop(o["team"]))  # on the team's first row
        r = reviews.get(o["objective_id"], {})
        review = {k: r.get(k) for k in _REVIEW_FIELDS}
        mine = by_objective.get(o["objective_id"], [])
        if not mine:
            rows.append({**base, **review})
        for i, k in enumerate(mine):
            rows.append({**base, **_kr_cells(k), **(review if i == 0 else {})})
            base = {c: v for c, v in base.items() if c not in first and c not in TEAM_CELLS}
    columns = FLAT_COLUMNS if team_columns else [
        c for c in FLAT_COLUMNS if c != "people" and c not in TEAM_CELLS]
    return pd.DataFrame(rows, columns=columns, dtype=object)


def _kr_cells(k: Mapping[str, Any]) -> dict[str, Any]:
    source = k.get("source")
    return {
        "kr_id": k["kr_id"],
        "kr_title": k["title"],
        "metric": k["metric"],
        "unit": k["unit"],
        "direction": k["direction"],
        "baseline": k["baseline"],
        "target": k["target"],
        "min": k.get("min"),
        "max": k.get("max"),
        "kr_weight": k["weight"],
        "kr_owner": k["owner"],
        "due": k["due"].isoformat() if k["due"] else None,
        "milestones": "; ".join(f"{d.isoformat()}={_exact(v)}" for d, v in k["milestones"])
        if k["milestones"] else None,
        "source": source.to_json() if source is not None else None,
    }


def team_rows(plan: Plan) -> pd.DataFrame:
    """The team headers as a sheet: ``team`` and the header fields (no ``team_`` prefix)."""
    rows = [{"team": h["team"], **{TEAM_CELLS[c]: v for c, v in header_cells(h).items()}}
            for h in plan.headers.to_dict("records")]
    return pd.DataFrame(rows, columns=["team", *TEAM_CELLS.values()])


def people_rows(plan: Plan) -> pd.DataFrame:
    """The people as a sheet: ``name, email``."""
    return plan.people.copy()


def _exact(v: float) -> str:
    return str(int(v)) if float(v).is_integer() and abs(v) < 1e15 else repr(float(v))


def _cell(value: Any) -> Any:
    return safe_cell(visible(value, hidden=False)) if isinstance(value, str) else value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Every text cell of ``frame`` made safe for a spreadsheet (:func:`safe_cell`)."""
    return pd.DataFrame({c: pd.Series([_cell(v) for v in frame[c]], index=frame.index,
                                      dtype=object) for c in frame.columns},
                        columns=frame.columns)


# ---------------------------------------------------------------------------- reading


def flat_to_plan(
    frame: pd.DataFrame,
    *,
    source: str | None = None,
    known_ids: Any = (),
    rows: Sequence[int] | None = None,
    teams: pd.DataFrame | None = None,
    team_numbers: Sequence[int] | None = None,
    people: pd.DataFrame | None = None,
    people_numbers: Sequence[int] | None = None,
) -> Plan:
    """Regroup flat rows into a nested plan and validate it.

    ``rows`` are the rows' numbers in the file (default: 2, 3, ... after the header).
    ``teams`` (``team`` and the header fields) and ``people`` (``name, email``) are a
    workbook's sheets of those names, with their row numbers; problems in them name
    the sheet.
    """
    def fail(problems: list[Problem]) -> PlanError:
        return PlanError(problems, file=source)

    unknown = [c for c in frame.columns if str(c) not in FLAT_COLUMNS]
    unknown_problems = [
        Problem(f"unknown column '{c}' (allowed: {', '.join(FLAT_COLUMNS)})", file=source,
                row=1, field=str(c), code="unknown-key") for c in unknown]
    for sheet, table, allowed in (("teams", teams, ["team", *TEAM_CELLS.values()]),
                                  ("people", people, ["name", "email"])):
        if table is not None:
            unknown_problems += [
                Problem(f"unknown column '{c}' (allowed: {', '.join(allowed)})",
                        file=_in_sheet(source, sheet), row=1, field=str(c), code="unknown-key")
                for c in table.columns if str(c) not in allowed]
    if unknown_problems:
        raise fail(unknown_problems)
    missing = [c for c in ("period", "objective_id", "objective_title") if c not in frame.columns]
    if missing:
        raise fail([Problem(f"required column '{c}' is missing", file=source, row=1, field=c,
                            code="missing") for c in missing])
    if not len(frame):
        raise fail([Problem("has a header but no rows", file=source, row=1, code="empty")])
    grouper = _Regroup(source)
    numbers = list(rows) if rows is not None else list(range(2, len(frame) + 2))
    for n, rec in zip(numbers, grouper.clean(frame, numbers), strict=True):
        grouper.add_row(n, rec)
    for sheet, table, found in (("teams", teams, team_numbers), ("people", people,
                                                                  people_numbers)):
        if table is not None:
            at = list(found) if found is not None else list(range(2, len(table) + 2))
            for n, rec in zip(at, grouper.clean(table, at), strict=True):
                grouper.add_sheet_row(sheet, n, rec)
    if grouper.problems:
        raise fail(grouper.problems)
    data = grouper.data()
    row_of = grouper.row_of
    try:
        model = validate_plan_data(data, source, row_of=row_of)
        return plan_from_model(model, source=source, row_of=row_of, known_ids=known_ids)
    except PlanError as err:
        raise fail([grouper.sheet_of(p) for p in err.problems]) from err


def _in_sheet(source: str | None, sheet: str) -> str:
    return f"{source or 'table'} (sheet '{sheet}')"


class _Regroup:
    """Rows of a flat plan (and a workbook's teams / people sheets) into nested data."""

    def __init__(self, source: str | None) -> None:
        self.source = source
        self.problems: list[Problem] = []
        self.plan: dict[str, Any] = {}
        self.objectives: dict[str, dict[str, Any]] = {}
        self.position: dict[str, int] = {}
        self.teams: dict[str, dict[str, Any]] = {}
        self.people: dict[str, Any] = {}
        self.first_row: dict[tuple[str, str], int] = {}
        self.rows_of: dict[tuple[Any, ...], int] = {}
        self.from_sheet: dict[tuple[str, ...], str] = {}

    def clean(self, frame: pd.DataFrame, numbers: Sequence[int]) -> list[dict[str, Any]]:
        records = []
        for n, rec in zip(numbers, frame.to_dict("records"), strict=True):
            out = {}
            for col, v in rec.items():
                out[str(col)], bad = _clean(unsafe_cell(v), str(col))
                if bad:
                    self.problems.append(Problem(bad, file=self.source, row=n, field=str(col),
                                                 code="ambiguous-id"))
            records.append(out)
        return records

    def take(self, into: dict[str, Any], field: str, value: Any, key: tuple[str, str], n: int,
             whose: str | None = None, oid: str | None = None, file: str | None = None) -> None:
        """Fill ``into[field]`` from a row; a later row that disagrees is a problem."""
        if value is None:
            return
        if field not in into:
            into[field] = value
            self.first_row[key] = n
        elif not _same(into[field], value):
            of = f" for {whose}" if whose else ""
            self.problems.append(Problem(
                f"{key[1]} {value!r} disagrees with {into[field]!r} on row "
                f"{self.first_row.get(key)}{of}: give it once, or the same on every row",
                file=file or self.source, row=n, field=key[1], id=oid, code="conflicting-rows"))

    def add_row(self, n: int, r: Mapping[str, Any]) -> None:
        for col, field in PLAN_CELLS.items():
            value = read_people_cell(r.get(col)) if col == "people" else r.get(col)
            self.take(self.plan, field, value, ("<plan>", col), n)
            if col == "people" and value is not None:
                self.rows_of.setdefault(("people",), n)
        oid = r.get("objective_id")
        key = str(oid) if oid is not None else f"<row {n}>"
        if key not in self.objectives:
            self.position[key] = len(self.objectives)
            self.objectives[key] = {"id": oid, "key_results": []}
            self.rows_of[("objectives", self.position[key])] = n
        o, i = self.objectives[key], self.position[key]
        for col, field in _OBJECTIVE_FIELDS.items():
            self.take(o, field, r.get(col), (key, col), n, f"objective {key}", key)
        for col in _REVIEW_FIELDS:
            if r.get(col) is not None:
                review = o.setdefault("review", {})
                if not review:
                    self.rows_of[("objectives", i, "review")] = n
                self.take(review, col, r[col], (key, col), n, f"objective {key}", key)
        team = r.get("team")
        cells = {c: r.get(c) for c in TEAM_CELLS if r.get(c) is not None}
        if cells and team is not None:
            self._team(str(team), cells, n)
        elif cells:
            self.problems.append(Problem(f"team header columns ({', '.join(cells)}) on a row "
                                         "without a team", file=self.source, row=n,
                                         field=next(iter(cells)), code="missing"))
        if r.get("kr_id") is not None or r.get("kr_title") is not None:
            kr = {k: r.get(col) for col, k in _KR_FIELDS.items()}
            kr["milestones"] = _milestones(kr["milestones"])
            o["key_results"].append({k: v for k, v in kr.items() if v is not None or k == "id"})
            self.rows_of[("objectives", i, "key_results", len(o["key_results"]) - 1)] = n

    def _team(self, team: str, cells: Mapping[str, Any], n: int, sheet: str | None = None
              ) -> None:
        entry = self.teams.setdefault(team, {})
        self.rows_of.setdefault(("teams", team), n)
        if sheet:
            self.from_sheet.setdefault(("teams", team), sheet)
        for col, value in team_data(cells).items():
            shown = col if sheet else f"team_{col}"  # the column a person sees
            self.take(entry, col, value, (f"<team {team}>", shown), n, f"team {team}",
                      file=_in_sheet(self.source, sheet) if sheet else None)

    def add_sheet_row(self, sheet: str, n: int, r: Mapping[str, Any]) -> None:
        if sheet == "teams":
            team = r.get("team")
            cells = {c: r.get(f) for c, f in TEAM_CELLS.items() if r.get(f) is not None}
            if team is None:
                self.problems.append(Problem("a row without a team", file=_in_sheet(
                    self.source, sheet), row=n, field="team", code="missing"))
            else:
                self._team(str(team), cells, n, sheet)
            return
        name, email = r.get("name"), r.get("email")
        if name is None or email is None:
            self.problems.append(Problem("a person needs a name and an e-mail address",
                                         file=_in_sheet(self.source, sheet), row=n,
                                         field="email" if name else "name", code="missing"))
            return
        people = self.plan.setdefault("people", {})
        self.take(people, str(name), email, ("<people>", "email"), n, f"person {name}",
                  file=_in_sheet(self.source, sheet))
        self.rows_of[("people", str(name))] = n
        self.from_sheet[("people", str(name))] = sheet

    def data(self) -> dict[str, Any]:
        out = {k: v for k, v in self.plan.items() if k != "people"}
        out["objectives"] = list(self.objectives.values())
        if self.teams:
            out["teams"] = self.teams
        if self.plan.get("people"):
            out["people"] = self.plan["people"]
        return out

    def row_of(self, loc: Any) -> int | None:
        path = tuple(loc)
        while path:
            if path in self.rows_of:
                return self.rows_of[path]
            path = path[:-1]
        return None

    def sheet_of(self, problem: Problem) -> Problem:
        """``problem`` naming the workbook sheet its row is on (teams, people)."""
        field = problem.field or ""
        for (section, name), sheet in self.from_sheet.items():
            if field == f"{section}.{name}" or field.startswith(f"{section}.{name}."):
                return replace(problem, file=_in_sheet(self.source, sheet))
        return problem


def _same(a: Any, b: Any) -> bool:
    if a == b:
        return True
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return str(a).strip() == str(b).strip()


def _clean(v: Any, col: str) -> tuple[Any, str | None]:
    """A cell as the schema wants it, and a message if an id cell is ambiguous."""
    if v is None:
        return None, None
    if isinstance(v, float) and math.isnan(v):
        return None, None
    if isinstance(v, pd.Timestamp):
        v = v.to_pydatetime()
    if isinstance(v, str):
        v = v.strip()
        return v or None, None
    if isinstance(v, bool) or col in _NUMBER_COLUMNS or not isinstance(v, int | float):
        return v, None
    if float(v).is_integer() and abs(v) < 1e15:
        return str(int(v)), None
    if col in _ID_COLUMNS:
        return None, (f"{col} {v!r} is a number in the spreadsheet, so it may not be the id "
                      "as typed (1.10 reads as 1.1): format the column as text and type it again")
    return repr(float(v)), None


def _milestones(text: Any) -> dict[str, str] | None:
    if text is None:
        return None
    out: dict[str, str] = {}
    for part in str(text).split(";"):
        if part.strip():
            d, _, v = part.partition("=")
            out[d.strip()] = v.strip()
    return out or None

"""CSV and XLSX plans: lossless export and import, the workbook's sheets, percent cells,
and the property that plan -> YAML / CSV / XLSX -> plan gives the same frames and scores."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pandas.testing as pdt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_headers import PEOPLE_AND_TEAM

from okrkit.checkins import read_checkins
from okrkit.errors import CheckinError, PlanError
from okrkit.frames import Plan, conform, empty
from okrkit.lifecycle import DEFAULT_ROLES, SignOff
from okrkit.period import Period
from okrkit.plan import dump_plan, parse_plan, read_plan
from okrkit.scoring import score
from okrkit.sources import Source
from okrkit.workbook import export_plan, read_flat, read_plan_and_checkins

DATA = Path(__file__).parent.parent / "data"
FRAMES = ("objectives", "key_results", "reviews", "headers", "people")

FULL = """period: FY2026
start: 2026-01-01
end: 2026-12-31
description: The annual plan, with quarterly milestones
cadence_days: 7
""" + PEOPLE_AND_TEAM + """    next_review: 2026-04-01
    roles: [Executive Sponsor, Product Lead]
    destinations: ["https://hooks.example.com/services/T/B/X", "mailto:bot@example.com"]
    state: active
    signoffs:
      - {role: Executive Sponsor, name: Pat Doe, at: 2026-01-06T09:30:00.250000, note: "=go"}
      - {role: Product Lead, name: Sam Roe, at: 2026-01-07}
objectives:
  - id: BOT-1
    title: Deliver an assistant customers love
    team: chatbot
    owner: Product Manager
    key_results:
      - id: BOT-1.1
        title: Resolve 70% of inquiries without human escalation
        unit: "%"
        direction: increase
        baseline: 40
        target: 70
        milestones: {2026-03-31: 47.123456789012345, 2026-06-30: 55, 2026-09-30: 62.5, 2026-12-31: 70}
        source: {connection: support, sql: "SELECT 100.0 * avg(resolved) FROM c WHERE day <= :as_of"}
      - id: BOT-1.2
        title: Raise CSAT to 4.5
        unit: points
        direction: increase
        baseline: 3.9
        target: 4.5
        min: 1
        max: 5
        source: {file: csat.csv, timeout_s: 5, note: "weekly, \\"quoted\\""}
      - {id: BOT-1.3, title: Go live in three regions, direction: milestone}
  - id: BOT-2
    title: An objective with no key results yet
    team: chatbot
"""


def assert_same(a: Plan, b: Plan) -> None:
    for name in FRAMES:
        pdt.assert_frame_equal(getattr(a, name), getattr(b, name))
    assert (a.period, a.cadence_days, a.description) == (b.period, b.cadence_days, b.description)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_everything_survives_a_flat_round_trip(tmp_path: Path, fmt: str) -> None:
    plan = parse_plan(FULL)
    again = read_plan(export_plan(plan, tmp_path / f"plan.{fmt}"))
    assert_same(plan, again)
    assert again.period == Period.parse("FY2026", dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert again.key_results.loc[0, "milestones"][0][1] == 47.123456789012345
    assert again.headers.loc[0, "signoffs"][0] == SignOff(
        "Executive Sponsor", "Pat Doe", dt.datetime(2026, 1, 6, 9, 30, 0, 250000), "=go")


def test_the_csv_holds_plan_fields_once_and_team_fields_on_the_teams_first_row(
        tmp_path: Path) -> None:
    path = export_plan(parse_plan(FULL), tmp_path / "plan.csv")
    flat = pd.read_csv(path, dtype=object, keep_default_na=False)
    assert flat["start"].tolist() == ["2026-01-01"] * 4
    assert flat["cadence_days"].tolist() == ["7", "", "", ""]
    assert flat.loc[0, "people"] == 'Product Manager <pm@example.com>, "Lopez, Ana" <ana@example.com>'
    assert flat["team_state"].tolist() == ["active", "", "", ""]
    assert flat.loc[0, "team_contributors"] == "Product Manager; Lopez, Ana"
    assert json.loads(flat.loc[0, "team_signoffs"])[1] == {
        "role": "Product Lead", "name": "Sam Roe", "at": "2026-01-07T00:00:00"}
    assert json.loads(flat.loc[1, "source"]) == {"file": "csat.csv", "timeout_s": 5.0,
                                                 "note": 'weekly, "quoted"'}


def test_the_workbook_has_teams_and_people_sheets(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(export_plan(parse_plan(FULL), tmp_path / "plan.xlsx"))
    assert wb.sheetnames == ["plan", "teams", "people"]
    plan_header = [c.value for c in wb["plan"][1]]
    assert "team_state" not in plan_header and "people" not in plan_header
    teams = [[c.value for c in r] for r in wb["teams"].iter_rows()]
    assert teams[0][:3] == ["team", "project", "sponsor"]
    assert teams[1][:3] == ["chatbot", "Conversational AI", "VP Customer Service"]
    assert [[c.value for c in r] for r in wb["people"].iter_rows()] == [
        ["name", "email"], ["Product Manager", "pm@example.com"], ["Lopez, Ana", "ana@example.com"]]


def test_problems_in_the_teams_sheet_name_the_sheet(tmp_path: Path) -> None:
    path = export_plan(parse_plan(FULL), tmp_path / "plan.xlsx")
    for sheet, cell, value, expect in (
            ("teams", "H2", "in-review", ("state-mismatch", 2, "teams.chatbot.state")),
            ("people", "B3", "nobody", ("not-an-email", 3, "people.Lopez, Ana"))):
        wb = openpyxl.load_workbook(path)
        wb[sheet][cell] = value
        wb.save(tmp_path / "bad.xlsx")
        with pytest.raises(PlanError) as info:
            read_plan(tmp_path / "bad.xlsx")
        (p,) = info.value.problems
        assert (p.code, p.row, p.field) == expect
        assert p.file == f"{tmp_path / 'bad.xlsx'} (sheet '{sheet}')"


def test_csv_team_rows_must_agree(tmp_path: Path) -> None:
    path = export_plan(parse_plan(FULL), tmp_path / "plan.csv")
    flat = pd.read_csv(path, dtype=object, keep_default_na=False)
    flat.loc[2, "team_state"] = "draft"
    flat.to_csv(path, index=False)
    with pytest.raises(PlanError) as info:
        read_plan(path)
    (p,) = info.value.problems
    assert (p.code, p.row, p.field) == ("conflicting-rows", 4, "team_state")
    assert "team chatbot" in p.message


def test_workbook_checkins_are_read_back_with_their_audit_trail(tmp_path: Path) -> None:
    plan = read_plan(DATA / "plans" / "2026-Q1.yaml")
    checkins = read_checkins(DATA / "checkins" / "2026-Q1.csv", plan=plan)
    recorded = checkins.assign(recorded_at=[dt.datetime(2026, 2, 14, 8, 0, i % 60)
                                            for i in range(len(checkins))])
    path = export_plan(plan, tmp_path / "okr.xlsx", checkins=recorded)
    again, ck = read_plan_and_checkins(path)
    assert_same(plan, again)
    pdt.assert_frame_equal(ck, recorded)
    # a YAML or CSV plan holds no check-ins; neither does a workbook without the sheet
    for other in (DATA / "plans" / "2026-Q1.yaml", export_plan(plan, tmp_path / "p.csv"),
                  export_plan(plan, tmp_path / "p.xlsx")):
        p, none = read_plan_and_checkins(other)
        assert_same(plan, p)
        assert none.empty and list(none.columns) == list(empty("checkins").columns)


def test_bad_workbook_checkins_name_the_sheet_and_row(tmp_path: Path) -> None:
    plan = parse_plan(FULL)
    ck = conform(pd.DataFrame({"kr_id": ["BOT-1.1", "NOPE"], "date": ["2026-02-01"] * 2,
                               "value": [50.0, 1.0]}), "checkins")
    path = export_plan(plan, tmp_path / "okr.xlsx", checkins=ck)
    with pytest.raises(CheckinError) as info:
        read_plan_and_checkins(path)
    (p,) = info.value.problems
    assert (p.file, p.row, p.line, p.field, p.id) == (
        f"{path} (sheet 'checkins')", 3, None, "kr_id", "NOPE")


def _percent_workbook(path: Path, unit: str, confidence_cell: bool = False) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "plan"
    ws.append(["period", "objective_id", "objective_title", "kr_id", "kr_title", "unit",
               "direction", "baseline", "target", "max"])
    ws.append(["2026-Q1", "A", "Delight customers", "A.1", "Raise CSAT", unit, "increase",
               0.3, 0.455, 1])
    for ref in ("H2", "I2", "J2"):
        ws[ref].number_format = "0.0%"
    if confidence_cell:
        ck = wb.create_sheet("checkins")
        ck.append(["kr_id", "date", "value", "confidence"])
        ck.append(["A.1", dt.date(2026, 2, 1), 0.41, 0.8])
        ck["C2"].number_format = ck["D2"].number_format = "0%"
    wb.save(path)
    return path


def test_percent_cells_read_as_percentage_points_when_the_unit_is_percent(tmp_path: Path
                                                                          ) -> None:
    path = _percent_workbook(tmp_path / "pct.xlsx", "%", confidence_cell=True)
    plan, ck = read_plan_and_checkins(path)
    assert plan.key_results.loc[0, ["baseline", "target", "max"]].tolist() == [30.0, 45.5, 100.0]
    assert ck.loc[0, ["value", "confidence"]].tolist() == [41.0, 0.8]


def test_a_percent_cell_of_another_unit_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PlanError) as info:
        read_flat(_percent_workbook(tmp_path / "pct.xlsx", "points"))
    assert {(p.code, p.row) for p in info.value.problems} == {("wrong-unit", 2)}
    assert "'30%' is a percentage but the unit is 'points'" in str(info.value)


# ---------------------------------------------------------------------------- property

_TEXT = st.text(alphabet=st.sampled_from(list("abcXYZ019 =+-@'%.,;:()[]<>/&\"éü中\n")),
                min_size=1, max_size=12).map(str.strip).filter(bool)
#: lessons and next actions: one per line, stripped (the schema's form)
_LINES = _TEXT.map(lambda t: "\n".join(x.strip() for x in t.split("\n") if x.strip())).filter(bool)
_IDS = ["A", "1.10", "007", "=SUM", "x y", "B-2", "C", "2026"]
_FINITE = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)
_POSITIVE = st.floats(min_value=1e-3, max_value=1e3, allow_nan=False)
_SOURCES = [None, Source(kind="sql", connection="support", sql="SELECT 1 WHERE :as_of > 0"),
            Source(kind="file", file="x.csv", timeout_s=5.5, note='a "note"'),
            Source(kind="python", python="pkg.mod:fn")]


@st.composite
def plans(draw: st.DrawFn) -> tuple[Plan, pd.DataFrame]:
    if draw(st.booleans()):
        period = Period.parse("2026-Q1")
    else:
        start = dt.date(2025, 1, 1) + dt.timedelta(days=draw(st.integers(0, 700)))
        period = Period.parse("FY-x", start, start + dt.timedelta(days=draw(st.integers(30, 400))))
    day = st.integers(0, period.days - 1).map(lambda i: period.start + dt.timedelta(days=i))
    n_obj = draw(st.integers(1, 4))
    oids = draw(st.permutations(_IDS))[:n_obj]
    objectives, krs, reviews, checkins = [], [], [], []
    for i, oid in enumerate(oids):
        objectives.append({
            "objective_id": oid, "period": period.label, "title": draw(_TEXT),
            "level": draw(st.sampled_from(["company", "business_unit", "team", "project"])),
            "parent_id": draw(st.sampled_from([None, *oids[:i]])),
            "team": draw(st.sampled_from([None, "bot", "vision", "2026"])),
            "owner": draw(st.one_of(st.none(), _TEXT)),
            "kind": draw(st.sampled_from(["committed", "aspirational"])),
            "weight": draw(_POSITIVE)})
        if draw(st.booleans()):
            override = draw(st.one_of(st.none(), st.floats(0, 1)))
            reviews.append({"objective_id": oid, "period": period.label,
                            "lessons": draw(_LINES),
                            "next_actions": draw(st.one_of(st.none(), _LINES)),
                            "score_override": override,
                            "override_reason": None if override is None else draw(_TEXT)})
        # (at least one key result: a plan without any cannot be scored yet, rules.RollUp)
        for j in range(draw(st.integers(1 if i == 0 else 0, 3))):
            kid = f"{oid}.{j + 1}"
            direction = draw(st.sampled_from(["increase", "decrease", "at_least", "at_most",
                                              "milestone"]))
            base = draw(_FINITE)
            gap = draw(st.floats(min_value=1e-3, max_value=1e6))
            target = {"increase": base + gap, "decrease": base - gap}.get(direction, base)
            if direction == "milestone":
                base, target = float("nan"), float(draw(st.integers(1, 5)))
            elif direction in ("at_least", "at_most") and draw(st.booleans()):
                base = float("nan")
            ms = tuple(sorted({d: draw(_FINITE) if direction != "milestone" else 1.0
                               for d in draw(st.lists(day, max_size=3))}.items())) or None
            values = [v for v in (base, target, *(v for _, v in ms or ())) if v == v]
            low = high = float("nan")
            if direction != "milestone" and draw(st.booleans()):
                low = min(values) - draw(st.floats(0, 10))
                high = max(values) + draw(st.floats(1e-3, 10))
            krs.append({"kr_id": kid, "objective_id": oid, "title": draw(_TEXT),
                        "metric": draw(st.one_of(st.none(), _TEXT)),
                        "unit": draw(st.sampled_from(["%", "min", "pts", None]))
                        if direction != "milestone" else None,
                        "direction": direction, "baseline": base, "target": target,
                        "weight": draw(_POSITIVE), "owner": draw(st.one_of(st.none(), _TEXT)),
                        "due": draw(st.one_of(st.none(), day)), "milestones": ms,
                        "min": low, "max": high, "source": draw(st.sampled_from(_SOURCES))})
            for _ in range(draw(st.integers(0, 2))):
                checkins.append({"kr_id": kid, "date": draw(day), "value": draw(_FINITE)})
    owned = list(dict.fromkeys(o["team"] for o in objectives if o["team"]))  # plan order
    headers = []
    for team in [t for t in owned if draw(st.booleans())]:
        roles = draw(st.sampled_from([None, ("Executive Sponsor", "Product Lead"), ("Owner",)]))
        required = roles or DEFAULT_ROLES
        state = draw(st.sampled_from([None, "draft", "in-review", "active", "completed"]))
        n = {"active": len(required), "in-review": len(required) - 1, "completed": 1}.get(
            state, 0)
        at = st.datetimes(dt.datetime(2025, 1, 1), dt.datetime(2027, 1, 1))
        signed = tuple(SignOff(r, draw(_TEXT), draw(at), draw(st.one_of(st.none(), _TEXT)))
                       for r in required[:n])
        headers.append({"team": team, "project": draw(_TEXT),  # (an empty header is none)
                        "sponsor": draw(st.one_of(st.none(), _TEXT)),
                        "contributors": tuple(draw(st.lists(_TEXT, max_size=3))) or None,
                        "next_review": draw(st.one_of(st.none(), day)), "roles": roles,
                        "destinations": draw(st.sampled_from(
                            [None, ("mailto:a@example.com",),
                             ("https://hooks.example.com/x;y", "mailto:b@example.com,c@x.org")])),
                        "state": state, "signoffs": signed or None})
    people = [{"name": n, "email": f"p{i}@example.com"}
              for i, n in enumerate(draw(st.lists(_TEXT, unique=True, max_size=3)))]
    plan = Plan(period=period, objectives=conform(pd.DataFrame(objectives), "objectives"),
                key_results=conform(pd.DataFrame(krs), "key_results") if krs
                else empty("key_results"),
                reviews=conform(pd.DataFrame(reviews), "reviews") if reviews else empty("reviews"),
                cadence_days=draw(st.integers(1, 366)),
                description=draw(st.one_of(st.none(), _TEXT)),
                headers=conform(pd.DataFrame(headers), "headers") if headers
                else empty("headers"),
                people=conform(pd.DataFrame(people), "people") if people else empty("people"))
    ck = conform(pd.DataFrame(checkins), "checkins") if checkins else empty("checkins")
    return plan, ck


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans())
def test_every_format_round_trips_frames_and_scores(tmp_path_factory: pytest.TempPathFactory,
                                                    case: tuple[Plan, pd.DataFrame]) -> None:
    plan, checkins = case
    valid = parse_plan(dump_plan(plan))  # the generated plan is a valid plan
    assert_same(plan, valid)
    folder = tmp_path_factory.mktemp("rt")
    as_of = plan.period.start + dt.timedelta(days=plan.period.days // 2)
    expected = score(plan, checkins, as_of=as_of)
    for fmt in ("yaml", "csv", "xlsx"):
        again, _ = read_plan_and_checkins(export_plan(plan, folder / f"plan.{fmt}"))
        assert_same(plan, again)
        card = score(again, checkins, as_of=as_of)
        pdt.assert_frame_equal(card.key_results, expected.key_results)
        pdt.assert_frame_equal(card.objectives, expected.objectives)
        assert card.overall == expected.overall or (card.overall != card.overall
                                                    and expected.overall != expected.overall)

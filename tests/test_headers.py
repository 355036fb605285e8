"""The header and sign-offs of each team's plan, and the people, in plan files."""

from __future__ import annotations

import datetime as dt
import typing

import pandas.testing as pdt
import pytest

from okrkit.errors import CODES, PlanError
from okrkit.frames import HEADER_COLUMNS
from okrkit.headers import list_cell, people_cell, read_list_cell, read_people_cell
from okrkit.lifecycle import DEFAULT_ROLES, STATES, SignOff
from okrkit.models import State
from okrkit.plan import dump_plan, parse_plan

#: the people and the start of the chatbot team's header (test_workbook.py uses it too)
PEOPLE_AND_TEAM = """people:
  Product Manager: pm@example.com
  "Lopez, Ana": ana@example.com
teams:
  chatbot:
    project: Conversational AI
    sponsor: VP Customer Service
    contributors: [Product Manager, "Lopez, Ana"]
"""
PLAN = "period: 2026-Q1\n" + PEOPLE_AND_TEAM + """    next_review: 2026-02-15
    destinations: ["https://hooks.example.com/services/T/B/X", "mailto:bot@example.com"]
    state: in-review
    signoffs:
      - {role: Executive Sponsor, name: Pat Doe, at: 2026-01-06T09:30:00, note: go}
      - {role: product lead, name: Sam Roe, at: 2026-01-07}
objectives:
  - id: BOT-1
    title: Deliver an assistant customers love
    team: chatbot
  - id: VIS-1
    title: See every defect
    team: vision
"""


def problems(text: str) -> list[tuple[str | None, str | None, int | None]]:
    with pytest.raises(PlanError) as info:
        parse_plan(text, source="p.yaml")
    assert all(p.code in CODES for p in info.value.problems)
    return [(p.code, p.field, p.line) for p in info.value.problems]


def test_the_header_is_a_frame_with_one_row_per_team() -> None:
    plan = parse_plan(PLAN)
    h = plan.headers
    assert list(h.columns) == HEADER_COLUMNS and len(h) == 1
    row = h.iloc[0]
    assert (row["team"], row["project"], row["sponsor"]) == ("chatbot", "Conversational AI",
                                                             "VP Customer Service")
    assert row["contributors"] == ("Product Manager", "Lopez, Ana")
    assert row["next_review"] == dt.date(2026, 2, 15)
    assert row["roles"] is None  # the default: okrkit.lifecycle.DEFAULT_ROLES
    assert row["destinations"][1] == "mailto:bot@example.com"
    assert row["signoffs"] == (
        SignOff("Executive Sponsor", "Pat Doe", dt.datetime(2026, 1, 6, 9, 30), "go"),
        SignOff("product lead", "Sam Roe", dt.datetime(2026, 1, 7), None))
    assert plan.emails == {"Product Manager": "pm@example.com", "Lopez, Ana": "ana@example.com"}


def test_yaml_round_trip_keeps_headers_and_people() -> None:
    plan = parse_plan(PLAN)
    again = parse_plan(dump_plan(plan))
    pdt.assert_frame_equal(plan.headers, again.headers)
    pdt.assert_frame_equal(plan.people, again.people)


def test_for_team_keeps_that_teams_header_only() -> None:
    plan = parse_plan(PLAN)
    assert plan.for_team("chatbot").headers["team"].tolist() == ["chatbot"]
    assert plan.for_team("vision").headers.empty
    assert len(plan.for_team("vision").people) == 2


def test_the_schema_states_are_the_lifecycle_states() -> None:
    assert typing.get_args(State) == STATES


def test_own_roles_and_an_active_plan() -> None:
    text = PLAN.replace("    state: in-review\n", "    roles: [Executive Sponsor, Product Lead]\n"
                        "    state: active\n")
    plan = parse_plan(text)
    assert plan.headers.loc[0, "roles"] == ("Executive Sponsor", "Product Lead")
    assert plan.headers.loc[0, "state"] == "active"


@pytest.mark.parametrize(("edit", "expect"), [
    (("    state: in-review\n", "    state: active\n"),
     [("state-mismatch", "teams.chatbot.state", 12)]),
    (("    state: in-review\n", "    state: draft\n"),
     [("state-mismatch", "teams.chatbot.state", 12)]),
    (("    state: in-review\n", ""), [("state-mismatch", "teams.chatbot.state", 6)]),
    (("    state: in-review\n", "    state: approved\n"),
     [("not-one-of", "teams.chatbot.state", 12)]),
    (("{role: product lead,", "{role: CFO,"),
     [("unknown-role", "teams.chatbot.signoffs[1]", 15)]),
    (("{role: product lead,", "{role: executive sponsor,"),
     [("duplicate-role", "teams.chatbot.signoffs[1]", 15)]),
    (("    state: in-review\n", "    roles: [CFO, cfo]\n    state: in-review\n"),
     [("duplicate-role", "teams.chatbot.roles", 12), ("unknown-role",
      "teams.chatbot.signoffs[0]", 15), ("unknown-role", "teams.chatbot.signoffs[1]", 16)]),
    (("  chatbot:\n", "  chatbt:\n"), [("unknown-team", "teams.chatbt", 6)]),
    (("mailto:bot@example.com", "mailto:nobody"),
     [("bad-destination", "teams.chatbot.destinations[1]", 11)]),
    (("https://hooks.example.com/services/T/B/X", "slack"),
     [("bad-destination", "teams.chatbot.destinations[0]", 11)]),
    (("pm@example.com", "pm-at-example"), [("not-an-email", "people.Product Manager", 3)]),
    (("next_review: 2026-02-15", "next_review: soon"),
     [("not-a-date", "teams.chatbot.next_review", 10)]),
    (("at: 2026-01-07", "at: tomorrow"), [("not-a-date", "teams.chatbot.signoffs[1].at", 15)]),
    (("name: Sam Roe, ", ""), [("missing", "teams.chatbot.signoffs[1].name", 15)]),
    (("    project: Conversational AI\n", "    projekt: Conversational AI\n"),
     [("unknown-key", "teams.chatbot.projekt", 7)]),
])
def test_header_rules(edit: tuple[str, str], expect: list[tuple[str, str, int]]) -> None:
    assert edit[0] in PLAN
    assert problems(PLAN.replace(*edit)) == expect


def test_sign_off_times_with_a_zone_are_utc() -> None:
    plan = parse_plan(PLAN.replace("at: 2026-01-07}", "at: '2026-01-07T10:00:00+02:00'}"))
    assert plan.headers.loc[0, "signoffs"][1].at == dt.datetime(2026, 1, 7, 8, 0)


def test_default_roles_are_the_templates_four() -> None:
    text = PLAN.replace("    state: in-review\n", "    state: active\n")
    with pytest.raises(PlanError, match=", ".join(DEFAULT_ROLES[2:])):
        parse_plan(text)


def test_team_names_are_kept_as_written() -> None:
    text = PLAN.replace("team: chatbot", "team: 2026").replace("  chatbot:\n", "  2026:\n")
    assert parse_plan(text).headers.loc[0, "team"] == "2026"


@pytest.mark.parametrize("items", [["a", "b"], ["Lopez; Ana", "b"], ["[x]"]])
def test_list_cells_read_back(items: list[str]) -> None:
    assert read_list_cell(list_cell(items)) == items


def test_people_cells_read_back() -> None:
    plan = parse_plan(PLAN)
    cell = people_cell(plan.people)
    assert cell == 'Product Manager <pm@example.com>, "Lopez, Ana" <ana@example.com>'
    assert read_people_cell(cell) == plan.emails


def test_an_empty_header_or_review_is_none() -> None:
    plan = parse_plan("period: 2026-Q1\nteams:\n  chatbot: {}\nobjectives:\n"
                      "  - {id: BOT-1, title: Delight, team: chatbot, review: {}}\n")
    assert plan.headers.empty and plan.reviews.empty

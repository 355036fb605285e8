"""The key result's contract additions: milestone targets, the physical range, sources."""

from __future__ import annotations

import math

import numpy as np
import pytest

from okrkit.errors import CODES, PlanError
from okrkit.plan import dump_plan, parse_plan
from okrkit.rules import physical_range
from okrkit.scoring import score
from okrkit.sources import Source

PLAN = """period: 2026-Q1
objectives:
  - id: BOT-1
    title: Deliver an assistant customers love
    team: chatbot
    key_results:
{krs}
"""


def plan_with(*krs: str):
    return parse_plan(PLAN.format(krs="\n".join(f"      - {k}" for k in krs)), source="p.yaml")


def problems_of(*krs: str) -> list[tuple[str | None, str | None, int | None]]:
    with pytest.raises(PlanError) as info:
        plan_with(*krs)
    assert all(p.code in CODES for p in info.value.problems)
    return [(p.code, p.field, p.line) for p in info.value.problems]


# ---------------------------------------------------------------------------- milestones


def test_a_milestone_without_target_is_one_milestone() -> None:
    plan = plan_with("{id: M, title: Go live in three regions, direction: milestone}")
    assert plan.key_results.loc[0, "target"] == 1.0
    checkins = __import__("pandas").DataFrame(
        {"kr_id": ["M"], "date": ["2026-02-01"], "value": [1.0]})
    card = score(plan, checkins, as_of="2026-02-02")
    assert card.key_results.loc[0, "score"] == 1.0
    # a blank target is the same; other directions still need one
    blank = plan_with("{id: M, title: Go live, direction: milestone, target: ''}")
    assert blank.key_results.loc[0, "target"] == 1.0
    assert problems_of("{id: K, title: Grow, unit: x, direction: increase, baseline: 1}") == [
        ("missing", "objectives[0].key_results[0].target", 7)]


def test_milestone_count_below_one_is_still_refused() -> None:
    assert problems_of("{id: M, title: Go live, direction: milestone, target: 0.5}")[0][0] == (
        "milestone-target")


# ---------------------------------------------------------------------------- range


def test_min_and_max_are_frame_columns_nan_when_absent() -> None:
    plan = plan_with(
        "{id: R, title: Raise CSAT to 4.5, unit: points, direction: increase, baseline: 3.9, "
        "target: 4.5, min: 1, max: 5}",
        "{id: P, title: Resolve 70% of inquiries, unit: '%', direction: increase, baseline: 40, "
        "target: 70}")
    krs = plan.key_results
    assert krs["min"].dtype == "float64" and krs["max"].dtype == "float64"
    assert krs.loc[0, ["min", "max"]].tolist() == [1.0, 5.0]
    assert math.isnan(krs.loc[1, "min"]) and math.isnan(krs.loc[1, "max"])
    low, high = physical_range(krs)  # the engine reads them; % defaults to 0..100
    assert low.tolist() == [1.0, 0.0] and high.tolist() == [5.0, 100.0]
    again = parse_plan(dump_plan(plan))
    assert again.key_results.loc[0, ["min", "max"]].tolist() == [1.0, 5.0]
    assert "min:" not in dump_plan(plan).split("id: P")[1]


@pytest.mark.parametrize(("kr", "expect"), [
    ("{id: R, title: Rate, unit: pts, direction: increase, baseline: 2, target: 4, min: 5, "
     "max: 1}", [("bad-range", "objectives[0].key_results[0].min")]),
    ("{id: R, title: Rate, unit: pts, direction: increase, baseline: 2, target: 4, min: 3, "
     "max: 3}", [("bad-range", "objectives[0].key_results[0].min")]),
    ("{id: R, title: Rate, unit: pts, direction: increase, baseline: 2, target: 6, min: 1, "
     "max: 5}", [("outside-range", "objectives[0].key_results[0].target")]),
    ("{id: R, title: Rate, unit: pts, direction: decrease, baseline: 8, target: 3, max: 5}",
     [("outside-range", "objectives[0].key_results[0].baseline")]),
    ("{id: R, title: Rate, unit: pts, direction: increase, baseline: 2, target: 4, min: .inf}",
     [("not-finite", "objectives[0].key_results[0].min")]),
    ("{id: R, title: Rate, unit: pts, direction: increase, baseline: 2, target: 4, max: 5, "
     "milestones: {2026-02-01: 7}}",
     [("outside-range", "objectives[0].key_results[0].milestones.2026-02-01")]),
    ("{id: R, title: Rate, unit: pts, direction: increase, baseline: 2, target: 4, max: lots}",
     [("not-a-number", "objectives[0].key_results[0].max")]),
])
def test_range_rules(kr: str, expect: list[tuple[str, str]]) -> None:
    found = problems_of(kr)
    assert [(c, f) for c, f, _ in found] == expect
    assert all(line == 7 for *_, line in found)


def test_range_in_percent_and_negative_bounds() -> None:
    plan = plan_with("{id: T, title: Keep the delta, unit: '%', direction: increase, "
                     "baseline: -5, target: 5, min: '-10%', max: '10%'}")
    assert plan.key_results.loc[0, ["min", "max"]].tolist() == [-10.0, 10.0]


def test_a_milestone_key_result_counts_milestones_not_the_range() -> None:
    plan = plan_with("{id: M, title: Ship three, direction: milestone, target: 3, max: 1}")
    assert plan.key_results.loc[0, "target"] == 3.0


# ---------------------------------------------------------------------------- sources


def test_sources_are_parsed_into_source_objects_and_dumped_back() -> None:
    plan = plan_with(
        "{id: S, title: Resolve 70% of inquiries, unit: '%', direction: increase, baseline: 40,"
        " target: 70, source: {connection: support, sql: 'SELECT 1 WHERE :as_of > 0'}}",
        "{id: F, title: Raise CSAT, unit: pts, direction: increase, baseline: 3, target: 4, "
        "source: {file: csat.csv, timeout_s: 5, note: weekly export}}",
        "{id: Y, title: Cut costs, unit: k, direction: decrease, baseline: 9, target: 5, "
        "source: {python: 'mypkg.metrics:cost'}}",
        "{id: N, title: No source, unit: k, direction: decrease, baseline: 9, target: 5}")
    src = plan.key_results["source"].tolist()
    assert src[0] == Source(kind="sql", connection="support", sql="SELECT 1 WHERE :as_of > 0")
    assert src[1] == Source(kind="file", file="csat.csv", timeout_s=5.0, note="weekly export")
    assert src[2].kind == "python" and src[3] is None
    again = parse_plan(dump_plan(plan))
    assert again.key_results["source"].tolist() == src


def test_a_connection_url_never_lives_in_the_plan() -> None:
    with pytest.raises(PlanError) as info:
        plan_with("{id: S, title: Resolve, unit: '%', direction: increase, baseline: 40, "
                  "target: 70, source: {connection: 'postgresql://bot:s3cret@db/prod', "
                  "sql: SELECT 1}}")
    (p,) = info.value.problems
    assert (p.code, p.field, p.line) == ("connection-url", "objectives[0].key_results[0].source",
                                         7)
    assert "not a URL" in p.message and "$OKRKIT_CONNECTION_" in p.message
    assert "s3cret" not in str(info.value)


@pytest.mark.parametrize(("source", "words"), [
    ("{connection: support}", "needs sql"),
    ("{file: a.csv, connection: x}", "takes no connection"),
    ("{python: not-a-ref}", "package.module:function"),
    ("{sql: SELECT 1}", "needs connection"),
    ("{connection: support, sql: SELECT 1, timeout_s: 0}", "timeout_s"),
    ("{connection: support, sql: SELECT 1, retries: 3}", "unknown source key 'retries'"),
    ("just text", "must be a mapping"),
])
def test_bad_sources_are_located_problems(source: str, words: str) -> None:
    with pytest.raises(PlanError) as info:
        plan_with("{id: S, title: Resolve, unit: '%', direction: increase, baseline: 40, "
                  f"target: 70, source: {source}}}")
    (p,) = info.value.problems
    assert (p.code, p.field, p.line, p.id) == ("bad-source",
                                               "objectives[0].key_results[0].source", 7, "S")
    assert words in p.message


def test_sources_survive_the_workshop_of_the_frame() -> None:
    plan = plan_with("{id: S, title: Resolve, unit: '%', direction: increase, baseline: 40, "
                     "target: 70, source: {connection: support, sql: SELECT 1}}")
    team = plan.for_team("chatbot")
    assert isinstance(team.key_results.loc[0, "source"], Source)
    assert np.isnan(team.key_results.loc[0, "min"])

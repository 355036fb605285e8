"""okrkit.pins: the plain-text lines nbval pins in the notebooks."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from conftest import TEAMS_CHECKINS, checkins_frame

from okrkit import pins
from okrkit.errors import Problem
from okrkit.insights import at_risk_list, stale_list
from okrkit.linting import Finding
from okrkit.plan import parse_plan
from okrkit.scoring import Calibration, score


def test_table_one_self_describing_line_per_row() -> None:
    frame = pd.DataFrame({"kr_id": ["A.1", "B.22"], "score": [0.5, np.nan],
                          "pace": [0.05, -0.2], "value": [7600.0, 86.5],
                          "last_checkin": [dt.date(2026, 2, 13), None], "extra": [1, 2]})
    out = pins.table(frame, ["kr_id", "value", "score", "pace", "last_checkin", "absent"])
    assert out.splitlines() == [
        "A.1  value=7,600  score=0.500  pace=+0.050  last_checkin=2026-02-13",
        "B.22  value=86.5  score=—  pace=-0.200  last_checkin=—",
    ]
    # a row's line does not depend on the other rows (a diff shows only the row that moved)
    wider = frame.assign(kr_id=["A.1", "B.22-with-a-much-longer-id"])
    assert pins.table(wider, ["kr_id", "score"]).splitlines()[0] == "A.1  score=0.500"
    assert pins.table(frame.iloc[:0], ["kr_id", "score"]) == "none"


def test_table_never_changes_its_frame() -> None:
    frame = pd.DataFrame({"kr_id": ["A.1"], "score": [0.123456]})
    before = frame.copy()
    pins.table(frame, ["kr_id", "score"], formats={"score": lambda v: "x"})
    pd.testing.assert_frame_equal(frame, before)


def test_formats_round_like_the_apps() -> None:
    assert pins.score(0.73288) == "0.733" and pins.score(float("nan")) == "—"
    assert pins.signed(0.0) == "+0.000" and pins.share(0.9975) == "1.00"
    assert pins.text(pd.Timestamp("2026-02-13")) == "2026-02-13" and pins.text(pd.NA) == "—"


@pytest.fixture
def card(teams_plan):
    return score(teams_plan, checkins_frame(TEAMS_CHECKINS), as_of="2026-02-13")


def test_headline_states_period_date_overall_band_and_counts(card) -> None:
    line = pins.headline(card, at_risk=at_risk_list(card), stale=stale_list(card))
    band = "green" if card.overall >= 0.7 else "yellow" if card.overall >= 0.4 else "red"
    assert line == (f"2026-Q1 as of 2026-02-13: overall {card.overall:.3f} {band}; "
                    f"3 key results, {len(at_risk_list(card))} at risk, "
                    f"{len(stale_list(card))} stale")
    assert pins.headline(card) == line.split("; ")[0] + "; 3 key results"


def test_objectives_and_key_results_in_the_frames_order(card) -> None:
    lines = pins.objectives(card.objectives).splitlines()
    assert lines[0] == "3 objectives"
    assert [x.split()[0] for x in lines[1:]] == list(card.objectives["objective_id"])
    a = card.objectives.set_index("objective_id").loc["A"]
    assert lines[1 + list(card.objectives["objective_id"]).index("A")] == (
        f"A  team=x  score={a['score']:.3f}  band={a['band']}  status={a['status']}")
    krs = pins.key_results(card.key_results).splitlines()
    assert krs[0] == "3 key results"
    assert any(x.startswith("A.1  value=50  target=100  score=0.500") for x in krs)


def test_objectives_show_the_final_score_only_where_overridden(card) -> None:
    assert "final_score" not in pins.objectives(card.objectives)
    overridden = card.objectives.assign(score_override=[0.8, np.nan, np.nan],
                                        final_score=[0.8, 0.2, 0.3])
    line = pins.objectives(overridden).splitlines()[1]
    assert line.endswith("score_override=0.800  final_score=0.800  final_band=" +
                         str(overridden.iloc[0]["final_band"]))


def test_calibration_final_projected_and_per_group(card) -> None:
    final = Calibration(mean=0.7333, n=3, verdict="ideal", committed_misses=("BOT-3",))
    assert pins.calibration(final) == ("ideal (mean 0.733 over 3 objectives); "
                                       "committed below 1.0: BOT-3")
    projected = Calibration(mean=0.5, n=1, verdict="concerning", basis="projected")
    assert pins.calibration(projected) == ("projected: concerning (mean 0.500 over "
                                           "1 objective); committed below 1.0 so far: none")
    groups = pins.calibration(card.calibration("team")).splitlines()
    assert [g.split()[0] for g in groups] == ["x", "y"]
    assert "label=no verdict before the period ends" in groups[0]


def test_forecast_of_an_ended_period() -> None:
    assert pins.forecast(None) == "no forecast (the period has ended)"


def test_plan_and_findings() -> None:
    plan = parse_plan("""period: 2026-Q1
objectives:
  - {id: P, title: Parent, level: business_unit, team: bu, owner: x}
  - id: C
    title: Child
    parent: P
    team: t
    owner: y
    kind: committed
    key_results:
      - {id: C.1, title: Users, unit: users, direction: increase, baseline: 0, target: 100}
      - {id: C.2, title: Uptime, unit: "%", direction: at_least, target: 99.5}
""")
    assert pins.plan(plan).splitlines() == [
        "2026-Q1: 2 objectives, 2 key results",
        "P (bu, aspirational, weight 1) under —",
        "C (t, committed, weight 1) under P",
        "  C.1: increase 0 -> 100 users",
        "  C.2: at_least — -> 99.5 %",
    ]
    assert pins.plan(None) == "no plan"
    assert pins.findings([], []) == "0 problems, 0 lint findings"
    out = pins.findings([Problem("target missing", field="target", id="C.1")],
                        [Finding("too-few-krs", "warning", "only 2 key results",
                                 objective_id="C")])
    lines = out.splitlines()
    assert lines[0] == "1 problem, 1 lint finding"
    assert lines[1].startswith("problem: ") and "target missing" in lines[1]
    assert lines[2] == "warning [too-few-krs] objective C: only 2 key results"

"""Confidence calibration: Brier scores and decompositions by hand, properties, forecasts."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from conftest import checkins_frame
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from okrkit.calibration_charts import reliability_chart, track_record_chart
from okrkit.charts import to_svg
from okrkit.cli import app
from okrkit.confidence import (
    FORECAST_COLUMNS,
    GROUP_COLUMNS,
    bin_of,
    brier,
    calibration_summary_text,
    calibration_table,
    decompose,
    forecasts,
    kr_outcomes,
    objective_outcomes,
    reliability_table,
    verdict,
    vote_forecasts,
)
from okrkit.plan import parse_plan
from okrkit.scoring import ScoringPolicy

# ---------------------------------------------------------------------------- by hand


def test_brier_by_hand() -> None:
    # (0.9-1)² + (0.2-0)² + (0.6-0)² + (0.7-1)² = 0.01 + 0.04 + 0.36 + 0.09 = 0.50
    assert brier([0.9, 0.2, 0.6, 0.7], [1, 0, 0, 1]) == pytest.approx(0.125)
    assert math.isnan(brier([], []))


def test_decomposition_by_hand_on_bin_values() -> None:
    # bins 0.2 (outcomes 0, 1) and 0.8 (outcomes 1, 1, 1, 0); base rate 4/6
    p = [0.2, 0.2, 0.8, 0.8, 0.8, 0.8]
    o = [0, 1, 1, 1, 1, 0]
    d = decompose(p, o)
    base = 4 / 6
    rel = (2 * (0.2 - 0.5) ** 2 + 4 * (0.8 - 0.75) ** 2) / 6  # 0.18 + 0.01 -> 0.19 / 6
    res = (2 * (0.5 - base) ** 2 + 4 * (0.75 - base) ** 2) / 6
    assert d.n == 6
    assert d.brier == pytest.approx((0.04 + 0.64 + 0.04 * 3 + 0.64) / 6)
    assert d.reliability == pytest.approx(rel) == pytest.approx(0.19 / 6)
    assert d.resolution == pytest.approx(res)
    assert d.uncertainty == pytest.approx(base * (1 - base))
    assert d.reliability - d.resolution + d.uncertainty == pytest.approx(d.brier)
    assert d.residual == pytest.approx(0.0, abs=1e-12)


def test_decomposition_off_bin_values_has_a_residual() -> None:
    # 0.14 and 0.06 share the 0.1 bin: the identity holds only up to the binning
    d = decompose([0.14, 0.06], [0, 0])
    assert d.reliability == pytest.approx(0.1**2)  # mean forecast 0.1 vs share 0
    assert d.brier == pytest.approx((0.14**2 + 0.06**2) / 2)
    assert d.residual == pytest.approx(d.brier - d.reliability)
    assert d.residual > 0


def test_bins_are_the_nearest_tenth() -> None:
    assert bin_of([0.0, 0.049, 0.05, 0.149, 0.15, 0.849, 0.85, 0.95, 1.0]).tolist() == [
        0, 0, 1, 1, 2, 8, 9, 10, 10]


def test_reliability_table_by_hand() -> None:
    t = reliability_table([0.2, 0.2, 0.8, 0.8, 0.8, 0.8], [0, 1, 1, 1, 1, 0])
    assert t["bin"].tolist() == [0.2, 0.8]
    assert t["n"].tolist() == [2, 4]
    assert t["share_green"].tolist() == [0.5, 0.75]
    assert t["mean_confidence"].tolist() == pytest.approx([0.2, 0.8])


def test_verdict_and_words() -> None:
    assert verdict(0.12) == "over-confident" and verdict(-0.11) == "under-confident"
    assert verdict(0.1) == "well calibrated" and verdict(-0.1) == "well calibrated"
    row = {"group": "genai", "n": 10, "brier": 0.3, "mean_confidence": 0.7,
           "share_green": 0.4, "bias": 0.3, "verdict": "over-confident"}
    text = calibration_summary_text(row)
    assert text.startswith("genai: over-confident by 0.30") and "40%" in text
    assert calibration_summary_text({"group": "x", "n": 0}) == "x: no forecasts to score."


# ---------------------------------------------------------------------------- properties

probs = st.floats(min_value=0, max_value=1, allow_nan=False)
outcomes = st.integers(min_value=0, max_value=1)


@settings(max_examples=200, deadline=None)
@given(st.lists(outcomes, min_size=1, max_size=60))
def test_a_perfect_forecaster_scores_zero(o: list[int]) -> None:
    d = decompose(o, o)
    assert d.brier == 0 and d.reliability == 0
    assert d.resolution == pytest.approx(d.uncertainty)


@settings(max_examples=200, deadline=None)
@given(st.lists(outcomes, min_size=1, max_size=60))
def test_a_constant_half_scores_a_quarter(o: list[int]) -> None:
    d = decompose([0.5] * len(o), o)
    assert d.brier == pytest.approx(0.25)
    assert d.resolution == pytest.approx(0.0, abs=1e-12)  # one bin: no resolution


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10), outcomes), min_size=1, max_size=80))
def test_the_identity_holds_exactly_on_bin_values(pairs: list[tuple[int, int]]) -> None:
    p = [k / 10 for k, _ in pairs]
    o = [y for _, y in pairs]
    d = decompose(p, o)
    assert d.reliability - d.resolution + d.uncertainty == pytest.approx(d.brier, abs=1e-12)
    assert d.reliability >= 0 and d.resolution >= 0 and 0 <= d.uncertainty <= 0.25


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(probs, outcomes), min_size=1, max_size=80))
def test_the_identity_holds_up_to_the_binning(pairs: list[tuple[float, int]]) -> None:
    p = [x for x, _ in pairs]
    o = [y for _, y in pairs]
    d = decompose(p, o)
    # each forecast is at most 0.05 from its bin's mean forecast: a bounded residual
    assert abs(d.residual) <= 2 * 0.05 + 0.05**2
    assert 0 <= d.brier <= 1


# ---------------------------------------------------------------------------- forecasts

PLAN = """period: 2026-Q1
objectives:
  - {id: C, title: Company, level: company, team: co, owner: CEO}
  - id: A
    title: Grow
    parent: C
    team: alpha
    owner: Alice
    level: team
    key_results:
      - {id: A1, title: To 100, unit: u, direction: increase, baseline: 0, target: 100}
      - {id: A2, title: To 10, unit: u, direction: increase, baseline: 0, target: 10,
         owner: Ann}
  - id: B
    title: Shrink
    parent: C
    team: beta
    owner: Bob
    level: project
    key_results:
      - {id: B1, title: Down, unit: u, direction: decrease, baseline: 100, target: 0}
    review: {score_override: 1.0, override_reason: agreed}
"""


@pytest.fixture
def plan():
    return parse_plan(PLAN)


def ck() -> pd.DataFrame:
    frame = checkins_frame([
        ("A1", "2026-01-20", 30, 0.9),
        ("A1", "2026-03-20", 80, 0.8),  # ends at 0.8: green
        ("A2", "2026-01-20", 2, 0.6),
        ("A2", "2026-03-20", 5),  # no confidence: not a forecast; ends at 0.5
        ("B1", "2026-02-20", 90, 0.7),  # ends at 0.1: red (the override does not count)
    ])
    return frame


def test_forecasts_and_outcomes(plan) -> None:
    f = forecasts(plan, ck())
    assert list(f.columns) == FORECAST_COLUMNS
    assert f["kr_id"].tolist() == ["A1", "A1", "A2", "B1"]
    assert f["outcome"].tolist() == [1.0, 1.0, 0.0, 0.0]
    assert f["half"].tolist() == ["first", "second", "first", "second"]  # middle: Feb 15
    assert f.set_index("kr_id").loc["A2", "owner"] == "Ann"  # the KR's owner first
    assert f.set_index("kr_id").loc["B1", "owner"] == "Bob"  # else the objective's
    assert f.set_index("kr_id").loc["B1", "level"] == "project"
    out = kr_outcomes(plan, ck()).set_index("kr_id")
    assert out.loc["B1", "final_score"] == pytest.approx(0.1)
    assert out.loc["B1", "outcome"] == 0.0  # the retrospective override is not the outcome


def test_forecasts_use_the_effective_checkins(plan) -> None:
    base = ck()
    fixed = checkins_frame([("A1", "2026-03-20", 60, 0.3)])  # a correction of the same day
    rows = pd.concat([base, fixed], ignore_index=True)
    f = forecasts(plan, rows)
    a1 = f[f["kr_id"] == "A1"]
    assert a1["confidence"].tolist() == [0.9, 0.3]  # the correction replaced the row
    assert (a1["outcome"] == 0.0).all()  # 0.6 is yellow
    outside = checkins_frame([("A1", "2026-04-02", 100, 0.99)])  # after the period
    assert len(forecasts(plan, pd.concat([base, outside]))) == len(forecasts(plan, base))


def test_green_follows_the_policy(plan) -> None:
    f = forecasts(plan, ck(), ScoringPolicy(green_from=0.85))
    assert f["outcome"].sum() == 0  # 0.8 is no longer green


def test_calibration_table_by_hand(plan) -> None:
    t = calibration_table(forecasts(plan, ck()), "team").set_index("group")
    assert list(t.reset_index().columns) == GROUP_COLUMNS
    a = t.loc["alpha"]  # 0.9 -> 1, 0.8 -> 1, 0.6 -> 0
    assert a["n"] == 3 and a["key_results"] == 2
    assert a["brier"] == pytest.approx((0.01 + 0.04 + 0.36) / 3)
    assert a["mean_confidence"] == pytest.approx(2.3 / 3)
    assert a["share_green"] == pytest.approx(2 / 3)
    assert a["bias"] == pytest.approx(2.3 / 3 - 2 / 3)
    assert a["brier_first_half"] == pytest.approx((0.01 + 0.36) / 2)
    assert a["brier_second_half"] == pytest.approx(0.04)
    b = t.loc["beta"]
    assert b["verdict"] == "over-confident" and b["bias"] == pytest.approx(0.7)
    assert t.loc["(all)", "n"] == 4
    owners = calibration_table(forecasts(plan, ck()), "owner", total=False)
    assert owners["group"].tolist() == ["Alice", "Ann", "Bob"]
    with pytest.raises(KeyError):
        calibration_table(forecasts(plan, ck()), "colour")


def test_votes_are_scored_against_the_objective(plan) -> None:
    out = objective_outcomes(plan, ck()).set_index("objective_id")
    # A = (0.8 + 0.5) / 2 = 0.65 (not green), B = 0.1 computed (override 1.0 ignored)
    assert out.loc["A", "final_score"] == pytest.approx(0.65)
    assert out.loc["B", "outcome"] == 0.0
    votes = pd.DataFrame({
        "period": "2026-Q1", "team": ["alpha", "alpha", "beta", "beta"],
        "participant": ["ana", "ben", "ana", "cy"],
        "objective_id": ["A", "A", "B", "NOPE"], "confidence": [0.2, 0.9, 0.5, 0.5]})
    v = vote_forecasts(votes, objective_outcomes(plan, ck()))
    assert v["objective_id"].tolist() == ["A", "A", "B"]  # an unknown objective is left out
    t = calibration_table(v, "participant").set_index("group")
    assert t.loc["ana", "brier"] == pytest.approx((0.04 + 0.25) / 2)
    assert t.loc["ben", "brier"] == pytest.approx(0.81)
    assert t.loc["ana", "n_first_half"] == 0 and math.isnan(t.loc["ana", "brier_first_half"])


# ---------------------------------------------------------------------------- charts


def test_reliability_chart_has_the_diagonal_and_the_bins() -> None:
    t = reliability_table([0.2, 0.2, 0.8, 0.8], [0, 1, 1, 1])
    spec = reliability_chart(t).to_dict()
    layers = spec["layer"]
    diagonal = next(v for v in spec["datasets"].values() if v == [{"x": 0, "y": 0},
                                                                 {"x": 1, "y": 1}])
    assert diagonal
    marks = [layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"]
             for layer in layers]
    assert marks == ["line", "line", "circle"]
    points = next(v for v in spec["datasets"].values() if v and "share_green" in v[0])
    assert [(r["bin"], r["share_green"], r["n"]) for r in points] == [(0.2, 0.5, 2),
                                                                      (0.8, 1.0, 2)]
    svg = to_svg(reliability_chart(t))
    import xml.etree.ElementTree as ET

    root = ET.fromstring(svg)
    texts = {t.text for t in root.iter("{http://www.w3.org/2000/svg}text")}
    assert "share that ended green (score ≥ 0.7)" in texts
    circles = [e for e in root.iter("{http://www.w3.org/2000/svg}path")
               if "circle" in (e.get("aria-roledescription") or "")]
    assert len(circles) == 2
    empty = reliability_chart(pd.DataFrame()).to_dict()
    assert empty["mark"]["type"] == "text"


def test_track_record_chart_spec() -> None:
    pp = pd.DataFrame({"period": ["2025-Q1"] * 3, "forecaster": ["model", "confidence",
                                                                 "pacing"],
                       "brier": [0.1, 0.2, 0.3], "n": [5, 5, 5]})
    spec = track_record_chart(pp).to_dict()
    assert spec["mark"]["type"] == "bar"
    assert spec["encoding"]["color"]["scale"]["domain"] == ["model", "confidence", "pacing"]
    values = next(iter(spec["datasets"].values()))
    assert [r["brier"] for r in values] == [0.1, 0.2, 0.3]


# ---------------------------------------------------------------------------- the CLI


def run(*args: str):
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def test_calibration_verb_on_the_sample(sample_url: str) -> None:
    r = run("calibration", "--period", "2025-Q4", "--db", sample_url, "--format", "json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["periods"] == ["2025-Q4"] and out["by"] == "team"
    groups = {g["group"]: g for g in out["groups"]}
    assert set(groups) == {"caio-office", "chatbot", "genai-assistant", "platform", "vision",
                           "(all)"}
    gen = groups["genai-assistant"]
    assert gen["verdict"] == "over-confident" and gen["summary"].startswith(
        "genai-assistant: over-confident by")
    assert sum(g["n"] for g in out["groups"] if g["group"] != "(all)") == groups["(all)"]["n"]
    assert "trend" not in out  # one period: no trend or flags
    assert sum(b["n"] for b in out["reliability"]) == groups["(all)"]["n"]


def test_calibration_verb_over_several_periods(sample_url: str) -> None:
    r = run("calibration", "--period", "2025-Q1..2025-Q4", "--db", sample_url)
    assert r.exit_code == 0, r.output
    assert "sandbagging flags: platform (2025-Q1, 2025-Q2, 2025-Q3)" in r.stdout
    assert "ratchet flags: chatbot (2025-Q1, 2025-Q2, 2025-Q3)" in r.stdout
    j = json.loads(run("calibration", "--all", "--as-of", "2026-02-13", "--by", "level",
                       "--format", "json", "--db", sample_url).stdout)
    assert j["periods"] == ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]
    assert {g["group"] for g in j["groups"]} == {"business_unit", "project", "(all)"}
    trend = pd.DataFrame(j["trend"])
    assert set(trend["period"]) == set(j["periods"])
    assert trend.groupby("team").size().eq(4).all()
    csv_out = run("calibration", "--period", "2025-Q3", "--by", "owner", "--format", "csv",
                  "--db", sample_url).stdout
    head = csv_out.splitlines()[0].split(",")
    assert head == [*GROUP_COLUMNS, "summary"]


@pytest.mark.parametrize(("args", "words"), [
    (["--period", "2026-Q1", "--as-of", "2026-02-13"], ["2026-Q1 is still open",
                                                         "2026-03-31", "not known yet"]),
    (["--period", "2025-Q1..2026-Q1", "--as-of", "2026-02-13"], ["2026-Q1 is still open"]),
    (["--period", "2024-Q4"], ["no plan for '2024-Q4'", "2025-Q1"]),
    (["--period", "2025-Q4", "--all"], ["not both"]),
    ([], ["--period", "--all"]),
    (["--period", "2025-Q4", "--by", "colour"], ["--by", "colour"]),
    (["--period", "2025-Q4", "--format", "xml"], ["--format", "xml"]),
    (["--period", "2025-Q4..2025-Q1"], ["ends before it starts"]),
])
def test_calibration_refusals(sample_url: str, args: list[str], words: list[str]) -> None:
    r = run("calibration", *args, "--db", sample_url)
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output
    for w in words:
        assert w in r.stderr, r.stderr


def test_all_is_every_closed_period(sample_url: str) -> None:
    """With today's date every sample quarter has ended: --all scores all five."""
    j = json.loads(run("calibration", "--all", "--format", "json", "--db", sample_url).stdout)
    import datetime as dt

    expect = ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]
    if dt.date.today() > dt.date(2026, 3, 31):
        expect.append("2026-Q1")
    assert j["periods"] == expect
    assert np.isfinite([g["brier"] for g in j["groups"]]).all()


def test_a_closed_period_without_confidences(tmp_path) -> None:
    from okrkit.store import open_store

    url = f"sqlite:///{tmp_path / 'okr.db'}"
    plan = parse_plan(PLAN.replace("2026-Q1", "2025-Q1"))
    with open_store(url) as store:
        store.save_plan(plan)
        store.add_checkins(checkins_frame([("A1", "2025-02-01", 50), ("B1", "2025-03-01", 20)]))
    r = run("calibration", "--all", "--db", url, "--format", "json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["groups"] == [{**out["groups"][0], "group": "(all)", "n": 0}]
    assert out["groups"][0]["summary"] == "(all): no forecasts to score."
    table = run("calibration", "--period", "2025-Q1", "--db", url)
    assert table.exit_code == 0 and "no forecasts to score" in table.stdout

"""The what-if app (okrkit.widgets.whatif_app) on a SQLite store with the sample."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from htmltree import table_rows

from okrkit.forecasting import forecast
from okrkit.priors import store_priors
from okrkit.scoring import score
from okrkit.whatif import suggest_targets, what_if
from okrkit.widgets.whatif_app import (
    WhatIfApp,
    changed,
    check_targets,
    diff_html,
    scenario_diff,
    slider_range,
)

REPO = Path(__file__).resolve().parent.parent
PERIOD = "2026-Q1"
AS_OF = "2026-02-13"
TEAM = "contact-centre"


@pytest.fixture
def store(sample_store):
    """A copy of the sample store for this test (see conftest)."""
    return sample_store


@pytest.fixture
def app(store):
    a = WhatIfApp(store=store, period=PERIOD, team=TEAM, as_of=AS_OF, simulations=300)
    yield a
    a.close()


def kr(app, kr_id: str) -> dict:
    return app.card.key_results.set_index("kr_id").loc[kr_id].to_dict()


def own_scores(app, objective_id: str, override: dict[str, float]) -> float:
    """Weighted mean of an objective's KR scores, with some scores replaced."""
    krs = app.card.key_results
    mine = krs[krs["objective_id"] == objective_id]
    s = np.array([override.get(k, v) for k, v in zip(mine["kr_id"], mine["score"],
                                                      strict=True)])
    return float(np.average(s, weights=mine["weight"].to_numpy()))


def after(app, oid: str) -> float:
    return float(app.diff.set_index("id").loc[oid, "score_after"])


# -- pure functions ----------------------------------------------------------------


def test_slider_range():
    assert slider_range(0, 10, 4) == (-5.0, 15.0, 0.02)
    lo, hi, step = slider_range(8, 2, 7.19)
    assert lo == -1.0 and hi == 11.0 and step == pytest.approx(0.012)
    assert slider_range(None, 5, float("nan")) == (2.5, 7.5, 0.005)
    assert slider_range(0, 0, None) == (-0.5, 0.5, 0.001)


def test_changed_keeps_only_moved_values():
    assert changed({"a": 1.0, "b": 2.005, "c": 3.0}, {"a": 1.0, "b": 2.0, "c": 2.0},
                   tol={"b": 0.01}) == {"c": 3.0}
    assert changed({"a": 1.0}, {}) == {"a": 1.0}


def test_check_targets_refuses_target_equal_to_baseline(store):
    plan = store.load_plan(PERIOD, TEAM)
    base = float(plan.key_results.set_index("kr_id").loc["CC-1.1", "baseline"])
    ok, problems = check_targets(plan, {"CC-1.1": base, "CC-1.2": 3.0, "ZZ": 1})
    assert ok == {"CC-1.2": 3.0}
    assert {p.id for p in problems} == {"CC-1.1", "ZZ"}


def test_scenario_diff_matches_what_if(store):
    plan = store.load_plan(PERIOD, TEAM)
    ck = store.checkins(period=PERIOD, team=TEAM)
    card = score(plan, ck, AS_OF)
    wi = what_if(plan, ck, AS_OF, values={"CC-2.1": 30.0})
    diff = scenario_diff(card.objectives, wi.scenario.objectives)
    pd.testing.assert_frame_equal(diff, wi.objectives_diff, check_dtype=False)
    out = diff_html(diff, 0.1, 0.25)
    assert "+0.15" in out and "CC-2" in out


# -- the app -------------------------------------------------------------------------


def test_untouched_sliders_change_nothing(app):
    assert set(app.krs) == {f"CC-{i}.{j}" for i, n in ((1, 4), (2, 3), (3, 3))
                            for j in range(1, n + 1)}
    assert not app.diff["changed"].any()
    assert app.overall == pytest.approx(app.card.overall)
    r = app.krs["CC-1.1"]
    assert r.target.value == kr(app, "CC-1.1")["target"]
    assert r.value.value == kr(app, "CC-1.1")["value"]


def test_value_slider_changes_the_diff_as_hand_computed(app):
    k = kr(app, "CC-1.1")
    app.krs["CC-1.1"].value.value = 60.0
    new = min(max((60.0 - k["baseline"]) / (k["target"] - k["baseline"]), 0), 1)
    expected = own_scores(app, "CC-1", {"CC-1.1": new})
    assert after(app, "CC-1") == pytest.approx(expected)
    row = app.diff.set_index("id").loc["CC-1"]
    assert row["changed"] and row["delta"] == pytest.approx(expected - row["score_before"])
    assert not app.diff.set_index("id").loc["CC-2", "changed"]
    # CS-1 has no KRs of its own in the team view: the mean of CC-1..3 (weights 1)
    s = app.diff.set_index("id")["score_after"]
    assert s["CS-1"] == pytest.approx((s["CC-1"] + s["CC-2"] + s["CC-3"]) / 3)
    assert f"{expected:.2f}" in app.diff_panel.value
    # the offline interactive chart follows the slider: most-moved objective first
    import altair as alt

    assert isinstance(app.chart, alt.JupyterChart)
    spec = app.chart.chart.to_dict()
    rows = next(iter(spec["datasets"].values()))
    by_id = {r["objective"]: r for r in rows}
    assert by_id["CC-1"]["what_if"] == pytest.approx(expected)
    assert rows[0]["objective"] in {"CC-1", "CS-1", "CO-1"}


def test_target_slider_changes_the_diff_as_hand_computed(app):
    k = kr(app, "CC-2.3")
    new_target = k["baseline"] + (k["target"] - k["baseline"]) / 2
    app.krs["CC-2.3"].target.value = new_target
    new = min(max((k["value"] - k["baseline"]) / (new_target - k["baseline"]), 0), 1)
    assert new == pytest.approx(2 * k["score"])
    assert after(app, "CC-2") == pytest.approx(own_scores(app, "CC-2", {"CC-2.3": new}))


def test_target_equal_to_baseline_is_ignored_with_a_message(app):
    k = kr(app, "CC-1.1")
    app.krs["CC-1.1"].target.value = k["baseline"]
    assert app.message.kind == "error" and "must differ from its baseline" in app.message.text
    assert not app.diff["changed"].any()


def test_weight_slider_reweights_the_parent(app):
    app.weights["CC-1"].value = 3.0
    s = app.card.objectives.set_index("objective_id")["score"]
    expected = (3 * s["CC-1"] + s["CC-2"] + s["CC-3"]) / 5
    assert after(app, "CS-1") == pytest.approx(expected)
    assert after(app, "CC-1") == pytest.approx(s["CC-1"])


def test_stretch_halves_every_score(app):
    app.stretch.value = 2.0
    s = app.card.objectives.set_index("objective_id")["score"]
    d = app.diff.set_index("id")["score_after"]
    for oid in ("CC-1", "CC-2", "CC-3", "CS-1", "CO-1"):
        assert d[oid] == pytest.approx(s[oid] / 2)
    assert app.overall == pytest.approx(app.card.overall / 2)
    app.reset_button.click()
    assert not app.diff["changed"].any() and app.stretch.value == 1.0


def test_forecast_panel(app, store):
    f = app.forecast_frame.set_index("objective_id")
    assert list(f.index) == ["CO-1", "CS-1", "CC-1", "CC-2", "CC-3"]
    assert f["p_score_07"].between(0, 1).all()
    assert f["expected_score"].between(0, 1).all()
    assert "P(score ≥ 0.7)" in app.forecast_panel.value
    plan = store.load_plan(PERIOD, TEAM)
    ck = store.checkins(period=PERIOD, team=TEAM)
    # the forecast shown learns from the closed quarters before this one
    fc = forecast(plan, ck, AS_OF, simulations=300, seed=0,
                  prior=store_priors(store, plan.period))
    pd.testing.assert_series_equal(
        f["expected_score"], fc.objectives.set_index("objective_id")["expected_score"],
        check_names=False)
    s = suggest_targets(plan, ck, AS_OF, forecast=fc, goal=0.7)
    np.testing.assert_allclose(app.suggestions["suggested_target"], s["suggested_target"])


def test_forecast_of_the_scenario_and_suggested_targets(app):
    before = app.forecast_frame.set_index("objective_id")["expected_score"]
    app.stretch.value = 2.0
    app.forecast_button.click()
    now = app.forecast_frame.set_index("objective_id")["expected_score"]
    assert (now < before).all()
    assert "what-if scenario" in app.forecast_panel.value
    app.reset_button.click()
    app.run_forecast(scenario=False)
    n = app.apply_suggestions()
    sugg = app.suggestions.set_index("kr_id")["suggested_target"].dropna()
    assert n == len(sugg) > 0
    for k, t in sugg.items():
        assert app.krs[k].target.value == pytest.approx(t)
    assert app.diff["changed"].any()


def test_forecast_panel_says_why_a_target_is_missing(app):
    rows = table_rows(app.forecast_panel.value, "table:nth-of-type(2)")
    sugg = app.suggestions.set_index("kr_id")
    assert [r["KR"] for r in rows] == sugg.index.tolist()
    for r in rows:
        if pd.isna(sugg.at[r["KR"], "suggested_target"]):
            assert r["why none"] == sugg.at[r["KR"], "reason"] and r["why none"]
        else:
            assert r["why none"] == ""


PCT_PLAN = """period: 2026-Q1
objectives:
  - id: CX-1
    title: Delight customers
    team: cx
    key_results:
      - {id: CX-1.1, title: CSAT above 90%, unit: "%", direction: increase,
         baseline: 60, target: 90}
      - {id: CX-1.2, title: Grow weekly users, unit: users, direction: increase,
         baseline: 100, target: 1000}
"""


def test_a_suggestion_without_an_honest_target_is_never_applied(tmp_path):
    """A % key result on course past 100 %: a 0.7 expected score would need a target above
    100 %, so no target is suggested, the slider stays, and the app says why (issue 9)."""
    from conftest import checkins_frame

    from okrkit.plan import parse_plan
    from okrkit.store import open_store

    with open_store(f"sqlite:///{tmp_path / 'pct.db'}") as st:
        st.save_plan(parse_plan(PCT_PLAN, source="pct.yaml"))
        st.add_checkins(checkins_frame(
            [("CX-1.1", f"2026-01-{d:02d}", 60 + d, 0.8) for d in (5, 12, 19, 26)]
            + [("CX-1.1", "2026-02-09", 82, 0.8)]
            + [("CX-1.2", f"2026-01-{d:02d}", 100 + 2 * d, 0.6) for d in (5, 12, 19, 26)]
            + [("CX-1.2", "2026-02-09", 190, 0.6)]))
        a = WhatIfApp(store=st, period=PERIOD, team="cx", as_of=AS_OF, simulations=300)
        try:
            sugg = a.suggestions.set_index("kr_id")
            end = sugg.at["CX-1.1", "expected_end_value"]
            assert 60 + (end - 60) / 0.7 > 100  # what the naive formula would suggest
            assert pd.isna(sugg.at["CX-1.1", "suggested_target"])
            assert "0 to 100 %" in sugg.at["CX-1.1", "reason"]
            honest = sugg.at["CX-1.2", "suggested_target"]
            assert np.isfinite(honest)
            # the sliders stay inside the metric's physical range: no 142.5 % target
            assert a.krs["CX-1.1"].target.max == 100 and a.krs["CX-1.1"].target.min >= 0
            before = a.krs["CX-1.1"].target.value
            assert a.apply_suggestions() == 1
            assert a.krs["CX-1.1"].target.value == before == 90  # never applied
            assert a.krs["CX-1.2"].target.value == pytest.approx(honest)
            assert a.message.kind == "error" and "1 target moved" in a.message.text
            assert f"CX-1.1: {sugg.at['CX-1.1', 'reason']}" in a.message.text
            row = {r["KR"]: r for r in table_rows(a.forecast_panel.value,
                                                  "table:nth-of-type(2)")}["CX-1.1"]
            assert row["target for 70%"] == "—" and row["why none"] == sugg.at["CX-1.1", "reason"]
        finally:
            a.close()

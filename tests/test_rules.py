"""The per-KR rules (okrkit.rules) and the objective hierarchy (okrkit.hierarchy)."""

from __future__ import annotations

import datetime as dt
import importlib
import pkgutil

import numpy as np
import pandas as pd
import pytest
from conftest import checkins_frame
from hypothesis import given, settings
from hypothesis import strategies as st

import okrkit
from okrkit import rules
from okrkit.frames import conform
from okrkit.hierarchy import Hierarchy, ancestors, depths, find_cycles
from okrkit.period import Period

Q1 = Period.parse("2026-Q1")


def test_value_progress_every_direction() -> None:
    got = rules.value_progress(
        ["increase", "decrease", "at_least", "at_most", "milestone", "increase"],
        [88, 12, np.nan, np.nan, np.nan, 5],
        [95, 5, 90, 5, 3, 5],
        [96, 6.5, 89.9, 5, 2, 7],
    )
    assert got[:5].round(6).tolist() == [round(8 / 7, 6), round(5.5 / 7, 6), 0.0, 1.0,
                                         round(2 / 3, 6)]
    assert np.isnan(got[5])  # target == baseline: undefined, never infinite


def test_value_progress_matrix_rows_are_key_results() -> None:
    m = rules.value_progress(["increase", "at_most"], [0, np.nan], [10, 5],
                             np.array([[5.0, 10.0], [4.0, 6.0]]))
    assert m.tolist() == [[0.5, 1.0], [1.0, 0.0]]


def _krs(*ids: str) -> pd.DataFrame:
    return pd.DataFrame({"kr_id": list(ids)})


def test_latest_recorded_wins_and_unrecorded_is_newest() -> None:
    ck = checkins_frame([("A", "2026-01-10", 1), ("A", "2026-01-10", 2), ("A", "2026-01-10", 3)])
    ck["recorded_at"] = [dt.datetime(2026, 1, 10, 12), dt.datetime(2026, 1, 10, 9), None]
    eff = rules.effective_checkins(_krs("A"), ck, Q1, dt.date(2026, 2, 1))
    assert eff.value.tolist() == [3.0]  # the row not yet recorded wins
    ck.loc[2, "recorded_at"] = dt.datetime(2026, 1, 10, 8)
    eff = rules.effective_checkins(_krs("A"), ck, Q1, dt.date(2026, 2, 1))
    assert eff.value.tolist() == [1.0]  # else the latest recorded


def test_effective_checkins_filter_period_as_of_and_unknown() -> None:
    ck = checkins_frame([("A", "2025-12-31", 1), ("A", "2026-01-05", 2), ("A", "2026-02-05", 3),
                         ("B", "2026-01-05", 4), ("Z", "2026-01-05", 5)])
    eff = rules.effective_checkins(_krs("A", "B"), ck, Q1, dt.date(2026, 2, 1))
    assert eff.kr.tolist() == [0, 1] and eff.value.tolist() == [2.0, 4.0]


def test_latest_per_day_agrees_with_effective_checkins() -> None:
    ck = checkins_frame([("A", "2026-01-10", 1), ("B", "2026-01-10", 2), ("A", "2026-01-10", 3),
                         ("A", "2026-01-11", 4)])
    out = rules.latest_per_day(ck)
    assert out[["kr_id", "value"]].values.tolist() == [["A", 3.0], ["A", 4.0], ["B", 2.0]]


def test_effective_add_replaces_same_day() -> None:
    ck = checkins_frame([("A", "2026-01-10", 1), ("A", "2026-01-20", 2)])
    eff = rules.effective_checkins(_krs("A"), ck, Q1, dt.date(2026, 2, 1))
    day = int(np.datetime64("2026-01-20", "D").astype("int64"))
    assert eff.add(np.array([0]), day, np.array([9.0])).value.tolist() == [1.0, 9.0]
    assert eff.add(np.array([0]), day + 1, np.array([9.0])).value.tolist() == [1.0, 2.0, 9.0]


def test_kr_progress_threshold_share_and_no_checkin_zero() -> None:
    ck = checkins_frame([("T", "2026-01-10", 99.95), ("T", "2026-01-17", 99.8),
                         ("L", "2026-01-10", 50)])
    krs = _krs("T", "L", "N")
    eff = rules.effective_checkins(krs, ck, Q1, dt.date(2026, 2, 1))
    st_ = rules.kr_progress(["at_least", "increase", "increase"], [np.nan, 0, 0],
                            [99.9, 100, 100], eff)
    assert st_.progress.tolist() == [0.5, 0.5, 0.0]
    assert st_.count.tolist() == [2, 1, 0]


def test_status_conflicts() -> None:
    msgs = rules.status_conflicts(
        ["increase", "increase", "increase", "milestone", "increase"],
        [40, 40, 40, np.nan, 40], [70, 70, 70, 1, 70], [58, 70, 45, 0, 40],
        ["Complete", "Complete", "Not Started", "Not Started", "Not Started"], unit=["%"] * 5)
    assert msgs[0] == "status 'Complete' but the value 58 % has not reached the target 70 %"
    assert msgs[1] is None and msgs[3] is None and msgs[4] is None
    assert "moved from the baseline 40 %" in msgs[2]


@pytest.mark.parametrize(("override", "reason", "codes"), [
    (None, None, []), (0.8, "agreed", []), (0.8, None, ["override-needs-reason"]),
    (1.5, "x", ["out-of-range"]), (None, "why", ["override-without-score"]),
    ("high", "x", ["not-a-number"]),
])
def test_override_rule(override, reason, codes) -> None:
    assert [c for _, c, _ in rules.override_problems(override, reason)] == codes


def test_rollup_and_totals() -> None:
    obj = pd.DataFrame({"objective_id": ["C", "B", "P1", "P2"],
                        "parent_id": [None, "C", "B", "B"], "weight": [1.0, 1.0, 1.0, 3.0]})
    r = rules.RollUp(obj, ["P1", "P1", "P2", "B"])
    got = r.apply(np.array([1.0, 0.0, 1.0, 0.2]), np.ones(4), obj["weight"].to_numpy())
    # P1 = 0.5, P2 = 1.0, B = (0.2 + 0.5 + 3 * 1.0) / 5, C = B
    assert got.round(6).tolist() == [0.74, 0.74, 0.5, 1.0]
    assert r.totals(np.ones(4)).tolist() == [4.0, 4.0, 2.0, 1.0]


def test_hierarchy_cuts_cycles_and_walks_parents() -> None:
    obj = pd.DataFrame({"objective_id": ["A", "B", "C", "D"], "parent_id": ["B", "A", None, "C"]})
    h = Hierarchy.of(obj)
    assert h.parent.tolist() == [-1, -1, -1, 2] and h.depth.tolist() == [0, 0, 0, 1]
    parents = {"A": "B", "B": "A", "C": None, "D": "C"}
    assert find_cycles(parents) == [(0, ["A", "B", "A"])]
    assert ancestors(parents, ["D"]) == ["C"]
    assert depths({"C": None, "D": "C", "E": "D"}) == {"C": 0, "D": 1, "E": 2}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("ABC"), st.integers(0, 5), st.floats(-5, 5),
                          st.one_of(st.none(), st.integers(0, 3))), min_size=1, max_size=25))
def test_effective_rule_matches_a_plain_loop(rows) -> None:
    base = dt.datetime(2026, 1, 1, 12)
    ck = pd.DataFrame({
        "kr_id": [r[0] for r in rows],
        "date": [dt.date(2026, 1, 1) + dt.timedelta(days=r[1]) for r in rows],
        "value": [r[2] for r in rows],
        "recorded_at": [None if r[3] is None else base + dt.timedelta(hours=r[3]) for r in rows],
    })
    eff = rules.effective_checkins(_krs("A", "B", "C"), ck, Q1, dt.date(2026, 3, 1))
    expect: dict[tuple[str, int], tuple[float, float]] = {}
    for k, d, v, rec in rows:
        key = (k, d)
        rank = float("inf") if rec is None else rec
        if key not in expect or rank >= expect[key][0]:
            expect[key] = (rank, v)
    want = [expect[k][1] for k in sorted(expect)]
    assert eff.value.tolist() == want


def test_public_names_survive_importing_every_submodule() -> None:
    for mod in pkgutil.walk_packages(okrkit.__path__, "okrkit."):
        if ".migrations.versions" in mod.name or mod.name.endswith("__main__"):
            continue
        importlib.import_module(mod.name)
    for name in ("okrkit.forecasting", "okrkit.linting", "okrkit.whatif", "okrkit.widgets"):
        importlib.import_module(name)  # the imports that used to shadow the functions

    for name in okrkit.__all__:
        value = getattr(okrkit, name)
        assert not isinstance(value, type(okrkit)), f"okrkit.{name} is a module"
    assert callable(okrkit.lint) and callable(okrkit.forecast)
    assert okrkit.forecast.__module__ == "okrkit.forecasting"
    assert okrkit.suggest_targets.__name__ == "suggest_targets"


def test_conform_keeps_frames_apart() -> None:  # the frames the rules read are not mutated
    ck = checkins_frame([("A", "2026-01-10", 1)])
    before = ck.copy()
    rules.effective_checkins(_krs("A"), ck, Q1, dt.date(2026, 2, 1))
    pd.testing.assert_frame_equal(ck, before)
    assert list(conform(ck, "checkins").columns)[:3] == ["kr_id", "date", "value"]


def test_totals_and_scores_without_any_key_result() -> None:
    from okrkit.frames import Plan
    from okrkit.scoring import score

    obj = conform(pd.DataFrame({"objective_id": ["C", "B"], "parent_id": [None, "C"],
                                "title": ["c", "b"], "weight": [1.0, 1.0]}), "objectives")
    r = rules.RollUp(obj, [])
    assert r.totals(np.zeros(0)).tolist() == [0.0, 0.0]
    card = score(Plan(Q1, obj, conform(pd.DataFrame(), "key_results")), None, "2026-02-01")
    assert card.objectives["status"].tolist() == ["Not Started", "Not Started"]

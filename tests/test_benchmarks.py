"""The benchmark's references compute what okrkit computes (at a small scale).

The ratios printed by benchmarks/bench_scoring.py only mean something if the three
implementations agree: okrkit's vectorised scoring, the row-by-row pure-Python
reference and the DuckDB SQL reference.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from duckdb_reference import score_duckdb
from generate import make_enterprise
from reference import score_rowwise

from okrkit.scoring import score

AS_OF = dt.date(2026, 2, 20)


@pytest.fixture(scope="module")
def enterprise():
    plan, checkins = make_enterprise(800, 9000, seed=3, as_of=AS_OF)
    return plan, checkins, score(plan, checkins, as_of=AS_OF)


def test_generator_shape(enterprise) -> None:
    plan, checkins, _ = enterprise
    assert len(plan.key_results) == 800 and len(checkins) == 9000
    assert set(plan.objectives["level"]) == {"company", "business_unit", "team", "project"}
    assert set(plan.key_results["direction"]) == {
        "increase", "decrease", "at_least", "at_most", "milestone"}


def test_rowwise_reference_agrees(enterprise) -> None:
    plan, checkins, card = enterprise
    krs, objs = score_rowwise(plan, checkins, AS_OF)
    k = card.key_results.set_index("kr_id")
    for col in ("progress", "score", "expected", "pace"):
        ref = np.array([krs[i][col] for i in k.index], dtype=float)
        np.testing.assert_allclose(k[col].to_numpy(float), ref, atol=1e-9, equal_nan=True)
    assert list(k["status"]) == [krs[i]["status"] for i in k.index]
    o = card.objectives.set_index("objective_id")["score"]
    np.testing.assert_allclose(o.to_numpy(float), [objs[i] for i in o.index], atol=1e-9,
                               equal_nan=True)


def test_duckdb_reference_agrees(enterprise) -> None:
    plan, checkins, card = enterprise
    kr, objs = score_duckdb(plan, checkins, AS_OF)
    k = card.key_results.set_index("kr_id")
    d = kr.set_index("kr_id").reindex(k.index)
    for col in ("progress", "score", "expected", "pace"):
        np.testing.assert_allclose(k[col].to_numpy(float), d[col].to_numpy(float), atol=1e-9,
                                   equal_nan=True)
    assert list(k["status"]) == list(d["status"])
    o = card.objectives.set_index("objective_id")["score"]
    od = objs.set_index("objective_id")["score"].reindex(o.index)
    np.testing.assert_allclose(o.to_numpy(float), od.to_numpy(float), atol=1e-9, equal_nan=True)

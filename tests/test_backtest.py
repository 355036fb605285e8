"""The backtest: replay rules, the three forecasters, reproducibility and the track record."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest
from conftest import checkins_frame
from typer.testing import CliRunner

from okrkit.backtest import (
    BACKTEST_COLUMNS,
    FORECASTERS,
    backtest,
    crps,
    cutoffs,
    known_by,
    latest_confidence,
    pacing_projection,
    summarise,
    track_record,
    track_record_text,
)
from okrkit.cli import app
from okrkit.errors import OKRKitError
from okrkit.period import Period
from okrkit.plan import parse_plan
from okrkit.priors import history, learn_priors, store_priors

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from quarters import KINDS, simulate_quarter

PLAN = """period: 2026-Q1
cadence_days: 7
objectives:
  - id: A
    title: Grow
    team: alpha
    owner: Alice
    key_results:
      - {id: A1, title: To 100, unit: u, direction: increase, baseline: 0, target: 100}
      - {id: A2, title: Held, unit: u, direction: at_least, baseline: 0, target: 5}
      - {id: A3, title: Quiet, unit: u, direction: increase, baseline: 0, target: 10}
"""


@pytest.fixture
def plan():
    return parse_plan(PLAN)


def history_rows() -> pd.DataFrame:
    rows = []
    for k, day in enumerate(range(4, 90, 7)):
        d = (dt.date(2026, 1, 1) + dt.timedelta(days=day)).isoformat()
        rows.append(("A1", d, min(100.0, 1.0 * day), 0.6 + 0.02 * k))
        rows.append(("A2", d, 6.0 if k % 4 else 4.0, 0.8))
    return checkins_frame(rows)


# ---------------------------------------------------------------------------- rules


def test_cutoffs_every_n_days_before_the_end() -> None:
    q = Period.parse("2026-Q1")  # Jan 1 .. Mar 31 (90 days)
    days = cutoffs(q, 7)
    assert days[0] == dt.date(2026, 1, 8) and days[-1] == dt.date(2026, 3, 26)
    assert len(days) == 12 and all(d < q.end for d in days)
    assert cutoffs(q, 88) == [dt.date(2026, 3, 30)] and cutoffs(q, 89) == []
    with pytest.raises(OKRKitError, match="--every"):
        cutoffs(q, 0)


def test_known_by_a_cutoff() -> None:
    q = Period.parse("2026-Q1")
    rows = checkins_frame([("A1", "2026-01-10", 10), ("A1", "2026-01-10", 99),
                           ("A1", "2026-01-12", 12), ("A1", "2026-02-01", 20)])
    rows["recorded_at"] = [
        dt.datetime(2026, 1, 10, 9),  # recorded the same day
        dt.datetime(2026, 1, 20, 9),  # a correction recorded on Jan 20: unknown on Jan 15
        dt.datetime(2026, 6, 1, 9),  # imported after the period: its date counts
        None,  # not recorded yet: its date counts
    ]
    cut = dt.date(2026, 1, 15)
    known = known_by(rows, q, cut)
    assert known["value"].tolist() == [10, 12]
    assert known_by(rows, q, dt.date(2026, 1, 20))["value"].tolist() == [10, 99, 12]
    assert known_by(rows, q, dt.date(2026, 2, 1))["value"].tolist() == [10, 99, 12, 20]


def test_latest_confidence_and_pacing_projection(plan) -> None:
    rows = checkins_frame([("A1", "2026-01-10", 10, 0.5), ("A1", "2026-01-17", 20),
                           ("A2", "2026-01-10", 6, 0.9), ("A2", "2026-01-17", 4, 0.4)])
    cut = dt.date(2026, 1, 18)  # 18 of 90 days: elapsed share 0.2
    conf = latest_confidence(plan, rows, cut)
    assert conf[0] == 0.5  # the latest check-in has no confidence: the one before counts
    assert conf[1] == 0.4 and np.isnan(conf[2])
    proj = pacing_projection(plan, rows, cut)
    assert proj[0] == pytest.approx(0.2 / 0.2)  # 20 of 100 after a fifth of the period
    assert proj[1] == pytest.approx(0.5)  # a threshold: the share met is its own projection
    assert proj[2] == 0.0


def test_crps_by_hand() -> None:
    # a point mass: the absolute error; two equal halves: E|X-y| - E|X-X'|/2
    assert crps(np.array([[0.3, 0.3]]), np.array([1.0]))[0] == pytest.approx(0.7)
    assert crps(np.array([[0.0, 1.0]]), np.array([1.0]))[0] == pytest.approx(0.5 - 0.25)
    rng = np.random.default_rng(0)
    x = rng.random((3, 50))
    y = rng.random(3)
    brute = np.abs(x - y[:, None]).mean(1) - 0.5 * np.abs(x[:, :, None] - x[:, None, :]).mean(
        (1, 2))
    assert np.allclose(crps(x, y), brute)


# ---------------------------------------------------------------------------- replay


def test_backtest_scores_the_same_forecasts_for_all_three(plan) -> None:
    bt = backtest(plan, history_rows(), every=7, seed=3, simulations=300)
    f = bt.forecasts
    assert list(f.columns) == BACKTEST_COLUMNS
    assert f["forecaster"].unique().tolist() == list(FORECASTERS)
    per = f.groupby("forecaster").size()
    assert (per == per.iloc[0]).all()
    assert set(f["kr_id"]) == {"A1", "A2"}  # A3 has no confidence: nobody to compare with
    assert f["p_green"].between(0, 1).all()
    assert set(f.loc[f["forecaster"] == "pacing", "p_green"]) <= {0.0, 1.0}
    # outcome: A1 ends at 0.88 (green); A2 met 9 of 13 check-ins, 0.69: not green
    out = f.drop_duplicates("kr_id").set_index("kr_id")["outcome"]
    assert out["A1"] == 1.0 and out["A2"] == 0.0
    first = f[f["cutoff"] == f["cutoff"].min()]
    assert set(first["kr_id"]) == {"A1", "A2"}  # the first check-in is on Jan 5
    assert np.isfinite(bt.crps) and 0 <= bt.crps <= 1


def test_summary_is_reproducible_from_the_forecast_list(plan) -> None:
    bt = backtest(plan, history_rows(), every=5, seed=1, simulations=200)
    f = bt.forecasts
    for row in bt.summary.itertuples():
        g = f[f["forecaster"] == row.forecaster]
        assert row.n == len(g)
        assert row.brier == pytest.approx(float(((g["p_green"] - g["outcome"]) ** 2).mean()))
    pdt.assert_frame_equal(summarise(f), bt.summary)


def test_same_seed_same_output_other_seed_differs(plan) -> None:
    one = backtest(plan, history_rows(), every=7, seed=11, simulations=300)
    two = backtest(plan, history_rows(), every=7, seed=11, simulations=300)
    pdt.assert_frame_equal(one.forecasts, two.forecasts)
    pdt.assert_frame_equal(one.detail, two.detail)
    assert one.crps == two.crps
    other = backtest(plan, history_rows(), every=7, seed=12, simulations=300)
    model = lambda b: b.forecasts[b.forecasts["forecaster"] == "model"]["p_green"]  # noqa: E731
    assert not np.allclose(model(one).to_numpy(), model(other).to_numpy())


# ---------------------------------------------------------------------------- known truth


@pytest.fixture(scope="module")
def simulated() -> dict[str, dict[str, float]]:
    """Each kind of simulated quarter, replayed with three earlier quarters as history."""
    out = {}
    for kind in KINDS:
        past = pd.concat([history(*simulate_quarter(kind, 80, seed=100 + h)) for h in range(3)])
        plan, ck = simulate_quarter(kind, 80, seed=1)
        bt = backtest(plan, ck, every=7, seed=0, simulations=500, prior=learn_priors(past))
        out[kind] = dict(zip(bt.summary["forecaster"], bt.summary["brier"], strict=True))
        print(f"simulated {kind}: " + ", ".join(f"{k} {v:.4f}" for k, v in out[kind].items()))
    return out


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_model_beats_both_baselines_on_simulated_quarters(simulated, kind: str) -> None:
    s = simulated[kind]
    assert s["model"] < s["confidence"] - 0.01, s
    assert s["model"] < s["pacing"] - 0.01, s


def test_without_history_the_model_still_wins_on_steady_key_results() -> None:
    """On stalling key results the history is what teaches the model that drifts stop:
    without it, it loses there (the README says so)."""
    plan, ck = simulate_quarter("steady", 60, seed=5)
    s = backtest(plan, ck, every=14, seed=0, simulations=400).summary.set_index("forecaster")
    assert s.loc["model", "brier"] < min(s.loc["confidence", "brier"], s.loc["pacing", "brier"])


@pytest.fixture(scope="module")
def sample_track(sample_db):
    from okrkit.store import open_store

    with open_store(f"sqlite:///{sample_db}") as store:
        periods = ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]
        assert store_priors(store, "2025-Q1") is None  # nothing closed before it
        assert store_priors(store, "2025-Q4").periods == ("2025-Q1", "2025-Q2", "2025-Q3")
        return track_record(store, periods, simulations=500)


def test_the_model_beats_both_baselines_on_the_sample(sample_track) -> None:
    s = sample_track.set_index("forecaster")
    print("sample track record:", s["brier"].round(4).to_dict())
    assert (s["periods"] == 4).all() and s["n"].nunique() == 1
    assert s.loc["model", "brier"] < s.loc["confidence", "brier"]
    assert s.loc["model", "brier"] < s.loc["pacing", "brier"]
    text = track_record_text(sample_track)
    assert text.startswith("Our forecast's Brier score over the last 4 quarters: ")


# ---------------------------------------------------------------------------- the CLI


def run(*args: str):
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def test_backtest_verb_json_is_reproducible(sample_url: str) -> None:
    args = ("backtest", "--period", "2025-Q4", "--every", "14", "--simulations", "300",
            "--format", "json", "--db", sample_url)
    one = run(*args)
    assert one.exit_code == 0, one.output
    out = json.loads(one.stdout)
    assert out["periods"] == ["2025-Q4"] and out["every"] == 14
    f = pd.DataFrame(out["forecasts"])
    assert list(f.columns) == ["period", "kr_id", "cutoff", "forecaster", "p_green", "outcome"]
    for s in out["summary"]:
        g = f[f["forecaster"] == s["forecaster"]]
        assert s["n"] == len(g)
        assert s["brier"] == pytest.approx(((g["p_green"] - g["outcome"]) ** 2).mean(), abs=2e-6)
    assert [s["forecaster"] for s in out["summary"]] == list(FORECASTERS)
    assert 0 < out["crps"]["model"] < 1
    assert run(*args).stdout == one.stdout  # same seed, same output
    table = run("backtest", "--period", "2025-Q4", "--every", "30", "--simulations", "100",
                "--no-history", "--db", sample_url)
    assert table.exit_code == 0 and "CRPS of the model's final-score distribution" in table.stdout


@pytest.mark.parametrize(("args", "words"), [
    (["--period", "2026-Q1", "--as-of", "2026-02-13"], ["2026-Q1 is still open"]),
    (["--period", "2025-Q4", "--every", "0"], ["--every", "at least 1"]),
    (["--period", "2025-Q4", "--simulations", "0"], ["--simulations"]),
    (["--period", "2025-Q4", "--format", "csv"], ["--format", "csv"]),
    (["--period", "2030-Q1"], ["no plan for '2030-Q1'"]),
])
def test_backtest_refusals(sample_url: str, args: list[str], words: list[str]) -> None:
    r = run("backtest", *args, "--db", sample_url)
    assert r.exit_code == 2, r.output
    for w in words:
        assert w in r.stderr, r.stderr

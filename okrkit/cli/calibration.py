"""Calibration and the forecast's track record: ``calibration``, ``backtest``.

``okrkit calibration --format json`` prints::

    {"periods": [...], "as_of": "...", "by": "team",
     "groups": [{"group", "n", "key_results", "brier", "reliability", "resolution",
                 "uncertainty", "mean_confidence", "share_green", "bias", "verdict",
                 "n_first_half", "brier_first_half", "n_second_half",
                 "brier_second_half", "summary"}, ...],
     "reliability": [{"bin", "n", "mean_confidence", "share_green"}, ...],
     "trend": [...], "sandbagging": [...], "ratchet_flags": [...], "ratchets": [...]}

(the last four only for several periods). ``okrkit backtest --format json`` prints::

    {"periods": [...], "every": 7, "seed": 0, "simulations": 1000,
     "summary": [{"forecaster", "brier", "n"}, ...],
     "per_period": [{"period", "forecaster", "brier", "n"}, ...],
     "crps": {"model": ..., "pacing_abs_error": ...},
     "forecasts": [{"period", "kr_id", "cutoff", "forecaster", "p_green", "outcome"}, ...]}

``summary`` is the mean of ``(p_green - outcome)²`` over ``forecasts`` per forecaster.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Annotated, Any

import pandas as pd
import typer

from okrkit.cli.base import DbOption, app, echo, fail, handles_errors, jsonable, parse_date, records

PeriodOption = Annotated[
    str | None,
    typer.Option("--period", help="A closed period (2025-Q4) or a range (2025-Q1..2025-Q4)."),
]
AllOption = Annotated[bool, typer.Option("--all", help="Every closed period in the store.")]
AsOfOption = Annotated[
    str | None, typer.Option("--as-of", help="Periods ended by this day count as closed "
                             "(default: today).")]


def _periods(store: Any, period: str | None, every: bool, as_of: str | None) -> tuple[
        list[str], dt.date]:
    from okrkit.habits import closed_periods

    day = parse_date(as_of) or dt.date.today()
    known = [store.load_plan(label).period for label in store.periods()]
    return closed_periods(known, period, every=every, as_of=day), day


def _check_format(fmt: str, allowed: tuple[str, ...]) -> None:
    if fmt not in allowed:
        fail(f"--format '{fmt}' is not one of {', '.join(allowed)}")


def _text(frame: pd.DataFrame, digits: int = 3) -> str:
    if frame.empty:
        return "(none)"
    return frame.to_string(index=False, float_format=lambda v: f"{v:.{digits}f}",
                           na_rep="–")


@app.command("calibration")
@handles_errors
def calibration_cmd(
    period: PeriodOption = None,
    every: AllOption = False,
    by: Annotated[str, typer.Option("--by", help="team, owner or level.")] = "team",
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json or csv.")] = "table",
    as_of: AsOfOption = None,
    db: DbOption = None,
) -> None:
    """How well the confidences forecast the outcomes of closed periods (Brier score).

    Per group: n, Brier score and its decomposition, mean confidence against the share
    that ended green, and the Brier score of the first half of the period against the
    second. Several periods add each team's trend and the sandbagging and ratchet flags.
    """
    from okrkit.confidence import calibration_summary_text, reliability_table
    from okrkit.habits import calibration_report
    from okrkit.store import open_store

    _check_format(fmt, ("table", "json", "csv"))
    if by not in ("team", "owner", "level"):
        fail(f"--by '{by}' is not one of team, owner, level")
    with open_store(db) as store:
        periods, day = _periods(store, period, every, as_of)
        rep = calibration_report(store, periods, by)
    groups = rep.groups.assign(summary=[calibration_summary_text(r) for _, r in
                                        rep.groups.iterrows()])
    several = len(periods) > 1
    if fmt == "csv":
        groups.to_csv(sys.stdout, index=False, lineterminator="\n")
        return
    f = rep.forecasts
    rel = reliability_table(f["confidence"], f["outcome"]) if len(f) else pd.DataFrame()
    if fmt == "json":
        out: dict[str, Any] = {"periods": periods, "as_of": day.isoformat(), "by": by,
                               "groups": records(groups), "reliability": records(rel)}
        if several:
            out.update(trend=records(rep.trend), sandbagging=records(rep.sandbagging),
                       ratchet_flags=records(rep.ratchet_flags), ratchets=records(rep.ratchets))
        echo(json.dumps(out, indent=2, ensure_ascii=False))
        return
    echo(f"Calibration of {', '.join(periods)} by {by} (confidence = P(ends green), "
         "Brier score: lower is better)")
    cols = ["group", "n", "brier", "reliability", "resolution", "uncertainty",
            "mean_confidence", "share_green", "bias", "verdict", "brier_first_half",
            "brier_second_half"]
    echo(_text(groups[cols]))
    echo("")
    for s in groups["summary"]:
        echo(s)
    if several:
        echo("")
        echo("Brier score per team and period (trend):")
        echo(_text(rep.trend.pivot(index="team", columns="period", values="brier")
                   .reset_index()))
        for name, flags, col in (("sandbagging", rep.sandbagging, "sandbagged_in"),
                                 ("ratchet", rep.ratchet_flags, "ratcheted_in")):
            hit = flags[flags["flagged"]]
            echo(f"{name} flags: " + ("; ".join(
                f"{r.team} ({getattr(r, col)})" for r in hit.itertuples()) or "none"))


@app.command("backtest")
@handles_errors
def backtest_cmd(
    period: PeriodOption = None,
    every_period: AllOption = False,
    every: Annotated[int, typer.Option("--every", help="Days between cut-offs.")] = 7,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
    seed: Annotated[int, typer.Option("--seed", help="Seed of the simulations.")] = 0,
    simulations: Annotated[
        int, typer.Option("--simulations", help="Monte Carlo runs per forecast.")] = 1000,
    history: Annotated[bool, typer.Option(
        "--history/--no-history",
        help="Let the model learn from the periods closed before each one.")] = True,
    as_of: AsOfOption = None,
    db: DbOption = None,
) -> None:
    """Replay closed periods and score the forecast, the people and linear pacing.

    At cut-offs every --every days each forecaster gives P(ends green) from the
    check-ins known by then: the model (okrkit's forecast), the latest confidence and
    linear pacing. Prints the Brier score of each (lower is better) and the CRPS of
    the model's distribution of final scores.
    """
    from okrkit.backtest import pooled, replay, summarise
    from okrkit.store import open_store

    _check_format(fmt, ("table", "json"))
    if every < 1:
        fail(f"--every must be at least 1 day (got {every})")
    if simulations < 1:
        fail(f"--simulations must be at least 1 (got {simulations})")
    with open_store(db) as store:
        periods, _ = _periods(store, period, every_period, as_of)
        runs = replay(store, periods, every=every, seed=seed, simulations=simulations,
                      history=history)
    long = pooled(runs)
    summary = summarise(long)
    per = summarise(long, by=("period",))
    detail = pd.concat([r.detail for r in runs], ignore_index=True)
    crps = float(detail["crps"].astype("float64").mean()) if len(detail) else float("nan")
    err = float((detail["projection"].astype("float64").clip(0, 1)
                 - detail["final_score"].astype("float64")).abs().mean()) if len(detail) \
        else float("nan")
    if fmt == "json":
        out = {"periods": periods, "every": every, "seed": seed, "simulations": simulations,
               "history": history, "summary": records(summary), "per_period": records(per),
               "crps": {"model": jsonable(crps), "pacing_abs_error": jsonable(err)},
               "forecasts": records(long[["period", "kr_id", "cutoff", "forecaster",
                                          "p_green", "outcome"]])}
        echo(json.dumps(out, indent=2, ensure_ascii=False))
        return
    echo(f"Backtest of {', '.join(periods)}: cut-offs every {every} days, {simulations} "
         f"simulations, seed {seed} (Brier score: lower is better)")
    echo(_text(summary, 4))
    echo(f"CRPS of the model's final-score distribution: {crps:.4f} "
         f"(pacing projection's absolute error: {err:.4f})")
    if len(periods) > 1:
        echo("")
        echo(_text(_wide(per, "period"), 4))
    echo("")
    echo("Brier score per cut-off:")
    by_cut = summarise(long, by=("period", "cutoff"))
    echo(_text(_wide(by_cut, ["period", "cutoff"]), 4))


def _wide(frame: pd.DataFrame, index: str | list[str]) -> pd.DataFrame:
    """Brier scores with one column per forecaster, in the forecasters' order."""
    from okrkit.backtest import FORECASTERS

    wide = frame.pivot(index=index, columns="forecaster", values="brier")
    return wide[[f for f in FORECASTERS if f in wide.columns]].reset_index()

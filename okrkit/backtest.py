"""Backtest: replay a closed period and score three forecasters against what happened.

The replay (the one home of these rules; the README section "Confidence calibration"
repeats them):

* **Cut-offs** (:func:`cutoffs`): every ``every`` days from the period start
  (``start + every``, ``start + 2 * every``, ...), strictly before the period end.
* **Known by a cut-off** (:func:`known_by`): a check-in row is known when it is dated on
  or before the cut-off and — where its ``recorded_at`` falls inside the period — was
  recorded on or before the cut-off day. A ``recorded_at`` outside the period (a history
  imported afterwards, like the sample) or missing says nothing about when it was known,
  so the date alone counts. The rows known are then reduced to the effective check-ins by
  the usual rule (the latest recorded per key result and day), so a correction recorded
  after the cut-off is not yet seen.
* **Which key results are scored at a cut-off:** those whose people have given a
  confidence by then (an effective check-in with a confidence), so all three forecasters
  are scored on the same forecasts.
* **Forecasters** (each gives P(the key result ends green) at the cut-off):

  - ``model``: :func:`okrkit.forecasting.forecast` on the known check-ins
    (``p_score_07``);
  - ``confidence``: the latest confidence among the effective check-ins known;
  - ``pacing``: 1 if the straight-line projection of the current progress to the
    period end — ``progress / elapsed share`` (the share of a threshold key result's
    check-ins meeting it is already a rate: it is its own projection) — reaches
    ``green_from``, else 0.

* **Outcome:** :func:`okrkit.confidence.kr_outcomes` (the final computed score at the end).
* **Scores:** the Brier score per forecaster (:func:`summarise`, reproducible from the
  forecast list), and the CRPS of the model's distribution of final scores against the
  final score (:func:`crps`; the pacing projection's absolute error, which is the CRPS
  of a point forecast, is given beside it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from okrkit import rules
from okrkit.confidence import brier, is_green, kr_outcomes
from okrkit.errors import OKRKitError
from okrkit.forecasting import forecast
from okrkit.frames import Plan
from okrkit.period import Period
from okrkit.priors import Priors, store_priors
from okrkit.scoring import ScoringPolicy

FORECASTERS = ("model", "confidence", "pacing")
BACKTEST_COLUMNS = ["kr_id", "cutoff", "forecaster", "p_green", "outcome"]
SUMMARY_COLUMNS = ["forecaster", "brier", "n"]
DETAIL_COLUMNS = ["kr_id", "team", "cutoff", "p_model", "p_confidence", "p_pacing",
                  "projection", "outcome", "final_score", "crps"]


@dataclass(frozen=True)
class Backtest:
    """A replayed period (see the module docstring).

    ``forecasts`` (:data:`BACKTEST_COLUMNS`, one row per key result, cut-off and
    forecaster), ``summary`` (:data:`SUMMARY_COLUMNS`), ``detail`` (one row per key result
    and cut-off, :data:`DETAIL_COLUMNS`), ``crps`` (mean CRPS of the model's final-score
    distribution) and ``pacing_error`` (mean absolute error of the pacing projection).
    """

    period: Period
    every: int
    seed: int
    simulations: int
    cutoffs: tuple[dt.date, ...]
    forecasts: pd.DataFrame
    summary: pd.DataFrame
    detail: pd.DataFrame
    crps: float
    pacing_error: float


def cutoffs(period: Period, every: int = 7) -> list[dt.date]:
    """The replay's cut-off days: ``start + k * every`` strictly before the period end.

    >>> [d.isoformat() for d in cutoffs(Period.parse("2026-Q1"), 30)]
    ['2026-01-31', '2026-03-02']
    """
    if int(every) < 1:
        raise OKRKitError(f"--every must be at least 1 day (got {every})")
    out, k = [], 1
    while (day := period.start + dt.timedelta(days=k * int(every))) < period.end:
        out.append(day)
        k += 1
    return out


def known_by(checkins: pd.DataFrame, period: Period, cutoff: dt.date) -> pd.DataFrame:
    """The rows of ``checkins`` known at the end of ``cutoff`` (module docstring)."""
    if checkins is None or not len(checkins):
        return checkins
    day = rules.day_numbers(checkins["date"])
    known = day <= np.datetime64(cutoff, "D").astype("int64")
    if "recorded_at" in checkins.columns:
        rec = pd.to_datetime(checkins["recorded_at"], errors="coerce", format="mixed")
        rec_day = rec.dt.floor("D").to_numpy(dtype="datetime64[D]")
        inside = ~np.isnat(rec_day) & (rec_day >= np.datetime64(period.start, "D")) & (
            rec_day <= np.datetime64(period.end, "D"))
        known &= ~inside | (rec_day <= np.datetime64(cutoff, "D"))
    return checkins[known]


def pacing_projection(plan: Plan, checkins: pd.DataFrame | None, cutoff: dt.date,
                      eff: rules.Effective | None = None) -> np.ndarray:
    """Each key result's straight-line projection of its progress to the period end.

    ``eff``: the effective check-ins at ``cutoff`` when the caller has them.
    """
    krs = plan.key_results.reset_index(drop=True)
    direction = krs["direction"].to_numpy(dtype=object)
    if eff is None:
        eff = rules.effective_checkins(krs, checkins, plan.period, cutoff)
    state = rules.kr_progress(direction, krs["baseline"].to_numpy(dtype="float64"),
                              krs["target"].to_numpy(dtype="float64"), eff)
    share = max(plan.period.elapsed_share(cutoff), 1e-9)
    thr = np.isin(direction, rules.THRESHOLD)
    return np.where(thr, state.progress, state.progress / share)


def latest_confidence(plan: Plan, checkins: pd.DataFrame | None, cutoff: dt.date,
                      eff: rules.Effective | None = None) -> np.ndarray:
    """Each key result's latest confidence among its effective check-ins (NaN: none).

    ``eff``: the effective check-ins of ``checkins`` at ``cutoff`` when the caller has them.
    """
    krs = plan.key_results.reset_index(drop=True)
    out = np.full(len(krs), np.nan)
    if checkins is None or not len(checkins) or "confidence" not in checkins.columns:
        return out
    if eff is None:
        eff = rules.effective_checkins(krs, checkins, plan.period, cutoff)
    conf = checkins["confidence"].to_numpy(dtype="float64")[eff.row]
    ok = ~np.isnan(conf)
    out[eff.kr[ok]] = conf[ok]  # sorted by (KR, day): the last write per KR is the latest
    return out


def crps(samples: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """CRPS of each row's sample distribution against its observed value.

    ``E|X - y| - E|X - X'| / 2`` with the sample's empirical distribution (rows of
    ``samples``); 0 for a point mass on the truth.

    >>> crps(np.array([[0.0, 1.0], [0.5, 0.5]]), np.array([1.0, 0.5])).tolist()
    [0.25, 0.0]
    """
    x = np.sort(np.asarray(samples, dtype="float64"), axis=1)
    m = x.shape[1]
    y = np.asarray(observed, dtype="float64")[:, None]
    first = np.abs(x - y).mean(axis=1)
    i = np.arange(1, m + 1)
    spread = (2.0 / (m * m)) * ((2 * i - m - 1) * x).sum(axis=1)  # E|X - X'|
    return first - spread / 2


def summarise(frame: pd.DataFrame, by: tuple[str, ...] = ()) -> pd.DataFrame:
    """The Brier score and count per forecaster (and ``by``) of a forecast list.

    The one summary of a backtest: ``frame`` is :attr:`Backtest.forecasts` (or a
    concatenation of several); forecasters keep the order of :data:`FORECASTERS`.
    """
    keys = [*by, "forecaster"]
    rows = []
    for name, g in frame.groupby(keys, sort=True):
        key = name if isinstance(name, tuple) else (name,)
        rows.append({**dict(zip(keys, key, strict=True)),
                     "brier": brier(g["p_green"], g["outcome"]), "n": len(g)})
    out = pd.DataFrame(rows, columns=[*keys, "brier", "n"])
    return _sorted(out, by)


def _sorted(frame: pd.DataFrame, keys: tuple[str, ...] | list[str]) -> pd.DataFrame:
    """``frame`` sorted by ``keys``, then forecaster in the order of :data:`FORECASTERS`."""
    order = {f: i for i, f in enumerate(FORECASTERS)}
    return frame.assign(_o=frame["forecaster"].map(order)).sort_values(
        [*keys, "_o"], kind="stable").drop(columns="_o").reset_index(drop=True)


def backtest(
    plan: Plan,
    checkins: pd.DataFrame | None,
    *,
    every: int = 7,
    seed: int = 0,
    simulations: int = 1000,
    policy: ScoringPolicy | None = None,
    prior: Priors | None = None,
) -> Backtest:
    """Replay ``plan``'s period at :func:`cutoffs` and score the three forecasters.

    ``checkins`` should be the whole audit trail of the period (``store.checkins(period,
    effective=False)``) so that corrections count only once recorded. The same ``seed``
    gives the same result.
    """
    p = policy or ScoringPolicy()
    period = plan.period
    days = cutoffs(period, every)
    out = kr_outcomes(plan, checkins, p)
    outcome = out["outcome"].to_numpy(dtype="float64")
    final = out["final_score"].to_numpy(dtype="float64")
    kr_ids = out["kr_id"].to_numpy(dtype=object)
    krs = plan.key_results.reset_index(drop=True)
    parts: list[pd.DataFrame] = []
    for cut in days:
        known = known_by(checkins, period, cut) if checkins is not None else None
        eff = rules.effective_checkins(krs, known, period, cut)
        conf = latest_confidence(plan, known, cut, eff)
        scored = np.flatnonzero(~np.isnan(conf))
        if not len(scored):
            continue
        fc = forecast(plan, known, cut, simulations=simulations, seed=seed, policy=p,
                      keep_scores=True, prior=prior)
        proj = pacing_projection(plan, known, cut, eff)
        assert fc.simulated_scores is not None
        parts.append(pd.DataFrame({
            "kr_id": kr_ids[scored],
            "team": out["team"].to_numpy(dtype=object)[scored],
            "cutoff": cut,
            "p_model": fc.key_results["p_score_07"].to_numpy(dtype="float64")[scored],
            "p_confidence": conf[scored],
            "p_pacing": is_green(proj[scored], p),
            "projection": proj[scored],
            "outcome": outcome[scored],
            "final_score": final[scored],
            "crps": crps(fc.simulated_scores[scored], final[scored]),
        }))
    detail = (pd.concat(parts, ignore_index=True) if parts
              else pd.DataFrame(columns=DETAIL_COLUMNS))[DETAIL_COLUMNS]
    long = pd.concat(
        [pd.DataFrame({"kr_id": detail["kr_id"], "cutoff": detail["cutoff"],
                       "forecaster": name, "p_green": detail[f"p_{name}"],
                       "outcome": detail["outcome"]}) for name in FORECASTERS],
        ignore_index=True)
    long = _sorted(long, ("cutoff", "kr_id"))
    long = long.astype({"p_green": "float64", "outcome": "float64"})[BACKTEST_COLUMNS]
    err = np.abs(np.clip(detail["projection"].to_numpy(dtype="float64"), 0, 1)
                 - detail["final_score"].to_numpy(dtype="float64"))
    return Backtest(
        period=period, every=int(every), seed=int(seed), simulations=int(simulations),
        cutoffs=tuple(days), forecasts=long, summary=summarise(long), detail=detail,
        crps=float(detail["crps"].astype("float64").mean()) if len(detail) else float("nan"),
        pacing_error=float(err.mean()) if len(err) else float("nan"),
    )


class ReadOnce:
    """A store seen through a memo: each plan and check-in frame is read once.

    A replay reads every earlier period for the priors of each one; a screen reads the
    same periods for calibration and for the track record. Wrap the store once for such
    a burst of reads (not for long: it never sees later writes).
    """

    def __init__(self, store: Any) -> None:
        # wrapping a ReadOnce again shares its memo: a caller's reads are never read twice
        self.store: Any = store.store if isinstance(store, ReadOnce) else store
        self._memo: dict[tuple[Any, ...], Any] = (
            store._memo if isinstance(store, ReadOnce) else {})

    def _get(self, key: tuple[Any, ...], read: Any) -> Any:
        if key not in self._memo:
            self._memo[key] = read()
        return self._memo[key]

    def __str__(self) -> str:
        return str(self.store)

    def periods(self) -> list[str]:
        return list(self._get(("periods",), self.store.periods))

    def teams(self, period: str) -> list[str]:
        return list(self._get(("teams", str(period)), lambda: self.store.teams(period)))

    def load_plan(self, period: str, team: str | None = None) -> Plan:
        plan = self._get(("plan", str(period)), lambda: self.store.load_plan(period))
        return plan.for_team(team)

    def checkins(self, period: str | None = None, team: str | None = None, *,
                 effective: bool = True) -> pd.DataFrame:
        return self._get(("checkins", period, team, effective),
                         lambda: self.store.checkins(period=period, team=team,
                                                     effective=effective))


_REPLAYS: dict[tuple[Any, ...], tuple[Backtest, ...]] = {}
_KEEP = 16  # replays kept in memory (each a few hundred rows per period)


def _fingerprint(store: Any, upto: dt.date) -> tuple[Any, ...]:
    """What a replay up to ``upto`` reads: every plan and check-in of the periods ending by
    then (their own rows and, through the priors, the earlier ones). Content only: two
    stores with the same rows (copies of the sample) share a replay."""
    parts: list[Any] = []
    for label in store.periods():
        plan = store.load_plan(label)
        if plan.period.end > upto:
            continue
        ck = store.checkins(period=label, effective=False)
        parts.append((label, *(int(pd.util.hash_pandas_object(f.astype(str), index=False)
                                   .sum()) for f in (plan.objectives, plan.key_results)),
                      int(pd.util.hash_pandas_object(ck.astype(str), index=False).sum())))
    return tuple(parts)


def replay(store: Any, periods: list[str], *, every: int = 7, seed: int = 0,
           simulations: int = 1000, policy: ScoringPolicy | None = None,
           history: bool = True) -> tuple[Backtest, ...]:
    """:func:`backtest` of each of ``periods`` (closed ones) from a store, in order.

    ``history``: the model learns its priors from the periods closed before each one
    (:func:`okrkit.priors.store_priors`), as ``okrkit backtest`` does by default. A
    replay is kept in memory while the store's rows it read are unchanged (a content
    fingerprint), so apps and reports that show the same track record replay it once.
    """
    if not periods:
        return ()
    store = ReadOnce(store)
    plans = {label: store.load_plan(label) for label in periods}
    upto = max(p.period.end for p in plans.values())
    key = (tuple(periods), int(every), int(seed), int(simulations), policy, history,
           _fingerprint(store, upto))
    if key in _REPLAYS:
        return _REPLAYS[key]
    runs = []
    for label, plan in plans.items():
        ck = store.checkins(period=label, effective=False)
        prior = store_priors(store, plan.period) if history else None
        runs.append(backtest(plan, ck, every=every, seed=seed, simulations=simulations,
                             policy=policy, prior=prior))
    if len(_REPLAYS) >= _KEEP:
        _REPLAYS.pop(next(iter(_REPLAYS)))
    _REPLAYS[key] = tuple(runs)
    return _REPLAYS[key]


def pooled(runs: tuple[Backtest, ...] | list[Backtest]) -> pd.DataFrame:
    """The forecast lists of several replays in one frame, with their ``period``."""
    frames = [r.forecasts.assign(period=r.period.label) for r in runs]
    return (pd.concat(frames, ignore_index=True) if frames
            else pd.DataFrame(columns=[*BACKTEST_COLUMNS, "period"]))


def track_record(store: Any, periods: list[str], *, every: int = 7, seed: int = 0,
                 simulations: int = 1000, policy: ScoringPolicy | None = None
                 ) -> pd.DataFrame:
    """The forecasters' Brier scores pooled over ``periods`` (closed ones, from a store).

    Columns: ``forecaster, brier, n, periods`` — for the company report's "our forecast's
    Brier score over the last N quarters" and the forecast panel (:func:`replay`).
    """
    runs = replay(store, periods, every=every, seed=seed, simulations=simulations,
                  policy=policy)
    return summarise(pooled(runs)).assign(periods=len(periods))


def track_record_text(summary: pd.DataFrame) -> str:
    """The track record in one sentence.

    >>> track_record_text(pd.DataFrame({"forecaster": ["model", "confidence", "pacing"],
    ...     "brier": [0.121, 0.19, 0.24], "n": [90, 90, 90], "periods": 4}))
    "Our forecast's Brier score over the last 4 quarters: 0.121; people's confidence: 0.190; linear pacing: 0.240 (90 forecasts each; lower is better)."
    """
    s = summary.set_index("forecaster")
    if s.empty:
        return "No closed quarter to measure the forecast on yet."
    k = int(s["periods"].iloc[0]) if "periods" in s else 1
    span = "the last quarter" if k == 1 else f"the last {k} quarters"
    fmt = {f: f"{s.at[f, 'brier']:.3f}" if f in s.index else "–" for f in FORECASTERS}
    n = int(s["n"].max())
    return (f"Our forecast's Brier score over {span}: {fmt['model']}; people's confidence: "
            f"{fmt['confidence']}; linear pacing: {fmt['pacing']} ({n} forecasts each; "
            "lower is better).")

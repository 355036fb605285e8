"""Confidence calibration: were the people's confidences right, once the period closed?

The definitions (the one home of each; the README section "Confidence calibration"
repeats them):

* **A forecast.** A check-in's ``confidence`` (0..1) is the probability that its key
  result **ends green**: a final computed score >= ``ScoringPolicy.green_from`` (0.7 by
  default). Every *effective* check-in of the period (:func:`okrkit.rules.effective_checkins`
  at the period end: the latest recorded one per key result and day) that carries a
  confidence is one forecast.
* **The outcome** (:func:`kr_outcomes`) is 1 if the key result's final *computed* score
  (:func:`okrkit.scoring.score` at the period end; never a retrospective override) is
  green, else 0.
* **Brier score** (:func:`brier`): the mean of ``(confidence - outcome)²``; 0 is perfect,
  a constant 0.5 scores 0.25.
* **Murphy decomposition** (:func:`decompose`), binned in tenths: each forecast falls into
  the bin of its nearest tenth (0.0, 0.1, ..., 1.0; a half goes up). With ``N`` forecasts,
  bin ``k`` holding ``n_k`` of them with mean forecast ``f_k`` and share green ``o_k``, and
  ``o`` the overall share green::

      reliability = Σ n_k (f_k - o_k)² / N      (0 is perfectly calibrated)
      resolution  = Σ n_k (o_k - o)² / N        (higher tells outcomes apart better)
      uncertainty = o (1 - o)                   (the outcomes' own variance)

  ``reliability - resolution + uncertainty`` equals the Brier score exactly when the
  forecasts within each bin are equal (for instance when they sit on the tenths); the
  difference otherwise is :attr:`Decomposition.residual`.
* **Reliability table** (:func:`reliability_table`): each bin's mean confidence against the
  share of its forecasts whose key result ended green.
* **Over- or under-confidence** (:func:`calibration_table`): ``bias`` = mean confidence -
  share green (both over the forecasts); above ``+tolerance`` (0.1) a group is
  over-confident, below ``-tolerance`` under-confident, else well calibrated.
* **How early a group knew:** the Brier score of the forecasts of the first half of the
  period (dated before its middle day) against those of the second half.
* **Workshop votes** (:func:`vote_forecasts`): each participant's confidence per objective
  is a forecast that the objective's final computed score ends green.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from okrkit import rules
from okrkit.frames import Plan
from okrkit.scoring import ScoringPolicy, bands, score

BINS = 10  # tenths
FORECAST_COLUMNS = ["period", "kr_id", "objective_id", "team", "owner", "level", "date",
                    "confidence", "final_score", "outcome", "half"]
OUTCOME_COLUMNS = ["period", "kr_id", "objective_id", "team", "owner", "level", "direction",
                   "progress", "final_score", "outcome"]
RELIABILITY_COLUMNS = ["bin", "n", "mean_confidence", "share_green"]
GROUP_COLUMNS = ["group", "n", "key_results", "brier", "reliability", "resolution",
                 "uncertainty", "mean_confidence", "share_green", "bias", "verdict",
                 "n_first_half", "brier_first_half", "n_second_half", "brier_second_half"]
VOTE_COLUMNS = ["period", "team", "participant", "objective_id", "confidence", "final_score",
                "outcome"]
TOLERANCE = 0.1
ALL = "(all)"


# ---------------------------------------------------------------------------- outcomes


def is_green(scores: object, policy: ScoringPolicy | None = None) -> np.ndarray:
    """1.0 where a score (or a projection of one) is green under ``policy``, else 0.0.

    >>> is_green([0.7, 0.6999, 1.3]).tolist()
    [1.0, 0.0, 1.0]
    """
    return (bands(np.asarray(scores, dtype="float64"), policy) == "green").astype("float64")


def kr_outcomes(plan: Plan, checkins: pd.DataFrame | None,
                policy: ScoringPolicy | None = None) -> pd.DataFrame:
    """Each key result's final computed score and outcome (1: ended green), plan order.

    The score is :func:`okrkit.scoring.score` at the period end (the effective check-ins
    of the period); a retrospective override is never used. ``owner`` is the key result's
    owner, else its objective's. Columns: :data:`OUTCOME_COLUMNS`.
    """
    p = policy or ScoringPolicy()
    card = score(plan, checkins, as_of=plan.period.end, policy=p)
    krs = card.key_results
    obj = plan.objectives.drop_duplicates("objective_id").set_index("objective_id")
    kr_owner = plan.key_results["owner"].reset_index(drop=True)
    blank = kr_owner.isna() | (kr_owner.astype(str).str.strip() == "")
    owner = kr_owner.where(~blank, krs["objective_id"].map(obj["owner"]))
    final = krs["score"].to_numpy(dtype="float64")
    return pd.DataFrame({
        "period": plan.period.label,
        "kr_id": krs["kr_id"].to_numpy(dtype=object),
        "objective_id": krs["objective_id"].to_numpy(dtype=object),
        "team": krs["team"].to_numpy(dtype=object),
        "owner": owner.to_numpy(dtype=object),
        "level": krs["objective_id"].map(obj["level"]).to_numpy(dtype=object),
        "direction": krs["direction"].to_numpy(dtype=object),
        "progress": krs["progress"].to_numpy(dtype="float64"),
        "final_score": final,
        "outcome": is_green(final, p),
    })[OUTCOME_COLUMNS]


def forecasts(plan: Plan, checkins: pd.DataFrame | None,
              policy: ScoringPolicy | None = None, *,
              outcomes: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every effective check-in of the period that carries a confidence, with its outcome.

    One row per forecast (:data:`FORECAST_COLUMNS`), sorted by key result and date;
    ``half`` is ``first`` for a check-in dated before the period's middle day
    (``(date - start) < days / 2``), else ``second``. ``outcomes``: :func:`kr_outcomes`
    of the same plan, check-ins and policy when the caller has it (scored once).
    """
    period = plan.period
    krs = plan.key_results.reset_index(drop=True)
    if checkins is None or not len(checkins) or "confidence" not in checkins.columns:
        return pd.DataFrame(columns=FORECAST_COLUMNS)
    out = outcomes if outcomes is not None else kr_outcomes(plan, checkins, policy)
    eff = rules.effective_checkins(krs, checkins, period, period.end)
    conf = checkins["confidence"].to_numpy(dtype="float64")[eff.row]
    keep = ~np.isnan(conf)
    kr, day, conf = eff.kr[keep], eff.day[keep], conf[keep]
    start = int(np.datetime64(period.start, "D").astype("int64"))
    frame = out.iloc[kr].reset_index(drop=True)
    frame["date"] = day.astype("datetime64[D]").astype(object)
    frame["confidence"] = conf
    frame["half"] = np.where((day - start) < period.days / 2, "first", "second")
    return frame[FORECAST_COLUMNS]


def objective_outcomes(plan: Plan, checkins: pd.DataFrame | None,
                       policy: ScoringPolicy | None = None) -> pd.DataFrame:
    """Each objective's final computed score and outcome: ``objective_id, team,
    final_score, outcome`` (the roll-up of :func:`okrkit.scoring.score`, no override)."""
    p = policy or ScoringPolicy()
    obj = score(plan, checkins, as_of=plan.period.end, policy=p).objectives
    final = obj["score"].to_numpy(dtype="float64")
    return pd.DataFrame({"objective_id": obj["objective_id"].to_numpy(dtype=object),
                         "team": obj["team"].to_numpy(dtype=object),
                         "final_score": final, "outcome": is_green(final, p)})


def vote_forecasts(votes: pd.DataFrame, outcomes: pd.DataFrame) -> pd.DataFrame:
    """Workshop votes scored against their objective's outcome (:data:`VOTE_COLUMNS`).

    ``votes`` has ``period, team, participant, objective_id, confidence`` (one row per
    participant and objective); ``outcomes`` is :func:`objective_outcomes` of the period.
    Votes of objectives without a score, or without a confidence, are left out. The
    result works with :func:`calibration_table` (``by="participant"`` or ``"team"``).
    """
    known = outcomes.dropna(subset=["final_score"]).set_index("objective_id")
    v = votes.dropna(subset=["confidence"])
    v = v[v["objective_id"].isin(known.index)].reset_index(drop=True)
    return pd.DataFrame({
        "period": v["period"].to_numpy(dtype=object),
        "team": v["team"].to_numpy(dtype=object),
        "participant": v["participant"].to_numpy(dtype=object),
        "objective_id": v["objective_id"].to_numpy(dtype=object),
        "confidence": v["confidence"].to_numpy(dtype="float64"),
        "final_score": v["objective_id"].map(known["final_score"]).to_numpy(dtype="float64"),
        "outcome": v["objective_id"].map(known["outcome"]).to_numpy(dtype="float64"),
    })[VOTE_COLUMNS]


# ---------------------------------------------------------------------------- scores


def brier(p: object, o: object) -> float:
    """Mean of ``(p - o)²`` (NaN for no forecasts).

    >>> round(brier([0.9, 0.2, 0.6], [1, 0, 0]), 4)  # (0.01 + 0.04 + 0.36) / 3
    0.1367
    """
    p, o = np.asarray(p, dtype="float64"), np.asarray(o, dtype="float64")
    return float(np.mean((p - o) ** 2)) if len(p) else float("nan")


def bin_of(p: object, bins: int = BINS) -> np.ndarray:
    """The bin of each forecast: its nearest ``1 / bins`` (0 .. bins; a half goes up).

    >>> bin_of([0.0, 0.04, 0.05, 0.83, 0.85, 1.0]).tolist()
    [0, 0, 1, 8, 9, 10]
    """
    x = np.round(np.asarray(p, dtype="float64") * bins, 9)
    return np.clip(np.floor(x + 0.5), 0, bins).astype("int64")


@dataclass(frozen=True)
class Decomposition:
    """The Brier score and its Murphy decomposition (see the module docstring)."""

    n: int
    brier: float
    reliability: float
    resolution: float
    uncertainty: float

    @property
    def residual(self) -> float:
        """``brier - (reliability - resolution + uncertainty)``: 0 up to the binning."""
        return self.brier - (self.reliability - self.resolution + self.uncertainty)


def decompose(p: object, o: object, bins: int = BINS) -> Decomposition:
    """Brier score, reliability, resolution and uncertainty of forecasts ``p`` of ``o``.

    >>> d = decompose([0.2, 0.2, 0.8, 0.8], [0, 1, 1, 1])
    >>> round(d.brier, 4), round(d.reliability, 4), round(d.resolution, 4), d.uncertainty
    (0.19, 0.065, 0.0625, 0.1875)
    """
    p, o = np.asarray(p, dtype="float64"), np.asarray(o, dtype="float64")
    n = len(p)
    if not n:
        nan = float("nan")
        return Decomposition(0, nan, nan, nan, nan)
    _, count, f_k, o_k = _bins(p, o, bins)
    base = float(o.mean())
    w = count / n
    return Decomposition(
        n=n,
        brier=brier(p, o),
        reliability=float(np.sum(w * (f_k - o_k) ** 2)),
        resolution=float(np.sum(w * (o_k - base) ** 2)),
        uncertainty=base * (1 - base),
    )


def reliability_table(p: object, o: object, bins: int = BINS) -> pd.DataFrame:
    """Per bin with forecasts: ``bin`` (its tenth), ``n``, ``mean_confidence``, ``share_green``.

    >>> reliability_table([0.2, 0.2, 0.8, 0.8], [0, 1, 1, 1]).to_dict("list")
    {'bin': [0.2, 0.8], 'n': [2, 2], 'mean_confidence': [0.2, 0.8], 'share_green': [0.5, 1.0]}
    """
    p, o = np.asarray(p, dtype="float64"), np.asarray(o, dtype="float64")
    used, count, f_k, o_k = _bins(p, o, bins)
    return pd.DataFrame({
        "bin": used / bins,
        "n": count.astype("int64"),
        "mean_confidence": f_k,
        "share_green": o_k,
    })[RELIABILITY_COLUMNS]


def _bins(p: np.ndarray, o: np.ndarray, bins: int) -> tuple[np.ndarray, ...]:
    """The bins with forecasts (:func:`bin_of`): their index, count, mean forecast and share
    of outcomes 1."""
    k = bin_of(p, bins)
    count = np.bincount(k, minlength=bins + 1)
    used = np.flatnonzero(count)
    c = count[used].astype("float64")
    return (used, c, np.bincount(k, p, minlength=bins + 1)[used] / c,
            np.bincount(k, o, minlength=bins + 1)[used] / c)


# ---------------------------------------------------------------------------- groups


def verdict(bias: float, tolerance: float = TOLERANCE) -> str:
    """``over-confident`` / ``under-confident`` / ``well calibrated`` from a bias.

    >>> verdict(0.12), verdict(-0.2), verdict(0.05), verdict(float("nan"))
    ('over-confident', 'under-confident', 'well calibrated', 'no forecasts')
    """
    if bias != bias:
        return "no forecasts"
    b = round(float(bias), 9)
    if b > tolerance:
        return "over-confident"
    if b < -tolerance:
        return "under-confident"
    return "well calibrated"


def _group_row(name: object, g: pd.DataFrame, tolerance: float) -> dict[str, object]:
    p, o = g["confidence"].to_numpy(dtype="float64"), g["outcome"].to_numpy(dtype="float64")
    d = decompose(p, o)
    mean_c = float(p.mean()) if len(p) else float("nan")
    share = float(o.mean()) if len(o) else float("nan")
    row: dict[str, object] = {
        "group": name, "n": d.n, "brier": d.brier, "reliability": d.reliability,
        "resolution": d.resolution, "uncertainty": d.uncertainty,
        "mean_confidence": mean_c, "share_green": share, "bias": mean_c - share,
        "verdict": verdict(mean_c - share, tolerance),
    }
    id_col = "kr_id" if "kr_id" in g.columns else "objective_id"
    row["key_results"] = int(g[[c for c in ("period", id_col) if c in g.columns]]
                             .drop_duplicates().shape[0])
    for half in ("first", "second"):
        h = g[g["half"] == half] if "half" in g.columns else g.iloc[:0]
        row[f"n_{half}_half"] = len(h)
        row[f"brier_{half}_half"] = brier(h["confidence"], h["outcome"])
    return row


def calibration_table(forecast_frame: pd.DataFrame, by: str | None = "team", *,
                      tolerance: float = TOLERANCE, total: bool = True) -> pd.DataFrame:
    """Calibration per group (``team``, ``owner``, ``level``, ``participant``, ...).

    ``forecast_frame`` is :func:`forecasts` (one or several periods) or
    :func:`vote_forecasts`. Columns: :data:`GROUP_COLUMNS` (``key_results`` counts the
    distinct key results or objectives forecast; the ``*_half`` columns are NaN / 0 for
    votes). ``total`` adds a row ``(all)`` over every forecast; ``by=None`` gives only that.
    """
    frame = forecast_frame
    rows = []
    if by is not None:
        if by not in frame.columns:
            raise KeyError(f"cannot group forecasts by {by!r}")
        key = frame[by].astype(object).where(frame[by].notna(), "(none)")
        for name, g in frame.groupby(key, sort=True):
            rows.append(_group_row(name, g, tolerance))
    if total or by is None:
        rows.append(_group_row(ALL, frame, tolerance))
    return pd.DataFrame(rows, columns=GROUP_COLUMNS)


def calibration_summary_text(row: pd.Series | dict[str, object], *,
                             subject: str | None = None) -> str:
    """One group's calibration in words (for the retrospective, reports and the CLI).

    >>> calibration_summary_text({"group": "vision", "n": 63, "brier": 0.2113,
    ...     "mean_confidence": 0.78, "share_green": 0.66, "bias": 0.12,
    ...     "verdict": "over-confident"})
    'vision: over-confident by 0.12 — mean confidence 0.78, but 66% of the forecasts ended green (Brier score 0.211 over 63 forecasts).'
    """
    r = dict(row)
    who = subject or str(r.get("group"))
    n = int(r.get("n") or 0)
    if not n:
        return f"{who}: no forecasts to score."
    bias, mean_c, share = (float(r[k]) for k in ("bias", "mean_confidence", "share_green"))
    tail = f"(Brier score {float(r['brier']):.3f} over {n} forecast{'s' if n != 1 else ''})."
    if r["verdict"] == "over-confident":
        head = (f"over-confident by {bias:.2f} — mean confidence {mean_c:.2f}, but "
                f"{share:.0%} of the forecasts ended green")
    elif r["verdict"] == "under-confident":
        head = (f"under-confident by {-bias:.2f} — mean confidence {mean_c:.2f}, and "
                f"{share:.0%} of the forecasts ended green")
    else:
        head = (f"well calibrated — mean confidence {mean_c:.2f}, and {share:.0%} of the "
                "forecasts ended green")
    return f"{who}: {head} {tail}"

"""Scoring: progress, score, band, pace and status per key result, rolled up.

The contract (see ``docs/internals.md``):

* Progress, which check-in counts and the roll-up are the rules of :mod:`okrkit.rules`
  (``increase`` / ``decrease``: ``(value - baseline) / (target - baseline)``;
  ``at_least`` / ``at_most``: the share of the period's check-ins up to ``as_of`` that
  met the threshold; ``milestone``: ``value / target``; no check-in: progress 0).
* ``score = clip(progress, 0, 1)``; bands red < 0.4 <= yellow < 0.7 <= green by default
  (:class:`ScoringPolicy`; compared after rounding to 9 decimals, so 0.7 is green).
* A key result's ``pace`` is ``progress - expected``. An objective's ``score`` and
  ``expected`` are weighted means of its own key results (KR weights) and its child
  objectives (objective weights), through any depth, and its ``pace`` is
  ``score - expected``. Roll-ups use computed scores; a retrospective override is shown
  as ``final_score`` beside the computed ``score``, never instead of it.

Everything is vectorised (numpy/pandas, one pass per hierarchy depth): 100k key results
and 1.3M check-ins score in about a second. No function mutates its inputs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from okrkit import rules
from okrkit.frames import STATUSES, Plan, empty
from okrkit.hierarchy import Hierarchy
from okrkit.pacing import derive_status, expected_progress, outcomes
from okrkit.period import Period, as_date

KR_SCORE_COLUMNS = [
    "kr_id",
    "objective_id",
    "team",
    "title",
    "direction",
    "unit",
    "baseline",
    "target",
    "weight",
    "value",
    "checkins",
    "last_checkin",
    "confidence",
    "reported_status",
    "progress",
    "score",
    "band",
    "expected",
    "pace",
    "stale",
    "status",
    "why",
]
OBJECTIVE_SCORE_COLUMNS = [
    "objective_id",
    "parent_id",
    "level",
    "team",
    "title",
    "owner",
    "kind",
    "weight",
    "n_key_results",
    "score",
    "band",
    "expected",
    "pace",
    "status",
    "score_override",
    "override_reason",
    "final_score",
    "final_band",
]


@dataclass(frozen=True)
class ScoringPolicy:
    """Thresholds of the scoring guide and of the status rules.

    Bands: red below ``red_below``, green from ``green_from``, yellow between. The
    calibration verdict of a set of scores (the scoring guide of
    ``docs/seeds/okrs-framework-for-ai-projects.md``): ``concerning`` below
    ``concerning_below``, ``ideal`` from ``ideal_from`` to ``ideal_to``, ``too easy`` above
    ``too_easy_above``. Every band and verdict okrkit shows comes from here, so a custom
    policy changes the scorecard, the charts, the reports and the apps alike.
    """

    red_below: float = 0.4
    green_from: float = 0.7
    behind_pace: float = -0.15
    low_confidence: float = 0.5
    cadence_days: int | None = None
    concerning_below: float = 0.5
    ideal_from: float = 0.7
    ideal_to: float = 0.8
    too_easy_above: float = 0.9

    def verdict(self, mean: float) -> str:
        """The calibration verdict of a mean score (``no scores`` for NaN)."""
        if mean is None or mean != mean:
            return "no scores"
        m = round(float(mean), 9)
        if m < self.concerning_below:
            return "concerning"
        if m < self.ideal_from:
            return "below ideal"
        if m <= self.ideal_to:
            return "ideal"
        if m <= self.too_easy_above:
            return "above ideal"
        return "too easy"

    def guide(self) -> dict[str, str]:
        """What each calibration verdict means, in words (for the apps and reports)."""
        f = "{:g}".format
        lo, a, b, hi = (f(x) for x in (self.concerning_below, self.ideal_from, self.ideal_to,
                                       self.too_easy_above))
        return {
            "concerning": f"below {lo}: the OKRs were out of reach or the team was blocked "
                          "— find out why",
            "below ideal": f"{lo}–{a}: a little short of the sweet spot",
            "ideal": f"{a}–{b}: the sweet spot for ambitious OKRs",
            "above ideal": f"{b}–{hi}: good, maybe not ambitious enough",
            "too easy": f"above {hi}: the OKRs were too easy — raise the bar next quarter",
            "no scores": "no scored objectives",
        }

    def guide_line(self) -> str:
        """The scoring guide in one line: ``0.7–0.8 ideal · < 0.5 concerning · > 0.9 too easy``."""
        f = "{:g}".format
        return (f"{f(self.ideal_from)}–{f(self.ideal_to)} ideal · < {f(self.concerning_below)} "
                f"concerning · > {f(self.too_easy_above)} too easy")


#: How a calibration verdict was reached: on final scores (closed period), on the
#: forecast's expected final scores (open period, a projection), or not at all yet.
BASES = ("final", "projected", "in progress")
CALIBRATION_COLUMNS = ["group", "n", "mean", "verdict", "basis", "label", "committed_misses",
                       "committed_at_risk"]


@dataclass(frozen=True)
class Calibration:
    """How ambitious a set of OKRs was (the scoring guide of ``docs/seeds/…``).

    ``basis`` says what the verdict rests on (:data:`BASES`); ``label`` is the verdict as
    shown to people ("ideal", "projected: ideal", "no verdict before the period ends").
    Committed OKRs are expected at 1.0: below it they are ``committed_misses`` once the
    period is closed and ``committed_at_risk`` before.
    """

    mean: float
    n: int
    verdict: str
    committed_misses: tuple[str, ...] = ()
    basis: str = "final"
    committed_at_risk: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        if self.basis == "projected":
            return f"projected: {self.verdict}"
        if self.basis == "in progress":
            return "no verdict before the period ends"
        return self.verdict


@dataclass(frozen=True)
class Scorecard:
    """Scores of one plan as of a date."""

    period: Period
    as_of: dt.date
    key_results: pd.DataFrame
    objectives: pd.DataFrame
    policy: ScoringPolicy = field(default_factory=ScoringPolicy)
    overall: float = float("nan")

    @property
    def closed(self) -> bool:
        """The period has ended: scores are final (:func:`is_closed`)."""
        return is_closed(self.period, self.as_of)

    def calibration(self, by: str | None = "team", forecast: Any = None) -> pd.DataFrame:
        """Calibration verdict per group (``team`` or ``level``), or for all (``None``).

        A closed period is judged on its final computed scores. Before the period ends the
        verdict is never applied to partial scores: with a ``forecast``
        (:class:`okrkit.forecasting.Forecast`) it is a projection from each objective's
        expected final score, labelled so; without one there is no verdict yet.
        Columns: :data:`CALIBRATION_COLUMNS`.
        """
        obj = self.objectives.set_index("objective_id", drop=False)
        scores = obj["score"]
        basis = "final"
        if not self.closed:
            if forecast is None:
                basis = "in progress"
            else:
                basis = "projected"
                fc = forecast.objectives.drop_duplicates("objective_id").set_index("objective_id")
                scores = fc["expected_score"].reindex(obj.index)
        frame = obj.assign(_score=scores.to_numpy())
        groups = [("all", frame)] if by is None else list(frame.groupby(by, sort=True))
        rows = []
        for name, g in groups:
            cal = calibration(g["_score"], g["kind"], self.policy, basis=basis,
                              current=g["score"])
            rows.append({"group": name, "n": cal.n, "mean": cal.mean, "verdict": cal.verdict,
                         "basis": cal.basis, "label": cal.label,
                         "committed_misses": ", ".join(cal.committed_misses),
                         "committed_at_risk": ", ".join(cal.committed_at_risk)})
        return pd.DataFrame(rows, columns=CALIBRATION_COLUMNS)


def band(value: float, policy: ScoringPolicy | None = None) -> str | None:
    """The band of one score.

    >>> band(0.7), band(0.6999), band(0.39), band(float("nan"))
    ('green', 'yellow', 'red', None)
    """
    if value is None or np.isnan(value):
        return None
    p = policy or ScoringPolicy()
    r = round(float(value), 9)
    return "red" if r < p.red_below else ("yellow" if r < p.green_from else "green")


def bands(values: pd.Series | np.ndarray, policy: ScoringPolicy | None = None) -> np.ndarray:
    """Bands of many scores (``None`` where the score is missing)."""
    p = policy or ScoringPolicy()
    v = np.round(np.asarray(values, dtype="float64"), 9)
    out = np.where(v < p.red_below, "red", np.where(v < p.green_from, "yellow", "green"))
    return np.where(np.isnan(v), None, out).astype(object)


def calibration(scores: pd.Series, kinds: pd.Series | None = None,
                policy: ScoringPolicy | None = None, *, basis: str = "final",
                current: pd.Series | None = None) -> Calibration:
    """Calibration verdict of a set of scores (:meth:`ScoringPolicy.verdict`).

    By default ``concerning`` below 0.5, ``below ideal`` 0.5–0.7, ``ideal`` 0.7–0.8,
    ``above ideal`` 0.8–0.9, ``too easy`` above 0.9. ``basis`` is ``final`` (closed period:
    committed OKRs below 1.0 are ``committed_misses``), ``projected`` (``scores`` are the
    forecast's expected final scores) or ``in progress`` (no verdict); before the end,
    committed OKRs whose ``current`` score (default ``scores``) is below 1.0 are
    ``committed_at_risk``.

    >>> calibration(pd.Series([0.6, 0.9])).verdict
    'ideal'
    >>> calibration(pd.Series([0.6, 0.9]), basis="in progress").label
    'no verdict before the period ends'
    """
    if basis not in BASES:
        raise ValueError(f"basis must be one of {BASES}, not {basis!r}")
    s = pd.Series(scores, dtype="float64").dropna()
    n = len(s)
    mean = float(s.mean()) if n else float("nan")
    verdict = (policy or ScoringPolicy()).verdict(mean) if basis != "in progress" else "none yet"
    below: tuple[str, ...] = ()
    if kinds is not None:
        now = pd.Series(current if current is not None else scores, dtype="float64")
        now = now.reindex(pd.Series(kinds).index) if current is not None else now
        committed = (pd.Series(kinds) == "committed").to_numpy()
        values = now.to_numpy()
        with np.errstate(invalid="ignore"):
            miss = committed & (values < 1 - 1e-9)
        below = tuple(str(i) for i in now.index[miss])
    if basis == "final":
        return Calibration(mean=mean, n=n, verdict=verdict, committed_misses=below)
    return Calibration(mean=mean, n=n, verdict=verdict, basis=basis, committed_at_risk=below)


def team_rollup(objectives: pd.DataFrame) -> pd.DataFrame:
    """Each team's score: the weighted mean of its scored *top* objectives.

    A team's top objectives are those whose parent belongs to another team (its
    contribution to the hierarchy), so a team's nested objectives are not counted twice.
    ``objectives`` is a scored objective frame (``Scorecard.objectives``). Columns:
    ``team``, ``n_objectives`` (scored top objectives), ``score`` (NaN if none).
    """
    team_of = dict(zip(objectives["objective_id"], objectives["team"], strict=False))
    rows = []
    for team, g in objectives.groupby("team", sort=True):
        top = g[[team_of.get(p) != team for p in g["parent_id"]]]
        s = top["score"].to_numpy(dtype="float64")
        w = top["weight"].to_numpy(dtype="float64")
        ok = ~np.isnan(s)
        mean = float(np.average(s[ok], weights=w[ok])) if ok.any() and w[ok].sum() > 0 else np.nan
        rows.append({"team": team, "n_objectives": int(ok.sum()), "score": mean})
    return pd.DataFrame(rows, columns=["team", "n_objectives", "score"])


def is_closed(period: Period, as_of: dt.date) -> bool:
    """Whether the period has ended at ``as_of`` (on or after its last day): final outcomes."""
    return as_of >= period.end


def resolve_as_of(period: Period, as_of: Any = None) -> dt.date:
    """``as_of`` as a date; ``None`` is today clipped into the period."""
    day = as_date(as_of) or dt.date.today()
    return min(max(day, period.start), period.end) if as_of is None else day


def score_key_results(
    key_results: pd.DataFrame,
    checkins: pd.DataFrame | None,
    period: Period,
    as_of: dt.date,
    *,
    cadence_days: int = 14,
    policy: ScoringPolicy | None = None,
    teams: pd.Series | None = None,
) -> pd.DataFrame:
    """The key-result scorecard frame (``KR_SCORE_COLUMNS``), one row per KR in order.

    Progress and "which check-in counts" are the rules of :mod:`okrkit.rules`; the status
    and its reasons come from :func:`okrkit.pacing.derive_status`.
    """
    p = policy or ScoringPolicy()
    krs = key_results.reset_index(drop=True)
    n = len(krs)
    direction = krs["direction"].to_numpy(dtype=object)
    baseline = krs["baseline"].to_numpy(dtype="float64")
    target = krs["target"].to_numpy(dtype="float64")

    eff = rules.effective_checkins(krs, checkins, period, as_of)
    state = rules.kr_progress(direction, baseline, target, eff)
    has = state.count > 0
    rows = state.last_row
    conf = np.full(n, np.nan)
    reported = np.full(n, None, dtype=object)
    if checkins is not None and has.any():
        if "confidence" in checkins.columns:
            conf[has] = checkins["confidence"].to_numpy(dtype="float64")[rows[has]]
        if "status" in checkins.columns:
            reported[has] = checkins["status"].to_numpy(dtype=object)[rows[has]]

    progress = state.progress
    score = np.clip(progress, 0.0, 1.0)
    expected = expected_progress(krs, period, as_of).to_numpy()
    pace = progress - expected
    day = np.datetime64(as_of, "D").astype("int64")
    start = np.datetime64(period.start, "D").astype("int64")
    since = np.where(has, state.last_day, start)
    stale = (day - since) > cadence_days
    stale &= day <= np.datetime64(period.end, "D").astype("int64") + cadence_days
    can_complete = ~np.isin(direction, rules.THRESHOLD) | (as_of >= period.end)
    last_dates = np.where(has, state.last_day, 0).astype("datetime64[D]").astype(object)
    last_checkin = np.where(has, last_dates, None)
    band_values = bands(score, p)
    if is_closed(period, as_of):  # final outcomes: nothing left to pace
        status, why = outcomes(band_values), np.full(n, None, dtype=object)
        pace = np.full(n, np.nan)
        stale = np.zeros(n, dtype=bool)
    else:
        status, why = derive_status(
            has_checkin=has,
            progress=progress,
            pace=pace,
            confidence=conf,
            stale=stale,
            reported=reported,
            can_complete=can_complete,
            silent_days=day - since,
            last_checkin=last_checkin,
            behind_pace=p.behind_pace,
            low_confidence=p.low_confidence,
        )
    out = pd.DataFrame(
        {
            "kr_id": krs["kr_id"].to_numpy(dtype=object),
            "objective_id": krs["objective_id"].to_numpy(dtype=object),
            "team": teams.to_numpy(dtype=object) if teams is not None else np.full(n, None, object),
            "title": krs["title"].to_numpy(dtype=object),
            "direction": direction,
            "unit": krs["unit"].to_numpy(dtype=object),
            "baseline": baseline,
            "target": target,
            "weight": krs["weight"].to_numpy(dtype="float64"),
            "value": state.value,
            "checkins": state.count.astype("int64"),
            "last_checkin": last_checkin,
            "confidence": conf,
            "reported_status": reported,
            "progress": progress,
            "score": score,
            "band": band_values,
            "expected": expected,
            "pace": pace,
            "stale": stale.astype(bool),
            "status": status,
            "why": pd.Series(why, dtype=object),
        }
    )
    return out[KR_SCORE_COLUMNS]


def roll_up(
    objectives: pd.DataFrame,
    kr_frame: pd.DataFrame,
    value_cols: tuple[str, ...] = ("score", "expected"),
) -> pd.DataFrame:
    """Weighted means of KR values up the objective hierarchy (:class:`okrkit.rules.RollUp`).

    Returns a frame indexed like ``objectives`` with ``value_cols``, ``pace`` (the rolled
    ``score`` minus the rolled ``expected``: an objective's pace is its score against its
    expected score, so over-achievement above 1.0 on one key result never hides another
    one's lag), ``n_key_results`` and per-status descendant counts (``n_<status>``).
    """
    obj = objectives.reset_index(drop=True)
    rollup = rules.RollUp(obj, kr_frame["objective_id"].to_numpy(dtype=object))
    kw = kr_frame["weight"].to_numpy(dtype="float64")
    ow = obj["weight"].to_numpy(dtype="float64")
    result: dict[str, np.ndarray] = {}
    for col in value_cols:
        v = kr_frame[col].to_numpy(dtype="float64")
        if np.isnan(v).any():  # only KRs with a value count
            w = np.where(np.isnan(v), 0.0, kw)
            result[col] = rollup.apply(np.nan_to_num(v), w, ow)
        else:
            result[col] = rollup.apply(v, kw, ow)
    out = pd.DataFrame(result)
    if "score" in out and "expected" in out:
        out["pace"] = out["score"] - out["expected"]
    out["n_key_results"] = np.bincount(
        rollup.owner[rollup.owner >= 0], minlength=len(obj)).astype("int64")
    if "status" in kr_frame.columns:
        status = kr_frame["status"].to_numpy(dtype=object)
        for name in STATUSES:
            counts = rollup.totals((status == name).astype("float64"))
            out["n_" + name.lower().replace(" ", "_")] = counts.astype("int64")
    return out


def _objective_status(counts: pd.DataFrame) -> np.ndarray:
    total = sum(counts["n_" + s.lower().replace(" ", "_")] for s in STATUSES)
    risk = counts["n_at_risk"] > 0
    done = (counts["n_complete"] == total) & (total > 0)
    idle = counts["n_not_started"] == total
    return np.where(
        risk, "At Risk", np.where(done, "Complete", np.where(idle, "Not Started", "In Progress"))
    ).astype(object)


def score(
    plan: Plan,
    checkins: pd.DataFrame | None = None,
    as_of: Any = None,
    policy: ScoringPolicy | None = None,
) -> Scorecard:
    """Score a plan with its check-ins as of a date.

    Parameters
    ----------
    plan
        The plan (one period).
    checkins
        Check-ins (contract frame); rows of other KRs, outside the period or after
        ``as_of`` are ignored. ``None`` scores everything as not started.
    as_of
        Date (or ISO string) to score at; ``None`` is today clipped into the period.
    policy
        Thresholds; defaults follow the scoring guide of ``docs/seeds/okrs-framework-for-ai-projects.md``.
    """
    p = policy or ScoringPolicy()
    day = resolve_as_of(plan.period, as_of)
    obj = plan.objectives.reset_index(drop=True)
    team_of = dict(zip(obj["objective_id"], obj["team"], strict=False))
    krs = plan.key_results
    kr_scores = score_key_results(
        krs,
        checkins if checkins is not None else empty("checkins"),
        plan.period,
        day,
        cadence_days=p.cadence_days or plan.cadence_days,
        policy=p,
        teams=krs["objective_id"].map(team_of),
    )
    rolled = roll_up(obj, kr_scores)
    reviews = plan.reviews.drop_duplicates("objective_id", keep="last").set_index("objective_id")
    override = obj["objective_id"].map(reviews["score_override"]).astype("float64")
    reason = obj["objective_id"].map(reviews["override_reason"]).astype(object)
    final = override.where(override.notna(), rolled["score"]).to_numpy(dtype="float64")
    final_band = bands(final, p)
    if is_closed(plan.period, day):  # the outcome follows the final (reviewed) score
        status, pace = outcomes(final_band), np.full(len(obj), np.nan)
    else:
        status, pace = _objective_status(rolled), rolled["pace"].to_numpy()
    objectives = pd.DataFrame(
        {
            "objective_id": obj["objective_id"].to_numpy(dtype=object),
            "parent_id": obj["parent_id"].to_numpy(dtype=object),
            "level": obj["level"].to_numpy(dtype=object),
            "team": obj["team"].to_numpy(dtype=object),
            "title": obj["title"].to_numpy(dtype=object),
            "owner": obj["owner"].to_numpy(dtype=object),
            "kind": obj["kind"].to_numpy(dtype=object),
            "weight": obj["weight"].to_numpy(dtype="float64"),
            "n_key_results": rolled["n_key_results"].to_numpy(),
            "score": rolled["score"].to_numpy(),
            "band": bands(rolled["score"], p),
            "expected": rolled["expected"].to_numpy(),
            "pace": pace,
            "status": status,
            "score_override": override.to_numpy(),
            "override_reason": reason.where(reason.notna(), None).to_numpy(dtype=object),
            "final_score": final,
            "final_band": final_band,
        }
    )[OBJECTIVE_SCORE_COLUMNS]
    overall = rules.overall(
        objectives["score"].to_numpy(), objectives["weight"].to_numpy(),
        Hierarchy.of(obj).roots,
    )
    return Scorecard(
        period=plan.period,
        as_of=day,
        key_results=kr_scores,
        objectives=objectives,
        policy=p,
        overall=overall,
    )

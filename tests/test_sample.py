"""The sample data: valid, lint-clean, and telling the story the README promises."""

from __future__ import annotations

from pathlib import Path

import pytest

from okrkit.linting import lint
from okrkit.plan import load_plan
from okrkit.sample import SAMPLE_AS_OF, SAMPLE_PERIOD, load_sample, sample_files
from okrkit.scoring import score
from okrkit.store import open_store

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):
    s = open_store(f"sqlite:///{tmp_path_factory.mktemp('sample') / 'okr.db'}")
    assert load_sample(s, DATA) == ["2025-Q4", SAMPLE_PERIOD]
    yield s
    s.close()


def test_files_present() -> None:
    plans, checkins = sample_files(DATA)
    assert [p.stem for p in plans] == ["2025-Q4", "2026-Q1"]
    assert [p.stem for p in checkins] == ["2025-Q4", "2026-Q1"]


def test_lint_has_no_errors() -> None:
    known: set[str] = set()
    for path in sample_files(DATA)[0]:
        plan = load_plan(path)
        findings = lint(plan, known)
        assert not [f for f in findings if f.severity == "error"], findings
        known |= set(plan.objectives["objective_id"])


def test_hierarchy_and_teams(store) -> None:
    plan = store.load_plan(SAMPLE_PERIOD)
    obj = plan.objectives.set_index("objective_id")
    assert obj.loc["CO-1", "title"] == "Become the industry leader in AI-powered customer experiences"
    assert obj.loc["CO-1", "level"] == "company"
    assert {"CAIO-1", "CAIO-2", "CAIO-3"} <= set(obj.index)
    projects = set(obj[obj["level"] == "project"]["team"])
    assert projects == {"chatbot", "vision", "platform", "genai-assistant", "contact-centre"}
    # every project objective aligns to a business-unit objective
    parents = obj[obj["level"] == "project"]["parent_id"]
    assert set(obj.loc[list(parents), "level"]) == {"business_unit"}


def test_mid_quarter_story(store) -> None:
    plan = store.load_plan(SAMPLE_PERIOD)
    card = score(plan, store.checkins(period=SAMPLE_PERIOD), as_of=SAMPLE_AS_OF)
    krs = card.key_results
    pace = krs[krs["direction"].isin(["increase", "decrease"])].groupby("team")["pace"].mean()
    assert pace["chatbot"] > 0.15  # ahead
    assert abs(pace["platform"]) < 0.1  # on pace
    assert pace["contact-centre"] < -0.2  # behind
    gen = krs[krs["team"] == "genai-assistant"]
    assert gen["stale"].all() and (gen["status"] == "At Risk").all()  # silence is never green
    assert set(krs["status"]) >= {"In Progress", "At Risk"}
    assert krs["checkins"].gt(0).all()


def test_completed_quarter(store) -> None:
    plan = store.load_plan("2025-Q4")
    card = score(plan, store.checkins(period="2025-Q4"))
    obj = card.objectives.set_index("objective_id")
    # the seed's sample completed OKR, computed honestly (the seed prints 0.75)
    assert obj.loc["VIS-1", "score"] == pytest.approx((1 + 0.8125 + 5.5 / 7 + 1 / 3) / 4)
    reviews = store.reviews("2025-Q4").set_index("objective_id")
    assert "Hardware lead times" in reviews.loc["VIS-1", "lessons"]
    overridden = reviews[reviews["score_override"].notna()]
    assert len(overridden) == 1 and overridden["override_reason"].notna().all()
    oid = overridden.index[0]
    assert obj.loc[oid, "final_score"] == overridden["score_override"].iat[0]
    assert obj.loc[oid, "score"] != obj.loc[oid, "final_score"]  # computed score kept

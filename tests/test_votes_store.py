"""Workshop votes through the store: every session sees who voted; reveal; new rounds."""

from __future__ import annotations

import pytest
from store_fixtures import sample_plan

from okrkit.errors import PlanError
from okrkit.store import open_store


def test_votes_are_shared_between_sessions(store, store_url) -> None:
    store.save_plan(sample_plan("2026-Q1"))
    other = open_store(store_url)  # a second participant's session
    try:
        r = store.cast_vote("2026-Q1", "vision", "ana", {"VIS-1": 0.7})
        assert r.number == 1 and not r.revealed
        other.cast_vote("2026-Q1", "vision", "ben", {"VIS-1": 0.4})
        store.cast_vote("2026-Q1", "vision", "ana", {"VIS-1": 0.8})  # a second ballot replaces
        seen = other.votes("2026-Q1", "vision", round_=1)
        assert sorted(seen["participant"]) == ["ana", "ben"]
        assert seen.set_index("participant").at["ana", "confidence"] == 0.8
        assert not other.vote_round("2026-Q1", "vision").revealed
        store.reveal_votes("2026-Q1", "vision")
        assert other.vote_round("2026-Q1", "vision").revealed
        r2 = other.new_vote_round("2026-Q1", "vision")
        assert r2.number == 2 and not r2.revealed
        assert store.votes("2026-Q1", "vision", round_=2).empty
        assert len(store.votes("2026-Q1")) == 2  # the first round is kept (forecasts)
    finally:
        other.close()


@pytest.mark.parametrize(("who", "ballot", "word"), [
    ("", {"VIS-1": 0.5}, "type your name"),
    ("ana", {"VIS-1": 1.5}, "between 0 and 1"),
    ("ana", {"DAT-1": 0.5}, "not one of team vision's"),
])
def test_bad_ballots_are_refused(store, who, ballot, word) -> None:
    store.save_plan(sample_plan("2026-Q1"))
    with pytest.raises(PlanError, match=word):
        store.cast_vote("2026-Q1", "vision", who, ballot)
    assert store.votes("2026-Q1").empty

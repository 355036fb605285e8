"""Load the sample plans and check-ins (``data/plans``, ``data/checkins``) into a store."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from okrkit.checkins import read_checkins
from okrkit.config import sample_dir
from okrkit.plan import load_plan

if TYPE_CHECKING:
    from okrkit.store import Store

#: The sample's "today": mid-quarter of the in-progress period 2026-Q1.
SAMPLE_AS_OF = "2026-02-13"
SAMPLE_PERIOD = "2026-Q1"


def sample_files(folder: Path | None = None) -> tuple[list[Path], list[Path]]:
    """The sample plan files and check-in files, sorted by period."""
    root = folder or sample_dir()
    plans = sorted((root / "plans").glob("*.yaml"))
    checkins = sorted((root / "checkins").glob("*.csv"))
    return plans, checkins


def load_sample(store: Store, folder: Path | None = None, *, force: bool = False) -> list[str]:
    """Load every sample period that the store does not have yet; return those loaded.

    A period already in the store is left alone (so running the demo twice adds nothing),
    unless ``force`` — then its plan is saved again as a new revision; check-ins of a
    period are only added together with its plan, never twice.
    """
    plans, checkins = sample_files(folder)
    have = set(store.periods())
    loaded: list[str] = []
    by_period = {p.stem: p for p in checkins}
    known: set[str] = set()
    for path in plans:
        plan = load_plan(path, known_ids=known)
        known |= set(plan.objectives["objective_id"])
        label = plan.period.label
        if label in have and not force:
            continue
        store.save_plan(plan, author="okrkit sample", message=f"sample {path.name}", force=True)
        ck_path = by_period.get(label)
        if ck_path is not None and label not in have:
            store.add_checkins(read_checkins(ck_path, plan=plan), source=str(ck_path))
        loaded.append(label)
    return loaded

"""Loading the sample (okrkit.sample, ``okrkit sample``) wherever okrkit runs from."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from okrkit.errors import OKRKitError
from okrkit.sample import load_sample, sample_files
from okrkit.store import open_store

REPO = Path(__file__).resolve().parent.parent


def _okrkit(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "okrkit.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def test_sample_outside_the_checkout_loads_the_sample(tmp_path: Path) -> None:
    """Run from a folder that is no checkout: the data comes from okrkit's own checkout."""
    db = f"sqlite:///{tmp_path / 'okr.db'}"
    first = _okrkit("sample", "--db", db, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "sample loaded: 2025-Q1, 2025-Q2, 2025-Q3, 2025-Q4, 2026-Q1" in first.stdout
    again = _okrkit("sample", "--db", db, cwd=tmp_path)
    assert again.returncode == 0 and "sample already loaded" in again.stdout
    with open_store(db) as store:
        assert len(store.load_plan("2026-Q1").objectives) == 22
        assert len(store.checkins("2026-Q1")) == len(
            (REPO / "data" / "checkins" / "2026-Q1.csv").read_text().splitlines()) - 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["okr.db"]


def test_a_folder_without_sample_plans_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(OKRKitError, match=r"no sample plans in .*plans: the sample data comes"):
        sample_files(tmp_path)
    with open_store(f"sqlite:///{tmp_path / 'okr.db'}") as store, pytest.raises(OKRKitError):
        load_sample(store, tmp_path)
    with open_store(f"sqlite:///{tmp_path / 'okr.db'}") as store:
        assert store.periods() == []

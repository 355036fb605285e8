"""Where things live: the default store URL and the project folder."""

from __future__ import annotations

import os
from pathlib import Path


def project_root(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` (default: cwd) holding the workbench.

    A folder counts when it has both ``data/`` and ``pyproject.toml`` or ``notebooks/``,
    so notebooks running in ``notebooks/`` find the same store as the CLI at the top.
    Falls back to ``start`` itself.
    """
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "data").is_dir() and (
            (folder / "pyproject.toml").is_file() or (folder / "notebooks").is_dir()
        ):
            return folder
    return here


def default_store_url() -> str:
    """``$OKRKIT_DB`` if set, else the embedded SQLite file ``data/okrkit.db``."""
    env = os.environ.get("OKRKIT_DB")
    if env:
        return env
    return f"sqlite:///{project_root() / 'data' / 'okrkit.db'}"


def sample_dir() -> Path:
    """The folder with the sample plans and check-ins (``data/``)."""
    return project_root() / "data"

"""Where things live and who is working: the store URL, the project folder, the user."""

from __future__ import annotations

import getpass
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


def store_url_from_env() -> str | None:
    """``$OKRKIT_DB`` when set (and not blank), else ``None``: the one place it is read."""
    return os.environ.get("OKRKIT_DB", "").strip() or None


def default_store_url() -> str:
    """``$OKRKIT_DB`` if set, else the embedded SQLite file ``data/okrkit.db``."""
    return store_url_from_env() or f"sqlite:///{project_root() / 'data' / 'okrkit.db'}"


def current_user() -> str | None:
    """Who is working: ``$JUPYTERHUB_USER`` on a JupyterHub, else the login name.

    The one identity rule: the author of check-ins, plan revisions and reviews, and the
    default participant of a workshop vote. ``None`` when neither is known (some
    containers have no login name).
    """
    hub = os.environ.get("JUPYTERHUB_USER", "").strip()
    if hub:
        return hub
    try:
        return getpass.getuser() or None
    except Exception:  # no login name (KeyError/OSError in containers without a passwd entry)
        return None


def sample_dir() -> Path:
    """The folder with the sample plans, check-ins and templates (``data/``).

    The workbench around the current directory first (:func:`project_root`); when it has
    no ``data/plans`` (``okrkit`` run outside the checkout), the checkout okrkit itself
    was installed from (an editable install), if it has one; else the first.
    """
    here = project_root() / "data"
    if (here / "plans").is_dir():
        return here
    beside = Path(__file__).resolve().parent.parent / "data"
    return beside if (beside / "plans").is_dir() else here

"""Start JupyterLab (and Voilà) for the workbench: loopback only, token auth."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
from pathlib import Path

from okrkit.errors import MissingDependencyError


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def notebooks_dir() -> Path:
    """The workbench's ``notebooks/`` folder (the project root's, else next to the package).

    The one place okrkit looks for notebooks: ``okrkit lab``, ``okrkit workshop`` and the
    report renderer all use it.
    """
    from okrkit.config import project_root

    here = project_root() / "notebooks"
    if here.is_dir():
        return here
    return Path(__file__).resolve().parent.parent / "notebooks"


def lab_command(port: int, token: str, root: Path) -> list[str]:
    """The JupyterLab command line: 127.0.0.1, a token, no browser, no port retries."""
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    return cmd


def run_lab(port: int = 0, token: str | None = None) -> int:
    """Run JupyterLab in the foreground until it is stopped; returns its exit status."""
    try:
        import jupyterlab  # noqa: F401
    except ImportError as err:
        raise MissingDependencyError("jupyterlab", "notebooks") from err
    port = port or free_port()
    token = token or secrets.token_urlsafe(24)
    root = notebooks_dir()
    print(f"JupyterLab: http://127.0.0.1:{port}/lab?token={token}", flush=True)
    return subprocess.call(lab_command(port, token, root))


def voila_command(notebook: Path, port: int, token: str) -> list[str]:
    """The Voilà command line serving one notebook as an app (127.0.0.1, token auth).

    Voilà's ``lab`` template links Font Awesome and mermaid.js from CDNs; okrkit's own
    ``okrkit`` template (``okrkit/jupyter/voila/templates``, found through
    ``JUPYTER_PATH`` — see :func:`voila_env`) extends it without those links.
    """
    return [
        sys.executable,
        "-m",
        "voila",
        str(notebook),
        "--no-browser",
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        f"--token={token}",
        "--show_tracebacks=False",
        "--template=okrkit",
    ]


def voila_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for Voilà: okrkit's template folder first on ``JUPYTER_PATH``."""
    env = dict(os.environ if base is None else base)
    ours = str(Path(__file__).resolve().parent / "jupyter")
    env["JUPYTER_PATH"] = os.pathsep.join(p for p in (ours, env.get("JUPYTER_PATH")) if p)
    return env


def run_workshop(port: int = 0, token: str | None = None,
                 notebook: str = "planning_workshop.ipynb") -> int:
    """Serve the planning workshop notebook as a Voilà app for the projector."""
    try:
        import voila  # noqa: F401
    except ImportError as err:
        raise MissingDependencyError("voila", "notebooks") from err
    path = notebooks_dir() / notebook
    if not path.is_file():
        from okrkit.errors import OKRKitError

        raise OKRKitError(f"{path}: no such notebook")
    port = port or free_port()
    token = token or secrets.token_urlsafe(24)
    print(f"Voilà workshop: http://127.0.0.1:{port}/?token={token}", flush=True)
    return subprocess.call(voila_command(path, port, token), env=voila_env())

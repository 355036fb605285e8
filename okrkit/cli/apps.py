"""Apps: ``lab`` and ``workshop``."""

from __future__ import annotations

from typing import Annotated

import typer

from okrkit.cli.base import app, handles_errors


@app.command()
@handles_errors
def lab(
    port: Annotated[int, typer.Option(help="Port (0 picks a free one).")] = 0,
    token: Annotated[str | None, typer.Option(help="Access token (default: random).")] = None,
) -> None:
    """Open JupyterLab on notebooks/, bound to 127.0.0.1 with token auth."""
    from okrkit.launch import run_lab

    raise typer.Exit(run_lab(port=port, token=token))


@app.command()
@handles_errors
def workshop(
    port: Annotated[int, typer.Option(help="Port (0 picks a free one).")] = 0,
    token: Annotated[str | None, typer.Option(help="Access token (default: random).")] = None,
    notebook: Annotated[
        str, typer.Option(help="Notebook in notebooks/ to serve.")
    ] = "planning_workshop.ipynb",
) -> None:
    """Serve the planning workshop as a Voilà app (127.0.0.1, token auth) for a projector."""
    from okrkit.launch import run_workshop

    raise typer.Exit(run_workshop(port=port, token=token, notebook=notebook))


"""The store: ``backup``, ``restore``, ``sample``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from okrkit.cli.base import DbOption, app, echo, fail, handles_errors


@app.command()
@handles_errors
def backup(
    path: Annotated[
        Path, typer.Argument(help="Backup file to write (JSON lines; .gz to compress).")
    ],
    db: DbOption = None,
) -> None:
    """Write everything in the store (plans, revisions, check-ins, reviews) to one file."""
    from okrkit.store import open_store

    with open_store(db) as store:
        counts = store.backup(path)
    echo(f"wrote {path}: " + ", ".join(f"{n} {t}" for t, n in counts.items()))


@app.command()
@handles_errors
def restore(
    path: Annotated[Path, typer.Argument(help="A file written by `okrkit backup`.")],
    db: DbOption = None,
    replace: Annotated[bool, typer.Option(help="Delete the store's contents first.")] = False,
) -> None:
    """Load a backup into a store (one transaction; the store must be empty unless --replace)."""
    from okrkit.store import open_store

    if not path.exists():
        fail(f"{path}: no such file")
    with open_store(db) as store:
        counts = store.restore(path, replace=replace)
    echo(f"restored {path}: " + ", ".join(f"{n} {t}" for t, n in counts.items()))


@app.command()
@handles_errors
def sample(
    db: DbOption = None,
    force: Annotated[
        bool, typer.Option(help="Save the sample plans again as new revisions.")
    ] = False,
) -> None:
    """Load the sample plans and check-ins (data/) into the store, once."""
    from okrkit.sample import load_sample
    from okrkit.store import open_store

    with open_store(db) as store:
        loaded = load_sample(store, force=force)
        echo(
            f"{store.url}: sample loaded: {', '.join(loaded)}"
            if loaded
            else f"{store.url}: sample already loaded"
        )


"""Rewrite the checked copies in ``tests/notebooks/`` from a reference run.

Usage (from the project root)::

    .venv/bin/python tests/notebooks/refresh.py              # every notebook
    .venv/bin/python tests/notebooks/refresh.py what_if ...  # some notebooks
    git diff tests/notebooks/                                # review what moved

Each committed notebook runs top to bottom with its default parameters in a kernel set up
exactly as the nbval tests set it up (:func:`nbval_pins.kernel_env`: this virtualenv's
Python in ``notebooks/``, a fresh copy of the sample store in ``OKRKIT_DB``, no network);
the outputs of its pinned cells become the expected outputs. Run it only after an
intended change, and read the diff before committing it: every changed line is a number
or a verdict a reader will see differently.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import nbformat
from jupyter_client import KernelManager
from nbclient import NotebookClient
from nbval.kernel import CURRENT_ENV_KERNEL_NAME, NbvalKernelspecManager

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nbval_pins import (  # noqa: E402
    COPIES,
    NOTEBOOKS,
    ROOT,
    checked_copy,
    committed_notebooks,
    is_checked_copy,
    kernel_env,
    pinned_cells,
    private_store,
    target_of,
)


def reference_outputs(notebook: Path, sample: Path) -> dict[str, list]:
    """Run ``notebook`` as the tests do; the outputs of its pinned cells, by cell id."""
    nb = nbformat.read(notebook, as_version=4)
    with tempfile.TemporaryDirectory(prefix="okrkit-refresh-") as tmp:
        folder = Path(tmp)
        env = kernel_env(folder, private_store(sample, folder))
        km = KernelManager(kernel_name=CURRENT_ENV_KERNEL_NAME,
                           kernel_spec_manager=NbvalKernelspecManager())
        client = NotebookClient(nb, km=km, timeout=600, allow_errors=False,
                                resources={"metadata": {"path": str(NOTEBOOKS)}})
        try:
            client.execute(env={**os.environ, **env})
        finally:
            if km.has_kernel:
                km.shutdown_kernel(now=True)
    return {c["id"]: c.outputs for c in pinned_cells(nb)}


def main(names: list[str]) -> int:
    """Refresh the copies of ``names`` (all notebooks when empty); drop orphaned copies."""
    from okrkit.sample import load_sample
    from okrkit.store import open_store

    notebooks = committed_notebooks()
    if names:
        unknown = sorted(set(names) - {p.stem for p in notebooks})
        if unknown:
            print(f"no notebook named {', '.join(unknown)} in {NOTEBOOKS.relative_to(ROOT)}/",
                  file=sys.stderr)
            return 2
        notebooks = [p for p in notebooks if p.stem in names]
    with tempfile.TemporaryDirectory(prefix="okrkit-refresh-sample-") as tmp:
        sample = Path(tmp) / "sample.db"
        with open_store(f"sqlite:///{sample}") as store:
            load_sample(store, ROOT / "data")
        for notebook in notebooks:
            outputs = reference_outputs(notebook, sample)
            out = COPIES / notebook.name
            nbformat.write(checked_copy(notebook, outputs), out)
            print(f"wrote {out.relative_to(ROOT)} ({len(outputs)} pinned cells)")
    if not names:
        for copy in sorted(COPIES.glob("*.ipynb")):
            if is_checked_copy(copy) and not target_of(nbformat.read(copy, 4), copy).exists():
                copy.unlink()
                print(f"removed {copy.relative_to(ROOT)} (its notebook is gone)")
    print("review the change: git diff tests/notebooks/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""nbval over every notebook, against the expected outputs kept in ``tests/notebooks/``.

A committed notebook (``notebooks/<name>.ipynb``) has no outputs. Its *checked copy*,
``tests/notebooks/<name>.ipynb``, holds the notebook's pinned cells (code cells tagged
``pin`` whose source carries ``# NBVAL_CHECK_OUTPUT``) with the outputs the reference run
printed; its metadata ``okrkit_pins.notebook`` names the committed notebook.

For each checked copy, :class:`PinnedNotebook` runs nbval (``--nbval-lax`` semantics)
over the **committed** notebook's current cells, the pinned ones carrying the copy's
outputs (matched by cell id): every cell must run without an error, and each pinned cell
must print its expected text. The kernel is this virtualenv's Python, in ``notebooks/``
(where people run the notebooks), with ``OKRKIT_DB`` pointing at a private copy of the
sample store, its own ``IPYTHONDIR`` and no network (:mod:`nbval_offline`); outputs go
through ``tests/nbval_sanitize.cfg``. ``python tests/notebooks/refresh.py`` rewrites the
checked copies (see ``tests/README.md``).
"""

from __future__ import annotations

import difflib
import os
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbval.kernel import CURRENT_ENV_KERNEL_NAME, RunningKernel
from nbval.plugin import (
    IPyNbCell,
    IPyNbFile,
    find_comment_markers,
    find_metadata_tags,
)

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
NOTEBOOKS = ROOT / "notebooks"
COPIES = TESTS / "notebooks"
SANITIZE = TESTS / "nbval_sanitize.cfg"
PIN_TAG = "pin"
MARKER = "# NBVAL_CHECK_OUTPUT"
META = "okrkit_pins"
REFRESH = ".venv/bin/python tests/notebooks/refresh.py"


def shown(path: Path) -> str:
    """A path as messages show it: relative to the project when inside it."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def is_pinned(cell: Any) -> bool:
    """A pinned cell: a code cell tagged ``pin``."""
    return cell.get("cell_type") == "code" and PIN_TAG in cell.get("metadata", {}).get("tags", [])


def pinned_cells(nb: Any) -> list[Any]:
    """The notebook's pinned cells, in order."""
    return [c for c in nb.cells if is_pinned(c)]


def committed_notebooks() -> list[Path]:
    """Every notebook people use (``notebooks/*.ipynb``)."""
    return sorted(NOTEBOOKS.glob("*.ipynb"))


def copy_path(notebook: Path) -> Path:
    """The checked copy of a committed notebook."""
    return COPIES / notebook.name


def target_of(copy: Any, copy_file: Path) -> Path:
    """The committed notebook a checked copy checks (its ``okrkit_pins.notebook``)."""
    rel = copy.metadata.get(META, {}).get("notebook")
    if not rel:
        raise ValueError(f"{copy_file}: no metadata '{META}.notebook' (not a checked copy)")
    return ROOT / rel


def checked_copy(notebook: Path, outputs: dict[str, list[Any]]) -> Any:
    """The checked copy of ``notebook``: its pinned cells with ``outputs`` (by cell id)."""
    nb = nbformat.read(notebook, as_version=4)
    rel = notebook.relative_to(ROOT).as_posix()
    head = nbformat.v4.new_markdown_cell(
        f"# Expected outputs of `{rel}`\n\n"
        "The notebook's pinned cells (tag `pin`, `# NBVAL_CHECK_OUTPUT`) with the text the "
        "reference run printed: the sample store, the notebook's default parameters. "
        "The test suite runs the committed notebook under nbval and compares each pinned "
        f"cell with this copy. Written by `{REFRESH}`; do not edit by hand "
        "(tests/README.md).")
    head["id"] = "about"
    cells = [head]
    for n, cell in enumerate(pinned_cells(nb), start=1):
        pin = nbformat.v4.new_code_cell(cell.source, metadata={"tags": [PIN_TAG]},
                                        execution_count=n)
        pin["id"] = cell["id"]
        pin["outputs"] = [nbformat.from_dict(o) for o in outputs.get(cell["id"], [])]
        cells.append(pin)
    copy = nbformat.v4.new_notebook(cells=cells, metadata={
        **{k: v for k, v in nb.metadata.items() if k in ("kernelspec", "language_info")},
        META: {"notebook": rel}})
    copy.nbformat_minor = nb.nbformat_minor
    return copy


def merged(notebook: Any, copy: Any) -> tuple[Any, list[str]]:
    """The committed notebook with its pinned cells' expected outputs taken from ``copy``.

    Unpinned cells are run but not compared (no reference outputs); returns the merged
    notebook and the ids of pinned cells the copy has no output for.
    """
    expected = {c["id"]: c for c in pinned_cells(copy)}
    missing = []
    nb = nbformat.from_dict(notebook)
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        ref = expected.get(cell.get("id")) if is_pinned(cell) else None
        if is_pinned(cell) and (ref is None or not ref.get("outputs")):
            missing.append(cell["id"])
        cell["outputs"] = list(ref["outputs"]) if ref is not None else []
        cell["execution_count"] = ref.get("execution_count") if ref is not None else None
    return nb, missing


# -- the kernel's environment --------------------------------------------------------------

def sample_store(config: pytest.Config) -> Path:
    """A SQLite file with the sample data, built once per session (then copied per notebook)."""
    cached = getattr(config, "_okrkit_sample_store", None)
    if cached is not None:
        return cached
    from okrkit.sample import load_sample
    from okrkit.store import open_store

    folder = Path(tempfile.mkdtemp(prefix="okrkit-nbval-"))
    config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))
    path = folder / "sample.db"
    with open_store(f"sqlite:///{path}") as store:
        load_sample(store, ROOT / "data")
    config._okrkit_sample_store = path  # type: ignore[attr-defined]
    return path


def kernel_env(folder: Path, db_url: str) -> dict[str, str]:
    """Environment variables for a notebook kernel: the store, a private IPython folder
    whose startup file refuses the network (:mod:`nbval_offline`), private Jupyter dirs."""
    startup = folder / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True, exist_ok=True)
    (startup / "00-offline.py").write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(TESTS)!r})\n"
        "import nbval_offline\n"
        "nbval_offline.install()\n"
        f"sys.path.remove({str(TESTS)!r})\n",
        encoding="utf-8")
    env = {"OKRKIT_DB": db_url, "IPYTHONDIR": str(folder / "ipython"),
           "JUPYTER_PLATFORM_DIRS": "1"}
    for name in ("CONFIG", "DATA", "RUNTIME"):
        d = folder / f"jupyter-{name.lower()}"
        d.mkdir(exist_ok=True)
        env[f"JUPYTER_{name}_DIR"] = str(d)
    return env


def private_store(sample: Path, folder: Path) -> str:
    """A private copy of the sample store for one notebook run; its URL."""
    path = folder / "okr.db"
    shutil.copy(sample, path)
    return f"sqlite:///{path}"


# -- the collector ------------------------------------------------------------------------

class PinnedCell(IPyNbCell):
    """One cell of a :class:`PinnedNotebook`; a pinned cell without an expected output fails
    (after running, so the cells after it still see its variables)."""

    def format_output_compare(self, key: str, left: Any, right: Any) -> None:
        """A changed text output as a unified diff: ``-`` the expected line, ``+`` the new."""
        if not (isinstance(left, str) and isinstance(right, str)):
            super().format_output_compare(key, left, right)
            return
        copy, target = shown(self.parent.path), shown(self.parent.target)
        self.comparison_traceback += [
            f"pinned output '{key}' of cell '{self.cell.get('id')}' changed "
            "(- expected, + now):",
            *difflib.unified_diff(left.splitlines(), right.splitlines(),
                                  fromfile=f"expected ({copy})", tofile=f"now ({target})",
                                  lineterm="", n=2),
            f"An intended change? Run `{REFRESH}` and commit the reviewed diff.",
        ]

    def runtest(self) -> None:
        super().runtest()
        if self.options.get("missing_expected"):
            self.raise_cell_error(
                f"no expected output for pinned cell '{self.cell.get('id')}' in "
                f"{shown(self.parent.path)}: run `{REFRESH}` and review the diff")


class PinnedNotebook(IPyNbFile):
    """nbval (lax) over a committed notebook with the expected outputs of its checked copy."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.compare_outputs = False  # like --nbval-lax: only pinned cells are compared
        self.folder: Path | None = None

    def collect(self) -> Iterator[PinnedCell]:
        copy = nbformat.read(self.path, as_version=4)
        self.target = target_of(copy, self.path)
        self.nb, missing = merged(nbformat.read(self.target, as_version=4), copy)
        number = 0
        for cell in self.nb.cells:
            if cell.cell_type != "code":
                continue
            options: defaultdict[str, Any] = defaultdict(bool, find_metadata_tags(cell.metadata))
            options.update(find_comment_markers(cell.source))
            if cell.get("id") in missing:
                options.update(check=False, missing_expected=True)
            item = PinnedCell.from_parent(self, name=f"Cell {number}", cell_num=number,
                                          cell=cell, options=options)
            item.add_marker(pytest.mark.notebook)  # `-m "not notebook"` leaves kernels out
            yield item
            number += 1

    def get_sanitize_files(self) -> list[str]:
        return [self.config.option.nbval_sanitize_with or str(SANITIZE)]

    def setup(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="okrkit-nbval-kernel-"))
        env = kernel_env(self.folder, private_store(sample_store(self.config), self.folder))
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)  # the kernel inherits it when it starts
        try:
            self.kernel = RunningKernel(
                CURRENT_ENV_KERNEL_NAME, cwd=str(self.target.parent),
                startup_timeout=self.config.option.nbval_kernel_startup_timeout)
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        self.setup_sanitize_files()

    def teardown(self) -> None:
        super().teardown()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "notebook: executes notebooks with a real kernel")


def is_checked_copy(file_path: Path) -> bool:
    """A notebook under ``tests/notebooks/`` whose metadata names the notebook it checks."""
    if file_path.suffix != ".ipynb":
        return False
    try:
        nb = nbformat.read(file_path, as_version=4)
    except Exception:  # not a notebook: let pytest and nbval report it
        return False
    return bool(nb.metadata.get(META, {}).get("notebook"))


@pytest.hookimpl(wrapper=True)
def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> Any:
    """Collect each checked copy as a :class:`PinnedNotebook` (and never as a plain
    nbval notebook, should ``--nbval`` / ``--nbval-lax`` be given too)."""
    found = yield
    if not is_checked_copy(file_path):
        return found
    mine = PinnedNotebook.from_parent(parent, path=file_path)
    return [c for c in (found or []) if not isinstance(c, IPyNbFile)] + [mine]

"""Where reports go: safe file names, checked folders, atomic writes, masked leftovers.

* :func:`safe_name` — the one way a period label or a team name (user input) becomes part
  of a file name; :func:`report_file` / :func:`default_folder` — a report's file and the
  default folder ``reports/<period>``; every path is checked to stay inside its folder;
* :func:`output_folder` — the folder, created and probed before any kernel starts: a file
  in the way, a folder that cannot be created or written, a full disk are
  :class:`~okrkit.errors.ReportError` naming the option and the path;
* :func:`write_output` — an atomic write whose failure (a full disk) names the file;
* :func:`mask` / :func:`keep_failed` — a failed report's executed notebook, with the
  store's password masked in every string, mode 0600 in a 0700 ``_failed/`` folder.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from okrkit.errors import ReportError
from okrkit.plan import write_atomic

COMPANY = "company"


#: The characters a file name made from a label or a team name may keep.
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
NAME_LIMIT = 80


def safe_name(text: str, limit: int = NAME_LIMIT) -> str:
    """The one way a label or a name (user input) becomes part of a file name.

    Keeps ``[A-Za-z0-9_.-]`` (any other run of characters becomes ``-``), never starts or
    ends with ``.`` or ``-`` (so no ``..``, no hidden file), and is at most ``limit``
    characters. A name that had to change gets 8 hex digits of its hash, so two different
    names never share a file; a safe name stays as it is.

    >>> safe_name("vision"), safe_name("../../x"), safe_name("Team A/B")
    ('vision', 'x-9cdf6a50', 'Team-A-B-7a43b660')
    >>> len(safe_name("t" * 300))
    80
    """
    raw = str(text)
    name = _UNSAFE.sub("-", raw).strip(".-")
    if name == raw and 0 < len(name) <= limit:
        return name
    digest = hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    head = name[: limit - len(digest) - 1].rstrip(".-")
    return f"{head}-{digest}" if head else digest


def mask(text: str, url: str | None) -> str:
    """``text`` with the store URL's password (and the URL itself) masked.

    The masking rule of :mod:`okrkit.sources` (the same words everywhere okrkit writes).
    """
    from okrkit.sources import _scrub

    return _scrub(str(text), url)


def output_folder(out: str | os.PathLike[str], what: str = "--out") -> Path:
    """The folder reports are written to, created if needed; refused with a clear message.

    A path that exists and is not a folder, a folder that cannot be created (a file on the
    way, no permission, a name too long, a read-only or full disk) or written raises
    :class:`~okrkit.errors.ReportError` naming ``what`` and the path, before any kernel
    starts.
    """
    folder = Path(out)
    try:
        if folder.exists() and not folder.is_dir():
            raise ReportError(f"{what} {folder}: exists and is not a folder")
        blocker = next((p for p in folder.parents if p.exists() and not p.is_dir()), None)
        if blocker is not None:
            raise ReportError(f"{what} {folder}: cannot create the folder: {blocker} is a "
                              "file, not a folder")
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".okrkit-probe.", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        raise ReportError(f"{what} {folder}: cannot create or write the folder: "
                          f"{_reason(err)}") from err
    return folder


def _reason(err: OSError) -> str:
    if err.errno == errno.ENOSPC:
        return "no space left on the device"
    return err.strerror or type(err).__name__


def inside(folder: Path, name: str) -> Path:
    """``folder / name``, refusing anything that would land elsewhere (defence in depth:
    names come from :func:`safe_name`)."""
    path = folder / name
    if path.resolve().parent != folder.resolve():
        raise ReportError(f"refusing to write {name!r} outside {folder}")
    return path


def default_folder(period: str) -> Path:
    """``reports/<period>``: the period label through :func:`safe_name`."""
    return Path("reports") / safe_name(str(period))


def report_file(folder: Path, period: str, team: str | None,
                taken: set[str] | None = None) -> Path:
    """The HTML file of one report: ``<period>-<team>.html`` (``company`` for the company
    report), both through :func:`safe_name`, inside ``folder``; a name already in ``taken``
    gets ``_`` appended (and is added to it)."""
    name = f"{safe_name(str(period))}-{COMPANY if team is None else safe_name(team)}"
    used = taken if taken is not None else set()
    while name in used:
        name += "_"
    used.add(name)
    return inside(folder, f"{name}.html")


def write_output(path: Path, data: bytes) -> Path:
    """Write one output atomically; a failure (a full disk) stops the run with its path."""
    try:
        return write_atomic(path, data)
    except OSError as err:
        raise ReportError(f"cannot write {path}: {_reason(err)} (reports already written "
                          "are complete; this one keeps its previous version)") from err


def _masked(node: Any, db: str) -> Any:
    """Every string in a notebook node with the store's password masked (keys kept)."""
    if isinstance(node, str):
        return mask(node, db)
    if isinstance(node, list):
        return [_masked(v, db) for v in node]
    if isinstance(node, dict):
        return type(node)((k, _masked(v, db)) for k, v in node.items())
    return node


def keep_failed(report: Path, nb: Any, db: str | None) -> Path:
    """Keep the executed notebook of a failed report: masked, mode 0600, folder 0700."""
    import nbformat

    folder = report.parent / "_failed"
    folder.mkdir(mode=0o700, exist_ok=True)
    os.chmod(folder, 0o700)
    path = inside(folder, f"{report.stem}.ipynb")
    text = nbformat.writes(_masked(nb, db) if db else nb)  # type: ignore[arg-type]
    write_atomic(path, text.encode("utf-8"))
    os.chmod(path, 0o600)
    return path

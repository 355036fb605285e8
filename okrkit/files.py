"""Files in and out, the parts every reader and writer shares — one home each.

* :func:`decode_utf8` — bytes to text (UTF-8, with or without BOM), or a validation error
  naming the file and line (plans, tables and check-in files all call it).
* :func:`file_kind` — what an input file holds (``"plan"`` or ``"checkins"``), from its
  suffix and, for CSV, its header; :func:`names_a_file` — whether a command-line argument
  means a file (rather than a period in the store). The CLI asks these instead of
  looking at suffixes itself.
* :func:`write_atomic` and :func:`open_atomic` (streaming) — write through a temporary
  file in the same folder and a rename: a reader never sees half a file, and a failed
  write leaves the old file in place. Plans, exports, reports and backups use them. An
  error says what could not be written, as an :class:`~okrkit.errors.OutputError`.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Literal

from okrkit.errors import OutputError, PlanError, Problem, ValidationError

__all__ = [
    "PLAN_SUFFIXES",
    "decode_utf8",
    "file_kind",
    "names_a_file",
    "open_atomic",
    "read_bytes",
    "write_atomic",
]

YAML_SUFFIXES = (".yaml", ".yml")
TABLE_SUFFIXES = (".csv", ".xlsx", ".xlsm")
PLAN_SUFFIXES = YAML_SUFFIXES + TABLE_SUFFIXES


def decode_utf8(
    data: bytes, source: str | None, error: type[ValidationError] = PlanError
) -> str:
    """Decode UTF-8 text (a BOM is dropped) or raise ``error`` naming the line.

    >>> decode_utf8(b"\\xef\\xbb\\xbfperiod: 2026-Q1", "p.yaml")
    'period: 2026-Q1'
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        msg = f"is not UTF-8 text (byte 0x{data[err.start]:02x} at offset {err.start})"
        problem = Problem(msg, file=source, line=line, code="not-utf8")
        raise error([problem], file=source) from err


def names_a_file(arg: str) -> bool:
    """Whether a command-line argument is a file (it exists, or has a plan suffix)."""
    path = Path(arg)
    return path.exists() or path.suffix.lower() in PLAN_SUFFIXES


def file_kind(path: str | os.PathLike[str]) -> Literal["plan", "checkins"]:
    """``"plan"`` (YAML, flat CSV, XLSX) or ``"checkins"`` (a CSV whose header has
    ``kr_id`` but no ``objective_id``, which every flat plan has).

    The header is read as CSV (quoted names are fine). An unknown suffix, or a file that
    cannot be read, raises :class:`~okrkit.errors.PlanError`.
    """
    source = str(path)
    suffix = Path(path).suffix.lower()
    if suffix not in PLAN_SUFFIXES:
        raise PlanError(
            f"cannot read '{suffix or 'no suffix'}' files (use .yaml, .csv or .xlsx)",
            file=source, code="unknown-format",
        )
    if suffix != ".csv":
        return "plan"
    try:
        with open(path, "rb") as fh:
            head = fh.read(64 * 1024)
    except OSError as err:
        raise PlanError(f"cannot read: {err.strerror}", file=source, code="unreadable") from err
    first = head.decode("utf-8-sig", errors="replace").splitlines()[:1]
    try:
        header = next(csv.reader(io.StringIO(first[0]))) if first else []
    except csv.Error:
        header = []
    cols = {c.strip().lower() for c in header}
    return "checkins" if "kr_id" in cols and "objective_id" not in cols else "plan"


def read_bytes(path: str | os.PathLike[str], error: type[ValidationError] = PlanError) -> bytes:
    """The bytes of an input file, or ``error`` saying why it cannot be read."""
    source = str(path)
    try:
        return Path(path).read_bytes()
    except OSError as err:
        raise error([Problem(f"cannot read: {err.strerror}", file=source, code="unreadable")],
                    file=source) from err


def _read_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


#: read once: changing the process umask per write would race with other threads
_UMASK = _read_umask()


@contextmanager
def open_atomic(path: str | os.PathLike[str], *, mode: int | None = None) -> Iterator[IO[bytes]]:
    """A binary file that becomes ``path`` when the block ends without an error.

    The data goes to a temporary file beside ``path``, which is flushed, synced and
    renamed over ``path`` at the end; on any error (or interrupt) it is removed and the
    old file stays. ``mode`` is the file mode (default: the usual 0666 less the umask;
    give 0o600 for files that may hold secrets). Parent folders are created.

    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> with open_atomic(target) as fh:
    ...     _ = fh.write(b"all or nothing")
    >>> target.read_text()
    'all or nothing'
    """
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_dir():
            raise IsADirectoryError(21, "Is a directory")
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as err:
        raise _output_error(target, err) from err
    try:
        os.fchmod(fd, (0o666 & ~_UMASK) if mode is None else mode)
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(err, OutputError):
            raise
        raise _output_error(target, err) from err
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_atomic(path: str | os.PathLike[str], data: bytes, *, mode: int | None = None) -> Path:
    """Write ``data`` to ``path`` atomically (see :func:`open_atomic`); returns the path."""
    with open_atomic(path, mode=mode) as fh:
        fh.write(data)
    return Path(path)


def _output_error(target: Path, err: OSError) -> OutputError:
    reason = err.strerror or str(err)
    hint = ""
    if isinstance(err, IsADirectoryError):
        hint = ": it is a folder; give a file name"
    elif isinstance(err, NotADirectoryError | FileExistsError):
        hint = ": a file stands where a folder is needed"
    elif err.errno == 28:  # ENOSPC
        hint = ": the disk is full"
    return OutputError(f"cannot write {target}: {reason}{hint}")

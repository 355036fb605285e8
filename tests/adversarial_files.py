"""Makers of hostile files for the adversarial suite (``{make: <name>, ...}`` in a case).

Each maker writes ``path`` from keyword arguments; add one per kind of file that cannot
be written as plain text in the YAML case files.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

MAKERS: dict[str, Callable[..., None]] = {}


def maker(func: Callable[..., None]) -> Callable[..., None]:
    MAKERS[func.__name__] = func
    return func


def make(path: Path, make: str, **kwargs: Any) -> None:
    """Write ``path`` with the maker named ``make``."""
    MAKERS[make](path, **kwargs)


@maker
def text_bytes(path: Path, hex: str) -> None:
    """Raw bytes given as hex (non-UTF-8 files, NUL bytes, ...)."""
    path.write_bytes(bytes.fromhex(hex.replace(" ", "")))


@maker
def repeat(path: Path, head: str = "", body: str = "", times: int = 1, tail: str = "") -> None:
    """``head + body * times + tail`` (deep nesting, long lines, many rows)."""
    path.write_text(head + body * int(times) + tail, encoding="utf-8")

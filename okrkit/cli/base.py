"""What every verb shares: the typer app, the --db option, clean errors, JSON values.

Every message that reaches the terminal goes through :func:`fail` or :func:`echo`, which
replace control characters (ESC, BEL, NUL, ...) with visible escapes, so text from a file
can never drive the terminal.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Callable
from functools import wraps
from typing import Annotated, Any, TypeVar

import typer

from okrkit.errors import OKRKitError

app = typer.Typer(
    name="okrkit",
    help="OKR Workbench: plan, score, pace and report OKRs.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

F = TypeVar("F", bound=Callable[..., Any])

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Store URL (default: $OKRKIT_DB or sqlite:///data/okrkit.db)."),
]

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    r"""``text`` with control and bidi-override characters shown as ``\xNN`` / ``\uNNNN``.

    Tabs and newlines stay as they are.

    >>> print(printable("bad\x1b[31mred\u202e"))
    bad\x1b[31mred\u202e
    """

    def show(m: re.Match[str]) -> str:
        c = ord(m.group())
        return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"

    return _CONTROL.sub(show, text)


def echo(message: str, *, err: bool = False, nl: bool = True) -> None:
    """Print to stdout (or stderr) with control characters made visible."""
    typer.echo(printable(message), err=err, nl=nl)


def fail(message: str, code: int = 2) -> None:
    """Print an error to stderr and exit (no traceback)."""
    echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def handles_errors(func: F) -> F:
    """Turn OKRKitError into a clear message and exit status 2."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except OKRKitError as err:
            fail(str(err), getattr(err, "exit_code", 2))
        except KeyboardInterrupt:
            fail("interrupted", 130)

    return wrapper  # type: ignore[return-value]


def parse_date(value: str | None, what: str = "--as-of") -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"{what} '{value}' is not a date (YYYY-MM-DD)")
    return None


def jsonable(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, float):
        return None if math.isnan(v) or math.isinf(v) else round(v, 6)
    if isinstance(v, dt.date | dt.datetime):
        return v.isoformat()
    if hasattr(v, "item"):
        return jsonable(v.item())
    if isinstance(v, tuple | list):
        return [jsonable(x) for x in v]
    return v


def _json_column(column: Any) -> list[Any]:
    """One column's values as JSON values (:func:`jsonable`'s rules, a column at a time)."""
    kind = column.dtype.kind
    if kind in "Mm":  # Timestamps/Timedeltas, as to_dict gives them
        return [jsonable(v) for v in column.astype(object).tolist()]
    items = column.to_numpy().tolist()
    if kind == "f":
        return [round(v, 6) if math.isfinite(v) else None for v in items]
    if kind in "iub":
        return items
    return [jsonable(v) for v in items]


def records(frame: Any) -> list[dict[str, Any]]:
    """A frame's rows as JSON-ready dicts (column by column: a 20k-row scorecard in ~0.1 s)."""
    names = [str(c) for c in frame.columns]
    columns = [_json_column(frame[c]) for c in frame.columns]
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


def dump_json(data: Any) -> str:
    """``data`` as JSON text: indented, but each row of a list of records on one line.

    ``json.dumps(indent=2)`` runs the pure-Python encoder (C only without ``indent``): 3 s for
    a 20k-row scorecard. Here each record is encoded by the C encoder and the layout around
    them is indented, so a large scorecard prints in a fraction of that and still reads
    (and diffs) a row per line.
    """
    def enc(v: Any) -> str:
        return json.dumps(v, ensure_ascii=False, allow_nan=False)

    def block(v: Any, pad: str) -> str:
        inner = pad + "  "
        if isinstance(v, dict) and v and any(isinstance(x, dict | list) and x
                                             for x in v.values()):
            body = ",\n".join(f"{inner}{enc(str(k))}: {block(x, inner)}" for k, x in v.items())
            return "{\n" + body + "\n" + pad + "}"
        if isinstance(v, list) and v:
            body = ",\n".join(inner + block(x, inner) if isinstance(x, list) else inner + enc(x)
                               for x in v)
            return "[\n" + body + "\n" + pad + "]"
        return enc(v)

    return block(data, "")


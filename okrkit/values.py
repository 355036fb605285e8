"""What one value in a plan may be — text, ids, period labels, numbers, dates: one home.

The plan readers (YAML, CSV, XLSX, the workshop form) parse cells with these functions,
and :mod:`okrkit.structure` applies the text rules to a plan's frames, so a plan from a
file, a widget or the store meets the same rules with the same messages.

* **Ids** (objective, key result, parent) and **team names**: plain text of at most
  :data:`MAX_ID` (200, the store's column size) characters, with no control, zero-width
  or bidi-override character (they make two ids look alike, or text read backwards).
* **Other text** (titles, owners, notes of a review): no control character (NUL, ESC,
  BEL, ...; tabs and line breaks are fine). Zero-width and bidi characters are allowed
  here, and lint warns about them (``hidden-character``). Units: at most
  :data:`MAX_UNIT` characters.
* **Period labels** become folder names: ``[A-Za-z0-9_.-]``, no ``..``, at most
  :data:`MAX_LABEL` (64) characters.
* **Numbers**: a number, or text that reads as one; ``"85%"`` means 85 where the key
  result's unit is ``%``. ``yes`` / ``no`` are not numbers. Finiteness is a rule of the
  plan (``not-finite``, :mod:`okrkit.structure`).
* **Dates**: ``YYYY-MM-DD`` (or a date cell). Numbers such as ``20260301`` or an Excel
  serial ``46082`` are refused with the date they might mean, never guessed. Moments (a
  sign-off's time): ISO date and time, kept as UTC without a zone.

Each refusal raises :class:`ValueProblem`, a :class:`ValueError` carrying a code of
:data:`okrkit.errors.CODES`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

MAX_ID = 200
MAX_LABEL = 64
MAX_UNIT = 64

_CONTROL = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_HIDDEN = r"\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
#: C0 controls but tab, line feed and carriage return; DEL; C1 controls
CONTROL = re.compile(f"[{_CONTROL}]")
#: zero-width, invisible and bidi-override characters
HIDDEN = re.compile(f"[{_HIDDEN}]")
_SHOWN = re.compile(f"[{_CONTROL}{_HIDDEN}]")
_ID_BAD = re.compile(f"[{_CONTROL}{_HIDDEN}\\t\\n\\r]")
_LABEL = re.compile(r"^[A-Za-z0-9_.-]+$")
_PERCENT = re.compile(r"^\s*([-+]?\d+(?:\.\d+)?)\s*%\s*$")
_ISO_DAY = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[T ]00:00(?::00(?:\.0+)?)?)?$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)


class ValueProblem(ValueError):
    """A value that is refused; ``code`` is one of :data:`okrkit.errors.CODES`."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def visible(text: str, *, breaks: bool = False, hidden: bool = True) -> str:
    r"""``text`` with control and hidden characters written as ``\xNN`` / ``\uNNNN``.

    Tabs and line breaks stay unless ``breaks``; ``hidden=False`` leaves zero-width and
    bidi characters alone. Used where text leaves okrkit
    (spreadsheet cells) and in messages quoting an id.

    >>> visible("bad\x1b[31m\u202e")
    'bad\\x1b[31m\\u202e'
    """

    def show(m: re.Match[str]) -> str:
        c = ord(m.group())
        return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"

    return (_ID_BAD if breaks else _SHOWN if hidden else CONTROL).sub(show, text)


def id_problem(value: str, what: str = "id") -> tuple[str, str] | None:
    """``(code, message)`` if ``value`` cannot be an id or team name, else ``None``.

    >>> id_problem("BOT-1.1") is None
    True
    >>> id_problem("BOT\u200b-1")
    ('bad-character', "id 'BOT\\\\u200b-1' contains an invisible, control or bidi character: ids must be plain text")
    """
    if len(value) > MAX_ID:
        return "too-long", f"{what} is {len(value)} characters long (at most {MAX_ID})"
    if _ID_BAD.search(value):
        return "bad-character", (
            f"{what} '{visible(value, breaks=True)}' contains an invisible, control or bidi character: "
            "ids must be plain text"
        )
    return None


def text_problem(value: str, what: str, limit: int | None = None) -> tuple[str, str] | None:
    """``(code, message)`` if ``value`` holds a control character or is too long."""
    if limit is not None and len(value) > limit:
        return "too-long", f"{what} is {len(value)} characters long (at most {limit})"
    m = CONTROL.search(value)
    if m:
        return "bad-character", (
            f"{what} contains the control character \\x{ord(m.group()):02x}: remove it"
        )
    return None


def label_problem(label: str) -> tuple[str, str] | None:
    """``(code, message)`` if a period label is not a safe name (it becomes a folder).

    >>> label_problem("2026-Q1") is None
    True
    >>> label_problem("../../x")[0]
    'bad-period'
    """
    if len(label) > MAX_LABEL:
        return "too-long", f"period label is {len(label)} characters long (at most {MAX_LABEL})"
    if not _LABEL.match(label) or ".." in label:
        return "bad-period", (
            f"period label '{visible(label, breaks=True)}' is not a safe name: use letters, digits, "
            "'_', '-' and '.' (no '..', no spaces or slashes), e.g. 2026-Q1 or FY2026"
        )
    return None


def hidden_characters(text: str) -> list[str]:
    r"""The zero-width / bidi characters in ``text`` as ``U+XXXX`` (for lint).

    >>> hidden_characters("Grow\u200b revenue")
    ['U+200B']
    """
    return sorted({f"U+{ord(c):04X}" for c in HIDDEN.findall(text)})


def parse_number(value: Any, unit: str | None, what: str) -> float | None:
    """Turn a YAML/CSV/XLSX cell into a float, honouring the ``"85%"`` rule.

    Missing (``None``, blank, NaN) gives ``None``. Finiteness is checked by the plan's
    rules; here only the kind of value is.

    >>> parse_number("85%", "%", "target")
    85.0
    >>> parse_number(12, None, "baseline")
    12.0
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueProblem("wrong-type", f"{what} must be a number, not {value!r}")
    if isinstance(value, int | float):
        try:
            x = float(value)
        except OverflowError:
            return math.inf if value > 0 else -math.inf
        return None if x != x else x
    if not isinstance(value, str):
        raise ValueProblem("wrong-type", f"{what} must be a number, not {type(value).__name__}")
    text = value.strip()
    if text == "":
        return None
    m = _PERCENT.match(text)
    if m:
        if unit is not None and unit.strip() == "%":
            return float(m.group(1))
        raise ValueProblem(
            "wrong-unit",
            f"{what} '{text}' is a percentage but the unit is {unit!r}: write the number "
            "in the key result's unit, or set unit: '%'",
        )
    if text.lower() in ("yes", "no", "true", "false", "on", "off", "y", "n"):
        raise ValueProblem("wrong-type", f"{what} must be a number, not '{text}'")
    try:
        x = float(text.replace("_", ""))
    except ValueError:
        raise ValueProblem("not-a-number", f"{what} '{text}' is not a number") from None
    return None if x != x else x


def parse_count(value: Any, what: str) -> int | None:
    """A whole number (``cadence_days``); ``yes`` and ``2.5`` are refused.

    >>> parse_count("14", "cadence_days")
    14
    """
    x = parse_number(value, None, what)
    if x is None:
        return None
    if not math.isfinite(x) or not x.is_integer():
        raise ValueProblem("wrong-type", f"{what} must be a whole number, not {value!r}")
    return int(x)


def parse_date(value: Any, what: str) -> dt.date | None:
    """A ``YYYY-MM-DD`` date (text or a date cell); ``None`` when blank.

    >>> parse_date("2026-03-01", "due")
    datetime.date(2026, 3, 1)
    >>> parse_date(20260301, "due")
    Traceback (most recent call last):
    ...
    okrkit.values.ValueProblem: due 20260301 is a number, not a date: write it as YYYY-MM-DD (2026-03-01?)
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.time() != dt.time(0):
            raise ValueProblem(
                "not-a-date", f"{what} {value.isoformat(sep=' ')} has a time of day: give a date"
            )
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise ValueProblem("wrong-type", f"{what} must be a date, not {value!r}")
    if isinstance(value, int | float):
        raise ValueProblem("not-a-date", _number_not_date(value, what))
    if not isinstance(value, str):
        raise ValueProblem("wrong-type", f"{what} must be a date, not {type(value).__name__}")
    text = value.strip()
    if not text:
        return None
    m = _ISO_DAY.match(text)
    if m:
        try:
            return dt.date.fromisoformat(m.group(1))
        except ValueError:
            pass
    elif re.fullmatch(r"\d+(\.0*)?", text):
        raise ValueProblem("not-a-date", _number_not_date(float(text), what))
    raise ValueProblem("not-a-date", f"{what} '{text}' is not a date (YYYY-MM-DD)")


def parse_time(value: Any, what: str) -> dt.datetime | None:
    """A moment: a datetime, a date (midnight) or ISO text; UTC without a zone (a moment
    with a zone is converted to UTC). ``None`` when blank.

    >>> parse_time("2026-01-05T10:30:00+01:00", "at")
    datetime.datetime(2026, 1, 5, 9, 30)
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueProblem("not-a-date", f"{what} '{value.strip()}' is not a date and time "
                               "(YYYY-MM-DDTHH:MM:SS)") from None
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    raise ValueProblem("wrong-type", f"{what} must be a date and time, not "
                       f"{type(value).__name__}")


def _number_not_date(value: float, what: str) -> str:
    shown = f"{value:g}" if not float(value).is_integer() else str(int(value))
    msg = f"{what} {shown} is a number, not a date: write it as YYYY-MM-DD"
    guess = None
    if float(value).is_integer() and len(shown) == 8:
        try:
            guess = dt.date(int(shown[:4]), int(shown[4:6]), int(shown[6:]))
        except ValueError:
            guess = None
    elif 1 <= value < 2958466:
        guess = _EXCEL_EPOCH + dt.timedelta(days=int(value))
        return f"{msg} (as an Excel serial date it is {guess.isoformat()}: format the cell as a date)"
    return f"{msg} ({guess.isoformat()}?)" if guess else msg

"""Marking a validated check-in frame, so that it is not validated twice.

:func:`okrkit.checkins.validate_checkins` returns a sealed frame; :meth:`Store.add_checkins
<okrkit.store.Store.add_checkins>` asks :func:`sealed` and, for a frame nobody changed
since, checks only what needs the store. The mark lives in ``frame.attrs``; it names only
the frame it was made for (a slice, a copy or an edited frame is checked again) and it
does not survive pickling.
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np
import pandas as pd

from okrkit.checkin_schema import Checked, _distinct


class _Seal:
    """Marks a frame that :func:`seal` returned, unchanged since (see :func:`sealed`)."""

    def __init__(self, frame: pd.DataFrame, chk: Checked, source: str | None,
                 lines: Any) -> None:
        self.ref = weakref.ref(frame)
        self.view = frame.copy(deep=False)  # copy-on-write: an edit of `frame` copies
        self.view.attrs = {}
        self.marks = _marks(frame)
        self.percent = chk.percent
        self.source = source
        self.lines = lines

    def __deepcopy__(self, memo: dict[int, Any]) -> _Seal:
        return self  # derived frames carry it, but it names only the frame it sealed

    def __reduce__(self) -> tuple[Any, ...]:
        return (_broken, ())


def _broken() -> None:
    return None


def _marks(frame: pd.DataFrame) -> tuple[Any, ...]:
    return tuple(frame.columns) + tuple(
        frame[c].to_numpy().__array_interface__["data"][0] for c in frame.columns)


_KEY = "okrkit.checkins.validated"


def seal(chk: Checked, *, source: str | None = None, lines: Any = None) -> pd.DataFrame:
    """The contract frame of a valid :class:`Checked`, marked as validated.

    Under copy-on-write (pandas >= 3) any edit of the frame copies its data, so
    :func:`sealed` can tell an untouched frame from an edited one cheaply. The mark keeps
    the file and its line numbers (``lines``: a sequence or a function giving one) so
    the store can name the line of a problem only it can see.
    """
    frame = chk.frame
    if int(pd.__version__.split(".")[0]) >= 3:
        frame.attrs[_KEY] = _Seal(frame, chk, source, lines)
    return frame


def sealed(frame: pd.DataFrame) -> tuple[Checked, str | None, Any] | None:
    """``(checked, source, lines)`` of a frame :func:`seal` returned, unchanged; else None."""
    s = frame.attrs.get(_KEY)
    if not isinstance(s, _Seal) or s.ref() is not frame or _marks(frame) != s.marks:
        return None
    chk = Checked(frame, np.zeros(0, "int64"), np.zeros(0, object),
                  np.zeros(0, "datetime64[D]"), s.percent)
    kr = _distinct(frame["kr_id"], len(frame))
    chk.kr_codes, chk.kr_ids = kr.codes, np.array(kr.values, dtype=object)
    day = _distinct(frame["date"], len(frame))
    chk.day = day.take([np.datetime64(d, "D") for d in day.values], "datetime64[D]",
                       np.datetime64("NaT"))
    return chk, s.source, s.lines

"""A periodic refresh for an open app: a daemon thread calling ``tick`` every few seconds.

ipywidgets may be updated from another thread of the kernel (the widget messages go
through the kernel's thread-safe IOPub channel), so a tick can set a widget's value and
every view of it follows. The thread stops when :meth:`Ticker.stop` is called (the app
closes) or when ``tick`` returns ``False`` (its widgets are gone).
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class Ticker:
    """Call ``tick`` every ``seconds`` on a daemon thread until stopped.

    Parameters
    ----------
    seconds
        The pause between two ticks (> 0).
    tick
        Called with no argument; returning ``False`` stops the ticker. An exception is
        kept in ``error`` (the last one) and the ticker goes on.
    name
        The thread's name (to find it in a debugger).
    """

    def __init__(self, seconds: float, tick: Callable[[], object],
                 name: str = "okrkit-ticker") -> None:
        if not seconds > 0:
            raise ValueError(f"a ticker needs a positive period, not {seconds!r}")
        self.seconds = float(seconds)
        self.ticks = 0
        self.error: BaseException | None = None
        self._tick = tick
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.seconds):
            try:
                if self._tick() is False:
                    break
            except Exception as err:  # a failed refresh must not end the refreshing
                self.error = err
            self.ticks += 1
        self._stop.set()

    @property
    def running(self) -> bool:
        """Whether the thread still ticks."""
        return self.thread.is_alive() and not self._stop.is_set()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop ticking and wait (up to ``timeout`` seconds) for a tick under way."""
        self._stop.set()
        if self.thread is not threading.current_thread():
            self.thread.join(timeout)


__all__ = ["Ticker"]

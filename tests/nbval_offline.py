"""No network in the notebook kernels the tests start: Python-level connections refused.

The kernels nbval (and the refresh) start run this through an IPython startup file
(:func:`nbval_pins.kernel_env`). Loopback stays open (the kernel talks to its client there);
any other address, and resolving any other name, raises :class:`OSError` naming it, so a
notebook that would fetch a CDN or an API fails the suite instead of passing on a machine
that happens to be online.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

MESSAGE = "network access refused in the notebook tests"
_saved: dict[str, Any] = {}


def is_local(host: Any) -> bool:
    """Whether ``host`` (a name or an address) is this machine's loopback.

    >>> is_local("localhost"), is_local("127.0.0.1"), is_local("::1"), is_local("cdn.jsdelivr.net")
    (True, True, True, False)
    """
    if host is None:
        return True
    name = host.decode() if isinstance(host, bytes) else str(host)
    if name in ("", "localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(name.split("%")[0]).is_loopback
    except ValueError:
        return False


def _refuse(address: Any) -> OSError:
    return OSError(f"{MESSAGE}: {address!r}")


def install() -> None:
    """Refuse every non-loopback connection and name lookup in this process."""
    if _saved:
        return
    _saved.update(connect=socket.socket.connect, connect_ex=socket.socket.connect_ex,
                  getaddrinfo=socket.getaddrinfo)
    inet = (socket.AF_INET, socket.AF_INET6)

    def connect(self: socket.socket, address: Any) -> Any:
        if self.family in inet and not is_local(address[0]):
            raise _refuse(address)
        return _saved["connect"](self, address)

    def connect_ex(self: socket.socket, address: Any) -> Any:
        if self.family in inet and not is_local(address[0]):
            raise _refuse(address)
        return _saved["connect_ex"](self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not is_local(host):
            raise socket.gaierror(socket.EAI_NONAME, f"{MESSAGE}: {host!r}")
        return _saved["getaddrinfo"](host, *args, **kwargs)

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = getaddrinfo


def uninstall() -> None:
    """Undo :func:`install` (the tests of this module use it)."""
    if not _saved:
        return
    socket.socket.connect = _saved["connect"]  # type: ignore[method-assign]
    socket.socket.connect_ex = _saved["connect_ex"]  # type: ignore[method-assign]
    socket.getaddrinfo = _saved["getaddrinfo"]
    _saved.clear()

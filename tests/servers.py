"""Real local servers for tests of anything that sends: an HTTP webhook and an SMTP server.

Registered as a plugin in ``conftest.py``: ``webhook`` yields ``(base_url, Hook)`` where
``Hook.received`` lists the POSTs (path, content type, JSON) and ``Hook.status`` sets the
reply; ``smtp_server`` yields ``(SmtpSettings, inbox)`` where ``inbox.mails`` lists the
messages (aiosmtpd on 127.0.0.1). Both are stopped after the test.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from okrkit.notify import SmtpSettings


class _Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, Any]]] = []
    status = 200

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append({"path": self.path, "type": self.headers["Content-Type"],
                                    "json": json.loads(body)})
        self.send_response(type(self).status)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def webhook():
    class Hook(_Hook):
        received: ClassVar[list[dict[str, Any]]] = []
        status = 200

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", Hook
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message as Handler

    class Inbox(Handler):
        def __init__(self) -> None:
            super().__init__()
            self.mails: list[Any] = []

        def handle_message(self, message: Any) -> None:
            self.mails.append(message)

    from okrkit.launch import free_port

    inbox = Inbox()
    port = free_port()
    ctl = Controller(inbox, hostname="127.0.0.1", port=port)
    ctl.start()
    try:
        yield SmtpSettings(host="127.0.0.1", port=port, sender="okrkit@example.org"), inbox
    finally:
        ctl.stop()



"""Delivering a message where the team already talks: chat webhooks and mail.

A destination is a URL:

* ``https://…`` or ``http://…`` — an incoming webhook. okrkit POSTs JSON that Slack and
  Microsoft Teams both accept, ``{"text": …}``, or (``card=True``) a Teams message card.
* ``mailto:a@example.com[,b@example.com]`` — mail through the SMTP server configured by
  ``OKRKIT_SMTP_HOST``, ``OKRKIT_SMTP_PORT`` (default 25, or 587 with STARTTLS),
  ``OKRKIT_SMTP_USER``, ``OKRKIT_SMTP_PASSWORD``, ``OKRKIT_SMTP_STARTTLS`` (``true`` /
  ``false``) and ``OKRKIT_SMTP_FROM`` (default ``okrkit@<host name>``), sent as multipart
  text + HTML.

Everything people typed is escaped for the destination: in chat text ``&``, ``<`` and ``>``
are escaped (so ``<!channel>`` is text) and ``@here`` / ``@channel`` / ``@everyone`` /
``@all`` cannot ping anyone; in the HTML part of a mail every piece of text is
HTML-escaped by the caller (:mod:`okrkit.htmlkit`-style) — this module only sends.

:func:`send` tries every destination and never stops at the first failure: each one gets
a :class:`Delivery` saying whether it worked and, if not, why, with secrets masked (the
token path of a webhook URL, the SMTP password).
"""

from __future__ import annotations

import json
import os
import re
import smtplib
import socket
import ssl
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from okrkit.errors import OKRKitError

_MENTION = re.compile(r"@(?=(here|channel|everyone|all)\b)", re.I)
_EMAIL = re.compile(r"^[^@\s,<>]+@[^@\s,<>]+\.[^@\s,<>]+$")


class DestinationError(OKRKitError):
    """A destination that is not a webhook URL or a ``mailto:`` address."""


@dataclass(frozen=True)
class Destination:
    """Where a message goes: a webhook URL or mail recipients."""

    kind: str  # "webhook" or "mail"
    target: str  # the URL, or the comma-joined addresses
    recipients: tuple[str, ...] = ()

    @property
    def shown(self) -> str:
        """The destination for messages: a webhook's token path is masked."""
        if self.kind == "mail":
            return f"mailto:{','.join(self.recipients)}"
        return mask_url(self.target)


@dataclass(frozen=True)
class Message:
    """One message: a subject, plain text (Markdown) and an HTML version."""

    subject: str
    text: str
    html: str | None = None


@dataclass(frozen=True)
class Delivery:
    """What happened when sending to one destination."""

    destination: Destination
    ok: bool
    error: str | None = None
    payload: Any = None  # what was (or, in a dry run, would be) sent


@dataclass(frozen=True)
class SmtpSettings:
    """The SMTP server of mail destinations (see the module docstring)."""

    host: str | None = None
    port: int = 25
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    starttls: bool = False
    sender: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SmtpSettings:
        e = os.environ if env is None else env
        starttls = e.get("OKRKIT_SMTP_STARTTLS", "").strip().lower() in ("1", "true", "yes")
        raw_port = e.get("OKRKIT_SMTP_PORT", "").strip()
        try:
            port = int(raw_port) if raw_port else (587 if starttls else 25)
        except ValueError:
            raise DestinationError(f"OKRKIT_SMTP_PORT '{raw_port}' is not a port number") from None
        return cls(
            host=e.get("OKRKIT_SMTP_HOST", "").strip() or None,
            port=port,
            user=e.get("OKRKIT_SMTP_USER", "").strip() or None,
            password=e.get("OKRKIT_SMTP_PASSWORD") or None,
            starttls=starttls,
            sender=e.get("OKRKIT_SMTP_FROM", "").strip() or None,
        )


def mask_url(url: str) -> str:
    """A webhook URL with its path hidden (webhook paths carry the secret token).

    >>> mask_url("https://hooks.slack.com/services/T000/B000/XXXX")
    'https://hooks.slack.com/…'
    """
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}/…"


def parse_destination(text: str) -> Destination:
    """A destination from ``https://…``, ``http://…`` or ``mailto:a@b[,c@d]``."""
    raw = str(text).strip()
    low = raw.lower()
    if low.startswith("mailto:"):
        addrs = tuple(a.strip() for a in urllib.parse.unquote(raw[7:]).split(",") if a.strip())
        bad = [a for a in addrs if not _EMAIL.match(a)]
        if not addrs or bad:
            raise DestinationError(f"'{raw}' is not a mail destination (mailto:name@example.com)")
        return Destination("mail", ",".join(addrs), addrs)
    if low.startswith(("https://", "http://")):
        parts = urllib.parse.urlsplit(raw)
        if not parts.hostname:
            raise DestinationError(f"'{mask_url(raw)}' has no host name")
        return Destination("webhook", raw)
    raise DestinationError(
        f"'{raw[:60]}' is not a destination: give an https:// webhook URL or mailto:address")


def chat_text(text: str) -> str:
    r"""Text safe for a chat webhook: no markup, no mass mentions.

    >>> chat_text("ping <!channel> & @here now")
    'ping &lt;!channel&gt; &amp; @\u200bhere now'
    """
    out = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MENTION.sub("@\u200b", out)


def webhook_payload(message: Message, *, card: bool = False) -> dict[str, Any]:
    """The JSON body for a webhook: ``{"text": …}`` or a Teams message card."""
    text = chat_text(message.text)
    if not card:
        return {"text": text}
    return {
        "@type": "MessageCard",
        "@context": "https://schema.org/extensions",
        "summary": chat_text(message.subject),
        "title": chat_text(message.subject),
        "text": text,
    }


def mail_message(message: Message, recipients: Iterable[str], sender: str) -> EmailMessage:
    """A multipart (text + HTML) mail."""
    mail = EmailMessage()
    mail["Subject"] = message.subject.replace("\n", " ").replace("\r", " ")
    mail["From"] = sender
    mail["To"] = ", ".join(recipients)
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    mail.set_content(message.text)
    if message.html is not None:
        mail.add_alternative(message.html, subtype="html")
    return mail


def _post(url: str, payload: Mapping[str, Any], timeout: float) -> None:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    req = urllib.request.Request(url, data=body, method="POST",
                                 headers={"Content-Type": "application/json; charset=utf-8",
                                          "User-Agent": "okrkit"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        resp.read(1024)


def _mail(mail: EmailMessage, smtp: SmtpSettings, timeout: float) -> None:
    if not smtp.host:
        raise DestinationError("no SMTP server: set OKRKIT_SMTP_HOST (and _PORT, _USER, "
                               "_PASSWORD, _STARTTLS)")
    with smtplib.SMTP(smtp.host, smtp.port, timeout=timeout) as server:
        if smtp.starttls:
            server.starttls(context=ssl.create_default_context())
        if smtp.user:
            server.login(smtp.user, smtp.password or "")
        server.send_message(mail)


def _why(err: BaseException, smtp: SmtpSettings) -> str:
    if isinstance(err, urllib.error.HTTPError):
        text = f"HTTP {err.code} {err.reason}"
    elif isinstance(err, urllib.error.URLError):
        text = f"cannot reach it ({err.reason})"
    elif isinstance(err, socket.timeout | TimeoutError):
        text = "timed out"
    elif isinstance(err, smtplib.SMTPAuthenticationError):
        text = "the SMTP server refused the user name or password"
    elif isinstance(err, smtplib.SMTPException | ConnectionError | OSError):
        text = f"{type(err).__name__}: {err}"
    else:
        text = str(err)
    if smtp.password:
        text = text.replace(smtp.password, "***")
    return text


def send(message: Message, destinations: Iterable[Destination], *, card: bool = False,
         smtp: SmtpSettings | None = None, timeout: float = 10.0,
         dry_run: bool = False) -> list[Delivery]:
    """Send ``message`` to every destination; one failure never stops the others."""
    settings = smtp or SmtpSettings.from_env()
    sender = settings.sender or f"okrkit@{socket.getfqdn() or 'localhost'}"
    out: list[Delivery] = []
    for dest in destinations:
        payload: Any
        if dest.kind == "webhook":
            payload = webhook_payload(message, card=card)
        else:
            payload = mail_message(message, dest.recipients, sender)
        if dry_run:
            out.append(Delivery(dest, True, None, payload))
            continue
        try:
            if dest.kind == "webhook":
                _post(dest.target, payload, timeout)
            else:
                _mail(payload, settings, timeout)
        except (OSError, smtplib.SMTPException, urllib.error.URLError, ValueError,
                DestinationError) as err:
            out.append(Delivery(dest, False, _why(err, settings), payload))
            continue
        out.append(Delivery(dest, True, None, payload))
    return out

"""Delivery to chat webhooks and mail: real local HTTP and SMTP servers on 127.0.0.1."""

from __future__ import annotations

import pytest

from okrkit.notify import (
    DestinationError,
    Message,
    SmtpSettings,
    parse_destination,
    send,
)

MSG = Message(subject="Weekly update — chatbot",
              text="BOT-1.1 note: <!channel> @here shipped <b>v7</b> & more",
              html="<p>BOT-1.1 note: &lt;!channel&gt; @here shipped &lt;b&gt;v7&lt;/b&gt;</p>")


def test_webhook_receives_escaped_json(webhook) -> None:
    url, hook = webhook
    [d] = send(MSG, [parse_destination(url + "/services/T0/B0/secret")])
    assert d.ok and d.error is None
    [got] = hook.received
    assert got["path"] == "/services/T0/B0/secret"
    assert got["type"].startswith("application/json")
    text = got["json"]["text"]
    assert "<!channel>" not in text and "@here" not in text and "<b>" not in text
    assert "&lt;!channel&gt;" in text and "&amp; more" in text


def test_teams_card(webhook) -> None:
    url, hook = webhook
    send(MSG, [parse_destination(url)], card=True)
    card = hook.received[0]["json"]
    assert card["@type"] == "MessageCard" and card["title"] == "Weekly update — chatbot"


def test_mail_is_multipart_text_and_html(smtp_server) -> None:
    settings, inbox = smtp_server
    [d] = send(MSG, [parse_destination("mailto:team@example.org,lead@example.org")],
               smtp=settings)
    assert d.ok, d.error
    [mail] = inbox.mails
    assert mail["To"] == "team@example.org, lead@example.org"
    from email.header import decode_header, make_header

    assert str(make_header(decode_header(mail["Subject"]))) == "Weekly update — chatbot"
    parts = {p.get_content_type(): p.get_payload(decode=True).decode() for p in mail.walk()
             if not p.is_multipart()}
    assert set(parts) == {"text/plain", "text/html"}
    assert "<b>v7</b>" not in parts["text/html"] and "&lt;b&gt;v7" in parts["text/html"]


def test_a_failing_destination_does_not_stop_the_others(webhook, smtp_server) -> None:
    url, hook = webhook
    settings, inbox = smtp_server
    hook.status = 500
    dead = "http://127.0.0.1:9/hook/secret-token"  # discard port: nothing listens
    got = send(MSG, [parse_destination(dead), parse_destination(url + "/x"),
                     parse_destination("mailto:a@example.org")], smtp=settings, timeout=3)
    assert [d.ok for d in got] == [False, False, True]
    assert "cannot reach" in got[0].error and "secret-token" not in got[0].destination.shown
    assert got[1].error == "HTTP 500 Internal Server Error"
    assert len(inbox.mails) == 1


def test_missing_smtp_and_password_masked() -> None:
    [d] = send(MSG, [parse_destination("mailto:a@example.org")], smtp=SmtpSettings())
    assert not d.ok and "OKRKIT_SMTP_HOST" in d.error
    s = SmtpSettings.from_env({"OKRKIT_SMTP_HOST": "127.0.0.1", "OKRKIT_SMTP_PORT": "9",
                               "OKRKIT_SMTP_PASSWORD": "hunter2"})
    assert "hunter2" not in repr(s)
    [d] = send(MSG, [parse_destination("mailto:a@example.org")], smtp=s, timeout=2)
    assert not d.ok and "hunter2" not in d.error


def test_dry_run_sends_nothing(webhook) -> None:
    url, hook = webhook
    [d] = send(MSG, [parse_destination(url)], dry_run=True)
    assert d.ok and d.payload["text"].startswith("BOT-1.1") and hook.received == []


@pytest.mark.parametrize("bad", ["ftp://x", "mailto:", "mailto:not-an-address", "slack", "https://"])
def test_bad_destinations(bad) -> None:
    with pytest.raises(DestinationError):
        parse_destination(bad)

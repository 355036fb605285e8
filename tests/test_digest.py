"""okrkit digest / remind: content, escaping and failure isolation, against real servers."""

from __future__ import annotations

import json

import pandas as pd
from typer.testing import CliRunner

from okrkit import digest as dg
from okrkit.cli import app
from okrkit.scoring import score

AS_OF = "2026-02-13"


def run(*args: str, env: dict[str, str] | None = None):
    r = CliRunner().invoke(app, list(args), env=env)
    return r.exit_code, r.stdout, r.stderr


def test_digest_content_is_the_scorecards(sample_store) -> None:
    plan = sample_store.load_plan("2026-Q1")
    ck = sample_store.checkins(period="2026-Q1")
    import datetime as dt

    d = dg.team_digest(plan, ck, "genai-assistant", dt.date(2026, 2, 13))
    card = score(plan, ck, "2026-02-13")
    krs = card.key_results[card.key_results["team"] == "genai-assistant"]
    # the team went quiet on 2026-01-23: every KR is owed, with its owner's name
    assert {o.kr_id for o in d.owed} == set(krs["kr_id"]) and all(o.owner for o in d.owed)
    assert {r["kr_id"] for r in d.at_risk} == set(krs.loc[krs["status"] == "At Risk", "kr_id"])
    assert all(r["reason"] == w for r, w in zip(
        d.at_risk, krs.set_index("kr_id").loc[[r["kr_id"] for r in d.at_risk], "why"],
        strict=True))
    assert d.since == dt.date(2026, 2, 6)
    # no check-in in the week: no score moved, only statuses (silence turns them At Risk)
    assert d.changes and all(c["change"] == 0 and c["status_now"] == "At Risk"
                             for c in d.changes)
    data = dg.as_json(d)
    assert json.loads(json.dumps(data))["owed"][0]["days_silent"] >= 14


def test_digest_prints_without_destinations(sample_url) -> None:
    code, out, err = run("digest", "--period", "2026-Q1", "--team", "chatbot", "--as-of",
                         AS_OF, "--db", sample_url, "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["team"] == "chatbot" and data["since"] == "2026-02-06"
    code, out, err = run("digest", "--period", "2026-Q1", "--team", "nosuch", "--db", sample_url)
    assert code == 2 and "no team 'nosuch'" in err


def _note_everyone(sample_store, text: str) -> None:
    sample_store.add_checkins(pd.DataFrame({
        "kr_id": ["BOT-1.2"], "date": ["2026-02-12"], "value": [7100],
        "confidence": [0.8], "achievements": [text], "blockers": ["<b>none</b> @channel"],
    }))


def test_webhook_and_mail_escape_what_people_typed(sample_store, sample_url, webhook,
                                                   smtp_server) -> None:
    url, hook = webhook
    settings, inbox = smtp_server
    _note_everyone(sample_store, "shipped <!channel> @here <script>x</script>")
    env = {"OKRKIT_SMTP_HOST": settings.host, "OKRKIT_SMTP_PORT": str(settings.port),
           "OKRKIT_SMTP_FROM": "okrkit@example.org"}
    code, out, err = run("digest", "--period", "2026-Q1", "--team", "chatbot", "--as-of",
                         AS_OF, "--db", sample_url, "--to", f"{url}/hooks/T1/secret",
                         "--to", "mailto:bot-team@example.org", env=env)
    assert code == 0, err
    text = hook.received[0]["json"]["text"]
    assert "<!channel>" not in text and "@here" not in text and "<script>" not in text
    assert "shipped &lt;!channel&gt;" in text and "BOT-1.2" in text
    [mail] = inbox.mails
    html = next(p for p in mail.walk() if p.get_content_type() == "text/html")
    body = html.get_payload(decode=True).decode()
    assert "<script>" not in body and "&lt;script&gt;" in body
    assert "secret" not in out  # the webhook's token path is masked in what we print
    # the next digest starts where this one ended
    assert sample_store.last_digest("2026-Q1", "chatbot") is not None


def test_a_failing_destination_is_named_and_the_others_still_get_it(sample_url, webhook) -> None:
    url, hook = webhook
    code, _out, err = run("digest", "--period", "2026-Q1", "--team", "vision", "--as-of", AS_OF,
                         "--db", sample_url, "--to", "http://127.0.0.1:9/down", "--to", url)
    assert code == 1
    assert "127.0.0.1:9/… failed: cannot reach" in err and "Traceback" not in err
    assert len(hook.received) == 1


def test_dry_run_sends_and_records_nothing(sample_store, sample_url, webhook) -> None:
    url, hook = webhook
    code, out, err = run("digest", "--period", "2026-Q1", "--team", "vision", "--as-of", AS_OF,
                         "--db", sample_url, "--to", url, "--dry-run")
    assert code == 0, err
    assert "would send the vision digest to http://127.0.0.1" in out
    assert hook.received == [] and sample_store.last_digest("2026-Q1", "vision") is None


def test_since_the_last_digest(sample_store, sample_url, webhook) -> None:
    url, hook = webhook
    for day in ("2026-02-06", "2026-02-13"):
        code, _, err = run("digest", "--period", "2026-Q1", "--team", "platform", "--as-of", day,
                           "--db", sample_url, "--to", url, "--format", "json")
        assert code == 0, err
    assert "since 2026-02-06" in hook.received[1]["json"]["text"]


def test_remind_the_owners_who_owe(sample_url, webhook) -> None:
    url, hook = webhook
    code, _out, err = run("remind", "--period", "2026-Q1", "--as-of", AS_OF, "--db", sample_url,
                         "--to", url)
    assert code == 0, err
    texts = [r["json"]["text"] for r in hook.received]
    assert texts and all("please check in" in t for t in texts)
    # the gen-AI assistant team went quiet: its owners are reminded of their own KRs
    genai = [t for t in texts if "GEN-1.1" in t]
    assert genai and "Product Manager" in genai[0]

"""Real Slack payloads (from Slack's own bolt-python test suite and Slack's docs, see
``tests/external/SOURCES.md``) replayed, signed the way Slack signs them, through the real
``POST /slack/events``: each gets a proper answer (200 for what the bot handles and for what it
ignores, the challenge for a URL verification, never a 404 that makes Slack retry and never a
500), and a redelivery records nothing twice."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.slack_support import SlackRig

SAMPLES = Path(__file__).parent / "external" / "slack"
FILES = sorted(SAMPLES.glob("*/*.json"))
CONTENT_TYPES = {"json": "application/json", "form": "application/x-www-form-urlencoded",
                 "form-payload": "application/x-www-form-urlencoded"}


def wire(sample: dict[str, Any]) -> tuple[str, str]:
    """The body exactly as Slack posts it, and its content type."""
    kind, payload = sample["wire"], sample["payload"]
    if kind == "json":
        body = json.dumps(payload)
    elif kind == "form":
        body = payload
    else:
        body = urlencode({"payload": json.dumps(payload)})
    return body, CONTENT_TYPES[kind]


def test_every_sample_is_here() -> None:
    index = json.loads((SAMPLES / "index.json").read_text())
    assert {SAMPLES / entry["file"].removeprefix("slack/") for entry in index} == set(FILES)
    assert len(FILES) == 49


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
async def test_a_real_payload_gets_a_proper_answer_and_is_recorded_once(rig: SlackRig, path: Path) -> None:
    sample = json.loads(path.read_text())
    body, content_type = wire(sample)
    status, text = await rig.post(body, content_type)
    assert status == 200, (status, text)
    if isinstance(sample["payload"], dict) and sample["payload"].get("type") == "url_verification":
        assert json.loads(text) == {"challenge": sample["payload"]["challenge"]}  # Slack takes JSON or plain
    await rig.settle()
    recorded = rig.inbox_count()
    assert recorded <= 1
    # Slack redelivers what it thinks was not answered (events with a retry header): nothing twice.
    status, _ = await rig.post(body, content_type, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason":
                                                             "http_timeout"})
    assert status == 200
    await rig.settle()
    assert rig.inbox_count() == recorded
    assert all(row.status != "failed" for row in rig.outbox())


async def test_ssl_check_is_answered(rig: SlackRig) -> None:
    status, _ = await rig.post("token=random&ssl_check=1", "application/x-www-form-urlencoded")
    assert status == 200 and rig.inbox_count() == 0


async def test_what_the_bot_handles_is_recorded(rig: SlackRig) -> None:
    """The samples the bot acts on become events: a DM to the bot, a thread reply, a command."""
    for name in ("slack-docs/message_im_event.json", "bolt-python/test_slash_command__slash_command_body_L125.json",
                 "bolt-python/test_message_thread_broadcast__event_payload_L74.json"):
        body, content_type = wire(json.loads((SAMPLES / name).read_text()))
        assert (await rig.post(body, content_type))[0] == 200
    await rig.settle()
    assert rig.inbox_count() == 3

"""The Slack adapter's translation, Block Kit rendering and the sender's error mapping (against the fake)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.directory import SlackDirectory
from adapters.slack.render import render_blocks
from adapters.slack.sender import SlackSender
from adapters.slack.translate import UserInfo, action_id_of, normalise_text
from bot.messages import Actions, Button, Context, Fields, Message, Section
from bot.ports import RetryLater, Undeliverable
from storage.models import OutboxMessage, SentMessage
from tests.fakes.slack_api import FakeSlack
from tests.slack_support import BEN_ID


def test_mentions_and_channels_become_tokens() -> None:
    users = {BEN_ID: UserInfo(BEN_ID, "Ben Brooks", "ben.brooks@example.com", "Europe/Berlin")}
    text, mentions, channels = normalise_text(
        f"<@{BEN_ID}|ben> <@U0OTHER01> <#C0EMPATHY|empathy> see <https://x.example/a|the doc> &amp; <!here>", users)
    assert text == f"<@{BEN_ID}> <@U0OTHER01> #empathy see the doc (https://x.example/a) & @here"
    assert mentions[0].email == "ben.brooks@example.com" and mentions[0].name == "Ben Brooks"
    assert mentions[1].user_id == "U0OTHER01" and mentions[1].email == ""
    assert channels[0].token == "#empathy" and channels[0].channel_id == "C0EMPATHY"
    _, _, nameless = normalise_text("<#C0ABC|>", {})
    assert nameless[0].token == "<#C0ABC>"


def test_block_kit_rendering_respects_slack_rules() -> None:
    message = Message(text="t", blocks=(
        Section(text="x" * 3500),
        Fields(pairs=tuple((f"k{i}", str(i)) for i in range(12))),
        Actions(buttons=(Button("Done", "request:done", "12", "primary"), Button("Done too", "request:done", "13"))),
        Context(text="ctx"),
    ))
    blocks = render_blocks(message)
    assert [b["type"] for b in blocks] == ["section", "section", "section", "section", "actions", "context"]
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks[:2])
    assert len(blocks[2]["fields"]) == 10 and len(blocks[3]["fields"]) == 2
    ids = [e["action_id"] for e in blocks[4]["elements"]]
    assert ids == ["request:done", "request:done~1"] and {action_id_of(i) for i in ids} == {"request:done"}
    assert blocks[4]["elements"][0]["style"] == "primary" and "style" not in blocks[4]["elements"][1]


def _row(kind: str, destination: str, user: str = "") -> OutboxMessage:
    now = datetime(2026, 11, 17, tzinfo=UTC)
    return OutboxMessage(org_id=1, platform="slack", tenant="T0EXTRA", kind=kind, destination=destination, user=user,
                         body="{}", next_attempt_at=now, created_at=now)


async def test_sender_maps_slack_answers(fake: FakeSlack) -> None:
    client = AsyncWebClient(token="xoxb-test", base_url=fake.api_url, retry_handlers=[])
    sender = SlackSender(client, SlackDirectory(client))
    message = Message(text="hello", blocks=(Section(text="hello"),))

    delivered = await sender.send(_row("channel", "#kudos"), message, None)
    assert delivered.conversation == "CKUDOS001" and delivered.message_id
    delivered = await sender.send(_row("dm", "email:ben.brooks@example.com"), message, None)
    assert fake.called("users.lookupByEmail")[0]["email"] == "ben.brooks@example.com"
    assert fake.called("chat.postMessage")[-1]["channel"] == BEN_ID
    with pytest.raises(Undeliverable):
        await sender.send(_row("dm", "email:nobody@example.com"), message, None)
    with pytest.raises(Undeliverable):
        await sender.send(_row("channel", "C0GONE0001"), message, None)

    fake.fail_next(1, status=429, retry_after=17)
    with pytest.raises(RetryLater) as limited:
        await sender.send(_row("channel", "#kudos"), message, None)
    assert limited.value.retry_after == 17
    fake.fail_next(1, status=502)
    with pytest.raises(RetryLater):
        await sender.send(_row("channel", "#kudos"), message, None)

    updated = await sender.send(_row("channel", "#kudos"), message,
                                SentMessage(platform="slack", ref_key="r", conversation="CKUDOS001", message_id="1.2"))
    assert fake.called("chat.update")[0]["ts"] == "1.2" and updated.message_id == "1.2"
    # An ephemeral into a conversation the bot cannot see arrives as a direct message instead.
    await sender.send(_row("ephemeral", "C0PRIVATE1", user=BEN_ID), message, None)
    assert fake.called("chat.postMessage")[-1]["channel"] == BEN_ID
    await sender.send(_row("home", BEN_ID, user=BEN_ID), message, None)
    assert fake.called("views.publish")[0]["view"]["type"] == "home"


async def test_network_errors_are_retried_later() -> None:
    client = AsyncWebClient(token="xoxb-test", base_url="http://127.0.0.1:9/api/", retry_handlers=[], timeout=2)
    sender = SlackSender(client, SlackDirectory(client))
    with pytest.raises(RetryLater):
        await sender.send(_row("channel", "C0KUDOS01"), Message(text="x"), None)

"""Where private answers land on Slack: in the bot's own DM a normal message (an ephemeral one
there vanishes on reload), elsewhere an ephemeral only the invoker sees; files (the culture
report) only ever in the HR person's own DM."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.directory import SlackDirectory
from adapters.slack.sender import SlackSender
from bot.messages import Attachment, Message, Section
from bot.ports import Undeliverable
from storage.models import OutboxMessage
from tests.fakes.slack_api import FakeSlack
from tests.slack_support import ANA_ID, BEN_ID, SlackRig

BOT_DM = "D0ANA0001"  # the fake's DM between the bot and Ana (conversations.open answers this)
HUMANS_DM = "D0ANABEN1"  # a DM between Ana and Ben: the bot is not in it


def answers(rig: SlackRig, method: str, channel: str) -> list[dict[str, Any]]:
    return [call for call in rig.fake.called(method) if call.get("channel") == channel]


async def test_commands_typed_in_the_bots_dm_are_answered_with_messages_that_stay(rig: SlackRig) -> None:
    base = {"type": "message", "channel": BOT_DM, "channel_type": "im", "user": ANA_ID}
    await rig.event({**base, "text": "kudos mine", "ts": "1763370201.000100"})
    await rig.event({**base, "text": "kudos help", "ts": "1763370203.000100", "thread_ts": "1763370202.000100"})
    # The slash command typed in the bot's DM (its Messages tab) too.
    await rig.command("/kudos", "mine", channel_id=BOT_DM)
    await rig.settle()
    await rig.until(lambda: len(answers(rig, "chat.postMessage", BOT_DM)) == 3)
    posted = answers(rig, "chat.postMessage", BOT_DM)
    assert sum("Your kudos" in call["text"] for call in posted) == 2
    assert [call.get("thread_ts") for call in posted if "Give kudos" in call["text"]] == ["1763370202.000100"]
    assert answers(rig, "chat.postEphemeral", BOT_DM) == []


async def test_a_command_in_a_dm_between_people_stays_private_to_its_author(rig: SlackRig) -> None:
    """The bot must not post Ana's private answer where Ben reads it."""
    await rig.command("/kudos", "mine", channel_id=HUMANS_DM)
    await rig.settle()
    await rig.until(lambda: bool(rig.fake.called("chat.postEphemeral")))
    [answer] = rig.fake.called("chat.postEphemeral")
    assert answer["channel"] == HUMANS_DM and answer["user"] == ANA_ID and "Your kudos" in answer["text"]
    assert answers(rig, "chat.postMessage", HUMANS_DM) == []


# ---- files go to a person's own DM only ---------------------------------------------------------

def row(kind: str, destination: str, user: str = "", thread: str = "") -> OutboxMessage:
    now = datetime(2026, 11, 17, tzinfo=UTC)
    return OutboxMessage(org_id=1, platform="slack", tenant="T0EXTRA", kind=kind, destination=destination,
                         user=user, thread=thread, body="{}", next_attempt_at=now, created_at=now)


REPORT = Message(text="Culture report 2026-10", blocks=(Section(text="Culture report 2026-10"),),
                 attachments=(Attachment(filename="culture-report-2026-10.html", title="Culture report 2026-10",
                                         url="https://extramile.example/r/abc", content="<html>report</html>"),))


@pytest.fixture
def sender(fake: FakeSlack) -> SlackSender:
    client = AsyncWebClient(token="xoxb-test", base_url=fake.api_url, retry_handlers=[])
    return SlackSender(client, SlackDirectory(client))


def shared_in(fake: FakeSlack) -> list[str]:
    return [str(call["channel_id"]) for call in fake.called("files.completeUploadExternal")]


async def test_the_report_file_is_uploaded_in_the_persons_dm(sender: SlackSender, fake: FakeSlack) -> None:
    # Asked for in a channel (an ephemeral answer) or sent to them: either way their own DM.
    await sender.send(row("ephemeral", "CGENERAL1", user=BEN_ID, thread="1763370000.000100"), REPORT, None)
    await sender.send(row("dm", BEN_ID), REPORT, None)
    await sender.send(row("dm", "email:ben.brooks@example.com"), REPORT, None)
    assert shared_in(fake) == ["D0BEN0002"] * 3
    assert all("thread_ts" not in call for call in fake.called("files.completeUploadExternal"))
    assert [call["users"] for call in fake.called("conversations.open")] == [BEN_ID]  # then remembered


@pytest.mark.parametrize("item", [
    row("channel", "CGENERAL1"),                       # a channel
    row("channel", "#kudos"),                          # a channel by name
    row("channel", "G0GROUPDM1"),                      # a group DM
    row("dm", f"{BEN_ID},{ANA_ID}"),                   # two people: conversations.open would make a group DM
    row("ephemeral", "CGENERAL1", user=f"{BEN_ID},{ANA_ID}"),
])
async def test_a_file_never_goes_to_a_channel_or_a_group_dm(sender: SlackSender, fake: FakeSlack,
                                                            item: OutboxMessage) -> None:
    with pytest.raises(Undeliverable):
        await sender.send(item, REPORT, None)
    assert shared_in(fake) == [] and fake.called("files.getUploadURLExternal") == []
    assert fake.called("chat.postMessage") == [] and fake.called("conversations.open") == []

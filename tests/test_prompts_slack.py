"""Prompts and stories through Slack: signed requests to the running app, the fake Web API behind
the real Slack client, the scheduler sweeping on the injected clock."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator

import pytest
from sqlmodel import select

from bot.clock import ManualClock
from storage.models import Kudos
from tests.fakes.slack_api import FakeSlack
from tests.prompts_support import dump_database, local, posts, replies, stories
from tests.slack_support import (
    BEN_ID,
    CHLOE_ID,
    NEW_ID,
    SlackRig,
    block_actions,
    start_rig,
)

GENERAL = "CGENERAL1"


@pytest.fixture
async def rig(database_url: str, fake: FakeSlack) -> AsyncIterator[SlackRig]:
    rig = await start_rig(database_url, fake, clock=ManualClock(local(2026, 11, 16, 8, 0)))  # a Monday
    yield rig
    await rig.close()


def channel_posts(rig: SlackRig, channel: str) -> list[dict]:
    return [p for p in rig.fake.called("chat.postMessage") if rig.fake._channel(str(p["channel"])) == channel]


async def sweep(rig: SlackRig) -> None:
    await rig.server.runtime.scheduler.sweep()
    await rig.settle()


async def test_leader_schedules_people_reply_non_leader_refused(rig: SlackRig) -> None:
    await rig.command("/prompts", f"add <#{GENERAL}|general> weekdays 09:00", user_id=BEN_ID)
    await rig.settle()
    await rig.until(lambda: bool(rig.fake.called("chat.postEphemeral")))
    assert "Only leaders and admins" in rig.fake.called("chat.postEphemeral")[-1]["text"]

    await rig.command("/prompts", f"add <#{GENERAL}|general> weekdays 09:00 Europe/Berlin #empathy")
    await rig.settle()
    await rig.until(lambda: any("Scheduled prompt #1 in #general" in c["text"]
                                for c in rig.fake.called("chat.postEphemeral")))
    await sweep(rig)
    assert channel_posts(rig, GENERAL) == []
    rig.clock.set(local(2026, 11, 16, 9, 1))
    await sweep(rig)
    await sweep(rig)
    await rig.until(lambda: bool(channel_posts(rig, GENERAL)))
    [post] = channel_posts(rig, GENERAL)
    assert "Empathy" in post["text"]
    ts = rig.fake.messages[GENERAL][-1]["ts"]

    # Chloe and Ben answer in the thread; Ben praises Chloe and gets the one-click kudos.
    await rig.event({"type": "message", "channel": GENERAL, "user": CHLOE_ID, "text": "Listen first.",
                     "ts": f"{time.time():.6f}", "thread_ts": ts, "channel_type": "channel"})
    await rig.event({"type": "message", "channel": GENERAL, "user": BEN_ID, "channel_type": "channel",
                     "text": f"Thanks <@{CHLOE_ID}> for calming down that escalation yesterday",
                     "ts": f"{time.time():.6f}", "thread_ts": ts})
    await rig.settle()
    await rig.until(lambda: len(replies(rig)) == 2)
    await rig.until(lambda: bool(offers(rig)))
    [offer] = offers(rig)
    assert offer["user"] == BEN_ID and offer.get("thread_ts") == ts
    value = next(e["value"] for b in offer["blocks"] if b["type"] == "actions" for e in b["elements"])
    await rig.interact(block_actions(BEN_ID, "prompts:kudos", value, message_ts=ts, channel=GENERAL))
    await rig.settle()
    await rig.until(lambda: len(rig.kudos()) == 1)
    with rig.db.session() as session:
        [kudos] = session.exec(select(Kudos)).all()
    assert kudos.source == "prompt-reply" and "calming down that escalation" in kudos.message


def offers(rig: SlackRig) -> list[dict]:
    return [c for c in rig.fake.called("chat.postEphemeral") if "Make it a kudos" in json.dumps(c.get("blocks"))]


async def test_anonymous_bad_story_from_someone_never_seen(rig: SlackRig) -> None:
    await rig.command("/story", f"bad anon <@{BEN_ID}|ben> skipped the handover, so the customer waited two days "
                                "#dependability", user_id=NEW_ID)
    await rig.settle()
    await rig.until(lambda: bool(channel_posts(rig, "CSTORIES1")))
    [post] = channel_posts(rig, "CSTORIES1")
    assert "A colleague skipped the handover, so the customer waited two days" in post["text"]
    assert "shared anonymously" in post["text"]
    for trace in ("Ben", BEN_ID, "Nora", NEW_ID):
        assert trace not in json.dumps(post), trace
    await rig.until(lambda: any("anonymously" in c["text"] for c in rig.fake.called("chat.postEphemeral")))
    [story] = stories(rig)
    assert story.anonymous and story.author_id is None
    everything = dump_database(rig)
    for trace in (NEW_ID, "Nora", "nora.newman"):
        assert trace not in everything, trace
    assert posts(rig) == []

"""Prompts in Microsoft Teams: a leader schedules in a personal chat, the post lands in the team's
channel through the fake Bot Connector, and replies in that channel thread count."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.prompts_support import local, message_id_of, posts, replies
from tests.support import base_config
from tests.teams_support import (
    BEN_T,
    KUDOS_CHANNEL,
    TEAMS_CHANNELS,
    TeamsApp,
    bot_added_to_team,
    card_text,
    message,
    start_teams,
)


@pytest.fixture
async def teams(database_url: str) -> AsyncIterator[TeamsApp]:
    server, connector, db, clock = await start_teams(database_url, base_config(TEAMS_CHANNELS),
                                                     {"TEAMS_ALLOW_UNAUTHENTICATED": "1"})
    clock.set(local(2026, 11, 17, 8, 0))  # Tuesday, before the prompt is due
    async with aiohttp.ClientSession() as http:
        yield TeamsApp(server, connector, db, clock, http)
    await server.stop()
    await connector.stop()
    db.dispose()


async def test_leader_schedules_in_teams_and_channel_replies_count(teams: TeamsApp) -> None:
    c = teams.connector
    await teams.post(bot_added_to_team(c.url))
    await teams.post(message(c.url, "prompts list", sender=BEN_T, conversation_id="a:ben-personal"))
    await teams.settle()
    await c.wait_for(lambda: any("Only leaders and admins" in card_text(call) for call in c.sent_to("a:ben-personal")))

    await teams.post(message(c.url, "prompts add #Culture/Kudos weekdays 09:00 Europe/Berlin #respect"))
    await teams.settle()
    await c.wait_for(lambda: any("Scheduled prompt #1 in #Culture/Kudos" in card_text(call) for call in c.sent_to("a:ana-personal")))
    await teams.server.runtime.scheduler.sweep()
    teams.clock.set(local(2026, 11, 17, 9, 1))
    await teams.server.runtime.scheduler.sweep()
    await teams.server.runtime.scheduler.sweep()
    await teams.settle()
    channel_id = KUDOS_CHANNEL["id"]
    await c.wait_for(lambda: any("Respect" in card_text(call) for call in c.sent_to(channel_id)))
    assert len([call for call in c.sent_to(channel_id) if "Respect" in card_text(call)]) == 1
    [post] = posts(teams)
    root = message_id_of(teams, post)

    reply = message(c.url, "Answering before lunch, even if it is a no.", sender=BEN_T, kind="channel",
                    conversation_id=f"{channel_id};messageid={root}", channel=KUDOS_CHANNEL, bot_mentioned=True)
    await teams.post(reply)
    await teams.post(reply)  # Teams re-sends: still one reply
    await teams.settle()
    assert [(r.post_id) for r in replies(teams)] == [post.id]

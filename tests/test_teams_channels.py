"""``channels.kudos: "#kudos"`` in Teams: the channel called kudos in any team the bot is in, found
through the teams' channel lists (as app.yaml's comments promise), then remembered."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from sqlmodel import select

from storage.models import OutboxMessage
from storage.teams_models import TeamsConversation
from tests.support import base_config
from tests.teams_support import BEN_T, TEAM, TeamsApp, bot_added_to_team, card_text, message, start_teams

OTHER_TEAM = {"id": "19:sales-general@thread.tacv2", "name": "Sales"}
KUDOS = {"id": "19:culture-kudos-plain@thread.tacv2", "name": "kudos"}


@pytest.fixture
async def plain(database_url: str) -> AsyncIterator[TeamsApp]:
    """app.yaml's own channels: ``kudos: "#kudos"`` for every platform."""
    server, connector, db, clock = await start_teams(database_url, base_config(), {"TEAMS_ALLOW_UNAUTHENTICATED": "1"})
    connector.channels = {TEAM["id"]: [{"id": TEAM["id"]}, {"id": "19:random@thread.tacv2", "name": "Random"}, KUDOS],
                          OTHER_TEAM["id"]: [{"id": OTHER_TEAM["id"]}]}
    async with aiohttp.ClientSession() as http:
        yield TeamsApp(server, connector, db, clock, http)
    await server.stop()
    await connector.stop()
    db.dispose()


def added_to(connector_url: str, team: dict[str, str]) -> dict[str, object]:
    activity = bot_added_to_team(connector_url)
    activity["conversation"]["id"] = team["id"]  # type: ignore[index]
    activity["channelData"].update(team=team, channel={"id": team["id"]})  # type: ignore[union-attr]
    return activity


async def give_kudos(app: TeamsApp, activity_id: str) -> None:
    activity = message(app.connector.url, "kudos <at>Ben</at> #empathy thanks for the review", mentions=(BEN_T,),
                       activity_id=activity_id)
    assert (await app.post(activity)).status in (200, 202)
    await app.settle()


async def test_a_kudos_announcement_reaches_the_teams_channel_called_kudos(plain: TeamsApp) -> None:
    c = plain.connector
    for team in (OTHER_TEAM, TEAM):
        assert (await plain.post(added_to(c.url, team))).status in (200, 201, 202)
    await give_kudos(plain, "1700000000100")
    await c.wait_for(lambda: c.sent_to(KUDOS["id"]))
    [announcement] = c.sent_to(KUDOS["id"])
    assert "Ben" in card_text(announcement) and announcement.body["from"]["id"] == "28:extramile-bot"
    listed = {call.path for call in c.calls if call.path.startswith("/v3/teams/")}
    assert f"/v3/teams/{TEAM['id']}/conversations" in listed
    with plain.db.session() as session:
        saved = session.exec(select(TeamsConversation).where(TeamsConversation.conversation_id == KUDOS["id"])).one()
        failed = session.exec(select(OutboxMessage).where(OutboxMessage.status != "sent")).all()
    assert (saved.kind, saved.team_id, saved.channel_name) == ("channel", TEAM["id"], "kudos") and failed == []
    # The next announcement goes straight there: the channel is remembered, no list is fetched again.
    lists = len([call for call in c.calls if call.path.startswith("/v3/teams/")])
    await give_kudos(plain, "1700000000101")
    await c.wait_for(lambda: len(c.sent_to(KUDOS["id"])) == 2)
    assert len([call for call in c.calls if call.path.startswith("/v3/teams/")]) == lists


async def test_no_team_with_such_a_channel_fails_the_announcement_clearly(plain: TeamsApp) -> None:
    c = plain.connector
    assert (await plain.post(added_to(c.url, OTHER_TEAM))).status in (200, 201, 202)
    await give_kudos(plain, "1700000000102")
    with plain.db.session() as session:
        rows = session.exec(select(OutboxMessage).where(OutboxMessage.destination == "#kudos")).all()
    assert [row.status for row in rows] == ["failed"]
    assert "any team Extra Mile is in has no channel 'kudos'" in rows[0].last_error

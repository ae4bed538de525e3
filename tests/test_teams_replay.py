"""Real Teams payloads (``../shared/external-samples/teams``: Microsoft's docs and test suites, and
Sentry's captured activities; see SOURCES.md there) through the real ``/api/messages`` route,
authenticated with channel tokens the SDK's real validation checks.

Each payload is sent as published except ``serviceUrl``, which is pointed at the local fake Bot
Connector (the bot answers there; it carries the token's ``serviceurl`` claim too). The bot is a
multi-tenant registration serving the payload's tenant.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlmodel import select

from storage.models import InboxEvent
from storage.teams_models import TeamsConversation
from tests.support import REPO, base_config
from tests.teams_support import (
    APP_ID,
    FakeConnector,
    KeyServer,
    TeamsApp,
    TestTokenProvider,
    card_text,
    channel_token,
    start_teams,
)

SAMPLES = REPO.parent.parent / "shared" / "external-samples" / "teams"
if not SAMPLES.is_dir():  # a worktree beside the main checkout, or CI's fresh clone with shared/ beside it
    SAMPLES = next((p / "shared" / "external-samples" / "teams" for p in REPO.parents
                    if (p / "shared" / "external-samples" / "teams").is_dir()), SAMPLES)
NOTICE = "I've sent you a private message."
OK = (200, 201, 202)


@dataclass(frozen=True)
class Expect:
    status: tuple[int, ...] = OK
    answer_in: str = ""   # the conversation that gets the reply itself (a personal chat)
    notice_in: str = ""   # the conversation that hears only the pointer; the reply goes to a 1:1 chat
    private: str = ""     # text the private reply contains
    saved: str = ""       # a conversation whose reference is saved and active afterwards
    inactive: str = ""    # a conversation with no active reference afterwards (the bot left it)


CHANNEL_WITH_MENTION = "19:aebd0ad4d6ab42c8b9ed19c251c2fc37@thread.skype"
THREAD_L223 = "19:6848757105754c8981c67612732d9aa7@thread.tacv2"
SENTRY_CONVERSATION = ("a:1rLdrbRhx8Pc7Y6HNUmkI6QHZ4vUe1dECseFMsjCLUs61NUCtDKvf_iXhzX96AJlIFs7WgQUzTrjV3iMjbON0UfMV_"
                       "gNh2tUNgHj_iY5hQoYdFu_t-hTt-uDl7m6_X4-Z")
EXPECTED: dict[str, Expect] = {
    # Placeholders as published: its tenant "<TENANT ID>" is no tenant the bot serves.
    "msteams-docs/conversationUpdate_bot_added_to_personal_chat.json": Expect(status=(403,)),
    "msteams-docs/conversationUpdate_channelCreated.json": Expect(saved="19:efa9296d959346209fea44151c742e73@thread.skype"),
    "msteams-docs/conversationUpdate_teamDeleted.json": Expect(inactive="19:efa9296d959346209fea44151c742e73@thread.skype"),
    "msteams-docs/conversationUpdate_teamMemberAdded_bot_added_to_team.json": Expect(
        saved="19:0b7f32667e064dd9b25d7969801541f4@thread.tacv2"),
    "msteams-docs/conversationUpdate_teamMemberRemoved.json": Expect(saved="19:efa9296d959346209fea44151c742e73@thread.skype"),
    "msteams-docs/conversationUpdate_teamRenamed.json": Expect(saved="19:efa9296d959346209fea44151c742e73@thread.skype"),
    "msteams-docs/installationUpdate_add.json": Expect(saved="19:0b7f32667e064dd9b25d7969801541f4@thread.tacv2"),
    "msteams-docs/messageReaction_reactionsAdded.json": Expect(),
    # Published without any tenant (2017): refused like any activity not from our tenant.
    "msteams-docs/message_channel_with_mention.json": Expect(status=(403,)),
    "msteams-docs/message_personal.json": Expect(
        answer_in="a:17I0kl9EkpE1O9PH5TWrzrLNwnWWcfrU7QZjKR0WSfOpzbfcAg2IaydGElSo10tVr4C7Fc6GtieTJX663WuJCc1uA83n4"
                  "CSrHSgGBj5XNYLcVlJAs2ZX8DbYBPck201w-", private='command "hello'),
    "sentry/EXAMPLE_MENTIONED.json": Expect(notice_in=SENTRY_CONVERSATION, private="extra mile"),
    "sentry/EXAMPLE_PERSONAL_MEMBER_ADDED.json": Expect(saved=SENTRY_CONVERSATION),
    "sentry/EXAMPLE_TEAM_MEMBER_ADDED.json": Expect(saved="19:8d46058cda57449380517cc374727f2a@thread.tacv2"),
    "sentry/EXAMPLE_TEAM_MEMBER_REMOVED.json": Expect(inactive="19:8d46058cda57449380517cc374727f2a@thread.tacv2"),
    "sentry/EXAMPLE_UNLINK_COMMAND.json": Expect(answer_in=SENTRY_CONVERSATION, private='command "unlink"'),
    # A hand-made activity with no tenant: refused.
    "teams.net/MessageActivityTests__message_L105.json": Expect(status=(403,)),
    "teams.net/TeamsActivityTests__invoke_L164.json": Expect(status=(200,)),
    "teams.net/TeamsActivityTests__message_L223.json": Expect(
        notice_in=f"{THREAD_L223};messageid=1759881511856", private='command "reply"'),
}


def load(name: str) -> dict[str, Any]:
    return json.loads((SAMPLES / name).read_text())


def tenant_of(activity: dict[str, Any]) -> str:
    return ((activity.get("channelData") or {}).get("tenant") or {}).get("id") or \
        (activity.get("conversation") or {}).get("tenantId") or ""


@dataclass
class Replay(TeamsApp):
    keys: KeyServer

    async def send(self, activity: dict[str, Any]) -> tuple[int, Any]:
        activity = {**activity, "serviceUrl": self.connector.url}
        headers = {"Authorization": f"Bearer {channel_token(self.connector.url)}"}
        async with self.http.post(f"{self.server.url}/api/messages", json=activity, headers=headers) as resp:
            body = await resp.read()
            return resp.status, json.loads(body) if body else None


@pytest.fixture
async def replay(database_url: str, request: pytest.FixtureRequest) -> AsyncIterator[Replay]:
    """The bot, authenticated, serving the tenant of the payload named by the test's parameter."""
    tenant = tenant_of(load(request.param))
    if not re.match(r"^[0-9a-f-]{36}$", tenant):  # none, or a placeholder as published: serve another tenant
        tenant = "b28fdbfd-2b78-4f93-b0f8-8881793f0f8f"
    keys = await KeyServer().start()
    env = {"TEAMS_APP_ID": APP_ID, "TEAMS_APP_PASSWORD": "secret", "TEAMS_TENANT_ID": "common",
           "TEAMS_ALLOWED_TENANTS": tenant, "TEAMS_OPENID_METADATA_URL": keys.metadata_url}
    server, connector, db, clock = await start_teams(database_url, base_config(), env,
                                                     token_provider_factory=TestTokenProvider)
    async with aiohttp.ClientSession() as http:
        yield Replay(server, connector, db, clock, http, keys)
    await server.stop()
    await connector.stop()
    await keys.stop()
    db.dispose()


def private_chats(connector: FakeConnector) -> list[str]:
    """Conversations the bot created (1:1 chats) and wrote into."""
    created = {call.path.split("/")[3] for call in connector.sent() if call.path.split("/")[3].startswith("a:personal-")}
    return sorted(created)


def saved_references(app: TeamsApp) -> dict[str, bool]:
    with app.db.session() as session:
        return {row.conversation_id: row.active for row in session.exec(select(TeamsConversation)).all()}


@pytest.mark.parametrize("replay", sorted(EXPECTED), indirect=True)
async def test_every_real_teams_payload_is_handled_sensibly(replay: Replay, request: pytest.FixtureRequest) -> None:
    name = request.node.callspec.params["replay"]
    expect = EXPECTED[name]
    c = replay.connector
    status, body = await replay.send(load(name))
    assert status in expect.status, (status, body)
    await replay.settle()
    if expect.status == (403,):
        with replay.db.session() as session:
            assert session.exec(select(InboxEvent)).all() == []
        assert saved_references(replay) == {} and c.calls == []
        return
    if expect.answer_in:
        await c.wait_for(lambda: c.sent_to(expect.answer_in))
        assert expect.private in card_text(c.sent_to(expect.answer_in)[-1]).lower()
        assert private_chats(c) == []
    if expect.notice_in:
        await c.wait_for(lambda: c.sent_to(expect.notice_in) and private_chats(c))
        assert all(call.body["text"].endswith(NOTICE) and not call.body.get("attachments")
                   for call in c.sent_to(expect.notice_in))
        [chat] = private_chats(c)
        assert expect.private in card_text(c.sent_to(chat)[-1]).lower()
    if not (expect.answer_in or expect.notice_in):
        assert c.sent() == []
    if expect.saved:
        assert saved_references(replay).get(expect.saved) is True
    if expect.inactive:
        assert saved_references(replay).get(expect.inactive) is not True
    for call in c.calls:  # every call the bot made went to our connector, with its own token
        assert call.headers["Authorization"] == "Bearer outbound-test-token"


MENTION_WITH_TENANT = "msteams-docs/message_channel_with_mention.json"


@pytest.mark.parametrize("replay", [MENTION_WITH_TENANT], indirect=True)
async def test_a_message_without_conversation_type_gets_its_reply(replay: Replay) -> None:
    """Published without conversationType (and tenant, added here as Teams sends it today): the
    reference was saved under the thread's id and looked up under the channel's, so the reply
    was lost. It is a channel thread: the answer goes privately, the thread gets the pointer."""
    c = replay.connector
    activity = load(MENTION_WITH_TENANT)
    activity["channelData"] = {"tenant": {"id": "b28fdbfd-2b78-4f93-b0f8-8881793f0f8f"}}
    status, _ = await replay.send(activity)
    assert status in OK
    await replay.settle()
    thread = f"{CHANNEL_WITH_MENTION};messageid=1481567603816"
    await c.wait_for(lambda: c.sent_to(thread) and private_chats(c))
    assert saved_references(replay) == {CHANNEL_WITH_MENTION: True, private_chats(c)[0]: True}
    assert 'command "hey"' in card_text(c.sent_to(private_chats(c)[0])[-1]).lower()


@pytest.mark.parametrize("replay", ["teams.net/TeamsActivityTests__invoke_L164.json"], indirect=True)
async def test_an_unknown_card_action_invoke_gets_a_universal_actions_response(replay: Replay) -> None:
    status, body = await replay.send(load("teams.net/TeamsActivityTests__invoke_L164.json"))
    assert status == 200
    assert body["statusCode"] == 200 and body["type"] == "application/vnd.microsoft.activity.message"
    assert isinstance(body["value"], str) and body["value"]


@pytest.mark.parametrize("replay", ["teams.net/TeamsActivityTests__message_L223.json"], indirect=True)
async def test_an_unknown_word_to_the_bot_in_a_channel_thread_gets_an_answer(replay: Replay) -> None:
    """"@ridotest reply to thread" in a thread the bot did not start: addressed to the bot, so it is
    a command like in a personal chat, and "reply" gets the unknown-command answer (privately)."""
    c = replay.connector
    status, _ = await replay.send(load("teams.net/TeamsActivityTests__message_L223.json"))
    assert status in OK
    await replay.settle()
    await c.wait_for(lambda: private_chats(c))
    assert 'command "reply"' in card_text(c.sent_to(private_chats(c)[0])[-1]).lower()
    assert c.sent_to(f"{THREAD_L223};messageid=1759881511856")


@pytest.mark.parametrize("replay", ["sentry/EXAMPLE_TEAM_MEMBER_ADDED.json"], indirect=True)
async def test_installed_then_removed_from_a_team_leaves_no_active_reference(replay: Replay) -> None:
    team = "19:8d46058cda57449380517cc374727f2a@thread.tacv2"
    assert (await replay.send(load("sentry/EXAMPLE_TEAM_MEMBER_ADDED.json")))[0] in OK
    assert saved_references(replay) == {team: True}
    assert (await replay.send(load("sentry/EXAMPLE_TEAM_MEMBER_REMOVED.json")))[0] in OK
    assert saved_references(replay) == {team: False}

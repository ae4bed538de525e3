"""Private stays private in Teams: a reply meant for one person goes to their 1:1 chat with the bot
(created when needed); the channel or group chat where they asked hears only "I've sent you a
private message", once per reply, with an @mention and nothing of the content."""

from __future__ import annotations

from typing import Any

import pytest

from tests.teams_support import (
    ANA_T,
    KUDOS_CHANNEL,
    Call,
    TeamsApp,
    bot_added_to_team,
    card_text,
    message,
)

HANA_T = {"id": "29:hana", "name": "Hana Sato", "aadObjectId": "aad-hana", "email": "hana.sato@example.com"}
NOTICE = "I've sent you a private message."
THREAD = f"{KUDOS_CHANNEL['id']};messageid=1700000000001"


def in_thread(connector_url: str, text: str, sender: dict[str, Any] = ANA_T) -> dict[str, Any]:
    return message(connector_url, text, sender=sender, kind="channel", conversation_id=THREAD, bot_mentioned=True)


def in_group(connector_url: str, text: str, sender: dict[str, Any] = ANA_T) -> dict[str, Any]:
    return message(connector_url, text, sender=sender, kind="groupChat", conversation_id="19:group@thread.v2",
                   bot_mentioned=True)


def only_notices(calls: list[Call], name: str) -> bool:
    """Every message is the bare pointer, with a real @mention of the person, and no card."""
    return bool(calls) and all(
        call.body.get("text") == f"<at>{name}</at> {NOTICE}" and not call.body.get("attachments")
        and call.body["entities"][0]["mentioned"]["name"] == name for call in calls)


def private_chats(app: TeamsApp, user_id: str) -> list[str]:
    return [call.path.split("/")[3] for call in app.connector.calls
            if call.path == "/v3/conversations" and call.body["members"] == [{"id": user_id}]]


@pytest.mark.parametrize("where", [in_thread, in_group], ids=["channel thread", "group chat"])
@pytest.mark.parametrize(("command", "private_text"), [
    ("kudos mine", "kudos"),                       # your own figures
    ("request list", "request"),                   # your requests
    ("kudoz thanks", 'command "kudoz"'),           # an error
])
async def test_replies_for_one_person_go_to_their_1_1_chat(teams: TeamsApp, where: Any, command: str,
                                                           private_text: str) -> None:
    c = teams.connector
    assert (await teams.post(bot_added_to_team(c.url))).status in (200, 201, 202)
    activity = where(c.url, command)
    conversation = activity["conversation"]["id"]
    assert (await teams.post(activity)).status in (200, 202)
    await teams.settle()
    await c.wait_for(lambda: c.sent_to(conversation) and any(call.path == "/v3/conversations" for call in c.calls))
    creates = [call for call in c.calls if call.path == "/v3/conversations"]
    assert [call.body["members"] for call in creates] == [[{"id": "29:ana"}]]
    personal = [call for call in c.sent() if call.path.split("/")[3].startswith("a:personal-")]
    assert len(personal) == 1 and private_text in card_text(personal[0]).lower()
    assert only_notices(c.sent_to(conversation), "Ana Alvarez") and len(c.sent_to(conversation)) == 1


async def test_the_culture_report_asked_for_in_a_channel_reaches_only_the_hr_persons_chat(teams: TeamsApp) -> None:
    c = teams.connector
    c.members["29:hana"] = HANA_T
    assert (await teams.post(message(c.url, "help", sender=HANA_T, conversation_id="a:hana-personal"))).status in (
        200, 202)
    await teams.settle()
    before = len(c.sent_to("a:hana-personal"))
    assert (await teams.post(in_thread(c.url, "culture report", sender=HANA_T))).status in (200, 202)
    await teams.settle()
    await c.wait_for(lambda: len(c.sent_to("a:hana-personal")) > before and c.sent_to(THREAD))
    report = c.sent_to("a:hana-personal")[-1]
    links = [a["url"] for a in report.body["attachments"][0]["content"].get("actions", [])
             if a["type"] == "Action.OpenUrl"]
    assert links and "/reports/" in links[0]
    # In the channel: the pointer only; no figure, no link, no file.
    channel_calls = c.sent_to(THREAD) + c.sent_to(KUDOS_CHANNEL["id"])
    assert only_notices(channel_calls, "Hana Sato") and len(channel_calls) == 1
    assert all("/reports/" not in str(call.body) for call in channel_calls)


async def test_in_a_personal_chat_the_reply_comes_straight_back(teams: TeamsApp) -> None:
    c = teams.connector
    assert (await teams.post(message(c.url, "kudos mine"))).status in (200, 202)
    await teams.settle()
    await c.wait_for(lambda: c.sent_to("a:ana-personal"))
    [reply] = c.sent_to("a:ana-personal")
    assert "kudos" in card_text(reply).lower() and NOTICE not in str(reply.body)
    assert not any(call.path == "/v3/conversations" for call in c.calls)


async def test_each_private_reply_is_pointed_to_once_and_later_ones_reuse_the_chat(teams: TeamsApp) -> None:
    c = teams.connector
    assert (await teams.post(message(c.url, "help"))).status in (200, 202)
    await teams.settle()
    await c.wait_for(lambda: c.sent_to("a:ana-personal"))
    before = len(c.sent_to("a:ana-personal"))
    for n in range(2):
        assert (await teams.post(in_thread(c.url, "kudos mine") | {"id": f"17000000000{n}"})).status in (200, 202)
        await teams.settle()
    await c.wait_for(lambda: len(c.sent_to(THREAD)) == 2)
    assert only_notices(c.sent_to(THREAD), "Ana Alvarez")
    assert len(c.sent_to("a:ana-personal")) - before == 2
    assert private_chats(teams, "29:ana") == []  # her existing 1:1 chat is used, none is created

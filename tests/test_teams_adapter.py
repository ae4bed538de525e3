"""Teams end to end in process: Activity JSON over HTTP to /api/messages, a fake Bot Connector as
the serviceUrl, the real server, dispatcher, outbox and SDK adapter in between."""

from __future__ import annotations

from sqlmodel import select

from storage import people as people_repo
from storage.models import (
    Identity,
    InboxEvent,
    Kudos,
    KudosRecipient,
    OutboxMessage,
    Person,
)
from storage.teams_models import TeamsConversation
from tests.support import T0
from tests.teams_support import (
    ANA_T,
    BEN_T,
    KUDOS_CHANNEL,
    TEAM,
    TeamsApp,
    bot_added_to_team,
    card_text,
    message,
)


async def test_kudos_in_personal_chat_records_once_replies_with_a_card_and_announces(teams: TeamsApp) -> None:
    c = teams.connector
    assert (await teams.post(bot_added_to_team(c.url))).status in (200, 201, 202)
    activity = message(c.url, "kudos <at>Ben</at> #empathy thanks for the review", mentions=(BEN_T,))
    resp = await teams.post(activity)
    assert resp.status in (200, 202)
    await teams.settle()
    kudos = teams.kudos()
    assert len(kudos) == 1 and "thanks for the review" in kudos[0].message and kudos[0].platform == "teams"
    with teams.db.session() as session:
        recipients = session.exec(select(KudosRecipient)).all()
        ben = session.exec(select(Person).where(Person.email == "ben.brooks@example.com")).one()
    assert [r.person_id for r in recipients] == [ben.id]
    # The reply: an Adaptive Card into Ana's personal chat.
    await c.wait_for(lambda: c.sent_to("a:ana-personal"))
    reply = c.sent_to("a:ana-personal")[0]
    attachment = reply.body["attachments"][0]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert attachment["content"]["version"] == "1.5"
    assert "Ben" in card_text(reply)
    # The announcement: a proactive send into Culture/Kudos, found through the team's channel list.
    await c.wait_for(lambda: c.sent_to(KUDOS_CHANNEL["id"]))
    announcement = c.sent_to(KUDOS_CHANNEL["id"])[0]
    assert "Ben" in card_text(announcement) and announcement.body["from"]["id"] == "28:extramile-bot"
    assert any(call.path == f"/v3/teams/{TEAM['id']}/conversations" for call in c.calls)
    # Ana and Ben were looked up once each (then cached) and linked by email to the directory.
    assert {call.path.rsplit("/", 1)[1] for call in c.lookups()} == {"29:ana", "29:ben"}
    # The same activity again (Teams re-sends a slow turn): nothing recorded twice, nothing sent twice.
    sent_before = len(c.sent())
    assert (await teams.post(activity)).status in (200, 202)
    await teams.settle()
    assert len(teams.kudos()) == 1 and len(c.sent()) == sent_before
    with teams.db.session() as session:
        rows = session.exec(select(OutboxMessage)).all()
    assert {row.status for row in rows} == {"sent"}


async def test_channel_message_strips_the_bot_mention_and_saves_the_channel(teams: TeamsApp) -> None:
    c = teams.connector
    thread = f"{KUDOS_CHANNEL['id']};messageid=1700000000000"
    activity = message(c.url, "kudos <at>Ben</at> #empathy for the calm handover", kind="channel",
                       conversation_id=thread, mentions=(BEN_T,), bot_mentioned=True)
    assert (await teams.post(activity)).status in (200, 202)
    await teams.settle()
    assert len(teams.kudos()) == 1
    with teams.db.session() as session:
        saved = session.exec(select(TeamsConversation).where(TeamsConversation.kind == "channel")).all()
    assert [(r.conversation_id, r.team_name, r.channel_name) for r in saved] == [
        (KUDOS_CHANNEL["id"], "Culture", "Kudos")]
    # The invoker's receipt is private: in Ana's 1:1 chat (created for it), and the thread only
    # hears that she has a private message; the announcement goes into the channel itself.
    await c.wait_for(lambda: c.sent_to(thread) and c.sent_to(KUDOS_CHANNEL["id"]))
    [notice] = c.sent_to(thread)
    assert notice.body["text"].endswith("I've sent you a private message.") and not notice.body.get("attachments")
    await c.wait_for(lambda: any(call.body.get("attachments") for call in c.sent() if call.path.split("/")[3]
                                 not in (thread, KUDOS_CHANNEL["id"]) and "Kudos sent" in card_text(call)))
    created = {call.body["members"][0]["id"] for call in c.calls if call.path == "/v3/conversations"}
    assert created == {"29:ana", "29:ben"}  # Ana's receipt and Ben's "you got kudos", each in a new 1:1 chat


async def test_group_chat_and_unknown_command_get_a_friendly_card_in_private(teams: TeamsApp) -> None:
    c = teams.connector
    assert (await teams.post(message(c.url, "help"))).status in (200, 202)  # Ana has a 1:1 chat with the bot
    await teams.settle()
    activity = message(c.url, "kudoz <at>Ben</at> thanks", kind="groupChat", conversation_id="19:group@thread.v2",
                       mentions=(BEN_T,), bot_mentioned=True)
    assert (await teams.post(activity)).status in (200, 202)
    await teams.settle()
    await c.wait_for(lambda: c.sent_to("19:group@thread.v2") and len(c.sent_to("a:ana-personal")) == 2)
    assert 'command "kudoz"' in card_text(c.sent_to("a:ana-personal")[-1])
    [notice] = c.sent_to("19:group@thread.v2")
    assert notice.body["text"] == "<at>Ana Alvarez</at> I've sent you a private message."
    assert notice.body["entities"] == [{"type": "mention", "text": "<at>Ana Alvarez</at>",
                                        "mentioned": {"id": "29:ana", "name": "Ana Alvarez"}}]
    assert teams.kudos() == []


async def test_same_email_on_slack_and_teams_is_one_person(teams: TeamsApp) -> None:
    c = teams.connector
    newcomer = {"id": "29:zoe", "name": "Zoe Zhang", "aadObjectId": "aad-zoe", "email": "zoe.zhang@example.com"}
    c.members[newcomer["id"]] = newcomer
    with teams.db.session() as session:  # Zoe used Extra Mile on Slack first
        org_id = teams.server.runtime.services.org_id
        zoe = people_repo.create(session, org_id, "Zoe Zhang", T0, email="zoe.zhang@example.com", handle="zoe")
        people_repo.link_identity(session, zoe.id, "slack", "T1", "U_ZOE")
    activity = message(c.url, "kudos <at>Ben</at> #empathy thanks", sender=newcomer, conversation_id="a:zoe",
                       mentions=(BEN_T,))
    assert (await teams.post(activity)).status in (200, 202)
    await teams.settle()
    assert teams.person_ids("zoe.zhang@example.com") == [zoe.id]
    with teams.db.session() as session:
        platforms = sorted(i.platform for i in session.exec(select(Identity).where(Identity.person_id == zoe.id)))
        giver = session.exec(select(Kudos)).one().giver_id
    assert platforms == ["slack", "teams"] and giver == zoe.id


async def test_uninstall_marks_references_inactive_and_reinstall_revives_them(teams: TeamsApp) -> None:
    c = teams.connector
    assert (await teams.post(message(c.url, "help"))).status in (200, 202)
    await teams.settle()
    removal = message(c.url, "")
    removal.update(type="installationUpdate", action="remove")
    removal.pop("text")
    assert (await teams.post(removal)).status in (200, 202)
    with teams.db.session() as session:
        ref = session.exec(select(TeamsConversation).where(TeamsConversation.conversation_id == "a:ana-personal")).one()
    assert ref.active is False
    added = dict(removal, action="add")
    assert (await teams.post(added)).status in (200, 202)
    with teams.db.session() as session:
        ref = session.exec(select(TeamsConversation).where(TeamsConversation.conversation_id == "a:ana-personal")).one()
    assert ref.active is True and ref.user_aad_id == "aad-ana"


def test_mentions_become_tokens_and_markup_goes() -> None:
    from microsoft_agents.activity import Activity

    from adapters.teams import inbound

    raw = message("http://127.0.0.1/", "kudos <at>Ben</at>&nbsp;and <at>Ana</at> #empathy <b>thanks</b> &amp; more",
                  mentions=(BEN_T, ANA_T), bot_mentioned=True)
    activity = Activity.model_validate(raw)
    users = inbound.mentioned_users(activity)
    assert inbound.command_text(activity, users) == "kudos <@29:ben> and <@29:ana> #empathy thanks & more"
    key = inbound.dedupe_key(activity)
    assert key.startswith("teams:") and "ana-personal" not in key  # hashed: names no personal chat
    other = Activity.model_validate({**raw, "conversation": {**raw["conversation"], "id": "a:other"}})
    assert inbound.dedupe_key(other) != key and inbound.dedupe_key(Activity.model_validate(raw)) == key


async def test_a_reply_in_a_channel_thread_is_a_thread_reply_unless_it_is_a_command(teams: TeamsApp) -> None:
    from storage import outbox as outbox_repo

    c = teams.connector
    with teams.db.session() as session:  # the thread is under one of the bot's posts (a prompt)
        outbox_repo.remember_sent(session, "teams", "prompt:1", KUDOS_CHANNEL["id"], "1699999999999")
    thread = f"{KUDOS_CHANNEL['id']};messageid=1699999999999"
    reply = message(c.url, "I walked Ben through the new process", kind="channel", conversation_id=thread,
                    bot_mentioned=True)
    command = message(c.url, "kudos <at>Ben</at> thanks for the walkthrough", kind="channel", conversation_id=thread,
                      mentions=(BEN_T,), bot_mentioned=True)
    for activity in (reply, command):
        assert (await teams.post(activity)).status in (200, 202)
    await teams.settle()
    with teams.db.session() as session:
        payloads = [row.payload for row in session.exec(select(InboxEvent).order_by(InboxEvent.id)).all()]
    assert '"kind":"reply"' in payloads[0] and '"text":"I walked Ben through the new process"' in payloads[0]
    assert f'"conversation":"{KUDOS_CHANNEL["id"]}","thread":"1699999999999"' in payloads[0]
    assert '"kind":"command"' in payloads[1] and len(teams.kudos()) == 1
    await c.wait_for(lambda: c.sent_to(thread))  # the pointer to the private answer lands in the same thread


async def test_an_anonymous_story_from_a_newcomer_leaves_no_teams_trace(teams: TeamsApp) -> None:
    from storage.prompts_models import Story
    from storage.teams_models import TeamsMember

    c = teams.connector
    assert (await teams.post(bot_added_to_team(c.url))).status in (200, 201, 202)  # the bot is in the tenant
    newcomer = {"id": "29:nia", "name": "Nia Newcomer", "aadObjectId": "aad-nia", "email": "nia@example.com"}
    c.members["29:nia"] = newcomer
    activity = message(c.url, "story bad anon Ben closed my ticket without asking #empathy", sender=newcomer,
                       conversation_id="a:nia-personal")
    assert (await teams.post(activity)).status in (200, 202)
    await teams.settle()
    # Her receipt comes back into her chat, though nothing about that chat is saved.
    await c.wait_for(lambda: c.sent_to("a:nia-personal"))
    assert not any(call.path == "/v3/conversations" for call in c.calls)
    with teams.db.session() as session:
        members = session.exec(select(TeamsMember)).all()
        conversations = session.exec(select(TeamsConversation)).all()
        people = session.exec(select(Person)).all()
        inbox_keys = list(session.exec(select(InboxEvent.dedupe_key)).all())
        stories = session.exec(select(Story)).all()
    assert len(stories) == 1 and stories[0].anonymous and stories[0].author_id is None
    assert all("nia" not in (m.user_id + m.email + m.name).lower() for m in members)
    assert all("nia" not in (row.conversation_id + row.user_id + row.reference).lower() for row in conversations)
    assert all("nia" not in ((p.email or "") + p.name).lower() for p in people)
    assert all("nia" not in key for key in inbox_keys)


async def test_a_member_record_for_someone_else_is_not_believed(teams: TeamsApp) -> None:
    """The connector answers a lookup of Ana with an HR person's record: Ana is not linked to it."""
    c = teams.connector
    c.members["29:ana"] = {"id": "29:hana", "name": "Hana Sato", "aadObjectId": "aad-hana",
                           "email": "hana.sato@example.com"}
    assert (await teams.post(message(c.url, "kudos <at>Ben</at> #empathy thanks", mentions=(BEN_T,)))).status in (
        200, 202)
    await teams.settle()
    with teams.db.session() as session:
        hana = session.exec(select(Person).where(Person.email == "hana.sato@example.com")).one()
        linked = session.exec(select(Identity).where(Identity.person_id == hana.id,
                                                     Identity.platform == "teams")).all()
        giver = session.exec(select(Kudos)).one().giver_id
    assert linked == [] and giver != hana.id

"""Teams delivery through the fake Bot Connector: retries, blocked conversations, updates, DMs."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.messages import Actions, Button, Message, Section, message_to_json
from storage import outbox as outbox_repo
from storage.models import OutboxMessage
from storage.teams_models import TeamsConversation
from tests.support import T0
from tests.teams_support import BEN_T, TENANT, TeamsApp, card_text, message


def queue(app: TeamsApp, kind: str, destination: str, text: str, ref_key: str = "") -> int:
    """An outbox row as the core writes it (bot.outbox.address), for the Teams sender to deliver."""
    msg = Message(text=text, blocks=(Section(text=text), Actions(buttons=(Button("Thanks!", "kudos:ack", "7"),))),
                  ref_key=ref_key)
    with app.db.session() as session:
        row = outbox_repo.add(session, OutboxMessage(
            org_id=app.server.runtime.services.org_id, platform="teams", tenant=TENANT, kind=kind,
            destination=destination, ref_key=ref_key, label=destination, body=message_to_json(msg),
            next_attempt_at=app.clock.now(), created_at=app.clock.now()))
        return row.id


def row(app: TeamsApp, row_id: int) -> OutboxMessage:
    with app.db.session() as session:
        found = session.get(OutboxMessage, row_id)
        assert found is not None
        return found


async def hello_from_ana(app: TeamsApp) -> None:
    """Ana writes to the bot once, so her personal conversation reference is saved."""
    await app.deliver_by_hand()
    assert (await app.post(message(app.connector.url, "help"))).status in (200, 202)
    await app.settle()


async def test_429_is_retried_after_retry_after_and_the_card_has_submit_buttons(teams: TeamsApp) -> None:  # noqa: F811
    await hello_from_ana(teams)
    c = teams.connector
    c.failures.append((429, {"error": {"code": "TooManyRequests"}}, {"Retry-After": "30"}))
    row_id = queue(teams, "dm", "aad-ana", "You have a new kudos")
    await teams.server.runtime.worker.drain_once()
    first = row(teams, row_id)
    assert first.status == "pending" and first.attempts == 1
    assert first.next_attempt_at == T0 + timedelta(seconds=30)
    teams.clock.advance(timedelta(seconds=31))
    await teams.server.runtime.worker.drain_once()
    assert row(teams, row_id).status == "sent"
    delivered = [call for call in c.sent_to("a:ana-personal") if "new kudos" in card_text(call)]
    assert len(delivered) == 2  # the refused attempt and the accepted one
    action = delivered[-1].body["attachments"][0]["content"]["actions"][0]
    token = action["data"].pop("action_token")
    assert action == {"type": "Action.Submit", "title": "Thanks!", "data": {"action_id": "kudos:ack", "value": "7"}}
    assert len(token) == 43  # the bot's signature of this button in this conversation (base64 of HMAC-SHA256)


async def test_message_writes_blocked_marks_the_conversation_inactive_and_stops(teams: TeamsApp) -> None:  # noqa: F811
    await hello_from_ana(teams)
    c = teams.connector
    c.failures.append((403, {"error": {"code": "MessageWritesBlocked", "message": "Thread is blocked"}}, {}))
    row_id = queue(teams, "dm", "aad-ana", "Reminder")
    await teams.server.runtime.worker.drain_once()
    assert row(teams, row_id).status == "failed"
    with teams.db.session() as session:
        ref = session.exec(select(TeamsConversation).where(TeamsConversation.conversation_id == "a:ana-personal")).one()
    assert ref.active is False
    calls = len(c.sent())
    teams.clock.advance(timedelta(hours=1))
    await teams.server.runtime.worker.drain_once()
    assert len(c.sent()) == calls  # never retried
    # Ana writes again: the conversation is usable again.
    await hello_from_ana(teams)
    with teams.db.session() as session:
        assert session.exec(select(TeamsConversation).where(
            TeamsConversation.conversation_id == "a:ana-personal")).one().active is True


async def test_update_in_place_uses_put_on_the_first_activity(teams: TeamsApp) -> None:  # noqa: F811
    await hello_from_ana(teams)
    c = teams.connector
    first = queue(teams, "dm", "aad-ana", "Request #12: open", ref_key="request:12:owner")
    await teams.server.runtime.worker.drain_once()
    message_id = row(teams, first).platform_ref
    assert message_id.startswith("act-")
    queue(teams, "dm", "aad-ana", "Request #12: done", ref_key="request:12:owner")
    await teams.server.runtime.worker.drain_once()
    put = [call for call in c.calls if call.method == "PUT"]
    assert len(put) == 1 and put[0].path == f"/v3/conversations/a:ana-personal/activities/{message_id}"
    assert "done" in card_text(put[0])


async def test_dm_to_someone_without_a_personal_chat_creates_one(teams: TeamsApp) -> None:  # noqa: F811
    await hello_from_ana(teams)  # Ben has never written to the bot; he was only looked up as a mention
    c = teams.connector
    assert (await teams.post(message(c.url, "kudos <at>Ben</at> #empathy thanks for the calm",
                                     mentions=(BEN_T,)))).status in (200, 202)
    await teams.settle()
    creates = [call for call in c.calls if call.method == "POST" and call.path == "/v3/conversations"]
    assert len(creates) == 1 and creates[0].body["members"] == [{"id": "29:ben"}]
    assert creates[0].body["tenantId"] == TENANT
    with teams.db.session() as session:
        ben_ref = session.exec(select(TeamsConversation).where(TeamsConversation.user_id == "29:ben")).one()
    created_id = ben_ref.conversation_id
    assert created_id.startswith("a:personal-") and c.sent_to(created_id)
    assert ben_ref.kind == "personal" and ben_ref.user_id == "29:ben"
    # A second DM to Ben reuses the saved conversation.
    queue(teams, "dm", "aad-ben", "Another one")
    await teams.server.runtime.worker.drain_once()
    assert len([call for call in c.calls if call.path == "/v3/conversations"]) == 1
    assert any("Another one" in card_text(call) for call in c.sent_to(created_id))

"""Card clicks count only when the bot signed the button: a forged, missing, altered or replayed
``action_token`` is ignored (nothing recorded); an ``adaptiveCard/action`` invoke always gets a
Universal Actions response."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import select

from bot.messages import Actions, Button, Message, Section, message_to_json
from storage import outbox as outbox_repo
from storage.models import InboxEvent, KudosRecipient, OutboxMessage
from tests.teams_support import BEN_T, TENANT, TeamsApp, message, submit_data


async def card_for_ana(app: TeamsApp) -> dict[str, Any]:
    """Ana has a chat with the bot, and the bot sent her a card with a button: its submit data."""
    c = app.connector
    assert (await app.post(message(c.url, "help"))).status in (200, 202)
    assert (await app.post(message(c.url, "help", sender=BEN_T, conversation_id="a:ben-personal"))).status in (
        200, 202)
    await app.settle()
    buttons = Message(text="Thanks?", blocks=(Section(text="Thanks?"), Actions(buttons=(Button("Thanks!", "kudos:ack",
                                                                                                "7"),))))
    with app.db.session() as session:
        outbox_repo.add(session, OutboxMessage(
            org_id=app.server.runtime.services.org_id, platform="teams", tenant=TENANT, kind="dm",
            destination="aad-ana", label="Ana", body=message_to_json(buttons), next_attempt_at=app.clock.now(),
            created_at=app.clock.now()))
    await app.server.runtime.worker.drain_once()
    card = next(call for call in c.sent_to("a:ana-personal") if call.body.get("attachments")
                and call.body["attachments"][0]["content"].get("actions"))
    return submit_data(card)


def actions_recorded(app: TeamsApp) -> list[str]:
    with app.db.session() as session:
        return [row.payload for row in session.exec(select(InboxEvent)).all() if '"kind":"action"' in row.payload]


def invoke(connector_url: str, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    activity = message(connector_url, "", **kwargs)
    activity.update(type="invoke", name="adaptiveCard/action",
                    value={"action": {"type": "Action.Execute", "title": "Thanks!", "data": data}, "trigger": "manual"})
    activity.pop("text")
    return activity


async def post_invoke(app: TeamsApp, activity: dict[str, Any]) -> tuple[int, Any]:
    async with app.http.post(f"{app.server.url}/api/messages", json=activity) as resp:
        return resp.status, await resp.json(content_type=None)


async def test_a_click_on_the_bots_own_button_counts(teams: TeamsApp) -> None:
    data = await card_for_ana(teams)
    assert data["action_id"] == "kudos:ack" and data["action_token"]
    assert (await teams.post(message(teams.connector.url, "", value=data))).status in (200, 202)
    await teams.settle()
    [recorded] = actions_recorded(teams)
    assert '"action_id":"kudos:ack"' in recorded and '"value":"7"' in recorded and "action_token" not in recorded


def _forged(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "action_token": "A" * 43}


def _missing(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "action_token"}


def _other_value(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "value": "8"}


def _other_action(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "action_id": "request:done"}


@pytest.mark.parametrize("tamper", [_forged, _missing, _other_value, _other_action],
                         ids=["forged token", "no token", "another value", "another action"])
async def test_a_click_the_bot_did_not_sign_is_ignored(teams: TeamsApp, tamper: Any) -> None:
    data = await card_for_ana(teams)
    sent = len(teams.connector.sent())
    assert (await teams.post(message(teams.connector.url, "", value=tamper(data)))).status in (200, 202)
    await teams.settle()
    assert actions_recorded(teams) == [] and len(teams.connector.sent()) == sent


async def test_a_signed_button_replayed_in_another_conversation_is_ignored(teams: TeamsApp) -> None:
    data = await card_for_ana(teams)  # signed for Ana's chat; Ben posts it from his
    activity = message(teams.connector.url, "", sender=BEN_T, conversation_id="a:ben-personal", value=data)
    assert (await teams.post(activity)).status in (200, 202)
    await teams.settle()
    assert actions_recorded(teams) == []


async def test_action_execute_invokes_get_universal_action_responses(teams: TeamsApp) -> None:
    data = await card_for_ana(teams)
    status, body = await post_invoke(teams, invoke(teams.connector.url, data))
    assert status == 200
    assert body == {"statusCode": 200, "type": "application/vnd.microsoft.activity.message", "value": "Got it."}
    await teams.settle()
    assert len(actions_recorded(teams)) == 1
    status, body = await post_invoke(teams, invoke(teams.connector.url, _forged(data), activity_id="f:2"))
    assert status == 200 and body["statusCode"] == 400 and body["type"] == "application/vnd.microsoft.error"
    assert body["value"]["code"] == "Unauthorized" and "not sent by Extra Mile" in body["value"]["message"]
    await teams.settle()
    assert len(actions_recorded(teams)) == 1


async def test_an_unknown_card_action_gets_a_message_not_an_empty_body(teams: TeamsApp) -> None:
    status, body = await post_invoke(teams, invoke(teams.connector.url, {"feedback": "looks good"}))
    assert status == 200
    assert body["statusCode"] == 200 and body["type"] == "application/vnd.microsoft.activity.message"
    assert body["value"]
    await teams.settle()
    assert actions_recorded(teams) == []


async def test_invokes_the_bot_does_not_declare_are_not_implemented(teams: TeamsApp) -> None:
    activity = invoke(teams.connector.url, {})
    activity["name"] = "composeExtension/query"
    status, _ = await post_invoke(teams, activity)
    assert status == 501


async def test_the_button_key_is_shared_by_replicas_and_separate_from_extramile_secret(teams: TeamsApp) -> None:
    from adapters.teams.action_tokens import ActionSigner

    core = teams.server.runtime.core
    one, two = ActionSigner(), ActionSigner()
    one.bind(core.stored_secret)
    two.bind(core.stored_secret)
    token = one.sign("kudos:ack", "7", "a:ana-personal;messageid=1")
    assert two.verify(token, "kudos:ack", "7", "a:ana-personal")  # another replica, the thread's channel
    configured = ActionSigner("s3cret")
    assert not configured.verify(token, "kudos:ack", "7", "a:ana-personal")
    assert configured.sign("kudos:ack", "7", "a:x") == ActionSigner("s3cret").sign("kudos:ack", "7", "a:x")
    # Parts are length-prefixed: moving text between the action id and the value changes the signature.
    assert one.sign("a:b", "c", "x") != one.sign("a:", "bc", "x")


async def test_kudos_alone_shows_the_form_and_its_signed_submit_gives_kudos(teams: TeamsApp) -> None:
    c = teams.connector
    await teams.deliver_by_hand()
    assert (await teams.post(message(c.url, "kudos"))).status in (200, 202)
    await teams.settle()
    [reply] = [call for call in c.sent_to("a:ana-personal") if call.body.get("attachments")]
    card = reply.body["attachments"][0]["content"]
    inputs = {item["id"]: item for item in card["body"] if item["type"].startswith("Input.")}
    assert set(inputs) == {"people:recipients", "input:value", "input:message"}
    assert inputs["people:recipients"]["choices.data"] == {"type": "Data.Query", "dataset": "graph.microsoft.com/users"}
    assert "empathy" in [choice["value"] for choice in inputs["input:value"]["choices"]]
    data = submit_data(reply)
    assert data["action_id"] == "kudos:form" and data["action_token"]
    # Teams posts the inputs back beside the button's data; the picker gives Entra object ids.
    filled = {**data, "people:recipients": BEN_T["aadObjectId"], "input:value": "empathy",
              "input:message": "thanks for the calm handover"}
    assert (await teams.post(message(c.url, "", value=filled))).status in (200, 202)
    assert (await teams.post(message(c.url, "", value={**filled, "action_token": "A" * 43}))).status in (200, 202)
    await teams.settle()
    [kudos] = teams.kudos()
    assert kudos.message == "thanks for the calm handover"
    with teams.db.session() as session:
        recipients = [r.person_id for r in session.exec(select(KudosRecipient).where(KudosRecipient.kudos_id == kudos.id))]
    assert recipients == teams.person_ids(BEN_T["email"])  # the picked colleague, linked by email
    assert any(BEN_T["aadObjectId"] in call.path for call in c.lookups())

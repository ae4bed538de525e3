"""Slack over HTTP: signed requests in Slack's wire formats against the running app and a fake Web API."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest

from storage.models import Person
from tests.fakes.slack_api import FakeSlack
from tests.slack_support import (
    ANA_ID,
    BEN_ID,
    CHLOE_ID,
    NEW_ID,
    SlackRig,
    block_actions,
    command_body,
    start_rig,
)


async def test_url_verification_is_answered(rig: SlackRig) -> None:
    body = json.dumps({"token": "x", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
                       "type": "url_verification"})
    status, text = await rig.post(body, "application/json")
    assert status == 200 and "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in text


async def test_kudos_is_acked_recorded_and_announced(rig: SlackRig) -> None:
    status, text = await rig.command("/kudos", f"<@{BEN_ID}|ben> #empathy thanks for the quick answer")
    assert status == 200 and text == ""
    await rig.settle()
    [kudos] = rig.kudos()
    assert kudos.message == "thanks for the quick answer"
    await rig.until(lambda: bool(rig.fake.called("chat.postMessage")))
    await rig.until(lambda: len(rig.fake.called("chat.postEphemeral")) == 1)
    posts = rig.fake.called("chat.postMessage")
    announcement = next(p for p in posts if p["channel"] == "CKUDOS001")  # "#kudos" resolved via conversations.list
    # The people the bot names are real mentions, which Slack shows by name.
    assert f"gave kudos to *<@{BEN_ID}>*" in announcement["text"] and announcement["blocks"][0]["type"] == "section"
    assert any(p["channel"] == BEN_ID for p in posts)  # the recipient's private note, by DM
    receipt = rig.fake.called("chat.postEphemeral")[0]
    assert receipt["user"] == ANA_ID and receipt["channel"] == "CGENERAL1" and "Kudos sent" in receipt["text"]


async def test_first_sight_users_are_looked_up_and_linked_by_email(rig: SlackRig) -> None:
    await rig.command("/kudos", f"<@{BEN_ID}> thanks for the review")
    await rig.command("/kudos", f"<@{BEN_ID}> and again")
    await rig.settle()
    looked_up = [p["user"] for p in rig.fake.called("users.info")]
    assert sorted(looked_up) == sorted([ANA_ID, BEN_ID])  # once each, then cached
    with rig.db.session() as session:
        from storage import people as people_repo

        ana = people_repo.by_identity(session, "slack", "T0EXTRA", ANA_ID)
        ben = people_repo.by_identity(session, "slack", "T0EXTRA", BEN_ID)
        assert ana is not None and ana.email == "ana.alvarez@example.com" and ana.handle == "ana"  # the demo person
        assert ben is not None and ben.email == "ben.brooks@example.com"
        assert {k.giver_id for k in rig.kudos()} == {ana.id}
    # Someone who is not in the directory yet becomes a person with Slack's name, email and timezone.
    await rig.command("/kudos", f"<@{ANA_ID}> welcome aboard, thanks for the tour", user_id=NEW_ID)
    await rig.settle()
    with rig.db.session() as session:
        from sqlmodel import select

        nora = session.exec(select(Person).where(Person.email == "nora.newman@example.com")).one()
        assert nora.name == "Nora Newman" and nora.timezone == "Europe/Berlin"


async def test_bad_input_answers_privately_and_records_nothing(rig: SlackRig) -> None:
    status, _ = await rig.command("/kudos", f"<@{ANA_ID}> thanks me")
    assert status == 200
    await rig.settle()
    await rig.until(lambda: bool(rig.fake.called("chat.postEphemeral")))
    assert rig.kudos() == []
    assert "yourself" in rig.fake.called("chat.postEphemeral")[0]["text"]
    assert rig.fake.called("chat.postMessage") == []


async def test_unknown_command_reaches_the_core(rig: SlackRig) -> None:
    status, _ = await rig.command("/nosuch", "hello")
    assert status == 200
    await rig.settle()
    await rig.until(lambda: bool(rig.fake.called("chat.postEphemeral")))
    assert "kudos" in rig.fake.called("chat.postEphemeral")[0]["text"]


@pytest.mark.parametrize("tamper", ["forged body", "wrong secret", "six minutes old", "no signature"])
async def test_unsigned_or_stale_requests_get_401_and_record_nothing(rig: SlackRig, tamper: str) -> None:
    body = command_body("/kudos", f"<@{BEN_ID}> thanks")
    if tamper == "forged body":
        from tests.slack_support import sign

        headers = sign(body)
        forged = body.replace("thanks", "thanks+a+lot")
        async with rig.session.post(rig.url, data=forged.encode(), headers={
                "Content-Type": "application/x-www-form-urlencoded", **headers}) as response:
            status = response.status
    elif tamper == "wrong secret":
        status, _ = await rig.post(body, "application/x-www-form-urlencoded", secret="not-the-secret")
    elif tamper == "six minutes old":
        status, _ = await rig.post(body, "application/x-www-form-urlencoded", timestamp=int(time.time()) - 360)
    else:
        async with rig.session.post(rig.url, data=body.encode(),
                                    headers={"Content-Type": "application/x-www-form-urlencoded"}) as response:
            status = response.status
    assert status == 401
    await rig.settle()
    assert rig.inbox_count() == 0 and rig.kudos() == [] and rig.outbox() == []


async def test_an_event_delivered_four_times_records_once(rig: SlackRig, fake: FakeSlack) -> None:
    fake.add_message("CGENERAL1", "1763369000.000200", BEN_ID, "I fixed the invoice export for you")
    event = {"type": "reaction_added", "user": ANA_ID, "reaction": "clap",
             "item": {"type": "message", "channel": "CGENERAL1", "ts": "1763369000.000200"},
             "item_user": BEN_ID, "event_ts": "1763369100.000300"}
    for retry in range(4):
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else {}
        status, _ = await rig.event(event, event_id="Ev0REACTION1", headers=headers)
        assert status == 200
    await rig.settle()
    assert rig.inbox_count() == 1
    [kudos] = rig.kudos()
    assert kudos.source == "reaction"
    assert kudos.source_ref == "https://extramile-test.slack.com/archives/CGENERAL1/p1763369000000200"
    assert "invoice export" in kudos.message


async def test_other_reactions_and_bot_messages_are_ignored(rig: SlackRig, fake: FakeSlack) -> None:
    fake.add_user("UBOTX0001", "Some Bot", "bot@example.com", is_bot=True)
    await rig.event({"type": "reaction_added", "user": ANA_ID, "reaction": "eyes",
                     "item": {"type": "message", "channel": "CGENERAL1", "ts": "1.2"}, "item_user": BEN_ID})
    await rig.event({"type": "reaction_added", "user": ANA_ID, "reaction": "clap",
                     "item": {"type": "message", "channel": "CGENERAL1", "ts": "1.3"}, "item_user": "UBOTX0001"})
    await rig.settle()
    assert rig.inbox_count() == 0 and rig.kudos() == []


async def test_slack_429_then_500_delays_but_does_not_lose_the_announcement(rig: SlackRig, fake: FakeSlack) -> None:
    fake.fail_next(1, status=429, retry_after=30, method="chat.postMessage")
    fake.fail_next(1, status=500, method="chat.postMessage")
    await rig.command("/kudos", f"<@{BEN_ID}> thanks for covering my shift")
    await rig.settle()
    assert len(rig.kudos()) == 1
    await rig.until(lambda: len(fake.called("chat.postMessage", ok_only=False)) >= 1)
    rig.clock.advance(timedelta(seconds=31))  # past Retry-After
    await rig.until(lambda: len(fake.called("chat.postMessage", ok_only=False)) >= 2)
    for _ in range(6):  # past the backoff after the 500
        rig.clock.advance(timedelta(minutes=5))
        await rig.server.runtime.worker.drain_once()
    await rig.until(lambda: any(p["channel"] == "CKUDOS001" for p in fake.called("chat.postMessage")))
    statuses = [c.status for c in fake.calls if c.method == "chat.postMessage"]
    assert statuses[:2] == [429, 500] and 200 in statuses
    announcements = [p for p in fake.called("chat.postMessage") if p["channel"] == "CKUDOS001"]
    assert len(announcements) == 1  # delivered, once
    assert {row.status for row in rig.outbox()} == {"sent"}


async def test_queued_messages_survive_a_restart(database_url: str, fake: FakeSlack) -> None:
    rig = await start_rig(database_url, fake)
    fake.fail_next(50, status=503)
    await rig.command("/kudos", f"<@{BEN_ID}> <@{CHLOE_ID}> thanks for the launch")
    await rig.settle()
    assert len(rig.kudos()) == 1
    assert fake.called("chat.postMessage") == [] and fake.called("chat.postEphemeral") == []
    pending = [row for row in rig.outbox() if row.status == "pending"]
    assert len(pending) == 4  # announcement, two DMs, the receipt: all still queued
    await rig.close()  # Slack is down and we stop with messages queued

    fake.failures.clear()  # Slack is back
    restarted = await start_rig(database_url, fake, clock=rig.clock, seed=False)
    restarted.clock.advance(timedelta(hours=1))
    try:
        # Slack records a call before the outbox marks its row sent: wait for both.
        await restarted.until(lambda: len(fake.called("chat.postMessage")) == 3
                              and len(fake.called("chat.postEphemeral")) == 1
                              and {row.status for row in restarted.outbox()} == {"sent"})
        assert len(restarted.kudos()) == 1
    finally:
        await restarted.close()


async def test_button_click_reaches_the_core_and_a_double_click_records_once(rig: SlackRig) -> None:
    first = block_actions(ANA_ID, "kudos:give", "x", message_ts="1763370000.000111")
    second = block_actions(ANA_ID, "kudos:give", "x", message_ts="1763370000.000111")  # new trigger id, new action_ts
    assert (await rig.interact(first))[0] == 200
    assert (await rig.interact(second))[0] == 200
    assert (await rig.interact(first))[0] == 200  # and a literal re-delivery
    await rig.settle()
    from sqlmodel import select

    from bot.events import ActionInput, event_from_json
    from storage.models import InboxEvent

    with rig.db.session() as session:
        rows = session.exec(select(InboxEvent)).all()
    assert len(rows) == 1
    given = event_from_json(rows[0].payload).input
    assert isinstance(given, ActionInput) and given.action_id == "kudos:give" and given.value == "x"
    # Another person clicking the same button is another click.
    await rig.interact(block_actions(BEN_ID, "kudos:give", "x", message_ts="1763370000.000111"))
    await rig.settle()
    assert rig.inbox_count() == 2


async def test_empty_kudos_opens_the_modal_and_its_submission_gives_kudos(rig: SlackRig) -> None:
    status, _ = await rig.command("/kudos", "", trigger_id="1337.42.abcdef")
    assert status == 200
    await rig.until(lambda: bool(rig.fake.called("views.open")))
    opened = rig.fake.called("views.open")[0]
    assert opened["trigger_id"] == "1337.42.abcdef"
    view = opened["view"]
    assert view["callback_id"] == "kudos:form"
    kinds = {b["block_id"]: b["element"]["type"] for b in view["blocks"]}
    assert kinds == {"recipients": "multi_users_select", "value": "static_select", "message": "plain_text_input"}
    assert "empathy" in [o["value"] for o in view["blocks"][1]["element"]["options"]]
    assert rig.inbox_count() == 0  # opening a form records nothing

    submission = {
        "type": "view_submission", "team": {"id": "T0EXTRA", "domain": "extramile-test"},
        "user": {"id": ANA_ID, "username": "ana", "name": "ana", "team_id": "T0EXTRA"},
        "api_app_id": "A0EXTRA", "token": "x", "trigger_id": "1338.42.fedcba",
        "view": {**view, "id": "V0FORM0001", "team_id": "T0EXTRA", "hash": "1763370000.AbCdEf12",
                 "state": {"values": {
                     "recipients": {"recipients": {"type": "multi_users_select", "selected_users": [BEN_ID, CHLOE_ID]}},
                     "value": {"value": {"type": "static_select", "selected_option": {
                         "text": {"type": "plain_text", "text": "Empathy"}, "value": "empathy"}}},
                     "message": {"message": {"type": "plain_text_input", "value": "thanks for the calm handover"}},
                 }}},
        "response_urls": [],
    }
    status, text = await rig.interact(submission)
    assert status == 200 and text in ("", "{}")
    assert (await rig.interact(submission))[0] == 200  # a re-delivery
    await rig.settle()
    [kudos] = rig.kudos()
    assert kudos.message == "thanks for the calm handover"
    await rig.until(lambda: any(p["channel"] == "CKUDOS001" for p in rig.fake.called("chat.postMessage")))
    announcement = next(p for p in rig.fake.called("chat.postMessage") if p["channel"] == "CKUDOS001")
    assert f"<@{BEN_ID}>, <@{CHLOE_ID}>" in announcement["text"]
    receipts = rig.fake.called("chat.postEphemeral")
    assert receipts and receipts[0]["channel"] == "CGENERAL1"  # back where /kudos was typed


async def test_app_home_is_published(rig: SlackRig) -> None:
    await rig.command("/kudos", f"<@{BEN_ID}> thanks for the help")
    event = {"type": "app_home_opened", "user": ANA_ID, "channel": "D0ANA0001", "tab": "home",
             "event_ts": "1763370000.000500"}
    await rig.event(event, event_id="Ev0HOME01")
    await rig.event(event, event_id="Ev0HOME01", headers={"X-Slack-Retry-Num": "1"})
    await rig.settle()
    await rig.until(lambda: bool(rig.fake.called("views.publish")))
    [published] = rig.fake.called("views.publish")
    assert published["user_id"] == ANA_ID and published["view"]["type"] == "home"
    text = json.dumps(published["view"]["blocks"])
    assert "Given" in text and "Left today" in text and "4 of 5" in text


async def test_thread_messages_become_replies(rig: SlackRig) -> None:
    from sqlmodel import select

    from bot.events import ReplyInput, event_from_json
    from storage.models import InboxEvent

    await rig.event({"type": "message", "channel": "CSTORIES1", "user": BEN_ID, "text": f"Great story <@{ANA_ID}>!",
                     "ts": "1763370001.000100", "thread_ts": "1763370000.000100", "channel_type": "channel"})
    await rig.event({"type": "message", "channel": "CSTORIES1", "user": BEN_ID, "text": "not in a thread",
                     "ts": "1763370002.000100", "channel_type": "channel"})
    await rig.event({"type": "message", "subtype": "bot_message", "channel": "CSTORIES1", "bot_id": "B9",
                     "text": "bot", "ts": "1763370003.000100", "thread_ts": "1763370000.000100"})
    await rig.settle()
    with rig.db.session() as session:
        rows = session.exec(select(InboxEvent)).all()
    assert len(rows) == 1
    event = event_from_json(rows[0].payload)
    assert isinstance(event.input, ReplyInput)
    assert event.input.text == f"Great story <@{ANA_ID}>!" and event.input.mentions[0].email == "ana.alvarez@example.com"
    assert event.where.thread == "1763370000.000100" and event.where.message == "1763370001.000100"


async def test_commands_typed_to_the_bot_in_a_direct_message(rig: SlackRig) -> None:
    """The bot's Messages tab reads the same grammar as the slash commands (and as Teams)."""
    from sqlmodel import select

    from bot.events import CommandInput, ReplyInput, event_from_json
    from storage.models import InboxEvent

    dm = "D0ANA0001"
    base = {"type": "message", "channel": dm, "channel_type": "im", "user": ANA_ID}
    kudos_text = f"kudos <@{BEN_ID}> #empathy thanks for the calm handover"
    await rig.event({**base, "text": kudos_text, "ts": "1763370101.000100"}, event_id="Ev0DM00001")
    await rig.event({**base, "text": kudos_text, "ts": "1763370101.000100"}, event_id="Ev0DM00001",
                    headers={"X-Slack-Retry-Num": "1"})
    await rig.event({**base, "text": "hello there", "ts": "1763370102.000100"}, event_id="Ev0DM00002")
    await rig.event({**base, "text": "sounds good to me", "ts": "1763370103.000100",
                     "thread_ts": "1763370101.000100"}, event_id="Ev0DM00003")
    await rig.event({**base, "text": "kudos mine", "ts": "1763370104.000100",
                     "thread_ts": "1763370101.000100"}, event_id="Ev0DM00004")
    await rig.event({**base, "subtype": "file_share", "text": "help", "ts": "1763370105.000100",
                     "files": [{"id": "F0SCREEN1"}]}, event_id="Ev0DM00005")
    await rig.event({**base, "subtype": "message_changed", "text": "kudos edited", "ts": "1763370106.000100"},
                    event_id="Ev0DM00006")
    await rig.event({"type": "message", "channel": dm, "channel_type": "im", "bot_id": "B0EXTRA", "user": "U0BOT",
                     "text": "kudos from a bot", "ts": "1763370107.000100"}, event_id="Ev0DM00007")
    await rig.event({"type": "message", "channel": "CGENERAL1", "channel_type": "channel", "user": ANA_ID,
                     "text": "kudos in a channel is just chat", "ts": "1763370108.000100"}, event_id="Ev0DM00008")
    await rig.settle()

    with rig.db.session() as session:
        recorded = {row.dedupe_key.rsplit(":", 1)[-1]: event_from_json(row.payload).input
                    for row in session.exec(select(InboxEvent)).all()}
    assert set(recorded) == {"Ev0DM00001", "Ev0DM00002", "Ev0DM00003", "Ev0DM00004", "Ev0DM00005"}
    assert recorded["Ev0DM00001"] == CommandInput(name="kudos", text=f"<@{BEN_ID}> #empathy thanks for the calm handover",
                                                  mentions=recorded["Ev0DM00001"].mentions)
    assert recorded["Ev0DM00001"].mentions[0].email == "ben.brooks@example.com"
    assert isinstance(recorded["Ev0DM00003"], ReplyInput)  # not a command: a reply in the DM's thread
    assert recorded["Ev0DM00004"] == CommandInput(name="kudos", text="mine")  # a command, even in a thread
    assert recorded["Ev0DM00005"] == CommandInput(name="help")  # a line sent with a screenshot

    def answers_in_dm() -> list[str]:
        calls = rig.fake.called("chat.postEphemeral") + rig.fake.called("chat.postMessage")
        return [call["text"] for call in calls if call.get("channel") == dm]

    # An unknown word gets the list of commands, privately (the DM is paced like any conversation).
    await rig.until(lambda: any("hello" in text and "kudos" in text for text in answers_in_dm())
                    and any("Kudos sent" in text for text in answers_in_dm()))
    [kudos] = rig.kudos()
    assert kudos.message == "thanks for the calm handover" and kudos.platform == "slack"
    assert sum("Kudos sent" in text for text in answers_in_dm()) == 1  # the retried delivery counted once


async def test_when_the_modal_cannot_open_an_empty_kudos_gets_the_usage(rig: SlackRig) -> None:
    rig.fake.fail_next(1, status=500, method="views.open")
    status, _ = await rig.command("/kudos", "", trigger_id="1337.42.abcdef")
    assert status == 200
    await rig.until(lambda: bool(rig.fake.called("chat.postEphemeral")))
    [usage] = rig.fake.called("chat.postEphemeral")
    assert "Give kudos" in usage["text"] and "/kudos @ana @ben #empathy" in json.dumps(usage["blocks"])
    assert rig.kudos() == []

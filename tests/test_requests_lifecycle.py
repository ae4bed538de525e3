"""/request through the console path: the whole life of a request, permissions and bad input."""

from datetime import timedelta

import pytest

from bot.config import ConfigError, parse_config
from tests.requests_support import click, events, request, request_kudos, requests
from tests.support import ANA, BEN, CHLOE, T0, Harness, base_config


async def test_whole_life_from_creation_to_rating_and_thanks(harness: Harness) -> None:
    out = await harness.say(ANA, "/request @ben send me the Q3 figures by Friday #finance")
    assert "REQ-1 sent to Ben Brooks" in out and "You asked for it by Fri 20 Nov 17:30 CET" in out
    assert "→ Ben Brooks (@ben, private):\n    *REQ-1* — @ana asks you: send me the Q3 figures" in out
    assert "[Acknowledge]" in out and "[Promise a date]" in out and "[Done]" in out and "[Reassign]" in out
    assert "[Decline]" in out and "→ Ana Alvarez (@ana, private):\n    *REQ-1* — you asked @ben" in out
    req = request(harness, 1)
    assert (req.status, req.category, req.urgent, req.title) == ("open", "finance", False, "send me the Q3 figures")

    # The owner's button: both messages are updated in place, the requester hears of it.
    out = await click(harness, BEN, "request:ack", "1")
    assert "→ Ben Brooks (@ben, private) (updated):" in out and "→ Ana Alvarez (@ana, private) (updated):" in out
    assert ":eyes: @ben acknowledged REQ-1." in out
    harness.clock.advance(timedelta(minutes=30))
    out = await harness.say(BEN, "/request promise REQ-1 Thursday 3pm")
    assert "You promised REQ-1 for Thu 19 Nov 15:00 CET" in out
    assert ":handshake: @ben promised REQ-1 for Thu 19 Nov 15:00 CET." in out
    out = await harness.say(BEN, "/request update REQ-1 waiting for the last invoices")
    assert "Update on REQ-1 from @ben: waiting for the last invoices" in out
    out = await harness.say(BEN, "/request done REQ-1 figures are in the shared folder")
    assert '@ben delivered REQ-1: "figures are in the shared folder"' in out and "[Confirm]  [Reopen]" in out
    out = await click(harness, ANA, "request:confirm", "1")
    assert ":tada: @ana confirmed REQ-1" in out and "[★★★★★]" in out and "[Thank Ben Brooks]" in out
    out = await harness.say(ANA, "/request rate REQ-1 5 quick and thorough")
    assert ':star: @ana rated REQ-1 5/5: "quick and thorough"' in out
    out = await click(harness, ANA, "request:thank", "1")
    assert '→ #kudos:\n    :tada: *@ana* gave kudos to *@ben*: "for REQ-1: send me the Q3 figures"' in out
    kudos = request_kudos(harness)
    assert len(kudos) == 1 and kudos[0].source_ref == "REQ-1"
    assert "already thanked" in await click(harness, ANA, "request:thank", "1")
    assert len(request_kudos(harness)) == 1

    req = request(harness, 1)
    assert (req.status, req.rating, req.rating_comment, req.thanked_kudos_id) == ("confirmed", 5, "quick and thorough", kudos[0].id)
    assert req.first_response_business_s == 0 and not req.promise_broken
    assert events(harness, 1) == ["created", "acknowledged", "promised", "update", "delivered", "confirmed", "rated", "thanked"]
    show = await harness.say(ANA, "/request show REQ-1")
    assert "*History*" in show and "| Ben Brooks | promised | 2026-11-19 14:00 UTC" in show and "| Ana Alvarez | thanked" in show


async def test_dates_in_plain_words_in_the_requesters_timezone(harness: Harness) -> None:
    await harness.say(ANA, "/request @ben call the customer back by tomorrow 3pm")
    await harness.say(ANA, "/request @ben check the contract by in 2 days")
    await harness.say(ANA, "/request @ben renew the licence by 2026-12-01 !urgent #it")
    # Felix lives in New York: "tomorrow 3pm" is his 3pm.
    await harness.say("felix.wagner@example.com", "/request @ben send the deck by tomorrow 3pm")
    due = {r.number: r.asked_due_at.isoformat() for r in requests(harness)}
    assert due == {1: "2026-11-18T14:00:00+00:00", 2: "2026-11-19T16:30:00+00:00", 3: "2026-12-01T16:30:00+00:00",
                   4: "2026-11-18T20:00:00+00:00"}
    third = request(harness, 3)
    assert third.urgent and third.category == "it" and third.first_response_target_s == 3600


async def test_bad_dates_unknown_owners_and_bad_shapes_record_nothing(harness: Harness) -> None:
    cases = {
        "/request @ben the figures by yesterday": "already past",
        "/request @ben the figures by 2020-01-01": "already past",
        "/request @ben the figures by the blue moon": "I couldn't read \"the blue moon\" as a date",
        "/request @bne the figures": "I don't know anyone called @bne. Did you mean @ben (Ben Brooks)?",
        "/request @ana the figures": "That's you",
        "/request the figures please": "name them first",
        "/request @ben @chloe the figures": "one owner",
        "/request @ben": "Say what you need from @ben",
        "/request ack 12x": "is not a request number",
        "/request ack REQ-99": "REQ-99 is not one of your requests",
        "/request reopen REQ-1": "Say what is still missing",
    }
    for line, expected in cases.items():
        out = await harness.say(ANA, line)
        assert expected in out, (line, out)
        assert "private)" not in out
    assert requests(harness) == []
    assert all(row.kind == "ephemeral" for row in harness.outbox())


async def test_only_the_people_a_step_belongs_to_may_take_it(harness: Harness) -> None:
    await harness.say(ANA, "/request @ben send me the Q3 figures")
    # Somebody who is not a party learns nothing (see test_security_requests.py); the parties hear who may.
    assert "REQ-1 is not one of your requests" in await harness.say(CHLOE, "/request ack REQ-1")
    assert "Only Ben Brooks can acknowledge REQ-1" in await click(harness, ANA, "request:ack", "1")
    assert "REQ-1 is not one of your requests" in await click(harness, CHLOE, "request:decline", "1")
    assert "Only Ana Alvarez can cancel REQ-1" in await harness.say(BEN, "/request cancel REQ-1")
    await harness.say(BEN, "/request done REQ-1 sent")
    assert "Only Ana Alvarez can confirm REQ-1" in await harness.say(BEN, "/request confirm REQ-1")
    assert "Only Ana Alvarez can rate REQ-1" in await harness.say(BEN, "/request rate REQ-1 5")
    assert "REQ-1 is not one of your requests" in await harness.say(CHLOE, "/request show REQ-1")
    assert "can't be confirmed" not in await harness.say(ANA, "/request confirm REQ-1")
    assert "can't get a promise now" in await harness.say(BEN, "/request promise REQ-1 Friday")
    assert "from 1 (poor) to 5" in await harness.say(ANA, "/request rate REQ-1 7")
    assert request(harness, 1).status == "confirmed" and request(harness, 1).rating is None


async def test_buttons_that_need_an_argument_say_what_to_type(harness: Harness) -> None:
    await harness.say(ANA, "/request @ben send me the Q3 figures by Friday")
    assert "`/request promise REQ-1 Friday 3pm`" in await click(harness, BEN, "request:promise", "1")
    assert "`/request decline REQ-1 the reason`" in await click(harness, BEN, "request:decline", "1")
    assert "`/request reassign REQ-1 @someone`" in await click(harness, BEN, "request:reassign", "1")
    out = await click(harness, BEN, "request:accept", "1")  # accept the asked date
    assert "You promised REQ-1 for Fri 20 Nov 17:30 CET" in out
    assert request(harness, 1).status == "promised"


async def test_renegotiated_before_due_is_not_broken_but_late_is(harness: Harness) -> None:
    await harness.say(ANA, "/request @ben send me the Q3 figures")
    await harness.say(BEN, "/request promise REQ-1 Thursday 3pm")
    harness.clock.advance(timedelta(days=1))
    out = await harness.say(BEN, "/request promise REQ-1 Friday 3pm")
    assert "counts as renegotiated, not broken" in out and ":calendar: @ben moved the date of REQ-1" in out
    req = request(harness, 1)
    assert req.promise_renegotiations == 1 and not req.promise_broken
    harness.clock.set(T0 + timedelta(days=4))  # Saturday: Friday 3pm has passed
    out = await harness.say(BEN, "/request promise REQ-1 Monday noon")
    assert "the earlier date had already passed" in out
    assert request(harness, 1).promise_broken
    # A second request delivered after its promise is broken too.
    await harness.say(ANA, "/request @ben another thing")
    await harness.say(BEN, "/request promise REQ-2 in 3 hours")
    harness.clock.advance(timedelta(hours=4))
    await harness.say(BEN, "/request done REQ-2")
    assert request(harness, 2).promise_broken


async def test_reopen_decline_cancel_and_reassign(harness: Harness) -> None:
    await harness.say(ANA, "/request @ben fix the invoice")
    await harness.say(BEN, "/request done REQ-1")
    out = await harness.say(ANA, "/request reopen REQ-1 the totals are still wrong")
    assert ':leftwards_arrow_with_hook: @ana reopened REQ-1: "the totals are still wrong"' in out
    await harness.say(BEN, "/request done REQ-1 fixed the totals")
    assert request(harness, 1).reopen_count == 1 and request(harness, 1).delivery_count == 2

    await harness.say(ANA, "/request @ben order chairs")
    out = await harness.say(BEN, "/request decline REQ-2 facilities does this, ask @zoe")
    assert '@ben declined REQ-2: "facilities does this, ask @zoe"' in out

    await harness.say(ANA, "/request @ben book the room")
    out = await harness.say(ANA, "/request cancel REQ-3 found one myself")
    assert '@ana cancelled REQ-3: "found one myself"' in out

    await harness.say(ANA, "/request @ben review the slides")
    out = await harness.say(BEN, "/request reassign REQ-4 @chloe")
    assert "REQ-4 was reassigned to Chloe Chen; nothing more to do for you." in out
    assert "→ Chloe Chen (@chloe, private):\n    *REQ-4* — @ana asks you" in out
    assert "REQ-4 is now with Chloe Chen." in out
    assert "REQ-4 is not one of your requests" in await harness.say(BEN, "/request ack REQ-4")
    assert "@chloe acknowledged" in await harness.say(CHLOE, "/request ack REQ-4")
    statuses = [r.status for r in requests(harness)]
    assert statuses == ["delivered", "declined", "cancelled", "acknowledged"]


async def test_list_show_help_home_and_numbering(harness: Harness) -> None:
    await harness.say(ANA, "/request @ben one")
    await harness.say(BEN, "/request @ana two")
    await harness.say(CHLOE, "/request @ben three")
    assert [r.number for r in requests(harness)] == [1, 2, 3]
    out = await harness.say(ANA, "/request list")
    assert "Asked by you:\n    • REQ-1 — one (Ben Brooks, waiting for a first response)" in out
    assert "Assigned to you:\n    • REQ-2 — two (Ben Brooks" in out and "Overdue" not in out
    harness.clock.advance(timedelta(hours=5))
    assert "Overdue:\n    • REQ-1" in await harness.say(ANA, "/request list")
    home = await harness.say(BEN, "home")
    assert "Your kudos" in home and "REQ-3 — three (Chloe Chen" in home
    assert "`/request ack REQ-n`" in await harness.say(ANA, "/request help")
    assert "/request @ben" in await harness.say(ANA, "help")
    assert "Ana Alvarez | created" in await harness.say(ANA, "/request show REQ-1")  # admin and requester


async def test_the_same_delivery_twice_creates_one_request(harness: Harness) -> None:
    await harness.say(ANA, "/request @ben one", key="slack:Ev1")
    assert await harness.say(ANA, "/request @ben one", key="slack:Ev1") == ""
    assert len(requests(harness)) == 1


def test_requests_settings_parse_and_explain_mistakes() -> None:
    settings = base_config().requests
    assert settings.first_response.target("it", False) == timedelta(hours=2)
    assert settings.first_response.target("it", True) == timedelta(hours=1)
    assert settings.first_response.target(None, False) == timedelta(hours=4)
    assert settings.reminder_points() == [("50%", 0.5), ("100%", 1.0)]
    assert settings.promise_points() == [("-1d", -1), ("0d", 0)]
    assert settings.escalate_fraction() == 1.5 and settings.auto_confirm_days == 3
    custom = parse_config('requests: {first_response: {default: 1h30m}, reminders: ["25%"], escalate_after: 200%}')
    assert custom.requests.first_response.target(None, False) == timedelta(minutes=90)
    bad = {
        "requests: {first_response: {default: four}}": "requests.first_response.default: 'four' is not a duration",
        "requests: {reminders: [50]}": "requests.reminders.0: '50' is not a percentage",
        "requests: {escalate_after: soon}": "requests.escalate_after: 'soon' is not a percentage",
        "requests: {promise_reminders: [tomorrow]}": "requests.promise_reminders.0: 'tomorrow' is not a business-day offset",
        "requests: {escalation_contacts: {it: bob}}": "requests.escalation_contacts.it: 'bob' is not an email",
        "requests: {auto_confirm_days: 0}": "requests.auto_confirm_days",
    }
    for text, expected in bad.items():
        with pytest.raises(ConfigError) as info:
            parse_config(text)
        assert expected in str(info.value), str(info.value)


async def test_platform_mentions_name_the_owner(harness: Harness) -> None:
    from bot.events import Mention

    mention = Mention(token="<@U0BEN>", user_id="U0BEN", name="Ben Brooks", email=BEN)
    out = await harness.say(ANA, "/request <@U0BEN> send the contract by Friday", mentions=(mention,))
    assert "REQ-1 sent to Ben Brooks" in out
    assert request(harness, 1).title == "send the contract"
    out = await harness.say(ANA, "/request reassign REQ-1 <@U0CHL>",
                            mentions=(Mention(token="<@U0CHL>", user_id="U0CHL", name="Chloe Chen", email=CHLOE),))
    assert "reassigned to Chloe Chen" in out


def test_numbers_stay_unique_when_created_concurrently(harness: Harness) -> None:
    import threading

    if harness.db.url.startswith("sqlite"):
        pytest.skip("SQLite serialises writers; concurrent numbering matters on PostgreSQL")

    from sqlmodel import select

    from storage import requests as repo
    from storage.models import Person
    from storage.request_models import Request as Row

    with harness.db.session() as session:
        ben, ana = (session.exec(select(Person.id).where(Person.handle == h)).one() for h in ("ben", "ana"))
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for i in range(5):
                with harness.db.session() as session:
                    repo.create(session, Row(org_id=harness.runtime.services.org_id, number=0, requester_id=ana,
                                             owner_id=ben, title=f"t{i}", created_at=T0, updated_at=T0,
                                             sla_started_at=T0, first_response_due_at=T0))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert sorted(r.number for r in requests(harness)) == list(range(1, 31))

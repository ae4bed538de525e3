"""Reminders, escalation and auto-confirmation through the real scheduler sweep, across restarts."""

from datetime import timedelta

from tests.requests_support import points, request, sweep
from tests.support import BEN, CHLOE, T0, Harness, base_config

# T0 is Tuesday 17 Nov 2026, 10:00 in Berlin. Default target 4h: 50% at 12:00, 100% at 14:00 and
# the escalation (150%) at 16:00 Berlin time, i.e. 11:00, 13:00 and 15:00 UTC.
MIN = timedelta(minutes=1)


def _harness(database_url: str, start=T0, extra: str = "") -> Harness:
    h = Harness(database_url, base_config(extra), start=start)
    h.seed_demo()
    return h


def _bells(h: Harness) -> list[str]:
    return [row.body for row in h.outbox() if ":bell:" in row.body]


def _escalations(h: Harness) -> list[str]:
    return [row.body for row in h.outbox() if ":rotating_light:" in row.body]


async def test_each_reminder_once_and_one_escalation_across_restarts(database_url: str) -> None:
    h = _harness(database_url)
    await h.say(CHLOE, "/request @ben check the refund for order 4711")
    assert await sweep(h) == ""
    h.clock.set(T0 + timedelta(hours=2) + MIN)
    out = await sweep(h)
    assert "→ Ben Brooks (@ben, private):\n    :bell: REQ-1 from @chloe is waiting for your first response" in out
    assert "→ Chloe Chen (@chloe, private):\n    FYI: I sent Ben Brooks a friendly reminder about REQ-1" in out
    assert await sweep(h) == ""
    h.close()

    # "Restart": a new runtime on the same database, the clock moved on from outside.
    h = Harness(database_url, base_config(), start=T0 + timedelta(hours=4) + MIN)
    out = await sweep(h)
    assert ":bell: REQ-1 from @chloe is waiting past its first-response target" in out
    assert await sweep(h) == ""
    h.close()

    h = Harness(database_url, base_config(), start=T0 + timedelta(hours=6) + MIN)
    out = await sweep(h)
    assert "→ Ana Alvarez (@ana, private):\n    :rotating_light: REQ-1 from @chloe to @ben" in out
    assert "so Ana Alvarez was asked to help" in out and "asked for help one level up" in out
    assert await sweep(h) == ""
    h.clock.advance(timedelta(days=3))
    assert await sweep(h) == ""
    assert len(_bells(h)) == 2 and len(_escalations(h)) == 1
    assert points(h, 1) == {"first:50%": "sent", "first:50%:told": "sent", "first:100%": "sent",
                            "first:100%:told": "sent", "escalate": "sent", "escalate:told": "sent", "escalate:owner": "sent"}
    h.close()


async def test_after_downtime_only_the_latest_point_is_sent(database_url: str) -> None:
    h = _harness(database_url)
    await h.say(CHLOE, "/request @ben check the refund")
    h.close()
    h = Harness(database_url, base_config(), start=T0 + timedelta(days=1))
    out = await sweep(h)
    assert ":rotating_light:" in out and ":bell:" not in out
    assert await sweep(h) == ""
    assert points(h, 1) == {"first:50%": "passed", "first:100%": "passed", "escalate": "sent", "escalate:owner": "sent",
                            "escalate:told": "sent"}
    h.close()


async def test_answered_requests_are_not_reminded(harness: Harness) -> None:
    await harness.say(CHLOE, "/request @ben check the refund")
    await harness.say(BEN, "/request ack REQ-1")
    harness.clock.advance(timedelta(days=2))
    assert await sweep(harness) == ""


async def test_no_reminder_at_night_next_business_morning_instead(database_url: str) -> None:
    # Tuesday 17:00 Berlin: half an hour of business time left today, 50% (2h) falls on Wednesday 10:30.
    h = _harness(database_url, start=T0 + timedelta(hours=7))
    await h.say(CHLOE, "/request @ben check the refund")
    h.clock.set(T0 + timedelta(hours=11))  # 21:00 Berlin
    assert await sweep(h) == ""
    h.clock.set(T0 + timedelta(days=1, minutes=29))  # Wednesday 10:29 Berlin
    assert await sweep(h) == ""
    h.clock.set(T0 + timedelta(days=1, minutes=31))
    assert ":bell: REQ-1" in await sweep(h)
    h.close()


async def test_no_reminder_on_a_configured_holiday(database_url: str) -> None:
    h = _harness(database_url, start=T0 + timedelta(hours=7),
                 extra='requests: {holidays: {country: DE, subdivision: BE, extra: ["2026-11-18"]}}')
    await h.say(CHLOE, "/request @ben check the refund")
    h.clock.set(T0 + timedelta(days=1, hours=1))  # Wednesday 11:00 Berlin, a holiday
    assert await sweep(h) == ""
    h.clock.set(T0 + timedelta(days=2, minutes=29))  # Thursday 10:29
    assert await sweep(h) == ""
    h.clock.set(T0 + timedelta(days=2, minutes=31))
    assert ":bell: REQ-1" in await sweep(h)
    h.close()


async def test_each_person_has_their_own_business_day(database_url: str) -> None:
    # Felix works in New York: his day starts at 14:00 UTC, so 50% of 4h falls at 16:00 UTC.
    h = _harness(database_url)
    await h.say(CHLOE, "/request @felix send the price list")
    h.clock.set(T0 + timedelta(hours=6, minutes=59))
    assert await sweep(h) == ""
    h.clock.set(T0 + timedelta(hours=7, minutes=1))
    out = await sweep(h)
    assert "→ Felix Wagner (@felix, private):\n    :bell:" in out and "FYI" in out  # 17:01 in Berlin: Chloe is told now
    # 100% at 18:00 UTC: 19:00 in Berlin, so Chloe's note waits for her next morning.
    h.clock.set(T0 + timedelta(hours=9, minutes=1))
    out = await sweep(h)
    assert ":bell:" in out and "FYI" not in out
    assert points(h, 1)["first:100%:told"] == "pending"
    h.clock.set(T0 + timedelta(hours=23, minutes=1))  # Wednesday 09:01 Berlin
    out = await sweep(h)
    assert "→ Chloe Chen (@chloe, private):\n    FYI: I sent Felix Wagner a friendly reminder" in out
    assert await sweep(h) == ""
    h.close()


async def test_escalation_goes_to_the_categorys_contact(database_url: str) -> None:
    h = _harness(database_url, extra="requests: {escalation_contacts: {it: ines.kowalski@example.com}}")
    await h.say(CHLOE, "/request @ben reset my VPN token #it")  # #it: 2h target, escalation after 3h
    h.clock.set(T0 + timedelta(hours=3, minutes=1))
    out = await sweep(h)
    assert "→ Ines Kowalski (@ines, private):\n    :rotating_light: REQ-1" in out
    h.close()


async def test_promise_reminders_the_day_before_and_on_the_day(harness: Harness) -> None:
    await harness.say(CHLOE, "/request @ben check the refund")
    await harness.say(BEN, "/request promise REQ-1 Friday 3pm")
    harness.clock.set(T0 + timedelta(days=1, hours=22))  # Thursday 08:00 Berlin: before business hours
    assert await sweep(harness) == ""
    harness.clock.set(T0 + timedelta(days=2, minutes=1))  # Thursday 10:01 Berlin
    out = await sweep(harness)
    assert ":bell: You promised REQ-1 to @chloe for Fri 20 Nov 15:00 CET" in out
    assert await sweep(harness) == ""
    harness.clock.set(T0 + timedelta(days=3, minutes=1))
    assert ":bell: You promised REQ-1" in await sweep(harness)
    assert await sweep(harness) == ""
    # A renegotiated promise gets its own reminders.
    await harness.say(BEN, "/request promise REQ-1 Tuesday 3pm")
    harness.clock.set(T0 + timedelta(days=6, minutes=1))  # Monday 10:01
    assert ":bell: You promised REQ-1 to @chloe for Tue 24 Nov 15:00 CET" in await sweep(harness)
    assert len(_bells(harness)) == 3


async def test_delivered_requests_confirm_themselves_after_business_days(harness: Harness) -> None:
    await harness.say(CHLOE, "/request @ben check the refund")
    await harness.say(BEN, "/request done REQ-1 refunded")
    harness.clock.set(T0 + timedelta(days=3) - MIN)  # Friday 09:59 Berlin: 3 business days are not over
    assert await sweep(harness) == ""
    harness.clock.set(T0 + timedelta(days=3) + MIN)
    out = await sweep(harness)
    assert "REQ-1 was confirmed automatically after 3 business days" in out
    assert "→ Ben Brooks (@ben, private):\n    :tada: Chloe Chen confirmed REQ-1" in out
    req = request(harness, 1)
    assert req.status == "confirmed" and req.auto_confirmed
    assert await sweep(harness) == ""
    assert "Thanks for rating REQ-1 4/5" in await harness.say(CHLOE, "/request rate REQ-1 4")

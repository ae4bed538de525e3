"""Requests as an attacker sees them: no enumeration, and buttons re-checked against the database.

Somebody who is neither the requester nor the owner of a request gets one answer for every step
and every button, whether the request exists or not, and it names nobody: they cannot learn
which numbers exist, who asked whom, or in which state a request is.
"""

from __future__ import annotations

from tests.requests_support import click, events, request, requests
from tests.support import ANA, BEN, CHLOE, Harness

NOT_YOURS = "REQ-1 is not one of your requests"

# Every step typed by somebody who is not a party (Chloe) on REQ-1.
STEPS = [
    "/request ack REQ-1", "/request promise REQ-1", "/request promise REQ-1 Friday 3pm",
    "/request promise REQ-1 by the blue moon", "/request update REQ-1 any news?", "/request done REQ-1",
    "/request done REQ-1 sent it", "/request confirm REQ-1", "/request reopen REQ-1 still wrong",
    "/request rate REQ-1 5 great", "/request rate REQ-1 9", "/request decline REQ-1 not mine",
    "/request cancel REQ-1", "/request show REQ-1", "/request reassign REQ-1 @diego",
    "/request reassign REQ-1 @nobody-we-know", "/request acknowledge #1", "/request close 1",
]
# Every button a request message can carry, with the value it carries (and forged ones).
BUTTONS = [
    ("request:ack", "1"), ("request:accept", "1"), ("request:promise", "1"), ("request:done", "1"),
    ("request:reassign", "1"), ("request:decline", "1"), ("request:confirm", "1"), ("request:reopen", "1"),
    ("request:rate", "1:5"), ("request:thank", "1"), ("request:cancel", "1"), ("request:show", "1"),
    ("request:update", "1:forged update"), ("request:rate", "1:forged"),
]


async def _answers(h: Harness) -> list[str]:
    answers = [await h.say(CHLOE, line) for line in STEPS]
    answers += [await click(h, CHLOE, action, value) for action, value in BUTTONS]
    return answers


async def test_a_stranger_gets_the_same_answer_whether_the_request_exists_or_not(harness: Harness) -> None:
    missing = await _answers(harness)
    for (line, answer) in zip(STEPS + [f"{a} {v}" for a, v in BUTTONS], missing):
        assert NOT_YOURS in answer, (line, answer)

    # REQ-1 now exists, asked of Ben by Ana with a date: Chloe's answers do not change by a letter.
    await harness.say(ANA, "/request @ben send me the Q3 figures by Friday #finance")
    assert await _answers(harness) == missing
    # ... nor once it is delivered, nor once it is confirmed.
    await harness.say(BEN, "/request done REQ-1 in the shared folder")
    assert await _answers(harness) == missing
    await harness.say(ANA, "/request confirm REQ-1")
    assert await _answers(harness) == missing

    for answer in missing:
        for name in ("Ana", "Ben", "Q3", "finance", "confirmed", "delivered"):
            assert name not in answer, (name, answer)
    # Nothing a stranger did changed the request or its history.
    assert request(harness, 1).status == "confirmed" and request(harness, 1).rating is None
    assert events(harness, 1) == ["created", "delivered", "confirmed"]


async def test_forged_clicks_change_nothing(harness: Harness) -> None:
    await harness.say(ANA, "/request @ben send me the Q3 figures")
    await harness.say(ANA, "/request @chloe book the room")
    # Chloe owns REQ-2; a button of hers forged to name REQ-1 does not reach REQ-1.
    assert NOT_YOURS in await click(harness, CHLOE, "request:ack", "1")
    assert NOT_YOURS in await click(harness, CHLOE, "request:cancel", "1")
    assert NOT_YOURS in await click(harness, CHLOE, "request:decline", "1:forged reason")
    # The owner clicking the requester's buttons (forged), or with a forged argument, is refused.
    assert "Only Ana Alvarez can cancel REQ-1" in await click(harness, BEN, "request:cancel", "1")
    await harness.say(BEN, "/request done REQ-1 here")
    assert "Only Ana Alvarez can confirm REQ-1" in await click(harness, BEN, "request:confirm", "1")
    assert "Only Ana Alvarez can rate REQ-1" in await click(harness, BEN, "request:rate", "1:5")
    await click(harness, ANA, "request:confirm", "1")
    assert "from 1 (poor) to 5" in await click(harness, ANA, "request:rate", "1:55")
    assert [r.status for r in requests(harness)] == ["confirmed", "open"]
    assert request(harness, 1).rating is None and request(harness, 2).status == "open"
    assert events(harness, 1) == ["created", "delivered", "confirmed"]


async def test_the_parties_still_get_specific_answers(harness: Harness) -> None:
    await harness.say(ANA, "/request @ben send me the Q3 figures")
    assert "Only Ben Brooks can acknowledge REQ-1" in await harness.say(ANA, "/request ack REQ-1")
    assert "Only Ana Alvarez can cancel REQ-1" in await harness.say(BEN, "/request cancel REQ-1")
    assert "REQ-2 is not one of your requests" in await harness.say(BEN, "/request show REQ-2")

"""Private means private: what is meant for one person is addressed to that person only.

The core addresses a message to the invoker (``ToInvoker``: Slack ephemeral or DM, Teams 1:1
chat), to a person (``ToPerson``: a direct message) or to the home; only announcements go to a
configured channel. Commands are typed here in a public channel, the way Slack slash commands
(only the author sees the command text) and Teams channel mentions (everyone sees it) arrive.
"""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest

from bot.events import Actor, Address, CommandInput, Event
from bot.messages import message_from_json
from storage.models import OutboxMessage
from tests.prompts_support import dump_database, stories
from tests.support import ANA, BEN, Harness

HANA = "hana.sato@example.com"  # roles.hr
NEWCOMER = "quiet.newcomer@example.com"
CHANNEL = "C0PUBLIC"
ANNOUNCEMENT_CHANNELS = {"#kudos", "#service-stories"}


def in_channel(h: Harness, email: str, line: str, *, private_origin: bool, platform: str = "console",
               conversation: str = CHANNEL, user_id: str = "") -> Event:
    name, _, text = line.strip().partition(" ")
    return Event(dedupe_key=f"test:{uuid.uuid4()}",
                 actor=Actor(platform=platform, tenant="local", user_id=user_id or email, email=email),
                 where=Address(platform=platform, tenant="local", conversation=conversation, is_private=False,
                               private_origin=private_origin),
                 input=CommandInput(name=name.lstrip("/"), text=text), received_at=h.clock.now())


def _rows_after(h: Harness, first_id: int) -> list[OutboxMessage]:
    return [r for r in h.outbox() if r.id is not None and r.id > first_id]


def _last_id(h: Harness) -> int:
    rows = h.outbox()
    return rows[-1].id or 0 if rows else 0


COMMANDS = [
    (ANA, "help"), (ANA, "home"), (ANA, "/kudos help"), (ANA, "/kudos mine"), (ANA, "/kudos top"),
    (ANA, "/kudos leaderboard off"), (ANA, "/kudos"), (ANA, "/kudos @ben thanks for the figures #empathy"),
    (ANA, "/kudos @nobody thanks"), (ANA, "/request help"), (ANA, "/request @ben send me the Q3 figures"),
    (ANA, "/request list"), (ANA, "/request show REQ-1"), (BEN, "/request ack REQ-1"), (BEN, "/request show REQ-1"),
    (BEN, "/request done REQ-1 in the folder"), (ANA, "/request confirm REQ-1"), (ANA, "/request rate REQ-1 5"),
    (ANA, "/request show REQ-7"), (ANA, "/prompts help"), (ANA, "/prompts list"), (BEN, "/prompts list"),
    (ANA, "/story help"), (ANA, "/story good Ben rebuilt the export #extra-mile"), (ANA, "/story nonsense"),
    (ANA, "/culture report 2026-10"), (HANA, "/culture report 2026-10"), (HANA, "/culture report october"),
    (ANA, "/nonsense"),
]


@pytest.mark.parametrize("private_origin", [True, False], ids=["slash-command", "channel-mention"])
async def test_answers_for_one_person_never_reach_the_channel(harness: Harness, private_origin: bool) -> None:
    for email, line in COMMANDS:
        before = _last_id(harness)
        await harness.send(in_channel(harness, email, line, private_origin=private_origin))
        for row in _rows_after(harness, before):
            message = message_from_json(row.body)
            if row.kind == "channel":  # only the public announcements of kudos and stories
                assert row.destination in ANNOUNCEMENT_CHANNELS, (line, row.destination, message.text)
                assert row.destination != CHANNEL
            else:
                assert row.kind in ("ephemeral", "dm", "home"), (line, row.kind)
            if row.kind == "ephemeral":
                assert row.user, (line, message.text)  # an ephemeral row always names its one reader


async def test_the_report_link_goes_only_to_the_hr_persons_direct_chat(harness: Harness) -> None:
    before = _last_id(harness)
    await harness.send(in_channel(harness, HANA, "/culture report 2026-10", private_origin=True))
    rows = _rows_after(harness, before)
    with_link = [r for r in rows if "/reports/" in r.body]
    assert [(r.kind, r.destination) for r in with_link] == [("dm", HANA)]
    # In the channel, the bot says at most that it sent a private message.
    pointers = [message_from_json(r.body) for r in rows if r.kind != "dm"]
    assert [(p.text, p.attachments) for p in pointers] == [("I've sent you a private message with the culture "
                                                            "report for 2026-10.", ())]
    # Typed in the person's own chat with the bot: only the report, no pointer.
    before = _last_id(harness)
    await harness.say(HANA, "/culture report 2026-10")
    rows = _rows_after(harness, before)
    assert [r.kind for r in rows] == ["dm"] and "/reports/" in rows[0].body


@pytest.mark.parametrize("where", [
    Address(platform="teams", tenant="local", conversation="19:general@thread.tacv2", thread="1700000000000"),
    Address(platform="teams", tenant="local", conversation="19:group-chat@thread.v2"),
    Address(platform="slack", tenant="local", conversation="C0PUBLIC", thread="1700000000.000100"),
], ids=["teams-channel", "teams-group-chat", "slack-channel-thread"])
async def test_an_anonymous_story_where_others_see_the_author_is_refused_privately(harness: Harness,
                                                                                   where: Address) -> None:
    event = in_channel(harness, NEWCOMER, "/story bad anon the handover had no notes #dependability",
                       private_origin=False, platform=where.platform, user_id="U0QUIETNEW")
    event = replace(event, where=where)
    before = _last_id(harness)
    await harness.send(event)
    assert stories(harness) == []
    rows = _rows_after(harness, before)
    assert [r.kind for r in rows] == ["ephemeral"]
    assert "Nothing was shared" in message_from_json(rows[0].body).text
    # Nothing about the author is recorded: the refusal's outbox row forgets its reader once
    # delivered, and no other table holds a trace (no person, no identity, no inbox payload).
    assert rows[0].ref_key.startswith("forget:")
    after = "\n".join(line for line in dump_database(harness).splitlines() if not line.startswith("outbox_message:"))
    for trace in (NEWCOMER, "quiet.newcomer", "U0QUIETNEW"):
        assert trace not in after, trace


async def test_the_refusal_says_how_to_share_anonymously(harness: Harness) -> None:
    event = in_channel(harness, ANA, "/story good anon Ben stayed late #extra-mile", private_origin=False,
                       platform="teams", conversation="19:general@thread.tacv2")
    before = _last_id(harness)
    await harness.send(event)
    [row] = _rows_after(harness, before)
    text = message_from_json(row.body).text
    assert row.kind == "ephemeral" and row.user == ANA
    assert "personal chat" in text and "direct message" in text and "Nothing was shared" in text
    assert stories(harness) == []


@pytest.mark.parametrize("where", [
    Address(platform="slack", tenant="local", conversation="C0PUBLIC", private_origin=True),  # a slash command
    Address(platform="slack", tenant="local", conversation="D0BOTDM", is_private=True, private_origin=True),
    Address(platform="teams", tenant="local", conversation="a:1personal", is_private=True, private_origin=True),
], ids=["slack-slash-command", "slack-dm", "teams-personal-chat"])
async def test_an_anonymous_story_is_accepted_where_only_the_author_saw_it(harness: Harness,
                                                                           where: Address) -> None:
    event = replace(in_channel(harness, ANA, "/story bad anon the handover had no notes", private_origin=True,
                               platform=where.platform), where=where)
    await harness.send(event)
    [story] = stories(harness)
    assert story.anonymous and story.author_id is None

"""Thread replies: participation once per person and post, "make it a kudos", story-thread stories."""

from __future__ import annotations

from sqlmodel import select

from bot.events import ActionInput, Mention
from bot.messages import Actions, message_from_json
from storage.models import Kudos, OutboxMessage
from tests.prompts_support import (
    local,
    message_id_of,
    posts,
    replies,
    reply,
    stories,
    sweep,
)
from tests.support import ANA, BEN, CHLOE, Harness, base_config

SCHEDULES = """
prompts:
  schedules:
    - {channel: "#general", when: "weekdays 09:00", timezone: Europe/Berlin}
stories:
  thread: {channel: "#service-stories", when: "fri 14:00", timezone: Europe/Berlin}
"""


def harness(database_url: str) -> Harness:
    h = Harness(database_url, base_config(SCHEDULES), start=local(2026, 11, 20, 8, 0))  # a Friday
    h.seed_demo()
    return h


async def started(database_url: str) -> Harness:
    """A running bot whose first sweep (which picks up the app.yaml schedules) was at 08:00."""
    h = harness(database_url)
    await sweep(h)
    return h


def kudos_button_value(h: Harness) -> str:
    with h.db.session() as session:
        rows = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "ephemeral")
                            .order_by(OutboxMessage.id.desc())).all()
    for row in rows:
        for block in message_from_json(row.body).blocks:
            if isinstance(block, Actions):
                return block.buttons[0].value
    raise AssertionError("no kudos button was offered")


async def test_replies_count_once_per_person_and_post(database_url: str) -> None:
    h = await started(database_url)
    h.clock.set(local(2026, 11, 20, 9, 1))
    await sweep(h)
    [post] = posts(h)
    thread = message_id_of(h, post)
    await reply(h, BEN, thread, "Listening first, then answering.")
    await reply(h, BEN, thread, "And writing down what they actually need.")
    await reply(h, CHLOE, thread, "Asking what a good outcome looks like for them.")
    await reply(h, CHLOE, "some-other-thread", "not an answer to a prompt")
    counted = replies(h)
    assert [(r.post_id, r.person_id) for r in counted] == [(post.id, counted[0].person_id), (post.id, counted[1].person_id)]
    assert counted[0].person_id != counted[1].person_id
    with h.db.session() as session:
        from storage.prompts import monthly_activity

        stats = monthly_activity(session, h.runtime.services.org_id, local(2026, 11, 1, 0), local(2026, 12, 1, 0))
    assert stats == {"posts": 1, "answered": 1, "replies": 2, "responders": 2, "response_rate": 1.0}
    h.close()


async def test_praise_reply_becomes_a_kudos_with_one_click(database_url: str) -> None:
    h = await started(database_url)
    h.clock.set(local(2026, 11, 20, 9, 1))
    await sweep(h)
    thread = message_id_of(h, posts(h)[0])
    mention = Mention(token="<@UCHLOE>", user_id="chloe.chen@example.com", email="chloe.chen@example.com")
    out = await reply(h, BEN, thread, "Thanks <@UCHLOE> for untangling the invoice mess yesterday #extra-mile",
                      mentions=(mention,))
    assert "sounds like praise for Chloe Chen" in out and "[Make it a kudos]" in out
    value = kudos_button_value(h)
    # Only the reply's author can use the button.
    stranger = await h.send(h.event(ANA, ActionInput(action_id="prompts:kudos", value=value)))
    assert "belongs to whoever wrote the reply" in stranger
    out = await h.send(h.event(BEN, ActionInput(action_id="prompts:kudos", value=value)))
    assert "→ #kudos:" in out and "*@ben* gave kudos to *@chloe* for Going the extra mile" in out
    assert "already turned that reply into a kudos" in await h.send(h.event(BEN, ActionInput(action_id="prompts:kudos", value=value)))
    with h.db.session() as session:
        given = session.exec(select(Kudos)).all()
    assert [(k.source, k.source_ref) for k in given] == [("prompt-reply", f"prompt:{posts(h)[0].id}:{given[0].giver_id}")]
    # A plain answer without praise or mention gets no button.
    assert "Make it a kudos" not in await reply(h, CHLOE, thread, "Keep a checklist of open requests.")
    h.close()


async def test_story_thread_replies_become_stories(database_url: str) -> None:
    h = await started(database_url)
    h.clock.set(local(2026, 11, 20, 14, 2))
    out = await sweep(h)
    assert "Story time" in out
    thread_post = next(p for p in posts(h) if p.kind == "story_thread")
    assert thread_post.occurrence == f"story-thread:{thread_post.schedule_id}:2026-11-20T14:00"
    thread = message_id_of(h, thread_post)
    kept = await reply(h, BEN, thread, "Chloe rebuilt the export overnight so the demo worked #extra-mile")
    assert "your good story is kept" in kept
    await reply(h, CHLOE, thread, "bad: @ben and Diego Duarte forgot the handover notes, the customer waited #dependability")
    good, bad = stories(h)
    assert (good.kind, good.source, good.post_id) == ("good", "thread", thread_post.id)
    assert good.text == "Chloe rebuilt the export overnight so the demo worked"
    assert bad.kind == "bad" and bad.author_id is not None
    assert bad.text == "A colleague and a colleague forgot the handover notes, the customer waited"
    assert len(replies(h)) == 2  # story-thread replies also count as participation
    h.close()

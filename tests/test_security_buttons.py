"""Buttons are re-checked, not trusted: "make it a kudos" takes everything from the stored reply.

A button's value travels through the platform and comes back in the click; whoever clicks can
change it (Slack's and Teams' payloads are plain JSON). So a click only names what it is about,
and the bot reads who gives what to whom from the database.
"""

from __future__ import annotations

import json

from sqlmodel import select

from bot.events import ActionInput, Mention
from storage import people as people_repo
from storage.models import Kudos, KudosRecipient
from tests.prompts_support import message_id_of, posts, reply, sweep
from tests.support import ANA, BEN, Harness, base_config
from tests.test_prompts_replies import SCHEDULES, kudos_button_value, local

DIEGO = "diego.duarte@example.com"


async def _offer(database_url: str) -> tuple[Harness, str, int]:
    h = Harness(database_url, base_config(SCHEDULES), start=local(2026, 11, 20, 8, 0))
    h.seed_demo()
    await sweep(h)
    h.clock.set(local(2026, 11, 20, 9, 1))
    await sweep(h)
    post = posts(h)[0]
    mention = Mention(token="<@UCHLOE>", user_id="chloe.chen@example.com", email="chloe.chen@example.com")
    out = await reply(h, BEN, message_id_of(h, post), "Thanks <@UCHLOE> for untangling the invoice mess",
                      mentions=(mention,))
    assert "[Make it a kudos]" in out
    assert post.id is not None
    return h, kudos_button_value(h), post.id


def _kudos(h: Harness) -> list[tuple[str, list[int]]]:
    with h.db.session() as session:
        rows = session.exec(select(Kudos).order_by(Kudos.id)).all()
        return [(k.message, [r.person_id for r in session.exec(select(KudosRecipient)
                                                              .where(KudosRecipient.kudos_id == k.id))])
                for k in rows]


def _person_id(h: Harness, email: str) -> int:
    with h.db.session() as session:
        person = people_repo.by_email(session, 1, email)
        assert person is not None and person.id is not None
        return person.id


async def test_a_forged_kudos_payload_gives_nothing(database_url: str) -> None:
    h, value, post_id = await _offer(database_url)
    ben, diego = _person_id(h, BEN), _person_id(h, DIEGO)
    # The old payload shape, forged: other recipients and other words, in the name of the replier.
    forged = json.dumps({"post": post_id, "giver": ben, "to": [diego], "text": "forged praise for Diego"})
    out = await h.send(h.event(BEN, ActionInput(action_id="prompts:kudos", value=forged)))
    assert "→ #kudos" not in out and "no longer" in out
    for bad in ("", "0", "-1", "99999", "1e9", "x" * 5000, '{"offer": 1}'):
        out = await h.send(h.event(BEN, ActionInput(action_id="prompts:kudos", value=bad)))
        assert "→ #kudos" not in out, bad
    assert _kudos(h) == []
    # The button itself names the offer only: no people, no text.
    assert "Thanks" not in value and "chloe" not in value.lower()
    # Someone else clicking the real button is refused, in the same words as a button that does not exist.
    stranger = await h.send(h.event(ANA, ActionInput(action_id="prompts:kudos", value=value)))
    missing = await h.send(h.event(ANA, ActionInput(action_id="prompts:kudos", value="99999")))
    assert "no longer" in stranger and stranger == missing
    assert _kudos(h) == []
    # The real click: recipients and words come from the stored reply.
    out = await h.send(h.event(BEN, ActionInput(action_id="prompts:kudos", value=value)))
    assert "*@ben* gave kudos to *@chloe*" in out
    assert _kudos(h) == [("Thanks @chloe.chen for untangling the invoice mess", [_person_id(h, "chloe.chen@example.com")])]
    h.close()

"""/request in Microsoft Teams: Activity JSON to /api/messages, the fake Bot Connector behind; a
card button (Action.Submit) from the owner updates both people's cards in place (PUT activity)."""

from __future__ import annotations

from tests.teams_support import (
    BEN_T,
    TeamsApp,
    card_text,
    message,
    submit_data,
)


async def test_owner_submit_updates_both_cards(teams: TeamsApp) -> None:
    c = teams.connector
    # Both have talked to the bot before, so it can write to them first.
    await teams.post(message(c.url, "help", sender=BEN_T, conversation_id="a:ben-personal"))
    await teams.settle()
    await teams.post(message(c.url, "request <at>Ben</at> send me the Q3 figures by Friday", mentions=(BEN_T,)))
    await teams.settle()
    await c.wait_for(lambda: any("REQ-1" in card_text(call) for call in c.sent_to("a:ben-personal")))
    await c.wait_for(lambda: any("REQ-1" in card_text(call) for call in c.sent_to("a:ana-personal")))
    ben_card = next(call for call in c.sent_to("a:ben-personal") if "REQ-1" in card_text(call))
    acknowledge = submit_data(ben_card, 0)  # what Teams posts back when Ben clicks the card's first button
    assert acknowledge["action_id"] == "request:ack"
    await teams.post(message(c.url, "", sender=BEN_T, conversation_id="a:ben-personal", value=acknowledge))
    await teams.settle()
    await c.wait_for(lambda: len([call for call in c.calls if call.method == "PUT"]) >= 2)
    updated = {call.path.split("/")[3] for call in c.calls if call.method == "PUT"}
    assert updated == {"a:ben-personal", "a:ana-personal"}
    assert any("acknowledged" in card_text(call) for call in c.calls if call.method == "PUT")

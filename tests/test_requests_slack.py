"""/request in Slack, over signed HTTP against the running app and the fake Web API: the owner's
button click updates both people's messages in place (chat.update)."""

from __future__ import annotations

import json

from tests.slack_support import (
    ANA_ID,
    BEN_ID,
    SlackRig,
    block_actions,
)

BEN_DM, ANA_DM = "D" + BEN_ID[1:], "D" + ANA_ID[1:]


def _posts_to(rig: SlackRig, channel: str) -> list[dict]:
    return [p for p in rig.fake.called("chat.postMessage") if p["channel"] in (channel, "U" + channel[1:])]


async def test_owner_click_updates_both_messages_in_place(rig: SlackRig) -> None:
    status, _ = await rig.command("/request", f"<@{BEN_ID}|ben> send me the Q3 figures by Friday")
    assert status == 200
    await rig.settle()
    await rig.until(lambda: bool(_posts_to(rig, BEN_DM)) and bool(_posts_to(rig, ANA_DM)))
    [owner_card] = _posts_to(rig, BEN_DM)
    assert "REQ-1" in owner_card["text"]
    buttons = [e["action_id"] for b in owner_card["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert {"request:ack", "request:promise", "request:done", "request:reassign", "request:decline"} <= set(buttons)
    owner_ts = rig.fake.messages[BEN_DM][0]["ts"]
    requester_ts = rig.fake.messages[ANA_DM][0]["ts"]

    await rig.interact(block_actions(BEN_ID, "request:ack", "1", message_ts=owner_ts, channel=BEN_DM))
    await rig.settle()
    await rig.until(lambda: len(rig.fake.called("chat.update")) >= 2)
    updates = {(u["channel"], u["ts"]): u for u in rig.fake.called("chat.update")}
    assert set(updates) == {(BEN_DM, owner_ts), (ANA_DM, requester_ts)}
    assert "acknowledged" in json.dumps(updates[(BEN_DM, owner_ts)]["blocks"])
    # The requester also hears of it as a new message (an update does not notify).
    await rig.until(lambda: any("acknowledged REQ-1" in p["text"] for p in _posts_to(rig, ANA_DM)))

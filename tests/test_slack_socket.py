"""Socket Mode: with SLACK_APP_TOKEN the app connects out (apps.connections.open + WebSocket) and
takes the same payloads as over HTTP, acknowledging each envelope."""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qsl

import aiohttp

from adapters.slack.platform import SlackPlatform
from bot import demo
from bot.clock import ManualClock
from extramile.server import start_server
from storage.db import Database
from tests.fakes.slack_api import FakeSlack
from tests.slack_support import (
    BEN_ID,
    TOKEN,
    SlackRig,
    command_body,
    event_body,
)
from tests.support import T0, base_config


async def test_socket_mode_command_and_retried_event(database_url: str, fake: FakeSlack) -> None:
    config = base_config()
    db = Database(database_url)
    db.upgrade()
    clock = ManualClock(T0)
    platform = SlackPlatform.from_env({"SLACK_BOT_TOKEN": TOKEN, "SLACK_APP_TOKEN": "xapp-1-A0EXTRA-1-abc",
                                       "SLACK_API_URL": fake.api_url})
    server = await start_server(config, db, clock, [platform], host="127.0.0.1", port=0, scheduler=False)
    with db.session() as session:
        demo.seed(session, server.runtime.services.org_id, config, clock, days=0)
    rig = SlackRig(fake=fake, server=server, db=db, clock=clock, config=config, session=aiohttp.ClientSession())
    try:
        await asyncio.wait_for(fake.socket_connected.wait(), timeout=20)
        assert "apps.connections.open" in fake.methods()
        # No HTTP route in Socket Mode.
        async with rig.session.post(rig.url, data=b"x") as response:
            assert response.status in (404, 405)
        payload = dict(parse_qsl(command_body("/kudos", f"<@{BEN_ID}> thanks for pairing")))
        await fake.push({"envelope_id": "env-cmd-1", "type": "slash_commands", "accepts_response_payload": True,
                         "payload": payload})
        await rig.until(lambda: any(a.get("envelope_id") == "env-cmd-1" for a in fake.socket_acks))
        import json

        event = json.loads(event_body({"type": "reaction_added", "user": BEN_ID, "reaction": "clap",
                                       "item": {"type": "message", "channel": "CGENERAL1", "ts": "1.5"},
                                       "item_user": "U0ANA0001"}, event_id="Ev0SOCKET1"))
        for attempt in range(3):
            await fake.push({"envelope_id": f"env-ev-{attempt}", "type": "events_api", "accepts_response_payload": False,
                             "retry_attempt": attempt, "retry_reason": "timeout" if attempt else "", "payload": event})
        await rig.until(lambda: all(any(a.get("envelope_id") == f"env-ev-{i}" for a in fake.socket_acks)
                                    for i in range(3)))
        await rig.settle()
        assert len(rig.kudos()) == 2 and rig.inbox_count() == 2
        await rig.until(lambda: len([p for p in fake.called("chat.postMessage") if p["channel"] == "CKUDOS001"]) == 2)
    finally:
        await rig.close()

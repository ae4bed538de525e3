"""Slack test helpers: requests in Slack's exact wire formats, signed with the real v0 scheme,
posted over HTTP to the app started with ``extramile.server.start_server`` and a real
``SlackPlatform`` whose Web API calls go to :class:`tests.fakes.slack_api.FakeSlack`."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from sqlmodel import select

from adapters.slack.platform import SlackPlatform
from bot import demo
from bot.clock import ManualClock
from bot.config import AppConfig
from extramile.server import Server, start_server
from storage.db import Database
from storage.models import InboxEvent, Kudos, OutboxMessage
from tests.fakes.slack_api import TEAM, FakeSlack
from tests.support import T0, base_config

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TOKEN = "xoxb-test-token"

# Slack accounts of demo people (their emails link them to the directory).
ANA_ID, BEN_ID, CHLOE_ID, NEW_ID = "U0ANA0001", "U0BEN0002", "U0CHLOE03", "U0NEW0004"
PEOPLE = {
    ANA_ID: ("Ana Alvarez", "ana.alvarez@example.com"),
    BEN_ID: ("Ben Brooks", "ben.brooks@example.com"),
    CHLOE_ID: ("Chloe Chen", "chloe.chen@example.com"),
    NEW_ID: ("Nora Newman", "nora.newman@example.com"),
}


def sign(body: str, secret: str = SECRET, timestamp: int | None = None) -> dict[str, str]:
    """Slack's v0 signature: HMAC-SHA256 over ``v0:{timestamp}:{body}`` with the signing secret."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def command_body(command: str, text: str, user_id: str = ANA_ID, channel_id: str = "CGENERAL1",
                 trigger_id: str | None = None) -> str:
    """A slash command exactly as Slack posts it (application/x-www-form-urlencoded)."""
    name, _ = PEOPLE.get(user_id, ("someone", ""))
    return urlencode({
        "token": "gIkuvaNzQIHg97ATvDxqgjtO", "team_id": TEAM, "team_domain": "extramile-test",
        "channel_id": channel_id, "channel_name": "general", "user_id": user_id,
        "user_name": name.split()[0].lower(), "command": command, "text": text, "api_app_id": "A0EXTRA",
        "is_enterprise_install": "false",
        "response_url": "https://hooks.slack.com/commands/T0EXTRA/1/abc",
        "trigger_id": trigger_id or f"{uuid.uuid4().int % 10**13}.{uuid.uuid4().int % 10**12}.{uuid.uuid4().hex}",
    })


def interactive_body(payload: dict[str, Any]) -> str:
    """Interactivity: the JSON payload in a form field named ``payload``."""
    return urlencode({"payload": json.dumps(payload)})


def event_body(event: dict[str, Any], event_id: str | None = None) -> str:
    return json.dumps({
        "token": "gIkuvaNzQIHg97ATvDxqgjtO", "team_id": TEAM, "api_app_id": "A0EXTRA", "event": event,
        "type": "event_callback", "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
        "event_time": int(time.time()),
        "authorizations": [{"enterprise_id": None, "team_id": TEAM, "user_id": "UBOT0001", "is_bot": True,
                            "is_enterprise_install": False}],
        "is_ext_shared_channel": False, "event_context": "4-abc",
    })


def block_actions(user_id: str, action_id: str, value: str, message_ts: str = "1763370000.000100",
                  channel: str = "CGENERAL1", trigger_id: str | None = None, action_ts: str | None = None) -> dict[str, Any]:
    return {
        "type": "block_actions", "user": {"id": user_id, "username": "x", "name": "x", "team_id": TEAM},
        "api_app_id": "A0EXTRA", "token": "gIkuvaNzQIHg97ATvDxqgjtO",
        "container": {"type": "message", "message_ts": message_ts, "channel_id": channel, "is_ephemeral": False},
        "trigger_id": trigger_id or f"{uuid.uuid4().int % 10**13}.1.{uuid.uuid4().hex}",
        "team": {"id": TEAM, "domain": "extramile-test"}, "is_enterprise_install": False,
        "channel": {"id": channel, "name": "general"},
        "message": {"type": "message", "ts": message_ts, "bot_id": "B0EXTRA", "text": "A message with a button",
                    "blocks": [{"type": "actions", "block_id": "b1", "elements": [
                        {"type": "button", "action_id": action_id, "value": value,
                         "text": {"type": "plain_text", "text": "Click"}}]}]},
        "response_url": "https://hooks.slack.com/actions/T0EXTRA/1/abc",
        "actions": [{"action_id": action_id, "block_id": "b1", "text": {"type": "plain_text", "text": "Click"},
                     "value": value, "type": "button", "action_ts": action_ts or f"{time.time():.6f}"}],
    }


@dataclass
class SlackRig:
    """The whole app on 127.0.0.1 with the fake Web API: what a Slack workspace would talk to."""

    fake: FakeSlack
    server: Server
    db: Database
    clock: ManualClock
    config: AppConfig
    session: aiohttp.ClientSession

    @property
    def url(self) -> str:
        return f"{self.server.url}/slack/events"

    async def post(self, body: str, content_type: str, headers: dict[str, str] | None = None,
                   secret: str = SECRET, timestamp: int | None = None) -> tuple[int, str]:
        all_headers = {"Content-Type": content_type, **sign(body, secret, timestamp), **(headers or {})}
        async with self.session.post(self.url, data=body.encode(), headers=all_headers) as response:
            return response.status, await response.text()

    async def command(self, command: str, text: str, user_id: str = ANA_ID, **kw: Any) -> tuple[int, str]:
        return await self.post(command_body(command, text, user_id, **kw), "application/x-www-form-urlencoded")

    async def interact(self, payload: dict[str, Any]) -> tuple[int, str]:
        return await self.post(interactive_body(payload), "application/x-www-form-urlencoded")

    async def event(self, event: dict[str, Any], event_id: str | None = None,
                    headers: dict[str, str] | None = None) -> tuple[int, str]:
        return await self.post(event_body(event, event_id), "application/json", headers)

    async def settle(self) -> None:
        """Let background handling finish and the outbox deliver what is due."""
        await self.server.runtime.dispatcher.drain()
        await self.server.runtime.worker.drain_once()

    async def until(self, check: Callable[[], bool], timeout: float = 20.0) -> None:
        """Wait for an observable outcome (the test asserts behaviour, never how long it took)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not check():
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"condition not met; calls: {self.fake.methods()}")
            await asyncio.sleep(0.05)

    def kudos(self) -> list[Kudos]:
        with self.db.session() as session:
            return list(session.exec(select(Kudos)).all())

    def inbox_count(self) -> int:
        with self.db.session() as session:
            return len(session.exec(select(InboxEvent)).all())

    def outbox(self) -> list[OutboxMessage]:
        with self.db.session() as session:
            return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all())

    async def close(self) -> None:
        await self.server.stop()
        await self.session.close()
        self.db.dispose()


async def start_rig(database_url: str, fake: FakeSlack, config: AppConfig | None = None,
                    clock: ManualClock | None = None, seed: bool = True) -> SlackRig:
    config = config or base_config()
    db = Database(database_url)
    db.upgrade()
    clock = clock or ManualClock(T0)
    platform = SlackPlatform.from_env({"SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET,
                                       "SLACK_API_URL": fake.api_url})
    server = await start_server(config, db, clock, [platform], host="127.0.0.1", port=0, scheduler=False)
    if seed:
        with db.session() as session:
            demo.seed(session, server.runtime.services.org_id, config, clock, days=0)
    return SlackRig(fake=fake, server=server, db=db, clock=clock, config=config, session=aiohttp.ClientSession())


async def start_fake() -> FakeSlack:
    fake = await FakeSlack().start()
    for user_id, (name, email) in PEOPLE.items():
        fake.add_user(user_id, name, email)
    return fake


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    """The fake Slack Web API with the demo people's Slack accounts."""
    fake = await start_fake()
    yield fake
    await fake.stop()


@pytest.fixture
async def rig(database_url: str, fake: FakeSlack) -> AsyncIterator[SlackRig]:
    """The app serving Slack against ``fake``; files override it for another clock or config."""
    rig = await start_rig(database_url, fake)
    yield rig
    await rig.close()

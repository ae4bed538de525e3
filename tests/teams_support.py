"""A local Bot Connector and key server (the Teams side of the wire) and Activity JSON builders.

The fake connector speaks the Bot Connector REST API on 127.0.0.1 (port 0): it records replies,
proactive sends, updates, conversation creates and member lookups, and can answer 429 or 403
``MessageWritesBlocked`` on demand. The key server publishes an OpenID configuration and a JWKS
of a test RSA key; ``TEAMS_OPENID_METADATA_URL`` points the SDK's real token validation at it, and
:func:`channel_token` signs tokens the way the Bot Framework channel does.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import jwt
import pytest
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from microsoft_agents.hosting.core.authorization import AgentAuthConfiguration, AnonymousTokenProvider
from sqlmodel import select

from adapters.teams.platform import TeamsPlatform
from bot import demo
from bot.clock import ManualClock
from bot.config import AppConfig
from extramile.server import Server, start_server
from storage.db import Database
from storage.models import Kudos, Person
from tests.support import T0, base_config

TENANT = "7e1c2a11-3b4d-4c5e-8f90-112233445566"
APP_ID = "0b7c8e55-9a0f-4d7e-9a55-5b1f3c2d1e00"
CHANNEL_ISSUER = "https://api.botframework.com"
OUTBOUND_TOKEN = "outbound-test-token"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
BOT = {"id": "28:extramile-bot", "name": "Extra Mile"}
ANA_T = {"id": "29:ana", "name": "Ana Alvarez", "aadObjectId": "aad-ana", "email": "ana.alvarez@example.com"}
BEN_T = {"id": "29:ben", "name": "Ben Brooks", "aadObjectId": "aad-ben", "email": "ben.brooks@example.com"}
TEAM = {"id": "19:culture-general@thread.tacv2", "name": "Culture"}
KUDOS_CHANNEL = {"id": "19:culture-kudos@thread.tacv2", "name": "Kudos"}


@dataclass
class Call:
    method: str
    path: str
    body: Any
    headers: dict[str, str]


@dataclass
class FakeConnector:
    members: dict[str, dict[str, Any]] = field(default_factory=lambda: {u["id"]: u for u in (ANA_T, BEN_T)})
    channels: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {
        TEAM["id"]: [{"id": TEAM["id"]}, KUDOS_CHANNEL]})
    calls: list[Call] = field(default_factory=list)
    # Canned failures for the next activity POSTs: (status, body, headers).
    failures: list[tuple[int, dict[str, Any], dict[str, str]]] = field(default_factory=list)
    url: str = ""
    _runner: web.AppRunner | None = None
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    async def start(self) -> FakeConnector:
        app = web.Application()
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{cid}/activities", self._activity)
        app.router.add_post("/v3/conversations/{cid}/activities/{aid}", self._activity)
        app.router.add_put("/v3/conversations/{cid}/activities/{aid}", self._update)
        app.router.add_get("/v3/conversations/{cid}/members/{uid}", self._member)
        app.router.add_get("/v3/teams/{tid}/conversations", self._channels)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def _record(self, request: web.Request, body: Any) -> None:
        self.calls.append(Call(request.method, request.path, body, dict(request.headers)))

    async def _activity(self, request: web.Request) -> web.Response:
        body = await request.json()
        self._record(request, body)
        if self.failures:
            status, payload, headers = self.failures.pop(0)
            return web.json_response(payload, status=status, headers=headers)
        return web.json_response({"id": f"act-{next(self._ids)}"}, status=201)

    async def _update(self, request: web.Request) -> web.Response:
        body = await request.json()
        self._record(request, body)
        return web.json_response({"id": request.match_info["aid"]})

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        self._record(request, body)
        return web.json_response({"id": f"a:personal-{next(self._ids)}"}, status=201)

    async def _member(self, request: web.Request) -> web.Response:
        self._record(request, None)
        uid = request.match_info["uid"]  # a Teams user id or an Entra object id, as the Bot Connector takes
        member = self.members.get(uid) or next((m for m in self.members.values() if m.get("aadObjectId") == uid), None)
        if member is None:
            return web.json_response({"error": {"code": "MemberNotFoundInConversation"}}, status=404)
        return web.json_response({**member, "userPrincipalName": member.get("email"), "tenantId": TENANT})

    async def _channels(self, request: web.Request) -> web.Response:
        self._record(request, None)
        return web.json_response({"conversations": self.channels.get(request.match_info["tid"], [])})

    # What the bot sent.
    def sent(self) -> list[Call]:
        return [c for c in self.calls if c.method in ("POST", "PUT") and "/activities" in c.path]

    def sent_to(self, conversation_id: str) -> list[Call]:
        return [c for c in self.sent() if c.path.split("/")[3] == conversation_id]

    def origin(self) -> str:
        """``http://127.0.0.1:PORT``: what TEAMS_SERVICE_URL_ALLOW lists to allow this connector only."""
        return self.url.rstrip("/")

    def lookups(self) -> list[Call]:
        return [c for c in self.calls if "/members/" in c.path]

    async def wait_for(self, predicate: Any, timeout: float = 10.0) -> None:
        """Wait until the app has done something (behaviour, not timing: the bound is generous)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            if loop.time() > deadline:
                raise AssertionError(f"not seen within {timeout}s; connector calls: {self.calls}")
            await asyncio.sleep(0.05)


@dataclass
class KeyServer:
    """An OpenID configuration and JWKS on 127.0.0.1, as login.botframework.com publishes them."""

    keys: list[Any] = field(default_factory=lambda: [KEY])
    url: str = ""
    fetches: int = 0
    _runner: web.AppRunner | None = None

    async def start(self) -> KeyServer:
        app = web.Application()
        app.router.add_get("/v1/.well-known/openidconfiguration", self._metadata)
        app.router.add_get("/v1/.well-known/keys", self._jwks)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self

    @property
    def metadata_url(self) -> str:
        return f"{self.url}/v1/.well-known/openidconfiguration"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _metadata(self, request: web.Request) -> web.Response:
        return web.json_response({"issuer": CHANNEL_ISSUER, "jwks_uri": f"{self.url}/v1/.well-known/keys",
                                  "id_token_signing_alg_values_supported": ["RS256"],
                                  "token_endpoint_auth_signing_alg_values_supported": ["RS256"]})

    async def _jwks(self, request: web.Request) -> web.Response:
        self.fetches += 1
        published = []
        for n, key in enumerate(self.keys):
            public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
            published.append({**public, "kid": f"test-key-{n}", "use": "sig", "alg": "RS256"})
        return web.json_response({"keys": published})


def channel_token(service_url: str, key: Any = KEY, kid: str = "test-key-0", **overrides: Any) -> str:
    """A token as the Bot Framework channel signs it for our bot (override any claim; None drops it)."""
    now = int(time.time())
    claims: dict[str, Any] = {"iss": CHANNEL_ISSUER, "aud": APP_ID, "nbf": now - 60, "exp": now + 3600,
                              "serviceurl": service_url}
    claims.update(overrides)
    return jwt.encode({k: v for k, v in claims.items() if v is not None}, key, algorithm="RS256",
                      headers={"kid": kid})


class TestTokenProvider(AnonymousTokenProvider):
    """Stands in for MSAL's client-credentials call: the SDK asks it for the outbound token."""

    __test__ = False

    def __init__(self, config: AgentAuthConfiguration) -> None:
        self.config = config

    async def get_access_token(self, resource_url: str, scopes: list[str], force_refresh: bool = False) -> str:
        return OUTBOUND_TOKEN


def submit_data(call: Call, index: int = 0) -> dict[str, Any]:
    """The ``data`` of a card button the bot sent: what Teams posts back as ``value`` when clicked."""
    actions = [a for att in call.body.get("attachments") or [] for a in (att.get("content") or {}).get("actions", [])
               if a.get("type") == "Action.Submit"]
    return dict(actions[index]["data"])


def card_text(call: Call) -> str:
    """Every text in the Adaptive Card of a sent activity, joined (what a reader sees)."""
    texts: list[str] = []
    for attachment in call.body.get("attachments") or []:
        content = attachment.get("content") or {}
        for item in content.get("body", []):
            if item.get("type") == "TextBlock":
                texts.append(item["text"])
            for fact in item.get("facts", []):
                texts.append(f"{fact['title']}: {fact['value']}")
    return "\n".join(texts)


def message(connector_url: str, text: str, *, sender: dict[str, Any] = ANA_T, kind: str = "personal",
            conversation_id: str = "a:ana-personal", activity_id: str | None = None,
            mentions: tuple[dict[str, Any], ...] = (), value: dict[str, Any] | None = None,
            channel: dict[str, Any] | None = None, bot_mentioned: bool = False) -> dict[str, Any]:
    """A Teams message activity as the Bot Connector posts it to /api/messages."""
    entities: list[dict[str, Any]] = []
    if bot_mentioned:
        text = f"<at>{BOT['name']}</at> {text}"
        entities.append({"type": "mention", "text": f"<at>{BOT['name']}</at>", "mentioned": BOT})
    for person in mentions:
        entities.append({"type": "mention", "text": f"<at>{person['name'].split()[0]}</at>",
                         "mentioned": {"id": person["id"], "name": person["name"]}})
    activity: dict[str, Any] = {
        "type": "message", "id": activity_id or f"1{uuid.uuid4().int % 10**12}", "text": text,
        "timestamp": "2026-11-17T09:00:00.000Z", "channelId": "msteams", "serviceUrl": connector_url,
        "from": {k: v for k, v in sender.items() if k != "email"}, "recipient": BOT,
        "conversation": {"id": conversation_id, "conversationType": kind, "tenantId": TENANT},
        "entities": entities, "channelData": {"tenant": {"id": TENANT}},
    }
    if value is not None:
        activity["value"] = value
    if kind == "channel":
        activity["conversation"]["isGroup"] = True
        activity["channelData"].update(team=TEAM, channel=channel or KUDOS_CHANNEL)
    if kind == "groupChat":
        activity["conversation"]["isGroup"] = True
    return activity


def bot_added_to_team(connector_url: str) -> dict[str, Any]:
    """Installation in a team: a conversationUpdate in its General channel."""
    return {
        "type": "conversationUpdate", "id": f"f:{uuid.uuid4().hex}", "channelId": "msteams",
        "serviceUrl": connector_url, "from": {"id": "29:ana", "aadObjectId": "aad-ana"}, "recipient": BOT,
        "conversation": {"id": TEAM["id"], "conversationType": "channel", "isGroup": True, "tenantId": TENANT},
        "membersAdded": [{"id": BOT["id"]}],
        "channelData": {"eventType": "teamMemberAdded", "tenant": {"id": TENANT}, "team": TEAM,
                        "channel": {"id": TEAM["id"]}},
    }


def dumps(activity: dict[str, Any]) -> str:
    return json.dumps(activity)


# ---- the running app with Teams, for tests ------------------------------------------------

TEAMS_CHANNELS = "\nchannels:\n  kudos: {slack: '#kudos', teams: 'Culture/Kudos'}\n  stories: '#service-stories'\n"


@dataclass
class TeamsApp:
    server: Server
    connector: FakeConnector
    db: Database
    clock: ManualClock
    http: aiohttp.ClientSession

    async def post(self, activity: dict[str, Any], headers: dict[str, str] | None = None) -> aiohttp.ClientResponse:
        async with self.http.post(f"{self.server.url}/api/messages", json=activity, headers=headers or {}) as resp:
            await resp.read()
            return resp

    async def deliver_by_hand(self) -> None:
        """Stop the background outbox loop so a test drives delivery rounds itself."""
        for task in self.server.tasks:
            task.cancel()
        await asyncio.gather(*self.server.tasks, return_exceptions=True)
        self.server.tasks.clear()

    async def settle(self) -> None:
        """Let background handling finish and the outbox deliver what is due."""
        await self.server.runtime.dispatcher.drain()
        await self.server.runtime.worker.drain_once()

    def kudos(self) -> list[Kudos]:
        with self.db.session() as session:
            return list(session.exec(select(Kudos)).all())

    def person_ids(self, email: str) -> list[int]:
        with self.db.session() as session:
            return [p.id for p in session.exec(select(Person).where(Person.email == email)).all()]


async def start_teams(database_url: str, config: AppConfig, env: dict[str, str],
                      **platform_kwargs: Any) -> tuple[Server, FakeConnector, Database, ManualClock]:
    """The app with Teams; the fake connector's origin (only) is added to the service URL allowlist."""
    connector = await FakeConnector().start()
    env = {"TEAMS_SERVICE_URL_ALLOW": connector.origin(), **env}
    db = Database(database_url)
    db.upgrade()
    clock = ManualClock(T0)
    platform = TeamsPlatform.from_env(env, **platform_kwargs)
    server = await start_server(config, db, clock, [platform], host="127.0.0.1", port=0, scheduler=False)
    with db.session() as session:
        demo.seed(session, server.runtime.services.org_id, config, clock, days=0)
    return server, connector, db, clock


@pytest.fixture
async def teams(database_url: str) -> AsyncIterator[TeamsApp]:
    server, connector, db, clock = await start_teams(database_url, base_config(TEAMS_CHANNELS),
                                                     {"TEAMS_ALLOW_UNAUTHENTICATED": "1"})
    async with aiohttp.ClientSession() as http:
        yield TeamsApp(server, connector, db, clock, http)
    await server.stop()
    await connector.stop()
    db.dispose()

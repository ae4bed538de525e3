"""Authenticated Teams: the SDK validates every request's JWT before anything is recorded.

The Agents SDK fetches Bot Framework signing keys from a fixed URL
(``https://login.botframework.com/v1/.well-known/keys``) with PyJWT's ``PyJWKClient`` and offers no
setting to change it. These tests therefore register, in the SDK validator's own JWKS-client
cache, a ``PyJWKClient`` that reads a JWKS served by the local fake (127.0.0.1); the SDK's real
validation code then runs unchanged against tokens signed by a test RSA key: signature, audience,
expiry. Outbound, token acquisition is a test token provider plugged into the SDK's
``ConnectionManager`` (MSAL only talks to https://login.microsoftonline.com, unreachable here); the
fake connector checks that replies carry it.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt import PyJWKClient
from microsoft_agents.hosting.core.authorization import (
    AgentAuthConfiguration,
    AnonymousTokenProvider,
)
from microsoft_agents.hosting.core.authorization.authentication_constants import (
    AuthenticationConstants,
)
from microsoft_agents.hosting.core.authorization.jwt.jwt_token_validator import (
    JwtTokenValidator,
    _JwkClientCacheEntry,
)
from sqlmodel import select

from storage.models import InboxEvent
from tests.support import base_config
from tests.teams_support import BEN_T, TEAMS_CHANNELS, TeamsApp, message, start_teams

APP_ID = "0b7c8e55-9a0f-4d7e-9a55-5b1f3c2d1e00"
TENANT_ID = "7e1c2a11-3b4d-4c5e-8f90-112233445566"
OUTBOUND_TOKEN = "outbound-test-token"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


class TestTokenProvider(AnonymousTokenProvider):
    """Stands in for MSAL's client-credentials call: the SDK asks it for the outbound token."""

    __test__ = False

    def __init__(self, config: AgentAuthConfiguration) -> None:
        self.config = config

    async def get_access_token(self, resource_url: str, scopes: list[str], force_refresh: bool = False) -> str:
        return OUTBOUND_TOKEN


def token(key: Any = KEY, **overrides: Any) -> str:
    now = int(time.time())
    claims = {"iss": AuthenticationConstants.AGENTS_SDK_TOKEN_ISSUER, "aud": APP_ID, "nbf": now - 60,
              "exp": now + 3600, "serviceurl": "http://127.0.0.1/"}
    claims.update(overrides)
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "test-key"})


def jwks() -> dict[str, Any]:
    """The test public key as a JWKS, the way login.botframework.com publishes the channel's keys."""
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(KEY.public_key()))
    return {"keys": [{**public, "kid": "test-key", "use": "sig", "alg": "RS256"}]}


@pytest.fixture
async def secured(database_url: str) -> AsyncIterator[TeamsApp]:
    env = {"TEAMS_APP_ID": APP_ID, "TEAMS_APP_PASSWORD": "secret", "TEAMS_TENANT_ID": TENANT_ID}
    server, connector, db, clock = await start_teams(database_url, base_config(TEAMS_CHANNELS), env,
                                                     token_provider_factory=TestTokenProvider)
    connector.jwks = jwks()
    JwtTokenValidator._jwk_client_manager._cache[AuthenticationConstants.PUBLIC_ABS_JWKS_URL] = _JwkClientCacheEntry(
        PyJWKClient(f"{connector.url}keys"), threading.Lock())
    try:
        async with aiohttp.ClientSession() as http:
            yield TeamsApp(server, connector, db, clock, http)
    finally:
        JwtTokenValidator._jwk_client_manager._cache.pop(AuthenticationConstants.PUBLIC_ABS_JWKS_URL, None)
    await server.stop()
    await connector.stop()
    db.dispose()


def inbox(app: TeamsApp) -> list[InboxEvent]:
    with app.db.session() as session:
        return list(session.exec(select(InboxEvent)).all())


@pytest.mark.parametrize("authorization", [
    None,
    "Bearer not-a-jwt",
    "Basic dXNlcjpwYXNz",
    "Bearer " + token(OTHER_KEY),                     # signed by someone else
    "Bearer " + token(aud="someone-elses-bot"),       # not for us
    "Bearer " + token(exp=int(time.time()) - 3600),   # expired
])
async def test_requests_without_a_valid_token_get_401_and_record_nothing(secured: TeamsApp,
                                                                        authorization: str | None) -> None:
    activity = message(secured.connector.url, "kudos <at>Ben</at> #empathy thanks", mentions=(BEN_T,))
    headers = {"Authorization": authorization} if authorization else {}
    resp = await secured.post(activity, headers)
    assert resp.status == 401
    await secured.settle()
    assert inbox(secured) == [] and secured.kudos() == [] and secured.connector.calls == []


async def test_a_token_signed_by_the_channel_key_is_accepted_and_replies_carry_the_bot_token(secured: TeamsApp) -> None:
    c = secured.connector
    activity = message(c.url, "kudos <at>Ben</at> #empathy thanks for the review", mentions=(BEN_T,))
    resp = await secured.post(activity, {"Authorization": f"Bearer {token(serviceurl=c.url)}"})
    assert resp.status in (200, 202)
    await secured.settle()
    assert len(secured.kudos()) == 1
    await c.wait_for(lambda: c.sent_to("a:ana-personal"))
    assert c.sent_to("a:ana-personal")[0].headers["Authorization"] == f"Bearer {OUTBOUND_TOKEN}"
    assert all(call.headers.get("Authorization") == f"Bearer {OUTBOUND_TOKEN}" for call in c.calls)


@pytest.mark.parametrize(("env", "named"), [
    ({"TEAMS_APP_ID": APP_ID, "TEAMS_APP_PASSWORD": "secret"}, "TEAMS_TENANT_ID"),
    ({"TEAMS_APP_ID": APP_ID, "TEAMS_ALLOW_UNAUTHENTICATED": "1"}, "TEAMS_APP_PASSWORD"),
    ({"TEAMS_APP_PASSWORD": "secret", "TEAMS_TENANT_ID": TENANT_ID}, "TEAMS_APP_ID"),
])
def test_incomplete_credentials_stop_start_up_instead_of_running_open(env: dict[str, str], named: str) -> None:
    from adapters.teams.platform import TeamsConfigError, TeamsPlatform

    with pytest.raises(TeamsConfigError, match=named):
        TeamsPlatform.from_env(env, base_config())

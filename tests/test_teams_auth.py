"""Authenticated Teams: nothing is recorded, and the bot's token goes nowhere, unless the request is
really from the Teams channel for our tenant and its own service URL.

``TEAMS_OPENID_METADATA_URL`` points the Agents SDK's real token validation at a local key server
(an OpenID configuration and JWKS of a test RSA key, on 127.0.0.1); tokens are signed with that key
the way the Bot Framework channel signs them. Outbound, a test token provider plugged into the
SDK's ``ConnectionManager`` stands in for MSAL (login.microsoftonline.com is unreachable here), and
the fake connector records which bearer token each call carried.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlmodel import select

from storage import outbox as outbox_repo
from storage import teams as teams_repo
from storage.models import Identity, InboxEvent, OutboxMessage
from storage.teams_models import TeamsConversation, TeamsMember
from bot.messages import Message, message_to_json
from tests.support import base_config
from tests.teams_support import (
    APP_ID,
    BEN_T,
    OUTBOUND_TOKEN,
    TEAMS_CHANNELS,
    TENANT,
    FakeConnector,
    KeyServer,
    TeamsApp,
    TestTokenProvider,
    channel_token,
    message,
    start_teams,
)

OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
FOREIGN_TENANT = "0d0e0a0d-beef-4bad-8bad-0123456789ab"
MICROSOFT_FIRST_PARTY = "d6d49420-f39b-4df7-a1dc-d59a935871db"  # always trusted by the SDK's issuer check
HR_EMAIL = "hana.sato@example.com"  # roles.hr in app.yaml


@dataclass
class Secured(TeamsApp):
    keys: KeyServer


async def start_secured(database_url: str, **env: str) -> Secured:
    keys = await KeyServer().start()
    settings = {"TEAMS_APP_ID": APP_ID, "TEAMS_APP_PASSWORD": "secret", "TEAMS_TENANT_ID": TENANT,
                "TEAMS_OPENID_METADATA_URL": keys.metadata_url, **env}
    server, connector, db, clock = await start_teams(database_url, base_config(TEAMS_CHANNELS), settings,
                                                     token_provider_factory=TestTokenProvider)
    return Secured(server, connector, db, clock, aiohttp.ClientSession(), keys)


async def stop_secured(app: Secured) -> None:
    await app.http.close()
    await app.server.stop()
    await app.connector.stop()
    await app.keys.stop()
    app.db.dispose()


@pytest.fixture
async def secured(database_url: str) -> AsyncIterator[Secured]:
    app = await start_secured(database_url)
    yield app
    await stop_secured(app)


def recorded(app: TeamsApp) -> list[Any]:
    """Everything a request could have left behind: inbox events, references, members, identities."""
    with app.db.session() as session:
        return [*session.exec(select(InboxEvent)).all(), *session.exec(select(TeamsConversation)).all(),
                *session.exec(select(TeamsMember)).all(),
                *session.exec(select(Identity).where(Identity.platform == "teams")).all()]


def kudos_from_ana(service_url: str, **kwargs: Any) -> dict[str, Any]:
    return message(service_url, "kudos <at>Ben</at> #empathy thanks for the review", mentions=(BEN_T,), **kwargs)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def v1(tenant: str) -> str:
    return f"https://sts.windows.net/{tenant}/"


def v2(tenant: str) -> str:
    return f"https://login.microsoftonline.com/{tenant}/v2.0"


Headers = Callable[[str], dict[str, str]]
UNAUTHENTIC: dict[str, Headers] = {
    "no token": lambda url: {},
    "not a JWT": lambda url: {"Authorization": "Bearer not-a-jwt"},
    "basic auth": lambda url: {"Authorization": "Basic dXNlcjpwYXNz"},
    "signed by another key": lambda url: bearer(channel_token(url, key=OTHER_KEY)),
    "unknown key id": lambda url: bearer(channel_token(url, kid="someone-elses-key")),
    "wrong audience": lambda url: bearer(channel_token(url, aud="someone-elses-bot")),
    "expired": lambda url: bearer(channel_token(url, exp=int(time.time()) - 3600, nbf=int(time.time()) - 7200)),
    "wrong issuer": lambda url: bearer(channel_token(url, iss="https://issuer.attacker.example")),
    "Microsoft first-party tenant issuer": lambda url: bearer(channel_token(
        url, iss=v1(MICROSOFT_FIRST_PARTY), tid=MICROSOFT_FIRST_PARTY)),
    "another tenant's Entra issuer": lambda url: bearer(channel_token(url, iss=v2(FOREIGN_TENANT), tid=FOREIGN_TENANT)),
    "serviceurl of another host": lambda url: bearer(channel_token("https://smba.trafficmanager.net/emea/")),
    "serviceurl of another port": lambda url: bearer(channel_token("http://127.0.0.1:1/")),
    "channel token without serviceurl": lambda url: bearer(channel_token(url, serviceurl=None)),
}


@pytest.mark.parametrize("headers", UNAUTHENTIC.values(), ids=UNAUTHENTIC.keys())
async def test_a_request_without_a_valid_channel_token_gets_401_and_records_nothing(secured: Secured,
                                                                                    headers: Headers) -> None:
    c = secured.connector
    resp = await secured.post(kudos_from_ana(c.url), headers(c.url))
    assert resp.status == 401
    await secured.settle()
    assert recorded(secured) == [] and secured.kudos() == [] and c.calls == []


FORBIDDEN: dict[str, Callable[[str], dict[str, Any]]] = {
    "a foreign tenant": lambda url: _retenant(kudos_from_ana(url), FOREIGN_TENANT),
    "no tenant at all": lambda url: _retenant(kudos_from_ana(url), None),
    "tenants that disagree": lambda url: {**(a := kudos_from_ana(url)),
                                          "conversation": {**a["conversation"], "tenantId": FOREIGN_TENANT}},
    "another Bot Framework channel": lambda url: {**kudos_from_ana(url), "channelId": "webchat"},
}


def _retenant(activity: dict[str, Any], tenant: str | None) -> dict[str, Any]:
    activity["conversation"].pop("tenantId")
    activity["channelData"].pop("tenant")
    if tenant:
        activity["conversation"]["tenantId"] = tenant
        activity["channelData"]["tenant"] = {"id": tenant}
    return activity


@pytest.mark.parametrize("activity", FORBIDDEN.values(), ids=FORBIDDEN.keys())
async def test_a_valid_token_from_elsewhere_gets_403_and_records_nothing(
        secured: Secured, activity: Callable[[str], dict[str, Any]]) -> None:
    c = secured.connector
    resp = await secured.post(activity(c.url), bearer(channel_token(c.url)))
    assert resp.status == 403
    await secured.settle()
    assert recorded(secured) == [] and secured.kudos() == [] and c.calls == []


async def test_a_channel_token_is_accepted_and_replies_carry_the_bot_token(secured: Secured) -> None:
    c = secured.connector
    resp = await secured.post(kudos_from_ana(c.url), bearer(channel_token(c.url)))
    assert resp.status in (200, 202)
    await secured.settle()
    assert len(secured.kudos()) == 1
    await c.wait_for(lambda: c.sent_to("a:ana-personal"))
    assert c.calls and all(call.headers.get("Authorization") == f"Bearer {OUTBOUND_TOKEN}" for call in c.calls)
    # The keys were discovered through TEAMS_OPENID_METADATA_URL and are cached after that.
    fetches = secured.keys.fetches
    assert fetches >= 1
    resp = await secured.post(message(c.url, "help"), bearer(channel_token(c.url)))
    assert resp.status in (200, 202) and secured.keys.fetches == fetches


@pytest.mark.parametrize("issuer", [v1(TENANT), v2(TENANT)], ids=["Entra v1", "Entra v2"])
async def test_entra_tokens_of_our_tenant_are_accepted(secured: Secured, issuer: str) -> None:
    """Single-tenant bots get Entra-issued tokens: they carry the tenant, not a serviceurl claim."""
    c = secured.connector
    token = channel_token(c.url, iss=issuer, tid=TENANT, serviceurl=None)
    resp = await secured.post(kudos_from_ana(c.url), bearer(token))
    assert resp.status in (200, 202)
    await secured.settle()
    assert len(secured.kudos()) == 1
    # An Entra token that does name a service URL must name this one.
    other = channel_token("http://127.0.0.1:1/", iss=issuer, tid=TENANT)
    assert (await secured.post(message(c.url, "help"), bearer(other))).status == 401


async def test_a_stranger_posing_as_hr_gets_no_report_and_never_sees_the_bot_token(database_url: str) -> None:
    """The attack: a valid-looking token, an activity whose serviceUrl is the stranger's own server,
    and a member record there claiming to be an HR person. The bot must not send its bearer token
    there, nor believe the record, nor record anything."""
    app = await start_secured(database_url)
    attacker = await FakeConnector(members={"29:mallory": {"id": "29:mallory", "name": "Hana Sato",
                                                            "aadObjectId": "aad-mallory", "email": HR_EMAIL}}).start()
    try:
        stranger = {"id": "29:mallory", "name": "Hana Sato", "aadObjectId": "aad-mallory"}
        ask = message(attacker.url, "culture report", sender=stranger, conversation_id="a:mallory")
        # A token issued for the stranger's server (the serviceurl claim matches): not an allowed service URL.
        resp = await app.post(ask, bearer(channel_token(attacker.url)))
        assert resp.status == 403
        # A real token for the real connector, replayed with the stranger's serviceUrl: not this token's activity.
        resp = await app.post(ask, bearer(channel_token(app.connector.url)))
        assert resp.status == 401
        await app.settle()
        assert attacker.calls == [] and app.connector.calls == []
        assert recorded(app) == []
        # A reference to the stranger's server saved by an older version: never used either.
        with app.db.session() as session:
            teams_repo.save_conversation(session, tenant=TENANT, conversation_id="a:mallory", kind="personal",
                                         service_url=attacker.url, now=app.clock.now(), user_id="29:mallory",
                                         user_aad_id="aad-mallory",
                                         reference='{"agent": {"id": "28:extramile-bot"}, "conversation": '
                                                   '{"id": "a:mallory"}, "channelId": "msteams"}')
            row = outbox_repo.add(session, OutboxMessage(
                org_id=app.server.runtime.services.org_id, platform="teams", tenant=TENANT, kind="dm",
                destination="aad-mallory", label="report", body=message_to_json(Message(text="the report")),
                next_attempt_at=app.clock.now(), created_at=app.clock.now()))
        await app.server.runtime.worker.drain_once()
        with app.db.session() as session:
            failed = session.get(OutboxMessage, row.id)
        assert failed is not None and failed.status == "failed" and "not allowed" in failed.last_error
        assert attacker.calls == []
    finally:
        await attacker.stop()
        await stop_secured(app)


async def test_multi_tenant_serves_only_the_listed_tenants(database_url: str) -> None:
    app = await start_secured(database_url, TEAMS_TENANT_ID="common", TEAMS_ALLOWED_TENANTS=f"{TENANT}")
    try:
        c = app.connector
        assert (await app.post(kudos_from_ana(c.url), bearer(channel_token(c.url)))).status in (200, 202)
        foreign = _retenant(message(c.url, "help", activity_id="2"), FOREIGN_TENANT)
        assert (await app.post(foreign, bearer(channel_token(c.url)))).status == 403
        token = channel_token(c.url, iss=v2(FOREIGN_TENANT), tid=FOREIGN_TENANT, serviceurl=None)
        assert (await app.post(foreign, bearer(token))).status == 401  # not a pinned issuer either
        await app.settle()
        assert len(app.kudos()) == 1
    finally:
        await stop_secured(app)


@pytest.mark.parametrize(("env", "named"), [
    ({"TEAMS_APP_ID": APP_ID, "TEAMS_APP_PASSWORD": "secret"}, "TEAMS_TENANT_ID"),
    ({"TEAMS_APP_ID": APP_ID, "TEAMS_ALLOW_UNAUTHENTICATED": "1"}, "TEAMS_APP_PASSWORD"),
    ({"TEAMS_APP_PASSWORD": "secret", "TEAMS_TENANT_ID": TENANT}, "TEAMS_APP_ID"),
    ({"TEAMS_APP_ID": APP_ID, "TEAMS_APP_PASSWORD": "secret", "TEAMS_TENANT_ID": "common"}, "TEAMS_ALLOWED_TENANTS"),
    ({"TEAMS_APP_ID": APP_ID, "TEAMS_APP_PASSWORD": "secret", "TEAMS_TENANT_ID": "contoso.onmicrosoft.com"},
     "not a tenant id"),
    ({"TEAMS_APP_ID": APP_ID, "TEAMS_APP_PASSWORD": "secret", "TEAMS_TENANT_ID": "common",
      "TEAMS_ALLOWED_TENANTS": f"{TENANT}, contoso"}, "'contoso' is not a tenant id"),
    ({"TEAMS_APP_ID": APP_ID, "TEAMS_APP_PASSWORD": "secret", "TEAMS_TENANT_ID": TENANT,
      "TEAMS_SERVICE_URL_ALLOW": "ftp://files.example.org"}, "TEAMS_SERVICE_URL_ALLOW"),
    ({"TEAMS_APP_ID": APP_ID, "TEAMS_APP_PASSWORD": "secret", "TEAMS_TENANT_ID": TENANT,
      "TEAMS_OPENID_METADATA_URL": "keys.example.org"}, "TEAMS_OPENID_METADATA_URL"),
])
def test_incomplete_or_wrong_settings_stop_start_up_instead_of_running_open(env: dict[str, str], named: str) -> None:
    from adapters.teams.platform import TeamsConfigError, TeamsPlatform

    with pytest.raises(TeamsConfigError, match=named):
        TeamsPlatform.from_env(env)


def test_the_allowlist_admits_microsofts_connector_hosts_and_what_is_listed_only() -> None:
    from adapters.teams.service_urls import ServiceUrlAllowlist

    allow = ServiceUrlAllowlist.from_setting("http://127.0.0.1:8123, *.mirror.example.org")
    for url in ("https://smba.trafficmanager.net/amer/", "https://smba.trafficmanager.net/teams/",
                "https://smba.infra.gcc.teams.microsoft.com/gcc/", "https://smba.infra.gov.teams.microsoft.us/",
                "https://smba.infra.dod.teams.microsoft.us/", "http://127.0.0.1:8123/", "https://eu.mirror.example.org/"):
        assert allow.is_allowed(url), url
    for url in ("http://smba.trafficmanager.net/amer/", "https://smba.trafficmanager.net.attacker.example/",
                "https://attacker.example/smba.trafficmanager.net/", "https://user:pw@smba.trafficmanager.net/",
                "http://127.0.0.1:8124/", "https://127.0.0.1:8123/", "https://mirror.example.org/",
                "https://skype.botframework.com/", "https://webchat.botframework.com/", "", "not a url"):
        assert not allow.is_allowed(url), url

"""Who may post to ``/api/messages``: the checks every Teams request passes before anything is recorded.

1. **The token** (authenticated mode). The Agents SDK's :class:`JwtTokenValidator` checks the
   signature against the published keys, the audience (our app id), expiry and the Entra
   tenant binding. It trusts any issuer unless told otherwise, so the issuers are pinned to the
   ones the Bot Framework uses for our tenant mode: the channel issuer ``https://api.botframework.com``
   and, for each tenant we serve, the Entra issuers ``https://sts.windows.net/{tenant}/`` and
   ``https://login.microsoftonline.com/{tenant}/v2.0`` (single-tenant bots get Entra-issued
   tokens). Anything else: 401.
2. **The token belongs to this activity.** A channel token names the service URL it was issued for
   (``serviceurl`` claim); it must equal the activity's ``serviceUrl``, else 401. Entra-issued tokens
   carry no such claim; for them, and for everything, step 4 is what keeps the bot's own token home.
3. **Teams only** (authenticated mode): ``channelId`` must be ``msteams``; other Bot Framework
   channels (Web Chat, Direct Line) let their users claim any ``from`` id. Else 403.
4. **The service URL is allowed** (:mod:`adapters.teams.service_urls`). Else 403.
5. **The tenant is ours**: every tenant id the activity carries is ``TEAMS_TENANT_ID`` or one of
   ``TEAMS_ALLOWED_TENANTS``. Else 403.

``TEAMS_OPENID_METADATA_URL`` replaces where signing keys are discovered (sovereign clouds, an
egress mirror, a local key server in tests); the SDK's validation itself is unchanged.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from jwt import PyJWK, PyJWKClient
from microsoft_agents.hosting.core.authorization import (
    AgentAuthConfiguration,
    AuthenticationConstants,
    ClaimsIdentity,
)
from microsoft_agents.hosting.core.authorization.jwt.jwt_token_validator import JwtTokenValidator

from adapters.teams.service_urls import ServiceUrlAllowlist

log = logging.getLogger(__name__)

CHANNEL_ISSUER = AuthenticationConstants.AGENTS_SDK_TOKEN_ISSUER  # https://api.botframework.com
MULTI_TENANT = frozenset({"common", "organizations"})
TEAMS_CHANNEL = "msteams"
METADATA_TIMEOUT_S = 10.0


def pinned_issuers(tenants: Iterable[str]) -> tuple[str, ...]:
    """The Bot Framework channel issuer plus the v1 and v2 Entra issuers of each tenant served."""
    issuers = [CHANNEL_ISSUER]
    for tenant in tenants:
        if tenant and tenant.lower() not in MULTI_TENANT:
            issuers.append(AuthenticationConstants.VALID_TOKEN_ISSUER_URL_TEMPLATE_V1.format(tenant))
            issuers.append(AuthenticationConstants.VALID_TOKEN_ISSUER_URL_TEMPLATE_V2.format(tenant))
    return tuple(issuers)


class DiscoveredKeys:
    """Signing keys from an OpenID configuration document (its ``jwks_uri``), for the SDK's validator.

    The document is read once (again after a failure); PyJWT's :class:`PyJWKClient` caches the keys
    and refetches them when a token names a key it has not seen (Microsoft rotates keys).
    """

    def __init__(self, metadata_url: str) -> None:
        self.metadata_url = metadata_url
        self._client: PyJWKClient | None = None
        self._lock = threading.Lock()

    async def get_signing_key(self, jwks_uri: str, header: dict[str, Any]) -> PyJWK:
        """Same signature as the SDK's key manager; ``jwks_uri`` (the SDK's choice) is replaced."""
        return await asyncio.to_thread(self._key, str(header[AuthenticationConstants.KEY_ID_HEADER]))

    def _key(self, kid: str) -> PyJWK:
        with self._lock:
            if self._client is None:
                with urllib.request.urlopen(self.metadata_url, timeout=METADATA_TIMEOUT_S) as response:  # noqa: S310
                    metadata = json.load(response)
                self._client = PyJWKClient(str(metadata["jwks_uri"]), timeout=int(METADATA_TIMEOUT_S))
            return self._client.get_signing_key(kid)


class ChannelTokenValidator(JwtTokenValidator):
    """The SDK's validator, reading keys from ``TEAMS_OPENID_METADATA_URL`` when that is set."""

    def __init__(self, configuration: AgentAuthConfiguration, metadata_url: str = "") -> None:
        super().__init__(configuration)
        if metadata_url:
            if "_jwk_client_manager" not in vars(JwtTokenValidator):
                raise RuntimeError("this version of microsoft-agents-hosting-core finds signing keys differently; "
                                   "TEAMS_OPENID_METADATA_URL cannot be honoured")
            # The SDK asks this object for each key; its shared cache of the default URLs is left alone.
            self._jwk_client_manager = DiscoveredKeys(metadata_url)  # type: ignore[assignment]


@dataclass(frozen=True)
class Refusal:
    status: int
    reason: str

    def response(self) -> web.Response:
        return web.json_response({"error": self.reason}, status=self.status)


class RequestGate:
    """Admits a request to the CloudAdapter, or says why not (see the module docstring)."""

    def __init__(self, *, allowlist: ServiceUrlAllowlist, allowed_tenants: frozenset[str],
                 validator: ChannelTokenValidator | None = None, issuers: tuple[str, ...] = ()) -> None:
        self.allowlist = allowlist
        self.allowed_tenants = frozenset(t.lower() for t in allowed_tenants)
        self.validator = validator
        self.issuers = frozenset(i.lower() for i in issuers)

    async def admit(self, request: web.Request) -> ClaimsIdentity | Refusal | None:
        """Claims when authenticated and admitted, None when admitted unauthenticated, else a Refusal."""
        claims: ClaimsIdentity | None = None
        if self.validator is not None:
            verdict = await self._token(request.headers.get("Authorization", ""))
            if isinstance(verdict, Refusal):
                return verdict
            claims = verdict
        try:
            body = await request.json()
        except (ValueError, UnicodeDecodeError):
            return Refusal(400, "the body is not an activity (JSON)")
        if not isinstance(body, dict):
            return Refusal(400, "the body is not an activity (JSON)")
        service_url = body.get("serviceUrl")
        service_url = service_url if isinstance(service_url, str) else ""
        if claims is not None:
            issued_for = claims.get_claim_value(AuthenticationConstants.SERVICE_URL_CLAIM)
            from_channel = str(claims.get_claim_value(AuthenticationConstants.ISSUER_CLAIM)).lower() == CHANNEL_ISSUER
            if (issued_for is not None or from_channel) and not same_service_url(str(issued_for or ""), service_url):
                log.warning("Teams: refused an activity whose serviceUrl is not the one its token was issued for")
                return Refusal(401, "the token was not issued for this serviceUrl")
            if body.get("channelId") != TEAMS_CHANNEL:
                log.warning("Teams: refused an activity from channel %r", str(body.get("channelId"))[:40])
                return Refusal(403, "only Microsoft Teams activities are accepted here")
        if not self.allowlist.is_allowed(service_url):
            log.warning("Teams: refused an activity with serviceUrl %r (not in the allowlist; see "
                        "TEAMS_SERVICE_URL_ALLOW)", service_url[:200])
            return Refusal(403, "this serviceUrl is not allowed")
        if self.allowed_tenants:
            tenants = tenants_of(body)
            if not tenants or not tenants <= self.allowed_tenants:
                log.warning("Teams: refused an activity from tenant %r", ", ".join(sorted(tenants))[:200] or "(none)")
                return Refusal(403, "this tenant is not served here")
        return claims

    async def _token(self, header: str) -> ClaimsIdentity | Refusal:
        assert self.validator is not None
        scheme, _, token = header.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token or any(c.isspace() for c in token):
            return Refusal(401, "a Bot Framework bearer token is required")
        try:
            claims = await self.validator.validate_token(token)
        except Exception as exc:  # noqa: BLE001  any failure to validate is a refusal; the type says why in the log
            log.warning("Teams: token refused (%s)", type(exc).__name__)
            return Refusal(401, "invalid token")
        issuer = claims.get_claim_value(AuthenticationConstants.ISSUER_CLAIM)
        if not isinstance(issuer, str) or issuer.lower() not in self.issuers:
            log.warning("Teams: token refused (issuer %r is not pinned)", str(issuer)[:100])
            return Refusal(401, "invalid token")
        return claims


def tenants_of(body: dict[str, Any]) -> frozenset[str]:
    """Every tenant id an activity names (conversation and channelData), lower case."""
    found: set[str] = set()
    conversation = body.get("conversation")
    if isinstance(conversation, dict) and isinstance(conversation.get("tenantId"), str):
        found.add(conversation["tenantId"])
    channel_data = body.get("channelData")
    tenant = channel_data.get("tenant") if isinstance(channel_data, dict) else None
    if isinstance(tenant, dict) and isinstance(tenant.get("id"), str):
        found.add(tenant["id"])
    return frozenset(t.strip().lower() for t in found if t.strip())


def same_service_url(a: str, b: str) -> bool:
    """Equal up to a trailing slash and the case of scheme and host (Teams writes both forms)."""
    if not a or not b:
        return False

    def norm(url: str) -> str:
        scheme, sep, rest = url.strip().partition("://")
        host, slash, path = rest.partition("/")
        return f"{scheme.lower()}{sep}{host.lower()}{slash}{path}".rstrip("/")

    return norm(a) == norm(b)

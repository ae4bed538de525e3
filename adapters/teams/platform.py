"""Teams as an Extra Mile platform: ``POST /api/messages`` on the one aiohttp server.

Inbound: every request passes :class:`adapters.teams.auth.RequestGate` first (token, service URL,
tenant; refused requests get 401/403 and nothing is recorded), then the SDK's aiohttp
``CloudAdapter`` parses the Activity. Authenticated mode needs ``TEAMS_APP_ID``,
``TEAMS_APP_PASSWORD`` and ``TEAMS_TENANT_ID``; ``TEAMS_ALLOW_UNAUTHENTICATED=1`` alone, for local
tools only, skips the token and logs a warning at start-up (the service URL allowlist and, when set,
the tenant still apply). Outbound: the SDK's connector clients, built only for allowed service URLs,
with tokens from an MSAL connection (none in unauthenticated mode).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from aiohttp import web
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import TurnContext
from microsoft_agents.hosting.core.authorization import (
    AccessTokenProviderBase,
    AgentAuthConfiguration,
    AnonymousTokenProvider,
    ConnectionManager,
    Connections,
)
from yarl import URL

from adapters.teams.action_tokens import ActionSigner
from adapters.teams.auth import MULTI_TENANT, ChannelTokenValidator, Refusal, RequestGate, pinned_issuers
from adapters.teams.connector import Connectors
from adapters.teams.sender import TeamsSender
from adapters.teams.service_urls import GuardedClientFactory, ServiceUrlAllowlist
from adapters.teams.turns import TeamsTurns
from bot.config import ConfigError
from bot.ports import CorePort

log = logging.getLogger(__name__)

ROUTE = "/api/messages"
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
TokenProviderFactory = Callable[[AgentAuthConfiguration], AccessTokenProviderBase]


class TeamsConfigError(ConfigError):
    """Teams credentials are incomplete: say which variable is missing instead of running open."""


@dataclass(frozen=True)
class TeamsSettings:
    app_id: str = ""
    app_password: str = ""
    tenant_id: str = ""
    allow_unauthenticated: bool = False
    allowed_tenants: tuple[str, ...] = ()
    service_url_allow: tuple[str, ...] = ()
    openid_metadata_url: str = ""
    secret: str = ""  # EXTRAMILE_SECRET: signs card buttons (a stored key when unset)

    @property
    def authenticated(self) -> bool:
        return bool(self.app_id and self.app_password)

    @property
    def multi_tenant(self) -> bool:
        return self.tenant_id.lower() in MULTI_TENANT

    @property
    def served_tenants(self) -> frozenset[str]:
        """Tenants whose activities are accepted; empty (any) only for unauthenticated local tools."""
        tenants = set(self.allowed_tenants)
        if self.tenant_id and not self.multi_tenant:
            tenants.add(self.tenant_id)
        return frozenset(t.lower() for t in tenants)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> TeamsSettings:
        settings = cls(app_id=env.get("TEAMS_APP_ID", "").strip(), app_password=env.get("TEAMS_APP_PASSWORD", ""),
                       tenant_id=env.get("TEAMS_TENANT_ID", "").strip(),
                       allow_unauthenticated=env.get("TEAMS_ALLOW_UNAUTHENTICATED", "") == "1",
                       allowed_tenants=tuple(env.get("TEAMS_ALLOWED_TENANTS", "").replace(",", " ").split()),
                       service_url_allow=tuple(env.get("TEAMS_SERVICE_URL_ALLOW", "").replace(",", " ").split()),
                       openid_metadata_url=env.get("TEAMS_OPENID_METADATA_URL", "").strip(),
                       secret=env.get("EXTRAMILE_SECRET", ""))
        if bool(settings.app_id) != bool(settings.app_password):  # half the credentials: never fall back to open
            missing = "TEAMS_APP_PASSWORD (the client secret)" if settings.app_id else "TEAMS_APP_ID (the Microsoft App ID)"
            raise TeamsConfigError(f"{missing} is not set; Teams needs TEAMS_APP_ID, TEAMS_APP_PASSWORD and "
                                   "TEAMS_TENANT_ID")
        if settings.authenticated and not settings.tenant_id:
            raise TeamsConfigError("TEAMS_TENANT_ID is not set: give the Entra tenant id of the bot's app registration "
                                   "(or 'common' for a multi-tenant bot, with TEAMS_ALLOWED_TENANTS)")
        not_ids = [t for t in (settings.tenant_id, *settings.allowed_tenants)
                   if t and t.lower() not in MULTI_TENANT and not _GUID.match(t)]
        if not_ids:
            raise TeamsConfigError(f"TEAMS_TENANT_ID / TEAMS_ALLOWED_TENANTS: {not_ids[0]!r} is not a tenant id; "
                                   "write the Entra tenant id (a GUID, Entra admin center > Overview)")
        if settings.authenticated and settings.multi_tenant and not settings.allowed_tenants:
            raise TeamsConfigError(f"TEAMS_TENANT_ID={settings.tenant_id} serves several tenants: list the ones this "
                                   "bot serves in TEAMS_ALLOWED_TENANTS (tenant ids, separated by commas)")
        if not settings.authenticated and not settings.allow_unauthenticated:
            raise TeamsConfigError("Teams needs TEAMS_APP_ID and TEAMS_APP_PASSWORD (and TEAMS_TENANT_ID); "
                                   "TEAMS_ALLOW_UNAUTHENTICATED=1 is for local tools only")
        if settings.openid_metadata_url and URL(settings.openid_metadata_url).scheme not in ("http", "https"):
            raise TeamsConfigError(f"TEAMS_OPENID_METADATA_URL={settings.openid_metadata_url!r} is not an http(s) URL "
                                   "of an OpenID configuration document")
        try:
            settings.allowlist()
        except ValueError as exc:
            raise TeamsConfigError(str(exc)) from exc
        return settings

    def allowlist(self) -> ServiceUrlAllowlist:
        return ServiceUrlAllowlist(self.service_url_allow)

    def issuers(self) -> tuple[str, ...]:
        return pinned_issuers([self.tenant_id, *sorted(self.served_tenants)])

    def auth_configuration(self) -> AgentAuthConfiguration:
        return AgentAuthConfiguration(client_id=self.app_id, tenant_id=self.tenant_id,
                                      client_secret=self.app_password, connection_name="SERVICE_CONNECTION",
                                      anonymous_allowed=False, issuers=list(self.issuers()), validate_issuer=True)


def _msal_provider(config: AgentAuthConfiguration) -> AccessTokenProviderBase:
    from microsoft_agents.authentication.msal import MsalAuth

    return MsalAuth(config)


class TeamsPlatform:
    name = "teams"

    def __init__(self, settings: TeamsSettings, token_provider_factory: TokenProviderFactory | None = None) -> None:
        self.settings = settings
        self.anonymous = not settings.authenticated
        self.auth = settings.auth_configuration() if not self.anonymous else None
        connections: Connections = ConnectionManager(
            provider_factory=(lambda _c: AnonymousTokenProvider()) if self.anonymous
            else (token_provider_factory or _msal_provider),
            connections_configurations={"SERVICE_CONNECTION": self.auth or AgentAuthConfiguration(
                anonymous_allowed=True, connection_name="SERVICE_CONNECTION")})
        allowlist = settings.allowlist()
        factory = GuardedClientFactory(connections, allowlist)
        self.adapter = CloudAdapter(channel_service_client_factory=factory, host_validator=allowlist)
        self.adapter.on_turn_error = _fail_turn
        self.gate = RequestGate(
            allowlist=allowlist, allowed_tenants=settings.served_tenants,
            validator=None if self.auth is None else ChannelTokenValidator(self.auth, settings.openid_metadata_url),
            issuers=settings.issuers())
        self.connectors = Connectors(factory, settings.app_id, self.anonymous)
        self.signer = ActionSigner(settings.secret)
        self._sender = TeamsSender(self.connectors, self.signer)
        self._turns: TeamsTurns | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str],
                 token_provider_factory: TokenProviderFactory | None = None) -> TeamsPlatform:
        return cls(TeamsSettings.from_env(env), token_provider_factory)

    @property
    def sender(self) -> TeamsSender:
        return self._sender

    def attach(self, app: web.Application, core: CorePort) -> None:
        self.signer.bind(core.stored_secret)
        self._sender.bind(core.conversations)
        self._turns = TeamsTurns(core, self.signer)
        if self.anonymous:
            log.warning("TEAMS_ALLOW_UNAUTHENTICATED=1: %s accepts UNSIGNED requests from anyone. "
                        "For local tools only; set TEAMS_APP_ID, TEAMS_APP_PASSWORD and TEAMS_TENANT_ID in "
                        "production.", ROUTE)
        app.router.add_post(ROUTE, self._handle)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        assert self._turns is not None
        verdict = await self.gate.admit(request)
        if isinstance(verdict, Refusal):
            return verdict.response()
        if verdict is not None:
            request["claims_identity"] = verdict  # where the SDK's adapter reads the validated claims
        response = await self.adapter.process(request, self._turns)
        return response if response is not None else web.Response(status=202)

    async def start(self, core: CorePort) -> None:
        return None

    async def stop(self) -> None:
        return None


async def _fail_turn(context: TurnContext, error: Exception) -> None:
    """No apology card: fail the request so Teams re-sends it; the inbox dedupes what was recorded."""
    log.error("Teams turn failed: %r", error)
    raise error

"""Teams as an Extra Mile platform: ``POST /api/messages`` on the one aiohttp server.

Inbound: the SDK's aiohttp ``CloudAdapter`` parses the Activity; with ``TEAMS_APP_ID``,
``TEAMS_APP_PASSWORD`` and ``TEAMS_TENANT_ID`` set, the SDK's JWT middleware validates every
request first (no or bad token: 401 and nothing recorded). ``TEAMS_ALLOW_UNAUTHENTICATED=1``
alone, for local tools only, skips validation and logs a warning at start-up. Outbound: the SDK's
connector clients, with tokens from an MSAL connection (none in unauthenticated mode).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from aiohttp import web
from microsoft_agents.hosting.aiohttp import CloudAdapter, jwt_authorization_decorator
from microsoft_agents.hosting.core import RestChannelServiceClientFactory, TurnContext
from microsoft_agents.hosting.core.authorization import (
    AccessTokenProviderBase,
    AgentAuthConfiguration,
    AnonymousTokenProvider,
    ConnectionManager,
    Connections,
)

from adapters.teams.connector import Connectors
from adapters.teams.sender import TeamsSender
from adapters.teams.turns import TeamsTurns
from bot.config import AppConfig, ConfigError
from extramile.runtime import Runtime

log = logging.getLogger(__name__)

ROUTE = "/api/messages"
TokenProviderFactory = Callable[[AgentAuthConfiguration], AccessTokenProviderBase]


class TeamsConfigError(ConfigError):
    """Teams credentials are incomplete: say which variable is missing instead of running open."""


@dataclass(frozen=True)
class TeamsSettings:
    app_id: str = ""
    app_password: str = ""
    tenant_id: str = ""
    allow_unauthenticated: bool = False

    @property
    def authenticated(self) -> bool:
        return bool(self.app_id and self.app_password)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> TeamsSettings:
        settings = cls(app_id=env.get("TEAMS_APP_ID", "").strip(), app_password=env.get("TEAMS_APP_PASSWORD", ""),
                       tenant_id=env.get("TEAMS_TENANT_ID", "").strip(),
                       allow_unauthenticated=env.get("TEAMS_ALLOW_UNAUTHENTICATED", "") == "1")
        if bool(settings.app_id) != bool(settings.app_password):  # half the credentials: never fall back to open
            missing = "TEAMS_APP_PASSWORD (the client secret)" if settings.app_id else "TEAMS_APP_ID (the Microsoft App ID)"
            raise TeamsConfigError(f"{missing} is not set; Teams needs TEAMS_APP_ID, TEAMS_APP_PASSWORD and "
                                   "TEAMS_TENANT_ID")
        if settings.authenticated and not settings.tenant_id:
            raise TeamsConfigError("TEAMS_TENANT_ID is not set: give the Entra tenant id of the bot's app registration "
                                   "(or 'common' for a multi-tenant bot)")
        if not settings.authenticated and not settings.allow_unauthenticated:
            raise TeamsConfigError("Teams needs TEAMS_APP_ID and TEAMS_APP_PASSWORD (and TEAMS_TENANT_ID); "
                                   "TEAMS_ALLOW_UNAUTHENTICATED=1 is for local tools only")
        return settings

    def auth_configuration(self) -> AgentAuthConfiguration:
        return AgentAuthConfiguration(client_id=self.app_id, tenant_id=self.tenant_id,
                                      client_secret=self.app_password, connection_name="SERVICE_CONNECTION",
                                      anonymous_allowed=False)


def _msal_provider(config: AgentAuthConfiguration) -> AccessTokenProviderBase:
    from microsoft_agents.authentication.msal import MsalAuth

    return MsalAuth(config)


class TeamsPlatform:
    name = "teams"

    def __init__(self, settings: TeamsSettings, config: AppConfig,
                 token_provider_factory: TokenProviderFactory | None = None) -> None:
        self.settings = settings
        self.config = config
        self.anonymous = not settings.authenticated
        self.auth = settings.auth_configuration() if not self.anonymous else None
        connections: Connections = ConnectionManager(
            provider_factory=(lambda _c: AnonymousTokenProvider()) if self.anonymous
            else (token_provider_factory or _msal_provider),
            connections_configurations={"SERVICE_CONNECTION": self.auth or AgentAuthConfiguration(
                anonymous_allowed=True, connection_name="SERVICE_CONNECTION")})
        factory = RestChannelServiceClientFactory(connections)
        self.adapter = CloudAdapter(channel_service_client_factory=factory)
        self.adapter.on_turn_error = _fail_turn
        self.connectors = Connectors(factory, settings.app_id, self.anonymous)
        self._sender = TeamsSender(self.connectors)
        self._turns: TeamsTurns | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str], config: AppConfig,
                 token_provider_factory: TokenProviderFactory | None = None) -> TeamsPlatform:
        return cls(TeamsSettings.from_env(env), config, token_provider_factory)

    @property
    def sender(self) -> TeamsSender:
        return self._sender

    def attach(self, app: web.Application, runtime: Runtime) -> None:
        self._sender.bind(runtime.services.db, runtime.services.clock)
        self._turns = TeamsTurns(runtime)
        handler = self._handle
        if self.anonymous:
            log.warning("TEAMS_ALLOW_UNAUTHENTICATED=1: %s accepts UNSIGNED requests from anyone. "
                        "For local tools only; set TEAMS_APP_ID, TEAMS_APP_PASSWORD and TEAMS_TENANT_ID in "
                        "production.", ROUTE)
        else:
            # The SDK's middleware reads its configuration from the app; it guards this route only.
            app["agent_configuration"] = self.auth
            handler = jwt_authorization_decorator(handler)
        app.router.add_post(ROUTE, handler)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        assert self._turns is not None
        response = await self.adapter.process(request, self._turns)
        return response if response is not None else web.Response(status=202)

    async def start(self, runtime: Runtime) -> None:
        return None

    async def stop(self) -> None:
        return None


async def _fail_turn(context: TurnContext, error: Exception) -> None:
    """No apology card: fail the request so Teams re-sends it; the inbox dedupes what was recorded."""
    log.error("Teams turn failed: %r", error)
    raise error

"""Bot Connector clients for work outside a turn (proactive sends, member lookups, channel lists).

The SDK's channel service client factory builds them, so tokens come from the configured
connection exactly as they do inside a turn; in unauthenticated (local) mode no token is asked for.
"""

from __future__ import annotations

import logging
from typing import Any

from microsoft_agents.hosting.core import ChannelServiceClientFactoryBase
from microsoft_agents.hosting.core.authorization import (
    AuthenticationConstants,
    ClaimsIdentity,
)
from microsoft_agents.hosting.core.connector.teams import TeamsConnectorClient

log = logging.getLogger(__name__)


class Connectors:
    def __init__(self, factory: ChannelServiceClientFactoryBase, app_id: str, anonymous: bool) -> None:
        self.factory = factory
        self.app_id = app_id
        self.anonymous = anonymous

    def claims(self, service_url: str = "") -> ClaimsIdentity:
        if self.anonymous:
            return ClaimsIdentity()
        claims: dict[str, Any] = {AuthenticationConstants.AUDIENCE_CLAIM: self.app_id,
                                  AuthenticationConstants.APP_ID_CLAIM: self.app_id}
        if service_url:
            claims[AuthenticationConstants.SERVICE_URL_CLAIM] = service_url
        return ClaimsIdentity(claims, authentication_type="Bearer")

    async def open(self, service_url: str) -> TeamsConnectorClient:
        """A connector client for one service URL; the caller closes it."""
        client = await self.factory.create_connector_client(
            None, self.claims(service_url), service_url, AuthenticationConstants.AGENTS_SDK_SCOPE,
            use_anonymous=self.anonymous)
        assert isinstance(client, TeamsConnectorClient)
        return client

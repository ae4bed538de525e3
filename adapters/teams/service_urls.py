"""Where the bot may send its Bot Connector token: an allowlist of service URLs.

An activity names the ``serviceUrl`` the bot answers on, and the bot then sends its own bearer token
there and believes the member records that come back. A forged activity pointing at someone else's
server would collect the token and could claim to be anyone, so every connector client (replies and
member lookups inside a turn, proactive sends, channel lists) is built only for an allowed URL.

Allowed by default: the Bot Connector hosts Microsoft documents for Teams, over HTTPS
(``smba.trafficmanager.net`` for the public cloud, and the GCC, GCC High and DoD hosts).
``TEAMS_SERVICE_URL_ALLOW`` adds entries, separated by commas or spaces:

- ``host.example.org``: that host over HTTPS, any port;
- ``*.example.org``: any subdomain of it over HTTPS;
- ``http://127.0.0.1:8123``: that scheme, host and port exactly (a port-less entry allows any port).
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from microsoft_agents.hosting.core import OutboundHostValidator, RestChannelServiceClientFactory, TurnContext
from microsoft_agents.hosting.core.authorization import ClaimsIdentity, Connections
from microsoft_agents.hosting.core.connector import ConnectorClientBase
from yarl import URL

log = logging.getLogger(__name__)

# Microsoft's Bot Connector hosts for Teams (public cloud, GCC, GCC High, DoD).
DEFAULT_HOSTS = (
    "smba.trafficmanager.net",
    "smba.infra.gcc.teams.microsoft.com",
    "smba.infra.gov.teams.microsoft.us",
    "smba.infra.dod.teams.microsoft.us",
)


class ServiceUrlRefused(PermissionError):
    """A service URL outside the allowlist: the bot's token is never sent there."""


@dataclass(frozen=True)
class AllowEntry:
    scheme: str
    host: str  # lower case; "*.example.org" allows subdomains
    port: int | None

    @classmethod
    def parse(cls, text: str) -> AllowEntry:
        raw = text.strip()
        scheme, _, rest = raw.rpartition("://")
        wildcard = rest.startswith("*.")
        try:
            url = URL(f"{scheme or 'https'}://{rest[2:] if wildcard else rest}")
        except ValueError:
            url = URL()
        if (url.scheme not in ("http", "https") or not url.host or url.user or url.password
                or url.path not in ("", "/") or url.query_string):
            raise ValueError(f"TEAMS_SERVICE_URL_ALLOW: {raw!r} is not a host or an http(s) origin "
                             "(write host.example.org, *.example.org or http://127.0.0.1:8123)")
        host = url.host.lower().rstrip(".")
        return cls(scheme=url.scheme, host=f"*.{host}" if wildcard else host, port=url.explicit_port)

    def allows(self, url: URL) -> bool:
        host = (url.host or "").lower().rstrip(".")
        if url.scheme != self.scheme or (self.port is not None and url.port != self.port):
            return False
        if self.host.startswith("*."):
            return host.endswith(self.host[1:])
        return host == self.host


class ServiceUrlAllowlist(OutboundHostValidator):
    """The SDK's outbound host check, with the allowlist above (the SDK's own default list is for
    attachment downloads and admits hosts anyone can rent, so it is not used)."""

    def __init__(self, extra: Iterable[str] = ()) -> None:
        super().__init__(hosts=None, enabled=True, include_default_microsoft_hosts=False)
        self.entries = tuple(AllowEntry.parse(host) for host in DEFAULT_HOSTS) + tuple(
            AllowEntry.parse(item) for item in extra if item.strip())

    @classmethod
    def from_setting(cls, value: str) -> ServiceUrlAllowlist:
        return cls(value.replace(",", " ").split())

    def is_allowed(self, url: str | URL) -> bool:
        try:
            parsed = URL(url) if isinstance(url, str) else url
        except (TypeError, ValueError):
            return False
        if not parsed.is_absolute() or not parsed.host or parsed.user or parsed.password:
            return False
        if _is_ip(parsed.host) and not any(entry.host == parsed.host for entry in self.entries):
            return False  # an address is allowed only when listed as such, never through a wildcard
        return any(entry.allows(parsed) for entry in self.entries)

    def check(self, url: str) -> None:
        if not self.is_allowed(url):
            log.warning("Teams: refused to use service URL %r (not in the allowlist; see TEAMS_SERVICE_URL_ALLOW)",
                        url[:200])
            raise ServiceUrlRefused(f"service URL {url[:200]!r} is not allowed")


class GuardedClientFactory(RestChannelServiceClientFactory):
    """The SDK's connector client factory, refusing service URLs outside the allowlist.

    The CloudAdapter (replies and member lookups in a turn) and :class:`adapters.teams.connector.Connectors`
    (proactive sends, channel lists) both build their clients here, before any token is fetched.
    """

    def __init__(self, connections: Connections, allowlist: ServiceUrlAllowlist) -> None:
        super().__init__(connections)
        self.allowlist = allowlist

    async def create_connector_client(self, context: TurnContext | None, claims_identity: ClaimsIdentity,
                                      service_url: str, audience: str, scopes: list[str] | None = None,
                                      use_anonymous: bool = False) -> ConnectorClientBase:
        self.allowlist.check(service_url)
        return await super().create_connector_client(context, claims_identity, service_url, audience, scopes,
                                                     use_anonymous)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True

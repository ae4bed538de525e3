"""Slack as an Extra Mile platform: Bolt ``AsyncApp`` over HTTP or Socket Mode, plus the sender.

Environment: ``SLACK_BOT_TOKEN`` (xoxb-), ``SLACK_SIGNING_SECRET`` (HTTP mode), ``SLACK_APP_TOKEN``
(xapp-; its presence selects Socket Mode), ``SLACK_API_URL`` (Web API base URL, e.g. an enterprise
proxy or a test fake; default https://slack.com/api/).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.directory import SlackDirectory
from adapters.slack.listeners import SlackListeners
from adapters.slack.sender import SlackSender
from bot.config import ConfigError
from bot.ports import CorePort

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
DEFAULT_API_URL = "https://slack.com/api/"


class SlackConfigError(ConfigError):
    """A missing or inconsistent SLACK_* variable (the CLI reports it in one line)."""


def _api_url(value: str | None) -> str:
    url = (value or DEFAULT_API_URL).strip()
    return url if url.endswith("/") else url + "/"


class SlackPlatform:
    name = "slack"

    def __init__(self, bot_token: str, signing_secret: str = "", app_token: str = "",
                 api_url: str = DEFAULT_API_URL) -> None:
        if not bot_token:
            raise SlackConfigError("SLACK_BOT_TOKEN is not set (the bot token, xoxb-...)")
        if not app_token and not signing_secret:
            raise SlackConfigError("SLACK_SIGNING_SECRET is not set (needed in HTTP mode; "
                                   "or set SLACK_APP_TOKEN for Socket Mode)")
        self.socket_mode = bool(app_token)
        self.app_token = app_token
        base_url = _api_url(api_url)
        # Bolt's client (auth.test, views.open, lookups): the SDK's default, modest retry handlers.
        self.client = AsyncWebClient(token=bot_token, base_url=base_url, timeout=10)
        # The sender's client retries nothing itself: the outbox retries durably.
        self.send_client = AsyncWebClient(token=bot_token, base_url=base_url, timeout=15, retry_handlers=[])
        self.directory = SlackDirectory(self.client)
        self.app = AsyncApp(client=self.client, signing_secret=signing_secret or None, process_before_response=True,
                            request_verification_enabled=not self.socket_mode, name="extramile")
        self.listeners = SlackListeners(self.app, self.directory)
        self.listeners.register()
        self._sender = SlackSender(self.send_client, SlackDirectory(self.send_client))
        self._socket: object | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SlackPlatform:
        return cls(bot_token=env.get("SLACK_BOT_TOKEN", ""), signing_secret=env.get("SLACK_SIGNING_SECRET", ""),
                   app_token=env.get("SLACK_APP_TOKEN", ""), api_url=env.get("SLACK_API_URL") or DEFAULT_API_URL)

    @property
    def sender(self) -> SlackSender:
        return self._sender

    def attach(self, app: web.Application, core: CorePort) -> None:
        self.listeners.bind(core)
        if not self.socket_mode:
            app.router.add_post(EVENTS_PATH, self._handle)

    async def _handle(self, request: web.Request) -> web.Response:
        bolt_request = await to_bolt_request(request)
        bolt_response = await self.app.async_dispatch(bolt_request)
        return await to_aiohttp_response(bolt_response)

    async def start(self, core: CorePort) -> None:
        self.listeners.bind(core)
        if self.socket_mode:
            from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

            handler = AsyncSocketModeHandler(self.app, self.app_token)
            await handler.connect_async()
            self._socket = handler
            log.info("Slack: connected in Socket Mode")
        else:
            log.info("Slack: listening on POST %s", EVENTS_PATH)

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close_async()  # type: ignore[attr-defined]
            self._socket = None
        await self.listeners.wait_background()

"""What the adapter asks Slack about people and channels, cached in memory.

``users.info`` gives a first-seen account's name, email and timezone, so the core can link it by
email to the same person on Teams or in app.yaml. A lookup that fails for a passing reason (a 5xx,
a rate limit, the network) is tried again a couple of times, quickly: without the email a known
colleague would be registered as a stranger. Lookups on the acknowledgement path are bounded by
a time budget: when Slack is slow the event still goes in with what the payload carries (the
bot then mentions the account as ``<@U…>``, which Slack shows by name), and the cache makes
every later request from the same person free.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.translate import UserInfo

log = logging.getLogger(__name__)

USER_TTL_S = 3600.0
CHANNEL_TTL_S = 600.0
# Pauses before the second and third users.info attempt (well inside the acknowledgement budget).
LOOKUP_RETRY_DELAYS_S = (0.05, 0.2)


def _passing(exc: Exception) -> bool:
    """A failure worth another try: Slack busy or rate limited, or the network."""
    if isinstance(exc, SlackApiError):
        response = exc.response
        status = int(getattr(response, "status_code", 0) or 0)
        error = response.get("error") if hasattr(response, "get") and isinstance(response.data, dict) else ""
        return status >= 500 or status == 429 or error in ("ratelimited", "internal_error", "fatal_error",
                                                            "service_unavailable", "request_timeout")
    return isinstance(exc, (aiohttp.ClientError, TimeoutError, OSError))


def user_info_from(payload: dict) -> UserInfo:  # type: ignore[type-arg]
    profile = payload.get("profile") or {}
    name = (profile.get("real_name") or payload.get("real_name") or profile.get("display_name")
            or payload.get("name") or "")
    return UserInfo(user_id=str(payload.get("id", "")), name=str(name), email=str(profile.get("email") or "").lower(),
                    timezone=str(payload.get("tz") or ""), is_bot=bool(payload.get("is_bot")) or payload.get("id") == "USLACKBOT")


class SlackDirectory:
    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self._users: dict[str, tuple[float, UserInfo]] = {}
        self._pending: dict[str, asyncio.Future[UserInfo | None]] = {}
        self._channels: dict[str, str] = {}
        self._channels_at = 0.0
        self._channels_lock = asyncio.Lock()
        self._emails: dict[str, str] = {}

    def cached(self, user_id: str) -> UserInfo | None:
        hit = self._users.get(user_id)
        return hit[1] if hit and time.monotonic() - hit[0] < USER_TTL_S else None

    async def user(self, user_id: str) -> UserInfo | None:
        """``users.info`` once per account and hour; concurrent callers share one request."""
        if not user_id:
            return None
        if (hit := self.cached(user_id)) is not None:
            return hit
        if user_id in self._pending:
            return await asyncio.shield(self._pending[user_id])
        future: asyncio.Future[UserInfo | None] = asyncio.get_running_loop().create_future()
        self._pending[user_id] = future
        try:
            info = await self._users_info(user_id)
            if info is not None:
                self._users[user_id] = (time.monotonic(), info)
            future.set_result(info)
        finally:
            self._pending.pop(user_id, None)
        return future.result()

    async def _users_info(self, user_id: str) -> UserInfo | None:
        for attempt, delay in enumerate((0.0, *LOOKUP_RETRY_DELAYS_S)):
            if delay:
                await asyncio.sleep(delay)
            try:
                response = await self.client.users_info(user=user_id)
                return user_info_from(response["user"])
            except Exception as exc:  # noqa: BLE001 - the event goes in with what the payload says
                if not _passing(exc) or attempt == len(LOOKUP_RETRY_DELAYS_S):
                    log.warning("users.info %s failed (attempt %d): %s", user_id, attempt + 1, exc)
                    return None
                log.info("users.info %s failed (attempt %d), trying again: %s", user_id, attempt + 1, exc)
        return None  # pragma: no cover - the loop always returns

    async def users(self, user_ids: Iterable[str], budget_s: float) -> dict[str, UserInfo]:
        """Look up several accounts at once, giving up (with what is known) after ``budget_s``."""
        wanted = [u for u in dict.fromkeys(user_ids) if u]
        missing = [u for u in wanted if self.cached(u) is None]
        if missing:
            tasks = [asyncio.ensure_future(self.user(u)) for u in missing]
            done, _ = await asyncio.wait(tasks, timeout=budget_s)
            if len(done) < len(tasks):
                log.warning("users.info slower than %.1fs; handling the event with what Slack sent", budget_s)
        return {u: info for u in wanted if (info := self.cached(u)) is not None}

    async def user_by_email(self, email: str) -> str | None:
        """``users.lookupByEmail`` for people the core knows only by email."""
        email = email.lower()
        if email in self._emails:
            return self._emails[email]
        try:
            response = await self.client.users_lookupByEmail(email=email)
        except SlackApiError as exc:
            if (exc.response.get("error") if hasattr(exc.response, "get") else "") == "users_not_found":
                return None
            raise
        user_id = str(response["user"]["id"])
        self._emails[email] = user_id
        self._users[user_id] = (time.monotonic(), user_info_from(response["user"]))
        return user_id

    async def channel_id(self, name: str) -> str | None:
        """``#kudos`` -> its id via ``conversations.list`` (cached for ten minutes)."""
        wanted = name.lstrip("#").lower()
        async with self._channels_lock:
            if wanted not in self._channels or time.monotonic() - self._channels_at > CHANNEL_TTL_S:
                await self._load_channels()
        return self._channels.get(wanted)

    async def _load_channels(self) -> None:
        channels: dict[str, str] = {}
        cursor = None
        while True:
            response = await self.client.conversations_list(types="public_channel,private_channel", limit=1000,
                                                            exclude_archived=True, cursor=cursor)
            for channel in response.get("channels") or []:
                channels[str(channel.get("name", "")).lower()] = str(channel["id"])
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        self._channels = channels
        self._channels_at = time.monotonic()

    def forget_channels(self) -> None:
        self._channels_at = 0.0

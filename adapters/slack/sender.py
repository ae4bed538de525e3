"""Delivering outbox rows to Slack: post, post ephemerally, update in place, publish App Home.

A private answer is ephemeral (only the invoker sees it), except in the bot's own DM with that
person (its Messages tab), where an ephemeral message would vanish on reload: there it is a normal
message. Files and report links go into one person's own DM only, never a channel or a group DM.

The outbox retries durably (rows stay in the database until Slack accepts them), so the Web API
client here has no retry handlers of its own: every failure is classified at once as
:class:`RetryLater` (429 with its ``Retry-After``, 5xx, network) or :class:`Undeliverable`
(the channel is gone, the bot is not in it, the account is deactivated...).
"""

from __future__ import annotations

import logging
import re
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.directory import SlackDirectory
from adapters.slack.render import home_view, link, notification_text, render_blocks
from bot.messages import Message, plain
from bot.ports import Delivered, RetryLater, Undeliverable
from storage.models import OutboxMessage, SentMessage

log = logging.getLogger(__name__)

# The bot repeats what people typed: no link or media previews of their URLs under its name.
NO_PREVIEWS: dict[str, Any] = {"unfurl_links": False, "unfurl_media": False}
# One Slack account (a comma would make conversations.open create a group DM).
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")

# Errors Slack will answer the same way next time: retrying cannot help.
PERMANENT = frozenset({
    "channel_not_found", "not_in_channel", "is_archived", "account_inactive", "user_not_found", "users_not_found",
    "user_not_in_channel", "cannot_dm_bot", "msg_too_long", "no_text", "invalid_blocks", "invalid_blocks_format",
    "restricted_action", "restricted_action_read_only_channel", "restricted_action_thread_only_channel",
    "message_not_found", "cant_update_message", "edit_window_closed", "not_authed", "invalid_auth",
    "token_revoked", "missing_scope", "team_access_not_granted", "channel_is_archived", "invalid_arguments",
    "not_allowed_token_type", "ekm_access_denied", "too_many_attachments", "duplicate_channel_not_found",
})


def _status(exc: SlackApiError) -> int:
    response = exc.response
    return int(getattr(response, "status_code", None) or getattr(response, "status", 0) or 0)


def _error(exc: SlackApiError) -> str:
    response = exc.response
    try:
        return str(response.get("error") or "")  # type: ignore[union-attr]
    except Exception:  # noqa: BLE001 - a non-JSON answer (an HTML 5xx page) has no error code
        return ""


def _retry_after(exc: SlackApiError) -> float | None:
    headers: Any = getattr(exc.response, "headers", None) or {}
    for name in ("Retry-After", "retry-after"):
        value = headers.get(name) if hasattr(headers, "get") else None
        if value is not None:
            try:
                return float(value)
            except (TypeError, ValueError):
                return None
    return None


class SlackSender:
    platform = "slack"
    min_interval = 1.0  # Slack allows about one message per second per channel

    def __init__(self, client: AsyncWebClient, directory: SlackDirectory) -> None:
        self.client = client
        self.directory = directory
        self._dms: dict[str, str] = {}  # user id -> the bot's DM with them

    async def send(self, item: OutboxMessage, message: Message, previous: SentMessage | None) -> Delivered:
        try:
            return await self._send(item, message, previous)
        except SlackApiError as exc:
            raise self._classify(exc) from exc
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise RetryLater(f"network: {exc!r}") from exc

    def _classify(self, exc: SlackApiError) -> Exception:
        status, error = _status(exc), _error(exc)
        if status == 429 or error == "ratelimited":
            return RetryLater("429 ratelimited", _retry_after(exc) or 1.0)
        if status >= 500 or status == 0 or error in ("internal_error", "fatal_error", "service_unavailable",
                                                         "request_timeout"):
            return RetryLater(f"slack {status} {error}".strip())
        if error in PERMANENT:
            return Undeliverable(error)
        if status == 200 or 400 <= status < 500:
            return Undeliverable(error or f"http {status}")
        return RetryLater(f"slack {status} {error}".strip())

    async def _send(self, item: OutboxMessage, message: Message, previous: SentMessage | None) -> Delivered:
        text, blocks = notification_text(message, item.tenant), render_blocks(message, item.tenant)
        if message.attachments and previous is None:
            return await self._with_files(item, message, text)
        if item.kind == "home":
            await self.client.views_publish(user_id=item.destination, view=home_view(message, item.tenant))
            return Delivered(conversation=item.destination, message_id="")
        if previous is not None and item.kind != "ephemeral":
            response = await self.client.chat_update(channel=previous.conversation, ts=previous.message_id,
                                                     text=text, blocks=blocks)
            return Delivered(conversation=str(response.get("channel") or previous.conversation),
                             message_id=str(response.get("ts") or previous.message_id))
        if item.kind == "ephemeral":
            return await self._ephemeral(item, text, blocks)
        channel = await self._destination(item)
        args: dict[str, Any] = {"channel": channel, "text": text, "blocks": blocks, **NO_PREVIEWS}
        if item.thread:
            args["thread_ts"] = item.thread
        response = await self.client.chat_postMessage(**args)
        return Delivered(conversation=str(response.get("channel") or channel), message_id=str(response.get("ts") or ""))

    async def _ephemeral(self, item: OutboxMessage, text: str, blocks: list[dict[str, Any]]) -> Delivered:
        """Visible only to the invoker; in the bot's own DM with them a normal message (it stays);
        in a conversation the bot cannot post to, a DM instead."""
        thread: dict[str, Any] = {"thread_ts": item.thread} if item.thread else {}
        if item.destination.startswith("D") and await self._is_bots_dm(item.user, item.destination):
            response = await self.client.chat_postMessage(channel=item.destination, text=text, blocks=blocks,
                                                          **NO_PREVIEWS, **thread)
            return Delivered(conversation=item.destination, message_id=str(response.get("ts") or ""))
        args: dict[str, Any] = {"channel": item.destination, "user": item.user, "text": text, "blocks": blocks,
                                **thread}
        try:
            if not item.destination:
                raise _NoChannel()
            response = await self.client.chat_postEphemeral(**args)
            return Delivered(conversation=item.destination, message_id=str(response.get("message_ts") or ""))
        except (SlackApiError, _NoChannel) as exc:
            if isinstance(exc, SlackApiError) and _error(exc) not in ("channel_not_found", "not_in_channel",
                                                                        "user_not_in_channel"):
                raise
            response = await self.client.chat_postMessage(channel=item.user, text=text, blocks=blocks, **NO_PREVIEWS)
            return Delivered(conversation=str(response.get("channel") or item.user), message_id=str(response.get("ts") or ""))

    async def _dm_with(self, user: str) -> str:
        """The bot's DM with one person (``conversations.open``, remembered)."""
        if not _USER_ID.match(user or ""):
            raise Undeliverable(f"not one Slack account: {user!r}")
        if user not in self._dms:
            opened = await self.client.conversations_open(users=user)
            channel = opened.get("channel") or {}
            if not str(channel.get("id", "")).startswith("D") or channel.get("is_mpim"):
                raise Undeliverable(f"conversations.open for {user} did not give a direct message")
            self._dms[user] = str(channel["id"])
        return self._dms[user]

    async def _is_bots_dm(self, user: str, channel: str) -> bool:
        """Whether ``channel`` is the bot's DM with ``user`` (a DM between two people is not)."""
        try:
            return await self._dm_with(user) == channel
        except (SlackApiError, Undeliverable) as exc:
            log.info("could not tell whether %s is the bot's DM with %s (%s); answering ephemerally", channel, user, exc)
            return False

    async def _with_files(self, item: OutboxMessage, message: Message, text: str) -> Delivered:
        """A message carrying files or links (the culture report): one ``files_upload_v2`` with the
        message as its comment, so a retry never leaves a summary without its file or posts the
        summary twice.

        Only ever into the one person's own DM (an ephemeral message cannot carry a file, and a
        report must not land where others read it): a row for a channel, a group DM or anything
        but one account is refused, not delivered somewhere else.
        """
        if item.kind == "ephemeral":
            user = item.user
        elif item.kind in ("dm", "home"):
            user = await self._destination(item)
        else:
            raise Undeliverable(f"files and report links go to one person's DM only, not to {item.label or 'a channel'}")
        channel = await self._dm_with(user)
        links = [link(a.url, plain(a.title) or a.filename) for a in message.attachments if a.url and not a.content]
        comment = "\n".join([text, *links])
        uploads = [{"content": a.content, "filename": a.filename, "title": plain(a.title) or a.filename}
                   for a in message.attachments if a.content]
        if not uploads:
            response = await self.client.chat_postMessage(channel=channel, text=comment, **NO_PREVIEWS)
            return Delivered(conversation=channel, message_id=str(response.get("ts") or ""))
        response = await self.client.files_upload_v2(channel=channel, initial_comment=comment, file_uploads=uploads)
        files = response.get("files") or [{}]
        return Delivered(conversation=channel, message_id=str(files[0].get("id") or ""))

    async def _destination(self, item: OutboxMessage) -> str:
        destination = item.destination
        if destination.startswith("email:"):
            user_id = await self.directory.user_by_email(destination.removeprefix("email:"))
            if user_id is None:
                raise Undeliverable(f"no Slack account for {destination.removeprefix('email:')}")
            return user_id
        if destination.startswith("#"):
            try:
                found = await self.directory.channel_id(destination)
            except SlackApiError as exc:
                if _error(exc) in ("missing_scope", "not_allowed_token_type"):
                    return destination  # chat.postMessage still takes a channel name
                raise
            return found or destination
        return destination


class _NoChannel(Exception):
    pass

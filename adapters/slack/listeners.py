"""Bolt listeners: every Slack request becomes a neutral event, recorded before Slack is answered.

Bolt runs with ``process_before_response=True``: each listener does the short, bounded work of
translating (plus cached ``users.info`` lookups under a time budget), records the event in the
inbox through ``Dispatcher.submit`` and acknowledges. The handling itself (database, LLM, posting)
runs after the acknowledgement in the dispatcher's background task, so Slack's 3-second rule
holds whatever the core is doing, and an acknowledged request is never lost (it is in the inbox).
If recording fails, the command is answered with an apology and the event with HTTP 500, so Slack
redelivers it.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from adapters.slack import translate
from adapters.slack.directory import SlackDirectory
from adapters.slack.render import form_modal
from bot.events import CommandInput, Event
from bot.messages import Form
from bot.ports import CorePort

log = logging.getLogger(__name__)

# The share of Slack's 3 s we allow Web API lookups on the acknowledgement path.
LOOKUP_BUDGET_S = 1.2
SORRY = "Sorry, I could not take that just now. Please try again in a minute."

class SlackListeners:
    """Holds what listeners need; the core is bound when the server attaches the platform."""

    def __init__(self, app: AsyncApp, directory: SlackDirectory) -> None:
        self.app = app
        self.directory = directory
        self._core: CorePort | None = None
        self._background: set[asyncio.Task[Any]] = set()

    def bind(self, core: CorePort) -> None:
        self._core = core

    @property
    def core(self) -> CorePort:
        if self._core is None:
            raise RuntimeError("Slack adapter used before the core was attached")
        return self._core

    def now(self) -> datetime:
        return self.core.now()

    def register(self) -> None:
        app = self.app
        app.command(re.compile(r"^/.+"))(self.on_command)
        app.action({"type": "block_actions", "action_id": re.compile(r".*")})(self.on_action)
        app.view_submission(re.compile(r".*"))(self.on_view_submission)
        app.event("app_home_opened")(self.on_home_opened)
        app.event("reaction_added")(self.on_reaction)
        app.event("message")(self.on_message)
        # Everything else Slack may send is acknowledged and left alone: an unanswered event is
        # redelivered (and Slack disables the subscriptions of an app that keeps failing), and an
        # unanswered interaction shows the person an error. Registered last: the listeners above
        # come first.
        ignore = self.ignore
        app.event(re.compile(r".*"))(ignore)
        app.options(re.compile(r".*"))(self.no_options)
        app.shortcut(re.compile(r".*"))(ignore)
        app.view_closed(re.compile(r".*"))(ignore)
        for kind in ("interactive_message", "dialog_submission", "dialog_cancellation"):
            app.action({"type": kind, "callback_id": re.compile(r".*")})(ignore)

    async def ignore(self, ack: Callable[..., Awaitable[None]], body: dict[str, Any]) -> None:
        kind = (body.get("event") or {}).get("type") or body.get("type")
        log.info("Slack %s: nothing to do", kind)
        await ack()

    async def no_options(self, ack: Callable[..., Awaitable[None]]) -> None:
        """The bot offers no external select menus: an empty list rather than an error."""
        await ack(options=[])

    async def _record(self, event: Event) -> bool:
        return await self.core.submit(event)

    def _later(self, coro: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def wait_background(self) -> None:
        while pending := [task for task in self._background if not task.done()]:
            await asyncio.gather(*pending, return_exceptions=True)

    # ---- slash commands ------------------------------------------------------------------
    async def on_command(self, ack: Callable[..., Awaitable[None]], body: dict[str, Any]) -> None:
        name = str(body.get("command", "")).lstrip("/").lower()
        text = str(body.get("text", ""))
        form = self.core.form_for(CommandInput(name=name, text=text)) if body.get("trigger_id") else None
        if form is not None:
            await ack()
            self._later(self._open_form(body, form))
            return
        try:
            users = await self.directory.users([str(body.get("user_id", "")), *translate.user_ids_in(text)],
                                               LOOKUP_BUDGET_S)
            await self._record(translate.command_event(body, users, self.now()))
        except Exception:
            log.exception("could not record /%s from %s", name, body.get("user_id"))
            await ack(text=SORRY)
            return
        await ack()

    async def _open_form(self, body: dict[str, Any], form: Form) -> None:
        """The form the core asked for, as a modal; if Slack will not open it, the core answers the
        command as typed (for ``/kudos`` alone: the usage)."""
        try:
            await self.app.client.views_open(trigger_id=body["trigger_id"],
                                             view=form_modal(form, str(body.get("channel_id", ""))))
        except Exception as exc:  # noqa: BLE001 - any failure: answer with the usage instead
            log.warning("views.open failed (%s); answering with the usage instead", exc)
            users = await self.directory.users([str(body.get("user_id", ""))], LOOKUP_BUDGET_S)
            await self._record(translate.command_event(body, users, self.now()))

    # ---- interactivity -------------------------------------------------------------------
    async def on_action(self, ack: Callable[..., Awaitable[None]], body: dict[str, Any]) -> None:
        actions = body.get("actions") or []
        user_id = str((body.get("user") or {}).get("id", ""))
        users = await self.directory.users([user_id], LOOKUP_BUDGET_S)
        for action in actions:
            if action.get("type") == "button" and action.get("url") and not action.get("value"):
                continue  # a link button: Slack opened the link, nothing to do
            await self._record(translate.action_event(body, action, users, self.now()))
        await ack()

    async def on_view_submission(self, ack: Callable[..., Awaitable[None]], body: dict[str, Any]) -> None:
        user_id = str((body.get("user") or {}).get("id", ""))
        view = body.get("view") or {}
        form = translate.form_values(view)
        picked = [u for v in form.values() if isinstance(v, list) for u in v if u[:1] in ("U", "W")]
        users = await self.directory.users([user_id, *picked], LOOKUP_BUDGET_S)
        await self._record(translate.submission_event(body, users, self.now()))
        await ack()  # closes the modal; the core's answer arrives as a message

    # ---- events --------------------------------------------------------------------------
    async def on_home_opened(self, ack: Callable[..., Awaitable[None]], body: dict[str, Any],
                             event: dict[str, Any]) -> None:
        if event.get("tab", "home") == "home":
            users = await self.directory.users([str(event.get("user", ""))], LOOKUP_BUDGET_S)
            await self._record(translate.home_event(body, users, self.now()))
        await ack()

    async def on_reaction(self, ack: Callable[..., Awaitable[None]], body: dict[str, Any],
                          event: dict[str, Any]) -> None:
        emoji = str(event.get("reaction", "")).split("::")[0]
        item = event.get("item") or {}
        author = str(event.get("item_user", ""))
        # Only a reaction the core answers, on a message, matters; the others are not our business.
        if not self.core.wants_reaction(emoji) or item.get("type") != "message" or not author:
            await ack()
            return
        channel, ts = str(item.get("channel", "")), str(item.get("ts", ""))
        users_task = asyncio.ensure_future(self.directory.users([str(event.get("user", "")), author], LOOKUP_BUDGET_S))
        text_task = asyncio.ensure_future(self._message_text(channel, ts))
        link_task = asyncio.ensure_future(self._permalink(channel, ts))
        done, _ = await asyncio.wait([text_task, link_task], timeout=LOOKUP_BUDGET_S)
        users = await users_task
        item_text = text_task.result() if text_task in done else ""
        item_link = link_task.result() if link_task in done else ""
        if mentioned := [u for u in translate.user_ids_in(item_text) if u not in users]:
            users = {**users, **await self.directory.users(mentioned, LOOKUP_BUDGET_S / 2)}
        info = users.get(author)
        if info is not None and info.is_bot:
            await ack()
            return  # a bot's message, not a colleague's
        await self._record(translate.reaction_event(body, users, item_text, item_link or f"slack:{channel}/{ts}",
                                              self.now()))
        await ack()

    async def _message_text(self, channel: str, ts: str) -> str:
        try:
            response = await self.app.client.conversations_history(channel=channel, latest=ts, oldest=ts,
                                                                   inclusive=True, limit=1)
            for message in response.get("messages") or []:
                if message.get("ts") == ts:
                    return str(message.get("text", ""))
            response = await self.app.client.conversations_replies(channel=channel, ts=ts, latest=ts, oldest=ts,
                                                                  inclusive=True, limit=1)
            for message in response.get("messages") or []:
                if message.get("ts") == ts:
                    return str(message.get("text", ""))
        except SlackApiError as exc:
            log.info("could not read the reacted message %s/%s: %s", channel, ts, exc.response.get("error"))
        return ""

    async def _permalink(self, channel: str, ts: str) -> str:
        try:
            response = await self.app.client.chat_getPermalink(channel=channel, message_ts=ts)
            return str(response.get("permalink") or "")
        except SlackApiError as exc:
            log.info("no permalink for %s/%s: %s", channel, ts, exc.response.get("error"))
            return ""

    async def on_message(self, ack: Callable[..., Awaitable[None]], body: dict[str, Any],
                         event: dict[str, Any]) -> None:
        text = str(event.get("text", ""))
        direct = translate.is_person_direct_message(event)
        if direct or translate.is_person_thread_message(event):
            users = await self.directory.users([str(event.get("user", "")), *translate.user_ids_in(text)],
                                               LOOKUP_BUDGET_S)
            now = self.now()
            recorded = (translate.direct_message_event(body, users, now, self.core.command_names) if direct
                        else translate.reply_event(body, users, now))
            if recorded is not None:
                await self._record(recorded)
        await ack()

"""Delivering outbox rows to Teams through the Bot Connector, from saved conversation references.

Where each row goes:
  ``ephemeral`` / ``conversation`` / ``channel`` with a conversation id -> into that conversation
  (Teams has no ephemeral messages; a reply in the conversation is the closest);
  ``channel`` named "Team name/Channel name" (or a bare channel name) -> the saved channel reference,
  else the team's channel list from the connector;
  ``dm`` / ``home`` -> the person's personal chat, created through the connector when there is none.
A ``previous`` delivery is updated in place (PUT activity). 429/412/5xx and network errors are
``RetryLater`` (Retry-After honoured); 403 ``MessageWritesBlocked`` marks the reference inactive and
is ``Undeliverable``, so nothing is retried forever.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

import aiohttp
from microsoft_agents.activity import (
    Activity,
    ActivityTypes,
    Attachment,
    ChannelAccount,
    Channels,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
)
from microsoft_agents.hosting.core.connector.teams import TeamsConnectorClient

from adapters.teams.connector import Connectors
from adapters.teams.render import CARD_CONTENT_TYPE, card, summary
from bot.clock import Clock
from bot.messages import Message
from bot.outbox import Delivered, RetryLater, Undeliverable
from storage import teams as repo
from storage.db import Database
from storage.models import OutboxMessage, SentMessage
from storage.teams_models import TeamsConversation

log = logging.getLogger(__name__)

RETRY_STATUSES = {408, 412, 429, 500, 502, 503, 504}
# 403 codes meaning "this conversation cannot be written to": stop trying and mark it inactive.
BLOCKED_CODES = ("MessageWritesBlocked", "ConversationBlockedByUser", "BotNotInConversationRoster")


@dataclass(frozen=True)
class Target:
    """Where one outbox row lands: a conversation on a service URL, as the bot that is in it."""

    service_url: str
    conversation_id: str
    tenant: str
    bot: ChannelAccount | None
    reference_id: str  # the saved reference's conversation id, to mark inactive when blocked


class TeamsSender:
    platform = "teams"
    min_interval = 1 / 7  # Teams: 7 messages per second per conversation

    def __init__(self, connectors: Connectors, db: Database | None = None, clock: Clock | None = None) -> None:
        self.connectors = connectors
        self._db = db
        self._clock = clock

    def bind(self, db: Database, clock: Clock) -> None:
        """The runtime's database and clock (the server builds the runtime after the platforms)."""
        self._db, self._clock = db, clock

    @property
    def db(self) -> Database:
        if self._db is None:
            raise RuntimeError("TeamsSender is not bound to a database yet")
        return self._db

    @property
    def clock(self) -> Clock:
        if self._clock is None:
            raise RuntimeError("TeamsSender is not bound to a clock yet")
        return self._clock

    async def send(self, item: OutboxMessage, message: Message, previous: SentMessage | None) -> Delivered:
        target: Target | None = None
        try:
            target = await self._target(item, previous)
            activity = self._activity(message, target)
            client = await self._open(target.service_url)
            try:
                if previous is not None and previous.message_id:
                    activity.id = previous.message_id
                    await client.conversations.update_activity(target.conversation_id, previous.message_id, activity)
                    return Delivered(conversation=target.conversation_id, message_id=previous.message_id)
                response = await client.conversations.send_to_conversation(target.conversation_id, activity)
            finally:
                await client.close()
        except aiohttp.ClientResponseError as exc:
            raise self._refused(exc, item, target) from exc
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise RetryLater(f"Bot Connector unreachable: {exc}") from exc
        return Delivered(conversation=target.conversation_id, message_id=response.id or "")

    async def _open(self, service_url: str) -> TeamsConnectorClient:
        """A connector client; failing to get a token (Entra unreachable, throttled) is temporary."""
        try:
            return await self.connectors.open(service_url)
        except (RetryLater, Undeliverable):
            raise
        except Exception as exc:
            raise RetryLater(f"no Bot Connector client for {service_url}: {exc!r}") from exc

    def _refused(self, exc: aiohttp.ClientResponseError, item: OutboxMessage, target: Target | None) -> Exception:
        body = exc.message or ""
        if exc.status in RETRY_STATUSES:
            return RetryLater(f"Teams answered {exc.status}", _retry_after(exc.headers))
        if exc.status == 403 and any(code in body for code in BLOCKED_CODES):
            if target is not None:
                with self.db.session() as session:
                    repo.set_active(session, target.tenant, target.reference_id, False, self.clock.now())
            return Undeliverable(f"Teams blocks messages to {item.label} (MessageWritesBlocked): the user blocked "
                                 "or uninstalled the app; the conversation is marked inactive")
        return Undeliverable(f"Teams refused the message to {item.label}: {exc.status} {body[:200]}")

    def _activity(self, message: Message, target: Target) -> Activity:
        activity = Activity(
            type=ActivityTypes.message,
            channel_id=Channels.ms_teams,
            service_url=target.service_url,
            conversation=ConversationAccount(id=target.conversation_id, tenant_id=target.tenant or None),
            summary=summary(message),
            attachments=[Attachment(content_type=CARD_CONTENT_TYPE, content=card(message, target.tenant))],
        )
        if target.bot is not None:
            activity.from_property = target.bot
        return activity

    async def _target(self, item: OutboxMessage, previous: SentMessage | None) -> Target:
        if previous is not None and previous.conversation:
            found = self._saved(item.tenant, previous.conversation)
            if found is not None:
                return found
        if item.kind in ("dm", "home"):
            return await self._personal(item)
        destination = item.destination
        if item.thread and ";messageid=" not in destination:
            destination = f"{destination};messageid={item.thread}"  # into the thread, as Teams addresses it
        found = self._saved(item.tenant, destination)
        if found is not None:
            return found
        if item.kind == "channel":
            return await self._named_channel(item)
        raise Undeliverable(f"no saved Teams conversation {destination!r}")

    def _saved(self, tenant: str, conversation_id: str) -> Target | None:
        with self.db.session() as session:
            row = repo.conversation(session, tenant, conversation_id.split(";messageid=")[0])
        if row is None:
            return None
        if not row.active:
            raise Undeliverable(f"the Teams conversation {conversation_id} is inactive (app removed or blocked)")
        return _target_of(row, conversation_id)

    async def _personal(self, item: OutboxMessage) -> Target:
        """The person's 1:1 chat with the bot; created through the connector when none is saved."""
        user = item.destination
        with self.db.session() as session:
            if user.startswith("email:"):
                member = repo.member_by_email(session, item.tenant, user.removeprefix("email:"))
                if member is None:
                    raise Undeliverable(f"nobody with {user} has used Extra Mile in Teams yet")
            else:
                member = repo.member(session, item.tenant, user)
            keys = [k for k in (member.aad_object_id, member.user_id) if k] if member is not None else [user]
            row = None
            for key in keys:
                row = repo.personal_conversation(session, item.tenant, key)
                if row is not None:
                    break
            tenant = item.tenant or (member.tenant if member is not None else "")
            # Any conversation in the tenant tells us the service URL and the bot's own account.
            anchor = row or repo.any_active_conversation(session, tenant)
        if row is not None:
            return _target_of(row, row.conversation_id)
        if anchor is None:
            raise Undeliverable(f"no Teams conversation in tenant {tenant!r} to reach {item.label} from")
        service_url = (member.service_url if member is not None and member.service_url else anchor.service_url)
        member_id = member.user_id if member is not None else user
        bot = _bot_of(anchor)
        if bot is None:
            raise Undeliverable(f"no bot account saved for tenant {tenant!r}; the app must be used there once")
        params = ConversationParameters(is_group=False, bot=bot,
                                        members=[ChannelAccount(id=member_id)], tenant_id=tenant,
                                        channel_data={"tenant": {"id": tenant}})
        client = await self._open(service_url)
        try:
            created = await client.conversations.create_conversation(params)
        finally:
            await client.close()
        reference = ConversationReference(conversation=ConversationAccount(id=created.id, tenant_id=tenant or None,
                                                                           conversation_type="personal"),
                                          agent=bot, user=ChannelAccount(id=member_id),
                                          channel_id=Channels.ms_teams, service_url=created.service_url or service_url)
        with self.db.session() as session:
            saved = repo.save_conversation(
                session, tenant=tenant, conversation_id=created.id, kind="personal",
                service_url=created.service_url or service_url,
                reference=reference.model_dump_json(by_alias=True, exclude_none=True), now=self.clock.now(),
                user_id=member_id, user_aad_id=member.aad_object_id if member is not None else "")
            return _target_of(saved, saved.conversation_id)

    async def _named_channel(self, item: OutboxMessage) -> Target:
        """``Team name/Channel name`` (or a bare channel name) from saved references or the team's list."""
        name = item.destination.strip().lstrip("#")
        team_name, _, channel_name = name.rpartition("/")
        with self.db.session() as session:
            if team_name:
                row = repo.channel_by_name(session, item.tenant, team_name, channel_name)
            else:
                row = next((r for r in repo.channels(session, item.tenant) if r.channel_name.lower() == name.lower()),
                           None)
            in_team = repo.team_conversations(session, item.tenant, team_name) if team_name and row is None else []
        if row is not None:
            if not row.active:
                raise Undeliverable(f"the Teams channel {item.destination} is inactive (app removed)")
            return _target_of(row, row.conversation_id)
        anchor = next((r for r in in_team if r.active and r.team_id), None)
        if anchor is None:
            raise Undeliverable(f"no Teams channel {item.destination!r} known: add Extra Mile to that team "
                                "(app.yaml names Teams channels as \"Team name/Channel name\")")
        client = await self._open(anchor.service_url)
        try:
            channels = await client.fetch_channel_list(anchor.team_id)
        finally:
            await client.close()
        for channel in channels:
            if (channel.name or "General").lower() == channel_name.lower() and channel.id:
                reference = json.loads(anchor.reference)
                reference.setdefault("conversation", {})["id"] = channel.id
                with self.db.session() as session:
                    saved = repo.save_conversation(
                        session, tenant=anchor.tenant, conversation_id=channel.id, kind="channel",
                        service_url=anchor.service_url, reference=json.dumps(reference), now=self.clock.now(),
                        team_id=anchor.team_id, team_name=anchor.team_name, channel_name=channel.name or "General")
                    return _target_of(saved, saved.conversation_id)
        raise Undeliverable(f"the team {team_name!r} has no channel {channel_name!r}")


def _target_of(row: TeamsConversation, conversation_id: str) -> Target:
    return Target(service_url=row.service_url, conversation_id=conversation_id, tenant=row.tenant, bot=_bot_of(row),
                  reference_id=row.conversation_id)


def _bot_of(row: TeamsConversation) -> ChannelAccount | None:
    reference = ConversationReference.model_validate_json(row.reference)
    return reference.agent


def _retry_after(headers: object) -> float | None:
    value = headers.get("Retry-After") if headers is not None and hasattr(headers, "get") else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None

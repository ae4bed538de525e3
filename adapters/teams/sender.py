"""Delivering outbox rows to Teams through the Bot Connector, from saved conversation references.

Where each row goes:
  ``ephemeral`` (a reply meant for the person who asked) -> into the conversation when that is the
  person's own 1:1 chat with the bot; otherwise (channel, group chat) to their 1:1 chat, created
  when needed, and the conversation gets only "I've sent you a private message" with an @mention.
  Teams has no ephemeral messages, and whatever the reply says (errors, receipts, requests, the
  culture report) is for that person alone;
  ``conversation`` / ``channel`` with a conversation id -> into that conversation (its thread);
  ``channel`` named "Team name/Channel name" -> the saved channel reference, else that team's
  channel list from the connector; a plain name ("#kudos") -> a channel of that name in any team the
  bot is in (saved references first, then each team's channel list);
  ``dm`` / ``home`` -> the person's personal chat, created through the connector when there is none.
A ``previous`` delivery is updated in place (PUT activity). 429/412/5xx and network errors are
``RetryLater`` (Retry-After honoured); 403 ``MessageWritesBlocked`` marks the reference inactive and
is ``Undeliverable``, so nothing is retried forever; so is a service URL outside the allowlist.
Card buttons carry the bot's signature for the conversation they are sent to.
"""

from __future__ import annotations

import html
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
    EntityTypes,
    Mention,
)
from microsoft_agents.hosting.core.connector.teams import TeamsConnectorClient

from adapters.teams.action_tokens import ActionSigner
from adapters.teams.connector import Connectors
from adapters.teams.inbound import base_conversation_id
from adapters.teams.render import CARD_CONTENT_TYPE, card, summary
from adapters.teams.service_urls import ServiceUrlRefused
from bot.messages import Message
from bot.outbox import FORGET_PREFIX
from bot.ports import ConversationStore, Delivered, RetryLater, Undeliverable
from bot.texts import t
from storage.models import OutboxMessage, SentMessage
from storage.teams_models import TeamsConversation, TeamsMember

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


@dataclass(frozen=True)
class Route:
    """Where the row's message goes, and where (for a private reply) the pointer to it goes."""

    target: Target
    notice: Target | None = None


class TeamsSender:
    platform = "teams"
    min_interval = 1 / 7  # Teams: 7 messages per second per conversation

    def __init__(self, connectors: Connectors, signer: ActionSigner | None = None,
                 store: ConversationStore | None = None) -> None:
        self.connectors = connectors
        self.signer = signer or ActionSigner()
        self._store = store

    def bind(self, store: ConversationStore) -> None:
        """The saved conversations (the server hands them over when it attaches the platform)."""
        self._store = store

    @property
    def store(self) -> ConversationStore:
        if self._store is None:
            raise RuntimeError("TeamsSender is not bound to the conversation store yet")
        return self._store

    async def send(self, item: OutboxMessage, message: Message, previous: SentMessage | None) -> Delivered:
        target: Target | None = None
        try:
            route = await self._route(item, previous)
            if message.pointer and route.notice is not None:
                # Our own pointer says the same where the person asked; the private chat needs neither.
                await self._point_to_private(route.notice, item)
                return Delivered(conversation=route.notice.conversation_id, message_id="")
            target = route.target
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
        if route.notice is not None:
            await self._point_to_private(route.notice, item)
        return Delivered(conversation=target.conversation_id, message_id=response.id or "")

    async def _open(self, service_url: str) -> TeamsConnectorClient:
        """A connector client; failing to get a token (Entra unreachable, throttled) is temporary."""
        try:
            return await self.connectors.open(service_url)
        except ServiceUrlRefused as exc:
            raise Undeliverable(f"the Teams service URL {service_url!r} is not allowed (TEAMS_SERVICE_URL_ALLOW)") from exc
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
                self.store.set_active(target.tenant, target.reference_id, False)
            return Undeliverable(f"Teams blocks messages to {item.label} (MessageWritesBlocked): the user blocked "
                                 "or uninstalled the app; the conversation is marked inactive")
        return Undeliverable(f"Teams refused the message to {item.label}: {exc.status} {body[:200]}")

    def _activity(self, message: Message, target: Target) -> Activity:
        def sign(action_id: str, value: str) -> str:
            return self.signer.sign(action_id, value, target.conversation_id)

        activity = Activity(
            type=ActivityTypes.message,
            channel_id=Channels.ms_teams,
            service_url=target.service_url,
            conversation=ConversationAccount(id=target.conversation_id, tenant_id=target.tenant or None),
            summary=summary(message),
            attachments=[Attachment(content_type=CARD_CONTENT_TYPE, content=card(message, target.tenant, sign))],
        )
        if target.bot is not None:
            activity.from_property = target.bot
        return activity

    async def _route(self, item: OutboxMessage, previous: SentMessage | None) -> Route:
        if previous is not None and previous.conversation:
            found = self._saved(item.tenant, previous.conversation)
            if found is not None:
                return Route(found)
        if item.kind in ("dm", "home"):
            return Route(await self._personal(item.tenant, item.destination, item.label))
        if item.kind == "ephemeral":
            return await self._private(item)
        destination = _in_thread(item.destination, item.thread)
        found = self._saved(item.tenant, destination)
        if found is not None:
            return Route(found)
        if item.kind == "channel":
            return Route(await self._named_channel(item))
        raise Undeliverable(f"no saved Teams conversation {destination!r}")

    async def _private(self, item: OutboxMessage) -> Route:
        """A reply for the person who asked: their own 1:1 chat, never a channel or group chat."""
        row = self.store.conversation(item.tenant, base_conversation_id(item.destination))
        if row is not None and row.active and row.kind == "personal" and _is_with(row, item.user):
            return Route(_target_of(row, row.conversation_id))
        if row is None and item.ref_key.startswith(FORGET_PREFIX):
            return Route(self._unsaved_personal(item))
        if not item.user:
            raise Undeliverable("a private reply names nobody to send it to; it is not posted in the conversation")
        target = await self._personal(item.tenant, item.user, item.label)
        notice = _target_of(row, _in_thread(row.conversation_id, item.thread)) if row is not None and row.active \
            else None
        return Route(target, notice)

    def _unsaved_personal(self, item: OutboxMessage) -> Target:
        """The personal chat of an author who leaves no trace (an anonymous story): its reference was
        never saved (every other conversation's is), so the reply goes straight back into it, on the
        tenant's service URL as the bot, and nothing about it is saved now either."""
        anchor = self.store.any_active_conversation(item.tenant)
        bot = _bot_of(anchor) if anchor is not None else None
        if anchor is None or bot is None:
            raise Undeliverable("no Teams conversation in this tenant to answer an anonymous author from")
        return Target(service_url=anchor.service_url, conversation_id=item.destination, tenant=item.tenant, bot=bot,
                      reference_id=item.destination)

    async def _point_to_private(self, target: Target, item: OutboxMessage) -> None:
        """"I've sent you a private message", with an @mention, where the person asked (best effort:
        the private message itself has arrived, so a failure here is logged, not retried)."""
        member = self.store.member(target.tenant, item.user)
        text = t("teams.private_notice")
        activity = Activity(type=ActivityTypes.message, channel_id=Channels.ms_teams, service_url=target.service_url,
                            conversation=ConversationAccount(id=target.conversation_id, tenant_id=target.tenant or None),
                            text=text)
        if member is not None and member.user_id and member.name:
            said = f"<at>{html.escape(member.name)}</at>"
            activity.text = f"{said} {text}"
            activity.entities = [Mention(type=EntityTypes.MENTION, text=said,
                                         mentioned=ChannelAccount(id=member.user_id, name=member.name))]
        if target.bot is not None:
            activity.from_property = target.bot
        try:
            client = await self._open(target.service_url)
            try:
                await client.conversations.send_to_conversation(target.conversation_id, activity)
            finally:
                await client.close()
        except Exception as exc:  # noqa: BLE001  the private message was delivered; only the pointer is lost
            log.warning("Teams: could not say \"sent you a private message\" in %s: %r", target.reference_id, exc)

    def _saved(self, tenant: str, conversation_id: str) -> Target | None:
        row = self.store.conversation(tenant, base_conversation_id(conversation_id))
        if row is None:
            return None
        if not row.active:
            raise Undeliverable(f"the Teams conversation {conversation_id} is inactive (app removed or blocked)")
        return _target_of(row, conversation_id)

    async def _personal(self, tenant: str, user: str, label: str) -> Target:
        """The person's 1:1 chat with the bot; created through the connector when none is saved."""
        member: TeamsMember | None
        if user.startswith("email:"):
            member = self.store.member_by_email(tenant, user.removeprefix("email:"))
            if member is None:
                raise Undeliverable(f"nobody with {user} has used Extra Mile in Teams yet")
        else:
            member = self.store.member(tenant, user)
        keys = [k for k in (member.aad_object_id, member.user_id) if k] if member is not None else [user]
        row = None
        for key in keys:
            row = self.store.personal_conversation(tenant, key)
            if row is not None:
                break
        tenant = tenant or (member.tenant if member is not None else "")
        # Any conversation in the tenant tells us the service URL and the bot's own account.
        anchor = row or self.store.any_active_conversation(tenant)
        if row is not None:
            return _target_of(row, row.conversation_id)
        if anchor is None:
            raise Undeliverable(f"no Teams conversation in tenant {tenant!r} to reach {label} from")
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
        # The reply may name another service URL; the connector is only used there if it is allowed.
        reference = ConversationReference(conversation=ConversationAccount(id=created.id, tenant_id=tenant or None,
                                                                           conversation_type="personal"),
                                          agent=bot, user=ChannelAccount(id=member_id),
                                          channel_id=Channels.ms_teams, service_url=created.service_url or service_url)
        saved = self.store.save_conversation(
            tenant=tenant, conversation_id=created.id, kind="personal", service_url=created.service_url or service_url,
            reference=reference.model_dump_json(by_alias=True, exclude_none=True),
            user_id=member_id, user_aad_id=member.aad_object_id if member is not None else "")
        return _target_of(saved, saved.conversation_id)

    async def _named_channel(self, item: OutboxMessage) -> Target:
        """``Team name/Channel name``, or a plain channel name in any team the bot is in."""
        name = item.destination.strip().lstrip("#")
        team_name, _, channel_name = name.rpartition("/")
        if team_name:
            row = self.store.channel_by_name(item.tenant, team_name, channel_name)
            teams = [r for r in self.store.team_conversations(item.tenant, team_name) if r.active and r.team_id]
        else:
            named = [r for r in self.store.channels(item.tenant) if r.channel_name.lower() == name.lower()]
            row = next((r for r in named if r.active), named[0] if named else None)
            teams = list(self.store.installed_teams(item.tenant))
        if row is not None:
            if not row.active:
                raise Undeliverable(f"the Teams channel {item.destination} is inactive (app removed)")
            return _target_of(row, row.conversation_id)
        if not teams:
            raise Undeliverable(f"no Teams channel {item.destination!r} known: add Extra Mile to that team "
                                "(app.yaml names Teams channels \"#channel\" or \"Team name/Channel name\")")
        for anchor in _one_per_team(teams):
            found = await self._channel_in_team(anchor, channel_name)
            if found is not None:
                return found
        where = f"the team {team_name!r}" if team_name else "any team Extra Mile is in"
        raise Undeliverable(f"{where} has no channel {channel_name!r}")

    async def _channel_in_team(self, anchor: TeamsConversation, channel_name: str) -> Target | None:
        """The team's channel list from the connector; the channel found is saved for next time."""
        client = await self._open(anchor.service_url)
        try:
            channels = await client.fetch_channel_list(anchor.team_id)
        except aiohttp.ClientResponseError as exc:
            if exc.status in RETRY_STATUSES:
                raise
            log.warning("Teams: no channel list for team %s (%s); trying the other teams", anchor.team_id, exc.status)
            return None
        finally:
            await client.close()
        for channel in channels:
            if (channel.name or "General").lower() == channel_name.lower() and channel.id:
                reference = json.loads(anchor.reference)
                reference.setdefault("conversation", {})["id"] = channel.id
                saved = self.store.save_conversation(
                    tenant=anchor.tenant, conversation_id=channel.id, kind="channel", service_url=anchor.service_url,
                    reference=json.dumps(reference), team_id=anchor.team_id, team_name=anchor.team_name,
                    channel_name=channel.name or "General")
                return _target_of(saved, saved.conversation_id)
        return None


def _target_of(row: TeamsConversation, conversation_id: str) -> Target:
    return Target(service_url=row.service_url, conversation_id=conversation_id, tenant=row.tenant, bot=_bot_of(row),
                  reference_id=row.conversation_id)


def _in_thread(conversation_id: str, thread: str) -> str:
    """Teams addresses a channel thread as ``<channel id>;messageid=<root id>``."""
    if thread and ";messageid=" not in conversation_id:
        return f"{conversation_id};messageid={thread}"
    return conversation_id


def _is_with(row: TeamsConversation, user: str) -> bool:
    """A personal chat is the person's own unless it is recorded as someone else's."""
    if not row.user_id and not row.user_aad_id:
        return True
    return bool(user) and user in (row.user_id, row.user_aad_id)


def _one_per_team(rows: list[TeamsConversation]) -> list[TeamsConversation]:
    seen: set[str] = set()
    unique = []
    for row in rows:
        if row.team_id not in seen:
            seen.add(row.team_id)
            unique.append(row)
    return unique


def _bot_of(row: TeamsConversation) -> ChannelAccount | None:
    reference = ConversationReference.model_validate_json(row.reference)
    return reference.agent


def _retry_after(headers: object) -> float | None:
    value = headers.get("Retry-After") if headers is not None and hasattr(headers, "get") else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None

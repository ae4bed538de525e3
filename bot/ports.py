"""The ports between the core and the chat platforms' adapters.

An adapter implements :class:`Platform` (and its :class:`Sender`) and is handed a :class:`CorePort`
when it is attached: everything it may ask the core (record an event, the time, which commands
exist, whether a reaction matters, which form a command opens, whether an input must leave no
trace) and the stores it may use (:class:`ConversationStore` for Teams' conversation references,
signing keys). So an adapter imports ``bot`` and its SDK, never the composition root, and decides
no feature question itself: if a line would not change when a third platform is added, it
belongs behind this port, in the core.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from bot.events import CommandInput, Event, Input
from bot.messages import Form, Message
from storage.models import OutboxMessage, SentMessage
from storage.teams_models import TeamsConversation, TeamsMember

if TYPE_CHECKING:  # only the composition root and the adapters run a web server
    from aiohttp import web


@dataclass(frozen=True)
class Delivered:
    conversation: str
    message_id: str


class RetryLater(Exception):
    """The platform did not take the message now (429, 5xx, network); try again later."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class Undeliverable(Exception):
    """The platform refused for good (channel gone, bot removed); retrying would not help."""


class Sender(Protocol):
    """What an adapter implements to deliver outbox rows on its platform."""

    platform: str
    # Seconds between two messages into the same conversation (Slack ~1, Teams 1/7).
    min_interval: float

    async def send(self, item: OutboxMessage, message: Message, previous: SentMessage | None) -> Delivered:
        """Post (or, when ``previous`` is given, update in place) and say where it landed.

        Raises :class:`RetryLater` or :class:`Undeliverable` when the platform does not take it.
        """
        ...


class ConversationStore(Protocol):
    """Teams conversation references and the member cache, so the bot can speak first.

    Implemented in storage (:class:`storage.teams.TeamsConversations`), handed to the Teams adapter
    through the core port. Each call is its own transaction; times are the core's clock.
    """

    def save_conversation(self, *, tenant: str, conversation_id: str, kind: str, service_url: str, reference: str,
                          user_id: str = "", user_aad_id: str = "", team_id: str = "", team_name: str = "",
                          channel_name: str = "", active: bool = True) -> TeamsConversation: ...

    def conversation(self, tenant: str, conversation_id: str) -> TeamsConversation | None: ...

    def personal_conversation(self, tenant: str, user: str) -> TeamsConversation | None: ...

    def any_active_conversation(self, tenant: str) -> TeamsConversation | None: ...

    def channel_by_name(self, tenant: str, team_name: str, channel_name: str) -> TeamsConversation | None: ...

    def team_conversations(self, tenant: str, team_name: str) -> Sequence[TeamsConversation]: ...

    def installed_teams(self, tenant: str) -> Sequence[TeamsConversation]: ...

    def channels(self, tenant: str) -> Sequence[TeamsConversation]: ...

    def set_active(self, tenant: str, conversation_id: str, active: bool) -> bool: ...

    def deactivate_team(self, tenant: str, team_id: str) -> int: ...

    def save_member(self, *, tenant: str, user_id: str, aad_object_id: str = "", name: str = "", email: str = "",
                    service_url: str = "") -> TeamsMember: ...

    def member(self, tenant: str, user: str) -> TeamsMember | None: ...

    def member_by_email(self, tenant: str, email: str) -> TeamsMember | None: ...

    def bot_posted(self, message_id: str) -> bool:
        """Did the bot post the message with this Teams id (the root of a prompt or story thread)?"""
        ...


class CorePort(Protocol):
    """The core as an adapter sees it."""

    conversations: ConversationStore

    def now(self) -> datetime: ...

    async def submit(self, event: Event) -> bool:
        """Record the event (handled after the adapter has answered the platform); False: a duplicate."""
        ...

    @property
    def command_names(self) -> frozenset[str]:
        """Every command the installed features answer (a DM line starting with one is a command)."""
        ...

    def wants_reaction(self, emoji: str) -> bool:
        """Does any feature answer this emoji reaction (the adapter ignores the others unread)?"""
        ...

    def form_for(self, given: CommandInput) -> Form | None:
        """The form this command line opens, for platforms that open forms themselves (Slack modals)."""
        ...

    def leaves_no_trace(self, given: Input | None) -> bool:
        """Must the adapter keep no trace of who sent this (an anonymous story): no member cache,
        no conversation reference?"""
        ...

    def stored_secret(self, name: str) -> str:
        """A signing key kept in the database under ``name``, created on first use."""
        ...


class Platform(Protocol):
    """A chat platform's adapter, as the composition root runs it."""

    name: str

    @property
    def sender(self) -> Sender:
        """Delivers outbox rows on this platform."""
        ...

    def attach(self, app: web.Application, core: CorePort) -> None:
        """Add this platform's HTTP routes (``/slack/events``, ``/api/messages``) to the one server."""
        ...

    async def start(self, core: CorePort) -> None:
        """Start anything long-running the platform needs (Socket Mode); may do nothing."""
        ...

    async def stop(self) -> None:
        ...

"""The neutral event model every adapter produces and the dispatcher consumes.

Events are frozen dataclasses and serialise to JSON (through pydantic's ``TypeAdapter``) because
they are written to the inbox before they are handled: an event acknowledged to the platform is
never lost, even if the process dies before handling it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, Literal, Union

from pydantic import Field, TypeAdapter


@dataclass(frozen=True)
class Address:
    """Where something happened or where a message goes.

    ``conversation`` is the platform's channel / chat id; ``thread`` the parent message id when the
    event is in a thread; ``message`` the platform id of the message itself, when there is one.
    ``is_private``: the conversation is a direct or group message, not a channel.

    ``private_origin``: nobody but the author saw what they sent — a Slack slash command (Slack
    never shows its text, wherever it is typed), a message in the bot's own Slack DM, a Teams
    personal chat with the bot, the console. Anonymity is only possible then: where a channel or
    a group chat already saw who wrote a message, the bot must not pretend it is anonymous. It
    is False unless an adapter knows better, so a new way in is never taken for private.
    """

    platform: str
    tenant: str
    conversation: str = ""
    thread: str = ""
    message: str = ""
    is_private: bool = False
    private_origin: bool = False


@dataclass(frozen=True)
class Actor:
    """Who acted, as the platform knows them; resolved to a Person by the core."""

    platform: str
    tenant: str
    user_id: str
    name: str = ""
    email: str = ""
    timezone: str = ""


@dataclass(frozen=True)
class Mention:
    """A platform mention already resolved by the adapter (``<@U1>`` in Slack, ``<at>`` in Teams).

    ``token`` is how the mention appears in the command text the adapter hands over.
    """

    token: str
    user_id: str
    name: str = ""
    email: str = ""
    timezone: str = ""


@dataclass(frozen=True)
class ChannelMention:
    """A channel named in a command (``<#C123|general>`` in Slack), as a whitespace-free token."""

    token: str
    channel_id: str
    name: str = ""


@dataclass(frozen=True)
class CommandInput:
    kind: Literal["command"] = "command"
    name: str = ""
    text: str = ""
    mentions: tuple[Mention, ...] = ()
    channels: tuple[ChannelMention, ...] = ()


@dataclass(frozen=True)
class ActionInput:
    """A button click or a submitted form: ``action_id`` names the handler, ``value`` its argument."""

    kind: Literal["action"] = "action"
    action_id: str = ""
    value: str = ""
    form: dict[str, str | list[str]] = field(default_factory=dict)
    # People picked in a form (by platform user id), as the platform describes them (name, email,
    # timezone), so a first-seen pick links by email like a typed mention does.
    mentions: tuple[Mention, ...] = ()


@dataclass(frozen=True)
class ReplyInput:
    """A message in a thread the bot started (prompt or story thread)."""

    kind: Literal["reply"] = "reply"
    text: str = ""
    mentions: tuple[Mention, ...] = ()


@dataclass(frozen=True)
class ReactionInput:
    kind: Literal["reaction"] = "reaction"
    emoji: str = ""
    item_author: Actor | None = None
    item_link: str = ""
    item_text: str = ""


@dataclass(frozen=True)
class TickInput:
    """A scheduler firing; ``job`` names the job and ``occurrence`` its unique occurrence key.

    ``payload`` is the job's payload model as JSON (see :class:`bot.feature.Schedule`); the router
    validates it into that model before the handler sees it.
    """

    kind: Literal["tick"] = "tick"
    job: str = ""
    occurrence: str = ""
    payload: dict[str, Any] = field(default_factory=dict)


Input = Annotated[
    Union[CommandInput, ActionInput, ReplyInput, ReactionInput, TickInput],
    Field(discriminator="kind"),
]


@dataclass(frozen=True)
class Event:
    """One thing that happened, with the platform's dedupe key.

    ``dedupe_key`` comes from the platform (Slack ``event_id`` or ``trigger_id``, Teams activity id
    plus conversation id); the dispatcher records it first so a re-delivery does nothing.
    """

    dedupe_key: str
    actor: Actor | None
    where: Address
    input: Input
    received_at: datetime


_event_adapter: TypeAdapter[Event] = TypeAdapter(Event)


def event_to_json(event: Event) -> str:
    return _event_adapter.dump_json(event).decode()


def event_from_json(data: str) -> Event:
    return _event_adapter.validate_json(data)

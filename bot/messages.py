"""The neutral message model handlers return; each adapter renders it natively.

Kept deliberately small (section, fields, buttons, context, inputs for forms) so that Block Kit,
Adaptive Cards and plain text can all render every message faithfully.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal, Union

from pydantic import Field, TypeAdapter


@dataclass(frozen=True)
class Button:
    label: str
    action_id: str
    value: str = ""
    style: Literal["default", "primary", "danger"] = "default"


@dataclass(frozen=True)
class Section:
    kind: Literal["section"] = "section"
    text: str = ""


@dataclass(frozen=True)
class Fields:
    kind: Literal["fields"] = "fields"
    pairs: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Actions:
    kind: Literal["actions"] = "actions"
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True)
class Context:
    kind: Literal["context"] = "context"
    text: str = ""


Block = Annotated[Union[Section, Fields, Actions, Context], Field(discriminator="kind")]


@dataclass(frozen=True)
class Attachment:
    """A file or link that goes with a message (the culture report).

    Adapters render it natively: Slack uploads ``content`` as a file (files_upload_v2) into the
    conversation or DM (an ephemeral message cannot carry a file: upload to the person's DM);
    Teams shows a card button opening ``url``; the console prints the title and the link.
    ``content`` may be empty (link only); ``url`` may be empty (file only).
    """

    filename: str
    title: str = ""
    mime: str = "text/html"
    url: str = ""
    content: str = ""


@dataclass(frozen=True)
class Message:
    """Text is always present: it is the notification text and the plain-text rendering."""

    text: str
    blocks: tuple[Block, ...] = ()
    # A stable key when the message may later be updated in place (e.g. "request:12:owner").
    ref_key: str = ""
    # Files or links to go with the message (see Attachment); most messages have none.
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class ToInvoker:
    """Back to whoever sent the event, privately (Slack ephemeral, Teams reply, console)."""

    kind: Literal["invoker"] = "invoker"


@dataclass(frozen=True)
class ToConversation:
    """Publicly into the conversation (and thread) the event came from."""

    kind: Literal["conversation"] = "conversation"
    in_thread: bool = False


@dataclass(frozen=True)
class ToPerson:
    """A private message to a person, on the platform the event came from where they have one."""

    kind: Literal["person"] = "person"
    person_id: int = 0


@dataclass(frozen=True)
class ToChannel:
    """A post to a configured channel by its logical name (``kudos``, ``stories``) or a literal one."""

    kind: Literal["channel"] = "channel"
    channel: str = ""


@dataclass(frozen=True)
class ToHome:
    """The invoker's personal dashboard (Slack App Home; elsewhere a private reply)."""

    kind: Literal["home"] = "home"


Target = Annotated[Union[ToInvoker, ToConversation, ToPerson, ToChannel, ToHome], Field(discriminator="kind")]


@dataclass(frozen=True)
class Outgoing:
    target: Target
    message: Message


_message_adapter: TypeAdapter[Message] = TypeAdapter(Message)


def message_to_json(message: Message) -> str:
    return _message_adapter.dump_json(message).decode()


def message_from_json(data: str) -> Message:
    return _message_adapter.validate_json(data)


def text_message(text: str, *blocks: Block) -> Message:
    return Message(text=text, blocks=tuple(blocks) or (Section(text=text),))

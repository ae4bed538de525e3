"""The neutral message model handlers return; each adapter renders it natively.

Kept deliberately small (section, fields, buttons, context, inputs for forms) so that Block Kit,
Adaptive Cards and plain text can all render every message faithfully.

Neutral markup
==============

Every text in a message (``Message.text``, section and context texts, field labels and values,
button labels) is written in *neutral markup*. Templates (``content/messages``) and the code
write the markup; whatever a person typed is escaped into it (``bot.texts.t`` does that for every
template variable, :func:`escape` for the rest), so user text can never produce markup, and each
adapter turns the markup into its own format and escapes the literal text for it:

``*bold*``, ``_italic_``, ```code```
    emphasis and code, written by templates only (``~`` is reserved the same way).
``> `` at the start of a line
    a quote.
``<https://example.com/x|label>``
    a link the bot made (the report link); never from user text.
``<@12|n=Ana Alvarez|h=ana|id=slack/T0EXTRA/U0ANA0001>``
    a *real* mention of a person the bot resolved itself (person 12, their name, handle and
    platform identities): Slack renders ``<@U…>``, Teams ``<at>Name</at>`` with its mention
    entity, the console ``@handle``. Built by :meth:`PersonMention.token`; the fields are
    escaped, so a name cannot break out of the token.
``&amp;`` ``&lt;`` ``&gt;`` ``&#NN;``
    a literal character. :func:`escape` writes ``& < > * _ ` ~`` this way, so a literal
    asterisk never becomes bold on any platform.
``&#10;``
    a line break *inside* user text: it continues the line it is on, so a multi-line message
    in a quote line (``> {{ message }}``) stays quoted on every line.

Anything else is literal text (a template's ``<when>`` is shown as typed). :func:`segments`
reads the markup for the renderers, so they all agree on what is markup and what is text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Annotated, Literal, Union

from pydantic import Field, TypeAdapter


class Neutral(str):
    """Text already in neutral markup: templates and :func:`escape` return it; it is placed as is."""

    __slots__ = ()


_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "*": "&#42;", "_": "&#95;", "`": "&#96;", "~": "&#126;",
            "\n": "&#10;"}
_ESCAPE = re.compile("[&<>*_`~\n]")


def escape(text: object) -> Neutral:
    """Any text (what a person typed, a name, a config value) as neutral markup that reads as itself."""
    if isinstance(text, Neutral):
        return text
    value = "" if text is None else str(text)
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return Neutral(_ESCAPE.sub(lambda m: _ESCAPES[m.group()], value))


def markup(text: str) -> Neutral:
    """Trusted text written by the code (a help line with ```code```): its markup is meant."""
    return Neutral(text)


_FIELD = {"|": "&#124;", "/": "&#47;"}


def _field(value: str) -> str:
    """A mention token's field: escaped, and without the token's own separators."""
    return re.sub(r"[|/]", lambda m: _FIELD[m.group()], escape(value))


@dataclass(frozen=True)
class PersonMention:
    """A person the bot itself names, with what each platform needs to mention them for real."""

    person_id: int
    name: str
    handle: str = ""
    # (platform, tenant, user id) of each platform identity the person has.
    identities: tuple[tuple[str, str, str], ...] = ()

    def token(self) -> Neutral:
        fields = [str(int(self.person_id)), f"n={_field(self.name)}"]
        if self.handle:
            fields.append(f"h={_field(self.handle)}")
        fields += [f"id={_field(p)}/{_field(t)}/{_field(u)}" for p, t, u in self.identities]
        return Neutral("<@" + "|".join(fields) + ">")

    @classmethod
    def from_token(cls, body: str) -> PersonMention:
        """``body`` is what is between ``<@`` and ``>``."""
        first, *rest = body.split("|")
        name, handle, identities = "", "", []
        for field in rest:
            key, _, value = field.partition("=")
            if key == "n":
                name = _decode(value)
            elif key == "h":
                handle = _decode(value)
            elif key == "id":
                parts = value.split("/")
                if len(parts) == 3:
                    identities.append((_decode(parts[0]), _decode(parts[1]), _decode(parts[2])))
        return cls(person_id=int(first), name=name, handle=handle, identities=tuple(identities))

    def user_id(self, platform: str, tenant: str = "") -> str:
        """The person's id on ``platform``; with ``tenant``, only an identity of that workspace or
        tenant (an id from another Slack workspace would not render there). "" when there is none."""
        for known_platform, known_tenant, user in self.identities:
            if known_platform == platform and user and (not tenant or not known_tenant or known_tenant == tenant):
                return user
        return ""

    @property
    def display(self) -> str:
        """The name on one line (a name is never allowed to break the line it is in)."""
        return " ".join(self.name.split())

    @property
    def label(self) -> str:
        """How the person reads in plain text: ``@handle``, else their name."""
        return "@" + " ".join(self.handle.split()) if self.handle.strip() else self.display


# ---- reading neutral markup (for the renderers) ----------------------------------------------

_ENTITY = {"amp": "&", "lt": "<", "gt": ">"}
_TOKENS = re.compile(
    r"(?P<brk>&#10;)"
    r"|&(?P<named>amp|lt|gt);|&#(?P<num>\d{1,7});"
    r"|<@(?P<mention>\d+(?:\|[^<>]*)?)>"
    r"|<(?P<url>https?://[^\s<>|]+)(?:\|(?P<label>[^<>]*))?>"
    r"|(?P<mark>[*_`~])"
)


def _char(code: str) -> str:
    n = int(code)
    return chr(n) if 0 < n < 0x110000 and not 0xD800 <= n < 0xE000 else "\ufffd"


def _decode(text: str) -> str:
    """Neutral literal text -> the characters it stands for (``&lt;`` -> ``<``)."""
    return re.sub(r"&(amp|lt|gt);|&#(\d{1,7});",
                  lambda m: _ENTITY[m.group(1)] if m.group(1) else _char(m.group(2)), text)


def plain(text: str) -> str:
    """Neutral markup as plain text: markup characters kept, mentions as ``@handle``, links as label."""
    out: list[str] = []
    for seg in segments(text):
        if seg.kind == "mention" and seg.mention is not None:
            out.append(seg.mention.label)
        elif seg.kind == "link":
            out.append(seg.text or seg.url)
        elif seg.kind in ("newline", "break"):
            out.append("\n")
        elif seg.kind == "quote":
            out.append("> ")
        else:
            out.append(seg.text)
    return "".join(out)


@dataclass(frozen=True)
class Segment:
    """One piece of neutral markup.

    ``kind``: ``text`` (literal characters, already decoded), ``mark`` (a template's ``*``, ``_``,
    ````` or ``~``), ``quote`` (a ``> `` opening a line), ``newline`` (a template line break),
    ``break`` (a line break inside user text), ``mention``, ``link`` (``url`` and label ``text``).
    ``code`` is true inside a template's ```code``` span (marks there are literal text).
    """

    kind: Literal["text", "mark", "quote", "newline", "break", "mention", "link"]
    text: str = ""
    url: str = ""
    mention: PersonMention | None = None
    code: bool = False


def segments(text: str) -> Iterator[Segment]:
    """The markup of ``text`` in order; adjacent literal text comes as one segment."""
    pending: Segment | None = None
    for seg in _segments(text):
        if seg.kind == "text" and pending is not None and pending.code == seg.code:
            pending = Segment("text", pending.text + seg.text, code=seg.code)
            continue
        if pending is not None:
            yield pending
            pending = None
        if seg.kind == "text":
            pending = seg
        else:
            yield seg
    if pending is not None:
        yield pending


def _segments(text: str) -> Iterator[Segment]:
    code = False
    for number, line in enumerate(str(text).split("\n")):
        if number:
            code = False  # a code span never runs over a template line break
            yield Segment("newline")
        if line.startswith("> ") or line == ">":
            yield Segment("quote")
            line = line[2:]
        pos = 0
        for match in _TOKENS.finditer(line):
            if match.start() > pos:
                yield Segment("text", line[pos:match.start()], code=code)
            pos = match.end()
            if match.group("brk"):
                yield Segment("break", code=code)
            elif match.group("named"):
                yield Segment("text", _ENTITY[match.group("named")], code=code)
            elif match.group("num"):
                yield Segment("text", _char(match.group("num")), code=code)
            elif match.group("mention"):
                try:
                    yield Segment("mention", mention=PersonMention.from_token(match.group("mention")), code=code)
                except ValueError:
                    yield Segment("text", match.group(), code=code)
            elif match.group("url"):
                yield Segment("link", _decode(match.group("label") or ""), url=_decode(match.group("url")), code=code)
            else:
                mark = match.group("mark")
                if mark == "`":
                    yield Segment("mark", mark, code=code)
                    code = not code
                elif code:
                    yield Segment("text", mark, code=True)
                else:
                    yield Segment("mark", mark)
        if pos < len(line):
            yield Segment("text", line[pos:], code=code)


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


@dataclass(frozen=True)
class PeopleInput:
    """Pick colleagues (Slack: a users select; Teams: the people picker). Submitted as user ids."""

    kind: Literal["people"] = "people"
    id: str = ""
    label: str = ""
    placeholder: str = ""
    max_selected: int = 0
    optional: bool = False


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class SelectInput:
    """Pick one of ``options``; submitted as the option's value."""

    kind: Literal["select"] = "select"
    id: str = ""
    label: str = ""
    placeholder: str = ""
    options: tuple[Choice, ...] = ()
    optional: bool = False


@dataclass(frozen=True)
class TextInput:
    kind: Literal["text"] = "text"
    id: str = ""
    label: str = ""
    placeholder: str = ""
    multiline: bool = False
    max_length: int = 0
    optional: bool = False


FormInput = Annotated[Union[PeopleInput, SelectInput, TextInput], Field(discriminator="kind")]


@dataclass(frozen=True)
class Form:
    """A form a person fills in and submits (the kudos form), in plain-text labels.

    Its submission comes back as ``ActionInput(action_id=<action_id>, form={input id: value})``;
    :meth:`read` gives each input's value in one shape whatever the platform sent. Adapters render
    it natively: Slack opens it as a modal when the command that asks for it is typed (a message
    cannot hold a Slack form, so a message shows only its other blocks), Teams as an Adaptive Card
    with inputs and a signed submit button; the console, which has no forms, shows the rest of the
    message.
    """

    kind: Literal["form"] = "form"
    action_id: str = ""
    title: str = ""
    submit: str = ""
    cancel: str = ""
    inputs: tuple[FormInput, ...] = ()

    def read(self, submitted: Mapping[str, str | list[str]]) -> dict[str, str | list[str]]:
        """The submitted values by input id: people as a list of user ids (a platform may send
        them as one comma-separated text), everything else as one text; unknown keys are dropped."""
        values: dict[str, str | list[str]] = {}
        for field in self.inputs:
            given = submitted.get(field.id)
            if isinstance(field, PeopleInput):
                items = given if isinstance(given, list) else (given or "").split(",")
                values[field.id] = [item.strip() for item in items if item.strip()]
            elif isinstance(given, list):
                values[field.id] = given[0] if given else ""
            else:
                values[field.id] = given or ""
        return values


Block = Annotated[Union[Section, Fields, Actions, Context, Form], Field(discriminator="kind")]


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
    # True when the message only says that the real answer was sent to the person privately. A
    # platform that already leaves its own pointer where a private reply was asked for (Teams, which
    # has no ephemeral messages) shows that pointer instead of delivering this one as well.
    pointer: bool = False


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
    """A message of one neutral-markup text (a plain ``str`` is taken as markup the code wrote)."""
    return Message(text=text, blocks=tuple(blocks) or (Section(text=text),))

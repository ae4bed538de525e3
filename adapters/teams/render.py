"""Neutral messages as Adaptive Cards 1.5 (what Teams renders in chats and channels).

Buttons become ``Action.Submit`` whose ``data`` carries ``action_id``, ``value`` and the bot's
signature of both (``action_token``, see :mod:`adapters.teams.action_tokens`): Teams posts them back
as a message activity with that ``value``, which :mod:`adapters.teams.inbound` turns into an
``ActionInput`` for the core.

Text: neutral markup (:mod:`bot.messages`) becomes the Markdown subset a TextBlock renders
(``**bold**``, ``_italic_``, lists, ``[label](url)``). Teams clients differ in how they honour
CommonMark's backslash escapes, so the constructs that would let user text do harm are broken
with an invisible WORD JOINER (U+2060) that no parser reads through: after ``]`` (no
``[x](url)``, ``[x][ref]`` or ``[ref]: url`` link), after ``<`` (no ``<at>`` mention, tag or
``<url>`` autolink), after ``&`` (no ``&lt;`` entity turning into a ``<``) and after ``{`` (no
``{{DATE(…)}}`` function). Emphasis characters and list markers are backslash-escaped. People the
bot names are real mentions: ``<at>Name</at>`` plus the mention entity in ``msteams.entities``.

A form (the kudos form) becomes the card's inputs — a people picker over the organisation's
directory (``Data.Query`` on ``graph.microsoft.com/users``), a choice set, a text input — and one
signed ``Action.Submit`` named after the form; Teams posts the inputs back beside the button's data.
Their ids carry a prefix (:data:`adapters.teams.inbound.INPUT`, :data:`adapters.teams.inbound.PEOPLE`)
so they never collide with the button's own keys.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from adapters.teams.inbound import ACTION_TOKEN, INPUT, PEOPLE
from bot.messages import (
    Actions,
    Context,
    Fields,
    Form,
    Message,
    PeopleInput,
    PersonMention,
    Section,
    SelectInput,
    TextInput,
    plain,
    segments,
)

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_VERSION = "1.5"
_STYLE = {"primary": "positive", "danger": "destructive"}
WORD_JOINER = "\u2060"
_STRUCTURAL = re.compile(r"[\]<&{]")
_EMPHASIS = re.compile(r"[\\*_~`]")
_LINE_MARKER = re.compile(r"^(\s*)([-+#>]|\d+[.)])")
_AT_NAME = re.compile(r"[<>&\[\]{}*_`~\\|]")


def _literal(text: str, code: bool, line_start: bool = False) -> str:
    text = _STRUCTURAL.sub(lambda m: m.group() + WORD_JOINER, text)
    if code:
        return text
    text = _EMPHASIS.sub(lambda m: "\\" + m.group(), text)
    if line_start:
        text = _LINE_MARKER.sub(lambda m: m.group(1) + "\\" + m.group(2), text)
    return text


def _at_name(mention: PersonMention) -> str:
    """The name inside ``<at>…</at>`` (and its entity): nothing in it can close the tag or format."""
    for candidate in (mention.name, mention.handle):
        if cleaned := " ".join(_AT_NAME.sub(" ", candidate).split()):
            return cleaned
    return "someone"


def _link(url: str, label: str) -> str:
    safe = re.sub(r"[\s()<>\[\]]", lambda m: f"%{ord(m.group()):02X}", url)
    return f"[{_literal(label or url, False)}]({safe})"


def markdown(text: str, entities: list[dict[str, Any]] | None = None, tenant: str = "") -> str:
    """Neutral markup as TextBlock Markdown. People with a Teams identity become ``<at>`` mentions
    (their entities appended to ``entities``) when ``entities`` is given, their names otherwise."""
    out: list[str] = []
    quote, line_start = False, True
    for seg in segments(text):
        if seg.kind == "text":
            out.append(_literal(seg.text, seg.code, line_start))
        elif seg.kind == "mark":
            out.append("**" if seg.text == "*" else seg.text)
        elif seg.kind == "quote":
            quote = True
            out.append("> ")
        elif seg.kind == "newline":
            quote = False
            out.append("\n")
        elif seg.kind == "break":
            out.append("\n> " if quote else "\n")
        elif seg.kind == "mention" and seg.mention is not None:
            out.append(_mention(seg.mention, entities, tenant, seg.code))
        elif seg.kind == "link":
            out.append(_link(seg.url, seg.text) if not seg.code else _literal(seg.text or seg.url, True))
        line_start = seg.kind in ("newline", "break")
    return "".join(out)


def _mention(mention: PersonMention, entities: list[dict[str, Any]] | None, tenant: str, code: bool) -> str:
    user = mention.user_id("teams", tenant)
    if code:
        return _literal(mention.label, True)
    if entities is None or not user:
        return _literal(mention.display or mention.label, False)
    at = f"<at>{_at_name(mention)}</at>"
    entity = {"type": "mention", "text": at, "mentioned": {"id": user, "name": _at_name(mention)}}
    if entity not in entities:
        entities.append(entity)
    return at


def card(message: Message, tenant: str = "", sign: Callable[[str, str], str] | None = None) -> dict[str, Any]:
    body: list[dict[str, Any]] = []
    actions: list[dict[str, Any]] = []
    entities: list[dict[str, Any]] = []
    for block in message.blocks or (Section(text=message.text),):
        if isinstance(block, Section) and block.text:
            body.append({"type": "TextBlock", "text": markdown(block.text, entities, tenant), "wrap": True})
        elif isinstance(block, Fields) and block.pairs:
            body.append({"type": "FactSet",
                         "facts": [{"title": markdown(k, tenant=tenant), "value": markdown(v, tenant=tenant)}
                                   for k, v in block.pairs]})
        elif isinstance(block, Context) and block.text:
            body.append({"type": "TextBlock", "text": markdown(block.text, entities, tenant), "wrap": True,
                         "size": "Small", "isSubtle": True})
        elif isinstance(block, Actions):
            for button in block.buttons:
                action: dict[str, Any] = {"type": "Action.Submit", "title": plain(button.label),
                                          "data": _data(button.action_id, button.value, sign)}
                if button.style in _STYLE:
                    action["style"] = _STYLE[button.style]
                actions.append(action)
        elif isinstance(block, Form):
            body.append({"type": "TextBlock", "text": _literal(block.title, False), "weight": "Bolder", "wrap": True})
            body.extend(_input(field) for field in block.inputs)
            actions.append({"type": "Action.Submit", "title": block.submit, "style": "positive",
                            "data": _data(block.action_id, "", sign)})
    for file in getattr(message, "attachments", ()):
        # Files and links (the culture report): a link opens in the browser; a bare file is named.
        title = plain(file.title) or file.filename
        if file.url:
            actions.append({"type": "Action.OpenUrl", "title": title, "url": file.url})
        else:
            body.append({"type": "TextBlock", "text": f"File: {_literal(title, False)}", "wrap": True,
                         "isSubtle": True})
    if not body:
        body.append({"type": "TextBlock", "text": markdown(message.text, entities, tenant), "wrap": True})
    msteams: dict[str, Any] = {"width": "Full"}
    if entities:
        msteams["entities"] = entities
    rendered: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": CARD_VERSION,
        "body": body,
        "msteams": msteams,
    }
    if actions:
        rendered["actions"] = actions
    return rendered


def _data(action_id: str, value: str, sign: Callable[[str, str], str] | None) -> dict[str, str]:
    """What a button posts back: its action and value, with the bot's signature of both."""
    data = {"action_id": action_id, "value": value}
    if sign is not None:
        data[ACTION_TOKEN] = sign(action_id, value)
    return data


def _input(field: PeopleInput | SelectInput | TextInput) -> dict[str, Any]:
    """One form input as an Adaptive Card input (labels and placeholders are plain text)."""
    element: dict[str, Any]
    if isinstance(field, PeopleInput):
        element = {"type": "Input.ChoiceSet", "id": PEOPLE + field.id, "isMultiSelect": True, "choices": [],
                   "choices.data": {"type": "Data.Query", "dataset": "graph.microsoft.com/users"}}
    elif isinstance(field, SelectInput):
        element = {"type": "Input.ChoiceSet", "id": INPUT + field.id, "style": "compact",
                   "choices": [{"title": option.label, "value": option.value} for option in field.options]}
    else:
        element = {"type": "Input.Text", "id": INPUT + field.id, "isMultiline": field.multiline}
        if field.max_length:
            element["maxLength"] = field.max_length
    element.update(label=field.label, isRequired=not field.optional)
    if field.placeholder:
        element["placeholder"] = field.placeholder
    return element


def summary(message: Message) -> str:
    """The activity's plain-text summary (notifications, the chat list): no markup at all."""
    return plain(message.text)[:200]


def attachment(message: Message) -> dict[str, Any]:
    return {"contentType": CARD_CONTENT_TYPE, "content": card(message)}

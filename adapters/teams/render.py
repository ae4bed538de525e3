"""Neutral messages as Adaptive Cards 1.5 (what Teams renders in chats and channels).

Buttons become ``Action.Submit`` whose ``data`` carries ``action_id``, ``value`` and the bot's
signature of both (``action_token``, see :mod:`adapters.teams.action_tokens`): Teams posts them back
as a message activity with that ``value``, which :mod:`adapters.teams.inbound` turns into an
``ActionInput`` for the core.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from adapters.teams.inbound import ACTION_TOKEN
from bot.messages import Actions, Context, Fields, Message, Section

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_VERSION = "1.5"
_BOLD = re.compile(r"(?<![*\w])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![*\w])")
_LINK = re.compile(r"<(https?://[^|>]+)\|([^>]+)>")
_STYLE = {"primary": "positive", "danger": "destructive"}


def markdown(text: str) -> str:
    """The core writes Slack-flavoured emphasis (``*bold*``, ``<url|label>``); cards want Markdown."""
    return _LINK.sub(r"[\2](\1)", _BOLD.sub(r"**\1**", text))


def card(message: Message, sign: Callable[[str, str], str] | None = None) -> dict[str, Any]:
    body: list[dict[str, Any]] = []
    actions: list[dict[str, Any]] = []
    for block in message.blocks or (Section(text=message.text),):
        if isinstance(block, Section) and block.text:
            body.append({"type": "TextBlock", "text": markdown(block.text), "wrap": True})
        elif isinstance(block, Fields) and block.pairs:
            body.append({"type": "FactSet",
                         "facts": [{"title": markdown(k), "value": markdown(v)} for k, v in block.pairs]})
        elif isinstance(block, Context) and block.text:
            body.append({"type": "TextBlock", "text": markdown(block.text), "wrap": True, "size": "Small",
                         "isSubtle": True})
        elif isinstance(block, Actions):
            for button in block.buttons:
                data = {"action_id": button.action_id, "value": button.value}
                if sign is not None:
                    data[ACTION_TOKEN] = sign(button.action_id, button.value)
                action: dict[str, Any] = {"type": "Action.Submit", "title": button.label, "data": data}
                if button.style in _STYLE:
                    action["style"] = _STYLE[button.style]
                actions.append(action)
    for file in getattr(message, "attachments", ()):
        # Files and links (the culture report): a link opens in the browser; a bare file is named.
        if file.url:
            actions.append({"type": "Action.OpenUrl", "title": file.title or file.filename, "url": file.url})
        else:
            body.append({"type": "TextBlock", "text": f"File: {file.title or file.filename}", "wrap": True,
                         "isSubtle": True})
    if not body:
        body.append({"type": "TextBlock", "text": markdown(message.text), "wrap": True})
    rendered: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": CARD_VERSION,
        "body": body,
        "msteams": {"width": "Full"},
    }
    if actions:
        rendered["actions"] = actions
    return rendered


def attachment(message: Message) -> dict[str, Any]:
    return {"contentType": CARD_CONTENT_TYPE, "content": card(message)}

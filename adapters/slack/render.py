"""The neutral message model rendered as Block Kit, and the modals the adapter opens.

Slack's limits are applied here, not in the core: 3000 characters per section text, 10 fields
per section, 25 buttons per actions block, 75 characters per button label, 50 blocks per message,
and action ids unique within a block (duplicates get a ``~n`` suffix that
:func:`adapters.slack.translate.action_id_of` strips again).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bot.config import AppConfig
from bot.messages import Actions, Block, Context, Fields, Message, Section

MAX_TEXT = 3000
MAX_BLOCKS = 50
KUDOS_FORM = "kudos:form"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": _cut(text, MAX_TEXT)}


def _plain(text: str, limit: int = 75) -> dict[str, Any]:
    return {"type": "plain_text", "text": _cut(text, limit) or " ", "emoji": True}


def render_block(block: Block) -> list[dict[str, Any]]:
    if isinstance(block, Section):
        chunks = [block.text[i : i + MAX_TEXT] for i in range(0, len(block.text), MAX_TEXT)] or [" "]
        return [{"type": "section", "text": _mrkdwn(chunk)} for chunk in chunks if chunk.strip()]
    if isinstance(block, Fields):
        fields = [_mrkdwn(f"*{label}*\n{value}") for label, value in block.pairs]
        return [{"type": "section", "fields": fields[i : i + 10]} for i in range(0, len(fields), 10)]
    if isinstance(block, Actions):
        out: list[dict[str, Any]] = []
        buttons = list(block.buttons)
        for start in range(0, len(buttons), 25):
            seen: dict[str, int] = {}
            elements = []
            for button in buttons[start : start + 25]:
                n = seen.get(button.action_id, 0)
                seen[button.action_id] = n + 1
                element: dict[str, Any] = {"type": "button", "text": _plain(button.label),
                                           "action_id": button.action_id if n == 0 else f"{button.action_id}~{n}",
                                           "value": _cut(button.value, 2000)}
                if button.style != "default":
                    element["style"] = button.style
                elements.append(element)
            out.append({"type": "actions", "elements": elements})
        return out
    if isinstance(block, Context):
        return [{"type": "context", "elements": [_mrkdwn(block.text)]}] if block.text.strip() else []
    raise TypeError(block)  # pragma: no cover - the union is closed


def render_blocks(message: Message) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    for block in message.blocks:
        blocks.extend(render_block(block))
    return blocks[:MAX_BLOCKS]


def notification_text(message: Message) -> str:
    """The ``text`` argument: what notifications and screen readers show."""
    return _cut(message.text, 4000)


def home_view(message: Message) -> dict[str, Any]:
    blocks = render_blocks(message) or [{"type": "section", "text": _mrkdwn(message.text)}]
    return {"type": "home", "blocks": blocks[:100]}


def kudos_form(config: AppConfig, channel: str, values: Sequence[tuple[str, str]] | None = None) -> dict[str, Any]:
    """The modal ``/kudos`` opens with no text: people, a value, a message.

    Its submission arrives as ``view_submission`` with ``callback_id`` ``kudos:form`` and becomes
    ``ActionInput(action_id="kudos:form", form={"recipients": [...], "value": slug, "message": text})``.
    """
    options = [{"text": _plain(label), "value": slug}
               for slug, label in (values or [(v.slug, f"{v.emoji} {v.name}".strip()) for v in config.values])][:100]
    value_block: dict[str, Any] = {
        "type": "input", "block_id": "value", "optional": not config.kudos.require_value,
        "label": _plain("Value"),
        "element": {"type": "static_select", "action_id": "value", "placeholder": _plain("Which value did they live?"),
                    "options": options},
    }
    return {
        "type": "modal",
        "callback_id": KUDOS_FORM,
        "private_metadata": json.dumps({"channel": channel}),
        "title": _plain("Give kudos", 24),
        "submit": _plain("Send", 24),
        "close": _plain("Cancel", 24),
        "blocks": [
            {"type": "input", "block_id": "recipients", "label": _plain("Who"),
             "element": {"type": "multi_users_select", "action_id": "recipients", "placeholder": _plain("Pick people"),
                         "max_selected_items": config.kudos.max_recipients}},
            value_block,
            {"type": "input", "block_id": "message", "label": _plain("What for"),
             "element": {"type": "plain_text_input", "action_id": "message", "multiline": True,
                         "max_length": config.kudos.max_length}},
        ],
    }

"""The neutral message model rendered as Block Kit, and forms rendered as the modals the adapter opens.

Slack's limits are applied here, not in the core: 3000 characters per section text, 10 fields
per section, 25 buttons per actions block, 75 characters per button label, 50 blocks per message,
and action ids unique within a block (duplicates get a ``~n`` suffix that
:func:`adapters.slack.translate.action_id_of` strips again).

Text: neutral markup (:mod:`bot.messages`) becomes mrkdwn. Literal text is escaped the way Slack
asks (``&`` ``<`` ``>``), so nothing a person typed can become ``<!channel>``, ``<!here>``, a
``<@U…>`` mention or a masked ``<url|label>`` link; every mrkdwn object is ``verbatim`` so Slack
does not turn a typed "@channel" or "#general" into a live mention or link either (a typed URL is
still made a plain, unmasked link). People the bot names are real mentions (``<@U…>``): Slack
shows them by name even when ``users.info`` failed. Slack has no escape for ``*`` ``_`` ``~`` and
backticks: a person's own emphasis stays theirs, but cannot reach the markup around it.
"""

from __future__ import annotations

import json
import re
from typing import Any

from bot.messages import (
    Actions,
    Block,
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

MAX_TEXT = 3000
MAX_BLOCKS = 50
MAX_OPTIONS = 100  # static_select
_SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")
# A URL typed in text: made an explicit, unmasked link (``verbatim`` turns off Slack's own linking).
_URL = re.compile(r"https?://[^\s<>|]*[^\s<>|.,;:!?)\]'\"]")


def escape(text: str) -> str:
    """Slack's own escaping of literal text: the three characters that control its markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _literal(text: str, code: bool) -> str:
    if code:
        return escape(text)
    out, pos = [], 0
    for match in _URL.finditer(text):
        out.append(escape(text[pos:match.start()]))
        out.append(f"<{escape(match.group())}>")
        pos = match.end()
    out.append(escape(text[pos:]))
    return "".join(out)


def _mention(mention: PersonMention, tenant: str, code: bool) -> str:
    user = mention.user_id("slack", tenant)
    if code:
        return escape(mention.label)
    if _SLACK_USER.match(user):
        return f"<@{user}>"
    return escape(mention.display or mention.label)


def link(url: str, label: str) -> str:
    """A link the bot made: ``<url|label>`` with the URL made safe for Slack's link syntax."""
    safe = re.sub(r"[\s<>|]", lambda m: f"%{ord(m.group()):02X}", url)
    return f"<{escape(safe)}|{escape(label.replace('|', '/'))}>" if label else f"<{escape(safe)}>"


def mrkdwn(text: str, tenant: str = "") -> str:
    """Neutral markup as Slack mrkdwn, mentioning people by their account in ``tenant``."""
    out: list[str] = []
    quote = False
    for seg in segments(text):
        if seg.kind == "text":
            out.append(_literal(seg.text, seg.code))
        elif seg.kind == "mark":
            out.append(seg.text)
        elif seg.kind == "quote":
            quote = True
            out.append("> ")
        elif seg.kind == "newline":
            quote = False
            out.append("\n")
        elif seg.kind == "break":
            out.append("\n> " if quote else "\n")
        elif seg.kind == "mention" and seg.mention is not None:
            out.append(_mention(seg.mention, tenant, seg.code))
        elif seg.kind == "link":
            out.append(link(seg.url, seg.text) if not seg.code else escape(seg.text or seg.url))
    return "".join(out)


def _safe_end(text: str, limit: int) -> int:
    """Where to cut ``text`` at most ``limit`` long without splitting ``<…>`` or ``&…;``."""
    end = limit
    opened = max(text.rfind("<", 0, end), text.rfind("&", 0, end))
    if opened >= 0 and opened > max(text.rfind(">", 0, end), text.rfind(";", 0, end)):
        end = opened
    return end if end > 0 else limit


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: _safe_end(text, limit - 1)] + "…"


def _chunks(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Slack's per-section limit, cut at line ends where possible and never inside markup."""
    chunks: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        cut = cut + 1 if cut > 0 else _safe_end(text, limit)
        chunks.append(text[:cut])
        text = text[cut:]
    chunks.append(text)
    return [chunk for chunk in chunks if chunk.strip()]


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": _cut(text, MAX_TEXT), "verbatim": True}


def _plain(text: str, limit: int = 75) -> dict[str, Any]:
    return {"type": "plain_text", "text": _cut(text, limit) or " ", "emoji": True}


def render_block(block: Block, tenant: str = "") -> list[dict[str, Any]]:
    if isinstance(block, Section):
        return [{"type": "section", "text": _mrkdwn(chunk)} for chunk in _chunks(mrkdwn(block.text, tenant))]
    if isinstance(block, Fields):
        fields = [_mrkdwn(f"*{mrkdwn(label, tenant)}*\n{mrkdwn(value, tenant)}") for label, value in block.pairs]
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
                element: dict[str, Any] = {"type": "button", "text": _plain(plain(button.label)),
                                           "action_id": button.action_id if n == 0 else f"{button.action_id}~{n}",
                                           "value": button.value[:2000]}
                if button.style != "default":
                    element["style"] = button.style
                elements.append(element)
            out.append({"type": "actions", "elements": elements})
        return out
    if isinstance(block, Context):
        text = mrkdwn(block.text, tenant)
        return [{"type": "context", "elements": [_mrkdwn(text)]}] if text.strip() else []
    if isinstance(block, Form):
        return []  # a message cannot hold a form in Slack: the command that asks for it opens a modal
    raise TypeError(block)  # pragma: no cover - the union is closed


def render_blocks(message: Message, tenant: str = "") -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    for block in message.blocks:
        blocks.extend(render_block(block, tenant))
    return blocks[:MAX_BLOCKS]


def notification_text(message: Message, tenant: str = "") -> str:
    """The ``text`` argument: what notifications and screen readers show (same escaping as blocks)."""
    return _cut(mrkdwn(message.text, tenant), 4000)


def home_view(message: Message, tenant: str = "") -> dict[str, Any]:
    blocks = render_blocks(message, tenant) or [{"type": "section", "text": _mrkdwn(mrkdwn(message.text, tenant))}]
    return {"type": "home", "blocks": blocks[:100]}


def form_modal(form: Form, channel: str) -> dict[str, Any]:
    """A form as the modal ``views.open`` shows.

    Its submission arrives as ``view_submission`` with ``callback_id`` = the form's action id and
    one block per input (``block_id`` = the input's id), which :func:`adapters.slack.translate.
    submission_event` turns into ``ActionInput(action_id=..., form={input id: value})``. The
    channel the form was opened from travels in ``private_metadata``, so answers go back there.
    """
    return {
        "type": "modal",
        "callback_id": form.action_id,
        "private_metadata": json.dumps({"channel": channel}),
        "title": _plain(form.title, 24),
        "submit": _plain(form.submit, 24),
        "close": _plain(form.cancel, 24),
        "blocks": [_input_block(field) for field in form.inputs],
    }


def _input_block(field: PeopleInput | SelectInput | TextInput) -> dict[str, Any]:
    element: dict[str, Any]
    if isinstance(field, PeopleInput):
        element = {"type": "multi_users_select", "action_id": field.id, "placeholder": _plain(field.placeholder)}
        if field.max_selected:
            element["max_selected_items"] = field.max_selected
    elif isinstance(field, SelectInput):
        element = {"type": "static_select", "action_id": field.id, "placeholder": _plain(field.placeholder),
                   "options": [{"text": _plain(o.label), "value": o.value} for o in field.options][:MAX_OPTIONS]}
    else:
        element = {"type": "plain_text_input", "action_id": field.id, "multiline": field.multiline}
        if field.max_length:
            element["max_length"] = field.max_length
        if field.placeholder:
            element["placeholder"] = _plain(field.placeholder)
    block: dict[str, Any] = {"type": "input", "block_id": field.id, "label": _plain(field.label), "element": element}
    if field.optional:
        block["optional"] = True
    return block

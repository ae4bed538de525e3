"""Neutral messages as plain text for a terminal.

Neutral markup (:mod:`bot.messages`) is shown as written (``*bold*`` stays readable as is), people
the bot names as ``@handle``, links as ``label (url)``. A terminal obeys control characters, so
every one that reaches it from text (ESC sequences that recolour, move the cursor or retitle the
window, a carriage return that overwrites the line before it) is shown as its visible symbol
instead (``␛``), whatever the message or label it came in.
"""

from __future__ import annotations

import re
from dataclasses import replace

from bot.messages import Actions, Context, Fields, Message, Section, plain, segments

# C0 controls but tab and newline, DEL, and the C1 controls (0x9b is a one-byte CSI).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def safe(text: str) -> str:
    """Text with every control character but tab and newline made visible and harmless."""
    return _CONTROL.sub(lambda m: chr(0x2400 + ord(m.group())) if ord(m.group()) < 0x20
                        else "\u2421" if m.group() == "\x7f" else "\ufffd", text)


def text(neutral: str) -> str:
    """One neutral-markup text as terminal text."""
    out: list[str] = []
    quote = False
    for seg in segments(neutral):
        if seg.kind in ("text", "mark"):
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
            out.append(seg.mention.label)
        elif seg.kind == "link":
            out.append(f"{seg.text} ({seg.url})" if seg.text else seg.url)
    return safe("".join(out))


def render_text(message: Message) -> str:
    if message.attachments:
        files = [safe(f"[file] {plain(a.title) or a.filename}: {a.url or a.filename}") for a in message.attachments]
        return "\n".join([render_text(replace(message, attachments=())), *files])
    if not message.blocks:
        return text(message.text)
    lines: list[str] = []
    for block in message.blocks:
        if isinstance(block, Section):
            lines.append(text(block.text))
        elif isinstance(block, Fields):
            lines.extend(f"{text(k)}: {text(v)}" for k, v in block.pairs)
        elif isinstance(block, Context):
            lines.append(text(block.text))
        elif isinstance(block, Actions):
            lines.append("  ".join(f"[{safe(plain(b.label))}]" for b in block.buttons))
    return "\n".join(line for line in lines if line)

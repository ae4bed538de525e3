"""Neutral messages as plain text for a terminal."""

from __future__ import annotations

from dataclasses import replace

from bot.messages import Actions, Context, Fields, Message, Section


def render_text(message: Message) -> str:
    if message.attachments:
        files = [f"[file] {a.title or a.filename}: {a.url or a.filename}" for a in message.attachments]
        return "\n".join([render_text(replace(message, attachments=())), *files])
    if not message.blocks:
        return message.text
    lines: list[str] = []
    for block in message.blocks:
        if isinstance(block, Section):
            lines.append(block.text)
        elif isinstance(block, Fields):
            lines.extend(f"{k}: {v}" for k, v in block.pairs)
        elif isinstance(block, Context):
            lines.append(block.text)
        elif isinstance(block, Actions):
            lines.append("  ".join(f"[{b.label}]" for b in block.buttons))
    return "\n".join(line for line in lines if line)

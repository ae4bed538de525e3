"""Neutral messages as plain text for a terminal."""

from __future__ import annotations

from bot.messages import Actions, Context, Fields, Message, Section


def render_text(message: Message) -> str:
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

"""``/help``: one place that lists what each installed feature offers."""

from __future__ import annotations

from bot.context import Ctx
from bot.texts import t


async def on_help(ctx: Ctx) -> None:
    ctx.reply(t("help", lines=ctx.services.extras.get("help_lines", [])))

"""``/help``: one place that lists what each installed feature offers."""

from __future__ import annotations

from bot.context import Ctx
from bot.messages import markup
from bot.texts import t


async def on_help(ctx: Ctx) -> None:
    # The help lines are the features' own markup (```/kudos …```), written in code, not typed by anyone.
    ctx.reply(t("help", lines=[markup(line) for line in ctx.services.extras.get("help_lines", [])]))

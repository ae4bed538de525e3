"""``help``: what each installed feature offers, one line per command (from the declarations)."""

from __future__ import annotations

from bot.context import Ctx
from bot.events import CommandInput
from bot.feature import Command, Feature, help_lines
from bot.messages import markup
from bot.texts import t


async def on_help(ctx: Ctx[CommandInput]) -> None:
    # The help lines are the features' own markup (```/kudos …```), written in code, not typed by anyone.
    ctx.reply(t("help", lines=[markup(line) for line in help_lines(ctx.services.features)]))


FEATURE = Feature(name="help", commands=(Command("help", on_help),))

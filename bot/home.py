"""``home``: a person's own dashboard (Slack App Home; ``home`` in the console and Teams).

Each feature that declares a Home section (:attr:`bot.feature.Feature.home`) adds it, in the order
of the features, so the home grows with the features.
"""

from __future__ import annotations

from bot.context import Ctx
from bot.events import CommandInput
from bot.feature import Command, Feature, home_sections
from bot.messages import Block, Message, Section, ToHome
from bot.texts import t


async def on_home(ctx: Ctx[CommandInput]) -> None:
    person = ctx.person
    blocks: list[Block] = [Section(text=t("home.title", name=person.name))]
    for section in home_sections(ctx.services.features):
        blocks.extend(section(ctx, person))
    ctx.send(ToHome(), Message(text=t("home.title", name=person.name), blocks=tuple(blocks)))


FEATURE = Feature(name="home", commands=(Command(
    "home", on_home, help="`home` — your own dashboard (in Slack: the bot's Home tab)"),))

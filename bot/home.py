"""``home``: a person's own dashboard (Slack App Home; ``home`` in the console and Teams).

Each feature contributes a section (see :data:`SECTIONS`), so the home grows with the features.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.context import Ctx
from bot.messages import Block, Message, Section, ToHome
from bot.texts import t
from storage.models import Person

HomeSection = Callable[[Ctx, Person], list[Block]]


def kudos_section(ctx: Ctx, person: Person) -> list[Block]:
    from bot.kudos.handlers import mine_message

    return list(mine_message(ctx, person).blocks)


def requests_section(ctx: Ctx, person: Person) -> list[Block]:
    from bot.requests.handlers import home_section

    return home_section(ctx, person)


SECTIONS: list[HomeSection] = [kudos_section, requests_section]


async def on_home(ctx: Ctx) -> None:
    person = ctx.person
    blocks: list[Block] = [Section(text=t("home.title", name=person.name))]
    for section in SECTIONS:
        blocks.extend(section(ctx, person))
    ctx.send(ToHome(), Message(text=t("home.title", name=person.name), blocks=tuple(blocks)))

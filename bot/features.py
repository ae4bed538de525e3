"""The installed features, wired into one router.

A new feature adds its ``register`` here; adapters and the CLI never need to know about it.
"""

from __future__ import annotations

from bot import help as help_feature
from bot import home, kudos
from bot.dispatch import Router
from bot.scheduler import DueSource

HELP_LINES = [
    "`/kudos @ana #empathy thanks for ...` — recognise a colleague (`/kudos help`)",
    "`home` — your own dashboard (in Slack: the bot's Home tab)",
]

# Every command users type, with its description and usage hint: the Slack manifest's slash
# commands and the Teams manifest's command lists are generated from this.
SLASH_COMMANDS: list[tuple[str, str, str]] = [
    ("kudos", "Give kudos to colleagues for living our values", "@person [@more] [#value] what for"),
]


def build_router() -> Router:
    router = Router()
    kudos.register(router)
    router.command("help", help_feature.on_help)
    router.command("home", home.on_home)
    return router


def command_names(router: Router) -> list[str]:
    return sorted(router.commands)


def schedule_sources() -> dict[str, DueSource]:
    """What each feature wants the scheduler to ask about on every sweep."""
    return {}

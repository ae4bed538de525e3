"""The installed features, wired into one router.

A new feature adds its ``register`` here; adapters and the CLI never need to know about it.
"""

from __future__ import annotations

from bot import help as help_feature
from bot import kudos
from bot.dispatch import Router
from bot.scheduler import DueSource

HELP_LINES = [
    "`/kudos @ana #empathy thanks for ...` — recognise a colleague (`/kudos help`)",
]


def build_router() -> Router:
    router = Router()
    kudos.register(router)
    router.command("help", help_feature.on_help)
    return router


def command_names(router: Router) -> list[str]:
    return sorted(router.commands)


def schedule_sources() -> dict[str, DueSource]:
    """What each feature wants the scheduler to ask about on every sweep."""
    return {}

"""Kudos: peer recognition tied to the organisation's values."""

from __future__ import annotations

from bot.dispatch import Router
from bot.kudos import handlers


def register(router: Router) -> None:
    router.command("kudos", handlers.on_command)
    router.action(handlers.FORM_ACTION, handlers.on_form)
    router.reactions.append(handlers.on_reaction)

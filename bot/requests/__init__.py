"""Internal requests that always get answered: acknowledgement, promises, reminders, escalation,
confirmation and rating (``/request``)."""

from __future__ import annotations

from bot.dispatch import Router
from bot.requests import handlers, reminders


def register(router: Router) -> None:
    router.command("request", handlers.on_command)
    router.action("request", handlers.on_action)
    router.tick(reminders.REMIND_JOB, reminders.on_remind)
    router.tick(reminders.NOTE_JOB, reminders.on_note)
    router.tick(reminders.AUTOCONFIRM_JOB, reminders.on_autoconfirm)

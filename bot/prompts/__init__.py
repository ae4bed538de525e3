"""Service-value prompts: leaders schedule them, people answer in threads (see README)."""

from __future__ import annotations

from bot.dispatch import Router


def register(router: Router) -> None:
    from bot.prompts import handlers
    from bot.prompts.schedules import POST_JOB

    router.command("prompts", handlers.on_command)
    router.tick(POST_JOB, handlers.on_post, prepare=handlers.prepare_post)
    router.action(handlers.KUDOS_ACTION, handlers.on_make_kudos)
    router.replies.append(handlers.on_reply)

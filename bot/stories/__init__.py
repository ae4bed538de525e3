"""Good and bad service stories, anonymous when needed, blameless always (see README)."""

from __future__ import annotations

from bot.dispatch import Router


def register(router: Router) -> None:
    from bot.stories import handlers

    router.command("story", handlers.on_command)
    router.tick(handlers.DIGEST_JOB, handlers.on_digest)
    router.tick(handlers.SUGGEST_JOB, handlers.on_suggest, prepare=handlers.prepare_suggestion)

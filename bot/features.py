"""The installed features, wired into one router.

A new feature adds its ``register`` here; adapters and the CLI never need to know about it.
"""

from __future__ import annotations

from bot import help as help_feature
from bot import home, kudos
from bot import prompts as value_prompts
from bot import reports as culture_report
from bot import requests as internal_requests
from bot import stories as service_stories
from bot.dispatch import Router
from bot.requests import reminders as request_reminders
from bot.scheduler import DueSource

HELP_LINES = [
    "`/kudos @ana #empathy thanks for ...` — recognise a colleague (`/kudos help`)",
    "`/request @ben send the Q3 figures by Friday` — ask a colleague; tracked until done (`/request help`)",
    "`/prompts add #general weekdays 09:30 #empathy` — schedule value prompts (leaders; `/prompts help`)",
    "`/story good|bad [anon] what happened #value` — share a service story (`/story help`)",
    "`home` — your own dashboard (in Slack: the bot's Home tab)",
    "`/culture report [YYYY-MM]` — the monthly culture report (HR only)",
]

# Every command users type, with its description and usage hint: the Slack manifest's slash
# commands and the Teams manifest's command lists are generated from this. Teams shows
# "<description> — <command> <usage>" in at most 128 characters: keep each line within that
# (a longer one is shortened at a word, and ``/<command> help`` has the rest).
SLASH_COMMANDS: list[tuple[str, str, str]] = [
    ("kudos", "Give kudos to colleagues for living our values", "@person [@more] [#value] what for"),
    ("culture", "The monthly culture report (HR only)", "report [YYYY-MM]"),
    ("request", "Ask a colleague for something and track it until it is done",
     "@owner what [by when] [#category] [!urgent] | list | help"),
    ("prompts", "Schedule value prompts in a channel (leaders)",
     "add #channel weekdays 09:30 [#value] | list | pause|resume|remove ID"),
    ("story", "Share a good or bad service story, anonymously if you like", "good|bad [anon] what happened [#value]"),
]


def build_router() -> Router:
    router = Router()
    kudos.register(router)
    internal_requests.register(router)
    culture_report.register(router)
    value_prompts.register(router)
    service_stories.register(router)
    router.command("help", help_feature.on_help)
    router.command("home", home.on_home)
    return router


def command_names(router: Router) -> list[str]:
    return sorted(router.commands)


def schedule_sources() -> dict[str, DueSource]:
    """What each feature wants the scheduler to ask about on every sweep."""
    from bot.prompts.schedules import due_posts
    from bot.stories.schedules import due_digest, due_suggestions

    return {"report": culture_report.schedule_source(), "requests": request_reminders.due_points,
            "prompts": due_posts, "stories-digest": due_digest, "llm-suggestions": due_suggestions}

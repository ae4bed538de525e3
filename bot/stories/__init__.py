"""Good and bad service stories, anonymous when needed, blameless always (see README)."""

from __future__ import annotations

from bot.feature import Command, Feature, Schedule
from bot.stories import grammar, handlers, schedules
from storage.stories import export_records

FEATURE = Feature(
    name="stories",
    commands=(Command(
        "story", handlers.on_command,
        usage="good|bad [anon] what happened [#value]",
        help="`/story good|bad [anon] what happened #value` — share a service story (`/story help`)",
        description="Share a good or bad service story, anonymously if you like",
        anonymous=grammar.is_anonymous),),
    schedules=(
        Schedule(handlers.DIGEST_JOB, schedules.due_digest, handlers.DigestPayload, handlers.on_digest),
        Schedule(handlers.SUGGEST_JOB, schedules.due_suggestions, handlers.SuggestPayload, handlers.on_suggest,
                 prepare=handlers.prepare_suggestion),
    ),
    export=export_records,
)

"""Service-value prompts: leaders schedule them, people answer in threads (see README)."""

from __future__ import annotations

from bot.feature import Action, Command, Feature, Reply, Schedule
from bot.prompts import handlers, schedules
from bot.prompts import report as practice
from storage.prompts import export_records

FEATURE = Feature(
    name="prompts",
    commands=(Command(
        "prompts", handlers.on_command,
        usage="add #channel weekdays 09:30 [#value] | list | pause|resume|remove ID",
        help="`/prompts add #general weekdays 09:30 #empathy` — schedule value prompts (leaders; `/prompts help`)",
        description="Schedule value prompts in a channel (leaders)"),),
    actions=(Action(handlers.KUDOS_ACTION, handlers.on_make_kudos),),
    replies=(Reply(handlers.on_reply),),
    schedules=(Schedule(schedules.POST_JOB, schedules.due_posts, schedules.PostPayload, handlers.on_post,
                        prepare=handlers.prepare_post),),
    report=practice.PART,
    export=export_records,
)

"""Kudos: peer recognition tied to the organisation's values."""

from __future__ import annotations

from bot.feature import Action, Command, Feature, Reaction
from bot.kudos import handlers
from bot.kudos import report as recognition
from storage.export import kudos as export_records

FEATURE = Feature(
    name="kudos",
    commands=(Command(
        "kudos", handlers.on_command,
        usage="@person [@more] [#value] what for",
        help="`/kudos @ana #empathy thanks for ...` — recognise a colleague (`/kudos help`)",
        description="Give kudos to colleagues for living our values",
        form=handlers.form_for),),
    actions=(Action(handlers.FORM_ACTION, handlers.on_form),),
    reactions=(Reaction(handlers.on_reaction, handlers.reaction_emojis),),
    home=handlers.home_section,
    report=recognition.PART,
    export=export_records,
)

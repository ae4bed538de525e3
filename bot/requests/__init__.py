"""Internal requests that always get answered: acknowledgement, promises, reminders, escalation,
confirmation and rating (``/request``)."""

from __future__ import annotations

from bot.feature import Action, Command, Feature, Schedule
from bot.requests import handlers, reminders
from bot.requests import report as responsiveness
from storage.requests import export_records

FEATURE = Feature(
    name="requests",
    commands=(Command(
        "request", handlers.on_command,
        usage="@owner what [by when] [#category] [!urgent] | list | help",
        help="`/request @ben send the Q3 figures by Friday` — ask a colleague; tracked until done (`/request help`)",
        description="Ask a colleague for something and track it until it is done"),),
    actions=(Action("request", handlers.on_action),),
    schedules=(
        Schedule(reminders.REMIND_JOB, reminders.due_reminders, reminders.ReminderPayload, reminders.on_remind),
        Schedule(reminders.AUTOCONFIRM_JOB, reminders.due_autoconfirms, reminders.PointPayload,
                 reminders.on_autoconfirm),
        Schedule(reminders.NOTE_JOB, reminders.due_notes, reminders.PointPayload, reminders.on_note),
    ),
    home=handlers.home_section,
    report=responsiveness.PART,
    export=export_records,
)

"""Prompt and story-thread schedules: app.yaml mirrored into the database, and what is due now.

Exactly once: each firing becomes a Tick whose dedupe key is its occurrence key
``prompt:<schedule id>:<local date>T<local time>`` (``story-thread:...`` for story threads), so a
restart, a catch-up after downtime or a second replica never posts twice. A firing missed by more
than ``prompts.grace`` is skipped and logged (:func:`bot.scheduler.cron_due`). Firings on a holiday
or on a non-working day the schedule does not name itself are skipped (see :mod:`bot.prompts.when`).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlmodel import Session

from bot.calendar import BusinessCalendar
from bot.config import AppConfig
from bot.context import Services
from bot.events import Address
from bot.feature import Due
from bot.prompts.when import When, WhenError, parse_when
from bot.scheduler import cron_due, fire_times
from storage import prompts as repo
from storage import schedules as cursors
from storage.prompts_models import PromptSchedule

log = logging.getLogger(__name__)

POST_JOB = "prompts.post"


class PostPayload(BaseModel):
    """One firing of a prompt or story-thread schedule."""

    schedule: int
    at: datetime


def calendar(config: AppConfig) -> BusinessCalendar:
    return BusinessCalendar(config.requests.business_hours, config.requests.holidays)


def cursor_name(schedule_id: int) -> str:
    return f"prompt-schedule:{schedule_id}"


def occurrence_key(schedule: PromptSchedule, local: datetime) -> str:
    prefix = "story-thread" if schedule.kind == "story_thread" else "prompt"
    return f"{prefix}:{schedule.id}:{local:%Y-%m-%dT%H:%M}"


def fires_on(day: date, when: When, cal: BusinessCalendar) -> bool:
    """Holidays never; working days always; other days (weekends) only when the schedule names them."""
    if cal.is_holiday(day):
        return False
    return day.weekday() in cal.hours.weekdays() or when.allows_weekend_day(day.weekday())


def start_cursor(session: Session, schedule: PromptSchedule, now: datetime) -> None:
    """A new schedule starts now: it must not post firings from before it existed."""
    cursors.advance(session, cursor_name(schedule.id), now)
    session.flush()


def _config_key(*parts: object) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:32]


def sync_config(session: Session, org_id: int, config: AppConfig, now: datetime) -> None:
    """Mirror ``prompts.schedules`` and ``stories.thread`` into ``prompt_schedule`` rows."""
    wanted: dict[str, dict[str, object]] = {}
    org_tz = config.organization.timezone
    for entry in config.prompts.schedules:
        tz = entry.timezone or org_tz
        value = entry.value if entry.value and config.value(entry.value) else None
        if entry.value and value is None:
            log.warning("prompts.schedules: value %r is not one of the organisation's values; ignored", entry.value)
        wanted[_config_key("prompt", entry.channel, entry.when, tz, value)] = {
            "kind": "prompt", "channel": entry.channel, "channel_label": entry.channel, "when": entry.when, "timezone": tz,
            "value_slug": value}
    thread = config.stories.thread
    if thread is not None:
        tz = thread.timezone or org_tz
        wanted[_config_key("story_thread", thread.channel, thread.when, tz)] = {
            "kind": "story_thread", "channel": thread.channel, "channel_label": thread.channel, "when": thread.when,
            "timezone": tz}
    for row in repo.sync_config(session, org_id, wanted, now):
        start_cursor(session, row, now)


def where_of(schedule: PromptSchedule, services: Services) -> Address:
    """Where a schedule posts: its own platform and channel, or (app.yaml) the first running platform."""
    if schedule.platform:
        return Address(platform=schedule.platform, tenant=schedule.tenant, conversation=schedule.channel)
    platform = services.active_platforms[0] if services.active_platforms else "console"
    channel = services.config.channels.resolve(schedule.channel, platform) or schedule.channel
    return Address(platform=platform, tenant="", conversation=channel)


def due_posts(session: Session, services: Services, now: datetime) -> Iterator[Due[PostPayload]]:
    """The scheduler source: every prompt and story-thread firing due now."""
    config = services.config
    sync_config(session, services.org_id, config, now)
    grace = config.prompts.grace_delta()
    cal = calendar(config)
    for schedule in repo.schedules(session, services.org_id):
        try:
            when = parse_when(schedule.when)
            tz = ZoneInfo(schedule.timezone)
        except (WhenError, ValueError) as exc:
            log.error("prompt schedule %s cannot be read (%s); skipped", schedule.id, exc)
            continue
        window = cron_due(session, cursor_name(schedule.id), when.trigger(tz), now, grace)
        if schedule.status != "active":
            continue  # the cursor still moves: resuming does not post what was missed while paused
        for at in window.due:
            local = at.astimezone(tz)
            if not fires_on(local.date(), when, cal):
                log.info("prompt schedule %s: %s is not a working day there; not posted", schedule.id, local.date())
                continue
            yield Due(occurrence=occurrence_key(schedule, local), payload=PostPayload(schedule=schedule.id, at=at),
                      where=where_of(schedule, services))


def next_firing(schedule: PromptSchedule, config: AppConfig, now: datetime) -> datetime | None:
    """When a schedule will post next (local time), for ``/prompts list``."""
    try:
        when = parse_when(schedule.when)
        tz = ZoneInfo(schedule.timezone)
    except (WhenError, ValueError):
        return None
    cal = calendar(config)
    for at in fire_times(when.trigger(tz), now, now + timedelta(days=60), limit=200):
        local = at.astimezone(tz)
        if fires_on(local.date(), when, cal):
            return local
    return None

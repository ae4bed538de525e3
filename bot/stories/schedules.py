"""Scheduler sources of stories: the leaders' weekly digest and LLM value suggestions.

(The weekly story *thread* is a prompt schedule of kind ``story_thread``: see
:mod:`bot.prompts.schedules`.)
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from sqlmodel import Session

from bot.context import Services
from bot.feature import Due
from bot.scheduler import cron_due
from bot.stories.handlers import DigestPayload, SuggestPayload
from storage import stories as repo

DIGEST_CURSOR = "stories-digest"


def due_digest(session: Session, services: Services, now: datetime) -> Iterator[Due[DigestPayload]]:
    """Mondays 09:00 in the organisation's timezone: last week's stories to the leaders."""
    tz = ZoneInfo(services.config.organization.timezone)
    trigger = CronTrigger(day_of_week="mon", hour=9, minute=0, timezone=tz)
    window = cron_due(session, DIGEST_CURSOR, trigger, now, services.config.prompts.grace_delta())
    for at in window.due:
        local = at.astimezone(tz)
        yield Due(occurrence=f"stories-digest:{local:%G-W%V}", payload=DigestPayload(at=at))


def due_suggestions(session: Session, services: Services, now: datetime) -> Iterator[Due[SuggestPayload]]:
    """Untagged kudos and stories of the last two days, when the LLM is on (one tick each)."""
    settings = services.config.llm
    if not settings.enabled:
        return
    since = now - timedelta(days=2)
    for story in repo.untagged_stories(session, services.org_id, since, include_anonymous=settings.send_anonymous):
        yield Due(occurrence=f"suggest-value:story:{story.id}", payload=SuggestPayload(subject="story", id=story.id))
    for kudos in repo.untagged_kudos(session, services.org_id, since):
        yield Due(occurrence=f"suggest-value:kudos:{kudos.id}", payload=SuggestPayload(subject="kudos", id=kudos.id))

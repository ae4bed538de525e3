"""Scheduling: APScheduler 3 runs a sweep; features say what is due; the inbox makes it exactly once.

Nothing is pickled: every sweep asks each feature's :class:`bot.feature.Schedule` what is due "now"
(the injected clock, so tests and operators can move time), from the database and app.yaml. Each
due item has an occurrence key and a typed payload; it is dispatched as a Tick event whose dedupe
key is that occurrence key, stored under the inbox's unique constraint. So a restart, a misfire catch-up or a second replica never
sends anything twice, and a firing that was due while the bot was down is caught by the next sweep.

For calendar schedules (cron-like, in a timezone) :func:`cron_due` turns a trigger into the firings
since the schedule's cursor, split into those still within the grace window and those to skip.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlmodel import Session

from bot.context import Services
from bot.dispatch import Dispatcher
from bot.events import Address, Event, TickInput
from bot.feature import Schedule
from storage import schedules as repo

log = logging.getLogger(__name__)

# Cursor moves a source asked for, applied once its due items are dispatched.
PENDING_CURSORS = "extramile.pending_cursors"


@dataclass(frozen=True)
class CronWindow:
    due: list[datetime]
    skipped: list[datetime]


def fire_times(trigger: BaseTrigger, after: datetime, until: datetime, limit: int = 1000) -> list[datetime]:
    """Firings of an APScheduler trigger in (after, until]."""
    times: list[datetime] = []
    previous: datetime | None = None
    current = trigger.get_next_fire_time(None, after + timedelta(microseconds=1))
    while current is not None and current <= until and len(times) < limit:
        times.append(current)
        previous = current
        current = trigger.get_next_fire_time(previous, current + timedelta(microseconds=1))
    return times


def cron_due(session: Session, name: str, trigger: BaseTrigger, now: datetime, grace: timedelta) -> CronWindow:
    """Firings since this schedule was last swept: late ones within ``grace`` are due, older skipped.

    The cursor moves to ``now`` only after the sweep has dispatched what is due (see
    :meth:`Scheduler.sweep`), so a crash in between re-finds those firings instead of losing them;
    the inbox's occurrence keys keep them from being sent twice. A schedule seen for the first time
    starts ``grace`` ago.
    """
    since = repo.cursor(session, name) or (now - grace)
    times = fire_times(trigger, since, now)
    session.info.setdefault(PENDING_CURSORS, []).append((name, now))
    due = [t for t in times if now - t <= grace]
    skipped = [t for t in times if now - t > grace]
    for t in skipped:
        log.warning("schedule %s: firing of %s was missed by more than %s and is skipped", name, t.isoformat(), grace)
    return CronWindow(due=due, skipped=skipped)


class Scheduler:
    def __init__(self, dispatcher: Dispatcher, services: Services, schedules: Sequence[Schedule[Any]] = (),
                 interval_s: float = 20.0) -> None:
        self.dispatcher = dispatcher
        self.services = services
        self.interval_s = interval_s
        self.schedules = list(schedules)
        self._aps: AsyncIOScheduler | None = None

    async def sweep(self) -> int:
        """Dispatch everything due now; returns how many new occurrences were handled."""
        now = self.services.clock.now()
        handled = 0
        for schedule in self.schedules:
            try:
                with self.services.db.session() as session:
                    items = list(schedule.due(session, self.services, now))
                    cursors = list(session.info.pop(PENDING_CURSORS, []))
            except Exception:
                log.exception("scheduler source of %s failed", schedule.job)
                continue
            for item in items:
                payload = item.payload.model_dump(mode="json")
                event = Event(dedupe_key=f"tick:{item.occurrence}", actor=None,
                              where=item.where or Address(platform="", tenant=""),
                              input=TickInput(job=schedule.job, occurrence=item.occurrence, payload=payload),
                              received_at=now)
                if await self.dispatcher.dispatch(event):
                    handled += 1
            if cursors:
                with self.services.db.session() as session:
                    for cursor_name, until in cursors:
                        repo.advance(session, cursor_name, until)
        return handled

    def start(self) -> None:
        """Sweep now and then every ``interval_s`` seconds (within a minute of anything coming due)."""
        self._aps = AsyncIOScheduler(timezone="UTC")
        self._aps.add_job(self.sweep, IntervalTrigger(seconds=self.interval_s), id="sweep", max_instances=1,
                          coalesce=True, next_run_time=datetime.now().astimezone())
        self._aps.start()

    def shutdown(self) -> None:
        if self._aps is not None:
            self._aps.shutdown(wait=False)
            self._aps = None

"""Scheduler bookkeeping: cursors of swept schedules."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from storage.models import SchedulerCursor


def cursor(session: Session, name: str) -> datetime | None:
    row = session.get(SchedulerCursor, name)
    return row.swept_until if row is not None else None


def advance(session: Session, name: str, until: datetime) -> None:
    row = session.get(SchedulerCursor, name)
    if row is None:
        session.add(SchedulerCursor(name=name, swept_until=until))
    elif until > row.swept_until:
        row.swept_until = until
        session.add(row)

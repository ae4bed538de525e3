"""The inbox: inbound events under their dedupe key (see ``InboxEvent``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from storage.models import InboxEvent


def record(session: Session, dedupe_key: str, payload: str, now: datetime) -> int | None:
    """Insert the event; None when the key was seen before (a re-delivery)."""
    row = InboxEvent(dedupe_key=dedupe_key, payload=payload, received_at=now)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return None
    return row.id


def claim(session: Session, inbox_id: int, now: datetime) -> bool:
    """Mark as processed inside the handler's transaction; False if another worker already did."""
    result = session.execute(
        update(InboxEvent)
        .where(InboxEvent.id == inbox_id, InboxEvent.processed_at.is_(None))
        .values(processed_at=now, attempts=InboxEvent.attempts + 1)
    )
    return result.rowcount == 1


def note_failure(session: Session, inbox_id: int, error: str, give_up: bool, now: datetime) -> None:
    values: dict[str, object] = {"attempts": InboxEvent.attempts + 1, "last_error": error[:2000]}
    if give_up:
        values["processed_at"] = now
    session.execute(update(InboxEvent).where(InboxEvent.id == inbox_id).values(**values))


def pending(session: Session, limit: int = 100) -> Sequence[InboxEvent]:
    return session.exec(
        select(InboxEvent).where(InboxEvent.processed_at.is_(None)).order_by(InboxEvent.id).limit(limit)
    ).all()


def get(session: Session, inbox_id: int) -> InboxEvent | None:
    return session.get(InboxEvent, inbox_id)

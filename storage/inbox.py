"""The inbox: inbound events under their dedupe key (see ``InboxEvent``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, text, update
from sqlmodel import Session, select

from storage.db import Database, add_unless_duplicate
from storage.models import InboxEvent
from storage.types import UTCDateTime

_RECORD = text(
    "INSERT INTO inbox_event (dedupe_key, payload, received_at, attempts, last_error) "
    "VALUES (:key, :payload, :now, 0, '') ON CONFLICT (dedupe_key) DO NOTHING RETURNING id"
).bindparams(bindparam("now", type_=UTCDateTime()))


def record(session: Session, dedupe_key: str, payload: str, now: datetime) -> int | None:
    """Insert the event; None when the key was seen before (a re-delivery).

    This runs on the acknowledgement path of every platform request, so on SQLite and PostgreSQL
    it is one prepared ``INSERT ... ON CONFLICT DO NOTHING RETURNING id`` instead of an ORM flush
    inside a savepoint (several times cheaper; see bench/slack_ack.py).
    """
    if session.get_bind().dialect.name in ("sqlite", "postgresql"):
        return session.execute(_RECORD, {"key": dedupe_key, "payload": payload, "now": now}).scalar_one_or_none()
    row = InboxEvent(dedupe_key=dedupe_key, payload=payload, received_at=now)
    added = add_unless_duplicate(session, row)
    return added.id if added is not None else None


def record_committed(db: Database, dedupe_key: str, payload: str, now: datetime) -> int | None:
    """:func:`record` in its own transaction on a bare connection: the acknowledgement path of every
    platform request runs this, and an ORM session would double its cost."""
    if db.engine.dialect.name not in ("sqlite", "postgresql"):
        with db.session() as session:
            return record(session, dedupe_key, payload, now)
    with db.engine.begin() as conn:
        return conn.execute(_RECORD, {"key": dedupe_key, "payload": payload, "now": now}).scalar_one_or_none()


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

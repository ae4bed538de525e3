"""The outbox: messages waiting for the platform to accept them, and where sent ones landed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import Session, select

from storage.models import OutboxMessage, SentMessage


def add(session: Session, row: OutboxMessage) -> OutboxMessage:
    session.add(row)
    session.flush()
    return row


def due(session: Session, now: datetime, platforms: Sequence[str], limit: int = 50) -> Sequence[OutboxMessage]:
    return session.exec(
        select(OutboxMessage)
        .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now,
               OutboxMessage.platform.in_(list(platforms)))
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()


def next_due_at(session: Session, platforms: Sequence[str]) -> datetime | None:
    return session.exec(
        select(func.min(OutboxMessage.next_attempt_at)).where(
            OutboxMessage.status == "pending", OutboxMessage.platform.in_(list(platforms)))
    ).one()


def claim(session: Session, row_id: int, seen_next_attempt: datetime, lease_until: datetime) -> bool:
    """Take a row for delivery so no other worker (task or replica) sends it meanwhile.

    The lease pushes ``next_attempt_at`` forward: if this worker dies mid-send, the row becomes
    due again when the lease ends (at-least-once, never silently dropped).
    """
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id, OutboxMessage.status == "pending",
               OutboxMessage.next_attempt_at == seen_next_attempt)
        .values(next_attempt_at=lease_until)
    )
    return result.rowcount == 1


def mark_sent(session: Session, row_id: int, now: datetime, platform_ref: str) -> None:
    session.execute(
        update(OutboxMessage).where(OutboxMessage.id == row_id)
        .values(status="sent", sent_at=now, platform_ref=platform_ref, attempts=OutboxMessage.attempts + 1)
    )


def mark_retry(session: Session, row_id: int, at: datetime, error: str) -> None:
    session.execute(
        update(OutboxMessage).where(OutboxMessage.id == row_id)
        .values(next_attempt_at=at, last_error=error[:2000], attempts=OutboxMessage.attempts + 1)
    )


def mark_failed(session: Session, row_id: int, error: str) -> None:
    session.execute(
        update(OutboxMessage).where(OutboxMessage.id == row_id)
        .values(status="failed", last_error=error[:2000], attempts=OutboxMessage.attempts + 1)
    )


def pending_count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending")).one()


def find_sent(session: Session, platform: str, ref_key: str) -> SentMessage | None:
    return session.exec(
        select(SentMessage).where(SentMessage.platform == platform, SentMessage.ref_key == ref_key)
    ).first()


def remember_sent(session: Session, platform: str, ref_key: str, conversation: str, message_id: str) -> None:
    existing = find_sent(session, platform, ref_key)
    if existing is None:
        session.add(SentMessage(platform=platform, ref_key=ref_key, conversation=conversation, message_id=message_id))
    else:
        existing.conversation, existing.message_id = conversation, message_id
        session.add(existing)


def forget(session: Session, row_id: int) -> None:
    """Blank who and where a delivered (or failed) row went, keeping only that it happened."""
    session.execute(
        update(OutboxMessage).where(OutboxMessage.id == row_id)
        .values(destination="", user="", thread="", tenant="", label="", body="{}", platform_ref="", last_error="")
    )

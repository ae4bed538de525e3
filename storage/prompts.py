"""Prompt schedules, posts and replies (participation).

Report queries (used by the monthly culture report):

* :func:`monthly_activity` — per month: prompt posts, posts with at least one reply, replies,
  distinct responders and the *response rate* = posts answered / posts (0 when nothing was posted).
  One reply per person and post counts (``prompt_reply`` is unique on post and person).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, select

from storage.db import add_unless_duplicate
from storage.models import SentMessage
from storage.prompts_models import KudosOffer, KudosOfferRecipient, PromptPost, PromptReply, PromptSchedule

POST_REF = "prompt:"


def add_schedule(session: Session, **fields: object) -> PromptSchedule:
    row = PromptSchedule(**fields)
    session.add(row)
    session.flush()
    return row


def schedules(session: Session, org_id: int, kind: str | None = None,
              include_removed: bool = False) -> Sequence[PromptSchedule]:
    query = select(PromptSchedule).where(PromptSchedule.org_id == org_id)
    if kind is not None:
        query = query.where(PromptSchedule.kind == kind)
    if not include_removed:
        query = query.where(PromptSchedule.status != "removed")
    return session.exec(query.order_by(PromptSchedule.id)).all()


def get_schedule(session: Session, org_id: int, schedule_id: int) -> PromptSchedule | None:
    row = session.get(PromptSchedule, schedule_id)
    return row if row is not None and row.org_id == org_id else None


def set_status(session: Session, schedule: PromptSchedule, status: str) -> None:
    schedule.status = status
    session.add(schedule)
    session.flush()


def sync_config(session: Session, org_id: int, wanted: dict[str, dict[str, object]], now: datetime) -> list[PromptSchedule]:
    """Mirror app.yaml schedules (``config_key`` -> fields); returns rows created just now.

    Entries gone from app.yaml are marked removed; a paused entry stays paused.
    """
    existing = {row.config_key: row for row in session.exec(
        select(PromptSchedule).where(PromptSchedule.org_id == org_id, PromptSchedule.source == "config"))}
    created: list[PromptSchedule] = []
    for key, fields in wanted.items():
        row = existing.get(key)
        if row is None:
            row = PromptSchedule(org_id=org_id, source="config", config_key=key, created_at=now, **fields)
            session.add(row)
            created.append(row)
        elif row.status == "removed":
            row.status = "active"
            session.add(row)
    for key, row in existing.items():
        if key not in wanted and row.status != "removed":
            row.status = "removed"
            session.add(row)
    session.flush()
    return created


def used_keys(session: Session, platform: str, channel: str, kind: str) -> list[str]:
    """Prompt keys posted to one channel, oldest first (the rotation's memory)."""
    return list(session.exec(
        select(PromptPost.prompt_key)
        .where(PromptPost.platform == platform, PromptPost.channel == channel, PromptPost.kind == kind)
        .order_by(PromptPost.id)
    ).all())


def record_post(session: Session, **fields: object) -> PromptPost | None:
    """Insert a post; None when its occurrence was posted before."""
    row = PromptPost(**fields)
    return add_unless_duplicate(session, row)


def get_post(session: Session, post_id: int) -> PromptPost | None:
    return session.get(PromptPost, post_id)


def post_for_thread(session: Session, platform: str, message_id: str, conversation: str = "") -> PromptPost | None:
    """The prompt post a thread belongs to, through where the outbox recorded it (``prompt:<id>``)."""
    if not message_id:
        return None
    rows = session.exec(select(SentMessage).where(SentMessage.platform == platform,
                                                  SentMessage.message_id == message_id,
                                                  SentMessage.ref_key.startswith(POST_REF))).all()
    if not rows:
        return None
    row = next((r for r in rows if r.conversation == conversation), rows[0])
    try:
        post_id = int(row.ref_key.removeprefix(POST_REF))
    except ValueError:
        return None
    return session.get(PromptPost, post_id)


def record_reply(session: Session, post_id: int, person_id: int, now: datetime) -> PromptReply | None:
    """Count a person's participation once per post; None when already counted."""
    if session.exec(select(PromptReply).where(PromptReply.post_id == post_id,
                                              PromptReply.person_id == person_id)).first() is not None:
        return None
    row = PromptReply(post_id=post_id, person_id=person_id, created_at=now)
    return add_unless_duplicate(session, row)


def reply_count(session: Session, post_id: int) -> int:
    return session.exec(select(func.count()).select_from(PromptReply).where(PromptReply.post_id == post_id)).one()


def posts_between(session: Session, org_id: int, start: datetime, end: datetime,
                  kind: str | None = "prompt") -> Sequence[PromptPost]:
    query = select(PromptPost).where(PromptPost.org_id == org_id, PromptPost.posted_at >= start,
                                     PromptPost.posted_at < end)
    if kind is not None:
        query = query.where(PromptPost.kind == kind)
    return session.exec(query.order_by(PromptPost.id)).all()


def monthly_activity(session: Session, org_id: int, start: datetime, end: datetime) -> dict[str, float]:
    """Prompt participation in [start, end): posts, answered posts, replies, responders, response rate."""
    posts = posts_between(session, org_id, start, end)
    ids = [p.id for p in posts]
    replies = list(session.exec(select(PromptReply).where(PromptReply.post_id.in_(ids)))) if ids else []
    answered = len({r.post_id for r in replies})
    return {"posts": len(posts), "answered": answered, "replies": len(replies),
            "responders": len({r.person_id for r in replies}),
            "response_rate": round(answered / len(posts), 3) if posts else 0.0}


def kudos_given_from_reply(session: Session, org_id: int, source_ref: str) -> bool:
    """Whether a prompt reply was already turned into a kudos (the button may be clicked twice)."""
    from storage.models import Kudos

    return session.exec(select(Kudos.id).where(Kudos.org_id == org_id, Kudos.source == "prompt-reply",
                                               Kudos.source_ref == source_ref)).first() is not None


def add_kudos_offer(session: Session, org_id: int, post_id: int, giver_id: int, text: str,
                    recipient_ids: Sequence[int], now: datetime) -> KudosOffer:
    offer = KudosOffer(org_id=org_id, post_id=post_id, giver_id=giver_id, text=text, created_at=now)
    session.add(offer)
    session.flush()
    for position, person_id in enumerate(dict.fromkeys(recipient_ids)):
        session.add(KudosOfferRecipient(offer_id=offer.id, person_id=person_id, position=position))
    session.flush()
    return offer


def kudos_offer(session: Session, org_id: int, offer_id: int) -> tuple[KudosOffer, list[int]] | None:
    """An offer of the organisation and its recipients' ids in order, or None."""
    offer = session.get(KudosOffer, offer_id)
    if offer is None or offer.org_id != org_id:
        return None
    rows = session.exec(select(KudosOfferRecipient.person_id).where(KudosOfferRecipient.offer_id == offer_id)
                        .order_by(KudosOfferRecipient.position)).all()
    return offer, list(rows)


def export_records(session: Session, org_id: int) -> Iterator[dict[str, object]]:
    """``extramile export``: schedules, posts and participation (who answered which post)."""
    for s in schedules(session, org_id, include_removed=True):
        yield {"type": "prompt_schedule", "id": s.id, "kind": s.kind, "platform": s.platform, "channel": s.channel,
               "channel_label": s.channel_label, "when": s.when, "timezone": s.timezone, "value": s.value_slug,
               "status": s.status, "source": s.source, "created_by": s.created_by,
               "created_at": s.created_at.isoformat()}
    posts = session.exec(select(PromptPost).where(PromptPost.org_id == org_id).order_by(PromptPost.id)).all()
    for p in posts:
        yield {"type": "prompt_post", "id": p.id, "schedule_id": p.schedule_id, "kind": p.kind, "platform": p.platform,
               "channel": p.channel, "prompt_key": p.prompt_key, "value": p.value_slug, "text": p.text,
               "generated": p.generated, "occurrence": p.occurrence, "posted_at": p.posted_at.isoformat()}
    ids = [p.id for p in posts]
    if ids:
        for r in session.exec(select(PromptReply).where(PromptReply.post_id.in_(ids)).order_by(PromptReply.id)):
            yield {"type": "prompt_reply", "id": r.id, "post_id": r.post_id, "person_id": r.person_id,
                   "created_at": r.created_at.isoformat()}

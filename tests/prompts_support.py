"""Helpers for the prompts and stories tests: replies in threads, posts and their platform ids."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Protocol

from sqlalchemy import inspect, text
from sqlmodel import select

from bot.events import Actor, Address, Event, Mention, ReplyInput
from storage.db import Database
from storage.models import SentMessage
from storage.prompts_models import PromptPost, PromptReply, Story
from tests.support import Harness


class HasDb(Protocol):
    """A harness or a Slack/Teams rig: anything with the database under test."""

    db: Database


def posts(h: HasDb) -> list[PromptPost]:
    with h.db.session() as session:
        return list(session.exec(select(PromptPost).order_by(PromptPost.id)))


def stories(h: HasDb) -> list[Story]:
    with h.db.session() as session:
        return list(session.exec(select(Story).order_by(Story.id)))


def replies(h: HasDb) -> list[PromptReply]:
    with h.db.session() as session:
        return list(session.exec(select(PromptReply).order_by(PromptReply.id)))


def message_id_of(h: HasDb, post: PromptPost) -> str:
    with h.db.session() as session:
        sent = session.exec(select(SentMessage).where(SentMessage.ref_key == f"prompt:{post.id}")).one()
        return sent.message_id


async def sweep(h: Harness) -> str:
    """One scheduler sweep at the harness clock, then deliver; returns what was printed."""
    start = h.out.tell()
    await h.runtime.scheduler.sweep()
    await h.runtime.worker.drain_once()
    h.out.seek(start)
    printed = h.out.read()
    return printed


async def reply(h: Harness, email: str, thread: str, body: str, mentions: tuple[Mention, ...] = (),
                platform: str = "console", conversation: str = "#general") -> str:
    event = Event(dedupe_key=f"test:{uuid.uuid4()}",
                  actor=Actor(platform=platform, tenant="local", user_id=email, email=email),
                  where=Address(platform=platform, tenant="local", conversation=conversation, thread=thread,
                                message=f"m-{uuid.uuid4().hex[:8]}"),
                  input=ReplyInput(text=body, mentions=mentions), received_at=h.clock.now())
    return await h.send(event)


def local(year: int, month: int, day: int, hour: int, minute: int = 0, tz: str = "Europe/Berlin") -> datetime:
    from zoneinfo import ZoneInfo

    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(tz))


def dump_database(h: HasDb) -> str:
    """Every row of every table as text (to prove something is nowhere in the database)."""
    chunks: list[str] = []
    with h.db.engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                chunks.append(f"{table}: {tuple(row)!r}")
    return "\n".join(chunks)

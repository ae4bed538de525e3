"""The one path every outgoing message takes.

Handlers decide *what* to say to *whom*; :func:`address` turns that into concrete outbox rows
(platform, conversation or user) in the handler's transaction, and :class:`OutboxWorker` delivers
them: paced per conversation, retried with backoff, honouring ``Retry-After``, and kept in the
database until the platform has accepted them, across restarts.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Mapping, Sequence
from datetime import timedelta

from sqlmodel import Session

from bot.clock import Clock
from bot.config import AppConfig
from bot.events import Event
from bot.messages import (
    Message,
    Outgoing,
    ToChannel,
    ToConversation,
    ToHome,
    ToInvoker,
    ToPerson,
    message_from_json,
    message_to_json,
)
from bot.ports import RetryLater, Sender, Undeliverable
from storage import outbox as repo
from storage import people as people_repo
from storage.db import Database
from storage.models import OutboxMessage, SentMessage

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
# A ``Message.ref_key`` starting with this is delivered once and then forgotten: the row keeps no
# recipient, conversation or body (replies to anonymous authors must leave no trace of them).
FORGET_PREFIX = "forget:"
MAX_BACKOFF_S = 300.0
LEASE_S = 120.0


def address(session: Session, config: AppConfig, org_id: int, event: Event, outgoing: Outgoing,
            active_platforms: Sequence[str], now_at: object) -> OutboxMessage | None:
    """Resolve a neutral target to a concrete outbox row, or None when there is nowhere to send it."""
    where = event.where
    target = outgoing.target
    fields: dict[str, str] = {}
    if isinstance(target, ToInvoker):
        user = event.actor.user_id if event.actor else ""
        fields = dict(platform=where.platform, tenant=where.tenant, kind="ephemeral",
                      destination=where.conversation, user=user, thread=where.thread, label="you (private)")
    elif isinstance(target, ToHome):
        user = event.actor.user_id if event.actor else ""
        fields = dict(platform=where.platform, tenant=where.tenant, kind="home", destination=user,
                      user=user, label="your home")
    elif isinstance(target, ToConversation):
        thread = (where.thread or where.message) if target.in_thread else where.thread
        fields = dict(platform=where.platform, tenant=where.tenant, kind="channel",
                      destination=where.conversation, thread=thread, label="this conversation")
    elif isinstance(target, ToPerson):
        resolved = _person_destination(session, target.person_id, where.platform, active_platforms)
        if resolved is None:
            log.warning("no way to reach person %s on %s", target.person_id, list(active_platforms))
            return None
        fields = resolved
    elif isinstance(target, ToChannel):
        platform = where.platform if where.platform in active_platforms or not active_platforms else active_platforms[0]
        if not platform:
            return None
        channel = config.channels.resolve(target.channel, platform)
        if not channel:
            return None
        tenant = where.tenant if where.platform == platform else ""
        fields = dict(platform=platform, tenant=tenant, kind="channel", destination=channel, label=channel)
    else:  # pragma: no cover - the union is closed
        raise TypeError(target)
    return OutboxMessage(org_id=org_id, body=message_to_json(outgoing.message), ref_key=outgoing.message.ref_key,
                         next_attempt_at=now_at, created_at=now_at, **fields)


def _person_destination(session: Session, person_id: int, platform: str,
                        active_platforms: Sequence[str]) -> dict[str, str] | None:
    person = people_repo.get(session, person_id)
    if person is None:
        return None
    label = f"{person.name} (@{person.handle}, private)" if person.handle else f"{person.name} (private)"
    idents = list(people_repo.identities(session, person_id))
    preferred = [platform, *active_platforms]
    for wanted in preferred:
        for ident in idents:
            if ident.platform == wanted:
                return dict(platform=ident.platform, tenant=ident.tenant, kind="dm", destination=ident.user_id,
                            label=label)
    # Never seen on a running platform: the adapter can still find them by email (users.lookupByEmail).
    target_platform = platform or (active_platforms[0] if active_platforms else "")
    if target_platform == "console":
        return dict(platform="console", tenant="local", kind="dm", destination=person.email or person.handle or "",
                    label=label)
    if person.email and target_platform:
        return dict(platform=target_platform, tenant="", kind="dm", destination=f"email:{person.email}", label=label)
    if idents:
        ident = idents[0]
        return dict(platform=ident.platform, tenant=ident.tenant, kind="dm", destination=ident.user_id, label=label)
    return None


def backoff(attempts: int, retry_after: float | None) -> float:
    """Seconds to wait: the platform's Retry-After when given, else jittered exponential backoff."""
    if retry_after is not None:
        return max(0.0, retry_after)
    base = min(MAX_BACKOFF_S, 2.0 ** max(0, attempts))
    return base / 2 + random.uniform(0, base / 2)


class OutboxWorker:
    """Delivers due outbox rows through the senders of the running adapters."""

    def __init__(self, db: Database, clock: Clock, senders: Mapping[str, Sender], poll_s: float = 0.5) -> None:
        self.db = db
        self.clock = clock
        self.senders = dict(senders)
        self.poll_s = poll_s
        self.wake = asyncio.Event()
        self._last_sent: dict[tuple[str, str], float] = {}

    def notify(self) -> None:
        self.wake.set()

    async def run_forever(self) -> None:
        while True:
            try:
                await self.drain_once()
            except Exception:  # a bug here must not stop delivery for good
                log.exception("outbox delivery round failed")
            try:
                await asyncio.wait_for(self.wake.wait(), timeout=self.poll_s)
            except TimeoutError:
                pass
            self.wake.clear()

    async def drain_once(self) -> int:
        """One round over what is due; returns how many messages the platforms accepted."""
        if not self.senders:
            return 0
        with self.db.session() as session:
            rows = list(repo.due(session, self.clock.now(), list(self.senders)))
        sent = 0
        for row in rows:
            sender = self.senders[row.platform]
            key = (row.platform, row.destination)
            wait = self._last_sent.get(key, 0.0) + sender.min_interval - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            sent += await self._deliver(sender, row)
            self._last_sent[key] = time.monotonic()
        return sent

    async def _deliver(self, sender: Sender, row: OutboxMessage) -> int:
        message = message_from_json(row.body)
        with self.db.session() as session:
            lease = self.clock.now() + timedelta(seconds=LEASE_S)
            if not repo.claim(session, row.id, row.next_attempt_at, lease):
                return 0  # another worker has it
        with self.db.session() as session:
            previous = repo.find_sent(session, row.platform, row.ref_key) if row.ref_key else None
        try:
            delivered = await sender.send(row, message, previous)
        except RetryLater as exc:
            delay = backoff(row.attempts, exc.retry_after)
            with self.db.session() as session:
                if row.attempts + 1 >= MAX_ATTEMPTS:
                    log.error("outbox %s: giving up after %s attempts: %s", row.id, row.attempts + 1, exc)
                    repo.mark_failed(session, row.id, str(exc))
                    if row.ref_key.startswith(FORGET_PREFIX):
                        repo.forget(session, row.id)
                else:
                    repo.mark_retry(session, row.id, self.clock.now() + timedelta(seconds=delay), str(exc))
            log.warning("outbox %s to %s not accepted (%s); retry in %.1fs", row.id, row.label, exc, delay)
            return 0
        except Undeliverable as exc:
            with self.db.session() as session:
                repo.mark_failed(session, row.id, str(exc))
                if row.ref_key.startswith(FORGET_PREFIX):
                    repo.forget(session, row.id)
            log.error("outbox %s to %s undeliverable: %s", row.id, row.label, exc)
            return 0
        with self.db.session() as session:
            repo.mark_sent(session, row.id, self.clock.now(), delivered.message_id)
            if row.ref_key.startswith(FORGET_PREFIX):
                repo.forget(session, row.id)  # e.g. the receipt of an anonymous story: no trace of whom
            elif row.ref_key and delivered.message_id:
                repo.remember_sent(session, row.platform, row.ref_key, delivered.conversation, delivered.message_id)
        return 1

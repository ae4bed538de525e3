"""The inbox: inbound events under their dedupe key (see ``InboxEvent``)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Insert, update
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from storage.db import Database, add_unless_duplicate
from storage.models import InboxEvent

log = logging.getLogger(__name__)

_TABLE = InboxEvent.__table__  # type: ignore[attr-defined]
# Many records in one statement (SQLAlchemy's "insertmanyvalues"); RETURNING names the keys that
# were new, since a re-delivered key returns no row.
_RECORD_MANY: dict[str, Insert] = {
    dialect.dialect.name: dialect.insert(_TABLE).on_conflict_do_nothing(index_elements=["dedupe_key"])
    .returning(_TABLE.c.id, _TABLE.c.dedupe_key)
    for dialect in (sqlite, postgresql)
}


def record(session: Session, dedupe_key: str, payload: str, now: datetime) -> int | None:
    """Insert the event; None when the key was seen before (a re-delivery).

    On SQLite and PostgreSQL this is one ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` rather
    than an ORM flush inside a savepoint, which costs several times more (see bench/slack_ack.py).
    """
    if session.get_bind().dialect.name in _RECORD_MANY:
        return record_many(session.connection(), [(dedupe_key, payload, now)])[0]
    row = InboxEvent(dedupe_key=dedupe_key, payload=payload, received_at=now)
    added = add_unless_duplicate(session, row)
    return added.id if added is not None else None


def record_committed(db: Database, dedupe_key: str, payload: str, now: datetime) -> int | None:
    """:func:`record` in its own transaction on a bare connection, for one event at a time (the
    console, scheduler ticks); platform requests go through :class:`GroupCommit`."""
    if db.engine.dialect.name not in _RECORD_MANY:
        with db.session() as session:
            return record(session, dedupe_key, payload, now)
    with db.engine.begin() as conn:
        return record_many(conn, [(dedupe_key, payload, now)])[0]


def record_many(conn: Connection, events: list[tuple[str, str, datetime]]) -> list[int | None]:
    """:func:`record` for (dedupe_key, payload, received_at) triples in one statement (SQLite and
    PostgreSQL). A key repeated within ``events`` counts as new only the first time."""
    rows = conn.execute(_RECORD_MANY[conn.dialect.name], [
        {"dedupe_key": key, "payload": payload, "received_at": now, "attempts": 0, "last_error": ""}
        for key, payload, now in events
    ])
    new = {key: inbox_id for inbox_id, key in rows}
    return [new.pop(key, None) for key, _payload, _now in events]


@dataclass(frozen=True, slots=True)
class _Pending:
    dedupe_key: str
    payload: str
    now: datetime
    done: asyncio.Future[int | None]


class GroupCommit:
    """Records of concurrent requests share one transaction (group commit).

    Each platform request is acknowledged only once its event is committed, and a commit costs more
    than the insert itself (SQLite's WAL write, PostgreSQL's flush to disk). Records that arrive
    while the loop is busy join the next commit, so under a burst one commit serves many requests
    and each request still waits for its own durability before it is answered. A failing batch is
    retried one record per transaction, so one bad record cannot fail its neighbours; when the
    database itself fails (locked, unreachable), the whole batch fails at once and each request is
    answered with an error, so the platform re-sends it.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self._queue: list[_Pending] = []
        self._scheduled = False

    def record(self, dedupe_key: str, payload: str, now: datetime) -> asyncio.Future[int | None]:
        """Resolves, once committed, to the new row's id, or to None when the key was seen before.

        A future rather than a coroutine, so that what must follow a commit can be attached to it
        (``add_done_callback``) and still happen if the request awaiting it is cancelled.
        """
        loop = asyncio.get_running_loop()
        pending = _Pending(dedupe_key, payload, now, loop.create_future())
        self._queue.append(pending)
        if not self._scheduled:
            # After the callbacks already due in this loop iteration: requests read in the same
            # round reach this point before the flush runs, and share it.
            self._scheduled = True
            loop.call_soon(self._flush)
        return pending.done

    def in_flight(self) -> list[asyncio.Future[int | None]]:
        """Records queued for the next commit (a shutdown waits for them)."""
        return [one.done for one in self._queue]

    def _flush(self) -> None:
        batch, self._queue, self._scheduled = self._queue, [], False
        try:
            ids = self._commit(batch)
        except Exception as exc:  # noqa: BLE001 - settled below, one way or the other
            if len(batch) == 1 or isinstance(exc, (OperationalError, InterfaceError)):
                # The database itself is unwell (locked, gone): each retry would wait as long again.
                for one in batch:
                    self._settle(one, exc)
                return
            log.warning("inbox batch of %d failed; recording one by one", len(batch), exc_info=True)
            for one in batch:
                try:
                    self._settle(one, self._commit([one])[0])
                except Exception as single:  # noqa: BLE001 - this request answers with an error; it is re-sent
                    self._settle(one, single)
            return
        for one, inbox_id in zip(batch, ids, strict=True):
            self._settle(one, inbox_id)

    def _commit(self, batch: list[_Pending]) -> list[int | None]:
        if self.db.engine.dialect.name not in _RECORD_MANY:
            with self.db.session() as session:
                return [record(session, one.dedupe_key, one.payload, one.now) for one in batch]
        with self.db.engine.begin() as conn:
            return record_many(conn, [(one.dedupe_key, one.payload, one.now) for one in batch])

    @staticmethod
    def _settle(one: _Pending, outcome: int | None | Exception) -> None:
        if one.done.done():  # cannot happen unless a caller cancels the future itself
            return
        if isinstance(outcome, Exception):
            one.done.set_exception(outcome)
        else:
            one.done.set_result(outcome)


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

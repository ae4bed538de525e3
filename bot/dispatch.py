"""From event to decisions: dedupe, route, run the handler, write its messages to the outbox.

An event is first recorded in the inbox under the platform's dedupe key (:meth:`Dispatcher.accept`,
or :meth:`Dispatcher.submit` for platforms that must be answered at once): a second delivery of
the same key stops there. Handling (:meth:`Dispatcher.process`) runs in one
transaction with marking the event processed and queueing its messages, so a crash either leaves
the event to be handled again at start-up or leaves it handled exactly once.
"""

from __future__ import annotations

import asyncio
import collections
import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bot import limits
from bot.context import Ctx, Services
from bot.errors import UserError
from bot.events import (
    ActionInput,
    CommandInput,
    Event,
    ReactionInput,
    ReplyInput,
    TickInput,
    event_from_json,
    event_to_json,
)
from bot.outbox import address
from bot.texts import t
from storage import inbox
from storage import outbox as outbox_repo

log = logging.getLogger(__name__)

Handler = Callable[[Ctx], Awaitable[None]]
# Slow I/O a tick needs (an LLM call) done *before* its transaction opens: on SQLite an open write
# transaction would hold the database lock, and with it every acknowledgement, for that long.
Prepare = Callable[[Services, Event], Awaitable[Any]]

# Background handling yields to acknowledgements (see ``Dispatcher._admit``).
ADMIT_QUIET_S = 0.02
ADMIT_SHARE = 0.10


@dataclass
class Router:
    """Which handler answers which input. Features register themselves (see ``bot.features``)."""

    commands: dict[str, Handler] = field(default_factory=dict)
    actions: dict[str, Handler] = field(default_factory=dict)
    ticks: dict[str, Handler] = field(default_factory=dict)
    prepares: dict[str, Prepare] = field(default_factory=dict)
    replies: list[Handler] = field(default_factory=list)
    reactions: list[Handler] = field(default_factory=list)

    def command(self, name: str, handler: Handler, prepare: Prepare | None = None) -> None:
        """``prepare`` (optional) runs outside any transaction; its result is ``ctx.prepared``."""
        self.commands[name] = handler
        if prepare is not None:
            self.prepares[f"command:{name}"] = prepare

    def action(self, prefix: str, handler: Handler) -> None:
        """``prefix`` matches an action id exactly or up to its first ``:`` (``kudos:give``)."""
        self.actions[prefix] = handler

    def tick(self, job: str, handler: Handler, prepare: Prepare | None = None) -> None:
        """``prepare`` (optional) runs outside any transaction; its result is ``ctx.prepared``."""
        self.ticks[job] = handler
        if prepare is not None:
            self.prepares[f"tick:{job}"] = prepare

    def prepare_for(self, event: Event) -> Prepare | None:
        given = event.input
        if isinstance(given, TickInput):
            return self.prepares.get(f"tick:{given.job}")
        if isinstance(given, CommandInput):
            return self.prepares.get(f"command:{given.name.lower().lstrip('/')}")
        return None

    def handlers_for(self, event: Event) -> list[Handler]:
        given = event.input
        if isinstance(given, CommandInput):
            handler = self.commands.get(given.name.lower().lstrip("/"))
            return [handler] if handler else [_unknown_command]
        if isinstance(given, ActionInput):
            handler = self.actions.get(given.action_id) or self.actions.get(given.action_id.split(":")[0])
            return [handler] if handler else []
        if isinstance(given, TickInput):
            handler = self.ticks.get(given.job)
            return [handler] if handler else []
        if isinstance(given, ReplyInput):
            return list(self.replies)
        if isinstance(given, ReactionInput):
            return list(self.reactions)
        return []


async def _unknown_command(ctx: Ctx) -> None:
    assert isinstance(ctx.event.input, CommandInput)
    raise UserError(t("unknown_command", name=limits.clip(ctx.event.input.name), commands=sorted(ctx.services.extras.get("command_names", []))))


class Dispatcher:
    def __init__(self, services: Services, router: Router, on_queued: Callable[[], None] | None = None) -> None:
        self.services = services
        self.router = router
        self.on_queued = on_queued or (lambda: None)
        self._tasks: set[asyncio.Task[None]] = set()
        self._ready: collections.deque[tuple[int, Event]] = collections.deque()
        self._admitter: asyncio.Task[None] | None = None
        self._group = inbox.GroupCommit(services.db)
        self._last_accept = 0.0
        self._next_forced = 0.0

    def accept(self, event: Event) -> int | None:
        """Record the event; None means this dedupe key was seen before and nothing must happen."""
        inbox_id = inbox.record_committed(self.services.db, event.dedupe_key, event_to_json(event),
                                          self.services.clock.now())
        if inbox_id is None:
            log.info("duplicate delivery ignored: %s", event.dedupe_key)
        return inbox_id

    async def submit(self, event: Event) -> bool:
        """Ack-first platforms: record now (fast), handle in the background; False for a duplicate.

        Slack must be answered within 3 s and Teams within 15 s whatever the database or an LLM
        is doing, so the adapter acknowledges right after this returns. Concurrent submissions
        share one commit (:class:`storage.inbox.GroupCommit`); each returns once its own event is
        durable. Handling is started by the commit itself, so it is not lost if the request that
        submitted the event goes away meanwhile.
        """
        committed = self._group.record(event.dedupe_key, event_to_json(event), self.services.clock.now())
        committed.add_done_callback(functools.partial(self._start_processing, event))
        return await asyncio.shield(committed) is not None

    def _start_processing(self, event: Event, committed: asyncio.Future[int | None]) -> None:
        if committed.cancelled() or committed.exception() is not None:
            return  # not recorded: the adapter answers with an error and the platform re-sends
        inbox_id = committed.result()
        if inbox_id is None:
            log.info("duplicate delivery ignored: %s", event.dedupe_key)
            return
        loop = asyncio.get_running_loop()
        self._last_accept = loop.time()
        self._ready.append((inbox_id, event))
        if self._admitter is None or self._admitter.done():
            self._admitter = loop.create_task(self._admit())

    async def _admit(self) -> None:
        """Acknowledgements first: background handlings start in the gaps between requests.

        Handling (a database transaction, templates) costs several times an acknowledgement; started
        as soon as recorded, a burst of handlings would sit between waiting requests and their acks
        and break the platforms' deadlines. This one task starts the recorded events in order,
        each once no event has been accepted for ``ADMIT_QUIET_S``; while requests keep coming,
        handlings still start but take at most ``ADMIT_SHARE`` of the loop's time, so handling
        never starves. Handlers that wait on I/O (an LLM) still overlap: only their start is
        serialised. The inbox is the queue; whatever a burst leaves behind is handled right after.
        """
        loop = asyncio.get_running_loop()
        while self._ready:
            while (wait := min(ADMIT_QUIET_S - (loop.time() - self._last_accept),
                               self._next_forced - loop.time())) > 0:
                await asyncio.sleep(wait)
            inbox_id, event = self._ready.popleft()
            self._next_forced = loop.time() + 1.0  # until this handling tells how long it took
            task = loop.create_task(self._process_timed(inbox_id, event))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            await asyncio.sleep(0)  # the handling starts before the next admission is weighed

    async def _process_timed(self, inbox_id: int, event: Event) -> None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            await self.process(inbox_id, event)
        finally:
            spent = loop.time() - started
            self._next_forced = loop.time() + min(spent * (1 / ADMIT_SHARE - 1), 1.0)

    async def drain(self) -> None:
        """Wait for background handling to finish (shutdown, tests)."""
        # Only unfinished tasks: awaiting finished ones would not yield, so the callbacks that drop
        # them from ``_tasks`` would never run and this loop would spin. Records still waiting for
        # their commit come first: their handling starts when they are committed.
        while pending := [*self._group.in_flight(),
                          *(t for t in (*self._tasks, self._admitter) if t is not None and not t.done())]:
            await asyncio.gather(*pending, return_exceptions=True)

    async def dispatch(self, event: Event) -> bool:
        """Accept and process now; False for a duplicate."""
        inbox_id = self.accept(event)
        if inbox_id is None:
            return False
        await self.process(inbox_id, event)
        return True

    async def _prepared(self, event: Event) -> Any:
        prepare = self.router.prepare_for(event)
        if prepare is None:
            return None
        try:
            return await prepare(self.services, event)
        except Exception:  # the handler then does without (e.g. the prompt library instead of an LLM)
            log.exception("preparing %s failed", event.dedupe_key)
            return None

    async def process(self, inbox_id: int, event: Event) -> None:
        services = self.services
        prepared = await self._prepared(event)
        try:
            with services.db.session() as session:
                if not inbox.claim(session, inbox_id, services.clock.now()):
                    return
                ctx = Ctx(services, session, event)
                ctx.prepared = prepared
                for handler in self.router.handlers_for(event):
                    try:
                        with session.begin_nested():
                            await handler(ctx)
                    except UserError as exc:
                        ctx.outgoing.clear()
                        ctx.reply(exc.text)
                        break
                self._queue(ctx)
        except Exception as exc:
            log.exception("handling %s failed", event.dedupe_key)
            with services.db.session() as session:
                inbox.note_failure(session, inbox_id, repr(exc), give_up=True, now=services.clock.now())
            await self._apologise(event)
        self.on_queued()

    def _queue(self, ctx: Ctx) -> None:
        now = ctx.now()
        for outgoing in ctx.outgoing:
            row = address(ctx.session, ctx.config, ctx.org_id, ctx.event, outgoing, ctx.services.active_platforms, now)
            if row is not None:
                outbox_repo.add(ctx.session, row)

    async def _apologise(self, event: Event) -> None:
        if event.actor is None:
            return
        with self.services.db.session() as session:
            ctx = Ctx(self.services, session, event)
            ctx.reply(t("internal_error"))
            self._queue(ctx)

    async def recover(self) -> int:
        """Handle events that were accepted but not processed before the last stop."""
        with self.services.db.session() as session:
            rows = [(row.id, row.payload) for row in inbox.pending(session)]
        for inbox_id, payload in rows:
            await self.process(inbox_id, event_from_json(payload))
        return len(rows)

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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
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
from bot.feature import Action, Command, Feature, Handler, Prepare, Schedule, Tick
from bot.outbox import address
from bot.texts import t
from storage import inbox
from storage import outbox as outbox_repo

log = logging.getLogger(__name__)

# Background handling yields to acknowledgements (see ``Dispatcher._admit``).
ADMIT_QUIET_S = 0.02
ADMIT_SHARE = 0.10


@dataclass(frozen=True)
class Route[I]:
    """What answers one event: the handlers, the input they are typed for, and the prepare step."""

    given: I
    handlers: Sequence[Handler[I]]
    prepare: Prepare[I] | None = None


class Router:
    """Which handler answers which input, derived from the features' declarations."""

    def __init__(self, features: Sequence[Feature]) -> None:
        self.features = tuple(features)
        self.commands: dict[str, Command] = {}
        self.actions: dict[str, Action] = {}
        self.schedules: dict[str, Schedule[Any]] = {}
        for feature in self.features:
            for command in feature.commands:
                self._unique(self.commands, command.name, feature)
                self.commands[command.name] = command
            for action in feature.actions:
                self._unique(self.actions, action.prefix, feature)
                self.actions[action.prefix] = action
            for schedule in feature.schedules:
                self._unique(self.schedules, schedule.job, feature)
                self.schedules[schedule.job] = schedule
        self.replies = [reply for feature in self.features for reply in feature.replies]
        self.reactions = [reaction for feature in self.features for reaction in feature.reactions]

    @staticmethod
    def _unique(known: dict[str, Any], name: str, feature: Feature) -> None:
        if name in known:
            raise ValueError(f"feature {feature.name!r} declares {name!r}, which another feature already declares")

    @property
    def command_names(self) -> frozenset[str]:
        return frozenset(self.commands)

    def route(self, event: Event, services: Services) -> Route[Any]:
        """The handlers for ``event`` (none: it is recorded as handled and nothing else happens).

        A tick's payload is validated into its schedule's model here, so a handler never sees an
        untyped dictionary; a payload that does not fit raises, and the event is failed.
        """
        given = event.input
        if isinstance(given, CommandInput):
            command = self.commands.get(given.name.lower().lstrip("/"))
            if command is None:
                return Route(given, [self._unknown_command])
            return Route(given, [command.handler], command.prepare)
        if isinstance(given, ActionInput):
            action = self.actions.get(given.action_id) or self.actions.get(given.action_id.split(":")[0])
            return Route(given, [action.handler] if action else [])
        if isinstance(given, TickInput):
            schedule = self.schedules.get(given.job)
            if schedule is None:
                return Route(given, [])
            tick = Tick(job=given.job, occurrence=given.occurrence,
                        payload=schedule.payload.model_validate(given.payload))
            return Route(tick, [schedule.handler], schedule.prepare)
        if isinstance(given, ReplyInput):
            return Route(given, [reply.handler for reply in self.replies])
        if isinstance(given, ReactionInput):
            return Route(given, [r.handler for r in self.reactions if r.wants(services.config, given.emoji)])
        return Route(given, [])  # pragma: no cover - the input union is closed

    async def _unknown_command(self, ctx: Ctx[CommandInput]) -> None:
        raise UserError(t("unknown_command", name=limits.clip(ctx.input.name), commands=sorted(self.commands)))


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
        while pending := self._unfinished():
            await asyncio.gather(*pending, return_exceptions=True)

    def _unfinished(self) -> list[asyncio.Future[Any]]:
        tasks: list[asyncio.Future[Any]] = [*self._tasks, *([self._admitter] if self._admitter else [])]
        return [*self._group.in_flight(), *(t for t in tasks if not t.done())]

    async def dispatch(self, event: Event) -> bool:
        """Accept and process now; False for a duplicate."""
        inbox_id = self.accept(event)
        if inbox_id is None:
            return False
        await self.process(inbox_id, event)
        return True

    async def _prepared(self, route: Route[Any], event: Event) -> Any:
        if route.prepare is None:
            return None
        try:
            return await route.prepare(self.services, event, route.given)
        except Exception:  # the handler then does without (e.g. the prompt library instead of an LLM)
            log.exception("preparing %s failed", event.dedupe_key)
            return None

    async def process(self, inbox_id: int, event: Event) -> None:
        services = self.services
        try:
            route = self.router.route(event, services)
            prepared = await self._prepared(route, event)
            with services.db.session() as session:
                if not inbox.claim(session, inbox_id, services.clock.now()):
                    return
                ctx = Ctx(services, session, event, route.given)
                ctx.prepared = prepared
                for handler in route.handlers:
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

    def _queue(self, ctx: Ctx[object]) -> None:
        now = ctx.now()
        for outgoing in ctx.outgoing:
            row = address(ctx.session, ctx.config, ctx.org_id, ctx.event, outgoing, ctx.services.active_platforms, now)
            if row is not None:
                outbox_repo.add(ctx.session, row)

    async def _apologise(self, event: Event) -> None:
        if event.actor is None:
            return
        with self.services.db.session() as session:
            ctx = Ctx(self.services, session, event, event.input)
            ctx.reply(t("internal_error"))
            self._queue(ctx)

    async def recover(self) -> int:
        """Handle events that were accepted but not processed before the last stop."""
        with self.services.db.session() as session:
            rows = [(row.id, row.payload) for row in inbox.pending(session) if row.id is not None]
        for inbox_id, payload in rows:
            await self.process(inbox_id, event_from_json(payload))
        return len(rows)

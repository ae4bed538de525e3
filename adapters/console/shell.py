"""``extramile shell``: read command lines, print every reply and every message others would get.

Each printed message is labelled with where it would go (``you``, ``#kudos``, ``Ben Brown
(@ben, private)``), so one terminal shows the whole conversation of the organisation.
"""

from __future__ import annotations

import asyncio
import sys
import uuid
from typing import TextIO

from adapters.console.render import render_text, safe
from bot.events import Actor, Address, CommandInput, Event
from bot.messages import Message
from bot.ports import Delivered
from bot.parser import split_command_line
from bot.clock import Clock
from bot.dispatch import Dispatcher
from bot.outbox import OutboxWorker
from storage.models import OutboxMessage, SentMessage

PLATFORM = "console"
TENANT = "local"


class ConsoleSender:
    """Delivers outbox rows by printing them."""

    platform = PLATFORM
    min_interval = 0.0

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self._seq = 0

    async def send(self, item: OutboxMessage, message: Message, previous: SentMessage | None) -> Delivered:
        self._seq += 1
        label = safe({"ephemeral": "you", "home": "your home"}.get(item.kind, item.label))
        verb = "updated" if previous is not None else ""
        body = render_text(message).replace("\n", "\n    ")
        self.out.write(f"  → {label}{' (' + verb + ')' if verb else ''}:\n    {body}\n")
        self.out.flush()
        return Delivered(conversation=item.destination, message_id=f"console-{self._seq}")


class ConsoleShell:
    def __init__(self, dispatcher: Dispatcher, worker: OutboxWorker, clock: Clock, email: str,
                 out: TextIO = sys.stdout) -> None:
        self.dispatcher = dispatcher
        self.worker = worker
        self.clock = clock
        self.email = email.lower()
        self.out = out

    def actor(self) -> Actor:
        # The console knows people only by email; the core fills in the rest from the directory.
        return Actor(platform=PLATFORM, tenant=TENANT, user_id=self.email, email=self.email)

    async def handle_line(self, line: str) -> bool:
        """Run one line; False when the user asked to leave."""
        split = split_command_line(line)
        if split is None:
            return True
        name, text = split
        if name in ("quit", "exit"):
            return False
        if name == "as":
            self.email = text.strip().lower()
            self.out.write(f"  (you are now {self.email})\n")
            return True
        event = Event(
            dedupe_key=f"console:{uuid.uuid4()}",
            actor=self.actor(),
            where=Address(platform=PLATFORM, tenant=TENANT, conversation="console", is_private=True,
                          private_origin=True),
            input=CommandInput(name=name, text=text),
            received_at=self.clock.now(),
        )
        await self.dispatcher.dispatch(event)
        await self.worker.drain_once()
        return True

    async def run(self, stream: TextIO = sys.stdin) -> None:
        """Read until EOF or ``quit``; stdin is read off the event loop so reminders and scheduled
        posts still arrive while the prompt waits."""
        interactive = stream.isatty()
        if interactive:
            self.out.write("Extra Mile console. Type 'help', '/kudos help', 'as EMAIL' to switch person, 'quit' to leave.\n")
        await self.worker.drain_once()
        loop = asyncio.get_running_loop()
        while True:
            if interactive:
                self.out.write(f"{self.email}> ")
                self.out.flush()
            line = await loop.run_in_executor(None, stream.readline)
            if not line:
                break
            if not interactive:
                self.out.write(f"{self.email}> {line.rstrip()}\n")
            if not await self.handle_line(line):
                break

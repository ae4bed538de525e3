"""What the composition root needs from each chat platform's adapter."""

from __future__ import annotations

from typing import Protocol

from aiohttp import web

from bot.outbox import Sender
from extramile.runtime import Runtime


class Platform(Protocol):
    name: str

    @property
    def sender(self) -> Sender:
        """Delivers outbox rows on this platform."""
        ...

    def attach(self, app: web.Application, runtime: Runtime) -> None:
        """Add this platform's HTTP routes (``/slack/events``, ``/api/messages``) to the one server."""
        ...

    async def start(self, runtime: Runtime) -> None:
        """Start anything long-running the platform needs (Socket Mode); may do nothing."""
        ...

    async def stop(self) -> None:
        ...

"""What a handler gets: the long-lived services and one unit of work for one event."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot import people
from bot.calendar import BusinessCalendar
from bot.clock import Clock
from bot.config import AppConfig
from bot.events import Event
from bot.messages import (
    Message,
    Outgoing,
    Target,
    ToChannel,
    ToConversation,
    ToInvoker,
    ToPerson,
    text_message,
)
from storage.db import Database
from storage.models import Person

if TYPE_CHECKING:  # the declarations name Ctx in their handler types
    from bot.feature import Feature
    from bot.llm import Llm


@dataclass
class Services:
    """Everything long-lived a handler may need; built once by the composition root."""

    db: Database
    config: AppConfig
    clock: Clock
    org_id: int
    # Platforms that can deliver right now (their adapters are running), in order of preference.
    active_platforms: tuple[str, ...] = ("console",)
    # The installed features (the composition root's one tuple): help, home and the report read it.
    features: tuple[Feature, ...] = ()

    @cached_property
    def calendar(self) -> BusinessCalendar:
        """One business calendar per running process (the holidays package is slow to build)."""
        settings = self.config.requests
        return BusinessCalendar(settings.business_hours, settings.holidays)

    @cached_property
    def llm(self) -> Llm | None:
        """The OpenAI-compatible client when ``llm.enabled`` (built on first use, once per process)."""
        from bot.llm import from_settings

        return from_settings(self.config.llm, os.environ)


class Ctx[I]:
    """One event's unit of work: its input, its session, its actor, and the messages it decides to send.

    ``input`` is what the handler was registered for, already typed: a ``CommandInput`` for a
    command, a :class:`bot.feature.Tick` with its payload model for a scheduled job, and so on.
    Messages are collected here and written to the outbox in the same transaction as the
    handler's other writes, so a decision and its announcement can never be separated by a crash.
    """

    def __init__(self, services: Services, session: Session, event: Event, given: I) -> None:
        self.services = services
        self.session = session
        self.event = event
        self._input = given
        self.outgoing: list[Outgoing] = []
        self._person: Person | None = None
        # What the handler's prepare step produced outside the transaction (see bot.feature.Prepare).
        self.prepared: Any = None

    @property
    def input(self) -> I:
        return self._input

    @property
    def config(self) -> AppConfig:
        return self.services.config

    @property
    def org_id(self) -> int:
        return self.services.org_id

    def now(self) -> datetime:
        return self.services.clock.now()

    @property
    def person(self) -> Person:
        """The actor as a person, registered on first sight (use :meth:`peek_person` to avoid that)."""
        if self._person is None:
            if self.event.actor is None:
                raise RuntimeError("this event has no actor")
            self._person = people.resolve_actor(self.session, self.org_id, self.event.actor, self.now())
        return self._person

    def peek_person(self) -> Person | None:
        if self._person is None and self.event.actor is not None:
            return people.find_actor(self.session, self.org_id, self.event.actor)
        return self._person

    @property
    def roles(self) -> frozenset[str]:
        return people.roles_of(self.config, self.person)

    def tz(self, person: Person | None = None) -> ZoneInfo:
        return people.timezone_of(self.config, person if person is not None else self.person)

    def send(self, target: Target, message: Message | str) -> None:
        self.outgoing.append(Outgoing(target=target, message=_as_message(message)))

    def reply(self, message: Message | str) -> None:
        """Privately to whoever sent the event."""
        self.send(ToInvoker(), message)

    def post_here(self, message: Message | str, in_thread: bool = False) -> None:
        self.send(ToConversation(in_thread=in_thread), message)

    def tell(self, person_id: int, message: Message | str) -> None:
        self.send(ToPerson(person_id=person_id), message)

    def announce(self, channel: str, message: Message | str) -> None:
        self.send(ToChannel(channel=channel), message)


def _as_message(message: Message | str) -> Message:
    return text_message(message) if isinstance(message, str) else message

"""Time as a dependency.

Every rule that depends on "now" (budgets, SLAs, schedules) asks a :class:`Clock`, so tests and
operators can move time without sleeping. ``EXTRAMILE_CLOCK_FILE`` lets a test move the clock of a
running process from outside: the file holds an ISO-8601 instant, read on every call.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """Return the current instant, timezone-aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock a test sets and advances by hand."""

    def __init__(self, start: datetime) -> None:
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, instant: datetime) -> None:
        self._now = instant.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        self._now += delta


class FileClock:
    """Reads the instant from a file on every call, falling back to real time when it is unreadable.

    Used for end-to-end tests of a real process (restart, downtime, DST) where only the outside
    world can move time.
    """

    def __init__(self, path: Path) -> None:
        self._path = path

    def now(self) -> datetime:
        try:
            text = self._path.read_text().strip()
            instant = datetime.fromisoformat(text)
        except (OSError, ValueError):
            return datetime.now(UTC)
        if instant.tzinfo is None:
            instant = instant.replace(tzinfo=UTC)
        return instant.astimezone(UTC)


def clock_from_env() -> Clock:
    path = os.environ.get("EXTRAMILE_CLOCK_FILE")
    return FileClock(Path(path)) if path else SystemClock()

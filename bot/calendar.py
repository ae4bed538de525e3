"""The business calendar: working days, business hours and holidays, in each person's timezone.

SLA clocks, reminders and prompt schedules all ask this one place whether a moment is "business
time", so "no reminder at night, at the weekend or on a holiday" means the same everywhere.
Holidays come from the ``holidays`` package (country/subdivision in app.yaml) plus extra dates.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

import holidays

from bot.config import BusinessHours, HolidaySettings


class BusinessCalendar:
    def __init__(self, hours: BusinessHours, holiday_settings: HolidaySettings) -> None:
        self.hours = hours
        self.holiday_settings = holiday_settings
        self._start = time.fromisoformat(hours.start)
        self._end = time.fromisoformat(hours.end)
        self._weekdays = hours.weekdays()
        self._extra = set(holiday_settings.extra)

    @cached_property
    def _holidays(self) -> holidays.HolidayBase | None:
        s = self.holiday_settings
        return holidays.country_holidays(s.country, subdiv=s.subdivision) if s.country else None

    def is_holiday(self, day: date) -> bool:
        return day in self._extra or (self._holidays is not None and day in self._holidays)

    def holiday_name(self, day: date) -> str | None:
        if day in self._extra:
            return "company holiday"
        return self._holidays.get(day) if self._holidays is not None else None

    def is_workday(self, day: date) -> bool:
        """A day of the schedule's week (weekends excluded) that is not a holiday."""
        return day.weekday() in self._weekdays and not self.is_holiday(day)

    def _window(self, day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
        return datetime.combine(day, self._start, tz), datetime.combine(day, self._end, tz)

    def is_business_time(self, instant: datetime, tz: ZoneInfo) -> bool:
        local = instant.astimezone(tz)
        if not self.is_workday(local.date()):
            return False
        start, end = self._window(local.date(), tz)
        return start <= local < end

    def next_business_time(self, instant: datetime, tz: ZoneInfo) -> datetime:
        """``instant`` itself if it is business time, else the next opening (in UTC)."""
        local = instant.astimezone(tz)
        day = local.date()
        for _ in range(400):
            if self.is_workday(day):
                start, end = self._window(day, tz)
                if local < start:
                    return start.astimezone(instant.tzinfo)
                if local < end:
                    return instant
            day += timedelta(days=1)
            local = datetime.combine(day, time.min, tz)
        raise ValueError("no business time within 400 days: check business_hours and holidays")

    def add_business_time(self, instant: datetime, duration: timedelta, tz: ZoneInfo) -> datetime:
        """The moment ``duration`` of business time after ``instant`` (e.g. a 4h first-response target)."""
        remaining = duration
        current = self.next_business_time(instant, tz)
        for _ in range(4000):
            local = current.astimezone(tz)
            _, end = self._window(local.date(), tz)
            available = end - local
            if remaining <= available:
                return (local + remaining).astimezone(instant.tzinfo)
            remaining -= available
            current = self.next_business_time(end + timedelta(microseconds=1), tz)
        raise ValueError("business duration too long")

    def business_duration(self, start: datetime, end: datetime, tz: ZoneInfo) -> timedelta:
        """Business time between two instants (zero if ``end`` is not after ``start``)."""
        if end <= start:
            return timedelta(0)
        total = timedelta(0)
        day = start.astimezone(tz).date()
        last = end.astimezone(tz).date()
        while day <= last:
            if self.is_workday(day):
                open_, close = self._window(day, tz)
                lo, hi = max(open_, start.astimezone(tz)), min(close, end.astimezone(tz))
                if hi > lo:
                    total += hi - lo
            day += timedelta(days=1)
        return total

    def add_workdays(self, day: date, count: int) -> date:
        """``count`` workdays after (or, negative, before) ``day``."""
        step = 1 if count >= 0 else -1
        remaining = abs(count)
        while remaining:
            day += timedelta(days=step)
            if self.is_workday(day):
                remaining -= 1
        return day

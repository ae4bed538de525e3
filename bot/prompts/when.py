"""Schedule grammar shared by ``/prompts add`` and app.yaml: ``<when>`` to an APScheduler trigger.

Accepted forms (times are local to the schedule's timezone):

* ``weekdays 09:30`` — Monday to Friday
* ``mon,wed,fri 10:00`` — named days (also ranges such as ``mon-thu``)
* ``every day 9:00`` / ``daily 9:00`` — every *working* day (see below)
* ``30 9 * * 1-5`` — a standard 5-field cron expression (minute hour day month day-of-week)

Weekends: a schedule fires only on working days of the business calendar (app.yaml
``requests.business_hours.days``) unless it names weekend days itself (``sat 10:00`` or a cron
day-of-week field that lists them); holidays (``requests.holidays``) are always skipped. Both are
checked on the schedule's *local* date.

Cron day-of-week numbers follow cron (0 or 7 = Sunday), not APScheduler's own numbering (0 =
Monday), so they are translated to day names before building the trigger.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CRON_DOW = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # cron numbering: 0 = Sunday
_TIME = re.compile(r"^([01]?\d|2[0-3])[:.h]([0-5]\d)$")
_CRON_FIELD = re.compile(r"^[0-9A-Za-z*/,\-?]+$")
_ALL_DAYS = frozenset(range(7))
_WORD_DAYS = {"weekdays": "mon,tue,wed,thu,fri", "weekends": "sat,sun", "daily": "*", "everyday": "*",
              "every day": "*", "each day": "*"}


class WhenError(ValueError):
    """``<when>`` could not be read; the message says how to write it."""


@dataclass(frozen=True)
class When:
    """A parsed schedule: the trigger fields and which weekdays (0 = Monday) were asked for."""

    text: str
    minute: str
    hour: str
    day: str = "*"
    month: str = "*"
    days: frozenset[int] = _ALL_DAYS
    explicit_days: bool = False  # True when the schedule names its days (then weekends it names count)

    def trigger(self, timezone: str | ZoneInfo) -> CronTrigger:
        dow = "*" if self.days == _ALL_DAYS else ",".join(DAYS[d] for d in sorted(self.days))
        return CronTrigger(minute=self.minute, hour=self.hour, day=self.day, month=self.month, day_of_week=dow,
                           timezone=timezone if isinstance(timezone, ZoneInfo) else ZoneInfo(timezone))

    def allows_weekend_day(self, weekday: int) -> bool:
        return self.explicit_days and weekday in self.days


USAGE = ('write it as "weekdays 09:30", "mon,wed,fri 10:00", "every day 9:00" '
         'or a cron expression such as "30 9 * * 1-5"')


def parse_when(text: str) -> When:
    raw = " ".join(str(text).split())
    lowered = raw.lower()
    if not lowered:
        raise WhenError(f"the schedule is missing; {USAGE}")
    fields = lowered.split(" ")
    if len(fields) == 5 and all(_CRON_FIELD.match(f) for f in fields) and not _TIME.match(fields[-1]):
        return _parse_cron(raw, fields)
    head, _, clock = lowered.rpartition(" ")
    time_match = _TIME.match(clock)
    if not time_match or not head:
        raise WhenError(f'"{raw}" is not a schedule I can read; {USAGE}')
    hour, minute = int(time_match.group(1)), int(time_match.group(2))
    head = head.strip()
    spec = _WORD_DAYS.get(head, head.replace(" ", ""))
    if spec == "*":
        return When(text=raw, minute=str(minute), hour=str(hour))
    try:
        days = _named_days(spec)
    except WhenError:
        raise WhenError(f'"{head}" is not a list of days; {USAGE}') from None
    return When(text=raw, minute=str(minute), hour=str(hour), days=days, explicit_days=True)


def _named_days(spec: str) -> frozenset[int]:
    days: set[int] = set()
    for part in spec.split(","):
        part = part.strip()[:3] if "-" not in part else part.strip()
        if "-" in part:
            a, _, b = part.partition("-")
            a, b = a.strip()[:3], b.strip()[:3]
            if a not in DAYS or b not in DAYS:
                raise WhenError(part)
            i, j = DAYS.index(a), DAYS.index(b)
            days.update(range(i, j + 1) if i <= j else [*range(i, 7), *range(j + 1)])
        elif part in DAYS:
            days.add(DAYS.index(part))
        else:
            raise WhenError(part)
    if not days:
        raise WhenError(spec)
    return frozenset(days)


def _parse_cron(raw: str, fields: list[str]) -> When:
    minute, hour, day, month, dow = fields
    explicit = dow not in ("*", "?")
    try:
        days = _cron_days(dow) if explicit else _ALL_DAYS
        when = When(text=raw, minute=minute, hour=hour, day=day.replace("?", "*"), month=month, days=days,
                    explicit_days=explicit)
        when.trigger("UTC")  # let APScheduler validate every field
    except (ValueError, IndexError) as exc:
        raise WhenError(f'"{raw}" is not a valid cron expression ({exc}); {USAGE}') from None
    return when


def _cron_days(field: str) -> frozenset[int]:
    """A cron day-of-week field (0/7 = Sunday, names allowed, ranges, steps) as Monday-based days."""
    result: set[int] = set()
    for part in field.split(","):
        step = 1
        if "/" in part:
            part, _, step_text = part.partition("/")
            step = int(step_text)
        if part in ("*", "?"):
            numbers = list(range(7))
        elif "-" in part:
            a, _, b = part.partition("-")
            numbers = list(range(_cron_day(a), _cron_day(b) + 1))
        else:
            numbers = [_cron_day(part)]
        for n in numbers[::step]:
            name = _CRON_DOW[n % 7]
            result.add(DAYS.index(name))
    if not result:
        raise ValueError("no days")
    return frozenset(result)


def _cron_day(token: str) -> int:
    token = token.strip().lower()
    if token.isdigit():
        n = int(token)
        if not 0 <= n <= 7:
            raise ValueError(f"day of week {n} is out of range 0-7")
        return n
    if token[:3] in _CRON_DOW:
        return _CRON_DOW.index(token[:3])
    raise ValueError(f"unknown day {token!r}")

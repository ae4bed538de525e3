"""Reading due dates in plain words ("by Friday", "tomorrow 3pm", "in 2 days", "2026-12-01").

dateparser reads them in the requester's own timezone, relative to the injected clock and
preferring the future. A date without a time of day means the end of that business day.
"""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from dateparser.date import DateDataParser

from bot.calendar import BusinessCalendar
from bot import limits
from bot.errors import UserError
from bot.texts import t

# Longer than any date anyone writes; dateparser's time grows with the text.
MAX_DATE_TEXT = 100


def parse_due(text: str, now: datetime, tz: ZoneInfo, calendar: BusinessCalendar) -> datetime:
    """An aware instant in UTC, strictly after ``now``; :class:`UserError` for unreadable or past dates."""
    phrase = text.strip().rstrip(".!")
    local_now = now.astimezone(tz)
    parser = DateDataParser(languages=["en"], settings={
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": local_now.replace(tzinfo=None),
        "TIMEZONE": tz.key,
        "RETURN_AS_TIMEZONE_AWARE": True,
        "RETURN_TIME_AS_PERIOD": True,
    })
    try:
        data = parser.get_date_data(phrase) if phrase and len(phrase) <= MAX_DATE_TEXT else None
    except (ValueError, OverflowError):  # "in 99999999999 days"
        data = None
    if data is None or data.date_obj is None:
        raise UserError(t("requests.bad_date", given=limits.clip(phrase)))
    parsed = data.date_obj.astimezone(tz)
    if data.period != "time":
        # "Friday", "2026-12-01", "in 2 days": the end of that business day, in the reader's zone.
        parsed = datetime.combine(parsed.date(), time.fromisoformat(calendar.hours.end), tz)
    if parsed <= now:
        raise UserError(t("requests.past_date", given=limits.clip(phrase), when=parsed.strftime("%a %d %b %Y %H:%M")))
    return parsed.astimezone(now.tzinfo)

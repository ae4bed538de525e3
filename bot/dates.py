"""Calendar helpers used across features (months in a timezone, etc.)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.errors import UserError
from bot.texts import t


def parse_month(text: str) -> str:
    try:
        datetime.strptime(text, "%Y-%m")
    except ValueError:
        raise UserError(t("kudos.bad_month", given=text)) from None
    return text


def month_bounds(month: str, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of a calendar month ``YYYY-MM`` in a timezone, as aware datetimes."""
    year, mon = (int(x) for x in month.split("-"))
    start = datetime(year, mon, 1, tzinfo=tz)
    end = datetime(year + (mon == 12), 1 if mon == 12 else mon + 1, 1, tzinfo=tz)
    return start, end

"""The optional LLM summary of a month's story themes, made *before* a report is built.

The LLM call is slow and may fail: it runs outside any database transaction (on SQLite an open
write transaction would block every acknowledgement meanwhile), with the LLM's strict timeout, and
any failure leaves the report with its extractive themes only. Anonymous story text is sent only
when ``llm.send_anonymous`` allows it.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.context import Services
from bot.dates import month_bounds
from bot.events import CommandInput
from storage import report_queries


async def summary(services: Services, month: str) -> str | None:
    client = services.llm
    if client is None:
        return None
    start, end = month_bounds(month, ZoneInfo(services.config.organization.timezone))
    with services.db.session() as session:
        texts = report_queries.story_texts(session, services.org_id, start, end,
                                           include_anonymous=client.send_anonymous)
    return await client.summarize_themes(texts)


def requested_month(given: CommandInput) -> str | None:
    """The month a ``/culture report YYYY-MM`` command asks for (None: the default)."""
    words = given.text.split()
    return words[1] if len(words) == 2 and words[0].lower() == "report" else None

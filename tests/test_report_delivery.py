"""``/culture report`` (HR only, private) and the monthly delivery to HR, exactly once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.messages import message_from_json
from tests.support import ANA, Harness, base_config

HANA = "hana.sato@example.com"  # roles.hr in app.yaml
YUSUF = "yusuf.demir@example.com"  # roles.hr


async def test_only_hr_gets_the_report(harness: Harness) -> None:
    out = await harness.say(ANA, "/culture report")
    assert "for HR only" in out and "[file]" not in out
    out = await harness.say(HANA, "/culture report 2026-10")
    assert "Culture report 2026-10" in out
    assert "[file] Culture report 2026-10 (HTML): http://localhost:3000/reports/" in out
    rows = harness.outbox()
    assert [r.kind for r in rows] == ["ephemeral", "dm"]  # both answers private; the report in a direct message
    refusal, answer = (message_from_json(r.body) for r in rows)
    assert refusal.attachments == ()
    (attachment,) = answer.attachments
    assert attachment.filename == "culture-report-2026-10.html" and attachment.mime == "text/html"
    assert attachment.content.startswith("<!doctype html>") and "/reports/" in attachment.url


async def test_bad_input_is_explained(harness: Harness) -> None:
    assert "Write it as YYYY-MM" in await harness.say(HANA, "/culture report october")
    assert "has not started yet" in await harness.say(HANA, "/culture report 2027-01")
    assert "Use `/culture report`" in await harness.say(HANA, "/culture")
    # The current month is allowed, marked as partial.
    assert "is not over yet" in await harness.say(HANA, "/culture report 2026-11")


def _report_rows(h: Harness) -> list[tuple[str, str]]:
    return [(r.destination, message_from_json(r.body).text.splitlines()[1]) for r in h.outbox()
            if r.kind == "dm" and "Culture report" in r.body]


async def test_monthly_delivery_happens_once_across_a_restart(database_url: str) -> None:
    config = base_config("reports: {delivery: {day: 1, time: '09:00', timezone: Europe/Berlin}}")
    first = Harness(database_url, config, start=datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    first.seed_demo()
    assert await first.runtime.scheduler.sweep() == 0
    first.clock.set(datetime(2026, 12, 1, 8, 5, tzinfo=UTC))  # 09:05 in Berlin
    assert await first.runtime.scheduler.sweep() == 1
    await first.runtime.worker.drain_once()
    rows = _report_rows(first)
    assert sorted(d for d, _ in rows) == [HANA, YUSUF]
    assert all("Culture report 2026-11" in text for _, text in rows)
    first.clock.advance(timedelta(minutes=1))
    assert await first.runtime.scheduler.sweep() == 0
    first.close()

    # A new process on the same database, its clock a little later: nothing is sent again.
    second = Harness(database_url, config, start=datetime(2026, 12, 1, 9, 30, tzinfo=UTC))
    assert await second.runtime.scheduler.sweep() == 0
    second.clock.set(datetime(2026, 12, 2, 7, 0, tzinfo=UTC))
    assert await second.runtime.scheduler.sweep() == 0
    assert len(_report_rows(second)) == 2
    # The next month comes once too.
    second.clock.set(datetime(2027, 1, 1, 8, 1, tzinfo=UTC))
    assert await second.runtime.scheduler.sweep() == 1
    assert await second.runtime.scheduler.sweep() == 0
    months = sorted(text.split("Culture report ")[1][:7] for _, text in _report_rows(second))
    assert months == ["2026-11", "2026-11", "2026-12", "2026-12"]
    second.close()

"""Prompt schedules through the real scheduler sweep on an injected clock: exactly once, at the
right local time on both sides of a daylight-saving change, never on weekends or holidays, across a
restart, late within the grace window and skipped beyond it, rotating without repeats."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from bot.prompts import library
from bot.prompts.when import WhenError, parse_when
from tests.prompts_support import local, posts, sweep
from tests.support import ANA, Harness, base_config

BERLIN_9 = """
prompts:
  grace: 2h
  schedules:
    - {channel: "#general", when: "weekdays 09:00", timezone: Europe/Berlin, value: empathy}
"""


def harness(database_url: str, extra: str, start: datetime) -> Harness:
    h = Harness(database_url, base_config(extra), start=start)
    h.seed_demo()
    return h


async def run_until(h: Harness, end: datetime, step: timedelta = timedelta(minutes=20)) -> None:
    while h.clock.now() < end:
        h.clock.advance(step)
        await sweep(h)


def test_when_grammar() -> None:
    assert sorted(parse_when("weekdays 09:30").days) == [0, 1, 2, 3, 4]
    assert sorted(parse_when("mon,wed,fri 10:00").days) == [0, 2, 4]
    assert parse_when("every day 9:00").explicit_days is False
    cron = parse_when("30 9 * * 1-5")  # cron numbering: 1-5 is Monday to Friday
    assert sorted(cron.days) == [0, 1, 2, 3, 4] and (cron.hour, cron.minute) == ("9", "30")
    assert sorted(parse_when("0 9 * * 0").days) == [6]  # 0 is Sunday in cron
    for bad in ("", "weekdays", "someday 09:00", "weekdays 25:00", "61 9 * * *"):
        with pytest.raises(WhenError):
            parse_when(bad)


@pytest.mark.parametrize("change", [datetime(2026, 10, 25, tzinfo=UTC), datetime(2027, 3, 28, tzinfo=UTC)],
                         ids=["autumn", "spring"])
async def test_dst_exactly_once_at_nine_local(database_url: str, change: datetime) -> None:
    h = harness(database_url, BERLIN_9, start=change - timedelta(days=2, hours=4))  # Thursday evening
    await run_until(h, change + timedelta(days=3))  # ... to Wednesday
    made = posts(h)
    berlin = [p.occurrence.split(":", 2)[2] for p in made]
    day = change.date()
    expected = [f"{day - timedelta(days=2)}T09:00", f"{day + timedelta(days=1)}T09:00",
                f"{day + timedelta(days=2)}T09:00"]  # Friday, Monday, Tuesday; not the weekend
    assert berlin == expected, berlin
    for post in made:
        posted = post.posted_at.astimezone(local(2026, 1, 1, 0).tzinfo)
        assert posted.hour == 9 and posted.minute < 20, posted  # within one sweep step of 09:00 local
    # 09:00 Berlin is 07:00 UTC in summer time and 08:00 UTC in winter time.
    utc_hours = [p.posted_at.astimezone(UTC).hour for p in made]
    assert utc_hours == ([7, 8, 8] if change.month == 10 else [8, 7, 7]), utc_hours
    h.close()


async def test_weekend_named_by_the_schedule_fires_on_the_dst_sunday(database_url: str) -> None:
    extra = """
prompts:
  schedules:
    - {channel: "#weekend", when: "sun 09:00", timezone: Europe/Berlin}
"""
    h = harness(database_url, extra, start=datetime(2026, 10, 24, 20, 0, tzinfo=UTC))
    await run_until(h, datetime(2026, 10, 25, 12, 0, tzinfo=UTC))
    made = posts(h)
    assert [p.occurrence.split(":", 2)[2] for p in made] == ["2026-10-25T09:00"]
    assert made[0].posted_at.astimezone(UTC).hour == 8  # CET after the change
    h.close()


async def test_holidays_skipped_and_restart_never_repeats(database_url: str) -> None:
    extra = BERLIN_9 + """
requests:
  holidays: {country: DE, subdivision: BE, extra: [2026-12-28]}
"""
    # Tuesday 22 Dec 2026, 08:00 Berlin: 24th is a Thursday, 25th/26th are public holidays (26th a Saturday).
    h = harness(database_url, extra, start=local(2026, 12, 22, 8, 0))
    await run_until(h, local(2026, 12, 24, 12, 0))
    h.close()
    # "Restart": a new runtime on the same database, the clock moved on while it was down.
    h2 = Harness(database_url, base_config(extra), start=local(2026, 12, 24, 12, 0))
    await sweep(h2)
    await run_until(h2, local(2026, 12, 30, 12, 0))
    days = [p.occurrence.split(":", 2)[2] for p in posts(h2)]
    assert days == ["2026-12-22T09:00", "2026-12-23T09:00", "2026-12-24T09:00",
                    "2026-12-29T09:00", "2026-12-30T09:00"], days  # no 25th (holiday), 28th (extra)
    assert len(set(days)) == len(days)
    # A third process sweeping the same moments again posts nothing more.
    h3 = Harness(database_url, base_config(extra), start=local(2026, 12, 30, 9, 0))
    await sweep(h3)
    assert len(posts(h3)) == 5
    h2.close()
    h3.close()


async def test_missed_firing_posted_late_within_grace_else_skipped(database_url: str, caplog: pytest.LogCaptureFixture) -> None:
    h = harness(database_url, BERLIN_9, start=local(2026, 11, 16, 8, 0))  # Monday
    await sweep(h)
    h.close()
    # Down from 08:00 to 10:30: the 09:00 firing is 1.5 h late, within the 2 h grace.
    h2 = Harness(database_url, base_config(BERLIN_9), start=local(2026, 11, 16, 10, 30))
    out = await sweep(h2)
    assert "Empathy" in out
    assert [p.occurrence.split(":", 2)[2] for p in posts(h2)] == ["2026-11-16T09:00"]
    h2.close()
    # Down until Tuesday 11:30: that 09:00 firing is 2.5 h late, beyond grace: skipped and logged.
    caplog.set_level(logging.WARNING)
    h3 = Harness(database_url, base_config(BERLIN_9), start=local(2026, 11, 17, 11, 30))
    assert "Empathy" not in await sweep(h3)
    assert len(posts(h3)) == 1
    assert any("missed by more than" in r.getMessage() for r in caplog.records)
    h3.close()


async def test_rotation_without_repeats_until_the_library_is_used_up(database_url: str) -> None:
    h = harness(database_url, BERLIN_9, start=local(2026, 11, 16, 8, 0))
    empathy = [p.key for p in library.prompts() if p.value == "empathy"]
    # Each workday at 09:00 for long enough to go round the empathy prompts once and start again.
    day = local(2026, 11, 16, 8, 55)
    while len(posts(h)) < len(empathy) + 3:
        h.clock.set(day)
        await sweep(h)
        h.clock.set(day + timedelta(minutes=10))
        await sweep(h)
        day += timedelta(days=1)
    keys = [p.prompt_key for p in posts(h)]
    first_round = keys[: len(empathy)]
    assert sorted(first_round) == sorted(empathy)  # every empathy prompt once, none repeated
    assert len(set(keys[len(empathy):])) == 3  # the new round does not repeat within itself
    assert all(p.value_slug == "empathy" for p in posts(h))
    h.close()


async def test_command_schedule_in_its_timezone_and_paused_schedule_is_silent(database_url: str) -> None:
    h = harness(database_url, "", start=local(2026, 11, 16, 8, 0))
    assert "Scheduled prompt #1" in await h.say(ANA, "/prompts add #sales mon,wed,fri 10:00 America/New_York")
    await run_until(h, local(2026, 11, 16, 18, 0))  # Monday 10:00 New York is 16:00 Berlin
    made = posts(h)
    assert [p.occurrence for p in made] == ["prompt:1:2026-11-16T10:00"]
    assert made[0].posted_at.astimezone(UTC).hour == 15
    assert "now paused" in await h.say(ANA, "/prompts pause 1")
    await run_until(h, local(2026, 11, 19, 0, 0), step=timedelta(hours=1))  # Wednesday passes
    assert len(posts(h)) == 1
    assert "now active" in await h.say(ANA, "/prompts resume 1")
    await run_until(h, local(2026, 11, 20, 18, 0))  # Friday 10:00 New York
    assert [p.occurrence for p in posts(h)] == ["prompt:1:2026-11-16T10:00", "prompt:1:2026-11-20T10:00"]
    h.close()


def test_library_is_large_original_and_tied_to_values() -> None:
    from bot.config import AppConfig

    slugs = {v.slug for v in AppConfig().values}
    items = library.prompts()
    assert len(items) >= 60
    assert len({p.key for p in items}) == len(items) and len({p.text for p in items}) == len(items)
    assert all(p.value in slugs for p in items)
    assert {p.value for p in items} == slugs
    assert len(library.story_openers()) >= 3


def test_app_yaml_mistakes_stop_start_up_with_one_line() -> None:
    from bot.config import ConfigError

    cases = {
        "prompts: {grace: soon}": "prompts.grace: 'soon' is not a duration",
        'prompts: {schedules: [{channel: "#g", when: "someday 9:00"}]}': "prompts.schedules.0.when",
        'prompts: {schedules: [{channel: "#g", when: "weekdays 9:00", value: kindness}]}': "'kindness' is not one of the values",
        'prompts: {schedules: [{channel: "#g", when: "weekdays 9:00", timezone: Mars/Base}]}': "unknown timezone",
        'stories: {thread: {when: "fri 14:00"}}': "stories.thread.channel: required key is missing",
        "llm: {timeout_s: 0}": "llm.timeout_s",
    }
    for extra, expected in cases.items():
        with pytest.raises(ConfigError) as info:
            base_config(extra)
        assert expected in str(info.value), (extra, str(info.value))
    settings = base_config("prompts: {grace: 1h30m}\nllm: {enabled: true, model: m, timeout_s: 5}")
    assert settings.prompts.grace_delta() == timedelta(hours=1, minutes=30)
    assert settings.llm.enabled and settings.llm.timeout_s == 5 and not settings.llm.send_anonymous

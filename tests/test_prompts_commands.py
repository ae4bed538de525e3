"""``/prompts`` through the real dispatcher: roles, every verb, and bad input that changes nothing."""

from __future__ import annotations

from dataclasses import replace

from sqlmodel import select

from bot.events import ChannelMention, CommandInput
from storage.prompts_models import PromptSchedule
from tests.prompts_support import local, posts, sweep
from tests.support import ANA, BEN, FELIX, Harness, base_config


def schedules(h: Harness) -> list[PromptSchedule]:
    with h.db.session() as session:
        return list(session.exec(select(PromptSchedule).order_by(PromptSchedule.id)))


async def test_only_leaders_and_admins_manage_prompts(harness: Harness) -> None:
    for line in ("/prompts add #general weekdays 09:30", "/prompts list", "/prompts send-now 1"):
        out = await harness.say(BEN, line)
        assert "Only leaders and admins can manage prompts" in out, out
    assert schedules(harness) == []
    assert "Scheduled prompt #1" in await harness.say(FELIX, "/prompts add #sales weekdays 09:30")  # a leader
    assert "/prompts add" in await harness.say(BEN, "/prompts help")  # help is for everyone


async def test_add_list_pause_resume_remove(harness: Harness) -> None:
    out = await harness.say(ANA, "/prompts add #general weekdays 09:30 Europe/Berlin #empathy")
    assert "Scheduled prompt #1 in #general: weekdays 09:30 (Europe/Berlin), about Empathy" in out
    assert "Next post: Wed 18 Nov 2026 09:30 CET" in out  # T0 is Tuesday 10:00 Berlin
    # No timezone given: the channel's (its other schedule), else the organisation's.
    assert "(Europe/Berlin)" in await harness.say(ANA, "/prompts add #general mon,wed,fri 10:00")
    assert "(Europe/Berlin)" in await harness.say(ANA, "/prompts add #random 30 9 * * 1-5")
    listing = await harness.say(ANA, "/prompts list")
    assert "#1 #general — weekdays 09:30 (Europe/Berlin) · Empathy · active" in listing
    assert "#3 #random — 30 9 * * 1-5" in listing
    assert "now paused" in await harness.say(ANA, "/prompts pause 2")
    assert "#2 #general — mon,wed,fri 10:00 (Europe/Berlin) · paused" in await harness.say(ANA, "/prompts list")
    assert "now active" in await harness.say(ANA, "/prompts resume 2")
    assert "now removed" in await harness.say(ANA, "/prompts remove 3")
    assert "#random" not in await harness.say(ANA, "/prompts list")
    assert "There is no prompt schedule #3" in await harness.say(ANA, "/prompts pause 3")
    assert [s.status for s in schedules(harness)] == ["active", "active", "removed"]


async def test_bad_input_changes_nothing(harness: Harness) -> None:
    cases = {
        "/prompts add weekdays 09:30": "Name the channel first",
        "/prompts add #general": "the schedule is missing",
        "/prompts add #general someday 09:30": "\"someday\" is not a list of days",
        "/prompts add #general weekdays 9:75": "is not a schedule I can read",
        "/prompts add #general weekdays 09:30 Mars/Olympus": '"Mars/Olympus" is not a timezone',
        "/prompts add #general weekdays 09:30 #empathyy": "Did you mean #empathy",
        "/prompts add #general 99 9 * * *": "is not a valid cron expression",
        "/prompts pause": "Which schedule?",
        "/prompts frobnicate": 'I don\'t know "/prompts frobnicate"',
    }
    for line, expected in cases.items():
        out = await harness.say(ANA, line)
        assert expected in out, (line, out)
    assert schedules(harness) == []
    assert all(row.kind == "ephemeral" for row in harness.outbox())


async def test_slack_channel_mention_is_stored_by_id_and_posted_there(database_url: str) -> None:
    h = Harness(database_url, base_config(), start=local(2026, 11, 16, 8, 0))
    h.seed_demo()
    mention = ChannelMention(token="<#C0GENERAL|general>", channel_id="C0GENERAL", name="general")
    event = h.event(ANA, CommandInput(name="prompts", text="add <#C0GENERAL|general> weekdays 09:00 #respect",
                                      channels=(mention,)))
    assert "Scheduled prompt #1 in #general" in await h.send(event)
    row = schedules(h)[0]
    assert (row.platform, row.channel, row.channel_label) == ("console", "C0GENERAL", "#general")
    h.clock.set(local(2026, 11, 16, 9, 5))
    await sweep(h)
    sent = [r for r in h.outbox() if r.kind == "channel"]
    assert [(r.destination, r.ref_key) for r in sent] == [("C0GENERAL", f"prompt:{posts(h)[0].id}")]
    h.close()


async def test_preview_and_send_now(harness: Harness) -> None:
    await harness.say(ANA, "/prompts add #general weekdays 09:30 #dependability")
    preview = await harness.say(ANA, "/prompts preview 1")
    assert "Next prompt (not posted)" in preview and "Dependability" in preview
    assert posts(harness) == []
    shown = preview.split("Dependability* — ", 1)[1].splitlines()[0]
    out = await harness.say(ANA, "/prompts send-now 1")
    assert "→ #general:" in out and shown in out  # the preview was exactly the next prompt
    assert "Posted the next prompt of schedule #1" in out
    assert len(posts(harness)) == 1
    # The next preview is a different prompt: rotation moved on.
    assert shown not in await harness.say(ANA, "/prompts preview 1")
    assert "Empathy" in await harness.say(ANA, "/prompts preview #empathy")


async def test_app_yaml_schedules_are_listed_and_cannot_be_removed_by_command(database_url: str) -> None:
    extra = """
prompts:
  schedules:
    - {channel: "#general", when: "weekdays 09:30", timezone: Europe/Berlin, value: empathy}
stories:
  thread: {channel: "#service-stories", when: "fri 14:00", timezone: Europe/Berlin}
"""
    h = Harness(database_url, base_config(extra))
    h.seed_demo()
    listing = await h.say(ANA, "/prompts list")
    assert "#1 #general — weekdays 09:30 (Europe/Berlin) · Empathy · active · app.yaml" in listing
    assert "#2 #service-stories — story thread, fri 14:00 (Europe/Berlin) · active · app.yaml" in listing
    assert "remove it there" in await h.say(ANA, "/prompts remove 1")
    assert "now paused" in await h.say(ANA, "/prompts pause 1")
    h.close()


async def test_here_means_the_channel_the_command_was_typed_in(harness: Harness) -> None:
    assert "this is a private chat" in await harness.say(ANA, "/prompts add here weekdays 09:30")
    event = harness.event(ANA, CommandInput(name="prompts", text="add here weekdays 09:30"))
    event = replace(event, where=replace(event.where, conversation="C0TEAMROOM", is_private=False))
    assert "Scheduled prompt #1 in this channel" in await harness.send(event)
    assert schedules(harness)[0].channel == "C0TEAMROOM"

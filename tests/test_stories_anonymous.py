"""An anonymous bad story: posted by the bot, blameless, and its author is nowhere afterwards —
not in any table (inbox payloads and outbox rows included), not in the export, not in the logs."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from bot.events import CommandInput, Mention
from tests.prompts_support import dump_database, stories
from tests.support import ANA, Harness, base_config, records, run_cli

NEWCOMER = "quiet.newcomer@example.com"  # someone the bot has never seen before
SLACK_ID = "U0QUIETNEW"


async def test_anonymous_bad_story_leaves_no_trace(harness: Harness, caplog: pytest.LogCaptureFixture,
                                                   cli_env: dict[str, str], tmp_path: Path) -> None:
    caplog.set_level(logging.DEBUG)
    before = dump_database(harness)
    ben = Mention(token="<@UBEN>", user_id="ben.brooks@example.com", name="Ben Brooks")
    event = harness.event(NEWCOMER, CommandInput(
        name="story", text="bad anon <@UBEN> skipped the handover and Chloe Chen had to redo the whole report #dependability",
        mentions=(ben,)))
    event = type(event)(dedupe_key=event.dedupe_key,
                        actor=type(event.actor)(platform="console", tenant="local", user_id=SLACK_ID, email=NEWCOMER,
                                                name="Quiet Newcomer"),
                        where=event.where, input=event.input, received_at=event.received_at)
    out = await harness.send(event)

    # In the stories channel: by the bot, no author, names replaced.
    channel_post = out.split("→ #service-stories:", 1)[1].split("→ you", 1)[0]
    assert "shared anonymously" in channel_post and "Dependability" in channel_post
    assert "A colleague skipped the handover and a colleague had to redo the whole report" in channel_post
    for trace in ("Ben", "Chloe", "UBEN", "Quiet", "Newcomer", NEWCOMER):
        assert trace not in channel_post, trace
    assert "shared anonymously (nothing links it to you)" in out  # the author got a receipt

    [story] = stories(harness)
    assert story.anonymous and story.author_id is None and story.kind == "bad"

    # Nowhere in the database: no person or identity registered, no inbox payload, no outbox row.
    after = dump_database(harness)
    for trace in (NEWCOMER, "quiet.newcomer", SLACK_ID, "Quiet Newcomer"):
        assert trace not in after, trace
    assert after.count("Ben Brooks") == before.count("Ben Brooks")  # the blamed colleague is not in the story
    assert "Chloe Chen had to" not in after
    # ... nor in the logs.
    for line in caplog.messages:
        assert NEWCOMER not in line and SLACK_ID not in line and "Quiet" not in line

    # ... nor in `extramile export`.
    target = tmp_path / "export.jsonl"
    result = run_cli(["export", "--out", str(target)], cli_env)
    assert result.returncode == 0, result.stderr
    exported = target.read_text()
    assert NEWCOMER not in exported and SLACK_ID not in exported and "Quiet Newcomer" not in exported
    story_records = [r for r in records(target) if r["type"] == "story"]
    assert story_records == [{**story_records[0], "anonymous": True, "author_id": None, "kind": "bad",
                              "values": ["dependability"]}]


async def test_known_author_stays_unlinked_and_refused_anonymity_leaves_no_trace(database_url: str) -> None:
    h = Harness(database_url, base_config("stories: {allow_anonymous: false}"))
    h.seed_demo()
    out = await h.say(NEWCOMER, "/story good anon the new onboarding checklist is great")
    assert "Anonymous stories are switched off" in out
    assert stories(h) == []
    assert NEWCOMER not in dump_database(h)
    h.close()


async def test_anonymous_story_by_known_person_has_no_link(harness: Harness) -> None:
    out = await harness.say(ANA, "/story good anonymously Ben stayed late to fix the payroll export #extra-mile")
    assert "shared anonymously" in out and "Ben stayed late" in out  # good stories keep names
    [story] = stories(harness)
    assert story.author_id is None and story.anonymous
    with harness.db.session() as session:
        from sqlmodel import select

        from storage.models import InboxEvent

        payloads = [json.loads(row.payload) for row in session.exec(select(InboxEvent))]
    assert all(p["actor"] is None for p in payloads if p["input"].get("name") == "story")

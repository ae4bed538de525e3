"""The optional LLM through the real ``openai`` client against a local OpenAI-compatible server:
fresh prompts, value suggestions, the anonymous-text rule, and silent fallback on 500 or timeout."""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlmodel import select

from bot.events import CommandInput
from storage.prompts_models import ValueSuggestion
from tests.fakes.openai_api import FRESH, FakeOpenAI
from tests.prompts_support import local, posts, sweep
from tests.support import ANA, BEN, Harness, base_config


def llm_harness(database_url: str, send_anonymous: bool = False) -> Harness:
    extra = f"""
prompts:
  schedules:
    - {{channel: "#general", when: "weekdays 09:00", timezone: Europe/Berlin, value: empathy}}
llm: {{enabled: true, model: test-model, timeout_s: 0.5, send_anonymous: {str(send_anonymous).lower()}}}
"""
    h = Harness(database_url, base_config(extra), start=local(2026, 11, 16, 8, 0))
    h.seed_demo()
    return h


async def test_fresh_prompt_from_value_and_recent_good_stories(database_url: str, openai_server: FakeOpenAI) -> None:
    h = llm_harness(database_url)
    await h.say(BEN, "/story good Chloe stayed on the phone until the customer's problem was solved #empathy")
    await sweep(h)
    h.clock.set(local(2026, 11, 16, 9, 1))
    out = await sweep(h)
    assert FRESH in out
    [post] = posts(h)
    assert post.generated and post.prompt_key == "llm" and post.value_slug == "empathy"
    prompt_request = next(r for r in openai_server.requests if "slug only" not in r["messages"][0]["content"])
    assert prompt_request["model"] == "test-model"
    user = prompt_request["messages"][1]["content"]
    assert "Empathy" in user and "through the other person's eyes" in user  # the value's description
    assert "Chloe stayed on the phone" in user  # a recent good story
    h.close()


@pytest.mark.parametrize("mode", ["error", "slow"])
async def test_failure_falls_back_to_the_library_with_one_log_line(
        database_url: str, openai_server: FakeOpenAI, mode: str, caplog: pytest.LogCaptureFixture) -> None:
    openai_server.mode = mode
    h = llm_harness(database_url)
    await sweep(h)
    caplog.set_level(logging.WARNING, logger="bot.llm")
    h.clock.set(local(2026, 11, 16, 9, 1))
    out = await sweep(h)
    [post] = posts(h)
    assert not post.generated and post.prompt_key.startswith("empathy-")
    assert post.text in out
    assert len(openai_server.requests) == 1  # no retries
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.llm"]
    assert len(lines) == 1 and "using the library" in lines[0], lines
    h.close()


async def test_value_suggested_for_untagged_story_and_kudos(database_url: str, openai_server: FakeOpenAI) -> None:
    h = llm_harness(database_url)
    await h.say(BEN, "/story good Chloe noticed I was stuck and sat down with me")
    await h.say(ANA, "/kudos @ben thanks for listening so carefully")
    out = await h.say(BEN, "/story bad anon SECRET-ANON-TEXT the request waited a week")
    assert "shared anonymously" in out
    await sweep(h)
    with h.db.session() as session:
        rows = sorted((s.subject, s.value_slug) for s in session.exec(select(ValueSuggestion)))
    assert rows == [("kudos", "empathy"), ("story", "empathy")]
    assert "SECRET-ANON-TEXT" not in openai_server.texts()  # llm.send_anonymous is false
    await sweep(h)
    assert len(openai_server.requests) == 2  # each suggestion asked once
    h.close()


async def test_anonymous_text_sent_only_when_allowed(database_url: str, openai_server: FakeOpenAI) -> None:
    h = llm_harness(database_url, send_anonymous=True)
    await h.say(BEN, "/story bad anon SECRET-ANON-TEXT the request waited a week")
    await sweep(h)
    assert "SECRET-ANON-TEXT" in openai_server.texts()
    h.close()


async def test_llm_off_never_calls(database_url: str, openai_server: FakeOpenAI) -> None:
    h = Harness(database_url, base_config("""
prompts:
  schedules:
    - {channel: "#general", when: "weekdays 09:00", timezone: Europe/Berlin}
"""), start=local(2026, 11, 16, 8, 0))
    h.seed_demo()
    await h.say(BEN, "/story good untagged story")
    await sweep(h)
    h.clock.set(local(2026, 11, 16, 9, 1))
    await sweep(h)
    assert len(posts(h)) == 1 and openai_server.requests == []
    h.close()


async def test_events_are_recorded_while_the_llm_is_thinking(database_url: str, openai_server: FakeOpenAI) -> None:
    """The LLM call happens before the prompt's transaction opens: on SQLite an open write
    transaction would lock out every acknowledgement (inbox insert) for as long as the LLM takes."""
    h = Harness(database_url, llm_harness(database_url).config, start=local(2026, 11, 16, 8, 0))
    await sweep(h)
    openai_server.hold = asyncio.Event()
    h.clock.set(local(2026, 11, 16, 9, 1))
    posting = asyncio.create_task(sweep(h))
    await asyncio.wait_for(openai_server.arrived.wait(), 10)
    # A platform delivers a command meanwhile: it is recorded at once, not after the LLM answers.
    assert h.runtime.dispatcher.accept(h.event(ANA, CommandInput(name="kudos", text="@ben thanks"))) is not None
    assert not posting.done()
    openai_server.hold.set()
    assert FRESH in await posting
    h.close()

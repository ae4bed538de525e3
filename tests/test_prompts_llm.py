"""The optional LLM through the real ``openai`` client against a local OpenAI-compatible server:
fresh prompts, value suggestions, the anonymous-text rule, and silent fallback on 500 or timeout."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from sqlmodel import select

from storage.prompts_models import ValueSuggestion
from tests.prompts_support import local, posts, sweep
from tests.support import ANA, BEN, Harness, base_config

FRESH = "What is one small thing a colleague did this week that made your work easier?"


@dataclass
class FakeOpenAI:
    """Speaks POST /v1/chat/completions; ``mode`` is ok | error | slow."""

    mode: str = "ok"
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    async def completions(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(body)
        if self.mode == "error":
            return web.json_response({"error": {"message": "boom", "type": "server_error"}}, status=500)
        if self.mode == "slow":
            await asyncio.sleep(3)
        system = body["messages"][0]["content"]
        answer = "empathy" if "slug only" in system else FRESH
        return web.json_response({
            "id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": body["model"],
            "choices": [{"index": 0, "message": {"role": "assistant", "content": answer}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})

    def texts(self) -> str:
        return json.dumps(self.requests)


@pytest.fixture
async def openai_server(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeOpenAI]:
    fake = FakeOpenAI()
    app = web.Application()
    app.router.add_post("/v1/chat/completions", fake.completions)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    fake.url = f"http://127.0.0.1:{port}/v1"
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    monkeypatch.setenv("OPENAI_BASE_URL", fake.url)
    yield fake
    await runner.cleanup()


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

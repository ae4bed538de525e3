"""Optional help from an OpenAI-compatible model: fresh prompts and value suggestions.

Switched on by app.yaml ``llm: {enabled: true}`` plus ``OPENAI_API_KEY`` (and ``OPENAI_BASE_URL``
for any compatible server). It is never on the 3-second path: callers are scheduler ticks. Every
call has a strict timeout (``llm.timeout_s``, no SDK retries); any failure returns None, logs one
line and the caller falls back to the prompt library. Anonymous story text is only ever sent when
``llm.send_anonymous`` allows it (the callers check :attr:`Llm.send_anonymous`).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Mapping, Sequence

from openai import AsyncOpenAI

from bot.config import LlmSettings, Value

log = logging.getLogger(__name__)

_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]*")


class Llm:
    def __init__(self, settings: LlmSettings, api_key: str, base_url: str | None = None) -> None:
        self.settings = settings
        self.client = AsyncOpenAI(api_key=api_key, base_url=base_url or None, timeout=settings.timeout_s,
                                  max_retries=0)

    @property
    def send_anonymous(self) -> bool:
        return self.settings.send_anonymous

    async def _complete(self, purpose: str, system: str, user: str, max_tokens: int) -> str | None:
        try:
            response = await asyncio.wait_for(
                self.client.chat.completions.create(
                    model=self.settings.model, max_tokens=max_tokens, temperature=0.7,
                    messages=[{"role": "system", "content": system}, {"role": "user", "content": user}]),
                timeout=self.settings.timeout_s)
            text = (response.choices[0].message.content or "").strip()
        except Exception as exc:  # noqa: BLE001  any failure: the library answers instead
            log.warning("llm %s failed (%s); using the library", purpose, type(exc).__name__)
            return None
        return text or None

    async def fresh_prompt(self, value: Value, good_stories: Sequence[str]) -> str | None:
        """One new question for a channel, about ``value``, inspired by recent good stories."""
        stories = "\n".join(f"- {s[:300]}" for s in good_stories[:5]) or "- (none yet)"
        text = await self._complete(
            "prompt",
            "You write one short, warm question for a workplace chat channel that invites colleagues to "
            "answer in a sentence or tell a short story about serving each other as internal customers. "
            "Answer with the question only, at most 200 characters, no names.",
            f"Value: {value.name} — {value.description}\nRecent good stories:\n{stories}",
            max_tokens=120)
        if text is None:
            return None
        text = text.strip().strip('"').strip()
        return text[:300] if len(text) >= 10 else None

    async def suggest_value(self, text: str, values: Sequence[Value]) -> str | None:
        """The slug of the value a kudos or story shows best, or None."""
        listing = "\n".join(f"{v.slug}: {v.name} — {v.description}" for v in values)
        answer = await self._complete(
            "value suggestion",
            "Pick the one value the text shows best. Answer with its slug only.",
            f"Values:\n{listing}\n\nText: {text[:1000]}", max_tokens=10)
        if answer is None:
            return None
        known = {v.slug for v in values}
        for word in _SLUG.findall(answer.lower()):
            if word in known:
                return word
        log.warning("llm value suggestion answered with no known value; ignored")
        return None


    async def summarize_themes(self, stories: Sequence[str]) -> str | None:
        """Two or three sentences on what the month's stories have in common, naming nobody."""
        if not stories:
            return None
        listing = "\n".join(f"- {s[:400]}" for s in stories[:60])
        return await self._complete(
            "story themes",
            "You summarise workplace service stories for an HR report. In two or three sentences, say "
            "which themes recur, good and bad. Never name or describe any person; no quotes.",
            f"Stories of the month:\n{listing}", max_tokens=180)


def from_settings(settings: LlmSettings, env: Mapping[str, str]) -> Llm | None:
    """The configured client, or None when the LLM is off (or has no ``OPENAI_API_KEY``)."""
    if not settings.enabled:
        return None
    key = env.get("OPENAI_API_KEY", "")
    if not key:
        log.warning("llm.enabled is true but OPENAI_API_KEY is not set; using the prompt library")
        return None
    return Llm(settings, key, env.get("OPENAI_BASE_URL"))

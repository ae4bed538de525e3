"""The prompt library (``content/prompts.yaml``) and the rotation through it.

Rotation: each channel goes through the library — or the part of it for one value — without a
repeat until every prompt was posted there once; then a new round starts. The order of a round is
a shuffle seeded by the channel, so two channels do not ask the same question on the same day, and
it is reproducible (a restart or a second replica picks the same next prompt).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache

import content

# A generated (LLM) prompt is recorded under this key; it never counts against the library.
GENERATED_KEY = "llm"


@dataclass(frozen=True)
class LibraryPrompt:
    key: str
    value: str
    text: str


@cache
def prompts() -> tuple[LibraryPrompt, ...]:
    data = content.load_yaml("prompts.yaml")
    return tuple(LibraryPrompt(key=p["key"], value=p["value"], text=p["text"]) for p in data["prompts"])


@cache
def story_openers() -> tuple[LibraryPrompt, ...]:
    data = content.load_yaml("prompts.yaml")
    return tuple(LibraryPrompt(key=p["key"], value="", text=p["text"]) for p in data["story_openers"])


def candidates(value: str | None, known_values: set[str]) -> list[LibraryPrompt]:
    """The prompts a schedule draws from: its value's, or all of the organisation's values.

    An organisation with its own values (none of them in the library) gets the whole library, so
    a schedule never runs dry.
    """
    pool = [p for p in prompts() if p.value in known_values] or list(prompts())
    if value:
        pool = [p for p in pool if p.value == value] or pool
    return pool


def next_prompt(pool: list[LibraryPrompt], used: list[str], seed: str) -> LibraryPrompt:
    """The next prompt of the current round for a channel, given the keys it has already had."""
    keys = {p.key for p in pool}
    seen: set[str] = set()
    round_no = 0
    for key in used:  # replay history to find where the current round started
        if key in keys:
            seen.add(key)
            if seen == keys:
                seen, round_no = set(), round_no + 1
    order = sorted(pool, key=lambda p: p.key)
    random.Random(f"{seed}:{round_no}").shuffle(order)
    return next(p for p in order if p.key not in seen)

"""``/story good|bad [anon] <text> [#value ...]``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot import limits
from bot.errors import UserError
from bot.events import CommandInput, Mention
from bot.parser import first_word, text_between, tokenize
from bot.texts import t

ANON_WORDS = ("anon", "anonymous", "anonymously")
_ANON_ATTEMPT = re.compile(r"^\s*(?:\S+\s+)?(anon|anonymous|anonymously)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Share:
    kind: str  # good | bad
    anonymous: bool
    text: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Help:
    pass


def looks_anonymous(text: str) -> bool:
    """Whether the author asked for anonymity, even if the rest of the command is wrong."""
    return bool(_ANON_ATTEMPT.match(text))


def is_anonymous(given: CommandInput) -> bool:
    """Whether a ``/story`` line is an anonymous story: adapters then keep no platform trace of its
    author (no member cache, no personal conversation reference), as the core keeps none."""
    return looks_anonymous(given.text)


def parse(text: str, mentions: tuple[Mention, ...] = ()) -> Share | Help:
    word, rest = first_word(text)
    if word in ("", "help"):
        return Help()
    limits.check_characters(text, "Your story")
    if word not in ("good", "bad"):
        raise UserError(t("stories.usage"))
    anonymous = False
    head, tail = first_word(rest)
    if head in ANON_WORDS:
        anonymous, rest = True, tail
    tokens = tokenize(rest, mentions)
    j = len(tokens)
    while j > 0 and tokens[j - 1].kind == "tag":
        j -= 1
    values = tuple(dict.fromkeys(tok.tag for tok in tokens[j:]))
    body = text_between(rest, tokens[:j])
    if not body:
        raise UserError(t("stories.no_text", kind=word))
    limits.check_text(body, limits.STORY, "Your story")
    return Share(kind=word, anonymous=anonymous, text=body, values=values)


def thread_reply(text: str) -> tuple[str, str, tuple[str, ...]]:
    """A reply in the story thread: (kind, text, tags). ``bad:`` or ``#bad`` marks a bad story."""
    body = text.strip()
    kind = "good"
    lowered = body.lower()
    for prefix, k in (("bad:", "bad"), ("lesson:", "bad"), ("good:", "good")):
        if lowered.startswith(prefix):
            kind, body = k, body[len(prefix):].strip()
            break
    tokens = tokenize(body)
    j = len(tokens)
    while j > 0 and tokens[j - 1].kind == "tag":
        j -= 1
    tags = tuple(dict.fromkeys(tok.tag for tok in tokens[j:]))
    if "bad" in tags:
        kind = "bad"
    return kind, text_between(body, tokens[:j]), tuple(tag for tag in tags if tag not in ("good", "bad"))

"""The one command grammar shared by Slack, Teams and the console.

Adapters hand over the command name, its text and the platform mentions they recognised (each as
a whitespace-free token in the text). This module tokenises that text; each feature's grammar
(``bot/<feature>/grammar.py``) turns tokens into a typed command or a usage error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from bot.events import Mention

_TOKEN = re.compile(r"\S+")
_HANDLE = re.compile(r"^@([A-Za-z0-9][A-Za-z0-9._-]*?)([.,;:!?)]*)$")
_TAG = re.compile(r"^#([A-Za-z0-9][A-Za-z0-9_-]*)([.,;:!?)]*)$")


@dataclass(frozen=True)
class PersonRef:
    """Someone named in a command: a platform mention (``user_id``) or a typed ``@handle``."""

    raw: str
    user_id: str = ""
    handle: str = ""
    mention: Mention | None = None


@dataclass(frozen=True)
class Token:
    kind: Literal["person", "tag", "word"]
    text: str
    start: int
    end: int
    person: PersonRef | None = None
    tag: str = ""


def tokenize(text: str, mentions: tuple[Mention, ...] = ()) -> list[Token]:
    by_token = {m.token: m for m in mentions}
    tokens: list[Token] = []
    for match in _TOKEN.finditer(text):
        word = match.group()
        stripped = word.rstrip(".,;:!?")
        if word in by_token or stripped in by_token:
            mention = by_token.get(word) or by_token[stripped]
            ref = PersonRef(raw=mention.token, user_id=mention.user_id, mention=mention)
            tokens.append(Token("person", word, match.start(), match.end(), person=ref))
        elif handle := _HANDLE.match(word):
            ref = PersonRef(raw="@" + handle.group(1), handle=handle.group(1).lower())
            tokens.append(Token("person", word, match.start(), match.end(), person=ref))
        elif tag := _TAG.match(word):
            tokens.append(Token("tag", word, match.start(), match.end(), tag=tag.group(1).lower()))
        else:
            tokens.append(Token("word", word, match.start(), match.end()))
    return tokens


def split_command_line(line: str) -> tuple[str, str] | None:
    """``/kudos @ana thanks`` or ``kudos @ana thanks`` -> (``kudos``, ``@ana thanks``)."""
    line = line.strip()
    if not line:
        return None
    name, _, rest = line.partition(" ")
    return name.lstrip("/").lower(), rest.strip()


def first_word(text: str) -> tuple[str, str]:
    """The subcommand and the rest: ``top 2026-11`` -> (``top``, ``2026-11``)."""
    word, _, rest = text.strip().partition(" ")
    return word.lower(), rest.strip()


def text_between(text: str, tokens: list[Token]) -> str:
    """The original text spanned by tokens, spacing kept."""
    if not tokens:
        return ""
    return text[tokens[0].start : tokens[-1].end].strip()

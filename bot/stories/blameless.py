"""Blameless text: the names of people mentioned in a bad story become "a colleague".

Replaced: platform mentions (Slack ``<@U1>``, Teams ``<at>Name</at>``, any token the adapter
resolved), typed ``@handles``, and names of people the bot knows written out in full or by their
first name (capitalised, as names are written). A story is about what happened, not who did it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from bot.events import Mention

COLLEAGUE = "a colleague"
_SLACK_MENTION = re.compile(r"<@[A-Za-z0-9]+(?:\|[^>]*)?>")
_TEAMS_MENTION = re.compile(r"<at>.*?</at>", re.IGNORECASE | re.DOTALL)
_HANDLE = re.compile(r"(?<![\w@.])@[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9]|(?<![\w@.])@[A-Za-z0-9]")


def redact(text: str, mentions: Sequence[Mention] = (), known_names: Iterable[str] = ()) -> str:
    result = text
    for mention in sorted(mentions, key=lambda m: len(m.token), reverse=True):
        if mention.token:
            result = result.replace(mention.token, COLLEAGUE)
        if mention.name:
            result = re.sub(rf"\b{re.escape(mention.name)}\b", COLLEAGUE, result, flags=re.IGNORECASE)
    result = _SLACK_MENTION.sub(COLLEAGUE, result)
    result = _TEAMS_MENTION.sub(COLLEAGUE, result)
    result = _HANDLE.sub(COLLEAGUE, result)
    names = {n.strip() for n in known_names if n and n.strip()}
    for name in sorted(names, key=len, reverse=True):
        result = re.sub(rf"\b{re.escape(name)}\b", COLLEAGUE, result, flags=re.IGNORECASE)
    firsts = {n.split()[0] for n in names if " " in n and len(n.split()[0]) >= 3}
    for first in sorted(firsts, key=len, reverse=True):
        result = re.sub(rf"\b{re.escape(first)}\b", COLLEAGUE, result)
    result = re.sub(rf"({re.escape(COLLEAGUE)})(?:\s+\1)+", r"\1", result)  # "@ben Ben" -> one colleague
    if result.startswith(COLLEAGUE):
        result = COLLEAGUE[0].upper() + result[1:]
    return result

"""Message texts come from ``content/messages/*.yaml`` (jinja2 templates, one file per feature), so
they can be read, reworded or translated without touching code.

A template is trusted neutral markup (see :mod:`bot.messages`); every value put into it is escaped
on the way in (jinja2's ``finalize`` hook, the way autoescaping works for HTML), so what a person
typed (a kudos message, a story, a request, a display name) always reads as itself and never as
markup, a mention or a link, on any platform. Values that are already markup pass unchanged: the
result of another :func:`t`, a mention (:func:`bot.mentions.mention`), :func:`bot.messages.markup`.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from functools import cache
from typing import Any

from jinja2 import Environment, StrictUndefined, Template

import content
from bot.events import Mention
from bot.messages import Neutral, escape


def _join(values: Iterable[Any], separator: str = "") -> Neutral:
    """``join`` that escapes each item (the built-in one would hand ``finalize`` one string, and
    a mention among the items would be escaped with the rest)."""
    return Neutral(escape(separator).join(escape(v) for v in values))


def _environment(escaping: bool) -> Environment:
    env = Environment(undefined=StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=False, finalize=escape if escaping else None)
    if escaping:
        env.filters["join"] = _join
    return env


_env = _environment(escaping=True)
_plain_env = _environment(escaping=False)


@cache
def _template(key: str, escaping: bool = True) -> Template:
    texts = content.messages()
    if key not in texts:
        raise KeyError(f"content/messages/*.yaml has no text {key!r}")
    return (_env if escaping else _plain_env).from_string(texts[key])


def t(key: str, **variables: Any) -> Neutral:
    """Render one text; a missing variable is a bug and raises rather than printing blanks."""
    return Neutral(_template(key).render(**variables).strip())


def t_plain(key: str, **variables: Any) -> str:
    """Render a text that is stored as data (a kudos message made from a reaction), not shown as
    markup: values go in as they are, and the stored text is escaped like any other when shown."""
    return _template(key, escaping=False).render(**variables).strip()


def readable(text: str, mentions: Iterable[Mention]) -> str:
    """User text with the platform's mention tokens (``<@U123>``) written as the names they stand
    for (``@Ben Brooks``): what the person saw when they typed it. The bot repeats such text
    (a kudos message in #kudos) and must not mention anyone on the author's behalf."""
    for mention in mentions:
        name = mention.name or (mention.email.split("@")[0] if mention.email else "") or "someone"
        text = text.replace(mention.token, f"@{name}")
    return text


def shorten(text: str, limit: int, placeholder: str = "…") -> str:
    """``text`` in at most ``limit`` characters, cut after a whole word (a platform's field limit
    must not leave half a word); only a single word longer than the limit is cut inside."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    short = textwrap.shorten(text, limit, placeholder=placeholder)
    if short == placeholder or short == placeholder.strip():
        return text[: limit - len(placeholder)] + placeholder
    return short

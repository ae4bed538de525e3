"""``/kudos`` grammar: ``@a [@b ...] [#value ...] message [#value ...]`` and the subcommands."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot import limits
from bot.errors import UserError
from bot.events import Mention
from bot.parser import PersonRef, first_word, text_between, tokenize
from bot.texts import t

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class Give:
    recipients: tuple[PersonRef, ...]
    values: tuple[str, ...]
    message: str


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class Top:
    month: str | None


@dataclass(frozen=True)
class Mine:
    pass


@dataclass(frozen=True)
class Leaderboard:
    show_me: bool


@dataclass(frozen=True)
class OpenForm:
    """``/kudos`` with no text: platforms with forms open one; others get the usage."""


KudosCommand = Give | Help | Top | Mine | Leaderboard | OpenForm


def parse(text: str, mentions: tuple[Mention, ...] = ()) -> KudosCommand:
    text = text.strip()
    if not text:
        return OpenForm()
    limits.check_characters(text, "Your kudos")
    word, rest = first_word(text)
    if word == "help":
        return Help()
    if word == "mine" and not rest:
        return Mine()
    if word == "top":
        if rest and not _MONTH.match(rest):
            raise UserError(t("kudos.bad_month", given=limits.clip(rest)))
        return Top(month=rest or None)
    if word == "leaderboard":
        if rest.lower() not in ("on", "off"):
            raise UserError(t("kudos.leaderboard_usage"))
        return Leaderboard(show_me=rest.lower() == "on")
    return _parse_give(text, mentions)


def _parse_give(text: str, mentions: tuple[Mention, ...]) -> Give:
    tokens = tokenize(text, mentions)
    recipients: list[PersonRef] = []
    values: list[str] = []
    i = 0
    while i < len(tokens) and tokens[i].kind in ("person", "tag"):
        if tokens[i].kind == "person" and tokens[i].person is not None:
            recipients.append(tokens[i].person)
        else:
            values.append(tokens[i].tag)
        i += 1
    j = len(tokens)
    while j > i and tokens[j - 1].kind == "tag":
        j -= 1
    values.extend(tok.tag for tok in tokens[j:])
    if not recipients:
        raise UserError(t("kudos.no_recipient"))
    return Give(recipients=tuple(recipients), values=tuple(dict.fromkeys(values)), message=text_between(text, tokens[i:j]))

"""``/prompts`` grammar: ``add #channel <when> [timezone] [#value]`` and the management verbs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot import limits
from bot.errors import UserError
from bot.events import ChannelMention
from bot.parser import first_word
from bot.prompts.when import WhenError, parse_when
from bot.texts import t


_ID = re.compile(r"^[0-9]{1,9}$")  # ASCII digits that fit a database integer


@dataclass(frozen=True)
class Add:
    channel: str  # platform channel id (Slack C123), the name as typed ("#general"), "" for "here"
    channel_label: str
    when: str
    timezone: str | None
    value: str | None


@dataclass(frozen=True)
class ListSchedules:
    pass


@dataclass(frozen=True)
class SetStatus:
    verb: str  # pause | resume | remove
    schedule_id: int


@dataclass(frozen=True)
class Preview:
    schedule_id: int | None
    value: str | None


@dataclass(frozen=True)
class SendNow:
    schedule_id: int


@dataclass(frozen=True)
class Help:
    pass


PromptsCommand = Add | ListSchedules | SetStatus | Preview | SendNow | Help


def parse(text: str, channels: tuple[ChannelMention, ...] = ()) -> PromptsCommand:
    word, rest = first_word(text)
    if word in ("", "help"):
        return Help()
    limits.check_characters(text, "Your schedule")
    if word == "add":
        return _parse_add(rest, channels)
    if word == "list":
        return ListSchedules()
    if word in ("pause", "resume", "remove", "send-now", "sendnow"):
        schedule_id = _schedule_id(rest, word)
        return SendNow(schedule_id) if word.startswith("send") else SetStatus(word, schedule_id)
    if word == "preview":
        if not rest:
            return Preview(None, None)
        if rest.startswith("#"):
            return Preview(None, rest.lstrip("#").strip().lower())
        return Preview(_schedule_id(rest, word), None)
    raise UserError(t("prompts.unknown_verb", verb=limits.clip(word)))


def _schedule_id(rest: str, verb: str) -> int:
    token = rest.strip().lstrip("#")
    if not _ID.match(token):
        raise UserError(t("prompts.need_id", verb=verb))
    return int(token)


def _parse_add(rest: str, channels: tuple[ChannelMention, ...]) -> Add:
    words = rest.split()
    if not words:
        raise UserError(t("prompts.add_usage"))
    head = words[0]
    mention = next((c for c in channels if c.token == head), None)
    if mention is not None:
        channel = limits.check_text(mention.channel_id, limits.CHANNEL, "That channel")
        label = limits.fit(f"#{mention.name}" if mention.name else mention.channel_id, limits.CHANNEL)
    elif head.lower() in ("here", "#here"):
        channel, label = "", "this channel"  # the conversation the command was typed in
    elif head.startswith("#") and len(head) > 1:
        channel = label = limits.check_text(head.rstrip(".,;:"), limits.CHANNEL, "That channel name")
    else:
        raise UserError(t("prompts.add_usage"))
    words = words[1:]
    value = None
    if words and words[-1].startswith("#"):
        value = words.pop().lstrip("#").rstrip(".,;:").lower()
    timezone = None
    if words and ("/" in words[-1] or words[-1].upper() == "UTC"):
        timezone = words.pop()
        try:
            timezone = ZoneInfo(timezone).key
        except (ZoneInfoNotFoundError, ValueError):
            raise UserError(t("prompts.bad_timezone", timezone=limits.clip(timezone))) from None
    when = limits.check_text(" ".join(words), limits.WHEN, "That schedule")
    try:
        parse_when(when)
    except WhenError as exc:
        raise UserError(t("prompts.bad_when", problem=str(exc))) from None
    return Add(channel=channel, channel_label=label, when=when, timezone=timezone, value=value)

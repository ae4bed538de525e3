"""How much text, and which characters, the bot stores: checked where input is read.

Every limit here is at most the column the text ends in (``storage/*models.py``), so the database
never has to refuse what a grammar accepted: PostgreSQL refuses a string longer than its
``VARCHAR`` and any NUL character, SQLite silently stores both, so without these checks the same
input would be an internal error on one and a corrupt row on the other. What a person typed is
refused with a clear message (they can fix it); what a platform reports about people (display
names, emails, timezones) is made to fit quietly, because nobody can fix it from the chat.
"""

from __future__ import annotations

import unicodedata
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import UserError
from bot.texts import t

# Columns of ``person`` and ``identity`` (storage/models.py).
NAME = 200
HANDLE = 80
EMAIL = 320
TIMEZONE = 64
PLATFORM_ID = 128
# ``request.category`` and value slugs.
CATEGORY = 64
# What a request asks for: a line, not a document (attach documents where they live).
REQUEST_TITLE = 1000
# Notes on a step: an update, a delivery note, a reason, a rating comment.
NOTE = 2000
# A story: a few paragraphs.
STORY = 3000
# ``prompt_schedule.channel`` / ``channel_label`` and ``when``.
CHANNEL = 300
WHEN = 200
# How much of what someone typed an error message quotes back.
ECHO = 60

# Line breaks and tabs are text; every other control character (C0, DEL, C1) is not, nor are
# lone surrogates, which no UTF-8 database can store.
_ALLOWED_CONTROLS = frozenset("\n\t\r")


def bad_character(text: str) -> str | None:
    """The first character no column may hold, or None."""
    for char in text:
        if char in _ALLOWED_CONTROLS:
            continue
        if unicodedata.category(char) in ("Cc", "Cs"):
            return char
    return None


def describe(char: str) -> str:
    """``U+0000 (NUL)`` — how a message names an invisible character."""
    names = {"\x00": "NUL", "\x07": "bell", "\x1b": "escape", "\x7f": "delete"}
    name = names.get(char) or unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" ({name})" if name else "")


def check_characters(text: str, what: str) -> None:
    """Refuse invisible control characters with a message saying which and what to do."""
    char = bad_character(text)
    if char is not None:
        raise UserError(t("control_character", what=what, char=describe(char)))


def check_text(text: str, limit: int, what: str) -> str:
    """``text`` if it has no control characters and at most ``limit`` characters; else a clear refusal."""
    check_characters(text, what)
    if len(text) > limit:
        raise UserError(t("too_long", what=what, length=len(text), limit=limit))
    return text


def clip(text: str, limit: int = ECHO) -> str:
    """A short, printable excerpt of what someone typed, for quoting it back in a message."""
    cleaned = "".join(c if bad_character(c) is None else "\ufffd" for c in text.replace("\n", " "))
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1].rstrip() + "…"


def fit(text: str, limit: int) -> str:
    """A platform-reported value made storable: control characters dropped, spaces collapsed,
    cut to ``limit`` characters (never in the middle of a surrogate pair: Python strings have none)."""
    cleaned = "".join(c for c in text if bad_character(c) is None)
    return " ".join(cleaned.split())[:limit].rstrip()


def fit_email(email: str) -> str:
    """A platform-reported email if it can be stored and matched, else "" (a cut email is a wrong one)."""
    email = email.strip()
    if not email or len(email) > EMAIL or bad_character(email) or any(c.isspace() for c in email):
        return ""
    return email


def fit_timezone(name: str) -> str:
    """A platform-reported IANA zone if it is one we know, else "" (the organisation's applies)."""
    if not name or len(name) > TIMEZONE or bad_character(name):
        return ""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ""
    return name

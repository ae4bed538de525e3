"""``/request`` grammar: ``@owner <what> [by <when>] [#category] [!urgent]`` and the step commands.

Only the shape is read here; dates are read by :mod:`bot.requests.dates` (they need the
requester's timezone and the clock) and people by :mod:`bot.resolve`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot import limits
from bot.errors import UserError
from bot.events import Mention
from bot.parser import PersonRef, Token, first_word, tokenize
from bot.texts import t

_REF = re.compile(r"^(?:req-?|#)?(\d{1,9})[.,;:!?]*$", re.IGNORECASE)
_BY = re.compile(r"(?:^|\s)by\s+", re.IGNORECASE)
_URGENT = ("!urgent", "!")

# Step verbs and whether the text after REQ-n is required.
STEPS: dict[str, bool] = {
    "ack": False, "promise": False, "update": True, "done": False, "confirm": False, "reopen": True,
    "rate": True, "decline": True, "cancel": False, "show": False,
}
ALIASES = {"acknowledge": "ack", "deliver": "done", "delivered": "done", "close": "cancel"}


@dataclass(frozen=True)
class Create:
    owner: PersonRef
    what: str
    when: str | None
    category: str | None
    urgent: bool


@dataclass(frozen=True)
class Step:
    verb: str
    number: int
    text: str


@dataclass(frozen=True)
class Reassign:
    number: int
    target: PersonRef


@dataclass(frozen=True)
class ListMine:
    pass


@dataclass(frozen=True)
class Help:
    pass


RequestCommand = Create | Step | Reassign | ListMine | Help


def parse_ref(text: str, verb: str) -> int:
    """``REQ-12``, ``req12``, ``#12`` or ``12`` -> 12."""
    match = _REF.match(text.strip())
    if not match:
        raise UserError(t("requests.bad_ref", given=limits.clip(text.strip()), verb=verb))
    return int(match.group(1))


def parse(text: str, mentions: tuple[Mention, ...] = ()) -> RequestCommand:
    text = text.strip()
    if not text:
        return Help()
    limits.check_characters(text, "Your request")
    word, rest = first_word(text)
    word = ALIASES.get(word, word)
    if word == "help":
        return Help()
    if word in ("list", "mine"):
        return ListMine()
    if word == "reassign":
        ref, _, target = rest.partition(" ")
        if not ref:
            raise UserError(t("requests.usage_step", verb="reassign"))
        number = parse_ref(ref, "reassign")
        people = [tok.person for tok in tokenize(target, mentions) if tok.kind == "person" and tok.person]
        if len(people) != 1:
            raise UserError(t("requests.usage_step", verb="reassign"))
        return Reassign(number=number, target=people[0])
    if word in STEPS:
        ref, _, tail = rest.partition(" ")
        if not ref:
            raise UserError(t("requests.usage_step", verb=word))
        number = parse_ref(ref, word)
        tail = tail.strip()
        if STEPS[word] and not tail:
            raise UserError(t("requests.usage_step", verb=word))
        return Step(verb=word, number=number, text=limits.check_text(tail, limits.NOTE, "That text"))
    return _parse_create(text, mentions)


def _parse_create(text: str, mentions: tuple[Mention, ...]) -> Create:
    tokens = tokenize(text, mentions)
    if not tokens or tokens[0].kind != "person" or tokens[0].person is None:
        raise UserError(t("requests.usage"))
    owner = tokens[0].person
    body: list[Token] = tokens[1:]
    if body and body[0].kind == "person":
        raise UserError(t("requests.one_owner"))
    category: str | None = None
    urgent = False
    # Flags may come right after the owner or at the end: `#it !urgent`.
    while body and _is_flag(body[0]):
        category, urgent = _take_flag(body.pop(0), category, urgent)
    while body and _is_flag(body[-1]):
        category, urgent = _take_flag(body.pop(), category, urgent)
    if not body:
        raise UserError(t("requests.no_what", owner=limits.clip(owner.raw)))
    phrase = text[body[0].start : body[-1].end].strip()
    what, when = phrase, None
    matches = list(_BY.finditer(phrase))
    if matches:
        last = matches[-1]
        what, when = phrase[: last.start()].strip(), phrase[last.end():].strip()
        if not when:
            what, when = phrase, None
    if not what:
        raise UserError(t("requests.no_what", owner=limits.clip(owner.raw)))
    limits.check_text(what, limits.REQUEST_TITLE, "What you ask for")
    return Create(owner=owner, what=what, when=when, category=category, urgent=urgent)


def _is_flag(token: Token) -> bool:
    return token.kind == "tag" or token.text.lower() in _URGENT


def _take_flag(token: Token, category: str | None, urgent: bool) -> tuple[str | None, bool]:
    if token.kind == "tag" and len(token.tag) > limits.CATEGORY:
        raise UserError(t("requests.long_category", category=limits.clip(token.tag), length=len(token.tag),
                          limit=limits.CATEGORY))
    if token.kind == "tag":
        if token.tag == "urgent":
            return category, True
        return (category or token.tag), urgent
    return category, True

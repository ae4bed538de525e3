"""A feature is one declaration: what it answers, what it schedules, what it adds to Home, the
report and the export.

Each feature package (``bot/kudos``, ``bot/requests``, ...) exposes one :class:`Feature` value,
``FEATURE``, and the composition root lists them once (``extramile/features.py``). Everything
that used to be wired by hand in several places is derived from that one tuple: the router (which
handler answers which input), the scheduler's sources, ``help``, the Slack manifest's slash
commands and the Teams command lists, App Home, the report's sections and ``extramile export``.
So adding a command or a report section touches the feature's own package (and its texts in
``content/messages``), nothing else.

Handlers are registered by the kind of input they answer and receive a context typed for it
(``Ctx[CommandInput]``), the way Bolt injects what a listener declares; a scheduled handler
receives a :class:`Tick` whose payload is the pydantic model its :class:`Schedule` names, validated
before the handler runs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from sqlmodel import Session

from bot.config import AppConfig
from bot.context import Ctx, Services
from bot.events import ActionInput, Address, CommandInput, Event, ReactionInput, ReplyInput
from bot.messages import Block, Form
from storage.models import Person

if TYPE_CHECKING:  # the report package declares its own feature: its types are only named here
    from bot.reports.sections import ReportPart

type Handler[I] = Callable[[Ctx[I]], Awaitable[None]]
# Slow I/O a handler needs (an LLM call) done *before* its transaction opens: on SQLite an open write
# transaction would hold the database lock, and with it every acknowledgement, for that long. What
# it returns is the handler's ``ctx.prepared``; if it fails, the handler runs without (None).
type Prepare[I] = Callable[[Services, Event, I], Awaitable[object]]
type HomeSection = Callable[[Ctx[object], Person], list[Block]]
type Record = dict[str, Any]
type Exporter = Callable[[Session, int], Iterator[Record]]


@dataclass(frozen=True)
class Tick[P: BaseModel]:
    """A scheduler firing as its handler sees it: the occurrence key and the typed payload."""

    job: str
    occurrence: str
    payload: P


@dataclass(frozen=True)
class Due[P: BaseModel]:
    """Something a schedule has to do now; ``occurrence`` makes it unique (the inbox's dedupe key)."""

    occurrence: str
    payload: P
    where: Address | None = None


type DueSource[P: BaseModel] = Callable[[Session, Services, datetime], Iterable[Due[P]]]


@dataclass(frozen=True)
class Command:
    """A command people type: ``/kudos`` in Slack, ``kudos`` in Teams and the console.

    ``help`` is its line in ``help`` (markup the code writes; empty: not listed). ``description``
    and ``usage`` are what the Slack manifest and the Teams command list show (empty description:
    not a slash command). Teams shows "<description> — <command> <usage>" in at most 128
    characters: keep each within that (a longer one is shortened at a word). ``form``: when the
    command, as typed, asks for a form (``/kudos`` alone), the form; platforms that open forms
    themselves (Slack modals) ask for it before the command reaches the core. ``anonymous``: when
    the command, as typed, must leave no trace of its author (an anonymous story), adapters keep
    none either (no member cache, no conversation reference).
    """

    name: str
    handler: Handler[CommandInput]
    usage: str = ""
    help: str = ""
    description: str = ""
    prepare: Prepare[CommandInput] | None = None
    form: Callable[[AppConfig, CommandInput], Form | None] | None = None
    anonymous: Callable[[CommandInput], bool] | None = None


@dataclass(frozen=True)
class Action:
    """A button or a submitted form; ``prefix`` matches an action id exactly or up to its first ``:``."""

    prefix: str
    handler: Handler[ActionInput]


@dataclass(frozen=True)
class Reaction:
    """An emoji reaction on a message; only the emojis ``emojis`` names (from app.yaml) reach it."""

    handler: Handler[ReactionInput]
    emojis: Callable[[AppConfig], Collection[str]]

    def wants(self, config: AppConfig, emoji: str) -> bool:
        return emoji.strip(":") in self.emojis(config)


@dataclass(frozen=True)
class Reply:
    """A message in a thread (prompt and story threads); the handler tells whether it is its own."""

    handler: Handler[ReplyInput]


@dataclass(frozen=True)
class Schedule[P: BaseModel]:
    """A scheduled job: ``due`` says what is due on each sweep, ``handler`` does one occurrence.

    ``payload`` is the model each occurrence carries (stored as JSON in the inbox with the tick,
    validated into the model before ``handler`` and ``prepare`` see it).
    """

    job: str
    due: DueSource[P]
    payload: type[P]
    handler: Handler[Tick[P]]
    prepare: Prepare[Tick[P]] | None = None


@dataclass(frozen=True)
class Feature:
    name: str
    commands: tuple[Command, ...] = ()
    actions: tuple[Action, ...] = ()
    reactions: tuple[Reaction, ...] = ()
    replies: tuple[Reply, ...] = ()
    schedules: tuple[Schedule[Any], ...] = ()
    home: HomeSection | None = None
    report: ReportPart | None = None
    export: Exporter | None = None


# ---- what is derived from the features ---------------------------------------------------------

def commands(features: Sequence[Feature]) -> list[Command]:
    return [command for feature in features for command in feature.commands]


def command_names(features: Sequence[Feature]) -> frozenset[str]:
    return frozenset(command.name for command in commands(features))


def help_lines(features: Sequence[Feature]) -> list[str]:
    return [command.help for command in commands(features) if command.help]


def slash_commands(features: Sequence[Feature]) -> list[tuple[str, str, str]]:
    """(name, description, usage) of every command the Slack manifest and Teams lists declare."""
    return [(c.name, c.description, c.usage) for c in commands(features) if c.description]


def home_sections(features: Sequence[Feature]) -> list[HomeSection]:
    return [feature.home for feature in features if feature.home is not None]


def report_parts(features: Sequence[Feature]) -> list[ReportPart]:
    return [feature.report for feature in features if feature.report is not None]


def exporters(features: Sequence[Feature]) -> list[Exporter]:
    return [feature.export for feature in features if feature.export is not None]


def schedules(features: Sequence[Feature]) -> list[Schedule[Any]]:
    return [schedule for feature in features for schedule in feature.schedules]


def gives_reaction(features: Sequence[Feature], config: AppConfig, emoji: str) -> bool:
    """Does any feature answer this emoji? (Adapters ask before they look anything up.)"""
    return any(r.wants(config, emoji) for feature in features for r in feature.reactions)


def form_for(features: Sequence[Feature], config: AppConfig, given: CommandInput) -> Form | None:
    """The form this command line asks for, if any (``/kudos`` alone opens the kudos form)."""
    name = given.name.lower().lstrip("/")
    for command in commands(features):
        if command.name == name and command.form is not None:
            return command.form(config, given)
    return None

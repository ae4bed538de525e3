"""The core port adapters are handed (:class:`bot.ports.CorePort`), backed by the running core.

Every question an adapter used to answer from app.yaml or a feature's grammar (is this emoji a
kudos, does ``/kudos`` open a form, is this story anonymous) is answered here from the features'
declarations, so the adapters only translate.
"""

from __future__ import annotations

from datetime import datetime

from bot.dispatch import Dispatcher
from bot.events import CommandInput, Event, Input
from bot.feature import form_for, gives_reaction
from bot.messages import Form
from bot.ports import ConversationStore
from storage.signing_keys import stored_secret


class Core:
    def __init__(self, dispatcher: Dispatcher, conversations: ConversationStore) -> None:
        self.dispatcher = dispatcher
        self.services = dispatcher.services
        self.router = dispatcher.router
        self.conversations = conversations

    def now(self) -> datetime:
        return self.services.clock.now()

    async def submit(self, event: Event) -> bool:
        return await self.dispatcher.submit(event)

    @property
    def command_names(self) -> frozenset[str]:
        return self.router.command_names

    def wants_reaction(self, emoji: str) -> bool:
        return gives_reaction(self.router.features, self.services.config, emoji)

    def form_for(self, given: CommandInput) -> Form | None:
        return form_for(self.router.features, self.services.config, given)

    def leaves_no_trace(self, given: Input | None) -> bool:
        if not isinstance(given, CommandInput):
            return False
        command = self.router.commands.get(given.name.lower().lstrip("/"))
        return command is not None and command.anonymous is not None and command.anonymous(given)

    def stored_secret(self, name: str) -> str:
        with self.services.db.session() as session:
            return stored_secret(session, name, self.now())

"""Build the running pieces (services, router, dispatcher, outbox worker, scheduler, the core port
the adapters get) from settings and the installed features."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.clock import Clock
from bot.config import AppConfig
from bot.context import Services
from bot.core import Core
from bot.directory import ensure_org, sync_people
from bot.dispatch import Dispatcher, Router
from bot.feature import Feature, schedules
from bot.outbox import OutboxWorker
from bot.ports import Sender
from bot.scheduler import Scheduler
from extramile.features import FEATURES
from storage.db import Database
from storage.teams import TeamsConversations

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    services: Services
    router: Router
    dispatcher: Dispatcher
    worker: OutboxWorker
    scheduler: Scheduler
    core: Core


def prepare_database(db: Database, migrate: bool = True) -> None:
    """Apply pending migrations (``extramile run`` does this itself unless EXTRAMILE_AUTO_MIGRATE=0)."""
    if migrate:
        db.upgrade()


def build_runtime(config: AppConfig, db: Database, clock: Clock, senders: Mapping[str, Sender],
                  features: Sequence[Feature] = FEATURES) -> Runtime:
    """The core for these settings and these platforms' senders, serving ``features``."""
    with db.session() as session:
        org_id = ensure_org(session, config).id
        if org_id is None:  # ensure_org flushes: the row has its id
            raise RuntimeError("the organisation has no id after it was saved")
        sync_people(session, org_id, config, clock)
    router = Router(features)
    services = Services(db=db, config=config, clock=clock, org_id=org_id, active_platforms=tuple(senders),
                        features=router.features)
    worker = OutboxWorker(db, clock, senders)
    dispatcher = Dispatcher(services, router, on_queued=worker.notify)
    scheduler = Scheduler(dispatcher, services, schedules(router.features))
    core = Core(dispatcher, TeamsConversations(db, clock.now))
    return Runtime(services=services, router=router, dispatcher=dispatcher, worker=worker, scheduler=scheduler,
                   core=core)

"""The monthly culture report for HR: metrics (model, build), privacy, renderers, links, delivery.

Entry points: ``extramile report`` (CLI), ``/culture report [YYYY-MM]`` (HR only), the monthly
delivery (scheduler source ``report``) and signed links ``GET /reports/<token>``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.dispatch import Router
    from bot.scheduler import DueSource


def register(router: Router) -> None:
    from bot.reports import handlers

    router.command("culture", handlers.on_culture, prepare=handlers.prepare_culture)
    router.tick(handlers.DELIVER_JOB, handlers.on_deliver, prepare=handlers.prepare_delivery)


def schedule_source() -> DueSource:
    from bot.reports import handlers

    return handlers.delivery_due

"""The monthly culture report for HR: metrics (model, build), privacy, renderers, links, delivery.

Entry points: ``extramile report`` (CLI), ``/culture report [YYYY-MM]`` (HR only), the monthly
delivery (the ``report.deliver`` schedule) and signed links ``GET /reports/<token>``. The report's
sections come from the features that declare one (see :class:`bot.feature.Feature`).
"""

from __future__ import annotations

from bot.feature import Command, Feature, Schedule
from bot.reports import handlers

FEATURE = Feature(
    name="reports",
    commands=(Command(
        "culture", handlers.on_culture,
        usage="report [YYYY-MM]",
        help="`/culture report [YYYY-MM]` — the monthly culture report (HR only)",
        description="The monthly culture report (HR only)",
        prepare=handlers.prepare_culture),),
    schedules=(Schedule(handlers.DELIVER_JOB, handlers.delivery_due, handlers.DeliveryPayload, handlers.on_deliver,
                        prepare=handlers.prepare_delivery),),
)

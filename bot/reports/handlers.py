"""``/culture report [YYYY-MM]`` (HR only, answered privately) and the monthly delivery to HR."""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from pydantic import BaseModel, Field
from sqlmodel import Session

from bot import limits
from bot.context import Ctx, Services
from bot.errors import UserError
from bot.events import CommandInput, Event
from bot.feature import Due, Tick, report_parts
from bot.messages import Attachment, Context, Fields, Message, Neutral, Section, escape, text_message
from bot.people import find_actor, roles_of
from bot.reports import links, themes
from bot.reports.build import build_report, previous_month
from bot.reports.model import Report
from bot.reports.render import fmt_change, fmt_kpi, pct, to_html
from bot.scheduler import cron_due
from bot.texts import t
from storage import people as people_repo

log = logging.getLogger(__name__)

DELIVER_JOB = "report.deliver"
SCHEDULE = "report:delivery"
# A delivery missed while the bot was down is still sent if it comes back within this window.
GRACE = timedelta(days=3)
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class DeliveryPayload(BaseModel):
    """The monthly delivery: which month's report."""

    month: str = Field(pattern=r"^\d{4}-\d{2}$")


async def on_culture(ctx: Ctx[CommandInput]) -> None:
    words = ctx.input.text.split()
    if not words or words[0].lower() != "report" or len(words) > 2:
        raise UserError(t("reports.usage"))
    if "hr" not in ctx.roles:
        raise UserError(t("reports.hr_only"))
    tz = ZoneInfo(ctx.config.organization.timezone)
    now = ctx.now()
    month = words[1] if len(words) == 2 else previous_month(now, tz)
    if not _MONTH.match(month):
        raise UserError(t("reports.bad_month", given=limits.clip(month)))
    local = now.astimezone(tz)
    current = f"{local.year:04d}-{local.month:02d}"
    if month > current:
        raise UserError(t("reports.future_month", month=month, last=previous_month(now, tz)))
    report = build_report(ctx.session, ctx.org_id, ctx.config, month, now, themes_summary=ctx.prepared,
                          parts=report_parts(ctx.services.features))
    partial = t("reports.partial", month=month, now=local.strftime("%d %b %H:%M")) if month == current else ""
    # The report and its link go to the HR person's direct chat with the bot, never into the
    # conversation the command was typed in (a channel, a group chat, a DM with a colleague).
    person_id = ctx.person.id
    assert person_id is not None
    ctx.tell(person_id, report_message(ctx.session, ctx.services, report, person_id, html=to_html(report),
                                       intro=partial))
    if not _in_direct_chat(ctx):
        ctx.reply(replace(text_message(t("reports.sent_privately", month=month)), pointer=True))


def _in_direct_chat(ctx: Ctx[object]) -> bool:
    """Typed where only the person and the bot talk: the report arrives right there, no pointer needed."""
    where = ctx.event.where
    return where.is_private and where.private_origin


async def prepare_culture(services: Services, event: Event, given: CommandInput) -> str | None:
    """The LLM theme summary for an HR person's ``/culture report`` (nobody else's command calls it)."""
    if not services.config.llm.enabled or event.actor is None:
        return None
    with services.db.session() as session:
        person = find_actor(session, services.org_id, event.actor)
        if "hr" not in roles_of(services.config, person):
            return None
    tz = ZoneInfo(services.config.organization.timezone)
    month = themes.requested_month(given) or previous_month(services.clock.now(), tz)
    return await themes.summary(services, month) if _MONTH.match(month) else None


async def prepare_delivery(services: Services, event: Event, given: Tick[DeliveryPayload]) -> str | None:
    return await themes.summary(services, given.payload.month)


def report_message(session: Session, services: Services, report: Report, person_id: int, html: str,
                   intro: str = "") -> Message:
    """The summary plus the HTML file and a signed link for one HR person."""
    summary = t("reports.summary", month=report.month, organization=report.organization, **_recognition(report))
    url, expires = links.link_for(session, services.org_id, report.month, person_id, services.clock.now(),
                                  services.config.reports.link_ttl_seconds())
    tz = ZoneInfo(services.config.organization.timezone)
    note = t("reports.link_note", expires=expires.astimezone(tz).strftime("%d %b %Y %H:%M %Z"))
    fields = tuple((escape(k.label), escape(f"{fmt_kpi(k, k.value)} ({fmt_change(k)})")) for k in report.kpis)
    text = Neutral("\n".join(x for x in (intro, summary) if x))
    return Message(
        text=text,
        blocks=tuple(b for b in (Section(text=intro) if intro else None, Section(text=summary), Fields(pairs=fields),
                                 Context(text=note)) if b is not None),
        attachments=(Attachment(filename=f"culture-report-{report.month}.html",
                                title=t("reports.attachment_title", month=report.month), mime="text/html",
                                url=url, content=html),),
    )


def _recognition(report: Report) -> dict[str, object]:
    """The recognition figures the chat summary quotes (none when kudos are not installed)."""
    if not report.has("recognition"):
        return {"kudos_given": 0, "kudos_change": "", "gave_share": pct(None), "received_share": pct(None),
                "not_recognised": 0, "pairs": 0}
    section = report.section("recognition")
    kudos = next(k for k in section.headline if k.key == "kudos_given")
    return {"kudos_given": int(section.figure("kudos_given") or 0), "kudos_change": fmt_change(kudos),
            "gave_share": pct(section.figure("gave_share")), "received_share": pct(section.figure("received_share")),
            "not_recognised": int(section.figure("not_recognised_90d") or 0),
            "pairs": int(section.figure("exclusive_pairs") or 0)}


async def on_deliver(ctx: Ctx[Tick[DeliveryPayload]]) -> None:
    """The monthly delivery: the same report to every ``roles.hr`` person, each with their own link."""
    month = ctx.input.payload.month
    report = build_report(ctx.session, ctx.org_id, ctx.config, month, ctx.now(), themes_summary=ctx.prepared,
                          parts=report_parts(ctx.services.features))
    html = to_html(report)
    for email in ctx.config.roles.hr:
        person = people_repo.by_email(ctx.session, ctx.org_id, email)
        if person is None or person.id is None:
            log.warning("culture report %s: HR person %s is not in the directory yet; not sent to them", month, email)
            continue
        ctx.tell(person.id, report_message(ctx.session, ctx.services, report, person.id, html,
                                           intro=t("reports.delivery_intro")))


def delivery_due(session: Session, services: Services, now: datetime) -> list[Due[DeliveryPayload]]:
    """Scheduler source: last month's report on ``reports.delivery`` day and time, once per month."""
    delivery = services.config.reports.delivery
    hour, minute = (int(x) for x in delivery.time.split(":"))
    trigger = CronTrigger(day=delivery.day, hour=hour, minute=minute, timezone=ZoneInfo(delivery.timezone))
    window = cron_due(session, SCHEDULE, trigger, now, GRACE)
    org_tz = ZoneInfo(services.config.organization.timezone)
    due: list[Due[DeliveryPayload]] = []
    for fired in window.due:
        month = previous_month(fired, org_tz)
        due.append(Due(occurrence=f"report:{month}", payload=DeliveryPayload(month=month)))
    return due

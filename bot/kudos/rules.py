"""The rules of giving kudos: who can receive, which values, how many a day.

Kept apart from the handlers so every way of giving (command, form, reaction, "thank the owner"
after a request) obeys exactly the same rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from rapidfuzz import process as fuzzy

from bot import limits
from bot.config import AppConfig
from bot.context import Ctx
from bot.errors import UserError
from bot.parser import PersonRef
from bot.resolve import resolve_people
from bot.texts import t
from storage import kudos as repo
from storage.models import Kudos, Person


# ``kudos.source_ref``: where a kudos came from (a permalink, "REQ-12"); a reference, so cut to fit.
SOURCE_REF = 500


@dataclass(frozen=True)
class Budget:
    limit: int
    used: int
    resets_at: datetime

    @property
    def left(self) -> int:
        return max(0, self.limit - self.used)


def budget(ctx: Ctx[object], giver: Person) -> Budget:
    """The giver's budget for *their* day: it resets at midnight in the giver's timezone."""
    tz = ctx.tz(giver)
    local_now = ctx.now().astimezone(tz)
    day_start = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
    next_start = (day_start + timedelta(days=1, hours=2)).replace(hour=0)  # safe across DST changes
    used = repo.given_units_since(ctx.session, giver.id, day_start)
    return Budget(limit=ctx.config.kudos.daily_budget, used=used, resets_at=next_start)


def resolve_recipients(ctx: Ctx[object], refs: Sequence[PersonRef]) -> list[Person]:
    return resolve_people(ctx, refs, "kudos.unknown_person")


def check_values(config: AppConfig, slugs: Sequence[str]) -> list[str]:
    known = [v.slug for v in config.values]
    for slug in slugs:
        if slug not in known:
            best = fuzzy.extractOne(slug, known, score_cutoff=50)
            raise UserError(t("kudos.unknown_value", value=limits.clip(slug), suggestion=best[0] if best else "", values=known))
    if config.kudos.require_value and not slugs:
        raise UserError(t("kudos.value_required", values=known))
    return list(slugs)


def give(ctx: Ctx[object], giver: Person, recipients: Sequence[Person], values: Sequence[str], message: str,
         source: str = "command", source_ref: str = "") -> Kudos:
    """Validate everything first, then record; raises :class:`UserError` with nothing written."""
    settings = ctx.config.kudos
    if not recipients:
        raise UserError(t("kudos.no_recipient"))
    if any(r.id == giver.id for r in recipients):
        raise UserError(t("kudos.self"))
    if len(recipients) > settings.max_recipients:
        raise UserError(t("kudos.too_many", count=len(recipients), limit=settings.max_recipients))
    values = check_values(ctx.config, values)
    message = message.strip()
    limits.check_characters(message, "Your kudos message")
    if not message:
        raise UserError(t("kudos.no_message", names=" ".join(f"@{r.handle}" for r in recipients)))
    if len(message) > settings.max_length:
        raise UserError(t("kudos.too_long", length=len(message), limit=settings.max_length))
    left = budget(ctx, giver)
    if len(recipients) > left.left:
        raise UserError(t("kudos.over_budget", left=left.left, limit=left.limit, wanted=len(recipients),
                          resets=_reset_text(ctx, giver, left.resets_at)))
    return repo.record(ctx.session, org_id=ctx.org_id, giver_id=giver.id, recipient_ids=[r.id for r in recipients],
                       values=values, message=message, now=ctx.now(), platform=ctx.event.where.platform,
                       source=source, source_ref=source_ref[:SOURCE_REF])


def _reset_text(ctx: Ctx[object], giver: Person, resets_at: datetime) -> str:
    remaining = resets_at - ctx.now()
    hours, minutes = divmod(int(remaining.total_seconds()) // 60, 60)
    tz = ctx.tz(giver)
    return f"at midnight {tz.key} time (in {hours} h {minutes} min)"

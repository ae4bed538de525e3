"""``extramile report links`` and ``extramile report revoke``: take back report links already sent.

A report link is a bearer credential: whoever holds it sees the organisation's culture figures
until it expires. When one may have leaked (forwarded, pasted in a channel, a laptop lost), the
operator revokes it, or all of them; HR can ask the bot for a new one with ``/culture report``.
Revoking writes the revocation time on the link's row and nothing else.
"""

from __future__ import annotations

import re
import sys
from datetime import datetime

from sqlmodel import Session

from bot.clock import Clock
from bot.reports import links
from storage import report_links as link_repo
from storage.db import Database
from storage.models import Person
from storage.report_models import ReportLink

_NUMBER = re.compile(r"^#?([0-9]{1,9})$")


class _Refused(Exception):
    """One line for stderr and an exit code."""

    def __init__(self, line: str, code: int) -> None:
        super().__init__(line)
        self.line, self.code = line, code


def _when(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%d %H:%M UTC")


def describe(row: ReportLink, person: Person | None, now: datetime) -> str:
    who = (person.email or person.name) if person is not None else f"person {row.person_id}"
    ends = "expired" if row.expires_at <= now else "expires"
    return f"#{row.id} {row.month} report for {who} (sent {_when(row.issued_at)}, {ends} {_when(row.expires_at)})"


def list_links(db: Database, clock: Clock, migrate: bool) -> int:
    """Print the links that still work, one a line."""
    if migrate:
        db.upgrade()
    now = clock.now()
    with db.session() as session:
        rows = link_repo.active_links(session, now)
        print(f"{len(rows)} report link{'' if len(rows) == 1 else 's'} still work{'s' if len(rows) == 1 else ''}"
              + (":" if rows else ""))
        for row, person in rows:
            print("  " + describe(row, person, now))
    db.dispose()
    return 0


def revoke_links(db: Database, clock: Clock, migrate: bool, given: str, everything: bool) -> int:
    """``revoke --all`` or ``revoke LINK_OR_NUMBER``: print what was revoked; exit 0, else 1 or 2."""
    try:
        if everything == bool(given):
            raise _Refused("extramile: say which links: `extramile report revoke --all`, or one link "
                           "(its URL or number, see `extramile report links`)", 2)
        if migrate:
            db.upgrade()
        with db.session() as session:
            now = clock.now()
            if everything:
                rows = list(link_repo.active_links(session, now))
                link_repo.revoke(session, [row for row, _ in rows], now)
                print(f"revoked {len(rows)} report link{'' if len(rows) == 1 else 's'}" + (":" if rows else ""))
                for row, person in rows:
                    print("  " + describe(row, person, now))
                return 0
            found = link_repo.link_with_person(session, _link_number(session, given))
            if found is None:
                raise _Refused(f"extramile: there is no report link {given.strip()!r} "
                               "(`extramile report links` lists those that still work)", 1)
            row, person = found
            if row.revoked_at is not None:
                print(f"report link {describe(row, person, now)} was already revoked on "
                      f"{_when(row.revoked_at)}; nothing changed")
            elif row.expires_at <= now:
                print(f"report link {describe(row, person, now)} no longer works; nothing changed")
            else:
                link_repo.revoke(session, [row], now)
                print(f"revoked 1 report link:\n  {describe(row, person, now)}")
        return 0
    except _Refused as refused:
        print(refused.line, file=sys.stderr)
        return refused.code
    finally:
        db.dispose()


def _link_number(session: Session, given: str) -> int:
    """A link's number from its number (``12``, ``#12``), its URL or its token."""
    text = given.strip()
    number = _NUMBER.match(text)
    if number:
        return int(number.group(1))
    token = text.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0]
    key = links.existing_secret(session)
    try:
        if key is None:
            raise links.BadToken("no key")
        return links.read(key, token).link_id
    except links.BadToken:
        raise _Refused(f"extramile: {text[:80]!r} is not a report link this bot sent, nor a link number "
                       "(`extramile report links` lists them)", 2) from None

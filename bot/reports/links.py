"""Signed report links: ``GET /reports/<token>`` serves one month's report to one HR person.

The token is ``base64url(payload) "." base64url(HMAC-SHA256(secret, payload))``; the payload names
the link's row (table ``report_link``), the organisation, the month, the person and the expiry
(``reports.link_ttl`` after signing, a day by default, at most 30 days). The secret is
``EXTRAMILE_SECRET`` when set (same on every replica), else a random key generated once and kept
in the database (table ``report_secret``). Any change to a token breaks the MAC; an expired
token, a revoked link (``extramile report revoke``), or one for someone no longer in
``roles.hr``, is refused (403). Links are only ever sent in a direct message to the HR person.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from storage import report_links as link_repo
from storage import report_queries

ENV_SECRET = "EXTRAMILE_SECRET"
ENV_PUBLIC_URL = "EXTRAMILE_PUBLIC_URL"


class BadToken(Exception):
    """Altered, malformed or expired: the caller answers 403 without saying which."""


@dataclass(frozen=True)
class LinkGrant:
    org_id: int
    month: str
    person_id: int
    expires_at: datetime
    link_id: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def secret(session: Session, now: datetime) -> bytes:
    configured = os.environ.get(ENV_SECRET, "")
    return (configured or report_queries.link_secret(session, now)).encode()


def existing_secret(session: Session) -> bytes | None:
    """The key links were signed with, without creating one (None: no link was ever signed)."""
    configured = os.environ.get(ENV_SECRET, "") or report_queries.existing_link_secret(session)
    return configured.encode() if configured else None


def sign(key: bytes, grant: LinkGrant) -> str:
    payload = json.dumps({"i": grant.link_id, "o": grant.org_id, "m": grant.month, "p": grant.person_id,
                          "e": int(grant.expires_at.timestamp())}, separators=(",", ":")).encode()
    body = _b64(payload)
    return f"{body}.{_b64(hmac.new(key, body.encode(), hashlib.sha256).digest())}"


def read(key: bytes, token: str) -> LinkGrant:
    """What a token says, if its signature is ours (expiry and revocation are not checked here)."""
    body, _, mac = token.partition(".")
    expected = _b64(hmac.new(key, body.encode(), hashlib.sha256).digest())
    if not body or not hmac.compare_digest(mac.encode(), expected.encode()):
        raise BadToken("signature")
    try:
        data = json.loads(_unb64(body))
        return LinkGrant(org_id=int(data["o"]), month=str(data["m"]), person_id=int(data["p"]),
                         expires_at=datetime.fromtimestamp(int(data["e"]), UTC), link_id=int(data["i"]))
    except (ValueError, KeyError, TypeError, OverflowError, OSError) as exc:
        raise BadToken("payload") from exc


def verify(key: bytes, token: str, now: datetime) -> LinkGrant:
    """A signed, unexpired token's grant (:func:`check` then asks the database whether it still stands)."""
    grant = read(key, token)
    if now >= grant.expires_at:
        raise BadToken("expired")
    return grant


def check(session: Session, grant: LinkGrant, now: datetime) -> None:
    """The link's row must exist, match the token, and be neither expired nor revoked."""
    row = link_repo.report_link(session, grant.link_id)
    if (row is None or row.revoked_at is not None or now >= row.expires_at
            or (row.org_id, row.person_id, row.month) != (grant.org_id, grant.person_id, grant.month)):
        raise BadToken("revoked")


def link_for(session: Session, org_id: int, month: str, person_id: int, now: datetime, ttl_s: int) -> tuple[str, datetime]:
    """Issue a link (recorded, so it can be revoked): its full URL and when it expires."""
    expires = now + timedelta(seconds=ttl_s)
    row = link_repo.add_report_link(session, org_id, person_id, month, now, expires)
    assert row.id is not None
    token = sign(secret(session, now), LinkGrant(org_id, month, person_id, expires, row.id))
    return f"{public_url()}/reports/{token}", expires


def public_url() -> str:
    """Where people reach the bot's web server (``EXTRAMILE_PUBLIC_URL``, e.g. https://extramile.example.com)."""
    url = os.environ.get(ENV_PUBLIC_URL) or f"http://localhost:{os.environ.get('PORT', '3000')}"
    return url.rstrip("/")

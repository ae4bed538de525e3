"""Signed report links: ``GET /reports/<token>`` serves one month's report to one HR person.

The token is ``base64url(payload) "." base64url(HMAC-SHA256(secret, payload))``; the payload names
the organisation, the month, the person and the expiry (``reports.link_ttl`` after signing).
The secret is ``EXTRAMILE_SECRET`` when set (same on every replica), else a random key generated
once and kept in the database (table ``report_secret``). Any change to a token breaks the MAC;
an expired token, or one for someone no longer in ``roles.hr``, is refused (403).
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


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def secret(session: Session, now: datetime) -> bytes:
    configured = os.environ.get(ENV_SECRET, "")
    return (configured or report_queries.link_secret(session, now)).encode()


def sign(key: bytes, grant: LinkGrant) -> str:
    payload = json.dumps({"o": grant.org_id, "m": grant.month, "p": grant.person_id,
                          "e": int(grant.expires_at.timestamp())}, separators=(",", ":")).encode()
    body = _b64(payload)
    return f"{body}.{_b64(hmac.new(key, body.encode(), hashlib.sha256).digest())}"


def verify(key: bytes, token: str, now: datetime) -> LinkGrant:
    body, _, mac = token.partition(".")
    expected = _b64(hmac.new(key, body.encode(), hashlib.sha256).digest())
    if not body or not hmac.compare_digest(mac.encode(), expected.encode()):
        raise BadToken("signature")
    try:
        data = json.loads(_unb64(body))
        grant = LinkGrant(org_id=int(data["o"]), month=str(data["m"]), person_id=int(data["p"]),
                          expires_at=datetime.fromtimestamp(int(data["e"]), UTC))
    except (ValueError, KeyError, TypeError) as exc:
        raise BadToken("payload") from exc
    if now >= grant.expires_at:
        raise BadToken("expired")
    return grant


def link_for(session: Session, org_id: int, month: str, person_id: int, now: datetime, ttl_s: int) -> tuple[str, datetime]:
    """The full URL of a report link and when it expires."""
    expires = now + timedelta(seconds=ttl_s)
    token = sign(secret(session, now), LinkGrant(org_id, month, person_id, expires))
    return f"{public_url()}/reports/{token}", expires


def public_url() -> str:
    """Where people reach the bot's web server (``EXTRAMILE_PUBLIC_URL``, e.g. https://extramile.example.com)."""
    url = os.environ.get(ENV_PUBLIC_URL) or f"http://localhost:{os.environ.get('PORT', '3000')}"
    return url.rstrip("/")

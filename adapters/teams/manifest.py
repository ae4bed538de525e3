"""The Teams app package: manifest.json plus the two icons, zipped (``extramile manifest teams``).

Teams requires a 192x192 full-colour icon and a 32x32 outline icon (white on transparent). They
are drawn here with zlib + struct (a PNG is a few chunks), so the package needs no image library.
The bot's command menu is generated from the commands the installed features declare, the same list
the Slack manifest uses, so a feature that adds a command appears on both platforms. The developer links
default to ``/privacy`` and ``/terms`` under ``--url``, pages ``extramile run`` serves; app.yaml's
``teams.privacy_url`` and ``teams.terms_url`` replace them.
"""

from __future__ import annotations

import io
import json
import math
import struct
import uuid
import zipfile
import zlib
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlparse

from bot.texts import shorten

MANIFEST_VERSION = "1.22"
SCHEMA_URL = f"https://developer.microsoft.com/json-schemas/teams/v{MANIFEST_VERSION}/MicrosoftTeams.schema.json"
SCOPES = ["personal", "team", "groupChat"]
ACCENT = "#0E7C66"
COLOR_SIZE, OUTLINE_SIZE = 192, 32
MAX_COMMANDS = 10  # Teams shows at most 10 commands per command list


def manifest(app_id: str, commands: Sequence[tuple[str, str, str]], *, version: str, url: str = "",
             name: str = "Extra Mile", developer: str = "Extra Mile contributors", privacy_url: str | None = None,
             terms_url: str | None = None) -> dict[str, Any]:
    """manifest.json for a bot-only app in personal chats, group chats and team channels."""
    uuid.UUID(app_id)  # Teams wants the Entra app id (a GUID) as both app id and bot id
    site = url.rstrip("/") or "https://github.com/extramile/extramile"
    domains = [host] if (host := urlparse(url).hostname) else []
    # Teams: title at most 32 characters, description 128; shortened at a word, never mid-word.
    command_list = [{"title": command[:32], "description": shorten(f"{description} — {command} {usage}", 128)}
                    for command, description, usage in commands][:MAX_COMMANDS]
    return {
        "$schema": SCHEMA_URL,
        "manifestVersion": MANIFEST_VERSION,
        "version": version,
        "id": app_id,
        "developer": {"name": developer, "websiteUrl": site, "privacyUrl": privacy_url or f"{site}/privacy",
                      "termsOfUseUrl": terms_url or f"{site}/terms"},
        "name": {"short": name[:30], "full": f"{name}: a service-culture bot"[:100]},
        "description": {
            "short": "Kudos, service prompts and stories for internal customers"[:80],
            "full": ("Extra Mile builds an internal service culture: give kudos for our values "
                     "(kudos @person #value what for), answer service prompts, share stories, and see "
                     "a privacy-safe culture report. Works in personal chat, group chats and channels.")[:4000],
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": ACCENT,
        "bots": [{
            "botId": app_id,
            "scopes": SCOPES,
            "supportsFiles": False,
            "isNotificationOnly": False,
            "commandLists": [{"scopes": SCOPES, "commands": command_list}],
        }],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": domains,
    }


def package(app_id: str, commands: Sequence[tuple[str, str, str]], *, version: str, url: str = "",
            name: str = "Extra Mile", privacy_url: str | None = None, terms_url: str | None = None) -> bytes:
    """The zip Teams accepts under Apps > Manage your apps > Upload an app."""
    buffer = io.BytesIO()
    content = manifest(app_id, commands, version=version, url=url, name=name, privacy_url=privacy_url,
                       terms_url=terms_url)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(content, indent=2, ensure_ascii=False))
        archive.writestr("color.png", color_icon())
        archive.writestr("outline.png", outline_icon())
    return buffer.getvalue()


def color_icon(size: int = COLOR_SIZE) -> bytes:
    """A white star on the accent colour, full bleed (Teams rounds the corners itself)."""
    background = _hex(ACCENT) + (255,)
    return _png(size, lambda x, y: (255, 255, 255, 255) if _in_star(x, y, size, 0.36) else background)


def outline_icon(size: int = OUTLINE_SIZE) -> bytes:
    """A white star on transparency: Teams requires exactly white and transparent pixels."""
    return _png(size, lambda x, y: (255, 255, 255, 255) if _in_star(x, y, size, 0.46) else (0, 0, 0, 0))


def _hex(colour: str) -> tuple[int, int, int]:
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _star(size: int, radius: float) -> list[tuple[float, float]]:
    cx = cy = size / 2
    outer, inner = size * radius, size * radius * 0.45
    points = []
    for i in range(10):
        r = outer if i % 2 == 0 else inner
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((cx + r * math.cos(angle), cy + r * math.sin(angle) + size * 0.03))
    return points


def _in_star(x: int, y: int, size: int, radius: float) -> bool:
    """Even-odd rule at the pixel centre."""
    px, py = x + 0.5, y + 0.5
    polygon = _star(size, radius)
    inside = False
    for (x1, y1), (x2, y2) in zip(polygon, polygon[1:] + polygon[:1]):
        if (y1 > py) != (y2 > py) and px < x1 + (py - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def _png(size: int, pixel: Any) -> bytes:
    rows = b"".join(b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(size)) for y in range(size))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")

"""``extramile manifest teams``: a zip Teams accepts (manifest fields, icon sizes, outline colours)."""

from __future__ import annotations

import json
import struct
import zipfile
import zlib
from pathlib import Path

from bot.features import SLASH_COMMANDS
from tests.support import run_cli

APP_ID = "0b7c8e55-9a0f-4d7e-9a55-5b1f3c2d1e00"


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and RGBA pixels of a non-interlaced 8-bit RGBA PNG (filter type 0 rows)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", chunk[:10])
            assert (depth, colour) == (8, 6)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = 1 + width * 4
    pixels = [raw[y * stride + 1 + x * 4: y * stride + 5 + x * 4] for y in range(height) for x in range(width)]
    return width, height, pixels


def test_manifest_teams_builds_a_valid_package(cli_env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "extramile-teams.zip"
    result = run_cli(["manifest", "teams", "--out", str(out), "--url", "https://extramile.example.org"],
                     {**cli_env, "TEAMS_APP_ID": APP_ID})
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(archive.read("manifest.json"))
        color = png_pixels(archive.read("color.png"))
        outline = png_pixels(archive.read("outline.png"))
    assert manifest["manifestVersion"] == "1.22" and manifest["$schema"].endswith("/v1.22/MicrosoftTeams.schema.json")
    for key in ("version", "id", "developer", "name", "description", "icons", "accentColor"):
        assert manifest[key], key
    assert manifest["id"] == APP_ID and len(manifest["name"]["short"]) <= 30
    assert len(manifest["description"]["short"]) <= 80
    assert set(manifest["developer"]) >= {"name", "websiteUrl", "privacyUrl", "termsOfUseUrl"}
    bot = manifest["bots"][0]
    assert bot["botId"] == APP_ID and bot["scopes"] == ["personal", "team", "groupChat"]
    titles = [c["title"] for c in bot["commandLists"][0]["commands"]]
    assert titles == [name for name, _, _ in SLASH_COMMANDS][:10] and "kudos" in titles
    assert all(len(c["description"]) <= 128 for c in bot["commandLists"][0]["commands"])
    assert manifest["validDomains"] == ["extramile.example.org"]
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    assert color[:2] == (192, 192) and outline[:2] == (32, 32)
    # The outline icon is white on transparent and nothing else.
    assert {p for p in outline[2]} <= {b"\xff\xff\xff\xff", b"\x00\x00\x00\x00"}
    assert b"\xff\xff\xff\xff" in outline[2] and b"\x00\x00\x00\x00" in outline[2]


def test_manifest_teams_needs_a_bot_id(cli_env: dict[str, str], tmp_path: Path) -> None:
    result = run_cli(["manifest", "teams", "--out", str(tmp_path / "x.zip")], cli_env)
    assert result.returncode == 2 and "TEAMS_APP_ID" in result.stderr
    bad = run_cli(["manifest", "teams", "--out", str(tmp_path / "x.zip"), "--app-id", "not-a-guid"], cli_env)
    assert bad.returncode == 2 and "GUID" in bad.stderr and not (tmp_path / "x.zip").exists()

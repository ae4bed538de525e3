"""``extramile manifest teams``: a zip Teams accepts (manifest fields, icon sizes, outline colours)."""

from __future__ import annotations

import json
import struct
import zipfile
import zlib
from pathlib import Path

from bot.feature import slash_commands
from extramile.features import FEATURES
from tests.support import run_cli

SLASH_COMMANDS = slash_commands(FEATURES)

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


SCHEMA = next((p / "shared" / "external-samples" / "teams-schema" / "MicrosoftTeams.v1.22.schema.json"
               for p in Path(__file__).resolve().parents
               if (p / "shared" / "external-samples" / "teams-schema").is_dir()), None)


def built_manifest(cli_env: dict[str, str], tmp_path: Path, *extra: str, env: dict[str, str] | None = None) -> dict:
    out = tmp_path / "extramile-teams.zip"
    result = run_cli(["manifest", "teams", "--out", str(out), *extra], {**cli_env, "TEAMS_APP_ID": APP_ID, **(env or {})})
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(out) as archive:
        return json.loads(archive.read("manifest.json"))


def test_the_manifest_is_valid_against_microsofts_schema(cli_env: dict[str, str], tmp_path: Path) -> None:
    import jsonschema

    assert SCHEMA is not None, "external-samples/teams-schema is missing"
    schema = json.loads(SCHEMA.read_text())
    for extra in ([], ["--url", "https://extramile.example.org"]):
        manifest = built_manifest(cli_env, tmp_path, *extra)
        jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker()).validate(manifest)


async def test_the_manifests_privacy_and_terms_links_are_pages_extramile_run_serves(
        cli_env: dict[str, str], tmp_path: Path, teams) -> None:  # type: ignore[no-untyped-def]
    from urllib.parse import urlparse

    manifest = built_manifest(cli_env, tmp_path, "--url", "https://extramile.example.org")
    developer = manifest["developer"]
    for key, heading, phrase in (("privacyUrl", "Privacy", "Where your data lives"),
                                 ("termsOfUseUrl", "Terms of use", "MIT")):
        url = urlparse(developer[key])
        assert url.scheme == "https" and url.hostname == "extramile.example.org"
        async with teams.http.get(f"{teams.server.url}{url.path}") as resp:  # the same path on the running server
            assert resp.status == 200 and resp.content_type == "text/html"
            assert "script-src" not in resp.headers["Content-Security-Policy"]  # default-src 'none': no script
            page = await resp.text()
        assert f"<h1>Extra Mile — {heading}</h1>" in page and phrase in page


def test_app_yaml_can_name_the_privacy_and_terms_pages(cli_env: dict[str, str], tmp_path: Path) -> None:
    config = tmp_path / "app.yaml"
    config.write_text("teams:\n  privacy_url: https://intranet.example.org/privacy\n"
                      "  terms_url: https://intranet.example.org/terms\n")
    manifest = built_manifest(cli_env, tmp_path, "--url", "https://extramile.example.org",
                              env={"EXTRAMILE_CONFIG": str(config)})
    assert manifest["developer"]["privacyUrl"] == "https://intranet.example.org/privacy"
    assert manifest["developer"]["termsOfUseUrl"] == "https://intranet.example.org/terms"
    config.write_text("teams:\n  privacy_url: http://intranet.example.org/privacy\n")
    result = run_cli(["manifest", "teams", "--out", str(tmp_path / "x.zip")],
                     {**cli_env, "TEAMS_APP_ID": APP_ID, "EXTRAMILE_CONFIG": str(config)})
    assert result.returncode == 2 and "teams.privacy_url" in result.stderr and "https://" in result.stderr


def test_pages_render_the_readme_section_as_safe_html() -> None:
    from extramile.pages import render, section

    readme = ("# X\n## Privacy\nWe keep *little*.\n\n<script>alert(1)</script>\n[click](javascript:alert(1))\n"
              "```\n## Not a heading\n```\n### Details\nmore\n## Next\nother")
    text = section(readme, "Privacy")
    assert text.startswith("We keep") and "## Not a heading" in text and "more" in text and "other" not in text
    page = render("Privacy", text)
    assert page is not None and "<em>little</em>" in page
    assert "<script>" not in page and "&lt;script&gt;" in page and 'href="javascript:' not in page
    assert render("Privacy", section(readme, "Missing")) is None

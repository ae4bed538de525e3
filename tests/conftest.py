"""Shared fixtures: a fresh database per test (SQLite, or a PostgreSQL schema when
TEST_DATABASE_URL is set), and a harness that drives the real dispatcher and outbox."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.fakes.openai_api import openai_server  # noqa: F401  (fixture: the fake OpenAI API)
from tests.slack_support import fake, rig  # noqa: F401  (fixtures: the fake Slack Web API, the app on it)
from tests.support import REPO, Harness, base_config
from tests.teams_support import teams  # noqa: F401  (fixture: the app with Teams and a fake connector)


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path}/test.db"
        return
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    """Environment for running the real ``extramile`` command against the test database."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "TEAMS_", "OPENAI_", "EXTRAMILE_"))}
    env.update(DATABASE_URL=database_url, EXTRAMILE_CONFIG=str(REPO / "app.yaml"), PYTHONUNBUFFERED="1")
    return env


@pytest.fixture
async def harness(database_url: str) -> Iterator[Harness]:
    h = Harness(database_url, base_config())
    h.seed_demo()
    yield h
    h.close()

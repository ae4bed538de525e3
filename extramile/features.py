"""The installed features: the one list everything else is derived from.

The router, the scheduler's sources, ``help``, App Home, the report's sections, ``extramile
export``, the Slack manifest's slash commands and the Teams command lists all read this tuple (see
:mod:`bot.feature`). A new feature adds its ``FEATURE`` here; its order is the order of the help
lines, the Home sections, the report's sections and the manifests' commands.
"""

from __future__ import annotations

from bot import help, home, kudos, prompts, reports, requests, stories
from bot.feature import Feature

FEATURES: tuple[Feature, ...] = (
    kudos.FEATURE,
    requests.FEATURE,
    prompts.FEATURE,
    stories.FEATURE,
    home.FEATURE,
    reports.FEATURE,
    help.FEATURE,
)

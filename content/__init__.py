"""Texts as data: default values, message templates, demo people and (later) prompts.

Only loading helpers live here; the files beside this module are what an organisation may want to
read or translate.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml


@cache
def load_yaml(name: str) -> Any:
    """Load a YAML file shipped in this package (cached: content never changes at run time)."""
    return yaml.safe_load(resources.files(__name__).joinpath(name).read_text(encoding="utf-8"))


def default_values() -> list[dict[str, str]]:
    return list(load_yaml("values.yaml")["values"])


@cache
def messages() -> dict[str, str]:
    """Every text the bot says: all ``messages/*.yaml`` files merged; a key defined twice is a bug."""
    merged: dict[str, str] = {}
    folder = resources.files(__name__).joinpath("messages")
    for item in sorted(folder.iterdir(), key=lambda i: i.name):
        if not item.name.endswith(".yaml"):
            continue
        texts = yaml.safe_load(item.read_text(encoding="utf-8")) or {}
        duplicated = merged.keys() & texts.keys()
        if duplicated:
            raise ValueError(f"content/messages/{item.name} redefines {sorted(duplicated)}")
        merged.update(texts)
    return merged

"""Message texts come from ``content/messages/*.yaml`` (jinja2 templates, one file per feature), so
they can be read, reworded or translated without touching code."""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, StrictUndefined, Template

import content

_env = Environment(undefined=StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True,
                   keep_trailing_newline=False)


@cache
def _template(key: str) -> Template:
    texts = content.messages()
    if key not in texts:
        raise KeyError(f"content/messages/*.yaml has no text {key!r}")
    return _env.from_string(texts[key])


def t(key: str, **variables: Any) -> str:
    """Render one text; a missing variable is a bug and raises rather than printing blanks."""
    return _template(key).render(**variables).strip()

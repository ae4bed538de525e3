"""The composition root: the CLI and the one process that wires core, storage and adapters.

It is the only package allowed to import both ``bot`` and ``adapters``.
"""

from bot import __version__

__all__ = ["__version__"]

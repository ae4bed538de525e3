"""Platform-neutral core of Extra Mile.

Nothing in this package imports a chat SDK or anything from ``adapters/``: adapters turn platform
payloads into :mod:`bot.events` and render :mod:`bot.messages`; everything in between is decided here.
"""

__version__ = "0.1.0"

"""Errors a handler raises to answer the user instead of acting."""

from __future__ import annotations


class UserError(Exception):
    """Bad input or a refused step: the text goes privately to whoever asked, and nothing is recorded.

    The dispatcher rolls back everything the handler wrote before raising it.
    """

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text

"""The core's error type: every bad input names the field, what was wrong and what is allowed."""

from __future__ import annotations


class ConfigError(ValueError):
    """A configuration or input value that cannot be used.

    ``field`` names the offending setting (``"lr"``, ``"layers"``, ``"csv: row 7, column x2"``) so
    interfaces can point at the right control; the message says what was given and what is allowed.
    """

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def given(value: object, limit: int = 60) -> str:
    """A value as a message quotes it: its repr, cut short (it may be a 40 kB list a client sent)."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"

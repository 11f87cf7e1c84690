"""What a parser says when a capture cannot be used, or can be used with a caveat."""

from __future__ import annotations

from dataclasses import dataclass


class ParseError(ValueError):
    """The capture (or one record of a dump) cannot be imported."""

    def __init__(self, reason: str, hint: str = "", where: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.hint = hint
        self.where = where
        """Inside the file: ``record 17``, ``line 3``; empty for the whole file."""


@dataclass(frozen=True, slots=True)
class Warned:
    """A caveat about an imported capture (it was imported all the same)."""

    reason: str
    where: str = ""
    hint: str = ""


@dataclass(frozen=True, slots=True)
class Skipped:
    """A part of a capture (one record of a dump) that could not be imported."""

    reason: str
    where: str = ""
    hint: str = ""


Note = Warned | Skipped

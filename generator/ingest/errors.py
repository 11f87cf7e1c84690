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


@dataclass(frozen=True, slots=True)
class Counted:
    """Parts of a capture left out on purpose, counted in the summary and not reported:
    ``n`` records of a web archive that hold no page (requests, revisits, images,
    responses other than 200), pages that hold no statement (an index, an error page)."""

    what: str
    """What was left out, as the summary says it: ``archive records skipped (revisit)``."""
    n: int = 1


Note = Warned | Skipped | Counted

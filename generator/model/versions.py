"""The versions of a statement altered at source, as the store keeps their texts.

A statement's body holds the text it shows (its last version's) first; the
texts of its other versions follow, each after a marker line of its own::

    Pyongyang, October 25 (KCNA) -- G7 that has come under ... (version 2, shown)

    <!-- version 1 -->

    Pyongyang, October 25 (KCNA) -- G7, a common eyesore ...

A captured paragraph can never make such a line: the Markdown the importer
writes escapes a paragraph that starts with ``<``. A body is split only when
its statement lists more than one version, so a file written by hand without
``versions:`` is one text, whatever it holds.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

from .documents import Statement, Version

_MARKER = re.compile(r"^<!-- version ([1-9][0-9]{0,3}) -->$", re.M)


def marker(number: int) -> str:
    return f"<!-- version {number} -->"


def join_body(shown: str, others: Mapping[int, str]) -> str:
    """A body of the text shown and the other versions' texts (by number), in order."""
    parts = [shown.strip("\n")]
    for number in sorted(others):
        parts.append(marker(number))
        text = others[number].strip("\n")
        if text:
            parts.append(text)
    return "\n\n".join(p for p in parts if p)


def split_body(body: str) -> tuple[str, dict[int, str]]:
    """The text shown and the other versions' texts, by number (``join_body`` undone)."""
    matches = list(_MARKER.finditer(body))
    if not matches:
        return body, {}
    shown = body[:matches[0].start()].strip("\n")
    others: dict[int, str] = {}
    for n, match in enumerate(matches):
        end = matches[n + 1].start() if n + 1 < len(matches) else len(body)
        others.setdefault(int(match.group(1)), body[match.end():end].strip("\n"))
    return shown, others


def shown_body(statement: Statement, body: str) -> str:
    """The text ``statement`` shows, from its whole ``body``."""
    return split_body(body)[0] if statement.altered else body


def texts(statement: Statement, body: str) -> dict[int, str | None]:
    """Each version's text by number (1 for a statement not altered); None: the body lacks
    it (a section removed by hand)."""
    if not statement.altered:
        return {1: body}
    shown, others = split_body(body)
    last = len(statement.versions)
    return {n: shown if n == last else others.get(n) for n in range(1, last + 1)}


def altered_on(statement: Statement) -> dt.date | None:
    """When its last version was first seen (None: not altered, or not known)."""
    return statement.versions[-1].first_seen if statement.altered else None


def changes(statement: Statement) -> list[tuple[int, Version]]:
    """Each version after the first, with its number (from 2)."""
    return list(enumerate(statement.versions, start=1))[1:]

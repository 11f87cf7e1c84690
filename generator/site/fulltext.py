"""The full text export: every statement's text with the facts that say what it is.

``data/statements-text.jsonl.gz`` is JSON Lines (one JSON object per line,
oldest statement first), gzip-compressed one member per year, like the
metadata exports (``exports``): a new statement recompresses one year's part.
Each line has ``id``, ``url`` (relative to the site root), ``title``,
``date`` (YYYY-MM-DD), ``issuer``, ``organization``, ``source``, ``kind`` and
``text``: the text a reader sees, as plain text, its paragraphs separated by a
blank line (not the Markdown source, whose escapes a text model would have to
undo); null for a title-only item (a photo or video item) or an empty body.
A statement altered at source has ``altered`` true and ``versions``: every
version, oldest first, each with its ``number``, ``title``, ``first_seen``,
``last_seen`` (YYYY-MM-DD or null) and ``text`` (plain text, as ``text``; the
last version's is the statement's ``text``). ``versions`` is null for a
statement never altered.

A statement's text is read from the store's cache (``Archive.body``); a body
that cannot be read stops the build (``store.Bodies.get`` names the file):
a row without its text would look like a statement that has none.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..model.documents import Statement
from ..model.markdown import plain_blocks
from .urls import Paths

FIELDS = ("id", "url", "title", "date", "issuer", "organization", "source", "kind", "text",
          "altered", "versions")

Texts = Callable[[Statement], Mapping[int, "str | None"]]
"""Each version's Markdown text of an altered statement, by number (``Archive.texts``)."""


def text(body: str) -> str | None:
    """``body`` as plain text, paragraphs separated by a blank line; None when it is empty."""
    return "\n\n".join(plain_blocks(body)) or None


def _day(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def versions(statement: Statement, texts: Mapping[int, str | None]) -> list[dict[str, Any]] | None:
    """Every version of an altered statement with its text, oldest first (None: not altered)."""
    if not statement.altered:
        return None
    return [{"number": n, "title": v.title, "first_seen": _day(v.first_seen),
             "last_seen": _day(v.last_seen), "text": text(texts.get(n) or "")}
            for n, v in enumerate(statement.versions, start=1)]


def record(statement: Statement, body: str, texts: Mapping[int, str | None] | None = None
           ) -> dict[str, Any]:
    """One line of the full text export (``body``: the statement's Markdown body as shown;
    ``texts``: its versions' texts, if it was altered at source)."""
    return {
        "id": statement.id,
        "url": Paths.statement(statement.id),
        "title": statement.title,
        "date": statement.date.isoformat(),
        "issuer": statement.issuer.issuer,
        "organization": statement.issuer.organization,
        "source": statement.source,
        "kind": statement.issuer.kind,
        "text": None if statement.title_only else text(body),
        "altered": statement.altered,
        "versions": versions(statement, texts or {}),
    }


def lines(statements: Sequence[Statement], body: Callable[[Statement], str],
          texts: Texts | None = None) -> bytes:
    """The export's lines for ``statements`` (each ending in a newline)."""
    return "".join(
        json.dumps(record(s, body(s), texts(s) if texts and s.altered else None),
                   ensure_ascii=False, separators=(",", ":")) + "\n"
        for s in statements).encode("utf-8")

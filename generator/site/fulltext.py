"""The full text export: every statement's text with the facts that say what it is.

``data/statements-text.jsonl.gz`` is JSON Lines (one JSON object per line,
oldest statement first), gzip-compressed one member per year, like the
metadata exports (``exports``): a new statement recompresses one year's part.
Each line has ``id``, ``url`` (relative to the site root), ``title``,
``date`` (YYYY-MM-DD), ``issuer``, ``organization``, ``source``, ``kind`` and
``text``: the text a reader sees, as plain text, its paragraphs separated by a
blank line (not the Markdown source, whose escapes a text model would have to
undo); null for a title-only item (a photo or video item) or an empty body.

A statement's text is read from the store's cache (``Archive.body``); a body
that cannot be read stops the build (``store.Bodies.get`` names the file):
a row without its text would look like a statement that has none.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from ..model.documents import Statement
from ..model.markdown import plain_blocks
from .urls import Paths

FIELDS = ("id", "url", "title", "date", "issuer", "organization", "source", "kind", "text")


def text(body: str) -> str | None:
    """``body`` as plain text, paragraphs separated by a blank line; None when it is empty."""
    return "\n\n".join(plain_blocks(body)) or None


def record(statement: Statement, body: str) -> dict[str, Any]:
    """One line of the full text export (``body``: the statement's Markdown body)."""
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
    }


def lines(statements: Sequence[Statement], body: Callable[[Statement], str]) -> bytes:
    """The export's lines for ``statements`` (each ending in a newline)."""
    return "".join(json.dumps(record(s, body(s)), ensure_ascii=False, separators=(",", ":"))
                   + "\n" for s in statements).encode("utf-8")

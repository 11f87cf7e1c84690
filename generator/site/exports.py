"""Data exports: every statement's metadata as JSON and as CSV.

Both are written gzip-compressed (``data/statements.json.gz``,
``data/statements.csv.gz``; ``pandas.read_csv`` and ``gunzip`` read them as
they are). The JSON is an array, oldest statement first; each item has
``id``, ``url`` (relative to the site root), ``title``, ``date``
(YYYY-MM-DD), ``source``, ``issuer``, ``issuer_id``, ``organization``,
``organization_id``, ``kind``, ``title_only``, ``altered`` (true when altered
at source), ``versions`` (oldest first, one for a statement never altered:
``title``, ``sha256`` of its normalised text, ``first_seen``, ``last_seen``,
``captures`` as their checksums, ``added``, ``removed``, ``reverts``) and
``captures`` (``file``, ``source_url``, ``captured``, ``sha256``). The CSV has
the same fields, one row per statement, with the captures' fields joined by
`` | ``, and the versions' (``version_title``, ...) too, a version's captures
separated by spaces. A CSV cell
that a spreadsheet would run as a formula (it starts with ``=``, ``+``,
``-``, ``@``) is prefixed with ``'``.

Each file is made of parts (the JSON's head, the items of each year, ...),
each compressed on its own: a gzip file of several members, which every gzip
reader reads as one text. A build then compresses again only the parts that
changed (``specs.PartsSpec``): a change to one year costs that year's part.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Sequence
from typing import Any

from ..model import textdiff
from ..model.documents import Statement
from ..model.markdown import plain_paragraphs, plain_text
from .urls import Paths

FIELDS = ("id", "url", "title", "date", "source", "issuer", "issuer_id", "organization",
          "organization_id", "kind", "title_only", "altered")
CAPTURE_FIELDS = ("file", "source_url", "captured", "sha256")
VERSION_FIELDS = ("title", "sha256", "first_seen", "last_seen", "captures")


def _no_body(statement: Statement) -> str:
    return statement.body or ""


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def versions(statement: Statement, body_of: Callable[[Statement], str] = _no_body
             ) -> list[dict[str, Any]]:
    """A statement's versions, oldest first: one for a statement never altered (its title,
    the checksum of the text it shows, ``body_of`` giving that text)."""
    if not statement.versions:
        paragraphs = plain_paragraphs(body := body_of(statement))
        text = "\n".join(paragraphs) if paragraphs is not None else plain_text(body)
        seen = sorted({c.captured for c in statement.captures if c.captured})
        return [{"title": statement.title, "sha256": textdiff.checksum(textdiff.normalise(text)),
                 "first_seen": _iso(seen[0]) if seen else None,
                 "last_seen": _iso(seen[-1]) if seen else None,
                 "captures": [c.sha256 for c in statement.captures],
                 "added": 0, "removed": 0, "reverts": None}]
    return [{"title": v.title, "sha256": v.sha256, "first_seen": _iso(v.first_seen),
             "last_seen": _iso(v.last_seen), "captures": list(v.captures), "added": v.added,
             "removed": v.removed, "reverts": v.reverts} for v in statement.versions]


def record(statement: Statement, body_of: Callable[[Statement], str] = _no_body
           ) -> dict[str, Any]:
    """The exported fields of one statement (``body_of`` gives the text it shows)."""
    return {
        "id": statement.id,
        "url": Paths.statement(statement.id),
        "title": statement.title,
        "date": statement.date.isoformat(),
        "source": statement.source,
        "issuer": statement.issuer.issuer,
        "issuer_id": statement.issuer.issuer_id,
        "organization": statement.issuer.organization,
        "organization_id": statement.issuer.organization_id,
        "kind": statement.issuer.kind,
        "title_only": statement.title_only,
        "altered": statement.altered,
        "versions": versions(statement, body_of),
        "captures": [
            {"file": c.file, "source_url": c.source_url,
             "captured": c.captured.isoformat() if c.captured else None, "sha256": c.sha256}
            for c in statement.captures
        ],
    }


#: The JSON export is ``JSON_HEAD``, the ``json_items`` of each run of statements joined
#: by ``JSON_SEPARATOR``, then ``JSON_TAIL``.
JSON_HEAD, JSON_SEPARATOR, JSON_TAIL = b"[\n", b",\n", b"\n]\n"


def json_items(statements: Sequence[Statement], body_of: Callable[[Statement], str] = _no_body
               ) -> bytes:
    """The JSON export's items for ``statements``, one per line, without the array around them."""
    return ",\n".join(json.dumps(record(s, body_of), ensure_ascii=False, separators=(",", ":"))
                      for s in statements).encode()


def statements_json(statements: Sequence[Statement],
                    body_of: Callable[[Statement], str] = _no_body) -> bytes:
    return JSON_HEAD + json_items(statements, body_of) + JSON_TAIL


def _cell(value: Any) -> str:
    text = "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_header() -> bytes:
    """The CSV export's first row (its column names); the rows of the statements follow it."""
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerow(
        [*FIELDS, *(f"capture_{f}" for f in CAPTURE_FIELDS),
         *(f"version_{f}" for f in VERSION_FIELDS)])
    return out.getvalue().encode("utf-8")


def statements_csv(statements: Sequence[Statement],
                   body_of: Callable[[Statement], str] = _no_body) -> bytes:
    return csv_header() + csv_rows(statements, body_of)


def _version_cell(version: dict[str, Any], field: str) -> str:
    value = version[field]
    return " ".join(value) if field == "captures" else str(value or "")


def csv_rows(statements: Sequence[Statement], body_of: Callable[[Statement], str] = _no_body
             ) -> bytes:
    """The CSV export's rows for ``statements``, one per statement."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    for statement in statements:
        row = record(statement, body_of)
        captures = row.pop("captures")
        versions_ = row.pop("versions")
        writer.writerow([_cell(row[f]) for f in FIELDS] + [
            _cell(" | ".join(str(c[f] or "") for c in captures)) for f in CAPTURE_FIELDS
        ] + [_cell(" | ".join(_version_cell(v, f) for v in versions_)) for f in VERSION_FIELDS])
    return out.getvalue().encode("utf-8")

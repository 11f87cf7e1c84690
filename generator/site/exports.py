"""Data exports: every statement's metadata as JSON and as CSV.

Both are written gzip-compressed (``data/statements.json.gz``,
``data/statements.csv.gz``; ``pandas.read_csv`` and ``gunzip`` read them as
they are). The JSON is an array, oldest statement first; each item has
``id``, ``url`` (relative to the site root), ``title``, ``date``
(YYYY-MM-DD), ``source``, ``issuer``, ``issuer_id``, ``organization``,
``organization_id``, ``kind``, ``title_only`` and ``captures`` (``file``,
``source_url``, ``captured``, ``sha256``). The CSV has the same fields, one
row per statement, with the captures' fields joined by `` | ``. A CSV cell
that a spreadsheet would run as a formula (it starts with ``=``, ``+``,
``-``, ``@``) is prefixed with ``'``.

Each file is made of parts (the JSON's head, the items of each year, ...),
each compressed on its own: a gzip file of several members, which every gzip
reader reads as one text. A build then compresses again only the parts that
changed (``specs.PartsSpec``): a change to one year costs that year's part.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from ..model.documents import Statement
from .urls import Paths

FIELDS = ("id", "url", "title", "date", "source", "issuer", "issuer_id", "organization",
          "organization_id", "kind", "title_only")
CAPTURE_FIELDS = ("file", "source_url", "captured", "sha256")


def record(statement: Statement) -> dict[str, Any]:
    """The exported fields of one statement."""
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
        "captures": [
            {"file": c.file, "source_url": c.source_url,
             "captured": c.captured.isoformat() if c.captured else None, "sha256": c.sha256}
            for c in statement.captures
        ],
    }


#: The JSON export is ``JSON_HEAD``, the ``json_items`` of each run of statements joined
#: by ``JSON_SEPARATOR``, then ``JSON_TAIL``.
JSON_HEAD, JSON_SEPARATOR, JSON_TAIL = b"[\n", b",\n", b"\n]\n"


def json_items(statements: Sequence[Statement]) -> bytes:
    """The JSON export's items for ``statements``, one per line, without the array around them."""
    return ",\n".join(json.dumps(record(s), ensure_ascii=False, separators=(",", ":"))
                      for s in statements).encode()


def statements_json(statements: Sequence[Statement]) -> bytes:
    return JSON_HEAD + json_items(statements) + JSON_TAIL


def _cell(value: Any) -> str:
    text = "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_header() -> bytes:
    """The CSV export's first row (its column names); the rows of the statements follow it."""
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerow(
        [*FIELDS, *(f"capture_{f}" for f in CAPTURE_FIELDS)])
    return out.getvalue().encode("utf-8")


def statements_csv(statements: Sequence[Statement]) -> bytes:
    return csv_header() + csv_rows(statements)


def csv_rows(statements: Sequence[Statement]) -> bytes:
    """The CSV export's rows for ``statements``, one per statement."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    for statement in statements:
        row = record(statement)
        captures = row.pop("captures")
        writer.writerow([_cell(row[f]) for f in FIELDS] + [
            _cell(" | ".join(str(c[f] or "") for c in captures)) for f in CAPTURE_FIELDS
        ])
    return out.getvalue().encode("utf-8")

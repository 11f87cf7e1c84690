"""``data/datapackage.json``: the data exports described as a Frictionless Data Package.

Each export is a tabular resource with its Table Schema (field names, types,
which fields every row has, the primary key ``id``), and the ``bytes`` and
``hash`` (SHA-256) of its file, so that ``frictionless validate
data/datapackage.json`` checks the files a reader downloaded, row by row.

A field is ``required`` only where no row can lack it: the store refuses a
file without an id, a title or a date, but accepts one without a source, an
issuer, a kind or any text, so only the id, the link, the title, the date and
(in the metadata) ``title_only`` are.

The file's sizes and checksums are known once the exports are written:
``build`` makes this file last (``descriptor``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from . import exports, fulltext
from .urls import Paths

#: The export files the package describes, in its order.
PATHS = (Paths.full_text(), Paths.data("json"), Paths.data("csv"))

_FIELDS: dict[str, tuple[str, str]] = {
    "id": ("string", "The statement's permanent id: YYYY-MM-DD-slug-of-the-title."),
    "url": ("string", "The statement's page, relative to the site's root (its permanent "
                      "link is the site's address followed by it)."),
    "title": ("string", "The headline, as published."),
    "date": ("date", "The publication date."),
    "source": ("string", "The outlet that published it, e.g. KCNA.kp (En)."),
    "issuer": ("string", "Who issued it (an office, a role or a person), if known."),
    "issuer_id": ("string", "The issuer's id in the archive's list of issuers."),
    "organization": ("string", "The organisation the issuer belongs to, if known."),
    "organization_id": ("string", "The organisation's id in the archive's list of issuers."),
    "kind": ("string", "press-statement, statement, commentary, answer, report or news."),
    "title_only": ("boolean", "True when no capture has text (a photo or video item)."),
    "altered": ("boolean", "True when the statement was altered at source after it was "
                           "published (it has more than one version)."),
    "versions": ("array", "Its versions, oldest first. In the metadata, one for a statement "
                          "never altered: title, sha256 (of its normalised text), first_seen, "
                          "last_seen, captures (their sha256), added and removed (words, from "
                          "the version before), reverts (the earlier version it brings back). "
                          "In the full text, null for a statement never altered, else: "
                          "number, title, first_seen, last_seen, text."),
    "captures": ("array", "Every capture of the statement: file, source_url, captured "
                          "(YYYY-MM-DD or null), sha256 (of the capture's bytes)."),
    "text": ("string", "The text as a reader sees it, plain text, paragraphs separated by "
                       "a blank line; null for a title-only item."),
}
_CSV_CAPTURES = {
    "file": "The capture files (relative to the archive's sources), joined by ' | '.",
    "source_url": "The captures' original links, joined by ' | '.",
    "captured": "The captures' dates (YYYY-MM-DD), joined by ' | '.",
    "sha256": "The SHA-256 of each capture's bytes, joined by ' | '.",
}
_CSV_VERSIONS = {
    "title": "Each version's title, oldest first, joined by ' | '.",
    "sha256": "The SHA-256 of each version's normalised text, joined by ' | '.",
    "first_seen": "When each version was first captured (YYYY-MM-DD), joined by ' | '.",
    "last_seen": "When each version was last captured (YYYY-MM-DD), joined by ' | '.",
    "captures": "Each version's captures (their SHA-256, separated by spaces), joined by ' | '.",
}
_REQUIRED = frozenset({"id", "url", "title", "date", "title_only", "altered"})


def _field(name: str) -> dict[str, Any]:
    kind, description = _FIELDS[name]
    field: dict[str, Any] = {"name": name, "type": kind, "description": description}
    if name in _REQUIRED:
        field["constraints"] = {"required": True}
    if name == "id":
        field["constraints"] = {"required": True, "unique": True}
    return field


def _schema(fields: list[dict[str, Any]]) -> dict[str, Any]:
    return {"fields": fields, "primaryKey": ["id"]}


def _schemas() -> dict[str, dict[str, Any]]:
    csv_fields = [_field(f) for f in exports.FIELDS] + [
        {"name": f"capture_{name}", "type": "string", "description": text}
        for name, text in _CSV_CAPTURES.items()] + [
        {"name": f"version_{name}", "type": "string", "description": _CSV_VERSIONS[name]}
        for name in exports.VERSION_FIELDS]
    return {
        Paths.full_text(): _schema([_field(f) for f in fulltext.FIELDS]),
        Paths.data("json"): _schema([_field(f) for f in (*exports.FIELDS, "versions", "captures")]),
        Paths.data("csv"): _schema(csv_fields),
    }


_RESOURCES = {
    Paths.full_text(): ("statements-text", "jsonl", "Every statement's full text",
                        "JSON Lines, one statement a line, oldest first."),
    Paths.data("json"): ("statements-json", "json", "Every statement's metadata (JSON)",
                         "A JSON array of objects, oldest first, each with its captures."),
    Paths.data("csv"): ("statements-csv", "csv", "Every statement's metadata (CSV)",
                        "One row per statement, oldest first. A cell that a spreadsheet "
                        "would run as a formula is prefixed with '."),
}


def descriptor(title: str, files: Mapping[str, tuple[str, int]]) -> bytes:
    """The package for the site called ``title``; ``files``: each export's ``(sha256, bytes)``."""
    schemas = _schemas()
    resources = []
    for path in PATHS:
        name, file_format, resource_title, description = _RESOURCES[path]
        sha, size = files[path]
        resources.append({
            "name": name,
            "title": resource_title,
            "description": description + " Gzip-compressed, one gzip member per year.",
            "profile": "tabular-data-resource",
            "path": path.removeprefix("data/"),
            "format": file_format,
            "compression": "gz",
            "encoding": "utf-8",
            "bytes": size,
            "hash": f"sha256:{sha}",
            "schema": schemas[path],
        })
    package = {
        "profile": "tabular-data-package",
        "name": "statements",
        "title": title,
        "description": f"The statements of {title}: their metadata and their full text.",
        "resources": resources,
    }
    return (json.dumps(package, ensure_ascii=False, indent=1) + "\n").encode("utf-8")

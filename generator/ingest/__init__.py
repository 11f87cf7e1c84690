"""Sources to documents: find capture files, recognise their format, parse them.

A format is a module with ``NAME``, ``detect(text) -> bool`` and
``parse(raw) -> (documents, notes)``; adding one is a new module and a line
in ``PARSERS``. Detection tries the formats in order; the first that
recognises the text parses it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import ModuleType

from .. import issuers
from ..documents import Document, Statement
from ..markdown import text_to_markdown
from ..problems import Report, shown
from . import identity, kcnawatch, records
from .decode import RawSource, Undecodable, read_source
from .errors import ParseError, Skipped, Warned

#: Formats in the order they are tried. JSON first: it is recognised by its first character.
PARSERS: tuple[ModuleType, ...] = (records, kcnawatch)

STAGE = "import"


def detect(text: str) -> ModuleType | None:
    """The parser module for ``text``, or None when no format recognises it."""
    for parser in PARSERS:
        if parser.detect(text):
            return parser
    return None


def source_files(source_dir: Path) -> Iterator[Path]:
    """Every capture file under ``source_dir``, in a stable order.

    Hidden files and folders (``.git``, ``.DS_Store``) are skipped; symbolic
    links to folders are not followed.
    """
    for folder, dirnames, filenames in os.walk(source_dir):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith("."):
                yield Path(folder, name)


def parse_source(raw: RawSource, report: Report) -> list[Document]:
    """Parse one decoded capture, reporting its problems under its path."""
    name = shown(raw.path)
    parser = detect(raw.text)
    if parser is None:
        report.error(name, STAGE, "not a format this generator reads",
                     "expected a KCNA Watch page saved as text, or a JSON array of records")
        return []
    try:
        documents, notes = parser.parse(raw)
    except ParseError as exc:
        where = f"{name}: {exc.where}" if exc.where else name
        report.error(where, STAGE, exc.reason, exc.hint)
        return []
    for note in notes:
        where = f"{name}: {note.where}" if note.where else name
        if isinstance(note, Skipped):
            report.error(where, STAGE, note.reason, note.hint)
        elif isinstance(note, Warned):
            report.warning(where, STAGE, note.reason, note.hint)
    return documents


def read_documents(source_dir: Path, report: Report) -> list[Document]:
    """Parse every capture under ``source_dir``; bad files are reported and skipped."""
    if not source_dir.is_dir():
        report.warning(shown(source_dir), STAGE, "the source folder does not exist; nothing to import",
                       "create it, or set source_dir in config.yaml")
        return []
    documents: list[Document] = []
    for path in source_files(source_dir):
        try:
            raw = read_source(path, source_dir)
        except Undecodable as exc:
            report.error(shown(path), STAGE, str(exc))
            continue
        except OSError as exc:
            report.error(shown(path), STAGE, f"cannot read the file: {exc.strerror or exc}")
            continue
        parsed = parse_source(raw, report)
        report.count("source files read")
        documents.extend(parsed)
    return documents


def statements_from(
    documents: list[Document], claimed: dict[str, str], taken: Iterable[str],
    authority: issuers.Authority | None = None,
) -> list[Statement]:
    """Merge duplicate documents and give each statement its id (see ``identity``).

    Each statement's issuer and kind are read from its representative capture
    and looked up in ``authority`` (None: no list, so every issuer is unlisted).
    """
    authority = authority if authority is not None else issuers.Authority()
    statements = []
    for statement_id, grp in identity.assign_ids(identity.group(documents), claimed, taken):
        first = grp.first
        statements.append(Statement(
            id=statement_id,
            title=first.title,
            date=first.date,
            source=first.source,
            body=text_to_markdown(first.paragraphs),
            captures=grp.captures,
            date_from=first.date_from,
            dateline=first.dateline,
            found_dates=grp.found_dates,
            topics=grp.topics,
            title_only=not first.paragraphs,
            issuer=issuers.attribute(first.title, issuers.opening_of(first.paragraphs), authority),
        ))
    return statements

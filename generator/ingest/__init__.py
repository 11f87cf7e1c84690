"""Sources to documents: find capture files, recognise their format, parse them.

A format is a module with ``NAME``, ``detect(text) -> bool`` and
``parse(raw) -> (documents, notes)``; adding one is a new module and a line
in ``PARSERS``. Detection tries the formats in order; the first that
recognises the text parses it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from types import ModuleType

from ..engine.cache import Cache, FileCache
from ..model import issuers
from ..model.documents import Document, Statement
from ..model.markdown import text_to_markdown
from ..problems import Problem, Report, Severity, shown
from . import identity, kcnawatch, records
from .decode import Undecodable, read_source
from .errors import ParseError, Skipped

#: Formats in the order they are tried. JSON first: it is recognised by its first character.
PARSERS: tuple[ModuleType, ...] = (records, kcnawatch)

STAGE = "import"


def detect(text: str) -> ModuleType | None:
    """The parser module for ``text``, or None when no format recognises it."""
    for parser in PARSERS:
        if parser.detect(text):
            return parser
    return None


def source_files(source_dir: Path) -> Iterator[str]:
    """Every capture file under ``source_dir``, in a stable order, as a string.

    Hidden files and folders (``.git``, ``.DS_Store``) are skipped; symbolic
    links to folders are not followed.
    """
    for folder, dirnames, filenames in os.walk(source_dir):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith("."):
                yield os.path.join(folder, name)


def parse_file(path: Path, source_dir: Path) -> tuple[list[Document], list[Problem]]:
    """Read, decode and parse one capture file; what is wrong is returned, not raised."""
    name = shown(path)
    try:
        raw = read_source(path, source_dir)
    except Undecodable as exc:
        return [], [Problem(name, STAGE, str(exc))]
    except OSError as exc:
        return [], [Problem(name, STAGE, f"cannot read the file: {exc.strerror or exc}")]
    parser = detect(raw.text)
    if parser is None:
        return [], [Problem(name, STAGE, "not a format this generator reads",
                            "expected a KCNA Watch page saved as text, or a JSON array of records")]
    try:
        documents, notes = parser.parse(raw)
    except ParseError as exc:
        where = f"{name}: {exc.where}" if exc.where else name
        return [], [Problem(where, STAGE, exc.reason, exc.hint)]
    problems = []
    for note in notes:
        where = f"{name}: {note.where}" if note.where else name
        severity = Severity.ERROR if isinstance(note, Skipped) else Severity.WARNING
        problems.append(Problem(where, STAGE, note.reason, note.hint, severity))
    return documents, problems


Parsed = tuple[list[Document], list[identity.Keys], list[Problem]]
"""What one capture file gives: its documents, their identity keys, and its problems."""


def parse_cached(lookup: FileCache, path: str, source_dir: Path, *, one: bool = False) -> Parsed:
    """``path`` parsed, through the cache (``one``: not part of a walk of every file)."""

    def parse(path: str) -> Parsed:
        parsed, problems = parse_file(Path(path), source_dir)
        return parsed, [identity.keys_of(d) for d in parsed], problems

    return lookup.get_one(path, parse) if one else lookup.get(path, parse)


def read_documents(source_dir: Path, report: Report, cache: Cache | None = None,
                   paths: Iterable[str] | None = None,
                   by_file: dict[str, tuple[int, list[Problem]]] | None = None,
                   ) -> tuple[list[Document], list[identity.Keys]]:
    """Parse every capture under ``source_dir``; bad files are reported and skipped.

    Returns the documents and their identity keys. A file the cache has seen
    with the same size, time and inode is not read again (its problems are
    reported again all the same). ``paths``: ``source_files(source_dir)``, when
    already listed; ``by_file``, if given, gets each file's number of documents
    and problems.
    """
    if not source_dir.is_dir():
        report.warning(shown(source_dir), STAGE, "the source folder does not exist; nothing to import",
                       "create it, or set source_dir in config.yaml")
        return [], []
    lookup = FileCache(cache or Cache(None), "sources")
    documents: list[Document] = []
    keys: list[identity.Keys] = []

    for path in source_files(source_dir) if paths is None else paths:
        parsed, parsed_keys, problems = parse_cached(lookup, path, source_dir)
        if by_file is not None:
            by_file[path] = (len(parsed), problems)
        for problem in problems:
            report.add(problem)
        report.count("source files read")
        documents.extend(parsed)
        keys.extend(parsed_keys)
    lookup.save()
    return documents, keys


def statement_of(statement_id: str, grp: identity.Group, authority: issuers.Authority
                 ) -> Statement:
    """The statement a group of captures makes (its representative capture speaks for it)."""
    first = grp.first
    return Statement(
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
    )


def statements_from(
    documents: list[Document], claimed: Mapping[str, Sequence[str]], taken: Iterable[str],
    authority: issuers.Authority | None = None, keys: list[identity.Keys] | None = None,
) -> list[Statement]:
    """Merge duplicate documents and give each statement its id (see ``identity``).

    Each statement's issuer and kind are read from its representative capture
    and looked up in ``authority`` (None: no list, so every issuer is unlisted).
    """
    authority = authority if authority is not None else issuers.Authority()
    return [statement_of(statement_id, grp, authority) for statement_id, grp in
            identity.assign_ids(identity.group(documents, keys), claimed, taken)]

"""Sources to documents: find capture files, recognise their format, parse them.

A format is a module of this package, listed in ``PARSERS``, with a ``NAME`` and one of
two ways of reading a file:

- **text** (``READS = "text"``, the default): ``detect(text) -> bool`` and
  ``parse(raw) -> (documents, notes)``. The file is read whole and decoded first
  (``decode``): KCNA Watch text, record dumps, saved web pages.
- **file** (``READS = "file"``): ``detect_file(head, path) -> bool``, given the file's
  first bytes, and ``parse_file(source) -> (documents, notes)``, which opens the file
  itself and streams it: web archives, which can be larger than memory.

Detection goes by content: the file formats by their magic bytes first, then the text
formats in order; the first that recognises the file parses it. A file that a
``records:`` mapping of config.yaml names is a dataset read by ``mapped``, whatever
its content. Notes say what a parser skipped (an error), caveats (a warning), and
what it left out on purpose (``Counted``: summed up in the summary).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import NamedTuple

from ..engine.cache import Cache, FileCache
from ..engine.keys import fingerprint
from ..model import issuers, textdiff
from ..model.documents import Document, Issuer, Statement, Version
from ..model.markdown import text_to_markdown
from ..model.versions import join_body
from ..problems import Problem, Report, Severity, shown
from . import htmlpage, identity, kcnawatch, mapped, records, wacz, warc
from .decode import Refused, SourceFile, files_under, read_head, read_source, readable
from .errors import Counted, Note, ParseError, Skipped

#: Formats in the order they are tried: web archives by their magic bytes, then JSON (its
#: first character), HTML (its doctype or ``<html>``), KCNA Watch text (its lines).
PARSERS: tuple[ModuleType, ...] = (warc, wacz, records, htmlpage, kcnawatch)

STAGE = "import"


@dataclass(frozen=True, slots=True)
class Settings:
    """What the configuration says about reading captures: the ``records:`` mappings."""

    records: tuple[mapped.Mapping, ...] = ()

    @classmethod
    def of(cls, config: object) -> Settings:
        """The settings of a ``SiteConfig``."""
        return cls(tuple(getattr(config, "records", ())))

    def mapping_for(self, rel: str) -> mapped.Mapping | None:
        """The mapping that names the file ``rel`` (relative to the source folder), if any."""
        return mapped.mapping_for(rel, self.records)

    def key_for(self, rel: str) -> str:
        """What parsing ``rel`` depends on besides its bytes: its mapping, if any."""
        mapping = self.mapping_for(rel)
        return fingerprint(mapping) if mapping is not None else ""


def detect(text: str) -> ModuleType | None:
    """The text format of ``text``, or None when no text format recognises it."""
    for parser in PARSERS:
        if getattr(parser, "READS", "text") == "text" and parser.detect(text):
            return parser
    return None


def detect_file(head: bytes, path: Path) -> ModuleType | None:
    """The file format whose magic bytes ``head`` (the file's first bytes) starts with."""
    for parser in PARSERS:
        if getattr(parser, "READS", "text") == "file" and parser.detect_file(head, path):
            return parser
    return None


def source_files(source_dir: Path) -> Iterator[str]:
    """Every capture file under ``source_dir``, in a stable order, as a string.

    Hidden files and folders (``.git``, ``.DS_Store``) are skipped; symbolic
    links to folders are not followed, and are listed (as are subfolders that
    cannot be read) so that reading them names them (``guards.files_under``).
    """
    return files_under(source_dir)


Counts = tuple[tuple[str, int], ...]
"""What a file's parser left out on purpose, by what it was (``Counted``), sorted."""


def parse_file(path: Path, source_dir: Path, settings: Settings | None = None,
               project: Path | None = None) -> tuple[list[Document], list[Problem], Counts]:
    """Read and parse one capture file; what is wrong is returned, not raised.

    Returns its documents, its problems and what it left out on purpose (``Counts``).
    A symbolic link is followed only to a file in ``source_dir`` or ``project``.
    """
    name = shown(path)
    settings = settings or Settings()
    try:
        documents, notes = _parse(path, source_dir, settings, project)
    except Refused as exc:
        return [], [Problem(name, STAGE, exc.reason, exc.hint, again=exc.again)], ()
    except ParseError as exc:
        where = f"{name}: {exc.where}" if exc.where else name
        return [], [Problem(where, STAGE, exc.reason, exc.hint)], ()
    except OSError as exc:
        return [], [Problem(name, STAGE, f"cannot read the file: {exc.strerror or exc}",
                            again=True)], ()
    problems = []
    counts: Counter[str] = Counter()
    for note in notes:
        if isinstance(note, Counted):
            counts[note.what] += note.n
            continue
        where = f"{name}: {note.where}" if note.where else name
        severity = Severity.ERROR if isinstance(note, Skipped) else Severity.WARNING
        problems.append(Problem(where, STAGE, note.reason, note.hint, severity))
    return documents, problems, tuple(sorted(counts.items()))


def _parse(path: Path, source_dir: Path, settings: Settings, project: Path | None = None
           ) -> tuple[list[Document], list[Note]]:
    """The documents and notes of one file, by the parser its mapping or content calls for
    (once the guards have let it through: ``decode.readable``)."""
    rel = readable(path, source_dir, project)
    mapping = settings.mapping_for(rel)
    if mapping is not None:
        return mapped.parse_file(SourceFile(path, rel), mapping)
    parser = detect_file(read_head(path), path)
    if parser is not None:
        return parser.parse_file(SourceFile(path, rel))
    raw = read_source(path, source_dir, project)
    parser = detect(raw.text)
    if parser is None:
        raise ParseError("not a format this generator reads",
                         "expected a KCNA Watch page saved as text or HTML, a web page, a web "
                         "archive (WARC, WACZ), a JSON array of records, or a dataset mapped "
                         "under records: in config.yaml")
    return parser.parse(raw)


class Parsed(NamedTuple):
    """What one capture file gives (kept in the build cache, by the file's stat)."""

    documents: list[Document]
    keys: list[identity.Keys]
    """The documents' identity keys."""
    problems: list[Problem]
    counts: Counts
    setting: str = ""
    """``Settings.key_for`` the file when it was parsed: a changed mapping parses it again."""


def parse_cached(lookup: FileCache, path: str, source_dir: Path, *, one: bool = False,
                 settings: Settings | None = None, project: Path | None = None) -> Parsed:
    """``path`` parsed, through the cache (``one``: not part of a walk of every file)."""
    settings = settings or Settings()
    setting = settings.key_for(Path(path).relative_to(source_dir).as_posix())

    def parse(path: str) -> Parsed:
        parsed, problems, counts = parse_file(Path(path), source_dir, settings, project)
        return Parsed(parsed, [identity.keys_of(d) for d in parsed], problems, counts, setting)

    value = lookup.get_one(path, parse) if one else lookup.get(path, parse)
    if value.setting != setting:  # the file is as it was, but not the mapping it is read by
        value = parse(path)
        lookup.put(path, value, lookup.cache.stat(path))
    return value


def source_lookup(cache: Cache | None) -> FileCache:
    """The cache of what each capture file gave (``Parsed``), by its stat; a file that could
    not be read is read again next time."""
    return FileCache(cache or Cache(None), "sources",
                     again=lambda parsed: any(p.again for p in parsed.problems))


def read_documents(source_dir: Path, report: Report, cache: Cache | None = None,
                   paths: Iterable[str] | None = None,
                   by_file: dict[str, tuple[int, list[Problem], Counts]] | None = None,
                   settings: Settings | None = None, project: Path | None = None,
                   ) -> tuple[list[Document], list[identity.Keys]]:
    """Parse every capture under ``source_dir``; bad files are reported and skipped.

    Returns the documents and their identity keys. A file the cache has seen
    with the same size, time and inode is not read again (its problems are
    reported again all the same). ``paths``: ``source_files(source_dir)``, when
    already listed; ``by_file``, if given, gets each file's number of documents,
    problems and counts.
    """
    if not source_dir.is_dir():
        report.warning(shown(source_dir), STAGE, "the source folder does not exist; nothing to import",
                       "create it, or set source_dir in config.yaml")
        return [], []
    lookup = source_lookup(cache)
    documents: list[Document] = []
    keys: list[identity.Keys] = []

    for path in source_files(source_dir) if paths is None else paths:
        parsed = parse_cached(lookup, path, source_dir, settings=settings, project=project)
        if by_file is not None:
            by_file[path] = (len(parsed.documents), parsed.problems, parsed.counts)
        for problem in parsed.problems:
            report.add(problem)
        report.count("source files read")
        for what, n in parsed.counts:
            report.count(what, n)
        documents.extend(parsed.documents)
        keys.extend(parsed.keys)
    lookup.save()
    return documents, keys


def versions_of(grp: identity.Group) -> tuple[Version, ...]:
    """A group's versions as the store keeps them, oldest first (none: not altered), each
    with the size of its change from the one before (``model.textdiff.compare``)."""
    versions: list[Version] = []
    before: identity.Entry | None = None
    for entry in grp.history:
        seen = entry.seen
        added = removed = 0
        if before is not None:
            change = textdiff.compare(before.first.paragraphs, entry.first.paragraphs)
            added, removed = change.added, change.removed
        versions.append(Version(
            title=entry.first.title, sha256=entry.text,
            first_seen=seen[0] if seen else None, last_seen=seen[-1] if seen else None,
            captures=tuple(dict.fromkeys(d.capture.sha256 for d in entry.documents)),
            added=added, removed=removed, reverts=entry.reverts))
        before = entry
    return tuple(versions)


def statement_of(statement_id: str, grp: identity.Group, authority: issuers.Authority,
                 aliases: tuple[str, ...] = ()) -> Statement:
    """The statement a group of captures makes: its last version's capture speaks for it
    (its first version's gives the date), and the body holds every version's text
    (``model.versions``). ``aliases``: the ids of the statements it took in."""
    latest = grp.latest
    body = text_to_markdown(latest.paragraphs)
    if grp.history:
        body = join_body(body, {n: text_to_markdown(entry.first.paragraphs)
                                for n, entry in enumerate(grp.history[:-1], start=1)})
    return Statement(
        id=statement_id,
        title=latest.title,
        date=grp.first.date,
        source=latest.source,
        body=body,
        captures=grp.captures,
        date_from=latest.date_from,
        dateline=latest.dateline,
        found_dates=grp.found_dates,
        topics=grp.topics,
        title_only=not latest.paragraphs,
        issuer=issuer_of(latest, authority),
        versions=versions_of(grp),
        aliases=aliases,
    )


def issuer_of(document: Document, authority: issuers.Authority) -> Issuer:
    """Who issued the statement ``document`` captures, and its kind.

    Read from its headline and opening sentence (``issuers.attribute``), unless the
    capture names its issuer (a dataset's mapped column). A statement of another outlet
    than KCNA's is that outlet's unless its headline names an issuer of the authority
    list: the headline shapes are KCNA's, and read another site's headline poorly.
    """
    found = issuers.attribute(document.title, issuers.opening_of(document.paragraphs), authority)
    if document.issuer:
        return issuers.resolve(document.issuer, authority, found.kind)
    if document.publisher and found.issuer_id not in authority:
        return issuers.resolve(document.publisher, authority, found.kind)
    return found


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

"""The Markdown store: one file per statement, YAML front matter and a Markdown body.

This module is the only one that writes under ``content/``, and it only
ever writes whole files (a temporary file in the same folder, then an atomic
replace). A file it writes carries a stamp: a comment with the checksum of
the rest of the file. A file whose checksum no longer matches was edited by
hand, and no import ever overwrites it; a file without a stamp was written
by a person, and is read but never touched.

Reading is safe: a file is read through the input guards (``engine.guards``: a
regular file, read with a cap, through a link only into the project), the YAML is
parsed with the safe loader (no arbitrary tags), anchors and aliases are refused
(no alias bombs), an impossible date is an error naming the key, and a malformed
file gets an error naming the file, line and column. A file saved with Windows line
endings is read as if it had Unix ones, and kept as it is (never rewritten).

A statement altered at source keeps one file: its front matter lists its
versions (``versions:``), and its body holds the text it shows, then the other
versions' texts (``model.versions``). A statement found to be a version of
another leaves a stamped note in its file (``dump_moved``), whose id no other
statement may take.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from ..engine.cache import Cache, FileCache, StatKey, folder_of, lookup_name
from ..engine.guards import Refused, read_bounded
from ..model.archive import claim_order
from ..model.documents import Statement
from ..problems import BuildInterrupted, Report, shown
from .files import (
    ID_RE,
    KNOWN_KEYS,
    MAX_BYTES,
    MOVED,
    STAGE,
    STAMP_RE,
    SUFFIX,
    TEMPORARY,
    VERSION_KEYS,
    Moved,
    StoredFile,
    StoreError,
    body_of,
    default_path,
    dump,
    dump_moved,
    inside,
    parse,
    read_file,
    remove_leftovers,
    split_front_matter,
    stamp_state,
    store_files,
    unix_lines,
    version_problems,
    write_atomic,
)

__all__ = [
    "BODIES",
    "ID_RE",
    "KNOWN_KEYS",
    "LOOKUP",
    "MAX_BYTES",
    "MOVED",
    "STAGE",
    "STAMP_RE",
    "SUFFIX",
    "TEMPORARY",
    "VERSION_KEYS",
    "Bodies",
    "Existing",
    "Move",
    "Moved",
    "Saved",
    "StoreError",
    "StoredFile",
    "default_path",
    "dump",
    "dump_moved",
    "inside",
    "load_statements",
    "lookup",
    "lookups",
    "parse",
    "read_all",
    "read_file",
    "remove_leftovers",
    "save",
    "split_front_matter",
    "stamp_state",
    "store_files",
    "unix_lines",
    "version_problems",
    "write_atomic",
]


# --- the cache of what reading the files gave ---------------------------------------------
#
# Most of what reading a store file gives is the statement's body: two thirds of what the
# store takes in the cache. A build needs the bodies only of the
# statements whose pages (or offline index) it makes again, so the cache keeps them apart,
# a lookup per folder, and the statements read from it have none (``body`` is None):
# ``Bodies.get`` gives it: the store is read quicker, in less memory.

LOOKUP = "store"
BODIES = "store-bodies"


class Bodies:
    """The bodies of the statements read from the store's cache."""

    def __init__(self, cache: Cache) -> None:
        self.cache = cache

    def get(self, statement: Statement) -> str:
        """``statement``'s body: its own, or as the cache keeps it for the file it was read
        from (by the file's checksum), or else read again from that file."""
        if statement.body is not None:
            return statement.body
        path = statement.path or ""
        kept = self.cache.load(lookup_name(BODIES, folder_of(path))).get(path)
        if kept is not None and kept[0] == statement.checksum:
            return kept[1]
        # Not kept (the cache lost it): the file has it, if it is still the file it was.
        try:
            data = read_bounded(path, MAX_BYTES)
        except (Refused, OSError) as exc:
            why = exc.reason if isinstance(exc, Refused) else exc.strerror or exc
            raise BuildInterrupted(f"{shown(path)}: cannot read the statement's text again "
                                   f"({why}); the previous site is unchanged") from None
        if hashlib.sha256(data).hexdigest() != statement.checksum:
            raise BuildInterrupted(f"{shown(path)}: changed while the build ran; the previous "
                                   "site is unchanged: build again")
        return body_of(split_front_matter(data.decode("utf-8"), str(path))[1])


class _Lookup(FileCache):
    """The store's lookup (``FileCache``): each statement is kept without its body, which
    is kept apart (``Bodies``)."""

    def __init__(self, cache: Cache) -> None:
        super().__init__(cache, LOOKUP, again=lambda stored: any(p.again for p in stored.problems))
        self._bodies: dict[str, dict[str, tuple[str, str]]] = {}
        """The bodies to keep, by folder and path: those of the files read or written."""

    def _kept(self, path: str, value: StoredFile) -> StoredFile:
        statement = value.statement
        if statement is None or statement.body is None:
            return value
        self._bodies.setdefault(folder_of(path), {})[path] = (statement.checksum,
                                                                    statement.body)
        return value._replace(statement=statement._replace(body=None))

    def save(self) -> None:
        # The bodies first: a statement saved without its body (a build killed between the
        # two) would have it read from its file on every build until the file changes.
        for folder, bodies in self._bodies.items():
            name = lookup_name(BODIES, folder)
            files = self._new[folder]  # the folder's files: the bodies of files gone are dropped
            kept = {p: v for p, v in self.cache.load(name).items() if p in files}
            self.cache.save(name, {**kept, **bodies})
        self._bodies.clear()
        super().save()


def lookup(cache: Cache) -> FileCache:
    """The store's lookup in ``cache``: what reading each file gave, by the file's stat."""
    return _Lookup(cache)


def lookups(content_dir: Path, paths: Iterable[str]) -> list[str]:
    """The names of the lookups (``lookup``) of the folders of those of ``paths`` that are in
    ``content_dir``."""
    inside = os.path.join(str(content_dir), "")
    folders = {folder_of(path) for path in paths}
    return [lookup_name(LOOKUP, folder) for folder in sorted(folders)
            if os.path.join(folder, "").startswith(inside)]


def read_all(content_dir: Path, report: Report, cache: Cache | None = None,
             paths: Iterable[str] | None = None, project: Path | None = None
             ) -> list[StoredFile]:
    """Every file of the store, read and parsed; unreadable ones are reported.

    A file whose size, time and inode are those the cache saw is not read again: its
    statement's body is then None (``Bodies`` gives it).
    ``paths``: ``store_files(content_dir)``, when already listed; a symbolic link is
    followed into the store or ``project`` (``inside``).
    """
    if not content_dir.is_dir():
        return []
    lookup = _Lookup(cache or Cache(None))
    within = inside(content_dir, project)
    files = []
    for path in store_files(content_dir) if paths is None else paths:
        stored = lookup.get(path, lambda p: read_file(Path(p), within))
        for problem in stored.problems:
            report.add(problem)
        files.append(stored)
    lookup.save()
    return files


def load_statements(content_dir: Path, report: Report, cache: Cache | None = None,
                    paths: Iterable[str] | None = None, project: Path | None = None
                    ) -> list[Statement]:
    """Every statement of the store that could be read, in file order (``paths``: the
    store's files, if they were just listed; ``project``: see ``read_all``)."""
    files = read_all(content_dir, report, cache, paths, project)
    statements = [f.statement for f in files if f.statement is not None]
    _check_notes(files, statements, report)
    return statements


def _check_notes(files: Iterable[StoredFile], statements: Iterable[Statement],
                 report: Report) -> None:
    """A note that its statement moved into another (``dump_moved``) whose address leads
    nowhere: no statement has its id among its aliases (the statement it names was
    deleted or edited, the note points at itself or at another note)."""
    aliases = {alias for statement in statements for alias in statement.aliases}
    for stored in files:
        if stored.moved is not None and stored.moved[0] not in aliases:
            report.warning(shown(stored.path), STAGE,
                           f"this note says statement {stored.moved[0]} is now a version of "
                           f"{stored.moved[1]}, but no statement lists {stored.moved[0]} among "
                           "its aliases: its address leads nowhere",
                           f"add it to the aliases of {stored.moved[1]}, or delete this note")



# --- saving an import --------------------------------------------------------------------


@dataclass(slots=True)
class Existing:
    """What the store holds before an import: which ids and captures it already has."""

    files: dict[str, StoredFile] = field(default_factory=dict)
    """By statement id."""
    claimed: dict[str, list[str]] = field(default_factory=dict)
    """Capture checksum to the ids of the statements that list it, in file order."""
    moved: dict[str, StoredFile] = field(default_factory=dict)
    """The notes left where statements found to be versions of others were (``dump_moved``),
    by the id they keep."""

    @classmethod
    def scan(cls, content_dir: Path, report: Report, cache: Cache | None = None,
             paths: Iterable[str] | None = None, project: Path | None = None) -> Existing:
        existing = cls()
        # In the order the site takes them (``claim_order``): of two files with one id, the
        # one at the id's own path keeps it, and its captures (the other is reported when
        # the site is built, and by `check`, and left out of the site).
        stored_files = read_all(content_dir, report, cache, paths, project)
        for stored in sorted(stored_files, key=lambda f: f.path):
            if stored.moved is not None:
                existing.moved.setdefault(stored.moved[0], stored)
        readable = [f for f in stored_files if f.statement is not None]
        for stored in sorted(readable, key=lambda f: claim_order(f.statement)):
            statement = stored.statement
            if statement.id in existing.files:
                continue
            existing.files[statement.id] = stored
            for capture in statement.captures:
                ids = existing.claimed.setdefault(capture.sha256, [])
                if statement.id not in ids:
                    ids.append(statement.id)
        return existing

    def taken(self) -> set[str]:
        """Every id a new statement may not take: the statements', the notes', the aliases'."""
        taken = set(self.files) | set(self.moved)
        for stored in self.files.values():
            if stored.statement is not None:
                taken.update(stored.statement.aliases)
        return taken


def _write_unless_changed(item: _Fresh) -> StatKey | None:
    """Write one statement's file (``_replace_unless_changed``)."""
    path, _, _, text, expected = item
    return _replace_unless_changed(path, text, expected)


def _replace_unless_changed(path: Path, text: str, expected: str | None) -> StatKey | None:
    """Write ``text`` to ``path``; a file being replaced must still be the one that was read.

    The import decided to replace it because it was the generator's, unedited;
    if it has changed since it was read (an edit while the import ran), the
    edit is kept and nothing is written (None); else the stat of the file written.
    """
    if expected is not None:
        try:
            if hashlib.sha256(read_bounded(path, MAX_BYTES)).hexdigest() != expected:
                return None
        except FileNotFoundError:
            pass  # deleted meanwhile: written again, as a build would
        except Refused:
            return None  # no longer the file it was (a FIFO now, say): left as it is
    return write_atomic(path, text)


class Move(NamedTuple):
    """A statement of the store found to be a version of another: its file becomes a note
    that says so (``dump_moved``)."""

    file: StoredFile
    id: str
    to: str
    """The id of the statement it is a version of."""
    to_path: str
    """That statement's file, relative to the store's folder."""


class Saved(NamedTuple):
    shas: dict[str, str]
    """The checksum of each statement's file as the generator wrote it (new, updated or
    unchanged), by id; a file kept as edited by hand is left out."""
    tried: int
    """How many files it set out to write (some may have been edited meanwhile)."""
    files: dict[str, StoredFile]
    """The files it wrote, by id, as reading them gives."""


_Fresh = tuple[Path, str, Statement, str, str | None]
"""A file to write: its path, its checksum, its statement, its text, and the checksum of
the file it replaces (None: a new file)."""


def save(
    statements: Iterable[Statement], content_dir: Path, existing: Existing, report: Report,
    cache: Cache | None = None, moves: Iterable[Move] = (),
) -> Saved:
    """Write each statement's file unless it is unchanged or was edited by hand, then the
    notes of ``moves`` in the files of the statements that became versions of others (each
    once the statement it moved into is saved: the note's id is then that one's alias).

    The files written go into the cache as what reading them gives (reading a
    file back gives the statement it was written from), so that the build
    that follows does not read them again.
    """
    written: dict[str, str] = {}
    fresh = _to_write(statements, content_dir, existing, report, written)
    kept = _write_all(fresh, report, written)
    files = {statement.id: StoredFile(str(path), sha, "generated",
                                      statement._replace(path=str(path), checksum=sha))
             for (path, sha, statement, _, _), _ in kept}
    notes = _save_moves([m for m in moves if m.to in written], report)
    if cache is not None and (files or notes):
        lookup = _Lookup(cache)
        for (_, _, statement, _, _), stat in kept:
            lookup.put(files[statement.id].path, files[statement.id], stat)
        for note, stat in notes:
            lookup.put(note.path, note, stat)
        lookup.save()
    return Saved(written, len(fresh), files)


def _to_write(statements: Iterable[Statement], content_dir: Path, existing: Existing,
              report: Report, written: dict[str, str]) -> list[_Fresh]:
    """The files to write: of new statements, and of changed ones whose file the generator
    wrote; ``written`` gets the checksum of each file written or unchanged, by id."""
    fresh: list[_Fresh] = []
    for statement in statements:
        text = dump(statement)
        sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
        stored = existing.files.get(statement.id)
        if stored is None:
            path = default_path(content_dir, statement.id)
            if os.path.lexists(path):
                # A file we could not parse (or a link, a FIFO) sits where this one goes:
                # never overwrite it.
                report.error(shown(path), STAGE,
                             f"not written: the file exists but could not be read, so "
                             f"statement {statement.id} was not saved",
                             "fix or move the file, then import again")
                continue
            written[statement.id] = sha
            fresh.append((path, sha, statement, text, None))
            report.count("statements created")
        elif stored.sha == sha:
            written[statement.id] = sha
            report.count("statements unchanged")
        elif stored.state == "generated":
            written[statement.id] = sha
            fresh.append((Path(stored.path), sha, statement, text, stored.sha))
        else:
            _kept_as_edited(stored, statement, report)
    return fresh


def _kept_as_edited(stored: StoredFile, statement: Statement, report: Report) -> None:
    """Count a file kept as edited by hand, and warn of the new captures it does not get."""
    report.count("kept as edited by hand")
    old = stored.statement
    new_captures = {c.sha256 for c in statement.captures} - {
        c.sha256 for c in (old.captures if old else ())
    }
    if new_captures:
        report.warning(
            shown(stored.path), STAGE,
            f"edited by hand, so kept as it is; {len(new_captures)} new capture(s) of "
            "this statement were not added to it",
            "to take them, add them to its captures by hand, or delete the file "
            "and import again",
        )


def _write_all(fresh: list[_Fresh], report: Report, written: dict[str, str]
               ) -> list[tuple[_Fresh, StatKey]]:
    """Write the ``fresh`` files, each unless it changed meanwhile (then it leaves
    ``written``, with a warning); the files written, with their stats."""
    # Creating files is slow on many disks; a few at a time overlap the waiting.
    if len(fresh) > 64:
        with ThreadPoolExecutor(max_workers=4) as pool:
            done = list(pool.map(_write_unless_changed, fresh))
    else:
        done = [_write_unless_changed(item) for item in fresh]
    kept = []
    for item, stat in zip(fresh, done, strict=True):
        path, _, statement, _, replaced = item
        if stat is None:
            del written[statement.id]
            report.warning(shown(path), STAGE,
                           "not updated: the file changed while this import ran (edited by hand?)",
                           "import again: a file edited by hand is kept as it is")
            continue
        kept.append((item, stat))
        if replaced is not None:
            report.count("statements updated")
    return kept


def _save_moves(moves: Iterable[Move], report: Report) -> list[tuple[StoredFile, StatKey]]:
    """Write the note of each move in place of its statement's file (as it was read)."""
    done = []
    for move in moves:
        text = dump_moved(move.id, move.to, move.to_path)
        path = Path(move.file.path)
        stat = _replace_unless_changed(path, text, move.file.sha)
        if stat is None:
            report.warning(shown(path), STAGE, "not updated: the file changed while this import "
                           "ran (edited by hand?)", "import again: a file edited by hand is kept "
                           "as it is")
            continue
        report.count("statements found to be versions of others")
        sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
        done.append((StoredFile(str(path), sha, "generated", None, moved=(move.id, move.to)),
                     stat))
    return done

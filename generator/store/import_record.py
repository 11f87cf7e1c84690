"""The last import's outcome, so that an import of unchanged inputs is not run again.

An import reads every capture and every file of the store, groups the
captures into statements and compares each with its file: in a large
archive, seconds of work that find, when no capture changed, what the last
import found. An import leaves a record of what the next one will
find: the stat of every file, each store file's id and captures, the checksum of the file the
generator makes for each statement, and the problems and counts it reported,
the files it wrote counted as unchanged statements.

The next import replays that record when every capture is as it was and the
store holds the same files, each unchanged or edited without touching its id
or its list of captures (an edit of a text, a title, a date). An edited file
gets what the full import would give it: "statements unchanged" if it is
again the file the generator makes, "kept as edited by hand" otherwise.
Anything else (a capture added, changed or removed; a store file added or
removed; an id or a capture list edited; a file that no longer reads; a file
with a valid stamp but other text, which the import would write again) runs
an import, which records again. ``Sources``, kept apart, lets an import of
captures that changed merge only their buckets (``importer``).

A record is made only when the next import will find what this one left:
not when a file it meant to write was edited meanwhile, when a statement
could not be written, or when a statement it created has captures that
another file lists (the next import could give it another id).
"""

from __future__ import annotations

import hashlib
import secrets
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..engine.cache import Cache, StatKey
from ..ingest.identity import Bucket, Group, claimed_ids
from ..model.documents import Statement
from ..problems import Problem, Report
from . import StoredFile, read_file
from . import lookup as store_lookup

NAME = "import-record"
SOURCES = "import-sources"
FOUND = "statements found"
UNCHANGED = "statements unchanged"
KEPT = "kept as edited by hand"


def captures_key(statement: Statement) -> tuple[str, ...]:
    """What the import reads of a store file's captures: the set of their checksums."""
    return tuple(sorted({c.sha256 for c in statement.captures}))


Entry = tuple[str, tuple[str, ...], str, "str | None", bool]
"""One store file as the recorded import saw it (the first file of its id in path order,
as the site takes it): its id, its
``captures_key``, the checksum of its bytes, the checksum of the file the import makes for
its statement (None: not known), and whether captures in the sources make that statement
(if not, the import leaves it alone). A plain tuple: one per statement, and plain tuples
load many times quicker than named tuples."""


@dataclass(slots=True)
class Record:
    key: tuple[object, ...]
    """What else the import depended on: the issuer list, the folders, the current folder."""
    inputs: dict[str, StatKey | None]
    """Every capture and store file the import read, with its stat (a file it wrote, with
    the stat of what it wrote)."""
    store: dict[str, Entry]
    """By path."""
    problems: list[Problem]
    counts: dict[str, int]
    token: str = ""
    """The same as its ``Sources``' (saved apart: one may be saved without the other)."""
    reserved: frozenset[str] = frozenset()
    """Ids no statement has but none may take: those of the notes left where statements
    were before they were found to be versions of others, and every alias."""


FileEntry = tuple[tuple[Bucket, ...], tuple[Problem, ...], tuple[tuple[str, int], ...]]
"""A capture file as the recorded import read it: its documents' buckets, in order, its
problems, and what it left out on purpose, counted (``ingest.Counts``)."""


@dataclass(slots=True)
class Sources:
    """What the recorded import found in the captures, by file and by bucket (date): enough
    for an import that reads only the captures that changed (``importer._advance``). Kept
    apart from the record: a replay does not need it."""

    key: tuple[object, ...]
    files: dict[str, FileEntry]
    """Each capture file's documents' buckets, problems and counts."""
    buckets: dict[Bucket, tuple[str, ...]]
    """The ids of each bucket's statements, in order."""
    unclaimed: frozenset[Bucket]
    """Buckets with a statement that the store's files do not give its id (a new one)."""
    documents: int
    scan: int
    """How many of the record's problems the store's files gave (after the captures')."""
    saved: int
    """How many the writing gave (the last ones)."""
    token: str = ""
    links: dict[int, int] = field(default_factory=dict)
    """The date (its ordinal) of the captures of each source link (by ``link_key``), -1 for a
    link whose captures are of several dates: a capture that shares a link with captures
    of another date may make them one statement."""
    crossed: frozenset[Bucket] = frozenset()
    """The buckets of statements whose captures a shared link joined across dates."""


def link_key(link: str) -> int:
    """A short key for a source link (a collision only makes an import read more)."""
    return int.from_bytes(hashlib.blake2b(link.encode("utf-8", "surrogatepass"),
                                          digest_size=8).digest(), "big")


_RECORD_LOOKUPS = ("inputs", "store")
_SOURCES_LOOKUPS = ("files", "buckets", "links")


def lookups() -> tuple[str, ...]:
    """The cache's lookups ``load`` reads."""
    return Cache.changed_names(NAME)


def load(cache: Cache, key: tuple[object, ...]) -> Record | None:
    record = cache.load_changed(NAME, Record, _RECORD_LOOKUPS)
    return record if isinstance(record, Record) and record.key == key else None


def load_any(cache: Cache) -> Record | None:
    """The record saved, whichever import made it (``load`` takes only this import's)."""
    record = cache.load_changed(NAME, Record, _RECORD_LOOKUPS)
    return record if isinstance(record, Record) else None


def save(cache: Cache, record: Record | None) -> None:
    cache.save_changed(NAME, record, _RECORD_LOOKUPS)


def load_sources(cache: Cache, record: Record) -> Sources | None:
    """The ``Sources`` made with ``record`` (None: none, or another import's)."""
    data = cache.load_changed(SOURCES, Sources, _SOURCES_LOOKUPS)
    return (data if isinstance(data, Sources) and data.key == record.key and record.token
            and data.token == record.token else None)


MEMO = "imports"


@dataclass(slots=True)
class _Memo:
    made: dict[str, tuple[str, str]]
    """By statement id: what its file was last made from (a signature) and its checksum."""


def load_memo(cache: Cache) -> dict[str, tuple[str, str]]:
    """What each statement's file was last made from (``importer``); saved like a record."""
    memo = cache.load_changed(MEMO, _Memo, ("made",))
    return dict(memo.made) if isinstance(memo, _Memo) else {}


def save_memo(cache: Cache, memo: dict[str, tuple[str, str]]) -> None:
    # A copy: the cache holds what it saved, and the caller may change its own.
    cache.save_changed(MEMO, _Memo(dict(memo)), ("made",))


def new_token() -> str:
    return secrets.token_hex(8)


def save_sources(cache: Cache, sources: Sources) -> None:
    cache.save_changed(SOURCES, sources, _SOURCES_LOOKUPS)


def unclaimed(buckets: Iterable[tuple[Bucket, Iterable[tuple[str, Group]]]],
              store: Mapping[str, Entry]) -> set[Bucket]:
    """The buckets with a statement whose id the store's files would not give it.

    Its captures are listed by no file, or their files give another id first,
    or one is listed by two files (which one counts depends on their order).
    """
    pairs = [(bucket, statement_id, grp) for bucket, items in buckets
             for statement_id, grp in items]
    wanted = {c.sha256 for _, _, grp in pairs for c in grp.captures}
    claims: dict[str, list[str]] = {}
    for entry in store.values():
        for sha in entry[1]:
            if sha in wanted:
                claims.setdefault(sha, []).append(entry[0])
    result = set()
    for bucket, statement_id, grp in pairs:
        shas = {c.sha256 for c in grp.captures}
        mine = claimed_ids(grp, claims)
        if not mine or mine[0] != statement_id or any(len(claims.get(s, ())) > 1 for s in shas):
            result.add(bucket)  # (the first of its claims, alone: any other case is unsure)
    return result


def _entry(statement_id: str, stored: StoredFile, signature: str | None,
           memo: Mapping[str, tuple[str, str]]) -> Entry:
    assert stored.statement is not None
    last = memo.get(statement_id)
    made_sha = last[1] if last is not None and signature is not None and last[0] == signature \
        else None
    if made_sha == stored.sha:
        made_sha = stored.sha  # the same string, pickled once
    return (statement_id, captures_key(stored.statement), stored.sha, made_sha,
            signature is not None)


def _next_counts(counts: Mapping[str, int]) -> dict[str, int]:
    """The counts the next import reports: the files this one wrote are then unchanged."""
    next_counts = Counter(counts)
    next_counts[UNCHANGED] += next_counts.pop("statements created", 0) + next_counts.pop(
        "statements updated", 0)
    return {k: n for k, n in next_counts.items() if n or k in counts}


def made(record_key: tuple[object, ...], inputs: Mapping[str, StatKey | None],
         files: Mapping[str, StoredFile], written: Mapping[str, StoredFile],
         stats: Mapping[str, StatKey | None], signatures: Mapping[str, str],
         memo: Mapping[str, tuple[str, str]], problems: list[Problem],
         counts: Mapping[str, int], moved: Iterable[str] = ()) -> Record:
    """The record of a full import that wrote every file it set out to write, as the next
    import would find things: the files it wrote are then unchanged statements.

    ``inputs`` are the stats it read with; ``files`` the store's files by id as it found
    them, ``written`` those it wrote, whose ``stats`` (by path) it took as it wrote them;
    ``signatures`` what each statement the captures make is made from, and ``memo`` the
    signature and checksum of the file last made for each (``importer``); ``moved`` the
    ids of the store's notes of statements that became versions of others.
    """
    inputs = {**inputs, **{f.path: stats[f.path] for f in written.values()}}
    now = {**files, **written}
    store = {stored.path: _entry(statement_id, stored, signatures.get(statement_id), memo)
             for statement_id, stored in now.items()}
    reserved = frozenset(moved).union(
        *(f.statement.aliases for f in now.values() if f.statement is not None))
    return Record(record_key, inputs, store, problems, _next_counts(counts), new_token(),
                  reserved)


def advanced(record: Record, inputs: Mapping[str, StatKey | None],
             files: Mapping[str, StoredFile], written: Mapping[str, StoredFile],
             stats: Mapping[str, StatKey | None], signatures: Mapping[str, str],
             memo: Mapping[str, tuple[str, str]], unpaired: Iterable[str],
             problems: list[Problem], counts: Mapping[str, int],
             by_id: Mapping[str, str]) -> Record:
    """``record`` after an import of the captures that changed (``importer._advance``).

    ``files`` are the store's files of the statements it looked at, ``signatures``
    those statements', ``unpaired`` the ids no capture makes any more, and ``by_id``
    the path of each id's file in ``record.store``.
    """
    inputs = {**inputs, **{f.path: stats[f.path] for f in written.values()}}
    store = dict(record.store)
    for statement_id in unpaired:
        entry = store[by_id[statement_id]]
        store[by_id[statement_id]] = (*entry[:4], False)
    for statement_id, signature in signatures.items():
        stored = written.get(statement_id) or files.get(statement_id)
        if stored is not None:
            store[stored.path] = _entry(statement_id, stored, signature, memo)
    return Record(record.key, inputs, store, problems, _next_counts(counts), new_token(),
                  record.reserved)


def differences(record: Record, inputs: Mapping[str, StatKey | None]
                ) -> tuple[list[str], list[str]]:
    """The files of ``inputs`` (the stats of every capture and store file now) that
    ``record`` does not have with that stat, and those it has that ``inputs`` lacks, sorted.

    Set operations on the two (in C), not Python loops over every capture and store file.
    """
    return (sorted(path for path, _ in inputs.items() - record.inputs.items()),
            sorted(record.inputs.keys() - inputs.keys()))


def replay(record: Record | None, inputs: dict[str, StatKey | None], cache: Cache,
           report: Report, changes: tuple[list[str], list[str]] | None = None,
           within: tuple[str, ...] | None = None) -> Record | None:
    """Report what the full import would, if ``record`` tells it, and return the record
    of this import; None: run the import.

    ``inputs`` are the stats of every capture and store file now; ``changes``, how they
    differ from the record's (``differences``), if known; ``within``: where a link in the
    store may lead (``store.inside``).
    """
    if record is None:
        return None
    changed, removed = changes if changes is not None else differences(record, inputs)
    if removed or len(inputs) != len(record.inputs):
        return None
    if any(path not in record.store for path in changed):
        return None  # a capture, or a file the record could not use (unreadable, or shadowed)
    if not changed:
        for problem in record.problems:
            report.add(problem)
        for what, n in sorted(record.counts.items()):
            report.count(what, n)
        return record
    lookup = store_lookup(cache)
    counts = Counter(record.counts)
    store = dict(record.store)
    # A file is an unchanged statement exactly when it is the file the generator makes
    # (``made_sha``), and kept as edited by hand otherwise: so the record's outcome for it,
    # and this import's, follow from its checksum then and now.
    for path in changed:
        statement_id, captures, sha, made_sha, paired = record.store[path]
        new = lookup.get_one(path, lambda p: read_file(Path(p), within))
        if (new.statement is None or new.statement.id != statement_id
                or captures_key(new.statement) != captures or new.statement.aliases):
            return None  # (aliases: ids none may take, which the record keeps as it found them)
        store[path] = (statement_id, captures, new.sha, made_sha, paired)
        if not paired:
            continue  # the import does nothing with it
        if new.state == "generated" and new.sha != made_sha:
            return None  # the generator's stamp on other text: the import would write it
        # A file without a valid stamp is never what the generator makes: it is kept.
        outcome = UNCHANGED if new.sha == made_sha else KEPT
        # Its warning, if any (captures of the statement the file does not list), stays:
        # its captures are those the record saw, and a file that lists other captures than
        # the statement's is not the one the generator makes.
        counts[UNCHANGED if sha == made_sha else KEPT] -= 1
        counts[outcome] += 1
    lookup.save()
    for problem in record.problems:
        report.add(problem)
    kept = {what: n for what, n in counts.items()
            if n or record.counts.get(what) == 0}  # "0 statements found", as the import says
    for what, n in sorted(kept.items()):
        report.count(what, n)
    return Record(record.key, dict(inputs), store, record.problems, kept, record.token,
                  record.reserved)

"""Sources to the Markdown store: the import.

Every capture is parsed, captures of one statement are merged (``identity``),
each statement gets its id, and its file is written unless it is unchanged
or was edited by hand (``store``). Three ways lead to that same result, and
``tests/test_import_record.py`` holds them to it:

- **replay**: no capture changed, and the store's files are unchanged or
  edited by hand without touching their ids or captures. The last import's
  record says what this one finds (``import_record.replay``).
- **advance**: captures were added, changed or removed, and the store is as
  the last import left it. Captures are one statement only if they share a
  date and a title (a *bucket*), so only the buckets those captures fall in
  are merged again, and only their statements compared with their files.
- **full**: everything is read, merged and compared.

Each leaves a record of what the next import will find (``import_record``),
in ``later`` if given (a build makes it while Pagefind runs; if it is never
run, there is no record and the next import is a full one), else at once.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from .. import CODE, ingest, store
from ..config import SiteConfig
from ..engine.cache import Cache, StatKey
from ..engine.keys import fingerprint
from ..ingest import identity
from ..model import issuers
from ..model.documents import Statement
from ..problems import Problem, Report, Severity
from . import import_record

Later = list[Callable[[], object]]


def import_sources(config: SiteConfig, report: Report, cache: Cache | None = None,
                   later: Later | None = None) -> list[str] | None:
    """Import the captures of ``config.source_dir`` into ``config.content_dir``; return the
    store's files (``store.store_files``) if the import wrote none, else None."""
    cache = cache or Cache.for_root(config.root)
    started = time.time()
    authority = issuers.load_authority(config.issuers_file)
    with report.timed("look at the last import"):
        sources = list(ingest.source_files(config.source_dir)) if config.source_dir.is_dir() else []
        hidden: list[str] = []
        stored = (list(store.store_files(config.content_dir, hidden))
                  if config.content_dir.is_dir() else [])
        # The temporary files of an import killed while it wrote (``kill -9``), never read.
        store.remove_leftovers(hidden, before=started)
        inputs = {}
        for path in (*sources, *stored):  # the stats the import reads with, taken once
            inputs[path] = cache.stats[path] = cache.stat(path)
        key = _key(config, authority)
        # A source folder that holds the store (or the other way round) would read the
        # files an import writes as captures the next time: never recorded.
        recorded = not _nested(config.source_dir, config.content_dir)
        record = import_record.load(cache, key) if recorded else None
        changes = import_record.differences(record, inputs) if record is not None else None
        replayed = import_record.replay(record, inputs, cache, report, changes,
                                        store.inside(config.content_dir, config.root))
        if replayed is not None:
            if replayed is not record:  # store files were edited: the record follows them
                _keep(cache, later, lambda: replayed, None)
            return stored
    # Whatever happens next, the old record no longer holds (the new one is made at the end).
    import_record.save(cache, None)
    if record is not None and changes is not None:
        with report.timed("import changed captures"):
            if _advance(record, import_record.load_sources(cache, record), inputs, changes,
                        sources, config, authority, cache, report, later):
                return None
    _full(key, inputs, sources, stored, config, authority, cache, report,
          later if recorded else None, remember=recorded)
    return None


def lookups() -> tuple[str, ...]:
    """The cache's lookups an import reads first: the last import's record."""
    return import_record.lookups()


def _key(config: SiteConfig, authority: issuers.Authority) -> tuple[object, ...]:
    """What else an import depends on: the issuer list, the folders (and whether they
    exist: a missing source folder is a warning), the current folder (problems name
    files relative to it)."""
    return (authority.checksum, os.getcwd(), str(config.source_dir), str(config.content_dir),
            config.source_dir.is_dir(), config.content_dir.is_dir(),
            repr(ingest.Settings.of(config)))


def _decide(pairs: Iterable[tuple[str, identity.Group]], files: Mapping[str, store.StoredFile],
            memo: Mapping[str, tuple[str, str]], authority: issuers.Authority, report: Report,
            config: SiteConfig) -> tuple[dict[str, str], list[tuple[str, Statement]]]:
    """Each statement's signature (what it is made from), and those to compare with their
    files: a statement made from what the file the last import wrote was made from, and
    whose file is still that one, is not made again. (The records: mappings are part of
    what it is made from: a changed mapping reads the same record as another statement.)"""
    listed = (authority.checksum, repr(ingest.Settings.of(config)))
    signatures = {}
    due = []
    for statement_id, grp in pairs:
        signature = signatures[statement_id] = fingerprint(
            CODE, statement_id, grp.captures, listed)
        stored_file = files.get(statement_id)
        if stored_file is not None and memo.get(statement_id) == (signature, stored_file.sha):
            report.count(import_record.UNCHANGED)
            continue
        due.append((signature, ingest.statement_of(statement_id, grp, authority)))
    return signatures, due


def _remembered(memo: dict[str, tuple[str, str]], paired: Iterable[str],
                due: Sequence[tuple[str, Statement]], saved: store.Saved
                ) -> dict[str, tuple[str, str]]:
    """The memo for the next import: what each statement's file was last made from."""
    gone = memo.keys() - set(paired)  # (in C: the memo holds every statement)
    memo = dict(memo)
    for statement_id in gone:
        del memo[statement_id]
    memo.update({s.id: (signature, saved.shas[s.id]) for signature, s in due if s.id in saved.shas})
    return memo


def _settled(saved: store.Saved, files: Mapping[str, store.StoredFile],
             groups: Mapping[str, identity.Group], claimed: Mapping[str, Sequence[str]],
             problems: Sequence[Problem]) -> bool:
    """Whether the next import will find what this one leaves, so that it may replay it:
    every file it meant to write was written (none was edited meanwhile), none was
    kept from being written (an error), and each statement it created had none of its
    captures listed by another file (which could give it another id next time)."""
    if len(saved.files) != saved.tried:
        return False
    if any(p.severity is Severity.ERROR for p in problems):
        return False
    return not any(c.sha256 in claimed for statement_id in saved.files
                   if statement_id not in files for c in groups[statement_id].captures)


def _again(problems: Sequence[Problem]) -> bool:
    """Whether an input could not be read (a permission): the next import must read it
    again, though its stat will be the same, so this one leaves no record to replay."""
    return any(p.again for p in problems)


def _counted(report: Report, before: Mapping[str, int]) -> dict[str, int]:
    """What the import counted (a count of 0 too: "0 statements found")."""
    return {k: n - before.get(k, 0) for k, n in report.counts.items()
            if k not in before or n != before[k]}


def _keep(cache: Cache, later: Later | None, record: Callable[[], import_record.Record],
          sources: Callable[[], import_record.Sources] | None) -> None:
    """Save the record (and ``sources``, if given) now or ``later``."""
    def save() -> None:
        if sources is not None:  # first: a record is used only with the sources made with it
            import_record.save_sources(cache, sources())
        import_record.save(cache, record())

    if later is not None:
        later.append(save)
    else:
        save()


def _nested(a: Path, b: Path) -> bool:
    a, b = a.resolve(), b.resolve()
    return a == b or a in b.parents or b in a.parents


def _full(key: tuple[object, ...], inputs: dict[str, StatKey | None], sources: list[str],
          stored: list[str], config: SiteConfig, authority: issuers.Authority, cache: Cache,
          report: Report, later: Later | None, *, remember: bool = True) -> None:
    start, counts_before = len(report.problems), dict(report.counts)
    by_file: dict[str, tuple[int, list[Problem], ingest.Counts]] = {}
    with report.timed("read sources"):
        documents, keys = ingest.read_documents(config.source_dir, report, cache, sources, by_file,
                                                ingest.Settings.of(config), project=config.root)
    scan_start = len(report.problems)
    with report.timed("scan store"):
        existing = store.Existing.scan(config.content_dir, report, cache, stored, config.root)
    save_start = len(report.problems)
    with report.timed("merge"):
        by_bucket = identity.group_by_bucket(documents, keys)
        pairs = identity.assign_ids([g for _, gs in by_bucket for g in gs], existing.claimed,
                                    existing.files)
        report.count(import_record.FOUND, len(pairs))
        if len(documents) > len(pairs):
            report.count("duplicate captures merged", len(documents) - len(pairs))
        memo = import_record.load_memo(cache)
        signatures, due = _decide(pairs, existing.files, memo, authority, report, config)
    with report.timed("write store"):
        saved = store.save([s for _, s in due], config.content_dir, existing, report, cache)
    memo = _remembered(memo, signatures, due, saved)
    import_record.save_memo(cache, memo)
    if not remember or _again(report.problems[start:]) or not _settled(
            saved, existing.files, dict(pairs), existing.claimed, report.problems[save_start:]):
        return
    key = _key(config, authority)  # the store's folder exists now, if it did not
    problems = report.problems[start:]
    counts = _counted(report, counts_before)
    record = import_record.made(key, inputs, existing.files, saved.files, cache.stats,
                                signatures, memo, problems, counts)
    # What the captures hold, by file and bucket, for an import that reads only those
    # that changed: made now (small), saved later with the record.
    files: dict[str, import_record.FileEntry] = {}
    at = 0
    for path, (n, file_problems, file_counts) in by_file.items():
        files[path] = (identity.buckets_of(documents[at:at + n], keys[at:at + n]),
                       tuple(file_problems), file_counts)
        at += n
    with_ids = _with_ids(by_bucket, pairs)
    part = import_record.Sources(
        key, files, {bucket: tuple(i for i, _ in items) for bucket, items in with_ids},
        frozenset(import_record.unclaimed(with_ids, record.store)), len(documents),
        scan=save_start - scan_start, saved=len(report.problems) - save_start, token=record.token)
    _keep(cache, later, lambda: record, lambda: part)


def _with_ids(by_bucket: list[tuple[identity.Bucket, list[identity.Group]]],
              pairs: list[tuple[str, identity.Group]]
              ) -> list[tuple[identity.Bucket, list[tuple[str, identity.Group]]]]:
    """``by_bucket`` with each group's id (``pairs`` are in the same order)."""
    ids = iter(pairs)
    return [(bucket, [next(ids) for _ in groups]) for bucket, groups in by_bucket]


def _advance(record: import_record.Record, part: import_record.Sources | None,
             inputs: dict[str, StatKey | None], changes: tuple[list[str], list[str]],
             sources: list[str], config: SiteConfig, authority: issuers.Authority,
             cache: Cache, report: Report, later: Later | None) -> bool:
    """Import only the buckets of the captures that changed, if the record allows it
    (``changes``: how ``inputs`` differ from the record's, ``import_record.differences``).

    False (having reported and written nothing): the full import must run.
    """
    if part is None or part.saved:
        return False  # no record of the captures, or the last import's writes said something
    if not part.files.keys() <= record.inputs.keys():
        return False  # not the captures the record saw
    changed, removed = changes
    if not changed and not removed:
        return False
    if any(path not in part.files for path in removed):
        return False  # a store file went away
    source_set = set(sources)
    if any(path not in source_set for path in changed):
        return False  # a store file changed or came
    lookup = ingest.source_lookup(cache)
    settings = ingest.Settings.of(config)
    parsed = {path: ingest.parse_cached(lookup, path, config.source_dir, one=True,
                                        settings=settings, project=config.root)
              for path in changed}
    affected = {bucket for path in (*changed, *removed) for bucket in part.files.get(path, ((),))[0]}
    for value in parsed.values():
        affected.update(identity.buckets_of(value.documents, value.keys))
    if any(bucket not in affected for bucket in part.unclaimed):
        return False  # a statement elsewhere has no id of its own yet: ids depend on it
    # Every capture of those buckets, in the order of the files (the order the full
    # import reads them in: the same groups come out whatever the order).
    documents, keys = [], []
    for path in sources:
        if path in parsed:
            docs, doc_keys = parsed[path].documents, parsed[path].keys
        elif any(bucket in affected for bucket in part.files[path][0]):
            value = ingest.parse_cached(lookup, path, config.source_dir, one=True,
                                        settings=settings, project=config.root)
            docs, doc_keys = value.documents, value.keys
        else:
            continue
        for doc, doc_key in zip(docs, doc_keys, strict=True):
            if identity.bucket_of(doc, doc_key) in affected:
                documents.append(doc)
                keys.append(doc_key)
    by_bucket = identity.group_by_bucket(documents, keys)
    groups = [g for _, gs in by_bucket for g in gs]
    # The store as the full import would scan it: claims of the captures in question, the
    # ids held by statements of other buckets, and every id the store uses.
    by_id = {entry[0]: path for path, entry in record.store.items()}
    wanted = {c.sha256 for g in groups for c in g.captures}
    claimed: dict[str, tuple[str]] = {}
    for entry in record.store.values():
        for sha in entry[1]:
            if sha in wanted:
                if sha in claimed:
                    return False  # listed by two files: which one claims it depends on order
                claimed[sha] = (entry[0],)
    old_ids = [i for bucket in affected for i in part.buckets.get(bucket, ())]
    held = {i for bucket, ids in part.buckets.items() if bucket not in affected for i in ids}
    for grp in groups:
        if any(claimed[c.sha256][0] in held for c in grp.captures if c.sha256 in claimed):
            return False  # a statement of another bucket claims its id too: order decides
    if any(i not in by_id for i in old_ids):
        return False
    store_lookup = store.lookup(cache)
    within = store.inside(config.content_dir, config.root)
    files = {}
    for statement_id in {*old_ids, *(ids[0] for ids in claimed.values())}:
        stored_file = store_lookup.get_one(by_id[statement_id],
                                           lambda p: store.read_file(Path(p), within))
        if stored_file.statement is None or stored_file.statement.id != statement_id:
            return False  # not as the record saw it (a stat that lies): read everything
        files[statement_id] = stored_file
    pairs = identity.assign_ids(groups, claimed, by_id)

    # From here on, this is the import: report what the full one would, in its order.
    base = Counter(record.counts)
    for what in ("source files read", import_record.FOUND, "duplicate captures merged"):
        base.pop(what, None)
    # What the changed captures left out on purpose, as they are now.
    for path in (*changed, *removed):
        for what, n in part.files[path][2] if path in part.files else ():
            base[what] -= n
    for value in parsed.values():
        for what, n in value.counts:
            base[what] += n
    for statement_id in old_ids:
        _, _, sha, made_sha, _ = record.store[by_id[statement_id]]
        base[import_record.UNCHANGED if sha == made_sha else import_record.KEPT] -= 1
    if any(n < 0 for n in base.values()):
        return False  # not the record of this store: read everything
    scan_problems = record.problems[len(record.problems) - part.scan - part.saved:][:part.scan]
    problems_before, counts_before = len(report.problems), dict(report.counts)
    for path in sources:
        for problem in parsed[path].problems if path in parsed else part.files[path][1]:
            report.add(problem)
    for problem in scan_problems:
        report.add(problem)
    save_start = len(report.problems)
    old_documents = sum(len(part.files[p][0]) for p in (*changed, *removed) if p in part.files)
    new_documents = sum(len(value.documents) for value in parsed.values())
    documents_now = part.documents - old_documents + new_documents
    record_paired = {entry[0] for entry in record.store.values() if entry[4]}
    statements = len(record_paired) - len(old_ids) + len(pairs)
    base["source files read"] = len(sources)
    base[import_record.FOUND] = statements
    if documents_now > statements:
        base["duplicate captures merged"] = documents_now - statements
    for what, n in sorted(base.items()):
        if n or what == import_record.FOUND:
            report.count(what, n)
    lookup.save()  # the captures parsed, for the imports to come
    store_lookup.save()
    memo = import_record.load_memo(cache)
    signatures, due = _decide(pairs, files, memo, authority, report, config)
    saved = store.save([s for _, s in due], config.content_dir, store.Existing(files=files),
                       report, cache)
    paired = (record_paired - set(old_ids)) | set(signatures)
    memo = _remembered(memo, paired, due, saved)
    import_record.save_memo(cache, memo)
    if _again(report.problems[problems_before:]) or not _settled(
            saved, files, dict(pairs), claimed, report.problems[save_start:]):
        return True
    counts = _counted(report, counts_before)
    next_record = import_record.advanced(
        record, inputs, files, saved.files, cache.stats, signatures, memo,
        set(old_ids) - set(signatures), report.problems[problems_before:], counts, by_id)
    with_ids = _with_ids(by_bucket, pairs)
    # The record's sources, changed where the captures changed: copied, not rebuilt (in C).
    buckets = dict(part.buckets)
    for bucket in affected:
        buckets.pop(bucket, None)
    buckets.update({bucket: tuple(i for i, _ in items) for bucket, items in with_ids})
    still = {b for b in part.unclaimed if b not in affected}
    part_files = dict(part.files)
    for path in removed:
        part_files.pop(path, None)
    for path, value in parsed.items():
        part_files[path] = (identity.buckets_of(value.documents, value.keys),
                            tuple(value.problems), value.counts)
    next_part = import_record.Sources(
        record.key, part_files, buckets,
        frozenset(still | import_record.unclaimed(with_ids, next_record.store)), documents_now,
        scan=part.scan, saved=len(report.problems) - save_start, token=next_record.token)
    _keep(cache, later, lambda: next_record, lambda: next_part)
    return True

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
  date (a *bucket*) or a link, so only the buckets those captures fall in
  are merged again, and only their statements compared with their files; when
  a changed capture's link is another date's too, or a statement of the store
  turns out to be a version of another, the full import runs instead.
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
from typing import NamedTuple

from .. import CODE, ingest, store
from ..config import SiteConfig
from ..engine.cache import Cache, StatKey
from ..engine.keys import fingerprint
from ..ingest import identity
from ..model import issuers
from ..model.documents import Document, Statement
from ..problems import Problem, Report, Severity, shown
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
            config: SiteConfig, aliases: Mapping[str, tuple[str, ...]]
            ) -> tuple[dict[str, str], list[tuple[str, Statement]]]:
    """Each statement's signature (what it is made from), and those to compare with their
    files: a statement made from what the file the last import wrote was made from, and
    whose file is still that one, is not made again. (The records: mappings are part of
    what it is made from: a changed mapping reads the same record as another statement.)"""
    listed = (authority.checksum, repr(ingest.Settings.of(config)))
    signatures = {}
    due = []
    for statement_id, grp in pairs:
        own = aliases.get(statement_id, ())
        signature = signatures[statement_id] = fingerprint(
            CODE, statement_id, grp.captures, listed, own)
        stored_file = files.get(statement_id)
        if stored_file is not None and memo.get(statement_id) == (signature, stored_file.sha):
            report.count(import_record.UNCHANGED)
            continue
        due.append((signature, ingest.statement_of(statement_id, grp, authority, own)))
    return signatures, due


class Merged(NamedTuple):
    """Statements of the store found to be versions of others (made apart by an earlier
    import, or before versions were told apart)."""

    aliases: dict[str, tuple[str, ...]]
    """Each statement's aliases: those its file has, and the ids of those it takes in."""
    moved: list[store.Move]
    """The files to rewrite as notes that their statement moved."""
    kept: int
    """Those it could not take in, each kept as it is with a warning (edited by hand)."""


def _merged(pairs: Sequence[tuple[str, identity.Group]], files: Mapping[str, store.StoredFile],
            claimed: Mapping[str, Sequence[str]], content_dir: Path, report: Report) -> Merged:
    """Which stored statements each statement takes in: those whose captures it now holds
    all of, and which no statement keeps as its own id. A file the generator wrote (and
    not edited since) becomes a note that says where its statement went, and its id an
    alias of the statement that took it in, if that statement's file is the generator's
    too; else both stay as they are, and a warning names them."""
    assigned = {statement_id for statement_id, _ in pairs}
    aliases: dict[str, tuple[str, ...]] = {}
    moved: list[store.Move] = []
    kept = 0
    for statement_id, grp in pairs:
        own = files.get(statement_id)
        taken: list[str] = []
        shas = {c.sha256 for c in grp.captures}
        for other in identity.claimed_ids(grp, claimed):
            stored = files.get(other)
            if other in assigned or stored is None or stored.statement is None:
                continue
            if not {c.sha256 for c in stored.statement.captures} <= shas:
                continue  # it lists captures of other statements too (merged by hand)
            if stored.state == "generated" and (own is None or own.state == "generated"):
                taken += [other, *stored.statement.aliases]
                target = Path(own.path) if own else store.default_path(content_dir, statement_id)
                moved.append(store.Move(stored, other, statement_id,
                                        _inside(target, content_dir)))
                continue
            kept += 1
            where = shown(own.path) if own else "its new file"
            report.warning(shown(stored.path), store.STAGE,
                           f"statement {other} is a version of statement {statement_id} "
                           f"({where}), altered at source; one of the two files was edited by "
                           "hand, so both are kept as they are",
                           "to keep one statement, move what you changed into one file and "
                           "delete the other, then import again")
        mine = own.statement.aliases if own is not None and own.statement is not None else ()
        if mine or taken:
            aliases[statement_id] = tuple(dict.fromkeys((*mine, *sorted(taken))))
    return Merged(aliases, moved, kept)


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


def _inside(path: Path, folder: Path) -> str:
    """``path`` relative to ``folder``, ``/`` separated (as it is, if it is not inside)."""
    try:
        return path.relative_to(folder).as_posix()
    except ValueError:
        return path.as_posix()


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
                                    existing.taken())
        report.count(import_record.FOUND, len(pairs))
        if len(documents) > len(pairs):
            report.count("duplicate captures merged", len(documents) - len(pairs))
        merged = _merged(pairs, existing.files, existing.claimed, config.content_dir, report)
        memo = import_record.load_memo(cache)
        signatures, due = _decide(pairs, existing.files, memo, authority, report, config,
                                  merged.aliases)
    with report.timed("write store"):
        saved = store.save([s for _, s in due], config.content_dir, existing, report, cache,
                           merged.moved)
    memo = _remembered(memo, signatures, due, saved)
    import_record.save_memo(cache, memo)
    if not remember or merged.moved or _again(report.problems[start:]) or not _settled(
            saved, existing.files, dict(pairs), existing.claimed, report.problems[save_start:]):
        return  # (notes written: the next import finds another store, and records it)
    key = _key(config, authority)  # the store's folder exists now, if it did not
    problems = report.problems[start:]
    counts = _counted(report, counts_before)
    record = import_record.made(key, inputs, existing.files, saved.files, cache.stats,
                                signatures, memo, problems, counts, existing.moved)
    # What the captures hold, by file and bucket, for an import that reads only those
    # that changed: made now (small), saved later with the record.
    files: dict[str, import_record.FileEntry] = {}
    at = 0
    for path, (n, file_problems, file_counts) in by_file.items():
        files[path] = (identity.buckets_of(documents[at:at + n], keys[at:at + n]),
                       tuple(file_problems), file_counts)
        at += n
    with_ids = _with_ids(by_bucket, pairs)
    links, crossed = _links(documents, [g for _, g in pairs])
    part = import_record.Sources(
        key, files, {bucket: tuple(i for i, _ in items) for bucket, items in with_ids},
        frozenset(import_record.unclaimed(with_ids, record.store)), len(documents),
        scan=save_start - scan_start, saved=len(report.problems) - save_start, token=record.token,
        links=links, crossed=crossed)
    _keep(cache, later, lambda: record, lambda: part)


def _links(documents: Iterable[Document], groups: Iterable[identity.Group]
           ) -> tuple[dict[int, int], frozenset[identity.Bucket]]:
    """``Sources.links`` and ``Sources.crossed``: the date of each link's captures, and the
    buckets of the statements a link joined across dates."""
    links: dict[int, int] = {}
    for doc in documents:
        if doc.capture.source_url:
            link = import_record.link_key(doc.capture.source_url)
            day = doc.date.toordinal()
            if links.setdefault(link, day) != day:
                links[link] = -1
    crossed = frozenset(bucket for g in groups if len(g.dates) > 1 for bucket in g.dates)
    return links, crossed


def _with_ids(by_bucket: list[tuple[identity.Bucket, list[identity.Group]]],
              pairs: list[tuple[str, identity.Group]]
              ) -> list[tuple[identity.Bucket, list[tuple[str, identity.Group]]]]:
    """``by_bucket`` with each group's id (``pairs`` are in the same order)."""
    ids = iter(pairs)
    return [(bucket, [next(ids) for _ in groups]) for bucket, groups in by_bucket]


# --- importing only the captures that changed ---------------------------------------------


Parsed = dict[str, ingest.Parsed]
"""The changed capture files, parsed: their documents, keys and problems, by path."""


def _advance(record: import_record.Record, part: import_record.Sources | None,
             inputs: dict[str, StatKey | None], changes: tuple[list[str], list[str]],
             sources: list[str], config: SiteConfig, authority: issuers.Authority,
             cache: Cache, report: Report, later: Later | None) -> bool:
    """Import only the buckets of the captures that changed, if the record allows it
    (``changes``: how ``inputs`` differ from the record's, ``import_record.differences``).

    False (having reported and written nothing): the full import must run.
    """
    if part is None or not _may_advance(record, part, changes, sources):
        return False
    changed, removed = changes
    lookup = ingest.source_lookup(cache)
    settings = ingest.Settings.of(config)
    parsed = {path: ingest.parse_cached(lookup, path, config.source_dir, one=True,
                                        settings=settings, project=config.root)
              for path in changed}
    affected = _affected(part, changed, removed, parsed)
    if affected is None:
        return False
    documents, keys = _captures_of(affected, sources, parsed, part,
                                   lambda path: ingest.parse_cached(
                                       lookup, path, config.source_dir, one=True,
                                       settings=settings, project=config.root))
    by_bucket = identity.group_by_bucket(documents, keys)
    groups = [g for _, gs in by_bucket for g in gs]
    if any(len(g.dates) > 1 for g in groups):
        return False  # a link now joins captures of two dates
    scope = _scope(record, part, affected, groups, cache,
                   store.inside(config.content_dir, config.root))
    if scope is None:
        return False
    pairs = identity.assign_ids(groups, scope.claimed, set(scope.by_id) | record.reserved)
    merged = _merged(pairs, scope.files, scope.claimed, config.content_dir, Report())
    if merged.moved or merged.kept:
        return False  # statements of the store become versions of others: the full import
    base = _base_counts(record, part, scope, changed, removed, parsed)
    if base is None:
        return False

    # From here on, this is the import: report what the full one would, in its order.
    problems_before, counts_before = len(report.problems), dict(report.counts)
    _report_problems(record, part, sources, parsed, report)
    save_start = len(report.problems)
    documents_now = _report_counts(record, part, base, scope, pairs, changed, removed, parsed,
                                   sources, report)
    lookup.save()  # the captures parsed, for the imports to come
    memo = import_record.load_memo(cache)
    signatures, due = _decide(pairs, scope.files, memo, authority, report, config,
                              merged.aliases)
    saved = store.save([s for _, s in due], config.content_dir, store.Existing(files=scope.files),
                       report, cache)
    paired = (scope.paired - set(scope.old_ids)) | set(signatures)
    memo = _remembered(memo, paired, due, saved)
    import_record.save_memo(cache, memo)
    if _again(report.problems[problems_before:]) or not _settled(
            saved, scope.files, dict(pairs), scope.claimed, report.problems[save_start:]):
        return True
    counts = _counted(report, counts_before)
    next_record = import_record.advanced(
        record, inputs, scope.files, saved.files, cache.stats, signatures, memo,
        set(scope.old_ids) - set(signatures), report.problems[problems_before:], counts,
        scope.by_id)
    next_part = _next_sources(part, next_record, affected, by_bucket, pairs, removed, parsed,
                              documents_now, len(report.problems) - save_start)
    _keep(cache, later, lambda: next_record, lambda: next_part)
    return True


def _may_advance(record: import_record.Record, part: import_record.Sources,
                 changes: tuple[list[str], list[str]], sources: list[str]) -> bool:
    """Whether the captures' changes alone may be imported: the record knows the captures,
    only captures changed, and the last import's writes said nothing."""
    if part.saved:
        return False  # the last import's writes said something: it may say it again
    if not part.files.keys() <= record.inputs.keys():
        return False  # not the captures the record saw
    changed, removed = changes
    if not changed and not removed:
        return False
    if any(path not in part.files for path in removed):
        return False  # a store file went away
    source_set = set(sources)
    return all(path in source_set for path in changed)  # else a store file changed or came


def _affected(part: import_record.Sources, changed: Sequence[str], removed: Sequence[str],
              parsed: Parsed) -> set[identity.Bucket] | None:
    """The buckets (dates) the changed captures were and are in; None when the captures of
    other buckets may join them (a shared link), or a statement of another has no id of
    its own yet (ids depend on it)."""
    affected = {bucket for path in (*changed, *removed) for bucket in part.files.get(path, ((),))[0]}
    for value in parsed.values():
        affected.update(identity.buckets_of(value.documents, value.keys))
        for doc in value.documents:
            if doc.capture.source_url:
                day = part.links.get(import_record.link_key(doc.capture.source_url))
                if day is not None and day != doc.date.toordinal():
                    return None  # its link is another date's too
    if affected & part.crossed:
        return None
    if any(bucket not in affected for bucket in part.unclaimed):
        return None
    return affected


def _captures_of(affected: set[identity.Bucket], sources: Sequence[str], parsed: Parsed,
                 part: import_record.Sources, parse: Callable[[str], ingest.Parsed]
                 ) -> tuple[list[Document], list[identity.Keys]]:
    """Every capture of the ``affected`` buckets, in the order of the files (the order the
    full import reads them in: the same groups come out whatever the order)."""
    documents, keys = [], []
    for path in sources:
        if path in parsed:
            docs, doc_keys = parsed[path].documents, parsed[path].keys
        elif any(bucket in affected for bucket in part.files[path][0]):
            value = parse(path)
            docs, doc_keys = value.documents, value.keys
        else:
            continue
        for doc, doc_key in zip(docs, doc_keys, strict=True):
            if identity.bucket_of(doc, doc_key) in affected:
                documents.append(doc)
                keys.append(doc_key)
    return documents, keys


class Scope(NamedTuple):
    """The store as the full import would scan it, for the statements in question."""

    by_id: dict[str, str]
    """The path of each id's file in the record."""
    claimed: dict[str, tuple[str]]
    """The claims on the captures in question."""
    old_ids: list[str]
    """The ids of the statements of the affected buckets."""
    files: dict[str, store.StoredFile]
    """The files of those and of the claimed ids."""
    paired: set[str]
    """The ids of the record's statements that captures make."""


def _scope(record: import_record.Record, part: import_record.Sources,
           affected: set[identity.Bucket], groups: Sequence[identity.Group], cache: Cache,
           within: tuple[str, ...]) -> Scope | None:
    """The claims of the captures in question, the ids held by statements of other
    buckets, and the files of the statements in question, as the full import would find
    them; None where that cannot be told without reading everything."""
    by_id = {entry[0]: path for path, entry in record.store.items()}
    wanted = {c.sha256 for g in groups for c in g.captures}
    claimed: dict[str, tuple[str]] = {}
    for entry in record.store.values():
        for sha in entry[1]:
            if sha in wanted:
                if sha in claimed:
                    return None  # listed by two files: which one claims it depends on order
                claimed[sha] = (entry[0],)
    old_ids = [i for bucket in affected for i in part.buckets.get(bucket, ())]
    held = {i for bucket, ids in part.buckets.items() if bucket not in affected for i in ids}
    for grp in groups:
        if any(claimed[c.sha256][0] in held for c in grp.captures if c.sha256 in claimed):
            return None  # a statement of another bucket claims its id too: order decides
    if any(i not in by_id for i in old_ids):
        return None
    store_lookup = store.lookup(cache)
    files = {}
    for statement_id in {*old_ids, *(ids[0] for ids in claimed.values())}:
        stored_file = store_lookup.get_one(by_id[statement_id],
                                           lambda p: store.read_file(Path(p), within))
        if stored_file.statement is None or stored_file.statement.id != statement_id:
            return None  # not as the record saw it (a stat that lies): read everything
        files[statement_id] = stored_file
    store_lookup.save()
    paired = {entry[0] for entry in record.store.values() if entry[4]}
    return Scope(by_id, claimed, old_ids, files, paired)


def _base_counts(record: import_record.Record, part: import_record.Sources, scope: Scope,
                 changed: Sequence[str], removed: Sequence[str], parsed: Parsed
                 ) -> Counter[str] | None:
    """The record's counts without those of the statements in question, with what the
    changed captures left out on purpose as they are now (None: they do not add up, so the
    record is not this store's)."""
    base = Counter(record.counts)
    for what in ("source files read", import_record.FOUND, "duplicate captures merged"):
        base.pop(what, None)
    for path in (*changed, *removed):
        for what, n in part.files[path][2] if path in part.files else ():
            base[what] -= n
    for value in parsed.values():
        for what, n in value.counts:
            base[what] += n
    for statement_id in scope.old_ids:
        _, _, sha, made_sha, _ = record.store[scope.by_id[statement_id]]
        base[import_record.UNCHANGED if sha == made_sha else import_record.KEPT] -= 1
    return None if any(n < 0 for n in base.values()) else base


def _report_problems(record: import_record.Record, part: import_record.Sources,
                     sources: Sequence[str], parsed: Parsed, report: Report) -> None:
    """The problems the full import would report before it writes: the captures', then the
    store's files'."""
    scan_problems = record.problems[len(record.problems) - part.scan - part.saved:][:part.scan]
    for path in sources:
        for problem in parsed[path].problems if path in parsed else part.files[path][1]:
            report.add(problem)
    for problem in scan_problems:
        report.add(problem)


def _report_counts(record: import_record.Record, part: import_record.Sources,
                   base: Counter[str], scope: Scope, pairs: Sequence[tuple[str, identity.Group]],
                   changed: Sequence[str], removed: Sequence[str], parsed: Parsed,
                   sources: Sequence[str], report: Report) -> int:
    """Count what the full import would count before it writes; the captures there are."""
    old_documents = sum(len(part.files[p][0]) for p in (*changed, *removed) if p in part.files)
    new_documents = sum(len(value.documents) for value in parsed.values())
    documents_now = part.documents - old_documents + new_documents
    statements = len(scope.paired) - len(scope.old_ids) + len(pairs)
    base["source files read"] = len(sources)
    base[import_record.FOUND] = statements
    if documents_now > statements:
        base["duplicate captures merged"] = documents_now - statements
    for what, n in sorted(base.items()):
        if n or what == import_record.FOUND:
            report.count(what, n)
    return documents_now


def _next_sources(part: import_record.Sources, record: import_record.Record,
                  affected: set[identity.Bucket],
                  by_bucket: list[tuple[identity.Bucket, list[identity.Group]]],
                  pairs: list[tuple[str, identity.Group]], removed: Sequence[str],
                  parsed: Parsed, documents: int, saved: int) -> import_record.Sources:
    """The record's sources, changed where the captures changed: copied, not rebuilt (in C)."""
    with_ids = _with_ids(by_bucket, pairs)
    buckets = dict(part.buckets)
    for bucket in affected:
        buckets.pop(bucket, None)
    buckets.update({bucket: tuple(i for i, _ in items) for bucket, items in with_ids})
    still = {b for b in part.unclaimed if b not in affected}
    files = dict(part.files)
    for path in removed:
        files.pop(path, None)
    links = dict(part.links)
    for path, value in parsed.items():
        files[path] = (identity.buckets_of(value.documents, value.keys),
                       tuple(value.problems), value.counts)
        for doc in value.documents:
            if doc.capture.source_url:
                links[import_record.link_key(doc.capture.source_url)] = doc.date.toordinal()
    return import_record.Sources(
        record.key, files, buckets,
        frozenset(still | import_record.unclaimed(with_ids, record.store)), documents,
        scan=part.scan, saved=saved, token=record.token, links=links, crossed=part.crossed)

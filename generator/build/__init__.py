"""The order of the build: the only module that knows it (``site_stage`` knows the order
of its last step).

sources -> documents -> Markdown store -> archive model -> pages -> search index -> output

``build`` runs five steps, each a function named for it:

1. ``look``: every input compared with the last build's (``inputs``), and
   the files with a new stat but the same bytes taken as unchanged (``_moved``:
   a fresh checkout with its cache restored); when none changed and the site is
   as that build left it, the build stops here.
2. ``import_sources``: the captures into the Markdown store (``store.importer``).
3. ``load_archive``: the store into the archive model. The model is whole
   before any page is planned: lists, counts and neighbours see every statement.
4. ``write_site``: pages and search indexes, into a staging folder that
   becomes the site at the end of this step, all at once (``site_stage``).
5. ``remember``: the inputs as this build saw them, for the next one's look.

Two pieces of work overlap a step instead of following it: the look is taken
in a child while this process reads the records the import and the store will
need, and the import's record (``later``) is saved by a child while step 4
waits for Pagefind.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from .. import ingest, output, store
from ..config import SiteConfig
from ..engine.cache import Cache
from ..engine.parallel import Forked
from ..model import issuers, versions
from ..model.archive import Archive, build_archive
from ..problems import BuildInterrupted, Report, shown
from ..store import importer, moved
from . import inputs
from .site_stage import static_specs, unsafe_outputs, write_site

__all__ = ["build", "check", "import_sources", "load_archive", "write_site"]


def build(config: SiteConfig, report: Report, *, search: bool = True,
          keep: list[object] | None = None) -> Archive | None:
    """The whole build: import, read the store, build the model, write the site.

    When no input has changed since the last build (no capture, Markdown file,
    template, asset or setting) and the site is as that build left it, nothing
    is read again: the build says so, repeats the problems it reported then,
    and returns None.

    ``keep`` gets what the build loaded (its caches, its looks at the inputs,
    the site's record) instead of letting it go when the build ends: freeing
    millions of objects one at a time is slow, and a process that exits right
    after (``python -m generator build``) need not spend the time.
    """
    # An output folder the build would refuse is refused before the import writes anything.
    output.refuse_unsafe(config.output_dir, (config.root,), unsafe_outputs(config))
    with _collector_held(kept=keep is not None):
        return _build(config, report, search=search, keep=[] if keep is None else keep)


def _build(config: SiteConfig, report: Report, *, search: bool, keep: list[object]
           ) -> Archive | None:
    cache = Cache.for_root(config.root)
    keep.append(cache)
    with report.timed("look for changes"):
        look = inputs.look(config, cache, search)
        look = _moved(config, cache, look)
        idle = look.nothing_to_do()
    keep.append(look.seen)
    if idle:
        _repeat_last_problems(report, look.last)
        return None
    cache.stats = look.files()
    later: list[Callable[[], object]] = []
    stored = _import(config, report, cache, later)
    archive = load_archive(config, report, cache, stored)
    report.count("statements in the archive", len(archive.statements))
    keep.extend((archive, later))
    with _SavingLater(later, cache, report) as saving:
        site_folders = _write_site(config, archive, report, cache, look, search, saving, keep)
        # The inputs as this build saw them: as it first looked at them, or as it wrote
        # them. A file changed, added or removed by someone else while it ran (after the
        # look) is then not as remembered, so the next build looks at everything again.
        seen = {**look.seen, **cache.stats}
        keep.append(seen)
        saving.wait()
        inputs.remember(cache, seen, config.output_dir, site_folders, list(report.problems))
    return archive


def _moved(config: SiteConfig, cache: Cache, look: inputs.Look) -> inputs.Look:
    """Captures and store files with a new stat but the bytes the cache knows (a fresh
    checkout with its cache restored) are moved to their new stat (``store.moved``): from
    here on they are unchanged."""
    return look.with_changed(moved.same_bytes(cache, config, look.changed, look.last_inputs))


def _repeat_last_problems(report: Report, last: dict[str, Any]) -> None:
    """A build with nothing to do says so, with the problems the last build reported."""
    for problem in last["problems"]:
        report.add(problem)
    report.skipped = True


def _import(config: SiteConfig, report: Report, cache: Cache,
            later: list[Callable[[], object]]) -> list[str] | None:
    """``import_sources``; a file it cannot write stops the build with its name."""
    try:
        return import_sources(config, report, cache, later)
    except OSError as exc:
        raise BuildInterrupted(
            f"cannot write {exc.filename or config.content_dir}: {exc.strerror or exc}; every "
            "file of the Markdown store is still whole (each is written completely or not at all)"
        ) from None


def _write_site(config: SiteConfig, archive: Archive, report: Report, cache: Cache,
                look: inputs.Look, search: bool, saving: _SavingLater, keep: list[object]
                ) -> dict[str, object]:
    """``write_site``, the statements whose store file changed since the last build (edited,
    or written by the import) going first; a file it cannot write stops the build with its
    name. The import's record is saved while Pagefind runs, and whatever becomes of the site."""
    edited = {path for path, key in cache.stats.items() if look.last_inputs.get(path, ()) != key}
    try:
        return write_site(config, archive, report, search_on=search, meanwhile=saving.start,
                          cache=cache, changed=lambda s: s.path in edited, keep=keep)
    except Exception as exc:
        saving.wait()  # the import is done, whatever became of the site
        if isinstance(exc, OSError):
            raise BuildInterrupted(
                f"cannot write {exc.filename or config.output_dir}: "
                f"{exc.strerror or exc}; the previous site is unchanged") from None
        raise


def import_sources(config: SiteConfig, report: Report, cache: Cache | None = None,
                   later: list[Callable[[], object]] | None = None) -> list[str] | None:
    """Sources to the Markdown store (``importer``): parse the captures, merge duplicates,
    write new files. ``later`` gets work the caller may do when it has time to spare.
    Returns the store's files if the import wrote none (else None)."""
    return importer.import_sources(config, report, cache, later)


def load_archive(config: SiteConfig, report: Report, cache: Cache | None = None,
                 files: list[str] | None = None) -> Archive:
    """The Markdown store to the archive model (reading every file, checking them as a whole;
    ``files``: the store's files, if they were just listed).

    A file that names no issuer (written by hand) gets one extracted from its
    headline and opening, in memory only; a file that names one keeps it.
    """
    authority = issuers.load_authority(config.issuers_file)
    cache = cache or Cache.for_root(config.root)
    bodies = store.Bodies(cache)  # those of statements read from the cache, when asked for
    with report.timed("read store"):
        statements = store.load_statements(config.content_dir, report, cache, files, config.root)
    with report.timed("issuers"):
        statements = [issuers.with_issuer(s, authority,
                                          lambda s: versions.shown_body(s, bodies.get(s)))
                      for s in statements]
    with report.timed("model"):
        archive = build_archive(statements, report, authority, bodies.get)
    issuers.report_unlisted(archive.statements, authority, report, shown(config.issuers_file))
    return archive


def check(config: SiteConfig, report: Report) -> Archive:
    """What ``check`` does: every input a build reads, read and checked, and nothing written
    but the cache: the captures (parsed as the import parses them), the Markdown store and
    the archive as a whole, the site's static files, and whether the output folder may be
    built into."""
    cache = Cache.for_root(config.root)
    if config.source_dir.is_dir():
        with report.timed("read sources"):
            ingest.read_documents(config.source_dir, report, cache,
                                  settings=ingest.Settings.of(config), project=config.root)
    archive = load_archive(config, report, cache)
    with report.timed("static files"):
        static_specs(config, report)
    try:
        output.refuse_unsafe(config.output_dir, (config.root,), unsafe_outputs(config))
    except output.OutputError as exc:
        report.error(shown(config.config_path or "config.yaml"), "config",
                     f"output_dir: {exc}")
    return archive


@contextmanager
def _collector_held(*, kept: bool = False) -> Iterator[None]:
    """Python's cycle collector held while the build runs, and given back after.

    A large archive is millions of objects, and the collector would pass over
    all of them again and again as more are made, for the few reference cycles
    the build makes; the first pass after it collects them (BENCHMARKS.md has
    what this saves). Forked workers collect as usual, over what they make
    (``parallel._start``). ``kept``: the caller keeps what the build made until
    it exits, so that pass is spared too: those objects are frozen out of the
    collector's sight (``gc.freeze``).
    """
    held = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if kept:
            gc.freeze()
        if held:
            gc.enable()


class _SavingLater:
    """The import's record (``later``: the work the import left for when there is time),
    saved by a forked child once ``start`` is called, while this process ends the build;
    where no child can be forked, saved by ``start`` itself. Leaving the block stops a
    child still running (the build was interrupted)."""

    def __init__(self, later: list[Callable[[], object]], cache: Cache, report: Report) -> None:
        self.later = later
        self.cache = cache
        self.report = report
        self.children: list[Forked[None]] = []
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> _SavingLater:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def start(self) -> None:
        if self.later:
            child = self._stack.enter_context(Forked(lambda: _run(self.later)))
            if child.forked:
                self.children.append(child)
            else:
                child.result()

    def wait(self) -> None:
        """Wait for the child; one that failed is a warning (the record is an
        optimisation: without it, the next import reads everything)."""
        while self.children:
            try:
                self.children.pop().result()
            except Exception as exc:  # whatever it was, the site and the store are unaffected
                self.report.warning(shown(self.cache.folder or "."), "build",
                                    f"the import's record was not saved ({exc}); the next "
                                    "import reads every capture again")


def _run(tasks: Iterable[Callable[[], object]]) -> None:
    for task in tasks:
        task()

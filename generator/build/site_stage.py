"""The site stage: the archive's pages and search indexes into the output folder.

``write_site`` runs these steps in order; ``SiteStage`` holds what they share.

1. ``write_statement_pages``: the statement pages, a year (search bucket) at a
   time, the years of changed statements first, then the latest first. A
   year whose pages are made from what they were made from last time is kept
   as it is, unplanned. While few pages have changed, a year's are written as
   soon as they are planned, and Pagefind starts indexing the year.
2. ``start_offline_index``: the offline index of the few years that need it,
   made in a forked child.
3. ``write_other_pages``: every other file (lists, feeds, sitemaps, exports,
   the theme's static files), and the statement pages not written in step 1;
   then ``write_data_package``: the exports' sizes and checksums, known now.
4. ``write_offline_index``: the offline index written in.
5. ``stage``: the unchanged files linked into the staging folder; ``restore``
   makes again what was deleted from the live site by hand while the build ran.
6. ``finish_search_index``: Pagefind runs for the years that still need it,
   and the new bundles are taken into the site.
7. ``swap``: the staging folder becomes the site, in one atomic exchange.

Some steps overlap, because one would otherwise wait for another:

- Pagefind (a process per core) indexes a year from step 1 on, while this
  process plans and writes the rest of the site: Pagefind takes longer than
  the pages, so the build ends sooner the sooner it starts.
- The offline index of a few years is made by a child forked in step 2, while
  step 3 runs. It is forked only after step 1, because after a fork each page
  of memory this process writes is copied (the two share it until then),
  which would slow the pages that Pagefind waits for.
- ``meanwhile`` (the caller's own work, saving the import's record) runs
  while step 6 waits for Pagefind.

Nothing of the live site changes before step 7.
"""

from __future__ import annotations

import contextlib
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .. import output
from ..config import SiteConfig
from ..engine.cache import Cache
from ..engine.guards import Refused, is_utf8
from ..engine.keys import fingerprint
from ..engine.parallel import Forked, fork_map
from ..model.archive import Archive
from ..model.documents import Statement
from ..problems import Report, shown
from ..search import offline, pagefind
from ..site import pages, theme
from ..site.render import Notes, Renderer, render_into
from ..site.urls import Paths
from .data_package import write_data_package

#: While at most this many statement pages have changed, they are written as soon as their
#: year is planned, and the search buckets they change (up to one per core) are indexed
#: while the rest of the site is planned and written.
EARLY_PAGES = 1000
#: Up to this many offline index buckets to remake are made in a child process while the
#: pages are planned and rendered; more (a first build) are spread over the cores after.
OFFLINE_ALONGSIDE = 2

OfflineFiles = list[list[tuple[str, bytes]]]
"""The files of each offline index bucket made: ``(path, bytes)``."""


def write_site(config: SiteConfig, archive: Archive, report: Report, *, search_on: bool,
               meanwhile: Callable[[], object] = lambda: None, cache: Cache | None = None,
               changed: Callable[[Statement], bool] = lambda statement: False,
               keep: list[object] | None = None) -> dict[str, object]:
    """Pages and search indexes into the output folder; returns the stats of the site's
    folders (``Output.folder_stats``).

    Only what changed is rendered: every output has a key (what it is made
    from), and a file whose key is the same as in the current site is kept.
    ``changed`` says which statements changed since the last build (their years
    go first). ``meanwhile`` runs while Pagefind ends, or else at the end.
    ``cache`` keeps the parts of the large files (``pages.PartsSpec``) for the
    next build. ``keep`` gets the site's record and plan instead of letting them
    go as this returns (see ``build.build``).
    """
    renderer = Renderer(config, cache)
    with output.Output(
        config.output_dir, report,
        protected=(config.root,), no_inside=unsafe_outputs(config),
        wait_message=sys.stderr,
    ) as out, contextlib.ExitStack() as children:
        indexer = (children.enter_context(pagefind.Indexer(pagefind.executable(),
                                                           config.language, out.scratch))
                   if search_on else None)
        stage = SiteStage.begin(config, archive, report, out, indexer, renderer)
        stage.write_statement_pages(changed)
        stage.start_offline_index(children)
        stage.write_other_pages()
        stage.write_data_package()
        stage.write_offline_index()
        stage.restore(stage.stage())
        stage.finish_search_index(meanwhile)
        stage.swap()
    if not stage.indexed:
        meanwhile()
    report.count("site files", len(out.files))
    report.count("site files written", out.changed)
    if keep is not None:
        keep.extend((out, stage.specs, stage.plan))
    return out.folder_stats()


@dataclass
class SiteStage:
    """What the steps of ``write_site`` share; each step is a method."""

    config: SiteConfig
    archive: Archive
    report: Report
    out: output.Output
    renderer: Renderer
    plan: pages.Plan
    indexer: pagefind.Indexer | None
    """Pagefind's runs; None when the site has no search."""
    last_search: dict[str, str]
    """What each search bucket's bundle in the current site was made from (``_signature``)."""
    last_plan: dict[str, str]
    """What each year's statement pages in the current site were made from
    (``pages.statement_pages_key``)."""
    plan_keys: dict[str, str] = field(default_factory=dict)
    """What each year's statement pages are made from now (saved in the site's record)."""
    specs: list[pages.Spec] = field(default_factory=list)
    """Every spec planned (a page deleted by hand meanwhile is made again from it)."""
    stale: list[pages.Spec] = field(default_factory=list)
    """The specs planned and not written yet whose file the current site lacks or made
    from other input."""
    unplanned: list[Statement] = field(default_factory=list)
    """The statements whose pages were kept without being planned."""
    early: bool = True
    """Whether statement pages are still written as soon as their year is planned."""
    written_early: int = 0
    notes: Notes = field(default_factory=list)
    """Warnings the rendering raised."""
    offline_buckets: dict[str, list[Statement]] = field(default_factory=dict)
    offline_keys: dict[str, str] = field(default_factory=dict)
    """What each offline index bucket is made from."""
    offline_due: list[tuple[str, list[Statement]]] = field(default_factory=list)
    """The offline index buckets to make again (the others are kept)."""
    offline_child: Forked[OfflineFiles] | None = None
    meta: dict[str, dict[str, str]] = field(
        default_factory=lambda: {"search": {}, "offline": {}})
    """Saved in the site's record: what each bucket's search indexes are made from."""
    pages_of: dict[str, list[str]] = field(default_factory=dict)
    """The statement pages of each search bucket."""
    indexed: bool = False
    """Whether Pagefind ran (and with it ``meanwhile``)."""

    @classmethod
    def begin(cls, config: SiteConfig, archive: Archive, report: Report, out: output.Output,
              indexer: pagefind.Indexer | None, renderer: Renderer) -> SiteStage:
        """The state of a stage about to start, with what the current site's record says."""
        search = out.old.get("meta", {}).get("search")
        made_from = out.old.get("plan")
        return cls(config, archive, report, out, renderer,
                   pages.Plan(archive, config, search=indexer is not None,
                              theme=theme.checksum(config)),
                   indexer, last_search=search if isinstance(search, dict) else {},
                   last_plan=made_from if isinstance(made_from, dict) else {},
                   early=indexer is not None)

    # -- 1. the statement pages, a year at a time --

    def write_statement_pages(self, changed: Callable[[Statement], bool]) -> None:
        """Plan the statement pages a year at a time (those of ``changed`` statements first,
        then the latest, where new statements mostly go): all the search index reads, so
        the sooner each year's are written, the sooner Pagefind can start on it."""
        for bucket, members in self._years(changed):
            planned = self._plan_year(bucket, members)
            if planned is None:
                continue
            specs, stale = planned
            self.early = self.early and self.written_early + len(stale) <= EARLY_PAGES
            if self.early and stale:
                self._write_early(bucket, specs, stale)
            else:
                self.stale += stale

    def _years(self, changed: Callable[[Statement], bool]) -> Iterator[tuple[str, list[Statement]]]:
        """Each year's statements, in the order they are planned."""
        grouped: dict[str, list[Statement]] = defaultdict(list)
        first = set()
        for statement in self.archive.statements:  # one pass, not two sorts
            bucket = Paths.bucket(statement.id)
            grouped[bucket].append(statement)
            if changed(statement):
                first.add(bucket)
        latest = sorted(grouped, reverse=True)
        for bucket in [*(b for b in latest if b in first), *(b for b in latest if b not in first)]:
            yield bucket, grouped[bucket]

    def _plan_year(self, bucket: str, members: list[Statement]
                   ) -> tuple[list[pages.Spec], list[pages.Spec]] | None:
        """The specs of a year's statement pages, and those of them to write (``_stale``);
        None if its pages are made from what the current site's were
        (``pages.statement_pages_key``) and kept as they are."""
        with self.report.timed("plan"):
            key = self.plan_keys[bucket] = self.plan.statement_pages_key(members)
            if self.last_plan.get(bucket) == key and self.out.keep_all_current(
                    [Paths.statement(s.id) for s in members]):
                self.unplanned += members
                return None
            specs = list(self.plan.statement_pages(members))
            self.specs += specs
            return specs, self._stale(specs)

    def _stale(self, specs: Iterable[pages.Spec]) -> list[pages.Spec]:
        """Those of ``specs`` whose file the current site lacks or made from other input; the
        current site's file of each of the others is kept."""
        return [spec for spec in specs if not self.out.keep_current(spec.path, spec.key)]

    def _write_early(self, bucket: str, specs: list[pages.Spec], stale: list[pages.Spec]
                     ) -> None:
        """Write a year's changed pages now, and start Pagefind on the year if that changed
        what it indexes and a core is free for it."""
        assert self.indexer is not None
        self._render(stale)
        self.written_early += len(stale)
        paths = [spec.path for spec in specs]
        if (self.last_search.get(bucket) != self._signature(paths)
                and len(self.indexer.buckets) < self.indexer.jobs):
            with contextlib.suppress(FileNotFoundError):  # a page gone: indexed in step 6
                self._index(bucket, paths)

    # -- 2. the offline index, alongside --

    def start_offline_index(self, children: contextlib.ExitStack) -> None:
        """Find the offline index buckets to make again (the others are kept); fork a child
        to make them if they are few (``children`` stops it if the build fails)."""
        if self.indexer is None:
            return
        self.offline_buckets = offline.buckets(self.archive.statements)
        old = self.out.old.get("meta", {}).get("offline")
        old = old if isinstance(old, dict) else {}
        previous = _by_bucket(self.out.old_files, Paths.OFFLINE_INDEXES)
        for bucket, members in self.offline_buckets.items():
            self.offline_keys[bucket] = offline.bucket_key([self.plan.keys[s.id]
                                                            for s in members])
            kept = previous.get(bucket, [])
            if (old.get(bucket) == self.offline_keys[bucket] and kept
                    and all(self.out.has(path) for path in kept)):
                for path in kept:
                    self.out.keep(path)
            else:
                self.offline_due.append((bucket, members))
        if 0 < len(self.offline_due) <= OFFLINE_ALONGSIDE:
            due = self.offline_due
            self.offline_child = children.enter_context(
                Forked(lambda: _offline_files(due, self.archive, spread=False)))

    # -- 3. everything else --

    def write_other_pages(self) -> None:
        """Plan the other files and write them, with the statement pages not written yet."""
        with self.report.timed("plan"):
            others = [*self.plan.other_files(), *static_specs(self.config, self.report)]
            self.stale += self._stale(others)
            self.specs += others
        self._render(self.stale)
        for where, what in self.notes:
            self.report.warning(where, "site", what)

    def write_data_package(self) -> None:
        """``data/datapackage.json``, which describes the exports just written."""
        with self.report.timed("data package"):
            write_data_package(self.out, self.config, self.specs, self.renderer,
                               self.renderer.cache)

    def _render(self, specs: list[pages.Spec]) -> None:
        with self.report.timed("pages"):
            self.notes += render_into(self.out, specs, self.renderer, self._progress)

    def _progress(self, done: int, total: int) -> None:
        self.report.progress("pages", done, total)

    # -- 4. the offline index, written in --

    def write_offline_index(self) -> None:
        """Write the offline index buckets made again (waiting for the child if one makes
        them, else making them over the cores), and note what each search index of the
        new site is made from."""
        if self.indexer is None:
            return
        with self.report.timed("offline search index"):
            made = (self.offline_child.result() if self.offline_child
                    else _offline_files(self.offline_due, self.archive, spread=True))
            for (bucket, _), files in zip(self.offline_due, made, strict=True):
                for path, data in files:
                    self.out.write(path, data, self.offline_keys[bucket])
            self.meta["offline"] = self.offline_keys
        self.pages_of = _by_bucket(self.out.files, Paths.STATEMENTS)
        self.meta["search"] = {bucket: self._signature(self.pages_of.get(bucket, []))
                               for bucket in self.offline_buckets}

    # -- 5. staged, and what went missing made again --

    def stage(self) -> set[str]:
        """Stage every file of the new site; return the paths of the files kept from the
        current site that have gone from it since the build looked (deleted by hand)."""
        with self.report.timed("stage"):
            return set(self.out.finish(self.meta, tool_dirs=(pagefind.FOLDER,),
                                       plan=self.plan_keys))

    def restore(self, missing: set[str]) -> None:
        """Make again the ``missing`` files: pages from their specs (those of a year kept
        unplanned are planned now), offline index files from their buckets."""
        if not missing:
            return
        with self.report.timed("stage"):
            again = self.plan.statement_pages([s for s in self.unplanned
                                               if Paths.statement(s.id) in missing])
            for spec in [*self.specs, *again]:
                if spec.path in missing:
                    data, _ = self.renderer(spec)
                    self.out.write(spec.path, data, spec.key)
            lost = [(bucket, members) for bucket, members in self.offline_buckets.items()
                    if any(p.startswith(Paths.offline_index(bucket)) for p in missing)]
            made = _offline_files(lost, self.archive, spread=False)
            for (bucket, _), files in zip(lost, made, strict=True):
                for path, data in files:  # (the others are the same bytes, kept)
                    if path in missing:
                        self.out.write(path, data, self.offline_keys[bucket])

    # -- 6. the search index --

    def finish_search_index(self, meanwhile: Callable[[], object]) -> None:
        """Index every bucket whose pages changed and that step 1 did not start (or whose
        bundle the current site lacks), wait for every run, and take the bundles in;
        ``meanwhile`` runs while Pagefind does. Nothing to do if the site is unchanged."""
        if not self.out.changed_site or self.indexer is None:
            return
        indexer = self.indexer
        with self.report.timed("search index"):
            for bucket, made_from in self.meta["search"].items():
                if bucket not in indexer.buckets and (
                        self.last_search.get(bucket) != made_from
                        or not self.out.reuse(_bundle(bucket))):
                    self._index(bucket, self.pages_of[bucket])
            indexer.wait(lambda bucket, bundle: self.out.take(_bundle(bucket), bundle),
                         meanwhile)
            self.indexed = True

    def _signature(self, paths: Iterable[str]) -> str:
        """What a search bucket's bundle is made from: its pages' checksums (and Pagefind's
        settings and version)."""
        assert self.indexer is not None
        return pagefind.signature([(p, self.out.files[p][0]) for p in paths],
                                  self.indexer.language, self.indexer.version)

    def _index(self, bucket: str, paths: Iterable[str]) -> None:
        """Have Pagefind index the new site's ``paths`` (``bucket``'s pages) into a new bundle."""
        assert self.indexer is not None
        self.indexer.add(bucket, [(path, self.out.source(path)) for path in sorted(paths)])

    # -- 7. the swap --

    def swap(self) -> None:
        """Make the new site the current one (if anything changed), all at once."""
        with self.report.timed("swap"):
            self.out.commit()


def unsafe_outputs(config: SiteConfig) -> tuple[Path, ...]:
    """The folders the output folder may not be, be inside, or hold: what the site is made
    from (a site built into its own ``static/`` would copy itself into itself, growing with
    every build)."""
    return (config.content_dir, config.source_dir, config.root / "static",
            config.root / "templates", config.root / "themes", theme.theme_dir(config))


def static_specs(config: SiteConfig, report: Report) -> list[pages.FileSpec]:
    """The theme's static assets; a file in a more specific folder wins. One that cannot be
    used (a link out of the project, a FIFO, a name that is not UTF-8) is reported and left
    out: the less specific folder's file of that name, if any, is not used instead."""
    files: dict[str, tuple[str, tuple[str, ...]]] = {}
    for folder in reversed(theme.static_dirs(config)):
        inside = theme.within(folder, config)
        for rel, path in theme.theme_files(folder):
            files[f"static/{rel}"] = (path, inside)
    specs = []
    for rel, (path, inside) in sorted(files.items()):
        try:
            if not is_utf8(rel):
                raise Refused("the file name is not UTF-8 text, so no URL can name it",
                              "rename the file")
            if not output.check_path_ok(rel):
                raise Refused("the file name cannot be part of a site (a control character, "
                              "a backslash, a name Windows reserves, or too long)",
                              "rename the file")
            data = theme.read_theme_file(path, inside)
        except Refused as exc:
            report.error(shown(path), "site", exc.reason, exc.hint)
            continue
        except OSError as exc:
            report.error(shown(path), "site", f"cannot read the file: {exc.strerror or exc}")
            continue
        specs.append(pages.FileSpec(rel, fingerprint(rel, data), lambda data=data: data))
    return specs


def _offline_files(due: list[tuple[str, list[Statement]]], archive: Archive,
                   *, spread: bool) -> OfflineFiles:
    """The files of each bucket's offline index (``spread``: over the cores)."""
    def built(members: list[Statement]) -> list[tuple[str, bytes]]:
        return list(offline.build(members, archive.body, archive.earlier))

    if spread:
        return list(fork_map(lambda item: built(item[1]), due))
    return [built(members) for _, members in due]


def _by_bucket(paths: Iterable[str], folder: str) -> dict[str, list[str]]:
    """``folder/<bucket>/...`` paths grouped by bucket."""
    grouped: dict[str, list[str]] = defaultdict(list)
    for path in paths:
        if path.startswith(folder):
            grouped[path[len(folder):].split("/", 1)[0]].append(path)
    return grouped


def _bundle(bucket: str) -> str:
    """The site folder of a search bucket's bundle."""
    return Paths.search_bundle(bucket).rstrip("/")

"""The order of the stages: the only module that knows it.

sources -> documents -> Markdown store -> archive model -> pages -> search index

Every stage finishes before the next begins (the model sees every statement
before any page is written), and the output folder changes only at the very
end, all at once.
"""

from __future__ import annotations

import sys

from . import ingest, issuers, model, offline_search, output, pages, search, store, theme
from .config import SiteConfig
from .documents import Statement
from .model import Archive
from .problems import BuildInterrupted, Report, shown
from .render import Renderer
from .urls import Paths


def import_sources(config: SiteConfig, report: Report) -> None:
    """Sources to the Markdown store: parse every capture, merge duplicates, write new files."""
    authority = issuers.load_authority(config.issuers_file)
    with report.timed("read sources"):
        documents = ingest.read_documents(config.source_dir, report)
    with report.timed("scan store"):
        existing = store.Existing.scan(config.content_dir, report)
    with report.timed("merge"):
        statements = ingest.statements_from(documents, existing.claimed, existing.files, authority)
        report.count("statements found", len(statements))
    with report.timed("write store"):
        store.save(statements, config.content_dir, existing, report)


def load_archive(config: SiteConfig, report: Report) -> Archive:
    """The Markdown store to the archive model (reading every file, checking them as a whole).

    A file that names no issuer (written by hand) gets one extracted from its
    headline and opening, in memory only; a file that names one keeps it.
    """
    authority = issuers.load_authority(config.issuers_file)
    with report.timed("read store"):
        statements = store.load_statements(config.content_dir, report)
    with report.timed("issuers"):
        statements = [issuers.with_issuer(s, authority) for s in statements]
    with report.timed("model"):
        archive = model.build_archive(statements, report, authority)
    issuers.report_unlisted(archive.statements, authority, report, shown(config.issuers_file))
    return archive


def _static_files(config: SiteConfig) -> dict[str, bytes]:
    """The theme's static assets; a file in a more specific folder wins."""
    files: dict[str, bytes] = {}
    for folder in reversed(theme.static_dirs(config)):
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            files[f"static/{path.relative_to(folder).as_posix()}"] = path.read_bytes()
    return files


def write_site(config: SiteConfig, archive: Archive, report: Report, *, search_on: bool) -> bool:
    """Pages and search index into the output folder; True if the site changed."""
    renderer = Renderer(config)

    def too_deep(statement: Statement) -> None:
        report.warning(shown(statement.path) if statement.path else statement.id, "site",
                       "the body nests deeper than Markdown allows, so it is shown as plain text")

    with output.Output(
        config.output_dir, report,
        protected=(config.root, config.root / "themes", config.root / "templates"),
        no_inside=(config.content_dir, config.source_dir),
        wait_message=sys.stderr,
    ) as out:
        with report.timed("pages"):
            total, done = len(archive.statements), 0
            for spec in pages.plan(archive, config, search=search_on, warn_too_deep=too_deep):
                out.write(spec.path, renderer(spec))
                if spec.path.startswith("statements/"):
                    done += 1
                    report.progress("pages", done, total)
            for path, data in sorted(_static_files(config).items()):
                out.write(path, data)
        buckets = offline_search.buckets(archive.statements)
        meta: dict[str, dict[str, str]] = {"search": {}}
        binary = None
        if search_on:
            with report.timed("offline search index"):
                for members in buckets.values():
                    for spec in offline_search.build(members):
                        out.write(spec.path, spec.data)
            binary = search.executable()
            version = search.version(binary)
            meta["search"] = {bucket: search.signature(out.files, bucket, config.language, version)
                              for bucket in buckets}
        changed = out.finish(meta, tool_dirs=(search.FOLDER,))
        if changed and binary is not None:
            with report.timed("search index"):
                previous = out.old.get("meta", {}).get("search")
                previous = previous if isinstance(previous, dict) else {}
                stale = [
                    bucket for bucket in buckets
                    if previous.get(bucket) != meta["search"][bucket]
                    or not out.reuse(Paths.search_bundle(bucket).rstrip("/"))
                ]
                search.run_pagefind(out.staging, stale, config.language, binary)
                for bucket in stale:
                    out.adopt(Paths.search_bundle(bucket).rstrip("/"))
        with report.timed("swap"):
            out.commit()
    report.count("site files", len(out.files))
    report.count("site files written", out.changed)
    return changed


def build(config: SiteConfig, report: Report, *, search: bool = True) -> Archive:
    """The whole pipeline: import, read the store, build the model, write the site."""
    try:
        import_sources(config, report)
    except OSError as exc:
        raise BuildInterrupted(
            f"cannot write {exc.filename or config.content_dir}: {exc.strerror or exc}; every "
            "file of the Markdown store is still whole (each is written completely or not at all)"
        ) from None
    archive = load_archive(config, report)
    report.count("statements in the archive", len(archive.statements))
    try:
        write_site(config, archive, report, search_on=search)
    except OSError as exc:
        raise BuildInterrupted(
            f"cannot write {exc.filename or config.output_dir}: {exc.strerror or exc}; "
            "the previous site is unchanged"
        ) from None
    return archive

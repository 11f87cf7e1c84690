"""The order of the stages: the only module that knows it.

sources -> documents -> Markdown store -> archive model -> pages -> search index
"""

from __future__ import annotations

from . import ingest, issuers, model, store
from .config import SiteConfig
from .model import Archive
from .problems import Report, shown


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
        archive = model.build_archive(statements, report)
    issuers.report_unlisted(archive.statements, authority, report, shown(config.issuers_file))
    return archive


def build(config: SiteConfig, report: Report, *, search: bool = True) -> Archive:
    """The whole pipeline: import, read the store, build the model."""
    import_sources(config, report)
    archive = load_archive(config, report)
    report.count("statements in the archive", len(archive.statements))
    return archive

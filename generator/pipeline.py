"""The order of the stages: the only module that knows it.

sources -> documents -> Markdown store -> archive model -> pages -> search index
"""

from __future__ import annotations

from . import ingest, model, store
from .config import SiteConfig
from .model import Archive
from .problems import Report


def import_sources(config: SiteConfig, report: Report) -> None:
    """Sources to the Markdown store: parse every capture, merge duplicates, write new files."""
    with report.timed("read sources"):
        documents = ingest.read_documents(config.source_dir, report)
    with report.timed("scan store"):
        existing = store.Existing.scan(config.content_dir, report)
    with report.timed("merge"):
        statements = ingest.statements_from(documents, existing.claimed, existing.files)
        report.count("statements found", len(statements))
    with report.timed("write store"):
        store.save(statements, config.content_dir, existing, report)


def load_archive(config: SiteConfig, report: Report) -> Archive:
    """The Markdown store to the archive model (reading every file, checking them as a whole)."""
    with report.timed("read store"):
        statements = store.load_statements(config.content_dir, report)
    with report.timed("model"):
        return model.build_archive(statements, report)


def build(config: SiteConfig, report: Report, *, search: bool = True) -> Archive:
    """The whole pipeline: import, read the store, build the model."""
    import_sources(config, report)
    archive = load_archive(config, report)
    report.count("statements in the archive", len(archive.statements))
    return archive

"""Building small real sites for tests: the seeds and the fixture captures."""

from __future__ import annotations

import shutil
from pathlib import Path

from generator import build as pipeline
from generator.config import SiteConfig, load_config
from generator.problems import Report

from .conftest import RAW, SEEDS

BASE_URL = "https://archive.example.org/repo/"


def make_archive(root: Path, *, with_fixtures: bool = True, config: str = "") -> SiteConfig:
    """A site folder with the seed captures (and the fixture captures) as its sources."""
    sources = root / "content" / "sources"
    sources.mkdir(parents=True, exist_ok=True)
    for seed in sorted(SEEDS.glob("*.txt")):
        shutil.copy(seed, sources / seed.name)
    if with_fixtures:
        for raw in sorted(RAW.iterdir()):
            shutil.copy(raw, sources / raw.name)
    (root / "config.yaml").write_text(f"title: Test Archive\nbase_url: {BASE_URL}\n{config}")
    return load_config(root / "config.yaml")


def build(config: SiteConfig, *, search: bool = False, **overrides) -> Report:
    report = Report()
    if overrides:
        import dataclasses

        config = dataclasses.replace(config, **overrides)
    pipeline.build(config, report, search=search)
    return report


# --- statements altered at source ---------------------------------------------------------

VERSIONS = Path(__file__).resolve().parent / "fixtures" / "versions"


def kcna_records() -> dict[str, dict]:
    """The real records of ``fixtures/versions`` by name (see its README)."""
    import json

    return json.loads((VERSIONS / "kcna-records.json").read_text(encoding="utf-8"))


def kcnawatch_page(title: str, date: str, paragraphs, captured: str) -> str:
    """A KCNA Watch page saved as text (the reference capture format: no link), for a
    statement published on ``date`` (YYYY-MM-DD) and captured on ``captured``."""
    import datetime as dt

    published = dt.date.fromisoformat(date)
    seen = dt.date.fromisoformat(captured)
    header = f"{seen:%B} {seen.day:02d}, {seen.year}"
    juche = f"Juche{published.year - 1911}.{published.month}.{published.day}."
    lines = [header, "KCNA KCNA.kp (En)", "", title, "",
             f"Date: {published:%d/%m/%Y} | Source: KCNA.kp (En) | Read original version at source",
             "", "NK News is hiring", ""]
    for paragraph in paragraphs:
        lines += [paragraph, ""]
    lines += [f"www.kcna.kp ({juche})", "", "More From KCNA.kp (En)", "", "More Articles"]
    return "\n".join(lines) + "\n"


def record_page(record: dict, captured: str, *, date: str | None = None,
                title: str | None = None) -> str:
    """A real record as a KCNA Watch page (its headline's first line and its paragraphs)."""
    headline = title or record["headline"].split("\n")[0].strip()
    paragraphs = [p.strip() for p in record["story_text"].split("\n") if p.strip()]
    return kcnawatch_page(headline, date or record["date_str"], paragraphs, captured)


def add_altered(config: SiteConfig) -> None:
    """Two captures of the G7 commentary, a day apart, as KCNA Watch pages: a statement
    altered at source (its headline and text)."""
    records = kcna_records()
    config.source_dir.mkdir(parents=True, exist_ok=True)
    (config.source_dir / "g7-2024-10-25.txt").write_text(
        record_page(records["g7-world-wide"], "2024-10-25"), encoding="utf-8")
    (config.source_dir / "g7-2024-10-26.txt").write_text(
        record_page(records["g7-global"], "2024-10-26"), encoding="utf-8")


def old_store(config: SiteConfig, *names: str) -> list[str]:
    """The store an import made of the captures ``names`` before versions were told apart:
    one file per text. Returns the ids."""
    from generator import ingest, store
    from generator.ingest import identity
    from generator.model import issuers

    documents = []
    for name in names:
        docs, _, _ = ingest.parse_file(config.source_dir / name, config.source_dir)
        documents += docs
    groups = [identity.Group.of([d], identity.keys_of(d).title) for d in documents]
    pairs = identity.assign_ids(groups, {})
    statements = [ingest.statement_of(i, g, issuers.Authority()) for i, g in pairs]
    store.save(statements, config.content_dir, store.Existing(), Report())
    return [s.id for s in statements]

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

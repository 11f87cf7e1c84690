"""Shared fixtures: small sites in temporary folders, and the shared corpus when present."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.config import SiteConfig, load_config
from generator.problems import Report

PROJECT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
RAW = FIXTURES / "raw"
#: Captures the tests of single formats read (not part of the test sites, which take RAW whole).
CAPTURES = FIXTURES / "captures"
SHARED_CORPUS = PROJECT.parent / "shared" / "corpus"
SEEDS = PROJECT / "content" / "sources"


@pytest.fixture
def corpus_json() -> Path:
    """The real KCNA dump in ../shared; the test is skipped when it is absent."""
    path = SHARED_CORPUS / "kcna-en-2024.json"
    if not path.exists():
        pytest.skip("../shared/corpus/kcna-en-2024.json is not present")
    return path


@pytest.fixture
def make_site(tmp_path: Path) -> Callable[..., SiteConfig]:
    """Create a site folder with a config and files; return its loaded configuration.

    ``files`` maps a path relative to the site folder to text (dedented) or bytes.
    ``seeds=True`` copies the two seed captures into ``content/sources``.
    """

    def make(
        files: dict[str, str | bytes] | None = None,
        *,
        seeds: bool = False,
        config: str = "title: Test Archive\n",
    ) -> SiteConfig:
        root = tmp_path / "site-root"
        root.mkdir(exist_ok=True)
        (root / "config.yaml").write_text(textwrap.dedent(config), encoding="utf-8")
        (root / "content" / "sources").mkdir(parents=True, exist_ok=True)
        if seeds:
            for seed in sorted(SEEDS.glob("*.txt")):
                shutil.copy(seed, root / "content" / "sources" / seed.name)
        for rel, content in (files or {}).items():
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(textwrap.dedent(content), encoding="utf-8")
        return load_config(root / "config.yaml", report=Report())

    return make


@pytest.fixture
def report() -> Report:
    return Report()

"""The search index: Pagefind, run over the statement pages of the staged site.

Pagefind is the binary that the ``pagefind[bin]`` package installs. It
indexes only the statement pages (``data-pagefind-body`` marks their text,
``data-pagefind-filter`` their issuer, organisation, kind, source and year,
``data-pagefind-sort`` their date), keeping ``index.html`` in result URLs so
that they open from disk and under a subpath.

Pagefind does not write the same bytes twice for the same input (its filter
files come out in a different order on each run), so the index is rebuilt
only when what it indexes changed: ``signature`` names that input, and an
unchanged signature reuses the previous site's index as it is.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Mapping
from pathlib import Path

from .problems import BuildInterrupted

FOLDER = "pagefind"
#: The pages Pagefind reads (the statement pages; list pages are not indexed).
GLOB = "statements/*/index.html"


class SearchFailed(BuildInterrupted):
    """Pagefind could not be run or failed; the build stops and the old site stays."""


def executable() -> Path:
    """The Pagefind binary installed by ``pagefind[bin]``."""
    try:
        from pagefind.service import get_executable
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise SearchFailed("the 'pagefind' package is not installed (pip install 'pagefind[bin]')"
                           ) from exc
    binary = get_executable()
    if binary is None or not Path(binary).exists():
        raise SearchFailed(
            "the Pagefind binary was not found: install it with pip install 'pagefind[bin]', "
            "or build with --no-search"
        )
    return Path(binary)


def version(binary: Path) -> str:
    result = subprocess.run([str(binary), "--version"], capture_output=True, text=True,
                            timeout=60, check=False)
    return result.stdout.strip() or "unknown"


def signature(files: Mapping[str, str], language: str, binary_version: str) -> str:
    """What the index is built from: the indexed pages' checksums, the language, Pagefind."""
    pages = sorted((p, h) for p, h in files.items()
                   if p.startswith("statements/") and p.endswith("/index.html"))
    text = json.dumps([binary_version, language, pages], separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def run_pagefind(site_dir: Path, language: str, binary: Path) -> None:
    """Index ``site_dir`` into ``site_dir/pagefind``; ``SearchFailed`` with Pagefind's words."""
    command = [
        str(binary), "--site", str(site_dir), "--output-subdir", FOLDER, "--glob", GLOB,
        "--keep-index-url", "--force-language", language.split("-")[0].lower(), "--quiet",
    ]
    try:
        result = subprocess.run(command, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise SearchFailed(f"could not run Pagefind ({binary}): {exc.strerror or exc}") from None
    if result.returncode != 0:
        said = "\n".join((result.stderr or result.stdout).strip().splitlines()[-15:])
        raise SearchFailed(
            f"Pagefind failed (exit status {result.returncode}); the previous site is unchanged. "
            f"Pagefind said:\n{said}"
        )
    if not (site_dir / FOLDER / "pagefind.js").is_file():
        raise SearchFailed("Pagefind ran but wrote no index (is there a statement page?)")

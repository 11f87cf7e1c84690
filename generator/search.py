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

import ctypes
import ctypes.util
import gzip
import signal
import hashlib
import json
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from . import cbor
from .problems import BuildInterrupted

FOLDER = "pagefind"
#: The pages Pagefind reads (the statement pages; list pages are not indexed).
GLOB = "statements/*/index.html"


#: Pagefind's ready-made interfaces, which the search page does not use.
UNUSED = ("pagefind-ui.js", "pagefind-ui.css", "pagefind-modular-ui.js", "pagefind-modular-ui.css",
          "pagefind-component-ui.js", "pagefind-component-ui.css", "pagefind-highlight.js")


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


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    """Ask Linux to kill Pagefind if the build is killed (even by ``kill -9``)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def run_pagefind(site_dir: Path, language: str, binary: Path) -> None:
    """Index ``site_dir`` into ``site_dir/pagefind``; ``SearchFailed`` with Pagefind's words."""
    command = [
        str(binary), "--site", str(site_dir), "--output-subdir", FOLDER, "--glob", GLOB,
        "--keep-index-url", "--force-language", language.split("-")[0].lower(), "--quiet",
    ]
    try:
        result = subprocess.run(command, capture_output=True, text=True, check=False,
                                preexec_fn=_die_with_parent)
    except OSError as exc:
        raise SearchFailed(f"could not run Pagefind ({binary}): {exc.strerror or exc}") from None
    if result.returncode != 0:
        said = "\n".join((result.stderr or result.stdout).strip().splitlines()[-15:])
        raise SearchFailed(
            f"Pagefind failed (exit status {result.returncode}); the previous site is unchanged. "
            f"Pagefind said:\n{said}"
        )
    bundle = site_dir / FOLDER
    if not (bundle / "pagefind.js").is_file():
        raise SearchFailed("Pagefind ran but wrote no index (is there a statement page?)")
    stabilise(bundle)
    for unused in UNUSED:
        (bundle / unused).unlink(missing_ok=True)


# --- stable output -----------------------------------------------------------------------

_SIGNATURE = b"pagefind_dcd"


def _load(path: Path) -> Any:
    data = gzip.decompress(path.read_bytes())
    if not data.startswith(_SIGNATURE):
        raise SearchFailed(f"{path}: not a Pagefind index file this generator understands")
    return cbor.loads(data[len(_SIGNATURE):])


def _dump(value: Any) -> bytes:
    return gzip.compress(_SIGNATURE + cbor.encode(value), compresslevel=9, mtime=0)


def _filter_lists(meta: list[Any], folder: Path) -> list[list[Any]]:
    """The ``[name, file]`` pairs of the filter files a ``.pf_meta`` lists."""
    for item in meta:
        if (isinstance(item, list) and item and all(
                isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p)
                and (folder / "filter" / f"{p[1]}.pf_filter").is_file() for p in item)):
            return item
    return []


def stabilise(bundle: Path) -> None:
    """Rewrite a Pagefind bundle's filter files in a stable order (and rename what names them).

    Pagefind 1.5 writes the values of each filter in hash-map order, which
    changes from run to run; everything else it writes is already stable. The
    values are sorted, the files renamed after their new checksums, and the
    ``.pf_meta`` file and ``pagefind-entry.json`` that name them are updated.
    """
    entry_path = bundle / "pagefind-entry.json"
    entry = json.loads(entry_path.read_text(encoding="utf-8"))
    for language, info in sorted(entry.get("languages", {}).items()):
        meta_path = bundle / f"pagefind.{info['hash']}.pf_meta"
        meta = _load(meta_path)
        pairs = _filter_lists(meta, bundle)
        pairs.sort(key=lambda pair: pair[0])
        for pair in pairs:
            old = bundle / "filter" / f"{pair[1]}.pf_filter"
            name, values = _load(old)
            data = _dump([name, sorted(values, key=lambda v: (str(v[0]), v[1]))])
            pair[1] = f"{language}_{hashlib.sha256(data).hexdigest()[:7]}"
            old.unlink()
            (bundle / "filter" / f"{pair[1]}.pf_filter").write_bytes(data)
        data = _dump(meta)
        info["hash"] = f"{language}_{hashlib.sha256(data).hexdigest()[:10]}"
        meta_path.unlink()
        (bundle / f"pagefind.{info['hash']}.pf_meta").write_bytes(data)
    entry_path.write_text(json.dumps(entry, ensure_ascii=False, separators=(",", ":")),
                          encoding="utf-8")

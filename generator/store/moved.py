"""Inputs with the same bytes under a new stat: a fresh checkout, with its cache restored.

The build's cache and the import's record know each capture and store file by
its stat (size, modification time, inode): a file whose stat is the same is not
read again. A fresh ``git clone`` or ``actions/checkout`` gives every file a new
time and inode, so a cache restored into it (the Pages workflow restores one)
would miss on every file, and the "incremental" build would read and parse
everything.

This step runs first in a build, on the files whose stat changed since the last
build. It hashes those whose checksum the cache knows (the store's lookup keeps
each file's; the checksums of the captures are kept here, for each capture this
step hashed), and where the bytes are the same, it moves what the cache and the
import's record hold for the file to its new stat, everywhere the old stat is
held: every later step then sees the file as unchanged. A file edited is hashed
once more (a local rebuild hashes only the files that changed), and what the
cache holds for it stays where it was: it is read as any changed file is.
"""

from __future__ import annotations

import hashlib
import os
from collections import defaultdict
from collections.abc import Iterator, MutableMapping
from pathlib import Path

from ..config import SiteConfig
from ..engine.cache import Cache, StatKey, folder_of, lookup_name
from ..engine.guards import Refused, open_regular
from . import LOOKUP, SUFFIX, import_record

#: The captures' checksums, a lookup per folder: path -> (stat, SHA-256 of the bytes).
CHECKSUMS = "source-checksums"
#: The lookup of what parsing each capture gave (``ingest.read_documents``'s ``FileCache``).
SOURCES = "sources"


def _sha256(path: str) -> str | None:
    """The checksum of ``path``'s bytes; None for what is not a regular file (a FIFO would
    hang, a device never end: the reading step names them) or cannot be read."""
    digest = hashlib.sha256()
    try:
        fd, _ = open_regular(path)
        with os.fdopen(fd, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except (Refused, OSError):
        return None
    return digest.hexdigest()


def _under(path: str, folder: Path) -> bool:
    return path.startswith(os.path.join(str(folder), ""))


def _by_folder(paths: list[str]) -> Iterator[tuple[str, list[str]]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for path in paths:
        grouped[folder_of(path)].append(path)
    yield from sorted(grouped.items())


class _Moves:
    """The files found the same, each with the stat it had and the stat it has."""

    def __init__(self) -> None:
        self.moves: dict[str, tuple[StatKey, StatKey]] = {}

    def move(self, lookup: MutableMapping[str, tuple[object, object]], path: str,
             new: StatKey) -> None:
        """Move ``lookup``'s entry for ``path`` (a ``FileCache`` folder) to ``new``."""
        old, value = lookup[path]
        lookup[path] = (new, value)
        self.moves[path] = (old, new)  # type: ignore[assignment]


def _captures(cache: Cache, paths: list[str], changed: dict[str, object], moves: _Moves
              ) -> None:
    """Hash the captures whose stat changed; keep their checksums; move those the same."""
    for folder, members in _by_folder(paths):
        known = cache.load(lookup_name(CHECKSUMS, folder))
        parsed = cache.load(lookup_name(SOURCES, folder))
        moved = False
        for path in members:
            new = changed[path]
            sha = _sha256(path)
            before = known.get(path)
            if sha is None:
                continue
            known[path] = (new, sha)
            if before is None or before[1] != sha:
                continue
            entry = parsed.get(path)
            if entry is not None and entry[0] == before[0]:
                moves.move(parsed, path, new)  # type: ignore[arg-type]
                moved = True
            else:
                moves.moves[path] = (before[0], new)  # type: ignore[assignment]
        cache.save(lookup_name(CHECKSUMS, folder), known)
        if moved:
            cache.save(lookup_name(SOURCES, folder), parsed)


def _store_files(cache: Cache, paths: list[str], changed: dict[str, object], moves: _Moves
                 ) -> None:
    """Move the store files whose bytes are those the store's lookup read at another stat."""
    for folder, members in _by_folder(paths):
        name = lookup_name(LOOKUP, folder)
        read = cache.load(name)
        moved = False
        for path in members:
            entry = read.get(path)
            if entry is None or entry[0] == changed[path]:
                continue
            if _sha256(path) == entry[1].sha:
                moves.move(read, path, changed[path])  # type: ignore[arg-type]
                moved = True
        if moved:
            cache.save(name, read)


def same_bytes(cache: Cache, config: SiteConfig, changed: dict[str, object],
               last: dict[str, object]) -> dict[str, object]:
    """``changed`` (path -> stat, the inputs whose stat differs from the last build's,
    ``last``) less the capture and store files whose bytes are what the cache knows at
    their old stat; what the cache, the import's record and ``last`` hold for those is moved
    to their new stat."""
    files = [path for path, stat in changed.items() if isinstance(stat, tuple)]
    moves = _Moves()
    _captures(cache, [p for p in files if _under(p, config.source_dir)], changed, moves)
    _store_files(cache, [p for p in files if _under(p, config.content_dir)
                         and p.endswith(SUFFIX)], changed, moves)
    if not moves.moves:
        return changed
    record = import_record.load_any(cache)
    if record is not None:
        held = [path for path, (old, _) in moves.moves.items() if record.inputs.get(path) == old]
        for path in held:
            record.inputs[path] = moves.moves[path][1]
        if held:
            import_record.save(cache, record)
    for path, (old, new) in moves.moves.items():
        if last.get(path) == old:
            last[path] = new
    return {path: stat for path, stat in changed.items() if last.get(path) != stat}

"""Files as the output folder holds them: each written as a new file, checksummed, and
gzip-compressed to the same bytes on every system."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import shutil
from collections.abc import Iterable
from pathlib import Path


def put(target: Path, data: bytes) -> None:
    """Write ``data`` as a new file at ``target``, never into the file that is there.

    In the staging folder, a file may be a hard link to the current site's:
    writing into it would change the live site. So whatever is at ``target``
    (a file, or a folder where a file now goes) is removed first.
    """
    try:
        target.unlink()
    except FileNotFoundError:
        pass
    except IsADirectoryError:
        shutil.rmtree(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        # A file where a folder now goes: remove it (the nearest one up the path).
        for parent in reversed(target.parents):
            if parent.is_file():
                parent.unlink()
                break
        target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


def sha256(data: bytes) -> str:
    """The checksum a record keeps for a file (128 bits of SHA-256, as hex)."""
    return hashlib.sha256(data).hexdigest()[:32]


def gzipped(data: bytes, level: int = 6) -> bytes:
    """``data`` gzip-compressed, the same bytes on every system: no time, no file name,
    and "unknown" for the operating system in the header (``gzip.compress`` lets zlib
    name the system it runs on)."""
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=level, mtime=0) as out:
        out.write(data)
    return buffer.getvalue()


def files_present(root: Path, paths: Iterable[str]) -> set[str]:
    """Those of ``paths`` (relative to ``root``) that are files there.

    One listing per folder instead of one ``stat`` per file: a large site has
    few folders for its many files.
    """
    listed: dict[str, frozenset[str]] = {}
    present = set()
    for path in paths:
        folder, _, name = path.rpartition("/")
        names = listed.get(folder)
        if names is None:
            names = listed[folder] = _file_names(os.path.join(root, folder))
        if name in names:
            present.add(path)
    return present


def _file_names(folder: str) -> frozenset[str]:
    """The names of the files in ``folder`` (none if it cannot be listed)."""
    try:
        with os.scandir(folder) as entries:
            return frozenset(entry.name for entry in entries if entry.is_file())
    except OSError:
        return frozenset()

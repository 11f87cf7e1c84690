"""The build record: every file the generator wrote into a site, with its checksum and the
key of what it was made from, and the files not ours that the site carries.

It is what the output's promises stand on: a build deletes only the files a
record lists as its own, keeps a file whose key is unchanged, and carries
every other file across. It lives in the site (``MANIFEST``, a hidden file that
is not published) and is written into the staging folder last, so that a
staging folder with a record is a whole site. A record that cannot be read is
an empty one: the next build writes every file again, and deletes nothing.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import orjson

from .files import gzipped, sha256

#: The build record's file, in the site's folder.
MANIFEST = ".generator-manifest.json.gz"
VERSION = 2

T = TypeVar("T")

Files = dict[str, tuple[str, str]]
"""A record's files: ``path: (checksum, key)``."""


def read(folder: Path) -> dict[str, Any]:
    """The record in ``folder`` (``{"files": {}}`` if none can be read); its ``"digest"`` is
    the checksum of the record file's bytes."""
    try:
        raw = (folder / MANIFEST).read_bytes()
        data = json.loads(gzip.decompress(raw))
    except (OSError, ValueError, EOFError, gzip.BadGzipFile):
        return {"files": {}}
    if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
        return {"files": {}}
    data["digest"] = sha256(raw)
    return data


def files_of(record: dict[str, Any]) -> Files:
    """A record's files (an unreadable entry is left out)."""
    # Exact types (JSON gives no subclasses): quicker than isinstance, over every file.
    return {path: (entry[0], entry[1]) for path, entry in record.get("files", {}).items()
            if type(entry) is list and len(entry) == 2
            and type(entry[0]) is str and type(entry[1]) is str}


def foreign_of(record: dict[str, Any]) -> set[str]:
    """The files not ours that a record says its site carried."""
    listed = record.get("foreign", [])
    return {f for f in listed if isinstance(f, str)} if isinstance(listed, list) else set()


def encode(record: dict[str, Any]) -> bytes:
    """A record as compact JSON, keys sorted: by ``orjson``, many times quicker than
    ``json`` on a large site's record, or by ``json`` where ``orjson`` refuses (a file
    name that is not UTF-8, kept as Python keeps it)."""
    try:
        return orjson.dumps(record, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return json.dumps(record, separators=(",", ":"), sort_keys=True).encode()


def write(folder: Path, files: Files, foreign: list[str], meta: dict[str, Any],
          plan: dict[str, Any], meanwhile: Callable[[], T]) -> tuple[str, T]:
    """Write the record of the site in ``folder``; return the checksum of its file, and
    what ``meanwhile`` returned.

    The record is compressed in two threads, as two gzip members (which every
    gzip reader reads as one text; zlib lets go of the interpreter while it
    works), and ``meanwhile`` runs in this one while they do.
    """
    text = encode({"version": VERSION, "meta": meta, "plan": plan, "files": files,
                   "foreign": foreign})
    half = len(text) // 2
    with ThreadPoolExecutor(max_workers=2) as pool:
        compressing = [pool.submit(gzipped, part, 1) for part in (text[:half], text[half:])]
        done = meanwhile()
        data = b"".join(part.result() for part in compressing)
    (folder / MANIFEST).write_bytes(data)
    return sha256(data), done

"""The search index: Pagefind, one bundle per bucket (year) of statement pages.

Pagefind is the binary that the ``pagefind[bin]`` package installs. It
indexes only the statement pages (``data-pagefind-body`` marks their text,
``data-pagefind-filter`` their issuer, organisation, kind, source and year,
``data-pagefind-sort`` their date), keeping file names in result URLs so
that they open from disk and under a subpath.

Each bucket of statements (``statements/<year>/``) gets its own bundle in
``pagefind/<year>/``, and the search page queries them together. A bundle
is rebuilt only when what it indexes changed (``signature``), so adding one
statement re-indexes one year, not the archive; the bundles that must be
rebuilt run side by side, one Pagefind per core (``Indexer``), each over a
folder of links to exactly its bucket's pages. Pagefind writes each bundle
into a folder of its own, in memory where the system has one (``/dev/shm``),
and the build then takes it into the site (``Output.take``), linking every
file whose bytes the current site already has: after a one-statement change,
all but a few dozen of a year's 3,600 files.

Pagefind does not write the same bytes twice for the same input (its filter
files come out in a different order on each run); ``stabilise`` puts them in
a stable order, so that the same input gives the same index.
"""

from __future__ import annotations

import contextlib
import fcntl
import gzip
import hashlib
import io
import json
import os
import re
import secrets
import shutil
import subprocess
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import cbor2
import orjson

from .. import CODE
from ..engine import children
from ..problems import BuildInterrupted
from ..site.urls import Paths

FOLDER = "pagefind"

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


def signature(pages: Sequence[tuple[str, str]], language: str, binary_version: str) -> str:
    """What a bucket's bundle is built from: its pages' checksums, the language, Pagefind,
    and the generator's code (which runs Pagefind and rewrites what it writes)."""
    return hashlib.sha256(orjson.dumps([CODE, binary_version, language, sorted(pages)])).hexdigest()


#: Where Pagefind writes, when the system has it: a file system in memory. Writing 3,600 new
#: files on a disk file system costs Pagefind as much system time as indexing them (ext4
#: allocates each inode), and most of them are the current site's files again.
MEMORY = Path("/dev/shm")
#: Pagefind writes there only if it has at least this much room (a year's bundle of a large
#: archive takes tens of megabytes, and one Pagefind per core writes at a time).
MEMORY_ROOM = 1 << 30
_OURS = "statement-archive-search-"
LOCK = ".lock"
_LEFTOVER = re.compile(re.escape(_OURS) + r"([0-9]+)-[0-9a-f]{16}")


def _in_memory() -> tuple[Path, int] | None:
    """A new folder of ours in memory and the open file that locks it while this build
    runs, or None if the system has no room there. Folders of builds that have ended
    without removing theirs (killed) are removed first."""
    try:
        for entry in os.scandir(MEMORY):
            match = _LEFTOVER.fullmatch(entry.name)
            if match:
                _remove_if_abandoned(Path(entry.path), int(match.group(1)))
        room = os.statvfs(MEMORY)
        if not os.access(MEMORY, os.W_OK) or room.f_bavail * room.f_frsize < MEMORY_ROOM:
            return None
        folder = MEMORY / f"{_OURS}{os.getpid()}-{secrets.token_hex(8)}"
        folder.mkdir(mode=0o700)
        lock = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:  # no such folder, no room; or just removed by another build (see below)
        return None
    fcntl.flock(lock, fcntl.LOCK_EX)  # new: no other process has it open
    return folder, lock


def _remove_if_abandoned(folder: Path, pid: int) -> None:
    """Remove another build's folder in memory if that build has ended: its lock is free.

    A folder without a lock file was made by a build killed at once, or one that is
    making it this instant: removed only if process ``pid`` has gone (pids are this
    system's only if it shares them: a build that loses its folder so writes on disk).
    """
    try:
        lock = os.open(folder / LOCK, os.O_RDONLY)
    except FileNotFoundError:
        if not _alive(pid):
            shutil.rmtree(folder, ignore_errors=True)
        return
    except OSError:
        return
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # its build is running
        return
    else:
        shutil.rmtree(folder, ignore_errors=True)
    finally:
        os.close(lock)


def _on_disk(folder: Path) -> Path:
    """Where a run writes its bundle when not in memory: in its scratch folder, beside the
    pages it reads (``site``), not inside them."""
    return folder / "bundle"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


class Indexer:
    """Pagefind runs, one per bucket, at most ``jobs`` at a time; use as a context manager.

    Each run reads a folder of its own (from ``scratch``) that holds hard links
    to exactly the bucket's pages of the new site, and writes the bundle into
    a new folder, in memory when there is room (``MEMORY``), which ``wait``
    hands over. Pagefind sees no other file: not a page of the previous site
    still in the staging folder (a statement since deleted, which it would
    otherwise index), and nothing that is written while it runs, so that a
    bucket whose pages are all written can be indexed while the build goes on
    with the rest of the site. Leaving the block stops the runs still going
    and removes the folders.
    """

    def __init__(self, binary: Path, language: str, scratch: Callable[[], Path],
                 jobs: int | None = None) -> None:
        self.binary = binary
        self.language = language
        """The site's language (Pagefind is given its first part, ``en`` for ``en-GB``)."""
        self.scratch = scratch
        self.jobs = jobs or max(1, os.cpu_count() or 1)
        self.version = version(binary)
        self.buckets: list[str] = []
        """Every bucket added, in order."""
        self._pending: list[tuple[str, Path, Path]] = []
        self._running: list[tuple[str, Path, Path, subprocess.Popen[str]]] = []
        self._folders: list[Path] = []
        self._memory: Path | None = None
        self._lock: int | None = None
        made = _in_memory()
        if made is not None:
            self._memory, self._lock = made
            self._folders.append(self._memory)

    def __enter__(self) -> Indexer:
        return self

    def __exit__(self, *exc: object) -> None:
        for _, _, _, process in self._running:
            process.kill()
            process.wait()
        self._running.clear()
        for folder in self._folders:
            shutil.rmtree(folder, ignore_errors=True)
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None

    def add(self, bucket: str, pages: Iterable[tuple[str, Path]]) -> None:
        """Index ``pages`` (site path, the file that holds it) into a new bundle. The pages
        are linked at once (``FileNotFoundError`` if one has gone); the run starts as soon
        as fewer than ``jobs`` run."""
        folder = self.scratch()
        self._folders.append(folder)
        bundle = self._memory / bucket if self._memory is not None else _on_disk(folder)
        made: set[Path] = set()
        for path, source in pages:
            target = folder / "site" / path
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            try:
                os.link(source, target)
            except OSError as exc:
                if isinstance(exc, FileNotFoundError):
                    raise
                shutil.copy2(source, target)  # no hard links here: a copy does as well
        self.buckets.append(bucket)
        self._pending.append((bucket, folder, bundle))
        self._start()

    def _start(self) -> None:
        while self._pending and len(self._running) < self.jobs:
            bucket, folder, bundle = self._pending.pop(0)
            command = [
                str(self.binary), "--site", str(folder / "site"), "--output-path", str(bundle),
                "--glob", f"{Paths.STATEMENTS}{bucket}/*.html",
                "--keep-index-url", "--force-language", self.language.split("-")[0].lower(),
                "--quiet",
            ]
            try:
                process = children.start(command, text=True, stdout=subprocess.PIPE,
                                         stderr=subprocess.STDOUT)
            except OSError as exc:
                raise SearchFailed(
                    f"could not run Pagefind ({self.binary}): {exc.strerror or exc}") from None
            self._running.append((bucket, folder, bundle, process))

    def wait(self, done: Callable[[str, Path], object],
             meanwhile: Callable[[], object] = lambda: None) -> None:
        """Run every bucket added to its end, and call ``done(bucket, bundle)`` for each in
        turn (the bundle's folder is removed after). ``meanwhile`` is called once, after
        the first runs have started (in this thread: a thread would make starting the next
        Pagefind unsafe). Any failure raises ``SearchFailed`` with Pagefind's own words
        (the other runs are stopped on leaving the block)."""
        self._start()
        meanwhile()
        while self._running:
            bucket, folder, bundle, process = self._running[0]
            said, _ = process.communicate()  # still listed: an interruption here stops it
            self._running.pop(0)
            if process.returncode != 0 and bundle.parent == self._memory:
                # Out of room in memory, say: that bucket again, on disk.
                shutil.rmtree(bundle, ignore_errors=True)
                self._pending.insert(0, (bucket, folder, _on_disk(folder)))
                self._start()
                continue
            if process.returncode != 0:
                said = "\n".join(said.strip().splitlines()[-15:])
                raise SearchFailed(
                    f"Pagefind failed on statements/{bucket}/ (exit status {process.returncode});"
                    f" the previous site is unchanged. Pagefind said:\n{said}"
                )
            shutil.rmtree(folder / "site", ignore_errors=True)
            self._start()  # the next run goes on while this bundle is taken
            _finish(bundle)
            done(bucket, bundle)
            shutil.rmtree(bundle, ignore_errors=True)
            with contextlib.suppress(OSError):
                folder.rmdir()


def _finish(bundle: Path) -> None:
    if not (bundle / "pagefind.js").is_file():
        raise SearchFailed(f"Pagefind ran but wrote no index in {bundle}")
    stabilise(bundle)
    for unused in UNUSED:
        (bundle / unused).unlink(missing_ok=True)


# --- stable output -----------------------------------------------------------------------

_SIGNATURE = b"pagefind_dcd"


def read_index_file(path: Path) -> Any:
    """What a Pagefind metadata file (``.pf_meta``, ``.pf_filter``) holds: a signature and
    one CBOR item (RFC 8949), gzip-compressed. Anything else is ``SearchFailed``."""
    data = gzip.decompress(path.read_bytes())
    if not data.startswith(_SIGNATURE):
        raise SearchFailed(f"{path}: not a Pagefind index file this generator understands")
    stream = io.BytesIO(data)
    stream.seek(len(_SIGNATURE))
    try:
        value = cbor2.CBORDecoder(stream).decode()
    except cbor2.CBORDecodeError as exc:
        raise SearchFailed(f"{path}: not a Pagefind index file this generator understands "
                           f"({exc})") from None
    if stream.tell() != len(data):
        raise SearchFailed(f"{path}: not a Pagefind index file this generator understands "
                           f"({len(data) - stream.tell()} bytes after its data)")
    return value


def index_file_data(value: Any) -> bytes:
    """The bytes of a Pagefind metadata file holding ``value``, before compression.

    CBOR in its shortest form, as Pagefind writes it, so that a value read from
    its files is written back as the same bytes (``tests/test_search.py``).
    """
    return _SIGNATURE + cbor2.dumps(value)


def _dump(value: Any) -> bytes:
    return gzip.compress(index_file_data(value), compresslevel=9, mtime=0)


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
        meta = read_index_file(meta_path)
        pairs = _filter_lists(meta, bundle)
        pairs.sort(key=lambda pair: pair[0])
        for pair in pairs:
            old = bundle / "filter" / f"{pair[1]}.pf_filter"
            name, values = read_index_file(old)
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

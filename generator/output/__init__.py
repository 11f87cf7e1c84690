"""The only door to the output folder.

What it promises:

- **It deletes only what it wrote.** Every build records the files it wrote
  in ``.generator-manifest.json`` inside the output folder. Files that are not
  in the record (a ``CNAME`` you added, say) are carried into every new build
  untouched; a generated file never replaces one of them.
- **It refuses dangerous folders before touching anything**: ``/``, the home
  folder, the project folder, the content or source folders or any folder
  that holds them, and any non-empty folder that it did not create.
- **The new site appears all at once.** Pages are written into a staging
  folder beside the output folder (unchanged files are hard links to the
  current site's, so this is cheap); the two folders are then exchanged in
  one atomic ``renameat2(RENAME_EXCHANGE)``. A build killed at any moment,
  even by ``kill -9``, leaves a whole site (the previous one, or the new one if
  the swap was done); the next build removes its staging folder, which is
  marked as the generator's, or, where the system has no atomic exchange and
  the build died between its two renames, finishes the swap.
- **A small change costs little.** After a build that changed a small part of
  the site, the site it replaced is kept beside it (``.<name>.previous``, its
  unchanged files hard links to the current ones, so it takes little room),
  and the next build starts its staging folder from it: only what differs
  between the two is linked or deleted, instead of linking every file of a
  site of 200,000 files and deleting as many. Nothing is ever written into a
  file of the staging folder: a file is replaced by a new one, because the
  old one may be a hard link shared with the current site.
- **One build at a time**: an OS lock (``flock``) beside the output folder;
  the kernel frees it if the holder dies. A second build waits for the first.
- **Nothing changes when nothing changed**: if every file would be the same,
  the current site is left as it is.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import gzip
import hashlib
import io
import itertools
import json
import os
import re
import secrets
import shutil
import signal
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import cache, cached_property
from pathlib import Path
from typing import Any, TextIO

import orjson

from ..engine.cache import stat_key
from ..model.names import RESERVED_NAMES
from ..problems import BuildInterrupted, Report, shown

#: The build record: every file the generator wrote, with its checksum and its input key.
MANIFEST = ".generator-manifest.json.gz"
STAGING_MARK = ".generator-staging"
#: Kept in the previous site (``.<name>.previous``): how its record differs from the current
#: site's, so that the next build need not read its whole record (half a second at 100,000
#: statements).
BACK = ".generator-back.json"
STAGE = "output"
_MANIFEST_VERSION = 2
_MAX_NAME = 200


class OutputError(BuildInterrupted):
    """The output folder cannot be used; nothing was changed."""


_UNSAFE_CHARACTER = re.compile(r"[\x00-\x1f\\]")


def check_path_ok(path: str) -> bool:
    """Whether ``check_rel_path`` accepts ``path`` (a path read from a record)."""
    try:
        check_rel_path(path)
    except OutputError:
        return False
    return True


def check_rel_path(path: str) -> str:
    """``path`` if it is a safe site-root-relative file path, else ``OutputError``.

    Refused: absolute paths, ``..``, empty or hidden-by-accident segments, NUL
    and control characters, backslashes, names Windows reserves, names over
    200 characters.
    """
    if not path or path.startswith("/") or _UNSAFE_CHARACTER.search(path):
        raise OutputError(f"refusing to write {path!r}: not a relative path inside the site")
    for part in path.split("/"):
        stem = part.split(".", 1)[0].lower()
        if part in ("", ".", "..") or stem in RESERVED_NAMES or len(part) > _MAX_NAME:
            raise OutputError(f"refusing to write {path!r}: {part!r} is not a safe file name")
    return path


_TRASH = re.compile(r"trash-[0-9a-f]{16}")
#: The previous site is kept for the next build only if this build changed less than
#: this share of its files (after a large change it would be mostly stale).
KEEP_PREVIOUS_BELOW = 0.5
#: A folder's listing is trusted to be as its stat says only once the folder has not
#: changed for this long (file times come from a clock that ticks every few milliseconds).
_SETTLED_NS = 2_000_000_000


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


@contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block ends (they are delivered then)."""
    held = {signal.SIGINT, signal.SIGTERM}
    try:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    except (AttributeError, ValueError, OSError):  # not the main thread, or no such call
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@cache
def _renameat2() -> Any:
    """The C library's ``renameat2``, or None (looked up once: finding it may run ``ldconfig``)."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    return getattr(libc, "renameat2", None)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux ``renameat2``); False if the system cannot."""
    renameat2 = _renameat2()
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    if result == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(a))


def refuse_unsafe(out: Path, protected: Iterable[Path], no_inside: Iterable[Path] = ()) -> None:
    """Raise ``OutputError`` if building into ``out`` could harm a folder the user owns.

    ``protected`` folders may be neither the output folder nor inside it;
    ``no_inside`` folders (the content and source folders) may not hold it either.
    """
    out = out.resolve()
    home = Path.home().resolve()
    if out == Path(out.anchor):
        raise OutputError(f"refusing to build into {out}: it is the root of the file system")
    if out == home or out in home.parents:
        raise OutputError(f"refusing to build into {out}: it is your home folder or holds it")
    for folder in (*protected, *no_inside):
        folder = folder.resolve()
        if out == folder or out in folder.parents:
            raise OutputError(
                f"refusing to build into {out}: it is {shown(folder)} or a folder that holds it; "
                "choose a separate output folder (output_dir or --out)"
            )
    for folder in no_inside:
        if folder.resolve() in out.parents:
            raise OutputError(f"refusing to build into {out}: it is inside {shown(folder)}")
    if out.exists() and not out.is_dir():
        raise OutputError(f"refusing to build into {out}: it is a file, not a folder")
    if out.is_dir() and not (out / MANIFEST).is_file() and any(out.iterdir()):
        raise OutputError(
            f"refusing to build into {shown(out)}: the folder is not empty and was not made by "
            f"this generator (it has no {MANIFEST}). Choose another output folder, "
            "or empty this one yourself"
        )


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


def _raise(error: OSError) -> None:
    raise error


def _file_names(folder: str) -> frozenset[str]:
    """The names of the files in ``folder`` (none if it cannot be listed)."""
    try:
        with os.scandir(folder) as entries:
            return frozenset(entry.name for entry in entries if entry.is_file())
    except OSError:
        return frozenset()


def _files_present(root: Path, paths: Iterable[str]) -> set[str]:
    """Those of ``paths`` (relative to ``root``) that are files there.

    One listing per folder instead of one ``stat`` per file: a site of 200,000
    files has a few hundred folders.
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


def _read_manifest(out: Path) -> dict[str, Any]:
    """The record in ``out`` (``{"files": {}}`` if none can be read); its ``"digest"`` is
    the checksum of the record file's bytes."""
    try:
        raw = (out / MANIFEST).read_bytes()
        data = json.loads(gzip.decompress(raw))
    except (OSError, ValueError, EOFError, gzip.BadGzipFile):
        return {"files": {}}
    if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
        return {"files": {}}
    data["digest"] = sha256(raw)
    return data


def _json(record: dict[str, Any]) -> bytes:
    """A record as compact JSON, keys sorted. ``orjson`` writes the record of a site of
    216,000 files in a tenth of the time ``json`` takes (0.03 s, not 0.25); ``json`` writes
    what it refuses (a file name that is not UTF-8, kept as Python keeps it)."""
    try:
        return orjson.dumps(record, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return json.dumps(record, separators=(",", ":"), sort_keys=True).encode()


def _foreign(record: dict[str, Any]) -> set[str]:
    """The files not ours that a record says its site carried."""
    listed = record.get("foreign", [])
    return {f for f in listed if isinstance(f, str)} if isinstance(listed, list) else set()


def _files(record: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """A record's files as ``path: (checksum, key)`` (an unreadable entry is left out)."""
    # Exact types (JSON gives no subclasses): twice as fast as isinstance over 200,000 files.
    return {path: (entry[0], entry[1]) for path, entry in record.get("files", {}).items()
            if type(entry) is list and len(entry) == 2
            and type(entry[0]) is str and type(entry[1]) is str}


class Output:
    """One build's writes into ``out``; use as a context manager.

    Call ``write`` for every file, ``finish`` once all files are written (it
    says whether anything changed), optionally add a tool's files (the search
    index) with ``take`` or ``reuse``, then ``commit``. Leaving the ``with``
    block without ``commit`` leaves the current site as it was.
    """

    def __init__(self, out: Path, report: Report, *, protected: Iterable[Path] = (),
                 no_inside: Iterable[Path] = (), wait_message: TextIO | None = None) -> None:
        self.out = out.resolve()
        self.protected = tuple(protected)
        self.no_inside = tuple(no_inside)
        self.report = report
        self.wait_message = wait_message
        self.staging = self.out.parent / f".{self.out.name}.staging"
        self.previous = self.out.parent / f".{self.out.name}.previous"
        self.lock_path = self.out.parent / f".{self.out.name}.lock"
        self.old: dict[str, Any] = {"files": {}}
        """The current site's record (read once the lock is held)."""
        self.old_files: dict[str, tuple[str, str]] = {}
        self.files: dict[str, tuple[str, str]] = {}
        self.unchanged: list[str] = []
        self.changed = 0
        self._lock: int | None = None
        self._staged = False
        self._finished = False
        self.meta: dict[str, Any] = {}
        self.plan: dict[str, Any] = {}
        self.changed_site = False
        self.base: dict[str, tuple[str, str]] = {}
        """The generated files the staging folder started with (from the previous site)."""
        self.base_foreign: set[str] = set()
        """The files not ours that the previous site carried."""
        self.foreign: set[str] = set()
        """The files not ours that the site carries (as of the last commit)."""
        self._groups: dict[tuple[str, str, int], dict[str, dict[str, tuple[str, str]]]] = {}
        self._listed: dict[str, tuple[Any, list[str], list[str]]] = {}
        """Each folder of the current site as the last walk listed it (``_walk_current``)."""
        self._walked: dict[str, Any] = {}
        """Each folder's stat as the walks took it, just before listing it."""
        self._replace_staged: set[str] = set()
        """Unchanged files a worker wrote into the staging folder all the same."""
        self._written: set[str] = set()
        """The files this build wrote into the staging folder (new or changed)."""

    # -- lifecycle --

    def __enter__(self) -> Output:
        refuse_unsafe(self.out, self.protected, self.no_inside)
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self._acquire_lock()
        self._remove_leftovers()
        # Another build may have finished while we waited: read its record.
        self.old = _read_manifest(self.out) if (self.out / MANIFEST).is_file() else {"files": {}}
        self.old_files = _files(self.old)
        self.foreign = _foreign(self.old)
        return self

    def __exit__(self, *exc: object) -> None:
        with signals_deferred():
            try:
                if self._staged and self.staging.exists():
                    self._discard(self.staging)
            finally:
                self._release_lock()

    def _discard(self, folder: Path) -> None:
        """Delete a folder of ours: first renamed out of the way (at once), then removed."""
        trash = self.out.parent / f".{self.out.name}.trash-{secrets.token_hex(8)}"
        os.rename(folder, trash)
        shutil.rmtree(trash, ignore_errors=True)

    def _acquire_lock(self) -> None:
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if self.wait_message is not None:
                print(f"another build is writing {shown(self.out)}; waiting for it to finish",
                      file=self.wait_message, flush=True)
            fcntl.flock(fd, fcntl.LOCK_EX)
        self._lock = fd

    def _release_lock(self) -> None:
        if self._lock is not None:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            os.close(self._lock)
            self._lock = None

    def _remove_leftovers(self) -> None:
        """Clear what a killed build left: its staging folder, folders half deleted, the
        mark of a swap it did not end; finish a swap it left half done."""
        prefix = f".{self.out.name}."
        for trash in self.out.parent.glob(f"{prefix}trash-*"):
            if _TRASH.fullmatch(trash.name[len(prefix):]) and trash.is_dir():
                shutil.rmtree(trash, ignore_errors=True)
        if self.out.is_dir():
            (self.out / STAGING_MARK).unlink(missing_ok=True)
        if not self.staging.exists():
            return
        if (self.staging / STAGING_MARK).exists():
            record = _read_manifest(self.staging)
            if not self.out.exists() and record.get("version") == _MANIFEST_VERSION:
                # Killed between the two renames of a swap where the system has no atomic
                # exchange (or before its first site's rename): the staged site is whole
                # (its record is written last) and there is no other. It becomes the site.
                os.rename(self.staging, self.out)
                os.unlink(self.out / STAGING_MARK)
                return
            self._discard(self.staging)
            return
        if not any(self.staging.iterdir()):
            self._discard(self.staging)
            return
        raise OutputError(
            f"{shown(self.staging)} exists but was not made by this generator; "
            "move it away and build again"
        )

    def _stage(self) -> None:
        if not self._staged:
            self._staged = True
            if self._take_previous():
                return
            self.staging.mkdir()
            (self.staging / STAGING_MARK).write_bytes(b"")

    def _take_previous(self) -> bool:
        """Start the staging folder from the previous site, if one was kept and is sound."""
        if not (self.previous / STAGING_MARK).is_file():
            return False
        record = self._previous_record()
        if record.get("version") != _MANIFEST_VERSION or not record.get("files"):
            self._discard(self.previous)
            return False
        # Its record goes first: a staging folder holds one only once it is whole (commit).
        (self.previous / MANIFEST).unlink(missing_ok=True)
        (self.previous / BACK).unlink(missing_ok=True)
        os.rename(self.previous, self.staging)  # marked: a killed build leaves it removable
        self.base = _files(record)
        self.base_foreign = _foreign(record)
        return True

    def _previous_record(self) -> dict[str, Any]:
        """The previous site's record: the current one's with the differences the build
        that replaced it wrote down (``BACK``), if they are the current record's; else
        read whole."""
        try:
            back = json.loads((self.previous / BACK).read_bytes())
            if back["version"] != _MANIFEST_VERSION or back["site"] != self.old["digest"]:
                return _read_manifest(self.previous)
            files = dict(self.old["files"])
            for path, entry in back["files"].items():
                if entry is None:
                    files.pop(path, None)
                else:
                    files[path] = entry
            return {"version": back["version"], "files": files, "foreign": back["foreign"]}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return _read_manifest(self.previous)

    # -- writing --

    @cached_property
    def _present(self) -> frozenset[str]:
        """The files the current site has (one walk; a file deleted by hand is made again)."""
        return frozenset(self._walk_current()[0])

    def _walk_current(self) -> tuple[set[str], set[str], set[str]]:
        """The current site's files (as ``os.walk`` finds them), as site paths: those of the
        folders listed in this walk, the folders the walk reached, and those it listed.

        Each folder's listing is remembered with the folder's stat, and a later
        walk lists again only the folders whose stat changed: adding, removing
        or renaming a file changes its folder's modification time. A folder
        changed less than a few seconds before it was listed is always listed
        again (the clock that stamps it may not have moved since). The files of
        a folder not listed again are those the walk before found there.
        """
        present: set[str] = set()
        listed: dict[str, tuple[Any, list[str], list[str]]] = {}
        again: set[str] = set()
        pending = [""]
        while pending:
            rel = pending.pop()
            full = os.path.join(self.out, rel)
            key = self._walked[rel] = stat_key(full)
            seen = self._listed.get(rel)
            prefix = rel + "/" if rel else ""
            if seen is not None and key is not None and seen[0] == key:
                files, folders = seen[1], seen[2]
            else:
                files, folders = [], []
                try:
                    with os.scandir(full) as entries:
                        for entry in entries:
                            if not entry.is_dir():
                                files.append(entry.name)
                            elif not entry.is_symlink():
                                folders.append(entry.name)
                except OSError:
                    continue
                if key is not None and time.time_ns() - key[1] < _SETTLED_NS:
                    key = None
                again.add(rel)
                present.update(prefix + name for name in files)
            listed[rel] = (key, files, folders)
            pending.extend(prefix + name for name in folders)
        self._listed = listed
        return present, set(listed), again

    def keep_current(self, path: str, key: str) -> bool:
        """Keep the current site's ``path`` if it was made from the same input ``key`` (as
        ``keep``); say whether it was."""
        old = self.old_files.get(path)
        if old is None or old[1] != key or path not in self._present:
            return False
        self._claim(path, checked=True)
        self.files[path] = old
        self.unchanged.append(path)
        return True

    def keep_all_current(self, paths: Sequence[str]) -> bool:
        """Keep the current site's files at ``paths``, each with the key it was made from, if
        the site has every one of them; else keep none. Say whether they were kept. No key
        is compared: the caller knows that what they are made from is the same (as the
        statement pages of a year whose ``pages.statement_pages_key`` is)."""
        old, present = self.old_files, self._present
        if not all(path in old and path in present for path in paths):
            return False
        for path in paths:
            self._claim(path, checked=True)
            self.files[path] = old[path]
        self.unchanged += paths
        return True

    def has(self, path: str) -> bool:
        """Whether the current site has ``path`` (a file deleted by hand: not)."""
        return path in self._present

    def keep(self, path: str) -> None:
        """Keep the current site's ``path`` as it is (the caller knows it is up to date)."""
        # A path the walk of the current site found needs no check (200,000 at 100,000
        # statements): it is a file inside the site, which the site's record lists as ours.
        self._claim(path, checked=path in self._present)
        self.files[path] = self.old_files[path]
        self.unchanged.append(path)

    def _claim(self, path: str, checked: bool = False) -> None:
        if not checked:
            check_rel_path(path)
        if path in self.files or path == MANIFEST:
            raise OutputError(f"two outputs want the same file {path!r}; nothing was written")

    def write(self, path: str, data: bytes, key: str = "") -> None:
        """Add one file to the new site."""
        self._claim(path)
        digest = sha256(data)
        self.files[path] = (digest, key)
        old = self.old_files.get(path)
        if old is not None and old[0] == digest and (self.out / path).is_file():
            self.unchanged.append(path)
            return
        self._stage()
        try:
            put(self.staging / path, data)
        except OSError as exc:
            raise OutputError(
                f"cannot write {shown(self.out / path)}: {exc.strerror or exc}; "
                "the previous site is unchanged"
            ) from None
        self._written.add(path)
        self.changed += 1

    def staged(self, path: str) -> Path:
        """Where ``path`` goes in the new site (write it there with ``put``)."""
        self._stage()
        target = self.staging / path
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def written(self, path: str, digest: str, key: str) -> None:
        """Record a file a worker process wrote at ``staged(path)``.

        If its bytes are the current site's, it counts as unchanged (as with
        ``write``), and the current file takes its place in the new site.
        """
        self._claim(path)
        self.files[path] = (digest, key)
        old = self.old_files.get(path)
        if old is not None and old[0] == digest and (self.out / path).is_file():
            self.unchanged.append(path)
            self._replace_staged.add(path)
            return
        self._written.add(path)
        self.changed += 1

    def source(self, path: str) -> Path:
        """The file that holds the new site's ``path`` now: the staging folder's if this
        build wrote it or has staged every file (``finish``), else the current site's."""
        return (self.staging if self._finished or path in self._written else self.out) / path

    def scratch(self) -> Path:
        """A new empty folder of ours beside the site (for a tool to read from), which the
        caller removes; one a killed build leaves behind, the next build removes."""
        folder = self.out.parent / f".{self.out.name}.trash-{secrets.token_hex(8)}"
        folder.mkdir()
        return folder

    def finish(self, meta: dict[str, Any], tool_dirs: tuple[str, ...] = (),
               plan: dict[str, Any] | None = None) -> list[str]:
        """Stage the unchanged files too; return the paths whose current file has gone.

        ``self.changed_site`` says whether the new site differs from the current
        one. ``meta`` is saved in the record (say, what the search index was
        built from); a change in it counts as a change. ``plan`` is saved in it
        too (say, what groups of pages were made from, so that the next build
        can keep them without planning them), but a change in it alone is none:
        the site and its record are then left as they are, and what the record
        says of their files still holds. Files under ``tool_dirs`` are written
        by tools after this call (``take``, ``reuse``), so they are not compared
        here. A kept file that has disappeared from the current site (deleted
        by hand) must be written again: its path is returned, and it is no
        longer counted as kept.
        """
        self._finished = True
        self.meta = meta
        self.plan = plan or {}
        tools = tuple(d + "/" for d in tool_dirs)
        old_pages = {p for p in self.old_files if not p.startswith(tools)}
        removed = old_pages - set(self.files)
        if (not self.changed and not removed and self.old.get("meta") == meta and self.old_files
                and all(p in self._present for p in self.old_files if p.startswith(tools))):
            # (A tool's file deleted by hand: the site changes, and the tool runs again.)
            self.changed_site = False
            return []
        self.changed_site = True
        self._stage()
        missing = [path for path in self._link_all(self._differing(self.unchanged)) if path]
        for path in missing:
            del self.files[path]
        return missing

    def _differing(self, paths: list[str]) -> list[str]:
        """Those of the current site's ``paths`` that the staging folder does not hold yet.

        A fresh staging folder holds none. One started from the previous site holds
        every file that the previous build wrote with the bytes the current site has
        (both records say so), unless it has gone from there since.
        """
        if not self.base:
            return paths
        base, old = self.base, self.old_files
        same = [p for p in paths if base.get(p, ("",))[0] == old[p][0]]
        held = _files_present(self.staging, same)
        return [p for p in paths if p not in held]

    def _link_all(self, paths: list[str], into: Path | None = None) -> list[str | None]:
        """Hard-link the current site's ``paths`` into the staging folder (or the new folder
        ``into``), several at a time.

        Returns, for each path, the path itself if its file has gone, else None.
        """
        # Paths as text, not ``Path``s: two and a half times as fast over 216,000 files.
        root, source = str(self.staging if into is None else into), str(self.out)
        for folder in sorted({p.rpartition("/")[0] for p in paths}):
            os.makedirs(f"{root}/{folder}", exist_ok=True)
        fresh = into is not None or not self.base

        def link(path: str) -> str | None:
            target = f"{root}/{path}"
            if not fresh or (into is None and path in self._replace_staged):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(target)
            try:
                os.link(f"{source}/{path}", target)
            except FileNotFoundError:
                return path
            except OSError:
                if into is not None:
                    raise  # no hard links here: a copy of the whole site is not worth it
                shutil.copy2(f"{source}/{path}", target)
            return None

        if len(paths) < 256:
            return [link(p) for p in paths]
        # In runs of 512: a thread pool ignores ``map``'s chunksize, and a task (a future)
        # for each of a site's 216,000 files took 350 MB.
        runs = [paths[i:i + 512] for i in range(0, len(paths), 512)]
        with ThreadPoolExecutor(max_workers=4) as pool:
            return [gone for done in pool.map(lambda run: [link(p) for p in run], runs)
                    for gone in done]

    def take(self, folder: str, source: Path) -> None:
        """Make the files under ``source`` (a tool's output, outside the site) the new site's
        ``folder``, as the generator's own files.

        A file whose bytes the current site has at the same path is a hard link to that
        file (no new file is made: after a small change, most of a search bundle is
        the same); the others are moved in when ``source`` is on the same file system,
        else copied.
        """
        self.clear(folder)
        target_root = self.staging / folder
        target_root.mkdir(parents=True, exist_ok=True)
        movable = source.stat().st_dev == target_root.stat().st_dev
        for dirpath, dirnames, filenames in os.walk(source, onerror=_raise):
            dirnames.sort()
            under = os.path.relpath(dirpath, source)
            prefix = f"{folder}/" if under == "." else f"{folder}/{Path(under).as_posix()}/"
            if under != ".":
                (self.staging / prefix).mkdir(exist_ok=True)
            for name in sorted(filenames):
                rel, full = prefix + name, os.path.join(dirpath, name)
                self._claim(rel)
                with open(full, "rb") as stream:
                    data = stream.read()
                digest = sha256(data)
                self.files[rel] = (digest, "")
                target = self.staging / rel
                old = self.old_files.get(rel)
                if old is not None and old[0] == digest and rel in self._present:
                    with contextlib.suppress(OSError):
                        os.link(self.out / rel, target)
                        continue
                if movable:
                    os.replace(full, target)
                else:
                    put(target, data)

    def _under(self, record: str, folder: str) -> dict[str, tuple[str, str]]:
        """The files of the current site's record (``old``) or of the staging folder's
        first one (``base``) that are under ``folder``.

        Grouped once by the folders as deep as ``folder`` (``a/b`` for ``a/b/c/d``,
        when ``folder`` is ``a/b``), over the files of that top folder only.
        """
        top = folder.split("/", 1)[0]
        depth = folder.count("/") + 1
        groups = self._groups.get((record, top, depth))
        if groups is None:
            groups = self._groups[(record, top, depth)] = {}
            prefix = top + "/"
            for path, value in (self.old_files if record == "old" else self.base).items():
                if path.startswith(prefix):
                    parts = path.split("/", depth)
                    if len(parts) > depth:
                        groups.setdefault("/".join(parts[:depth]), {})[path] = value
        return groups.get(folder, {})

    def reuse(self, folder: str) -> bool:
        """Hard-link the current site's ``folder`` (written by a tool) into the new site."""
        wanted = self._under("old", folder)
        if not wanted or not all(p in self._present for p in wanted):
            return False
        self._stage()
        if self._under("base", folder) != wanted or len(
                _files_present(self.staging, wanted)) != len(wanted):
            paths = list(wanted)
            self.clear(folder)
            if any(self._link_all(paths)):
                return False
        self.files.update(wanted)
        return True

    def clear(self, folder: str) -> None:
        """Empty ``folder`` of the staging folder, for a tool to write into afresh."""
        self._stage()
        target = self.staging / check_rel_path(folder)
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        elif target.exists() or target.is_symlink():
            target.unlink()

    def folder_stats(self) -> dict[str, Any]:
        """The stat (``stat_key``) of each of the site's folders that hold its files, ours and
        those it carries, and of the site's own (``""``), by site-relative path, as this build
        leaves them: a site left as it was, as this build's walk saw them (a file deleted by
        hand after the walk then shows, and the next build runs)."""
        folders = {""}
        # A site left as it was is the current one, tools' files (the search index) included.
        files = self.files if self.changed_site else self.old_files
        for path in itertools.chain(files, self.foreign):
            folder = path.rpartition("/")[0]
            while folder not in folders:
                folders.add(folder)
                folder = folder.rpartition("/")[0]
        walked = {} if self.changed_site else self._walked
        return {folder: walked[folder] if folder in walked
                else stat_key(os.path.join(self.out, folder)) for folder in sorted(folders)}

    # -- committing --

    def _drop_stale(self) -> None:
        """Remove from a staging folder started from the previous site what is not wanted."""
        # (Set operations on the records' keys: a pass over 216,000 files in C, not Python.)
        stale = [p for p in sorted(self.base.keys() - self.files.keys()) if check_path_ok(p)]
        # Files not ours in it: those it carried, and those added to it while it was the
        # live site (the last build carried them on, so its record lists them). The ones
        # still in the current site are carried again just after.
        foreign = self.base_foreign | _foreign(self.old)
        stale += [p for p in sorted(foreign) if p not in self.files and check_path_ok(p)]
        folders = set()
        for path in stale:
            with contextlib.suppress(FileNotFoundError, IsADirectoryError, NotADirectoryError):
                os.unlink(self.staging / path)
            folders.update(str(parent) for parent in Path(path).parents if str(parent) != ".")
        for folder in sorted(folders, key=lambda f: -f.count("/")):  # deepest first
            with contextlib.suppress(OSError):  # not empty: kept
                os.rmdir(self.staging / folder)

    def _carry_foreign_files(self) -> list[str]:
        """Bring files we did not write (a CNAME, say) into the new site, untouched."""
        if not self.out.is_dir():
            return []
        # Walked again now, not at the start of the build: a file added meanwhile is carried.
        # Of a folder not listed again, the files not ours that the first walk found there
        # (few: the site's 216,000 file names, made again, took 0.15 s at the end of a build).
        first = self._present  # (the first walk: made now, if the build has not looked yet)
        relisted, reached, again = self._walk_current()
        carried = sorted(relisted.difference(self.old_files, (MANIFEST,)).union(
            p for p in first.difference(self.old_files, (MANIFEST,))
            if p.rpartition("/")[0] in reached and p.rpartition("/")[0] not in again))
        for rel in carried:
            full, target = self.out / rel, self.staging / rel
            if rel in self.files:
                self.report.warning(shown(full), STAGE,
                                    "this file was not written by the generator, so it was "
                                    "kept and the generated file of that name was left out")
                del self.files[rel]
            target.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(FileNotFoundError):
                target.unlink()
            try:
                os.link(full, target)
            except OSError:
                shutil.copy2(full, target)
        return carried

    def commit(self) -> bool:
        """Make the staged site the current one; False if nothing had changed."""
        if not self._finished:
            raise RuntimeError("finish() must be called before commit()")
        if not self._staged or not self.changed_site:
            return False
        if self.base or self.base_foreign:
            self._drop_stale()
        foreign = self._carry_foreign_files()
        self.foreign = set(foreign)
        manifest = {"version": _MANIFEST_VERSION, "meta": self.meta, "plan": self.plan,
                    "files": self.files,
                    "foreign": sorted(foreign)}
        text = _json(manifest)
        half = len(text) // 2
        with ThreadPoolExecutor(max_workers=2) as pool:
            # Compressed in two threads, as two gzip members (which every reader reads as
            # one text; zlib lets go of the interpreter while it works), while this one
            # makes the differences the site being replaced will keep: a record of 216,000
            # files takes 0.25 s to compress in one.
            compressing = [pool.submit(gzipped, part, 1) for part in (text[:half], text[half:])]
            differences = self._differences()
            data = b"".join(part.result() for part in compressing)
        (self.staging / MANIFEST).write_bytes(data)  # not published
        digest = sha256(data)
        _renameat2()  # looked up before the swap, so that the swap itself is quick
        with signals_deferred():
            # From here until the previous site is out of the way, a signal waits: the
            # folders must never be left half swapped. kill -9 cannot wait, so both sites
            # carry the staging mark until the swap has ended: whichever a killed build
            # leaves in the staging folder, the next build knows it as its own.
            trash = None
            if self.out.exists():
                (self.out / STAGING_MARK).write_bytes(b"")
                trash = self.out.parent / f".{self.out.name}.trash-{secrets.token_hex(8)}"
                if _exchange(self.staging, self.out):
                    os.rename(self.staging, trash)  # the previous site, out of the way
                else:
                    # No atomic exchange on this system: two renames, a moment apart.
                    os.rename(self.out, trash)
                    os.rename(self.staging, self.out)
            else:
                os.rename(self.staging, self.out)
            os.unlink(self.out / STAGING_MARK)
            self._staged = False
        if trash is not None:
            self._keep_or_remove(trash, digest, *differences)
        if not self.previous.exists():
            self._keep_copy(digest)
        return True

    def _differences(self) -> tuple[dict[str, list[str] | None], int]:
        """How the current site's record differs from the new one (by path, the current
        entry, None where it has none), and how many files' bytes differ."""
        back: dict[str, list[str] | None] = {}
        differ = 0
        # The entries that are not the current record's, found by a set operation on the two
        # records' items (in C: a Python loop over 216,000 entries took 0.15 s).
        for path, entry in sorted(self.files.items() - self.old_files.items()):
            old = self.old_files.get(path)
            back[path] = list(old) if old is not None else None
            differ += old is None or old[0] != entry[0]
        back.update((p, list(self.old_files[p]))
                    for p in sorted(self.old_files.keys() - self.files.keys()))
        return back, differ

    def _keep_or_remove(self, replaced: Path, digest: str, back: dict[str, list[str] | None],
                        differ: int) -> None:
        """Keep the site just replaced for the next build if it is mostly current (``differ``:
        the files whose bytes changed), else remove it. Kept, it holds how its record
        differs from the new site's (``back``; ``digest``, the checksum of the new site's
        record file)."""
        if differ < KEEP_PREVIOUS_BELOW * len(self.files) and not self.previous.exists():
            try:
                text = _json({"version": _MANIFEST_VERSION, "site": digest, "files": back,
                              "foreign": sorted(_foreign(self.old))})
                # A file of that name may be one of the user's, a link shared with the new site.
                (replaced / BACK).unlink(missing_ok=True)
                (replaced / BACK).write_bytes(text)
                os.rename(replaced, self.previous)  # marked before the swap: ours to remove
                return
            except OSError:
                pass
        shutil.rmtree(replaced, ignore_errors=True)

    def _keep_copy(self, digest: str) -> None:
        """Keep hard links to the new site's files as the previous site, when the site it
        replaced is not kept (there was none, or most of its files were replaced).

        The next build then starts its staging folder from them, as from a site it
        replaced, instead of linking every file it does not write into an empty one:
        216,000 files after a first build at 100,000 statements, which took 10 of the
        18 s of the first small change after it. The links are made here, where they
        cost a few per cent of a build that wrote most of the site. A copy that cannot
        be made whole, or only by copying files, is removed (the next build then links
        or copies what it needs, as before).
        """
        folder = self.out.parent / f".{self.out.name}.trash-{secrets.token_hex(8)}"
        try:
            folder.mkdir()
            (folder / STAGING_MARK).write_bytes(b"")  # ours to remove, like a replaced site
            if any(self._link_all(sorted(self.files), into=folder)):
                raise FileNotFoundError  # a file deleted from the new site already
            (folder / BACK).write_bytes(_json({"version": _MANIFEST_VERSION, "site": digest,
                                               "files": {}, "foreign": []}))
            os.rename(folder, self.previous)
        except OSError:
            shutil.rmtree(folder, ignore_errors=True)

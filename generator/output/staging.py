"""The staging folder, its atomic exchange with the site, the marks that make what a killed
build leaves recognisable, and the lock.

What it promises:

- **The new site appears all at once.** Pages are written into a staging
  folder beside the output folder; the two folders are then exchanged in one
  atomic ``renameat2(RENAME_EXCHANGE)``. A build killed at any moment, even by
  ``kill -9``, leaves a whole site (the previous one, or the new one if the
  swap was done). The staging folder carries a mark (``STAGING_MARK``), and so
  does the site while the swap runs: the next build removes a marked folder it
  finds as its own, or, where the system has no atomic exchange and the build
  died between its two renames, finishes the swap. A folder it did not mark
  is never removed.
- **One build at a time**: an OS lock (``flock``) beside the output folder;
  the kernel frees it if the holder dies. A second build waits for the first.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import os
import re
import secrets
import shutil
import signal
import sys
from collections.abc import Collection, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any, TextIO

from ..problems import shown
from . import record
from .guards import OutputError

STAGING_MARK = ".generator-staging"
_TRASH = re.compile(r"trash-[0-9a-f]{16}")


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


class Folders:
    """The output folder and the generator's folders beside it: the staging folder
    (``.<name>.staging``), the previous site (``.<name>.previous``), the lock file, and
    folders on their way out (``.<name>.trash-*``)."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.staging = out.parent / f".{out.name}.staging"
        self.previous = out.parent / f".{out.name}.previous"
        self.lock_path = out.parent / f".{out.name}.lock"
        self.staged = False
        """Whether this build has a staging folder (made, or taken from the previous site)."""
        self._lock: int | None = None

    def trash(self) -> Path:
        """A new name for a folder of ours beside the site, which the next build removes if
        this one leaves it behind."""
        return self.out.parent / f".{self.out.name}.trash-{secrets.token_hex(8)}"

    # -- the lock --

    def lock(self, wait_message: TextIO | None) -> None:
        """Take the lock, waiting (and saying so on ``wait_message``) for a build that has it."""
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if wait_message is not None:
                print(f"another build is writing {shown(self.out)}; waiting for it to finish",
                      file=wait_message, flush=True)
            fcntl.flock(fd, fcntl.LOCK_EX)
        self._lock = fd

    def unlock(self) -> None:
        if self._lock is not None:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            os.close(self._lock)
            self._lock = None

    # -- the staging folder --

    def remove_leftovers(self) -> None:
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
            if not self.out.exists() and record.read(self.staging).get("version") == record.VERSION:
                # Killed between the two renames of a swap where the system has no atomic
                # exchange (or before its first site's rename): the staged site is whole
                # (its record is written last) and there is no other. It becomes the site.
                os.rename(self.staging, self.out)
                os.unlink(self.out / STAGING_MARK)
                return
            self.discard(self.staging)
            return
        if not any(self.staging.iterdir()):
            self.discard(self.staging)
            return
        raise OutputError(
            f"{shown(self.staging)} exists but was not made by this generator; "
            "move it away and build again"
        )

    def discard(self, folder: Path) -> None:
        """Delete a folder of ours: first renamed out of the way (at once), then removed."""
        trash = self.trash()
        os.rename(folder, trash)
        shutil.rmtree(trash, ignore_errors=True)

    def make_staging(self) -> None:
        """A new, empty staging folder, marked as ours."""
        self.staging.mkdir()
        (self.staging / STAGING_MARK).write_bytes(b"")

    def discard_staging(self) -> None:
        """Remove the staging folder of a build that ends without its swap."""
        if self.staged and self.staging.exists():
            self.discard(self.staging)

    # -- the exchange --

    def swap(self) -> Path | None:
        """Make the staging folder the site, in one atomic exchange where the system has
        one; return where the site it replaced is now (a trash folder), if there was one."""
        _renameat2()  # looked up before the swap, so that the swap itself is quick
        with signals_deferred():
            # From here until the previous site is out of the way, a signal waits: the
            # folders must never be left half swapped. kill -9 cannot wait, so both sites
            # carry the staging mark until the swap has ended: whichever a killed build
            # leaves in the staging folder, the next build knows it as its own.
            trash = None
            if self.out.exists():
                (self.out / STAGING_MARK).write_bytes(b"")
                trash = self.trash()
                if _exchange(self.staging, self.out):
                    os.rename(self.staging, trash)  # the previous site, out of the way
                else:
                    # No atomic exchange on this system: two renames, a moment apart.
                    os.rename(self.out, trash)
                    os.rename(self.staging, self.out)
            else:
                os.rename(self.staging, self.out)
            os.unlink(self.out / STAGING_MARK)
            self.staged = False
        return trash


def link_all(source: Path, root: Path, paths: Sequence[str], *, fresh: bool,
             replace: Collection[str] = (), copy: bool = True) -> list[str | None]:
    """Hard-link the files at ``paths`` under ``source`` to the same paths under ``root``,
    several at a time; returns, for each path, the path itself if its file has gone, else
    None.

    A file already at a path in ``root`` is replaced, unless ``root`` is ``fresh``
    (then only those at ``replace`` are). Where a file cannot be linked, it is
    copied; or, without ``copy``, the error is raised.
    """
    # Paths as text, not ``Path``s: much quicker over a site's every file.
    target_root, source_root = str(root), str(source)
    for folder in sorted({p.rpartition("/")[0] for p in paths}):
        os.makedirs(f"{target_root}/{folder}", exist_ok=True)

    def link(path: str) -> str | None:
        target = f"{target_root}/{path}"
        if not fresh or path in replace:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(target)
        try:
            os.link(f"{source_root}/{path}", target)
        except FileNotFoundError:
            return path
        except OSError:
            if not copy:
                raise
            shutil.copy2(f"{source_root}/{path}", target)
        return None

    if len(paths) < 256:
        return [link(p) for p in paths]
    # In runs of 512: a thread pool ignores ``map``'s chunksize, and a task (a future)
    # for each of a large site's files would take hundreds of megabytes.
    runs = [paths[i:i + 512] for i in range(0, len(paths), 512)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        return [gone for done in pool.map(lambda run: [link(p) for p in run], runs)
                for gone in done]

"""The only door to the output folder.

A build writes its site through ``Output``: ``write`` (or ``keep``) every
file, ``finish``, let tools add their folders (``take``, ``reuse``), then
``commit``. Its promises are kept by its parts, each in its own module, whose
docstring states the promise it owns:

- ``guards``: dangerous folders are refused before anything is touched, and no
  file goes outside the site.
- ``record``: the build record, which lets a build delete only what it wrote.
- ``staging``: the new site appears all at once, a killed build leaves a whole
  site and its leftovers are known as ours, one build at a time.
- ``previous``: a small change costs little (the previous site is reused).
- ``carry``: the user's files are carried across, never replaced.
- ``files``: every file is written as a new file, never into one that may be
  shared with the live site.

And, here: **nothing changes when nothing changed**. If every file would be
the same, the live site is left as it is.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TextIO

from ..engine.cache import stat_key
from ..problems import Report, shown
from . import record
from .carry import LiveSite
from .files import files_present, gzipped, put, sha256
from .guards import OutputError, check_path_ok, check_rel_path, refuse_unsafe
from .previous import BACK, PreviousSite, differences
from .record import MANIFEST, Files
from .staging import STAGING_MARK, Folders, link_all, signals_deferred

__all__ = ["BACK", "MANIFEST", "STAGING_MARK", "Output", "OutputError", "check_path_ok",
           "check_rel_path", "gzipped", "put", "sha256"]


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
        self.folders = Folders(self.out)
        self.staging = self.folders.staging
        """The staging folder: where the new site is written."""
        self.live = LiveSite(self.out)
        self.previous = PreviousSite(self.folders)
        self.old: dict[str, Any] = {"files": {}}
        """The current site's record (read once the lock is held)."""
        self.old_files: Files = {}
        self.files: Files = {}
        """The new site's generated files, as its record will list them."""
        self.unchanged: list[str] = []
        self.changed = 0
        """How many files this build wrote (new or changed)."""
        self._finished = False
        self.meta: dict[str, Any] = {}
        self.plan: dict[str, Any] = {}
        self.changed_site = False
        self.foreign: set[str] = set()
        """The files not ours that the site carries (as of the last commit)."""
        self._groups: dict[tuple[str, str, int], dict[str, Files]] = {}
        self._replace_staged: set[str] = set()
        """Unchanged files a worker wrote into the staging folder all the same."""
        self._written: set[str] = set()
        """The files this build wrote into the staging folder (new or changed)."""

    # -- lifecycle --

    def __enter__(self) -> Output:
        refuse_unsafe(self.out, self.protected, self.no_inside)
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.folders.lock(self.wait_message)
        self.folders.remove_leftovers()
        # Another build may have finished while we waited: read its record.
        self.old = record.read(self.out) if (self.out / MANIFEST).is_file() else {"files": {}}
        self.old_files = record.files_of(self.old)
        self.foreign = record.foreign_of(self.old)
        return self

    def __exit__(self, *exc: object) -> None:
        with signals_deferred():
            try:
                self.folders.discard_staging()
            finally:
                self.folders.unlock()

    def _stage(self) -> None:
        """Have a staging folder: the previous site's, if one was kept, else a new one."""
        if not self.folders.staged:
            self.folders.staged = True
            if not self.previous.take(self.old):
                self.folders.make_staging()

    # -- writing --

    def has(self, path: str) -> bool:
        """Whether the current site has ``path`` (a file deleted by hand: not)."""
        return path in self.live.present

    def keep_current(self, path: str, key: str) -> bool:
        """Keep the current site's ``path`` if it was made from the same input ``key`` (as
        ``keep``); say whether it was."""
        old = self.old_files.get(path)
        if old is None or old[1] != key or path not in self.live.present:
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
        old, present = self.old_files, self.live.present
        if not all(path in old and path in present for path in paths):
            return False
        for path in paths:
            self._claim(path, checked=True)
            self.files[path] = old[path]
        self.unchanged += paths
        return True

    def keep(self, path: str) -> None:
        """Keep the current site's ``path`` as it is (the caller knows it is up to date)."""
        # A path the walk of the current site found needs no check: it is a file inside the
        # site, which the site's record lists as ours.
        self._claim(path, checked=path in self.live.present)
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
        folder = self.folders.trash()
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
                and all(p in self.live.present for p in self.old_files if p.startswith(tools))):
            # (A tool's file deleted by hand: the site changes, and the tool runs again.)
            self.changed_site = False
            return []
        self.changed_site = True
        self._stage()
        missing = [path for path in self._link(self.previous.lacks(self.unchanged,
                                                                   self.old_files)) if path]
        for path in missing:
            del self.files[path]
        return missing

    def _link(self, paths: list[str]) -> list[str | None]:
        """Hard-link the current site's ``paths`` into the staging folder (``link_all``)."""
        return link_all(self.out, self.staging, paths, fresh=not self.previous.base,
                        replace=self._replace_staged)

    # -- a tool's folders --

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
                if old is not None and old[0] == digest and rel in self.live.present:
                    with contextlib.suppress(OSError):
                        os.link(self.out / rel, target)
                        continue
                if movable:
                    os.replace(full, target)
                else:
                    put(target, data)

    def _under(self, which: str, folder: str) -> Files:
        """The files of the current site's record (``"old"``) or of the staging folder's
        first one (``"base"``) that are under ``folder``.

        Grouped once by the folders as deep as ``folder`` (``a/b`` for ``a/b/c/d``,
        when ``folder`` is ``a/b``), over the files of that top folder only.
        """
        top = folder.split("/", 1)[0]
        depth = folder.count("/") + 1
        groups = self._groups.get((which, top, depth))
        if groups is None:
            groups = self._groups[(which, top, depth)] = {}
            prefix = top + "/"
            for path, value in (self.old_files if which == "old" else self.previous.base).items():
                if path.startswith(prefix):
                    parts = path.split("/", depth)
                    if len(parts) > depth:
                        groups.setdefault("/".join(parts[:depth]), {})[path] = value
        return groups.get(folder, {})

    def reuse(self, folder: str) -> bool:
        """Hard-link the current site's ``folder`` (written by a tool) into the new site."""
        wanted = self._under("old", folder)
        if not wanted or not all(p in self.live.present for p in wanted):
            return False
        self._stage()
        if self._under("base", folder) != wanted or len(
                files_present(self.staging, wanted)) != len(wanted):
            paths = list(wanted)
            self.clear(folder)
            if any(self._link(paths)):
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

    # -- committing --

    def commit(self) -> bool:
        """Make the staged site the current one; False if nothing had changed.

        Before the swap, the staging folder loses what the new site does not have
        (``previous``), gains the user's files (``carry``) and, last, its record
        (``record``); after it, the site it replaced is kept for the next build or
        removed (``previous``).
        """
        if not self._finished:
            raise RuntimeError("finish() must be called before commit()")
        if not self.folders.staged or not self.changed_site:
            return False
        old_foreign = record.foreign_of(self.old)
        self.previous.drop_stale(self.files, old_foreign)
        foreign = self.live.carry(self.staging, self.old_files, self.files, self.report)
        self.foreign = set(foreign)
        # (The differences the site being replaced will keep are made while the record is
        # compressed.)
        digest, (back, differ) = record.write(
            self.staging, self.files, sorted(foreign), self.meta, self.plan,
            lambda: differences(self.old_files, self.files))
        replaced = self.folders.swap()
        if replaced is not None:
            self.previous.keep_or_remove(replaced, digest, back, differ, len(self.files),
                                         old_foreign)
        self.previous.keep_links(self.files, digest)
        return True

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
        walked = {} if self.changed_site else self.live.walked
        return {folder: walked[folder] if folder in walked
                else stat_key(os.path.join(self.out, folder)) for folder in sorted(folders)}


def _raise(error: OSError) -> None:
    raise error

"""The reuse of the previous site: a small change costs little.

After a build that changed a small part of the site, the site it replaced is
kept beside it (``.<name>.previous``: its unchanged files are hard links to the
current ones, so it takes little room), with how its record differs from the
current one's (``BACK``). The next build starts its staging folder from it:
only what differs between the two is linked or deleted, instead of linking
every file of the site into an empty folder and deleting as many. After a
first build, or one that replaced most files, it holds hard links to the new
site's files instead. It is never published, and deleting it costs only time.

What it promises: nothing is ever written into a file of a staging folder
started from it (a file is replaced by a new one, ``files.put``), because the
old one may be a hard link shared with the live site; what the staging folder
holds is known from the two records, and only files they list are removed.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

from . import record
from .files import files_present
from .guards import check_path_ok
from .record import Files
from .staging import STAGING_MARK, Folders, link_all

#: Kept in the previous site: how its record differs from the current site's, so that the
#: next build need not read its whole record.
BACK = ".generator-back.json"
#: The previous site is kept for the next build only if this build changed less than
#: this share of its files (after a large change it would be mostly stale).
KEEP_PREVIOUS_BELOW = 0.5

Differences = dict[str, list[str] | None]
"""How one record differs from another: by path, the other's entry, None where it has none."""


class PreviousSite:
    """The previous site, as the start of a build's staging folder and as what a build
    leaves for the next one."""

    def __init__(self, folders: Folders) -> None:
        self.folders = folders
        self.folder = folders.previous
        self.base: Files = {}
        """The generated files the staging folder started with (from the previous site)."""
        self.base_foreign: set[str] = set()
        """The files not ours that the previous site carried."""

    # -- the start of a staging folder --

    def take(self, current: dict[str, Any]) -> bool:
        """Make the previous site the staging folder, if one was kept and is sound
        (``current``: the current site's record)."""
        if not (self.folder / STAGING_MARK).is_file():
            return False
        kept = self.record(current)
        if kept.get("version") != record.VERSION or not kept.get("files"):
            self.folders.discard(self.folder)
            return False
        # Its record goes first: a staging folder holds one only once it is whole (commit).
        (self.folder / record.MANIFEST).unlink(missing_ok=True)
        (self.folder / BACK).unlink(missing_ok=True)
        os.rename(self.folder, self.folders.staging)  # marked: a killed build leaves it removable
        self.base = record.files_of(kept)
        self.base_foreign = record.foreign_of(kept)
        return True

    def record(self, current: dict[str, Any]) -> dict[str, Any]:
        """The previous site's record: the current one's with the differences the build
        that replaced it wrote down (``BACK``), if they are the current record's; else
        read whole."""
        try:
            back = json.loads((self.folder / BACK).read_bytes())
            if back["version"] != record.VERSION or back["site"] != current["digest"]:
                return record.read(self.folder)
            files = dict(current["files"])
            for path, entry in back["files"].items():
                if entry is None:
                    files.pop(path, None)
                else:
                    files[path] = entry
            return {"version": back["version"], "files": files, "foreign": back["foreign"]}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return record.read(self.folder)

    def lacks(self, paths: list[str], current: Files) -> list[str]:
        """Those of the current site's ``paths`` that the staging folder does not hold yet.

        A fresh staging folder holds none. One started from the previous site holds
        every file that the previous build wrote with the bytes the current site has
        (both records say so), unless it has gone from there since.
        """
        if not self.base:
            return paths
        base = self.base
        same = [p for p in paths if base.get(p, ("",))[0] == current[p][0]]
        held = files_present(self.folders.staging, same)
        return [p for p in paths if p not in held]

    def drop_stale(self, files: Files, current_foreign: set[str]) -> None:
        """Remove from a staging folder started from the previous site what the new site
        (``files``) does not have."""
        if not self.base and not self.base_foreign:
            return
        staging = self.folders.staging
        # (Set operations on the records' keys: one pass in C, not a loop in Python.)
        stale = [p for p in sorted(self.base.keys() - files.keys()) if check_path_ok(p)]
        # Files not ours in it: those it carried, and those added to it while it was the
        # live site (the last build carried them on, so its record lists them). The ones
        # still in the current site are carried again just after.
        foreign = self.base_foreign | current_foreign
        stale += [p for p in sorted(foreign) if p not in files and check_path_ok(p)]
        folders = set()
        for path in stale:
            with contextlib.suppress(FileNotFoundError, IsADirectoryError, NotADirectoryError):
                os.unlink(staging / path)
            folders.update(str(parent) for parent in Path(path).parents if str(parent) != ".")
        for folder in sorted(folders, key=lambda f: -f.count("/")):  # deepest first
            with contextlib.suppress(OSError):  # not empty: kept
                os.rmdir(staging / folder)

    # -- what a build leaves for the next one --

    def keep_or_remove(self, replaced: Path, digest: str, back: Differences, differ: int,
                       total: int, current_foreign: set[str]) -> None:
        """Keep the site just replaced for the next build if it is mostly current
        (``differ`` of the new site's ``total`` files have other bytes), else remove it.
        Kept, it holds how its record differs from the new site's (``back``; ``digest``,
        the checksum of the new site's record file)."""
        if differ < KEEP_PREVIOUS_BELOW * total and not self.folder.exists():
            try:
                text = record.encode({"version": record.VERSION, "site": digest, "files": back,
                                      "foreign": sorted(current_foreign)})
                # A file of that name may be one of the user's, a link shared with the new site.
                (replaced / BACK).unlink(missing_ok=True)
                (replaced / BACK).write_bytes(text)
                os.rename(replaced, self.folder)  # marked before the swap: ours to remove
                return
            except OSError:
                pass
        shutil.rmtree(replaced, ignore_errors=True)

    def keep_links(self, files: Files, digest: str) -> None:
        """Keep hard links to the new site's files as the previous site, when the site it
        replaced is not kept (there was none, or most of its files were replaced).

        The next build then starts its staging folder from them, as from a site it
        replaced, instead of linking every file it does not write into an empty one.
        The links are made here, where they cost a few per cent of a build that wrote
        most of the site. A copy that cannot be made whole, or only by copying files,
        is removed (the next build then links or copies what it needs, as before).
        """
        if self.folder.exists():
            return
        folder = self.folders.trash()
        try:
            folder.mkdir()
            (folder / STAGING_MARK).write_bytes(b"")  # ours to remove, like a replaced site
            if any(link_all(self.folders.out, folder, sorted(files), fresh=True, copy=False)):
                raise FileNotFoundError  # a file deleted from the new site already
            (folder / BACK).write_bytes(record.encode({"version": record.VERSION, "site": digest,
                                                       "files": {}, "foreign": []}))
            os.rename(folder, self.folder)
        except OSError:
            shutil.rmtree(folder, ignore_errors=True)


def differences(current: Files, new: Files) -> tuple[Differences, int]:
    """How the ``current`` site's record differs from the ``new`` one's (by path, the
    current entry, None where it has none), and how many files' bytes differ."""
    back: Differences = {}
    differ = 0
    # The entries that are not the current record's, found by a set operation on the two
    # records' items (in C, not a loop in Python over every file).
    for path, entry in sorted(new.items() - current.items()):
        old = current.get(path)
        back[path] = list(old) if old is not None else None
        differ += old is None or old[0] != entry[0]
    back.update((p, list(current[p])) for p in sorted(current.keys() - new.keys()))
    return back, differ

"""The live site as found on disk, and the user's files in it carried into the new site.

What it promises: **a file the generator did not write is never deleted or
replaced.** A file in the live site that its record does not list as ours (a
``CNAME`` you added, say) is carried into every new site untouched (a hard
link to it, or a copy where there can be none), and a generated file of the
same name is left out, with a warning. The site is walked again just before
the swap, so that a file added while the build ran is carried too.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from functools import cached_property
from pathlib import Path
from typing import Any

from ..engine.cache import stat_key
from ..problems import Report, shown
from .record import MANIFEST, Files

STAGE = "output"
#: A folder's listing is trusted to be as its stat says only once the folder has not
#: changed for this long (file times come from a clock that ticks every few milliseconds).
_SETTLED_NS = 2_000_000_000


class LiveSite:
    """The files of the live site in ``out``, as walks of it find them."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.walked: dict[str, Any] = {}
        """Each folder's stat as the walks took it, just before listing it."""
        self._listed: dict[str, tuple[Any, list[str], list[str]]] = {}
        """Each folder as the last walk listed it (``_walk``)."""

    @cached_property
    def present(self) -> frozenset[str]:
        """The files the live site has (the first walk: a file deleted by hand is made
        again)."""
        return frozenset(self._walk()[0])

    def _walk(self) -> tuple[set[str], set[str], set[str]]:
        """The live site's files (as ``os.walk`` finds them), as site paths: those of the
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
            key = self.walked[rel] = stat_key(full)
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

    def carry(self, staging: Path, ours: Files, files: Files, report: Report) -> list[str]:
        """Bring the files of the live site not in its record (``ours``) into ``staging``,
        untouched; a generated file of the same name is dropped from ``files``. Returns
        the files carried."""
        if not self.out.is_dir():
            return []
        # Walked again now, not at the start of the build: a file added meanwhile is carried.
        # Of a folder not listed again, the files not ours that the first walk found there
        # (few: the site's every path, made again, would take a while at the end of a build).
        first = self.present  # (the first walk: made now, if the build has not looked yet)
        relisted, reached, again = self._walk()
        carried = sorted(relisted.difference(ours, (MANIFEST,)).union(
            p for p in first.difference(ours, (MANIFEST,))
            if p.rpartition("/")[0] in reached and p.rpartition("/")[0] not in again))
        for rel in carried:
            full, target = self.out / rel, staging / rel
            if rel in files:
                report.warning(shown(full), STAGE,
                               "this file was not written by the generator, so it was "
                               "kept and the generated file of that name was left out")
                del files[rel]
            target.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(FileNotFoundError):
                target.unlink()
            try:
                os.link(full, target)
            except OSError:
                shutil.copy2(full, target)
        return carried

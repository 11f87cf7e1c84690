"""What a build reads, and whether any of it changed since the last build.

The inputs are every file a build reads (captures, the Markdown store, the
templates and static files, the configuration, the issuer list, Pagefind's
binary), each as its stat, and the settings it runs with. A build that finds
them as the last build left them, and the site's folders as that build left
them, has nothing to do. Otherwise the stats tell the import and the store
which files to read again (``Cache.stats``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import CODE, store
from ..config import SiteConfig
from ..engine.cache import Cache, stat_key
from ..engine.parallel import Forked
from ..search import pagefind
from ..site import theme
from ..store import importer


@dataclass(frozen=True, slots=True)
class Look:
    """The inputs as a build first saw them, against the last build's."""

    last: dict[str, Any]
    """What the last build saved (``remember``): its inputs, its site's folders, its problems."""
    last_inputs: dict[str, object]
    changed: dict[str, object]
    """The inputs this build found new or other than the last build's, as it found them."""
    gone: set[str]
    """The inputs of the last build this build did not find."""
    seen: dict[str, object]
    """Every input as this build first saw it (``state``)."""

    @classmethod
    def of(cls, last: dict[str, Any], last_inputs: dict[str, object],
           changed: dict[str, object], gone: set[str]) -> Look:
        seen = dict(last_inputs)
        for path in gone:
            del seen[path]
        seen.update(changed)
        return cls(last, last_inputs, changed, gone, seen)

    def with_changed(self, changed: dict[str, object]) -> Look:
        """The same look, with only ``changed`` found changed (of what it found)."""
        return Look.of(self.last, self.last_inputs, changed, self.gone)

    def files(self) -> dict[str, object]:
        """The stat of each input file (the settings left out)."""
        return {path: key for path, key in self.seen.items() if os.path.isabs(path)}

    def nothing_to_do(self) -> bool:
        """Whether no input changed and the site is as the last build left it (and the last
        build could read every input: one it could not, for a permission, is read again,
        though its stat is the same, since making a file readable changes no size, time or
        inode)."""
        unread = any(getattr(p, "again", False) for p in self.last.get("problems", ()))
        return (not self.changed and not self.gone and not unread
                and _site_unchanged(self.last.get("site")))


def look(config: SiteConfig, cache: Cache, search_on: bool) -> Look:
    """Look at every input and compare it with the last build's.

    The look (a stat of every file) is taken in a forked child, while this
    process reads what a build that finds a change reads first (the import's
    and the store's records): the two take about as long.
    """
    last = cache.load("last-build")
    last_inputs = last.get("inputs") if isinstance(last.get("inputs"), dict) else {}
    with Forked(lambda: _changes(state(config, search_on), last_inputs)) as looking:
        cache.preload([*importer.lookups(), *store.lookups(config.content_dir, last_inputs)],
                      until=looking.ready)
        changed, gone = looking.result()
    return Look.of(last, last_inputs, changed, gone)


def remember(cache: Cache, seen: dict[str, object], site: Path, site_folders: dict[str, object],
             problems: list[object]) -> None:
    """Save what the next build compares its look with: the inputs as this build saw them,
    the stats of the site's folders as it left them (``Output.folder_stats``), and the
    problems it reported (repeated by a build that has nothing to do)."""
    cache.save("last-build", {"inputs": seen,
                              "site": {str(site / folder): key
                                       for folder, key in site_folders.items()},
                              "problems": problems})


def state(config: SiteConfig, search_on: bool) -> dict[str, object]:
    """Everything a build reads, as file stats, and the settings it runs with."""
    found: dict[str, object] = {
        "": (CODE, repr(config), search_on, [str(d) for d in theme.template_dirs(config)]),
    }
    folders = [config.source_dir, config.content_dir, *theme.template_dirs(config),
               *theme.static_dirs(config)]
    for folder in folders:
        stat_tree(str(folder), found)
    for path in (config.config_path, config.issuers_file):
        if path is not None:
            found[str(path)] = stat_key(path)
    if search_on:  # another Pagefind is another input
        try:
            binary = pagefind.executable()
            found["pagefind"] = (str(binary), stat_key(binary))
        except pagefind.SearchFailed:
            found["pagefind"] = None
    return found


def _changes(now: dict[str, object], last: dict[str, object]
             ) -> tuple[dict[str, object], set[str]]:
    """How ``now`` (``state``) differs from ``last``: the entries it has that ``last``
    lacks or has otherwise, and those of ``last`` it lacks."""
    if now == last:
        return {}, set()
    return ({key: value for key, value in now.items()
             if last.get(key) != value or (value is None and key not in last)},
            {key for key in last if key not in now})


def stat_tree(folder: str, found: dict[str, object]) -> None:
    """Add the stat (``stat_key``) of every file under ``folder`` to ``found``, by path.

    The files ``os.walk`` lists, with the paths it gives them (a link to a folder
    is not followed), with one ``scandir`` per folder and no ``Path`` objects:
    this runs over every capture and every store file on each build.
    """
    try:
        entries = os.scandir(folder)
    except OSError:
        return
    with entries:
        for entry in entries:
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                if not entry.is_symlink():
                    stat_tree(entry.path, found)
                continue
            try:
                st = entry.stat()
            except OSError:
                found[entry.path] = None
            else:
                found[entry.path] = (st.st_size, st.st_mtime_ns, st.st_ino)


def _site_unchanged(recorded: object) -> bool:
    """Whether each of the site's folders has the stat the last build recorded: a file
    added, deleted or renamed by hand changes its folder's stat, so this tells whether the
    site is as a build left it without listing its files."""
    return (isinstance(recorded, dict) and bool(recorded)
            and all(stat_key(path) == key for path, key in recorded.items()))

"""What ``serve`` watches for changes, with ``watchfiles``: the system's file events, no polling.

A build reads the captures, the Markdown store, the templates and static files
(the site's own and its themes'), the configuration and the issuer list. The
folders are watched whole (*deep*); the folders that hold the two files, and
where a missing folder would appear, are watched without their subfolders
(*flat*: an editor that saves by renaming a new file over the old one is seen
there, and a watch of the folder next to config.yaml does not reach into the
virtual environment or the site). Hidden files are ignored (the generator's own
temporary files are hidden, and a build skips hidden captures and store files),
and so is the output folder.
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import watchfiles

from ..config import ConfigError, SiteConfig
from ..site import theme


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or path.is_relative_to(folder)


@dataclass(frozen=True, slots=True)
class Watched:
    deep: tuple[Path, ...]
    """Folders whose every file a build reads (those that exist)."""
    flat: tuple[Path, ...]
    """Folders of the files below, and of the deep folders that do not exist yet."""
    files: frozenset[Path]
    """The configuration and the issuer list."""
    awaited: frozenset[Path]
    """Deep folders that do not exist yet: their creation is a change."""


def watched(config: SiteConfig) -> Watched:
    """What a build of ``config`` reads, resolved; a folder inside another deep one is left
    to it."""
    themes = [config.root / "templates", config.root / "static"]  # the site's, even if not yet
    with contextlib.suppress(ConfigError):  # no such theme: the build says so; watch the rest
        themes += [*theme.template_dirs(config), *theme.static_dirs(config)]
    candidates = {_real(f) for f in (config.source_dir, config.content_dir, *themes)}
    deep: list[Path] = []
    for folder in sorted((f for f in candidates if f.is_dir()), key=lambda p: len(p.parts)):
        if not any(_inside(folder, other) for other in deep):
            deep.append(folder)
    awaited = frozenset(f for f in candidates if not f.is_dir())
    files = frozenset(_real(f) for f in (config.config_path, config.issuers_file) if f is not None)
    flat = {f.parent for f in (*files, *awaited) if f.parent.is_dir()}
    return Watched(tuple(deep), tuple(sorted(f for f in flat
                                             if not any(_inside(f, d) for d in deep))),
                   files, awaited)


class DeepFilter(watchfiles.DefaultFilter):
    """Changes under a deep folder, not hidden there (nor an editor's swap or backup file),
    and never in the output folder."""

    def __init__(self, folders: Iterable[Path], output: Path) -> None:
        super().__init__()
        self.folders = tuple(folders)
        self.output = _real(output)

    def __call__(self, change: watchfiles.Change, path: str) -> bool:
        where = Path(path)
        if _inside(where, self.output) or not super().__call__(change, path):
            return False
        return any(_inside(where, folder)
                   and not any(p.startswith(".") for p in where.relative_to(folder).parts)
                   for folder in self.folders)


class Watcher:
    """The deep and the flat watches, each in a thread, giving their changes to one queue."""

    def __init__(self, config: SiteConfig) -> None:
        self.what = watched(config)
        self._stop = threading.Event()
        self._changes: queue.Queue[set[str]] = queue.Queue()
        self._started = (threading.Event(), threading.Event())
        deep = DeepFilter(self.what.deep, config.output_dir)
        wanted = self.what.files | self.what.awaited

        def flat(change: watchfiles.Change, path: str) -> bool:
            return Path(path) in wanted

        self._threads = [
            threading.Thread(target=self._pump, args=(paths, recursive, accept, started),
                             daemon=True)
            for paths, recursive, accept, started in (
                (self.what.deep, True, deep, self._started[0]),
                (self.what.flat, False, flat, self._started[1]))]
        for thread in self._threads:
            thread.start()

    def _pump(self, paths: tuple[Path, ...], recursive: bool,
              accept: Callable[[watchfiles.Change, str], bool], started: threading.Event
              ) -> None:
        try:
            if not paths:
                return
            for changes in watchfiles.watch(*paths, watch_filter=accept, recursive=recursive,
                                            stop_event=self._stop, rust_timeout=200,
                                            yield_on_timeout=True):
                started.set()  # the first batch (changes, or none for a while): watching
                if changes:
                    self._changes.put({path for _, path in changes})
        finally:
            started.set()

    def ready(self) -> None:
        """Wait until both watches are on: a change from then on is seen."""
        for started in self._started:
            started.wait()

    def changes(self, timeout: float = 0.5) -> set[str]:
        """The next batch of changed paths (with any that came in meanwhile); Ctrl-C is
        felt every ``timeout`` seconds."""
        while True:
            try:
                changed = self._changes.get(timeout=timeout)
                break
            except queue.Empty:
                continue
        while not self._changes.empty():
            changed |= self._changes.get_nowait()
        return changed

    def close(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()

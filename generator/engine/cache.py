"""The build cache: what earlier builds learned about unchanged inputs.

An archive of 100,000 statements has 100,000 Markdown files and tens of
thousands of captures; reading and parsing all of them takes minutes. The
cache remembers, for each file, what parsing it gave, keyed by the file's
size, modification time and inode (the way ``git`` and ``make`` tell an
unchanged file): a file whose stat is the same is not read again.

The cache lives in ``.cache/generator/`` next to config.yaml. It is only an
optimisation: deleting it changes nothing but the time the next build takes,
and a cache written by another version of the generator (or of Python) is
ignored. It is written with ``pickle``, so it must not come from elsewhere:
it is not meant to be shared or committed (``.gitignore`` leaves it out).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import secrets
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from .. import CODE

FORMAT = 3  # 2: the store and sources lookups kept per folder; 3: bodies kept apart
_STAMP = (FORMAT, CODE, sys.version_info[:2])

StatKey = tuple[int, int, int]
T = TypeVar("T")

#: A value that differs from the one last saved whole in up to this many entries is saved
#: as those differences (``Cache.save_changed``): the import's record, its sources and its
#: memo are large, and one changed file should not cost writing each of them whole.
CHANGES_APART = 1000
_GONE = object()


def lookup_name(prefix: str, key: str) -> str:
    """The name of a lookup kept per ``key`` (a folder, an output file): short, and safe as a
    file name whatever ``key`` holds."""
    data = key.encode("utf-8", "surrogateescape")  # a folder named in bytes that are not UTF-8
    return f"{prefix}-{hashlib.blake2b(data, digest_size=8).hexdigest()}"


def folder_of(path: str) -> str:
    """The folder whose lookup holds what reading ``path`` gave (``FileCache``)."""
    return path.rpartition(os.sep)[0]


def stat_key(path: str | Path) -> StatKey | None:
    """``(size, mtime_ns, inode)`` of ``path``, or None if it cannot be read."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino)


class Cache:
    """Named lookups, each one pickle file in ``folder`` (None: a cache that keeps nothing)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self._held: dict[str, dict[Any, Any]] = {}
        """What this object loaded or saved, by name: one build reads each lookup once."""
        self.stats: dict[str, StatKey | None] = {}
        """Stats this build has already taken (``stat``), by path as a string."""

    @classmethod
    def for_root(cls, root: Path) -> Cache:
        return cls(root / ".cache" / "generator")

    def stat(self, path: str) -> StatKey | None:
        """``stat_key(path)``, taken once a build: a build that has just stat-ed every
        input to see whether any changed (``build.inputs``) does not stat them again.

        A file the build itself writes is stat-ed afresh (``FileCache.put``). One
        changed by someone else while the build runs is then not as this build
        remembers it, so the next build looks at everything again.
        """
        try:
            return self.stats[path]
        except KeyError:
            return stat_key(path)

    def load(self, name: str) -> dict[Any, Any]:
        """The lookup saved under ``name`` ({} if none): the caller may change it, then save it."""
        if self.folder is None:
            return {}
        if name in self._held:
            return self._held[name]
        try:
            with open(self.folder / f"{name}.pickle", "rb") as handle:
                stamp, data = pickle.load(handle)
        except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError,
                AttributeError, ImportError, IndexError):
            return {}
        self._held[name] = data if stamp == _STAMP and isinstance(data, dict) else {}
        return self._held[name]

    def preload(self, names: Iterable[str], until: Callable[[], bool]) -> None:
        """Load the lookups ``names`` (``load``), one at a time, until ``until()`` is true."""
        for name in names:
            if until():
                return
            self.load(name)

    def save(self, name: str, data: dict[Any, Any]) -> None:
        """Write ``data`` whole or not at all; a cache that cannot be written is skipped."""
        if self.folder is None:
            return
        self._held[name] = data
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=self.folder)
            with os.fdopen(fd, "wb") as handle:
                pickle.dump((_STAMP, data), handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.folder / f"{name}.pickle")
        except OSError:
            pass

    def save_changed(self, name: str, value: Any, lookups: tuple[str, ...]) -> None:
        """Save ``value`` (a dataclass with slots) under ``name``: whole, or, when it differs
        from the value last saved whole in few entries of its ``lookups`` (its dict
        fields), as those entries and its other fields, bound to that value. None: nothing
        holds any more (the value saved whole is kept, to save the next one against)."""
        saved = self.load(name)
        whole = saved.get("whole")
        apart = self.changed_names(name)[1]
        if value is None:
            if saved.get("id"):
                self.save(apart, {"onto": saved["id"], "none": True})
            return
        if saved.get("id") and type(whole) is type(value):
            changes = {}
            for lookup in lookups:
                old, new = getattr(whole, lookup), getattr(value, lookup)
                changes[lookup] = ({k: v for k, v in new.items() if old.get(k, _GONE) != v},
                                   [k for k in old if k not in new])
            if sum(len(c) + len(g) for c, g in changes.values()) <= CHANGES_APART:
                others = {f: getattr(value, f) for f in value.__slots__ if f not in lookups}
                self.save(apart, {"onto": saved["id"], "changes": changes, "others": others})
                return
        self.save(name, {"whole": value, "id": secrets.token_hex(8)})

    @staticmethod
    def changed_names(name: str) -> tuple[str, str]:
        """The lookups ``save_changed`` keeps ``name`` in."""
        return name, f"{name}-changes"

    def load_changed(self, name: str, kind: type[T], lookups: tuple[str, ...]) -> T | None:
        """What ``save_changed`` saved under ``name`` (None: nothing, or not a ``kind``)."""
        saved = self.load(name)
        whole = saved.get("whole")
        if not isinstance(whole, kind):
            return None
        apart = self.load(self.changed_names(name)[1])
        if not saved.get("id") or apart.get("onto") != saved["id"]:
            return whole  # no changes, or changes of another value (saved whole since)
        if apart.get("none"):
            return None
        fields = dict(apart["others"])
        for lookup in lookups:
            changed, gone = apart["changes"][lookup]
            fields[lookup] = {**getattr(whole, lookup), **changed}
            for key in gone:
                del fields[lookup][key]
        return kind(**fields)


class FileCache:
    """What reading each file of a folder tree gave, keyed by the file's stat.

    Kept as one lookup per folder of files, so that a build that changed one
    file saves one small pickle, not the whole store's (hundreds of megabytes in
    a large archive).
    """

    def __init__(self, cache: Cache, name: str,
                 again: Callable[[Any], bool] = lambda value: False) -> None:
        self.cache = cache
        self.name = name
        self.again = again
        """Whether what reading a file gave must not be kept (the file could not be read):
        it is read again next time, even if its stat is the same."""
        self._old: dict[str, dict[str, tuple[StatKey | None, Any]]] = {}
        self._new: dict[str, dict[str, tuple[StatKey | None, Any]]] = {}
        self._dirty: set[str] = set()

    def _lookup(self, folder: str) -> str:
        return lookup_name(self.name, folder)

    def _kept(self, path: str, value: Any) -> Any:
        """What is kept of ``value``, what reading ``path`` gave (a subclass may keep less)."""
        return value

    def _folder(self, path: str) -> str:
        folder = folder_of(path)
        if folder not in self._old:
            self._old[folder] = self.cache.load(self._lookup(folder))
        return folder

    def get(self, path: str, read: Callable[[str], Any]) -> Any:
        """What reading ``path`` gives: from the cache if its stat is unchanged, else ``read``.

        A walk calls this for every file; ``save`` then keeps exactly the files seen.
        """
        folder = self._folder(path)
        key = self.cache.stat(path)
        hit = self._old[folder].get(path)
        if hit is not None and hit[0] == key:
            value = hit[1]
        else:
            value = read(path)
            self._dirty.add(folder)
        # What could not be read is kept under no stat, which no file has: read again.
        kept_key = None if self.again(value) else key
        self._new.setdefault(folder, {})[path] = (kept_key, self._kept(path, value))
        return value

    def get_one(self, path: str, read: Callable[[str], Any]) -> Any:
        """``get`` for one file, not as part of a walk: the folder's other files are kept."""
        folder = self._folder(path)
        if folder not in self._new:
            self._new[folder] = dict(self._old[folder])
        return self.get(path, read)

    def cached(self, path: str) -> Any | None:
        """What the cache holds for ``path`` as it is on disk now (None: nothing)."""
        hit = self._old[self._folder(path)].get(path)
        return hit[1] if hit is not None and hit[0] == self.cache.stat(path) else None

    def put(self, path: str, value: Any, key: StatKey | None) -> None:
        """Remember ``value`` for ``path``, a file just written, whose stat is ``key``."""
        folder = self._folder(path)
        if folder not in self._new:
            self._new[folder] = dict(self._old[folder])
        self.cache.stats[path] = key
        self._new[folder][path] = (key, self._kept(path, value))
        self._dirty.add(folder)

    def save(self) -> None:
        """Save the lookups of the folders whose files changed, were added or went away."""
        for folder, new in self._new.items():
            old = self._old[folder]
            if folder in self._dirty or len(new) != len(old):
                self.cache.save(self._lookup(folder), new)
                self._old[folder] = new
        self._dirty.clear()

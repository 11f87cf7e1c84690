"""Guards for what the user gives: files, folders, YAML, dates and URLs, each read one way.

Every entry point (the captures, the Markdown store, config.yaml, the issuer list,
the site's templates and static files) reads through these, so that no input can

- hang the run: only regular files are opened (never a FIFO, a device or a socket),
  and opened so that a file swapped for a FIFO meanwhile cannot block;
- exhaust memory: a file is read with a cap, whatever its size claims to be (a
  device or a procfs file says 0), and YAML anchors and aliases are refused
  before anything is built from them (a 400-byte alias bomb);
- leak a file of the machine into the site: a symbolic link is followed only to a
  file inside the folders it may lead to (the project, or the folder being read);
- raise past its caller: an impossible date (``2023-02-30``, year 0) or a huge
  number in YAML stays text, a URL that cannot be split is None, and a folder
  that cannot be listed is named, not skipped.

Each refusal is a ``Refused`` whose text says, in one sentence, what the file is
and why it was not read.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import stat
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import SplitResult, urlsplit

import yaml

from ..problems import printable


class Refused(ValueError):
    """A file (or value) that is not read; the text says what it is and why."""

    def __init__(self, reason: str, hint: str = "", *, again: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.hint = hint
        self.again = again
        """Refused for a reason that may go away with the file unchanged (a permission)."""


# --- files and folders -------------------------------------------------------------------

_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"))


def _kind(mode: int) -> str:
    for test, what in _KINDS:
        if test(mode):
            return what
    return "not a regular file"


def _within(path: str, folders: Iterable[str]) -> bool:
    return any(path == folder or path.startswith(os.path.join(folder, "")) for folder in folders)


def roots(*folders: str | os.PathLike[str] | None) -> tuple[str, ...]:
    """The folders a link may lead into, as ``regular_file`` takes them (resolved)."""
    return tuple(os.path.realpath(f) for f in folders if f is not None)


def regular_file(path: str | os.PathLike[str], inside: Iterable[str] | None = None
                 ) -> tuple[str, os.stat_result]:
    """The file to open for ``path`` and its stat, if it is a regular file; else ``Refused``.

    A symbolic link is followed only when it leads to a file inside one of ``inside``
    (resolved folders, ``roots``; None: anywhere). ``OSError`` when it cannot be looked at.
    """
    path = os.fspath(path)
    st = os.lstat(path)
    target = path
    if stat.S_ISLNK(st.st_mode):
        try:
            target = os.path.realpath(path, strict=True)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise Refused("is a symbolic link in a loop: it never leads to a file",
                              "remove the link or point it at a file") from None
            if exc.errno == errno.ENOENT:
                raise Refused(f"is a symbolic link to {printable(_link(path))}, which does not exist",
                              "remove the link or point it at a file") from None
            raise
        if inside is not None and not _within(target, inside):
            raise Refused(f"is a symbolic link to {printable(target)}, outside the project "
                          "folder: not followed",
                          "copy the file into the project, or make the link point inside it")
        st = os.stat(target)
        if stat.S_ISDIR(st.st_mode):
            raise Refused(f"is a symbolic link to the folder {printable(target)}: links to "
                          "folders are not followed", "move the folder here, or copy its files")
    if not stat.S_ISREG(st.st_mode):
        if stat.S_ISDIR(st.st_mode):
            try:  # a folder is named only when it cannot be listed (``files_under``)
                os.scandir(target).close()
            except OSError as exc:
                raise Refused(f"is a folder that cannot be read ({exc.strerror or exc}): "
                              "the files in it were left out",
                              "give yourself permission to read it", again=True) from None
        raise Refused(f"is {_kind(st.st_mode)}, not a regular file: not read")
    return target, st


def _link(path: str) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return "?"


def open_regular(path: str | os.PathLike[str], inside: Iterable[str] | None = None
                 ) -> tuple[int, os.stat_result]:
    """A descriptor open for reading the regular file ``path`` (see ``regular_file``), and
    its stat; the caller closes it. Opened without blocking, so a file swapped for a FIFO
    after the look is refused rather than waited on."""
    target, _ = regular_file(path, inside)
    fd = os.open(target, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | getattr(os, "O_NOCTTY", 0))
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise Refused(f"is {_kind(st.st_mode)}, not a regular file: not read")
    return fd, st


def read_bounded(path: str | os.PathLike[str], limit: int, inside: Iterable[str] | None = None
                 ) -> bytes:
    """The bytes of the regular file ``path`` (``open_regular``), at most ``limit``.

    The size a file's stat gives is not trusted (procfs files say 0): the file is read
    until its end or past ``limit``, and then refused.
    """
    fd, st = open_regular(path, inside)
    try:
        parts = []
        size = 0
        while True:
            chunk = os.read(fd, min(max(st.st_size + 1 - size, 1 << 16), limit + 1 - size))
            if not chunk:
                break
            parts.append(chunk)
            size += len(chunk)
            if size > limit:
                raise Refused(f"is larger than the {limit:,}-byte limit: not read")
    finally:
        os.close(fd)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def files_under(folder: str | os.PathLike[str], suffix: str = "",
                hidden: list[str] | None = None, *, all_names: bool = False) -> Iterator[str]:
    """Every file under ``folder`` whose name ends with ``suffix``, in a stable order (the
    files of a folder, then its subfolders, by name), as strings; hidden ones (``.git``,
    ``.DS_Store``) skipped unless ``all_names``, the files among them added to ``hidden``
    if given.

    What cannot be walked is listed too, so that its reader names it (``regular_file``
    refuses it) rather than leave it out unsaid: a subfolder that cannot be listed, and a
    symbolic link to a folder (never followed: no loop, no way out of the project).
    """
    yield from _walk(os.fspath(folder), suffix, hidden, all_names, top=True)


def _walk(folder: str, suffix: str, hidden: list[str] | None, all_names: bool, *,
          top: bool = False) -> Iterator[str]:
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda e: e.name)
    except OSError:
        if not top and os.path.isdir(folder):
            yield folder  # named by its reader: "a folder that cannot be read"
        return
    prefix = os.path.join(folder, "")
    folders = []
    for entry in entries:
        try:
            is_folder = entry.is_dir(follow_symlinks=False)
        except OSError:
            is_folder = False
        if entry.name.startswith(".") and not all_names:
            if hidden is not None and not is_folder:
                hidden.append(prefix + entry.name)
        elif is_folder:
            folders.append(entry.name)
        elif entry.name.endswith(suffix) or (entry.is_symlink() and _is_dir(entry.path)):
            yield prefix + entry.name
    for name in folders:
        yield from _walk(prefix + name, suffix, hidden, all_names)


def is_utf8(name: str) -> bool:
    """False for a name holding bytes that were not UTF-8 (which Python keeps as lone
    surrogates): such a name cannot be written into a UTF-8 file or a URL."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _is_dir(path: str) -> bool:
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except OSError:
        return False


# --- YAML --------------------------------------------------------------------------------

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[misc, valid-type]
    """The safe loader, where a value that names no real date or time (``2023-02-30``,
    ``0000-01-01``, ``25:61:00``) or a number too long to convert stays the text it is."""

    def construct_yaml_timestamp(self, node):  # type: ignore[no-untyped-def]
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError):
            return self.construct_scalar(node)

    def construct_yaml_int(self, node):  # type: ignore[no-untyped-def]
        try:
            return super().construct_yaml_int(node)
        except (ValueError, OverflowError):
            return self.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)
_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_yaml_int)


class YamlError(ValueError):
    """YAML that cannot be read: ``line`` and ``column`` (from 1) in the text given, when known."""

    def __init__(self, reason: str, line: int | None = None, column: int | None = None,
                 hint: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line
        self.column = column
        self.hint = hint


def load_yaml(text: str) -> Any:
    """The data of ``text``, read with the safe loader; ``YamlError`` says what is wrong.

    Anchors and aliases are refused before anything is built (no alias bomb), and
    nothing in the text can make this raise anything else.
    """
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if "&" in text or "*" in text:
            refuse_aliases(node)
        return loader.construct_document(node)
    except YamlError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise YamlError(f"invalid YAML: {exc.problem or exc.context}",
                        mark.line + 1 if mark else None, mark.column + 1 if mark else None,
                        "check the quoting and indentation of that line") from None
    except yaml.YAMLError as exc:
        raise YamlError(f"invalid YAML: {exc}") from None
    except RecursionError:
        raise YamlError("not usable YAML: it is nested too deeply") from None
    except (ValueError, TypeError, OverflowError) as exc:
        raise YamlError(f"not usable YAML: {exc}") from None
    finally:
        loader.dispose()


def refuse_aliases(root: yaml.Node) -> None:
    """``YamlError`` at the first node met twice: anchors and aliases would let a small
    file expand without bound."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            raise YamlError("YAML anchors and aliases (&name, *name) are not allowed",
                            node.start_mark.line + 1, node.start_mark.column + 1)
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            stack.extend(n for pair in node.value for n in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


# --- dates and URLs ----------------------------------------------------------------------


def iso_date(value: Any) -> dt.date | None:
    """``value`` as a date (a date, a datetime, or text ``YYYY-MM-DD``); None when it names
    no real day."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def split_url(value: str) -> SplitResult | None:
    """``urlsplit(value)``, or None when ``value`` cannot be split (``http://[::1``)."""
    try:
        parts = urlsplit(value)
        parts.hostname  # noqa: B018 - raises for a malformed host, as later uses would
    except ValueError:
        return None
    return parts

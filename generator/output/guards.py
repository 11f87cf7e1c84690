"""What the output refuses before touching anything: folders it must not build into, and
paths that would leave the site.

- **Dangerous folders are refused**: ``/``, the home folder, the project
  folder, the content or source folders or any folder that holds them, and any
  non-empty folder that this generator did not make (it has no build record).
- **No file goes outside the site**: a path to write is relative, has no
  ``..``, no control character, no name Windows reserves, no name too long.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from ..model.names import RESERVED_NAMES
from ..problems import BuildInterrupted, shown
from .record import MANIFEST

_MAX_NAME = 200
_UNSAFE_CHARACTER = re.compile(r"[\x00-\x1f\\]")


class OutputError(BuildInterrupted):
    """The output folder cannot be used; nothing was changed."""


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

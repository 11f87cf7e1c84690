"""Bytes to text: the one place that decides whether a capture is text at all.

UTF-8 (with or without a byte-order mark) is read as is; old captures in
Windows-1252 are read as such, and a web page in the charset its ``<meta>``
declares; line endings become ``\\n``. Empty, binary,
UTF-16 and undecodable files are refused with a reason a person can act on.

A capture is read through the input guards (``engine.guards``, re-exported here for
the parsers): only a regular file, with a cap on what is read, through a symbolic
link only into the project; a file whose name is not UTF-8 is refused, since the
store could not name it.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ..engine.guards import Refused, files_under, is_utf8, read_bounded, regular_file, roots
from . import markup

__all__ = ["HEAD_BYTES", "MAX_BYTES", "RawSource", "Refused", "SourceFile", "Undecodable", "decode",
           "files_under", "is_utf8", "open_binary", "read_bounded", "read_head", "read_source",
           "readable", "regular_file", "roots"]

#: Captures larger than this are refused rather than read into memory.
MAX_BYTES = 512 * 1024 * 1024

_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or a Word/ODF document)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"RIFF", "a RIFF media file"),
)
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f]")


@dataclass(frozen=True, slots=True)
class RawSource:
    """A capture file read and decoded."""

    path: Path
    rel: str
    """The path relative to the source folder, ``/`` separated."""
    text: str
    sha256: str
    """Checksum of the file's bytes as stored."""
    encoding: str


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A capture file that its parser reads itself, as a stream (a web archive)."""

    path: Path
    rel: str
    """The path relative to the source folder, ``/`` separated."""


class Undecodable(Refused):
    """The bytes are not text this generator can read; the message says why."""


def decode(data: bytes) -> tuple[str, str]:
    """Return ``(text, encoding)`` for ``data`` or raise ``Undecodable``."""
    if not data.strip():
        raise Undecodable("the file is empty")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise Undecodable("the file is UTF-16 text, which is not supported (save it as UTF-8)")
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise Undecodable(f"the file is {what}, not a text capture")
    if b"\x00" in data:
        raise Undecodable(
            "the file contains NUL bytes: it is binary, or UTF-16/32 text without a "
            "byte-order mark (save it as UTF-8)"
        )
    try:
        text, encoding = data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as utf8_error:
        try:
            text, encoding = data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            # A web page saved in another charset (Shift_JIS, GBK) names it in its <meta>.
            encoding = markup.declared_charset(data) or ""
            if not encoding:
                raise Undecodable(
                    f"the file is neither UTF-8 nor Windows-1252 text, nor a web page in the "
                    f"charset it declares (invalid byte at offset {utf8_error.start})"
                ) from None
            text = data.decode(encoding, "replace")
    controls = len(_CONTROL.findall(text, 0, 65536))
    if controls > 8 and controls * 100 > min(len(text), 65536):
        raise Undecodable("the file is mostly control characters: it is binary, not text")
    return text.replace("\r\n", "\n").replace("\r", "\n"), encoding


def readable(path: Path, root: Path, project: Path | None = None) -> str:
    """``path``'s name relative to ``root`` (``/`` separated), if it is a capture file the
    generator may read: a regular file whose name is UTF-8 (the store could not name it
    otherwise), reached by no symbolic link out of ``root`` or ``project``. Raise
    ``Refused`` (or ``OSError``) otherwise."""
    rel = path.relative_to(root).as_posix()
    if not is_utf8(rel):
        raise Refused("the file's name (or its folder's) is not UTF-8 text, so the store "
                      "could not name it", "rename it")
    regular_file(path, roots(root, project))
    return rel


def read_source(path: Path, root: Path, project: Path | None = None) -> RawSource:
    """Read and decode one capture file (``readable``, read with a cap); raise ``Refused``
    (``Undecodable`` among them) or ``OSError``."""
    rel = readable(path, root, project)
    data = read_bounded(path, MAX_BYTES, roots(root, project))
    text, encoding = decode(data)
    return RawSource(
        path=path,
        rel=rel,
        text=text,
        sha256=hashlib.sha256(data).hexdigest(),
        encoding=encoding,
    )


#: How much of a file ``read_head`` reads: enough for any format's magic bytes and for the
#: first gzip block of a web archive to name its first record.
HEAD_BYTES = 4096


def open_binary(path: Path) -> BinaryIO:
    """``path`` opened for reading bytes, if it is a regular file; raise ``OSError`` (a
    FIFO or a device would block or never end: only regular files are read)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{path} is not a regular file")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_head(path: Path, size: int = HEAD_BYTES) -> bytes:
    """The first ``size`` bytes of ``path`` (to recognise a binary format by its magic)."""
    with open_binary(path) as handle:
        return handle.read(size)

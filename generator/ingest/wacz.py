"""Web archive collections (WACZ): a ZIP file of WARCs, as Browsertrix and Webrecorder write.

A WACZ holds its WARCs under ``archive/`` (``archive/data.warc.gz``), beside
``datapackage.json``, indexes and page lists. Each WARC is read from the ZIP as a
stream (``warc.read_archive``), without unpacking it; a capture's file names the
WACZ and the WARC inside it, ``crawl.wacz!archive/data.warc.gz#1234`` (the
record's offset in that WARC).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from ..model.documents import Document
from . import warc
from .decode import SourceFile, open_binary
from .errors import Note, ParseError, Skipped

NAME = "wacz"
READS = "file"


def detect_file(head: bytes, path: Path) -> bool:
    """A ZIP file named ``.wacz``, or one that holds ``datapackage.json`` and WARCs."""
    if not head.startswith(b"PK\x03\x04"):
        return False
    if path.suffix.lower() == ".wacz":
        return True
    try:
        with open_binary(path) as handle, zipfile.ZipFile(handle) as archive:
            names = archive.namelist()
    except (OSError, zipfile.BadZipFile, ValueError, EOFError):
        return False
    return "datapackage.json" in names and any(_is_warc(name) for name in names)


#: A WARC in a ZIP file that would expand more than this many times, to more than
#: ``BOMB_SIZE`` bytes, is not read: HTML compresses some ten times, a crafted ZIP a thousand.
BOMB_RATIO = 200
BOMB_SIZE = 256 * 1024 * 1024


def _bomb(info: zipfile.ZipInfo) -> bool:
    """Whether the ZIP entry ``info`` says it expands as only a ZIP bomb does (the size it
    says bounds what is read of it: ``zipfile`` stops there)."""
    return info.file_size > BOMB_SIZE and info.file_size > BOMB_RATIO * info.compress_size


def _is_warc(name: str) -> bool:
    return name.startswith("archive/") and name.lower().endswith((".warc", ".warc.gz"))


def parse_file(source: SourceFile) -> tuple[list[Document], list[Note]]:
    """Every statement in every WARC of the collection ``source``."""
    documents: list[Document] = []
    notes: list[Note] = []
    with open_binary(source.path) as handle:
        try:
            archive = zipfile.ZipFile(handle)
        except (zipfile.BadZipFile, ValueError, EOFError) as exc:
            raise ParseError(f"the WACZ file is not a whole ZIP file ({exc})",
                             "is the file truncated? a complete copy imports in full") from None
        with archive:
            members = sorted((info for info in archive.infolist() if _is_warc(info.filename)),
                             key=lambda info: info.filename)
            if not members:
                raise ParseError("the WACZ file holds no WARC under archive/")
            for info in members:
                if _bomb(info):
                    notes.append(Skipped(
                        f"this WARC would expand {info.file_size // max(info.compress_size, 1):,} "
                        f"times, from {info.compress_size:,} to {info.file_size:,} bytes: a ZIP "
                        "bomb? not read", info.filename,
                        "web archives compress some ten times at most; unpack and check it"))
                    continue
                try:
                    member = archive.open(info)
                except (zipfile.BadZipFile, NotImplementedError, ValueError, OSError) as exc:
                    notes.append(Skipped(f"this WARC cannot be read from the ZIP file ({exc})",
                                         info.filename))
                    continue
                with member:
                    found, member_notes = warc.read_archive(
                        member, info.file_size, f"{source.rel}!{info.filename}",
                        f"{info.filename}: ")
                documents.extend(found)
                notes.extend(member_notes)
    return documents, notes

"""Web archives (WARC, ISO 28500): ``.warc`` and ``.warc.gz``, read with warcio.

The archive is streamed record by record (``warcio.ArchiveIterator``): memory
holds one page at a time, whatever the archive's size. Every ``response`` (or
``resource``) record of an HTML page with status 200 goes to the page parsers
(``htmlpage.page_documents``); its capture is::

    Capture(file="crawl.warc.gz#1234", source_url=WARC-Target-URI,
            captured=WARC-Date's day (UTC), sha256=SHA-256 of the page's bytes)

``#1234`` is the record's byte offset in the file, where ``warcio extract
--payload crawl.warc.gz 1234`` finds it again and writes the bytes whose
checksum is recorded (the HTTP body, de-chunked and decompressed). Requests,
revisits, metadata and other records, pages that are not HTML and responses
other than 200 are skipped and counted. An archive that is cut short or
damaged keeps every record before the damage, and the damage is reported once,
with its offset and reason.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import io
import os
import zlib
from collections import Counter
from pathlib import Path
from typing import Any, BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import DecompressingBufferedReader

from ..model.documents import Document
from . import htmlpage, markup
from .decode import SourceFile, open_binary
from .errors import Counted, Note, Skipped, Warned
from .markup import Page

NAME = "warc"
READS = "file"

#: A page larger than this is not read (no statement is; a hostile one could fill memory).
MAX_PAGE = 32 * 1024 * 1024
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
#: The most the lines of one record's headers (WARC and HTTP, and the blank lines before
#: them) may take. Real ones take a few kilobytes; a damaged or hostile file may run on
#: for gigabytes without a line end, which warcio would gather into one line, ever slower.
MAX_HEADERS = 1024 * 1024
#: Record types that hold no page of their own.
_NOT_PAGES = frozenset({"request", "revisit", "metadata", "warcinfo", "conversion",
                        "continuation"})


class _Truncated(Exception):
    """The archive ends inside the record being read."""


class _OneGzip(Exception):
    """The archive is compressed whole, one gzip stream, not a gzip member per record."""


class _HeadersTooLong(Exception):
    """A record's headers run on past ``MAX_HEADERS``."""

    def __str__(self) -> str:
        return (f"its headers run on past {MAX_HEADERS // (1024 * 1024)} MB without ending, "
                "which no real record's do")


class _Reader(DecompressingBufferedReader):
    """warcio's reader, with what it reads as lines (the headers) bounded for each record."""

    lined = 0

    def readline(self, length: int | None = None) -> bytes:
        room = MAX_HEADERS - self.lined + 1
        line = super().readline(room if length is None else min(length, room))
        self.lined += len(line)
        if self.lined > MAX_HEADERS:
            raise _HeadersTooLong
        return line


class _Records(ArchiveIterator):
    # warcio writes this warning (a Content-Length that does not match) to stderr itself;
    # the import reports what it means instead.
    INC_RECORD = ""

    def __init__(self, stream: BinaryIO) -> None:
        super().__init__(stream)
        self.reader = _Reader(self.fh, block_size=self.reader.block_size)

    def _next_record(self, next_line: bytes | None) -> object:
        self.reader.lined = 0
        return super()._next_record(next_line)

    def _raise_invalid_gzip_err(self) -> None:
        raise _OneGzip


def detect_file(head: bytes, path: Path) -> bool:
    """A WARC file: ``WARC/1.x`` at its start, or a gzip member that starts so (or, cut too
    short to tell, the start of either in a file named ``.warc`` or ``.warc.gz``)."""
    named = path.name.lower().endswith((".warc.gz", ".warc"))
    if head.startswith(b"WARC/") or (named and head and (b"WARC/".startswith(head)
                                                        or b"\x1f\x8b".startswith(head))):
        return True
    if head.startswith(b"\x1f\x8b"):
        try:
            start = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 16)
        except zlib.error:
            return False
        return start.startswith(b"WARC/") or (named and b"WARC/".startswith(start))
    return False


def parse_file(source: SourceFile) -> tuple[list[Document], list[Note]]:
    """Every statement in the archive ``source``."""
    with open_binary(source.path) as stream:
        return read_archive(stream, os.fstat(stream.fileno()).st_size, source.rel)


def read_archive(stream: BinaryIO, size: int, label: str, where: str = ""
                 ) -> tuple[list[Document], list[Note]]:
    """Every statement in the archive ``stream`` of ``size`` bytes; ``label`` names it in
    captures (``crawl.warc.gz``, ``crawl.wacz!archive/data.warc.gz``) and ``where`` in
    messages (``archive/data.warc.gz: `` inside a WACZ)."""
    said = io.StringIO()
    with contextlib.redirect_stderr(said):  # what warcio prints of damage it reads past
        got = _Pass()
        try:
            _read(stream, size, label, where, got)
        except _OneGzip:  # (read again below, uncompressed: whatever it reads is more)
            got.read = -1
            got.damage = _damaged(where, 0, "it is one gzip stream, not one per record, and "
                                  "cannot be read again", 0)
        if got.damage is not None and got.read <= 1 and _gzipped(stream):
            got = _whole(stream, label, where, got)
    notes = got.notes
    if got.damage is not None:
        notes.append(got.damage)
    elif said.getvalue().strip():
        notes.append(Warned(f"the archive reader reported: {said.getvalue().strip()[:200]}",
                            where.rstrip(": ")))
    notes.extend(Counted(what, n) for what, n in sorted(got.counted.items()))
    return got.documents, notes


@dataclasses.dataclass
class _Pass:
    """What one reading of an archive found."""

    documents: list[Document] = dataclasses.field(default_factory=list)
    notes: list[Note] = dataclasses.field(default_factory=list)
    counted: Counter[str] = dataclasses.field(default_factory=Counter)
    damage: Skipped | None = None
    """The damage that stopped the reading, if any."""
    read: int = 0
    """The records read whole."""
    end: int = 0
    """The offset where the reading stopped."""


def _gzipped(stream: BinaryIO) -> bool:
    """Whether ``stream`` is gzip data that can be read again from its start."""
    if not stream.seekable():
        return False
    stream.seek(0)
    return stream.read(2) == b"\x1f\x8b"


def _whole(stream: BinaryIO, label: str, where: str, first: _Pass) -> _Pass:
    """The archive read again as one gzip stream, if it reads further so than ``first``.

    ``gzip crawl.warc`` makes one gzip stream of it, where a WARC has one per record:
    warcio reads no further than its first record. Read uncompressed, its records'
    offsets are the uncompressed file's (where ``gunzip`` puts them).
    """
    stream.seek(0)
    got = _Pass()
    data = _Gunzipped(stream)
    try:
        _read(data, None, label, where, got)
    except _OneGzip:  # compressed twice over
        got.damage = _damaged(where, 0, "a record cannot be read: the archive is compressed "
                              "twice over", got.read)
    if got.damage is None and not data.whole:
        got.damage = _damaged(where, got.end, "it ends inside a record", got.read)
    return got if got.read > first.read else first


class _Gunzipped(io.RawIOBase):
    """The data of a gzip stream (of each of its members in turn), as far as it goes: a
    stream cut short ends where its data does (``GzipFile`` raises instead, and gives
    nothing of what it read), and ``whole`` says whether it ended at a member's end."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.unzip = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self.whole = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while True:
            if self.unzip.eof:  # the next member, if any
                data = self.unzip.unused_data or self.raw.read(1 << 16)
                self.unzip = zlib.decompressobj(16 + zlib.MAX_WBITS)
                self.whole = not data
            else:
                data = self.unzip.unconsumed_tail or self.raw.read(1 << 16)
            if not data:
                return 0
            out = self.unzip.decompress(data, len(buffer))  # (no more than asked: no bomb)
            if out:
                buffer[:len(out)] = out
                return len(out)


def _read(stream: BinaryIO, size: int | None, label: str, where: str, got: _Pass) -> None:
    """Read the records into ``got``. ``size``: the stream's (None: not known)."""
    records = _Records(stream)
    while True:
        try:
            record = next(records)
        except StopIteration:
            break
        except _HeadersTooLong as exc:
            got.damage = _damaged(where, records.offset, f"a record cannot be read: {exc}",
                                  got.read)
            return
        except _OneGzip:
            raise
        except Exception as exc:  # warcio raises many kinds of error on damaged bytes
            got.damage = _damaged(where, records.offset,
                                  f"a record cannot be read ({_reason(exc)})", got.read)
            return
        offset = records.offset
        if record.rec_headers.get_header("Content-Length") is None:
            # Every WARC record says how long it is; one that does not is cut short in its
            # headers (or it is not WARC any more): nothing after it can be trusted.
            got.damage = _damaged(where, offset, "this record's headers end before they give "
                                  "its length", got.read)
            return
        try:
            page = _page(record, label, offset, where, got.counted)
            if not _drained(record):
                raise _Truncated
        except _Truncated:
            got.damage = _damaged(where, offset, "it ends inside this record", got.read)
            return
        except Exception as exc:
            got.notes.append(Skipped(f"the record cannot be read ({_reason(exc)})",
                                     f"{where}record at offset {offset}"))
            continue
        got.read += 1
        if page is not None:
            found, page_notes = htmlpage.page_documents(page)
            got.documents.extend(found)
            got.notes.extend(page_notes)
    got.end = records.offset
    if size is not None and records.offset < size:
        got.damage = _damaged(where, records.offset, "it ends inside a record", got.read)


def _page(record: object, label: str, offset: int, where: str, counted: Counter[str]
          ) -> Page | None:
    """The page a record holds, or None (counted) for a record that holds none."""
    kind = record.rec_type or "unknown"  # type: ignore[attr-defined]
    if kind not in ("response", "resource"):
        counted[f"archive records skipped ({kind if kind in _NOT_PAGES else 'other'})"] += 1
        return None
    headers = record.rec_headers  # type: ignore[attr-defined]
    http = record.http_headers  # type: ignore[attr-defined]
    if kind == "response" and http is not None and http.get_statuscode() != "200":
        counted["archive records skipped (HTTP status other than 200)"] += 1
        return None
    content_type = (http.get_header("Content-Type") if http is not None
                    else headers.get_header("Content-Type")) or ""
    media = content_type.split(";")[0].strip().lower()
    if media and media not in _HTML_TYPES:
        counted["archive records skipped (not HTML)"] += 1
        return None
    data = _payload(record)
    html = markup.decode_html(data, markup.charset_of(content_type))
    if not media and not htmlpage.detect(html):
        counted["archive records skipped (not HTML)"] += 1
        return None
    url = (headers.get_header("WARC-Target-URI") or "").strip().strip("<>") or None
    return Page(html=html, url=url, captured=_day(headers.get_header("WARC-Date")),
                file=f"{label}#{offset}", sha256=hashlib.sha256(data).hexdigest(),
                where=f"{where}record at offset {offset} ({_short(url)})",
                origin=f"{label}: record at offset {offset} ({_short(url)})")


def _payload(record: object) -> bytes:
    """The page's bytes (de-chunked and decompressed), at most ``MAX_PAGE`` of them."""
    stream = record.content_stream()  # type: ignore[attr-defined]
    chunks, size = [], 0
    while chunk := stream.read(1024 * 1024):
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_PAGE:
            raise ValueError(f"the page is larger than {MAX_PAGE // (1024 * 1024)} MB")
    return b"".join(chunks)


def _drained(record: object) -> bool:
    """Read what is left of the record; False when the archive ends before the record's
    ``Content-Length`` says it does."""
    raw = record.raw_stream  # type: ignore[attr-defined]
    while raw.read(1024 * 1024):
        pass
    return getattr(raw, "limit", 0) <= 0


def _day(value: str | None) -> dt.date | None:
    """The day (UTC) of a ``WARC-Date``; None when it is missing or not a date."""
    try:
        moment = dt.datetime.fromisoformat((value or "").strip().replace("Z", "+00:00"))
        if moment.tzinfo is not None:  # (the first and last days of the calendar overflow)
            moment = moment.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        return None
    return moment.date()


def _damaged(where: str, offset: int, reason: str, read: int) -> Skipped:
    """The note that the archive is damaged at ``offset``, said once for the file."""
    before = ("the record before it was read" if read == 1
              else f"the {read} records before it were read" if read
              else "there is no whole record before it")
    return Skipped(f"the archive is damaged or cut short here: {reason}; {before}",
                   f"{where}offset {offset}",
                   "is the file truncated? a complete copy imports in full")


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split())[:200]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _short(url: str | None) -> str:
    url = url or "no address"
    return url if len(url) <= 200 else url[:199] + "…"

"""Web archives for the tests, written with warcio as a crawler writes them.

``crawl()`` is a small, real-looking crawl: kcna.kp articles of both layouts,
another ministry's press release and its news index, an image, a revisit, a
404, a request before each response, a warcinfo and a metadata record. The
checked-in ``tests/fixtures/warc/crawl.warc`` (uncompressed: it reads in a text
editor) is ``crawl()`` written by ``python -m tests.warcs``; a test checks that
the two agree.
"""

from __future__ import annotations

import gzip
import io
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

HTML = Path(__file__).resolve().parent / "fixtures" / "html"
CRAWL = Path(__file__).resolve().parent / "fixtures" / "warc" / "crawl.warc"

OLDER_URL = "http://www.kcna.kp/en/article/q/4a2b9c8d7e6f50413b2c1d0e9f8a7b6c.kcmsf"
NEWER_URL = "http://www.kcna.kp/en/article/detail/5d0e1c2b3a49586f7e6d5c4b3a291807"
RELEASE_URL = "https://mfa.valdonia.example/en/news/2024/03/11/statement-korean-peninsula"
INDEX_URL = "https://mfa.valdonia.example/en/news"
MISSING_URL = "http://www.kcna.kp/en/article/q/00000000000000000000000000000000.kcmsf"
IMAGE_URL = "http://www.kcna.kp/resources/images/logo.svg"


class Record(NamedTuple):
    """One record to write: its type, address, date, HTTP status and headers, payload."""

    kind: str
    url: str
    date: str
    payload: bytes = b""
    status: str | None = "200 OK"
    """The HTTP status line; None: a record without HTTP headers (warcinfo, metadata)."""
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "text/html; charset=utf-8"),)
    warc_headers: tuple[tuple[str, str], ...] = ()
    content_type: str | None = None
    """The record's own Content-Type (for records without HTTP headers)."""


def page(name: str) -> bytes:
    return (HTML / name).read_bytes()


def request(url: str, date: str) -> Record:
    host = url.split("/")[2]
    return Record("request", url, date, status=None, headers=(("Host", host),))


def crawl() -> list[Record]:
    """The records of the test crawl, in the order a crawler writes them."""
    not_found = (b"<!DOCTYPE html><html><head><title>404 Not Found</title></head><body>"
                 b"<h1>Not Found</h1><p>The requested URL was not found on this server.</p>"
                 b"</body></html>\n")
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>\n'
    return [
        Record("warcinfo", "", "2024-03-09T12:00:00Z", b"software: tests/warcs.py\r\n"
               b"format: WARC File Format 1.0\r\n", status=None, content_type="application/warc-fields"),
        request(OLDER_URL, "2024-03-09T12:00:01Z"),
        Record("response", OLDER_URL, "2024-03-09T12:00:01Z", page("kcnakp-older.html")),
        request(IMAGE_URL, "2024-03-09T12:00:02Z"),
        Record("response", IMAGE_URL, "2024-03-09T12:00:02Z", svg,
               headers=(("Content-Type", "image/svg+xml"),)),
        Record("revisit", OLDER_URL, "2024-03-10T12:00:00Z", b"",
               warc_headers=(("WARC-Profile",
                              "http://netpreserve.org/warc/1.0/revisit/identical-payload-digest"),
                             ("WARC-Refers-To-Target-URI", OLDER_URL),
                             ("WARC-Refers-To-Date", "2024-03-09T12:00:01Z"))),
        request(MISSING_URL, "2024-03-10T12:00:01Z"),
        Record("response", MISSING_URL, "2024-03-10T12:00:01Z", not_found, status="404 Not Found"),
        request(RELEASE_URL, "2024-03-12T09:00:00Z"),
        Record("response", RELEASE_URL, "2024-03-12T09:00:00Z", page("mfa-press-release.html")),
        request(INDEX_URL, "2024-03-12T09:00:01Z"),
        Record("response", INDEX_URL, "2024-03-12T09:00:01Z", page("mfa-news-index.html")),
        request(NEWER_URL, "2024-09-10T08:30:00Z"),
        Record("response", NEWER_URL, "2024-09-10T08:30:00Z", page("kcnakp-newer.html")),
        Record("metadata", NEWER_URL, "2024-09-10T08:30:00Z", b"outlink: /en\r\n", status=None,
               content_type="application/warc-fields"),
    ]


def write(path: Path, records: Iterable[Record], *, compress: bool = False) -> list[int]:
    """Write ``records`` as a WARC (each record its own gzip member when ``compress``);
    return each record's offset."""
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=compress, warc_version="WARC/1.0")
    offsets = []
    for number, record in enumerate(records):
        offsets.append(buffer.tell())
        writer.write_record(make(writer, record, number))
    path.write_bytes(buffer.getvalue())
    return offsets


def make(writer: WARCWriter, record: Record, number: int = 0) -> object:
    """The warcio record of ``record``, with a record id and date that do not change."""
    headers = {"WARC-Date": record.date,
               "WARC-Record-ID": f"<urn:uuid:{uuid.UUID(int=number + 1)}>",
               **dict(record.warc_headers)}
    http = None
    if record.status is not None and record.kind in ("response", "revisit"):
        http = StatusAndHeaders(record.status, list(record.headers), protocol="HTTP/1.1")
    elif record.kind == "request":
        http = StatusAndHeaders(f"GET /{record.url.split('/', 3)[-1]} HTTP/1.1",
                                list(record.headers), is_http_request=True)
    return writer.create_warc_record(
        record.url, record.kind, payload=io.BytesIO(record.payload), http_headers=http,
        warc_headers_dict=headers, warc_content_type=record.content_type,
        length=None if http is not None or record.payload else 0)


def raw(record: Record, *, compress: bool = False) -> bytes:
    """``record`` as bytes, written by hand: any shape at all, even one warcio would not
    write (a response whose payload is not HTTP, a header with a line break in it)."""
    block = record.payload
    if record.status is not None:
        head = "".join(f"{k}: {v}\r\n" for k, v in record.headers)
        block = f"HTTP/1.1 {record.status}\r\n{head}\r\n".encode("utf-8", "surrogatepass") + block
    headers = [("WARC-Type", record.kind), ("WARC-Target-URI", record.url),
               ("WARC-Date", record.date), *record.warc_headers]
    if record.content_type is not None:
        headers.append(("Content-Type", record.content_type))
    headers.append(("Content-Length", str(len(block))))
    data = ("WARC/1.0\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n").encode(
        "utf-8", "surrogatepass") + block + b"\r\n\r\n"
    return gzip.compress(data, mtime=0) if compress else data


def gzip_encoded(record: Record) -> Record:
    """``record`` with its payload sent gzip-compressed (``Content-Encoding: gzip``)."""
    body = gzip.compress(record.payload, mtime=0)
    return record._replace(payload=body, headers=(*record.headers, ("Content-Encoding", "gzip")))


if __name__ == "__main__":
    write(CRAWL, crawl())

"""Web archives: WARC (plain and gzip), WACZ, cut short or damaged, and any record at all."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator import build as pipeline
from generator import ingest, store
from generator.problems import Report, Severity

from . import warcs

COUNTS = {
    "archive records skipped (HTTP status other than 200)": 1,
    "archive records skipped (metadata)": 1,
    "archive records skipped (not HTML)": 1,
    "archive records skipped (request)": 6,
    "archive records skipped (revisit)": 1,
    "archive records skipped (warcinfo)": 1,
    "pages without a statement skipped": 1,
}
TITLES = {
    "Press Statement of Spokesperson for DPRK Foreign Ministry": (dt.date(2024, 3, 9), "juche"),
    "Kim Yo Jong Issues Press Statement": (dt.date(2024, 9, 10), "dateline+capture-year"),
    "Statement by the Ministry of Foreign Affairs on the Situation on the Korean Peninsula": (
        dt.date(2024, 3, 11), "page-metadata"),
}


def parsed(path: Path):
    return ingest.parse_file(path, path.parent)


def test_the_checked_in_crawl_is_the_one_tests_warcs_writes(tmp_path):
    warcs.write(tmp_path / "crawl.warc", warcs.crawl())
    assert (tmp_path / "crawl.warc").read_bytes() == warcs.CRAWL.read_bytes()


def test_a_crawl_gives_the_statements_of_both_kcna_layouts_and_another_ministry():
    documents, problems, counts = parsed(warcs.CRAWL)
    assert problems == []
    assert {d.title: (d.date, d.date_from) for d in documents} == TITLES
    assert dict(counts) == COUNTS
    by_url = {d.capture.source_url: d for d in documents}
    older = by_url[warcs.OLDER_URL]
    assert older.source == "KCNA.kp (En)" and older.capture.extractor == "kcna.kp"
    assert older.capture.captured == dt.date(2024, 3, 9)
    assert "gathered at Kim Il Sung Square." in older.paragraphs[1]  # the name keeps its spaces
    assert older.paragraphs[-1] == "The DPRK will take every step needed. -0-"
    newer = by_url[warcs.NEWER_URL]
    assert newer.paragraphs[0].startswith("Pyongyang, September 10 (KCNA) -- Kim Yo Jong")
    assert "Photos" not in newer.paragraphs  # the link to the gallery is not text
    release = by_url[warcs.RELEASE_URL]
    assert release.source == "Ministry of Foreign Affairs of Valdonia"
    assert release.capture.extractor == "trafilatura"
    assert release.paragraphs[0].startswith("The Ministry of Foreign Affairs of Valdonia is deeply")
    assert not any("Related news" in p or "rights reserved" in p for p in release.paragraphs)


def test_a_record_s_capture_names_its_offset_and_the_checksum_of_its_page():
    documents, _, _ = parsed(warcs.CRAWL)
    data = warcs.CRAWL.read_bytes()
    for document in documents:
        name, _, offset = document.capture.file.partition("#")
        assert name == "crawl.warc"
        assert data[int(offset):].startswith(b"WARC/1.0\r\n")  # warcio extract finds it there
        assert document.capture.source_url.encode() in data[int(offset):int(offset) + 400]
        page = {warcs.OLDER_URL: "kcnakp-older.html", warcs.NEWER_URL: "kcnakp-newer.html",
                warcs.RELEASE_URL: "mfa-press-release.html"}[document.capture.source_url]
        assert document.capture.sha256 == hashlib.sha256(warcs.page(page)).hexdigest()


def test_a_gzip_compressed_crawl_gives_the_same_statements_and_checksums(tmp_path):
    offsets = warcs.write(tmp_path / "crawl.warc.gz", warcs.crawl(), compress=True)
    plain, _, _ = parsed(warcs.CRAWL)
    documents, problems, counts = parsed(tmp_path / "crawl.warc.gz")
    assert problems == [] and dict(counts) == COUNTS
    assert sorted(d.capture.sha256 for d in documents) == sorted(d.capture.sha256 for d in plain)
    assert {int(d.capture.file.rpartition("#")[2]) for d in documents} <= set(offsets)


def test_a_page_sent_gzip_encoded_or_in_another_charset_is_read_as_a_browser_reads_it(tmp_path):
    records = warcs.crawl()
    newer = next(r for r in records if r.url == warcs.NEWER_URL and r.kind == "response")
    latin = newer._replace(payload=newer.payload.replace(b"Our position is clear.",
                                                         "Our position is cl\u00e9ar.".encode("cp1252")),
                           headers=(("Content-Type", "text/html; charset=windows-1252"),))
    warcs.write(tmp_path / "a.warc.gz", [warcs.gzip_encoded(newer)], compress=True)
    warcs.write(tmp_path / "b.warc", [latin])
    (gzipped,), _, _ = parsed(tmp_path / "a.warc.gz")
    assert gzipped.capture.sha256 == hashlib.sha256(newer.payload).hexdigest()
    assert gzipped.paragraphs[-1] == "Our position is clear. -0-"
    (document,), _, _ = parsed(tmp_path / "b.warc")
    assert document.paragraphs[-1] == "Our position is cl\u00e9ar. -0-"


def test_a_crawl_compressed_whole_gives_every_statement_and_a_cut_one_those_before_the_cut(
        tmp_path):
    # `gzip crawl.warc` makes one gzip stream of it, where a WARC has one per record:
    # warcio read its first record only, and the rest was reported as damage at a
    # negative offset ("offset -8552"), with a hint that the file was truncated.
    whole = gzip.compress(warcs.CRAWL.read_bytes(), mtime=0)
    (tmp_path / "crawl.warc.gz").write_bytes(whole)
    plain, _, _ = parsed(warcs.CRAWL)
    documents, problems, counts = parsed(tmp_path / "crawl.warc.gz")
    assert problems == [] and dict(counts) == COUNTS
    assert [(d.capture.file.replace(".gz", ""), d.capture.sha256) for d in documents] == [
        (d.capture.file, d.capture.sha256) for d in plain]  # offsets as gunzip puts them
    (tmp_path / "cut").mkdir()
    (tmp_path / "cut" / "crawl.warc.gz").write_bytes(whole[:len(whole) * 3 // 4])
    documents, (problem,), _ = parsed(tmp_path / "cut" / "crawl.warc.gz")
    assert 0 < len(documents) < len(plain) and "cut short" in problem.reason
    assert int(problem.path.rpartition("offset ")[2]) > 0
    twice = gzip.compress(whole, mtime=0)  # (in a WACZ: a file is not taken for a WARC)
    documents, notes = ingest.warc.read_archive(io.BytesIO(twice), len(twice), "twice.warc.gz")
    assert documents == [] and "compressed twice over" in notes[0].reason


@pytest.mark.parametrize("compress", [False, True], ids=["warc", "warc.gz"])
def test_a_cut_archive_keeps_every_record_before_the_cut_and_names_it_once(tmp_path, compress):
    name = "crawl.warc.gz" if compress else "crawl.warc"
    offsets = warcs.write(tmp_path / name, warcs.crawl(), compress=compress)
    data = (tmp_path / name).read_bytes()
    whole = [d.capture.file.rpartition("#")[2] for d in parsed(tmp_path / name)[0]]
    ends = [*offsets[1:], len(data)]
    (tmp_path / "cut").mkdir()
    for start, end in zip(offsets, ends, strict=True):
        # Inside each record: just after its start, halfway, and (plain) within its last bytes.
        for cut in (start + 1, (start + end) // 2, *(() if compress else (end - 5,))):
            (tmp_path / "cut" / name).write_bytes(data[:cut])
            documents, problems, _ = parsed(tmp_path / "cut" / name)
            assert [d.capture.file.rpartition("#")[2] for d in documents] == [
                o for o in whole if int(o) < start], cut
            (problem,) = problems
            assert problem.severity is Severity.ERROR
            assert problem.path.endswith(f"{name}: offset {start}"), (cut, problem)
            assert "cut short" in problem.reason


def test_a_wacz_is_read_from_its_warcs_without_unpacking_it(tmp_path):
    warcs.write(tmp_path / "data.warc.gz", warcs.crawl(), compress=True)
    with zipfile.ZipFile(tmp_path / "crawl.wacz", "w") as wacz:
        wacz.writestr("datapackage.json", json.dumps({"profile": "data-package", "resources": [
            {"name": "data.warc.gz", "path": "archive/data.warc.gz"}]}))
        wacz.write(tmp_path / "data.warc.gz", "archive/data.warc.gz",
                   compress_type=zipfile.ZIP_STORED)
        wacz.writestr("pages/pages.jsonl", '{"format": "json-pages-1.0"}\n')
        wacz.writestr("indexes/index.cdx", "")
    (tmp_path / "data.warc.gz").unlink()
    documents, problems, counts = parsed(tmp_path / "crawl.wacz")
    assert problems == [] and dict(counts) == COUNTS
    assert {d.title for d in documents} == set(TITLES)
    assert all(d.capture.file.startswith("crawl.wacz!archive/data.warc.gz#") for d in documents)


def test_a_wacz_cut_short_is_named_with_a_reason(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as wacz:
        wacz.writestr("archive/data.warc", warcs.CRAWL.read_bytes())
    (tmp_path / "crawl.wacz").write_bytes(buffer.getvalue()[:-40])
    documents, (problem,), _ = parsed(tmp_path / "crawl.wacz")
    assert documents == []
    assert "not a whole ZIP file" in problem.reason


def test_a_wacz_entry_that_would_expand_as_a_zip_bomb_is_not_read_and_the_others_are(tmp_path):
    # A few hundred kilobytes of ZIP expanding to gigabytes were read to their end.
    with zipfile.ZipFile(tmp_path / "crawl.wacz", "w", zipfile.ZIP_DEFLATED) as wacz:
        with wacz.open("archive/bomb.warc", "w", force_zip64=True) as bomb:
            block = bytes(1 << 20)
            for _ in range(ingest.wacz.BOMB_SIZE // len(block) + 1):
                bomb.write(block)
        wacz.writestr("archive/data.warc", warcs.CRAWL.read_bytes())
    documents, (problem,), _ = parsed(tmp_path / "crawl.wacz")
    assert {d.title for d in documents} == set(TITLES)
    assert problem.path.endswith("crawl.wacz: archive/bomb.warc")
    assert "ZIP bomb" in problem.reason and "would expand" in problem.reason


def test_an_imported_crawl_is_counted_in_the_summary_and_not_read_again(make_site, monkeypatch):
    config = make_site({"content/sources/crawl.warc": warcs.CRAWL.read_bytes()})
    report = Report()
    pipeline.import_sources(config, report)
    assert report.counts["statements found"] == 3
    for what, n in COUNTS.items():
        assert report.counts[what] == n
    captures = {c.file: c for path in config.content_dir.rglob("*.md")
                for c in store.read_file(path).statement.captures}
    assert captures["crawl.warc#806"].source_url == warcs.OLDER_URL
    assert {c.extractor for c in captures.values()} == {"kcna.kp", "trafilatura"}
    calls = []
    monkeypatch.setattr(ingest, "parse_file", lambda *args: calls.append(args) or ([], [], ()))
    again = Report()
    pipeline.import_sources(config, again)
    assert calls == []  # the archive is not read again
    assert again.counts["statements unchanged"] == 3
    assert {what: again.counts[what] for what in COUNTS} == COUNTS


# --- any record of any shape ------------------------------------------------------------

KINDS = st.sampled_from(["response", "resource", "request", "revisit", "metadata", "warcinfo",
                         "conversion", "continuation", "unknown-type"])
TYPES = st.sampled_from(["text/html", "text/html; charset=utf-8", "text/html; charset=bogus",
                         "application/xhtml+xml", "image/png", "application/pdf", "", "text/plain"])
STATUSES = st.sampled_from(["200 OK", "404 Not Found", "301 Moved Permanently", "500 Error",
                            "200", "999 Whatever"])
URLS = st.one_of(st.sampled_from([warcs.OLDER_URL, warcs.NEWER_URL, warcs.RELEASE_URL,
                                  "http://[::1", "dns:kcna.kp", "", "https://kcnawatch.org/x"]),
                 st.text(max_size=40))
PAYLOADS = st.one_of(
    st.sampled_from([warcs.page("kcnakp-older.html"), warcs.page("kcnakp-newer.html"),
                     warcs.page("mfa-press-release.html"), b"", b"\x89PNG\r\n\x1a\n\0\0"]),
    st.binary(max_size=300),
    st.text(max_size=300).map(lambda t: f"<html><body><article><h1>{t}</h1><p>{t}</p>"
                              "</article></body></html>".encode("utf-8", "surrogatepass")),
)
DATES = st.sampled_from(["2024-03-09T12:00:00Z", "2024-02-30T00:00:00Z", "not a date", "",
                         "2024-09-10T08:30:00.123456Z", "0001-01-01T00:00:00Z",
                         "9999-12-31T23:00:00-05:00", "0001-01-01T00:00:00+05:00"])
RECORDS = st.builds(
    warcs.Record, kind=KINDS, url=URLS, date=DATES, payload=PAYLOADS,
    status=st.one_of(st.none(), STATUSES),
    headers=st.lists(st.tuples(st.sampled_from(["Content-Type", "Content-Encoding",
                                                "Transfer-Encoding", "X-Other"]),
                               st.one_of(TYPES, st.sampled_from(["gzip", "chunked", "br"]))),
                     max_size=3).map(tuple),
    content_type=st.one_of(st.none(), TYPES))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(records=st.lists(RECORDS, min_size=1, max_size=6), compress=st.booleans(),
       cut=st.one_of(st.none(), st.integers(0, 4000)),
       flip=st.one_of(st.none(), st.tuples(st.integers(0, 4000), st.integers(1, 255))))
def test_no_record_of_any_shape_stops_the_import(tmp_path, records, compress, cut, flip):
    path = tmp_path / ("any.warc.gz" if compress else "any.warc")
    data = bytearray(b"".join(warcs.raw(record, compress=compress) for record in records))
    if flip is not None and data:
        data[flip[0] % len(data)] ^= flip[1]
    path.write_bytes(bytes(data[:cut] if cut is not None else data))
    documents, problems, counts = parsed(path)
    assert all(p.reason for p in problems)
    assert all(d.title and d.capture.file.startswith(path.name) for d in documents)
    assert all(n > 0 for _, n in counts)


@pytest.mark.parametrize("date", ["9999-12-31T23:00:00-05:00", "0001-01-01T00:00:00+05:00",
                                  "2024-02-30T00:00:00Z", "not a date"])
def test_a_record_whose_date_names_no_day_in_utc_is_kept_undated(tmp_path, date):
    # A date at the calendar's edge, in another time zone, has no day in UTC: converting it
    # raised OverflowError, and the record was left out as one that "cannot be read".
    release = next(r for r in warcs.crawl() if r.url == warcs.RELEASE_URL and r.kind == "response")
    (tmp_path / "a.warc").write_bytes(warcs.raw(release._replace(date=date)))
    (document,), problems, _ = parsed(tmp_path / "a.warc")
    assert problems == [] and document.capture.captured is None
    assert document.date == dt.date(2024, 3, 11)


@pytest.mark.parametrize("shown", ["Juche113.2.30.", "Juche113.13.1."])
def test_a_kcna_page_showing_a_date_that_names_no_day_is_dated_by_its_dateline_and_says_so(
        tmp_path, shown):
    # It was dated by its dateline in silence.
    older = next(r for r in warcs.crawl() if r.url == warcs.OLDER_URL and r.kind == "response")
    bad = older._replace(payload=older.payload.replace(b"Juche113.3.9.", shown.encode()))
    (tmp_path / "a.warc").write_bytes(warcs.raw(bad))
    (document,), (problem,), _ = parsed(tmp_path / "a.warc")
    assert (document.date, document.date_from) == (dt.date(2024, 3, 9), "dateline+capture-year")
    assert problem.severity is Severity.WARNING and problem.path.endswith("a.warc: record at "
                                                                          f"offset 0 ({warcs.OLDER_URL})")
    assert problem.reason == (f"the date the page shows, {shown!r}, names no real day: the "
                              "dateline's is taken instead")


class Endless(io.RawIOBase):
    """``size`` bytes of one record's first line, made as they are read, counted."""

    def __init__(self, start: bytes, fill: bytes, size: int) -> None:
        self.data, self.fill, self.size, self.read_so_far = start, fill, size, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        n = min(len(buffer), self.size - self.read_so_far)
        chunk = (self.data[self.read_so_far:] + self.fill * n)[:n] if n > 0 else b""
        buffer[:len(chunk)] = chunk
        self.read_so_far += len(chunk)
        return len(chunk)


@pytest.mark.parametrize("start, fill, reason", [
    (b"WARC/1.0\r\nX-Long: ", b"a", "headers run on past 1 MB"),    # one line without an end
    (b"WARC/1.0\r\n", b"X-Many: a\r\n", "headers run on past 1 MB"),  # lines without an end
    (b"", b"\0", "Unknown archive format"),                           # no line at all
])
def test_headers_that_never_end_are_damage_read_no_further_than_a_megabyte_or_so(start, fill,
                                                                                 reason):
    # warcio gathers a line until its end, a block at a time, slower as it grows: 300 MB
    # without a line end took minutes; ten million header lines took 2 GB of memory.
    stream = Endless(start, fill, 16 * 1024 * 1024)
    documents, notes = ingest.warc.read_archive(io.BufferedReader(stream), stream.size, "h.warc")
    assert documents == []
    (note,) = notes
    assert note.where == "offset 0" and reason in note.reason and "cut short" in note.reason
    assert stream.read_so_far < 2 * 1024 * 1024


def test_headers_that_never_end_after_a_good_record_keep_the_record(tmp_path):
    release = next(r for r in warcs.crawl() if r.url == warcs.RELEASE_URL and r.kind == "response")
    good = warcs.raw(release)
    (tmp_path / "a.warc").write_bytes(good + b"WARC/1.0\r\nX: " + b"a" * (3 * 1024 * 1024))
    (document,), (problem,), _ = parsed(tmp_path / "a.warc")
    assert document.date == dt.date(2024, 3, 11)
    assert problem.path.endswith(f"a.warc: offset {len(good)}")
    assert "headers run on past 1 MB" in problem.reason and "record before it" in problem.reason


def test_a_gzip_file_that_is_not_a_web_archive_is_still_refused(tmp_path):
    (tmp_path / "notes.txt.gz").write_bytes(gzip.compress(b"just some notes\n"))
    documents, (problem,), _ = parsed(tmp_path / "notes.txt.gz")
    assert documents == [] and "gzip" in problem.reason

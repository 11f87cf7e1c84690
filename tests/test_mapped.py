"""Datasets mapped in config.yaml (``records:``): CSV, TSV, JSON, JSON Lines, gzip or not."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import textwrap

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator import build as pipeline
from generator import ingest, store
from generator.config import ConfigError, load_config
from generator.ingest import mapped
from generator.problems import Report, Severity

from .conftest import FIXTURES, RAW

CSV = FIXTURES / "datasets" / "valdonia-2024.csv"
MAPPING = """\
    title: Test Archive
    records:
      - files: "valdonia-*.csv"          # a glob under source_dir
        source: "MFA of Valdonia (En)"   # the outlet (a constant)
        fields:                          # the dataset's names for our fields
          title: headline_en
          date: published
          text: body
          url: page_url
          issuer: spokesperson           # optional
        date_format: "%d.%m.%Y"          # optional: ISO dates, date-times and epoch ms need none
"""


def rows() -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(CSV.read_text())))


def imported(make_site, files, config=MAPPING):
    site = make_site(files, config=config)
    report = Report()
    pipeline.import_sources(site, report)
    statements = sorted((store.read_file(p).statement for p in site.content_dir.rglob("*.md")),
                        key=lambda s: s.date)
    return site, report, statements


def test_the_issue_s_mapping_imports_a_csv_dataset(make_site):
    _, report, statements = imported(make_site, {"content/sources/valdonia-2024.csv":
                                                 CSV.read_text()})
    assert [s.title for s in statements] == [
        "Statement on the Situation on the Korean Peninsula",
        "Comment on the Joint Military Drills",
        "Statement on Humanitarian Aid",
    ]
    first, second, third = statements
    assert first.date == dt.date(2024, 3, 11) and first.source == "MFA of Valdonia (En)"
    assert first.captures[0].source_url == "https://mfa.valdonia.example/en/news/2024/03/11/statement"
    assert first.captures[0].file == "valdonia-2024.csv"
    # Paragraphs split at blank lines (a paragraph's own line breaks joined), else at line breaks.
    assert first.body.split("\n\n") == [
        "The Ministry of Foreign Affairs of Valdonia is deeply concerned about the escalation of "
        "tensions.", "We call on all parties to exercise restraint and to return to dialogue."]
    assert second.body.split("\n\n") == ["The drills raise tensions.", "Valdonia urges their end."]
    # The mapped issuer, looked up like any other; without one, the outlet issues it.
    assert first.issuer.issuer == "Spokesperson for Ministry of Foreign Affairs of Valdonia"
    assert first.issuer.organization == "Ministry of Foreign Affairs of Valdonia"
    assert second.issuer.organization == "MFA of Valdonia"
    assert [(f.kind, f.text) for f in third.found_dates] == [("headline", "[2024.03.20.]")]
    errors = sorted((p.path, p.reason) for p in report.problems)
    assert errors == [
        ("content/sources/valdonia-2024.csv: line 8", "has no title ('headline_en' is empty)"),
        ("content/sources/valdonia-2024.csv: line 9",
         "has no usable date ('published' is 'sometime in March')"),
    ] or [(path.rpartition("sources/")[2], reason) for path, reason in errors] == [
        ("valdonia-2024.csv: line 8", "has no title ('headline_en' is empty)"),
        ("valdonia-2024.csv: line 9", "has no usable date ('published' is 'sometime in March')"),
    ]
    assert all(p.severity is Severity.ERROR for p in report.problems)


def test_check_reads_a_mapped_dataset_as_the_import_does(make_site):
    # check read every capture without the mappings: a dataset was "not a format this
    # generator reads" (a gzipped one "a gzip archive"), and its bad records went unsaid.
    site = make_site({"content/sources/valdonia-2024.csv.gz": gzip.compress(CSV.read_bytes(),
                                                                             mtime=0)},
                     config=MAPPING.replace('"valdonia-*.csv"', '"valdonia-*"'))
    report = Report()
    pipeline.check(site, report)
    assert sorted((p.path.rpartition("sources/")[2], p.reason) for p in report.errors) == [
        ("valdonia-2024.csv.gz: line 8", "has no title ('headline_en' is empty)"),
        ("valdonia-2024.csv.gz: line 9",
         "has no usable date ('published' is 'sometime in March')")]


def as_tsv() -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows()[0]), delimiter="\t")
    writer.writeheader()
    writer.writerows(rows())
    return out.getvalue()


@pytest.mark.parametrize("name, content", [
    ("valdonia-2024.csv", lambda: CSV.read_text()),
    ("valdonia-2024.csv.gz", lambda: gzip.compress(CSV.read_bytes(), mtime=0)),
    ("valdonia-2024.tsv", as_tsv),
    ("valdonia-2024.json", lambda: json.dumps(rows(), indent=1)),
    ("valdonia-2024.jsonl", lambda: "".join(json.dumps(r) + "\n" for r in rows())),
    ("valdonia-2024.jsonl.gz", lambda: gzip.compress(
        "".join(json.dumps(r) + "\n" for r in rows()).encode(), mtime=0)),
    ("valdonia-2024.data", lambda: "".join(json.dumps(r) + "\n" for r in rows())),  # by content
])
def test_every_format_gives_the_same_statements(make_site, name, content):
    config = MAPPING.replace('"valdonia-*.csv"', '"valdonia-*"')
    _, report, statements = imported(make_site, {f"content/sources/{name}": content()}, config)
    assert [(s.title, s.date, s.body) for s in statements] == [
        (s.title, s.date, s.body) for s in imported_csv(make_site)]
    assert len(report.errors) == 2


def imported_csv(make_site):
    return imported(make_site, {"content/sources/valdonia-2024.csv": CSV.read_text()})[2]


def test_a_mapping_naming_a_column_the_file_lacks_is_reported_once_with_its_columns(make_site):
    config = MAPPING.replace("url: page_url", "url: link")
    _, report, statements = imported(make_site, {"content/sources/valdonia-2024.csv":
                                                 CSV.read_text()}, config)
    assert statements == []
    (problem,) = report.problems
    assert problem.path.endswith("valdonia-2024.csv")
    assert "'link' (for url)" in problem.reason
    assert problem.hint == ("its columns are: 'headline_en', 'published', 'body', 'page_url', "
                            "'spokesperson'")


def test_a_json_lines_record_that_is_not_json_is_named_by_its_line(tmp_path):
    (tmp_path / "d.jsonl").write_text('{"t": "A Title", "d": "2024-01-02"}\n\n{"t": "B", \n'
                                      '[1, 2]\n{"t": "C Title", "d": 1704153600000}\n')
    mapping = mapped.Mapping("*.jsonl", "X", (("title", "t"), ("date", "d")))
    documents, notes = mapped.parse_file(ingest.decode.SourceFile(tmp_path / "d.jsonl", "d.jsonl"),
                                         mapping)
    assert [(d.title, d.date) for d in documents] == [("A Title", dt.date(2024, 1, 2)),
                                                      ("C Title", dt.date(2024, 1, 2))]
    assert [n.where for n in notes] == ["line 3", "line 4"]
    assert "not valid JSON" in notes[0].reason and "not an object" in notes[1].reason


def test_a_cut_gzip_dataset_keeps_the_records_before_the_cut(tmp_path):
    data = gzip.compress("".join(json.dumps(r) + "\n" for r in rows() * 50).encode(), mtime=0)
    (tmp_path / "d.jsonl.gz").write_bytes(data[:len(data) // 2])
    mapping = mapped.Mapping("*", "X", (("title", "headline_en"), ("date", "published")),
                             "%d.%m.%Y")
    documents, notes = mapped.parse_file(ingest.decode.SourceFile(tmp_path / "d.jsonl.gz", "d"),
                                         mapping)
    assert documents and "cannot be read on from here" in notes[-1].reason


@pytest.mark.parametrize("value, date", [
    ("2024-03-11", dt.date(2024, 3, 11)),
    ("2024-03-11T23:30:00-05:00", dt.date(2024, 3, 11)),  # the day as written
    ("2024-03-11T10:00:00Z", dt.date(2024, 3, 11)),
    (1710115200000, dt.date(2024, 3, 11)),                # epoch milliseconds, UTC
    ("1710115200000", dt.date(2024, 3, 11)),
    ("11.03.2024", None),                                 # needs date_format
    ("2024-02-30", None),
    (None, None), (True, None), (float("nan"), None), (10 ** 30, None),
    (10 ** 400, None), (-10 ** 400, None), ("9" * 15, None),  # no float holds 10**400
])
def test_dates_are_read_without_a_format_when_they_are_iso_or_epoch_milliseconds(value, date):
    assert mapped.read_date(value) == date


def test_paragraphs_split_at_blank_lines_else_at_line_breaks():
    assert mapped.split_paragraphs("a\nb\n\n  c  \r\n\r\nd") == ("a b", "c", "d")
    assert mapped.split_paragraphs("a\r\nb\n\nc") == ("a b", "c")
    assert mapped.split_paragraphs("a\nb\n c ") == ("a", "b", "c")


def test_the_stiles_dump_needs_no_mapping(make_site):
    _, report, statements = imported(make_site, {
        "content/sources/records.json": (RAW / "records_messy.json").read_text()},
        "title: Test Archive\n")
    assert statements and report.counts["statements found"] == len(statements)


def test_a_mapping_that_matches_no_file_changes_nothing(make_site):
    _, report, statements = imported(make_site, {"content/sources/other.csv": CSV.read_text()})
    assert statements == []
    assert "not a format this generator reads" in report.problems[0].reason


def test_changing_a_mapping_reads_its_files_again(make_site):
    site, _, _ = imported(make_site, {"content/sources/valdonia-2024.csv": CSV.read_text()})
    (site.root / "config.yaml").write_text(textwrap.dedent(MAPPING).replace(
        "title: headline_en", "title: body"), encoding="utf-8")
    changed = load_config(site.root / "config.yaml", report=Report())
    pipeline.import_sources(changed, Report())
    titles = {store.read_file(p).statement.title for p in site.content_dir.rglob("*.md")}
    assert "The drills raise tensions. Valdonia urges their end." in titles


# --- the configuration ----------------------------------------------------------------------

@pytest.mark.parametrize("records, message", [
    ("records: {files: x}", "must be a list"),
    ("records: [x]", "item 1: must be a mapping"),
    ("records: [{source: S, fields: {title: t, date: d}}]", "'files' must be a glob"),
    ("records: [{files: '../x.csv', source: S, fields: {title: t, date: d}}]", "without '..'"),
    ("records: [{files: '/etc/x.csv', source: S, fields: {title: t, date: d}}]", "without '..'"),
    ("records: [{files: x, fields: {title: t, date: d}}]", "'source' must name the outlet"),
    ("records: [{files: x, source: S, fields: {title: t}}]", "'date' is missing"),
    ("records: [{files: x, source: S, fields: {title: t, date: d, body: b}}]",
     "unknown field 'body'"),
    ("records: [{files: x, source: S, fields: {title: t, date: 3}}]", "'date' must name a column"),
    ("records: [{files: x, source: S, fields: [title]}]", "'fields' must map"),
    ("records: [{files: x, source: S, fields: {title: t, date: d}, date_format: dd}]",
     "strptime format"),
    ("records: [{files: x, source: S, fields: {title: t, date: d}, feilds: {}}]",
     "unknown key 'feilds'"),
])
def test_a_bad_mapping_is_a_configuration_error_naming_the_key(tmp_path, records, message):
    (tmp_path / "config.yaml").write_text(f"title: T\n{records}\n")
    with pytest.raises(ConfigError, match="key 'records'") as info:
        load_config(tmp_path / "config.yaml")
    assert message in str(info.value)


def test_a_good_mapping_is_read_into_the_configuration(tmp_path):
    (tmp_path / "config.yaml").write_text(textwrap.dedent(MAPPING))
    (mapping,) = load_config(tmp_path / "config.yaml").records
    assert mapping.files == "valdonia-*.csv" and mapping.source == "MFA of Valdonia (En)"
    assert mapping.column("title") == "headline_en" and mapping.column("issuer") == "spokesperson"
    assert mapping.date_format == "%d.%m.%Y"


# --- broken and hostile datasets (issue 27) ----------------------------------------------------

TITLE_DATE_TEXT = mapped.Mapping("*", "X", (("title", "t"), ("date", "d"), ("text", "x")))


def parse_dataset(path):
    return mapped.parse_file(ingest.decode.SourceFile(path, path.name), TITLE_DATE_TEXT)


@pytest.mark.parametrize("name, data", [
    ("d.csv", b"t,d,x\r\nA Title,2024-01-02,one\r\nCaf\xe9 Title,2024-01-03,na\xefve\r\n"
              b"C Title,2024-01-04,three\r\n"),
    ("d.jsonl", b'{"t": "A Title", "d": "2024-01-02", "x": "one"}\n'
                b'{"t": "Caf\xe9 Title", "d": "2024-01-03", "x": "na\xefve"}\n'
                b'{"t": "C Title", "d": "2024-01-04", "x": "three"}\n'),
    ("d.json", b'[{"t": "A Title", "d": "2024-01-02", "x": "one"},\n'
               b'{"t": "Caf\xe9 Title", "d": "2024-01-03", "x": "na\\udcefve"},\n'
               b'{"t": "C Title", "d": "2024-01-04", "x": "three"}]'),
])
def test_a_record_with_bytes_that_are_not_utf8_is_kept_marked_and_named_the_rest_imports(
        tmp_path, name, data):
    # One Latin-1 byte stopped the file at "line 1" (the text was decoded a block at a time),
    # the records before it lost too.
    (tmp_path / name).write_bytes(data)
    documents, notes = parse_dataset(tmp_path / name)
    assert [(d.title, d.paragraphs) for d in documents] == [
        ("A Title", ("one",)), ("Caf\ufffd Title", ("na\ufffdve",)), ("C Title", ("three",))]
    (note,) = notes
    assert isinstance(note, ingest.errors.Warned) and "not UTF-8" in note.reason
    assert note.where == ("record 1" if name == "d.json" else "line 3" if name == "d.csv"
                          else "line 2")
    assert all(d.title.encode("utf-8") and d.capture.sha256 for d in documents)


@pytest.mark.parametrize("name, head, where", [
    ("d.csv.gz", b"t,d,x\nA Title,2024-01-02,one\n", "line 3"),
    ("d.jsonl.gz", b'{"t": "A Title", "d": "2024-01-02", "x": "one"}\n', "line 2")])
def test_a_gzip_bomb_without_line_ends_stops_at_64_mb_keeping_the_records_before(
        tmp_path, name, head, where):
    # 3 GB of one line took minutes and gigabytes of memory (a JSON Lines bomb 6 GB).
    with gzip.open(tmp_path / name, "wb", compresslevel=1) as f:
        f.write(head)
        block = b"a" * (1 << 20)
        for _ in range(mapped.MAX_LINE // len(block) + 8):
            f.write(block)
    documents, notes = parse_dataset(tmp_path / name)
    assert [d.title for d in documents] == ["A Title"]
    (note,) = notes
    assert note.where == where and "runs on past 64 MB without ending" in note.reason
    assert "the records before it were read" in note.reason


def test_a_text_given_as_a_list_is_its_paragraphs_and_other_fields_that_are_not_text_are_named(
        tmp_path):
    # A list of paragraphs became a statement without text, and a title that was a list
    # was reported as "empty", a link that was an object left out unsaid.
    records = [{"t": "A Title", "d": "2024-01-02", "x": ["First paragraph.", "Second one."]},
               {"t": ["A", "B"], "d": "2024-01-03"},
               {"t": 12345, "d": "2024-01-04", "x": {"p": 1}, "u": ["https://example.org/"]}]
    (tmp_path / "d.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    mapping = mapped.Mapping("*", "X", (("title", "t"), ("date", "d"), ("text", "x"), ("url", "u")))
    documents, notes = mapped.parse_file(ingest.decode.SourceFile(tmp_path / "d.jsonl", "d.jsonl"),
                                         mapping)
    assert [(d.title, d.paragraphs, d.capture.source_url) for d in documents] == [
        ("A Title", ("First paragraph.", "Second one."), None), ("12345", (), None)]
    assert [(n.where, n.reason) for n in notes] == [
        ("line 2", "has no title ('t' is a JSON list, not text)"),
        ("line 3", "'x' is a JSON object, not text: its text was left out"),
        ("line 3", "'u' is a JSON list, not text: its url was left out")]


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=3), inner, max_size=3), max_leaves=8)
FIELD = st.one_of(JSON, st.sampled_from(["2024-02-30", "1710115200000", "11.03.2024", "\ud800",
                                         "http://[::1", 10 ** 400, -1e308, "\x00", "a\r\nb"]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(records=st.lists(st.fixed_dictionaries({"t": st.one_of(st.text(), FIELD), "d": FIELD,
                                                "x": FIELD}, optional={"u": FIELD}), max_size=5),
       extra=st.binary(max_size=40), date_format=st.sampled_from([None, "%d.%m.%Y", "%Q"]),
       kind=st.sampled_from(["jsonl", "json", "csv"]))
def test_any_dataset_imports_what_it_can_and_names_the_rest(tmp_path, records, extra,
                                                             date_format, kind):
    # What a record holds (any JSON, bytes that are not UTF-8 after it) never stops the
    # import: each record is a statement whose text the store can write, or is named.
    if kind == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["t", "d", "x", "u"])
        writer.writerows([[str(r.get(k, "")) for k in "tdxu"] for r in records])
        data = out.getvalue().encode("utf-8", "surrogatepass") + extra
    elif kind == "json":
        data = json.dumps(records).encode() + (b"" if extra.strip(b" \t\r\n") else extra)
    else:
        data = "".join(json.dumps(r) + "\n" for r in records).encode() + extra
    path = tmp_path / f"d.{kind}"
    path.write_bytes(data)
    mapping = mapped.Mapping("*", "X", (("title", "t"), ("date", "d"), ("text", "x")),
                             date_format)
    try:
        documents, notes = mapped.parse_file(ingest.decode.SourceFile(path, path.name), mapping)
    except ingest.errors.ParseError as exc:
        assert exc.reason
        return
    assert all(note.reason for note in notes)
    for document in documents:
        assert document.title.strip() and isinstance(document.date, dt.date)
        "\n".join((document.title, *document.paragraphs, document.capture.source_url or "",
                   document.issuer or "")).encode("utf-8")

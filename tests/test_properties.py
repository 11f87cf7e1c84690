"""Property tests: the parsers never crash and never lose body text, whatever they are fed."""

import contextlib
import datetime as dt
import json
import os
import unicodedata
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.ingest import kcnawatch, records
from generator.ingest.decode import RawSource, decode
from generator.ingest.errors import ParseError, Skipped

from .conftest import RAW

FURNITURE = {"NK News is hiring", "Read original version at source", "More Articles"}
SETTINGS = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

# A body line: any text without line breaks, that is not itself page furniture.
line = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")),
    min_size=1, max_size=200,
).map(str.strip).filter(lambda s: s and s not in FURNITURE and not s.startswith("More From")
                        and not s.startswith("Date:") and "(Juche" not in s)


def raw(text: str, name: str = "capture.txt") -> RawSource:
    return RawSource(path=RAW / name, rel=name, text=text, sha256="0" * 64, encoding="utf-8")


@SETTINGS
@given(title=line, body=st.lists(line, min_size=1, max_size=8),
       date=st.dates(dt.date(1997, 1, 1), dt.date(2030, 12, 31)),
       advert=st.booleans(), more_from=st.booleans(), crlf=st.booleans())
def test_a_capture_s_body_comes_back_exactly(title, body, date, advert, more_from, crlf):
    parts = ["May 08, 2025\nKCNA KCNA.kp (En)", title,
             f"Date: {date:%d/%m/%Y} | Source: KCNA.kp (En) | Read original version at source"]
    if advert:
        parts.append("NK News is hiring")
    parts += body
    parts.append(f"www.kcna.kp (Juche{date.year - 1911}.{date.month}.{date.day}.)")
    if more_from:
        parts += ["More From KCNA.kp (En)", "Other Title", "More Articles"]
    text = "\n\n".join(parts)
    if crlf:
        text = text.replace("\n", "\r\n")
    decoded, _ = decode(text.encode("utf-8"))
    (document,), _ = kcnawatch.parse(raw(decoded))
    assert document.title == title
    assert document.date == date
    assert document.paragraphs == tuple(body)


@SETTINGS
@given(st.text(max_size=2000))
def test_any_text_parses_or_is_refused_with_a_reason(text):
    try:
        documents, notes = kcnawatch.parse(raw(text))
    except ParseError as exc:
        assert exc.reason
        return
    assert all(note.reason for note in notes)
    for document in documents:
        assert document.title


@SETTINGS
@given(st.binary(max_size=2000))
def test_any_bytes_decode_or_are_refused_with_a_reason(data):
    from generator.ingest.decode import Undecodable

    try:
        text, encoding = decode(data)
    except Undecodable as exc:
        assert str(exc)
        return
    assert "\r" not in text and encoding in ("utf-8", "cp1252")


json_scalar = (st.none() | st.booleans() | st.integers()
               | st.floats(allow_nan=False, allow_infinity=False) | st.text())
json_value = st.recursive(json_scalar, lambda c: st.lists(c, max_size=3)
                          | st.dictionaries(st.text(max_size=8), c, max_size=3), max_leaves=10)
record = st.fixed_dictionaries(
    {},
    optional={
        "headline": st.text() | json_value,
        "date_str": st.dates().map(str) | json_value,
        "date": st.integers(-10**15, 10**15) | json_value,
        "story_text": st.text() | json_value,
        "link": st.text() | json_value,
        "topic": st.text() | json_value,
    },
)


@SETTINGS
@given(st.lists(record | json_value, max_size=6))
def test_any_record_dump_imports_what_it_can_and_names_the_rest(items):
    documents, notes = records.parse(raw(json.dumps(items), "dump.json"))
    assert all(n.reason for n in notes)
    skipped = [n for n in notes if isinstance(n, Skipped)]
    assert len(documents) + len(skipped) == len(items)
    assert all(n.where.startswith("record ") for n in skipped)


@SETTINGS
@given(st.lists(line, min_size=1, max_size=6))
def test_a_record_s_text_comes_back_line_for_line(lines):
    item = {"headline": "T", "date_str": "2024-01-01", "story_text": "\n".join(lines)}
    (document,), _ = records.parse(raw(json.dumps([item]), "dump.json"))
    assert document.paragraphs == tuple(lines)


@SETTINGS
@given(st.sets(st.integers(min_value=0, max_value=2_000_000), max_size=300))
def test_the_offline_index_postings_come_back_exactly(numbers):
    from generator.search.offline import decode_postings, encode_postings
    ordered = sorted(numbers)
    text = encode_postings(ordered)
    assert decode_postings(text) == ordered
    assert "~" not in text  # the separator of a word's body and title lists


def test_close_numbers_in_the_offline_index_cost_one_character_each():
    from generator.search.offline import encode_postings
    close = list(range(0, 3100, 31))  # words in neighbouring statements: the common case
    assert len(encode_postings(close)) == len(close)
    assert len(encode_postings([31 * 32 ** 3])) == 4  # a larger gap: one more per 5 bits


def test_the_offline_index_folds_case_accents_and_compatibility_forms():
    from generator.search.offline import words
    assert words("Café NAÏVE Ｆｕｌｌ ﬁle Åström e\u0301te\u0300") == [
        "cafe", "naive", "full", "file", "astrom", "ete"]
    assert words("the DPRK’s “statement” — 2024") == ["the", "dprk", "s", "statement", "2024"]


@SETTINGS
@given(st.text(max_size=300))
def test_the_offline_index_drops_every_combining_mark_and_keeps_the_rest(text):
    import unicodedata

    from generator.search.offline import _WORD, words
    folded = unicodedata.normalize("NFKD", text.casefold())
    expected = _WORD.findall("".join(ch for ch in folded if not unicodedata.combining(ch)))
    assert words(text) == expected
    assert not any(unicodedata.combining(ch) for word in expected for ch in word)


# --- hostile names, dates, URLs and front matter through the import, the store and `check` --
# (issue 27): nothing raises past the step that reads it, and every message is one line.

HOSTILE = settings(max_examples=60, deadline=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

# A file name as a disk may hold one: any bytes but NUL and "/", not "." or "..".
file_name = st.binary(min_size=1, max_size=40).map(
    lambda b: b.replace(b"\0", b"_").replace(b"/", b"_")).filter(
    lambda b: b not in (b".", b"..")).map(os.fsdecode)
yaml_scalar = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["2023-02-30", "0000-01-01", "2023-01-01T25:61:00", "9999-12-31", "25:61",
                     "1" * 5000, "&a", "*a", "& Co", "!!python/name:os.system", "[", "{", "'",
                     "http://[::1", "https://[::1/", "~", "null", ".inf", "\ufeff", "\x1b[31m"]))
front_key = st.sampled_from(["id", "title", "date", "source", "dateline", "captures",
                             "found_dates", "topics", "title_only", "issuer", "note"])


def problem_lines_are_single_printable_lines(report):
    for problem in report.problems:
        line = problem.line()
        assert line.isprintable() and "\n" not in line, line


@HOSTILE
@given(names=st.lists(file_name, min_size=1, max_size=4, unique=True),
       dates=st.lists(yaml_scalar, min_size=1, max_size=3),
       links=st.lists(st.text(max_size=30) | st.sampled_from(["http://[::1", "http://a:b/"]),
                      min_size=1, max_size=3),
       fronts=st.lists(st.dictionaries(front_key, yaml_scalar, max_size=5), max_size=3),
       crlf=st.booleans())
def test_hostile_inputs_never_stop_the_import_or_check(tmp_path_factory, names, dates, links,
                                                       fronts, crlf):
    import tempfile

    from generator import build as pipeline
    from generator.config import load_config
    from generator.problems import Report

    root = Path(tempfile.mkdtemp(dir=tmp_path_factory.getbasetemp()))
    (root / "config.yaml").write_text("title: T\n")
    sources, statements = root / "content" / "sources", root / "content" / "statements"
    sources.mkdir(parents=True)
    statements.mkdir(parents=True)
    dump = [{"headline": f"Statement {n}", "date_str": str(d), "date": 1700000000000 + n,
             "link": links[n % len(links)], "story_text": f"Text {n}."}
            for n, d in enumerate(dates)]
    for n, name in enumerate(names):
        data = json.dumps(dump).encode() if n % 2 == 0 else (RAW / "cp1252.txt").read_bytes()
        with contextlib.suppress(OSError):  # a name the file system refuses (too long)
            (sources / name).write_bytes(data)
    for n, front in enumerate(fronts):
        text = "---\n" + "".join(f"{k}: {v}\n" for k, v in front.items()) + "---\n\nBody.\n"
        if crlf:
            text = text.replace("\n", "\r\n")
        (statements / f"{names[n % len(names)][:20].replace('.', '_')}-{n}.md").write_bytes(
            text.encode("utf-8", "surrogateescape"))
    config = load_config(root / "config.yaml")
    report = Report()
    pipeline.import_sources(config, report)
    problem_lines_are_single_printable_lines(report)
    checked = Report()
    pipeline.check(config, checked)
    problem_lines_are_single_printable_lines(checked)
    assert all(p.severity.value in ("error", "warning") for p in checked.problems)


@HOSTILE
@given(front=st.dictionaries(front_key, yaml_scalar, max_size=8), raw_yaml=st.text(max_size=200))
def test_any_front_matter_is_read_or_refused_with_a_reason(tmp_path_factory, front, raw_yaml):
    from generator import store

    folder = tmp_path_factory.mktemp("store")
    for n, text in enumerate(("".join(f"{k}: {v}\n" for k, v in front.items()), raw_yaml)):
        path = folder / f"f{n}.md"
        path.write_bytes(f"---\n{text}\n---\n\nBody.\n".encode("utf-8", "surrogateescape"))
        stored = store.read_file(path)
        assert (stored.statement is None) == bool(stored.problems)
        for problem in stored.problems:
            assert problem.line().isprintable()


@SETTINGS
@given(text=st.text(max_size=400))
def test_a_description_is_one_line_of_text_no_longer_than_its_limit(text):
    from generator.site.descriptions import LIMIT, clip

    described = clip(text)
    assert len(described) <= LIMIT
    assert described == " ".join(described.split())
    assert not any(unicodedata.category(c) == "Cc" for c in described)
    # Control characters and the non-characters HTML forbids become spaces.
    words = "".join(" " if unicodedata.category(c) == "Cc" or "\ufdd0" <= c <= "\ufdef"
                    or c in "\ufffe\uffff" else c for c in text).split()
    if len(" ".join(words)) <= LIMIT:
        assert described == " ".join(words)
    else:  # whole words from the start, then an ellipsis
        assert described.endswith("\u2026")
        assert " ".join(words).startswith(described[:-1].rsplit(" ", 1)[0])

"""JSON record dumps: messy real records import, bad ones are named and skipped."""

import datetime as dt
import json

import pytest

from generator.ingest import records
from generator.ingest.decode import RawSource, read_source
from generator.ingest.errors import ParseError, Skipped, Warned

from .conftest import RAW


def parse_text(text: str):
    return records.parse(RawSource(path=RAW / "x.json", rel="x.json", text=text, sha256="0" * 64,
                                   encoding="utf-8"))


def test_messy_records_fixture():
    raw = read_source(RAW / "records_messy.json", RAW)
    documents, notes = records.parse(raw)
    assert len(documents) == 6
    titles = [d.title for d in documents]
    assert "Humor of Respected Comrade Kim Jong Un" in titles
    assert "Lunar New Year's Day Greeted in DPRK" in titles  # tabs and CRLF junk removed
    skipped = [n for n in notes if isinstance(n, Skipped)]
    assert [(n.where, n.reason) for n in skipped] == [("record 6", "has no headline")]


def test_headline_junk_date_is_kept_as_a_found_date():
    (doc,), _ = parse_text(json.dumps([{
        "headline": "Floral Tribute Paid\n\n[Juche113.1.2.]", "date_str": "2024-01-02",
        "story_text": "", "link": "http://www.kcna.kp/en/article/q/1.kcmsf", "topic": "Home News"}]))
    assert doc.title == "Floral Tribute Paid"
    assert [(f.kind, f.date, f.text) for f in doc.found_dates] == [
        ("headline", dt.date(2024, 1, 2), "Juche113.1.2.")]


def test_a_headline_ending_in_a_bracketed_date_on_its_line_loses_it_to_found_dates():
    # The stiles dump's quirk: "[Juche113.1.2.]" at the end of the headline's own line, and
    # its date in epoch milliseconds only.
    (doc,), notes = parse_text(json.dumps([{
        "headline": "Floral Tribute Paid [Juche113.1.2.]", "date": 1704153600000,
        "story_text": "Pyongyang, January 2 (KCNA) -- Flowers were laid. -0-",
        "link": "http://www.kcna.kp/en/article/q/1.kcmsf", "topic": "Home News"}]))
    assert doc.title == "Floral Tribute Paid"
    assert doc.date == dt.date(2024, 1, 2) and doc.date_from == "record-timestamp"
    assert ("headline", dt.date(2024, 1, 2), "Juche113.1.2.") in [
        (f.kind, f.date, f.text) for f in doc.found_dates]
    assert notes == []


def test_empty_text_record_is_a_title_only_document_not_dropped():
    (doc,), notes = parse_text(json.dumps([{"headline": "Photo item", "date_str": "2024-11-02",
                                             "story_text": "", "link": None}]))
    assert doc.paragraphs == ()
    assert notes == []


def test_paragraphs_are_the_lines_of_story_text_exactly():
    (doc,), _ = parse_text(json.dumps([{"headline": "T", "date_str": "2024-01-01",
                                         "story_text": "Pyongyang, January 1 (KCNA) -- A.\n\n  B  b \n- C"}]))
    assert doc.paragraphs == ("Pyongyang, January 1 (KCNA) -- A.", "B  b", "- C")
    assert doc.dateline == "Pyongyang, January 1 (KCNA)"


def test_outlet_comes_from_the_link():
    assert records.outlet_for("http://www.kcna.kp/en/article/q/x.kcmsf") == "KCNA.kp (En)"
    assert records.outlet_for("https://example.org/a") == "example.org"
    assert records.outlet_for(None) == "unknown outlet"


def test_epoch_only_record_uses_the_timestamp():
    (doc,), _ = parse_text(json.dumps([{"headline": "T", "date": 1703376000000}]))
    assert doc.date == dt.date(2023, 12, 24)
    assert doc.date_from == "record-timestamp"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('[{"headline": "T", "date_str": "2024-01-01"', "not valid JSON"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('[{"headline": "T", "date": NaN}]', "NaN is not a valid JSON number"),
        ('{"headline": "T"}', "JSON array"),
    ],
)
def test_broken_dumps_are_refused_whole_with_a_reason(text, reason):
    with pytest.raises(ParseError, match=reason):
        parse_text(text)


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ("just a string", "not an object"),
        ({"headline": "T"}, "no usable date"),
        ({"headline": "T", "date_str": "2024-02-30"}, "no usable date"),
        ({"headline": "T", "date_str": "2024-01-01", "story_text": 5}, "not a string"),
        ({"headline": ["T"], "date_str": "2024-01-01"}, "no headline"),
    ],
)
def test_a_bad_record_is_skipped_and_named_the_rest_imports(record, reason):
    good = {"headline": "Good", "date_str": "2024-01-01", "story_text": "Text."}
    documents, notes = parse_text(json.dumps([good, record, good]))
    assert [d.title for d in documents] == ["Good", "Good"]
    (note,) = notes
    assert isinstance(note, Skipped)
    assert note.where == "record 1"
    assert reason in note.reason


def test_lone_surrogates_are_replaced_and_reported():
    (doc,), notes = parse_text('[{"headline": "T \\ud800", "date_str": "2024-01-01", '
                               '"story_text": "a\\udc00b"}]')
    assert doc.title == "T \ufffd"
    assert doc.paragraphs == ("a\ufffdb",)
    assert len([n for n in notes if isinstance(n, Warned)]) == 2


def test_a_record_whose_link_is_no_url_is_kept_with_an_unknown_outlet():
    # Issue 27, item 5: urlsplit raised ValueError, which took down every record of the file.
    (bad, good), notes = parse_text(json.dumps([
        {"headline": "Bad Link", "date_str": "2024-01-01", "story_text": "A.", "link": "http://[::1"},
        {"headline": "Good Link", "date_str": "2024-01-01", "story_text": "B.",
         "link": "http://www.kcna.kp/en/article/q/1.kcmsf"}]))
    assert (bad.source, bad.capture.source_url) == ("unknown outlet", "http://[::1")
    assert good.source == "KCNA.kp (En)"
    assert notes == []


def test_an_impossible_date_str_names_the_timestamp_the_date_was_taken_from():
    # Issue 27, item 15: the warning said "kept ... (date_str)" for a date from the timestamp.
    epoch = int(dt.datetime(2024, 3, 1, tzinfo=dt.UTC).timestamp() * 1000)
    (doc,), notes = parse_text(json.dumps([{
        "headline": "T", "date_str": "2024-02-30", "date": epoch,
        "story_text": "Pyongyang, February 28 (KCNA) -- A."}]))
    assert (doc.date, doc.date_from) == (dt.date(2024, 3, 1), "record-timestamp")
    reasons = [n.reason for n in notes]
    assert reasons[0] == "date_str '2024-02-30' names no real day: kept 2024-03-01, from its timestamp (date)"
    assert reasons[1].startswith("dates disagree: kept 2024-03-01 (date, its timestamp); dateline")
    assert not any("(date_str)" in r for r in reasons)

"""KCNA Watch captures: every field of the seeds, and each variant real captures show."""

import datetime as dt
from pathlib import Path

import pytest

from generator.ingest import kcnawatch
from generator.ingest.decode import read_source
from generator.ingest.errors import ParseError, Warned

from .conftest import CAPTURES, RAW, SEEDS


def parse(path: Path):
    raw = read_source(path, path.parent)
    documents, notes = kcnawatch.parse(raw)
    assert len(documents) == 1
    return documents[0], notes


def test_first_seed_imports_with_every_field_right():
    doc, notes = parse(SEEDS / "000_5090525799506049.txt")
    assert notes == []
    assert doc.title == (
        "Vice Director General of General Bureau of Equipment of Ministry of National "
        "Defence of DPRK Issues Press Statement"
    )
    assert doc.date == dt.date(2022, 9, 22)
    assert doc.date_from == "date-line"
    assert doc.source == "KCNA.kp (En)"
    assert doc.dateline == "Pyongyang, September 22 (KCNA)"
    assert doc.capture.captured == dt.date(2025, 1, 24)
    assert doc.capture.file == "000_5090525799506049.txt"
    assert {(f.kind, f.date) for f in doc.found_dates} == {
        ("dateline", dt.date(2022, 9, 22)),
        ("juche", dt.date(2022, 9, 22)),
    }
    assert doc.paragraphs[0].startswith("Pyongyang, September 22 (KCNA) -- The vice director general")
    assert doc.paragraphs[-1].endswith("to keep its mouth shut. -0-")
    assert len(doc.paragraphs) == 8


def test_page_furniture_never_reaches_the_body():
    for seed in sorted(SEEDS.glob("*.txt")):
        doc, _ = parse(seed)
        body = "\n".join(doc.paragraphs)
        for furniture in ("NK News is hiring", "Read original version at source", "More From",
                          "More Articles", "Textile Mills", "Press Review", "Juche111",
                          "www.kcna.kp", "Date:"):
            assert furniture not in body, (seed.name, furniture)


def test_doubled_header_date_gives_one_capture_date():
    doc, _ = parse(SEEDS / "001_302a72d4e5be0e53.txt")
    assert doc.capture.captured == dt.date(2025, 5, 8)
    assert doc.date == dt.date(2022, 11, 8)  # 08/11/2022 is day first: 8 November
    assert doc.title == (
        "Press Statement of Vice Director for Military Foreign Affairs of DPRK Ministry of "
        "National Defence"
    )
    assert len(doc.paragraphs) == 6


def test_crlf_and_byte_order_mark_parse_like_any_capture():
    doc, notes = parse(RAW / "crlf_bom.txt")
    assert notes == []
    assert doc.title == "Press Statement of Spokesperson for DPRK Foreign Ministry"
    assert doc.date == dt.date(2023, 3, 14)
    assert doc.paragraphs[1] == "The U.S. and its allies staged \u201clarge-scale\u201d drills again."
    assert not any("\r" in p or "\ufeff" in p for p in (doc.title, *doc.paragraphs))


def test_windows_1252_capture_from_another_outlet():
    doc, _ = parse(RAW / "cp1252.txt")
    assert doc.source == "Rodong Sinmun (En)"
    assert doc.date == dt.date(2019, 6, 2)
    assert "\u201cnew road\u201d was chosen \u2013 and" in doc.paragraphs[1]
    assert "Caf\u00e9 society\u2019s" in doc.paragraphs[1]


def test_missing_date_line_falls_back_to_the_juche_footer_and_says_so():
    doc, notes = parse(RAW / "no_date_line.txt")
    assert doc.date == dt.date(2025, 7, 28)
    assert doc.date_from == "juche"
    assert doc.source == "KCNA.kp (En)"  # from the 'More From' list
    assert [n for n in notes if isinstance(n, Warned) and "no 'Date:' line" in n.reason]


def test_missing_date_line_and_full_juche_date_uses_dateline_with_juche_year(tmp_path):
    text = (RAW / "no_date_line.txt").read_text().replace("(Juche114.7.28.)", "(Juche114)")
    (tmp_path / "capture.txt").write_text(text)
    doc, notes = parse(tmp_path / "capture.txt")
    assert doc.date == dt.date(2025, 7, 28)
    assert doc.date_from == "dateline+juche-year"
    assert any("dateline" in n.reason for n in notes)


def test_capture_without_advert_more_from_or_footer():
    doc, notes = parse(RAW / "no_advert_no_more_from.txt")
    assert notes == []
    assert doc.date == dt.date(2024, 3, 30)
    assert doc.paragraphs == (
        "Pyongyang, March 30 (KCNA) -- The Institute for American Studies of the Foreign "
        "Ministry of the DPRK released a report.",
        "The report ends here. -0-",
    )


def test_a_shorter_save_without_date_line_or_more_from_list_imports_and_says_whence_its_date():
    # Issue 22, item 5: the page header and the footer are all there is around the text.
    assert kcnawatch.detect((CAPTURES / "no_date_line_no_more_from.txt").read_text())
    doc, notes = parse(CAPTURES / "no_date_line_no_more_from.txt")
    assert doc.title == "Press Statement of Spokesperson for DPRK Foreign Ministry"
    assert doc.date == dt.date(2024, 3, 30) and doc.date_from == "juche"
    assert doc.source == "KCNA.kp (En)"  # from the page header
    assert doc.capture.captured == dt.date(2024, 3, 31)
    assert doc.paragraphs[-1] == "Our stand is firm. -0-"
    (note,) = notes
    assert "no 'Date:' line" in note.reason and "Juche date" in note.reason


def test_a_shorter_save_without_a_juche_date_takes_the_dateline_in_the_footer_s_year(tmp_path):
    text = (CAPTURES / "no_date_line_no_more_from.txt").read_text().replace("(Juche113.3.30.)",
                                                                     "(Juche113)")
    (tmp_path / "capture.txt").write_text(text)
    doc, notes = parse(tmp_path / "capture.txt")
    assert doc.date == dt.date(2024, 3, 30) and doc.date_from == "dateline+juche-year"
    assert "dateline 'Pyongyang, March 30 (KCNA)'" in notes[0].reason


def test_disagreeing_dates_keep_the_publication_date_record_the_others_and_warn():
    doc, notes = parse(RAW / "dates_disagree.txt")
    assert doc.date == dt.date(2022, 9, 22)
    assert {(f.kind, f.date) for f in doc.found_dates} == {
        ("dateline", dt.date(2022, 9, 21)),
        ("juche", dt.date(2022, 9, 20)),
    }
    (warning,) = notes
    assert "dates disagree" in warning.reason
    assert "2022-09-21" in warning.reason and "2022-09-20" in warning.reason


def test_capture_without_any_date_is_refused_with_a_hint(tmp_path):
    text = (RAW / "no_date_line.txt").read_text().replace("www.kcna.kp (Juche114.7.28.)", "")
    (tmp_path / "capture.txt").write_text(text)
    with pytest.raises(ParseError, match="no publication date") as info:
        parse(tmp_path / "capture.txt")
    assert "Date: DD/MM/YYYY" in info.value.hint


def test_a_date_line_must_be_day_first():
    # 13/12/2022 can only be read day first; 31/02 is no day at all.
    from generator.model.dates import parse_date_line

    assert parse_date_line("Date: 13/12/2022 | Source: X") == (dt.date(2022, 12, 13), "X")
    assert parse_date_line("Date: 31/02/2022 | Source: X") == (None, "X")


def test_detects_kcnawatch_pages_but_not_other_text():
    assert kcnawatch.detect((SEEDS / "000_5090525799506049.txt").read_text())
    assert not kcnawatch.detect("Just some notes.\nNothing else.\n")

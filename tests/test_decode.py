"""Bytes to text: what is read, what is refused, and why."""

import pytest

from generator.ingest.decode import Undecodable, decode


def test_utf8_byte_order_mark_is_dropped_and_crlf_becomes_lf():
    text, encoding = decode(b"\xef\xbb\xbfTitle\r\nBody\rEnd\n")
    assert text == "Title\nBody\nEnd\n"
    assert encoding == "utf-8"


def test_windows_1252_capture_is_read_with_its_curly_quotes():
    text, encoding = decode("\u201cquoted\u201d \u2013 caf\u00e9".encode("cp1252"))
    assert text == "\u201cquoted\u201d \u2013 caf\u00e9"
    assert encoding == "cp1252"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"  \n\t\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG image"),
        (b"%PDF-1.4\n", "PDF"),
        ("UTF-16 text".encode("utf-16"), "UTF-16"),
        (b"T\x00i\x00t\x00l\x00e\x00", "NUL bytes"),
        (b"abc\x81\x8d\x8f\x90\x9d\xff\xfe", "neither UTF-8 nor Windows-1252"),
        (b"<html><meta charset=nonesuch>\x81", "nor a web page in the charset it declares"),
        (bytes(range(1, 9)) * 100, "control characters"),
    ],
)
def test_non_text_is_refused_with_a_reason(data, reason):
    with pytest.raises(Undecodable, match=reason):
        decode(data)

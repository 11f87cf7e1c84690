"""Datasets of statements mapped in config.yaml (``records:``): CSV, TSV, JSON, JSON Lines.

Each entry of ``records:`` names files by a glob under the source folder, the
outlet they come from, and the dataset's columns for our fields::

    records:
      - files: "valdonia-*.csv"
        source: "MFA of Valdonia (En)"
        fields: {title: headline_en, date: published, text: body, url: page_url,
                 issuer: spokesperson}
        date_format: "%d.%m.%Y"

A file is read by its format: gzip-compressed or not (its magic bytes), then
CSV, TSV, a JSON array or JSON Lines (its name, else its first character). CSV,
TSV and JSON Lines are streamed; a JSON array is read whole. A record is named
in messages by where a person finds it: ``line 12`` of a CSV, TSV or JSON Lines
file (the header is line 1), ``record 3`` of a JSON array (counted from 0, as
``jq '.[3]'`` does). A record without a title or a date is skipped and named;
a mapped column the file does not have stops the file, with one message that
lists the columns it has. Dates are read with ``date_format`` when given, else
as ISO dates, ISO date-times (the day as written) or epoch milliseconds (the
day in UTC). A text's paragraphs are split at blank lines, else at line breaks.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import fnmatch
import gzip
import hashlib
import io
import json
import math
import re
import zlib
from collections.abc import Iterator, Sequence
from typing import Any, BinaryIO

from ..config import RecordMapping
from ..model import dates
from ..model.documents import Capture, Document, FoundDate
from . import kcnawatch
from .decode import MAX_BYTES, SourceFile, open_binary
from .errors import Note, ParseError, Skipped, Warned

NAME = "mapped"
Mapping = RecordMapping

_SPACE = re.compile(r"\s+")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_EPOCH = re.compile(r"^-?\d{10,15}(?:\.\d+)?$")
_LANGUAGE = re.compile(r"\s*\([A-Za-z]{2,3}\)$")
#: The longest line of a dataset (and CSV field) read: a record's line may hold a whole
#: statement, far more than the csv module's 128 KB default; a damaged or hostile file (a
#: gzip bomb) may run on for gigabytes without a line end.
MAX_LINE = 64 * 1024 * 1024
csv.field_size_limit(max(csv.field_size_limit(), MAX_LINE))
#: What Python makes of bytes that are not UTF-8 (``surrogateescape``), and a lone
#: surrogate a JSON string may escape (``"\ud800"``): neither can be written as UTF-8.
_SURROGATE = re.compile("[\ud800-\udfff]")


#: The key under which a line that is not a record says why (no column can be named so).
_BAD = "\0"


class _Broken(Exception):
    """The file cannot be read on from here (bad JSON, a line without end, a cut)."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(reason)
        self.where = where
        self.reason = reason


def mapping_for(rel: str, mappings: Sequence[RecordMapping]) -> RecordMapping | None:
    """The first mapping whose glob matches ``rel`` (``*`` matches ``/`` too)."""
    for mapping in mappings:
        if fnmatch.fnmatchcase(rel, mapping.files):
            return mapping
    return None


def parse_file(source: SourceFile, mapping: RecordMapping) -> tuple[list[Document], list[Note]]:
    """Every record of the dataset ``source`` that has a title and a date."""
    documents: list[Document] = []
    notes: list[Note] = []
    columns: set[str] = set()
    header: list[str] | None = None
    broken = None
    with open_binary(source.path) as handle:
        stream = _decompressed(handle)
        try:
            rows, header = _rows(stream, _format(source.rel, stream))
            if header is not None:  # a CSV's columns are known before its records
                _check_columns(mapping.fields, header)
            for order, (where, row) in enumerate(rows):
                columns.update(key for key in row if key != _BAD)
                try:
                    documents.append(_document(source.rel, where, row, mapping, notes)
                                     ._replace(order=order))
                except ParseError as exc:
                    notes.append(Skipped(exc.reason, where, exc.hint))
        except _Broken as exc:
            broken = exc
    if broken is not None and not documents and not columns:
        raise ParseError(broken.reason, where=broken.where)
    if header is None:
        _check_columns(mapping.fields, sorted(columns))
    if broken is not None:
        notes.append(Skipped(f"the file cannot be read on from here: {broken.reason}; the "
                             "records before it were read", broken.where))
    return documents, notes


def _check_columns(mapped: Sequence[tuple[str, str]], columns: Sequence[str]) -> None:
    """Stop the file when the mapping names a column it does not have."""
    missing = [(name, column) for name, column in mapped if column not in columns]
    if missing:
        names = "; ".join(f"{column!r} (for {name})" for name, column in missing)
        raise ParseError(
            f"the records: mapping names columns this file does not have: {names}",
            "its columns are: " + (", ".join(repr(c) for c in columns) or "none"))


def _decompressed(handle: BinaryIO) -> BinaryIO:
    """The file's bytes, gunzipped if they are gzip's (by their magic bytes)."""
    head = handle.peek(2)[:2] if hasattr(handle, "peek") else b""
    return gzip.GzipFile(fileobj=handle) if head == b"\x1f\x8b" else handle  # type: ignore[return-value]


def _format(rel: str, stream: BinaryIO) -> str:
    """``csv``, ``tsv``, ``json`` or ``jsonl``: by the name (``.gz`` aside), else the content."""
    name = rel.lower().removesuffix(".gz")
    for suffixes, kind in (((".csv",), "csv"), ((".tsv", ".tab"), "tsv"),
                           ((".jsonl", ".ndjson"), "jsonl")):
        if name.endswith(suffixes):
            return kind
    try:
        first = stream.peek(64)[:64] if hasattr(stream, "peek") else b""
    except (OSError, EOFError, zlib.error):
        first = b""
    start = first.decode("utf-8", "ignore").lstrip("\ufeff \t\r\n")[:1]
    if start == "[":
        return "json"
    if start == "{":
        return "jsonl"
    line = first.split(b"\n", 1)[0]
    return "tsv" if line.count(b"\t") > line.count(b",") else "csv"


def _rows(stream: BinaryIO, kind: str) -> tuple[Iterator[tuple[str, dict[str, Any]]], list[str] | None]:
    """The records as ``(where, record)``, and the header of a CSV or TSV file."""
    if kind in ("csv", "tsv"):
        text = _text(stream)
        reader = csv.reader(_lines(text), delimiter="\t" if kind == "tsv" else ",")
        header = _guarded(lambda: next(reader, None), "line 1")
        if header is None:
            raise ParseError("the file is empty: no header line names its columns")
        header = [column.strip() for column in header]
        return _csv_rows(reader, header), header
    if kind == "json":
        return _json_rows(stream), None
    return _jsonl_rows(_text(stream)), None


def _text(stream: BinaryIO) -> io.TextIOWrapper:
    """The file as text; bytes that are not UTF-8 are kept as surrogates, for the record
    that holds them to say so (``_cleaned``), rather than stop the file."""
    return io.TextIOWrapper(stream, encoding="utf-8-sig", errors="surrogateescape",  # type: ignore[arg-type]
                            newline="")


def _line(text: io.TextIOWrapper, number: int) -> str:
    """The next line of ``text`` (its end included; '' at the end of the file), read no
    further than ``MAX_LINE`` characters: a longer one is ``_Broken`` at ``number``."""
    line = _guarded(lambda: text.readline(MAX_LINE + 1), f"line {number}")
    if len(line) > MAX_LINE:
        raise _Broken(f"line {number}", f"the line runs on past {MAX_LINE // (1024 * 1024)} "
                                        "MB without ending, which no record's does")
    return line


def _lines(text: io.TextIOWrapper) -> Iterator[str]:
    """The lines of a CSV or TSV file, for the csv module to read (``_line``)."""
    number = 1
    while line := _line(text, number):
        yield line
        number += 1


def _guarded(read: Any, where: str) -> Any:
    """``read()``, with what breaks a file's reading made a ``_Broken``."""
    try:
        return read()
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise _Broken(where, f"the gzip data is damaged or cut short ({exc})") from None
    except csv.Error as exc:
        raise _Broken(where, f"not valid CSV ({exc})") from None


def _csv_rows(reader: Any, header: list[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    line = reader.line_num + 1
    while True:
        row = _guarded(lambda: next(reader, None), f"line {line}")
        if row is None:
            return
        if any(cell.strip() for cell in row):
            yield f"line {line}", dict(zip(header, row, strict=False))
        line = reader.line_num + 1


def _json_rows(stream: BinaryIO) -> Iterator[tuple[str, dict[str, Any]]]:
    data = _guarded(lambda: stream.read(MAX_BYTES + 1), "the file")
    if len(data) > MAX_BYTES:
        raise ParseError(f"the JSON array is larger than {MAX_BYTES} bytes",
                         "write the dataset as JSON Lines, which is read a record at a time")
    try:
        records = json.loads(codecs.decode(data, "utf-8-sig", "surrogateescape"))
    except (ValueError, RecursionError) as exc:
        raise ParseError(f"not valid JSON ({exc})") from None
    if not isinstance(records, list):
        raise ParseError("a JSON dataset must be an array of records (or JSON Lines)")
    for index, record in enumerate(records):
        if isinstance(record, dict):
            yield f"record {index}", record
        else:
            yield f"record {index}", {_BAD: f"a JSON {type(record).__name__}, not an object"}


def _jsonl_rows(text: io.TextIOWrapper) -> Iterator[tuple[str, dict[str, Any]]]:
    number = 0
    while True:
        number += 1
        line = _line(text, number)
        if not line:
            return
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except (ValueError, RecursionError) as exc:
            yield f"line {number}", {_BAD: f"not valid JSON ({exc})"}
            continue
        yield f"line {number}", (record if isinstance(record, dict)
                                 else {_BAD: f"a JSON {type(record).__name__}, not an object"})


def _value(row: dict[str, Any], mapping: RecordMapping, name: str) -> str | None:
    """Our field ``name`` of a record, as text (None: empty, not mapped, or not text: see
    ``_not_text``); a text given as a list of strings is its paragraphs."""
    column = mapping.column(name)
    value = row.get(column) if column is not None else None
    if name == "text" and isinstance(value, list) and all(isinstance(v, str) for v in value):
        value = "\n\n".join(value)
    if value is None or isinstance(value, bool | dict | list):
        return None
    text = str(value).strip()
    return text or None


def _not_text(row: dict[str, Any], mapping: RecordMapping, name: str) -> str | None:
    """What the column of our field ``name`` holds, when it is there but cannot be read as
    text (a JSON object, a list, true or false): ``'u' is a JSON list, not text``."""
    column = mapping.column(name)
    value = row.get(column) if column is not None else None
    if value is None or _value(row, mapping, name) is not None or not isinstance(
            value, bool | dict | list):
        return None
    kind = {bool: "true or false", dict: "a JSON object", list: "a JSON list"}[type(value)]
    return f"{column!r} is {kind}, not text"


def _document(rel: str, where: str, row: dict[str, Any], mapping: RecordMapping,
              notes: list[Note]) -> Document:
    if _BAD in row:
        raise ParseError(f"is {row[_BAD]}")
    row = _cleaned(row, where, notes)
    title = _value(row, mapping, "title")
    if title is None:
        what = _not_text(row, mapping, "title") or f"{mapping.column('title')!r} is empty"
        raise ParseError(f"has no title ({what})")
    for name in ("text", "url", "issuer"):
        what = _not_text(row, mapping, name)
        if what is not None:
            notes.append(Warned(f"{what}: its {name} was left out", where))
    title, bracket = dates.split_trailing_bracket(_SPACE.sub(" ", title))
    raw_date = row.get(mapping.column("date") or "")
    date = read_date(raw_date, mapping.date_format)
    if date is None:
        what = "is empty" if raw_date in (None, "") else f"is {str(raw_date)[:40]!r}"
        hint = (f"dates are read with date_format {mapping.date_format!r}" if mapping.date_format
                else "give date_format in the mapping for dates that are not ISO dates or "
                     "epoch milliseconds")
        raise ParseError(f"has no usable date ({mapping.column('date')!r} {what})", hint=hint)
    paragraphs = split_paragraphs(_value(row, mapping, "text") or "")
    found = []
    for finder in (dates.find_juche, dates.find_bracket_gregorian):
        in_title = finder(bracket)
        if in_title is not None and in_title[0] is not None:
            found.append(FoundDate("headline", in_title[0], in_title[1]))
    dateline = dates.parse_dateline(paragraphs[0]) if paragraphs else None
    if dateline is not None:
        resolved = dates.nearest_year(dateline[1], dateline[2], date)
        if resolved is not None:
            found.append(FoundDate("dateline", resolved, dateline[0]))
    warning = kcnawatch.disagreement(date, "record", found, where)
    if warning is not None:
        notes.append(warning)
    canonical = json.dumps(row, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                           default=str)
    return Document(
        title=title,
        date=date,
        date_from="record",
        source=mapping.source,
        dateline=dateline[0] if dateline else None,
        paragraphs=paragraphs,
        capture=Capture(file=rel, source_url=_value(row, mapping, "url"), captured=None,
                        sha256=hashlib.sha256(canonical.encode("utf-8", "surrogatepass"))
                        .hexdigest()),
        found_dates=tuple(found),
        origin=f"{rel}: {where}",
        issuer=_value(row, mapping, "issuer"),
        publisher=_LANGUAGE.sub("", mapping.source) or mapping.source,
    )


def _cleaned(row: dict[str, Any], where: str, notes: list[Note]) -> dict[str, Any]:
    """``row`` with each character that cannot be written as UTF-8 (``_SURROGATE``) made
    U+FFFD, and a warning that says so."""
    dirty = [key for key, value in row.items() if isinstance(value, str)
             and _SURROGATE.search(value)]
    if not dirty:
        return row
    notes.append(Warned(f"{', '.join(repr(key) for key in dirty)[:200]} holds bytes that are "
                        "not UTF-8 (or an escaped lone surrogate); each was replaced by U+FFFD",
                        where, "save the dataset as UTF-8"))
    return {key: _SURROGATE.sub("\ufffd", value) if key in dirty else value
            for key, value in row.items()}


def read_date(value: Any, date_format: str | None = None) -> dt.date | None:
    """A record's date: by ``date_format`` if given, else an ISO date, an ISO date-time (the
    day as written) or epoch milliseconds (the day in UTC); None if it is none of them."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return _epoch_ms(value)
    text = str(value).strip()
    if not text:
        return None
    if date_format:
        try:
            return dt.datetime.strptime(text, date_format).date()
        except ValueError:
            return None
    if _EPOCH.match(text):
        return _epoch_ms(text)
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        return None


def _epoch_ms(value: float | str) -> dt.date | None:
    try:  # a JSON integer may be too long for a float (OverflowError)
        seconds = float(value) / 1000
        if not math.isfinite(seconds):
            return None
        return dt.datetime.fromtimestamp(seconds, tz=dt.UTC).date()
    except (OverflowError, OSError, ValueError):
        return None


def split_paragraphs(text: str) -> tuple[str, ...]:
    """A text's paragraphs: split at blank lines if it has any (the lines of one paragraph
    are then joined), else at line breaks."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _BLANK_LINE.search(text):
        parts = (_SPACE.sub(" ", part) for part in _BLANK_LINE.split(text))
    else:
        parts = iter(text.split("\n"))
    return tuple(part.strip() for part in parts if part.strip())


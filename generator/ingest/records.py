"""JSON record dumps, as written by scrapers of KCNA's site.

The file is a JSON array of records::

    {"topic": "External", "headline": "Press Statement of ...",
     "link": "http://www.kcna.kp/en/article/q/....kcmsf",
     "date": 1703376000000, "date_str": "2023-12-24",
     "story_text": "Pyongyang, December 24 (KCNA) -- ...\\nSecond paragraph ..."}

Real dumps are messy: headlines carry junk after a newline
(``"Title\\n\\n[Juche113.1.2.]"``, runs of tabs) or end in a bracketed date
(``"Title [Juche113.1.2.]"``), ``date`` is in epoch milliseconds, photo and video items have
no text (they are kept as title-only entries), and the same article appears
under several links and topics (merged later, by ``identity``). A bad record
is skipped with a note naming it; the rest of the file is imported.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
from typing import Any

from ..engine.guards import split_url
from ..model import dates
from ..model.documents import Capture, Document, FoundDate
from .decode import RawSource
from .errors import Note, ParseError, Skipped, Warned

NAME = "records"

_SPACE = re.compile(r"\s+")
_SURROGATE = re.compile("[\ud800-\udfff]")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")

#: Outlet names for the hosts dumps come from, spelled as KCNA Watch spells them.
OUTLETS = {"kcna.kp": "KCNA.kp"}


def detect(text: str) -> bool:
    """True when ``text`` looks like a JSON array (or object) of records."""
    return text.lstrip("\ufeff \t\n").startswith(("[", "{"))


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a valid JSON number")


def _load(text: str) -> list[Any]:
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise ParseError(
            f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}",
            "is the file truncated?" if exc.pos >= len(text.rstrip()) - 1 else "",
        ) from None
    except RecursionError:
        raise ParseError("not usable JSON: it is nested too deeply") from None
    except ValueError as exc:
        raise ParseError(f"not valid JSON: {exc}") from None
    if isinstance(data, dict) and isinstance(data.get("records"), list):
        data = data["records"]
    if not isinstance(data, list):
        raise ParseError("a record dump must be a JSON array of records")
    return data


def outlet_for(link: str | None) -> str:
    """The outlet's name from a record's link: ``KCNA.kp (En)`` for kcna.kp's English pages."""
    if not link:
        return "unknown outlet"
    parts = split_url(link)
    if parts is None:  # not a URL (``http://[::1``): its record is kept, its outlet unknown
        return "unknown outlet"
    host = (parts.hostname or "").removeprefix("www.")
    name = OUTLETS.get(host, host or "unknown outlet")
    language = parts.path.strip("/").split("/", 1)[0]
    if host in OUTLETS and len(language) == 2 and language.isalpha():
        name += f" ({language.capitalize()})"
    return name


def _clean(value: str, where: str, field: str, notes: list[Note]) -> str:
    """Replace lone surrogates (which cannot be written as UTF-8) and say so."""
    if _SURROGATE.search(value):
        notes.append(Warned(f"{field} has invalid UTF-16 surrogates; they were replaced by U+FFFD",
                            where))
        return _SURROGATE.sub("\ufffd", value)
    return value


def _record_sha256(record: dict[str, Any]) -> str:
    canonical = json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def _parse_record(raw: RawSource, index: int, record: Any, notes: list[Note]) -> Document:
    where = f"record {index}"
    if not isinstance(record, dict):
        raise ParseError(f"is a {type(record).__name__}, not an object", where=where)
    title, junk = _title(record, where, notes)
    found: list[FoundDate] = []
    date, date_from = _record_date(record, where, notes, found)
    for finder in (dates.find_juche, dates.find_bracket_gregorian):
        in_junk = finder(junk)
        if in_junk is not None and in_junk[0] is not None:
            found.append(FoundDate("headline", in_junk[0], in_junk[1]))
    paragraphs = _paragraphs(record, where, notes)
    dateline = _dateline(paragraphs, date, found)
    others = [f for f in found if f.date != date]
    if others:
        notes.append(Warned(
            f"dates disagree: kept {date.isoformat()} "
            f"({'date_str' if date_from == 'record' else 'date, its timestamp'}); "
            + "; ".join(f"{f.kind} {f.text!r} says {f.date.isoformat()}" for f in others),
            where,
        ))

    link = record.get("link")
    link = _clean(link, where, "link", notes).strip() if isinstance(link, str) else None
    topic = record.get("topic")
    topics = (_SPACE.sub(" ", topic).strip(),) if isinstance(topic, str) and topic.strip() else ()

    return Document(
        title=title,
        date=date,
        date_from=date_from,
        source=outlet_for(link),
        dateline=dateline,
        paragraphs=paragraphs,
        capture=Capture(file=raw.rel, source_url=link or None, captured=None,
                        sha256=_record_sha256(record)),
        found_dates=tuple(found),
        topics=topics,
        origin=f"{raw.rel}: {where}",
        order=index,
    )


def _title(record: dict[str, Any], where: str, notes: list[Note]) -> tuple[str, str]:
    """The record's title, and what followed it in the headline (where a date may be)."""
    headline = record.get("headline")
    if not isinstance(headline, str) or not headline.strip():
        raise ParseError("has no headline", where=where)
    headline = _clean(headline, where, "headline", notes)
    title_line, _, junk = headline.strip().partition("\n")
    # A date in brackets ends some headlines, on their line or the next: not the title's.
    title, bracket = dates.split_trailing_bracket(_SPACE.sub(" ", title_line).strip())
    if not title:
        raise ParseError("has an empty headline", where=where)
    return title, f"{bracket}\n{junk}"


def _record_date(record: dict[str, Any], where: str, notes: list[Note],
                 found: list[FoundDate]) -> tuple[dt.date, str]:
    """The record's date and where it was read from: its ``date_str``, or else its
    timestamp (``date``, in epoch milliseconds); a timestamp that names another day goes
    into ``found``."""
    date = None
    date_str = record.get("date_str")
    no_day = None  # a date_str that names no real day (2024-02-30)
    if isinstance(date_str, str) and _DAY.match(date_str.strip()):
        date = dates.make_date(*map(int, date_str.strip().split("-")))
        no_day = date_str.strip() if date is None else None
    epoch = record.get("date")
    epoch_date = _epoch_date(epoch)
    if date is None:
        if epoch_date is None:
            raise ParseError(
                f"has no usable date (date_str {no_day!r} names no real day, and there is no "
                "timestamp)" if no_day else "has no usable date (neither date_str nor date)",
                where=where)
        if no_day:
            notes.append(Warned(f"date_str {no_day!r} names no real day: kept "
                                f"{epoch_date.isoformat()}, from its timestamp (date)", where))
        return epoch_date, "record-timestamp"
    if epoch_date is not None and epoch_date != date:
        found.append(FoundDate("record-timestamp", epoch_date, str(epoch)))
    return date, "record"


def _epoch_date(epoch: object) -> dt.date | None:
    """The day (UTC) of a timestamp in epoch milliseconds; None if it is not one."""
    if isinstance(epoch, int | float) and not isinstance(epoch, bool) and math.isfinite(epoch):
        try:
            return dt.datetime.fromtimestamp(epoch / 1000, tz=dt.UTC).date()
        except (OverflowError, OSError, ValueError):
            return None
    return None


def _paragraphs(record: dict[str, Any], where: str, notes: list[Note]) -> tuple[str, ...]:
    """The paragraphs of the record's ``story_text`` (none for a photo or video item)."""
    text = record.get("story_text")
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise ParseError(f"story_text is a {type(text).__name__}, not a string", where=where)
    text = _clean(text, where, "story_text", notes)
    return tuple(line.strip() for line in text.replace("\r\n", "\n").split("\n")
                 if line.strip())


def _dateline(paragraphs: tuple[str, ...], date: dt.date, found: list[FoundDate]
              ) -> str | None:
    """The dateline that opens the text, if any; the day it names goes into ``found``."""
    if not paragraphs:
        return None
    parsed = dates.parse_dateline(paragraphs[0])
    if parsed is None:
        return None
    dateline, month, day = parsed
    resolved = dates.nearest_year(month, day, date)
    if resolved is not None:
        found.append(FoundDate("dateline", resolved, dateline))
    return dateline


def parse(raw: RawSource) -> tuple[list[Document], list[Note]]:
    """Parse every record; a bad record becomes a ``Skipped`` note, not a failure."""
    records = _load(raw.text)
    documents: list[Document] = []
    notes: list[Note] = []
    for index, record in enumerate(records):
        try:
            documents.append(_parse_record(raw, index, record, notes))
        except ParseError as exc:
            notes.append(Skipped(exc.reason, exc.where or f"record {index}", exc.hint))
    return documents, notes

"""KCNA Watch pages saved as text: the reference capture format.

A capture looks like this (``|`` marks the left margin)::

    |January 24, 2025                      <- page header: the capture date (may come doubled)
    |KCNA KCNA.kp (En)                     <- page header: agency and outlet
    |
    |Title of the Statement
    |
    |Date: 22/09/2022 | Source: KCNA.kp (En) | Read original version at source
    |
    |NK News is hiring                     <- advert (optional)
    |
    |Pyongyang, September 22 (KCNA) -- First paragraph ...
    |...
    |www.kcna.kp (Juche111.9.22.)          <- footer with the Juche date
    |
    |More From KCNA.kp (En)                <- list of other articles, to the end
    |...
    |More Articles

Everything but the title, the dates, the outlet and the body paragraphs is
page furniture and is dropped. Each line of the body is one paragraph, kept
exactly as written. A shorter save of the page may lack the ``Date:`` line, the
advert and the ``More From`` list: the page header and the footer then give
the outlet and the date (the build says so).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import NamedTuple

from ..model import dates
from ..model.documents import Capture, Document, FoundDate
from .decode import RawSource
from .errors import Note, ParseError, Warned

NAME = "kcnawatch"

#: Lines that are page furniture wherever they stand.
_FURNITURE = frozenset({"NK News is hiring", "Read original version at source", "More Articles"})
_MORE_FROM = re.compile(r"^More From\s+(?P<outlet>.+?)\s*$")
_FOOTER = re.compile(r"^(?P<site>\S{1,100})\s*\((?P<juche>Juche\s?\d{1,3}[.\d]{0,8})\)$")
_JUCHE_YEAR = re.compile(r"Juche\s?(?P<y>\d{1,3})")
#: The page header's second line names the agency, then the outlet: ``KCNA KCNA.kp (En)``.
_AGENCY_LINE = "KCNA "


def detect(text: str) -> bool:
    """True when ``text`` looks like a KCNA Watch page saved as text: a ``Date:`` line near
    the top, or the page header (a capture date line) with the agency's outlet line under
    it, a ``More From`` list or a Juche footer (a shorter save of the page)."""
    head = text[:20000].split("\n", 60)[:60]
    for line in head:
        if dates.parse_date_line(line) is not None:
            return True
    lines = [line.strip() for line in head if line.strip()]
    if not lines or not dates.is_header_date_line(lines[0]):
        return False
    return ((len(lines) > 1 and lines[1].startswith(_AGENCY_LINE))
            or any(_MORE_FROM.match(x) or _FOOTER.match(x) for x in lines))


def is_footer(line: str) -> bool:
    """True for the footer that ends an article: ``www.kcna.kp (Juche111.9.22.)``."""
    return _FOOTER.match(line.strip()) is not None


def is_more_from(line: str) -> bool:
    """True for the line that starts the list of other articles after one."""
    line = line.strip()
    return _MORE_FROM.match(line) is not None or line == "More Articles"


def _blocks(lines: list[str]) -> list[list[str]]:
    """Runs of consecutive non-blank lines."""
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in lines:
        if line.strip():
            current.append(line.strip())
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _page(lines: list[str]) -> tuple[list[str], str | None]:
    """The page before its ``More From ...`` list (or ``More Articles``), and the outlet
    the list names."""
    for index, line in enumerate(lines):
        match = _MORE_FROM.match(line.strip())
        if match or line.strip() == "More Articles":
            return lines[:index], match["outlet"] if match else None
    return lines, None


def _header(blocks: list[list[str]]) -> tuple[dt.date | None, str | None]:
    """Take the page header off ``blocks``: the capture date and the outlet it names
    (``KCNA KCNA.kp (En)``: the agency, then the outlet)."""
    if not blocks or not dates.is_header_date_line(blocks[0][0]):
        return None, None
    header = blocks.pop(0)
    outlet = None
    if len(header) > 1:
        words = header[1].split(maxsplit=1)
        outlet = words[1] if len(words) == 2 else words[0]
    return dates.parse_header_date(header[0]), outlet


class _DateLine(NamedTuple):
    date: dt.date | None
    source: str | None


def _title_and_date_line(lines: list[str], notes: list[Note]
                         ) -> tuple[str, _DateLine | None, list[str]]:
    """The title, the ``Date: ... | Source: ...`` line under it (None: none) and the body,
    without the furniture between them."""
    title = lines.pop(0)
    if dates.parse_date_line(title) is not None:
        raise ParseError("the page has a Date line but no title before it")
    date_line = None
    while lines and (lines[0] in _FURNITURE or dates.parse_date_line(lines[0]) is not None):
        parsed = dates.parse_date_line(lines.pop(0))
        if parsed is not None:
            date_line = _DateLine(*parsed)
            if date_line.date is None:
                notes.append(Warned("the Date line names no real day; it is ignored"))
    return title, date_line, [line for line in lines if line not in _FURNITURE]


class _Footer(NamedTuple):
    date: dt.date | None
    """The Juche date, when it names a real day."""
    text: str
    year: int | None
    """Its Gregorian year, even when the date is incomplete (``Juche114``)."""


def _footer(body: list[str]) -> _Footer | None:
    """Take the footer (``www.kcna.kp (Juche111.9.22.)``) off the end of ``body``."""
    footer = _FOOTER.match(body[-1]) if body else None
    if footer is None:
        return None
    body.pop()
    juche = dates.find_juche(footer["juche"])
    year = _JUCHE_YEAR.match(footer["juche"])
    return _Footer(juche[0] if juche else None, juche[1] if juche else footer["juche"],
                   int(year["y"]) + dates.JUCHE_OFFSET if year else None)


def _publication_date(date_line: _DateLine | None, footer: _Footer | None,
                      dateline: tuple[str, int, int] | None, notes: list[Note]
                      ) -> tuple[dt.date, str]:
    """The publication date and where it comes from: the Date line, else the Juche footer,
    else the dateline's day in the footer's year (saying which)."""
    if date_line is not None and date_line.date is not None:
        return date_line.date, "date-line"
    if footer is not None and footer.date is not None:
        notes.append(Warned(
            f"no 'Date:' line: the publication date {footer.date.isoformat()} is taken from the "
            f"Juche date {footer.text!r} in the footer"
        ))
        return footer.date, "juche"
    if footer is not None and footer.year is not None and dateline is not None:
        resolved = dates.make_date(footer.year, dateline[1], dateline[2])
        if resolved is None:
            raise ParseError(f"the dateline {dateline[0]!r} names no day in {footer.year}")
        notes.append(Warned(
            f"no 'Date:' line: the publication date {resolved.isoformat()} is taken from the "
            f"dateline {dateline[0]!r} and the Juche year in the footer"
        ))
        return resolved, "dateline+juche-year"
    raise ParseError(
        "no publication date: no 'Date: DD/MM/YYYY' line and no Juche date in the footer",
        "add a line 'Date: DD/MM/YYYY | Source: OUTLET' under the title",
    )


def _found_dates(date: dt.date, date_line: _DateLine | None, footer: _Footer | None,
                 dateline: tuple[str, int, int] | None) -> list[FoundDate]:
    """Every date the page gives: the Date line's, the footer's, the dateline's (its year
    the one nearest the publication date)."""
    found = []
    if date_line is not None and date_line.date is not None:
        found.append(FoundDate("date-line", date_line.date, f"{date_line.date:%d/%m/%Y}"))
    if footer is not None and footer.date is not None:
        found.append(FoundDate("juche", footer.date, footer.text))
    if dateline is not None:
        resolved = dates.nearest_year(dateline[1], dateline[2], date)
        if resolved is not None:
            found.append(FoundDate("dateline", resolved, dateline[0]))
    return found


def disagreement(date: dt.date, date_from: str, found: list[FoundDate], where: str = ""
                 ) -> Warned | None:
    """The warning that the dates a capture gives disagree with the one kept, if they do."""
    others = [f for f in found if f.date != date]
    if not others:
        return None
    return Warned(
        f"dates disagree: kept {date.isoformat()} ({date_from}); "
        + "; ".join(f"{f.kind} {f.text!r} says {f.date.isoformat()}" for f in others), where)


def parse(raw: RawSource) -> tuple[list[Document], list[Note]]:
    """Parse one capture into one ``Document`` (and the warnings it raised)."""
    notes: list[Note] = []
    page, more_from_outlet = _page(raw.text.split("\n"))
    blocks = _blocks(page)
    if not blocks:
        raise ParseError("there is no text before the 'More From' list", "is this a KCNA Watch page?")
    captured, header_outlet = _header(blocks)
    if not blocks:
        raise ParseError("there is no title after the page header")
    title, date_line, body = _title_and_date_line([x for block in blocks for x in block], notes)
    footer = _footer(body)
    source = (date_line.source if date_line else None) or more_from_outlet or header_outlet
    if source is None:
        raise ParseError(
            "no outlet found (no 'Date: ... | Source: ...' line, page header or 'More From' list)",
            "add a line 'Date: DD/MM/YYYY | Source: OUTLET' under the title",
        )
    dateline = dates.parse_dateline(body[0]) if body else None
    date, date_from = _publication_date(date_line, footer, dateline, notes)
    found = _found_dates(date, date_line, footer, dateline)
    warning = disagreement(date, date_from, found)
    if warning is not None:
        notes.append(warning)
    document = Document(
        title=title,
        date=date,
        date_from=date_from,
        source=source,
        dateline=dateline[0] if dateline else None,
        paragraphs=tuple(body),
        capture=Capture(file=raw.rel, source_url=None, captured=captured, sha256=raw.sha256),
        found_dates=tuple(f for f in found if f.kind != date_from),
        origin=raw.rel,
    )
    return [document], notes

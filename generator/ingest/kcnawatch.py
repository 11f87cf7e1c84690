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
exactly as written.
"""

from __future__ import annotations

import re

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


def detect(text: str) -> bool:
    """True when ``text`` looks like a KCNA Watch page saved as text."""
    head = text[:20000].split("\n", 60)[:60]
    for line in head:
        if dates.parse_date_line(line) is not None:
            return True
    first = next((line for line in head if line.strip()), "")
    return dates.is_header_date_line(first) and any(_MORE_FROM.match(x) for x in head)


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


def parse(raw: RawSource) -> tuple[list[Document], list[Note]]:
    """Parse one capture into one ``Document`` (and the warnings it raised)."""
    warnings: list[Note] = []
    lines = raw.text.split("\n")

    # The page ends at "More From ..." (the list of other articles).
    end = len(lines)
    more_from_outlet = None
    for index, line in enumerate(lines):
        match = _MORE_FROM.match(line.strip())
        if match or line.strip() == "More Articles":
            end = index
            more_from_outlet = match["outlet"] if match else None
            break
    blocks = _blocks(lines[:end])
    if not blocks:
        raise ParseError("there is no text before the 'More From' list", "is this a KCNA Watch page?")

    # The page header: capture date(s) and the agency/outlet line.
    captured = None
    header_outlet = None
    if dates.is_header_date_line(blocks[0][0]):
        header = blocks.pop(0)
        captured = dates.parse_header_date(header[0])
        if len(header) > 1:
            words = header[1].split(maxsplit=1)
            header_outlet = words[1] if len(words) == 2 else words[0]
    if not blocks:
        raise ParseError("there is no title after the page header")

    # Flatten to lines: title first, then the Date line and furniture, then the body.
    rest = [line for block in blocks for line in block]
    title = rest.pop(0)
    if dates.parse_date_line(title) is not None:
        raise ParseError("the page has a Date line but no title before it")

    date_line_date = None
    source = None
    while rest and (rest[0] in _FURNITURE or dates.parse_date_line(rest[0]) is not None):
        parsed = dates.parse_date_line(rest.pop(0))
        if parsed is not None:
            date_line_date, source = parsed
            if date_line_date is None:
                warnings.append(Warned("the Date line names no real day; it is ignored"))
    body = [line for line in rest if line not in _FURNITURE]

    # The footer: "www.kcna.kp (Juche111.9.22.)".
    juche = None
    juche_year = None
    if body:
        footer = _FOOTER.match(body[-1])
        if footer:
            body.pop()
            juche = dates.find_juche(footer["juche"])
            year = _JUCHE_YEAR.match(footer["juche"])
            juche_year = int(year["y"]) + dates.JUCHE_OFFSET if year else None

    if source is None:
        source = more_from_outlet or header_outlet
        if source is None:
            raise ParseError(
                "no outlet found (no 'Date: ... | Source: ...' line, page header or 'More From' list)",
                "add a line 'Date: DD/MM/YYYY | Source: OUTLET' under the title",
            )

    found: list[FoundDate] = []
    dateline_text = None
    dateline_parts = dates.parse_dateline(body[0]) if body else None
    if juche is not None and juche[0] is not None:
        found.append(FoundDate("juche", juche[0], juche[1]))

    if date_line_date is not None:
        date, date_from = date_line_date, "date-line"
        found.insert(0, FoundDate("date-line", date_line_date, f"{date_line_date:%d/%m/%Y}"))
    elif juche is not None and juche[0] is not None:
        date, date_from = juche[0], "juche"
        warnings.append(Warned(
            f"no 'Date:' line: the publication date {date.isoformat()} is taken from the "
            f"Juche date {juche[1]!r} in the footer"
        ))
    elif juche_year is not None and dateline_parts is not None:
        resolved = dates.make_date(juche_year, dateline_parts[1], dateline_parts[2])
        if resolved is None:
            raise ParseError(f"the dateline {dateline_parts[0]!r} names no day in {juche_year}")
        date, date_from = resolved, "dateline+juche-year"
        warnings.append(Warned(
            f"no 'Date:' line: the publication date {date.isoformat()} is taken from the "
            f"dateline {dateline_parts[0]!r} and the Juche year in the footer"
        ))
    else:
        raise ParseError(
            "no publication date: no 'Date: DD/MM/YYYY' line and no Juche date in the footer",
            "add a line 'Date: DD/MM/YYYY | Source: OUTLET' under the title",
        )

    if dateline_parts is not None:
        dateline_text, month, day = dateline_parts
        resolved = dates.nearest_year(month, day, date)
        if resolved is not None:
            found.append(FoundDate("dateline", resolved, dateline_text))

    others = [f for f in found if f.date != date]
    if others:
        warnings.append(Warned(
            f"dates disagree: kept {date.isoformat()} ({date_from}); "
            + "; ".join(f"{f.kind} {f.text!r} says {f.date.isoformat()}" for f in others)
        ))

    document = Document(
        title=title,
        date=date,
        date_from=date_from,
        source=source,
        dateline=dateline_text,
        paragraphs=tuple(body),
        capture=Capture(file=raw.rel, source_url=None, captured=captured, sha256=raw.sha256),
        found_dates=tuple(f for f in found if f.kind != date_from),
        origin=raw.rel,
    )
    return [document], warnings

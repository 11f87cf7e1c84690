"""The date notations found in captures, each read by one small function.

- ``Date: 22/09/2022``: KCNA Watch's publication date, day first.
- ``January 24, 2025``: a KCNA Watch page header (the capture date), sometimes doubled.
- ``Pyongyang, September 22 (KCNA)``: a dateline, month and day only.
- ``Juche111.9.22.``: the Juche calendar (year 1 is 1912), in KCNA footers and headlines.
- ``[2024.02.11.]``: a Gregorian date in the same bracketed headline suffix.
- ``www.kcna.kp (2025.12.14.)``: a Gregorian date where a kcna.kp page shows its date
  (older pages show a Juche date there).

Every pattern here is linear in its input (no nested quantifiers), so a
hostile 1 MB line costs no more than reading it.
"""

from __future__ import annotations

import datetime as dt
import re

MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}

JUCHE_OFFSET = 1911
"""Juche year N is Gregorian year N + 1911 (Juche 1 = 1912)."""

_DATE_LINE = re.compile(
    r"^Date:\s*(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})\s*(?:\|\s*Source:\s*(?P<source>[^|\n]*?)\s*)?(?:\|.*)?$"
)
_HEADER_DATE = re.compile(r"(?P<month>[A-Z][a-z]{2,8})\s+(?P<day>\d{1,2}),\s+(?P<year>\d{4})")
_DATELINE = re.compile(
    r"^(?P<text>(?P<place>[A-Z][A-Za-z'.\- ]{0,40}),\s+(?P<month>[A-Z][a-z]{2,8})\.?\s+"
    r"(?P<day>\d{1,2})\s*\((?P<agency>[A-Za-z][A-Za-z. ]{0,30})\))"
)
_JUCHE = re.compile(r"Juche\s?(?P<y>\d{1,3})\.(?P<m>\d{1,2})\.(?P<d>\d{1,2})\.?")
_BRACKET_GREGORIAN = re.compile(r"\[(?P<y>\d{4})\.(?P<m>\d{1,2})\.(?P<d>\d{1,2})\.?\]")
_DOTTED_GREGORIAN = re.compile(r"(?<!\d)(?P<y>\d{4})\.(?P<m>\d{1,2})\.(?P<d>\d{1,2})\.?")
#: A headline's trailing bracketed date: ``Title [Juche113.1.2.]``, ``Title [2024.02.11.]``.
_TRAILING_BRACKET = re.compile(r"\s*\[(?:Juche\s?\d{1,3}|\d{4})\.\d{1,2}\.\d{1,2}\.?\]\s*$")


def make_date(year: int, month: int, day: int) -> dt.date | None:
    """The date, or None when the numbers name no day (31 February)."""
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def month_number(name: str) -> int | None:
    return MONTHS.get(name.lower().rstrip("."))


def parse_date_line(line: str) -> tuple[dt.date | None, str | None] | None:
    """Read ``Date: DD/MM/YYYY | Source: OUTLET | ...``.

    Returns None when ``line`` is not a date line; otherwise ``(date, source)``
    where ``date`` is None if the numbers name no real day.
    """
    match = _DATE_LINE.match(line.strip())
    if not match:
        return None
    date = make_date(int(match["y"]), int(match["m"]), int(match["d"]))
    source = (match["source"] or "").strip() or None
    return date, source


def parse_header_date(line: str) -> dt.date | None:
    """Read a page header date such as ``May 08, 2025`` (also when doubled)."""
    match = _HEADER_DATE.match(line.strip())
    if not match:
        return None
    month = month_number(match["month"])
    if month is None:
        return None
    return make_date(int(match["year"]), month, int(match["day"]))


def is_header_date_line(line: str) -> bool:
    """True for a line made only of one or more header dates (``May 08, 2025May 08, 2025``)."""
    stripped = line.strip()
    return bool(stripped) and not _HEADER_DATE.sub("", stripped).strip() and parse_header_date(
        stripped
    ) is not None


def parse_dateline(paragraph: str) -> tuple[str, int, int] | None:
    """Read the dateline opening a body: ``Pyongyang, September 22 (KCNA)``.

    Returns ``(text, month, day)``; the year is not part of a dateline.
    """
    match = _DATELINE.match(paragraph)
    if not match:
        return None
    month = month_number(match["month"])
    day = int(match["day"])
    if month is None or not 1 <= day <= 31:
        return None
    return match["text"], month, day


def nearest_year(month: int, day: int, near: dt.date) -> dt.date | None:
    """The date with this month and day closest to ``near`` (a dateline near New Year)."""
    candidates = [make_date(near.year + delta, month, day) for delta in (-1, 0, 1)]
    real = [c for c in candidates if c is not None]
    if not real:
        return None
    return min(real, key=lambda c: (abs((c - near).days), c))


def find_juche(text: str) -> tuple[dt.date | None, str] | None:
    """The first Juche-calendar date in ``text``: ``(date or None, text as written)``."""
    match = _JUCHE.search(text)
    if not match:
        return None
    year = int(match["y"]) + JUCHE_OFFSET
    return make_date(year, int(match["m"]), int(match["d"])), match.group(0)


def find_bracket_gregorian(text: str) -> tuple[dt.date | None, str] | None:
    """A ``[2024.02.11.]`` date: ``(date or None, text as written)``."""
    match = _BRACKET_GREGORIAN.search(text)
    if not match:
        return None
    return make_date(int(match["y"]), int(match["m"]), int(match["d"])), match.group(0)


def find_dotted_gregorian(text: str) -> tuple[dt.date | None, str] | None:
    """A ``2025.12.14.`` date: ``(date or None, text as written)``."""
    match = _DOTTED_GREGORIAN.search(text)
    if not match:
        return None
    return make_date(int(match["y"]), int(match["m"]), int(match["d"])), match.group(0)


def split_trailing_bracket(title: str) -> tuple[str, str]:
    """``title`` without a trailing bracketed date (``[Juche113.1.2.]``), and that date's
    text ('' when there is none)."""
    match = _TRAILING_BRACKET.search(title)
    if match is None or match.start() == 0:
        return title, ""
    return title[:match.start()], match.group(0).strip()


def latest_on_or_before(month: int, day: int, limit: dt.date) -> dt.date | None:
    """The latest date with this month and day that is not after ``limit``: a dateline's
    year, when the page was captured on ``limit`` (29 February: up to eight years back)."""
    for year in range(limit.year, limit.year - 9, -1):
        candidate = make_date(year, month, day)
        if candidate is not None and candidate <= limit:
            return candidate
    return None

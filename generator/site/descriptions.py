"""What each page says of itself to search engines and link previews: the text of its
``<meta name="description">``.

A statement's is its opening words; a listing's says what it lists. Each is plain
text of at most ``LIMIT`` characters (templates escape it), made only from what the
page shows, so that the page's key, which covers what it shows, covers it too.
"""

from __future__ import annotations

import datetime as dt
import re

from ..model.archive import Facet, Month, Year
from ..model.documents import Statement
from .theme import MONTH_NAMES

#: Characters a description holds at most (about what a search engine shows of one).
LIMIT = 160

# Control characters (C0 but tab and line breaks, DEL, C1) and the non-characters that
# HTML forbids: a body written by hand may hold them; a description is one line of text.
_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff]")


def clip(text: str, limit: int = LIMIT) -> str:
    """``text`` on one line, cut after a whole word with ``…`` when longer than ``limit``."""
    text = " ".join(_NOT_TEXT.sub(" ", text).split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit - 1]
    return cut.rstrip(" ,;:.-\u2013\u2014") + "\u2026"


def _date(value: dt.date) -> str:
    return f"{value.day} {MONTH_NAMES[value.month - 1]} {value.year}"


def _statements(n: int) -> str:
    return f"{n:,} statement{'s' * (n != 1)}"


def statement(statement: Statement, text: str) -> str:
    """A statement's opening words (``text``: its body as plain text); for one without
    text (a photo or video item), its title and date."""
    if text.strip():
        return clip(text)
    return clip(f"{statement.title} ({_date(statement.date)}; title only, no text captured)")


def version(statement: Statement, number: int, total: int, text: str) -> str:
    """A version's page: which version it is, then its opening words."""
    return clip(f"Version {number} of {total}, as captured: {text.strip() or statement.title}")


def comparison(statement: Statement, number: int, added: int, removed: int) -> str:
    return clip(f"How \u201c{statement.title}\u201d changed at source from version "
                f"{number - 1} to {number}: {added:,} word{'s' * (added != 1)} added, "
                f"{removed:,} removed, word by word.")


def altered(count: int) -> str:
    return clip(f"The {_statements(count)} altered at source after they were published, "
                "the latest change first, each with its versions and what changed.")


def redirect(statement: Statement) -> str:
    return clip(f"This address now leads to \u201c{statement.title}\u201d "
                f"({_date(statement.date)}), of which it was a version altered at source.")


def home(title: str, statements: int, issuers: int, first: dt.date | None,
         last: dt.date | None) -> str:
    span = f", {_date(first)} to {_date(last)}" if first and last else ""
    return clip(f"{title}: {_statements(statements)} from {issuers:,} "
                f"issuer{'s' * (issuers != 1)}{span}, to browse by date and by issuer, "
                "search, cite and download.")


def timeline(years: tuple[Year, ...] | list[Year], statements: int) -> str:
    if not years:
        return "The archive's statements by year and month: none yet."
    span = (f"{years[0].year} to {years[-1].year}" if len(years) > 1 else str(years[0].year))
    return clip(f"The archive's {_statements(statements)} by year and month, {span}, "
                "with a chart of statements per month.")


def year(year: Year) -> str:
    return clip(f"The {_statements(year.count)} of {year.year}, month by month, "
                "with a chart of statements per month.")


def month(month: Month, page: int = 1, pages: int = 1) -> str:
    part = f" (page {page} of {pages})" if pages > 1 else ""
    return clip(f"The {_statements(len(month.statements))} of "
                f"{MONTH_NAMES[month.month - 1]} {month.year}{part}, day by day, "
                "with their issuers.")


_WHAT = {"issuer": "issued", "organization": "by the organisation and its offices",
         "source": "carried", "kind": "in the archive"}


def _span(first: dt.date, last: dt.date) -> str:
    return _date(first) if first == last else f"{_date(first)} to {_date(last)}"


def facet(facet: Facet) -> str:
    """An issuer's, an organisation's, a source outlet's or a kind of statement's page."""
    span = f", {_span(facet.first.date, facet.last.date)}" if facet.count else ""
    return clip(f"{facet.name}: {_statements(facet.count)} {_WHAT[facet.kind]}{span}, "
                "with a chart of statements per year.")


def facet_year(facet: Facet, year: int) -> str:
    return clip(f"{facet.name} in {year}: {_statements(len(facet.in_year(year)))} "
                f"{_WHAT[facet.kind]}.")


def issuers(organizations: int, issuers: int) -> str:
    return clip(f"Who issued the statements: {organizations:,} "
                f"organisation{'s' * (organizations != 1)} and {issuers:,} "
                f"issuer{'s' * (issuers != 1)} (offices, roles and people), "
                "with their counts and first and last dates.")


def sources(outlets: int) -> str:
    return clip(f"Where the statements were carried: {outlets:,} "
                f"outlet{'s' * (outlets != 1)}, with their counts and first and last dates.")


def search(title: str) -> str:
    return clip(f"Search the statements of {title} by words, and filter them by issuer, "
                "organisation, kind, source and year.")


def data(title: str) -> str:
    return clip(f"The research data of {title}: every statement's metadata and full text "
                "to download, their schema as a Frictionless Data Package, and how to load "
                "them with pandas or R.")


def not_found(title: str) -> str:
    return clip(f"There is no page at this address in {title}: browse the statements by "
                "date or by issuer, or search them.")

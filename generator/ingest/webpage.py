"""Any other site's page: its main text, by a generic extractor (trafilatura).

trafilatura finds a page's title, its date (meta tags, ``<time>``, structured
data, the address; through htmldate) and its main text, without menus,
related links or footers. It is asked for precision over recall, and its date
search is kept to the page's markup (no guessing from dates in the text), so
that the same page gives the same statement whenever it is imported: the
latest date it accepts is the capture's (a fixed one for a page saved from a
browser, not today).

A page holds a statement when the extractor finds a title, a date and at
least ``MIN_WORDS`` words of prose (list items, like an index's links, are not
prose). A page without (an index, an error page, an "about" page) is counted
in the summary as a page without a statement, not imported as noise. Each
capture records that its text came from ``trafilatura``.
"""

from __future__ import annotations

import datetime as dt
import logging

from ..model import dates
from ..model.documents import Capture, Document, FoundDate
from . import kcnawatch, markup
from .errors import Counted, Note, Skipped
from .markup import Page

NAME = "trafilatura"
NO_STATEMENT = "pages without a statement skipped"

#: Fewer words of prose than this is not a statement: an error page says "not found" in
#: one or two sentences; the shortest press statements run to several.
MIN_WORDS = 30
#: The latest publication date accepted when the capture has no date (a saved page):
#: fixed, so that an import gives the same result whenever it runs.
_LATEST = "2099-12-31"

# trafilatura and htmldate log what they could not find; the import says it once, itself.
for _name in ("trafilatura", "htmldate", "courlan", "justext"):
    logging.getLogger(_name).addHandler(logging.NullHandler())
    logging.getLogger(_name).propagate = False


def parse(page: Page) -> tuple[list[Document], list[Note]]:
    """The statement of a page, if it holds one (else it is counted)."""
    # Imported when a page needs it: a build without web pages is spared its slow import.
    import trafilatura

    latest = page.captured + dt.timedelta(days=1) if page.captured else None
    try:
        found = trafilatura.bare_extraction(
            page.html, url=page.url, with_metadata=True, favor_precision=True,
            include_comments=False, include_images=False, include_links=False,
            deduplicate=False,
            date_extraction_params={"extensive_search": False, "original_date": True,
                                    "max_date": latest.isoformat() if latest else _LATEST})
    except Exception as exc:  # what a third party's parsers raise on a broken page varies
        return [], [Skipped(f"the page cannot be read ({type(exc).__name__}: "
                            f"{' '.join(str(exc).split())[:200]})", page.where)]
    title = markup.clean(getattr(found, "title", None) or "")
    lines = [markup.clean(x) for x in (getattr(found, "text", None) or "").split("\n")]
    paragraphs = [x for x in lines if x]
    if paragraphs and paragraphs[0].casefold() == title.casefold():
        paragraphs.pop(0)  # the headline, which it gives as the first line too
    date = _date(getattr(found, "date", None), latest)
    prose = sum(len(p.split()) for p in paragraphs if not p.startswith("- "))
    if not title or date is None or prose < MIN_WORDS:
        return [], [Counted(NO_STATEMENT)]
    site = markup.clean(getattr(found, "sitename", None) or "") or markup.host_of(page.url)
    dateline = dates.parse_dateline(paragraphs[0])
    found_dates = []
    notes: list[Note] = []
    if dateline is not None:
        resolved = dates.nearest_year(dateline[1], dateline[2], date)
        if resolved is not None:
            found_dates.append(FoundDate("dateline", resolved, dateline[0]))
    warning = kcnawatch.disagreement(date, "page-metadata", found_dates, page.where)
    if warning is not None:
        notes.append(warning)
    document = Document(
        title=title,
        date=date,
        date_from="page-metadata",
        source=site or "unknown outlet",
        dateline=dateline[0] if dateline else None,
        paragraphs=tuple(paragraphs),
        capture=Capture(file=page.file, source_url=page.url, captured=page.captured,
                        sha256=page.sha256, extractor=NAME),
        found_dates=tuple(found_dates),
        origin=page.origin,
        publisher=site or None,
    )
    return [document], notes


def _date(text: object, latest: dt.date | None) -> dt.date | None:
    """The extractor's ``YYYY-MM-DD`` date, if it is one and not after ``latest``."""
    try:
        date = dt.date.fromisoformat(str(text)[:10]) if text else None
    except ValueError:
        return None
    return date if date is not None and (latest is None or date <= latest) else None

"""kcna.kp article pages, in the site's two layouts.

- **Older** (``/en/article/q/<hash>.kcmsf``): the title is ``div.article-main-title``,
  the paragraphs are the ``<p>`` of ``div.article-content-body div.content-wrapper``,
  and ``span.publish-time`` reads ``www.kcna.kp (Juche113.3.9.)`` (later pages:
  ``www.kcna.kp (2025.12.14.)``). The menu, the media links (``.media-icon``) and
  the lists of other articles (``ul.article-link``) are not part of the text.
- **Newer** (``/en/article/detail/<hex>``): ``<article>`` holds an ``<h1>`` (or the
  page does) and the ``<p>`` paragraphs, and the page shows no date: it is the dateline's day
  (``Pyongyang, September 10 (KCNA)``) in the year of the capture, or the year
  before when that day is after the capture (``date_from: dateline+capture-year``).

Leaders' names are set in ``<nobr><span class='fSpecCs'>``; their text keeps the
spaces around it (``markup.text_of``). A kcna.kp page of neither layout (the home
page, a list of articles, a photo gallery) holds no statement and is counted.
"""

from __future__ import annotations

import datetime as dt

import lxml.html

from ..model import dates
from ..model.documents import Capture, Document, FoundDate
from . import kcnawatch, markup, records
from .errors import Counted, Note, Skipped, Warned
from .markup import Page

NAME = "kcna.kp"
NO_STATEMENT = "pages without a statement skipped"


def recognises(page: Page, tree: lxml.html.HtmlElement) -> bool:
    """A page of kcna.kp: by its address, or by the older layout's markup."""
    host = markup.host_of(page.url)
    return host == "kcna.kp" or host.endswith(".kcna.kp") or bool(
        markup.with_class(tree, "div", "article-main-title"))


def parse(page: Page, tree: lxml.html.HtmlElement) -> tuple[list[Document], list[Note]]:
    """The article of a kcna.kp page (none: a page of another kind, counted)."""
    title_div = markup.with_class(tree, "div", "article-main-title")
    if title_div:
        return _older(page, tree, title_div[0])
    articles = tree.xpath("//article")
    headings = [*(articles[0].xpath(".//h1") if articles else ()), *tree.xpath("//h1")]
    if articles and headings:
        return _newer(page, articles[0], headings[0])
    return [], [Counted(NO_STATEMENT)]


def _older(page: Page, tree: lxml.html.HtmlElement, title_div: lxml.html.HtmlElement
           ) -> tuple[list[Document], list[Note]]:
    title = markup.text_of(title_div)
    if not title:
        return [], [Counted(NO_STATEMENT)]
    for furniture in (*markup.with_class(tree, "*", "media-icon"),
                      *markup.with_class(tree, "ul", "article-link")):
        furniture.drop_tree()  # (the lists of other articles show their dates too)
    bodies = markup.with_class(tree, "div", "article-content-body")
    wrapper = next(iter(markup.with_class(bodies[0] if bodies else tree, "div",
                                          "content-wrapper")), None)
    shown = _shown_date(tree, wrapper)
    paragraphs = _paragraphs(wrapper) if wrapper is not None else []
    notes: list[Note] = []
    found: list[FoundDate] = []
    date, date_from = None, ""
    for finder, kind in ((dates.find_juche, "juche"),
                         (dates.find_dotted_gregorian, "publish-time")):
        read = finder(shown)
        if read is not None and read[0] is not None:
            date, date_from = read[0], kind
            found.append(FoundDate(kind, read[0], read[1]))
            break
        if read is not None:  # (Juche113.2.30.)
            notes.append(Warned(f"the date the page shows, {read[1]!r}, names no real day: "
                                "the dateline's is taken instead", page.where))
    if date is None:  # no date shown: the dateline's, as the newer layout has it
        date, date_from = _from_dateline(page, paragraphs, notes)
        if date is None:
            return [], notes
    return [_document(page, title, paragraphs, date, date_from, found, notes)], notes


def _shown_date(tree: lxml.html.HtmlElement, wrapper: lxml.html.HtmlElement | None) -> str:
    """The text of the article's ``span.publish-time`` (the one in its text, if it has one),
    each taken out of the text."""
    spans = markup.with_class(tree, "span", "publish-time")
    mine = [span for span in spans if wrapper is not None and wrapper in span.iterancestors()]
    shown = markup.text_of((mine or spans)[0]) if spans else ""
    for span in spans:
        span.drop_tree()  # (its tail, if any, stays)
    return shown


def _newer(page: Page, article: lxml.html.HtmlElement, heading: lxml.html.HtmlElement
           ) -> tuple[list[Document], list[Note]]:
    """``<article>``'s paragraphs under its ``<h1>`` (or the page's, if it has none)."""
    title = markup.text_of(heading)
    heading.drop_tree()
    if not title:
        return [], [Counted(NO_STATEMENT)]
    paragraphs = _paragraphs(article)
    notes: list[Note] = []
    date, date_from = _from_dateline(page, paragraphs, notes)
    if date is None:
        return [], notes
    return [_document(page, title, paragraphs, date, date_from, [], notes)], notes


def _paragraphs(container: lxml.html.HtmlElement) -> list[str]:
    """The text of each ``<p>`` under ``container``, but those that are only a link (to the
    article's photos or video)."""
    paragraphs = []
    for p in container.iter("p"):
        text = markup.text_of(p)
        if text and (p.find(".//a") is None
                     or text != markup.clean("".join(t for a in p.iter("a") for t in a.itertext()))):
            paragraphs.append(text)
    return paragraphs


def _from_dateline(page: Page, paragraphs: list[str], notes: list[Note]
                   ) -> tuple[dt.date | None, str]:
    """The dateline's day in the year of the capture (the year before, if that day is after
    the capture: a WARC's date is UTC, a day behind Pyongyang at most)."""
    dateline = dates.parse_dateline(paragraphs[0]) if paragraphs else None
    if dateline is None:
        notes.append(Skipped("the page shows no date and its text opens with no dateline "
                             "('Pyongyang, September 10 (KCNA)')", page.where))
        return None, ""
    if page.captured is None:
        notes.append(Skipped(
            f"the page shows no date, and its dateline {dateline[0]!r} has no year: the year "
            "comes from the capture date, which a page saved from a browser does not have",
            page.where, "import it from a web archive (WARC or WACZ), which dates it"))
        return None, ""
    date = dates.latest_on_or_before(dateline[1], dateline[2], page.captured + dt.timedelta(days=1))
    if date is None:
        notes.append(Skipped(f"the dateline {dateline[0]!r} names no day", page.where))
        return None, ""
    return date, "dateline+capture-year"


def _document(page: Page, title: str, paragraphs: list[str], date: dt.date, date_from: str,
              found: list[FoundDate], notes: list[Note]) -> Document:
    dateline = dates.parse_dateline(paragraphs[0]) if paragraphs else None
    if dateline is not None and date_from != "dateline+capture-year":
        resolved = dates.nearest_year(dateline[1], dateline[2], date)
        if resolved is not None:
            found.append(FoundDate("dateline", resolved, dateline[0]))
    warning = kcnawatch.disagreement(date, date_from, found, page.where)
    if warning is not None:
        notes.append(warning)
    return Document(
        title=title,
        date=date,
        date_from=date_from,
        source=_outlet(page.url),
        dateline=dateline[0] if dateline else None,
        paragraphs=tuple(paragraphs),
        capture=Capture(file=page.file, source_url=page.url, captured=page.captured,
                        sha256=page.sha256, extractor=NAME),
        found_dates=tuple(f for f in found if f.kind != date_from),
        origin=page.origin,
    )


def _outlet(url: str | None) -> str:
    """``KCNA.kp (En)`` for kcna.kp's English pages (``KCNA.kp`` without a usable address)."""
    try:
        return records.outlet_for(url) if markup.host_of(url).endswith("kcna.kp") else "KCNA.kp"
    except ValueError:  # an address that does not parse
        return "KCNA.kp"

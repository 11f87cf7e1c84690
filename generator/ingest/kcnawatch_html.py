"""KCNA Watch article pages saved as HTML (or captured in a web archive).

A page saved as text (``kcnawatch``) is this page's text, line by line: the
title, the ``Date: 22/09/2022 | Source: KCNA.kp (En) | Read original version
at source`` line, the body, the ``www.kcna.kp (Juche111.9.22.)`` footer and
the ``More From ...`` list. So the HTML page is read as those lines, from its
title (its ``<h1>``) to the footer, and given to the text format's parser:
one reading of KCNA Watch's page, whichever way it was saved. The site's
menus and everything before the title are left out; a header date line
(``January 24, 2025``) above the title is kept as the capture date when the
page has no other (a page saved from a browser).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import lxml.html

from ..model import dates
from ..model.documents import Document
from . import kcnawatch, markup
from .decode import RawSource
from .errors import Counted, Note, ParseError, Skipped
from .markup import Page

NAME = "kcnawatch-html"
NO_STATEMENT = "pages without a statement skipped"
_HOSTS = ("kcnawatch.org", "kcnawatch.co")
#: Elements that are never the article: the site's menus and its side columns.
_CHROME = ("nav", "aside")


def recognises(page: Page, tree: lxml.html.HtmlElement) -> bool:
    """A KCNA Watch page: by its address, or by the site name it gives itself."""
    host = markup.host_of(page.url)
    if host in _HOSTS or host.endswith(tuple(f".{h}" for h in _HOSTS)):
        return True
    site = markup.meta_content(tree, "og:site_name", "application-name") or ""
    title = markup.clean(" ".join(tree.xpath("//title//text()")))
    return "kcna watch" in site.casefold() or title.casefold().endswith("kcna watch")


def parse(page: Page, tree: lxml.html.HtmlElement) -> tuple[list[Document], list[Note]]:
    """The article of a KCNA Watch page, read as the text format reads its saved text."""
    for chrome in tree.xpath(" | ".join(f"//{tag}" for tag in _CHROME)):
        chrome.drop_tree()
    lines = _joined(markup.lines_of(tree.body if tree.find("body") is not None else tree))
    start = _title_line(lines, [markup.text_of(h) for h in tree.xpath("//h1")])
    if start is None:
        return [], [Counted(NO_STATEMENT)]
    header = [line for line in lines[:start] if dates.is_header_date_line(line)][-1:]
    text = "\n\n".join([*header, *_up_to_footer(lines[start:])])
    raw = RawSource(path=Path(page.file), rel=page.file, text=text, sha256=page.sha256,
                    encoding="utf-8")
    try:
        documents, notes = kcnawatch.parse(raw)
    except ParseError as exc:
        return [], [Skipped(exc.reason, page.where, exc.hint)]
    return ([_as_page(document, page) for document in documents],
            [dataclasses.replace(note, where=page.where) for note in notes])


def _title_line(lines: list[str], headings: list[str]) -> int | None:
    """Where the title is: the last heading before the ``Date:`` line (else the line just
    before it, as in the text), or, on a page without one, the first heading that is not
    the site's name."""
    date_line = next((i for i, line in enumerate(lines) if dates.parse_date_line(line)), None)
    if date_line is not None:
        before = [i for i in range(date_line) if lines[i] in headings]
        if before:
            return before[-1]
        return date_line - 1 if date_line else None
    for index, line in enumerate(lines):
        if line in headings and line.casefold() != "kcna watch":
            return index
    return None


def _joined(lines: list[str]) -> list[str]:
    """``lines`` with the parts of a ``Date:`` line that a page sets apart (``Source: ...``,
    ``| Read original version at source``) joined to it again."""
    joined: list[str] = []
    for line in lines:
        if joined and dates.parse_date_line(joined[-1]) is not None and (
                line.startswith(("|", "Source:")) or line == "Read original version at source"):
            joined[-1] = f"{joined[-1]} | {line.lstrip('| ')}"
        else:
            joined.append(line)
    return joined


def _up_to_footer(lines: list[str]) -> list[str]:
    """The article's lines: up to its Juche footer, or its ``More From`` list."""
    for index, line in enumerate(lines):
        if kcnawatch.is_footer(line):
            return lines[:index + 1]
        if kcnawatch.is_more_from(line):
            return lines[:index]
    return lines


def _as_page(document: Document, page: Page) -> Document:
    """``document`` as a capture of ``page``: its file, address, date and checksum."""
    capture = document.capture._replace(
        file=page.file, source_url=page.url, sha256=page.sha256, extractor=NAME,
        captured=page.captured or document.capture.captured)
    return document._replace(capture=capture, origin=page.origin)

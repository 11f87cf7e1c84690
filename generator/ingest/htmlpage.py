"""Web pages: a page saved from a browser, and the dispatch every HTML page goes through.

A page saved as HTML names its address in the comment browsers put at its top
(``<!-- saved from url=(0046)https://... -->``): that address is the capture's
link. Whether saved or found in a web archive, a page goes to the parser of
its site's layout, tried in order, each recognising its pages by address or
markup: kcna.kp articles (``kcnakp``), KCNA Watch articles (``kcnawatch_html``),
and any other site's page through a generic main-text extractor
(``webpage``).
"""

from __future__ import annotations

import re
from types import ModuleType

from ..model.documents import Document
from . import kcnakp, kcnawatch_html, markup, webpage
from .decode import MAX_BYTES, RawSource, open_binary
from .errors import Counted, Note
from .markup import Page

NAME = "html"

#: Layouts tried in order before the generic extractor: each has ``recognises(page, tree)``
#: and ``parse(page, tree) -> (documents, notes)``.
SITES: tuple[ModuleType, ...] = (kcnakp, kcnawatch_html)

NO_STATEMENT = "pages without a statement skipped"
"""The count of pages that hold no statement (an index, an error page, a photo gallery)."""

#: The start of an HTML document: a doctype or an ``<html>`` tag, after comments (a
#: browser's ``saved from`` comment) and blank space.
_START = re.compile(r"^\ufeff?\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>])",
                    re.IGNORECASE | re.DOTALL)


def detect(text: str) -> bool:
    """True when ``text`` is an HTML page."""
    return _START.match(text[:65536]) is not None


def parse(raw: RawSource) -> tuple[list[Document], list[Note]]:
    """A page saved to disk: its statement, by its address (``saved from``) or markup."""
    text = raw.text
    if raw.encoding != "utf-8":  # not UTF-8: read it in the charset the page declares
        with open_binary(raw.path) as handle:
            text = markup.decode_html(handle.read(MAX_BYTES))
    tree = markup.parse(text)
    page = Page(html=text, url=markup.saved_from(tree), captured=None, file=raw.rel,
                sha256=raw.sha256, origin=raw.rel)
    return page_documents(page, tree)


def page_documents(page: Page, tree: object = None) -> tuple[list[Document], list[Note]]:
    """The statements of one web page (``tree``: the page already parsed, if it was)."""
    tree = tree if tree is not None else markup.parse(page.html)
    if tree is None:
        return [], [Counted(NO_STATEMENT)]
    for site in SITES:
        if site.recognises(page, tree):
            return site.parse(page, tree)
    return webpage.parse(page)

"""HTML pages, read with lxml: the page record the site parsers share, and their tools.

A web page reaches the parsers two ways, as a file saved from a browser
(``htmlpage``) or as a response inside a web archive (``warc``); both make a
``Page`` and hand it to ``htmlpage.page_documents``. The tools here decode a
page's bytes by the charset it declares, parse it, find elements by class, and
take the text of an element as a reader sees it: whitespace runs (non-breaking
spaces and line breaks in the source included) are one space, ``<br>`` is a
space, and a name set in its own element keeps the spaces around it (kcna.kp
sets leaders' names in ``<nobr><span class='fSpecCs'>``; scrapers that strip
each piece of text glue them to the words beside them).
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
from collections.abc import Iterator
from typing import NamedTuple
from urllib.parse import urlsplit

import lxml.html
from lxml import etree

#: Whitespace as a reader sees it: any run of it, non-breaking spaces included.
_SPACE = re.compile(r"[\s\u00a0\u200b\u2028\u2029\ufeff]+")
#: ``<meta charset="...">`` or ``<meta http-equiv="Content-Type" content="...; charset=...">``,
#: in the first bytes of a page (where the HTML standard says it must be).
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""",
                           re.IGNORECASE)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_SAVED_FROM = re.compile(r"^\s*saved from url=\((?P<n>\d{1,5})\)(?P<rest>\S.*)$", re.DOTALL)
#: Elements whose text is never page text: taken out of the tree as it is parsed.
_NEVER_TEXT = ("script", "style", "noscript", "template")
#: Elements whose text is not a page's lines (``lines_of``).
_NOT_TEXT = frozenset({*_NEVER_TEXT, "head", "title", "svg", "iframe", "object", "select",
                       "option", "button", "textarea"})
#: Elements that start a line of their own (the rest are inline).
_BLOCKS = frozenset({"address", "article", "aside", "blockquote", "body", "dd", "details", "div",
                     "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1",
                     "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol",
                     "p", "pre", "section", "summary", "table", "td", "th", "tr", "ul"})


class Page(NamedTuple):
    """A web page to read statements from, wherever it was captured."""

    html: str
    url: str | None
    """The page's address: the record's target URI, or the ``saved from`` comment."""
    captured: dt.date | None
    """When it was captured (the WARC record's date); None for a saved page."""
    file: str
    """The capture as ``Capture.file`` names it: ``crawl.warc.gz#1234`` or ``page.html``."""
    sha256: str
    where: str = ""
    """The record inside the file, for messages (``record at offset 1234 (https://...)``)."""
    origin: str = ""


def host_of(url: str | None) -> str:
    """The host of ``url`` without ``www.``, lower case ('' when there is none)."""
    try:
        return (urlsplit(url or "").hostname or "").removeprefix("www.")
    except ValueError:  # a malformed address ("http://[::1") names no host
        return ""


def decode_html(data: bytes, declared: str | None = None) -> str:
    """The text of a page's bytes: in the charset the server declared, else the one the
    page's byte-order mark or ``<meta>`` names, else UTF-8, else Windows-1252."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", "replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", "replace")
    codec = _codec(declared) or declared_charset(data)
    if codec is not None:
        return data.decode(codec, "replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


def declared_charset(data: bytes) -> str | None:
    """The codec of the charset a page's ``<meta>`` names in its first bytes (None: it names
    none, or none Python knows)."""
    meta = _META_CHARSET.search(data, 0, 4096)
    return _codec(meta.group(1).decode("ascii")) if meta else None


def _codec(name: str | None) -> str | None:
    """The Python codec of a charset label; browsers read latin-1 and ascii as cp1252."""
    if not name:
        return None
    try:
        codec = codecs.lookup(name.strip().strip("\"'")).name
    except LookupError:
        return None
    return "cp1252" if codec in ("latin-1", "iso8859-1", "ascii") else codec


def charset_of(content_type: str | None) -> str | None:
    """The ``charset`` parameter of a ``Content-Type`` header value."""
    for part in (content_type or "").split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip("\"'") or None
    return None


def parse(html: str) -> lxml.html.HtmlElement | None:
    """The page's element tree, or None when there is no element in it; scripts and styles
    are taken out (never text), and a ``<br>`` is a space in the text around it."""
    parser = lxml.html.HTMLParser(no_network=True, remove_comments=False, remove_pis=True)
    html = _CONTROL.sub("", html)  # no reader sees them, and lxml's tree cannot hold them
    try:
        tree = lxml.html.document_fromstring(html, parser=parser)
    except ValueError:  # a text with an XML encoding declaration: lxml wants its bytes
        try:
            tree = lxml.html.document_fromstring(html.encode("utf-8", "surrogatepass"),
                                                 parser=lxml.html.HTMLParser(
                                                     encoding="utf-8", no_network=True))
        except (ValueError, etree.ParserError):
            return None
    except etree.ParserError:  # "Document is empty"
        return None
    etree.strip_elements(tree, *_NEVER_TEXT, with_tail=False)
    for br in tree.iter("br"):
        br.tail = " " + (br.tail or "")
    return tree


def saved_from(tree: lxml.html.HtmlElement | None) -> str | None:
    """The address in the ``<!-- saved from url=(0046)https://... -->`` comment browsers
    put at the top of a page they save (the number is the address's length)."""
    if tree is None:
        return None
    top = [*tree.itersiblings(preceding=True), *tree[:1]]
    for node in top:
        if not isinstance(node, etree._Comment):
            continue
        match = _SAVED_FROM.match(node.text or "")
        if match:
            url = match["rest"][:int(match["n"])].strip()
            if url.startswith(("http://", "https://")):
                return url
    return None


def with_class(tree: lxml.html.HtmlElement, tag: str, cls: str) -> list[lxml.html.HtmlElement]:
    """The ``tag`` elements (``*``: any) under ``tree`` whose class list holds ``cls``."""
    return tree.xpath(f"descendant-or-self::{tag}[contains(concat(' ', normalize-space(@class),"
                      f" ' '), ' {cls} ')]")


def meta_content(tree: lxml.html.HtmlElement, *names: str) -> str | None:
    """The content of the first ``<meta property|name=...>`` of ``names`` that has one."""
    for name in names:
        for meta in tree.xpath("//meta[@property=$n or @name=$n]", n=name):
            content = clean(meta.get("content") or "")
            if content:
                return content
    return None


def clean(text: str) -> str:
    """``text`` with each run of whitespace made one space, and stripped."""
    return _SPACE.sub(" ", text).strip()


def text_of(element: lxml.html.HtmlElement) -> str:
    """The text of ``element`` as a reader sees it, on one line (see the module docstring;
    ``element`` is of a tree ``parse`` made)."""
    return clean("".join(element.itertext()))


def lines_of(element: lxml.html.HtmlElement) -> list[str]:
    """The text of ``element`` as lines: each block element (a paragraph, a heading, a list
    item) starts a line, ``<br>`` too; blank lines are left out."""
    text = "".join(_pieces(element))
    return [line for line in (clean(x) for x in text.split("\n")) if line]


def _pieces(element: lxml.html.HtmlElement) -> Iterator[str]:
    """The text of ``element`` and its descendants in order, with ``\\n`` around blocks
    (an explicit stack: a hostile page may nest deeper than recursion goes)."""
    stack: list[tuple[lxml.html.HtmlElement, bool]] = [(element, False)]
    while stack:
        node, done = stack.pop()
        tag = node.tag if isinstance(node.tag, str) else ""
        if done:
            if tag.lower() in _BLOCKS:
                yield "\n"
            if node is not element and node.tail:
                yield node.tail
            continue
        if tag.lower() == "br":
            yield "\n"
            if node.tail:
                yield node.tail
            continue
        if not tag or tag.lower() in _NOT_TEXT:  # comments, processing instructions, scripts
            if node is not element and node.tail:
                yield node.tail
            continue
        if tag.lower() in _BLOCKS:
            yield "\n"
        if node.text:
            yield node.text
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(node))

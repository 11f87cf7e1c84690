"""How to cite a statement: a plain-text citation, BibTeX, RIS, CSL-JSON and Highwire meta tags.

Everything here is pure text built from a ``Statement``. The article page shows
the plain citation; its ``<head>`` carries the ``citation_*`` tags that Zotero,
Mendeley and Google Scholar read; and its BibTeX and RIS downloads are made in
the reader's browser (``static/cite.js``) from those tags and the page's kind,
id, site title and capture checksum, rather than written into each of 100,000
pages. ``bibtex``, ``ris`` and ``csl_json`` here are those files' definition:
the browser tests hold the script to them byte for byte.
"""

from __future__ import annotations

import json
import re

from markupsafe import Markup, escape

from ..model.documents import Statement
from ..model.issuers import kind_label
from .theme import long_date

_BIBTEX_SPECIAL = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "%": r"\%", "&": r"\&", "#": r"\#",
    "$": r"\$", "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
}
_BIBTEX_RE = re.compile("|".join(re.escape(k) for k in _BIBTEX_SPECIAL))
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_BIBTEX_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                  "dec")


def one_line(text: str) -> str:
    """``text`` with line breaks and control characters replaced by single spaces."""
    return " ".join(_CONTROL.sub(" ", text).split())


def author(statement: Statement) -> str:
    """Who to cite as the author: the issuer, else its organisation, else the outlet."""
    return one_line(statement.issuer.issuer or statement.issuer.organization or statement.source
                    or "Unknown")


def plain(statement: Statement, site_title: str, url: str) -> str:
    """A citation to paste into a text, Chicago-like."""
    parts = [f"{author(statement)}.", f"\u201c{one_line(statement.title)}.\u201d"]
    if statement.source:
        parts.append(f"{one_line(statement.source)},")
    parts.append(f"{long_date(statement.date)}.")
    parts.append(f"{one_line(site_title)}, {url or statement.id}.")
    capture = statement.captures[0] if statement.captures else None
    if capture is not None:
        captured = f"captured {long_date(capture.captured)}, " if capture.captured else ""
        parts.append(f"Source capture: {captured}SHA-256 {capture.sha256}.")
    return " ".join(parts)


def plain_html(statement: Statement, site_title: str, url: str) -> Markup:
    """``plain`` as HTML, its URL a link (the citation is also the permanent link)."""
    html = escape(plain(statement, site_title, url))
    if not url:
        return html
    link = Markup('<a href="{0}">{0}</a>').format(url)
    return Markup(html.replace(escape(url), link, 1))


def _bib(text: str) -> str:
    return _BIBTEX_RE.sub(lambda m: _BIBTEX_SPECIAL[m.group(0)], one_line(text))


def kind(statement: Statement) -> str:
    """What the item is, as the references' note says: ``Press statement``, ``News``…"""
    return kind_label(statement.issuer.kind) or "Statement"


def note(statement: Statement, site_title: str) -> str:
    """The references' note: what the item is, where it is archived, its capture's checksum."""
    text = f"{kind(statement)}. Archived in {one_line(site_title)} as {statement.id}."
    if statement.captures:
        text += f" Capture SHA-256 {statement.captures[0].sha256}."
    return one_line(text)


def bibtex(statement: Statement, site_title: str, url: str) -> str:
    """A BibTeX ``@misc`` entry (biblatex reads its ``date`` field too)."""
    month = _BIBTEX_MONTHS[statement.date.month - 1]
    fields = [
        ("author", "{{" + _bib(author(statement)) + "}}"),
        ("title", "{{" + _bib(statement.title) + "}}"),
        ("howpublished", "{" + _bib(statement.source) + "}" if statement.source else ""),
        ("year", "{" + str(statement.date.year) + "}"),
        ("month", month),  # a BibTeX month macro, not a braced string
        ("date", "{" + statement.date.isoformat() + "}"),
        ("url", "{" + url.replace("%", r"\%") + "}" if url else ""),
        ("note", "{" + _bib(note(statement, site_title)) + "}"),
    ]
    body = "".join(f"  {name:<12} = {value},\n" for name, value in fields if value)
    return f"@misc{{{statement.id},\n{body}}}\n"


def ris(statement: Statement, site_title: str, url: str) -> str:
    """An RIS record (``TY  - PRESS``), with CRLF line ends as reference managers expect."""
    fields = [
        ("TY", "PRESS"),
        ("TI", one_line(statement.title)),
        ("AU", author(statement)),
        ("PY", str(statement.date.year)),
        ("DA", statement.date.strftime("%Y/%m/%d/")),
        ("PB", one_line(statement.source) if statement.source else ""),
        ("UR", url),
        ("ID", statement.id),
        ("N1", note(statement, site_title)),
        ("ER", ""),
    ]
    return "".join(f"{tag}  - {value}\r\n" for tag, value in fields if value or tag == "ER")


#: The CSL type of every statement. Each reached its readers as an item of a news agency's
#: service (KCNA's, or an outlet carrying it), dated to the day: a newspaper article, whose
#: ``container-title`` is the outlet, as the plain citation has it. (``document`` is CSL's
#: type for what has no publication; styles show it without the outlet or the day.)
CSL_TYPE = "article-newspaper"


def csl_json(statement: Statement, site_title: str, url: str) -> str:
    """A CSL-JSON file (an array of one item), as Zotero, Pandoc and citeproc read."""
    item: dict[str, object] = {
        "id": statement.id,
        "type": CSL_TYPE,
        "title": one_line(statement.title),
        "author": [{"literal": author(statement)}],
        "issued": {"date-parts": [[statement.date.year, statement.date.month,
                                   statement.date.day]]},
    }
    if statement.source:
        item["container-title"] = one_line(statement.source)
    if url:
        item["URL"] = url
    item["note"] = note(statement, site_title)
    return json.dumps([item], ensure_ascii=False, indent=2) + "\n"


def highwire(statement: Statement, url: str, language: str) -> tuple[tuple[str, str], ...]:
    """``(name, content)`` pairs for ``<meta name=... content=...>`` tags."""
    tags = [
        ("citation_title", one_line(statement.title)),
        ("citation_author", author(statement)),
        ("citation_publication_date", statement.date.strftime("%Y/%m/%d")),
        ("citation_publisher", one_line(statement.source) if statement.source else ""),
        ("citation_language", language),
        ("citation_public_url", url),
    ]
    return tuple((name, content) for name, content in tags if content)

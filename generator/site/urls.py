"""Every URL of the site, built in one place.

``Paths`` knows where each kind of page lives, as a path from the site root
that names a file (``statements/<id>/index.html``, never ``statements/<id>/``),
so that every link also works when the site is opened from disk. ``Links``
turns those paths into links relative to the page being rendered, which is
what makes the same files work under ``https://host/repo/`` and under
``file:///home/me/site/``. ``absolute`` joins a path to ``base_url`` for the
few places that need one: canonical links, feeds, the sitemap and citations.

Templates receive a ``Links`` object and never build a path themselves.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from urllib.parse import urlsplit

from ..engine.guards import split_url
from ..model.names import segment

#: The folder of each kind of facet's pages (``Facet.kind`` -> folder).
_FACET_FOLDERS = {"issuer": "issuers", "organization": "organizations", "source": "sources",
                  "kind": "kinds"}


class Paths:
    """Site-root-relative file paths of every page kind (each one a file, never a folder)."""

    STATEMENTS = "statements/"
    """The folder of the statement pages, one subfolder per bucket."""
    OFFLINE_INDEXES = "search/data/"
    """The folder of the offline index, one subfolder per bucket."""

    @staticmethod
    def home() -> str:
        return "index.html"

    @staticmethod
    def timeline() -> str:
        return "timeline/index.html"

    @staticmethod
    def issuers() -> str:
        return "issuers/index.html"

    @staticmethod
    def sources() -> str:
        return "sources/index.html"

    @staticmethod
    def search() -> str:
        return "search/index.html"

    @staticmethod
    def feed() -> str:
        return "feed.xml"

    @staticmethod
    def sitemap() -> str:
        return "sitemap.xml"

    @staticmethod
    def sitemap_part(name: str) -> str:
        """One of a large site's sitemaps (a year of statements, say), gzip-compressed as the
        protocol allows; at the site's root, as a sitemap may list only URLs in its folder
        and below."""
        return f"sitemap-{segment(name)}.xml.gz"

    @staticmethod
    def not_found() -> str:
        return "404.html"

    @staticmethod
    def data(extension: str) -> str:
        """A data export, gzip-compressed (the largest files of the site)."""
        return f"data/statements.{segment(extension)}.gz"

    @staticmethod
    def full_text() -> str:
        """Every statement's text and facts, as JSON Lines, gzip-compressed."""
        return "data/statements-text.jsonl.gz"

    @staticmethod
    def data_page() -> str:
        """What the data files hold and how to load them, for people."""
        return "data/index.html"

    @staticmethod
    def data_package() -> str:
        """The Frictionless Data Package that describes the data exports (beside them)."""
        return "data/datapackage.json"

    @staticmethod
    def bucket(statement_id: str) -> str:
        """The folder a statement's page sits in: the year its id starts with.

        Ids are permanent, so the folder never changes, even when a hand edit
        changes the date. (A hand-written id without a year goes to ``other``.)
        """
        head = statement_id[:4]
        return head if head.isdigit() and statement_id[4:5] == "-" else "other"

    @staticmethod
    def statement(statement_id: str) -> str:
        return f"{Paths.STATEMENTS}{Paths.bucket(statement_id)}/{segment(statement_id)}.html"

    @staticmethod
    def version(statement_id: str, number: int) -> str:
        """One version of a statement altered at source (a folder per such statement, beside
        its page: the search index, which reads ``statements/<year>/*.html``, leaves it out)."""
        return (f"{Paths.STATEMENTS}{Paths.bucket(statement_id)}/{segment(statement_id)}/"
                f"v{number:d}.html")

    @staticmethod
    def comparison(statement_id: str, number: int) -> str:
        """What changed from version ``number - 1`` of a statement to version ``number``."""
        return (f"{Paths.STATEMENTS}{Paths.bucket(statement_id)}/{segment(statement_id)}/"
                f"compare-{number - 1:d}-{number:d}.html")

    @staticmethod
    def altered() -> str:
        """Every statement altered at source, the latest alteration first."""
        return "altered/index.html"

    @staticmethod
    def altered_feed() -> str:
        return "altered/feed.xml"

    @staticmethod
    def search_bundle(bucket: str) -> str:
        """The folder of the Pagefind index of one bucket of statements."""
        return f"pagefind/{segment(bucket)}/"

    @staticmethod
    def offline_index(bucket: str) -> str:
        """The folder of the offline (file://) index of one bucket of statements."""
        return f"{Paths.OFFLINE_INDEXES}{segment(bucket)}/"

    @staticmethod
    def year(year: int) -> str:
        return f"timeline/{year:04d}/index.html"

    @staticmethod
    def month(year: int, month: int, page: int = 1) -> str:
        """A month's page (``page``: of a month with many statements, ``pages.MONTH_LIMIT``)."""
        folder = f"timeline/{year:04d}/{month:02d}"
        return f"{folder}/index.html" if page == 1 else f"{folder}/page-{page}.html"

    @staticmethod
    def facet(kind: str, facet_id: str, year: int | None = None) -> str:
        """The page of an issuer, organisation, source outlet or kind of statement (``kind``:
        its ``Facet.kind``), or of its statements of ``year``."""
        folder = f"{_FACET_FOLDERS[kind]}/{segment(facet_id)}"
        return f"{folder}/index.html" if year is None else f"{folder}/{year:04d}/index.html"

    @staticmethod
    def facet_feed(kind: str, facet_id: str) -> str:
        """The feed of an issuer, organisation, source outlet or kind of statement."""
        return f"{_FACET_FOLDERS[kind]}/{segment(facet_id)}/feed.xml"

    @staticmethod
    def issuer(issuer_id: str, year: int | None = None) -> str:
        return Paths.facet("issuer", issuer_id, year)

    @staticmethod
    def issuer_feed(issuer_id: str) -> str:
        return Paths.facet_feed("issuer", issuer_id)

    @staticmethod
    def organization(organization_id: str, year: int | None = None) -> str:
        return Paths.facet("organization", organization_id, year)

    @staticmethod
    def organization_feed(organization_id: str) -> str:
        return Paths.facet_feed("organization", organization_id)

    @staticmethod
    def source(source_id: str, year: int | None = None) -> str:
        return Paths.facet("source", source_id, year)

    @staticmethod
    def source_feed(source_id: str) -> str:
        return Paths.facet_feed("source", source_id)

    @staticmethod
    def kind(kind_id: str, year: int | None = None) -> str:
        """A kind of statement's page (``kinds/press-statement/index.html``)."""
        return Paths.facet("kind", kind_id, year)

    @staticmethod
    def kind_feed(kind_id: str) -> str:
        return Paths.facet_feed("kind", kind_id)

    @staticmethod
    def static(name: str) -> str:
        return "static/" + "/".join(segment(part) for part in name.split("/"))


def relative(from_path: str, to_path: str) -> str:
    """The link from the page at ``from_path`` to ``to_path`` (both site-root-relative).

    Pure string work (``posixpath.relpath`` asks the operating system for the
    current folder on every call, which a site of 100,000 pages cannot afford).
    """
    start = from_path.split("/")[:-1]
    target = to_path.split("/")
    common = 0
    for a, b in zip(start, target[:-1], strict=False):
        if a != b:
            break
        common += 1
    return "../" * (len(start) - common) + "/".join(target[common:])


def absolute(base_url: str, path: str) -> str:
    """``path`` under ``base_url``, with a trailing ``index.html`` dropped (the canonical form).

    Returns '' when there is no base URL.
    """
    if not base_url:
        return ""
    if path == "index.html":
        path = ""
    elif path.endswith("/index.html"):
        path = path[: -len("index.html")]
    return base_url + path


def base_path(base_url: str) -> str:
    """The path part of ``base_url`` (``/repo/`` for a project site, ``/`` otherwise)."""
    path = urlsplit(base_url).path if base_url else "/"
    return path if path.endswith("/") else path + "/"


_SAFE_SCHEMES = ("http", "https")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")


def safe_href(url: str | None) -> str | None:
    """``url`` if it may be written into an ``href`` (http or https only), else None.

    Browsers ignore tabs, newlines and leading control characters in a URL, so
    ``java\\tscript:`` is ``javascript:``; those characters are removed before
    the scheme is read, and the URL is refused when any remain.
    """
    if not url:
        return None
    cleaned = "".join(ch for ch in url if ord(ch) > 0x20 and ch != "\x7f")
    if cleaned != url.strip() or any(ch in url for ch in "\t\n\r"):
        return None
    match = _SCHEME.match(cleaned)
    if not match or match.group(1).lower() not in _SAFE_SCHEMES:
        return None
    parts = split_url(cleaned)
    if parts is None or not parts.netloc:
        return None
    return cleaned


class Links:
    """Links from one page (``page``: its site-root-relative path) to every other page.

    ``links.statement(id)`` is ``Paths.statement(id)`` made relative to ``page``;
    every ``Paths`` method is available this way.
    """

    def __init__(self, page: str, base_url: str = "") -> None:
        self.page = page
        self.base_url = base_url

    def to(self, path: str) -> str:
        """The link to any site-root-relative ``path``."""
        return relative(self.page, path)

    def absolute(self, path: str | None = None) -> str:
        """The canonical absolute URL of ``path`` (this page by default); '' without base_url."""
        return absolute(self.base_url, self.page if path is None else path)

    def root(self) -> str:
        """The site root as seen from this page: ``../../`` (or ``./`` at the root)."""
        return posixpath.relpath(".", posixpath.dirname(self.page) or ".") + "/"

    def __getattr__(self, name: str) -> Callable[..., str]:
        target = getattr(Paths, name)  # AttributeError for names Paths does not have
        return lambda *args: self.to(target(*args))


class AbsoluteLinks(Links):
    """Links from the root of the site's path (``/repo/static/style.css``), for the 404 page.

    A server shows 404.html in place of any missing page, at any depth, where
    relative links would point nowhere. Without a base URL the links stay relative.
    """

    def to(self, path: str) -> str:
        return base_path(self.base_url) + path if self.base_url else relative(self.page, path)

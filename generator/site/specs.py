"""Specs: what each output file is made from, and its key.

A spec is a ``PageSpec`` (an output path, the templates to try, and the data
they get), a ``FileSpec`` (an output path and its bytes) or a ``PartsSpec`` (a
large file made of parts, each compressed on its own). Every spec carries a
``key``: a checksum of everything its output is made from. Equal keys make
equal bytes, so a build renders only the pages whose key changed since the
last one, and the data a page needs is computed only then.

A page's key is not listed by hand: ``page`` makes it from the values the
page shows (``shows``: what its template gets), as ``Shown`` sees each of
them, and the template gets those values and what ``derive`` computes from
them alone. A page cannot show what its key is not made from. ``Shown`` says,
once for each kind of value, what a page can show of it: a statement in a
list shows its ``brief``; a facet its name, place, count and first and last
dates, and a month its count, not their statements (a page that lists them
passes them too); statements shown whole (``Whole``) their keys; another
page it links to, its address and name (``FacetRef``, ``YearRef``,
``MonthRef``). A value of another type is refused: say what pages show of it
in ``Shown`` first.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from .. import CODE, __version__
from ..engine.keys import digest as _digest
from ..engine.keys import fingerprint
from ..model.archive import Archive, Facet, Month, TreeRow, Year
from ..model.documents import Statement
from .urls import Links


@dataclass(frozen=True, slots=True)
class PageSpec:
    """A page rendered through the theme."""

    path: str
    """Site-root-relative output path."""
    templates: tuple[str, ...]
    """Templates to try, most specific first."""
    key: str
    """Checksum of what the page is made from: the same key gives the same bytes."""
    context: Callable[[], dict[str, Any]]
    """The template's data, computed when the page is rendered."""
    compressed: bool = False
    """Written gzip-compressed (its path ends in ``.gz``)."""
    updated: dt.date | None = None
    """When what the page shows last changed (its sitemap entry's ``lastmod``; None: an
    index page)."""
    sitemap: bool = True
    """Whether the sitemap lists it (an HTML page)."""


@dataclass(frozen=True, slots=True)
class FileSpec:
    """A file written as given."""

    path: str
    key: str
    data: Callable[[], bytes]
    compressed: bool = False
    """Written gzip-compressed (its path ends in ``.gz``)."""


@dataclass(frozen=True, slots=True)
class PartsSpec:
    """A large file written gzip-compressed, one gzip member per part (every gzip reader
    reads the members as one text).

    Each part has a key like a file's: a part whose key the last build compressed
    is not made or compressed again (``render.Renderer`` keeps them in the build
    cache), so a change to one year of the archive costs one year's part.
    """

    path: str
    key: str
    parts: tuple[tuple[str, Callable[[], bytes]], ...]
    """``(key, bytes)`` of each part, in order."""
    compressed: bool = True


Spec = PageSpec | FileSpec | PartsSpec


@dataclass(frozen=True, slots=True)
class SiteInfo:
    """What every template knows about the site as a whole."""

    title: str
    base_url: str
    language: str
    search: bool
    theme: str
    """Checksum of the theme's templates and assets (part of every page's key)."""
    generator: str = f"statement-archive {__version__}"


@dataclass(frozen=True, slots=True)
class Totals:
    """The archive in figures, for the pages that show them."""

    statements: int
    issuers: int
    first: dt.date | None
    last: dt.date | None
    altered: int = 0
    """Statements altered at source."""


# --- what a page shows of a statement ----------------------------------------------------

# The keys made for every statement are made from text joined by NUL, which no id or
# checksum holds and ``repr`` escapes: quicker than ``fingerprint``'s ``repr`` of nested
# tuples, and they are made for every statement on every build.


def statement_key(statement: Statement) -> str:
    """What a statement's pages are made from: its file's checksum, its issuer and its id
    (which a file without one takes from its name)."""
    if statement.checksum:
        return _file_key(statement.id, statement.checksum, statement.issuer)
    return fingerprint(tuple(statement._replace(path=None)))


@functools.lru_cache(maxsize=1 << 18)
def _file_key(statement_id: str, checksum: str, issuer: tuple[object, ...]) -> str:
    return _digest(f"{statement_id}\0{checksum}\0{_issuer_text(issuer)}")


@functools.lru_cache(maxsize=1 << 12)
def _issuer_text(issuer: tuple[object, ...]) -> str:
    return repr(tuple(issuer))


def brief(statement: Statement) -> str:
    """A checksum of what a list of statements shows of one (``_macros.statement_list``)."""
    issuer = statement.issuer
    return _digest(f"{statement.id}\0{statement.title!r}\0{statement.date.isoformat()}\0"
                   f"{issuer.issuer!r}\0{issuer.kind!r}\0{statement.title_only:d}\0"
                   f"{statement.altered:d}")


Briefs = Mapping[str, str]
"""Each statement's ``brief``, by id: made once a build (a statement is in five or six
lists and neighbours)."""


Keys = Mapping[str, str]
"""Each statement's ``statement_key``, by id: made once a build (a statement's is part of
its page's key, and of the ``statement_pages_key`` of its year and of its neighbours')."""


class EachMade(dict[str, str]):
    """``Briefs`` or ``Keys``: ``make(statement)`` for each statement, by id, made when first
    asked for (the first statement pages are planned, and their search index started,
    before those of every statement are made)."""

    def __init__(self, by_id: Mapping[str, Statement], make: Callable[[Statement], str]
                 ) -> None:
        super().__init__()
        self._statements = by_id
        self._make = make

    def __missing__(self, statement_id: str) -> str:
        made = self[statement_id] = self._make(self._statements[statement_id])
        return made


# --- what a page shows of other values ---------------------------------------------------


# Another page, as a page that links to it shows it: its address and its name. (Not named
# tuples: a template that asks one for what it does not hold, its ``count`` say, must stop
# the build, not get a tuple's method.)


@dataclass(frozen=True, slots=True)
class FacetRef:
    """An issuer, organisation or source outlet."""

    kind: str
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class YearRef:
    """A year of the timeline."""

    year: int


@dataclass(frozen=True, slots=True)
class MonthRef:
    """A month of the timeline."""

    year: int
    month: int


@dataclass(frozen=True, slots=True)
class Whole:
    """Statements a page shows whole, their texts and versions included (a feed's entries,
    a version's page); ``archive`` reads their texts (``Archive.body``, ``Archive.texts``)."""

    statements: tuple[Statement, ...]
    archive: Archive


#: Values a page shows as they are: their ``repr`` is what they show.
_PLAIN = frozenset({str, int, bool, float, type(None), dt.date, FacetRef, YearRef, MonthRef,
                    Totals})


class Shown:
    """What a page shows of each value it is given, as plain data (``page`` makes the
    page's key from it); facets are made once a build."""

    def __init__(self, briefs: Briefs, keys: Keys) -> None:
        self.briefs = briefs
        self.keys = keys
        self._facets: dict[tuple[str, str], object] = {}

    def __call__(self, value: object) -> object:
        kind = type(value)
        if kind in _PLAIN:
            return value
        if kind is tuple or kind is list:
            items: Sequence[Any] = value  # type: ignore[assignment]
            if items and type(items[0]) is Statement:  # a list of statements: the common case
                briefs = self.briefs
                return tuple(briefs[s.id] for s in items)
            return tuple(self(item) for item in items)
        if kind is dict:
            mapping: Mapping[Any, Any] = value  # type: ignore[assignment]
            return tuple(sorted((key, self(item)) for key, item in mapping.items()))
        shown = self._BY_TYPE.get(kind)
        if shown is None:
            raise TypeError(f"a page cannot show a {kind.__name__}: say what pages show of it "
                            "in specs.Shown")
        return shown(self, value)

    def _statement(self, statement: Statement) -> object:
        return self.briefs[statement.id]

    def _whole(self, whole: Whole) -> object:
        keys = self.keys
        return tuple(keys[s.id] for s in whole.statements)

    def _facet(self, facet: Facet) -> object:
        made = self._facets.get((facet.kind, facet.id))
        if made is None:
            made = self._facets[facet.kind, facet.id] = (
                facet.kind, facet.id, facet.name, facet.chain, facet.count, facet.first.date,
                facet.last.date)
        return made

    def _year(self, year: Year) -> object:
        return year.year, year.month_counts()

    def _month(self, month: Month) -> object:
        # Its count: a page that lists its statements (some of them) passes them too.
        return month.year, month.month, len(month.statements)

    def _tree_row(self, row: TreeRow) -> object:
        return row.depth, row.id, row.name, row.facet and self._facet(row.facet)

    _BY_TYPE: ClassVar[dict[type, Callable[[Shown, Any], object]]] = {
        Statement: _statement, Whole: _whole, Facet: _facet, Year: _year, Month: _month,
        TreeRow: _tree_row,
    }


# --- specs -------------------------------------------------------------------------------


def page(path: str, templates: Sequence[str], site: SiteInfo, shown: Shown, title: str,
         kind: str, shows: Mapping[str, object],
         derive: Callable[..., Mapping[str, object]] | None = None, *,
         description: str = "", links: Links | None = None, compressed: bool = False,
         updated: dt.date | None = None, sitemap: bool = True) -> PageSpec:
    """A page of ``kind`` at ``path``, rendered through the first of ``templates`` found.

    The template gets ``site``, ``links`` (relative to the page), ``page`` (its
    path, title, kind and ``description``), the values of ``shows``, and what
    ``derive(links, site, **shows)`` computes from them (a chart, the links to a
    list of pages; a ``description`` it returns is the page's, for one made from
    a text that is read only to render it). The key is made from the site's
    settings, ``path``, ``templates``, ``title``, ``description`` and what
    ``shown`` sees of ``shows``: ``derive`` must read nothing else.
    """
    templates = tuple(templates)
    key = fingerprint(_site_key(CODE, site), path, templates, title, description,
                      tuple((name, shown(value)) for name, value in shows.items()))

    def context() -> dict[str, Any]:
        here = links or Links(path, site.base_url)
        derived = dict(derive(here, site, **shows)) if derive is not None else {}
        return {"site": site, "links": here,
                "page": {"path": path, "title": title, "kind": kind,
                         "description": derived.pop("description", description)},
                **shows, **derived}

    return PageSpec(path, templates, key, context, compressed, updated, sitemap)


def keyed_page(path: str, templates: tuple[str, ...], site: SiteInfo, title: str, kind: str,
               key: str, context: Callable[[], dict[str, Any]], *, compressed: bool = False,
               sitemap: bool = True) -> PageSpec:
    """A page whose ``key`` the caller made from exactly what ``context`` reads, by a
    quicker road than ``page``'s (the statement pages, the sitemaps: made from every
    statement). A ``description`` in the context is the page's."""
    def make() -> dict[str, Any]:
        data = context()
        return {"site": site, "links": Links(path, site.base_url),
                "page": {"path": path, "title": title, "kind": kind,
                         "description": data.pop("description", "")}, **data}

    return PageSpec(path, templates, key, make, compressed, sitemap=sitemap)


def file(path: str, key: object, data: Callable[[], bytes], compressed: bool = False) -> FileSpec:
    """A file of ``data``, made from what ``key`` holds."""
    return FileSpec(path, fingerprint(CODE, path, key), data, compressed)


@functools.lru_cache(maxsize=4)
def _site_key(code: str, site: SiteInfo) -> str:
    """The part of every page's key that is the same for all: the generator, the settings."""
    return fingerprint(code, site)


def site_start(site: SiteInfo) -> str:
    """``_site_key`` for a key made by hand (``keyed_page``)."""
    return _site_key(CODE, site)


def html_pages(specs: Iterable[Spec]) -> list[tuple[str, dt.date | None]]:
    """The path and date of each page the sitemap lists, of ``specs``."""
    return [(spec.path, spec.updated) for spec in specs
            if isinstance(spec, PageSpec) and spec.sitemap and spec.path.endswith(".html")]


__all__ = [
    "Briefs", "EachMade", "FacetRef", "FileSpec", "Keys", "MonthRef", "PageSpec", "PartsSpec",
    "Shown", "SiteInfo", "Spec", "Totals", "Whole", "YearRef", "brief", "file",
    "html_pages", "keyed_page", "page", "statement_key",
]

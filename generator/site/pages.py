"""Which pages the site has, and what each one shows: ``plan(archive, config)``.

``plan`` yields one ``PageSpec`` (an output path, the templates to try, and
the data they get), ``FileSpec`` (an output path and its bytes) or
``PartsSpec`` (a large file made of parts, each compressed on its own) per
output file. It touches no disk and renders nothing: a new page kind is one
function here and one template.

Every spec carries a ``key``: a checksum of everything its output is made
from (the statements it shows, its neighbours, the theme, the settings).
Equal keys make equal bytes, so a build renders only the pages whose key
changed since the last one, and the data a page needs is computed only then:
``context`` and ``data`` are functions, called when the page is rendered.

Page kinds: home, statement, timeline (overview, year, month), issuers
(index, issuer, organisation), sources (index, outlet), kinds of statement,
search, research data, 404, Atom feeds (the site's, and each issuer's, organisation's,
outlet's and kind's), sitemap, robots.txt, data exports (the full text among
them).
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup, escape

from .. import CODE, __version__
from ..config import SiteConfig
from ..engine.keys import digest as _digest
from ..engine.keys import fingerprint
from ..model import versions
from ..model.archive import Archive, Facet, Month, by_day, source_id
from ..model.documents import Statement, Version
from ..model.issuers import kind_label
from ..model.markdown import plain_text
from ..model.markdown import render as render_markdown
from . import alterations, charts, citations, descriptions, exports, fulltext
from .theme import MONTH_NAMES
from .urls import AbsoluteLinks, Links, Paths, safe_href

#: A facet page lists every statement up to this many; beyond it, one page per year.
LIST_LIMIT = 200
#: A month's page lists up to this many statements; a month with more has more pages (so
#: that 50,000 statements on one day make a hundred pages, not one of 13 MB).
MONTH_LIMIT = 500
#: Statements on the home page and in each feed.
LATEST = 20
FEED_SIZE = 50
#: URLs per sitemap file (the sitemap protocol's limit).
SITEMAP_SIZE = 50_000


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


# The keys made for every statement are made from text joined by NUL, which no id or
# checksum holds and ``repr`` escapes: a third of the time of ``fingerprint``'s
# ``repr`` of nested tuples, 300,000 times a build at 100,000 statements.


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


Briefs = Mapping[str, str]
"""Each statement's ``brief``, by id: made once a build (a statement is in five or six
lists and neighbours)."""


Keys = Mapping[str, str]
"""Each statement's ``statement_key``, by id: made once a build (a statement's is part of
its page's key, and of the ``statement_pages_key`` of its year and of its neighbours')."""


class _EachMade(dict[str, str]):
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


def brief(statement: Statement) -> str:
    """A checksum of what a list of statements shows of one (part of the lists' keys)."""
    issuer = statement.issuer
    return _digest(f"{statement.id}\0{statement.title!r}\0{statement.date.isoformat()}\0"
                   f"{issuer.issuer!r}\0{issuer.kind!r}\0{statement.title_only:d}\0"
                   f"{statement.altered:d}")


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


def _page(path: str, templates: Sequence[str], site: SiteInfo, title: str, kind: str,
          key: object, context: Callable[[], dict[str, Any]],
          links: Links | None = None, compressed: bool = False,
          description: str = "") -> PageSpec:
    return _spec(path, tuple(templates), site, title, kind,
                 fingerprint(_site_key(CODE, site), path, templates, title, description, key),
                 context, links, compressed, description)


def _spec(path: str, templates: tuple[str, ...], site: SiteInfo, title: str, kind: str,
          key: str, context: Callable[[], dict[str, Any]], links: Links | None = None,
          compressed: bool = False, description: str = "") -> PageSpec:
    """A page; its ``page.description`` (``descriptions``) is ``description``, or the
    context's ``description`` where the text it is made from is read only to render it
    (a statement's, whose key covers its text)."""
    def make() -> dict[str, Any]:
        data = context()
        return {"site": site, "links": links or Links(path, site.base_url),
                "page": {"path": path, "title": title, "kind": kind,
                         "description": data.pop("description", description)}, **data}

    return PageSpec(path, templates, key, make, compressed)


@functools.lru_cache(maxsize=4)
def _site_key(code: str, site: SiteInfo) -> str:
    """The part of every page's key that is the same for all: the generator, the settings."""
    return fingerprint(code, site)


def _file(path: str, key: object, data: Callable[[], bytes],
          compressed: bool = False) -> FileSpec:
    return FileSpec(path, fingerprint(CODE, path, key), data, compressed)


# --- statements --------------------------------------------------------------------------


class _Shown(dict[tuple[str, str | None], tuple[Facet | None, str]]):
    """Each facet a statement page shows, by kind and id, with what the page shows of it as
    text (part of the page's key); each made when first asked for."""

    def __init__(self, archive: Archive) -> None:
        super().__init__()
        self._archive = archive

    def __missing__(self, wanted: tuple[str, str | None]) -> tuple[Facet | None, str]:
        kind, facet_id = wanted
        facet = self._archive.facet(kind, facet_id)
        text = repr(None if facet is None else (facet.id, facet.name, facet.chain)
                    if kind == "issuer" else (facet.id, facet.name))
        made = self[wanted] = facet, text
        return made


_STATEMENT_TEMPLATES = ("statement.html",)


def _statement_start(site: SiteInfo) -> str:
    return f"{_site_key(CODE, site)}\0{_STATEMENT_TEMPLATES!r}\0"


def statement_pages_key(archive: Archive, site: SiteInfo, keys: Keys,
                        statements: Sequence[Statement]) -> str:
    """One checksum of what the pages of ``statements`` are made from: while it stays the
    same, so does each of their keys, and a build need not plan them (two thirds of the
    time it took to plan the statement pages of 100,000 statements).

    It is made from what each page's key is made from (``_statement_pages``), but for
    the statement's path and title, which its key decides (the path is made from its
    id), and for the neighbours' briefs, in whose stead are their keys, which decide
    them: ``brief`` shows nothing of a statement that its key does not. (A key decides
    what a statement shows because the store reads a file the same way every time, its
    checksum and its issuer as the list resolves it: what each page's key already
    relies on for the body.)
    """
    shown, neighbours_of = _Shown(archive), archive.neighbours
    parts = [_statement_start(site)]
    for statement in statements:
        parts += (keys[statement.id],
                  *[keys[n.id] if n else "-" for n in neighbours_of[statement.id]],
                  shown["issuer", statement.issuer.issuer_id][1],
                  shown["organization", statement.issuer.organization_id][1])
    return _digest("\0".join(parts))


def _statement_pages(archive: Archive, site: SiteInfo, briefs: Briefs, keys: Keys,
                     statements: Sequence[Statement]) -> Iterator[Spec]:
    start, shown = _statement_start(site), _Shown(archive)
    for statement in statements:
        path = Paths.statement(statement.id)
        neighbours = archive.neighbours[statement.id]
        issuer, issuer_text = shown["issuer", statement.issuer.issuer_id]
        organization, organization_text = shown["organization",
                                                statement.issuer.organization_id]
        key = _digest("\0".join((
            start, path, repr(statement.title), keys[statement.id],
            *(briefs[n.id] if n else "-" for n in neighbours), issuer_text, organization_text)))

        def context(statement: Statement = statement, neighbours=neighbours, issuer=issuer,
                    organization=organization, path: str = path) -> dict[str, Any]:
            url = Links(path, site.base_url).absolute()
            body = archive.body(statement)
            rendered = render_markdown(body)
            cited = alterations.cited(statement, len(statement.versions))
            return {
                "description": descriptions.statement(statement, plain_text(body)),
                "statement": statement,
                "body_html": rendered.html,
                "too_deep": rendered.too_deep,
                "versions": alterations.rows(statement) if statement.altered else [],
                "earlier": _earlier_html(archive, statement),
                "captures": [(c, safe_href(c.source_url)) for c in statement.captures],
                # The dateline's own date, when it agrees, is the Dateline row already.
                "other_dates": [f for f in statement.found_dates
                                if not (f.kind == "dateline" and f.text == statement.dateline
                                        and f.date == statement.date)],
                "neighbours": neighbours,
                "issuer": issuer,
                "organization": organization,
                "source_id": source_id(statement),
                "citation": _linked(citations.plain(cited, site.title, url), url),
                "highwire": citations.highwire(cited, url, site.language),
                "canonical": url,
            }

        yield _spec(path, _STATEMENT_TEMPLATES, site, statement.title, "statement", key,
                    context)


def _earlier_html(archive: Archive, statement: Statement) -> dict[int, str]:
    """The texts of a statement's versions but the one it shows, as HTML, by number: on its
    page (folded), so that the search index finds words that only an earlier text holds."""
    if not statement.altered:
        return {}
    last = len(statement.versions)
    return {n: render_markdown(text).html for n, text in archive.texts(statement).items()
            if n < last and text}


# --- statements altered at source ----------------------------------------------------------


def _version_pages(archive: Archive, site: SiteInfo, keys: Keys,
                   altered: Sequence[Statement]) -> Iterator[Spec]:
    """A page for each version of each statement altered at source: permanent, whatever
    versions come later."""
    for statement in altered:
        total = len(statement.versions)
        for number, version in enumerate(statement.versions, start=1):
            path = Paths.version(statement.id, number)
            key = (keys[statement.id], number)

            def context(statement: Statement = statement, number: int = number,
                        version=version, path: str = path) -> dict[str, Any]:
                url = Links(path, site.base_url).absolute()
                cited = alterations.cited(statement, number)
                text = archive.texts(statement).get(number) or ""
                rendered = render_markdown(text)
                return {
                    "description": descriptions.version(statement, number,
                                                        len(statement.versions),
                                                        plain_text(text)),
                    "statement": statement,
                    "version": version,
                    "number": number,
                    "total": len(statement.versions),
                    "missing": archive.texts(statement).get(number) is None,
                    "body_html": rendered.html,
                    "too_deep": rendered.too_deep,
                    "captures": [(c, safe_href(c.source_url))
                                 for c in alterations.captures_of(statement, version)],
                    "citation": _linked(citations.plain(cited, site.title, url), url),
                    "highwire": citations.highwire(cited, url, site.language),
                }

            yield _page(path, ("version.html",), site, f"{version.title} (version {number} of "
                        f"{total})", "version", key, context)


def _comparison_pages(archive: Archive, site: SiteInfo, keys: Keys,
                      altered: Sequence[Statement]) -> Iterator[Spec]:
    """A page for each change of each statement altered at source: version ``n - 1`` to
    ``n``, word by word."""
    for statement in altered:
        for number, version in versions.changes(statement):
            path = Paths.comparison(statement.id, number)
            before = statement.versions[number - 2]

            def context(statement: Statement = statement, number: int = number,
                        version=version, before=before) -> dict[str, Any]:
                texts = archive.texts(statement)
                return {
                    "statement": statement,
                    "number": number,
                    "total": len(statement.versions),
                    "before": before,
                    "after": version,
                    "change": alterations.change(before.title, texts.get(number - 1),
                                                 version.title, texts.get(number)),
                }

            yield _page(path, ("comparison.html",), site,
                        f"Version {number - 1} to {number}: {version.title}", "comparison",
                        (keys[statement.id], number), context,
                        description=descriptions.comparison(statement, number, version.added,
                                                            version.removed))


def _alias_pages(archive: Archive, site: SiteInfo) -> Iterator[Spec]:
    """A page at the address of each id a statement had before it was found to be a version
    of another, that leads to it (as Hugo's and Zola's aliases do)."""
    taken = {s.id.casefold() for s in archive.statements}
    claims = Counter(a.casefold() for s in archive.statements for a in s.aliases)
    for statement in archive.statements:
        for alias in statement.aliases:
            if alias.casefold() in taken or claims[alias.casefold()] > 1:
                continue  # (``build_archive`` reports it)
            path = Paths.statement(alias)
            target = Paths.statement(statement.id)
            yield _page(path, ("redirect.html",), site, statement.title, "redirect",
                        (alias, target),
                        lambda path=path, target=target: {
                            "target": Links(path).to(target),
                            "target_url": Links(path, site.base_url).absolute(target)},
                        description=descriptions.redirect(statement))


def _altered_pages(archive: Archive, site: SiteInfo, briefs: Briefs, keys: Keys,
                   altered: Sequence[Statement]) -> Iterator[Spec]:
    """The list of every statement altered at source, the latest alteration first, and the
    feed of their versions, one entry a version."""
    listed = tuple(sorted(altered, key=_alteration_order, reverse=True))
    key = tuple((keys[s.id], briefs[s.id]) for s in listed)
    yield _page(Paths.altered(), ("altered.html",), site, "Statements altered at source",
                "altered", key, lambda: {"statements": listed},
                description=descriptions.altered(len(listed)))
    entries = sorted(((s, n, v) for s in altered for n, v in versions.changes(s)),
                     key=lambda e: (e[2].first_seen or e[0].date, e[0].id, e[1]),
                     reverse=True)[:FEED_SIZE]
    path = Paths.altered_feed()

    def context() -> dict[str, Any]:
        links = Links(path, site.base_url)
        return {
            "feed_id": _urn(f"feed:{site.title}:{path}"),
            "entries": [_feed_entry(s, n, v, links) for s, n, v in entries],
            "alternate": Paths.altered(),
            "updated": max((v.first_seen or s.date for s, _, v in entries),
                           default=dt.date(1970, 1, 1)),
        }

    yield _page(path, ("altered_feed.xml",), site, f"Statements altered at source – "
                f"{site.title}", "feed", tuple((keys[s.id], n) for s, n, _ in entries), context)


def _feed_entry(statement: Statement, number: int, version: Version, links: Links
                ) -> dict[str, Any]:
    """One entry of the feed of versions: the version, its id, its comparison's link, and
    what changed, as text and as HTML."""
    before = statement.versions[number - 2]
    href = links.absolute(Paths.comparison(statement.id, number)) or links.comparison(
        statement.id, number)
    summary = (f"Version {number - 1} to {number}: {version.added:,} words added, "
               f"{version.removed:,} removed")
    if before.title != version.title:
        summary += f"; headline changed from \u201c{before.title}\u201d"
    if version.reverts:
        summary += f"; back to the text of version {version.reverts}"
    summary += "."
    html = Markup('<p>{}</p><p><a href="{}">What changed, word by word</a></p>').format(
        summary, href)
    return {"statement": statement, "number": number, "version": version, "href": href,
            "id": _urn(f"version:{statement.id}:{number}"), "summary": summary,
            "html": str(html)}


def _alteration_order(statement: Statement) -> tuple[str, str]:
    """Latest alteration last: by when the shown version was first seen (the publication
    date where no capture says), then by id."""
    seen = versions.altered_on(statement) or statement.date
    return (seen.isoformat(), statement.id)


def _linked(text: str, url: str) -> Markup:
    """``text`` as HTML, its first ``url`` a link (the citation is also the permanent link)."""
    html = escape(text)
    if not url:
        return html
    link = Markup('<a href="{0}">{0}</a>').format(url)
    return Markup(html.replace(escape(url), link, 1))


# --- timeline ----------------------------------------------------------------------------


def _month_chart(archive: Archive, links: Links) -> charts.Chart:
    months = archive.month_counts()
    values = [
        (f"{MONTH_NAMES[m - 1]} {y}: {n} statement{'s' * (n != 1)}", n,
         links.month(y, m) if n else None)
        for y, m, n in months
    ]
    years = sorted({y for y, _, _ in months})
    step = max(1, len(years) // 12)
    axis = [(i * 12, str(y)) for i, y in enumerate(years) if i % step == 0]
    return charts.bars(values, title="Statements per month", axis=axis)


def _year_chart(year_counts: Sequence[int], year: int, links: Links) -> charts.Chart:
    values = [
        (f"{MONTH_NAMES[m]} {year}: {n} statement{'s' * (n != 1)}", n,
         links.month(year, m + 1) if n else None)
        for m, n in enumerate(year_counts)
    ]
    return charts.bars(values, title=f"Statements per month in {year}",
                       axis=[(m, MONTH_NAMES[m][:3]) for m in range(12)], width=480)


def _timeline_pages(archive: Archive, site: SiteInfo, briefs: Briefs) -> Iterator[Spec]:
    path = Paths.timeline()
    counts = archive.month_counts()
    altered = sum(1 for s in archive.statements if s.altered)
    yield _page(path, ("timeline.html",), site, "Timeline", "timeline", (counts, altered),
                lambda path=path: {"years": archive.years, "altered": altered,
                                   "chart": _month_chart(archive, Links(path))},
                description=descriptions.timeline(archive.years, len(archive.statements)))
    years = archive.years
    for i, year in enumerate(years):
        path = Paths.year(year.year)
        previous = years[i - 1] if i else None
        following = years[i + 1] if i + 1 < len(years) else None
        yield _page(
            path, ("year.html",), site, str(year.year), "year",
            (year.month_counts(), previous and previous.year, following and following.year),
            lambda year=year, path=path, previous=previous, following=following: {
                "year": year,
                "chart": _year_chart(year.month_counts(), year.year, Links(path)),
                "previous": previous,
                "next": following,
            },
            description=descriptions.year(year),
        )
    months = [m for y in years for m in y.months]
    for i, month in enumerate(months):
        previous = months[i - 1] if i else None
        following = months[i + 1] if i + 1 < len(months) else None
        parts = month_parts(month)
        total = len(parts)
        for number, part in enumerate(parts, start=1):
            title = f"{MONTH_NAMES[month.month - 1]} {month.year}"
            yield _page(
                Paths.month(month.year, month.month, number), ("month.html",), site,
                title if total == 1 else f"{title}, page {number} of {total}", "month",
                (tuple(briefs[s.id] for s in part), number, total, len(month.statements),
                 previous and (previous.year, previous.month),
                 following and (following.year, following.month)),
                lambda month=month, previous=previous, following=following, part=part,
                number=number, pages=total: {
                    "month": month, "previous": previous, "next": following,
                    "days": by_day(part), "page_number": number, "pages": pages},
                description=descriptions.month(month, number, total),
            )


def month_parts(month: Month) -> list[tuple[Statement, ...]]:
    """The statements of each of a month's pages (``MONTH_LIMIT`` a page), oldest first."""
    items = month.statements
    return [items[at:at + MONTH_LIMIT] for at in range(0, len(items), MONTH_LIMIT)]


# --- facets: issuers, organisations, source outlets --------------------------------------


def _facet_path(facet: Facet, year: int | None = None) -> str:
    return {"issuer": Paths.issuer, "organization": Paths.organization,
            "source": Paths.source, "kind": Paths.kind}[facet.kind](facet.id, year)


def _facet_feed(facet: Facet) -> str:
    return {"issuer": Paths.issuer_feed, "organization": Paths.organization_feed,
            "source": Paths.source_feed, "kind": Paths.kind_feed}[facet.kind](facet.id)


def _same_list(archive: Archive, facet: Facet) -> Facet | None:
    """A page series that lists exactly ``facet``'s statements, if there is one elsewhere.

    The archive's only source (or kind) lists what the timeline lists (``None`` is
    returned with the timeline meant: see ``_year_path``), and an organisation whose statements are all
    one issuer's lists what that issuer's pages list. Their years link to those pages
    instead of repeating every entry, which in a large archive would add many megabytes
    of copies.
    """
    if facet.kind in ("source", "kind") and facet.count == len(archive.statements):
        return facet
    if facet.kind == "organization":
        for issuer in archive.issuers:
            if issuer.parent_id == facet.id and issuer.count == facet.count:
                return issuer
    return None


def _year_path(facet: Facet, same: Facet | None, year: int) -> str:
    """The page that lists ``facet``'s statements of ``year`` (``same``: ``_same_list``'s)."""
    if same is None:
        return _facet_path(facet, year)
    return Paths.year(year) if same is facet else _facet_path(same, year)


def _year_lister(facet: Facet, same: Facet | None, site: SiteInfo
                 ) -> Callable[[int], str] | None:
    """The page that lists a paged ``facet``'s statements of a year (``_year_path``), but
    for a kind of statement: the search page with the kind and the year chosen, for a
    kind's own year pages would repeat most of the timeline's; nothing without a
    search index."""
    if facet.kind != "kind" or same is not None:
        return lambda year: _year_path(facet, same, year)
    if not site.search:
        return None
    label = kind_label(facet.id)
    return lambda year: f"{Paths.search()}?{urlencode({'kind': label, 'year': year})}"


def _facet_chart(facet: Facet, links: Links, year_path: Callable[[int], str] | None
                 ) -> charts.Chart:
    counts = dict(facet.years())
    first, last = min(counts), max(counts)
    values = [
        (f"{y}: {counts.get(y, 0)} statement{'s' * (counts.get(y, 0) != 1)}", counts.get(y, 0),
         links.to(year_path(y)) if year_path and counts.get(y) else None)
        for y in range(first, last + 1)
    ]
    step = max(1, (last - first + 1) // 8)
    axis = [(i, str(y)) for i, y in enumerate(range(first, last + 1)) if i % step == 0]
    return charts.bars(values, title=f"Statements per year: {facet.name}", axis=axis,
                       width=480, height=90)


def _facet_pages(archive: Archive, site: SiteInfo, facets: Sequence[Facet],
                 briefs: Briefs) -> Iterator[Spec]:
    for facet in facets:
        path = _facet_path(facet)
        paged = facet.count > LIST_LIMIT
        listed = tuple(reversed(facet.statements[-LATEST:])) if paged else facet.statements
        tree = archive.tree.get(facet.id, ()) if facet.kind == "organization" else ()
        parent = archive.facet("organization", facet.parent_id) if facet.kind == "issuer" else None
        same = _same_list(archive, facet) if paged else None
        year_path = _year_lister(facet, same, site) if paged else None
        year_paths = {y: year_path(y) for y, _ in facet.years()} if year_path else {}
        key = (facet.kind, facet.id, facet.name, facet.chain, facet.years(),
               tuple(briefs[s.id] for s in listed), paged, tuple(year_paths.items()),
               tuple((r.depth, r.id, r.name, r.facet and r.facet.count) for r in tree),
               parent and (parent.id, parent.name))
        yield _page(
            path, (f"{facet.kind}-{facet.id}.html", f"{facet.kind}.html"), site, facet.name,
            facet.kind, key,
            lambda facet=facet, path=path, paged=paged, listed=listed, tree=tree, parent=parent,
            year_path=year_path, year_paths=year_paths: {
                "facet": facet,
                "paged": paged,
                "statements": listed,
                "years": facet.years(),
                "year_links": {y: Links(path).to(p) for y, p in year_paths.items()},
                "chart": _facet_chart(facet, Links(path), year_path),
                "tree": tree,
                "parent": parent,
                "feed": Links(path).to(_facet_feed(facet)),
            },
            description=descriptions.facet(facet),
        )
        if not paged or same is not None or facet.kind == "kind":
            continue
        years = facet.years()
        for i, (year, _) in enumerate(years):
            year_path = _facet_path(facet, year)
            statements = facet.in_year(year)
            previous = years[i - 1][0] if i else None
            following = years[i + 1][0] if i + 1 < len(years) else None
            yield _page(
                year_path, ("facet_year.html",), site, f"{facet.name}: {year}",
                f"{facet.kind}-year",
                # The years (it links to them), not their counts, which it does not show: a
                # statement added to one year would otherwise render again each year page
                # of an issuer that has many (3,600 statements apiece at 100,000).
                (facet.kind, facet.id, facet.name, year, tuple(briefs[s.id] for s in statements),
                 tuple(y for y, _ in years)),
                lambda facet=facet, year=year, statements=statements, year_path=year_path,
                previous=previous, following=following, years=years: {
                    "facet": facet,
                    "year": year,
                    "statements": statements,
                    "facet_link": Links(year_path).to(_facet_path(facet)),
                    "previous": previous,
                    "next": following,
                    "year_links": {y: Links(year_path).to(_facet_path(facet, y))
                                   for y, _ in years},
                },
                description=descriptions.facet_year(facet, year),
            )


def _issuer_pages(archive: Archive, site: SiteInfo, briefs: Briefs) -> Iterator[Spec]:
    unattributed = sum(1 for s in archive.statements if not s.issuer.issuer_id)
    orphans = tuple(i for i in archive.issuers if not archive.facet("organization", i.parent_id))
    rows = lambda facets: tuple((f.id, f.name, f.count, f.first.date, f.last.date)  # noqa: E731
                                for f in facets)
    key = (rows(archive.organizations), rows(orphans), unattributed, rows(archive.kinds),
           tuple((org, tuple((r.depth, r.id, r.name, r.facet and (r.facet.count,
                  r.facet.first.date, r.facet.last.date)) for r in tree))
                 for org, tree in sorted(archive.tree.items())))
    yield _page(Paths.issuers(), ("issuers.html",), site, "Issuers", "issuers", key,
                lambda: {"organizations": archive.organizations, "tree": archive.tree,
                         "orphans": orphans, "unattributed": unattributed,
                         "kinds": archive.kinds},
                description=descriptions.issuers(len(archive.organizations),
                                                 len(archive.issuers)))
    yield from _facet_pages(archive, site, archive.organizations, briefs)
    yield from _facet_pages(archive, site, archive.issuers, briefs)
    yield from _facet_pages(archive, site, archive.kinds, briefs)


def _source_pages(archive: Archive, site: SiteInfo, briefs: Briefs) -> Iterator[Spec]:
    key = tuple((f.id, f.name, f.count, f.first.date, f.last.date) for f in archive.sources)
    yield _page(Paths.sources(), ("sources.html",), site, "Sources", "sources", key,
                lambda: {"sources": archive.sources},
                description=descriptions.sources(len(archive.sources)))
    yield from _facet_pages(archive, site, archive.sources, briefs)


# --- home, search, 404 -------------------------------------------------------------------


def _home(archive: Archive, site: SiteInfo, totals: Totals, briefs: Briefs) -> Spec:
    path = Paths.home()
    top = tuple(sorted(archive.issuers, key=lambda f: (-f.count, f.name.casefold(), f.id))[:10])
    latest = tuple(reversed(archive.statements[-LATEST:]))
    key = (totals, tuple(briefs[s.id] for s in latest), tuple((f.id, f.name, f.count) for f in top),
           archive.month_counts())
    return _page(path, ("home.html",), site, site.title, "home", key, lambda: {
        "totals": totals,
        "latest": latest,
        "top_issuers": top,
        "chart": _month_chart(archive, Links(path)),
        "years": archive.years,
    }, description=descriptions.home(site.title, totals.statements, totals.issuers,
                                     totals.first, totals.last))


def _search(archive: Archive, site: SiteInfo) -> Spec:
    buckets = tuple(sorted({Paths.bucket(s.id) for s in archive.statements}))
    return _page(Paths.search(), ("search.html",), site, "Search", "search", buckets,
                 lambda: {"buckets": buckets}, description=descriptions.search(site.title))


def _data_page(site: SiteInfo) -> Spec:
    """The page that says what the data files hold and how to load them (the footer's
    one link to the data)."""
    return _page(Paths.data_page(), ("data.html",), site, "Research data", "data", None, dict,
                 description=descriptions.data(site.title))


def _not_found(site: SiteInfo) -> Spec:
    links = AbsoluteLinks(Paths.not_found(), site.base_url)
    return _page(Paths.not_found(), ("404.html",), site, "Page not found", "404", None,
                 dict, links=links, description=descriptions.not_found(site.title))


# --- feeds, sitemap, robots, data --------------------------------------------------------


def _feeds(archive: Archive, site: SiteInfo, briefs: Briefs, keys: Keys) -> Iterator[Spec]:
    def feed(path: str, title: str, statements: Sequence[Statement], alternate: str) -> Spec:
        latest = tuple(reversed(statements[-FEED_SIZE:]))

        def context() -> dict[str, Any]:
            links = Links(path, site.base_url)
            return {
                "feed_id": _urn(f"feed:{site.title}:{path}"),
                "entries": tuple(
                    (s, render_markdown(archive.body(s)).html, _urn(f"statement:{s.id}"),
                     links.absolute(Paths.statement(s.id)) or links.statement(s.id))
                    for s in latest
                ),
                "alternate": alternate,
                "updated": latest[0].date if latest else dt.date(1970, 1, 1),
            }

        key = (tuple((keys[s.id], briefs[s.id]) for s in latest), alternate)
        return _page(path, ("feed.xml",), site, title, "feed", key, context)

    yield feed(Paths.feed(), site.title, archive.statements, Paths.home())
    for facet in (*archive.issuers, *archive.organizations, *archive.sources, *archive.kinds):
        yield feed(_facet_feed(facet), f"{facet.name} \u2013 {site.title}", facet.statements,
                   _facet_path(facet))


def _urn(name: str) -> str:
    """A permanent Atom id that does not change when the site moves to another URL."""
    return uuid.uuid5(uuid.NAMESPACE_URL, "statement-archive:" + name).urn


def _all_html_paths(archive: Archive) -> Iterator[tuple[str, str, dt.date | None]]:
    """Every HTML page: the bucket of a statement's (``Paths.bucket``; ``"pages"`` for the
    others), its path, and the date it last changed (None: an index page)."""
    yield "pages", Paths.home(), None
    yield "pages", Paths.timeline(), None
    yield "pages", Paths.issuers(), None
    yield "pages", Paths.sources(), None
    yield "pages", Paths.search(), None
    yield "pages", Paths.data_page(), None
    for statement in archive.statements:
        yield Paths.bucket(statement.id), Paths.statement(statement.id), statement.date
    altered = [s for s in archive.statements if s.altered]
    if altered:
        yield "pages", Paths.altered(), None
    for statement in altered:
        for number, version in enumerate(statement.versions, start=1):
            yield "pages", Paths.version(statement.id, number), version.last_seen
            if number > 1:
                yield "pages", Paths.comparison(statement.id, number), version.first_seen
    for year in archive.years:
        yield "pages", Paths.year(year.year), None
        for month in year.months:
            for number, part in enumerate(month_parts(month), start=1):
                yield "pages", Paths.month(month.year, month.month, number), part[-1].date
    for facet in (*archive.organizations, *archive.issuers, *archive.sources, *archive.kinds):
        yield "pages", _facet_path(facet), None
        if (facet.count > LIST_LIMIT and facet.kind != "kind"
                and _same_list(archive, facet) is None):
            for year, _ in facet.years():
                yield "pages", _facet_path(facet, year), facet.in_year(year)[-1].date


def _sitemaps(archive: Archive, site: SiteInfo) -> Iterator[Spec]:
    if not site.base_url:
        return  # a sitemap must list absolute URLs
    entries = list(_all_html_paths(archive))
    pages = [(path, date) for _, path, date in entries]

    def key(chunk: list[tuple[str, dt.date | None]]) -> tuple[list[str], list[int]]:
        """The paths and dates (the base URL is in every key): a ``repr`` of strings and
        numbers, a fifth of the time of the dates' (100,000 at 100,000 statements)."""
        return [p for p, _ in chunk], [d.toordinal() if d else 0 for _, d in chunk]

    def urls(chunk: list[tuple[str, dt.date | None]]) -> list[tuple[str, dt.date | None]]:
        return [(Links(p, site.base_url).absolute(), d) for p, d in chunk]

    if len(pages) <= SITEMAP_SIZE:
        yield _page(Paths.sitemap(), ("sitemap.xml",), site, "Sitemap", "sitemap", key(pages),
                    lambda: {"urls": urls(pages)})
        return
    # More than one sitemap may hold: one per year of statement pages (the folders they
    # are in), and one of the other pages, each cut in parts of at most SITEMAP_SIZE. A
    # statement added then changes its year's sitemap alone, not every one after it (two
    # of 50,000 URLs each at 100,000 statements). Gzip-compressed: 17 MB -> 2 MB in all.
    groups: dict[str, list[tuple[str, dt.date | None]]] = {}
    for group, path, date in entries:
        groups.setdefault(group, []).append((path, date))
    names = []
    for group, members in groups.items():
        chunks = [members[i:i + SITEMAP_SIZE] for i in range(0, len(members), SITEMAP_SIZE)]
        for i, chunk in enumerate(chunks):
            name = Paths.sitemap_part(group if len(chunks) == 1 else f"{group}-{i + 1}")
            names.append(name)
            yield _page(name, ("sitemap.xml",), site, "Sitemap", "sitemap", key(chunk),
                        lambda chunk=chunk: {"urls": urls(chunk)}, compressed=True)
    sitemaps = tuple(site.base_url + n for n in names)
    yield _page(Paths.sitemap(), ("sitemap_index.xml",), site, "Sitemap", "sitemap", sitemaps,
                lambda: {"sitemaps": sitemaps})


def _robots(site: SiteInfo) -> Spec:
    lines = ["User-agent: *", "Allow: /"]
    if site.base_url:
        lines.append(f"Sitemap: {site.base_url}{Paths.sitemap()}")
    text = ("\n".join(lines) + "\n").encode()
    return _file("robots.txt", text, lambda: text)


def _years(archive: Archive) -> list[tuple[Statement, ...]]:
    """The archive's statements in runs of one year each (the exports' parts)."""
    return [tuple(run) for _, run in itertools.groupby(archive.statements,
                                                       key=lambda s: s.date.year)]


def _exports(archive: Archive, keys: Keys) -> Iterator[Spec]:
    """The data exports, a part per year. A part's key is its statements' keys (their
    files' checksums and ids, which the pages' keys compute anyway; the fields the
    exports show, read again, took a second at 100,000 statements): an edited body
    makes its year's part again, the same bytes for the metadata. The full text reads
    the bodies of the years whose part it makes, and only those."""
    runs = _years(archive)
    run_keys = [fingerprint([keys[s.id] for s in run]) for run in runs]
    json_parts: list[tuple[str, Callable[[], bytes]]] = [("head", lambda: exports.JSON_HEAD)]
    csv_parts: list[tuple[str, Callable[[], bytes]]] = [("head", exports.csv_header)]
    for i, (run, key) in enumerate(zip(runs, run_keys, strict=True)):
        if i:
            json_parts.append(("separator", lambda: exports.JSON_SEPARATOR))
        json_parts.append((key, lambda run=run: exports.json_items(run, archive.body)))
        csv_parts.append((key, lambda run=run: exports.csv_rows(run, archive.body)))
    json_parts.append(("tail", lambda: exports.JSON_TAIL))
    text_parts = [(key, lambda run=run: fulltext.lines(run, archive.body, archive.texts))
                  for run, key in zip(runs, run_keys, strict=True)]
    for path, parts in ((Paths.full_text(), text_parts), (Paths.data("json"), json_parts),
                        (Paths.data("csv"), csv_parts)):
        yield PartsSpec(path, fingerprint(CODE, path, run_keys),
                        tuple((fingerprint(CODE, path, key), data) for key, data in parts))


def site_info(config: SiteConfig, search: bool, theme: str) -> SiteInfo:
    return SiteInfo(title=config.title, base_url=config.base_url, language=config.language,
                    search=search, theme=theme)


def totals(archive: Archive) -> Totals:
    return Totals(
        statements=len(archive.statements),
        issuers=len(archive.issuers),
        first=archive.statements[0].date if archive.statements else None,
        last=archive.statements[-1].date if archive.statements else None,
        altered=sum(1 for s in archive.statements if s.altered),
    )


def plan(archive: Archive, config: SiteConfig, *, search: bool = True, theme: str = ""
         ) -> Iterator[Spec]:
    """Every output file of the site, one at a time, in a stable order.

    ``theme`` is a checksum of the theme's files, so that a changed template
    changes every page's key.
    """
    parts = Plan(archive, config, search=search, theme=theme)
    yield from parts.statement_pages(archive.statements)
    yield from parts.other_files()


class Plan:
    """``plan`` in the parts a build asks for one at a time: the statement pages of some
    statements (all the search index reads; a build asks for them a bucket at a time),
    what they are made from (``statement_pages_key``), and the other files."""

    def __init__(self, archive: Archive, config: SiteConfig, *, search: bool = True,
                 theme: str = "") -> None:
        self.archive = archive
        self.site = site_info(config, search, theme)
        by_id = {s.id: s for s in archive.statements}
        self.briefs: Briefs = _EachMade(by_id, brief)
        self.keys: Keys = _EachMade(by_id, statement_key)

    def statement_pages(self, statements: Sequence[Statement]) -> Iterator[Spec]:
        return _statement_pages(self.archive, self.site, self.briefs, self.keys, statements)

    def statement_pages_key(self, statements: Sequence[Statement]) -> str:
        return statement_pages_key(self.archive, self.site, self.keys, statements)

    def other_files(self) -> Iterator[Spec]:
        return _other_files(self.archive, self.site, self.briefs, self.keys)


def _other_files(archive: Archive, site: SiteInfo, briefs: Briefs, keys: Keys
                 ) -> Iterator[Spec]:
    altered = [s for s in archive.statements if s.altered]
    yield _home(archive, site, totals(archive), briefs)
    yield from _timeline_pages(archive, site, briefs)
    yield from _version_pages(archive, site, keys, altered)
    yield from _comparison_pages(archive, site, keys, altered)
    yield from _alias_pages(archive, site)
    if altered:
        yield from _altered_pages(archive, site, briefs, keys, altered)
    yield from _issuer_pages(archive, site, briefs)
    yield from _source_pages(archive, site, briefs)
    yield _search(archive, site)
    yield _data_page(site)
    yield _not_found(site)
    yield from _feeds(archive, site, briefs, keys)
    yield from _sitemaps(archive, site)
    yield _robots(site)
    yield _file(".nojekyll", b"", lambda: b"")
    yield from _exports(archive, keys)

"""Which pages the site has, and what each one shows: ``plan(archive, config)``.

``plan`` yields one ``PageSpec`` (an output path, the templates to try, and
the data they get) or ``FileSpec`` (an output path and its bytes) per output
file. It touches no disk and renders nothing: a new page kind is one
function here and one template. Specs are produced one at a time, so that an
archive of 100,000 statements never holds its pages in memory at once.

Page kinds: home, statement (with its citation files), timeline (overview,
year, month), issuers (index, issuer, organisation), sources (index,
outlet), search, 404, Atom feeds, sitemap, robots.txt, data exports.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from . import __version__, charts, citations, exports
from .config import SiteConfig
from .documents import Statement
from .markdown import render as render_markdown
from .model import Archive, Facet, source_id
from .theme import MONTH_NAMES
from .urls import AbsoluteLinks, Links, Paths, download_url, safe_href

#: A facet page lists every statement up to this many; beyond it, one page per year.
LIST_LIMIT = 200
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
    context: dict[str, Any]


@dataclass(frozen=True, slots=True)
class FileSpec:
    """A file written as given."""

    path: str
    data: bytes


Spec = PageSpec | FileSpec


@dataclass(frozen=True, slots=True)
class SiteInfo:
    """What every template knows about the site as a whole."""

    title: str
    base_url: str
    language: str
    statements: int
    issuers: int
    first: dt.date | None
    last: dt.date | None
    search: bool
    generator: str = f"statement-archive {__version__}"


def _page(path: str, templates: Sequence[str], site: SiteInfo, title: str, kind: str,
          **context: Any) -> PageSpec:
    links = Links(path, site.base_url)
    return PageSpec(path, tuple(templates), {
        "site": site, "links": links, "page": {"path": path, "title": title, "kind": kind},
        **context,
    })


# --- statements --------------------------------------------------------------------------


def _statement_pages(archive: Archive, site: SiteInfo,
                     warn_too_deep: Callable[[Statement], None]) -> Iterator[Spec]:
    for statement in archive.statements:
        path = Paths.statement(statement.id)
        url = Links(path, site.base_url).absolute()
        rendered = render_markdown(statement.body)
        if rendered.too_deep:
            warn_too_deep(statement)
        captures = [(c, safe_href(c.source_url)) for c in statement.captures]
        yield _page(
            path, ("statement.html",), site, statement.title, "statement",
            statement=statement,
            body_html=rendered.html,
            captures=captures,
            neighbours=archive.neighbours[statement.id],
            issuer=archive.facet("issuer", statement.issuer.issuer_id),
            source_id=source_id(statement),
            organization=archive.facet("organization", statement.issuer.organization_id),
            citation=citations.plain(statement, site.title, url),
            bibtex=download_url(citations.BIBTEX_TYPE, citations.bibtex(statement, site.title, url)),
            ris=download_url(citations.RIS_TYPE, citations.ris(statement, site.title, url)),
            highwire=citations.highwire(statement, url, site.language),
            canonical=url,
        )


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


def _timeline_pages(archive: Archive, site: SiteInfo) -> Iterator[Spec]:
    path = Paths.timeline()
    yield _page(path, ("timeline.html",), site, "Timeline", "timeline",
                years=archive.years, chart=_month_chart(archive, Links(path)))
    years = archive.years
    for i, year in enumerate(years):
        path = Paths.year(year.year)
        yield _page(
            path, ("year.html",), site, str(year.year), "year",
            year=year,
            chart=_year_chart(year.month_counts(), year.year, Links(path)),
            previous=years[i - 1] if i else None,
            next=years[i + 1] if i + 1 < len(years) else None,
        )
    months = [m for y in years for m in y.months]
    for i, month in enumerate(months):
        yield _page(
            Paths.month(month.year, month.month), ("month.html",), site,
            f"{MONTH_NAMES[month.month - 1]} {month.year}", "month",
            month=month,
            previous=months[i - 1] if i else None,
            next=months[i + 1] if i + 1 < len(months) else None,
        )


# --- facets: issuers, organisations, source outlets --------------------------------------


def _facet_path(facet: Facet, year: int | None = None) -> str:
    return {"issuer": Paths.issuer, "organization": Paths.organization,
            "source": Paths.source}[facet.kind](facet.id, year)


def _facet_chart(facet: Facet, links: Links, paged: bool) -> charts.Chart:
    counts = dict(facet.years())
    first, last = min(counts), max(counts)
    values = [
        (f"{y}: {counts.get(y, 0)} statement{'s' * (counts.get(y, 0) != 1)}", counts.get(y, 0),
         links.to(_facet_path(facet, y)) if paged and counts.get(y) else None)
        for y in range(first, last + 1)
    ]
    step = max(1, (last - first + 1) // 8)
    axis = [(i, str(y)) for i, y in enumerate(range(first, last + 1)) if i % step == 0]
    return charts.bars(values, title=f"Statements per year: {facet.name}", axis=axis,
                       width=480, height=90)


def _facet_pages(archive: Archive, site: SiteInfo, facets: Sequence[Facet]) -> Iterator[Spec]:
    for facet in facets:
        path = _facet_path(facet)
        paged = facet.count > LIST_LIMIT
        listed = tuple(reversed(facet.statements[-LATEST:])) if paged else facet.statements
        yield _page(
            path, (f"{facet.kind}-{facet.id}.html", f"{facet.kind}.html"), site, facet.name,
            facet.kind,
            facet=facet,
            paged=paged,
            statements=listed,
            years=facet.years(),
            year_links={y: Links(path).to(_facet_path(facet, y)) for y, _ in facet.years()},
            chart=_facet_chart(facet, Links(path), paged),
            tree=archive.tree.get(facet.id, ()) if facet.kind == "organization" else (),
            parent=archive.facet("organization", facet.parent_id)
            if facet.kind == "issuer" else None,
        )
        if paged:
            years = facet.years()
            for i, (year, _) in enumerate(years):
                yield _page(
                    _facet_path(facet, year), ("facet_year.html",), site,
                    f"{facet.name}: {year}", f"{facet.kind}-year",
                    facet=facet, year=year, statements=facet.in_year(year),
                    facet_link=Links(_facet_path(facet, year)).to(path),
                    previous=years[i - 1][0] if i else None,
                    next=years[i + 1][0] if i + 1 < len(years) else None,
                    year_links={y: Links(_facet_path(facet, year)).to(_facet_path(facet, y))
                                for y, _ in years},
                )


def _issuer_pages(archive: Archive, site: SiteInfo) -> Iterator[Spec]:
    unattributed = tuple(s for s in archive.statements if not s.issuer.issuer_id)
    yield _page(Paths.issuers(), ("issuers.html",), site, "Issuers", "issuers",
                organizations=archive.organizations, tree=archive.tree,
                orphans=tuple(i for i in archive.issuers
                              if not archive.facet("organization", i.parent_id)),
                unattributed=len(unattributed))
    yield from _facet_pages(archive, site, archive.organizations)
    yield from _facet_pages(archive, site, archive.issuers)


def _source_pages(archive: Archive, site: SiteInfo) -> Iterator[Spec]:
    yield _page(Paths.sources(), ("sources.html",), site, "Sources", "sources",
                sources=archive.sources)
    yield from _facet_pages(archive, site, archive.sources)


# --- home, search, 404 -------------------------------------------------------------------


def _home(archive: Archive, site: SiteInfo) -> Spec:
    path = Paths.home()
    top = sorted(archive.issuers, key=lambda f: (-f.count, f.name.casefold(), f.id))[:10]
    return _page(path, ("home.html",), site, site.title, "home",
                 latest=tuple(reversed(archive.statements[-LATEST:])),
                 top_issuers=tuple(top),
                 chart=_month_chart(archive, Links(path)),
                 years=archive.years)


def _search(archive: Archive, site: SiteInfo) -> Spec:
    buckets = sorted({Paths.bucket(s.id) for s in archive.statements})
    return _page(Paths.search(), ("search.html",), site, "Search", "search", buckets=buckets)


def _not_found(site: SiteInfo) -> Spec:
    spec = _page(Paths.not_found(), ("404.html",), site, "Page not found", "404")
    spec.context["links"] = AbsoluteLinks(Paths.not_found(), site.base_url)
    return spec


# --- feeds, sitemap, robots, data --------------------------------------------------------


def _feeds(archive: Archive, site: SiteInfo) -> Iterator[Spec]:
    def feed(path: str, title: str, statements: Sequence[Statement], alternate: str) -> Spec:
        latest = tuple(reversed(statements[-FEED_SIZE:]))
        links = Links(path, site.base_url)
        entries = tuple(
            (s, render_markdown(s.body).html, _urn(f"statement:{s.id}"),
             links.absolute(Paths.statement(s.id)) or links.statement(s.id))
            for s in latest
        )
        return _page(
            path, ("feed.xml",), site, title, "feed",
            feed_id=_urn(f"feed:{site.title}:{path}"),
            entries=entries,
            alternate=alternate,
            updated=latest[0].date if latest else dt.date(1970, 1, 1),
        )

    yield feed(Paths.feed(), site.title, archive.statements, Paths.home())
    for issuer in archive.issuers:
        yield feed(Paths.issuer_feed(issuer.id), f"{issuer.name} \u2013 {site.title}",
                   issuer.statements, Paths.issuer(issuer.id))


def _urn(name: str) -> str:
    """A permanent Atom id that does not change when the site moves to another URL."""
    return uuid.uuid5(uuid.NAMESPACE_URL, "statement-archive:" + name).urn


def _all_html_paths(archive: Archive) -> Iterator[tuple[str, dt.date | None]]:
    """Every HTML page with the date it last changed (None: an index page)."""
    yield Paths.home(), None
    yield Paths.timeline(), None
    yield Paths.issuers(), None
    yield Paths.sources(), None
    yield Paths.search(), None
    for statement in archive.statements:
        yield Paths.statement(statement.id), statement.date
    for year in archive.years:
        yield Paths.year(year.year), None
        for month in year.months:
            yield Paths.month(month.year, month.month), month.statements[-1].date
    for facet in (*archive.organizations, *archive.issuers, *archive.sources):
        yield _facet_path(facet), None
        if facet.count > LIST_LIMIT:
            for year, _ in facet.years():
                yield _facet_path(facet, year), facet.in_year(year)[-1].date


def _sitemaps(archive: Archive, site: SiteInfo) -> Iterator[Spec]:
    if not site.base_url:
        return  # a sitemap must list absolute URLs
    urls = [(Links(p, site.base_url).absolute(), d) for p, d in _all_html_paths(archive)]
    chunks = [urls[i:i + SITEMAP_SIZE] for i in range(0, len(urls), SITEMAP_SIZE)]
    if len(chunks) == 1:
        yield _page(Paths.sitemap(), ("sitemap.xml",), site, "Sitemap", "sitemap", urls=urls)
        return
    names = [f"sitemaps/sitemap-{i + 1}.xml" for i in range(len(chunks))]
    for name, chunk in zip(names, chunks, strict=True):
        yield _page(name, ("sitemap.xml",), site, "Sitemap", "sitemap", urls=chunk)
    yield _page(Paths.sitemap(), ("sitemap_index.xml",), site, "Sitemap", "sitemap",
                sitemaps=tuple(site.base_url + n for n in names))


def _robots(site: SiteInfo) -> Spec:
    lines = ["User-agent: *", "Allow: /"]
    if site.base_url:
        lines.append(f"Sitemap: {site.base_url}{Paths.sitemap()}")
    return FileSpec("robots.txt", ("\n".join(lines) + "\n").encode())


def site_info(archive: Archive, config: SiteConfig, search: bool) -> SiteInfo:
    return SiteInfo(
        title=config.title,
        base_url=config.base_url,
        language=config.language,
        statements=len(archive.statements),
        issuers=len(archive.issuers),
        first=archive.statements[0].date if archive.statements else None,
        last=archive.statements[-1].date if archive.statements else None,
        search=search,
    )


def plan(archive: Archive, config: SiteConfig, *, search: bool = True,
         warn_too_deep: Callable[[Statement], None] = lambda s: None) -> Iterator[Spec]:
    """Every output file of the site, one at a time, in a stable order."""
    site = site_info(archive, config, search)
    yield _home(archive, site)
    yield from _statement_pages(archive, site, warn_too_deep)
    yield from _timeline_pages(archive, site)
    yield from _issuer_pages(archive, site)
    yield from _source_pages(archive, site)
    yield _search(archive, site)
    yield _not_found(site)
    yield from _feeds(archive, site)
    yield from _sitemaps(archive, site)
    yield _robots(site)
    yield FileSpec(".nojekyll", b"")
    yield FileSpec(Paths.data("json"), exports.statements_json(archive.statements))
    yield FileSpec(Paths.data("csv"), exports.statements_csv(archive.statements))

"""Which pages the site has, and what each one shows: ``Plan``.

``Plan`` gives one spec (``specs``) per output file: a page rendered through
the theme, a file, or a large file made of parts. It touches no disk and
renders nothing; a spec's data is computed only if it is rendered, and its key
(what it is made from) decides whether it is.

A page kind is a function here (or, for a family of kinds, in a module of its
own: ``version_pages``, ``feeds``, ``sitemaps``) that makes the specs of its
pages with ``specs.page``, from the values each page shows: the page's key is
made from them, so it cannot leave out anything the page shows. Adding a page
kind takes that function, a line calling it in ``_other_files``, its template
in ``themes/default/templates/``, and its paths in ``urls.Paths``; its HTML
pages are in the sitemap without more (``sitemap=False`` leaves one out). A
value of a type no page has shown before needs a line in ``specs.Shown``
saying what a page shows of it.

Page kinds: home, statement, the versions of a statement altered at source
(version, comparison, the list of them), redirects from former ids, timeline
(overview, year, month), issuers (index, issuer, organisation), sources
(index, outlet), kinds of statement, search, research data, 404, Atom feeds
(the site's, each issuer's, organisation's, outlet's and kind's, and the
versions'), sitemap, robots.txt, data exports (the full text among them).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from typing import Any
from urllib.parse import urlencode

from .. import CODE
from ..config import SiteConfig
from ..engine.keys import digest as _digest
from ..engine.keys import fingerprint
from ..model.archive import Archive, Facet, Month, Year, by_day, month_counts, source_id
from ..model.documents import Statement
from ..model.issuers import kind_label
from ..model.markdown import plain_text
from ..model.markdown import render as render_markdown
from . import (
    alterations,
    charts,
    citations,
    descriptions,
    exports,
    feeds,
    fulltext,
    sitemaps,
    version_pages,
)
from .specs import (
    Briefs,
    EachMade,
    FacetRef,
    FileSpec,
    Keys,
    MonthRef,
    PageSpec,
    PartsSpec,
    Shown,
    SiteInfo,
    Spec,
    Totals,
    YearRef,
    brief,
    file,
    html_pages,
    keyed_page,
    page,
    site_start,
    statement_key,
)
from .theme import MONTH_NAMES
from .urls import AbsoluteLinks, Links, Paths, safe_href

__all__ = ["FileSpec", "Keys", "PageSpec", "PartsSpec", "Plan", "Spec", "plan",
           "statement_key"]

#: A facet page lists every statement up to this many; beyond it, one page per year.
LIST_LIMIT = 200
#: A month's page lists up to this many statements; a month with more has more pages (so
#: that a day with tens of thousands of statements makes many pages, not one huge one).
MONTH_LIMIT = 500
#: Statements on the home page and in each feed.
LATEST = 20
FEED_SIZE = 50
#: URLs per sitemap file (the sitemap protocol's limit).
SITEMAP_SIZE = 50_000


class Plan:
    """Every output file of the site, in the parts a build asks for one at a time: the
    statement pages of some statements (all the search index reads; a build asks for
    them a bucket at a time), what they are made from (``statement_pages_key``), and the
    other files. ``theme`` is a checksum of the theme's files, part of every page's key."""

    def __init__(self, archive: Archive, config: SiteConfig, *, search: bool = True,
                 theme: str = "") -> None:
        self.archive = archive
        self.site = site_info(config, search, theme)
        by_id = {s.id: s for s in archive.statements}
        self.briefs: Briefs = EachMade(by_id, brief)
        self.keys: Keys = EachMade(by_id, statement_key)
        self.shown = Shown(self.briefs, self.keys)

    def statement_pages(self, statements: Sequence[Statement]) -> Iterator[Spec]:
        return _statement_pages(self.archive, self.site, self.briefs, self.keys, statements)

    def statement_pages_key(self, statements: Sequence[Statement]) -> str:
        return statement_pages_key(self.archive, self.site, self.keys, statements)

    def other_files(self) -> Iterator[Spec]:
        return _other_files(self.archive, self.site, self.shown)


def plan(archive: Archive, config: SiteConfig, *, search: bool = True, theme: str = ""
         ) -> Iterator[Spec]:
    """Every output file of the site, one at a time, in a stable order."""
    parts = Plan(archive, config, search=search, theme=theme)
    yield from parts.statement_pages(archive.statements)
    yield from parts.other_files()


def _other_files(archive: Archive, site: SiteInfo, shown: Shown) -> Iterator[Spec]:
    """Every output file but the statement pages; the sitemap lists the HTML pages among
    them (and the statement pages)."""
    altered = tuple(s for s in archive.statements if s.altered)
    files = [
        _home(archive, site, shown),
        *_timeline_pages(archive, site, shown),
        *version_pages.version_pages(archive, site, shown, altered),
        *version_pages.comparison_pages(archive, site, shown, altered),
        *version_pages.alias_pages(archive, site, shown),
        *version_pages.altered_list(archive, site, shown, altered),
        *feeds.altered_feed(archive, site, shown, altered, FEED_SIZE),
        *_issuer_pages(archive, site, shown),
        *_source_pages(archive, site, shown),
        _search(archive, site, shown),
        _data_page(site, shown),
        _not_found(site, shown),
        *feeds.feeds(archive, site, shown, FEED_SIZE),
        _robots(site),
        file(".nojekyll", b"", lambda: b""),
        *_exports(archive, shown.keys),
    ]
    return iter([*files, *sitemaps.sitemaps(archive, site, html_pages(files), SITEMAP_SIZE)])


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


# --- statements --------------------------------------------------------------------------

# A statement page's key is made by hand (``keyed_page``), from exactly what its context
# reads, by a quicker road than ``page``'s: it is made for every statement of a year that
# changed. ``statement_pages_key`` must be made from the same.


class _StatementFacets(dict[tuple[str, str | None], tuple[Facet | None, str]]):
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
    return f"{site_start(site)}\0{_STATEMENT_TEMPLATES!r}\0"


def statement_pages_key(archive: Archive, site: SiteInfo, keys: Keys,
                        statements: Sequence[Statement]) -> str:
    """One checksum of what the pages of ``statements`` are made from: while it stays the
    same, so does each of their keys, and a build need not plan them.

    It is made from what each page's key is made from (``_statement_pages``), but for
    the statement's path and title, which its key decides (the path is made from its
    id), and for the neighbours' briefs, in whose stead are their keys, which decide
    them: ``brief`` shows nothing of a statement that its key does not. (A key decides
    what a statement shows because the store reads a file the same way every time, its
    checksum and its issuer as the list resolves it: what each page's key already
    relies on for the body.)
    """
    facets, neighbours_of = _StatementFacets(archive), archive.neighbours
    parts = [_statement_start(site)]
    for statement in statements:
        parts += (keys[statement.id],
                  *[keys[n.id] if n else "-" for n in neighbours_of[statement.id]],
                  facets["issuer", statement.issuer.issuer_id][1],
                  facets["organization", statement.issuer.organization_id][1])
    return _digest("\0".join(parts))


def _statement_pages(archive: Archive, site: SiteInfo, briefs: Briefs, keys: Keys,
                     statements: Sequence[Statement]) -> Iterator[Spec]:
    start, facets = _statement_start(site), _StatementFacets(archive)
    for statement in statements:
        path = Paths.statement(statement.id)
        neighbours = archive.neighbours[statement.id]
        issuer, issuer_text = facets["issuer", statement.issuer.issuer_id]
        organization, organization_text = facets["organization",
                                                 statement.issuer.organization_id]
        key = _digest("\0".join((
            start, path, repr(statement.title), keys[statement.id],
            *(briefs[n.id] if n else "-" for n in neighbours), issuer_text, organization_text)))

        def context(statement: Statement = statement, neighbours=neighbours, issuer=issuer,
                    organization=organization, path: str = path) -> dict[str, Any]:
            return {**_statement_context(archive, site, statement, path),
                    "neighbours": neighbours, "issuer": issuer, "organization": organization}

        yield keyed_page(path, _STATEMENT_TEMPLATES, site, statement.title, "statement", key,
                         context)


def _statement_context(archive: Archive, site: SiteInfo, statement: Statement, path: str
                       ) -> dict[str, Any]:
    """What a statement's page shows of the statement itself: its text, versions, captures,
    dates and citation."""
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
        "source_id": source_id(statement),
        "citation": citations.plain_html(cited, site.title, url),
        "highwire": citations.highwire(cited, url, site.language),
        "canonical": url,
    }


def _earlier_html(archive: Archive, statement: Statement) -> dict[int, str]:
    """The texts of a statement's versions but the one it shows, as HTML, by number: on its
    page (folded), so that the search index finds words that only an earlier text holds."""
    if not statement.altered:
        return {}
    last = len(statement.versions)
    return {n: render_markdown(text).html for n, text in archive.texts(statement).items()
            if n < last and text}


# --- timeline ----------------------------------------------------------------------------


def _month_chart(years: Sequence[Year], links: Links) -> charts.Chart:
    months = month_counts(years)
    values = [
        (f"{MONTH_NAMES[m - 1]} {y}: {n} statement{'s' * (n != 1)}", n,
         links.month(y, m) if n else None)
        for y, m, n in months
    ]
    year_numbers = sorted({y for y, _, _ in months})
    step = max(1, len(year_numbers) // 12)
    axis = [(i * 12, str(y)) for i, y in enumerate(year_numbers) if i % step == 0]
    return charts.bars(values, title="Statements per month", axis=axis)


def _with_month_chart(links: Links, site: SiteInfo, *, years: Sequence[Year], **_: object
                      ) -> dict[str, object]:
    return {"chart": _month_chart(years, Links(links.page))}


def _year_chart(links: Links, site: SiteInfo, *, year: Year, **_: object) -> dict[str, object]:
    values = [
        (f"{MONTH_NAMES[m]} {year.year}: {n} statement{'s' * (n != 1)}", n,
         links.month(year.year, m + 1) if n else None)
        for m, n in enumerate(year.month_counts())
    ]
    return {"chart": charts.bars(values, title=f"Statements per month in {year.year}",
                                 axis=[(m, MONTH_NAMES[m][:3]) for m in range(12)], width=480)}


def _timeline_pages(archive: Archive, site: SiteInfo, shown: Shown) -> Iterator[Spec]:
    years = archive.years
    yield page(Paths.timeline(), ("timeline.html",), site, shown, "Timeline", "timeline",
               {"years": years, "altered": sum(1 for s in archive.statements if s.altered)},
               _with_month_chart,
               description=descriptions.timeline(years, len(archive.statements)))
    for i, year in enumerate(years):
        yield page(Paths.year(year.year), ("year.html",), site, shown, str(year.year), "year",
                   {"year": year, "previous": YearRef(years[i - 1].year) if i else None,
                    "next": YearRef(years[i + 1].year) if i + 1 < len(years) else None},
                   _year_chart, description=descriptions.year(year))
    months = [m for y in years for m in y.months]
    for i, month in enumerate(months):
        yield from _month_pages(site, shown, month,
                                _month_ref(months[i - 1]) if i else None,
                                _month_ref(months[i + 1]) if i + 1 < len(months) else None)


def _month_pages(site: SiteInfo, shown: Shown, month: Month, previous: MonthRef | None,
                 following: MonthRef | None) -> Iterator[Spec]:
    """A month's pages: one, or one for each ``MONTH_LIMIT`` of its statements."""
    parts = month_parts(month)
    title = f"{MONTH_NAMES[month.month - 1]} {month.year}"
    for number, part in enumerate(parts, start=1):
        yield page(Paths.month(month.year, month.month, number), ("month.html",), site, shown,
                   title if len(parts) == 1 else f"{title}, page {number} of {len(parts)}",
                   "month",
                   {"month": month, "statements": part, "page_number": number,
                    "pages": len(parts), "previous": previous, "next": following},
                   lambda links, site, *, statements, **_: {"days": by_day(statements)},
                   description=descriptions.month(month, number, len(parts)),
                   updated=part[-1].date)


def _month_ref(month: Month) -> MonthRef:
    return MonthRef(month.year, month.month)


def month_parts(month: Month) -> list[tuple[Statement, ...]]:
    """The statements of each of a month's pages (``MONTH_LIMIT`` a page), oldest first."""
    items = month.statements
    return [items[at:at + MONTH_LIMIT] for at in range(0, len(items), MONTH_LIMIT)]


# --- facets: issuers, organisations, source outlets, kinds --------------------------------


def _facet_path(facet: Facet | FacetRef, year: int | None = None) -> str:
    return Paths.facet(facet.kind, facet.id, year)


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


def _facet_ref(facet: Facet | None) -> FacetRef | None:
    return FacetRef(facet.kind, facet.id, facet.name) if facet else None


def _facet_pages(archive: Archive, site: SiteInfo, shown: Shown, facets: Sequence[Facet]
                 ) -> Iterator[Spec]:
    """A page per facet; one with more than ``LIST_LIMIT`` statements lists the latest, and
    links to a page per year: its own (``_facet_year_pages``), those of a series that
    lists the same statements (``_same_list``), or for a kind, the search's."""
    for facet in facets:
        paged = facet.count > LIST_LIMIT
        same = _same_list(archive, facet) if paged else None
        lister = _year_lister(facet, same, site) if paged else None
        yield page(
            _facet_path(facet), (f"{facet.kind}-{facet.id}.html", f"{facet.kind}.html"), site,
            shown, facet.name, facet.kind,
            {"facet": facet,
             "paged": paged,
             "statements": tuple(reversed(facet.statements[-LATEST:])) if paged
             else facet.statements,
             "years": facet.years(),
             "year_paths": {y: lister(y) for y, _ in facet.years()} if lister else {},
             "tree": archive.tree.get(facet.id, ()) if facet.kind == "organization" else (),
             "parent": _facet_ref(archive.facet("organization", facet.parent_id))
             if facet.kind == "issuer" else None},
            _facet_chart, description=descriptions.facet(facet))
        if paged and same is None and facet.kind != "kind":
            yield from _facet_year_pages(site, shown, facet)


def _facet_chart(links: Links, site: SiteInfo, *, facet: Facet, years: Sequence[tuple[int, int]],
                 year_paths: dict[int, str], **_: object) -> dict[str, object]:
    """The chart of a facet's statements per year, the links to its years' pages, and to
    its feed."""
    here = Links(links.page)
    counts = dict(years)
    first, last = min(counts), max(counts)
    values = [
        (f"{y}: {counts.get(y, 0)} statement{'s' * (counts.get(y, 0) != 1)}", counts.get(y, 0),
         here.to(year_paths[y]) if year_paths and counts.get(y) else None)
        for y in range(first, last + 1)
    ]
    step = max(1, (last - first + 1) // 8)
    axis = [(i, str(y)) for i, y in enumerate(range(first, last + 1)) if i % step == 0]
    return {"chart": charts.bars(values, title=f"Statements per year: {facet.name}", axis=axis,
                                 width=480, height=90),
            "year_links": {y: here.to(p) for y, p in year_paths.items()},
            "feed": here.to(Paths.facet_feed(facet.kind, facet.id))}


def _facet_year_pages(site: SiteInfo, shown: Shown, facet: Facet) -> Iterator[Spec]:
    # The years (it links to them), not their counts, which it does not show: a statement
    # added to one year would otherwise render again each year page of an issuer that has
    # many.
    ref, years = _facet_ref(facet), tuple(y for y, _ in facet.years())
    for i, year in enumerate(years):
        statements = facet.in_year(year)
        yield page(_facet_path(facet, year), ("facet_year.html",), site, shown,
                   f"{facet.name}: {year}", f"{facet.kind}-year",
                   {"facet": ref, "year": year, "statements": statements, "years": years,
                    "previous": years[i - 1] if i else None,
                    "next": years[i + 1] if i + 1 < len(years) else None},
                   _facet_year_links, description=descriptions.facet_year(facet, year),
                   updated=statements[-1].date)


def _facet_year_links(links: Links, site: SiteInfo, *, facet: FacetRef,
                      years: Sequence[int], **_: object) -> dict[str, object]:
    here = Links(links.page)
    return {"facet_link": here.to(_facet_path(facet)),
            "year_links": {y: here.to(_facet_path(facet, y)) for y in years}}


def _issuer_pages(archive: Archive, site: SiteInfo, shown: Shown) -> Iterator[Spec]:
    yield page(Paths.issuers(), ("issuers.html",), site, shown, "Issuers", "issuers",
               {"organizations": archive.organizations, "tree": archive.tree,
                "orphans": tuple(i for i in archive.issuers
                                 if not archive.facet("organization", i.parent_id)),
                "unattributed": sum(1 for s in archive.statements if not s.issuer.issuer_id),
                "kinds": archive.kinds},
               description=descriptions.issuers(len(archive.organizations),
                                                len(archive.issuers)))
    yield from _facet_pages(archive, site, shown, archive.organizations)
    yield from _facet_pages(archive, site, shown, archive.issuers)
    yield from _facet_pages(archive, site, shown, archive.kinds)


def _source_pages(archive: Archive, site: SiteInfo, shown: Shown) -> Iterator[Spec]:
    yield page(Paths.sources(), ("sources.html",), site, shown, "Sources", "sources",
               {"sources": archive.sources},
               description=descriptions.sources(len(archive.sources)))
    yield from _facet_pages(archive, site, shown, archive.sources)


# --- home, search, research data, 404 -----------------------------------------------------


def _home(archive: Archive, site: SiteInfo, shown: Shown) -> Spec:
    top = tuple(sorted(archive.issuers, key=lambda f: (-f.count, f.name.casefold(), f.id))[:10])
    figures = totals(archive)
    return page(Paths.home(), ("home.html",), site, shown, site.title, "home",
                {"totals": figures, "latest": tuple(reversed(archive.statements[-LATEST:])),
                 "top_issuers": top, "years": archive.years},
                _with_month_chart,
                description=descriptions.home(site.title, figures.statements, figures.issuers,
                                              figures.first, figures.last))


def _search(archive: Archive, site: SiteInfo, shown: Shown) -> Spec:
    buckets = tuple(sorted({Paths.bucket(s.id) for s in archive.statements}))
    return page(Paths.search(), ("search.html",), site, shown, "Search", "search",
                {"buckets": buckets}, description=descriptions.search(site.title))


def _data_page(site: SiteInfo, shown: Shown) -> Spec:
    """The page that says what the data files hold and how to load them (the footer's
    one link to the data)."""
    return page(Paths.data_page(), ("data.html",), site, shown, "Research data", "data", {},
                description=descriptions.data(site.title))


def _not_found(site: SiteInfo, shown: Shown) -> Spec:
    return page(Paths.not_found(), ("404.html",), site, shown, "Page not found", "404", {},
                description=descriptions.not_found(site.title),
                links=AbsoluteLinks(Paths.not_found(), site.base_url), sitemap=False)


# --- robots, data --------------------------------------------------------------------------


def _robots(site: SiteInfo) -> Spec:
    lines = ["User-agent: *", "Allow: /"]
    if site.base_url:
        lines.append(f"Sitemap: {site.base_url}{Paths.sitemap()}")
    text = ("\n".join(lines) + "\n").encode()
    return file("robots.txt", text, lambda: text)


def _years(archive: Archive) -> list[tuple[Statement, ...]]:
    """The archive's statements in runs of one year each (the exports' parts)."""
    return [tuple(run) for _, run in itertools.groupby(archive.statements,
                                                       key=lambda s: s.date.year)]


def _exports(archive: Archive, keys: Keys) -> Iterator[Spec]:
    """The data exports, a part per year. A part's key is its statements' keys (their
    files' checksums and ids, which the pages' keys compute anyway, where the fields
    the exports show would have to be read again): an edited body makes its year's
    part again, the same bytes for the metadata. The full text reads
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

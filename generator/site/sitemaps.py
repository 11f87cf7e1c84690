"""The sitemap: every HTML page planned and every statement page, with the date each
last changed.

Past ``size`` URLs, one sitemap per bucket (year) of statement pages and one of the
other pages, each cut in parts of at most ``size`` and gzip-compressed, and an index of
them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

from ..engine.keys import fingerprint
from ..model.archive import Archive
from .specs import PageSpec, SiteInfo, Spec, keyed_page, site_start
from .urls import Links, Paths

SitemapEntries = list[tuple[str, dt.date | None]]
"""``(path, date it last changed)`` of pages (no date: an index page)."""


def sitemaps(archive: Archive, site: SiteInfo, pages: SitemapEntries, size: int
             ) -> Iterator[Spec]:
    """The sitemap of the statement pages and of the other HTML ``pages``.

    Each sitemap's key is made by hand from the entries its context reads: a
    ``repr`` of their paths and of their dates as numbers is many times quicker
    than ``page``'s over the site's every page.
    """
    if not site.base_url:
        return  # a sitemap must list absolute URLs
    groups: dict[str, SitemapEntries] = {"pages": pages}
    for statement in archive.statements:
        groups.setdefault(Paths.bucket(statement.id), []).append(
            (Paths.statement(statement.id), statement.date))

    def sitemap(path: str, templates: tuple[str, ...], key: object,
                context: Callable[[], dict[str, Any]], compressed: bool = False) -> PageSpec:
        return keyed_page(path, templates, site, "Sitemap", "sitemap",
                          fingerprint(site_start(site), path, templates, "Sitemap", key),
                          context, compressed=compressed, sitemap=False)

    def key(chunk: SitemapEntries) -> tuple[list[str], list[int]]:
        return [p for p, _ in chunk], [d.toordinal() if d else 0 for _, d in chunk]

    def urls(chunk: SitemapEntries) -> SitemapEntries:
        return [(Links(p, site.base_url).absolute(), d) for p, d in chunk]

    every = [entry for members in groups.values() for entry in members]
    if len(every) <= size:
        yield sitemap(Paths.sitemap(), ("sitemap.xml",), key(every),
                      lambda: {"urls": urls(every)})
        return
    # More than one sitemap holds: one per year of statement pages (the folders they are
    # in), and one of the other pages, each cut in parts of at most size, so that
    # a statement added changes its year's sitemap alone. Gzip-compressed.
    names = []
    for group, members in groups.items():
        chunks = [members[i:i + size] for i in range(0, len(members), size)]
        for i, chunk in enumerate(chunks):
            name = Paths.sitemap_part(group if len(chunks) == 1 else f"{group}-{i + 1}")
            names.append(name)
            yield sitemap(name, ("sitemap.xml",), key(chunk),
                          lambda chunk=chunk: {"urls": urls(chunk)}, compressed=True)
    sitemaps = tuple(site.base_url + n for n in names)
    yield sitemap(Paths.sitemap(), ("sitemap_index.xml",), sitemaps,
                  lambda: {"sitemaps": sitemaps})

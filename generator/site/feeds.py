"""The Atom feeds: the site's and each issuer's, organisation's, source outlet's and
kind's (their latest statements, whole), and the feed of the versions of statements
altered at source. An entry's id (``urn``) stays the same wherever the site moves.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

from markupsafe import Markup

from ..model import versions
from ..model.archive import Archive
from ..model.documents import Statement, Version
from ..model.markdown import render as render_markdown
from .specs import Shown, SiteInfo, Spec, Whole, page
from .urls import Links, Paths


def feeds(archive: Archive, site: SiteInfo, shown: Shown, size: int) -> Iterator[Spec]:
    """The site's feed, and one per issuer, organisation, source outlet and kind: the
    latest ``size`` statements of each, whole."""
    def feed(path: str, title: str, statements: Sequence[Statement], alternate: str) -> Spec:
        return page(path, ("feed.xml",), site, shown, title, "feed",
                    {"latest": Whole(tuple(reversed(statements[-size:])), archive),
                     "alternate": alternate},
                    _feed_entries)

    yield feed(Paths.feed(), site.title, archive.statements, Paths.home())
    for facet in (*archive.issuers, *archive.organizations, *archive.sources, *archive.kinds):
        yield feed(Paths.facet_feed(facet.kind, facet.id), f"{facet.name} \u2013 {site.title}",
                   facet.statements, Paths.facet(facet.kind, facet.id))


def _feed_entries(links: Links, site: SiteInfo, *, latest: Whole, **_: object
                  ) -> dict[str, object]:
    statements = latest.statements
    return {
        "feed_id": urn(f"feed:{site.title}:{links.page}"),
        "entries": tuple(
            (s, render_markdown(latest.archive.body(s)).html, urn(f"statement:{s.id}"),
             links.absolute(Paths.statement(s.id)) or links.statement(s.id))
            for s in statements
        ),
        "updated": statements[0].date if statements else dt.date(1970, 1, 1),
    }


def urn(name: str) -> str:
    """A permanent Atom id that does not change when the site moves to another URL."""
    return uuid.uuid5(uuid.NAMESPACE_URL, "statement-archive:" + name).urn


def altered_feed(archive: Archive, site: SiteInfo, shown: Shown,
                 altered: Sequence[Statement], size: int) -> Iterator[Spec]:
    """The feed of the versions of statements altered at source, one entry a version, the
    latest ``size`` (none without such statements)."""
    if not altered:
        return
    entries = sorted(((s, n, v) for s in altered for n, v in versions.changes(s)),
                     key=lambda e: (e[2].first_seen or e[0].date, e[0].id, e[1]),
                     reverse=True)[:size]
    yield page(Paths.altered_feed(), ("altered_feed.xml",), site, shown,
               f"Statements altered at source – {site.title}", "feed",
               {"changed": Whole(tuple(s for s, _, _ in entries), archive),
                "numbers": tuple(n for _, n, _ in entries), "alternate": Paths.altered()},
               _version_entries)




def _version_entries(links: Links, site: SiteInfo, *, changed: Whole,
                     numbers: Sequence[int], **_: object) -> dict[str, object]:
    """The entries of the feed of versions, and when the latest was first seen."""
    entries = [(s, n, s.versions[n - 1]) for s, n in zip(changed.statements, numbers,
                                                          strict=True)]
    return {
        "feed_id": urn(f"feed:{site.title}:{links.page}"),
        "entries": [_feed_entry(s, n, v, links) for s, n, v in entries],
        "updated": max((v.first_seen or s.date for s, _, v in entries),
                       default=dt.date(1970, 1, 1)),
    }


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
            "id": urn(f"version:{statement.id}:{number}"), "summary": summary,
            "html": str(html)}

"""The pages of statements altered at source: a page per version (permanent, whatever
versions come later), a page per change (version ``n - 1`` to ``n``, word by word), the
list of every such statement, and a page at each id a statement had before it was found
to be a version of another, that leads to it.

They show a statement whole (``specs.Whole``: their keys hold its key), for they show
its versions' texts and captures, which no brief holds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence

from ..model import versions
from ..model.archive import Archive
from ..model.documents import Statement
from ..model.markdown import plain_text
from ..model.markdown import render as render_markdown
from . import alterations, citations, descriptions
from .specs import Shown, SiteInfo, Spec, Whole, page
from .urls import Links, Paths, safe_href


def version_pages(archive: Archive, site: SiteInfo, shown: Shown,
                   altered: Sequence[Statement]) -> Iterator[Spec]:
    """A page for each version of each statement altered at source: permanent, whatever
    versions come later."""
    for statement in altered:
        total, whole = len(statement.versions), Whole((statement,), archive)
        for number, version in enumerate(statement.versions, start=1):
            yield page(Paths.version(statement.id, number), ("version.html",), site, shown,
                       f"{version.title} (version {number} of {total})", "version",
                       {"whole": whole, "number": number}, _version,
                       updated=version.last_seen)


def _version(links: Links, site: SiteInfo, *, whole: Whole, number: int, **_: object
             ) -> dict[str, object]:
    """What a version's page shows: its text, its captures, and how to cite it."""
    statement = whole.statements[0]
    version = statement.versions[number - 1]
    url = links.absolute()
    cited = alterations.cited(statement, number)
    text = whole.archive.texts(statement).get(number)
    rendered = render_markdown(text or "")
    return {
        "description": descriptions.version(statement, number, len(statement.versions),
                                            plain_text(text or "")),
        "statement": statement,
        "version": version,
        "total": len(statement.versions),
        "missing": text is None,
        "body_html": rendered.html,
        "too_deep": rendered.too_deep,
        "captures": [(c, safe_href(c.source_url))
                     for c in alterations.captures_of(statement, version)],
        "citation": citations.plain_html(cited, site.title, url),
        "highwire": citations.highwire(cited, url, site.language),
    }


def comparison_pages(archive: Archive, site: SiteInfo, shown: Shown,
                      altered: Sequence[Statement]) -> Iterator[Spec]:
    """A page for each change of each statement altered at source: version ``n - 1`` to
    ``n``, word by word."""
    for statement in altered:
        whole = Whole((statement,), archive)
        for number, version in versions.changes(statement):
            yield page(Paths.comparison(statement.id, number), ("comparison.html",), site,
                       shown, f"Version {number - 1} to {number}: {version.title}",
                       "comparison", {"whole": whole, "number": number}, _comparison,
                       description=descriptions.comparison(statement, number, version.added,
                                                           version.removed),
                       updated=version.first_seen)


def _comparison(links: Links, site: SiteInfo, *, whole: Whole, number: int, **_: object
                ) -> dict[str, object]:
    statement = whole.statements[0]
    before, after = statement.versions[number - 2], statement.versions[number - 1]
    texts = whole.archive.texts(statement)
    return {
        "statement": statement,
        "total": len(statement.versions),
        "before": before,
        "after": after,
        "change": alterations.change(before.title, texts.get(number - 1),
                                     after.title, texts.get(number)),
    }


def alias_pages(archive: Archive, site: SiteInfo, shown: Shown) -> Iterator[Spec]:
    """A page at the address of each id a statement had before it was found to be a version
    of another, that leads to it (as Hugo's and Zola's aliases do)."""
    taken = {s.id.casefold() for s in archive.statements}
    claims = Counter(a.casefold() for s in archive.statements for a in s.aliases)
    for statement in archive.statements:
        for alias in statement.aliases:
            if alias.casefold() in taken or claims[alias.casefold()] > 1:
                continue  # (``build_archive`` reports it)
            yield page(Paths.statement(alias), ("redirect.html",), site, shown,
                       statement.title, "redirect",
                       {"target_path": Paths.statement(statement.id)}, _redirect,
                       description=descriptions.redirect(statement), sitemap=False)


def _redirect(links: Links, site: SiteInfo, *, target_path: str, **_: object
              ) -> dict[str, object]:
    return {"target": links.to(target_path), "target_url": links.absolute(target_path)}


def altered_list(archive: Archive, site: SiteInfo, shown: Shown,
                 altered: Sequence[Statement]) -> Iterator[Spec]:
    """The list of every statement altered at source, the latest alteration first (none
    without such statements)."""
    if not altered:
        return
    listed = tuple(sorted(altered, key=_alteration_order, reverse=True))
    yield page(Paths.altered(), ("altered.html",), site, shown, "Statements altered at source",
               "altered", {"altered": Whole(listed, archive)},
               lambda links, site, *, altered, **_: {"statements": altered.statements},
               description=descriptions.altered(len(listed)))


def _alteration_order(statement: Statement) -> tuple[str, str]:
    """Latest alteration last: by when the shown version was first seen (the publication
    date where no capture says), then by id."""
    seen = versions.altered_on(statement) or statement.date
    return (seen.isoformat(), statement.id)

"""The archive model: every statement, sorted, grouped and checked as a whole.

``build_archive`` is pure: it takes the statements read from the store and
returns an ``Archive`` with nothing left to compute at render time: the
timeline (years, months, days), the facets (issuers, organisations, source
outlets, kinds of statement) and each statement's neighbours in time and within its issuer.
Problems that only show across files (two files with one id, one capture in
two statements) are reported here, each listing every file involved.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import NamedTuple

from ..problems import Report, shown
from . import versions
from .documents import Statement
from .issuers import Authority, kind_plural
from .names import safe_segment, slugify

STAGE = "check"


def sort_key(statement: Statement) -> tuple[str, str]:
    """Archive order: by date, then by id (stable whatever order files are read in)."""
    return (statement.date.isoformat(), statement.id)


@dataclass(frozen=True, slots=True)
class Month:
    year: int
    month: int
    statements: tuple[Statement, ...]

    @property
    def days(self) -> tuple[tuple[dt.date, tuple[Statement, ...]], ...]:
        return by_day(self.statements)


def by_day(statements: Iterable[Statement]) -> tuple[tuple[dt.date, tuple[Statement, ...]], ...]:
    """``(day, its statements)`` for each day with statements, in order."""
    days: dict[dt.date, list[Statement]] = defaultdict(list)
    for statement in statements:
        days[statement.date].append(statement)
    return tuple((day, tuple(items)) for day, items in sorted(days.items()))


@dataclass(frozen=True, slots=True)
class Year:
    year: int
    months: tuple[Month, ...]
    """Only months with statements, in order."""

    @property
    def count(self) -> int:
        return sum(len(m.statements) for m in self.months)

    def month_counts(self) -> tuple[int, ...]:
        """Statements in each of the 12 months (0 where there are none)."""
        counts = [0] * 12
        for month in self.months:
            counts[month.month - 1] = len(month.statements)
        return tuple(counts)


@dataclass(frozen=True, slots=True)
class Facet:
    """A value statements are grouped by: an issuer, an organisation, a source outlet or a
    kind of statement."""

    kind: str
    """``issuer``, ``organization``, ``source`` or ``kind``."""
    id: str
    name: str
    statements: tuple[Statement, ...]
    """Oldest first."""
    parent_id: str | None = None
    """For an issuer: its organisation's id."""
    chain: tuple[tuple[str, str], ...] = ()
    """For an issuer: ``(id, name)`` from its organisation down to itself."""
    by_year: dict[int, tuple[Statement, ...]] = field(default_factory=dict, compare=False)
    """The statements of each year (computed once: the largest facets hold most statements)."""

    def __post_init__(self) -> None:
        if not self.by_year and self.statements:
            grouped: dict[int, list[Statement]] = defaultdict(list)
            for statement in self.statements:
                grouped[statement.date.year].append(statement)
            object.__setattr__(self, "by_year", {y: tuple(v) for y, v in sorted(grouped.items())})

    @property
    def count(self) -> int:
        return len(self.statements)

    @property
    def first(self) -> Statement:
        return self.statements[0]

    @property
    def last(self) -> Statement:
        return self.statements[-1]

    def years(self) -> tuple[tuple[int, int], ...]:
        """``(year, statements that year)`` for each year with statements."""
        return tuple((year, len(items)) for year, items in self.by_year.items())

    def in_year(self, year: int) -> tuple[Statement, ...]:
        return self.by_year.get(year, ())


@dataclass(frozen=True, slots=True)
class TreeRow:
    """One row of an organisation's hierarchy on the issuers index."""

    depth: int
    """1 for what sits directly under the organisation, 2 under an office, and so on."""
    id: str
    name: str
    facet: Facet | None
    """The issuer's statements; None for an office that only holds other issuers."""


class Neighbours(NamedTuple):
    """A statement's neighbours in time, and within its issuer."""

    previous: Statement | None = None
    next: Statement | None = None
    previous_by_issuer: Statement | None = None
    next_by_issuer: Statement | None = None


def own_body(statement: Statement) -> str:
    """The body ``statement`` holds (for statements not read from the build cache)."""
    if statement.body is None:
        raise ValueError(f"{statement.id}: the body was not read, and nothing can read it")
    return statement.body


@dataclass(frozen=True, slots=True)
class Archive:
    statements: tuple[Statement, ...]
    """Every statement, oldest first."""
    years: tuple[Year, ...] = ()
    issuers: tuple[Facet, ...] = ()
    organizations: tuple[Facet, ...] = ()
    sources: tuple[Facet, ...] = ()
    kinds: tuple[Facet, ...] = ()
    """Each kind of statement (``press-statement``, ...), named in the plural."""
    neighbours: dict[str, Neighbours] = field(default_factory=dict)
    by_id: dict[tuple[str, str], Facet] = field(default_factory=dict)
    """Every facet by ``(kind, id)``."""
    tree: dict[str, tuple[TreeRow, ...]] = field(default_factory=dict)
    """Each organisation's offices and issuers, in the authority list's order."""
    whole: Callable[[Statement], str] = field(default=own_body, compare=False)
    """A statement's whole body (``Statement.body``, or, where that is None, read when asked
    for): the text it shows, then its other versions' (``model.versions``)."""

    def body(self, statement: Statement) -> str:
        """The text ``statement`` shows (its last version's)."""
        return versions.shown_body(statement, self.whole(statement))

    def texts(self, statement: Statement) -> dict[int, str | None]:
        """Each of its versions' texts, by number (``versions.texts``)."""
        return versions.texts(statement, self.whole(statement))

    def earlier(self, statement: Statement) -> list[str]:
        """The texts of its versions but the one it shows (none: not altered)."""
        if not statement.altered:
            return []
        texts = self.texts(statement)
        return [t for n, t in sorted(texts.items()) if n < len(statement.versions) and t]

    def facet(self, kind: str, facet_id: str | None) -> Facet | None:
        """The facet a statement's (possibly hand-written) id names, if any."""
        return self.by_id.get((kind, safe_segment(facet_id))) if facet_id else None

    def month_counts(self) -> tuple[tuple[int, int, int], ...]:
        """``(year, month, count)`` for every month from the first to the last statement."""
        return month_counts(self.years)


def month_counts(years: Sequence[Year]) -> tuple[tuple[int, int, int], ...]:
    """``(year, month, count)`` for every month of ``years`` (oldest first), from the first
    year's January to the last year's December."""
    if not years:
        return ()
    counts = {(m.year, m.month): len(m.statements) for y in years for m in y.months}
    first, last = years[0].year, years[-1].year
    return tuple((y, m, counts.get((y, m), 0)) for y in range(first, last + 1)
                 for m in range(1, 13))


def _where(statement: Statement) -> str:
    return shown(statement.path) if statement.path else statement.id


def at_own_path(statement: Statement) -> bool:
    """Whether ``statement`` was read from the file the generator writes for its id
    (``YYYY/MM/<id>.md`` in the store)."""
    path = statement.path or ""
    sid = statement.id
    return path.endswith(os.path.join("", sid[:4], sid[5:7], sid + ".md"))


def claim_order(statement: Statement) -> tuple[bool, str]:
    """Of files that give one id, the one that keeps it comes first: the file at the id's
    own path (the generator wrote it there when the id was free, so it was there first; a
    file written elsewhere with that id is the newcomer, and never takes over the
    statement's address), then by path."""
    return (not at_own_path(statement), statement.path or "")


def _unique(statements: Iterable[Statement], report: Report) -> list[Statement]:
    """Drop (and report) statements whose id another file already uses (``claim_order``)."""
    by_id: dict[str, list[Statement]] = defaultdict(list)
    for statement in statements:
        # Compared without case: files differing only in case are one file on
        # Windows and macOS disks.
        by_id[statement.id.casefold()].append(statement)
    kept = []
    for key in sorted(by_id):
        group = by_id[key]
        if len(group) == 1:
            kept.append(group[0])
            continue
        group = sorted(group, key=claim_order)
        kept.append(group[0])
        if len(group) > 1:
            report.error(
                ", ".join(_where(s) for s in group[1:]), STAGE,
                f"id {group[0].id!r} is already used by {_where(group[0])}; "
                "these files were left out of the site",
                "give each statement its own id",
            )
    return kept


def _check_captures(statements: Sequence[Statement], report: Report) -> None:
    by_capture: dict[str, list[Statement]] = defaultdict(list)
    for statement in statements:
        for capture in statement.captures:
            by_capture[capture.sha256].append(statement)
    for sha in sorted(sha for sha, holders in by_capture.items() if len(holders) > 1):
        holders = by_capture[sha]
        if len({s.id for s in holders}) > 1:
            report.warning(
                ", ".join(sorted(_where(s) for s in holders)), STAGE,
                f"the same capture (sha256 {sha[:12]}…) is listed by {len(holders)} statements",
                "if they are one statement, merge the files and delete the others",
            )


def _check_aliases(statements: Sequence[Statement], report: Report) -> None:
    """An alias (an id a statement had before it was found to be a version of another) that
    another statement has, or that two statements claim, gets no page of its own."""
    ids = {s.id.casefold(): s for s in statements}
    claimed: dict[str, Statement] = {}
    for statement in statements:
        for alias in statement.aliases:
            other = ids.get(alias.casefold()) or claimed.get(alias.casefold())
            if other is not None and other is not statement:
                report.warning(
                    _where(statement), STAGE,
                    f"alias {alias!r} is also {_where(other)}'s; it leads to neither",
                    "remove it from one of the files")
            claimed.setdefault(alias.casefold(), statement)


def _years(statements: Sequence[Statement]) -> tuple[Year, ...]:
    by_month: dict[tuple[int, int], list[Statement]] = defaultdict(list)
    for statement in statements:
        by_month[(statement.date.year, statement.date.month)].append(statement)
    by_year: dict[int, list[Month]] = defaultdict(list)
    for (year, month), items in sorted(by_month.items()):
        by_year[year].append(Month(year, month, tuple(items)))
    return tuple(Year(year, tuple(months)) for year, months in sorted(by_year.items()))


def _facets(
    kind: str, statements: Sequence[Statement], key, name, parent=lambda s: None
) -> tuple[Facet, ...]:
    """Group ``statements`` by ``key(s)`` (None: not grouped); the most common name wins."""
    members: dict[str, list[Statement]] = defaultdict(list)
    names: dict[str, Counter[str]] = defaultdict(Counter)
    parents: dict[str, Counter[str]] = defaultdict(Counter)
    for statement in statements:
        facet_id = key(statement)
        if not facet_id:
            continue
        facet_id = safe_segment(facet_id)
        members[facet_id].append(statement)
        names[facet_id][name(statement)] += 1
        if parent(statement):
            parents[facet_id][safe_segment(parent(statement))] += 1

    def most_common(counter: Counter[str]) -> str | None:
        return min(counter.items(), key=lambda item: (-item[1], item[0]))[0] if counter else None

    facets = [
        Facet(kind, facet_id, most_common(names[facet_id]) or facet_id, tuple(items),
              parent_id=most_common(parents[facet_id]))
        for facet_id, items in members.items()
    ]
    return tuple(sorted(facets, key=lambda f: (f.name.casefold(), f.id)))


def source_id(statement: Statement) -> str | None:
    """The URL slug of a statement's source outlet."""
    return _source_slug(statement.source) if statement.source else None


@functools.lru_cache(maxsize=1024)
def _source_slug(source: str) -> str:
    return safe_segment(slugify(source))  # a few outlets, each named by thousands


def _neighbours(
    statements: Sequence[Statement], issuers: Sequence[Facet]
) -> dict[str, Neighbours]:
    # Each statement beside the one before it and the one after it (``(None, *items)`` is one
    # longer than ``items``: zip ends with ``items``).
    by_issuer: dict[str, tuple[Statement | None, Statement | None]] = {}
    for facet in issuers:
        items = facet.statements
        for statement, before, after in zip(items, (None, *items), (*items[1:], None),
                                            strict=False):
            by_issuer[statement.id] = (before, after)
    alone = (None, None)
    return {statement.id: Neighbours(before, after, *by_issuer.get(statement.id, alone))
            for statement, before, after in zip(statements, (None, *statements),
                                                (*statements[1:], None), strict=False)}


def _with_chains(issuers: Sequence[Facet], organizations: Sequence[Facet],
                 authority: Authority) -> tuple[Facet, ...]:
    """Each issuer with its place in the hierarchy: listed, or under its organisation."""
    org_names = {f.id: f.name for f in organizations}
    result = []
    for facet in issuers:
        listed = authority.chain(facet.id)
        if listed:
            chain = tuple((e.id, e.name) for e in listed)
        elif facet.parent_id and facet.parent_id != facet.id:
            chain = ((facet.parent_id, org_names.get(facet.parent_id, facet.parent_id)),
                     (facet.id, facet.name))
        else:
            chain = ((facet.id, facet.name),)
        result.append(replace(facet, chain=chain))
    return tuple(result)


def _tree(organization: Facet, issuers: Sequence[Facet], authority: Authority
          ) -> tuple[TreeRow, ...]:
    """The offices and issuers under ``organization``: listed ones in list order, then others."""
    members = [f for f in issuers if f.parent_id == organization.id and f.id != organization.id]
    by_id = {f.id: f for f in members}
    used: set[str] = set()
    rows: list[TreeRow] = []

    def walk(entry_id: str, depth: int) -> None:
        for child in authority.children(entry_id):
            below = len(rows)
            facet = by_id.get(child.id)
            rows.append(TreeRow(depth, child.id, child.name, facet))
            walk(child.id, depth + 1)
            if facet is None and len(rows) == below + 1:
                rows.pop()  # neither it nor anything under it has statements
            elif facet is not None:
                used.add(child.id)

    walk(organization.id, 1)
    rows.extend(TreeRow(1, f.id, f.name, f) for f in members if f.id not in used)
    return tuple(rows)


def build_archive(statements: Iterable[Statement], report: Report,
                  authority: Authority | None = None,
                  body: Callable[[Statement], str] = own_body) -> Archive:
    """Check the statements as a whole and organise them for the pages (``body`` gives a
    statement's body where it holds none: ``store.Bodies.get``)."""
    authority = authority or Authority()
    kept = sorted(_unique(statements, report), key=sort_key)
    _check_captures(kept, report)
    _check_aliases(kept, report)
    organizations = _facets("organization", kept, lambda s: s.issuer.organization_id,
                            lambda s: s.issuer.organization or s.issuer.organization_id)
    issuers = _with_chains(
        _facets("issuer", kept, lambda s: s.issuer.issuer_id,
                lambda s: s.issuer.issuer or s.issuer.issuer_id,
                parent=lambda s: s.issuer.organization_id),
        organizations, authority)
    sources = _facets("source", kept, source_id, lambda s: s.source)
    kinds = _facets("kind", kept, lambda s: s.issuer.kind, lambda s: kind_plural(s.issuer.kind))
    return Archive(
        statements=tuple(kept),
        years=_years(kept),
        issuers=issuers,
        organizations=organizations,
        sources=sources,
        kinds=kinds,
        neighbours=_neighbours(kept, issuers),
        by_id={(f.kind, f.id): f for f in (*issuers, *organizations, *sources, *kinds)},
        tree={org.id: _tree(org, issuers, authority) for org in organizations},
        whole=body,
    )

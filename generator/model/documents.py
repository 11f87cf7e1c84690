"""The records that flow between stages.

``RawSource`` (bytes read from a capture file) becomes one or more
``Document``s (one per capture, parsed), which are merged into ``Statement``s
(one per statement, with every capture of it). A ``Statement`` is what the
Markdown store writes and reads back, so the round trip is exact.

These are named tuples rather than frozen dataclasses: just as immutable, and
several times cheaper to build and to unpickle, which matters when an archive
of 100,000 statements is read from the build cache (``x._replace(f=v)`` makes
a changed copy).
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple


class Capture(NamedTuple):
    """One capture of a statement: where it came from and how to verify it."""

    file: str
    """The capture file, relative to the source folder (``/`` separated)."""
    source_url: str | None
    """The statement's original address, when the capture names it."""
    captured: dt.date | None
    """When the capture was made, when the capture says so."""
    sha256: str
    """Checksum of the captured bytes (of the record's canonical JSON for record dumps, of
    the page's bytes for a page in a web archive)."""
    extractor: str | None = None
    """What took the text out of a web page (``kcna.kp``, ``kcnawatch-html``,
    ``trafilatura``); None for formats that are text already."""


class FoundDate(NamedTuple):
    """A date found in a capture besides the publication date, and where."""

    kind: str
    """``date-line``, ``dateline``, ``juche``, ``headline``, ``record-timestamp``."""
    date: dt.date
    text: str
    """The text it was read from, as written."""


class Document(NamedTuple):
    """One parsed capture of a statement."""

    title: str
    date: dt.date
    date_from: str
    """How ``date`` was found, e.g. ``date-line`` or ``juche``."""
    source: str
    """The outlet that published it, e.g. ``KCNA.kp (En)``."""
    dateline: str | None
    paragraphs: tuple[str, ...]
    """Body paragraphs exactly as captured (stripped of surrounding blanks)."""
    capture: Capture
    found_dates: tuple[FoundDate, ...] = ()
    topics: tuple[str, ...] = ()
    origin: str = ""
    """The capture file and, inside a dump or a web archive, the record (for messages)."""
    issuer: str | None = None
    """The issuer as the capture names it (a dataset's mapped column); None: read it from
    the title and the opening sentence."""
    publisher: str | None = None
    """Who issues the capture's news items, whose headline names no issuer: None for
    KCNA's outlets (the agency), the site or dataset's outlet for others."""
    order: int = 0
    """Where the capture stands in its file (a dump's record number): which of two captures
    of one file without a capture date came first."""


class Issuer(NamedTuple):
    """Who issued a statement (filled by ``model.issuers``)."""

    issuer: str | None = None
    issuer_id: str | None = None
    organization: str | None = None
    organization_id: str | None = None
    kind: str | None = None


class Version(NamedTuple):
    """One version of a statement altered at source: a text (and title) as it was captured
    for a time. A statement with one version (or none listed) was never seen altered."""

    title: str
    sha256: str
    """Checksum of the version's normalised text (``ingest.identity``): what tells versions
    apart (a capture that differs only in spacing, quote style or case is the same one)."""
    first_seen: dt.date | None
    """The earliest capture date of its captures (None: none of them says when it was made)."""
    last_seen: dt.date | None
    captures: tuple[str, ...]
    """The checksums of its captures (each one of the statement's ``captures``)."""
    added: int = 0
    """Words added since the version before it (0 for the first)."""
    removed: int = 0
    """Words removed since the version before it."""
    reverts: int | None = None
    """The number (from 1) of the earlier version whose text it brings back, if it does."""


class Statement(NamedTuple):
    """One statement, as kept in the Markdown store."""

    id: str
    title: str
    date: dt.date
    source: str
    body: str | None
    """The body as Markdown (renders to exactly the captured text): for a statement altered
    at source, the text it shows, then its other versions' (``model.versions``). None: not
    read with the rest (a statement read from the build cache); ``Archive.whole`` gives it."""
    captures: tuple[Capture, ...]
    date_from: str = "date-line"
    dateline: str | None = None
    found_dates: tuple[FoundDate, ...] = ()
    topics: tuple[str, ...] = ()
    title_only: bool = False
    """True when no capture has body text (photo and video items)."""
    issuer: Issuer = Issuer()
    path: str | None = None
    """The Markdown file it was read from (None before it is written)."""
    extra: tuple[tuple[str, object], ...] = ()
    """Front-matter keys the generator does not know, kept as written."""
    checksum: str = ""
    """SHA-256 of the Markdown file it was read from ('' before it is written)."""
    versions: tuple[Version, ...] = ()
    """Oldest first, when it was altered at source; empty (or one) when it was not. The body
    holds the last one's text, then the others' (``model.versions``)."""
    aliases: tuple[str, ...] = ()
    """Ids it was stored under before it was found to be a version of this one (their pages
    lead here)."""

    @property
    def altered(self) -> bool:
        """Whether it was altered at source (it has more than one version)."""
        return len(self.versions) > 1

    @property
    def date_disagreements(self) -> tuple[FoundDate, ...]:
        """Found dates that name another day than the publication date."""
        return tuple(d for d in self.found_dates if d.date != self.date)

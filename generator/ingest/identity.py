"""Which captures are the same statement, its versions, and the stable id each statement gets.

**Versions.** Captures whose title and text are the same, compared without
case, spacing (even where the spaces are) or quote style, are one version. Versions are one statement
when (a union of versions, one publication date at a time, see ``README.md``
for the calibration on the real KCNA dump):

- they share a source link (a link may join captures of two dates);
- they share the title and their texts share at least ``SAME_TITLE`` of their
  words (``model.textdiff.similarity``), or one of them has no text (a photo
  or video item: it joins the first version with that title);
- their titles differ and their texts share at least ``CLOSE`` of their words,
  or at least ``LONG`` when both are ``LONG_WORDS`` words or longer: short texts
  written from one template (greetings, condolences) share most of their words
  while being different statements.

Texts of which one is less than half as long as the other (in characters), or
that share less than ``DISTINCT`` of their distinct words, are never versions
of one statement: both are quicker to tell than the share of words. Two sets
of versions are joined only if every text of one shares at least ``RELATED``
of its words with every text of the other, so that no chain of similar texts
joins two that are not (A like B, B like C, A unlike C).

**History.** A statement's versions are listed in the order they were first
captured: by capture date, then (captures without one, such as record dumps,
come after those with one) by file and by place in the file. A capture of an
earlier text made on a later day than the version before it was first seen
is a *revert*: a version of its own, which says which one it brings back.

**Ids.** ``YYYY-MM-DD-slug-of-the-title``, from the first version. An id, once
written to the store, belongs to that statement for good: a statement whose
capture is already in the store keeps the id it has there (of several, the one
its oldest version's captures hold). A new statement whose id is taken gets a
suffix made from its text's checksum, which does not depend on the order
captures arrive in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from ..model import textdiff
from ..model.documents import Capture, Document, FoundDate
from ..model.names import slugify
from ..model.textdiff import normalise

#: Versions with the same title are one statement from this share of words up (the most
#: alike different statements of one kind in the real dump share 0.42; the least alike
#: versions with one title, 0.78).
SAME_TITLE = 0.6
#: Versions with different titles: from this share up, whatever their length.
CLOSE = 0.85
#: ... and from this share up when both texts have at least ``LONG_WORDS`` words.
LONG = 0.70
LONG_WORDS = 150
#: No two texts of one statement share less than this (different statements of one kind
#: share up to 0.42 in the real dump).
RELATED = 0.5
#: Nor less than this of their distinct words (versions in the real dump share at least
#: 0.63; all but 40 of the 4,214 pairs of different statements of one date, under 0.3).
DISTINCT = 0.3


def text_key(document: Document) -> str:
    """The normalised body text, without its spaces ('' for a capture without text): scrapers
    that strip each piece of a page's text glue names to the words beside them ("atKim Il
    SungSquare"), and a text that differs from another only so is the same text."""
    return normalise("\n".join(document.paragraphs)).replace(" ", "")


class Keys(NamedTuple):
    """What decides whether two captures are one version (computed once per capture)."""

    title: str
    """The normalised title."""
    text: str
    """Checksum of the normalised text ('' for a capture without text)."""


def keys_of(document: Document) -> Keys:
    return Keys(normalise(document.title), textdiff.checksum(text_key(document)))


def _checksum(title: str, text: str) -> str:
    return hashlib.sha256(f"{title}\n{text}".encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True, slots=True)
class Entry:
    """One version of a statement's history: the captures of one text (and title) seen in
    a row."""

    documents: tuple[Document, ...]
    """Its captures, the earliest first (which speaks for it)."""
    key: str
    """Checksum of its normalised title and text: what tells versions apart."""
    text: str
    """Checksum of its normalised text."""
    reverts: int | None = None
    """The number (from 1) of the earlier version whose text it brings back."""

    @property
    def first(self) -> Document:
        return self.documents[0]

    @property
    def seen(self) -> tuple[dt.date, ...]:
        """The capture dates of its captures, in order (those that have one)."""
        return tuple(sorted({d.capture.captured for d in self.documents if d.capture.captured}))


@dataclass(frozen=True, slots=True)
class Group:
    """The captures of one statement, before it is given an id."""

    documents: tuple[Document, ...]
    """Every capture, the representative of the first version first."""
    key: str
    """Checksum of the normalised title and text of its first version: the same for the
    same statement."""
    captures: tuple[Capture, ...]
    """The distinct captures, in order of file, link and checksum."""
    history: tuple[Entry, ...] = field(default=())
    """Its versions, oldest first, when it has more than one (else empty)."""

    @property
    def first(self) -> Document:
        """The capture that speaks for its first version (and gives its id)."""
        return self.documents[0]

    @property
    def latest(self) -> Document:
        """The capture that speaks for the version it shows: its last."""
        return self.history[-1].first if self.history else self.documents[0]

    @property
    def base_id(self) -> str:
        return f"{self.first.date.isoformat()}-{slugify(self.first.title)}"

    @classmethod
    def of(cls, documents: Sequence[Document], key: str,
           history: tuple[Entry, ...] = ()) -> Group:
        ordered = tuple(sorted(documents, key=_order))
        if history:
            first = history[0].first
            ordered = (first, *(d for d in ordered if d is not first))
        seen: dict[tuple[str, str, str], Capture] = {}
        for doc in ordered:
            c = doc.capture
            seen.setdefault((c.file, c.source_url or "", c.sha256), c)
        return cls(ordered, key, tuple(seen[k] for k in sorted(seen)), history)

    @property
    def topics(self) -> tuple[str, ...]:
        return tuple(sorted({t for doc in self.documents for t in doc.topics}))

    @property
    def found_dates(self) -> tuple[FoundDate, ...]:
        found = {(f.kind, f.date, f.text): f for doc in self.documents for f in doc.found_dates}
        return tuple(found[k] for k in sorted(found))

    @property
    def dates(self) -> frozenset[dt.date]:
        """The publication dates its captures give (more than one only when a shared link
        joined captures of several dates)."""
        return frozenset(d.date for d in self.documents)


def _order(document: Document) -> tuple[bool, int, str, str, str]:
    """Representative first: a capture with text, the one that keeps the most spaces in it
    (of texts that differ only in spaces, see ``text_key``), then by file, link and checksum."""
    c = document.capture
    spaces = sum(len(p.split()) for p in document.paragraphs)
    return (not document.paragraphs, -spaces, c.file, c.source_url or "", c.sha256)


def seen_order(document: Document) -> tuple[bool, dt.date, str, int, str]:
    """The order captures were made in, as far as they say: by capture date, those without
    one after, then by file and by place in the file."""
    c = document.capture
    return (c.captured is None, c.captured or dt.date.min, c.file, document.order, c.sha256)


Bucket = dt.date
"""What the captures of one statement share (but for links that join dates): the date."""


def bucket_of(document: Document, key: Keys) -> Bucket:
    return document.date


def buckets_of(documents: Sequence[Document], keys: Sequence[Keys]) -> tuple[Bucket, ...]:
    """The bucket of each document."""
    return tuple(d.date for d in documents)


def bucket_order(bucket: Bucket) -> str:
    """The order ``group`` gives buckets (and so their groups)."""
    return bucket.isoformat()


# --- the union of versions ---------------------------------------------------------------


class _Version:
    """The captures of one title and text on one date, and their words (taken once, when
    first compared)."""

    __slots__ = ("_bag", "_tokens", "_words", "date", "documents", "id", "key", "length",
                 "text", "title")

    def __init__(self, date: dt.date, title: str, text: str) -> None:
        self.date, self.title, self.text = date, title, text
        self.key = _checksum(title, text)
        self.id = f"{date.isoformat()} {self.key}"
        """The key on its date (the same title and text on two dates are two versions)."""
        self.documents: list[Document] = []
        self.length = 0
        self._tokens: list[bytes] | None = None
        self._words: frozenset[bytes] | None = None
        self._bag: textdiff.Bag | None = None

    def tokens(self) -> list[bytes]:
        if self._tokens is None:
            self._tokens = textdiff.tokens("\n".join(self.documents[0].paragraphs))
        return self._tokens

    def words(self) -> frozenset[bytes]:
        """Its distinct words."""
        if self._words is None:
            self._words = frozenset(self.tokens())
        return self._words

    def bag(self) -> textdiff.Bag:
        if self._bag is None:
            self._bag = textdiff.bag(self.tokens())
        return self._bag

    def forget(self) -> None:
        """Drop its words (taken again if it is compared again)."""
        self._tokens = self._words = self._bag = None


def _alike(a: _Version, b: _Version) -> float:
    """How many of their words two versions share: 0 when their lengths, or their distinct
    words, rule it out (both are cheaper to compare than the words with their counts)."""
    if 2 * min(a.length, b.length) < max(a.length, b.length):
        return 0.0
    if textdiff.distinct_similarity(a.words(), b.words()) < DISTINCT:
        return 0.0
    return textdiff.similarity(a.bag(), b.bag())


def _one_statement(a: _Version, b: _Version, share: float) -> bool:
    """Whether two versions of one date, sharing ``share`` of their words, are one statement."""
    if a.title == b.title:
        return share >= SAME_TITLE
    return share >= CLOSE or (share >= LONG and min(len(a.tokens()), len(b.tokens())) >= LONG_WORDS)


class _Union:
    """Sets of versions joined one pair at a time, each join checked against the sets."""

    def __init__(self, versions: Iterable[_Version]) -> None:
        self.parent = {v.id: v.id for v in versions}
        self.members = {k: [k] for k in self.parent}

    def find(self, key: str) -> str:
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def join(self, a: str, b: str, related: Callable[[str, str], bool]) -> None:
        root_a, root_b = self.find(a), self.find(b)
        if root_a == root_b:
            return
        if not all(related(x, y) for x in self.members[root_a] for y in self.members[root_b]):
            return
        if root_b < root_a:
            root_a, root_b = root_b, root_a
        self.parent[root_b] = root_a
        self.members[root_a] += self.members.pop(root_b)


def _join(versions: dict[str, _Version], links: Mapping[str, list[str]]) -> _Union:
    """The sets of versions that are one statement each (see the module's rules)."""
    union = _Union(versions.values())
    shares: dict[tuple[str, str], float] = {}

    def share(a: str, b: str) -> float:
        pair = (a, b) if a < b else (b, a)
        if pair not in shares:
            shares[pair] = _alike(versions[a], versions[b])
        return shares[pair]

    def related(a: str, b: str) -> bool:
        return share(a, b) >= RELATED

    candidates: list[tuple[int, float, str, str]] = []
    for keys in links.values():
        for a, b in itertools.pairwise(keys):
            candidates.append((0, -share(a, b), a, b))
    by_date: dict[dt.date, list[str]] = defaultdict(list)
    for key in sorted(versions):
        by_date[versions[key].date].append(key)
    for keys in by_date.values():
        for i, a in enumerate(keys):
            for b in keys[i + 1:]:
                alike = share(a, b)
                if alike and _one_statement(versions[a], versions[b], alike):
                    candidates.append((1, -alike, a, b))
        # Each date's pairs are all compared now (and their shares kept): the words of
        # every version of an archive, kept to the end, were most of an import's memory.
        for key in keys:
            versions[key].forget()
    # Links first, then the most alike first; the keys make the order total.
    for _, _, a, b in sorted(candidates):
        union.join(a, b, related)
    return union


def _history(documents: Sequence[Document], versions: Mapping[int, _Version]
             ) -> tuple[Entry, ...]:
    """The versions of a statement in the order they were seen (``versions``: each
    document's, by ``id``)."""
    entries: list[list[Document]] = []
    seen: list[_Version] = []
    reverts: list[int | None] = []
    last_of: dict[str, int] = {}
    for doc in sorted(documents, key=seen_order):
        version = versions[id(doc)]
        if entries and seen[-1].key == version.key:
            entries[-1].append(doc)
            continue
        if version.key in last_of:
            current = min((d.capture.captured for d in entries[-1] if d.capture.captured),
                          default=None)
            captured = doc.capture.captured
            if not (captured and current and captured > current):
                entries[last_of[version.key]].append(doc)  # no day says it came back
                continue
            reverts.append(next(n for n, v in enumerate(seen) if v.key == version.key) + 1)
        else:
            reverts.append(None)
        last_of[version.key] = len(entries)
        entries.append([doc])
        seen.append(version)
    return tuple(Entry(tuple(docs), version.key, version.text, back)
                 for docs, version, back in zip(entries, seen, reverts, strict=True))


def group(documents: Sequence[Document], keys: Sequence[Keys] | None = None) -> list[Group]:
    """Merge the captures of each statement into a group, in a stable order.

    ``keys`` are the documents' ``keys_of``, when already known (from the cache).
    """
    return [g for _, groups in group_by_bucket(documents, keys) for g in groups]


def group_by_bucket(documents: Sequence[Document], keys: Sequence[Keys] | None = None
                    ) -> list[tuple[Bucket, list[Group]]]:
    """``group``'s groups, by the bucket (date) of their first version. A group's captures
    are of that date, unless a shared link joined others (``Group.dates``): the captures of
    the dates of one group give its groups whatever the other dates hold."""
    keys = keys if keys is not None else [keys_of(d) for d in documents]
    found = _Found.of(documents, keys)
    union = _join(found.versions, {link: sorted(k) for link, k in found.links.items()
                                   if len(k) > 1})
    sets = {root: sorted(members) for root, members in union.members.items()}
    extra, alone = _homes(found, sets)
    grouped: dict[Bucket, list[Group]] = defaultdict(list)
    for root, members in sets.items():
        docs = [d for m in members for d in found.versions[m].documents]
        history = _history(docs, found.version_of) if len(members) > 1 else ()
        first = history[0].first if history else min(docs, key=_order)
        grp = Group.of(docs + extra.get(root, []), found.version_of[id(first)].key, history)
        grouped[grp.first.date].append(grp)
    for (date, title), docs in alone:
        grouped[date].append(Group.of(docs, _checksum(title, "")))
    return [(bucket, sorted(grouped[bucket], key=lambda g: g.key))
            for bucket in sorted(grouped, key=bucket_order)]


@dataclass(slots=True)
class _Found:
    """The captures sorted into versions (by date, title and text), the captures without
    text (by date and title), and the versions under each link."""

    versions: dict[str, _Version] = field(default_factory=dict)
    textless: dict[tuple[dt.date, str], list[Document]] = field(
        default_factory=lambda: defaultdict(list))
    links: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    version_of: dict[int, _Version] = field(default_factory=dict)
    """Each capture's version, by the capture's ``id``."""

    @classmethod
    def of(cls, documents: Sequence[Document], keys: Sequence[Keys]) -> _Found:
        found = cls()
        for document, key in zip(documents, keys, strict=True):
            if not key.text:
                found.textless[(document.date, key.title)].append(document)
                continue
            version = _Version(document.date, key.title, key.text)
            version = found.versions.setdefault(version.id, version)
            if not version.documents:
                version.length = sum(map(len, document.paragraphs))
            version.documents.append(document)
            found.version_of[id(document)] = version
            if document.capture.source_url:
                found.links[document.capture.source_url].add(version.id)
        for version in found.versions.values():
            version.documents.sort(key=_order)
        return found


def _homes(found: _Found, sets: Mapping[str, list[str]]
           ) -> tuple[dict[str, list[Document]], list[tuple[tuple[dt.date, str], list[Document]]]]:
    """Where the captures without text go: to the first set of versions with their date and
    title, else to one that shares their link; else they are a statement of their own."""
    by_title: dict[tuple[dt.date, str], str] = {}
    by_link: dict[str, str] = {}
    for root in sorted(sets, key=lambda r: sets[r][0]):
        for member in sets[root]:
            version = found.versions[member]
            by_title.setdefault((version.date, version.title), root)
            for doc in version.documents:
                if doc.capture.source_url:
                    by_link.setdefault(doc.capture.source_url, root)
    extra: dict[str, list[Document]] = defaultdict(list)
    alone = []
    for (date, title), docs in found.textless.items():
        root = by_title.get((date, title))
        if root is None:
            linked = sorted({by_link[d.capture.source_url] for d in docs
                             if d.capture.source_url in by_link})
            root = linked[0] if linked else None
        if root is None:
            alone.append(((date, title), docs))
        else:
            extra[root].extend(docs)
    return extra, alone


def claimed_ids(grp: Group, claimed: Mapping[str, Sequence[str]]) -> list[str]:
    """The ids the store gives ``grp``'s captures, those of its earliest version first (then
    in order): the first that no group before it took is its id."""
    if not grp.history:
        return sorted({i for c in grp.captures for i in claimed.get(c.sha256, ())})
    ranked: dict[str, tuple[int, str]] = {}
    shas_by_entry = [{d.capture.sha256 for d in entry.documents} for entry in grp.history]
    for capture in grp.captures:
        rank = next((n for n, shas in enumerate(shas_by_entry) if capture.sha256 in shas),
                    len(shas_by_entry))
        for statement_id in claimed.get(capture.sha256, ()):
            ranked[statement_id] = min(ranked.get(statement_id, (rank, statement_id)),
                                       (rank, statement_id))
    return sorted(ranked, key=ranked.__getitem__)


def assign_ids(
    groups: list[Group], claimed: Mapping[str, Sequence[str]], taken: Iterable[str] = ()
) -> list[tuple[str, Group]]:
    """Give each group an id, keeping the ids the store already uses.

    ``claimed`` maps a capture checksum to the ids of the stored statements
    that list it; ``taken`` holds every id in the store. A group with claimed
    captures keeps the first of their ids (``claimed_ids``) that no group before
    it kept (a file that lists the captures of two statements, merged by hand,
    gives its id to the first, and the second keeps its own); any other group
    gets its base id, or, when that is taken, the base id with a suffix from its
    checksum.
    """
    used = set(taken)
    result: dict[int, str] = {}
    claimed_by: dict[str, int] = {}
    for index, grp in enumerate(groups):
        for statement_id in claimed_ids(grp, claimed):
            if statement_id not in claimed_by:
                result[index] = statement_id
                claimed_by[statement_id] = index
                break
    unclaimed = [i for i in range(len(groups)) if i not in result]
    for index in sorted(unclaimed, key=lambda i: (groups[i].base_id, groups[i].key)):
        grp = groups[index]
        candidate = grp.base_id
        if candidate in used or candidate in claimed_by:
            candidate = f"{grp.base_id}-{grp.key[:8]}"
            n = 2
            while candidate in used or candidate in claimed_by:
                candidate = f"{grp.base_id}-{grp.key[:8]}-{n}"
                n += 1
        result[index] = candidate
        used.add(candidate)
    return [(result[i], groups[i]) for i in range(len(groups))]

"""Which captures are the same statement, and the stable id each statement gets.

Duplicates: captures with the same date and the same title (compared without
case, spacing or quote style) are one statement when their texts are the same
(compared the same way, and without regard to where the spaces are) or one of
them is empty. Texts that differ stay
separate statements, so that no version of a text is lost.

Ids: ``YYYY-MM-DD-slug-of-the-title``. An id, once written to the store,
belongs to that statement for good: a statement whose capture is already in
the store keeps the id it has there. A new statement whose id is taken gets
a suffix made from its text's checksum, which does not depend on the order
captures arrive in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from ..model.documents import Capture, Document, FoundDate
from ..model.names import slugify

_QUOTES = str.maketrans({"‘": "'", "’": "'", "‛": "'", "“": '"', "”": '"', "‟": '"',
                         "\u00a0": " ", "–": "-", "—": "-"})
_SPACE = re.compile(r"\s+")
#: Characters that show nothing (zero-width spaces and joiners, the soft hyphen, direction
#: marks, the byte-order mark): two texts that differ only by them read the same.
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def normalise(text: str) -> str:
    """Text as compared for identity: NFC, plain quotes, single spaces, no case, nothing
    invisible (the stored text keeps all of it)."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", text).translate(_QUOTES))
    return _SPACE.sub(" ", text).strip().casefold()


def text_key(document: Document) -> str:
    """The normalised body text, without its spaces ('' for a capture without text): scrapers
    that strip each piece of a page's text glue names to the words beside them ("atKim Il
    SungSquare"), and a text that differs from another only so is the same text."""
    return _SPACE.sub("", normalise("\n".join(document.paragraphs)))


class Keys(NamedTuple):
    """What decides whether two captures are one statement (computed once per capture)."""

    title: str
    """The normalised title."""
    text: str
    """Checksum of the normalised text ('' for a capture without text)."""


def keys_of(document: Document) -> Keys:
    text = text_key(document)
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest() if text else ""
    return Keys(normalise(document.title), digest)


@dataclass(frozen=True, slots=True)
class Group:
    """The captures of one statement, before it is given an id."""

    documents: tuple[Document, ...]
    """Every capture, the representative first."""
    key: str
    """Checksum of the normalised title and text: the same for the same statement."""
    captures: tuple[Capture, ...]
    """The distinct captures, in order of file, link and checksum."""

    @property
    def first(self) -> Document:
        return self.documents[0]

    @property
    def base_id(self) -> str:
        return f"{self.first.date.isoformat()}-{slugify(self.first.title)}"

    @classmethod
    def of(cls, documents: Sequence[Document], key: str) -> Group:
        ordered = tuple(sorted(documents, key=_order))
        seen: dict[tuple[str, str, str], Capture] = {}
        for doc in ordered:
            c = doc.capture
            seen.setdefault((c.file, c.source_url or "", c.sha256), c)
        return cls(ordered, key, tuple(seen[k] for k in sorted(seen)))

    @property
    def topics(self) -> tuple[str, ...]:
        return tuple(sorted({t for doc in self.documents for t in doc.topics}))

    @property
    def found_dates(self) -> tuple[FoundDate, ...]:
        found = {(f.kind, f.date, f.text): f for doc in self.documents for f in doc.found_dates}
        return tuple(found[k] for k in sorted(found))


def _order(document: Document) -> tuple[bool, int, str, str, str]:
    """Representative first: a capture with text, the one that keeps the most spaces in it
    (of texts that differ only in spaces, see ``text_key``), then by file, link and checksum."""
    c = document.capture
    spaces = sum(len(p.split()) for p in document.paragraphs)
    return (not document.paragraphs, -spaces, c.file, c.source_url or "", c.sha256)


Bucket = tuple[dt.date, str]
"""What captures must share to be one statement: the date and the normalised title."""


def bucket_of(document: Document, key: Keys) -> Bucket:
    return (document.date, key.title)


def buckets_of(documents: Sequence[Document], keys: Sequence[Keys]) -> tuple[Bucket, ...]:
    """The bucket of each document."""
    return tuple(bucket_of(d, k) for d, k in zip(documents, keys, strict=True))


def bucket_order(bucket: Bucket) -> tuple[str, str]:
    """The order ``group`` gives buckets (and so their groups)."""
    return (str(bucket[0]), bucket[1])


def group(documents: Sequence[Document], keys: Sequence[Keys] | None = None) -> list[Group]:
    """Merge duplicate captures into groups, one per statement, in a stable order.

    ``keys`` are the documents' ``keys_of``, when already known (from the cache).
    """
    return [g for _, groups in group_by_bucket(documents, keys) for g in groups]


def group_by_bucket(documents: Sequence[Document], keys: Sequence[Keys] | None = None
                    ) -> list[tuple[Bucket, list[Group]]]:
    """``group``'s groups, with the bucket they come from: groups never span buckets, so
    the captures of one bucket give its groups whatever the other buckets hold."""
    keys = keys if keys is not None else [keys_of(d) for d in documents]
    by_title: dict[Bucket, list[tuple[Document, str]]] = defaultdict(list)
    for document, key in zip(documents, keys, strict=True):
        by_title[bucket_of(document, key)].append((document, key.text))

    result: list[tuple[Bucket, list[Group]]] = []
    for bucket, docs in sorted(by_title.items(), key=lambda item: bucket_order(item[0])):
        title = bucket[1]
        groups: list[Group] = []
        result.append((bucket, groups))
        by_text: dict[str, list[Document]] = defaultdict(list)
        empty: list[Document] = []
        for doc, text in docs:
            (by_text[text] if text else empty).append(doc)
        if not by_text:
            by_text[""] = []
        keyed = sorted(
            (hashlib.sha256(f"{title}\n{text}".encode("utf-8", "surrogatepass")).hexdigest(), text)
            for text in by_text
        )
        for position, (key, text) in enumerate(keyed):
            members = by_text[text] + (empty if position == 0 else [])
            groups.append(Group.of(members, key))
    return result


def assign_ids(
    groups: list[Group], claimed: Mapping[str, Sequence[str]], taken: Iterable[str] = ()
) -> list[tuple[str, Group]]:
    """Give each group an id, keeping the ids the store already uses.

    ``claimed`` maps a capture checksum to the ids of the stored statements
    that list it; ``taken`` holds every id in the store. A group with claimed
    captures keeps the smallest of their ids that no group before it kept (a
    file that lists the captures of two statements, merged by hand, gives its
    id to the first, and the second keeps its own); any other group gets its
    base id, or, when that is taken, the base id with a suffix from its
    checksum.
    """
    used = set(taken)
    result: dict[int, str] = {}
    claimed_by: dict[str, int] = {}
    for index, grp in enumerate(groups):
        ids = sorted({i for c in grp.captures for i in claimed.get(c.sha256, ())})
        for statement_id in ids:
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

"""A search index that works where Pagefind cannot: a site opened from disk (``file://``).

Browsers refuse ES modules, ``fetch`` and WebAssembly from ``file://`` pages,
so Pagefind cannot run there (Pagefind issues #202 and #241). This index is
made of plain script files that the search page loads with ``<script>``
tags, which browsers do allow from disk. Each file calls
``ArchiveSearchData(key, data)``. Like Pagefind's, the index is split by
bucket (the year folder of the statement pages), so that a new statement
changes one bucket's files; in ``search/data/<bucket>/``, a query loads only
what it needs:

- ``meta.js``: the shard list, the filter values, and for each filter one
  code per statement (a fixed-width string: the value of statement ``n`` is
  at ``n * width``).
- ``t/<prefix>.js``: the words starting with ``<prefix>``, each with the
  statements that hold it in the body, then (after ``~``, if any) those that
  hold it in the title: sorted numbers as gaps, each gap a run of base-32
  digits (``encode_postings``). A prefix whose shard grows past
  ``SHARD_BYTES`` is split one letter further.
- ``d/<n>.js``: display data of statements ``n*DOC_CHUNK`` to
  ``(n+1)*DOC_CHUNK - 1``: id, title, date, issuer, kind, opening words.

Statements are numbered oldest first within their bucket, so sorting by date
is sorting by number. Words are lowercase letters and digits (accents
removed); a query word matches every indexed word it begins.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence

from .. import CODE
from ..engine.keys import fingerprint
from ..model.archive import own_body
from ..model.documents import Statement
from ..model.issuers import kind_label
from ..model.markdown import plain_text
from ..model.names import RESERVED_NAMES
from ..site.urls import Paths

DOC_CHUNK = 100
SHARD_BYTES = 80_000
EXCERPT_CHARS = 160
FILTERS = ("issuer", "organization", "kind", "source", "year", "altered")
#: The value of the ``altered`` filter of a statement altered at source (the others have none).
ALTERED = "altered at source"
#: Changes whenever the files' layout does (so that every bucket is written again).
FORMAT = 4
_WORD = re.compile(r"[^\W_]+")
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_"


def words(text: str) -> list[str]:
    """The words of ``text`` as the index and the query both see them."""
    folded = text.casefold()
    if not folded.isascii():
        folded = unicodedata.normalize("NFKD", folded)
        # The combining marks dropped: looked up once for each character the text holds,
        # not for each of its thousands of characters (that took much of an index's time).
        marks = {ord(ch): None for ch in set(folded) if unicodedata.combining(ch)}
        if marks:
            folded = folded.translate(marks)
    return _WORD.findall(folded)


def filter_values(statement: Statement) -> dict[str, str]:
    """A statement's value for each filter (the same values Pagefind's filters get)."""
    return {
        "issuer": statement.issuer.issuer or "",
        "organization": statement.issuer.organization or "",
        "kind": kind_label(statement.issuer.kind),
        "source": statement.source or "",
        "year": str(statement.date.year),
        "altered": ALTERED if statement.altered else "",
    }


#: A gap's last base-32 digit, and the digits before it: no separator is needed.
_LAST_DIGIT, _MORE_DIGIT = _ALPHABET[:32], _ALPHABET[32:]


def _gap(n: int) -> str:
    out = _LAST_DIGIT[n % 32]
    n //= 32
    while n:
        out = _MORE_DIGIT[n % 32] + out
        n //= 32
    return out


def encode_postings(numbers: Sequence[int]) -> str:
    """Sorted statement numbers as gaps from the one before (the first from 0), each a run
    of base-32 digits whose last is from ``_LAST_DIGIT`` (a gap under 32 is one character)."""
    out, last = [], 0
    for n in numbers:
        gap = n - last
        out.append(_LAST_DIGIT[gap] if gap < 32 else _gap(gap))  # most gaps, at once
        last = n
    return "".join(out)


def decode_postings(text: str) -> list[int]:
    """The numbers ``encode_postings`` encoded (what the search page's script does)."""
    out, last, value = [], 0, 0
    for ch in text:
        if ch in _MORE_DIGIT:
            value = value * 32 + _MORE_DIGIT.index(ch)
        else:
            last += value * 32 + _LAST_DIGIT.index(ch)
            out.append(last)
            value = 0
    return out


def _script(key: str, data: object) -> bytes:
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    # "</script" cannot appear: this is a file of its own, but keep it inert anyway.
    payload = payload.replace("</", "<\\/")
    return f"ArchiveSearchData({json.dumps(key)},{payload});\n".encode()


def _shard_name(prefix: str) -> str:
    """A file name for a shard: the prefix itself when it is plain ASCII and not a name
    Windows reserves (``con``, ``aux``, ``nul``, ``prn``), else its code points."""
    if prefix.isascii() and prefix.isalnum() and prefix.lower() not in RESERVED_NAMES:
        return prefix
    return "u" + "-".join(f"{ord(ch):x}" for ch in prefix)


def _shards(postings: dict[str, str]) -> dict[str, list[str]]:
    """Group words by prefix: two letters, or three where a two-letter group is too big."""
    by_two: dict[str, list[str]] = defaultdict(list)
    for word in postings:
        by_two[word[:2]].append(word)
    shards: dict[str, list[str]] = {}
    for prefix, members in by_two.items():
        size = sum(len(w) + len(postings[w]) + 6 for w in members)  # "word":"postings",
        if size <= SHARD_BYTES:
            shards[prefix] = members
            continue
        for word in members:
            shards.setdefault(word[:3], []).append(word)
    return shards


def buckets(statements: Sequence[Statement]) -> dict[str, list[Statement]]:
    """The statements of each bucket, oldest first (``statements`` is in archive order)."""
    grouped: dict[str, list[Statement]] = defaultdict(list)
    for statement in statements:
        grouped[Paths.bucket(statement.id)].append(statement)
    return dict(sorted(grouped.items()))


def bucket_key(statement_keys: Sequence[str]) -> str:
    """What a bucket's index files are made from: its statements' keys
    (``pages.statement_key``, in order), the files' layout and the generator's code."""
    return fingerprint(CODE, FORMAT, list(statement_keys))


def _no_earlier(statement: Statement) -> list[str]:
    return []


def build(statements: Sequence[Statement], body_of: Callable[[Statement], str] = own_body,
          earlier_of: Callable[[Statement], list[str]] = _no_earlier
          ) -> Iterator[tuple[str, bytes]]:
    """``(path, bytes)`` of every file of one bucket's offline index (``statements`` oldest
    first; ``body_of`` gives the text a statement shows: ``Archive.body``; ``earlier_of``
    the texts of its other versions, whose words and titles find it too:
    ``Archive.earlier``)."""
    bucket = Paths.bucket(statements[0].id) if statements else "other"
    folder = Paths.offline_index(bucket)
    body: dict[str, list[int]] = defaultdict(list)
    title: dict[str, list[int]] = defaultdict(list)
    docs = []
    for number, statement in enumerate(statements):
        text = plain_text(body_of(statement))
        held = set(words(text))
        titled = set(words(statement.title))
        if statement.altered:
            for earlier in earlier_of(statement):
                held.update(words(plain_text(earlier)))
            for version in statement.versions:
                titled.update(words(version.title))
        # (In any order: each word's numbers are in order, and the words are sorted below.)
        for word in held:
            body[word].append(number)
        for word in titled:
            title[word].append(number)
        excerpt = " ".join(text[: EXCERPT_CHARS + 40].split())
        if len(excerpt) > EXCERPT_CHARS:
            excerpt = excerpt[:EXCERPT_CHARS].rsplit(" ", 1)[0] + " …"
        values = filter_values(statement)
        docs.append([statement.id, statement.title, statement.date.isoformat(),
                     values["issuer"], values["kind"], excerpt])

    encoded = {
        word: encode_postings(body.get(word, ())) + (
            "~" + encode_postings(title[word]) if word in title else "")
        for word in sorted(set(body) | set(title))
    }
    shards = _shards(encoded)
    for prefix in sorted(shards):
        members = {w: encoded[w] for w in sorted(shards[prefix])}
        name = _shard_name(prefix)
        yield f"{folder}t/{name}.js", _script(f"{bucket}/t/{name}", members)

    for start in range(0, len(docs), DOC_CHUNK):
        n = start // DOC_CHUNK
        yield f"{folder}d/{n}.js", _script(f"{bucket}/d/{n}", docs[start:start + DOC_CHUNK])

    filters: dict[str, dict[str, object]] = {}
    for name in FILTERS:
        column = [filter_values(s)[name] for s in statements]
        values = sorted({v for v in column if v})
        index = {v: i + 1 for i, v in enumerate(values)}  # 0: no value
        width = 1 if len(values) < len(_ALPHABET) else 2 if len(values) < len(_ALPHABET) ** 2 else 3
        codes = []
        for value in column:
            code = index.get(value, 0)
            codes.append("".join(_ALPHABET[(code // len(_ALPHABET) ** i) % len(_ALPHABET)]
                                 for i in reversed(range(width))))
        filters[name] = {"values": values, "width": width, "codes": "".join(codes)}
    meta = {
        "version": FORMAT,  # the search page's script checks it (INDEX_FORMAT in search.js)
        "count": len(statements),
        "chunk": DOC_CHUNK,
        "alphabet": _ALPHABET,
        "shards": {prefix: _shard_name(prefix) for prefix in sorted(shards)},
        "filters": filters,
    }
    yield f"{folder}meta.js", _script(f"{bucket}/meta", meta)

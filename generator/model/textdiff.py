"""Two texts compared word by word: how alike they are, and what changed.

The unit is the word: a run of letters and digits, compared without case,
accents kept (``Word``, ``WORD`` and ``word`` are one word; punctuation,
spacing and quote style are not words at all). Two uses:

- ``similarity`` says how much of two texts is the same: the words they share
  (each word as many times as both hold it) over the words either holds
  (multiset Jaccard). Unlike difflib's character ratio it does not depend on
  order or on ``autojunk``, which makes long texts look unlike themselves. The
  import decides with it which captures are versions of one statement
  (``ingest.identity``).
- ``compare`` lines the paragraphs of two texts up and diffs each pair word by
  word: what a comparison page shows, and the size of a change (words added and
  removed) that the store keeps with each version.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import NamedTuple

_WORD = re.compile(r"\w+")
#: What quotes, dashes and no-break spaces become before texts are compared.
_PLAIN = (("‘", "'"), ("’", "'"), ("‛", "'"), ("“", '"'), ("”", '"'), ("‟", '"'),
          ("\u00a0", " "), ("–", "-"), ("—", "-"))
#: Characters that show nothing (zero-width spaces and joiners, the soft hyphen, direction
#: marks, the byte-order mark): two texts that differ only by them read the same.
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def normalise(text: str) -> str:
    """Text as compared for identity (``ingest.identity``): NFC, plain quotes, single spaces,
    no case, nothing invisible (the stored text keeps all of it).

    (``str.replace`` for each character, and ``split``, rather than ``str.translate``
    and a regular expression: the same text, in a tenth of the time.)
    """
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
        for fancy, plain in _PLAIN:
            if fancy in text:
                text = text.replace(fancy, plain)
        text = _INVISIBLE.sub("", text)
    return " ".join(text.split()).casefold()


def checksum(normalised: str) -> str:
    """The checksum of a normalised text that tells versions apart ('' for no text)."""
    if not normalised:
        return ""
    return hashlib.sha256(normalised.encode("utf-8", "surrogatepass")).hexdigest()


def fold(text: str) -> str:
    """``text`` as words are compared: NFC, no case."""
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return text.casefold()


def words(text: str) -> list[str]:
    """The words of ``text``, folded, in order."""
    return _WORD.findall(fold(text))


#: Bytes that are not part of a word (``\w`` in ASCII: letters, digits, ``_``) become spaces.
_NOT_WORD = bytes(c if chr(c).isascii() and (chr(c).isalnum() or c == 0x5F) else 0x20
                  for c in range(256))
#: Characters that are no part of a word, which texts in English often hold.
_SEPARATORS = ("\u2018", "\u2019", "\u201c", "\u201d", "\u00a0", "\u2013", "\u2014", "\u2026")


def tokens(text: str) -> list[bytes]:
    """``words(text)``, UTF-8 encoded: made in C for a text that is ASCII but for quotes,
    dashes and no-break spaces (a tenth of the time of a regular expression)."""
    lowered = text.lower()
    if not lowered.isascii():
        for separator in _SEPARATORS:
            if separator in lowered:
                lowered = lowered.replace(separator, " ")
        if not lowered.isascii():
            return [w.encode("utf-8", "surrogatepass") for w in words(text)]
    return lowered.encode("ascii").translate(_NOT_WORD).split()


Token = str | bytes


class Bag(frozenset[Token]):
    """A text's words with how many times it holds each, as a set (a word held three times
    is ``word``, ``word\0 1`` and ``word\0 2``: no word holds a NUL), so that the words two
    texts share are a set intersection, made in C."""

    __slots__ = ()


def bag(words: Iterable[Token]) -> Bag:
    counted = Counter(words)
    items: set[Token] = set(counted)
    for word, n in counted.items():
        if n > 1:
            items.update([word + (b"\0%d" if isinstance(word, bytes) else "\0%d") % k
                          for k in range(1, n)])
    return Bag(items)


def bag_of(text: str) -> Bag:
    """The ``bag`` of the words of ``text``."""
    return bag(tokens(text))


def similarity(a: Bag, b: Bag) -> float:
    """The words ``a`` and ``b`` share (each as many times as both hold it) over the words
    either holds: 0 to 1, and 0 when either is empty (multiset Jaccard)."""
    if not a or not b:
        return 0.0
    common = len(a & b)
    return common / (len(a) + len(b) - common)


def distinct_similarity(a: frozenset[bytes], b: frozenset[bytes]) -> float:
    """The share of the distinct words of two texts that both hold (set Jaccard)."""
    if not a or not b:
        return 0.0
    common = len(a & b)
    return common / (len(a) + len(b) - common)


# --- what changed ------------------------------------------------------------------------


class Segment(NamedTuple):
    """A run of a paragraph as shown: ``=`` the same in both, ``-`` removed, ``+`` added."""

    op: str
    text: str


class ParagraphChange(NamedTuple):
    """One paragraph of a comparison, in the order of the newer text (removed ones where
    they stood)."""

    segments: tuple[Segment, ...]
    changed: bool
    """False: the paragraph is the same word for word in both (it may be folded away)."""


class Comparison(NamedTuple):
    paragraphs: tuple[ParagraphChange, ...]
    added: int
    """Words added."""
    removed: int
    """Words removed."""


class _Tokens(NamedTuple):
    keys: list[str]
    """The paragraph's words, folded."""
    shown: list[str]
    """Each word as written, with what follows it up to the next word (spaces,
    punctuation); the first also with what comes before it."""


def _tokens(paragraph: str) -> _Tokens:
    matches = list(_WORD.finditer(paragraph))
    keys, shown = [], []
    for n, match in enumerate(matches):
        start = 0 if n == 0 else match.start()
        end = matches[n + 1].start() if n + 1 < len(matches) else len(paragraph)
        keys.append(fold(match.group()))
        shown.append(paragraph[start:end])
    if not matches and paragraph:
        shown.append(paragraph)  # no word at all (a line of dashes): shown, never counted
        keys.append("")
    return _Tokens(keys, shown)


def _diff(old: _Tokens, new: _Tokens) -> tuple[list[Segment], int, int]:
    """Word-by-word segments of one pair of paragraphs, words added, words removed."""
    segments: list[Segment] = []
    added = removed = 0

    def add(op: str, text: str) -> None:
        # A segment shows the text after each of its words from its own side: where that
        # leaves two words touching (a word removed at the end), a space keeps them apart.
        if segments and text[:1].isalnum() and segments[-1].text[-1:].isalnum():
            text = " " + text
        segments.append(Segment(op, text))

    matcher = difflib.SequenceMatcher(None, old.keys, new.keys, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            add("=", "".join(new.shown[j1:j2]))
            continue
        if i2 > i1:
            add("-", "".join(old.shown[i1:i2]))
            removed += sum(1 for k in old.keys[i1:i2] if k)
        if j2 > j1:
            add("+", "".join(new.shown[j1:j2]))
            added += sum(1 for k in new.keys[j1:j2] if k)
    return segments, added, removed


#: Two paragraphs of a changed stretch are taken for one paragraph edited when they share
#: at least this much of their words; below it, one was removed and the other added.
PAIRED = 0.3


def _pairs(old: Sequence[Bag], new: Sequence[Bag]) -> list[tuple[int | None, int | None]]:
    """Line up a changed stretch: ``(i, j)`` pairs of an old and a new paragraph taken for
    one paragraph edited, ``(i, None)`` removed, ``(None, j)`` added, in order. The same
    number on both sides pairs one for one; otherwise the pairing in order that shares
    the most words (a longest common subsequence weighted by ``similarity``)."""
    n, m = len(old), len(new)
    if n == m:
        return list(zip(range(n), range(m), strict=True))
    sims = [[similarity(a, b) for b in new] for a in old]
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            take = sims[i][j] + best[i + 1][j + 1] if sims[i][j] >= PAIRED else -1.0
            best[i][j] = max(take, best[i + 1][j], best[i][j + 1])
    pairs: list[tuple[int | None, int | None]] = []
    i = j = 0
    while i < n and j < m:
        if sims[i][j] >= PAIRED and best[i][j] == sims[i][j] + best[i + 1][j + 1]:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif best[i][j] == best[i + 1][j]:
            pairs.append((i, None))
            i += 1
        else:
            pairs.append((None, j))
            j += 1
    pairs += [(k, None) for k in range(i, n)] + [(None, k) for k in range(j, m)]
    return pairs


def compare(old: Sequence[str], new: Sequence[str]) -> Comparison:
    """The word-by-word change from the paragraphs ``old`` to the paragraphs ``new``.

    Paragraphs whose words are the same are lined up first (difflib over whole
    paragraphs); the paragraphs of each stretch between them are paired
    (``_pairs``) and each pair diffed word by word, with ``autojunk`` off.
    """
    old_tokens = [_tokens(p) for p in old]
    new_tokens = [_tokens(p) for p in new]
    matcher = difflib.SequenceMatcher(None, [tuple(t.keys) for t in old_tokens],
                                      [tuple(t.keys) for t in new_tokens], autojunk=False)
    out: list[ParagraphChange] = []
    added = removed = 0
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out += [ParagraphChange((Segment("=", new[j]),), False) for j in range(j1, j2)]
            continue
        old_part, new_part = old_tokens[i1:i2], new_tokens[j1:j2]
        for i, j in _pairs([bag(t.keys) for t in old_part], [bag(t.keys) for t in new_part]):
            if i is None:
                assert j is not None
                out.append(ParagraphChange((Segment("+", new[j1 + j]),), True))
                added += sum(1 for k in new_part[j].keys if k)
            elif j is None:
                out.append(ParagraphChange((Segment("-", old[i1 + i]),), True))
                removed += sum(1 for k in old_part[i].keys if k)
            else:
                segments, plus, minus = _diff(old_part[i], new_part[j])
                out.append(ParagraphChange(tuple(segments), bool(plus or minus)
                                           or old[i1 + i] != new[j1 + j]))
                added, removed = added + plus, removed + minus
    return Comparison(tuple(out), added, removed)

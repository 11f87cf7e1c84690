"""What the pages show of a statement altered at source: its versions and what changed.

Pure functions of a statement and its versions' texts, for ``pages``: the rows
of a statement's list of versions, a version as a statement to cite, and a
comparison between two versions as the comparison page shows it (removed words
in ``<del>``, added words in ``<ins>``, each with a label a screen reader reads
and a sighted reader does not need, and the paragraphs that did not change
folded, but for ``CONTEXT`` around each change).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import NamedTuple

from markupsafe import Markup, escape

from ..model import textdiff, versions
from ..model.documents import Capture, Statement, Version
from ..model.markdown import plain_paragraphs, plain_text

#: Unchanged paragraphs shown before and after each changed one; the others are folded.
CONTEXT = 1


def captures_of(statement: Statement, version: Version) -> list[Capture]:
    """The statement's captures that are ``version``'s, in the version's order."""
    by_sha = {c.sha256: c for c in statement.captures}
    return [by_sha[sha] for sha in version.captures if sha in by_sha]


def cited(statement: Statement, number: int) -> Statement:
    """``statement`` as its version ``number`` (from 1) is cited: that version's title, and
    its captures first."""
    if not statement.altered:
        return statement
    version = statement.versions[number - 1]
    own = captures_of(statement, version)
    rest = [c for c in statement.captures if c not in own]
    return statement._replace(title=version.title, captures=(*own, *rest))


class Row(NamedTuple):
    """One version in a statement's list of versions."""

    number: int
    version: Version
    captures: list[Capture]
    first: bool
    last: bool


def rows(statement: Statement) -> list[Row]:
    """The statement's versions, oldest first, as its page lists them."""
    total = len(statement.versions)
    return [Row(n, v, captures_of(statement, v), n == 1, n == total)
            for n, v in enumerate(statement.versions, start=1)]


def first_seen(statement: Statement) -> dt.date | None:
    """When the statement's shown version was first seen (None: not known)."""
    return versions.altered_on(statement)


def paragraphs(body: str | None) -> list[str]:
    """The paragraphs of a version's text (a body a person wrote: its plain text, by line)."""
    if not body:
        return []
    plain = plain_paragraphs(body)
    return plain if plain is not None else [line for line in plain_text(body).split("\n") if line]


def segments_html(segments: Sequence[textdiff.Segment]) -> Markup:
    """Segments as HTML: removed words in ``<del>``, added in ``<ins>``, each opened by a
    label that only a screen reader reads."""
    out = []
    for op, text in segments:
        if op == "=":
            out.append(escape(text))
            continue
        words = text.rstrip()  # the space after the last word is not part of the change
        tag, label = ("del", "removed") if op == "-" else ("ins", "added")
        out.append(Markup('<{0}><span class="visually-hidden">{1}: </span>{2}</{0}>{3}').format(
            Markup(tag), label, words, text[len(words):]))
    return Markup("").join(out)


class Block(NamedTuple):
    """A run of a comparison as the page shows it: a paragraph, or paragraphs folded."""

    folded: bool
    paragraphs: tuple[Markup, ...]
    changed: bool = False


def blocks(comparison: textdiff.Comparison, context: int = CONTEXT) -> list[Block]:
    """The comparison's paragraphs, the unchanged ones folded but for ``context`` paragraphs
    on each side of a change (a fold of one paragraph is not worth it: shown)."""
    items = comparison.paragraphs
    near = set()
    for n, item in enumerate(items):
        if item.changed:
            near.update(range(max(0, n - context), min(len(items), n + context + 1)))
    out: list[Block] = []
    run: list[Markup] = []

    def close() -> None:
        if len(run) == 1:
            out.append(Block(False, (run[0],)))
        elif run:
            out.append(Block(True, tuple(run)))
        run.clear()

    for n, item in enumerate(items):
        html = segments_html(item.segments)
        if n in near:
            close()
            out.append(Block(False, (html,), item.changed))
        else:
            run.append(html)
    close()
    return out


class Change(NamedTuple):
    """What a comparison page shows."""

    title: Markup | None
    """The headline's change word by word (None: the same headline)."""
    blocks: list[Block]
    added: int
    removed: int


def change(old_title: str, old_body: str | None, new_title: str, new_body: str | None) -> Change:
    """The change from one version (title and body) to the next."""
    title = None
    if old_title != new_title:
        line = textdiff.compare([old_title], [new_title]).paragraphs[0]
        title = segments_html(line.segments)
    comparison = textdiff.compare(paragraphs(old_body), paragraphs(new_body))
    return Change(title, blocks(comparison), comparison.added, comparison.removed)

"""The one Markdown dialect of the archive, in both directions.

``text_to_markdown`` writes captured paragraphs as Markdown that renders to
exactly that text: a line starting with ``#``, ``-``, ``>`` or ``1.`` stays a
line of text, ``*stars*`` stay stars, ``&copy;`` stays six characters.
``render`` turns a body into HTML with the one configured parser: CommonMark,
raw HTML off (``<script>`` in a body is shown as text), no linkify, no
typographic replacements, no images (the page would fetch them from elsewhere).

markdown-it-py stops descending past its nesting limit and silently drops
the text below it; ``render`` notices that and renders such a body as plain
text instead, so no text is ever lost.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml

#: Nesting deeper than this (quotes in lists in quotes ...) is rendered as plain text.
MAX_NESTING = 20

_PARSER = MarkdownIt(
    "commonmark",
    {"html": False, "linkify": False, "typographer": False, "xhtmlOut": False,
     "maxNesting": MAX_NESTING},
).disable("image")  # an archive page loads nothing from elsewhere: ![x](url) stays text

_INLINE_SPECIAL = re.compile(
    r"[\\`*_\[\]<]|&(?=#[0-9]{1,9};|#[xX][0-9a-fA-F]{1,8};|[A-Za-z][A-Za-z0-9]{0,40};)")
_BLOCK_START = re.compile(r"^(?:[#>+=~\-]|\d{1,9}(?=[.)]))")
_LINE_BREAKS = re.compile(r"\r\n|\r|\n")


def escape_paragraph(text: str) -> str:
    """Markdown for one paragraph of plain text (one line, already stripped)."""
    escaped = _INLINE_SPECIAL.sub(lambda m: "\\" + m.group(0), text)
    match = _BLOCK_START.match(escaped)
    if match:
        end = match.end()
        if match.group(0)[0].isdigit():
            # "1." or "1)" would start an ordered list: escape the delimiter.
            escaped = escaped[:end] + "\\" + escaped[end:]
        else:
            escaped = "\\" + escaped
    return escaped


def text_to_markdown(paragraphs: Iterable[str]) -> str:
    """Markdown for captured paragraphs: one paragraph per line, a blank line between."""
    parts = []
    for paragraph in paragraphs:
        for line in _LINE_BREAKS.split(paragraph):
            line = line.strip()
            if line:
                parts.append(escape_paragraph(line))
    return "\n\n".join(parts)


@dataclass(frozen=True, slots=True)
class Rendered:
    html: str
    too_deep: bool = False
    """True when the body nested past ``MAX_NESTING`` and was rendered as plain text."""


def _deepest(tokens: list) -> int:
    deepest = 0
    for token in tokens:
        deepest = max(deepest, token.level)
        if token.children:
            deepest = max(deepest, _deepest(token.children))
    return deepest


_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


def plain_paragraphs(body: str) -> list[str] | None:
    """The paragraphs of a body that is exactly what ``text_to_markdown`` writes, else None.

    Every body the importer writes has this form, so the Markdown parser is
    needed only for bodies a person wrote.
    """
    if not body:
        return []
    paragraphs = []
    for part in body.split("\n\n"):
        if not part or "\n" in part or "\r" in part:
            return None
        text = _ESCAPED.sub(r"\1", part)
        if escape_paragraph(text) != part or text != text.strip():
            return None
        paragraphs.append(text)
    return paragraphs


def render(body: str) -> Rendered:
    """HTML for a Markdown body."""
    plain = plain_paragraphs(body)
    if plain is not None:
        # What markdown-it renders for such a body (tests/test_markdown.py holds them equal).
        # (markdown-it turns NUL into U+FFFD, as CommonMark says.)
        return Rendered("".join(f"<p>{escapeHtml(p.replace(chr(0), chr(0xFFFD)))}</p>\n"
                                for p in plain))
    tokens = _PARSER.parse(body)
    if _deepest(tokens) < MAX_NESTING - 1:
        return Rendered(_PARSER.renderer.render(tokens, _PARSER.options, {}))
    plain = text_to_markdown(_LINE_BREAKS.split(body))
    return Rendered(_PARSER.render(plain), too_deep=True)


def plain_text(body: str) -> str:
    """The text a reader sees in ``body``, one line per block (for search and excerpts)."""
    return "\n".join(plain_blocks(body))


def plain_blocks(body: str) -> list[str]:
    """The text a reader sees in each block of ``body`` (paragraph, heading, code...)."""
    plain = plain_paragraphs(body)
    if plain is not None:
        return plain
    lines: list[str] = []
    for token in _PARSER.parse(body):
        if token.type == "inline" and token.children is not None:
            parts = []
            for child in token.children:
                if child.type in ("text", "code_inline"):
                    parts.append(child.content)
                elif child.type in ("softbreak", "hardbreak"):
                    parts.append(" ")
            lines.append("".join(parts))
        elif token.type in ("code_block", "fence"):
            lines.append(token.content.rstrip("\n"))
    return lines

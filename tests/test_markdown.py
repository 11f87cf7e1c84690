"""Captured text written as Markdown renders back to exactly that text."""

import html

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.model.markdown import MAX_NESTING, render, text_to_markdown


def rendered_text(paragraph: str) -> str:
    out = render(text_to_markdown([paragraph])).html
    assert out.startswith("<p>") and out.endswith("</p>\n"), out
    return html.unescape(out[3:-5])


def test_lines_that_look_like_markdown_stay_text():
    for line in ("# heading", "## two", "* star", "- dash", "+ plus", "> quote", "1. one",
                 "2) two", "---", "***", "___", "=== eq", "```", "~~~", "    indented"):
        assert rendered_text(line.strip()) == line.strip()


def test_inline_markup_and_entities_stay_text():
    line = "*em* _u_ `code` [link](http://x) ![img](y) <b>bold</b> <http://auto> &copy; &#35; AT&T \\"
    assert rendered_text(line) == line


def test_raw_html_is_never_passed_through():
    out = render("<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>").html
    assert "<script" not in out and "<img" not in out
    assert "&lt;script&gt;" in out


def test_javascript_links_are_not_links():
    out = render("[click](javascript:alert(1)) [x](JaVaScRiPt:alert(1)) [d](data:text/html,hi)").html
    assert "href" not in out


def test_deep_nesting_is_rendered_as_plain_text_instead_of_dropping_text():
    body = ">" * (MAX_NESTING + 10) + " the deepest words"
    result = render(body)
    assert result.too_deep
    assert "the deepest words" in result.html
    nested_list = "".join("  " * i + "- item" + str(i) + "\n" for i in range(40))
    result = render(nested_list)
    assert result.too_deep
    assert "item39" in result.html


def test_ordinary_markdown_is_still_markdown():
    result = render("A *hand-written* note.\n\n- one\n- two\n")
    assert not result.too_deep
    assert "<em>hand-written</em>" in result.html and "<li>one</li>" in result.html


paragraphs = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r\n"),
    min_size=1,
).map(str.strip).filter(bool)


@settings(max_examples=400, deadline=None)
@given(paragraphs)
def test_any_paragraph_round_trips_through_markdown(paragraph):
    assert rendered_text(paragraph) == paragraph


@settings(max_examples=100, deadline=None)
@given(st.lists(paragraphs, min_size=1, max_size=5))
def test_paragraphs_stay_separate(items):
    out = render(text_to_markdown(items)).html
    assert out.count("<p>") == len(items)


def test_images_are_not_fetched_from_elsewhere():
    out = render("![tracking pixel](http://example.org/pixel.png)").html
    assert "<img" not in out


def parser_html(body: str) -> str:
    """What markdown-it itself renders (no fast path)."""
    from generator.model.markdown import _PARSER

    return _PARSER.render(body)


@settings(max_examples=300, deadline=None)
@given(st.lists(paragraphs, max_size=6))
def test_the_fast_path_renders_exactly_what_the_parser_renders(items):
    body = text_to_markdown(items)
    assert render(body).html == parser_html(body)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_body_renders_like_the_parser_or_is_left_to_it(body):
    from generator.model.markdown import plain_paragraphs

    if plain_paragraphs(body) is not None:
        assert render(body).html == parser_html(body)


def test_plain_text_of_a_written_body_is_its_paragraphs():
    from generator.model.markdown import plain_text

    assert plain_text(text_to_markdown(["# a *b*", "c &copy; <x>"])) == "# a *b*\nc &copy; <x>"

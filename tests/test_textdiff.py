"""Texts compared word by word: the share of words, and the word-by-word change."""

import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.model import textdiff

_QUOTES = str.maketrans({"‘": "'", "’": "'", "‛": "'", "“": '"', "”": '"', "‟": '"',
                         "\u00a0": " ", "–": "-", "—": "-"})
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def defined_normalise(text):
    """What ``normalise`` is defined as (its first, slower form)."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", text).translate(_QUOTES))
    return re.sub(r"\s+", " ", text).strip().casefold()


_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80) | \
    st.text(alphabet="ab C’“”‘\u00a0–—…\t\n\u2028\u3000e\u0301ßİ_1-,.'\"\u00ad\u200b\ufeff",
            max_size=40)


@settings(max_examples=400)
@given(_text)
def test_normalise_is_its_definition(text):
    assert textdiff.normalise(text) == defined_normalise(text)


@settings(max_examples=400)
@given(_text)
def test_the_quick_tokens_are_the_words(text):
    assert textdiff.tokens(text) == [w.encode("utf-8", "surrogatepass")
                                     for w in textdiff.words(text)]


def test_the_share_of_words_counts_each_word_as_often_as_both_texts_hold_it():
    a = textdiff.bag_of("the cat and the dog and the bird")  # the x3, and x2, cat, dog, bird
    b = textdiff.bag_of("The dog, the bird.")
    # In common: the x2, dog, bird = 4; either: 8 + 4 - 4 = 8.
    assert textdiff.similarity(a, b) == 4 / 8
    assert textdiff.similarity(a, a) == 1.0
    assert textdiff.similarity(a, textdiff.bag_of("")) == 0.0


def test_case_spacing_and_quotes_are_not_words():
    assert textdiff.similarity(textdiff.bag_of("It’s  “FINAL”."),
                               textdiff.bag_of("it's \"final\"")) == 1.0


def test_a_comparison_lines_paragraphs_up_and_diffs_each_word_by_word():
    old = ["Pyongyang, May 1 -- The minister met the delegation.", "Unchanged paragraph here.",
           "A paragraph that goes away entirely."]
    new = ["Pyongyang, May 1 -- The minister received the visiting delegation.",
           "Unchanged paragraph here."]
    change = textdiff.compare(old, new)
    first, same, gone = change.paragraphs
    assert first.changed and not same.changed and gone.changed
    assert first.segments == (
        textdiff.Segment("=", "Pyongyang, May 1 -- The minister "),
        textdiff.Segment("-", "met "), textdiff.Segment("+", "received "),
        textdiff.Segment("=", "the "), textdiff.Segment("+", "visiting "),
        textdiff.Segment("=", "delegation."))
    assert gone.segments == (textdiff.Segment("-", "A paragraph that goes away entirely."),)
    assert (change.added, change.removed) == (2, 1 + 6)


def test_an_inserted_paragraph_does_not_shift_the_pairing_of_the_others():
    old = ["Alpha beta gamma delta.", "Epsilon zeta eta theta."]
    new = ["A new first paragraph about something else.", "Alpha beta gamma delta!",
           "Epsilon zeta eta iota."]
    change = textdiff.compare(old, new)
    ops = [[s.op for s in p.segments] for p in change.paragraphs]
    assert ops[0] == ["+"]
    assert change.added == 7 + 1 and change.removed == 1


@settings(max_examples=200)
@given(st.lists(st.text(alphabet="ab c.,", max_size=20), max_size=5),
       st.lists(st.text(alphabet="ab c.,", max_size=20), max_size=5))
def test_a_comparison_shows_the_new_text_and_counts_what_it_shows(old, new):
    old = [p for p in old if p.strip()]
    new = [p for p in new if p.strip()]
    change = textdiff.compare(old, new)
    shown_new = ["".join(s.text for s in p.segments if s.op != "-") for p in change.paragraphs]
    assert [textdiff.words(p) for p in shown_new if p.strip()] == [textdiff.words(p) for p in new]
    shown_old = ["".join(s.text for s in p.segments if s.op != "+") for p in change.paragraphs]
    assert [textdiff.words(p) for p in shown_old if p] == [textdiff.words(p) for p in old]
    added = sum(len(textdiff.words(s.text)) for p in change.paragraphs for s in p.segments
                if s.op == "+")
    assert added == change.added

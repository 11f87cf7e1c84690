"""One spelling for every variant of an issuer's name: ``canonical_name``.

Spokesman and Spokeswoman become Spokesperson, Vice-Minister becomes Vice
Minister, Int'l becomes International, "C.C., WPK" and "WPK Central
Committee" become "Central Committee of Workers' Party of Korea", "DPRK" and
"of the DPRK" go, and so do articles; "Foreign Ministry Spokesman" becomes
"Spokesperson for Foreign Ministry". Variants of one issuer then share one
name (and one id). ``match_key`` is what names are compared by.

Every pattern here is linear in its input (anchored, no nested quantifiers).
"""

from __future__ import annotations

import functools
import re
import unicodedata

#: No issuer's name is longer (the longest known is about 120 characters).
NAME_MAX = 300


_CHARS = str.maketrans({"‘": "'", "’": "'", "‛": "'", "`": "'", "“": '"', "”": '"',
                        "–": "-", "—": "-", "\u00a0": " "})
_SPACE = re.compile(r"\s+")
NON_WORD = re.compile(r"[^\w']+")
_CC_WPK = "Central Committee of Workers' Party of Korea"
_COUNTRY = r"(?:DPRK|Democratic People's Republic of Korea)"
#: Rewrites, in order. The DPRK rules are case-sensitive: "DPRK Foreign Ministry"
#: (an adjective, dropped) differs from "Mission of DPRK at UN" (a noun, dropped with "of").
_REWRITES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r" ?\([A-Z]{2,8}\)"), ""),
    (re.compile(r"\bInt'l\b", re.I), "International"),
    (re.compile(r"\bC\.C\.,? (?:of )?(?:the )?WPK\b"), _CC_WPK),
    (re.compile(r"\bWPK (?:Central Committee|C\.C\.)", re.I), _CC_WPK),
    (re.compile(r"\b(?:Party Central Committee|Central Committee of (?:the )?WPK)\b", re.I),
     _CC_WPK),
    (re.compile(r"\bCentral Committee of the Workers' Party of Korea\b", re.I), _CC_WPK),
    (re.compile(r"^KPA (?P<rest>.+)$"), r"\g<rest> of Korean People's Army"),
    (re.compile(r"\bWPK\b"), "Workers' Party of Korea"),
    (re.compile(r"\bKPA\b"), "Korean People's Army"),
    (re.compile(r"\bspokes(?:man|woman|person)\b", re.I), "Spokesperson"),
    (re.compile(r"\bSpokesperson of\b"), "Spokesperson for"),
    (re.compile(r"\bvice-", re.I), "Vice "),
    (re.compile(r"\bdirector-general\b", re.I), "Director General"),
    (re.compile(r"\bhead of\b", re.I), "Chief of"),
    (re.compile(r"\bhead$", re.I), "Chief"),
    (re.compile(r"\b(?:the )?" + _COUNTRY + r"(?:'s)? (?=[A-Z])"), ""),
    (re.compile(r",? (?:of|in) (?:the )?" + _COUNTRY + r"\b"), ""),
    (re.compile(r"^(?:the|an?) ", re.I), ""),
    (re.compile(r"(?<=, )(?:the|an?) ", re.I), ""),
    (re.compile(r"\bthe ", re.I), ""),
)
_SMALL = frozenset({"of", "for", "and", "at", "on", "in", "to", "by", "with", "against", "from"})
#: Role words that may follow what they belong to: "Foreign Ministry Spokesperson".
_TRAILING_ROLES = {"spokesperson": "for", "chief": "of"}
_NAME_WORD = re.compile(r"^[A-Z][a-z]{1,12}$")
#: Words that are never part of a person's name.
_NOT_NAME = frozenset({
    "Vice", "Director", "Minister", "Spokesperson", "Chief", "Head", "Ministry", "Office",
    "Committee", "Department", "Institute", "General", "Foreign", "Military", "International",
    "National", "Korean", "Central", "Permanent", "Mission", "Agency", "Army", "Party", "Bureau",
})


def _clean(phrase: str) -> str:
    text = unicodedata.normalize("NFKC", phrase).translate(_CHARS)
    return _SPACE.sub(" ", text).strip(" ,.:;\"'")


def _reorder(text: str) -> str:
    """Move a trailing role word in front: "X Office Chief of Y" -> "Chief of X Office of Y".

    "Ministry of Railways Spokesperson" -> "Spokesperson for Ministry of Railways".
    """
    front, _, last = text.rpartition(" ")
    if front and last.casefold() in _TRAILING_ROLES:
        return f"{last} {_TRAILING_ROLES[last.casefold()]} {front}"
    head, sep, rest = text.partition(" of ")
    words = head.split(" ")
    last = words[-1].casefold()
    if len(words) > 1 and last in _TRAILING_ROLES:
        front = " ".join(words[:-1])
        moved = f"{words[-1]} {_TRAILING_ROLES[last]} {front}"
        return f"{moved}{sep}{rest}"
    return text


def _title_word(word: str, first: bool) -> str:
    if not first and word.casefold() in _SMALL:
        return word.casefold()
    if "." in word or any(c.isupper() for c in word[1:]):
        return word  # U.S., C.C., NCC, McX: kept as written
    return "-".join(part[:1].upper() + part[1:] for part in word.split("-"))


def canonical_name(phrase: str) -> str:
    """One spelling for every variant of an issuer's name (see the module docstring).

    A phrase longer than ``NAME_MAX`` characters is cut at a word first: no
    issuer's name is that long, and the rest would only cost time.

    >>> canonical_name("DPRK Foreign Ministry Spokesman")
    'Spokesperson for Foreign Ministry'
    """
    if len(phrase) > NAME_MAX:
        phrase = phrase[:NAME_MAX].rsplit(" ", 1)[0]
    return _canonical(phrase)


@functools.lru_cache(maxsize=4096)
def _canonical(phrase: str) -> str:
    text = _clean(phrase)
    for pattern, replacement in _REWRITES:
        text = pattern.sub(replacement, text)
    text = _reorder(_SPACE.sub(" ", text).strip(" ,.:;"))
    return " ".join(_title_word(w, i == 0) for i, w in enumerate(text.split(" ")) if w)


def match_key(phrase: str) -> str:
    """The key phrases are compared by: the canonical name, without case."""
    return canonical_name(phrase).casefold()


def split_person(name: str) -> tuple[str, str]:
    """``("Kim Yo Jong", "Vice Department Director of ...")`` from "Kim Yo Jong, Vice ...".

    ``("", name)`` when ``name`` does not start with a person's name and a comma.
    """
    head, sep, rest = name.partition(", ")
    words = head.split(" ")
    if (sep and rest and 2 <= len(words) <= 4
            and all(_NAME_WORD.match(w) and w not in _NOT_NAME for w in words)):
        return head, rest
    return "", name


def clean_text(text: str) -> str:
    """``text`` with one kind of quote, dash and space, and no space at either end."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text).translate(_CHARS)).strip()

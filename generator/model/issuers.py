"""Who issued a statement, and what kind of document it is.

The captures carry no issuer field: the issuer sits in the headline ("Press
Statement of Spokesman for DPRK Foreign Ministry") and in the opening sentence
("A spokesperson for the Foreign Ministry of the Democratic People's Republic of
Korea released the following press statement on May 20:"), spelled many ways.
``attribute`` reads both and returns an ``Issuer``:

1. *Shape*: the headline's shape ("Press Statement of X", "X Issues Press
   Statement", "Statement by X", "X Releases Statement", "X Gives Answers",
   "Report of X", "White Paper of X", "X's Article", "...: KCNA Commentary",
   "...: Spokesman for X") gives the kind and a phrase naming the issuer; so does
   the opening sentence ("X released the following press statement",
   "The following is the press statement of X, titled", "A spokesman for X said").
2. *Normalisation* (``canonical_name``): one spelling per issuer. Spokesman and
   Spokeswoman become Spokesperson, Vice-Minister becomes Vice Minister, Int'l
   becomes International, "C.C., WPK" and "WPK Central Committee" become "Central
   Committee of Workers' Party of Korea", "DPRK" and "of the DPRK" go, and so do
   articles; "Foreign Ministry Spokesman" becomes "Spokesperson for Foreign
   Ministry". Variants of one issuer then share one name, and one id.
3. *Authority*: the normalised phrase is looked up in the authority list
   (``content/issuers.yaml``, read by ``load_authority``): canonical issuers with
   aliases, in a hierarchy organisation > office > role or person. A person is
   recognised wherever the name appears. An issuer that is not listed keeps its
   normalised name, gets an id made from it, and belongs to the listed
   organisation its name ends with ("... of Foreign Ministry"), or else to the
   organisation its name names; ``check`` lists it so the archivist can add it.

The ``kind`` vocabulary (one word each, used in front matter and URLs):

- ``press-statement``: a press statement ("Press Statement of X", "X released
  the following press statement").
- ``statement``: a statement other than a press statement ("Statement of X",
  "X Releases Statement", "Crucial Statement of X", "...: Spokesman for X",
  "A spokesman for X said in a statement").
- ``commentary``: a KCNA commentary, or an article by a named analyst or
  commentator ("Military Commentator's Article", "X issued the following article").
- ``answer``: an answer to a question ("X Gives Answers", "X gave the following
  answer to a question raised by KCNA").
- ``report``: a report or a white paper ("Report of X", "...: KCNA Report",
  "White Paper of X").
- ``news``: everything else: ordinary news items, which the agency itself
  issues (issuer KCNA, organisation KCNA).

Every pattern here is linear in its input (anchored, no nested quantifiers),
so a hostile 1 MB headline costs no more than reading it.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..problems import BuildInterrupted, Report, shown
from .dates import parse_dateline
from .documents import Issuer, Statement
from .names import slugify

STAGE = "check"

#: Every value ``Issuer.kind`` takes, in the order of the module docstring.
KINDS = ("press-statement", "statement", "commentary", "answer", "report", "news")
#: How each kind is shown to readers (pages, search filters).
KIND_LABELS = {"press-statement": "Press statement", "statement": "Statement",
               "commentary": "Commentary", "answer": "Answer", "report": "Report",
               "news": "News"}


def kind_label(kind: str | None) -> str:
    """The reader-facing name of a kind (an unknown kind is shown capitalised)."""
    if not kind:
        return ""
    return KIND_LABELS.get(kind, kind.replace("-", " ").capitalize())


#: A kind's page and feed title: all its statements.
KIND_PLURALS = {"press-statement": "Press statements", "statement": "Statements",
                "commentary": "Commentaries", "answer": "Answers", "report": "Reports",
                "news": "News"}


def kind_plural(kind: str | None) -> str:
    """The reader-facing name of all the statements of a kind (``Press statements``)."""
    if not kind:
        return ""
    return KIND_PLURALS.get(kind, kind_label(kind))
#: The agency that issues news items (and KCNA commentaries and reports).
AGENCY_ID = "kcna"
AGENCY_NAME = "KCNA"
#: Levels of the hierarchy, top first.
LEVELS = ("organization", "office", "role", "person")
#: Only the start of an opening paragraph is read: the issuer is named in its first sentence.
OPENING_MAX = 2000
#: No issuer's name is longer (the longest known is about 120 characters).
NAME_MAX = 300

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR = "tag:yaml.org,2002:str"
_BOOL = "tag:yaml.org,2002:bool"
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")


class AuthorityError(BuildInterrupted):
    """The authority list cannot be used; ``where`` is ``path:line`` (or ``path:line:column``)."""

    def __init__(self, where: str, reason: str, hint: str = "") -> None:
        super().__init__(f"{where}: {reason}" + (f" ({hint})" if hint else ""))
        self.where = where
        self.reason = reason
        self.hint = hint


# --- the authority list ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Entry:
    """One canonical issuer of the authority list: an organisation, office, role or person."""

    id: str
    """Lowercase slug, unique in the list, used in URLs (``foreign-ministry-spokesperson``)."""
    name: str
    """The canonical name, as shown on the site."""
    level: str
    """``organization``, ``office``, ``role`` or ``person`` (see ``LEVELS``)."""
    parent_id: str | None = None
    """The office or organisation it belongs to (None for an organisation)."""
    aliases: tuple[str, ...] = ()
    """Other spellings, as written in the list (the name is not repeated here)."""
    title: str = ""
    """What a person is, e.g. ``Vice Department Director of the Central Committee``."""
    note: str = ""
    """Free text for archivists."""
    line: int = 0
    """Where the entry starts in the list (for messages)."""


@dataclass(frozen=True, slots=True)
class Authority:
    """The authority list: canonical issuers, their aliases and their hierarchy.

    Build it with ``load_authority`` or ``parse_authority``; ``Authority()`` is the
    empty list (every issuer unlisted, still normalised and grouped).
    """

    entries: tuple[Entry, ...] = ()
    """Every entry, in file order (each organisation before what it holds)."""
    source: str = ""
    """The file it was read from, as shown in messages."""
    present: bool = False
    """True when read from a file; a site without the file has no list to check against."""
    _by_id: dict[str, Entry] = field(init=False, repr=False, compare=False)
    _by_key: dict[str, Entry] = field(init=False, repr=False, compare=False)
    _people: tuple[tuple[str, Entry], ...] = field(init=False, repr=False, compare=False)
    _units: tuple[tuple[str, Entry], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_id = {e.id: e for e in self.entries}
        by_key: dict[str, Entry] = {}
        for entry in self.entries:
            for key in _entry_keys(entry):
                by_key.setdefault(key, entry)
        people = tuple(sorted(  # the longest name first: "Kim Yo Jong" before "Kim Yo"
            ((match_key(e.name), e) for e in self.entries if e.level == "person"),
            key=lambda item: (-len(item[0]), item[0]),
        ))
        units = sorted(
            ((key, e) for key, e in by_key.items() if e.level in ("organization", "office")),
            key=lambda item: (-len(item[0]), item[0]),
        )
        object.__setattr__(self, "_by_id", by_id)
        object.__setattr__(self, "_by_key", by_key)
        object.__setattr__(self, "_people", people)
        object.__setattr__(self, "_units", tuple(units))

    @property
    def checksum(self) -> str:
        """Changes whenever an entry does (imports attribute issuers again then)."""
        return hashlib.sha256(repr(self.entries).encode("utf-8", "surrogatepass")).hexdigest()

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._by_id

    def get(self, entry_id: str | None) -> Entry | None:
        """The entry with this id, or None when it is not listed."""
        return self._by_id.get(entry_id) if entry_id else None

    def organizations(self) -> tuple[Entry, ...]:
        """Every organisation, in file order."""
        return tuple(e for e in self.entries if e.level == "organization")

    def children(self, entry_id: str) -> tuple[Entry, ...]:
        """The offices, roles and people directly under ``entry_id``, in file order."""
        return tuple(e for e in self.entries if e.parent_id == entry_id)

    def chain(self, entry_id: str | None) -> tuple[Entry, ...]:
        """``entry_id`` and what it belongs to, organisation first; () when not listed."""
        chain: list[Entry] = []
        entry = self.get(entry_id)
        while entry is not None:
            chain.append(entry)
            entry = self.get(entry.parent_id)
        return tuple(reversed(chain))

    def organization_of(self, entry_id: str | None) -> Entry | None:
        """The organisation ``entry_id`` belongs to (itself for an organisation)."""
        chain = self.chain(entry_id)
        return chain[0] if chain else None

    def issuer(self, entry_id: str, kind: str | None = None) -> Issuer:
        """The ``Issuer`` record of a listed entry; ``KeyError`` when it is not listed."""
        entry = self._by_id[entry_id]
        org = self.chain(entry_id)[0]
        return Issuer(issuer=entry.name, issuer_id=entry.id, organization=org.name,
                      organization_id=org.id, kind=kind)

    def lookup(self, phrase: str) -> Entry | None:
        """The listed entry a phrase names (any spelling, see ``canonical_name``), or None."""
        name, role = split_person(canonical_name(phrase))
        key = match_key(phrase)
        words = f" {_NON_WORD.sub(' ', key)} "
        for person_key, entry in self._people:
            if f" {person_key} " in words:
                return entry
        found = self._by_key.get(key)
        if found is None and name:
            found = self._by_key.get(match_key(role))
        return found

    def lookup_start(self, phrase: str) -> Entry | None:
        """The listed entry whose spelling starts ``phrase`` (the longest), or None.

        For headlines that run on after the issuer: "White Paper of DPRK Institute
        of Enemy State Studies Betrays ...".
        """
        key = match_key(phrase)
        found = [(len(k), k, e) for k, e in self._by_key.items() if key.startswith(f"{k} ")]
        return max(found, key=lambda item: item[:2])[2] if found else None

    def unit_under(self, key: str) -> Entry | None:
        """The listed organisation or office a normalised phrase ends with ("... of X")."""
        for unit_key, entry in self._units:
            if key.endswith((f" of {unit_key}", f" for {unit_key}")):
                return entry
        return None


def _entry_keys(entry: Entry) -> list[str]:
    return [match_key(text) for text in (entry.name, *entry.aliases)]


def _where(source: str, node: yaml.Node) -> str:
    return f"{source}:{node.start_mark.line + 1}"


def _mapping(node: yaml.Node, source: str, what: str, allowed: Sequence[str]) -> dict[str, Any]:
    if not isinstance(node, yaml.MappingNode):
        raise AuthorityError(_where(source, node), f"{what} must be a mapping of keys to values")
    result: dict[str, Any] = {}
    for key_node, value_node in node.value:
        key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
        if key not in allowed:
            raise AuthorityError(_where(source, key_node), f"unknown key {key!r} in {what}",
                                 "known keys: " + ", ".join(allowed))
        if key in result:
            raise AuthorityError(_where(source, key_node), f"key {key!r} given twice in {what}")
        result[key] = value_node
    return result


def _text(node: yaml.Node | None, source: str, what: str) -> str:
    if not isinstance(node, yaml.ScalarNode) or node.tag != _STR or not node.value.strip():
        where = _where(source, node) if node is not None else source
        raise AuthorityError(where, f"{what} must be non-empty text")
    return " ".join(node.value.split())


def _texts(node: yaml.Node | None, source: str, what: str) -> tuple[str, ...]:
    if node is None:
        return ()
    if not isinstance(node, yaml.SequenceNode):
        raise AuthorityError(_where(source, node), f"{what} must be a list")
    return tuple(_text(item, source, f"each of {what}") for item in node.value)


def _items(node: yaml.Node | None, source: str, what: str) -> list[yaml.Node]:
    if node is None:
        return []
    if not isinstance(node, yaml.SequenceNode):
        raise AuthorityError(_where(source, node), f"{what} must be a list of entries")
    return list(node.value)


_ENTRY_KEYS = {
    "organization": ("id", "name", "aliases", "note", "offices", "issuers"),
    "office": ("id", "name", "aliases", "note", "issuers"),
    "role": ("id", "name", "aliases", "note", "person", "title"),
}


def _entries(node: yaml.Node, source: str, level: str, parent: str | None) -> list[Entry]:
    what = {"organization": "an organization", "office": "an office"}.get(level, "an issuer")
    given = _mapping(node, source, what, _ENTRY_KEYS[level])
    entry_id = _text(given.get("id"), source, "id") if "id" in given else ""
    if not _ID_RE.match(entry_id) or "--" in entry_id or entry_id.endswith("-"):
        raise AuthorityError(
            _where(source, given.get("id", node)),
            f"id {entry_id!r} is not usable in a URL" if entry_id else f"{what} has no id",
            "use lowercase letters, digits and single hyphens, e.g. foreign-ministry-spokesperson",
        )
    if "name" not in given:
        raise AuthorityError(_where(source, node), f"entry {entry_id!r} has no name")
    person = False
    if "person" in given:
        value = given["person"]
        if not isinstance(value, yaml.ScalarNode) or value.tag != _BOOL:
            raise AuthorityError(_where(source, value), "person must be true or false")
        person = value.value.lower() in ("true", "yes", "on")
    entry = Entry(
        id=entry_id,
        name=_text(given["name"], source, "name"),
        level="person" if person else level,
        parent_id=parent,
        aliases=_texts(given.get("aliases"), source, "aliases"),
        title=_text(given["title"], source, "title") if "title" in given else "",
        note=_text(given["note"], source, "note") if "note" in given else "",
        line=node.start_mark.line + 1,
    )
    result = [entry]
    for office in _items(given.get("offices"), source, "offices"):
        result.extend(_entries(office, source, "office", entry_id))
    for issuer in _items(given.get("issuers"), source, "issuers"):
        result.extend(_entries(issuer, source, "role", entry_id))
    return result


def _check_unique(entries: Sequence[Entry], source: str) -> None:
    seen_ids: dict[str, Entry] = {}
    seen_keys: dict[str, Entry] = {}
    for entry in entries:
        if entry.id in seen_ids:
            raise AuthorityError(
                f"{source}:{entry.line}",
                f"id {entry.id!r} is already used at line {seen_ids[entry.id].line}",
                "ids must be unique in the whole list",
            )
        seen_ids[entry.id] = entry
        for text, key in zip((entry.name, *entry.aliases), _entry_keys(entry), strict=True):
            other = seen_keys.setdefault(key, entry)
            if other.id != entry.id:
                raise AuthorityError(
                    f"{source}:{entry.line}",
                    f"{text!r} (of {entry.id!r}) reads as {canonical_name(text)!r}, which "
                    f"already names {other.id!r} at line {other.line}",
                    "keep that spelling under one entry only",
                )


def parse_authority(text: str, source: str) -> Authority:
    """Read the text of an authority list.

    ``AuthorityError`` names ``source``, the line and what is wrong.
    """
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        raise AuthorityError(where, f"invalid YAML: {exc.problem or exc.context}",
                             "check the quoting and indentation of that line") from None
    except yaml.YAMLError as exc:
        raise AuthorityError(source, f"invalid YAML: {exc}") from None
    except RecursionError:
        raise AuthorityError(source, "not usable YAML: it is nested too deeply") from None
    if root is None:
        return Authority(source=source, present=True)
    _refuse_aliases(root, source)
    top = _mapping(root, source, "the authority list", ("organizations",))
    entries: list[Entry] = []
    for node in _items(top.get("organizations"), source, "organizations"):
        entries.extend(_entries(node, source, "organization", None))
    _check_unique(entries, source)
    return Authority(entries=tuple(entries), source=source, present=True)


def _refuse_aliases(root: yaml.Node, source: str) -> None:
    """YAML anchors and aliases would let one small file expand without bound: refuse them."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            raise AuthorityError(_where(source, node),
                                 "YAML anchors and aliases (&name, *name) are not allowed")
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            stack.extend(n for pair in node.value for n in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


def load_authority(path: Path) -> Authority:
    """Read the authority list at ``path``; a missing file is the empty list."""
    source = shown(path)
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        return Authority(source=source)
    except UnicodeDecodeError as exc:
        raise AuthorityError(
            source, f"not UTF-8 text (invalid byte at offset {exc.start})") from None
    except OSError as exc:
        raise AuthorityError(source, f"cannot read the file: {exc.strerror or exc}") from None
    return parse_authority(text, source)


# --- normalisation -----------------------------------------------------------------------

_CHARS = str.maketrans({"‘": "'", "’": "'", "‛": "'", "`": "'", "“": '"', "”": '"',
                        "–": "-", "—": "-", "\u00a0": " "})
_SPACE = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^\w']+")
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


# --- finding the phrase ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Found:
    """What a headline or an opening sentence says: the kind and who issued it."""

    kind: str
    who: str | None = None
    """The issuer as written; None when the agency issued it."""
    runs_on: bool = False
    """True when ``who`` may run on past the issuer's name ("X Betrays ...", "X on Y")."""


_WHO = r"(?P<who>.+?)"


def _shape(pattern: str, kind: str, runs_on: bool = False) -> tuple[re.Pattern[str], str, bool]:
    return re.compile(pattern), kind, runs_on


#: Headline shapes, tried in order: (pattern, kind, whether ``who`` runs on).
_TITLE_SHAPES = (
    _shape(r"^KCNA Commentary\b", "commentary"),
    _shape(r"^KCNA Report\b", "report"),
    _shape(r"^Press Statement (?:of|by) (?P<who>.+)$", "press-statement"),
    _shape(rf"^{_WHO} (?:Issues|Releases|Makes Public|Publishes) Press Statement$",
           "press-statement"),
    _shape(r"^(?:Crucial |Important |Special )?Statement (?:of|by) (?P<who>.+)$", "statement"),
    _shape(rf"^{_WHO} (?:Issues|Releases|Makes Public|Publishes) Statement$", "statement"),
    _shape(rf"^{_WHO} (?:Gives|Makes) Answers?\b", "answer"),
    _shape(rf"^{_WHO} Answers (?:KCNA )?Questions?\b", "answer"),
    _shape(r"^Answers? (?:of|by) (?P<who>.+)$", "answer"),
    _shape(r"^Report (?:of|by) (?P<who>.+)$", "report"),
    _shape(r"^White Paper (?:of|by|Released by|Published by) (?P<who>.+)$", "report", True),
    _shape(rf"^{_WHO} (?:Releases|Publishes|Issues) White Paper\b", "report"),
    _shape(r"^(?P<who>Spokes(?:man|person|woman) (?:for|of) .+?) "
           r"(?:Makes Public|Releases|Issues|Publishes|Reveals|Discloses|Says)\b", "statement"),
    _shape(r"^Article (?:of|by) (?P<who>.+)$", "commentary"),
    _shape(rf"^{_WHO}'s (?:Article|Comment|Commentary)\b", "commentary"),
)
_TAIL_SPOKES = re.compile(r"^Spokes(?:man|person|woman) (?:for|of) ")
_TAIL_KINDS = {"kcna commentary": "commentary", "kcna report": "report"}

_OPENING_KINDS = {
    "press statement": "press-statement", "statement": "statement", "answer": "answer",
    "report": "report", "white paper": "report", "article": "commentary",
    "commentary": "commentary",
}
_KIND_WORDS = "press statement|statement|answer|report|white paper|article|commentary"
_DATELINE_DASH = re.compile(r"^ ?[-–—]{1,3} ?")
_FOLLOWING_KCNA = re.compile(rf"^(?:The )?[Ff]ollowing is the KCNA (?P<kind>{_KIND_WORDS})\b")
_FOLLOWING_OF = re.compile(
    rf"^(?:The )?[Ff]ollowing is the (?P<kind>{_KIND_WORDS}) (?:of|by) "
    r"(?P<who>[^\"“:]+?)(?:,? titled\b|,? under the title\b|:)"
)
_FULL_TEXT = re.compile(
    rf"^(?:The )?(?:[Ff]ollowing is the )?[Ff]ull text of (?:the |an? )(?P<kind>{_KIND_WORDS})\b"
)
_BY = re.compile(r"\b(?:issued|contributed|written|released|made public) by ")
_BY_WHO = re.compile(r"(?P<who>[^\"“:]+?)(?:,? titled\b|:| on [A-Z]|,? which\b)")
_VERB = re.compile(r"\b(?:released|issued|made public|gave|published)\b")
_AFTER_VERB = re.compile(  # used with match(text, pos): anchored at pos
    r"(?: on [A-Z][a-z]{2,8}\.?| on [A-Z][a-z]{2,8}\.? \d{1,2}| [A-Z][a-z]{2,6}day)?"
    rf" (?:the following|an?) (?:crucial |important |special )?(?P<kind>{_KIND_WORDS})\b"
)
_SAID = re.compile(
    r"^(?P<who>(?:An? |The )?[Ss]pokes(?:man|person|woman) (?:for|of) [^,]{1,300}?) said\b"
)
_TRAILING_TIME = re.compile(
    r",? (?:on )?(?:[A-Z][a-z]{2,6}day|[A-Z][a-z]{2,8}\.? \d{1,2})"
    r"(?: (?:morning|afternoon|evening))?,?$"
)
_KOREAN = re.compile(r"\b(?:DPRK|Korea|Korean|WPK|KPA|KCNA)\b")


def _clean_title(title: str) -> str:
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", title).translate(_CHARS)).strip()


def read_title(title: str) -> Found | None:
    """The kind and issuer a headline's shape gives, or None for a headline without one."""
    text = _clean_title(title)
    _, colon, tail = text.rpartition(": ")
    if colon:
        if tail.casefold() in _TAIL_KINDS:
            return Found(_TAIL_KINDS[tail.casefold()])
        if _TAIL_SPOKES.match(tail):
            return Found("statement", tail)
    for pattern, kind, runs_on in _TITLE_SHAPES:
        match = pattern.match(text)
        if match:
            return Found(kind, match.groupdict().get("who"), runs_on)
    return None


def _strip_dateline(paragraph: str) -> str:
    parsed = parse_dateline(paragraph)
    if parsed is None:
        return paragraph
    rest = paragraph[len(parsed[0]):]
    return rest[_DATELINE_DASH.match(rest).end():] if _DATELINE_DASH.match(rest) else rest


def _who(text: str) -> str:
    return _TRAILING_TIME.sub("", text.strip(" ,")).strip(" ,")


def read_opening(opening: str) -> Found | None:
    """The kind and issuer an opening sentence gives, or None when it names none."""
    text = _strip_dateline(_clean_title(opening[:OPENING_MAX]))
    match = _FOLLOWING_KCNA.match(text)
    if match:
        return Found(_OPENING_KINDS[match["kind"]])
    match = _FOLLOWING_OF.match(text)
    if match:
        return Found(_OPENING_KINDS[match["kind"]], _who(match["who"]))
    match = _FULL_TEXT.match(text)
    if match:
        by = _BY.search(text, match.end())
        who = _BY_WHO.match(text, by.end()) if by else None
        return Found(_OPENING_KINDS[match["kind"]], _who(who["who"])) if who else None
    verb = _VERB.search(text)
    if verb:
        after = _AFTER_VERB.match(text, verb.end())
        who = _who(text[:verb.start()])
        if after and who:
            return Found(_OPENING_KINDS[after["kind"]], who)
    match = _SAID.match(text)
    if match:
        return Found("statement", _who(match["who"]))
    return None


def opening_of(paragraphs: Sequence[str]) -> str:
    """The opening paragraph of a captured body ("" for a capture without text)."""
    return paragraphs[0] if paragraphs else ""


_MD_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def opening_of_markdown(body: str) -> str:
    """The opening paragraph of a statement's Markdown body, as plain text."""
    first = body.lstrip("\n").split("\n\n", 1)[0]
    return _MD_ESCAPE.sub(r"\1", " ".join(first.split()))


# --- attribution -------------------------------------------------------------------------


def agency(authority: Authority, kind: str = "news") -> Issuer:
    """The agency as issuer (of news items, KCNA commentaries and reports)."""
    if AGENCY_ID in authority:
        return authority.issuer(AGENCY_ID, kind)
    return Issuer(AGENCY_NAME, AGENCY_ID, AGENCY_NAME, AGENCY_ID, kind)


def _unlisted_id(name: str, authority: Authority) -> str:
    slug = slugify(name)
    return f"unlisted-{slug}" if slug in authority else slug


#: Words that end a role's name: "Vice Director General of X" is a role in X.
_ROLE_NOUNS = frozenset({
    "spokesperson", "chief", "director", "general", "minister", "chairman", "chairwoman",
    "president", "secretary", "ambassador", "representative", "analyst", "commentator",
    "researcher", "member", "officer", "commander",
})
#: Words that make a name an organisation's: "General Bureau of Equipment of Ministry of X"
#: belongs to the last such part, "Ministry of X".
_ORG_WORDS = frozenset({
    "ministry", "committee", "association", "institute", "council", "agency", "mission",
    "army", "federation", "union", "academy", "commission", "administration", "cabinet",
    "assembly", "court", "society", "centre", "center", "organization", "government",
})


def _organization(role: str, authority: Authority) -> str | None:
    """The organisation an unlisted role or office belongs to, by name (None: itself)."""
    unit = authority.unit_under(role.casefold())
    if unit is not None:
        return authority.chain(unit.id)[0].name
    cut = min((i for i in (role.find(" of "), role.find(" for ")) if i > 0), default=-1)
    if cut < 0:
        return None
    head, rest = role[:cut], role[cut:].split(" ", 2)[2]
    parts = rest.split(" of ")
    for index in range(len(parts) - 1, -1, -1):
        if _ORG_WORDS & set(parts[index].casefold().split(" ")):
            return " of ".join(parts[index:])
    last = head.split(" ")[-1].casefold()
    if last == "minister":
        return f"Ministry of {rest}"  # "Vice Minister of National Defence"
    return rest if last in _ROLE_NOUNS else None


def _listed(found: Found, authority: Authority) -> Entry | None:
    if found.who is None:
        return None
    entry = authority.lookup(found.who)
    if entry is None and found.runs_on:
        entry = authority.lookup_start(found.who)
    return entry


def resolve(phrase: str, authority: Authority, kind: str | None = None,
            runs_on: bool = False) -> Issuer:
    """The issuer a phrase names: the listed entry, or a normalised unlisted issuer.

    ``runs_on``: the phrase may go on past the name ("Institute of X Betrays ...",
    "Institute of X on Y"); a listed name it starts with is taken, else it is cut
    before " on ".
    """
    entry = _listed(Found("", phrase, runs_on), authority)
    if entry is not None:
        return authority.issuer(entry.id, kind)
    if runs_on:
        phrase = phrase.split(" on ", 1)[0]
    person, role = split_person(canonical_name(phrase))
    issuer = person or role
    org = _organization(role, authority) or (role if person else issuer)
    listed = authority.lookup(org)
    if listed is not None:
        org_entry = authority.chain(listed.id)[0]
        org, org_id = org_entry.name, org_entry.id
    else:
        org_id = _unlisted_id(org, authority)
    return Issuer(issuer=issuer, issuer_id=_unlisted_id(issuer, authority),
                  organization=org, organization_id=org_id, kind=kind)


def _plausible(who: str, authority: Authority) -> bool:
    """An opening sentence's subject is an issuer if it is listed or a Korean body."""
    return authority.lookup(who) is not None or _KOREAN.search(who) is not None


def attribute(title: str, opening: str, authority: Authority) -> Issuer:
    """Who issued a statement and its kind, from its headline and opening paragraph.

    ``opening`` is the first paragraph as plain text (``opening_of`` for a
    ``Document``'s paragraphs, ``opening_of_markdown`` for a ``Statement``'s body),
    dateline included; "" when there is no text. The headline decides the kind
    when it has a shape; the opening sentence names the issuer more fully
    ("Kim Son Gyong, vice-minister for International Organizations" where the
    headline says "Vice Foreign Minister"), so a listed issuer found there wins,
    then a listed one in the headline, then the opening's, then the headline's.
    """
    from_title = read_title(title)
    from_opening = read_opening(opening)
    if from_opening is not None and from_opening.who is not None and not _plausible(
        from_opening.who, authority
    ):
        from_opening = None
    shape = from_title or from_opening
    if shape is None:
        return agency(authority)  # a news item
    if shape.who is None:
        return agency(authority, shape.kind)  # "...: KCNA Commentary"
    found = [f for f in (from_opening, from_title) if f is not None and f.who
             and canonical_name(f.who)]
    if not found:
        return agency(authority, shape.kind)
    best = next((f for f in found if _listed(f, authority) is not None), found[0])
    return resolve(best.who or "", authority, shape.kind, best.runs_on)


def complete(written: Issuer, title: str, opening: str, authority: Authority) -> Issuer:
    """The issuer fields of a stored statement: what its front matter says wins.

    A file that names no issuer (neither ``issuer`` nor ``issuer_id``) gets every
    missing field from ``attribute``. A file that names one (edited by hand) keeps
    it; its missing fields come from the authority list (by id, else by the name
    as written), and only ``kind`` is read from the text.
    """
    if all(value is not None for value in written):
        return written
    if written.issuer is None and written.issuer_id is None:
        base = attribute(title, opening, authority)
    else:
        if written.issuer_id in authority:
            base = authority.issuer(written.issuer_id)
        elif written.issuer is not None:
            base = resolve(written.issuer, authority)
        else:
            base = Issuer(issuer=written.issuer_id, issuer_id=written.issuer_id)
        if written.kind is None:
            base = base._replace(kind=attribute(title, opening, authority).kind)
    return Issuer(*(mine if mine is not None else theirs for mine, theirs in zip(written, base,
                                                                           strict=True)))


def with_issuer(statement: Statement, authority: Authority, body: Callable[[Statement], str]
                ) -> Statement:
    """``statement`` with its issuer fields completed (in memory: nothing is written);
    ``body`` gives its body (``Archive.body``)."""
    if all(value is not None for value in statement.issuer):
        return statement
    issuer = complete(statement.issuer, statement.title, opening_of_markdown(body(statement)),
                      authority)
    return statement if issuer == statement.issuer else statement._replace(issuer=issuer)


# --- check -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Unlisted:
    """An issuer the statements name that the authority list does not have."""

    issuer_id: str
    issuer: str
    organization: str
    count: int
    example: str
    """One statement that names it (its file, or its id)."""


def unlisted(statements: Iterable[Statement], authority: Authority) -> list[Unlisted]:
    """Every issuer id the statements use that is not listed, by id."""
    counts: Counter[str] = Counter()
    first: dict[str, Statement] = {}
    for statement in statements:
        issuer_id = statement.issuer.issuer_id
        if issuer_id and issuer_id not in authority:
            counts[issuer_id] += 1
            first.setdefault(issuer_id, statement)
    return [
        Unlisted(
            issuer_id=issuer_id,
            issuer=first[issuer_id].issuer.issuer or issuer_id,
            organization=first[issuer_id].issuer.organization or "",
            count=counts[issuer_id],
            example=shown(first[issuer_id].path) if first[issuer_id].path else first[issuer_id].id,
        )
        for issuer_id in sorted(counts)
    ]


def report_unlisted(statements: Iterable[Statement], authority: Authority, report: Report,
                    issuers_file: str) -> None:
    """Warn once per unlisted issuer, naming the authority file to add it to.

    Nothing is reported for a site that has no authority file at all.
    """
    if not authority.present:
        return
    for item in unlisted(statements, authority):
        shows_org = item.organization and item.organization != item.issuer
        org = f" ({item.organization})" if shows_org else ""
        report.warning(
            issuers_file, STAGE,
            f"issuer {item.issuer!r}{org} is not in the authority list: "
            + (f"{item.count} statements use" if item.count != 1 else "1 statement uses")
            + f" id {item.issuer_id!r}, e.g. {item.example}",
            f"add it to {issuers_file}, with the spellings the texts use as aliases",
        )

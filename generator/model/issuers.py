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
2. *Normalisation* (``issuer_names.canonical_name``): one spelling per issuer. Spokesman and
   Spokeswoman become Spokesperson, Vice-Minister becomes Vice Minister, Int'l
   becomes International, "C.C., WPK" and "WPK Central Committee" become "Central
   Committee of Workers' Party of Korea", "DPRK" and "of the DPRK" go, and so do
   articles; "Foreign Ministry Spokesman" becomes "Spokesperson for Foreign
   Ministry". Variants of one issuer then share one name, and one id.
3. *Authority*: the normalised phrase is looked up in the authority list
   (``content/issuers.yaml``, read by ``authority.load_authority``): canonical issuers with
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

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from ..problems import Report, shown
from .authority import _ID_RE, LEVELS, Authority, AuthorityError, Entry, load_authority, parse_authority
from .dates import parse_dateline
from .documents import Issuer, Statement
from .issuer_names import NAME_MAX, canonical_name, clean_text, match_key, split_person
from .names import slugify

__all__ = [  # the authority list and the names are read here too
    "KINDS", "LEVELS", "NAME_MAX", "_ID_RE", "Authority", "AuthorityError", "Entry", "attribute",
    "canonical_name", "kind_label", "load_authority", "match_key", "parse_authority",
    "report_unlisted", "split_person", "with_issuer",
]

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
#: Only the start of an opening paragraph is read: the issuer is named in its first sentence.
OPENING_MAX = 2000

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
    return clean_text(title)


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

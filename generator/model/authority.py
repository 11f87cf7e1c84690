"""The authority list of issuers (``content/issuers.yaml``): canonical issuers with their
aliases, in a hierarchy organisation > office > role or person.

``load_authority`` reads it; a file that cannot be used stops the build with
``AuthorityError``, which names the file, the line and what is wrong (a list
that misnames issuers would put every statement under the wrong name). A
missing file is the empty list: every issuer is then unlisted, still
normalised (``issuer_names``) and grouped.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..engine.guards import Refused, YamlError, read_bounded, refuse_aliases
from ..problems import BuildInterrupted, shown
from .documents import Issuer
from .issuer_names import NON_WORD, canonical_name, match_key, split_person

#: Levels of the hierarchy, top first.
LEVELS = ("organization", "office", "role", "person")

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
        words = f" {NON_WORD.sub(' ', key)} "
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
    try:
        refuse_aliases(root)
    except YamlError as exc:
        raise AuthorityError(f"{source}:{exc.line}:{exc.column}", exc.reason) from None


#: An issuer list larger than this is refused rather than read into memory.
MAX_BYTES = 64 * 1024 * 1024


def load_authority(path: Path) -> Authority:
    """Read the authority list at ``path``; a missing file is the empty list."""
    source = shown(path)
    try:
        text = read_bounded(path, MAX_BYTES).decode("utf-8-sig")
    except FileNotFoundError:
        return Authority(source=source)
    except Refused as exc:
        raise AuthorityError(source, f"cannot use the file: it {exc.reason}", exc.hint) from None
    except UnicodeDecodeError as exc:
        raise AuthorityError(
            source, f"not UTF-8 text (invalid byte at offset {exc.start})") from None
    except OSError as exc:
        raise AuthorityError(source, f"cannot read the file: {exc.strerror or exc}") from None
    return parse_authority(text, source)

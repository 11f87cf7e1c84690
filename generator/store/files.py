"""One statement's file in the Markdown store: its text (``dump``, ``dump_moved``), written
whole and stamped (``write_atomic``, ``stamp_state``), and read back (``read_file``,
``parse``) through the input guards, with one clear error for what cannot be read
(``StoreError``). The promises these keep are the store's (``store``'s docstring).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import secrets
from collections.abc import Iterable, Iterator
from pathlib import Path
from stat import S_ISREG
from typing import Any, NamedTuple

import yaml

from ..engine.cache import StatKey
from ..engine.guards import Refused, YamlError, files_under, iso_date, load_yaml, read_bounded, roots
from ..model import versions
from ..model.documents import Capture, FoundDate, Issuer, Statement, Version
from ..model.markdown import escape_paragraph
from ..model.names import is_safe_segment
from ..problems import Problem, Severity, shown

STAGE = "store"
SUFFIX = ".md"

_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

STAMP_RE = re.compile(r"^# Written by the generator \(sha256:(?P<sha>[0-9a-f]{64})\)\.[^\n]*\n", re.M)
_STAMP = (
    "# Written by the generator (sha256:{sha}). Edit freely: "
    "once you change this file, imports keep your version.\n"
)
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,150}$")
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
#: Store files larger than this are refused rather than read into memory.
MAX_BYTES = 64 * 1024 * 1024
#: The temporary file ``write_atomic`` writes first, beside ``<name>``: ``.<name>.XXXXXXXX.tmp``
#: (eight letters, digits or ``_``, as ``tempfile.mkstemp`` made them before).
TEMPORARY = re.compile(r"\.(?P<name>.+\.md)\.[a-z0-9_]{8}\.tmp")

#: Front-matter keys the generator reads, in the order it writes them.
KNOWN_KEYS = (
    "id", "title", "date", "source", "date_from", "dateline", "found_dates", "topics",
    "title_only", "kind", "issuer", "issuer_id", "organization", "organization_id", "captures",
    "versions", "aliases",
)
#: The keys of each item of ``versions``, in the order they are written.
VERSION_KEYS = ("title", "sha256", "first_seen", "last_seen", "added", "removed", "reverts",
                "captures")
#: The key that makes a file a note that its statement moved into another (``dump_moved``).
MOVED = "moved_to"
_ISSUER_KEYS = ("kind", "issuer", "issuer_id", "organization", "organization_id")


class StoreError(ValueError):
    """A store file that cannot be read; ``where`` is ``path:line:column`` when known."""

    def __init__(self, where: str, reason: str, hint: str = "") -> None:
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason
        self.hint = hint


# --- writing -----------------------------------------------------------------------------


def default_path(content_dir: Path, statement_id: str) -> Path:
    """Where a statement's file goes: ``YYYY/MM/<id>.md`` (ids start with the date)."""
    return content_dir / statement_id[:4] / statement_id[5:7] / f"{statement_id}{SUFFIX}"


def _front_matter(statement: Statement) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": statement.id,
        "title": statement.title,
        "date": statement.date,
        "source": statement.source,
        "date_from": statement.date_from,
        "dateline": statement.dateline,
    }
    if statement.found_dates:
        data["found_dates"] = [
            {"kind": f.kind, "date": f.date, "text": f.text} for f in statement.found_dates
        ]
    if statement.topics:
        data["topics"] = list(statement.topics)
    if statement.title_only:
        data["title_only"] = True
    for key in _ISSUER_KEYS:
        value = getattr(statement.issuer, key)
        if value is not None:
            data[key] = value
    data["captures"] = [_capture(c) for c in statement.captures]
    if statement.versions:
        data["versions"] = [_version_data(v) for v in statement.versions]
    if statement.aliases:
        data["aliases"] = list(statement.aliases)
    for key, value in statement.extra:
        data[key] = value
    return data


def _capture(c: Capture) -> dict[str, Any]:
    data = {"file": c.file, "source_url": c.source_url, "captured": c.captured, "sha256": c.sha256}
    if c.extractor is not None:  # only web pages say what took their text out
        data["extractor"] = c.extractor
    return data


def _version_data(version: Version) -> dict[str, Any]:
    data: dict[str, Any] = {"title": version.title, "sha256": version.sha256,
                            "first_seen": version.first_seen, "last_seen": version.last_seen,
                            "added": version.added, "removed": version.removed}
    if version.reverts is not None:
        data["reverts"] = version.reverts
    data["captures"] = list(version.captures)
    return data


# --- a fast YAML writer for the front matter's own shapes --------------------------------
#
# PyYAML's representer is pure Python and slow for a store of many statements; these
# few shapes (text, dates, lists of text, lists of flat mappings) are written directly.
# Text is written plain only when no YAML reader could take it for anything else, and
# double-quoted otherwise (JSON's escapes, which YAML shares, plus those YAML needs for
# characters it treats as line breaks or does not print). tests/test_store.py holds the
# round trip to any string.

_PLAIN = re.compile(r"[A-Za-z](?:[A-Za-z0-9 ,.'()/&_+-]*[A-Za-z0-9.')])?")
_NOT_PLAIN = frozenset({"yes", "no", "true", "false", "on", "off", "null", "y", "n"})
_YAML_ESCAPE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")


def _scalar(value: Any) -> str | None:
    """One scalar as YAML, or None for a value of another shape."""
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str):
        if _PLAIN.fullmatch(value) and value.lower() not in _NOT_PLAIN and (
                "  " not in value and " #" not in value):
            return value
        quoted = json.dumps(value, ensure_ascii=False)
        return _YAML_ESCAPE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", quoted)
    return None


def _flat(value: Any) -> bool:
    """A scalar, or a list of scalars: what an item of a list of mappings may hold."""
    if isinstance(value, list):
        return all(_scalar(v) is not None for v in value)
    return _scalar(value) is not None


def _emit(data: dict[str, Any]) -> str:
    lines = []
    for key, value in data.items():
        text = _scalar(value)
        if text is not None:
            lines.append(f"{key}: {text}")
            continue
        items = value if isinstance(value, list) else None
        if items is not None and all(_scalar(v) is not None for v in items):
            lines.append(f"{key}:" if items else f"{key}: []")
            lines.extend(f"- {_scalar(v)}" for v in items)
            continue
        if items and all(isinstance(v, dict) and v and all(
                isinstance(k, str) and _PLAIN.fullmatch(k) and _flat(x)
                for k, x in v.items()) for v in items):
            lines.append(f"{key}:")
            for item in items:
                for n, (k, x) in enumerate(item.items()):
                    lead = "- " if n == 0 else "  "
                    if isinstance(x, list):  # a list of scalars inside an item (a version's)
                        lines.append(f"{lead}{k}:" if x else f"{lead}{k}: []")
                        lines.extend(f"  - {_scalar(v)}" for v in x)
                    else:
                        lines.append(f"{lead}{k}: {_scalar(x)}")
            continue
        # Anything else (a hand-written key holding nested data): PyYAML writes it.
        lines.append(yaml.dump({key: value}, Dumper=_Dumper, allow_unicode=True,
                               sort_keys=False, width=1 << 30,
                               default_flow_style=False).rstrip("\n"))
    return "\n".join(lines) + "\n"


def dump(statement: Statement) -> str:
    """The stamped file text for ``statement``."""
    yaml_text = _emit(_front_matter(statement))
    body = statement.body.strip("\n")
    rest = f"{yaml_text}---\n\n{body}\n" if body else f"{yaml_text}---\n"
    sha = hashlib.sha256(rest.encode("utf-8")).hexdigest()
    return "---\n" + _STAMP.format(sha=sha) + rest


def dump_moved(statement_id: str, to_id: str, to_path: str) -> str:
    """The stamped text of a note left in the file of a statement found to be a version of
    another (``to_id``, whose file is ``to_path``, relative to the store): it keeps the id
    taken, and says where its statement went."""
    yaml_text = _emit({"id": statement_id, MOVED: to_id})
    body = (f"This statement was found to be a version of statement {to_id}, altered at "
            f"source: its captures and its text are in {to_path}, and its page leads there.")
    rest = f"{yaml_text}---\n\n{escape_paragraph(body)}\n"
    sha = hashlib.sha256(rest.encode("utf-8")).hexdigest()
    return "---\n" + _STAMP.format(sha=sha) + rest


def stamp_state(text: str) -> str:
    """``generated`` (stamp matches), ``edited`` (stamp does not match) or ``manual`` (no stamp).

    A stamped file saved again with Windows line endings is ``edited``: not the generator's
    bytes any more, so it is kept as it is.
    """
    lf = unix_lines(text)
    if not lf.startswith("---\n"):
        return "manual"
    match = STAMP_RE.match(lf, 4)
    if not match:
        return "manual"
    rest = lf[match.end():]
    if lf is text and hashlib.sha256(rest.encode("utf-8")).hexdigest() == match["sha"]:
        return "generated"
    return "edited"


def write_atomic(path: Path, text: str) -> StatKey:
    """Write ``text`` to ``path`` whole or not at all; the stat of the file written.

    The stat is taken before the file takes its name (a rename keeps the size,
    time and inode): an edit made the instant after changes it, so the cache
    never takes the edited file for the one written.

    A new file gets the mode ``open()`` would give it (the umask's); a file replaced
    keeps its mode, so that collaborators who could read it still can.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode: int | None = os.stat(path).st_mode & 0o7777
    except OSError:
        mode = None
    while True:
        tmp = os.path.join(path.parent, f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
            break
        except FileExistsError:
            continue
    try:
        if mode is not None:
            os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            st = os.fstat(handle.fileno())
        os.replace(tmp, path)
        return (st.st_size, st.st_mtime_ns, st.st_ino)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


# --- reading -----------------------------------------------------------------------------


def remove_leftovers(paths: Iterable[str], before: float) -> int:
    """Delete the temporary files of a killed import (``TEMPORARY``) among ``paths``: only
    regular files by exactly that name, last changed before ``before`` (a time), so never a
    write in progress. How many were deleted."""
    removed = 0
    for path in paths:
        if not TEMPORARY.fullmatch(os.path.basename(path)):
            continue
        try:
            st = os.lstat(path)
            if S_ISREG(st.st_mode) and st.st_mtime < before:
                os.unlink(path)
                removed += 1
        except OSError:
            pass  # gone already, or not ours to delete: left alone
    return removed


def unix_lines(text: str) -> str:
    """A store file's text as if saved with Unix line endings: a file whose first line ends
    with Windows' (Notepad, git's ``autocrlf``) has each ``\\r\\n`` made ``\\n``; any other
    text is returned as it is (a ``\\r`` inside a captured text stays)."""
    if text.startswith(("---\r\n", "\ufeff---\r\n")):
        return text.replace("\r\n", "\n")
    return text


def split_front_matter(text: str, where: str) -> tuple[str, str, int]:
    """``(yaml_text, body, body_line)`` of a store file; ``StoreError`` if there is none."""
    text = unix_lines(text)
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.startswith("---\n") and text.rstrip("\n") != "---":
        raise StoreError(
            f"{where}:1:1", "no front matter: the file must start with a line '---'",
            "put the YAML fields between two lines '---' at the top of the file",
        )
    match = re.search(r"^(?:---|\.\.\.)[ \t]*$", text[4:], re.M)
    if match is None:
        raise StoreError(
            f"{where}:1:1", "the front matter is not closed",
            "did you forget the second '---' line after the fields?",
        )
    yaml_text = text[4:4 + match.start()]
    body = text[4 + match.end():]
    body_line = yaml_text.count("\n") + 3
    return yaml_text, body.lstrip("\n"), body_line


def body_of(rest: str) -> str:
    """A statement's body from what follows a store file's front matter."""
    return rest.rstrip("\n")


def _as_date(value: Any, where: str, key: str) -> dt.date:
    date = iso_date(value)
    if date is None:
        raise StoreError(where, f"{key} must be a date written YYYY-MM-DD, got {value!r}",
                         "a real day: check the year, month and day")
    return date


def _as_str(value: Any, where: str, key: str, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if isinstance(value, str) and (optional or value.strip()):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise StoreError(where, f"{key} must be {'text' if optional else 'non-empty text'}, got {value!r}")


def _as_list(value: Any, where: str, key: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise StoreError(where, f"{key} must be a list, got {value!r}")
    return value


def _captures(value: Any, where: str) -> tuple[Capture, ...]:
    captures = []
    for n, item in enumerate(_as_list(value, where, "captures"), start=1):
        if not isinstance(item, dict):
            raise StoreError(where, f"captures item {n} must be a mapping, got {item!r}")
        sha = _as_str(item.get("sha256"), where, f"captures item {n}: sha256")
        if not _SHA256_RE.match(sha or ""):
            raise StoreError(where, f"captures item {n}: sha256 must be 64 hex digits")
        captured = item.get("captured")
        captures.append(Capture(
            file=_as_str(item.get("file"), where, f"captures item {n}: file") or "",
            source_url=_as_str(item.get("source_url"), where, "source_url", optional=True),
            captured=None if captured is None else _as_date(captured, where, "captured"),
            sha256=sha or "",
            extractor=_as_str(item.get("extractor"), where, f"captures item {n}: extractor",
                              optional=True),
        ))
    return tuple(captures)


def _found_dates(value: Any, where: str) -> tuple[FoundDate, ...]:
    found = []
    for n, item in enumerate(_as_list(value, where, "found_dates"), start=1):
        if not isinstance(item, dict):
            raise StoreError(where, f"found_dates item {n} must be a mapping, got {item!r}")
        found.append(FoundDate(
            kind=_as_str(item.get("kind"), where, f"found_dates item {n}: kind") or "",
            date=_as_date(item.get("date"), where, f"found_dates item {n}: date"),
            text=_as_str(item.get("text", ""), where, "text", optional=True) or "",
        ))
    return tuple(found)


def _as_count(value: Any, where: str, key: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise StoreError(where, f"{key} must be a whole number (0 or more), got {value!r}")


def _versions(value: Any, where: str) -> tuple[Version, ...]:
    versions = []
    items = _as_list(value, where, "versions")
    for n, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise StoreError(where, f"versions item {n} must be a mapping, got {item!r}")
        name = f"versions item {n}"
        sha = _as_str(item.get("sha256"), where, f"{name}: sha256")
        if not _SHA256_RE.match(sha or ""):
            raise StoreError(where, f"{name}: sha256 must be 64 hex digits")
        shas = []
        for capture in _as_list(item.get("captures"), where, f"{name}: captures"):
            if not isinstance(capture, str) or not _SHA256_RE.match(capture):
                raise StoreError(where, f"{name}: captures must list SHA-256 checksums "
                                        f"(64 hex digits), got {capture!r}")
            shas.append(capture)
        seen = [None if item.get(k) is None else _as_date(item[k], where, f"{name}: {k}")
                for k in ("first_seen", "last_seen")]
        reverts = item.get("reverts")
        if reverts is not None and (not isinstance(reverts, int) or isinstance(reverts, bool)
                                    or not 1 <= reverts < n):
            raise StoreError(where, f"{name}: reverts must name an earlier version (1 to "
                                    f"{n - 1}), got {reverts!r}")
        versions.append(Version(
            title=(_as_str(item.get("title"), where, f"{name}: title") or "").strip(),
            sha256=sha or "", first_seen=seen[0], last_seen=seen[1], captures=tuple(shas),
            added=_as_count(item.get("added", 0), where, f"{name}: added"),
            removed=_as_count(item.get("removed", 0), where, f"{name}: removed"),
            reverts=reverts))
    return tuple(versions)


def _aliases(value: Any, where: str) -> tuple[str, ...]:
    aliases = []
    for alias in _as_list(value, where, "aliases"):
        alias = _as_str(alias, where, "aliases") or ""
        if not ID_RE.match(alias) or not is_safe_segment(alias):
            raise StoreError(where, f"alias {alias!r} is not usable in a URL",
                             "an alias is an id this statement had: lowercase letters, digits "
                             "and hyphens")
        aliases.append(alias)
    return tuple(dict.fromkeys(aliases))


class Moved(StoreError):
    """The file is a note that its statement moved into another (``dump_moved``)."""

    def __init__(self, where: str, statement_id: str, to_id: str) -> None:
        super().__init__(where, f"statement {statement_id} is now a version of {to_id}")
        self.statement_id = statement_id
        self.to_id = to_id


def _moved(data: dict[str, Any], where: str, path: Path) -> Moved:
    statement_id = _as_str(data.get("id", path.stem), where, "id") or ""
    to_id = _as_str(data[MOVED], where, MOVED) or ""
    for value in (statement_id, to_id):
        if not ID_RE.match(value) or not is_safe_segment(value):
            raise StoreError(where, f"id {value!r} is not usable in a URL")
    return Moved(where, statement_id, to_id)


def parse(text: str, path: Path, display: str | None = None) -> Statement:
    """Read one store file's text; ``StoreError`` names the file, line and column (``Moved``:
    the file says where its statement went)."""
    where = display or str(path)
    yaml_text, rest, _ = split_front_matter(text, where)
    try:
        data = load_yaml(yaml_text)
    except YamlError as exc:  # the YAML starts on the file's second line
        raise StoreError(f"{where}:{(exc.line or 1) + 1}:{exc.column or 1}", exc.reason,
                         exc.hint) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise StoreError(f"{where}:2:1", "the front matter must be a mapping of fields")
    if MOVED in data:
        raise _moved(data, where, path)

    statement_id = data.get("id", path.stem)
    statement_id = _as_str(statement_id, where, "id") or ""
    if not ID_RE.match(statement_id) or not is_safe_segment(statement_id):
        raise StoreError(
            where, f"id {statement_id!r} is not usable in a URL",
            "use lowercase letters, digits and hyphens, such as 2022-09-22-press-statement",
        )
    if "title" not in data:
        raise StoreError(where, "there is no title", "add a line 'title: ...' to the front matter")
    if "date" not in data:
        raise StoreError(where, "there is no date", "add a line 'date: YYYY-MM-DD'")
    issuer = Issuer(**{
        key: _as_str(data.get(key), where, key, optional=True) for key in _ISSUER_KEYS
    })
    topics = tuple(
        _as_str(t, where, "topics") or "" for t in _as_list(data.get("topics"), where, "topics")
    )
    title_only = data.get("title_only", False)
    if not isinstance(title_only, bool):
        raise StoreError(where, f"title_only must be true or false, got {title_only!r}")
    return Statement(
        id=statement_id,
        title=(_as_str(data["title"], where, "title") or "").strip(),
        date=_as_date(data["date"], where, "date"),
        source=_as_str(data.get("source", ""), where, "source", optional=True) or "",
        body=body_of(rest),
        captures=_captures(data.get("captures"), where),
        date_from=_as_str(data.get("date_from", "front matter"), where, "date_from",
                          optional=True) or "",
        dateline=_as_str(data.get("dateline"), where, "dateline", optional=True),
        found_dates=_found_dates(data.get("found_dates"), where),
        topics=topics,
        title_only=title_only,
        issuer=issuer,
        path=str(path),
        checksum=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        extra=tuple((str(k), data[k]) for k in data if k not in KNOWN_KEYS),
        versions=_versions(data.get("versions"), where),
        aliases=_aliases(data.get("aliases"), where),
    )


def version_problems(statement: Statement) -> list[str]:
    """What is wrong with a statement's versions (a file edited by hand): it is read all
    the same, and its pages show what it has."""
    if not statement.altered:
        return []
    problems = []
    listed = {c.sha256 for c in statement.captures}
    texts = versions.texts(statement, statement.body or "")
    for n, version in enumerate(statement.versions, start=1):
        missing = [sha for sha in version.captures if sha not in listed]
        if missing:
            problems.append(f"version {n} lists a capture the file does not list "
                            f"(sha256 {missing[0][:12]}…)")
        if texts.get(n) is None:
            problems.append(f"version {n} has no text: the line '{versions.marker(n)}' and "
                            "the text after it are missing")
    numbers = versions.split_body(statement.body or "")[1]
    for n in sorted(k for k in numbers if not 1 <= k < len(statement.versions)):
        problems.append(f"the text after '{versions.marker(n)}' belongs to no version "
                        f"(the file lists {len(statement.versions)})")
    return problems


def store_files(content_dir: Path, hidden: list[str] | None = None) -> Iterator[str]:
    """Every ``.md`` file under ``content_dir``, in a stable order (hidden ones skipped,
    and added to ``hidden`` if given), with what cannot be walked for its reader to name
    (``guards.files_under``).

    As strings: making a ``Path`` object for each file of a large store takes seconds.
    """
    return files_under(content_dir, SUFFIX, hidden=hidden)


class StoredFile(NamedTuple):
    path: str
    sha: str
    """SHA-256 of the file's bytes."""
    state: str
    """``generated``, ``edited`` or ``manual`` (see ``stamp_state``)."""
    statement: Statement | None
    """None when the file could not be read."""
    problems: tuple[Problem, ...] = ()
    """What was wrong with it (reported again whenever it is read from the cache)."""
    moved: tuple[str, str] | None = None
    """For a note that its statement moved into another (``dump_moved``): its id and the
    other's."""


def inside(content_dir: Path, project: Path | None = None) -> tuple[str, ...]:
    """Where a link in the store may lead (``guards.regular_file``): into the store, or the
    project folder."""
    return roots(content_dir, project)


def read_file(path: Path, within: tuple[str, ...] | None = None) -> StoredFile:
    """Read and parse one store file; what is wrong with it is in ``problems``.

    ``within``: where a symbolic link may lead (``inside``; None: into the file's folder).
    """
    display = shown(path)
    name = str(path)
    try:
        data = read_bounded(path, MAX_BYTES, within if within is not None else roots(path.parent))
    except Refused as exc:
        return StoredFile(name, "", "manual", None, (Problem(
            display, STAGE, exc.reason, exc.hint, again=exc.again),))
    except OSError as exc:
        return StoredFile(name, "", "manual", None, (Problem(
            display, STAGE, f"cannot read the file: {exc.strerror or exc}", again=True),))
    sha = hashlib.sha256(data).hexdigest()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return StoredFile(name, sha, "manual", None, (Problem(
            display, STAGE, f"not UTF-8 text (invalid byte at offset {exc.start})"),))
    state = stamp_state(text)
    try:
        statement = parse(text, path, display)
    except Moved as moved:
        return StoredFile(name, sha, state, None, moved=(moved.statement_id, moved.to_id))
    except StoreError as exc:
        return StoredFile(name, sha, state, None, (Problem(exc.where, STAGE, exc.reason, exc.hint),))
    problems = tuple(Problem(display, STAGE, reason, "fix the versions in the file by hand",
                             Severity.WARNING) for reason in version_problems(statement))
    return StoredFile(name, sha, state, statement, problems)

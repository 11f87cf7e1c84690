"""The site configuration: one typed, documented record read from ``config.yaml``.

Every key is declared once, as a field of ``SiteConfig`` with a ``help`` text;
the README's configuration reference is checked against these fields by a test.
Paths in the file are relative to the folder that holds the file.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .engine.guards import Refused, YamlError, load_yaml, read_bounded, split_url
from .problems import BuildInterrupted, Report, printable


class ConfigError(BuildInterrupted):
    """The configuration cannot be used; the message names the file and the key."""


def _help(text: str) -> dict[str, str]:
    return {"help": text}


#: The archive's fields a dataset's columns can be mapped to, with what each is; the first
#: two are required (a record without them cannot be placed in time).
RECORD_FIELDS = {
    "title": "the headline",
    "date": "the publication date",
    "text": "the text (paragraphs split at blank lines, else at line breaks)",
    "url": "the original link",
    "issuer": "who issued it (looked up in the issuer list)",
}
_REQUIRED_FIELDS = ("title", "date")
_MAPPING_KEYS = ("files", "source", "fields", "date_format")


@dataclass(frozen=True, slots=True)
class RecordMapping:
    """One entry of ``records:``: which files are a dataset, and what its columns are."""

    files: str
    """A glob, relative to the source folder (``valdonia-*.csv``)."""
    source: str
    """The outlet, the same for every record."""
    fields: tuple[tuple[str, str], ...]
    """Our field, and the dataset's column for it, for each mapped field."""
    date_format: str | None = None
    """A ``strptime`` format for the dates; None: ISO dates, ISO date-times and epoch
    milliseconds are read as they are."""

    def column(self, name: str) -> str | None:
        """The dataset's column for our field ``name`` (None: not mapped)."""
        return dict(self.fields).get(name)


@dataclass(frozen=True, slots=True)
class SiteConfig:
    """Settings for one archive. Paths are absolute once loaded."""

    title: str = field(default="Statement Archive", metadata=_help(
        "The archive's name, shown in every page header, in feeds and in citations."))
    base_url: str = field(default="", metadata=_help(
        "The absolute URL the site is published at, e.g. `https://user.github.io/repo/`. "
        "Used only for canonical links, feeds, the sitemap and citations; every link between "
        "pages is relative, so the site also works from disk. Empty: those absolute links "
        "are left out."))
    source_dir: Path = field(default=Path("content/sources"), metadata=_help(
        "Folder of raw captures to import (KCNA Watch text pages, JSON record dumps). "
        "Read only: the generator never changes it."))
    content_dir: Path = field(default=Path("content/statements"), metadata=_help(
        "Folder of the Markdown store: one file per statement, written by `import` and "
        "`build`, read by `check` and `build`. Files edited by hand are never overwritten."))
    issuers_file: Path = field(default=Path("content/issuers.yaml"), metadata=_help(
        "The authority list of issuers (YAML): canonical organisations, offices, roles and "
        "people with their aliases. Statements are attributed to its entries; `check` warns "
        "about every issuer the texts name that it lacks. Without the file, issuers are still "
        "extracted and normalised, and not checked."))
    output_dir: Path = field(default=Path("site"), metadata=_help(
        "Folder the site is built into. The generator only deletes files it wrote there, "
        "and refuses a folder it did not create unless it is empty."))
    theme: str = field(default="default", metadata=_help(
        "Theme name (a folder under `themes/`) or a path to a theme folder. Templates in "
        "`templates/` next to config.yaml override single templates of the theme."))
    language: str = field(default="en", metadata=_help(
        "Language of the statements (BCP 47 tag), for the pages' `lang` and the search index."))
    records: tuple[RecordMapping, ...] = field(default=(), metadata=_help(
        "Datasets of statements in their own shape (CSV, TSV, a JSON array, JSON Lines; "
        "each may be gzip-compressed), each a list item naming its files (a glob under "
        "`source_dir`), its outlet, and its columns for our fields: see *Datasets mapped in "
        "config.yaml* below."))

    config_path: Path | None = field(default=None, metadata=_help(
        "(Not a key.) The file this configuration was read from."))

    @property
    def root(self) -> Path:
        """The folder the configuration's relative paths start from."""
        return self.config_path.parent if self.config_path else Path.cwd()


#: Keys that may appear in config.yaml, with the function that checks each one.
_PATH_KEYS = ("source_dir", "content_dir", "issuers_file", "output_dir")
_KEYS = tuple(f.name for f in dataclasses.fields(SiteConfig) if f.name != "config_path")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")
#: A configuration file larger than this is refused (it is a few lines).
MAX_BYTES = 1024 * 1024


def normalise_base_url(value: str, where: str) -> str:
    """Check that ``value`` is empty or an absolute http(s) URL; end it with ``/``."""
    value = value.strip()
    if not value:
        return ""
    parts = split_url(value)
    if parts is None:
        raise ConfigError(f"{where}: is not a valid URL (a bracket or a host that cannot be "
                          f"read), got {value!r}")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            f"{where}: must be an absolute http(s) URL such as "
            f"'https://user.github.io/repo/', got {value!r}"
        )
    if parts.query or parts.fragment:
        raise ConfigError(f"{where}: must not have a query or fragment, got {value!r}")
    if any(ord(c) < 33 or c in "<>\"'`\\" for c in value):
        raise ConfigError(f"{where}: has a space or a character not allowed in a URL")
    return value if value.endswith("/") else value + "/"


def _check_value(key: str, value: Any, where: str) -> Any:
    if key in _PATH_KEYS:
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{where}: must be a non-empty path, got {value!r}")
        if "\x00" in value:
            raise ConfigError(f"{where}: contains a NUL character")
        return Path(value)
    if key == "base_url":
        if value is None:
            return ""
        if not isinstance(value, str):
            raise ConfigError(f"{where}: must be a string, got {value!r}")
        return normalise_base_url(value, where)
    if key == "language":
        if not isinstance(value, str) or not _LANGUAGE.match(value):
            raise ConfigError(f"{where}: must be a language tag such as 'en', got {value!r}")
        return value
    if key == "records":
        return _check_records(value, where)
    if key in ("title", "theme"):
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{where}: must be a non-empty string, got {value!r}")
        if "\x00" in value:
            raise ConfigError(f"{where}: contains a NUL character")
        return value.strip()
    raise AssertionError(key)  # pragma: no cover - every key is handled above


def _check_records(value: Any, where: str) -> tuple[RecordMapping, ...]:
    """The ``records:`` list, checked entry by entry (see ``RecordMapping``)."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ConfigError(f"{where}: must be a list of datasets (each with files, source and "
                          f"fields), got {value!r}")
    return tuple(_check_mapping(item, f"{where}, item {n}") for n, item in enumerate(value, 1))


def _check_mapping(item: Any, where: str) -> RecordMapping:
    if not isinstance(item, dict):
        raise ConfigError(f"{where}: must be a mapping with files, source and fields, got {item!r}")
    unknown = sorted(str(k) for k in item if k not in _MAPPING_KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(_MAPPING_KEYS)})")
    files = item.get("files")
    if not isinstance(files, str) or not files.strip() or "\x00" in files:
        raise ConfigError(f"{where}: 'files' must be a glob of files under source_dir, such as "
                          f"'valdonia-*.csv', got {files!r}")
    if files.startswith(("/", "\\")) or ".." in files.replace("\\", "/").split("/"):
        raise ConfigError(f"{where}: 'files' must name files under source_dir (a relative glob "
                          f"without '..'), got {files!r}")
    source = item.get("source")
    if not isinstance(source, str) or not source.strip() or "\x00" in source:
        raise ConfigError(f"{where}: 'source' must name the outlet, such as 'MFA of Valdonia (En)',"
                          f" got {source!r}")
    date_format = item.get("date_format")
    if date_format is not None and (not isinstance(date_format, str) or "%" not in date_format):
        raise ConfigError(f"{where}: 'date_format' must be a strptime format such as '%d.%m.%Y',"
                          f" got {date_format!r}")
    return RecordMapping(files.strip(), source.strip(), _check_fields(item.get("fields"), where),
                         date_format)


def _check_fields(fields: Any, where: str) -> tuple[tuple[str, str], ...]:
    known = ", ".join(RECORD_FIELDS)
    if not isinstance(fields, dict):
        raise ConfigError(f"{where}: 'fields' must map our fields ({known}) to the dataset's "
                          f"columns, got {fields!r}")
    for name in fields:
        if name not in RECORD_FIELDS:
            raise ConfigError(f"{where}: fields: unknown field {name!r} (known: {known})")
    for name in _REQUIRED_FIELDS:
        if name not in fields:
            raise ConfigError(f"{where}: fields: {name!r} is missing: name the dataset's column "
                              f"for {RECORD_FIELDS[name]}")
    for name, column in fields.items():
        if not isinstance(column, str) or not column.strip() or "\x00" in column:
            raise ConfigError(f"{where}: fields: {name!r} must name a column of the dataset, "
                              f"got {column!r}")
    return tuple((name, fields[name].strip()) for name in RECORD_FIELDS if name in fields)


def load_config(
    path: Path, overrides: dict[str, Any] | None = None, report: Report | None = None
) -> SiteConfig:
    """Read ``path`` and apply command-line ``overrides`` (which win).

    Unknown keys are reported as warnings; a bad value raises ``ConfigError``
    naming the file and the key. Relative paths are resolved against the
    folder of ``path`` (overrides against the current folder, as a shell user
    expects).
    """
    path = Path(path)
    shown_path = printable(str(path))
    try:
        text = read_bounded(path, MAX_BYTES).decode("utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(
            f"{shown_path}: config file not found (run from the archive's folder, or pass "
            "--config PATH)"
        ) from None
    except Refused as exc:
        raise ConfigError(f"{shown_path}: cannot use the config file: it {exc.reason}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{shown_path}: the config file is not UTF-8 text (invalid byte at "
                          f"offset {exc.start})") from None
    except OSError as exc:
        raise ConfigError(f"{shown_path}: cannot read the config file: {exc.strerror or exc}"
                          ) from None
    try:
        data = load_yaml(text)
    except YamlError as exc:
        at = f":{exc.line}:{exc.column}" if exc.line else ""
        reason = exc.reason.removeprefix("invalid YAML: ")
        raise ConfigError(f"{shown_path}{at}: not valid YAML: {reason}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the config file must be a mapping of keys to values")

    resolved = _resolved(path, printable(str(path)))
    root = resolved.parent
    values: dict[str, Any] = {}
    for key in sorted(data, key=str):
        if key not in _KEYS:
            if report is not None:
                report.warning(path, "config", f"unknown key {key!r} is ignored",
                               "known keys: " + ", ".join(_KEYS))
            continue
        values[key] = _check_value(key, data[key], f"{path}: key {key!r}")
    for key in _PATH_KEYS:
        if key in values:
            values[key] = root / values[key]

    for key, value in (overrides or {}).items():
        if value is None:
            continue
        checked = _check_value(key, value, f"command line ({key})")
        values[key] = _resolved(checked, f"command line ({key})") if key in _PATH_KEYS else checked

    config = SiteConfig(config_path=resolved, **values)
    # Defaults are relative to the config file too.
    return dataclasses.replace(config, **{
        key: root / getattr(config, key)
        for key in _PATH_KEYS
        if not getattr(config, key).is_absolute()
    })


def _resolved(path: Path, where: str) -> Path:
    """``path`` made absolute and resolved; ``ConfigError`` for a link in a loop."""
    try:
        return path.resolve()
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symbolic link loop (Python 3.11)
        raise ConfigError(f"{where}: cannot use {printable(str(path))}: {exc}") from None


def documented_keys() -> tuple[tuple[str, str], ...]:
    """Every config key with its help text, in declaration order (for docs and tests)."""
    return tuple(
        (f.name, f.metadata["help"]) for f in dataclasses.fields(SiteConfig) if f.name in _KEYS
    )

"""Themes: where templates come from, and the Jinja environment that renders them.

Templates are looked up most specific first:

1. ``templates/`` next to config.yaml (the site's own overrides, one file at a time);
2. the configured theme's ``templates/``;
3. the default theme's ``templates/``.

An override can extend the template it replaces: ``{% extends "default:statement.html" %}``
(the default theme's) or ``{% extends "theme:statement.html" %}`` (the configured theme's),
and fill only the blocks it changes.

The environment autoescapes everything (HTML and XML alike) and refuses
undefined names, so a typo in a template fails the build instead of
printing nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from collections.abc import Iterator
from pathlib import Path

import jinja2
import jinja2.ext
from jinja2.lexer import Token

from ..config import ConfigError, SiteConfig
from ..engine.guards import Refused, files_under, read_bounded, regular_file, roots
from ..model.issuers import kind_label
from ..problems import shown
from .urls import safe_href


def _builtin_themes() -> Path:
    """The themes that ship with the generator: the checkout's ``themes/`` (a source tree or
    an editable install), else the copy an installed wheel holds (``generator.builtin_themes``)."""
    checkout = Path(__file__).resolve().parents[2] / "themes"
    if (checkout / "default" / "templates").is_dir():
        return checkout
    return Path(__file__).resolve().parents[1] / "builtin_themes"


#: The themes that ship with the generator.
BUILTIN_THEMES = _builtin_themes()

MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December")


def theme_dir(config: SiteConfig) -> Path:
    """The folder of the configured theme; ``ConfigError`` if there is none."""
    candidates = [Path(config.theme)] if "/" in config.theme or "\\" in config.theme else []
    candidates += [config.root / "themes" / config.theme, BUILTIN_THEMES / config.theme]
    for candidate in candidates:
        candidate = candidate if candidate.is_absolute() else config.root / candidate
        if (candidate / "templates").is_dir():
            return candidate
    raise ConfigError(
        f"{config.config_path}: key 'theme': no theme {config.theme!r} "
        f"(looked for a templates/ folder in {', '.join(str(c) for c in candidates)})"
    )


def default_theme_dir() -> Path:
    return BUILTIN_THEMES / "default"


def template_dirs(config: SiteConfig) -> list[Path]:
    """Template folders, most specific first (the chain the loader tries)."""
    dirs = [config.root / "templates", theme_dir(config) / "templates",
            default_theme_dir() / "templates"]
    unique: list[Path] = []
    for folder in dirs:
        if folder.is_dir() and folder.resolve() not in [u.resolve() for u in unique]:
            unique.append(folder)
    return unique


def static_dirs(config: SiteConfig) -> list[Path]:
    """Static asset folders, most specific first: the site's, the theme's, the default's."""
    dirs = [config.root / "static", theme_dir(config) / "static", default_theme_dir() / "static"]
    unique: list[Path] = []
    for folder in dirs:
        if folder.is_dir() and folder.resolve() not in [u.resolve() for u in unique]:
            unique.append(folder)
    return unique


#: A template or static file larger than this is refused rather than read into memory.
MAX_BYTES = 512 * 1024 * 1024


def theme_files(folder: Path) -> Iterator[tuple[str, str]]:
    """``(path relative to folder, path)`` of every file of a theme folder (``templates/``,
    ``static/``), hidden ones included, sorted by relative path; what cannot be read is
    listed too, for ``read_theme_file`` to refuse (``guards.files_under``)."""
    top = os.path.join(str(folder), "")
    paths = [(path[len(top):].replace(os.sep, "/"), path)
             for path in files_under(folder, all_names=True)]
    return iter(sorted(paths))


def within(folder: Path, config: SiteConfig) -> tuple[str, ...]:
    """Where a symbolic link in a theme folder may lead: into that folder's theme, or
    the project (a link out of them could publish a file of the builder's machine)."""
    return roots(folder.parent, config.root)


def read_theme_file(path: str, inside: tuple[str, ...]) -> bytes:
    """A theme file's bytes (``guards.read_bounded``): ``Refused`` or ``OSError`` if it
    cannot be used."""
    return read_bounded(path, MAX_BYTES, inside)


def checksum(config: SiteConfig) -> str:
    """A checksum of every template and asset the site is built with (the theme chain); a
    file that cannot be read counts by why (``read_theme_file``)."""
    digest = hashlib.sha256()
    for kind, folders in (("templates", template_dirs(config)), ("static", static_dirs(config))):
        # Ranked among the folders that hold files: an empty templates/ or static/ folder
        # changes nothing the site is made of, so it must not change the checksum.
        filled = [(folder, files) for folder in folders if (files := list(theme_files(folder)))]
        for rank, (folder, files) in enumerate(filled):
            inside = within(folder, config)
            for rel, path in files:
                digest.update(f"{kind}:{rank}:{rel}\n".encode("utf-8", "surrogateescape"))
                try:
                    digest.update(hashlib.sha256(read_theme_file(path, inside)).digest())
                except (Refused, OSError) as exc:
                    digest.update(repr(exc).encode("utf-8", "surrogateescape"))
    return digest.hexdigest()[:32]


def long_date(value: dt.date) -> str:
    """``22 September 2022``, the same in every locale."""
    return f"{value.day} {MONTH_NAMES[value.month - 1]} {value.year}"


def month_name(month: int) -> str:
    return MONTH_NAMES[month - 1]


def thousands(value: int) -> str:
    return f"{value:,}"


_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: object) -> str:
    """``value`` as text without the characters XML 1.0 forbids (escaping is autoescape's)."""
    return _NOT_XML.sub("\ufffd", str(value))


_INDENT = re.compile(r"\n[ \t]+")


class Dedent(jinja2.ext.Extension):
    """Drops the indentation of the templates' own lines from what they write.

    Templates stay indented for their readers, pages carry no runs of spaces (at
    100,000 statements they would weigh tens of megabytes). Only the templates'
    literal text is touched, never a value they print: a statement's text, with
    any preformatted block in it, comes out as it went in.
    """

    def filter_stream(self, stream):  # type: ignore[override]
        # Whether the next literal text starts a line of the template: at its start, after
        # text that ends a line (a comment may stand between them), and after a block tag
        # whose newline trim_blocks ate (the text then starts on a later line than the tag).
        after, line = "newline", 0
        for token in stream:
            if token.type == "data":
                value = _INDENT.sub("\n", token.value)
                if after == "newline" or (after == "block_end" and token.lineno > line):
                    value = value.lstrip(" \t")
                token = Token(token.lineno, "data", value)
                after = "newline" if value.endswith("\n") else "data"
            else:
                after = token.type
            line = token.lineno
            yield token


class _Loader(jinja2.FileSystemLoader):
    """Jinja's loader of one folder, which opens a template only if it is a regular file (a
    FIFO would hang the build) reached by no link out of its theme or the project."""

    def __init__(self, folder: Path, config: SiteConfig) -> None:
        super().__init__(str(folder), encoding="utf-8")
        self.inside = within(folder, config)

    def get_source(self, environment, template):  # type: ignore[no-untyped-def]
        path = os.path.join(self.searchpath[0], *jinja2.loaders.split_template_path(template))
        if os.path.lexists(path):
            try:
                regular_file(path, self.inside)
            except (Refused, OSError) as exc:
                raise jinja2.TemplateError(
                    f"{shown(path)}: {getattr(exc, 'reason', None) or exc}") from None
        return super().get_source(environment, template)


def make_environment(config: SiteConfig) -> jinja2.Environment:
    """The Jinja environment for ``config``'s theme chain."""
    chain = [_Loader(d, config) for d in template_dirs(config)]
    prefixed = jinja2.PrefixLoader(
        {
            "default": _Loader(default_theme_dir() / "templates", config),
            "theme": _Loader(theme_dir(config) / "templates", config),
        },
        delimiter=":",
    )
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader([*chain, prefixed]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
        extensions=[Dedent],
    )
    env.filters.update(
        long_date=long_date,
        month_name=month_name,
        thousands=thousands,
        safe_href=safe_href,
        xml=xml_text,
        kind_label=kind_label,
    )
    return env

"""Specs to bytes: a ``PageSpec`` through the theme, a ``FileSpec`` as it is.

A spec marked ``compressed`` (the data exports, a large site's sitemaps) is
written gzip-compressed; any other file, a theme's ``.gz`` included, as it is.
A ``PartsSpec`` (the data exports) is compressed part by part, and a part
compressed by the last build is taken from the build cache.

``render_into`` renders every spec whose key changed and writes it into the
output's staging folder. With many pages it forks one worker per core: each
worker inherits the archive and the compiled templates, renders its share,
writes the files itself, and sends back only their checksums.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from typing import Any

import jinja2

from ..config import SiteConfig
from ..engine.cache import Cache, lookup_name
from ..engine.parallel import fork_map
from ..output import Output, OutputError, gzipped, put, sha256
from ..problems import BuildInterrupted, shown
from .specs import FileSpec, PartsSpec, Spec
from .theme import make_environment

#: Below this many pages, forking workers costs more than it saves.
PARALLEL_MIN = 200


class TemplateFailed(BuildInterrupted):
    """A template could not be found or rendered; the message names it and the line."""


Notes = list[tuple[str, str]]
"""Warnings raised while rendering: ``(where, what)``."""


class Renderer:
    """Specs to bytes; ``cache`` keeps the compressed parts of a ``PartsSpec`` for the next
    build (one lookup per file, saved by whichever process renders it)."""

    def __init__(self, config: SiteConfig, cache: Cache | None = None) -> None:
        self.env = make_environment(config)
        self.cache = cache

    def __call__(self, spec: Spec) -> tuple[bytes, Notes]:
        if isinstance(spec, PartsSpec):
            return self._parts(spec), []
        data, notes = self._render(spec)
        return (gzipped(data) if spec.compressed else data), notes

    def _parts(self, spec: PartsSpec) -> bytes:
        name = lookup_name("parts", spec.path)
        known = self.cache.load(name) if self.cache else {}
        version = zlib.ZLIB_RUNTIME_VERSION.encode()
        if known.get("") != version:  # another zlib compresses otherwise
            known = {}
        members = {"": version}
        for key, data in spec.parts:
            member = known.get(key)
            members[key] = member if isinstance(member, bytes) else gzipped(data())
        if self.cache and members != known:
            self.cache.save(name, members)
        return b"".join(members[key] for key, _ in spec.parts)

    def _render(self, spec: Spec) -> tuple[bytes, Notes]:
        if isinstance(spec, FileSpec):
            return spec.data(), []
        try:
            context = spec.context()
            template = self.env.select_template(spec.templates)
            data = template.render(context).encode("utf-8")
        except jinja2.TemplateNotFound as exc:
            raise TemplateFailed(
                f"no template for {spec.path}: none of {', '.join(spec.templates)} exists "
                "in the theme chain"
            ) from exc
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateFailed(
                f"{exc.filename or exc.name}:{exc.lineno}: template syntax error: {exc.message}"
            ) from exc
        except jinja2.TemplateError as exc:
            raise TemplateFailed(
                f"rendering {spec.path} with {', '.join(spec.templates)} failed: {exc}"
            ) from exc
        return data, _notes(context)


def _notes(context: dict[str, Any]) -> Notes:
    if not context.get("too_deep"):
        return []
    statement = context["statement"]
    return [(shown(statement.path) if statement.path else statement.id,
             "the body nests deeper than Markdown allows, so it is shown as plain text")]


# --- in parallel -------------------------------------------------------------------------


def render_into(out: Output, specs: Sequence[Spec], renderer: Renderer,
                progress: Callable[[int, int], None] = lambda done, total: None,
                jobs: int | None = None) -> Notes:
    """Render ``specs`` into ``out``; return the warnings they raised.

    With many specs, forked workers render them and write the files into the
    staging folder themselves; only checksums come back. A file written
    gzip-compressed is a large one (a data export of the whole archive, a part
    of the sitemap: the slowest files to make): each goes to a worker of its
    own, first, however few the specs.
    """
    notes: Notes = []
    total = len(specs)
    large = [index for index, spec in enumerate(specs) if spec.compressed]
    if total < PARALLEL_MIN and len(large) < 2:
        for done, spec in enumerate(specs, start=1):
            data, raised = renderer(spec)
            out.write(spec.path, data, spec.key)
            notes.extend(raised)
            progress(done, total)
        return notes

    out.staged(specs[0].path)  # the staging folder exists before the workers write into it

    def render_share(indexes: Sequence[int]) -> list[tuple[str, str, str, Notes]]:
        done = []
        for index in indexes:
            spec = specs[index]
            data, raised = renderer(spec)
            try:
                put(out.staging / spec.path, data)
            except OSError as exc:
                raise OutputError(f"cannot write {shown(out.out / spec.path)}: "
                                  f"{exc.strerror or exc}; the previous site is unchanged"
                                  ) from None
            done.append((spec.path, sha256(data), spec.key, raised))
        return done

    rest = [index for index, spec in enumerate(specs) if not spec.compressed]
    shares = [[index] for index in large] + [rest[start:start + 64]
                                             for start in range(0, len(rest), 64)]
    count = 0
    for share in fork_map(render_share, shares, jobs=jobs):
        for path, digest, key, raised in share:
            out.written(path, digest, key)
            notes.extend(raised)
        count += len(share)
        progress(count, total)
    return notes

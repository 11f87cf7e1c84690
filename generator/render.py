"""Specs to bytes: a ``PageSpec`` through the theme, a ``FileSpec`` as it is.

``render_into`` renders every spec whose key changed and writes it into the
output's staging folder. With many pages it forks one worker per core: each
worker inherits the archive and the compiled templates, renders its share,
writes the files itself, and sends back only their checksums.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Sequence
from typing import Any

import jinja2

from .children import die_with_parent
from .config import SiteConfig
from .output import Output, OutputError, sha256
from .pages import FileSpec, Spec
from .problems import BuildInterrupted, shown
from .theme import make_environment

#: Below this many pages, forking workers costs more than it saves.
PARALLEL_MIN = 200


class TemplateFailed(BuildInterrupted):
    """A template could not be found or rendered; the message names it and the line."""


Notes = list[tuple[str, str]]
"""Warnings raised while rendering: ``(where, what)``."""


class Renderer:
    def __init__(self, config: SiteConfig) -> None:
        self.env = make_environment(config)

    def __call__(self, spec: Spec) -> tuple[bytes, Notes]:
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

# What forked workers inherit: set just before the pool starts, cleared after.
_WORK: tuple[Renderer, Sequence[Spec], Output] | None = None


def _render_share(indexes: Sequence[int]) -> list[tuple[str, str, str, Notes]]:
    renderer, specs, out = _WORK  # type: ignore[misc]
    done = []
    for index in indexes:
        spec = specs[index]
        data, notes = renderer(spec)
        target = out.staging / spec.path
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            target.write_bytes(data)
        except OSError as exc:
            raise OutputError(f"cannot write {shown(out.out / spec.path)}: "
                              f"{exc.strerror or exc}; the previous site is unchanged") from None
        done.append((spec.path, sha256(data), spec.key, notes))
    return done


def _worker_start() -> None:  # pragma: no cover - runs in the worker
    die_with_parent()
    # The build's own handlers are not the worker's: the parent stops the pool itself.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def render_into(out: Output, specs: Sequence[Spec], renderer: Renderer,
                progress: Callable[[int, int], None] = lambda done, total: None,
                jobs: int | None = None) -> Notes:
    """Render ``specs`` into ``out``; return the warnings they raised."""
    jobs = jobs or os.cpu_count() or 1
    notes: Notes = []
    total = len(specs)
    if jobs < 2 or total < PARALLEL_MIN or "fork" not in multiprocessing.get_all_start_methods():
        for done, spec in enumerate(specs, start=1):
            data, raised = renderer(spec)
            out.write(spec.path, data, spec.key)
            notes.extend(raised)
            progress(done, total)
        return notes

    global _WORK
    out.staged(specs[0].path)  # make the staging folder before the workers need it
    _WORK = (renderer, specs, out)
    shares = [list(range(start, min(start + 64, len(specs))))
              for start in range(0, len(specs), 64)]
    try:
        with multiprocessing.get_context("fork").Pool(jobs, initializer=_worker_start) as pool:
            count = 0
            for share in pool.imap(_render_share, shares):
                for path, digest, key, raised in share:
                    out.written(path, digest, key)
                    notes.extend(raised)
                count += len(share)
                progress(count, total)
    finally:
        _WORK = None
    return notes

"""Specs to bytes: a ``PageSpec`` through the theme, a ``FileSpec`` as it is."""

from __future__ import annotations

import jinja2

from .config import SiteConfig
from .pages import FileSpec, Spec
from .problems import BuildInterrupted
from .theme import make_environment


class TemplateFailed(BuildInterrupted):
    """A template could not be found or rendered; the message names it and the line."""


class Renderer:
    def __init__(self, config: SiteConfig) -> None:
        self.env = make_environment(config)

    def __call__(self, spec: Spec) -> bytes:
        if isinstance(spec, FileSpec):
            return spec.data
        try:
            template = self.env.select_template(spec.templates)
            return template.render(spec.context).encode("utf-8")
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

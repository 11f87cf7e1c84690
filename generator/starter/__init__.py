"""``python -m generator init PATH``: a new archive, empty, ready to build and to publish.

It writes, into a folder that does not exist or is empty (anything else is
refused before a file is written):

- ``config.yaml``: every key at its default, each with its meaning in a comment
  (the help of ``SiteConfig``'s fields: the same words as the README's table);
- ``content/sources/``, empty: the captures go there;
- ``content/issuers.yaml``: how to list issuers, and no entries;
- ``.gitignore``: the site, the generator's cache and the virtual environment;
- ``requirements.txt``: the generator the Pages workflow installs;
- ``.github/workflows/pages.yml``: the Pages workflow, this package's ``pages.yml``,
  which the generator's own repository publishes with too (a test holds the two
  the same).
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import json
import textwrap
from pathlib import Path

import yaml

from ..config import SiteConfig
from ..problems import BuildInterrupted, shown

FILES = Path(__file__).resolve().parent
WORKFLOW = FILES / "pages.yml"
DISTRIBUTION = "statement-archive"


class InitRefused(BuildInterrupted):
    """The folder cannot hold a new archive; nothing was written."""


def config_text() -> str:
    """config.yaml for a new archive: every key at its default, with its help as a comment."""
    parts = [(FILES / "config-head.yaml").read_text(encoding="utf-8")]
    for field in dataclasses.fields(SiteConfig):
        if field.name == "config_path":
            continue
        value = str(field.default) if isinstance(field.default, Path) else field.default
        parts.append("\n" + "".join(f"# {line}\n" for line in textwrap.wrap(
            field.metadata["help"], 86, break_on_hyphens=False)))
        parts.append(yaml.safe_dump({field.name: value}, allow_unicode=True, sort_keys=False))
    return "".join(parts)


def generator_requirement() -> str | None:
    """The pip requirement of the generator that runs now, pinned to its commit, when it was
    installed from a Git repository (pip's record of it, PEP 610); else None.

    Editable (``-e``): the generator finds its default theme beside its code.
    """
    try:
        recorded = importlib.metadata.distribution(DISTRIBUTION).read_text("direct_url.json")
        origin = json.loads(recorded or "null")
    except (importlib.metadata.PackageNotFoundError, ValueError):
        return None
    vcs = origin.get("vcs_info") if isinstance(origin, dict) else None
    if not isinstance(vcs, dict) or vcs.get("vcs") != "git" or not vcs.get("commit_id"):
        return None
    url = str(origin.get("url", ""))
    if not url.startswith("https://") or any(c.isspace() or c in "#@" for c in url[8:]):
        return None
    return f"-e git+{url}@{vcs['commit_id']}#egg={DISTRIBUTION}"


def requirements_text(requirement: str | None) -> str:
    head = (FILES / "requirements-head.txt").read_text(encoding="utf-8")
    if requirement is None:
        return head + "# -e git+https://github.com/OWNER/REPO@COMMIT#egg=statement-archive\n"
    return head + requirement + "\n"


def files(requirement: str | None) -> dict[str, str]:
    """What ``create`` writes, by path relative to the new archive's folder."""
    return {
        "config.yaml": config_text(),
        "content/issuers.yaml": (FILES / "issuers.yaml").read_text(encoding="utf-8"),
        ".gitignore": (FILES / "gitignore").read_text(encoding="utf-8"),
        "requirements.txt": requirements_text(requirement),
        ".github/workflows/pages.yml": WORKFLOW.read_text(encoding="utf-8"),
    }


def create(folder: Path) -> list[Path]:
    """Make a new archive in ``folder``; the files written. ``InitRefused`` if ``folder`` is
    not an empty folder (or nothing yet)."""
    if folder.exists() or folder.is_symlink():
        if not folder.is_dir():
            raise InitRefused(f"{shown(folder)} exists and is not a folder; nothing was written")
        if any(folder.iterdir()):
            raise InitRefused(f"{shown(folder)} is not empty; a new archive goes into a new or "
                              "empty folder, and nothing was written")
    made = files(generator_requirement())
    (folder / "content" / "sources").mkdir(parents=True, exist_ok=True)
    written = []
    for rel, text in made.items():
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "x", encoding="utf-8", newline="\n") as handle:  # never over a file
            handle.write(text)
        written.append(target)
    return written

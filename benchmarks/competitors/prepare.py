"""Inputs for the competitors (Hugo, Pelican, Eleventy, the floor) from the generator's store.

    python benchmarks/competitors/prepare.py STORE DEST [--tools hugo,pelican,eleventy,floor]

reads every statement of a Markdown store (``content_dir`` after ``python -m
generator import``: the same statements, with the issuers the generator
attributed) and writes, for each tool, a site folder ``DEST/<tool>/``: the
tool's minimal configuration and templates (the files beside this script) plus
one Markdown file per statement with the tool's own front matter (title, date,
issuer, organisation, kind, month). Bodies are copied as they are (the store's
Markdown).

Each site makes the same pages: one article page per statement at
``statements/<id>/index.html``, one page per month listing its statements, one
page per issuer (its count and latest 200 statements) and a home page (latest 20,
every month, every issuer). No feeds, sitemaps, tag or category pages. Article
pages carry the same Pagefind attributes as the generator's (body, title, date
sort, year, issuer, organisation and kind filters).
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import json
import os
import re
import shutil
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
TOOLS = ("hugo", "pelican", "eleventy", "floor")
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_CLOSE = re.compile(r"^---[ \t]*$", re.M)


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    title: str
    date: dt.date
    issuer: str
    issuer_id: str
    organization: str
    kind: str
    body: str

    @property
    def month(self) -> str:
        return f"{self.date:%Y/%m}"

    @property
    def month_name(self) -> str:
        return f"{calendar.month_name[self.date.month]} {self.date.year}"


def read_store(content_dir: Path) -> Iterator[Entry]:
    """Every ``*.md`` of the store, in path order."""
    paths = sorted(Path(folder, name) for folder, _, names in os.walk(content_dir)
                   for name in names if name.endswith(".md") and not name.startswith("."))
    for path in paths:
        text = path.read_text(encoding="utf-8")
        end = _CLOSE.search(text, 4)
        if not text.startswith("---\n") or end is None:
            print(f"prepare: skipped {path}: no front matter", file=sys.stderr)
            continue
        data = yaml.load(text[4:end.start()], Loader=_Loader) or {}
        date = data.get("date")
        if isinstance(date, str):
            date = dt.date.fromisoformat(date)
        yield Entry(
            id=str(data.get("id") or path.stem),
            title=" ".join(str(data.get("title") or path.stem).split()),
            date=date,
            issuer=str(data.get("issuer") or "Unattributed"),
            issuer_id=str(data.get("issuer_id") or "unattributed"),
            organization=str(data.get("organization") or ""),
            kind=str(data.get("kind") or ""),
            body=text[end.end():].lstrip("\n"),
        )


def _q(value: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(value, ensure_ascii=False)


def _skeleton(tool: str, dest: Path) -> Path:
    site = dest / tool
    if site.exists():
        shutil.rmtree(site)
    shutil.copytree(HERE / tool, site)
    return site


def _files(folder: Path, entries: Sequence[Entry], text: Callable[[Entry], str]) -> None:
    """One ``<id>.md`` per statement in ``folder``, holding ``text(entry)``."""
    folder.mkdir(parents=True)
    for e in entries:
        (folder / f"{e.id}.md").write_text(text(e), encoding="utf-8")


def _front_matter(body: str, **fields: str) -> str:
    """A Markdown file with YAML front matter (``fields`` as written, in order)."""
    return "---\n" + "".join(f"{key}: {value}\n" for key, value in fields.items()) \
        + f"---\n\n{body}"


def write_hugo(entries: Sequence[Entry], dest: Path) -> Path:
    site = _skeleton("hugo", dest)
    _files(site / "content" / "statements", entries, lambda e: _front_matter(
        e.body, title=_q(e.title), date=e.date.isoformat(), issuers=f"[{_q(e.issuer)}]",
        months=f"[{_q(e.date.strftime('%Y-%m'))}]", organization=_q(e.organization),
        kind=_q(e.kind)))
    return site


def write_pelican(entries: Sequence[Entry], dest: Path) -> Path:
    site = _skeleton("pelican", dest)
    _files(site / "content", entries, lambda e: (
        f"Title: {e.title}\nDate: {e.date.isoformat()}\nSlug: {e.id}\n"
        f"Author: {e.issuer}\nOrganization: {e.organization}\nKind: {e.kind}\n\n{e.body}"))
    return site


def _fields(e: Entry) -> dict[str, str]:
    """What the floor reads of a statement, and Eleventy too."""
    return {"title": _q(e.title), "date": e.date.isoformat(), "issuer": _q(e.issuer),
            "issuer_id": _q(e.issuer_id), "organization": _q(e.organization),
            "kind": _q(e.kind)}


def write_eleventy(entries: Sequence[Entry], dest: Path) -> Path:
    site = _skeleton("eleventy", dest)
    _files(site / "statements", entries, lambda e: _front_matter(
        e.body, layout="article.njk", permalink=f"statements/{e.id}/index.html", **_fields(e),
        month=_q(e.month), month_name=_q(e.month_name)))
    return site


def write_floor(entries: Sequence[Entry], dest: Path) -> Path:
    site = _skeleton("floor", dest)
    _files(site / "statements", entries, lambda e: _front_matter(e.body, **_fields(e)))
    return site


WRITERS = {"hugo": write_hugo, "pelican": write_pelican, "eleventy": write_eleventy,
           "floor": write_floor}


def prepare(content_dir: Path, dest: Path, tools: Sequence[str] = TOOLS) -> dict[str, Path]:
    entries = list(read_store(content_dir))
    dest.mkdir(parents=True, exist_ok=True)
    return {tool: WRITERS[tool](entries, dest) for tool in tools}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("store", type=Path, help="the generator's Markdown store (content_dir)")
    parser.add_argument("dest", type=Path, help="folder to write one site folder per tool into")
    parser.add_argument("--tools", default=",".join(TOOLS), help="comma-separated (default: all)")
    args = parser.parse_args(argv)
    tools = [t for t in args.tools.split(",") if t]
    unknown = set(tools) - set(TOOLS)
    if unknown:
        parser.error(f"unknown tools: {', '.join(sorted(unknown))}")
    for tool, site in prepare(args.store, args.dest, tools).items():
        print(f"{tool}: {site}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

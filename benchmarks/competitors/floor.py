"""The floor: the least a Python static site generator does to make the benchmark's pages.

    python benchmarks/competitors/floor.py SITE OUT

reads ``SITE/statements/*.md`` (YAML front matter and a Markdown body, written by
``prepare.py``), renders each body with markdown-it-py and each page through Jinja
(``SITE/templates/``, copied from ``floor/templates/``), over every core in forked
workers, and writes the pages the other competitors make: an article page per
statement at ``statements/<id>/index.html``, a page per month, a page per issuer (its
count and latest 200 statements) and a home page (latest 20, every month, every
issuer). No cache, no checks of the input, no feeds or other files: what any generator
written in Python with the generator's own libraries pays at least for these pages.
"""

from __future__ import annotations

import argparse
import calendar
import os
from collections import Counter, defaultdict
from collections.abc import Sequence
from multiprocessing import get_context
from pathlib import Path

import yaml
from jinja2 import Environment, FileSystemLoader
from markdown_it import MarkdownIt
from markupsafe import Markup

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MD = MarkdownIt("commonmark")
_env: Environment | None = None
_out: Path | None = None


def _month_name(date: str) -> str:
    return f"{calendar.month_name[int(date[5:7])]} {date[:4]}"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _article(path: Path) -> dict[str, str]:
    """Render one statement's page; give what the list pages need of it."""
    assert _env is not None and _out is not None
    text = path.read_text(encoding="utf-8")
    head, _, body = text[4:].partition("\n---\n")
    data = yaml.load(head, Loader=_Loader)
    date = str(data["date"])
    entry = {"id": path.stem, "title": data["title"], "date": date,
             "issuer": data["issuer"], "issuer_id": data["issuer_id"],
             "month": f"{date[:4]}/{date[5:7]}"}
    page = _env.get_template("article.html").render(
        root="../../", kind=data["kind"], organization=data["organization"],
        date_text=f"{int(date[8:10])} {_month_name(date)}", month_name=_month_name(date),
        body=Markup(_MD.render(body)), **entry)
    _write(_out / "statements" / path.stem / "index.html", page)
    return entry


def _articles(paths: Sequence[Path]) -> list[dict[str, str]]:
    return [_article(path) for path in paths]


def _lists(entries: list[dict[str, str]], env: Environment, out: Path) -> None:
    entries.sort(key=lambda e: (e["date"], e["id"]))
    by_month: dict[str, list[dict[str, str]]] = defaultdict(list)
    by_issuer: dict[str, list[dict[str, str]]] = defaultdict(list)
    for entry in entries:
        by_month[entry["month"]].append(entry)
        by_issuer[entry["issuer_id"]].append(entry)
    page = env.get_template("list.html")
    for month, items in by_month.items():
        _write(out / "months" / month / "index.html", page.render(
            root="../../../", title=_month_name(items[0]["date"]), count=len(items),
            statements=items))
    names = {issuer: Counter(e["issuer"] for e in items).most_common(1)[0][0]
             for issuer, items in by_issuer.items()}
    for issuer, items in by_issuer.items():
        _write(out / "issuers" / issuer / "index.html", page.render(
            root="../../", title=names[issuer], count=len(items),
            statements=items[::-1][:200]))
    _write(out / "index.html", env.get_template("home.html").render(
        root="", title="Home", latest=entries[::-1][:20],
        months=[{"key": m, "name": _month_name(items[0]["date"]), "count": len(items)}
                for m, items in sorted(by_month.items())],
        issuers=[{"id": i, "name": names[i], "count": len(items)}
                 for i, items in sorted(by_issuer.items(), key=lambda x: -len(x[1]))]))


def build(site: Path, out: Path, workers: int) -> int:
    global _env, _out
    _env = Environment(loader=FileSystemLoader(site / "templates"), autoescape=True)
    _out = out
    paths = sorted((site / "statements").glob("*.md"))
    chunks = [paths[i:i + 500] for i in range(0, len(paths), 500)]
    with get_context("fork").Pool(workers) as pool:
        entries = [entry for chunk in pool.imap(_articles, chunks) for entry in chunk]
    _lists(entries, _env, out)
    return len(entries)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path, help="the site folder prepare.py wrote")
    parser.add_argument("out", type=Path, help="the folder to write the pages into")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    build(args.site, args.out, args.workers)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

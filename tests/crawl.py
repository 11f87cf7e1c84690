"""A link checker for built sites: from disk, and over HTTP under a path prefix."""

from __future__ import annotations

import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

EXTERNAL = ("http://", "https://", "mailto:", "tel:", "data:")


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.refs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        for name, value in attrs:
            if value is None:
                continue
            if name in ("href", "src", "action"):
                self.refs.append(value)
            if name == "id":
                self.ids.add(value)


def refs_of(html: str) -> tuple[list[str], set[str]]:
    parser = _Refs()
    parser.feed(html)
    return parser.refs, parser.ids


def crawl_disk(site: Path, start: str = "index.html") -> tuple[set[str], list[str]]:
    """Follow every internal link from ``start``; return (pages seen, broken links)."""
    seen: set[str] = set()
    broken: list[str] = []
    queue = [start]
    while queue:
        page = queue.pop()
        if page in seen:
            continue
        seen.add(page)
        if not page.endswith(".html"):
            continue
        html = (site / page).read_text(encoding="utf-8")
        refs, _ = refs_of(html)
        for ref in refs:
            if ref.startswith(EXTERNAL) or ref.startswith("#") or not ref:
                continue
            if ref.startswith("/"):
                broken.append(f"{page}: root-relative link {ref!r} breaks under a subpath and from disk")
                continue
            target = urljoin("file:///site/" + page, ref)
            path = unquote(urlsplit(target).path)[len("/site/"):]
            if ref.endswith("/") or path.endswith("/") or path == "":
                broken.append(f"{page}: link {ref!r} names a folder, which file:// cannot open")
                continue
            if not (site / path).is_file():
                broken.append(f"{page}: {ref!r} -> {path} is missing")
                continue
            queue.append(path)
    return seen, broken


def crawl_http(base: str, start: str = "index.html") -> tuple[set[str], list[str]]:
    """Follow every link under ``base`` (which ends with '/'); return (URLs seen, broken)."""
    seen: set[str] = set()
    broken: list[str] = []
    queue = [urljoin(base, start)]
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                body = response.read()
                kind = response.headers.get("Content-Type", "")
        except urllib.error.HTTPError as exc:
            broken.append(f"{url}: HTTP {exc.code}")
            continue
        if "html" not in kind:
            continue
        refs, _ = refs_of(body.decode("utf-8"))
        for ref in refs:
            if not ref or ref.startswith("#") or ref.startswith(("mailto:", "tel:", "data:")):
                continue
            target = urljoin(url, ref).split("#")[0]
            if not target.startswith(base):
                if target.startswith(base.split("/", 3)[0] + "//" + base.split("/", 3)[2]):
                    broken.append(f"{url}: {ref!r} leaves the site's path {base}")
                continue
            queue.append(target)
    return seen, broken

"""The built site is valid: its HTML by the Nu Html Checker, its feeds as Atom (RFC 4287),
its sitemap by the sitemap protocol (sitemaps.org 0.9).

The HTML check needs Java and ``tests/node`` (``npm ci --prefix tests/node``); it is
skipped without them, unless REQUIRE_BROWSER is set, when it fails instead.
"""

from __future__ import annotations

import gzip
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from generator.site import pages as site_plan

from .browser import vnu_errors
from .sites import BASE_URL, add_altered, build, make_archive, old_store

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
#: RFC 3339 date-time, as Atom requires.
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
#: W3C Datetime, as the sitemap protocol requires for lastmod (a date, or a date and time).
W3C_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$")
MAX_URLS = 50_000
ALTERED = "2024-10-25-g7-is-developing-into-world-wide-war-contractor-group-kcna-commentary"
MAX_BYTES = 50 * 1024 * 1024


def _build(root: Path, **limits: int) -> Path:
    config = make_archive(root)
    add_altered(config)  # a statement altered at source: its versions, comparison, list, feed
    with pytest.MonkeyPatch.context() as patch:
        for name, value in limits.items():
            patch.setattr(site_plan, name, value)
        build(config, search=True)
    return config.output_dir


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    # LIST_LIMIT lowered: this small site then also has the per-year pages of a large facet.
    return _build(tmp_path_factory.mktemp("valid"), LIST_LIMIT=3)


def html_pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if "pagefind" not in p.relative_to(site).parts)


def page_of(url: str, site: Path) -> Path:
    """The file a URL under BASE_URL is served from."""
    assert url.startswith(BASE_URL), url
    rest = url[len(BASE_URL):]
    return site / (rest + "index.html" if rest == "" or rest.endswith("/") else rest)


# --- HTML --------------------------------------------------------------------------------


def test_every_page_is_valid_html_by_the_nu_html_checker(site):
    files = html_pages(site)
    names = {f.relative_to(site).as_posix() for f in files}
    for kind in ("index.html", "timeline/index.html", "timeline/2024/index.html",
                 "timeline/2024/08/index.html", "issuers/index.html", "issuers/kcna/index.html",
                 "issuers/kcna/2024/index.html", "organizations/foreign-ministry/index.html",
                 "sources/index.html", "sources/kcna-kp-en/index.html", "search/index.html",
                 "kinds/press-statement/index.html", "data/index.html",
                 "altered/index.html", f"statements/2024/{ALTERED}/v1.html",
                 f"statements/2024/{ALTERED}/v2.html", f"statements/2024/{ALTERED}/compare-1-2.html",
                 "404.html"):
        assert kind in names
    assert sum(n.startswith("statements/") for n in names) == 13 + 3
    assert vnu_errors(files, site) == []


def test_the_page_left_at_the_address_of_a_statement_merged_into_another_is_valid(tmp_path):
    config = make_archive(tmp_path, with_fixtures=False)
    add_altered(config)
    _, alias = old_store(config, "g7-2024-10-25.txt", "g7-2024-10-26.txt")
    build(config)
    page = config.output_dir / "statements" / "2024" / f"{alias}.html"
    assert 'http-equiv="refresh"' in page.read_text()
    assert vnu_errors([page], config.output_dir) == []


# --- Atom --------------------------------------------------------------------------------


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        self.tags.append(tag)

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        self.text.append(data)


def _one(parent: ET.Element, tag: str, where: str, problems: list[str]) -> ET.Element | None:
    found = parent.findall(ATOM + tag)
    if len(found) != 1:
        problems.append(f"{where}: {len(found)} <{tag}> elements, not one")
        return None
    return found[0]


def atom_problems(path: Path, site: Path) -> list[str]:
    """What keeps ``path`` from being a valid Atom feed whose links all lead somewhere."""
    problems: list[str] = []
    name = path.relative_to(site).as_posix()
    root = ET.parse(path).getroot()
    if root.tag != ATOM + "feed":
        return [f"{name}: the root is {root.tag}, not an Atom feed"]
    for tag in ("id", "title", "updated"):
        _one(root, tag, name, problems)
    updated = root.find(ATOM + "updated")
    if updated is not None and not RFC3339.match(updated.text or ""):
        problems.append(f"{name}: updated {updated.text!r} is not an RFC 3339 date-time")
    links = {link.get("rel", "alternate"): link for link in root.findall(ATOM + "link")}
    if links.get("self") is None or links["self"].get("href") != BASE_URL + name:
        problems.append(f"{name}: no rel=self link to {BASE_URL + name}")
    alternate = links.get("alternate")
    if alternate is None or not page_of(alternate.get("href", ""), site).is_file():
        problems.append(f"{name}: its alternate link leads to no page")
    feed_author = root.find(ATOM + "author") is not None
    entries = root.findall(ATOM + "entry")
    if not entries:
        problems.append(f"{name}: no entries")
    ids = set()
    for i, entry in enumerate(entries):
        where = f"{name}: entry {i + 1}"
        for tag in ("id", "title", "updated"):
            _one(entry, tag, where, problems)
        entry_id = entry.findtext(ATOM + "id") or ""
        if not re.match(r"^[a-z][a-z0-9+.-]*:", entry_id) or entry_id in ids:
            problems.append(f"{where}: id {entry_id!r} is not a unique IRI")
        ids.add(entry_id)
        for tag in ("updated", "published"):
            value = entry.findtext(ATOM + tag)
            if value is not None and not RFC3339.match(value):
                problems.append(f"{where}: {tag} {value!r} is not an RFC 3339 date-time")
        if not feed_author and not (entry.findtext(f"{ATOM}author/{ATOM}name") or "").strip():
            problems.append(f"{where}: no author (and the feed has none)")
        link = [e for e in entry.findall(ATOM + "link") if e.get("rel", "alternate") == "alternate"]
        if len(link) != 1 or not page_of(link[0].get("href", ""), site).is_file():
            problems.append(f"{where}: its alternate link leads to no page")
        content = entry.find(ATOM + "content")
        if content is None or content.get("type") != "html":
            problems.append(f"{where}: no HTML content")
        elif content.text:
            parsed = _Text()
            parsed.feed(content.text)
            if "script" in parsed.tags or not "".join(parsed.text).strip():
                problems.append(f"{where}: its content is not the statement's text")
    return problems


def test_every_feed_is_valid_atom_and_every_page_links_to_one_that_exists(site):
    feeds = [site / "feed.xml", site / "altered" / "feed.xml", *sorted(site.glob("*/*/feed.xml"))]
    assert {f.parent.parent.name for f in feeds[2:]} == {"issuers", "organizations", "sources",
                                                         "kinds"}
    problems = [p for feed in feeds for p in atom_problems(feed, site)]
    assert problems == []
    missing = []
    for page in html_pages(site):
        html = page.read_text(encoding="utf-8")
        for match in re.finditer(r'<link rel="alternate" type="application/atom\+xml"[^>]*'
                                 r'href="([^"]+)"', html):
            target = urljoin(BASE_URL + page.relative_to(site).as_posix(), match.group(1))
            if not page_of(target, site).is_file():
                missing.append((page.relative_to(site).as_posix(), match.group(1)))
    assert missing == []


# --- sitemap -----------------------------------------------------------------------------


def urlset_problems(path: Path, site: Path) -> tuple[list[str], list[str]]:
    """(problems, the URLs listed) of one sitemap file, by the sitemap protocol."""
    problems: list[str] = []
    data = path.read_bytes()
    name = path.relative_to(site).as_posix()
    if name.endswith(".gz"):
        data = gzip.decompress(data)
    if not re.match(rb'^<\?xml version="1.0" encoding="UTF-8"\?>', data, re.IGNORECASE):
        problems.append(f"{name}: no XML declaration naming UTF-8")
    if len(data) > MAX_BYTES:
        problems.append(f"{name}: {len(data)} bytes, over the protocol's 50 MiB")
    root = ET.fromstring(data)
    if root.tag != SITEMAP + "urlset":
        return [f"{name}: the root is {root.tag}, not a sitemap urlset"], []
    urls = []
    for i, url in enumerate(root):
        where = f"{name}: url {i + 1}"
        if url.tag != SITEMAP + "url":
            problems.append(f"{where}: <{url.tag}> where <url> belongs")
            continue
        children = [c.tag.removeprefix(SITEMAP) for c in url]
        if children.count("loc") != 1 or set(children) - {"loc", "lastmod", "changefreq",
                                                          "priority"}:
            problems.append(f"{where}: holds {children}")
            continue
        loc = url.findtext(SITEMAP + "loc") or ""
        parts = urlsplit(loc)
        if (parts.scheme != "https" or not loc.startswith(BASE_URL) or len(loc) >= 2048
                or re.search(r"[\s<>\"]", loc)):
            problems.append(f"{where}: {loc!r} is not an absolute URL under {BASE_URL}")
        elif not page_of(loc, site).is_file():
            problems.append(f"{where}: {loc} leads to no page")
        lastmod = url.findtext(SITEMAP + "lastmod")
        if lastmod is not None and not W3C_DATETIME.match(lastmod):
            problems.append(f"{where}: lastmod {lastmod!r} is not a W3C datetime")
        urls.append(loc)
    if len(urls) > MAX_URLS:
        problems.append(f"{name}: {len(urls)} URLs, over the protocol's {MAX_URLS}")
    if len(set(urls)) != len(urls):
        problems.append(f"{name}: a URL is listed twice")
    return problems, urls


def every_page_url(site: Path) -> set[str]:
    urls = set()
    for page in html_pages(site):
        rel = page.relative_to(site).as_posix()
        if rel != "404.html":
            urls.add(BASE_URL + rel.removesuffix("index.html"))
    return urls


def test_the_sitemap_follows_the_sitemap_protocol_and_lists_every_page(site):
    problems, urls = urlset_problems(site / "sitemap.xml", site)
    assert problems == []
    assert set(urls) == every_page_url(site)
    assert f"Sitemap: {BASE_URL}sitemap.xml" in (site / "robots.txt").read_text().splitlines()


def test_a_sitemap_too_long_for_one_file_becomes_an_index_of_valid_sitemaps(tmp_path):
    # At 100,000 statements the site has more URLs than one sitemap may hold (50,000);
    # the limit is lowered here so that a small site shows the same shape.
    site = _build(tmp_path, SITEMAP_SIZE=10)
    root = ET.parse(site / "sitemap.xml").getroot()
    assert root.tag == SITEMAP + "sitemapindex"
    parts = [s.findtext(SITEMAP + "loc") for s in root.findall(SITEMAP + "sitemap")]
    assert len(parts) >= 3 and len(parts) == len(root)
    listed: list[str] = []
    for loc in parts:
        # At the site's root: a sitemap may list only URLs in its own folder and below.
        assert loc.startswith(BASE_URL) and "/" not in loc[len(BASE_URL):]
        assert loc.endswith(".xml.gz")
        problems, urls = urlset_problems(page_of(loc, site), site)
        assert problems == []
        assert 0 < len(urls) <= 10
        listed += urls
    assert sorted(listed) == sorted(every_page_url(site))
    assert f"Sitemap: {BASE_URL}sitemap.xml" in (site / "robots.txt").read_text().splitlines()


def test_every_page_names_its_canonical_url_and_it_is_the_one_in_the_sitemap(site):
    _, urls = urlset_problems(site / "sitemap.xml", site)
    listed = set(urls)
    wrong = []
    for page in html_pages(site):
        rel = page.relative_to(site).as_posix()
        if rel == "404.html":
            continue
        canonical = re.findall(r'<link rel="canonical" href="([^"]+)">', page.read_text())
        if canonical != [BASE_URL + rel.removesuffix("index.html")] or canonical[0] not in listed:
            wrong.append((rel, canonical))
    assert wrong == []

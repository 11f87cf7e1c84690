"""The built site: every page kind, what an article page shows, feeds, sitemap and data."""

import csv
import gzip
import io
import json
import subprocess
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from generator.serve import serving

from .crawl import crawl_disk, crawl_http
from .sites import BASE_URL, build, make_archive

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("archive")
    config = make_archive(root)
    report = build(config)
    assert not [p for p in report.errors if "record 6" not in p.path], report.errors
    return config.output_dir


def statement_page(site: Path, fragment: str) -> str:
    (match,) = [p for p in (site / "statements").glob(f"*/*{fragment}*.html")]
    return match.read_text()


def test_every_kind_of_page_is_built(site):
    for path in ("index.html", "timeline/index.html", "timeline/2022/index.html",
                 "timeline/2022/09/index.html", "issuers/index.html", "sources/index.html",
                 "sources/kcna-kp-en/index.html", "search/index.html", "404.html", "feed.xml",
                 "sitemap.xml", "robots.txt", ".nojekyll", "data/statements.json.gz",
                 "data/statements.csv.gz", "static/style.css", "static/cite.js"):
        assert (site / path).is_file(), path
    statements = sorted((site / "statements").glob("*/*"))
    assert len(statements) == 12
    assert all(p.suffix == ".html" and p.name.startswith(p.parent.name + "-") for p in statements)
    assert list((site / "issuers").glob("*/index.html"))
    assert list((site / "issuers").glob("*/feed.xml"))
    assert list((site / "organizations").glob("*/index.html"))


def test_article_page_shows_everything_a_citation_needs(site):
    html = statement_page(site, "2022-09-22-vice-director-general")
    assert "<h1" in html and "Issues Press Statement</h1>" in html
    assert '<time datetime="2022-09-22"' in html and "22 September 2022" in html
    assert "Pyongyang, September 22 (KCNA)" in html
    assert "Juche111.9.22." in html
    assert "(dateline):" not in html  # an agreeing dateline is the Dateline row, not repeated
    assert "keep its mouth shut. -0-</p>" in html
    assert "000_5090525799506049.txt" in html
    assert "54440e5768f37324103fdfcf4c7d2774612054e0aa2cd0ba446ce7922c5771c2" in html
    assert "Cite this statement" in html
    assert "cite-downloads" not in html  # cite.js makes them from the page
    assert '<script src="../../static/cite.js" defer></script>' in html
    assert '<meta name="citation_title" content="Vice Director General' in html
    assert '<meta name="citation_publication_date" content="2022/09/22">' in html
    canonical = BASE_URL + "statements/2022/2022-09-22-vice-director-general"
    assert f'<link rel="canonical" href="{canonical}' in html
    assert 'rel="next"' in html and 'rel="prev"' in html


def test_disagreeing_dates_are_shown_on_the_page(site):
    html = statement_page(site, "vice-minister-of-foreign-affairs")
    assert "The dates in this capture disagree" in html
    assert html.count("disagrees</strong>") == 2


def test_title_only_items_say_so(site):
    html = statement_page(site, "tablet-displayed-in-russia")
    assert "No text was captured for this item" in html


class _Descriptions(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        if tag == "meta" and dict(attrs).get("name") == "description":
            self.found.append(dict(attrs).get("content") or "")


def descriptions_of(html: str) -> list[str]:
    parser = _Descriptions()
    parser.feed(html)
    return parser.found


def test_every_page_describes_itself_in_one_line_search_engines_show_whole(site):
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 30
    seen = {}
    for page in pages:
        (description,) = descriptions_of(page.read_text())
        where = page.relative_to(site).as_posix()
        assert 40 <= len(description) <= 160, (where, description)
        assert description == " ".join(description.split()), where
        seen[where] = description
    # Each listing says what it lists; no two pages of a kind say the same.
    assert seen["index.html"].startswith("Test Archive: 12 statements from ")
    assert seen["timeline/2022/09/index.html"].startswith("The 2 statements of September 2022")
    assert "Foreign Ministry" in seen["organizations/foreign-ministry/index.html"]
    assert len(set(seen.values())) == len(seen)


def test_an_article_is_described_by_its_opening_words_as_text(site):
    (html,) = [statement_page(site, "2022-09-22-vice-director-general")]
    (description,) = descriptions_of(html)
    assert description.startswith("Pyongyang, September 22 (KCNA) -- The vice director general ")
    assert description.endswith("\u2026") and len(description) <= 160
    # A body that looks like Markdown is described as the text it shows, not as Markdown.
    (description,) = descriptions_of(statement_page(site, "2024-11-06-press-review"))
    assert ("on Wednesday: - The respected Comrade Kim Jong Un sent gifts. "
            "# 1 priority is the *harvest* and") in description
    # An item without text is described by its title and date.
    (description,) = descriptions_of(statement_page(site, "tablet-displayed-in-russia"))
    assert "title only" in description and "2024" in description


def test_original_links_are_links_only_when_they_are_http(site):
    html = statement_page(site, "external-policy-office")
    assert 'href="http://www.kcna.kp/en/article/q/aaaa01.kcmsf"' in html


def test_citation_files_are_bibtex_and_ris(site):
    from generator.build import load_archive
    from generator.config import load_config
    from generator.problems import Report
    from generator.site import citations

    config = load_config(site.parent / "config.yaml")
    archive = load_archive(config, Report())
    (statement,) = [s for s in archive.statements if s.id.startswith("2022-09-22-vice-director")]
    url = BASE_URL + f"statements/2022/{statement.id}.html"
    bib = citations.bibtex(statement, config.title, url)
    assert bib.startswith("@misc{2022-09-22-") and "year         = {2022}" in bib
    assert "month        = sep," in bib and f"url          = {{{url}}}," in bib
    assert "Capture SHA-256 54440e5768f37324103fdfcf4c7d2774612054e0aa2cd0ba446ce7922c5771c2" in bib
    ris = citations.ris(statement, config.title, url)
    assert ris.startswith("TY  - PRESS\r\n") and ris.endswith("ER  - \r\n")
    assert "DA  - 2022/09/22/\r\n" in ris and f"UR  - {url}\r\n" in ris
    # What the page's script builds them from (the browser tests compare the files).
    html = statement_page(site, "2022-09-22-vice-director-general")
    assert '<p class="kicker" data-pagefind-ignore data-pagefind-filter="kind">Press statement</p>' in html
    assert f'<p class="citation">{statement.issuer.issuer}.' in html and f'<a href="{url}">' in html
    assert f'<meta name="citation_public_url" content="{url}">' in html


def test_every_link_works_from_disk(site):
    pages, broken = crawl_disk(site)
    assert broken == []
    assert all(p.relative_to(site).as_posix() in pages for p in (site / "statements").glob("*/*"))


def test_every_link_works_served_under_a_subpath(site):
    with serving(site, "/repo/") as base:
        pages, broken = crawl_http(base)
    assert broken == []
    assert len([p for p in pages if "/statements/" in p]) >= 12


def test_month_pages_group_by_day_and_link_neighbouring_months(site):
    html = (site / "timeline/2022/09/index.html").read_text()
    assert '<h2 id="day-2022-09-22"><time datetime="2022-09-22">22 September 2022</time></h2>' in html
    assert 'href="../11/index.html"' in html


def test_timeline_chart_is_inline_svg_with_a_linked_bar_per_month(site):
    html = (site / "timeline/index.html").read_text()
    assert "<svg" in html and "<script" not in html
    assert '<a href="2022/09/index.html"><rect' in html


def test_feeds_are_atom(site):
    feed = ET.parse(site / "feed.xml").getroot()
    assert feed.tag == f"{ATOM}feed"
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 12
    assert all(e.find(f"{ATOM}id").text.startswith("urn:uuid:") for e in entries)
    dates = [e.find(f"{ATOM}updated").text for e in entries]
    assert dates == sorted(dates, reverse=True)
    for issuer_feed in (site / "issuers").glob("*/feed.xml"):
        assert ET.parse(issuer_feed).getroot().tag == f"{ATOM}feed"


def test_sitemap_lists_every_page_with_absolute_urls(site):
    root = ET.parse(site / "sitemap.xml").getroot()
    locs = [u.find("{http://www.sitemaps.org/schemas/sitemap/0.9}loc").text for u in root]
    assert all(loc.startswith(BASE_URL) for loc in locs)
    html_pages = [p for p in site.rglob("*.html") if "pagefind" not in p.parts
                  and p.name != "404.html"]
    assert len(locs) == len(html_pages)
    assert "Sitemap: " + BASE_URL + "sitemap.xml" in (site / "robots.txt").read_text()


def test_data_exports_hold_every_statement_and_capture(site):
    records = json.loads(gzip.decompress((site / "data/statements.json.gz").read_bytes()))
    assert len(records) == 12
    first = records[0]
    assert set(first) == {"id", "url", "title", "date", "source", "issuer", "issuer_id",
                          "organization", "organization_id", "kind", "title_only", "altered",
                          "versions", "captures"}
    assert (site / first["url"]).is_file()
    assert set(first["captures"][0]) == {"file", "source_url", "captured", "sha256"}
    assert first["altered"] is False and len(first["versions"]) == 1
    assert set(first["versions"][0]) == {"title", "sha256", "first_seen", "last_seen", "captures",
                                         "added", "removed", "reverts"}
    text = gzip.decompress((site / "data/statements.csv.gz").read_bytes()).decode()
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [r["id"] for r in rows] == [r["id"] for r in records]


def test_data_exports_are_gzip_files_of_one_member_per_year_that_gunzip_reads_whole(site):
    records = json.loads(gzip.decompress((site / "data/statements.json.gz").read_bytes()))
    years = {r["date"][:4] for r in records}
    assert len(years) > 1
    for name in ("statements.json.gz", "statements.csv.gz"):
        data = (site / "data" / name).read_bytes()
        members = data.count(b"\x1f\x8b\x08")  # each member starts with gzip's magic
        assert members >= len(years) + 1
        whole = subprocess.run(["gzip", "-dc", str(site / "data" / name)], capture_output=True,
                               check=True).stdout
        assert whole == gzip.decompress(data)
    text = gzip.decompress((site / "data/statements.csv.gz").read_bytes()).decode()
    assert text.count("\r\nid,") == 0 and text.startswith("id,url,title,")  # one header


def test_without_base_url_there_is_no_sitemap_and_links_stay_relative(tmp_path):
    config = make_archive(tmp_path, with_fixtures=False)
    build(config, base_url="")
    site = config.output_dir
    assert not (site / "sitemap.xml").exists()
    html = next((site / "statements").glob("*/*.html")).read_text()
    assert "canonical" not in html and "https://" not in html.split("<body")[0]


def test_a_list_already_published_elsewhere_is_linked_not_repeated(tmp_path, monkeypatch):
    """An organisation whose statements are all one issuer's, and a source that carries the
    whole archive, link their years to the issuer's and the timeline's pages."""
    import re

    from generator.build import load_archive
    from generator.problems import Report
    from generator.site import pages

    monkeypatch.setattr(pages, "LIST_LIMIT", 1)  # every facet with 2 statements is paged
    for with_fixtures in (False, True):
        config = make_archive(tmp_path / str(with_fixtures), with_fixtures=with_fixtures)
        build(config)
        archive = load_archive(config, Report())
        site = config.output_dir
        sitemap = (site / "sitemap.xml").read_text()
        for source in archive.sources:
            html = (site / "sources" / source.id / "index.html").read_text()
            own = sorted(p.name for p in (site / "sources" / source.id).iterdir() if p.is_dir())
            if source.count == len(archive.statements):
                for year, _ in source.years():
                    assert f'href="../../timeline/{year}/index.html"' in html
                assert own == [] and f"/sources/{source.id}/{year}/" not in sitemap
            elif source.count > 1:
                assert own == [str(y) for y, _ in source.years()]
        for org in archive.organizations:
            issuer = next((i for i in archive.issuers
                           if i.parent_id == org.id and i.count == org.count), None)
            folder = site / "organizations" / org.id
            html = (folder / "index.html").read_text()
            own = sorted(p.name for p in folder.iterdir() if p.is_dir())
            if issuer and org.count > 1:
                linked = re.findall(r'href="\.\./\.\./issuers/([^/]+)/(\d{4})/index\.html"', html)
                assert set(linked) == {(issuer.id, str(y)) for y, _ in issuer.years()}
                assert own == [] and not re.search(f"/organizations/{org.id}/\\d{{4}}/", sitemap)
            elif org.count > 1:
                assert own == [str(y) for y, _ in org.years()]
    assert ("kcna", 4) in [(o.id, o.count) for o in archive.organizations]

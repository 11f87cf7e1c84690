"""What a reader sees of a statement altered at source: the notice, the versions, each
version's page, the word-by-word comparison, the list and feed of alterations, search
and the data exports."""

import gzip
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from generator.search import offline

from .sites import add_altered, build, make_archive

STATEMENT = "2024-10-25-g7-is-developing-into-world-wide-war-contractor-group-kcna-commentary"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    config = make_archive(tmp_path_factory.mktemp("altered"), with_fixtures=False)
    add_altered(config)
    build(config, search=False)
    return config.output_dir


def read(site: Path, path: str) -> str:
    return (site / path).read_text(encoding="utf-8")


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_statement_page_shows_the_last_version_and_says_it_was_altered(site):
    html = read(site, f"statements/2024/{STATEMENT}.html")
    assert "<h1 data-pagefind-meta=\"title\">G7 Is Developing into Global War" in html
    notice = text_of(html[html.index('class="notice altered-notice"'):].split("</p>")[0])
    assert "Altered at source. This is version 2 of 2, first seen 26 October 2024" in notice
    assert f'href="{STATEMENT}/v1.html">the first version</a>' in html
    assert f'href="{STATEMENT}/compare-1-2.html">what changed last</a>' in html
    versions = text_of(html[html.index('<section class="versions"'):].split("</section>")[0])
    assert ("Version 1 : “G7 Is Developing into World-Wide War Contractor Group: KCNA "
            "Commentary” First seen 25 October 2024 .") in versions
    assert "Version 2 (shown above)" in versions
    assert re.search(r"\d+ words added, \d+ removed", versions)
    # The first version's text is on the page, folded, for the search index.
    assert "G7, a common eyesore to the public" in html
    assert html.index("G7, a common eyesore") > html.index('<section class="versions"')


def test_each_version_has_its_own_page_that_cites_it(site):
    first = read(site, f"statements/2024/{STATEMENT}/v1.html")
    second = read(site, f"statements/2024/{STATEMENT}/v2.html")
    assert "<h1>G7 Is Developing into World-Wide War Contractor Group: KCNA Commentary</h1>" in first
    assert "G7, a common eyesore to the public" in first and "eyesore" not in second
    assert "Version 1 of 2" in first and "Version 2 of 2" in second
    citation = text_of(first[first.index('class="citation"'):].split("</p>")[0])
    assert "“G7 Is Developing into World-Wide War Contractor Group: KCNA Commentary.”" in citation
    assert f"statements/2024/{STATEMENT}/v1.html" in citation
    assert '<meta name="citation_title" content="G7 Is Developing into World-Wide' in first
    assert first.count("<li><code class=\"file\">") == 1  # its own capture
    assert 'href="compare-1-2.html">What changed in version 2</a>' in first


def test_the_comparison_marks_removed_and_added_words_for_every_reader(site):
    html = read(site, f"statements/2024/{STATEMENT}/compare-1-2.html")
    title = html[html.index('class="diff-title"'):].split("</p>")[0]
    assert ('<del><span class="visually-hidden">removed: </span>World-Wide</del> '
            '<ins><span class="visually-hidden">added: </span>Global</ins>') in title
    assert '<del><span class="visually-hidden">removed: </span>a common eyesore to the public,' \
        '</del>' in html
    assert '<ins><span class="visually-hidden">added: </span>that has come under worldwide ' \
        'criticism</ins>' in html
    assert re.search(r"<strong>\d+ words added, \d+ removed\.</strong>", html)
    assert "<script" not in html  # nothing to run: it works from disk, without script


def test_unchanged_paragraphs_are_folded_with_the_changes_context_around_them(tmp_path):
    config = make_archive(tmp_path, with_fixtures=False)
    seed = next(p for p in config.source_dir.glob("*.txt")
                if "We condemn the U.S." in p.read_text())
    text = seed.read_text()
    (config.source_dir / "again.txt").write_text(text.replace(
        "January 24, 2025", "February 2, 2025", 1).replace(
        "We condemn the U.S. for thoughtlessly", "We condemn the U.S. for recklessly"))
    build(config)
    (page,) = config.output_dir.glob("statements/2022/*/compare-1-2.html")
    html = page.read_text()
    assert html.count('<details class="folded">') == 1
    assert "unchanged paragraphs (the full text is on the" in html
    assert ('<del><span class="visually-hidden">removed: </span>thoughtlessly</del> '
            '<ins><span class="visually-hidden">added: </span>recklessly</ins>') in html
    changed = html.index('class="changed"')
    assert html.rindex("<details", 0, changed) < changed  # folded before, context shown
    assert "<p>Unchanged:" in html  # the headline


def test_the_list_and_the_feed_of_alterations(site):
    listing = read(site, "altered/index.html")
    assert f'href="../statements/2024/{STATEMENT}.html">G7 Is Developing into Global' in listing
    assert f'href="../statements/2024/{STATEMENT}/compare-1-2.html">Version 1 to 2</a>' in listing
    assert ("Version 1 to 2 : 133 words added, 164 removed, headline changed (seen 26 October 2024 )"
            in text_of(listing))
    feed = ET.parse(site / "altered" / "feed.xml").getroot()
    (entry,) = feed.findall(ATOM + "entry")
    assert entry.findtext(ATOM + "updated") == "2024-10-26T00:00:00Z"
    assert entry.find(ATOM + "link").get("href").endswith(f"{STATEMENT}/compare-1-2.html")
    assert "headline changed from “G7 Is Developing into World-Wide" in entry.findtext(
        ATOM + "summary")
    home = read(site, "index.html")
    assert '<a href="altered/index.html">1 statement altered at source</a>' in home
    assert 'href="../altered/index.html">1 statement altered at source</a>' in read(
        site, "timeline/index.html")


def test_a_site_without_alterations_links_to_no_list_of_them(tmp_path):
    config = make_archive(tmp_path, with_fixtures=False)
    build(config)
    assert not (config.output_dir / "altered").exists()
    assert "altered" not in (config.output_dir / "index.html").read_text()


def test_the_exports_list_versions_and_say_which_statements_were_altered(site):
    records = {r["id"]: r for r in json.loads(gzip.decompress(
        (site / "data" / "statements.json.gz").read_bytes()))}
    altered = records[STATEMENT]
    assert altered["altered"] is True
    assert [v["title"] for v in altered["versions"]] == [
        "G7 Is Developing into World-Wide War Contractor Group: KCNA Commentary",
        "G7 Is Developing into Global War Contractor Group: KCNA Commentary"]
    assert [v["first_seen"] for v in altered["versions"]] == ["2024-10-25", "2024-10-26"]
    assert all(len(v["captures"]) == 1 and len(v["sha256"]) == 64 for v in altered["versions"])
    (other,) = [r for i, r in records.items() if i != STATEMENT and "2022-09-22" in i]
    assert other["altered"] is False
    (version,) = other["versions"]
    assert version["captures"] == [c["sha256"] for c in other["captures"]]
    assert version["title"] == other["title"] and len(version["sha256"]) == 64
    csv = gzip.decompress((site / "data" / "statements.csv.gz").read_bytes()).decode()
    header = csv.split("\r\n", 1)[0].split(",")
    assert header[-5:] == ["version_title", "version_sha256", "version_first_seen",
                           "version_last_seen", "version_captures"]
    assert "altered" in header
    assert "G7 Is Developing into World-Wide War Contractor Group: KCNA Commentary | G7 Is " \
        "Developing into Global" in csv


def test_the_full_text_holds_every_version_s_text_and_the_package_validates(site):
    rows = {r["id"]: r for r in map(json.loads, gzip.decompress(
        (site / "data" / "statements-text.jsonl.gz").read_bytes()).decode().splitlines())}
    altered = rows[STATEMENT]
    assert altered["altered"] is True
    first, second = altered["versions"]
    assert (first["number"], second["number"]) == (1, 2)
    assert "G7, a common eyesore to the public" in first["text"]
    assert "eyesore" not in second["text"] and second["text"] == altered["text"]
    assert first["title"].startswith("G7 Is Developing into World-Wide War")
    assert (first["first_seen"], second["first_seen"]) == ("2024-10-25", "2024-10-26")
    assert all(r["versions"] is None and r["altered"] is False
               for i, r in rows.items() if i != STATEMENT)
    frictionless = pytest.importorskip("frictionless")
    report = frictionless.validate(str(site / "data" / "datapackage.json"))
    assert report.valid, report.flatten(["type", "note"])


def test_the_sitemap_lists_each_version_and_comparison(site):
    sitemap = read(site, "sitemap.xml")
    for page in ("v1.html", "v2.html", "compare-1-2.html"):
        assert f"statements/2024/{STATEMENT}/{page}</loc>" in sitemap
    assert "altered/</loc>" in sitemap


def test_the_offline_index_finds_words_only_an_earlier_version_holds_and_filters_altered(site):
    folder = site / "search" / "data" / "2024"
    assert not folder.exists()  # (built without search: the index is made below)
    from generator.model.archive import Archive  # noqa: F401
    config_root = site.parent
    import generator.build as pipeline
    from generator.config import load_config
    from generator.problems import Report

    archive = pipeline.load_archive(load_config(config_root / "config.yaml"), Report())
    members = [s for s in archive.statements if s.id.startswith("2024")]
    files = dict(offline.build(members, archive.body, archive.earlier))
    meta = json.loads(files["search/data/2024/meta.js"].decode().split(",", 1)[1][:-3])
    assert meta["filters"]["altered"]["values"] == [offline.ALTERED]
    shards = {}
    for path, data in files.items():
        if "/t/" in path:
            shards.update(json.loads(data.decode().split(",", 1)[1][:-3]))
    assert "eyesore" in shards  # only version 1 says it
    assert "wide" in shards and "global" in shards  # both headlines

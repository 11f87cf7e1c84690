"""Research data: the Frictionless Data Package and the full text, CSL-JSON citations, and
the feeds of every organisation, outlet and kind of statement."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import feedparser
import frictionless
import pytest
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle
from citeproc import formatter as citeproc_formatter
from citeproc.source.json import CiteProcJSON

from generator import build as pipeline
from generator.build import load_archive
from generator.config import SiteConfig, load_config
from generator.engine.cache import Cache
from generator.model.markdown import plain_blocks
from generator.problems import BuildInterrupted, Report
from generator.site import citations, fulltext
from generator.site import pages as site_plan
from generator.site.urls import Links, Paths

from .conftest import SEEDS
from .sites import BASE_URL, build, make_archive

SEED_ID = "2022-09-22-vice-director-general-of-general-bureau-of-equipment-of-ministry-of-national"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("data")
    build(make_archive(root))
    return root / "site"


def _config(site: Path) -> SiteConfig:
    return load_config(site.parent / "config.yaml")


def read_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in gzip.decompress(path.read_bytes()).decode().splitlines()]


def validated(package: Path) -> frictionless.Report:
    return frictionless.validate(str(package))


def errors(report: frictionless.Report) -> list[list[str]]:
    return report.flatten(["type", "note"])


# --- the Data Package --------------------------------------------------------------------


def test_frictionless_validates_the_package_which_describes_every_export(site):
    package = json.loads((site / "data/datapackage.json").read_text())
    exports = sorted(p.name for p in (site / "data").iterdir()
                     if p.name not in ("datapackage.json", "index.html"))
    assert sorted(r["path"] for r in package["resources"]) == exports
    for resource in package["resources"]:
        data = (site / "data" / resource["path"]).read_bytes()
        assert resource["bytes"] == len(data)
        assert resource["schema"]["primaryKey"] == ["id"]
    report = validated(site / "data/datapackage.json")
    assert report.valid, errors(report)
    statements = len(list((site / "statements").glob("*/*.html")))
    assert [task.stats["rows"] for task in report.tasks] == [statements] * 3


def test_frictionless_finds_a_changed_file_and_a_row_without_a_required_value(site, tmp_path):
    """The package's checksums and constraints are checked, not only its shape."""
    data = tmp_path / "data"
    shutil.copytree(site / "data", data)
    rows = read_lines(data / "statements-text.jsonl.gz")
    rows[3]["title"] = "Changed after the build"
    (data / "statements-text.jsonl.gz").write_bytes(
        gzip.compress("".join(json.dumps(r) + "\n" for r in rows).encode()))
    assert {kind for kind, _ in errors(validated(data / "datapackage.json"))} >= {"hash-count",
                                                                                 "byte-count"}
    rows[3]["date"] = None
    changed = gzip.compress("".join(json.dumps(r) + "\n" for r in rows).encode())
    (data / "statements-text.jsonl.gz").write_bytes(changed)
    package = json.loads((data / "datapackage.json").read_text())
    for resource in package["resources"]:
        if resource["path"] == "statements-text.jsonl.gz":
            resource["bytes"] = len(changed)
            resource["hash"] = "sha256:" + hashlib.sha256(changed).hexdigest()
    (data / "datapackage.json").write_text(json.dumps(package))
    assert [kind for kind, _ in errors(validated(data / "datapackage.json"))] == [
        "constraint-error"]


def test_no_field_is_required_that_a_statement_can_lack(make_site):
    """A file written by hand may have no source, issuer, kind or text: the package then
    still validates, those rows holding nulls or empty text. (The store refuses a file
    without an id, a title or a date.)"""
    config = make_site({"content/statements/2020/01/2020-01-01-bare.md": """\
        ---
        title: Bare
        date: 2020-01-01
        ---

        """, "content/statements/2021/05/2021-05-05-other.md": """\
        ---
        title: Other
        date: 2021-05-05
        source: KCNA.kp (En)
        ---

        A statement *with* words.
        """})
    build(config)
    site = config.output_dir
    report = validated(site / "data/datapackage.json")
    assert report.valid, errors(report)
    bare = read_lines(site / "data/statements-text.jsonl.gz")[0]
    assert bare["id"] == "2020-01-01-bare"
    assert (bare["title"], bare["source"], bare["text"]) == ("Bare", "", None)
    package = json.loads((site / "data/datapackage.json").read_text())
    for resource in package["resources"]:
        required = {f["name"] for f in resource["schema"]["fields"]
                    if f.get("constraints", {}).get("required")}
        assert required <= {"id", "url", "title", "date", "title_only", "altered"}, resource["name"]
    assert read_lines(site / "data/statements-text.jsonl.gz")[1]["text"] == "A statement with words."


# --- the full text -----------------------------------------------------------------------


def test_the_full_text_holds_every_statement_s_text_as_plain_paragraphs(site):
    rows = read_lines(site / "data/statements-text.jsonl.gz")
    metadata = json.loads(gzip.decompress((site / "data/statements.json.gz").read_bytes()))
    assert [r["id"] for r in rows] == [m["id"] for m in metadata]
    assert all(set(r) == set(fulltext.FIELDS) for r in rows)
    archive = load_archive(_config(site), Report())
    for statement, row in zip(archive.statements, rows, strict=True):
        assert row["url"] == Paths.statement(statement.id) and (site / row["url"]).is_file()
        body = archive.body(statement)
        if statement.title_only:
            assert row["text"] is None
        else:
            assert row["text"].split("\n\n") == plain_blocks(body)
    seed = next(r for r in rows if r["id"] == SEED_ID)
    assert seed["text"].startswith("Pyongyang, September 22 (KCNA) -- The vice director general")
    assert "\n\nWe have never exported weapons or ammunition to Russia" in seed["text"]
    assert seed["issuer"].startswith("Vice Director General of")
    assert (seed["organization"], seed["kind"], seed["source"], seed["date"]) == (
        "Ministry of National Defence", "press-statement", "KCNA.kp (En)", "2022-09-22")
    # A body written as Markdown reads as its text, without the Markdown's escapes.
    assert not any("\\*" in (r["text"] or "") for r in rows)
    assert any(r["text"] is None for r in rows)  # the photo item: no text, not ""


def test_the_full_text_is_one_gzip_member_per_year_that_gunzip_reads_whole(site):
    path = site / "data/statements-text.jsonl.gz"
    years = {r["date"][:4] for r in read_lines(path)}
    data = path.read_bytes()
    assert data.count(b"\x1f\x8b\x08") == len(years) > 1
    whole = subprocess.run(["gzip", "-dc", str(path)], capture_output=True, check=True).stdout
    assert whole == gzip.decompress(data) and whole.endswith(b"}\n")


def test_a_change_remakes_the_full_text_of_its_year_alone_reading_only_its_bodies(
        tmp_path, monkeypatch):
    config = make_archive(tmp_path / "a", with_fixtures=True)
    build(config)
    (seed,) = [p for p in config.content_dir.rglob(f"{SEED_ID}.md")]
    seed.write_text(seed.read_text().replace("keep its mouth shut", "hold its tongue"))
    made = tmp_path / "made.txt"  # the workers that render the exports are forked processes
    lines = fulltext.lines

    def spy(statements, body, *rest):
        def noted(statement):
            with made.open("a") as out:
                out.write(f"{statement.date.year}\n")
            return body(statement)
        return lines(statements, noted, *rest)

    monkeypatch.setattr(fulltext, "lines", spy)
    build(config)
    assert set(made.read_text().split()) == {"2022"}
    text = {r["id"]: r["text"] for r in read_lines(config.output_dir / "data/statements-text.jsonl.gz")}
    assert "hold its tongue" in text[SEED_ID]
    monkeypatch.undo()
    clean = make_archive(tmp_path / "b", with_fixtures=True)
    shutil.copytree(config.content_dir, clean.content_dir)
    build(clean)
    for name in ("statements-text.jsonl.gz", "datapackage.json"):
        assert (config.output_dir / "data" / name).read_bytes() == (
            clean.output_dir / "data" / name).read_bytes(), name
    assert validated(config.output_dir / "data/datapackage.json").valid


def test_a_text_that_cannot_be_read_stops_the_build_naming_its_file(tmp_path):
    """The cache lost the bodies, and a file of the year being remade changed under the build:
    its row is not written empty, and the previous site stays as it was."""
    config = make_archive(tmp_path, with_fixtures=False)
    build(config)
    before = (config.output_dir / "data/statements-text.jsonl.gz").read_bytes()
    files = sorted(config.content_dir.rglob("2022-*.md"))
    assert len(files) == 2
    files[0].write_text(files[0].read_text().replace("keep its mouth shut", "hold its tongue"))
    cache = Cache.for_root(config.root)
    for kept in cache.folder.glob("store-bodies-*"):
        kept.unlink()
    report = Report()
    archive = load_archive(config, report, Cache.for_root(config.root))
    files[1].write_text(files[1].read_text() + "\nAdded while the build ran.\n")
    with pytest.raises(BuildInterrupted, match=re.escape(files[1].name)):
        pipeline.write_site(config, archive, report, search_on=False,
                            cache=Cache.for_root(config.root))
    assert (config.output_dir / "data/statements-text.jsonl.gz").read_bytes() == before


# --- CSL-JSON ----------------------------------------------------------------------------


def test_the_csl_json_reference_is_formatted_by_citeproc_py_with_a_shipped_style(site):
    (statement,) = [s for s in load_archive(_config(site), Report()).statements
                    if s.id == SEED_ID]
    url = Links(Paths.statement(SEED_ID), BASE_URL).absolute()
    items = json.loads(citations.csl_json(statement, "Test Archive", url))
    assert [item["type"] for item in items] == ["article-newspaper"]
    style = CitationStylesStyle("harvard-cite-them-right", validate=False)
    bibliography = CitationStylesBibliography(style, CiteProcJSON(items),
                                              citeproc_formatter.plain)
    bibliography.register(Citation([CitationItem(SEED_ID)]))
    reference = str(bibliography.bibliography()[0])
    assert statement.issuer.issuer.startswith("Vice Director General")
    for part in (f"{statement.issuer.issuer} (2022)",
                 "Vice Director General of General Bureau of Equipment of Ministry of National "
                 "Defence of DPRK Issues Press Statement",
                 "KCNA.kp (En), 22 September", url):
        assert part in reference, reference


# --- feeds of organisations, outlets and kinds -------------------------------------------


@pytest.mark.parametrize("folder", ["organizations", "sources", "kinds", "issuers"])
def test_every_organisation_outlet_and_kind_has_a_feed_its_page_links(site, folder):
    archive = load_archive(_config(site), Report())
    facets = {"organizations": archive.organizations, "sources": archive.sources,
              "kinds": archive.kinds, "issuers": archive.issuers}[folder]
    assert len(facets) > 1
    for facet in facets:
        feed = feedparser.parse((site / folder / facet.id / "feed.xml").read_bytes())
        assert not feed.bozo, (facet.id, feed.bozo_exception)
        assert facet.name in feed.feed.title
        latest = reversed(facet.statements[-site_plan.FEED_SIZE:])
        assert [e.link for e in feed.entries] == [
            Links("", BASE_URL).absolute(Paths.statement(s.id)) for s in latest]
        assert feed.feed.link == Links("", BASE_URL).absolute(f"{folder}/{facet.id}/index.html")
        page = (site / folder / facet.id / "index.html").read_text()
        assert re.search(r'<link rel="alternate" type="application/atom\+xml" title="[^"]*" '
                         r'href="feed.xml">', page)
        assert re.search(r'<a href="feed.xml">Follow [^<]+ \(Atom feed\)</a>', page)


def test_each_kind_of_statement_has_a_page_listed_on_the_issuers_page(site):
    archive = load_archive(_config(site), Report())
    issuers = (site / "issuers/index.html").read_text()
    assert {k.id for k in archive.kinds} == {"press-statement", "statement", "report", "news"}
    for kind in archive.kinds:
        page = (site / Paths.kind(kind.id)).read_text()
        assert f"<h1>{kind.name}</h1>" in page
        assert f'href="../{Paths.kind(kind.id)}"' in issuers
        linked = set(re.findall(r'href="\.\./\.\./(statements/[^"]+)"', page))
        assert linked == {Paths.statement(s.id) for s in kind.statements}
    assert "<h1>Press statements</h1>" in (site / "kinds/press-statement/index.html").read_text()


# --- the real dump -----------------------------------------------------------------------


@pytest.mark.corpus
def test_a_site_of_the_real_dump_and_the_seeds_is_valid_research_data(corpus_json, tmp_path):
    root = tmp_path / "real"
    sources = root / "content" / "sources"
    sources.mkdir(parents=True)
    for seed in sorted(SEEDS.glob("*.txt")):
        shutil.copy(seed, sources / seed.name)
    shutil.copy(corpus_json, sources / corpus_json.name)
    (root / "config.yaml").write_text(f"title: Real Archive\nbase_url: {BASE_URL}\n")
    config = load_config(root / "config.yaml")
    build(config)
    site = config.output_dir
    report = validated(site / "data/datapackage.json")
    assert report.valid, errors(report)[:10]
    archive = load_archive(config, Report())
    rows = read_lines(site / "data/statements-text.jsonl.gz")
    assert [r["id"] for r in rows] == [s.id for s in archive.statements]
    assert len(rows) > 1000
    with_text = [r for r, s in zip(rows, archive.statements, strict=True) if not s.title_only]
    assert all(r["text"] for r in with_text)
    for facet in (*archive.organizations, *archive.sources):
        folder = "organizations" if facet.kind == "organization" else "sources"
        feed = feedparser.parse((site / folder / facet.id / "feed.xml").read_bytes())
        assert not feed.bozo and feed.entries, facet.id
    (seed,) = [s for s in archive.statements if s.id == SEED_ID]
    items = json.loads(citations.csl_json(seed, config.title, BASE_URL + Paths.statement(SEED_ID)))
    bibliography = CitationStylesBibliography(
        CitationStylesStyle("harvard-cite-them-right", validate=False), CiteProcJSON(items),
        citeproc_formatter.plain)
    bibliography.register(Citation([CitationItem(SEED_ID)]))
    assert "22 September" in str(bibliography.bibliography()[0])


@pytest.mark.parametrize("search", [True, False])
def test_a_large_kind_links_its_years_to_the_search_page_not_to_copies_of_the_timeline(
        tmp_path, monkeypatch, search):
    """A kind's statements of a year are most of the timeline's: its page leads to the search
    page with the kind and the year chosen (search filters read the address), and has no
    year pages of its own."""
    monkeypatch.setattr(site_plan, "LIST_LIMIT", 3)
    config = make_archive(tmp_path)
    build(config, search=search)
    site = config.output_dir
    assert not list(site.glob("kinds/*/*/index.html"))
    page = (site / "kinds/news/index.html").read_text()
    years = re.findall(r'<li><a href="([^"]+)">(\d{4})</a> <span class="count">', page)
    if search:
        assert years == [("../../search/index.html?kind=News&amp;year=2024", "2024")]
        assert 'href="../../search/index.html?kind=News">search the news</a>' in page
    else:
        assert years == [] and "<li>2024 <span" in page and "search the news" not in page
    assert "kinds/news/2024" not in (site / "sitemap.xml").read_text()


def test_every_page_leads_to_the_data_page_which_leads_to_every_data_file(site):
    article = (site / Paths.statement(SEED_ID)).read_text()
    assert '<a href="../../data/index.html">Research data</a>' in article
    page = (site / "data/index.html").read_text()
    files = re.findall(r'<th scope="row"><a href="([^"]+)">', page)
    assert sorted(files) == sorted(p.name for p in (site / "data").iterdir()
                                   if p.name != "index.html")

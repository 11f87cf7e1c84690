"""Search, as a reader uses it: from disk and served under /repo/, with filters and links."""

import datetime as dt
import os
import stat
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from generator.search import offline
from generator.search.pagefind import SearchFailed
from generator.serve import serving

from .browser import PageWatch, chromium
from .sites import add_altered, build, make_archive

pytestmark = pytest.mark.browser

SEED_TITLE = ("Press Statement of Vice Director for Military Foreign Affairs of DPRK Ministry of "
              "National Defence")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("searchable")
    config = make_archive(root)
    add_altered(config)
    build(config, search=True)
    return config.output_dir


@pytest.fixture(scope="module", params=["file", "http"])
def search_url(request, site):
    """The search page, opened from disk and served under a subpath."""
    if request.param == "file":
        yield (site / "search" / "index.html").as_uri(), "offline"
    else:
        with serving(site, "/repo/") as base:
            yield base + "search/index.html", "pagefind"


def open_search(browser, url, query=""):
    page = browser.new_page()
    watch = PageWatch(page)
    page.goto(url + query)
    page.wait_for_selector("#search[data-engine]", timeout=15000)
    page.wait_for_function("!document.getElementById('search-status').textContent.startsWith('Search')"
                           " && !document.getElementById('search-status').textContent.startsWith('Load')"
                           " && !document.getElementById('search-results').hasAttribute('aria-busy')")
    return page, watch


def titles(page):
    return [a.inner_text() for a in page.query_selector_all("#search-results li a.title")]


def test_query_in_the_url_finds_the_seed_statement(search_url):
    url, engine = search_url
    with chromium() as browser:
        page, watch = open_search(browser, url, "?q=Russia")
        assert page.get_attribute("#search", "data-engine") == engine
        assert SEED_TITLE in titles(page)
        assert "8 November 2022" in page.inner_text("#search-results")
        assert watch.errors == [] and watch.dialogs == []


ALTERED_TITLE = "G7 Is Developing into Global War Contractor Group: KCNA Commentary"


def test_words_only_an_earlier_version_holds_find_the_statement(search_url):
    url, engine = search_url
    with chromium() as browser:
        page, watch = open_search(browser, url, "?q=common+eyesore+obtrusively")
        assert page.get_attribute("#search", "data-engine") == engine
        assert titles(page) == [ALTERED_TITLE]  # only its first version says so
        assert watch.errors == []


def test_the_altered_filter_keeps_the_statements_altered_at_source(search_url):
    url, _ = search_url
    with chromium() as browser:
        page, watch = open_search(browser, url, "?q=DPRK")
        before = titles(page)
        assert len(before) > 1 and ALTERED_TITLE in before
        versions = page.locator("#search-filters fieldset", has_text="Versions")
        box = versions.get_by_role("checkbox", name="altered at source")
        box.check()
        page.wait_for_function("document.querySelectorAll('#search-results li').length === 1")
        assert titles(page) == [ALTERED_TITLE]
        assert parse_qs(urlsplit(page.url).query)["altered"] == ["altered at source"]
        page, _ = open_search(browser, url, "?altered=altered+at+source")  # a link to it
        assert titles(page) == [ALTERED_TITLE]
        assert watch.errors == []


def test_a_filter_by_issuer_narrows_the_results_and_goes_into_the_url(search_url):
    url, _ = search_url
    with chromium() as browser:
        page, watch = open_search(browser, url, "?q=Russia")
        before = titles(page)
        assert len(before) >= 2
        issuer = page.locator("#search-filters fieldset", has_text="Issuer")
        box = issuer.get_by_role("checkbox").first
        value = box.get_attribute("value")
        box.check()
        page.wait_for_function(f"document.querySelectorAll('#search-results li').length < {len(before)}")
        after = titles(page)
        assert 0 < len(after) < len(before)
        assert parse_qs(urlsplit(page.url).query)["issuer"] == [value]
        assert watch.errors == []


def test_a_result_link_opens_its_statement(search_url):
    url, _ = search_url
    with chromium() as browser:
        page, watch = open_search(browser, url, "?q=Russia")
        page.get_by_role("link", name=SEED_TITLE).click()
        page.wait_for_load_state()
        assert page.locator("h1").inner_text() == SEED_TITLE
        assert watch.errors == []


def test_typing_keeps_the_url_in_step(search_url):
    url, _ = search_url
    with chromium() as browser:
        page, _ = open_search(browser, url)
        page.fill("#search-q", "arms dealings")
        page.wait_for_function("location.search.includes('q=arms')")
        page.wait_for_function("document.querySelectorAll('#search-results li').length > 0")
        assert parse_qs(urlsplit(page.url).query)["q"] == ["arms dealings"]
        assert SEED_TITLE in titles(page)


def test_a_shared_link_with_filters_and_order_restores_the_search(search_url):
    url, _ = search_url
    with chromium() as browser:
        page, _ = open_search(browser, url, "?year=2024&sort=date-asc")
        dates = [m.inner_text().split(" · ")[0] for m in page.query_selector_all("#search-results .meta")]
        assert dates and all(d.endswith("2024") for d in dates)
        assert page.locator('#search-filters input[value="2024"]').is_checked()
        assert page.input_value("#search-sort") == "date-asc"
        order = [f"{d.split()[2]}-{d.split()[1]}-{int(d.split()[0]):02d}" for d in dates]
        months = ["January", "February", "March", "April", "May", "June", "July", "August",
                  "September", "October", "November", "December"]
        keys = [(int(y), months.index(m), int(d)) for d, m, y in (x.split() for x in dates)]
        assert keys == sorted(keys), order


def test_without_search_the_page_says_so_and_no_index_is_built(tmp_path):
    config = make_archive(tmp_path, with_fixtures=False)
    build(config, search=False)
    assert not (config.output_dir / "pagefind").exists()
    assert not (config.output_dir / "search" / "data").exists()
    assert "Search was switched off" in (config.output_dir / "search/index.html").read_text()


def test_a_pagefind_failure_fails_the_build_and_keeps_the_old_site(tmp_path, monkeypatch):
    config = make_archive(tmp_path, with_fixtures=False)
    build(config, search=True)
    before = sorted(p.relative_to(config.output_dir) for p in config.output_dir.rglob("*"))
    fake = tmp_path / "pagefind"
    fake.write_text("#!/bin/sh\nif [ \"$1\" = --version ]; then echo pagefind 0.0.0; exit 0; fi\n"
                    "echo 'Error: something broke' >&2\nexit 3\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(fake))
    failed = r"(?s)Pagefind failed on statements/\d+/ \(exit status 3\).*something broke"
    with pytest.raises(SearchFailed, match=failed):
        build(config, search=True)
    after = sorted(p.relative_to(config.output_dir) for p in config.output_dir.rglob("*"))
    assert after == before
    # Nothing of the failed build is left beside the site: no staging folder, no folder of
    # links that Pagefind read.
    beside = {p.name for p in config.output_dir.parent.iterdir() if p.name.startswith(".site.")}
    assert beside <= {".site.lock", ".site.previous"}


def test_an_unchanged_site_keeps_its_search_index_byte_for_byte(tmp_path):
    config = make_archive(tmp_path, with_fixtures=False)
    build(config, search=True)
    index = {p: (p.read_bytes(), os.stat(p).st_ino) for p in (config.output_dir / "pagefind").rglob("*")
             if p.is_file()}
    build(config, search=True)
    assert {p: (p.read_bytes(), os.stat(p).st_ino) for p in (config.output_dir / "pagefind").rglob("*")
            if p.is_file()} == index


@pytest.mark.parametrize("order", ["date-desc", "date-asc"])
def test_results_in_date_order_run_across_the_years(search_url, order):
    """Each year has its own index; ordered by date, results still run across them in order."""
    url, _ = search_url
    months = ["January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December"]
    with chromium() as browser:
        page, _ = open_search(browser, url, f"?q=DPRK&sort={order}")
        dates = [m.inner_text().split(" · ")[0] for m in page.query_selector_all("#search-results .meta")]
        keys = [(int(y), months.index(m), int(d)) for d, m, y in (x.split() for x in dates)]
        assert len({k[0] for k in keys}) > 1, dates
        assert keys == sorted(keys, reverse=order == "date-desc"), dates


def test_offline_search_finds_words_in_statements_far_apart_in_a_large_year(tmp_path):
    # The offline index stores, per word, the gaps between the statements that hold it;
    # gaps of 32 and more take two characters. Pagefind is the reference.
    config = make_archive(tmp_path, with_fixtures=False)
    body_hits, title_hits = {0, 1, 2, 70, 71, 300, 359}, {10, 200}
    start = dt.date(2030, 1, 1)
    for n in range(360):
        title = f"Note {n}" + (" about the wombat" if n in title_hits else "")
        body = f"Entry {n} of the long year." + (" A quokka was seen." if n in body_hits else "")
        path = config.content_dir / "2030" / f"note-{n:03d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"---\ntitle: {title}\ndate: {start + dt.timedelta(days=n)}\n---\n{body}\n")
    build(config, search=True)
    site = config.output_dir
    with chromium() as browser, serving(site, "/repo/") as base:
        for query, hits in (("quokka", body_hits), ("wombat", title_hits)):
            expected = sorted(f"Note {n}" + (" about the wombat" if n in title_hits else "")
                              for n in hits)
            for url in ((site / "search/index.html").as_uri(), base + "search/index.html"):
                page, watch = open_search(browser, url, f"?q={query}&year=2030")
                assert sorted(titles(page)) == expected, (url, query)
                assert watch.errors == []


def test_an_offline_index_of_another_format_is_not_read_and_the_page_says_to_reload(tmp_path):
    # What a browser meets when it kept an older copy of the index (or of the script).
    config = make_archive(tmp_path, with_fixtures=False)
    build(config, search=True)
    (meta,) = sorted(config.output_dir.glob("search/data/2022/meta.js"))
    text = meta.read_text()
    assert f'"version":{offline.FORMAT}' in text
    meta.write_text(text.replace(f'"version":{offline.FORMAT}', f'"version":{offline.FORMAT - 1}'))
    with chromium() as browser:
        page = browser.new_page()
        watch = PageWatch(page)
        page.goto((config.output_dir / "search/index.html").as_uri() + "?q=Russia")
        page.wait_for_function("document.getElementById('search-status').textContent"
                               ".includes('reload')", timeout=15000)
        assert titles(page) == [] and watch.errors == []


#: Runs before the page's own scripts: records every layout shift (Chromium's Layout
#: Instability API, what Lighthouse's cumulative layout shift adds up), with what moved.
SHIFTS = """
window.__shifts = [];
new PerformanceObserver(list => {
  for (const entry of list.getEntries()) {
    if (entry.hadRecentInput) continue;
    window.__shifts.push({value: entry.value, moved: (entry.sources || []).map(s =>
      s.node ? (s.node.id || s.node.className || s.node.nodeName) : "?")});
  }
}).observe({type: "layout-shift", buffered: true});
"""

#: Lighthouse's phone (a Moto G Power) and a desktop.
SCREENS = {"phone": {"width": 412, "height": 823}, "desktop": {"width": 1280, "height": 800}}


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("query", ["?q=Russia", "?q=Russia&year=2022&sort=date-desc"])
def test_nothing_on_the_search_page_moves_as_its_results_and_filters_arrive(search_url, screen,
                                                                            query):
    url, engine = search_url
    with chromium() as browser:
        context = browser.new_context(viewport=SCREENS[screen])
        context.add_init_script(SHIFTS)
        page = context.new_page()
        watch = PageWatch(page)
        page.goto(url + query)
        # Until the results and the filters (with their counts) are shown.
        page.wait_for_function("""() => {
            const results = document.getElementById("search-results");
            return results.querySelector("li") && !results.hasAttribute("aria-busy")
              && document.querySelector("#search-filters .count:not(:empty)"); }""",
                               timeout=15000)
        assert page.get_attribute("#search", "data-engine") == engine
        assert page.locator("#search-filters input:checked").count() == query.count("year=")
        # Two frames after the last change, every shift it caused has been reported.
        page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        shifts = page.evaluate("window.__shifts")
        assert shifts == [], f"the layout shifted by {sum(s['value'] for s in shifts):.3f}: {shifts}"
        assert watch.errors == []
        context.close()

"""The site as a reader meets it, in a real browser.

One small real site (the seed captures and the fixture captures) is built once for
the module and published, inside the browser, at its ``base_url`` the way a static
host serves it (``tests.browser.Published``). Every kind of page is opened: home,
timeline (overview, year, month), issuers (index, issuer, issuer by year,
organisation), sources (index, outlet), an article, search and the 404 page; in light
and dark, at a phone's width (375 px) and a desktop's (1280 px), with the keyboard
alone, printed, and with JavaScript switched off.

Screenshots of every kind of page land in ``tests/artifacts/screenshots/`` (git-ignored)
for a person to look at.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator.build import load_archive
from generator.config import load_config
from generator.problems import Report
from generator.site import citations
from generator.site import pages as site_plan

from .browser import PageWatch, Published, axe_violations, chromium, require_axe
from .sites import BASE_URL, add_altered, build, make_archive

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"

ARTICLE = ("statements/2024/2024-08-04-press-statement-of-external-policy-office-of-dprk-foreign-"
           "ministry.html")
ARTICLE_TITLE = "Press Statement of External Policy Office of DPRK Foreign Ministry"
SEED_TITLE = ("Press Statement of Vice Director for Military Foreign Affairs of DPRK Ministry of "
              "National Defence")

#: A statement altered at source (``sites.add_altered``).
ALTERED = "2024-10-25-g7-is-developing-into-world-wide-war-contractor-group-kcna-commentary"

#: One page of each kind, as a path from the site root (the 404 page is what the host
#: answers for a page that does not exist).
KINDS = {
    "home": "index.html",
    "timeline": "timeline/index.html",
    "year": "timeline/2024/index.html",
    "month": "timeline/2024/08/index.html",
    "issuers": "issuers/index.html",
    "issuer": "issuers/spokesperson-for-foreign-ministry/index.html",
    "issuer-year": "issuers/kcna/2024/index.html",
    "organization": "organizations/foreign-ministry/index.html",
    "sources": "sources/index.html",
    "source": "sources/kcna-kp-en/index.html",
    "kind": "kinds/press-statement/index.html",
    "data": "data/index.html",
    "statement": ARTICLE,
    "search": "search/index.html?q=Russia",
    "altered-statement": f"statements/2024/{ALTERED}.html",
    "version": f"statements/2024/{ALTERED}/v1.html",
    "comparison": f"statements/2024/{ALTERED}/compare-1-2.html",
    "altered": "altered/index.html",
    "404": "statements/no-such-statement/",
}

PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
WIDTHS = {"375": PHONE, "1280": DESKTOP}
SCHEMES = ("light", "dark")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("reader")
    config = make_archive(root)
    add_altered(config)
    # A facet with more statements than LIST_LIMIT gets one page per year. At 100,000
    # statements nearly every issuer has them; lowered here so that this small site has
    # both kinds of facet page.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(site_plan, "LIST_LIMIT", 3)
        build(config, search=True)
    out = config.output_dir
    for kind, path in KINDS.items():
        if kind != "404":
            assert (out / path.split("?")[0]).is_file(), f"the site has no {kind} page at {path}"
    assert not (out / KINDS["404"]).exists()
    return out


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    with chromium() as b:
        yield b


@pytest.fixture(scope="module")
def axe() -> Path:
    return require_axe()


class Tab:
    """One browser tab on the published site, kept for the whole module (opening a
    context and a page costs more than loading one of these pages)."""

    def __init__(self, browser, site: Path, viewport: dict,  # type: ignore[no-untyped-def]
                 scheme: str, javascript: bool, axe: Path | None) -> None:
        self.context = browser.new_context(viewport=viewport, color_scheme=scheme,
                                           java_script_enabled=javascript)
        if axe:
            self.context.add_init_script(path=str(axe))
        self.published = Published(self.context, site, BASE_URL)
        self.page = self.context.new_page()
        self.watch = PageWatch(self.page)
        self.viewport = viewport
        self.javascript = javascript

    def open(self, path: str):  # type: ignore[no-untyped-def]
        """Load ``path`` of the site afresh (screen media, nothing recorded yet)."""
        self.watch.errors.clear()
        self.watch.dialogs.clear()
        self.published.outside.clear()
        self.page.emulate_media(media="screen")
        response = self.page.goto(self.published.url(path))
        if self.javascript and path.startswith("search/"):
            self.page.wait_for_selector("#search[data-filters]", timeout=15000)
            if "q=" in path:
                self.page.wait_for_selector("#search-results li", timeout=15000)
        return response


@pytest.fixture(scope="module")
def tabs(browser, site):  # type: ignore[no-untyped-def]
    """``tabs(viewport, scheme, javascript, axe)``: the module's tab for those settings
    (``axe``: the path of axe-core's script, loaded into every page of the tab)."""
    made: dict[tuple, Tab] = {}

    def tab(viewport: dict = DESKTOP, scheme: str = "light", javascript: bool = True,
            axe: Path | None = None) -> Tab:
        key = (viewport["width"], scheme, javascript, axe)
        if key not in made:
            made[key] = Tab(browser, site, viewport, scheme, javascript, axe)
        return made[key]

    yield tab
    for t in made.values():
        t.context.close()


def active(page) -> dict:  # type: ignore[no-untyped-def]
    """What has the keyboard focus, and how it is drawn."""
    return page.evaluate("""() => {
        const el = document.activeElement;
        const s = getComputedStyle(el);
        const r = el.getBoundingClientRect();
        return {tag: el.tagName.toLowerCase(), id: el.id, cls: el.getAttribute('class') || '',
                label: el.getAttribute('aria-label') || '',
                type: el.getAttribute('type') || '',
                text: (el.textContent || '').trim().slice(0, 60),
                outline: s.outlineStyle, outlineWidth: parseFloat(s.outlineWidth),
                outlineColor: s.outlineColor, top: r.top, bottom: r.bottom, left: r.left,
                right: r.right, body: el === document.body};
    }""")


def tab_until(page, matches, limit: int = 60) -> dict:  # type: ignore[no-untyped-def]
    """Press Tab until the focused element ``matches``; fail after ``limit`` presses."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = active(page)
        if matches(now):
            return now
        seen.append(f"{now['tag']}#{now['id']}.{now['cls']} {now['text'][:30]!r}")
    raise AssertionError(f"not reached in {limit} Tab presses; focus went: {seen}")


def _rgb(css: str) -> tuple[float, ...]:
    return tuple(float(x) for x in re.findall(r"[\d.]+", css)[:3])


def luminance(css: str) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _rgb(css))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


kinds = pytest.mark.parametrize("kind", list(KINDS))


# --- every kind of page opens ------------------------------------------------------------


@kinds
def test_every_kind_of_page_opens_styled_without_an_error_or_a_request_outside_the_site(
        tabs, kind):
    tab = tabs()
    response = tab.open(KINDS[kind])
    assert response.status == (404 if kind == "404" else 200)
    assert tab.page.locator("h1").first.is_visible()
    errors = [e for e in tab.watch.errors if not (kind == "404" and "status of 404" in e)]
    assert errors == [] and tab.watch.dialogs == []
    assert tab.published.outside == []
    # the stylesheet applied (the 404 page links it by absolute URL, from any depth)
    assert tab.page.evaluate("getComputedStyle(document.querySelector('main')).maxWidth") != "none"


# --- accessibility -----------------------------------------------------------------------


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("scheme", SCHEMES)
@kinds
def test_every_kind_of_page_has_no_serious_accessibility_violation(tabs, axe, kind, scheme, width):
    tab = tabs(WIDTHS[width], scheme, axe=axe)
    tab.open(KINDS[kind])
    assert axe_violations(tab.page) == []


def test_dark_mode_follows_the_reader_system_setting(tabs):
    colours = {}
    for scheme in SCHEMES:
        tab = tabs(DESKTOP, scheme)
        tab.open(ARTICLE)
        colours[scheme] = tab.page.evaluate(
            "[getComputedStyle(document.body).backgroundColor,"
            " getComputedStyle(document.querySelector('.statement-body')).color]")
    (light_bg, light_fg), (dark_bg, dark_fg) = colours["light"], colours["dark"]
    assert luminance(light_bg) > 0.8 and luminance(dark_bg) < 0.05
    assert contrast(light_bg, light_fg) >= 7 and contrast(dark_bg, dark_fg) >= 7


# --- the keyboard alone ------------------------------------------------------------------


@kinds
def test_the_skip_link_is_the_first_tab_stop_and_moves_focus_to_the_main_content(tabs, kind):
    tab = tabs()
    page = tab.page
    tab.open(KINDS[kind])
    page.keyboard.press("Tab")
    first = active(page)
    assert "skip-link" in first["cls"], first
    assert first["top"] >= 0 and first["bottom"] <= DESKTOP["height"], "not on the screen"
    assert first["outline"] not in ("none", "hidden") and first["outlineWidth"] >= 2
    page.keyboard.press("Enter")
    assert active(page)["id"] == "main"
    assert page.evaluate("location.hash") == "#main"
    page.keyboard.press("Tab")  # the next stop is in the main content, past the header
    assert page.evaluate("document.querySelector('main').contains(document.activeElement)")


@pytest.mark.parametrize("scheme", SCHEMES)
@kinds
def test_every_tab_stop_shows_a_visible_focus_outline(tabs, kind, scheme):
    tab = tabs(DESKTOP, scheme)
    page = tab.page
    tab.open(KINDS[kind])
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    page.evaluate("window.__seen = new Set()")
    stops, invisible = 0, []
    for _ in range(400):
        page.keyboard.press("Tab")
        now = page.evaluate("""() => {
            const el = document.activeElement;
            if (el === document.body || window.__seen.has(el)) return null;
            window.__seen.add(el);
            const s = getComputedStyle(el);
            return {what: el.outerHTML.slice(0, 80), outline: s.outlineStyle,
                    width: parseFloat(s.outlineWidth), colour: s.outlineColor};
        }""")
        if now is None:
            break
        stops += 1
        if (now["outline"] in ("none", "hidden") or now["width"] < 2
                or contrast(now["colour"], background) < 3):
            invisible.append(now)
    else:
        raise AssertionError("more than 400 tab stops")
    assert stops >= 5
    assert invisible == []


def test_search_works_with_the_keyboard_alone(tabs):
    tab = tabs()
    page = tab.page
    tab.open("search/index.html")
    assert page.get_attribute("#search", "data-engine") == "pagefind"  # as published
    tab_until(page, lambda el: el["id"] == "search-q")
    page.keyboard.type("Russia")
    page.wait_for_function("location.search.includes('q=Russia')")
    page.wait_for_selector("#search-results li")
    before = page.locator("#search-results li").count()

    box = tab_until(page, lambda el: el["type"] == "checkbox")
    name, value = page.evaluate("[document.activeElement.name, document.activeElement.value]")
    assert name == "issuer", box  # the first filter offered is the issuer
    page.keyboard.press("Space")
    assert page.evaluate("document.activeElement.checked")
    page.wait_for_function("([n, v]) => new URLSearchParams(location.search).getAll(n).includes(v)",
                           arg=[name, value])
    page.wait_for_function(
        """v => { const metas = [...document.querySelectorAll('#search-results .meta')];
                  return metas.length > 0 && metas.every(m => m.textContent.includes(v)); }""",
        arg=value)
    after = page.locator("#search-results li").count()
    assert 0 < after <= before

    result = tab_until(page, lambda el: el["tag"] == "a" and "title" in el["cls"])
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/statements/"))
    assert page.locator("h1").inner_text() == result["text"]
    assert tab.watch.errors == [] and tab.published.outside == []


def test_the_search_box_in_the_header_works_with_the_keyboard_alone(tabs):
    tab = tabs()
    page = tab.page
    tab.open(KINDS["month"])
    tab_until(page, lambda el: el["type"] == "search" and el["label"] == "Search statements")
    page.keyboard.type("arms dealings")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search/index\.html\?q=arms"))
    page.wait_for_selector("#search-results li a.title", timeout=15000)
    assert SEED_TITLE in page.locator("#search-results li a.title").all_inner_texts()
    assert page.input_value("#search-q") == "arms dealings"
    assert tab.watch.errors == []


# --- layout ------------------------------------------------------------------------------


def test_no_kind_of_page_and_no_article_scrolls_sideways_on_a_phone(tabs, site):
    # every article: their titles, facts and captures (long links, hashes) differ the most
    articles = sorted(p.relative_to(site).as_posix() for p in site.glob("statements/*/*.html"))
    pages = sorted(p.relative_to(site).as_posix() for p in site.glob(f"statements/*/{ALTERED}/*"))
    paths = [*KINDS.values(), *articles, *pages]
    assert len(articles) == 13 and len(pages) == 3  # (one altered: its versions, a comparison)
    tab = tabs(PHONE)
    wide = []
    for path in paths:
        tab.open(path)
        sizes = tab.page.evaluate("[document.documentElement.scrollWidth,"
                                  " document.documentElement.clientWidth]")
        if sizes[0] > sizes[1]:
            wide.append((path, sizes))
    assert wide == []


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("width", list(WIDTHS))
def test_screenshots_of_every_kind_of_page_show_its_title_on_the_first_screen(
        tabs, width, scheme):
    """Saved under tests/artifacts/screenshots/ for a person to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab = tabs(WIDTHS[width], scheme)
    below = []
    for kind, path in KINDS.items():
        tab.open(path)
        shot = SCREENSHOTS / f"{kind}-{width}-{scheme}.png"
        tab.page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 5000
        box = tab.page.locator("h1").first.bounding_box()
        if box is None or box["y"] + box["height"] > tab.viewport["height"] / 2:
            below.append((kind, box))
    assert below == [], "the page's title is not in the top half of the first screen"


# --- print -------------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", SCHEMES)
def test_an_article_prints_black_on_white_with_its_citation_and_without_navigation(tabs, scheme):
    tab = tabs(DESKTOP, scheme)
    page = tab.page
    tab.open(ARTICLE)
    page.emulate_media(media="print")
    for chrome in (".skip-link", ".site-header", ".site-nav", ".site-search", ".site-footer",
                   ".neighbours", ".pager"):
        assert not page.locator(chrome).first.is_visible(), chrome
    assert page.locator("h1").inner_text() == ARTICLE_TITLE
    assert page.locator(".statement-body p").first.is_visible()
    citation = page.locator(".citation")
    assert citation.is_visible()
    assert BASE_URL + ARTICLE.removesuffix("index.html") in citation.inner_text()
    assert page.locator(".captures").is_visible()
    colours = page.evaluate("""() => ['body', 'h1', '.statement-body', '.citation', '.facts dt',
                                      '.facts dd a', '.citation a', '.captures li']
        .map(q => [q, getComputedStyle(document.querySelector(q)).color])""")
    paper = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert luminance(paper) > 0.95
    assert [(q, c) for q, c in colours if contrast(c, paper) < 7] == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"statement-print-{scheme}.png"), full_page=True)
    if scheme == "light":
        page.pdf(path=str(ARTIFACTS / "statement-print.pdf"), format="A4")


@kinds
def test_no_page_prints_the_site_navigation(tabs, kind):
    tab = tabs()
    tab.open(KINDS[kind])
    tab.page.emulate_media(media="print")
    for chrome in (".site-header", ".site-footer", ".skip-link"):
        assert not tab.page.locator(chrome).first.is_visible(), chrome
    assert tab.page.locator("h1").first.is_visible()


# --- without JavaScript ------------------------------------------------------------------


def test_an_article_reads_without_javascript(tabs):
    tab = tabs(javascript=False)
    page = tab.page
    tab.open(ARTICLE)
    assert page.locator("h1").inner_text() == ARTICLE_TITLE
    paragraphs = page.locator(".statement-body p")
    assert paragraphs.count() >= 2 and paragraphs.first.is_visible()
    assert "The security environment is grave." in page.locator(".statement-body").inner_text()
    assert page.locator(".citation").is_visible()
    assert page.locator(".site-nav a", has_text="Timeline").is_visible()


def test_an_article_page_loads_no_script_but_the_small_deferred_citation_one(tabs, site):
    html = (site / ARTICLE).read_text(encoding="utf-8")
    assert re.findall(r"<script[^>]*>", html) == ['<script src="../../static/cite.js" defer>']
    assert not re.search(r"\son[a-z]+\s*=", html), "an inline event handler"
    # (It also writes the download links' paragraph, which no page carries then.)
    assert (site / "static" / "cite.js").stat().st_size < 5120
    tab = tabs()
    scripts: list[str] = []

    def note(request):  # type: ignore[no-untyped-def]
        if request.resource_type == "script":
            scripts.append(request.url)

    tab.page.on("request", note)
    try:
        tab.open(ARTICLE)
        tab.page.wait_for_load_state("networkidle")
    finally:
        tab.page.remove_listener("request", note)
    assert scripts == [BASE_URL + "static/cite.js"]


def test_the_citation_files_download_with_javascript_and_are_hidden_without(tabs, site):
    config = load_config(site.parent / "config.yaml")
    (statement,) = [s for s in load_archive(config, Report()).statements
                    if ARTICLE.endswith(f"/{s.id}.html")]
    url = BASE_URL + ARTICLE
    tab = tabs()
    tab.open(ARTICLE)
    for label, extension, expected in (
            ("BibTeX", ".bib", citations.bibtex(statement, config.title, url)),
            ("RIS", ".ris", citations.ris(statement, config.title, url)),
            ("CSL-JSON", ".json", citations.csl_json(statement, config.title, url))):
        with tab.page.expect_download() as info:
            tab.page.get_by_role("link", name=label, exact=True).click()
        assert info.value.suggested_filename == statement.id + extension
        assert Path(info.value.path()).read_bytes() == expected.encode("utf-8")
    assert tab.watch.errors == []
    bare = tabs(javascript=False)
    bare.open(ARTICLE)
    assert bare.page.locator(".citation").is_visible()
    assert not bare.page.locator(".cite-downloads").is_visible()


def test_without_javascript_the_search_page_points_to_browsing_instead(tabs):
    tab = tabs(javascript=False)
    tab.open(KINDS["search"])
    notice = tab.page.locator("#search .notice")
    assert notice.is_visible()
    assert "Search needs JavaScript" in notice.inner_text()
    assert notice.get_by_role("link", name="date").is_visible()


# --- a statement altered at source --------------------------------------------------------


def _reads_the_comparison(page) -> None:  # type: ignore[no-untyped-def]
    """What a reader of the comparison must get: the changes shown by more than colour,
    and said to a screen reader."""
    assert page.locator("h1").inner_text() == "Version 1 to version 2"
    first_del, first_ins = page.locator("del").first, page.locator("ins").first
    assert first_del.is_visible() and first_ins.is_visible()
    lines = page.evaluate("""() => ['del', 'ins'].map(
        t => getComputedStyle(document.querySelector(t)).textDecorationLine)""")
    assert lines == ["line-through", "underline"]
    heard = page.locator(".diff-title").aria_snapshot()
    assert "removed: World-Wide" in heard and "added: Global" in heard
    label = page.locator("del .visually-hidden").first
    assert label.bounding_box()["width"] <= 1  # not seen, but read


def test_the_comparison_reads_without_script_served_under_the_subpath_and_from_disk(
        tabs, browser, site):
    tab = tabs(javascript=False)
    response = tab.open(KINDS["comparison"])
    assert response.status == 200
    _reads_the_comparison(tab.page)
    assert tab.published.outside == []
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto((site / KINDS["comparison"]).as_uri())
        _reads_the_comparison(page)
        page.get_by_role("link", name="Version 1", exact=True).first.click()
        page.wait_for_load_state()
        assert page.url.endswith("/v1.html")
        assert "G7, a common eyesore" in page.locator(".statement-body").inner_text()
    finally:
        context.close()


@pytest.mark.parametrize("scheme", SCHEMES)
def test_the_comparison_prints_its_changes_black_on_white(tabs, scheme):
    tab = tabs(DESKTOP, scheme)
    page = tab.page
    tab.open(KINDS["comparison"])
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.locator(".version-nav").first.is_visible()
    paper = page.evaluate("getComputedStyle(document.body).backgroundColor")
    marks = page.evaluate("""() => ['del', 'ins'].map(t => {
        const s = getComputedStyle(document.querySelector(t));
        return [s.color, s.textDecorationLine]; })""")
    assert [line for _, line in marks] == ["line-through", "underline"]
    assert all(contrast(colour, paper) >= 7 for colour, _ in marks)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"comparison-print-{scheme}.png"), full_page=True)


def test_a_folded_stretch_prints_what_was_folded(tmp_path, browser):
    config = make_archive(tmp_path, with_fixtures=False)
    seed = next(p for p in config.source_dir.glob("*.txt") if "We condemn" in p.read_text())
    (config.source_dir / "again.txt").write_text(seed.read_text().replace(
        "January 24, 2025", "February 2, 2025", 1).replace("thoughtlessly", "recklessly"))
    build(config)
    (compare,) = config.output_dir.glob("statements/*/*/compare-1-2.html")
    page = browser.new_page()
    try:
        page.goto(compare.as_uri())
        page.emulate_media(media="print")
        summary = page.locator(".folded summary").first
        assert summary.is_visible()
        assert "unchanged paragraphs" in summary.inner_text()
        assert page.locator("p.changed del").first.is_visible()
    finally:
        page.close()

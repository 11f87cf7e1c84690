"""Web pages: kcna.kp's two layouts, KCNA Watch pages, other sites' pages, saved from a browser."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator import build as pipeline
from generator import ingest, store
from generator.ingest import htmlpage, kcnakp, markup
from generator.ingest.markup import Page
from generator.problems import Report, Severity

from .conftest import FIXTURES, SEEDS

HTML = FIXTURES / "html"


def page(name: str, url: str | None, captured: dt.date | None = dt.date(2024, 9, 10)):
    text = (HTML / name).read_text()
    return htmlpage.page_documents(Page(text, url, captured, name, "0" * 64, "", name))


def saved(tmp_path, name: str, text: str | None = None):
    target = tmp_path / name
    if text is None:
        shutil.copy(HTML / name, target)
    else:
        target.write_text(text, encoding="utf-8")
    return ingest.parse_file(target, tmp_path)


def test_the_older_kcna_layout_gives_title_juche_date_and_paragraphs_without_furniture():
    (doc,), notes = page("kcnakp-older.html", "http://www.kcna.kp/en/article/q/1.kcmsf")
    assert notes == []
    assert doc.title == "Press Statement of Spokesperson for DPRK Foreign Ministry"
    assert (doc.date, doc.date_from) == (dt.date(2024, 3, 9), "juche")
    assert doc.dateline == "Pyongyang, March 9 (KCNA)"
    assert len(doc.paragraphs) == 4
    body = " ".join(doc.paragraphs)
    for furniture in ("Latest News", "Spring Sowing", "Juche113", "www.kcna.kp", "Photo"):
        assert furniture not in body


def test_names_set_apart_in_fspeccs_spans_keep_their_spaces():
    (doc,), _ = page("kcnakp-older.html", "http://www.kcna.kp/en/article/q/1.kcmsf")
    assert "gathered at Kim Il Sung Square." in doc.paragraphs[1]  # not "atKim Il SungSquare"
    assert "Comrade Kim Jong Un said" in doc.paragraphs[2]
    (newer,), _ = page("kcnakp-newer.html", "http://www.kcna.kp/en/article/detail/ab")
    assert "secretary Kim Jong Un visited" in newer.paragraphs[1]


def test_the_dates_of_other_articles_listed_before_the_text_are_not_the_article_s():
    html = (HTML / "kcnakp-older.html").read_text()
    listed = html[html.index('<ul class="article-link">'):html.index("</ul>") + 5]
    html = html.replace(listed, "").replace('<div class="article-main">', listed +
                                            '<div class="article-main">')
    (doc,), _ = htmlpage.page_documents(Page(html, "http://www.kcna.kp/en/article/q/1.kcmsf",
                                             None, "p.html", "0" * 64))
    assert (doc.date, doc.date_from) == (dt.date(2024, 3, 9), "juche")


def test_a_later_older_layout_page_shows_a_gregorian_date():
    html = (HTML / "kcnakp-older.html").read_text().replace("(Juche113.3.9.)", "(2024.03.09.)")
    (doc,), _ = htmlpage.page_documents(Page(html, "http://www.kcna.kp/en/article/q/1.kcmsf",
                                             None, "p.html", "0" * 64))
    assert (doc.date, doc.date_from) == (dt.date(2024, 3, 9), "publish-time")


@pytest.mark.parametrize("captured, year", [
    (dt.date(2024, 9, 10), 2024),   # captured the day it was published
    (dt.date(2024, 9, 9), 2024),    # a UTC date a day behind Pyongyang's
    (dt.date(2025, 2, 1), 2024),    # captured months later, in the next year
    (dt.date(2024, 9, 1), 2023),    # a September 10 after the capture is last year's
])
def test_the_newer_layout_takes_the_dateline_in_the_year_of_capture(captured, year):
    (doc,), notes = page("kcnakp-newer.html", "http://www.kcna.kp/en/article/detail/ab", captured)
    assert notes == []
    assert doc.title == "Kim Yo Jong Issues Press Statement"
    assert (doc.date, doc.date_from) == (dt.date(year, 9, 10), "dateline+capture-year")
    assert doc.capture.captured == captured and doc.capture.extractor == "kcna.kp"


def test_a_newer_layout_page_saved_from_a_browser_has_no_year_and_says_so(tmp_path):
    text = ("<!-- saved from url=(0049)http://www.kcna.kp/en/article/detail/5d0e1c2b3a49 -->\n"
            + (HTML / "kcnakp-newer.html").read_text())
    documents, (problem,), _ = saved(tmp_path, "kim-yo-jong.html", text)
    assert documents == []
    assert problem.severity is Severity.ERROR and "year" in problem.reason
    assert "web archive" in problem.hint


def test_other_kcna_pages_hold_no_statement_and_are_counted():
    index = "<html><body><ul class='article-link'><li><a href='/a'>A</a></li></ul></body></html>"
    documents, notes = htmlpage.page_documents(Page(index, "http://www.kcna.kp/en", None, "i", ""))
    assert documents == [] and [n.what for n in notes] == [kcnakp.NO_STATEMENT]


def test_a_page_saved_from_a_browser_takes_its_link_from_the_saved_from_comment(tmp_path):
    text = ("<!DOCTYPE html>\n<!-- saved from url=(0058)http://www.kcna.kp/en/article/q/"
            "4a2b9c8d7e6f50413b2c.kcmsf -->\n" + (HTML / "kcnakp-older.html").read_text()
            .removeprefix("<!DOCTYPE html>\n"))
    (doc,), problems, _ = saved(tmp_path, "statement.html", text)
    assert problems == []
    assert doc.capture.source_url == "http://www.kcna.kp/en/article/q/4a2b9c8d7e6f50413b2c.kcmsf"
    assert doc.capture.file == "statement.html" and doc.capture.captured is None


def test_a_kcna_watch_page_saved_as_html_reads_like_the_same_page_saved_as_text(tmp_path):
    (doc,), problems, _ = saved(tmp_path, "kcnawatch-saved.html")
    assert problems == []
    text, _, _ = ingest.parse_file(SEEDS / "000_5090525799506049.txt", SEEDS)
    (as_text,) = text
    for field in ("title", "date", "date_from", "source", "dateline", "paragraphs", "found_dates"):
        assert getattr(doc, field) == getattr(as_text, field), field
    assert doc.capture.source_url.startswith("https://kcnawatch.org/newstream/1663848081")
    assert doc.capture.captured == dt.date(2025, 1, 24)  # the page header's date
    assert doc.capture.extractor == "kcnawatch-html"


def test_a_kcna_watch_page_with_its_name_as_a_heading_and_its_date_line_in_parts(tmp_path):
    html = (HTML / "kcnawatch-saved.html").read_text().replace(
        '<header class="site-header">', '<header class="site-header"><h1 class="logo">KCNA Watch</h1>'
    ).replace('<div class="article-meta">Date: 22/09/2022 | Source: KCNA.kp (En) | ',
              '<div class="article-meta"><div>Date: 22/09/2022</div><div>Source: KCNA.kp (En)</div> ')
    (doc,), problems, _ = saved(tmp_path, "page.html", html)
    assert problems == []
    assert doc.title.startswith("Vice Director General of General Bureau of Equipment")
    assert (doc.date, doc.source) == (dt.date(2022, 9, 22), "KCNA.kp (En)")
    assert doc.paragraphs[0].startswith("Pyongyang, September 22 (KCNA)")


def test_a_kcna_watch_html_page_and_its_text_capture_are_one_statement(make_site):
    config = make_site({"content/sources/kcnawatch.html": (HTML / "kcnawatch-saved.html").read_text()},
                       seeds=True)
    report = Report()
    pipeline.import_sources(config, report)
    assert report.counts["statements found"] == 2  # the two seeds; the page is the first's
    statements = [store.read_file(p).statement for p in config.content_dir.rglob("*.md")]
    (merged,) = [s for s in statements if len(s.captures) == 2]
    assert {c.file for c in merged.captures} == {"000_5090525799506049.txt", "kcnawatch.html"}


def test_another_ministry_s_press_release_is_read_by_the_generic_extractor(tmp_path):
    text = ("<!-- saved from url=(0046)https://mfa.valdonia.example/en/news/statement -->\n"
            + (HTML / "mfa-press-release.html").read_text())
    (doc,), problems, _ = saved(tmp_path, "release.html", text)
    assert problems == []
    assert doc.title == ("Statement by the Ministry of Foreign Affairs on the Situation on the "
                         "Korean Peninsula")
    assert (doc.date, doc.date_from) == (dt.date(2024, 3, 11), "page-metadata")
    assert doc.source == "Ministry of Foreign Affairs of Valdonia"
    assert doc.capture.extractor == "trafilatura"
    assert len(doc.paragraphs) == 3  # no menu, related links, date line or footer
    assert doc.paragraphs[1].startswith("We call on all parties to exercise restraint")


def test_a_release_s_issuer_is_its_ministry_not_the_korean_agency(make_site):
    config = make_site({"content/sources/release.html": (HTML / "mfa-press-release.html").read_text()})
    pipeline.import_sources(config, Report())
    (path,) = config.content_dir.rglob("*.md")
    statement = store.read_file(path).statement
    assert statement.issuer.organization == "Ministry of Foreign Affairs of Valdonia"


@pytest.mark.parametrize("name", ["mfa-news-index.html", "mfa-not-found.html"])
def test_an_index_or_an_error_page_holds_no_statement_and_is_counted(tmp_path, name):
    documents, problems, counts = saved(tmp_path, name)
    assert documents == [] and problems == []
    assert counts == ((htmlpage.NO_STATEMENT, 1),)


def test_html_is_recognised_by_its_content_not_its_name(tmp_path):
    documents, problems, _ = saved(tmp_path, "page.txt", (HTML / "kcnakp-older.html").read_text())
    assert problems == [] and documents[0].capture.extractor == "kcna.kp"
    assert htmlpage.detect("<!-- saved from url=(0010)http://a/ -->\n<html><body></body></html>")
    assert not htmlpage.detect("Date: 22/09/2022 | Source: KCNA.kp (En)\n<html>")


def test_a_page_declaring_another_charset_is_read_in_it(tmp_path):
    html = (HTML / "kcnakp-older.html").read_text().replace('<meta charset="utf-8">',
                                                             '<meta charset="windows-1251">')
    html = html.replace("every step needed", "every step needed \u2014 \u0414\u0430")
    (tmp_path / "p.html").write_bytes(html.encode("cp1251"))
    (doc,), _, _ = ingest.parse_file(tmp_path / "p.html", tmp_path)
    assert doc.paragraphs[-1] == "The DPRK will take every step needed \u2014 \u0414\u0430. -0-"


@pytest.mark.parametrize("charset", ["shift_jis", "gbk"])
def test_a_page_in_a_charset_whose_bytes_are_not_windows_1252_is_read_in_it(tmp_path, charset):
    # In Shift_JIS its bytes are neither UTF-8 nor Windows-1252 (0x90: no character in
    # either), and the page was refused before its <meta> was read; GBK's happen to be.
    html = (HTML / "kcnakp-older.html").read_text().replace('<meta charset="utf-8">',
                                                             f'<meta charset="{charset}">')
    html = html.replace("every step needed", "every step needed \u58f0\u660e")
    (tmp_path / "p.html").write_bytes(html.encode(charset))
    (doc,), problems, _ = ingest.parse_file(tmp_path / "p.html", tmp_path)
    assert problems == []
    assert doc.paragraphs[-1] == "The DPRK will take every step needed \u58f0\u660e. -0-"


def test_text_of_keeps_a_reader_s_spaces_and_only_those():
    tree = markup.parse("<p>at<br>the <nobr><span class='fSpecCs'>Kim&nbsp;Il Sung</span></nobr>"
                        "\n  Square<script>var x;</script><!-- a comment --></p>")
    assert markup.text_of(tree.xpath("//p")[0]) == "at the Kim Il Sung Square"


TAGS = st.sampled_from(["p", "div", "article", "h1", "span", "nobr", "br", "a", "script", "ul",
                        "li", "main", "time", "meta", "title", "html", "body", "!--", "table"])
CLASSES = st.sampled_from(["article-main-title", "content-wrapper", "article-content-body",
                           "publish-time", "fSpecCs", "article-link", "media-icon", ""])
PIECE = st.one_of(
    st.text(max_size=40),
    st.builds(lambda tag, cls, text: f"<{tag} class='{cls}'>{text}", TAGS, CLASSES,
              st.text(max_size=30)),
    st.builds(lambda tag: f"</{tag}>", TAGS),
    st.sampled_from(["Pyongyang, September 10 (KCNA) -- ", "www.kcna.kp (Juche113.3.9.)",
                     "Date: 22/09/2022 | Source: KCNA.kp (En)", "&nbsp;", "<!-- saved from url=(0010)"
                     "http://a/ -->", "<meta property='og:site_name' content='KCNA Watch'>"]),
)


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(pieces=st.lists(PIECE, max_size=30), url=st.sampled_from([
    "http://www.kcna.kp/en/article/detail/ab", "http://www.kcna.kp/en/article/q/ab.kcmsf",
    "https://kcnawatch.org/newstream/1/x/", "https://mfa.valdonia.example/x", "http://[::1"]))
def test_any_page_gives_statements_or_says_why_not(tmp_path, pieces, url):
    html = "<!DOCTYPE html><html><body>" + "".join(pieces)
    documents, notes = htmlpage.page_documents(Page(html, url, dt.date(2024, 9, 10), "p", ""))
    assert all(d.title and d.paragraphs is not None for d in documents)
    assert all(getattr(n, "reason", None) or getattr(n, "what", None) for n in notes)
    (tmp_path / "page.html").write_text(html, encoding="utf-8", errors="surrogatepass")
    _, problems, _ = ingest.parse_file(tmp_path / "page.html", tmp_path)
    assert all(p.reason for p in problems)

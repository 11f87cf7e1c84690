"""One URL scheme: relative links that work from disk and under a subpath."""

import pytest

from generator.model.names import UnsafePath
from generator.site.urls import AbsoluteLinks, Links, Paths, absolute, relative, safe_href


def test_links_are_relative_and_point_at_files():
    links = Links(Paths.statement("2022-09-22-a"))
    assert links.home() == "../../index.html"
    assert links.statement("2022-11-08-b") == "2022-11-08-b.html"
    assert links.statement("2023-01-01-c") == "../2023/2023-01-01-c.html"
    assert links.month(2022, 9) == "../../timeline/2022/09/index.html"
    assert links.static("style.css") == "../../static/style.css"
    assert Links(Paths.home()).timeline() == "timeline/index.html"


def test_a_statement_s_folder_comes_from_its_id_not_its_date():
    assert Paths.statement("2022-09-22-a") == "statements/2022/2022-09-22-a.html"
    assert Paths.statement("my-own-note") == "statements/other/my-own-note.html"


def test_every_page_path_names_a_file_not_a_folder():
    for path in (Paths.home(), Paths.timeline(), Paths.issuers(), Paths.search(),
                 Paths.year(2022), Paths.month(2022, 1),
                 Paths.issuer("kcna"), Paths.issuer("kcna", 2024), Paths.organization("kcna"),
                 Paths.source("kcna-kp-en")):
        assert path.endswith("/index.html") or path == "index.html"


def test_absolute_urls_drop_index_html_and_need_a_base():
    assert absolute("https://u.github.io/repo/", Paths.statement("2022-01-01-a")) == (
        "https://u.github.io/repo/statements/2022/2022-01-01-a.html")
    assert absolute("https://u.github.io/repo/", Paths.home()) == "https://u.github.io/repo/"
    assert absolute("", Paths.statement("a")) == ""
    assert AbsoluteLinks("404.html", "https://x.org/r/").timeline() == "/r/timeline/index.html"
    assert AbsoluteLinks("404.html", "").timeline() == "timeline/index.html"


@pytest.mark.parametrize("bad", ["../etc", "a/b", "", "A", "x\x00", ".hidden", "a..b", "con\\x"])
def test_unsafe_segments_are_refused(bad):
    with pytest.raises(UnsafePath):
        Paths.statement(bad)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://www.kcna.kp/en/article/q/1.kcmsf", "http://www.kcna.kp/en/article/q/1.kcmsf"),
        ("HTTPS://example.org/x", "HTTPS://example.org/x"),
        ("javascript:alert(1)", None),
        ("JaVaScRiPt:alert(1)", None),
        ("java\tscript:alert(1)", None),
        ("\x01javascript:alert(1)", None),
        (" javascript:alert(1)", None),
        ("data:text/html,<script>alert(1)</script>", None),
        ("vbscript:x", None),
        ("//evil.example/x", None),
        ("/relative/path", None),
        ("http:no-host", None),
        ("", None),
        (None, None),
    ],
)
def test_only_http_urls_become_links(url, expected):
    assert safe_href(url) == expected


def test_relative_between_any_two_pages():
    assert relative("a/b/index.html", "a/c/index.html") == "../c/index.html"
    assert relative("index.html", "index.html") == "index.html"


def test_relative_agrees_with_posixpath_for_any_two_files():
    import posixpath
    from itertools import product

    folders = ["", "a/", "b/", "a/b/", "b/a/", "statements/2022/", "a/b/c/"]
    files = [f + name for f in folders for name in ("index.html", "x.html")]
    for source, target in product(files, files):
        assert relative(source, target) == posixpath.relpath(
            target, posixpath.dirname(source) or "."), (source, target)

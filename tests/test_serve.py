"""``serve`` as a writer uses it: the open page follows the edits, and a failed rebuild shows.

The browser tests run ``python -m generator serve`` as a subprocess on a small
archive, open a statement page in Chromium and change files under it; the page
must change by itself (nothing here calls reload).
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from generator import store
from generator.problems import Report
from generator.serve import make_server, reload, watch

from .browser import PageWatch, chromium
from .sites import BASE_URL, build, make_archive

TITLE = ("Press Statement of Vice Director for Military Foreign Affairs of DPRK Ministry of "
         "National Defence")


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


# --- what is served, and what is published ------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    config = make_archive(tmp_path_factory.mktemp("serve"), with_fixtures=False)
    build(config)
    return config


def test_served_pages_carry_the_reload_script_and_the_built_files_do_not(built):
    site = built.output_dir
    live = reload.LiveReload(site, "/repo/")
    server = make_server(site, "/repo/", live=live)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        status, home = _get(base + "/repo/")
        assert status == 200
        assert home.count(b'src="/.generator-serve/reload.js"') == 1
        assert home.index(b"/.generator-serve/reload.js") < home.rindex(b"</body>")
        # Without the one added line, the bytes are the built file's.
        added = re.search(rb'<script src="/\.generator-serve/[^\n]*\n', home).group(0)
        assert home.replace(added, b"") == (site / "index.html").read_bytes()
        status, missing = _get(base + "/repo/no/such/page.html")
        assert status == 404 and b'data-page="missing"' in missing
        status, script = _get(base + reload.SCRIPT)
        assert status == 200 and b"EventSource" in script
        status, css = _get(base + "/repo/static/style.css")
        assert css == (site / "static" / "style.css").read_bytes()
    finally:
        live.stop()
        server.shutdown()
        server.server_close()
    # Nothing of serve is ever written into the site.
    for path in site.rglob("*"):
        if path.is_file():
            assert b"generator-serve" not in path.read_bytes(), path


def test_a_stream_says_reload_when_its_page_changed_and_shows_a_failed_build(built, tmp_path):
    site = tmp_path / "site"
    (site / "static").mkdir(parents=True)
    page = site / "a.html"
    page.write_bytes(b"<html><body>one</body></html>")
    (site / "b.html").write_bytes(b"<html><body>two</body></html>")
    live = reload.LiveReload(site, "/repo/")

    def served(name: str) -> str:
        html = live.tag_for((site / name).read_bytes()).decode()
        version = re.search(r'data-page="(\w+)"', html).group(1)
        return f"path=/repo/{name}&page={version}&static={live.state.static}"

    def listen(query: str) -> list[str]:
        events: list[str] = []
        threading.Thread(target=live.stream, args=(query, events.append), daemon=True).start()
        return events

    a, b = listen(served("a.html")), listen(served("b.html"))
    time.sleep(0.2)
    page.write_bytes(b"<html><body>one, edited</body></html>")
    live.built()
    _wait(lambda: any("reload" in e for e in a))
    time.sleep(0.2)
    assert not any("reload" in e for e in b)  # its page did not change

    live.failed("templates/statement.html:3: template syntax error: unexpected '}'")
    _wait(lambda: any("build-error" in e for e in b))
    shown = next(e for e in b if "build-error" in e)
    assert json.loads(shown.split("data: ", 1)[1]) == (
        "templates/statement.html:3: template syntax error: unexpected '}'")
    live.built()  # the next good build: a page that showed an error reloads
    _wait(lambda: any("reload" in e for e in b))
    live.stop()


def _wait(condition, timeout: float = 5.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.02)


# --- what is watched ------------------------------------------------------------------------


def test_the_watch_sees_the_inputs_and_nothing_else(make_site):
    config = make_site(seeds=True)
    build(config)
    watcher = watch.Watcher(config)
    try:
        watcher.ready()
        root = config.root
        stored = Path(next(store.store_files(config.content_dir)))
        # Ignored: the site, hidden (temporary) files, editors' backups.
        (config.output_dir / "extra.html").write_text("x")
        (config.content_dir / ".tmp.md").write_text("x")
        (root / "content" / "sources" / "notes.txt~").write_text("x")
        (root / "README.txt").write_text("not read by a build")
        stored.write_text(stored.read_text() + "\nAn edit.\n")
        assert watcher.changes() == {str(stored.resolve())}
        (root / "templates").mkdir()  # a folder a build would read, made later
        assert watcher.changes() == {str((root / "templates").resolve())}
        (root / "config.yaml").write_text("title: Another\n")
        assert watcher.changes() == {str((root / "config.yaml").resolve())}
    finally:
        watcher.close()
    assert (root / "templates").resolve() in watch.watched(config).deep


# --- in the browser -------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(tmp_path):
    """``python -m generator serve`` on a small archive; yields its config and the site URL."""
    config = make_archive(tmp_path, with_fixtures=False)
    port = _free_port()
    log = open(tmp_path / "serve.log", "w+")  # noqa: SIM115 - read after the process ends
    process = subprocess.Popen([sys.executable, "-m", "generator", "serve", "--no-search",
                                "--port", str(port)], cwd=tmp_path, stdout=log,
                               stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/repo/"
    try:
        end = time.monotonic() + 120
        while True:
            try:
                if _get(url)[0] == 200:
                    break
            except OSError:
                pass
            assert process.poll() is None and time.monotonic() < end, (
                log.seek(0) or log.read())
            time.sleep(0.2)
        yield config, url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.seek(0)
        print(log.read())
        log.close()


def _statement_page(config, title: str) -> tuple[Path, str]:
    """The Markdown file of the statement titled ``title``, and its page's site path."""
    for statement in store.load_statements(config.content_dir, Report()):
        if statement.title == title:
            return Path(statement.path), f"statements/{statement.id[:4]}/{statement.id}.html"
    raise AssertionError(title)


@pytest.mark.browser
def test_an_open_statement_page_shows_an_edit_to_its_markdown_without_a_reload(served):
    config, url = served
    source, page_path = _statement_page(config, TITLE)
    assert BASE_URL.endswith("/repo/")
    with chromium() as browser:
        page = browser.new_page()
        watch_ = PageWatch(page)
        page.goto(url + page_path)
        assert "Russia" in page.inner_text("main")
        page.wait_for_function("document.querySelector('script[data-events]') !== null")
        time.sleep(0.5)  # the stream is open
        text = source.read_text()
        assert "Russia" in text
        started = time.monotonic()
        source.write_text(text.replace("Russia", "the Russian Federation"))
        page.wait_for_function(
            "document.querySelector('main').innerText.includes('the Russian Federation')",
            timeout=15000)
        took = time.monotonic() - started
        assert watch_.errors == [] and watch_.dialogs == []
    print(f"the page showed the edit {took:.2f} s after it was saved")


@pytest.mark.browser
def test_a_broken_template_is_shown_with_its_line_and_cleared_when_fixed(served):
    config, url = served
    _, page_path = _statement_page(config, TITLE)
    with chromium() as browser:
        page = browser.new_page()
        page.goto(url + page_path)
        page.wait_for_function("document.querySelector('script[data-events]') !== null")
        time.sleep(0.5)
        override = config.root / "templates" / "statement.html"
        override.parent.mkdir()
        override.write_text('{% extends "default:statement.html" %}\n'
                            "{% block title %}{{ statement.title }{% endblock %}\n")
        box = page.wait_for_selector("#generator-serve-error", timeout=15000)
        message = box.inner_text()
        assert "templates/statement.html:2" in message
        assert "could not be rebuilt" in message
        override.write_text('{% extends "default:statement.html" %}\n')
        page.wait_for_selector("#generator-serve-error", state="detached", timeout=15000)
        assert TITLE in page.inner_text("main")


def test_a_bad_configuration_is_read_again_and_shown_by_its_key(make_site):
    from generator.cli import _config, make_parser
    from generator.serve import _rebuilt

    config = make_site(seeds=True)
    args = make_parser().parse_args(["serve", "--config", str(config.config_path)])
    live = reload.LiveReload(config.output_dir, "/")
    built: list[object] = []
    config.config_path.write_text("title: T\nbase_url: not a url\n")
    assert _rebuilt(lambda: _config(args, Report()), built.append, live) is None
    assert built == [] and "config.yaml: key 'base_url'" in live.state.error
    config.config_path.write_text("title: Fixed\n")
    again = _rebuilt(lambda: _config(args, Report()), built.append, live)
    assert again.title == "Fixed" and built == [again] and live.state.error is None


def test_a_store_file_with_an_impossible_date_is_named_and_the_rest_is_served(make_site):
    # Issue 27, item 1, in a running serve: the rebuild died with a ValueError naming no file.
    from generator import build as pipeline
    from generator.serve import _rebuilt

    config = make_site(seeds=True, files={"content/statements/bad.md":
                                          "---\ntitle: x\ndate: 2023-02-30\n---\n"})
    live = reload.LiveReload(config.output_dir, "/")
    reports: list[Report] = []

    def build_once(config):
        reports.append(Report())
        pipeline.build(config, reports[-1], search=False)

    assert _rebuilt(lambda: config, build_once, live) is config
    assert live.state.error is None and (config.output_dir / "index.html").is_file()
    assert [(p.path.rpartition("/")[2], p.reason) for p in reports[0].errors] == [
        ("bad.md", "date must be a date written YYYY-MM-DD, got '2023-02-30'")]

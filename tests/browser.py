"""Playwright driving Debian's Chromium (never a downloaded browser)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def require_browser() -> None:
    """Skip when Chromium or Playwright is missing, unless CI says they must be there."""
    missing = None
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        missing = f"{CHROMIUM} is not installed (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            missing = "playwright is not installed (pip install -e '.[test]')"
    if missing:
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(f"browser tests required (REQUIRE_BROWSER is set) but {missing}")
        pytest.skip(missing)


@contextmanager
def chromium() -> Iterator[object]:
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


class PageWatch:
    """Collects what a page must never do: throw, log errors, open dialogs."""

    def __init__(self, page) -> None:  # type: ignore[no-untyped-def]
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        page.on("console", lambda m: self.errors.append(f"console {m.type}: {m.text}")
                if m.type == "error" else None)

        def on_dialog(dialog):  # type: ignore[no-untyped-def]
            self.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        page.on("dialog", on_dialog)


# --- the checkers in tests/node: axe-core and the Nu Html Checker ------------------------

NODE = Path(__file__).resolve().parent / "node"
AXE = NODE / "node_modules" / "axe-core" / "axe.min.js"
VNU = NODE / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
INSTALL_NODE = "npm ci --prefix tests/node --ignore-scripts"


def _missing(what: str) -> None:
    if os.environ.get("REQUIRE_BROWSER"):
        pytest.fail(f"browser tests required (REQUIRE_BROWSER is set) but {what}")
    pytest.skip(what)


def require_axe() -> Path:
    """axe-core's script, to inject into pages (skip or fail when it is not installed).

    ``context.add_init_script(path=require_axe())`` puts it in every page of a
    context, which is faster than injecting it into each page afterwards.
    """
    if not AXE.is_file():
        _missing(f"axe-core is not installed (run `{INSTALL_NODE}`)")
    return AXE


def require_vnu() -> list[str]:
    """The command that runs the Nu Html Checker (skip or fail when Java or the jar is missing)."""
    java = shutil.which("java")
    if not java:
        _missing("java is not installed (apt-get install default-jre-headless), "
                 "the Nu Html Checker needs it")
    if not VNU.is_file():
        _missing(f"the Nu Html Checker (vnu-jar) is not installed (run `{INSTALL_NODE}`)")
    return [str(java), "-jar", str(VNU)]


#: axe-core's impact levels that fail a test.
SERIOUS = ("serious", "critical")


def axe_violations(page, impacts: Sequence[str] = SERIOUS) -> list[str]:  # type: ignore[no-untyped-def]
    """Run axe-core on the page as it is now; one line per violation of the given impacts."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(path=str(require_axe()))
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    found = []
    for v in results["violations"]:
        if v["impact"] not in impacts:
            continue
        targets = ", ".join(" ".join(n["target"]) if isinstance(n["target"], list) else
                            str(n["target"]) for n in v["nodes"][:5])
        detail = v["nodes"][0].get("failureSummary", "").replace("\n", " ") if v["nodes"] else ""
        found.append(f"{v['id']} ({v['impact']}): {v['help']} at {targets}: {detail}")
    return found


def vnu_errors(files: Iterable[Path], root: Path) -> list[str]:
    """The Nu Html Checker's errors on ``files``, in one run (it is slow to start)."""
    command = require_vnu()
    names = [str(f) for f in files]
    done = subprocess.run([*command, "--format", "json", "--errors-only", *names],
                          capture_output=True, text=True, timeout=600)
    output = (done.stderr or done.stdout).strip()
    if not output:
        return [] if done.returncode == 0 else [f"vnu exited with status {done.returncode}"]
    try:
        messages = json.loads(output)["messages"]
    except (ValueError, KeyError):
        return [f"vnu said: {output[:2000]}"]
    errors = []
    for m in messages:
        if m.get("type") not in ("error", "non-document-error"):
            continue
        url = m.get("url", "")
        where = url.removeprefix("file:").removeprefix("//")
        with suppress(ValueError):
            where = str(Path(where).relative_to(root))
        errors.append(f"{where}:{m.get('lastLine', '?')}: {m.get('message')} "
                      f"[{(m.get('extract') or '').strip()}]")
    return errors


# --- a built site, published at its base URL inside the browser --------------------------

_TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
          ".js": "text/javascript; charset=utf-8", ".wasm": "application/wasm",
          ".xml": "application/xml", ".json": "application/json", ".svg": "image/svg+xml",
          ".csv": "text/csv; charset=utf-8", ".bib": "text/plain; charset=utf-8",
          ".ris": "text/plain; charset=utf-8", ".txt": "text/plain; charset=utf-8"}


class Published:
    """``site`` served at ``base_url`` to one browser context, the way a static host serves it.

    Every request to ``base_url`` is answered from the folder (a folder URL gets its
    ``index.html``; a missing file gets ``404.html`` with status 404, as GitHub Pages
    does); every other request is refused and recorded in ``outside``, so a page that
    needs anything from elsewhere shows up.
    """

    def __init__(self, context, site: Path, base_url: str) -> None:  # type: ignore[no-untyped-def]
        self.site = site.resolve()
        self.base_url = base_url
        self.outside: list[str] = []
        self._prefix = urlsplit(base_url).path
        context.route("**/*", self._answer)

    def url(self, path: str = "") -> str:
        return self.base_url + path

    def _answer(self, route) -> None:  # type: ignore[no-untyped-def]
        url = route.request.url
        if not url.startswith(self.base_url):
            self.outside.append(url)
            route.abort()
            return
        rest = unquote(urlsplit(url).path)[len(self._prefix):]
        target = (self.site / rest).resolve()
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file() or not target.is_relative_to(self.site):
            route.fulfill(status=404, path=self.site / "404.html",
                          content_type=_TYPES[".html"])
            return
        route.fulfill(status=200, path=target,
                      content_type=_TYPES.get(target.suffix, "application/octet-stream"))

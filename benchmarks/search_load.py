"""What the search page costs a reader: time to the first result, requests and bytes.

    .venv/bin/python benchmarks/search_load.py site/
    .venv/bin/python benchmarks/search_load.py site/ --repeat 5 --query Russia --query "Kim Yo Jong"
    .venv/bin/python benchmarks/search_load.py benchmarks/work/run-10000/archive/site --json

opens ``search/index.html?q=QUERY`` of a built site (nothing is built or changed)
in headless Chromium (Debian's, through Playwright), in the two ways a reader
gets it:

- ``http``: the site served by Python's ``http.server`` (a thread of this
  process, quiet, uncompressed, ``Cache-Control: no-store``) under ``/repo/``,
  as on a GitHub Pages project site: the page uses Pagefind;
- ``file``: the page opened from disk (``file://``): it uses the offline index.

Each query runs ``--repeat`` times per mode, each time in a fresh browser
context (empty cache); the table shows the median of each figure. The cases
are the ``--query`` values (default: Russia, nuclear, Kim Yo Jong, sanctions)
and the first query again with an issuer filter (``&issuer=NAME`` in the
address; ``--issuer``, default the issuer with the most statements in
``data/statements.json.gz``; ``--issuer ""`` leaves it out). The figures:

- ``first result``: milliseconds from the start of the navigation (the page's
  ``performance.timeOrigin``) to the first animation frame after the first
  result (``#search-results li``) is put in the page, i.e. the frame that
  paints it; taken in the page by a ``MutationObserver`` set up before any of
  the page's scripts run. Empty when the query finds nothing.
- ``index ready``: the same clock, to when the page has loaded its search
  engine (``#search`` gets its ``data-engine`` attribute: Pagefind's modules,
  WebAssembly and filters, or the offline index's ``meta.js`` files).
- ``requests``: every request the page made (Playwright's ``request`` events,
  which Chromium reports for ``file://`` too), the page itself included,
  counted until the network has been idle for 500 ms after the first result
  (or the final status line).
- ``bytes``: the sum of those requests' response bodies. Over http, Playwright's
  ``request.sizes()["responseBodySize"]`` (the server does not compress, so it
  is the files' size: what a host without compression sends; GitHub Pages would
  gzip the HTML, CSS and scripts, not Pagefind's files, which are already
  compressed). From disk, Chromium records no transfer sizes (Resource Timing
  has no entries for ``file://``), so the figure is the size on disk of each file
  requested. ``index bytes`` is the part under ``pagefind/`` or
  ``search/data/`` (for Pagefind this includes its engine, one ``pagefind.js``
  and one WebAssembly file per bucket); the rest is the page, its style sheets
  and ``search.js``. Under the table, the first run of the first case of each
  mode is broken down by kind of file (``by_kind`` in the JSON, for every run).
- ``shown`` / ``total``: results in the list once the first ones are shown (a
  page of at most 20), and the count the status line gives.

Console errors, uncaught exceptions, failed requests, a Pagefind failure (the
page then falls back to the offline index) and cases that do not finish within
``--timeout`` are listed under the table.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlencode, urlsplit

from generator.serve import serving

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
DEFAULT_QUERIES = ["Russia", "nuclear", "Kim Yo Jong", "sanctions"]
PREFIX = "/repo/"
INDEX_FOLDERS = ("pagefind/", "search/data/")

#: Runs in the page before its own scripts: notes when the engine is ready, when the first
#: result is painted, and when the status line gives its final word.
PROBE = """
(() => {
  const mark = window.__searchBench = {ready: null, inserted: null, painted: null, settled: null};
  const settledText = t => t && !t.startsWith("Loading") && !t.startsWith("Searching");
  const observer = new MutationObserver(() => {
    const box = document.getElementById("search");
    if (mark.ready === null && box && box.hasAttribute("data-engine")) mark.ready = performance.now();
    if (mark.inserted === null && document.querySelector("#search-results li")) {
      mark.inserted = performance.now();
      requestAnimationFrame(() => { mark.painted = performance.now(); });
    }
    const status = document.getElementById("search-status");
    if (mark.settled === null && mark.ready !== null && status && settledText(status.textContent)) {
      mark.settled = performance.now();
    }
  });
  observer.observe(document, {childList: true, subtree: true, attributes: true, characterData: true});
})();
"""

DONE = """() => {
  const m = window.__searchBench;
  if (!m) return false;
  const status = (document.getElementById("search-status") || {}).textContent || "";
  if (m.painted !== null) return true;
  return m.settled !== null && !/^\\d/.test(status);
}"""


def most_common_issuer(site: Path) -> str | None:
    """The issuer with the most statements, from the site's ``data/statements.json.gz``."""
    path = site / "data" / "statements.json.gz"
    try:
        rows = json.loads(gzip.decompress(path.read_bytes()))
    except (OSError, ValueError, EOFError):
        return None
    counts = Counter(row.get("issuer") for row in rows if row.get("issuer"))
    return counts.most_common(1)[0][0] if counts else None


def search_query(query: str, issuer: str | None) -> str:
    params = {"q": query}
    if issuer:
        params["issuer"] = issuer
    return "?" + urlencode(params)


def local_file(url: str) -> Path | None:
    """The file a ``file://`` request reads (None: there is none)."""
    path = Path(unquote(urlsplit(url).path))
    if path.is_dir():
        path = path / "index.html"
    return path if path.is_file() else None


def one_run(browser: Any, url: str, site: Path, timeout: float) -> dict:
    """Open ``url`` in a fresh context; the figures of that one load."""
    context = browser.new_context()
    context.add_init_script(PROBE)
    page = context.new_page()
    requests: list[Any] = []
    failed: list[str] = []
    problems: list[str] = []
    page.on("request", lambda r: requests.append(r))
    page.on("requestfailed", lambda r: failed.append(f"{r.url}: {r.failure}"))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
            if m.type in ("error", "warning") else None)
    run: dict[str, Any] = {"url": url}
    try:
        page.goto(url)
        page.wait_for_function(DONE, timeout=timeout * 1000)
        try:
            page.wait_for_load_state("networkidle", timeout=timeout * 1000)
        except Exception:
            problems.append("the network did not go idle")
        marks = page.evaluate("window.__searchBench")
        state = page.evaluate("""() => ({
            engine: document.getElementById("search").getAttribute("data-engine"),
            pagefindError: document.getElementById("search").getAttribute("data-pagefind-error"),
            status: document.getElementById("search-status").textContent,
            shown: document.querySelectorAll("#search-results li").length})""")
    except Exception as error:
        problems.append(f"did not finish: {str(error).splitlines()[0]}")
        try:
            marks = page.evaluate("window.__searchBench || {}")
        except Exception:
            marks = {}
        state = {"engine": None, "pagefindError": None, "status": "", "shown": 0}
    total = index = 0
    kinds: dict[str, list[int]] = {}
    for request in requests:
        size = 0
        if request.url.startswith("file://"):
            path = local_file(request.url)
            size = path.stat().st_size if path and request.failure is None else 0
        else:
            try:
                size = max(0, request.sizes()["responseBodySize"])
            except Exception:
                size = 0
        total += size
        rest = unquote(urlsplit(request.url).path)
        rest = rest[len(str(site)) + 1:] if request.url.startswith("file://") else rest[len(PREFIX):]
        if rest.startswith(INDEX_FOLDERS):
            index += size
        tally = kinds.setdefault(kind_of(rest), [0, 0])
        tally[0] += 1
        tally[1] += size
    context.close()
    status = (state.get("status") or "").strip()
    first = status.split(" ", 1)[0]
    if state.get("pagefindError"):
        problems.append(f"Pagefind failed, offline index used: {state['pagefindError']}")
    run.update({
        "engine": state.get("engine"),
        "first_result_ms": _ms(marks.get("painted")),
        "inserted_ms": _ms(marks.get("inserted")),
        "index_ready_ms": _ms(marks.get("ready")),
        "requests": len(requests),
        "failed_requests": failed,
        "bytes": total,
        "index_bytes": index,
        "by_kind": {k: {"requests": v[0], "bytes": v[1]} for k, v in sorted(kinds.items())},
        "shown": state.get("shown", 0),
        "total": int(first) if first.isdigit() else 0,
        "status": status,
        "problems": problems,
    })
    return run


def kind_of(rest: str) -> str:
    """What a file of the site is, for the breakdown: its path from the site's root."""
    parts = rest.split("/")
    if rest.startswith("pagefind/") and len(parts) > 2:
        name = parts[2]
        if name in ("index", "filter", "fragment"):
            return f"pagefind {name}"
        if name.startswith("wasm."):
            return "pagefind wasm"
        if name.endswith(".pf_meta"):
            return "pagefind meta"
        return {"pagefind.js": "pagefind js", "pagefind-entry.json": "pagefind entry"}.get(
            name, f"pagefind {name}")
    if rest.startswith("search/data/") and len(parts) > 3:
        return {"t": "offline words", "d": "offline display", "meta.js": "offline meta"}.get(
            parts[3], f"offline {parts[3]}")
    return "page"


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


FIGURES = ("first_result_ms", "inserted_ms", "index_ready_ms", "requests", "bytes", "index_bytes",
           "shown", "total")


def median(runs: list[dict]) -> dict:
    out: dict[str, Any] = {}
    for key in FIGURES:
        values = [r[key] for r in runs if r[key] is not None]
        out[key] = statistics.median(values) if values else None
    return out


def measure(site: Path, queries: list[str], issuer: str | None, repeat: int, timeout: float) -> dict:
    from playwright.sync_api import sync_playwright

    cases = [(q, None) for q in queries]
    if issuer and queries:
        cases.append((queries[0], issuer))
    results: list[dict] = []
    with serving(site, PREFIX) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            for query, only in cases:
                for mode in ("http", "file"):
                    page = base + "search/index.html" if mode == "http" else \
                        (site / "search" / "index.html").resolve().as_uri()
                    url = page + search_query(query, only)
                    runs = [one_run(browser, url, site.resolve(), timeout) for _ in range(repeat)]
                    results.append({"query": query, "issuer": only, "mode": mode, "url": url,
                                    "engine": runs[-1]["engine"], "median": median(runs), "runs": runs})
                    print(f"  {mode:<4} {_label(query, only)}: "
                          f"{_num(results[-1]['median']['first_result_ms'])} ms",
                          file=sys.stderr, flush=True)
        finally:
            browser.close()
    return {"site": str(site), "repeat": repeat, "prefix": PREFIX, "cases": results}


def _label(query: str, issuer: str | None) -> str:
    return query + (f" + issuer={issuer}" if issuer else "")


def _num(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def report(m: dict) -> str:
    lines = [f"site: {m['site']} (http under {m['prefix']}; median of {m['repeat']} cold loads)", ""]
    head = (f"{'query':<34} {'mode':<4} {'engine':<8} {'first result':>12} {'index ready':>11}"
            f" {'requests':>8} {'bytes':>12} {'index bytes':>12} {'shown':>5} {'total':>6}")
    lines += [head, "-" * len(head)]
    for case in m["cases"]:
        md = case["median"]
        lines.append(
            f"{_label(case['query'], case['issuer'])[:34]:<34} {case['mode']:<4} {case['engine'] or '-':<8}"
            f" {_num(md['first_result_ms']) + ' ms':>12} {_num(md['index_ready_ms']) + ' ms':>11}"
            f" {_num(md['requests']):>8} {_num(md['bytes']):>12} {_num(md['index_bytes']):>12}"
            f" {_num(md['shown']):>5} {_num(md['total']):>6}")
    modes: set[str] = set()
    for case in m["cases"]:
        if case["mode"] in modes or not case["runs"]:
            continue
        modes.add(case["mode"])
        label = _label(case["query"], case["issuer"])
        lines += ["", f"what {case['mode']} loaded for {label!r} (first run):"]
        for kind, f in case["runs"][0]["by_kind"].items():
            lines.append(f"  {kind:<24} {f['requests']:>6} requests {f['bytes']:>12,} bytes")
    seen: list[str] = []
    for case in m["cases"]:
        for run in case["runs"]:
            for problem in run["problems"] + [f"request failed: {f}" for f in run["failed_requests"]]:
                line = f"{case['mode']} {_label(case['query'], case['issuer'])}: {problem}"
                if line not in seen:
                    seen.append(line)
    lines += ["", "problems:" if seen else "problems: none"]
    lines += [f"  {line[:300]}" for line in seen]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path, help="a built site folder (the build's output_dir)")
    parser.add_argument("--repeat", type=int, default=3, help="cold loads per query and mode (default 3)")
    parser.add_argument("--query", action="append", dest="queries", metavar="Q",
                        help="a query to run (repeatable; default: " + ", ".join(DEFAULT_QUERIES) + ")")
    parser.add_argument("--issuer", default=None,
                        help="issuer filter applied to the first query, as a further case "
                             "(default: the issuer with the most statements; \"\" for none)")
    parser.add_argument("--timeout", type=float, default=120.0,
                        help="seconds one load may take (default 120)")
    parser.add_argument("--json", action="store_true", help="print the raw figures as JSON")
    args = parser.parse_args(argv)
    site: Path = args.site
    if not (site / "search" / "index.html").is_file():
        print(f"{site}: not a built site with a search page (no search/index.html)", file=sys.stderr)
        return 2
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is not installed (apt-get install chromium)", file=sys.stderr)
        return 2
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    issuer = most_common_issuer(site) if args.issuer is None else (args.issuer or None)
    figures = measure(site, args.queries or DEFAULT_QUERIES, issuer, args.repeat, args.timeout)
    print(json.dumps(figures, indent=2) if args.json else report(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())

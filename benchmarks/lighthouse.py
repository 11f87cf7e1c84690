"""Lighthouse on one page of every kind of the real archive, served under /repo/.

    .venv/bin/python benchmarks/lighthouse.py --install        # once: Lighthouse from npm
    .venv/bin/python benchmarks/lighthouse.py                  # build, serve, 3 runs a page
    .venv/bin/python benchmarks/lighthouse.py --runs 1 --page search --page "search?q=Russia"
    .venv/bin/python benchmarks/lighthouse.py --report         # the last run's table again

builds the real archive (``../shared/corpus/kcna-en-2024.json`` and the two seed
captures of ``../shared/corpus/seeds/``, with the project's ``content/issuers.yaml``)
into ``benchmarks/work/lighthouse/archive/`` with
``python -m generator build --base-url https://example.github.io/repo/`` (the work
tree's generator; a second run rebuilds only what changed), serves the site with
``generator.serve`` at ``http://127.0.0.1:PORT/repo/`` (the path of that base URL,
as GitHub Pages serves a project site; a missing page gets ``404.html`` with status
404), and runs Lighthouse (npm ``lighthouse``, installed by ``--install`` into
``benchmarks/work/lighthouse/``: version 12, the last that runs on Node 20) with
Debian's Chromium (``CHROME_PATH=/usr/bin/chromium``, ``--headless --no-sandbox
--disable-gpu``) and its default settings: a phone's screen, simulated throttling
(a slow 4G network and a CPU four times slower than this machine's), storage
cleared before each page.

The pages, one of each kind: home, statement (the newest), timeline, year and month
(the latest), issuers, issuer, issuer by year, organisation, sources, source (for
the issuer and the organisation, the one whose page is the largest file: the longest
list), search (no query), search with ``?q=Russia``, and a page that does not exist
(the 404 page, at its own address: Lighthouse refuses a page served with status 404),
a kind of statement, the list of statements altered at source, a version and a
comparison of versions, and the research data page. Each page is run ``--runs`` times
(default 3), the pages taking turns, so that each page's runs spread over the machine's
changing load; the table
shows each figure's median over the runs. The figures: the four category scores,
largest contentful paint (LCP), total blocking time (TBT), cumulative layout shift
(CLS), first contentful paint (FCP) and speed index, the SEO audits that failed,
and the load average (1 min) before each run. Lighthouse's performance score is
sensitive to the machine's load (its simulated slow phone runs on top of the real
CPU): compare runs at a similar load.

Everything is written to ``benchmarks/work/lighthouse/`` (git-ignored): the
archive, each run's Lighthouse report (``reports/KIND-N.json``) and the results
(``results.json``, every run's figures; ``results.md``, the table).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parents[1]
WORK = PROJECT / "benchmarks" / "work" / "lighthouse"
CORPUS = PROJECT.parent / "shared" / "corpus"
BASE_URL = "https://example.github.io/repo/"
PREFIX = "/repo/"
LIGHTHOUSE_VERSION = "12.8.2"
CHROMIUM = "/usr/bin/chromium"
CHROME_FLAGS = "--headless --no-sandbox --disable-gpu"
QUERY = "Russia"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
METRICS = {"largest-contentful-paint": "LCP ms", "total-blocking-time": "TBT ms",
           "cumulative-layout-shift": "CLS", "first-contentful-paint": "FCP ms",
           "speed-index": "SI ms"}


def lighthouse_bin() -> Path:
    return WORK / "node_modules" / ".bin" / "lighthouse"


def install() -> None:
    WORK.mkdir(parents=True, exist_ok=True)
    if not (WORK / "package.json").exists():
        (WORK / "package.json").write_text('{"private": true}\n')
    subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(WORK),
                    f"lighthouse@{LIGHTHOUSE_VERSION}"], check=True)


def build_archive(corpus: Path) -> Path:
    """The real archive's site, built (again, incrementally) in ``WORK/archive``."""
    root = WORK / "archive"
    sources = root / "content" / "sources"
    sources.mkdir(parents=True, exist_ok=True)
    wanted = [corpus / "kcna-en-2024.json", *sorted((corpus / "seeds").glob("*.txt"))]
    missing = [str(p) for p in wanted[:1] if not p.is_file()]
    if missing:
        sys.exit(f"the real archive's captures are missing: {', '.join(missing)}")
    for path in wanted:
        target = sources / path.name
        if not target.exists() or target.read_bytes() != path.read_bytes():
            shutil.copyfile(path, target)
    shutil.copyfile(PROJECT / "content" / "issuers.yaml", root / "content" / "issuers.yaml")
    (root / "config.yaml").write_text("title: DPRK Statements Archive\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "generator", "build", "--config",
                    str(root / "config.yaml"), "--base-url", BASE_URL],
                   check=True, cwd=PROJECT, stdout=subprocess.DEVNULL)
    return root / "site"


def _largest(pages: list[Path]) -> Path:
    return max(pages, key=lambda p: (p.stat().st_size, p.as_posix()))


def pages_of(site: Path) -> dict[str, str]:
    """One page of each kind, as a path under the site's root."""
    def rel(path: Path) -> str:
        return path.relative_to(site).as_posix()

    year = max(p for p in (site / "timeline").iterdir() if p.is_dir())
    month = max(p for p in year.iterdir() if p.is_dir())
    issuer_years = sorted(site.glob("issuers/*/[0-9]*/index.html"))
    kinds = {
        "home": "index.html",
        "statement": rel(max(site.glob("statements/*/*.html"))),
        "timeline": "timeline/index.html",
        "year": rel(year / "index.html"),
        "month": rel(month / "index.html"),
        "issuers": "issuers/index.html",
        "issuer": rel(_largest(list(site.glob("issuers/*/index.html")))),
        "issuer year": rel(_largest(issuer_years)) if issuer_years else None,
        "organisation": rel(_largest(list(site.glob("organizations/*/index.html")))),
        "sources": "sources/index.html",
        "source": rel(_largest(list(site.glob("sources/*/index.html")))),
        "search": "search/index.html",
        f"search?q={QUERY}": f"search/index.html?q={QUERY}",
        "kind": rel(_largest(list(site.glob("kinds/*/index.html")))),
        "altered": "altered/index.html" if (site / "altered").is_dir() else None,
        "version": rel(min(versions)) if (versions := sorted(site.glob("statements/*/*/v1.html")))
        else None,
        "comparison": rel(min(changes)) if (changes := sorted(
            site.glob("statements/*/*/compare-1-2.html"))) else None,
        "data": "data/index.html",
        # Lighthouse stops at a page served with status 404: the page itself, served at its
        # own address, is what a reader of a missing page sees.
        "404": "404.html",
    }
    return {kind: path for kind, path in kinds.items() if path}


def run_lighthouse(url: str, report: Path) -> dict[str, Any]:
    """One Lighthouse run of ``url``; its figures (``error`` when it failed)."""
    load = os.getloadavg()[0]
    env = {**os.environ, "CHROME_PATH": CHROMIUM}
    started = time.monotonic()
    done = subprocess.run(
        [str(lighthouse_bin()), url, f"--chrome-flags={CHROME_FLAGS}", "--output=json",
         f"--output-path={report}", "--quiet", f"--only-categories={','.join(CATEGORIES)}"],
        env=env, capture_output=True, text=True, timeout=600)
    figures: dict[str, Any] = {"load": round(load, 2),
                               "seconds": round(time.monotonic() - started, 1)}
    if done.returncode != 0 or not report.is_file():
        return {**figures, "error": (done.stderr or done.stdout).strip()[-500:]}
    result = json.loads(report.read_text())
    if result.get("runtimeError"):
        figures["error"] = result["runtimeError"].get("message", "runtime error")
    for name in CATEGORIES:
        score = result["categories"][name]["score"]
        figures[name] = None if score is None else round(score * 100)
    audits = result["audits"]
    for audit in METRICS:
        figures[audit] = audits[audit].get("numericValue")
    seo = result["categories"]["seo"]["auditRefs"]
    figures["seo failed"] = sorted(ref["id"] for ref in seo if ref["weight"] > 0
                                   and audits[ref["id"]]["score"] not in (None, 1))
    figures["lighthouse"] = result.get("lighthouseVersion")
    figures["chromium"] = result.get("environment", {}).get("hostUserAgent", "")
    return figures


def _median(values: list[float]) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def table(results: dict[str, Any]) -> str:
    head = ["page", *CATEGORIES, *METRICS.values(), "SEO audits failed", "load"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for kind, runs in results["pages"].items():
        good = [r for r in runs if "error" not in r]
        cells = [kind]
        for name in CATEGORIES:
            value = _median([r[name] for r in good])
            cells.append("" if value is None else f"{value:g}")
        for audit in METRICS:
            value = _median([r[audit] for r in good])
            cells.append("" if value is None else
                         f"{value:.3f}" if audit == "cumulative-layout-shift" else f"{value:.0f}")
        failed = sorted({a for r in good for a in r["seo failed"]})
        cells.append(", ".join(failed) or "none")
        loads = [r["load"] for r in runs]
        cells.append(f"{min(loads):.1f}-{max(loads):.1f}")
        lines.append("| " + " | ".join(cells) + " |")
    errors = [f"- {kind} run {i + 1}: {r['error']}" for kind, runs in results["pages"].items()
              for i, r in enumerate(runs) if "error" in r]
    return "\n".join(lines + (["", "Errors:", *errors] if errors else []))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--install", action="store_true",
                        help=f"install lighthouse@{LIGHTHOUSE_VERSION} from npm into {WORK}")
    parser.add_argument("--runs", type=int, default=3, help="runs of each page (default 3)")
    parser.add_argument("--page", action="append", dest="pages", metavar="KIND",
                        help="only this kind of page (repeatable; default: every kind)")
    parser.add_argument("--corpus", type=Path, default=CORPUS,
                        help=f"the folder of the real captures (default {CORPUS})")
    parser.add_argument("--report", action="store_true", help="print the last run's table again")
    args = parser.parse_args()
    if args.report:
        print(table(json.loads((WORK / "results.json").read_text())))
        return 0
    if args.install:
        install()
    if not lighthouse_bin().exists():
        sys.exit(f"Lighthouse is not installed: run {Path(__file__).name} --install")

    from generator.serve import serving

    site = build_archive(args.corpus)
    kinds = pages_of(site)
    unknown = sorted(set(args.pages or ()) - set(kinds))
    if unknown:
        sys.exit(f"no such kind of page: {', '.join(unknown)} (kinds: {', '.join(kinds)})")
    chosen = {k: p for k, p in kinds.items() if not args.pages or k in args.pages}
    reports = WORK / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"base_url": BASE_URL, "pages": {k: [] for k in chosen},
                               "paths": chosen, "runs": args.runs}
    with serving(site, PREFIX) as base:
        for n in range(args.runs):
            for kind, path in chosen.items():
                name = kind.replace("?", "-").replace("=", "-").replace(" ", "-")
                figures = run_lighthouse(base + path, reports / f"{name}-{n + 1}.json")
                results["pages"][kind].append(figures)
                print(f"run {n + 1} {kind}: " + ", ".join(
                    f"{k} {figures.get(k)}" for k in (*CATEGORIES, "load", "error")
                    if k in figures), file=sys.stderr, flush=True)
    (WORK / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    text = table(results)
    (WORK / "results.md").write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

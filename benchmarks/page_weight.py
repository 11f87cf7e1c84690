"""How heavy a built site is for its readers and its host.

    .venv/bin/python benchmarks/page_weight.py site/
    .venv/bin/python benchmarks/page_weight.py benchmarks/work/run-100000/archive/site --json

reads a built site folder (nothing is built or changed) and prints:

- article pages (``statements/<year>/<id>.html``): how many, and the median, 95th
  percentile and largest size in bytes, as written and gzipped (what a host such as
  GitHub Pages sends), and how many of them hold a ``<script``;
- the whole site: bytes (the sum of the files' sizes) and files; then what is
  published: the same without hidden files (the build record
  ``.generator-manifest.json.gz`` and ``.nojekyll``), which
  ``actions/upload-pages-artifact`` leaves out since v4, the share of GitHub Pages'
  1 GB limit that uses, and its size as a tar archive (512 bytes of header per file
  and folder, each file padded to 512 bytes), the form that action publishes it in;
- the same per top-level folder, largest first.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import sys
from collections import defaultdict
from pathlib import Path

GITHUB_PAGES_LIMIT = 1_000_000_000  # "Published GitHub Pages sites may be no larger than 1 GB"


def percentile(values: list[int], fraction: float) -> int:
    """The nearest-rank percentile of ``values`` (sorted or not)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5)))
    return ordered[rank - 1]


def measure(site: Path) -> dict:
    articles: list[int] = []
    articles_gz: list[int] = []
    with_script = 0
    for page in sorted(site.glob("statements/*/*.html")):
        if page.name == "index.html":
            continue
        data = page.read_bytes()
        articles.append(len(data))
        articles_gz.append(len(gzip.compress(data, compresslevel=6, mtime=0)))
        with_script += b"<script" in data
    total = files = tar = published = 0
    folders: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for dirpath, _, filenames in os.walk(site):
        top = Path(dirpath).relative_to(site).parts
        hidden_folder = any(part.startswith(".") for part in top)
        tar += 0 if hidden_folder else 512
        for name in filenames:
            size = os.stat(os.path.join(dirpath, name)).st_size
            key = top[0] + "/" if top else name
            folders[key][0] += size
            folders[key][1] += 1
            total += size
            files += 1
            if not (hidden_folder or name.startswith(".")):  # tar --exclude='.[^/]*'
                published += size
                tar += 512 + -(-size // 512) * 512
    summary = {
        "site": str(site),
        "article_pages": len(articles),
        "article_bytes": _stats(articles),
        "article_gzip_bytes": _stats(articles_gz),
        "article_pages_with_script": with_script,
        "total_bytes": total,
        "files": files,
        "published_bytes": published,
        "github_pages_share": published / GITHUB_PAGES_LIMIT,
        "tar_bytes": tar,
        "folders": {k: {"bytes": v[0], "files": v[1]}
                    for k, v in sorted(folders.items(), key=lambda kv: -kv[1][0])},
    }
    return summary


def _stats(values: list[int]) -> dict:
    if not values:
        return {"median": 0, "p95": 0, "max": 0}
    return {"median": int(statistics.median(values)), "p95": percentile(values, 0.95),
            "max": max(values)}


def report(m: dict) -> str:
    a, g = m["article_bytes"], m["article_gzip_bytes"]
    lines = [
        f"site: {m['site']}",
        f"article pages: {m['article_pages']:,}"
        f" ({m['article_pages_with_script']:,} with a script)",
        f"  bytes        median {a['median']:>9,}  p95 {a['p95']:>9,}  max {a['max']:>9,}",
        f"  gzipped      median {g['median']:>9,}  p95 {g['p95']:>9,}  max {g['max']:>9,}",
        f"whole site: {m['total_bytes']:,} bytes in {m['files']:,} files",
        f"published (no hidden files): {m['published_bytes']:,} bytes"
        f" ({100 * m['github_pages_share']:.1f}% of GitHub Pages' 1 GB);"
        f" {m['tar_bytes']:,} bytes as a tar archive",
        "  by folder:",
    ]
    for name, f in m["folders"].items():
        lines.append(f"    {name:<26} {f['bytes']:>14,} bytes {f['files']:>9,} files")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path, help="a built site folder (the build's output_dir)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if not (args.site / "index.html").is_file():
        print(f"{args.site}: not a built site (no index.html)", file=sys.stderr)
        return 2
    figures = measure(args.site)
    print(json.dumps(figures, indent=2) if args.json else report(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())

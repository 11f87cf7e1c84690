"""Time the import of a web archive of N kcna.kp article pages (issue 22).

    .venv/bin/python benchmarks/warc_import.py --count 20000 --repeat 3

Makes ``benchmarks/work/warc-N/`` (once; the same ``--count`` gives the same bytes):
a ready-to-import archive whose ``content/sources/crawl.warc.gz`` holds N article
pages of kcna.kp, half in the site's older layout and half in its newer one, each
after the request that fetched it, as a crawler writes them (gzip, one member per
record). Each page is about 5 KB: the site's menu, the title, five to nine
paragraphs taken from the seed captures with leaders' names in ``fSpecCs`` spans,
the date, the lists of other articles. Every page is a distinct statement.

Then, ``--repeat`` times, under ``/usr/bin/time -v``:

- *cold*: ``python -m generator import`` with no Markdown store and no cache;
- *unchanged*: the same command again (the archive is not read again).

and prints the medians: wall seconds, pages per second (N / cold wall seconds), and
the peak memory (maximum resident set size). ``--parse-only`` also reads the archive
alone (``ingest.parse_file``, no store), at a quarter, half and all of N, to show
how the peak memory grows with the archive: by the documents it gives, not by its
bytes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / "work"
SEEDS = ROOT / "content" / "sources"
FIRST_DAY = dt.date(2019, 1, 1)
NAMES = ("Kim Jong Un", "Kim Il Sung", "Kim Jong Il", "Kim Yo Jong")

MENU = "".join(f'\n  <a href="/en/category/articles/q/{i:032x}.kcmsf">{name}</a>' for i, name in
               enumerate(("Latest News", "Top News", "Home News", "Documents", "World",
                          "Society-Life", "External", "News Commentary", "Photo", "Video")))


def pool() -> list[str]:
    """Body paragraphs to build pages from: the seed captures' paragraphs."""
    paragraphs = []
    for seed in sorted(SEEDS.glob("*.txt")):
        lines = [x.strip() for x in seed.read_text().split("\n")]
        start = next(i for i, x in enumerate(lines) if x.startswith("Pyongyang,"))
        end = next(i for i, x in enumerate(lines) if x.startswith("www.kcna.kp"))
        paragraphs += [x.removesuffix(" -0-") for x in lines[start + 1:end] if x]
    return paragraphs


def named(paragraph: str, rng: random.Random) -> str:
    """``paragraph`` with a leader's name in the span kcna.kp sets it in, now and then."""
    if rng.random() < 0.5:
        return paragraph
    name = rng.choice(NAMES)
    return f"{paragraph} The respected Comrade <nobr><span class='fSpecCs'>{name}</span></nobr> " \
           "said so."


def article(number: int, paragraphs: list[str]) -> tuple[str, bytes, dt.datetime]:
    """The address, the page and the capture time of article ``number``."""
    rng = random.Random(number)
    day = FIRST_DAY + dt.timedelta(days=number % 2500)
    title = f"Press Statement of Spokesperson for DPRK Foreign Ministry No. {number}"
    body = [f"Pyongyang, {day:%B} {day.day} (KCNA) -- A spokesperson for the Foreign Ministry "
            f"of the DPRK issued the following press statement (No. {number}):"]
    body += [named(p, rng) for p in rng.sample(paragraphs, rng.randint(5, 9))]
    body[-1] += " -0-"
    text = "\n".join(f"      <p>{p}</p>" for p in body)
    links = "".join(f'\n  <li><a href="/en/article/q/{rng.getrandbits(128):032x}.kcmsf">Other '
                    f"Article {rng.randint(1, 99999)}</a></li>" for _ in range(8))
    captured = dt.datetime.combine(day + dt.timedelta(days=rng.randint(0, 2)), dt.time(8),
                                   dt.UTC)
    key = f"{rng.getrandbits(128):032x}"
    if number % 2:
        url = f"http://www.kcna.kp/en/article/detail/{key}"
        page = (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>KCNA'
                f'</title></head>\n<body><header><nav>{MENU}</nav></header>\n<main><article>'
                f'<div class="container">\n<h1 class="text-center fw-bold">{title}</h1>\n{text}\n'
                f"</div></article></main>\n<ul>{links}</ul>\n<footer>KCNA</footer></body></html>\n")
    else:
        url = f"http://www.kcna.kp/en/article/q/{key}.kcmsf"
        juche = f"Juche{day.year - 1911}.{day.month}.{day.day}."
        page = (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>KCNA | '
                f'Article | {title}</title></head>\n<body><div class="col-md-12 menu-block">'
                f'{MENU}</div>\n<div class="article-main"><div class="article-main-title">{title}'
                f'</div>\n<div class="media-icon"><a href="/en/media/photo/q/{key}.kcmsf">Photo'
                f'</a></div>\n<div class="article-content-body"><div class="content-wrapper">\n'
                f'{text}\n<span class="publish-time">www.kcna.kp ({juche})</span></div></div>'
                f'</div>\n<ul class="article-link">{links}</ul></body></html>\n')
    return url, page.encode("utf-8"), captured


def make(count: int) -> Path:
    """The archive of ``count`` pages, made if it is not there yet."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    folder = WORK / f"warc-{count}"
    warc = folder / "content" / "sources" / "crawl.warc.gz"
    if warc.exists():
        return folder
    warc.parent.mkdir(parents=True, exist_ok=True)
    (folder / "config.yaml").write_text("title: WARC import benchmark\n")
    paragraphs = pool()
    partial = warc.with_suffix(".partial")
    with open(partial, "wb") as out:
        writer = WARCWriter(out, gzip=True)
        for number in range(count):
            url, page, captured = article(number, paragraphs)
            date = captured.strftime("%Y-%m-%dT%H:%M:%SZ")
            ids = {"WARC-Date": date}
            path = "/" + url.split("/", 3)[3]
            request = StatusAndHeaders(f"GET {path} HTTP/1.1", [("Host", "www.kcna.kp")],
                                       is_http_request=True)
            writer.write_record(writer.create_warc_record(
                url, "request", payload=io.BytesIO(b""), http_headers=request,
                warc_headers_dict={**ids, "WARC-Record-ID": f"<urn:uuid:{_uuid(2 * number)}>"}))
            response = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                        protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                url, "response", payload=io.BytesIO(page), http_headers=response,
                warc_headers_dict={**ids, "WARC-Record-ID": f"<urn:uuid:{_uuid(2 * number + 1)}>"}))
    partial.rename(warc)
    return folder


def _uuid(number: int) -> str:
    text = f"{number:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def timed(command: list[str], cwd: Path) -> tuple[float, float, int, str]:
    """Wall seconds, CPU seconds (user + sys), peak memory (KB) and output of ``command``
    under ``/usr/bin/time -v``."""
    start = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-v", *command], cwd=cwd, capture_output=True,
                          text=True, check=True)
    wall = time.perf_counter() - start
    peak = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)[1])
    cpu = sum(float(re.search(rf"{kind} time \(seconds\): ([\d.]+)", done.stderr)[1])
              for kind in ("User", "System"))
    return wall, cpu, peak, done.stdout + done.stderr


def import_runs(folder: Path, count: int, repeat: int) -> None:
    command = [sys.executable, "-m", "generator", "import"]
    results: dict[str, list[tuple[float, float, int]]] = {"cold": [], "unchanged": []}
    for _ in range(repeat):
        for leftover in ("content/statements", ".cache"):
            shutil.rmtree(folder / leftover, ignore_errors=True)
        for step in results:
            wall, cpu, peak, output = timed(command, folder)
            results[step].append((wall, cpu, peak))
            summary = next(x for x in output.splitlines() if x.startswith("import:"))
            print(f"{step}: {wall:.1f} s, CPU {cpu:.1f} s, {peak / 1024:.0f} MB; {summary}",
                  flush=True)
    for step, runs in results.items():
        wall, cpu, peak = (statistics.median(run[i] for run in runs) for i in range(3))
        rate = (f", {count / wall:.0f} pages/s ({count / cpu:.0f} per CPU second)"
                if step == "cold" else "")
        print(f"median {step}: {wall:.1f} s, CPU {cpu:.1f} s{rate}, peak {peak / 1024:.0f} MB "
              f"({len(runs)} runs)")


PARSE = """
import resource, sys, time
from pathlib import Path
from generator import ingest
path = Path(sys.argv[1])
start = time.perf_counter()
documents, problems, counts = ingest.parse_file(path, path.parent)
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_SELF)
print(len(documents), len(problems), f"{wall:.2f}", usage.ru_maxrss,
      f"{usage.ru_utime + usage.ru_stime:.2f}")
"""


def parse_runs(count: int) -> None:
    """Read the archive alone at a quarter, half and all of ``count`` pages."""
    for part in (count // 4, count // 2, count):
        warc = make(part) / "content" / "sources" / "crawl.warc.gz"
        out = subprocess.run([sys.executable, "-c", PARSE, str(warc)], cwd=ROOT, text=True,
                             capture_output=True, check=True).stdout.split()
        size = warc.stat().st_size
        print(f"parse only, {part} pages ({size / 1e6:.0f} MB gzip): {out[0]} statements, "
              f"{out[2]} s, CPU {out[4]} s ({part / float(out[2]):.0f} pages/s, "
              f"{part / float(out[4]):.0f} per CPU second), peak {int(out[3]) / 1024:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--parse-only", action="store_true",
                        help="also read the archive alone at a quarter, half and all of --count")
    args = parser.parse_args()
    folder = make(args.count)
    warc = folder / "content" / "sources" / "crawl.warc.gz"
    print(f"{warc.relative_to(ROOT)}: {args.count} pages, {warc.stat().st_size / 1e6:.1f} MB")
    if args.parse_only:
        parse_runs(args.count)
    import_runs(folder, args.count, args.repeat)


if __name__ == "__main__":
    main()

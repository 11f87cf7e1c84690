"""Make a benchmark corpus: N distinct statements spread over 1997-2024, in both input formats.

    python benchmarks/make_corpus.py --count 10000 --out benchmarks/work/corpus-10000

The statements are made from the real KCNA dump (``../shared/corpus/kcna-en-2024.json``
next to the project) when it is there, from the two seed captures in
``content/sources/`` otherwise. Each real statement (duplicates in the dump merged
first) is used again and again with a new date; every copy after the first has one
body paragraph swapped for a paragraph of another statement, so that texts vary.

What the generator would merge as one statement (see ``generator/ingest/identity.py``)
never occurs between two statements: no two copies of one real statement fall on one
date (their texts are nearly the same), no two statements share a date and a
normalised title (a repeated pair gets `` (2)``, `` (3)``... after its title, which
happens for a few per cent of them), and of the real statements altered at source
(two texts under one link in the dump) only the first text is used. One statement in
a hundred (``ALTERED_EVERY``) is altered at source: a second capture of it, made
later, has a few words of a paragraph changed, and one in three of those (when its
text is long) a word of its headline too: a KCNA Watch page captured one to seven
days after the first, or a record under the same link later in its year's dump. The
generator makes them versions of one statement, so the archive still holds exactly
``--count`` statements. Datelines
(``Pyongyang, March 5 (KCNA)``), ``Date:`` lines, Juche footers and record
timestamps are rewritten to the new date, so that no "dates disagree" warning is
raised by the corpus itself.

The output folder is a ready-to-build archive::

    config.yaml             title, base_url, source_dir, content_dir, issuers_file, output_dir
    issuers.yaml            a copy of the project's content/issuers.yaml
    sources/kcnawatch/YYYY/kw-NNNNNNN.txt   half of the statements: KCNA Watch pages saved as text
    sources/records/kcna-YYYY.json          the other half: JSON record dumps, one per year
    corpus.json             what was made (count, seed, origin, files per format)

The same ``--count``/``--seed`` always gives the same bytes. Statements without text
(photo and video items of the dump) are written only as records, as in real dumps.
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import hashlib
import json
import random
import re
import shutil
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DUMP = ROOT.parent / "shared" / "corpus" / "kcna-en-2024.json"
SEEDS = ROOT / "content" / "sources"
ISSUERS = ROOT / "content" / "issuers.yaml"

FIRST_DAY = dt.date(1997, 1, 1)
LAST_DAY = dt.date(2024, 12, 31)
JUCHE_OFFSET = 1911
OUTLET = "KCNA.kp (En)"
BASE_URL = "https://example.github.io/archive/"

_QUOTES = str.maketrans({"‘": "'", "’": "'", "‛": "'", "“": '"', "”": '"', "‟": '"',
                         "\u00a0": " ", "–": "-", "—": "-"})
_SPACE = re.compile(r"\s+")
#: The dateline opening a body, as the generator reads it: "Pyongyang, September 22 (KCNA)".
_DATELINE = re.compile(
    r"^(?P<place>[A-Z][A-Za-z'.\- ]{0,40}),\s+(?P<month>[A-Z][a-z]{2,8})\.?\s+(?P<day>\d{1,2})"
    r"(?P<rest>\s*\()"
)
#: Body lines that the KCNA Watch reader would take for page furniture.
_FURNITURE = re.compile(
    r"^(More From\s|More Articles$|NK News is hiring$|Read original version at source$|Date:\s*\d)"
    r"|\(Juche\s?\d"
)


def normalise(text: str) -> str:
    """Text as the generator compares it for identity (NFC, plain quotes, spaces, no case)."""
    text = unicodedata.normalize("NFC", text).translate(_QUOTES)
    return _SPACE.sub(" ", text).strip().casefold()


@dataclass(frozen=True, slots=True)
class Base:
    """One real statement the corpus is made from."""

    title: str
    paragraphs: tuple[str, ...]
    topic: str


@dataclass(frozen=True, slots=True)
class Item:
    """One statement of the corpus."""

    number: int
    title: str
    date: dt.date
    paragraphs: tuple[str, ...]
    topic: str
    captured: dt.date
    altered: tuple[str, tuple[str, ...]] | None = None
    """The title and paragraphs of its second version, if it was altered at source."""
    recaptured: dt.date | None = None
    """When that version was captured."""


# --- reading the real statements ---------------------------------------------------------


def load_dump(path: Path) -> list[Base]:
    """The distinct statements of a JSON record dump (same title and text: one statement)."""
    records = json.loads(path.read_text(encoding="utf-8"))
    seen: set[tuple[str, str]] = set()
    links: set[str] = set()
    bases = []
    for record in records:
        headline = record.get("headline")
        if not isinstance(headline, str) or not headline.strip():
            continue
        link = record.get("link")
        if isinstance(link, str) and link:
            if link in links:
                continue  # the same article again: a duplicate, or a version altered at source
            links.add(link)
        title = _SPACE.sub(" ", headline.strip().split("\n", 1)[0]).strip()
        text = record.get("story_text") or ""
        paragraphs = tuple(line.strip() for line in text.replace("\r\n", "\n").split("\n")
                           if line.strip())
        key = (normalise(title), normalise("\n".join(paragraphs)))
        if not title or key in seen:
            continue
        seen.add(key)
        bases.append(Base(title, paragraphs, str(record.get("topic") or "").strip()))
    # A record without text whose title a record with text also has is the same statement
    # (the generator merges them), so it is not a statement of its own.
    with_text = {normalise(b.title) for b in bases if b.paragraphs}
    return [b for b in bases if b.paragraphs or normalise(b.title) not in with_text]


def load_seed(path: Path) -> Base:
    """A KCNA Watch capture's title and body (the layout of generator/ingest/kcnawatch.py)."""
    lines = [line.strip() for line in path.read_text(encoding="utf-8-sig").splitlines()]
    lines = [line for line in lines if line]
    end = next((i for i, line in enumerate(lines) if line.startswith("More From")), len(lines))
    lines = lines[2:end]  # the page header: capture date, agency and outlet
    title = lines.pop(0)
    body = [line for line in lines if not line.startswith("Date:")
            and line not in ("NK News is hiring", "Read original version at source")]
    if body and "(Juche" in body[-1]:
        body.pop()
    return Base(title, tuple(body), "")


def load_bases(dump: Path | None) -> tuple[list[Base], str]:
    if dump is not None and dump.is_file():
        return load_dump(dump), str(dump)
    seeds = sorted(SEEDS.glob("*.txt"))
    if not seeds:
        sys.exit(f"make_corpus: neither {DUMP} nor seed captures in {SEEDS}")
    return [load_seed(p) for p in seeds], f"{len(seeds)} seed captures in {SEEDS}"


# --- making the statements ---------------------------------------------------------------


def with_dateline(paragraphs: Sequence[str], date: dt.date) -> tuple[str, ...]:
    """``paragraphs`` with the opening dateline moved to ``date`` (month and day)."""
    if not paragraphs:
        return ()
    first = _DATELINE.sub(
        lambda m: f"{m['place']}, {calendar.month_name[date.month]} {date.day}{m['rest']}",
        paragraphs[0], count=1)
    return (first, *paragraphs[1:])


#: One statement in this many is altered at source (a second capture with a changed text).
ALTERED_EVERY = 100
ALTERED_AT = 37


def alter(title: str, paragraphs: Sequence[str], donor: Sequence[str], rng: random.Random
          ) -> tuple[str, tuple[str, ...]]:
    """A later version of a statement: up to four words of one paragraph (not the dateline's,
    when there are others) replaced by words of ``donor``, and, for one text in three of
    150 words or more, the last word of the headline too."""
    paragraphs = list(paragraphs)
    index = 1 + rng.randrange(len(paragraphs) - 1) if len(paragraphs) > 1 else 0
    words = paragraphs[index].split(" ")
    pool = [w for p in donor for w in p.split(" ") if w.isalpha()] or ["revised"]
    for _ in range(min(4, max(1, len(words) // 10))):
        words[rng.randrange(len(words))] = rng.choice(pool)
    paragraphs[index] = " ".join(words)
    length = sum(len(p.split()) for p in paragraphs)
    if length >= 150 and rng.randrange(3) == 0:
        head, _, _ = title.rpartition(" ")
        title = f"{head} {rng.choice(pool).capitalize()}" if head else title
    return title, tuple(paragraphs)


def make_items(bases: Sequence[Base], count: int, seed: int) -> list[Item]:
    """``count`` distinct statements with random dates in 1997-2024, sorted by date."""
    rng = random.Random(seed)
    days = (LAST_DAY - FIRST_DAY).days + 1
    order = list(range(len(bases)))
    used: set[tuple[dt.date, str]] = set()
    placed: set[tuple[dt.date, int]] = set()
    items = []
    for number in range(count):
        cycle, position = divmod(number, len(bases))
        if position == 0:
            rng.shuffle(order)
        base = bases[order[position]]
        date = FIRST_DAY + dt.timedelta(days=rng.randrange(days))
        while (date, order[position]) in placed:  # two copies of one text: one statement
            date = FIRST_DAY + dt.timedelta(days=rng.randrange(days))
        placed.add((date, order[position]))
        paragraphs = list(base.paragraphs)
        if cycle and paragraphs:
            # Swap one paragraph (never the dateline) for one of another statement.
            donor = bases[rng.randrange(len(bases))].paragraphs[1:]
            if donor:
                borrowed = donor[rng.randrange(len(donor))]
                if len(paragraphs) > 1:
                    paragraphs[1 + rng.randrange(len(paragraphs) - 1)] = borrowed
                else:
                    paragraphs.append(borrowed)
        title = base.title
        n = 1
        while (date, normalise(title)) in used:
            n += 1
            title = f"{base.title} ({n})"
        used.add((date, normalise(title)))
        paragraphs = list(with_dateline(paragraphs, date))
        captured = date + dt.timedelta(days=rng.randrange(4))
        altered = recaptured = None
        if number % ALTERED_EVERY == ALTERED_AT and paragraphs:
            donor = bases[rng.randrange(len(bases))].paragraphs[1:]
            altered = alter(title, paragraphs, donor, rng)
            recaptured = captured + dt.timedelta(days=1 + rng.randrange(7))
        items.append(Item(
            number=number, title=title, date=date, paragraphs=tuple(paragraphs),
            topic=base.topic, captured=captured, altered=altered, recaptured=recaptured,
        ))
    items.sort(key=lambda i: (i.date, i.number))
    return items


# --- the two formats ---------------------------------------------------------------------


def juche(date: dt.date) -> str:
    return f"Juche{date.year - JUCHE_OFFSET}.{date.month}.{date.day}."


def header_date(date: dt.date) -> str:
    return f"{calendar.month_name[date.month]} {date.day:02d}, {date.year}"


def kcnawatch_text(title: str, date: dt.date, paragraphs: Sequence[str], captured: dt.date,
                   more: Sequence[tuple[str, str]] = (), hiring: bool = False) -> str:
    """A KCNA Watch page saved as text, laid out as the seed captures are.

    ``more``: (title, first paragraph) of the articles listed under "More From".
    """
    lines = [header_date(captured), f"KCNA {OUTLET}", "", title, "",
             f"Date: {date:%d/%m/%Y} | Source: {OUTLET} | Read original version at source", ""]
    if hiring:
        lines += ["NK News is hiring", ""]
    for paragraph in paragraphs:
        lines += [paragraph, ""]
    lines += [f"www.kcna.kp ({juche(date)})", "", f"More From {OUTLET}", ""]
    for other_title, teaser in more:
        teaser = teaser[:130]
        lines += [other_title, "", other_title, "", teaser, "", header_date(captured), "",
                  teaser, ""]
    lines.append("More Articles")
    return "\n".join(lines)


def record(item: Item, *, version: int = 1) -> dict[str, object]:
    """A JSON record as the KCNA site scrapers write it (``version`` 2: the text it was
    altered to, under the same link)."""
    midnight = dt.datetime(item.date.year, item.date.month, item.date.day, tzinfo=dt.UTC)
    digest = hashlib.sha256(f"{item.number}\n{item.title}\n{item.date}".encode()).hexdigest()
    title, paragraphs = item.altered if version == 2 and item.altered else (item.title,
                                                                           item.paragraphs)
    return {
        "topic": item.topic or "Home News",
        "headline": title,
        "link": f"http://www.kcna.kp/en/article/q/{digest}.kcmsf",
        "date": int(midnight.timestamp() * 1000),
        "story_text": "\n".join(paragraphs),
        "date_str": item.date.isoformat(),
    }


def fits_kcnawatch(item: Item) -> bool:
    """True when the statement survives a round trip through the KCNA Watch text layout."""
    return bool(item.paragraphs) and not any(_FURNITURE.search(p) for p in item.paragraphs)


def config_text(title: str) -> str:
    return (
        "# Made by benchmarks/make_corpus.py. Paths are relative to this file.\n"
        f"title: {json.dumps(title)}\n"
        f"base_url: {BASE_URL}\n"
        "source_dir: sources\n"
        "content_dir: statements\n"
        "issuers_file: issuers.yaml\n"
        "output_dir: site\n"
    )


def write_corpus(items: Sequence[Item], out: Path, seed: int, origin: str) -> dict[str, object]:
    rng = random.Random(seed + 1)
    if out.exists():
        shutil.rmtree(out)
    sources = out / "sources"
    (sources / "records").mkdir(parents=True)
    (out / "config.yaml").write_text(config_text(f"Benchmark Archive ({len(items)} statements)"),
                                     encoding="utf-8")
    shutil.copyfile(ISSUERS, out / "issuers.yaml")

    by_year: dict[int, list[dict[str, object]]] = {}
    later: dict[int, list[dict[str, object]]] = {}
    texts = 0
    for index, item in enumerate(items):
        # Half of the statements as text captures: those that fit, until half are written.
        if 2 * texts <= index and fits_kcnawatch(item):
            neighbours = [items[(index + k) % len(items)] for k in range(1, 6)]
            more = [(n.title, n.paragraphs[0] if n.paragraphs else n.title) for n in neighbours]
            folder = sources / "kcnawatch" / f"{item.date.year}"
            folder.mkdir(parents=True, exist_ok=True)
            text = kcnawatch_text(item.title, item.date, item.paragraphs, item.captured, more,
                                  hiring=rng.random() < 0.3)
            (folder / f"kw-{item.number:07d}.txt").write_text(text, encoding="utf-8")
            texts += 1
            if item.altered and item.recaptured:
                title, paragraphs = item.altered
                (folder / f"kw-{item.number:07d}-v2.txt").write_text(
                    kcnawatch_text(title, item.date, paragraphs, item.recaptured, more),
                    encoding="utf-8")
        else:
            by_year.setdefault(item.date.year, []).append(record(item))
            if item.altered:  # scraped again later: at the end of its year's dump
                later.setdefault(item.date.year, []).append(record(item, version=2))
    for year, altered in later.items():
        by_year[year] += altered
    for year, records in sorted(by_year.items()):
        path = sources / "records" / f"kcna-{year}.json"
        path.write_text(json.dumps(records, ensure_ascii=False, indent=1), encoding="utf-8")
    summary: dict[str, object] = {
        "count": len(items),
        "seed": seed,
        "made_from": origin,
        "first": items[0].date.isoformat() if items else None,
        "last": items[-1].date.isoformat() if items else None,
        "kcnawatch_files": texts,
        "record_files": len(by_year),
        "records": sum(len(r) for r in by_year.values()),
        "title_only": sum(1 for i in items if not i.paragraphs),
        "altered": sum(1 for i in items if i.altered),
        "retitled": sum(1 for i in items if re.search(r" \(\d+\)$", i.title)),
    }
    (out / "corpus.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    return summary


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Make a benchmark corpus of COUNT distinct statements dated 1997-2024, half "
                    "as KCNA Watch text captures and half as JSON record dumps, in a folder "
                    "that `python -m generator build --config OUT/config.yaml` builds.")
    parser.add_argument("--count", type=int, default=10_000, help="statements (default 10000)")
    parser.add_argument("--out", type=Path, help="output folder, replaced if it exists "
                        "(default benchmarks/work/corpus-COUNT)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--dump", type=Path, default=DUMP,
                        help=f"real JSON dump to scale (default {DUMP}; the seed captures in "
                             "content/sources/ when it is absent)")
    args = parser.parse_args(argv)
    if args.count < 1:
        parser.error("--count must be at least 1")
    out = args.out or ROOT / "benchmarks" / "work" / f"corpus-{args.count}"
    bases, origin = load_bases(args.dump)
    items = make_items(bases, args.count, args.seed)
    summary = write_corpus(items, out, args.seed, origin)
    print(f"{out}: {summary['count']} statements from {len(bases)} distinct real ones "
          f"({origin}); {summary['kcnawatch_files']} KCNA Watch text files, "
          f"{summary['records']} records in {summary['record_files']} JSON files")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

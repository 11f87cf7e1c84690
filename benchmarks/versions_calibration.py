"""Calibrate the rule that says which captures are versions of one statement, on a real dump.

    .venv/bin/python benchmarks/versions_calibration.py [DUMP] [--all]

Loads the dump through the generator's own parser (``generator.ingest.records``),
groups it as the generator did before versions (date, title and text: one
statement per distinct text) and lists every pair of those statements that
could be versions of one: those of one date whose texts share at least 0.4
of their words (``generator.model.textdiff.similarity``), and those under one
link. For each pair: the share of words, the length of the shorter text in
words, whether the titles are the same, whether the two share a link (in the
dump, the sign of an article edited at source), the words added and removed
(``textdiff.compare``), what the rule of ``generator.ingest.identity`` says, and
difflib's character ratio (``SequenceMatcher.ratio`` with ``autojunk`` on, as by
default), the measure the rule does not use.
Then the same for pairs of statements with the same title on different dates
(different statements with one title: what the rule must keep apart when they
fall on one day), the table of what each threshold separates, and the count
of statements the rule gives, with the links and without them (a KCNA Watch
page saved as text has no link). ``--all`` lists every pair, not only those
over 0.4.
"""

from __future__ import annotations

import argparse
import difflib
import itertools
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from generator.ingest import identity, records  # noqa: E402
from generator.ingest.decode import read_source  # noqa: E402
from generator.model import textdiff  # noqa: E402

DUMP = ROOT.parent / "shared" / "corpus" / "kcna-en-2024.json"
LISTED = 0.4


def old_groups(documents, keys):
    """The statements as the generator made them before versions: one per date, normalised
    title and text (a capture without text joining the first text of its title)."""
    by_bucket = defaultdict(lambda: defaultdict(list))
    for doc, key in zip(documents, keys, strict=True):
        by_bucket[(doc.date, key.title)][key.text].append(doc)
    groups = []
    for (date, title), by_text in sorted(by_bucket.items(), key=lambda i: (str(i[0][0]), i[0][1])):
        empty = by_text.pop("", [])
        texts = sorted(by_text)
        for n, text in enumerate(texts):
            groups.append((date, title, text, by_text[text] + (empty if n == 0 else [])))
        if not texts:
            groups.append((date, title, "", empty))
    return groups


def verdict(a, b, share, same_link):
    """What the rule says of two statements of one date (or one link)."""
    if same_link:
        return "same link" if share >= identity.RELATED else "link, texts unrelated"
    if a["title"] == b["title"]:
        return "one statement" if share >= identity.SAME_TITLE else "two"
    if share >= identity.CLOSE:
        return "one statement"
    if share >= identity.LONG:
        return "one statement" if min(a["words"], b["words"]) >= identity.LONG_WORDS else \
            "two (short)"
    return "two"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dump", nargs="?", type=Path, default=DUMP)
    parser.add_argument("--all", action="store_true", help="list every pair, not only those over 0.4")
    args = parser.parse_args(argv)
    if not args.dump.is_file():
        sys.exit(f"versions_calibration: no dump at {args.dump}")
    documents, _ = records.parse(read_source(args.dump, args.dump.parent))
    keys = [identity.keys_of(d) for d in documents]
    old = old_groups(documents, keys)
    items = []
    for date, title, _text, docs in old:
        first = min(docs, key=lambda d: (not d.paragraphs, d.capture.file, d.order))
        items.append({
            "date": date, "title": title, "paragraphs": first.paragraphs, "shown": first.title,
            "bag": textdiff.bag_of("\n".join(first.paragraphs)),
            "distinct": frozenset(textdiff.tokens("\n".join(first.paragraphs))),
            "text": "\n".join(first.paragraphs),
            "links": {d.capture.source_url for d in docs if d.capture.source_url},
        })
    for item in items:
        item["words"] = len(item["bag"])

    pairs = []
    by_date = defaultdict(list)
    for n, item in enumerate(items):
        by_date[item["date"]].append(n)
    for members in by_date.values():
        pairs += itertools.combinations(members, 2)
    by_link = defaultdict(list)
    for n, item in enumerate(items):
        for link in item["links"]:
            by_link[link].append(n)
    linked = {tuple(sorted(p)) for ns in by_link.values() for p in itertools.combinations(ns, 2)}
    pairs = sorted(set(pairs) | linked)

    print(f"{args.dump}: {len(documents)} records, {len(old)} statements before versions "
          f"(one per date, title and text)\n")
    print("Pairs of one date (or one link) sharing at least "
          f"{LISTED if not args.all else 0} of their words:\n")
    print("| share | difflib ratio | shorter (words) | same title | same link | added | removed "
          "| rule says | titles |")
    print("|---|---|---|---|---|---|---|---|---|")
    rows = []
    for a, b in pairs:
        x, y = items[a], items[b]
        if not x["paragraphs"] or not y["paragraphs"]:
            continue
        share = textdiff.similarity(x["bag"], y["bag"])
        same_link = (a, b) in linked
        if share < LISTED and not same_link and not args.all:
            continue
        change = textdiff.compare(x["paragraphs"], y["paragraphs"])
        rows.append((share, x, y, same_link, change, verdict(x, y, share, same_link)))
    for share, x, y, same_link, change, said in sorted(rows, key=lambda r: -r[0]):
        titles = x["shown"] if x["title"] == y["title"] else f"{x['shown']} / {y['shown']}"
        same_title = "yes" if x["title"] == y["title"] else "no"
        ratio = difflib.SequenceMatcher(None, " ".join(x["text"].split()),
                                        " ".join(y["text"].split())).ratio()
        print(f"| {share:.3f} | {ratio:.3f} | {min(x['words'], y['words'])} | {same_title} "
              f"| {'yes' if same_link else 'no'} | {change.added} | {change.removed} | {said} "
              f"| {titles[:110]} |")

    print("\nStatements with one title on different dates (different statements), "
          "the most alike:\n")
    print("| share | shorter (words) | dates | title |")
    print("|---|---|---|---|")
    by_title = defaultdict(list)
    for n, item in enumerate(items):
        if item["paragraphs"]:
            by_title[item["title"]].append(n)
    same_title = []
    for members in by_title.values():
        for a, b in itertools.combinations(members, 2):
            if items[a]["date"] != items[b]["date"] and (a, b) not in linked:
                same_title.append((textdiff.similarity(items[a]["bag"], items[b]["bag"]), a, b))
    for share, a, b in sorted(same_title, reverse=True)[:12]:
        x, y = items[a], items[b]
        print(f"| {share:.3f} | {min(x['words'], y['words'])} | {x['date']}, {y['date']} "
              f"| {x['shown'][:80]} |")

    edits = [r for r in rows if r[3]]
    others = [r for r in rows if not r[3]]
    print("\nWhat the thresholds separate (share of words):\n")
    print("| pairs | count | lowest | highest |")
    print("|---|---|---|---|")

    def line(name, shares):
        shares = sorted(shares)
        if shares:
            print(f"| {name} | {len(shares)} | {shares[0]:.3f} | {shares[-1]:.3f} |")
        else:
            print(f"| {name} | 0 | – | – |")

    line("versions (one link), same title", [r[0] for r in edits if r[1]["title"] == r[2]["title"]])
    line("versions (one link), titles differ", [r[0] for r in edits if r[1]["title"] != r[2]["title"]])
    line("different statements of one date, titles differ, shorter under "
         f"{identity.LONG_WORDS} words",
         [r[0] for r in others if min(r[1]["words"], r[2]["words"]) < identity.LONG_WORDS])
    line(f"different statements of one date, titles differ, both {identity.LONG_WORDS} words or more",
         [r[0] for r in others if min(r[1]["words"], r[2]["words"]) >= identity.LONG_WORDS])
    line("different statements with one title (on different dates)", [s for s, _, _ in same_title])
    distinct = [textdiff.distinct_similarity(r[1]["distinct"], r[2]["distinct"]) for r in edits]
    others_distinct = [textdiff.distinct_similarity(items[a]["distinct"], items[b]["distinct"])
                       for a, b in pairs if (a, b) not in linked
                       and items[a]["paragraphs"] and items[b]["paragraphs"]]
    print(f"\nShare of distinct words: versions {min(distinct):.3f} at the lowest; pairs of "
          f"different statements of one date under {identity.DISTINCT}: "
          f"{sum(d < identity.DISTINCT for d in others_distinct)} of {len(others_distinct)}.")

    print(f"\nThresholds: same title {identity.SAME_TITLE}; titles differ {identity.CLOSE}, or "
          f"{identity.LONG} when both texts have {identity.LONG_WORDS} words or more; "
          f"every text of a statement shares at least {identity.RELATED} with every other.\n")
    groups = identity.group(documents, keys)
    no_links = [d._replace(capture=d.capture._replace(source_url=None)) for d in documents]
    unlinked = identity.group(no_links)
    for name, made in (("with the links", groups), ("without the links", unlinked)):
        altered = [g for g in made if g.history]
        print(f"{name}: {len(made)} statements, {len(altered)} altered at source "
              f"({sum(len(g.history) for g in altered)} versions)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Two versions of the generator on one corpus, in turn: the ratios of their times.

    .venv/bin/python benchmarks/ab.py --a REV --b REV --count 100000 [--rounds 2] [--runs 3]

A and B (git commits) are unpacked under ``benchmarks/work/`` (``run.snapshot``), each
with an archive of its own made from the same corpus (``make_corpus``; ``sources/``
hard-linked, so that the generator, which replaces files and never writes into one,
leaves the other's alone). Then, A and B in turn (the order swapped each round, so that
neither gets the machine's quiet moments more than the other):

- ``cold``: no store, no cache, no site; ``python -m generator build`` (import and site,
  search included), ``--rounds`` times each;
- ``no change``: ``build`` again, nothing changed; a warm-up each, then ``--runs`` times
  each;
- ``store file edited``: a sentence appended to one store file (the same in both
  archives), then ``build``; a warm-up each, then ``--runs`` times each;
- ``capture edited``: a sentence appended to the last paragraph of one KCNA Watch
  capture, then ``build``; the same;
- ``added`` (``capture added``): a new KCNA Watch capture (``run.add_capture``), then
  ``build``; the same;
- ``record`` (``record added to a yearly dump``): one record appended to the largest
  yearly JSON dump (``run.add_dump_record``), then ``build``; the same;
- ``recordmid`` (``record added mid-year to a yearly dump``): the same, on the middle one of
  the dump's days (a record of the last day changes the next year's first page, its
  neighbour, and so that year's search bundle);
- ``version`` (``version added``): a later capture of an existing statement with one
  sentence altered (``run.add_version``), then ``build``; the same.

Each build runs under ``/usr/bin/time -v`` with its process tree sampled
(``run.measure``): wall and CPU seconds (user + system, children included), peak
memory. The report gives each step's medians and B/A ratios taken pair by pair (a run of
B against the run of A beside it), with the load average seen before each run: on a
shared machine, ratios of runs made side by side are the figure to trust. Everything is
written to ``benchmarks/work/ab-COUNT/`` (``results.json``, ``results.md``).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import make_corpus  # noqa: E402
import run  # noqa: E402


def prepare(corpus: Path, folder: Path) -> None:
    """``folder`` as a fresh archive of ``corpus``: its sources hard-linked, nothing else."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    shutil.copytree(corpus / "sources", folder / "sources", copy_function=os.link)
    for name in ("config.yaml", "issuers.yaml"):
        shutil.copy(corpus / name, folder / name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--a", required=True, help="the commit to compare against")
    parser.add_argument("--b", required=True, help="the commit compared")
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=2, help="cold builds of each (default 2)")
    parser.add_argument("--runs", type=int, default=3,
                        help="runs of each one-change step, after a warm-up (default 3)")
    parser.add_argument("--steps", default="cold,store,capture",
                        help="of cold, nochange, store, capture, added, record, recordmid, version "
                        "(default cold,store,capture)")
    parser.add_argument("--python", type=Path, default=run.ROOT / ".venv" / "bin" / "python")
    parser.add_argument("--timeout", type=float, default=7200)
    args = parser.parse_args(argv)
    steps = set(args.steps.split(","))
    work = run.WORK / f"ab-{args.count}"
    work.mkdir(parents=True, exist_ok=True)
    corpus = run.WORK / f"corpus-{args.count}"
    if not (corpus / "corpus.json").is_file():
        make_corpus.main(["--count", str(args.count), "--out", str(corpus)])
    sides = {}
    for name, revision in (("A", args.a), ("B", args.b)):
        code, sha = run.snapshot(revision)
        archive = run.Archive(work / f"archive-{name}", args.python)
        sides[name] = (sha, archive, {**os.environ, "PYTHONPATH": str(code)})
    results: dict[str, list[dict[str, object]]] = {}

    def once(step: str, name: str, n: int) -> None:
        sha, archive, env = sides[name]
        m = run.measure(step, archive.command("build"), archive.folder, timeout=args.timeout,
                        interval=0.05, env=env, log=work / f"{step}-{name}-{n}.txt")
        row = {"side": name, "commit": sha, "run": n, **dataclasses.asdict(m)}
        row.pop("samples", None)
        results.setdefault(step, []).append(row)
        print(f"[{time.strftime('%H:%M:%S')}] {step} {name} ({sha}) {n}: {m.wall_s:.1f} s wall, "
              f"{m.cpu_s:.1f} s CPU, load {m.load_before:.1f}, exit {m.exit_status} -- "
              f"{m.summary}", file=sys.stderr, flush=True)
        if m.exit_status != 0:
            sys.exit(f"ab.py: {step} failed for {name}:\n{m.tail}")
        (work / "results.json").write_text(json.dumps(results, indent=1, default=str))

    order = ["A", "B"]
    for round_ in range(args.rounds):
        for name in order:
            if "cold" in steps or round_ == 0:
                prepare(corpus, sides[name][1].folder)
            if "cold" in steps:
                once("cold", name, round_ + 1)
            elif round_ == 0:
                once("first build", name, 1)
        order.reverse()
        if "cold" not in steps:
            break
    edits = []
    if "nochange" in steps:
        edits.append(("no change", Path("config.yaml"), lambda path, n: None))
    folder = sides["A"][1].folder
    if "store" in steps:
        target = run.editable_store_file(sorted((folder / "statements").rglob("*.md")))
        edits.append(("store file edited", target.relative_to(folder), run.edit_store_file))
    if steps & {"capture", "added", "version"}:
        captures = sorted(p.relative_to(folder)
                          for p in (folder / "sources" / "kcnawatch").rglob("*.txt"))
        middle, third = captures[len(captures) // 2], captures[len(captures) // 3]
    if "capture" in steps:
        edits.append(("capture edited", middle, run.edit_capture))
    if steps & {"record", "recordmid"}:
        dump = run.largest_dump(folder).relative_to(folder)
    if "record" in steps:
        edits.append(("record added to a yearly dump", dump, run.add_dump_record))
    if "recordmid" in steps:
        edits.append(("record added mid-year to a yearly dump", dump,
                      lambda path, n: run.add_dump_record(path, n, middle=True)))
    if "added" in steps:
        edits.append(("capture added", Path("sources/kcnawatch/added"),
                      lambda into, n: run.add_capture(into, n, into.parents[2] / middle)))
    if "version" in steps:
        edits.append(("version added", Path("sources/kcnawatch/versions"),
                      lambda into, n: run.add_version(into, n, into.parents[2] / third)))
    for step, target, edit in edits:
        order = ["A", "B"]
        for n in range(args.runs + 1):  # the first: a warm-up, not counted
            for name in order:
                edit(sides[name][1].folder / target, n + 1)
                once(step if n else f"{step} (warm-up)", name, n)
            order.reverse()
    report = report_of(results)
    (work / "results.md").write_text(report)
    print(report)
    return 0


def report_of(results: dict[str, list[dict[str, object]]]) -> str:
    lines = ["| step | A wall s | B wall s | B/A wall (pair by pair: median, range) | A CPU s | "
             "B CPU s | B/A CPU | A peak MiB | B peak MiB | load |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for step, rows in results.items():
        if "warm-up" in step:
            continue
        a = [r for r in rows if r["side"] == "A"]
        b = [r for r in rows if r["side"] == "B"]

        def med(side, key):
            return statistics.median(float(r[key]) for r in side)

        walls = [float(y["wall_s"]) / float(x["wall_s"]) for x, y in zip(a, b, strict=False)]
        cpus = [float(y["user_s"]) + float(y["sys_s"]) for y in b]
        cpu_a = [float(x["user_s"]) + float(x["sys_s"]) for x in a]
        loads = [float(r["load_before"]) for r in rows]
        lines.append(
            f"| {step} | {med(a, 'wall_s'):.1f} | {med(b, 'wall_s'):.1f} | "
            f"{statistics.median(walls):.2f} ({min(walls):.2f} to {max(walls):.2f}) | "
            f"{statistics.median(cpu_a):.1f} | {statistics.median(cpus):.1f} | "
            f"{statistics.median(cpus) / statistics.median(cpu_a):.2f} | "
            f"{med(a, 'peak_tree_pss_kb') / 1024:,.0f} | {med(b, 'peak_tree_pss_kb') / 1024:,.0f} | "
            f"{min(loads):.1f} to {max(loads):.1f} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())

"""Random sequences of edits: after each, an incremental build gives, byte for byte, the
site and the Markdown store that a clean build of the same inputs gives.

Each step builds twice, so the suite runs a few sequences (``INCREMENTAL_EXAMPLES``,
4 by default); ``INCREMENTAL_EXAMPLES=50 pytest tests/test_incremental_property.py``
tries many more.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import ClassVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule

from generator.config import load_config
from generator.model.issuers import load_authority
from generator.output.record import MANIFEST
from generator.site import pages

from .conftest import PROJECT
from .sites import build, make_archive

ISSUERS = PROJECT / "content" / "issuers.yaml"
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
#: Headlines that name issuers of several kinds, and topics to put in them.
HEADLINES = ("Spokesman for DPRK Foreign Ministry Issues Press Statement on {}",
             "KCNA Commentary on {}", "Vice-Minister of Foreign Affairs of DPRK Issues Statement",
             "{} Mills in DPRK Boost Production", "Answer of Director of Institute on {}")
TOPICS = ("Arms Dealings", "Sanctions", "Textile", "Harvest", "Joint Drills", "Nuclear Talks")
SENTENCES = ("The situation is grave.", "Nothing more.", "The workers overfulfilled the plan.",
             "It was said in the statement.", "Such acts can never be tolerated.")
YEARS = (2019, 2022, 2024)


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def site_tree(folder: Path) -> dict[str, object]:
    """``tree``, the site's record read for what it says the site holds (each file's
    checksum, the files it carries, what the search index was made from). What each file
    was made from (its key, and the groups of pages in ``plan``) is left out: pages made
    again to the same bytes leave the site as it is, record included, by design
    (``Output.finish``), so an incremental record may keep a key a clean build would
    not write, and the next build makes those pages again."""
    files = tree(folder)
    record = json.loads(gzip.decompress(files.pop(MANIFEST)))
    files[MANIFEST] = ({path: digest for path, (digest, _) in record["files"].items()},
                       record["foreign"], record["meta"], record["version"])
    return files


def capture(title: str, date: dt.date, sentences: list[str]) -> str:
    """A KCNA Watch page saved as text, as the captures in ``content/sources`` are."""
    body = "\n\n".join(sentences)
    return (f"January 24, 2025\nKCNA KCNA.kp (En)\n\n{title}\n\n"
            f"Date: {date:%d/%m/%Y} | Source: KCNA.kp (En) | Read original version at source\n\n"
            f"Pyongyang, {MONTHS[date.month - 1]} {date.day} (KCNA) -- {body} -0-\n\n"
            f"www.kcna.kp (Juche{date.year - 1911}.{date.month}.{date.day}.)\n")


dates = st.builds(dt.date, st.sampled_from(YEARS), st.integers(1, 12), st.integers(1, 28))
headlines = st.builds(str.format, st.sampled_from(HEADLINES), st.sampled_from(TOPICS))
texts = st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=3)


class IncrementalBuilds(RuleBasedStateMachine):
    """A small archive (the seed and fixture captures, the real issuer list), built once;
    each rule changes one input, then builds again and compares with a clean build."""

    #: The shape of a large site on a small one: long lists paged by year and showing their
    #: latest statements, the sitemap cut in parts.
    LIMITS: ClassVar[dict[str, int]] = {"LIST_LIMIT": 2, "LATEST": 2, "SITEMAP_SIZE": 6}

    def __init__(self) -> None:
        super().__init__()
        self.limits = {name: getattr(pages, name) for name in self.LIMITS}
        for name, value in self.LIMITS.items():
            setattr(pages, name, value)
        self.folder = Path(tempfile.mkdtemp(prefix="incremental-"))
        self.config = make_archive(self.folder / "root")
        self.root = self.config.root
        shutil.copy(ISSUERS, self.config.issuers_file)
        self.added = 0
        self.checks = 0
        build(self.config)

    def teardown(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
        for name, value in self.limits.items():
            setattr(pages, name, value)

    def captures(self) -> list[Path]:
        return sorted(p for p in self.config.source_dir.iterdir() if p.suffix == ".txt")

    def stored(self) -> list[Path]:
        return sorted(self.config.content_dir.rglob("*.md"))

    # -- the edits --

    @rule(title=headlines, date=dates, sentences=texts)
    def add_a_capture(self, title: str, date: dt.date, sentences: list[str]) -> None:
        self.added += 1
        (self.config.source_dir / f"added-{self.added}.txt").write_text(
            capture(title, date, sentences))
        self.check()

    @rule(data=st.data(), title=headlines, date=dates, sentences=texts)
    def put_a_record_in_a_dump(self, data: st.DataObject, title: str, date: dt.date,
                               sentences: list[str]) -> None:
        """A scraper's yearly dump with a record added anywhere in it (each record after
        it moves one place on)."""
        path = self.config.source_dir / "records_messy.json"
        records = json.loads(path.read_text()) if path.exists() else []
        self.added += 1
        records.insert(data.draw(st.integers(0, len(records)), label="place"), {
            "headline": title, "date_str": date.isoformat(), "story_text": " ".join(sentences),
            "link": f"http://www.kcna.kp/en/article/q/added{self.added}.kcmsf"})
        path.write_text(json.dumps(records))
        self.check()

    @precondition(lambda self: self.captures())
    @rule(data=st.data(), sentence=st.sampled_from(SENTENCES))
    def change_a_capture(self, data: st.DataObject, sentence: str) -> None:
        path = data.draw(st.sampled_from(self.captures()))
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
        path.write_text(text.replace(" -0-", f" {sentence} -0-", 1),
                        encoding="utf-8", errors="surrogateescape")
        self.check()

    @precondition(lambda self: self.captures())
    @rule(data=st.data())
    def remove_a_capture(self, data: st.DataObject) -> None:
        data.draw(st.sampled_from(self.captures())).unlink()
        self.check()

    @precondition(lambda self: self.stored())
    @rule(data=st.data(), what=st.sampled_from(["body", "title", "date"]),
          sentence=st.sampled_from(SENTENCES))
    def edit_a_store_file(self, data: st.DataObject, what: str, sentence: str) -> None:
        path = data.draw(st.sampled_from(self.stored()))
        text = path.read_text()
        if what == "body":
            text = text.rstrip("\n") + f"\n\n{sentence}\n"
        elif what == "title":
            text = text.replace("\ntitle: ", f"\ntitle: {sentence.rstrip('.')}: ", 1)
        else:  # a day earlier or later, in the same year (the page's folder stays)
            old = text.split("\ndate: ", 1)[1][:10]
            day = dt.date.fromisoformat(old)
            new = day + dt.timedelta(days=1 if day.month < 12 or day.day < 31 else -1)
            text = text.replace(f"\ndate: {old}", f"\ndate: {new}", 1)
        path.write_text(text)
        self.check()

    @rule(data=st.data())
    def change_the_issuer_list(self, data: st.DataObject) -> None:
        path = self.config.issuers_file
        if not path.exists() or data.draw(st.booleans(), label="remove it"):
            if path.exists():
                path.unlink()
            else:
                shutil.copy(ISSUERS, path)
        else:  # an issuer, office or organisation renamed: one the statements name, mostly
            lines = path.read_text().splitlines(keepends=True)
            named = [i for i, line in enumerate(lines) if line.lstrip().startswith("name: ")]
            used = self.used_entries()
            if used and data.draw(st.booleans(), label="one the statements name"):
                start = data.draw(st.sampled_from(used), label="renamed entry")
                i = next(i for i in named if i >= start)
            else:
                i = data.draw(st.sampled_from(named), label="renamed line")
            if lines[i].rstrip().endswith((">-", ">", "|", "|-")):  # the name on the next line
                i += 1
            lines[i] = lines[i].rstrip("\n") + " (renamed)\n"
            path.write_text("".join(lines))
        self.check()

    def used_entries(self) -> list[int]:
        """Where each entry of the issuer list that a statement page shows starts (a line
        index): the issuers the store names, and the offices and organisations above them."""
        authority = load_authority(self.config.issuers_file)
        ids = {line.split(":", 1)[1].strip().strip('"') for path in self.stored()
               for line in path.read_text().splitlines() if line.startswith("issuer_id: ")}
        return sorted({entry.line - 1 for entry_id in ids for entry in authority.chain(entry_id)})

    @rule(word=st.sampled_from(["", "Archive", "Statements"]),
          template=st.sampled_from(["base.html", "_macros.html", "statement.html"]))
    def change_a_template(self, word: str, template: str) -> None:
        folder = self.root / "templates"
        folder.mkdir(exist_ok=True)
        if not word:  # back to the theme's own
            (folder / template).unlink(missing_ok=True)
        elif template == "base.html":
            (folder / template).write_text(
                '{% extends "default:base.html" %}'
                f"{{% block title %}}[{word}] {{{{ super() }}}}{{% endblock %}}")
        else:
            text = (PROJECT / "themes" / "default" / "templates" / template).read_text()
            # What every page of the template shows: statement.html's first </time> is in the
            # notice of a statement altered at source, which none of these statements is.
            mark = "{% block main %}" if template == "statement.html" else "</time>"
            (folder / template).write_text(text.replace(mark, f"{mark} {word}", 1))
        self.check()

    @rule(title=st.sampled_from(["Test Archive", "Another Archive"]),
          base_url=st.sampled_from(["https://archive.example.org/repo/", ""]),
          language=st.sampled_from(["en", "en-GB"]))
    def change_a_setting(self, title: str, base_url: str, language: str) -> None:
        (self.root / "config.yaml").write_text(
            f"title: {title}\nbase_url: {base_url}\nlanguage: {language}\n")
        self.check()

    # -- the check --

    def check(self) -> None:
        """Build again, then build the same inputs afresh (no cache, no site) elsewhere:
        the two sites and the two stores are the same."""
        self.config = load_config(self.root / "config.yaml")  # as a new build reads it
        build(self.config)
        self.checks += 1
        clean = self.folder / f"clean-{self.checks}"
        shutil.copytree(self.root, clean, ignore=lambda folder, names: {
            ".cache", "site", ".site.lock", ".site.previous"} if folder == str(self.root) else ())
        fresh = load_config(clean / "config.yaml")
        build(fresh)
        assert tree(self.config.content_dir) == tree(fresh.content_dir)
        incremental, clean_site = site_tree(self.config.output_dir), site_tree(fresh.output_dir)
        assert sorted(incremental) == sorted(clean_site)
        assert [p for p in incremental if incremental[p] != clean_site[p]] == []
        shutil.rmtree(clean)


TestIncrementalBuilds = IncrementalBuilds.TestCase
TestIncrementalBuilds.settings = settings(
    max_examples=int(os.environ.get("INCREMENTAL_EXAMPLES", "4")), stateful_step_count=6,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

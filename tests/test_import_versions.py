"""Versions in the Markdown store: nothing lost, nothing renamed, hand edits still win.

Each test imports real captures (KCNA Watch pages of real records, ``fixtures/versions``)
into a store and reads the files back.
"""

import re
import shutil
from pathlib import Path

import pytest

from generator import build as pipeline
from generator import store
from generator.model import versions
from generator.problems import Report

from .sites import build, kcna_records, make_archive, old_store, record_page

WORLD_WIDE = "G7 Is Developing into World-Wide War Contractor Group: KCNA Commentary"
GLOBAL = "G7 Is Developing into Global War Contractor Group: KCNA Commentary"
FIRST_ID = "2024-10-25-g7-is-developing-into-world-wide-war-contractor-group-kcna-commentary"


@pytest.fixture
def config(tmp_path):
    return make_archive(tmp_path, with_fixtures=False)


def capture(config, name, version, captured):
    records = kcna_records()
    (config.source_dir / name).write_text(record_page(records[version], captured),
                                          encoding="utf-8")


def imported(config) -> Report:
    report = Report()
    pipeline.import_sources(config, report)
    return report


def stored(config, statement_id=FIRST_ID):
    return store.read_file(store.default_path(config.content_dir, statement_id))


def test_a_later_version_joins_the_statement_under_the_id_it_was_first_published_under(config):
    capture(config, "g7-1.txt", "g7-world-wide", "2024-10-25")
    imported(config)
    before = stored(config).statement
    assert before.title == WORLD_WIDE and not before.versions
    capture(config, "g7-2.txt", "g7-global", "2024-10-26")
    report = imported(config)
    assert report.counts["statements updated"] == 1 and "statements created" not in report.counts
    after = stored(config).statement
    assert after.id == FIRST_ID and after.title == GLOBAL
    assert [v.title for v in after.versions] == [WORLD_WIDE, GLOBAL]
    assert before.captures[0] in after.captures and len(after.captures) == 2
    # Every version's exact text is kept: the first after its marker.
    texts = versions.texts(after, after.body)
    assert texts[1] == before.body
    assert texts[2].startswith("Pyongyang, October 25 (KCNA) -- G7 that has come under")
    assert len(list(config.content_dir.rglob("*.md"))) == 3  # the two seeds and this one
    assert imported(config).counts["statements unchanged"] == 3  # and it stays so


def test_the_store_file_lists_each_version_with_its_captures_and_reads_back_the_same(config):
    capture(config, "g7-1.txt", "g7-world-wide", "2024-10-25")
    capture(config, "g7-2.txt", "g7-global", "2024-10-26")
    imported(config)
    path = store.default_path(config.content_dir, FIRST_ID)
    text = path.read_text()
    assert "\nversions:\n- title: \"G7 Is Developing into World-Wide" in text
    assert "\n  first_seen: 2024-10-25\n  last_seen: 2024-10-25\n" in text
    assert "\n<!-- version 1 -->\n\nPyongyang, October 25 (KCNA) -- G7, a common eyesore" in text
    statement = store.parse(text, path)
    assert store.dump(statement) == text
    assert store.version_problems(statement) == []


def test_a_file_edited_by_hand_keeps_its_text_when_a_new_version_arrives(config):
    capture(config, "g7-1.txt", "g7-world-wide", "2024-10-25")
    imported(config)
    path = store.default_path(config.content_dir, FIRST_ID)
    edited = path.read_text().replace("a common eyesore", "a common eyesore [sic]")
    path.write_text(edited)
    capture(config, "g7-2.txt", "g7-global", "2024-10-26")
    report = imported(config)
    assert path.read_text() == edited
    assert any("new capture(s) of this statement were not added" in p.reason
               for p in report.problems)


def test_two_files_of_one_statement_made_before_versions_become_one_and_the_other_id_leads_to_it(
        config):
    capture(config, "g7-1.txt", "g7-world-wide", "2024-10-25")
    capture(config, "g7-2.txt", "g7-global", "2024-10-26")
    first, second = old_store(config, "g7-1.txt", "g7-2.txt")
    assert first == FIRST_ID and second.startswith("2024-10-25-g7-is-developing-into-global")
    report = build(config)
    assert report.counts["statements found to be versions of others"] == 1
    merged = stored(config).statement
    assert len(merged.versions) == 2 and merged.aliases == (second,)
    note = store.default_path(config.content_dir, second)
    assert store.read_file(note).moved == (second, FIRST_ID)  # kept, saying where it went
    assert "is a version of statement" not in " ".join(p.reason for p in report.problems)
    redirect = (config.output_dir / "statements" / "2024" / f"{second}.html").read_text()
    assert f'content="0; url={FIRST_ID}.html"' in redirect
    assert 'name="robots" content="noindex"' in redirect
    assert f'rel="canonical" href="https://archive.example.org/repo/statements/2024/{FIRST_ID}.html"' \
        in redirect
    # Settled: the next import changes nothing, and a new statement may not take the old id.
    again = imported(config)
    assert "statements updated" not in again.counts
    assert "statements found to be versions of others" not in again.counts
    assert second in store.Existing.scan(config.content_dir, Report()).taken()


def test_a_file_edited_by_hand_is_never_made_a_note_and_both_files_are_named(config):
    capture(config, "g7-1.txt", "g7-world-wide", "2024-10-25")
    capture(config, "g7-2.txt", "g7-global", "2024-10-26")
    _, second = old_store(config, "g7-1.txt", "g7-2.txt")
    path = store.default_path(config.content_dir, second)
    edited = path.read_text().replace("moneymaking group", "money-making group")
    path.write_text(edited)
    report = imported(config)
    assert path.read_text() == edited
    (warning,) = [p for p in report.problems if "is a version of statement" in p.reason]
    assert second in warning.path and FIRST_ID in warning.reason
    assert FIRST_ID in warning.reason and f"{FIRST_ID}.md" in warning.reason
    assert stored(config).statement.aliases == ()


def test_check_names_version_problems_in_a_file_edited_by_hand(config):
    capture(config, "g7-1.txt", "g7-world-wide", "2024-10-25")
    capture(config, "g7-2.txt", "g7-global", "2024-10-26")
    imported(config)
    path = store.default_path(config.content_dir, FIRST_ID)
    text = path.read_text()
    text = text[:text.index("<!-- version 1 -->")].rstrip("\n") + "\n"  # its text removed
    text = re.sub(r"(versions:\n(?:.*\n)*?  captures:\n  - )[0-9a-f]{64}", r"\g<1>" + "a" * 64,
                  text, count=1)
    path.write_text(text)
    report = Report()
    pipeline.load_archive(config, report)
    reasons = [p.reason for p in report.problems if str(path.name) in p.path]
    assert "version 1 lists a capture the file does not list (sha256 aaaaaaaaaaaa…)" in reasons
    assert any(r.startswith("version 1 has no text") for r in reasons)


def test_a_store_copied_with_its_versions_builds_the_same_site(config, tmp_path):
    capture(config, "g7-1.txt", "g7-world-wide", "2024-10-25")
    capture(config, "g7-2.txt", "g7-global", "2024-10-26")
    build(config)
    # Without the sources and the cache: the site from the store alone.
    copy = tmp_path / "copy"
    shutil.copytree(config.root, copy, ignore=shutil.ignore_patterns(".cache", "site", "sources"))
    other = make_archive(copy, with_fixtures=False)
    shutil.rmtree(other.source_dir)
    other.source_dir.mkdir()
    build(other)
    page = Path("statements/2024") / FIRST_ID / "compare-1-2.html"
    assert (other.output_dir / page).read_bytes() == (config.output_dir / page).read_bytes()

"""An import whose inputs are as the last one found them replays that import's record.

It must say exactly what the full import would say (the same counts, the same
problems in the same order) and never stand in for one that would find
something else. Every test compares a replayed import with a full one run
right after it on the same files.
"""

import json
import os
import shutil
from pathlib import Path

import pytest

from generator import build as pipeline
from generator import ingest, store
from generator.config import load_config
from generator.engine import cache
from generator.engine.cache import Cache
from generator.problems import Report
from generator.store import import_record

from . import warcs
from .sites import build, make_archive


@pytest.fixture(autouse=True, params=["saved apart", "saved whole"])
def saved(request, monkeypatch):
    """Every test runs with the changes to a record saved apart (as a build saves a few
    files' changes) and with every record saved whole (as after many)."""
    if request.param == "saved whole":
        monkeypatch.setattr(cache, "CHANGES_APART", -1)
    return request.param


def imported(config, monkeypatch):
    """Import; return the report and whether the captures were read (a full import)."""
    calls = []
    real = ingest.read_documents

    def reading(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(ingest, "read_documents", reading)
        report = Report()
        pipeline.import_sources(config, report)
    return report, bool(calls)


def full(config):
    """A full import, whatever the record says."""
    import_record.save(Cache.for_root(config.root), None)
    report = Report()
    pipeline.import_sources(config, report)
    return report


def said(report):
    return sorted(report.counts.items()), [p.line() for p in report.problems]


def a_store_file(config, name="2022-09-22-vice-director-general"):
    return next(Path(p) for p in store.store_files(config.content_dir) if name in p)


def edit_text(path):
    path.write_text(path.read_text().replace("\n---\n\n", "\n---\n\nA note added by hand. ", 1))


@pytest.fixture
def settled(tmp_path, monkeypatch):
    """An archive imported once: the import wrote the store and recorded what it wrote."""
    config = make_archive(tmp_path)
    pipeline.import_sources(config, Report())
    return config


def test_an_unchanged_archive_is_not_read_again_and_the_report_is_the_same(settled, monkeypatch):
    replayed, read = imported(settled, monkeypatch)
    assert not read
    assert replayed.problems  # the fixtures have bad records: they are reported every time
    assert replayed.counts["statements unchanged"] == replayed.counts["statements found"] > 2
    assert said(replayed) == said(full(settled))


def restore(config):
    path = a_store_file(config)
    text = path.read_bytes()
    edit_text(path)
    pipeline.import_sources(config, Report())
    path.write_bytes(text)  # the generator's own file again (a new stat, the same bytes)


def remove_stamp(config):
    path = a_store_file(config)
    path.write_text(store.STAMP_RE.sub("", path.read_text(), 1))


def hand_written(config):
    path = config.content_dir / "by-hand.md"
    path.write_text("---\nid: 2001-01-01-by-hand\ntitle: Typed in\ndate: 2001-01-01\n---\n\nText.\n")
    pipeline.import_sources(config, Report())
    pipeline.import_sources(config, Report())  # recorded with it
    path.write_text(path.read_text().replace("Typed in", "Typed in by hand"))


@pytest.mark.parametrize("edit", [
    pytest.param(lambda config: edit_text(a_store_file(config)), id="text edited"),
    pytest.param(lambda config: [edit_text(a_store_file(config)) for _ in range(2)],
                 id="edited twice"),
    pytest.param(restore, id="edited, imported, restored"),
    pytest.param(remove_stamp, id="stamp removed"),
    pytest.param(hand_written, id="hand-written file edited"),
    pytest.param(lambda config: os.utime(a_store_file(config), ns=(1, 1)), id="touched"),
])
def test_store_files_edited_by_hand_are_replayed_as_the_import_would_find_them(
        settled, monkeypatch, edit):
    edit(settled)
    replayed, read = imported(settled, monkeypatch)
    assert not read
    assert said(replayed) == said(full(settled))


def test_an_edited_file_counts_as_kept_and_the_restored_one_as_unchanged(settled, monkeypatch):
    path = a_store_file(settled)
    original = path.read_bytes()
    edit_text(path)
    edited, _ = imported(settled, monkeypatch)
    assert edited.counts["kept as edited by hand"] == 1
    path.write_bytes(original)
    restored, read = imported(settled, monkeypatch)
    assert not read
    assert "kept as edited by hand" not in restored.counts


def test_changes_are_saved_apart_and_each_replay_says_what_a_full_import_would(
        settled, monkeypatch, tmp_path, saved):
    if saved == "saved whole":
        pytest.skip("about changes saved apart")
    folder = Cache.for_root(settled.root).folder
    wholes = [folder / f"{name}.pickle" for name in (import_record.NAME, import_record.SOURCES)]
    before = [path.read_bytes() for path in wholes]
    for n, change in enumerate([
            lambda config: edit_text(a_store_file(config)),
            lambda config: edit_text(a_store_file(config)),
            new_statement,
            lambda config: edit_text(a_store_file(config, "2023-03-14"))]):
        change(settled)
        assert not same_as_a_full_import(settled, monkeypatch, tmp_path / str(n))
        assert [path.read_bytes() for path in wholes] == before  # neither saved whole again
        again, read = imported(settled, monkeypatch)  # the next import starts from the changes
        assert not read
        assert said(again) == said(full(settled))


def test_changes_saved_apart_go_with_the_record_they_were_made_on(settled, monkeypatch, saved):
    if saved == "saved whole":
        pytest.skip("about changes saved apart")
    monkeypatch.setattr(cache, "CHANGES_APART", 2)  # one file's stat and entry
    edit_text(a_store_file(settled))
    imported(settled, monkeypatch)  # one file edited: the changes are saved apart
    edit_text(a_store_file(settled, "2023-03-14"))
    imported(settled, monkeypatch)  # two: the record is saved whole, the changes are old
    assert (Cache.for_root(settled.root).folder / f"{import_record.NAME}-changes.pickle").exists()
    again, read = imported(settled, monkeypatch)
    assert not read
    assert again.counts["kept as edited by hand"] == 2
    assert said(again) == said(full(settled))


def replace_capture(config):
    path = a_store_file(config)
    text = path.read_text()
    sha = text.split("sha256: ", 1)[1][:64]
    path.write_text(text.replace(sha, "0" * 64))


def rename_id(config):
    path = a_store_file(config)
    text = path.read_text()
    renamed = text.replace('id: "2022-09-22-', 'id: "2022-09-22-renamed-', 1)
    assert renamed != text
    path.write_text(renamed)


def restamp(config):
    """A file with a valid stamp but other text (an older version, checked out from git)."""
    path = a_store_file(config)
    statement = store.parse(path.read_text(), path)
    path.write_text(store.dump(statement._replace(body=statement.body + "\n\nAn older paragraph.")))


def add_capture(config):
    """Another capture of ``a_store_file``'s statement (other bytes, the same text)."""
    statement = store.parse(a_store_file(config).read_text(), a_store_file(config))
    capture = config.source_dir / statement.captures[0].file
    (config.source_dir / "another-capture.txt").write_bytes(capture.read_bytes() + b"\n")


@pytest.mark.parametrize("edit", [
    pytest.param(replace_capture, id="a capture replaced"),
    pytest.param(rename_id, id="id changed"),
    pytest.param(lambda config: a_store_file(config).write_text("---\ntitle: [oops\n---\n"),
                 id="broken"),
    pytest.param(restamp, id="valid stamp, other text"),
    pytest.param(lambda config: a_store_file(config).unlink(), id="store file deleted"),
    pytest.param(lambda config: (config.content_dir / "new.md").write_text(
        "---\nid: 2001-01-01-new\ntitle: New\ndate: 2001-01-01\n---\n"), id="store file added"),
    pytest.param(lambda config: config.issuers_file.write_bytes(
        (Path(__file__).parents[1] / "content" / "issuers.yaml").read_bytes()),
                 id="issuer list added"),
])
def test_any_change_to_the_store_runs_the_full_import(settled, monkeypatch, edit):
    edit(settled)
    _, read = imported(settled, monkeypatch)
    assert read
    again, _ = imported(settled, monkeypatch)  # replays what that import recorded, if any
    assert said(again) == said(full(settled))


def test_a_file_stamped_as_the_generators_is_written_again(settled, monkeypatch):
    restamp(settled)
    report, read = imported(settled, monkeypatch)
    assert read and report.counts["statements updated"] == 1
    assert "An older paragraph" not in a_store_file(settled).read_text()


def test_a_kept_file_with_new_captures_keeps_its_warning_on_every_import(settled, monkeypatch):
    edit_text(a_store_file(settled))
    add_capture(settled)
    first, _ = imported(settled, monkeypatch)
    (warning,) = [p for p in first.problems if "new capture" in p.reason]
    for _ in range(2):
        again, _ = imported(settled, monkeypatch)
        assert warning in again.problems
    edit_text(a_store_file(settled))
    edited, _ = imported(settled, monkeypatch)
    assert said(edited) == said(full(settled))
    assert warning in edited.problems


def test_a_warning_goes_when_the_file_is_the_generators_again(settled, monkeypatch):
    add_capture(settled)
    pipeline.import_sources(settled, Report())  # the file now lists two captures
    path = a_store_file(settled)
    generated = path.read_bytes()
    statement = store.parse(path.read_text(), path)
    assert len(statement.captures) == 2
    path.write_text(store.STAMP_RE.sub("", store.dump(
        statement._replace(captures=statement.captures[:1])), 1))  # one taken out by hand
    kept, read = imported(settled, monkeypatch)
    assert read and any("1 new capture" in p.reason for p in kept.problems)
    path.write_bytes(generated)
    restored, _ = imported(settled, monkeypatch)  # its captures changed: a full import
    assert not any("new capture" in p.reason for p in restored.problems)
    assert said(restored) == said(full(settled))


def test_a_kept_file_replaced_by_what_the_generator_makes_now_counts_as_unchanged(
        settled, monkeypatch, tmp_path):
    path = a_store_file(settled)
    edit_text(path)
    add_capture(settled)  # the statement changes while its file is kept as edited
    pipeline.import_sources(settled, Report())
    pipeline.import_sources(settled, Report())
    other = tmp_path / "other"
    shutil.copytree(settled.root, other)
    moved = other / path.relative_to(settled.root)
    moved.unlink()
    pipeline.import_sources(load_config(other / "config.yaml"), Report())  # made afresh there
    path.write_bytes(moved.read_bytes())
    report, _ = imported(settled, monkeypatch)
    assert "kept as edited by hand" not in report.counts
    assert report.counts["statements unchanged"] == report.counts["statements found"]


def test_nothing_is_recorded_when_a_file_changed_while_the_import_ran(settled, monkeypatch):
    restamp(settled)  # the import will write this file again...
    real = store._write_unless_changed

    def edited_meanwhile(item):
        edit_text(item[0])  # ...but it is edited by hand just before
        return real(item)

    with monkeypatch.context() as patch:
        patch.setattr(store, "_write_unless_changed", edited_meanwhile)
        report, _ = imported(settled, monkeypatch)
    assert any("changed while this import ran" in p.reason for p in report.problems)
    again, read = imported(settled, monkeypatch)
    assert read
    assert not any("changed while this import ran" in p.reason for p in again.problems)
    assert said(again) == said(full(settled))


def test_a_build_leaves_a_record_for_the_next_build(tmp_path, monkeypatch):
    config = make_archive(tmp_path)
    build(config)  # the import's record is made at the end of the build
    edit_text(a_store_file(config))
    monkeypatch.setattr(ingest, "read_documents", lambda *args, **kwargs: pytest.fail("read"))
    report = build(config)
    assert report.counts["kept as edited by hand"] == 1


# --- captures added, changed or removed: only their buckets are merged again ----------


def same_as_a_full_import(config, monkeypatch, tmp_path):
    """Import; check that a full import of a copy made just before gives the same report
    and the same store; return whether this import read every capture."""
    twin_root = tmp_path / "twin"
    shutil.copytree(config.root, twin_root)
    twin = load_config(twin_root / "config.yaml")
    expected = full(twin)
    report, read = imported(config, monkeypatch)

    def said_here(report, root):
        return sorted(report.counts.items()), [p.line().replace(str(root), "ROOT")
                                               for p in report.problems]

    assert said_here(report, config.root) == said_here(expected, twin_root)
    assert store_tree(config) == store_tree(twin)
    return read


def store_tree(config):
    return {Path(p).relative_to(config.content_dir).as_posix(): Path(p).read_bytes()
            for p in store.store_files(config.content_dir)}


def seed_capture(config):
    statement = store.parse(a_store_file(config).read_text(), a_store_file(config))
    return config.source_dir / statement.captures[0].file


def change_text(config):
    path = seed_capture(config)
    text = path.read_text()
    marker = "Pyongyang, September 22"
    assert marker in text
    path.write_text(text.replace(marker, "Pyongyang, September 22 (corrected)", 1))


def same_title_other_text(config):
    path = seed_capture(config)
    text = path.read_text()
    (config.source_dir / "other-text.txt").write_text(text.replace("Pyongyang,", "Pyong yang,", 1))


def new_statement(config):
    path = seed_capture(config)
    text = path.read_text()
    title = store.parse(a_store_file(config).read_text(), a_store_file(config)).title
    assert title in text
    for n in (1, 2):  # two new statements with the same title and date: ids told apart
        (config.source_dir / f"new-{n}.txt").write_text(
            text.replace(title, "A Statement Never Seen Before").replace(
                "Pyongyang,", f"Pyongyang {n},", 1))


def new_version(config):
    """A recapture of a statement, two days later, with a sentence reworded: a version."""
    path = seed_capture(config)
    text = path.read_text()
    marker = "We condemn the U.S. for thoughtlessly circulating"
    assert marker in text
    text = text.replace(marker, "We strongly denounce the U.S. for recklessly circulating", 1)
    (config.source_dir / "recaptured.txt").write_text(
        text.replace("January 24, 2025", "January 26, 2025", 1))


def edit_records(config):
    path = config.source_dir / "records_messy.json"
    path.write_text(path.read_text().replace("The security environment is grave.",
                                             "The security environment is very grave.", 1))


def add_record_first(config):
    """A record of a date the dump has, put before all the others: each record after it
    stands one place further on."""
    path = config.source_dir / "records_messy.json"
    records = json.loads(path.read_text())
    records.insert(0, {**records[3], "headline": "A Factory Visited Again",
                       "link": "http://www.kcna.kp/en/article/q/bbbb02.kcmsf",
                       "story_text": "Another day, another factory was visited. -0-"})
    path.write_text(json.dumps(records))


def remove_first_record(config):
    path = config.source_dir / "records_messy.json"
    path.write_text(json.dumps(json.loads(path.read_text())[1:]))


def redate_a_record(config):
    """A record's date corrected (a link the archive has seen on another date would make
    the full import run: a link may join the captures of two dates)."""
    path = config.source_dir / "records_messy.json"
    records = json.loads(path.read_text())
    records[3] = {**records[3], "date_str": "2024-06-12", "date": "1718150400000",
                  "link": "http://www.kcna.kp/en/article/q/bbbb09.kcmsf"}
    path.write_text(json.dumps(records))


def reverse_records(config):
    path = config.source_dir / "records_messy.json"
    path.write_text(json.dumps(json.loads(path.read_text())[::-1]))


@pytest.mark.parametrize("edit", [
    pytest.param(add_capture, id="another capture of a statement"),
    pytest.param(new_statement, id="new statements"),
    pytest.param(change_text, id="a capture's text changed"),
    pytest.param(same_title_other_text, id="same title and date, other text"),
    pytest.param(lambda config: seed_capture(config).unlink(), id="a capture removed"),
    pytest.param(lambda config: (config.source_dir / "broken.txt").write_bytes(b"\x89PNG\r\n"),
                 id="a bad capture added"),
    pytest.param(lambda config: (config.source_dir / "dates_disagree.txt").write_bytes(b""),
                 id="a capture emptied"),
    pytest.param(edit_records, id="a record of a dump changed"),
    pytest.param(add_record_first, id="a record added first in a dump"),
    pytest.param(reverse_records, id="a dump's records reversed"),
    pytest.param(remove_first_record, id="a dump's first record removed"),
    pytest.param(redate_a_record, id="a record of a dump moved to another date"),
    pytest.param(new_version, id="a new version of a statement"),
    pytest.param(lambda config: os.utime(seed_capture(config), ns=(1, 1)), id="touched"),
])
def test_changed_captures_are_imported_as_a_full_import_would(
        settled, monkeypatch, tmp_path, edit):
    edit(settled)
    assert not same_as_a_full_import(settled, monkeypatch, tmp_path)
    again, read = imported(settled, monkeypatch)  # and the record it left holds
    assert not read
    assert said(again) == said(full(settled))


def test_changes_in_a_row_each_import_as_a_full_import_would(settled, monkeypatch, tmp_path):
    for n, edit in enumerate([new_statement,
                              lambda config: (config.source_dir / "dates_disagree.txt").unlink(),
                              add_capture, new_version, change_text, edit_records,
                              same_title_other_text,
                              lambda config: seed_capture(config).unlink()]):
        edit(settled)
        assert not same_as_a_full_import(settled, monkeypatch, tmp_path / str(n))


def test_a_store_file_edited_with_a_capture_added_runs_the_full_import(settled, monkeypatch):
    edit_text(a_store_file(settled))
    new_statement(settled)
    _, read = imported(settled, monkeypatch)
    assert read


def test_a_capture_listed_by_hand_in_another_statements_file_gets_no_id_twice(
        settled, monkeypatch, tmp_path):
    text = seed_capture(settled).read_text()
    title = store.parse(a_store_file(settled).read_text(), a_store_file(settled)).title
    capture = tmp_path / "new.txt"
    capture.write_text(text.replace(title, "A Statement Never Seen Before"))
    (document,), _, _ = ingest.parse_file(capture, tmp_path)
    path = a_store_file(settled)  # lists, by hand, a capture not yet in the sources
    statement = store.parse(path.read_text(), path)
    path.write_text(store.STAMP_RE.sub("", store.dump(statement._replace(
        captures=(*statement.captures, document.capture))), 1))
    pipeline.import_sources(settled, Report())
    shutil.copy(capture, settled.source_dir / "new.txt")  # then the capture comes
    same_as_a_full_import(settled, monkeypatch, tmp_path / "compare")


def test_an_import_that_could_not_write_a_statement_leaves_no_record(settled, monkeypatch):
    a_store_file(settled).write_text("---\ntitle: [oops\n---\n")  # in the way of its statement
    first, read = imported(settled, monkeypatch)
    assert read and any("not written" in p.reason for p in first.problems)
    _, read = imported(settled, monkeypatch)
    assert read


def test_a_count_of_zero_is_replayed(tmp_path, monkeypatch):
    (tmp_path / "config.yaml").write_text("title: Test Archive\n")
    (tmp_path / "content" / "sources").mkdir(parents=True)
    (tmp_path / "content" / "sources" / "notes.txt").write_text("not a capture\n")
    config = load_config(tmp_path / "config.yaml")
    pipeline.import_sources(config, Report())
    replayed, read = imported(config, monkeypatch)
    assert not read and replayed.counts["statements found"] == 0
    assert said(replayed) == said(full(config))


def test_a_source_folder_created_empty_is_seen(tmp_path, monkeypatch):
    (tmp_path / "config.yaml").write_text("title: Test Archive\n")
    config = load_config(tmp_path / "config.yaml")
    first, _ = imported(config, monkeypatch)
    assert any("source folder does not exist" in p.reason for p in first.problems)
    config.source_dir.mkdir(parents=True)
    now, _ = imported(config, monkeypatch)
    assert said(now) == said(full(config))


def merge_by_hand(config):
    """One hand-written file at the top of the store listing two statements' captures."""
    captures = []
    for path in (a_store_file(config), a_store_file(config, "2022-11-08")):
        captures.append(path.read_text().split("captures:\n", 1)[1].split("---", 1)[0])
    (config.content_dir / "merged.md").write_text(
        "---\nid: 2001-01-01-merged\ntitle: Merged by hand\ndate: 2001-01-01\ncaptures:\n"
        + "".join(captures) + "---\n\nText.\n")


def test_an_import_is_replayed_only_if_the_next_import_would_find_what_it_left(
        settled, monkeypatch):
    merge_by_hand(settled)  # the captures of two statements claimed by another file
    imported(settled, monkeypatch)
    again, _ = imported(settled, monkeypatch)
    assert said(again) == said(full(settled))


def test_a_file_edited_just_after_the_import_wrote_it_is_seen_as_edited(settled, monkeypatch):
    restamp(settled)
    real = store._write_unless_changed

    def edited_after(item):
        done = real(item)
        edit_text(item[0])
        return done

    with monkeypatch.context() as patch:
        patch.setattr(store, "_write_unless_changed", edited_after)
        pipeline.import_sources(settled, Report())
    report, _ = imported(settled, monkeypatch)
    assert report.counts["kept as edited by hand"] == 1


def test_a_capture_added_after_a_store_file_was_edited_is_imported_alone(
        settled, monkeypatch, tmp_path):
    edit_text(a_store_file(settled))
    _, read = imported(settled, monkeypatch)  # replayed: the record follows the edit
    assert not read
    new_statement(settled)
    assert not same_as_a_full_import(settled, monkeypatch, tmp_path)


def test_a_record_saved_without_its_sources_is_not_used_with_older_ones(
        settled, monkeypatch, tmp_path):
    """The record and what it found in the captures are saved apart: if the second save is
    lost (Ctrl-C while Pagefind runs, a full disk), they must not be used together."""
    path = settled.source_dir / "records_messy.json"
    records = json.loads(path.read_text())
    records.append({"headline": "A Record Never Seen Before", "date_str": "2024-03-03",
                    "story_text": "Text of it. -0-"})
    path.write_text(json.dumps(records))
    for lost in ("save_sources", "save"):
        with monkeypatch.context() as patch:
            patch.setattr(import_record, lost, lambda *args: None)
            imported(settled, monkeypatch)
        change_text(settled)
        same_as_a_full_import(settled, monkeypatch, tmp_path / lost)


@pytest.mark.parametrize("changed", [True, False])
def test_a_store_inside_the_source_folder_is_read_as_captures_every_time(
        tmp_path, monkeypatch, changed):
    config = make_archive(tmp_path / "site", config="source_dir: content\n")
    pipeline.import_sources(config, Report())  # the store it writes is in the sources too
    if changed:
        change_text(config)
    same_as_a_full_import(config, monkeypatch, tmp_path)


def test_captures_imported_alone_are_cached_for_the_next_import(settled, monkeypatch):
    change_text(settled)
    pipeline.import_sources(settled, Report())
    parsed = []
    real = ingest.parse_file
    monkeypatch.setattr(ingest, "parse_file", lambda *args: parsed.append(args[0]) or real(*args))
    full(settled)
    assert parsed == []


def test_a_statement_merged_by_hand_into_another_file_keeps_one_id(settled):
    merge_by_hand(settled)
    files = []
    for _ in range(3):
        pipeline.import_sources(settled, Report())
        files.append(sorted(store.store_files(settled.content_dir)))
    assert files[0] == files[1] == files[2]


def test_of_two_files_with_one_id_the_import_takes_the_one_the_site_shows(settled):
    generated = a_store_file(settled)
    statement = store.parse(generated.read_text(), generated)
    (settled.content_dir / "zz-copy.md").write_text(  # a hand-made copy, listed first by a walk
        generated.read_text().replace("\n---\n\n", "\n---\n\nA copy. ", 1))
    add_capture(settled)
    report = Report()
    pipeline.import_sources(settled, report)
    assert report.counts["statements updated"] == 1
    assert len(store.parse(generated.read_text(), generated).captures) == 2
    archive = pipeline.load_archive(settled, Report())
    shown = next(s for s in archive.statements if s.id == statement.id)
    assert shown.path == str(generated)


def test_a_changed_web_archive_is_counted_as_the_full_import_counts_it(settled, monkeypatch,
                                                                       tmp_path):
    # What an archive's parser leaves out on purpose (requests, revisits, ...) is counted
    # per file: an import of the archive that changed takes its old counts away.
    shutil.copy(warcs.CRAWL, settled.source_dir / "crawl.warc")
    pipeline.import_sources(settled, Report())
    records = warcs.crawl()
    warcs.write(settled.source_dir / "crawl.warc", records[:3] + records[6:10])
    read = same_as_a_full_import(settled, monkeypatch, tmp_path)
    assert not read  # only the archive was read again

"""The Markdown store: exact round trips, stamps, safe reading, nothing overwritten."""

import datetime as dt
import hashlib
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import store
from generator.model.documents import Capture, FoundDate, Issuer, Statement, Version
from generator.problems import Report
from generator.store import StoreError

from .test_guards import no_hang

SHA = "a" * 64


def statement(**changes) -> Statement:
    fields = dict(
        id="2022-09-22-a-statement",
        title="A Statement",
        date=dt.date(2022, 9, 22),
        source="KCNA.kp (En)",
        body="First paragraph.\n\nSecond paragraph.",
        captures=(Capture("a.txt", None, dt.date(2025, 1, 24), SHA),),
        dateline="Pyongyang, September 22 (KCNA)",
        found_dates=(FoundDate("juche", dt.date(2022, 9, 22), "Juche111.9.22."),),
        topics=("External",),
        issuer=Issuer("Spokesperson", "fm-spokesperson", "Foreign Ministry", "fm", "statement"),
    )
    fields.update(changes)
    return Statement(**fields)


def round_trip(s: Statement) -> Statement:
    """Write and read back; where it was read from is not part of the comparison."""
    text = store.dump(s)
    back = store.parse(text, Path("/archive/x.md"))
    assert back.path == "/archive/x.md"
    assert back.checksum == hashlib.sha256(text.encode()).hexdigest()
    return back._replace(path=None, checksum="")


def test_a_statement_round_trips_exactly():
    s = statement()
    assert round_trip(s) == s


@pytest.mark.parametrize("value", ["no", "yes", "012", "12:30:00", "null", "~", "2022-09-22",
                                   "a\x85b", "x\u2028y", "- dash", "#hash", "a: b", "  padded  ",
                                   "\ufeffbom", "'quote\"", "multi\nline", "1e3", ".inf"])
def test_front_matter_round_trips_strings_that_yaml_would_retype(value):
    s = statement(title=value if value.strip() else "x", source=value, dateline=value,
                  topics=(value,))
    back = round_trip(s)
    assert back.source == value and back.dateline == value and back.topics == (value,)


yaml_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=500, deadline=None)
@given(title=yaml_text.filter(lambda t: t.strip() == t and t), source=yaml_text,
       url=st.none() | yaml_text, topic=yaml_text.filter(str.strip), issuer=st.none() | yaml_text,
       dateline=st.none() | yaml_text, found=yaml_text, note=st.none() | yaml_text)
def test_any_string_survives_the_front_matter(title, source, url, topic, issuer, dateline, found,
                                              note):
    s = statement(title=title, source=source, topics=(topic,), dateline=dateline,
                  captures=(Capture("f.json", url, None, SHA),),
                  issuer=Issuer(issuer, None, issuer, None, None),
                  found_dates=(FoundDate("juche", dt.date(2022, 9, 22), found),),
                  extra=(("note", note),) if note is not None else ())
    assert round_trip(s) == s


@settings(max_examples=200, deadline=None)
@given(titles=st.lists(yaml_text.filter(lambda t: t.strip() == t and t), min_size=2, max_size=4),
       texts=st.lists(st.lists(yaml_text.filter(str.strip), min_size=1, max_size=3), min_size=4,
                      max_size=4),
       seen=st.lists(st.none() | st.dates(), min_size=4, max_size=4),
       aliases=st.lists(st.from_regex(r"[a-z0-9][a-z0-9-]{0,20}", fullmatch=True), max_size=2))
def test_a_statement_with_versions_round_trips_with_every_text(titles, texts, seen, aliases):
    """Any titles and texts (a text that looks like a version marker included: the body
    escapes it), any dates, any aliases."""
    from generator.model import versions
    from generator.model.markdown import text_to_markdown

    bodies = [text_to_markdown([*t, "<!-- version 1 -->"]) for t in texts[:len(titles)]]
    made = tuple(Version(title, SHA, seen[n], seen[n], (SHA,), n, n, 1 if n == 2 else None)
                 for n, title in enumerate(titles))
    s = statement(title=titles[-1], versions=made, aliases=tuple(dict.fromkeys(aliases)),
                  body=versions.join_body(bodies[-1], dict(enumerate(bodies[:-1], start=1))))
    back = round_trip(s)
    assert back == s
    assert list(versions.texts(back, back.body).values()) == bodies
    assert store.version_problems(back) == []


def test_a_note_left_where_a_statement_was_reads_as_no_statement(tmp_path):
    path = tmp_path / "2024-01-01-b.md"
    path.write_text(store.dump_moved("2024-01-01-b", "2024-01-01-a", "2024/01/2024-01-01-a.md"))
    read = store.read_file(path)
    assert read.statement is None and read.problems == () and read.state == "generated"
    assert read.moved == ("2024-01-01-b", "2024-01-01-a")
    assert "2024/01/2024-01-01-a.md" in path.read_text()


def test_a_note_whose_address_leads_nowhere_is_named_once(tmp_path):
    # A note pointing at itself, at another note (a cycle) or at a statement that no longer
    # lists its id among its aliases reserved its id in silence: its address led nowhere.
    notes = {"m": "m", "n": "p", "p": "n", "q": "gone", "r": "a", "s": "a"}
    for note, to in notes.items():
        (tmp_path / f"{note}.md").write_text(store.dump_moved(note, to, f"{to}.md"))
    store.write_atomic(tmp_path / "a.md", store.dump(statement(id="a", aliases=("r",))))
    report = Report()
    statements = store.load_statements(tmp_path, report)
    assert [s.id for s in statements] == ["a"]
    assert sorted((Path(p.path).name, p.reason.split(",")[0]) for p in report.warnings) == [
        (f"{note}.md", f"this note says statement {note} is now a version of {to}")
        for note, to in sorted(notes.items()) if note != "r"]
    assert all("its address leads nowhere" in p.reason for p in report.warnings)


def test_generated_file_is_stamped_and_an_edit_breaks_the_stamp():
    text = store.dump(statement())
    assert store.stamp_state(text) == "generated"
    assert store.stamp_state(text.replace("Second paragraph", "Second, edited")) == "edited"
    assert store.stamp_state("---\ntitle: Mine\ndate: 2020-01-01\n---\nText\n") == "manual"


@pytest.mark.parametrize(
    ("text", "where", "reason"),
    [
        ("title: x\n", ":1:1", "no front matter"),
        ("---\ntitle: x\n", ":1:1", "not closed"),
        ("---\ntitle: x\ndate: [unclosed\n---\n", ":4:1", "invalid YAML"),
        ("---\ntitle: 'x\n---\n", ":3:1", "invalid YAML"),
        ("---\na: &a [1, 2]\nb: *a\ntitle: x\ndate: 2020-01-01\n---\n", ":2:", "anchors and aliases"),
        ("---\ntitle: !!python/object/apply:os.system ['echo hi']\n---\n", ":2:", "invalid YAML"),
        ("---\n- a list\n---\n", ":2:1", "must be a mapping"),
        ("---\ntitle: x\ndate: 22/09/2022\n---\n", "", "date must be a date"),
        ("---\nid: ../../etc/passwd\ntitle: x\ndate: 2020-01-01\n---\n", "", "not usable in a URL"),
        ("---\ndate: 2020-01-01\n---\n", "", "no title"),
        ("---\ntitle: x\ndate: 2020-01-01\ncaptures: [{file: a, sha256: nothex}]\n---\n", "", "64 hex"),
    ],
)
def test_malformed_files_get_an_error_naming_file_line_and_column(text, where, reason):
    with pytest.raises(StoreError) as info:
        store.parse(text, Path("/archive/bad.md"), "content/bad.md")
    assert info.value.where.startswith("content/bad.md" + where)
    assert reason in info.value.reason


def test_hand_written_file_without_id_takes_its_name():
    s = store.parse("---\ntitle: Mine\ndate: 2020-01-02\n---\n\nMy *notes*.\n",
                    Path("/a/2020-01-02-mine.md"))
    assert s.id == "2020-01-02-mine"
    assert s.body == "My *notes*."
    assert s.captures == ()


def test_unknown_front_matter_keys_are_kept_as_written():
    s = store.parse("---\ntitle: Mine\ndate: 2020-01-02\nnote: checked by AB\n---\n",
                    Path("/a/mine.md"))
    assert s.extra == (("note", "checked by AB"),)


def test_atomic_write_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "a" / "b.md"
    store.write_atomic(target, "one")
    store.write_atomic(target, "two")
    assert target.read_text() == "two"
    assert [p.name for p in target.parent.iterdir()] == ["b.md"]


def test_failed_write_keeps_the_old_file_whole(tmp_path, monkeypatch):
    target = tmp_path / "b.md"
    store.write_atomic(target, "old content")

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        store.write_atomic(target, "new content")
    assert target.read_text() == "old content"
    assert [p.name for p in tmp_path.iterdir()] == ["b.md"]


def save(content_dir: Path, statements, report=None) -> Report:
    report = report or Report()
    existing = store.Existing.scan(content_dir, report)
    store.save(statements, content_dir, existing, report)
    return report


def test_saving_again_changes_no_file(tmp_path):
    save(tmp_path, [statement()])
    path = store.default_path(tmp_path, statement().id)
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    report = save(tmp_path, [statement()])
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
    assert report.counts["statements unchanged"] == 1


def test_generated_file_is_updated_when_a_capture_is_added(tmp_path):
    save(tmp_path, [statement()])
    more = statement(captures=(*statement().captures, Capture("b.json", "http://x", None, "b" * 64)))
    report = save(tmp_path, [more])
    assert report.counts["statements updated"] == 1
    assert "http://x" in store.default_path(tmp_path, more.id).read_text()


def test_hand_edited_file_is_kept_and_the_missed_capture_reported(tmp_path):
    save(tmp_path, [statement()])
    path = store.default_path(tmp_path, statement().id)
    edited = path.read_text().replace("Second paragraph.", "Second paragraph (corrected).")
    path.write_text(edited)
    more = statement(captures=(*statement().captures, Capture("b.json", "http://x", None, "b" * 64)))
    report = save(tmp_path, [more])
    assert path.read_text() == edited
    assert report.counts["kept as edited by hand"] == 1
    (warning,) = report.warnings
    assert "edited by hand" in warning.reason and "1 new capture" in warning.reason


def test_a_file_edited_after_the_import_read_it_is_not_overwritten(tmp_path):
    save(tmp_path, [statement()])
    path = store.default_path(tmp_path, statement().id)
    report = Report()
    existing = store.Existing.scan(tmp_path, report)  # read as the generator wrote it
    edited = path.read_text().replace("Second paragraph.", "Second paragraph (corrected).")
    path.write_text(edited)  # then edited by hand before the import writes
    more = statement(captures=(*statement().captures, Capture("b.json", "http://x", None, "b" * 64)))
    saved = store.save([more], tmp_path, existing, report)
    assert path.read_text() == edited
    assert saved.shas == {} and saved.tried == 1
    assert "statements updated" not in report.counts
    (warning,) = report.warnings
    assert warning.path.endswith(path.name) and "changed while this import ran" in warning.reason


def test_unreadable_file_in_the_way_is_never_overwritten(tmp_path):
    path = store.default_path(tmp_path, statement().id)
    path.parent.mkdir(parents=True)
    path.write_text("---\ntitle: [broken\n---\n")
    report = save(tmp_path, [statement()])
    assert path.read_text() == "---\ntitle: [broken\n---\n"
    assert any("not written" in p.reason for p in report.errors)


# --- broken and hostile store files (issue 27): one error naming the file, the rest is read ---


@pytest.mark.parametrize(("value", "key"), [
    ("2023-02-30", "date"), ("0000-01-01", "date"), ("2023-01-01T25:61:00", "date"),
    ("'2023-13-01'", "date")])
def test_an_impossible_date_is_an_error_naming_the_file_and_the_key(value, key):
    # Issue 27, item 1: ValueError from the YAML reader, with no file named.
    text = f"---\ntitle: x\ndate: {value}\n---\n"
    with pytest.raises(StoreError) as info:
        store.parse(text, Path("/archive/bad.md"), "content/bad.md")
    assert info.value.where == "content/bad.md"
    assert info.value.reason.startswith("date must be a date written YYYY-MM-DD, got '")
    found = "---\ntitle: x\ndate: 2023-01-01\nfound_dates:\n- {kind: juche, date: 2023-02-30}\n---\n"
    with pytest.raises(StoreError, match="found_dates item 1: date must be a date"):
        store.parse(found, Path("/archive/bad.md"))


def test_an_unquoted_ampersand_is_an_error_naming_the_line():
    # Issue 27, item 2: the anchor check scanned the YAML outside the parser's ``try``.
    with pytest.raises(StoreError) as info:
        store.parse("---\ntitle: & Co statement\ndate: 2020-01-01\n---\n", Path("/a/x.md"),
                    "content/x.md")
    assert info.value.where == "content/x.md:2:9"
    assert "invalid YAML" in info.value.reason


def read_problems(content_dir: Path):
    report = Report()
    statements = store.load_statements(content_dir, report)
    return statements, [(p.path.rsplit("/", 1)[-1], p.reason) for p in report.problems]


def test_a_symlink_loop_a_fifo_and_a_device_in_the_store_are_each_one_problem(tmp_path):
    # Issue 27, items 3, 6 and 8: a traceback (shown() resolved the loop), a read of
    # /dev/zero until memory ran out, and a FIFO that blocked forever.
    save(tmp_path, [statement()])
    os.symlink("b.md", tmp_path / "a.md")
    os.symlink("a.md", tmp_path / "b.md")
    os.mkfifo(tmp_path / "pipe.md")
    os.symlink("/dev/zero", tmp_path / "zero.md")
    statements, problems = no_hang(read_problems, tmp_path)
    assert [s.id for s in statements] == [statement().id]
    assert problems == [
        ("a.md", "is a symbolic link in a loop: it never leads to a file"),
        ("b.md", "is a symbolic link in a loop: it never leads to a file"),
        ("pipe.md", "is a named pipe (FIFO), not a regular file: not read"),
        ("zero.md", "is a symbolic link to /dev/zero, outside the project folder: not followed")]


def test_a_file_saved_with_windows_line_endings_is_read_and_never_rewritten(tmp_path):
    # Issue 27, item 10: "no front matter", and the statement vanished from the site.
    save(tmp_path, [statement()])
    path = store.default_path(tmp_path, statement().id)
    crlf = path.read_bytes().replace(b"\n", b"\r\n")
    path.write_bytes(crlf)
    hand = tmp_path / "2020" / "mine.md"
    hand.parent.mkdir()
    hand.write_bytes(b"---\r\ntitle: Mine\r\ndate: 2020-01-02\r\n---\r\n\r\nMy notes.\r\n")
    statements, problems = read_problems(tmp_path)
    assert problems == []
    by_id = {s.id: s for s in statements}
    assert by_id[statement().id]._replace(path=None, checksum="") == statement()
    assert by_id["mine"].body == "My notes."
    # A generator file saved with other line endings is not the generator's bytes: kept.
    assert store.stamp_state(crlf.decode()) == "edited"
    more = statement(captures=(*statement().captures, Capture("b.json", "http://x", None, "b" * 64)))
    report = save(tmp_path, [more])
    assert path.read_bytes() == crlf
    assert report.counts["kept as edited by hand"] == 1


def test_store_files_are_written_with_the_umask_s_mode_and_an_update_keeps_the_mode(tmp_path):
    # Issue 27, item 13: files were written 0600 whatever the umask, and an update made a
    # 0644 file 0600: collaborators could not read them.
    old = os.umask(0o022)
    try:
        save(tmp_path, [statement()])
        path = store.default_path(tmp_path, statement().id)
        assert path.stat().st_mode & 0o777 == 0o644
        path.chmod(0o664)
        more = statement(captures=(*statement().captures, Capture("b.json", None, None, "b" * 64)))
        assert save(tmp_path, [more]).counts["statements updated"] == 1
        assert path.stat().st_mode & 0o777 == 0o664
        os.umask(0o077)
        other = statement(id="2022-09-23-another", date=dt.date(2022, 9, 23))
        save(tmp_path, [statement(), other])
        assert store.default_path(tmp_path, other.id).stat().st_mode & 0o777 == 0o600
    finally:
        os.umask(old)


def test_the_temporary_files_of_a_killed_import_are_removed_and_nothing_else(tmp_path):
    # Issue 27, item 16: ``kill -9`` while the store was written left ``.<id>.md.xxxx.tmp``
    # files that no later import removed.
    import time

    from generator.build import import_sources

    from .sites import make_archive

    config = make_archive(tmp_path, with_fixtures=False)
    folder = config.content_dir / "2022" / "09"
    folder.mkdir(parents=True)
    leftovers = [folder / ".2022-09-22-x.md.k2_x9abc.tmp", folder / ".2022-09-22-y.md.0123abcd.tmp"]
    kept = [folder / ".2022-09-22-x.md.short.tmp", folder / ".notes.md", folder / "x.md.abcdefgh.tmp",
            folder / ".2022-09-22-z.md.abcdefgh.tmp.bak"]
    for path in (*leftovers, *kept):
        path.write_text("half a file")
    past = time.time() - 5
    for path in (*leftovers, *kept):
        os.utime(path, (past, past))
    recent = folder / ".2022-09-22-w.md.abcdefgh.tmp"  # a write of a running import
    recent.write_text("being written")
    os.utime(recent, (time.time() + 60, time.time() + 60))
    import_sources(config, Report())
    assert not any(p.exists() for p in leftovers)
    assert all(p.exists() for p in (*kept, recent))

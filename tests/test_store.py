"""The Markdown store: exact round trips, stamps, safe reading, nothing overwritten."""

import datetime as dt
import hashlib
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import store
from generator.model.documents import Capture, FoundDate, Issuer, Statement
from generator.problems import Report
from generator.store import StoreError

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
        ("---\na: &a [1, 2]\nb: *a\ntitle: x\ndate: 2020-01-01\n---\n", ":2:1", "anchors and aliases"),
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

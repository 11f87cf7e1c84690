"""The input guards every entry point reads through: files, names for display, YAML, dates, URLs.

Issue 27: each guard is written once (``generator.engine.guards``, ``problems.shown``);
the tests of each entry point (the captures, the store, the configuration, the static
files) are beside those entry points.
"""

import datetime as dt
import os
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.engine.guards import (
    Refused,
    YamlError,
    files_under,
    iso_date,
    load_yaml,
    read_bounded,
    regular_file,
    roots,
    split_url,
)
from generator.problems import Problem, printable, shown


def no_hang(function, *args, seconds=20):
    """``function(*args)``'s result or exception; fails (rather than hangs) after ``seconds``."""
    outcome = {}

    def run():
        try:
            outcome["value"] = function(*args)
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"{function.__name__} hung on {args}"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


# --- names for display (item 18, item 3) ---------------------------------------------------


@pytest.mark.parametrize(("name", "expected"), [
    ("evil\x1b[31mRED.txt", "evil\\x1b[31mRED.txt"),
    ("two\nlines.txt", "two\\nlines.txt"),
    (os.fsdecode(b"bad\xff\xfe.txt"), "bad\\xff\\xfe.txt"),
    ("right\u202eleft.txt", "right\\u202eleft.txt"),
    ("plain café.txt", "plain café.txt"),
])
def test_a_name_is_shown_with_its_control_characters_and_bad_bytes_escaped(name, expected):
    assert printable(name) == expected
    assert shown(name) == expected
    assert Problem(name, "import", "reason\x1b[0m").line() == f"error: {expected}: reason\\x1b[0m"


@settings(max_examples=300, deadline=None)
@given(st.text() | st.binary().map(os.fsdecode))
def test_any_name_is_shown_on_one_printable_line_and_showing_it_again_changes_nothing(name):
    text = shown(name)
    assert text.isprintable()
    assert printable(text) == text
    text.encode("utf-8")  # no lone surrogate is left to break a terminal's encoding


def test_a_path_through_a_link_loop_is_shown_without_raising(tmp_path, monkeypatch):
    # Issue 27, item 3: ``shown`` resolved paths, and a loop raised RuntimeError.
    monkeypatch.chdir(tmp_path)
    os.symlink("b", tmp_path / "a")
    os.symlink("a", tmp_path / "b")
    assert shown(tmp_path / "a") == "a"
    assert shown(tmp_path / "x\x00y") == "x\\x00y"


# --- files ----------------------------------------------------------------------------------


def test_only_regular_files_are_read_and_a_fifo_never_blocks(tmp_path):
    # Issue 27, item 8: ``open()`` on a FIFO waits for a writer forever.
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    with pytest.raises(Refused, match="named pipe"):
        no_hang(read_bounded, fifo, 1000)
    with pytest.raises(Refused, match="folder"):
        read_bounded(tmp_path, 1000)


def test_a_device_is_refused_whatever_size_it_claims(tmp_path):
    # Issue 27, item 6: /dev/zero says it has 0 bytes, and never ends.
    os.symlink("/dev/zero", tmp_path / "zero.txt")
    with pytest.raises(Refused, match="character device"):
        no_hang(read_bounded, tmp_path / "zero.txt", 1000)


def test_a_file_is_read_up_to_the_cap_whatever_its_size_says():
    # procfs files say 0 bytes and have more: read with the cap, not by the size.
    assert os.stat("/proc/self/status").st_size == 0
    assert b"Name:" in read_bounded("/proc/self/status", 1 << 20)
    with pytest.raises(Refused, match="larger than the 10-byte limit"):
        read_bounded("/proc/self/status", 10)


def test_a_link_is_followed_only_into_the_folders_given(tmp_path):
    project, elsewhere = tmp_path / "project", tmp_path / "elsewhere"
    project.mkdir()
    elsewhere.mkdir()
    (elsewhere / "secret.txt").write_text("secret")
    (project / "mine.txt").write_text("mine")
    os.symlink(elsewhere / "secret.txt", project / "out.txt")
    os.symlink("mine.txt", project / "in.txt")
    inside = roots(project)
    assert read_bounded(project / "in.txt", 100, inside) == b"mine"
    with pytest.raises(Refused, match=r"elsewhere/secret\.txt, outside the project folder"):
        read_bounded(project / "out.txt", 100, inside)
    assert read_bounded(project / "out.txt", 100) == b"secret"  # no folders given: anywhere


@pytest.mark.parametrize(("make", "reason"), [
    (lambda d: (os.symlink("b", d / "a"), os.symlink("a", d / "b")), "in a loop"),
    (lambda d: os.symlink("gone", d / "a"), "which does not exist"),
    (lambda d: (os.mkdir(d / "sub"), os.symlink("sub", d / "a")), "links to folders are not followed"),
])
def test_a_link_that_leads_to_no_file_is_refused_with_a_reason(tmp_path, make, reason):
    make(tmp_path)
    with pytest.raises(Refused, match=reason):
        regular_file(tmp_path / "a", roots(tmp_path))


def test_the_walk_lists_files_in_order_and_what_it_cannot_walk_for_its_reader(tmp_path):
    for rel in ("b.md", "a.md", "sub/c.md", "sub/d.txt", ".hidden/e.md", ".tmp.md"):
        (tmp_path / rel).parent.mkdir(exist_ok=True)
        (tmp_path / rel).write_text("x")
    (tmp_path / "linked").symlink_to(tmp_path / "sub")
    hidden: list[str] = []
    listed = [os.path.relpath(p, tmp_path) for p in files_under(tmp_path, ".md", hidden)]
    assert listed == ["a.md", "b.md", "linked", "sub/c.md"]
    assert [os.path.relpath(p, tmp_path) for p in hidden] == [".tmp.md"]
    with pytest.raises(Refused, match="links to folders are not followed"):
        regular_file(tmp_path / "linked", roots(tmp_path))


# --- YAML, dates, URLs ---------------------------------------------------------------------


@pytest.mark.parametrize(("text", "value"), [
    ("date: 2023-02-30", {"date": "2023-02-30"}),
    ("date: 0000-01-01", {"date": "0000-01-01"}),
    ("at: 2023-01-01T25:61:00", {"at": "2023-01-01T25:61:00"}),
    ("n: " + "1" * 5000, {"n": "1" * 5000}),
    ("date: 2023-02-28", {"date": dt.date(2023, 2, 28)}),
])
def test_a_value_that_names_no_real_date_or_is_too_long_a_number_stays_text(text, value):
    # Issue 27, item 1: PyYAML raised ValueError for these.
    assert load_yaml(text) == value


@pytest.mark.parametrize(("text", "reason"), [
    ("a: &a [1, 2]\nb: *a\n", "anchors and aliases"),
    ("title: & Co statement\n", "invalid YAML"),
    ("a: !!python/object/apply:os.system ['true']\n", "invalid YAML"),
    ("[" * 5000, "invalid YAML"),
])
def test_yaml_that_cannot_be_used_is_one_error_with_a_line(text, reason):
    with pytest.raises(YamlError, match=reason) as info:
        load_yaml(text)
    assert info.value.line == 1


def test_an_alias_bomb_is_refused_before_it_is_built():
    # Issue 27, item 9: 400 bytes that PyYAML expands into billions of items.
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(9))
    assert len(bomb) < 600
    with pytest.raises(YamlError, match="anchors and aliases"):
        no_hang(load_yaml, bomb, seconds=10)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=200) | st.lists(st.sampled_from(
    ["a:", " ", "\n", "- ", "&x ", "*x", "[", "]", "{", "}", "'", '"', "!!", "2023-02-30",
     "0000-01-01", "25:61", "1" * 50, "? ", ",", "#", "|", ">", "\t", "\\", "%YAML 1.1\n"]),
    max_size=30).map("".join))
def test_no_text_makes_the_yaml_reader_raise_anything_but_its_own_error(text):
    try:
        load_yaml(text)
    except YamlError as exc:
        assert exc.reason


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=60) | st.sampled_from(["http://[::1", "https://[::1/", "http://[x]/",
                                                "http://a:port/", "http://[::1]:99999/"]))
def test_no_text_makes_a_url_split_or_a_date_parse_raise(text):
    parts = split_url(text)
    if parts is not None:
        assert isinstance(parts.netloc, str)
    assert iso_date(text) is None or isinstance(iso_date(text), dt.date)

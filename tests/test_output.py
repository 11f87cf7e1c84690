"""The output folder: only our files are deleted, dangerous folders are refused, swaps are whole."""

import io
import json
import multiprocessing
import os
import shutil
import threading
import time
from pathlib import Path

import pytest

from generator.config import load_config
from generator.output import BACK, MANIFEST, Output, OutputError, check_rel_path
from generator.output.record import read as _read_manifest
from generator.problems import Report


def build(out: Path, files: dict[str, bytes], **kwargs) -> tuple[bool, Report]:
    report = Report()
    with Output(out, report, **kwargs) as output:
        for path, data in files.items():
            output.write(path, data)
        assert output.finish({}) == []
        output.commit()
    return output.changed_site, report


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != MANIFEST}


def test_first_build_creates_the_folder_with_a_record(tmp_path):
    changed, _ = build(tmp_path / "site", {"index.html": b"home", "a/b.html": b"b"})
    assert changed
    assert tree(tmp_path / "site") == {"index.html": b"home", "a/b.html": b"b"}
    assert (tmp_path / "site" / MANIFEST).is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site.lock", ".site.previous", "site"]
    # The previous site the next build starts from: links to the new site's files, which
    # it then need not link one by one into an empty staging folder.
    assert kept_as_links(tmp_path / "site", tmp_path / ".site.previous")


def kept_as_links(site: Path, previous: Path) -> bool:
    """Whether ``previous`` holds exactly the generator's files of ``site``, each the same
    file (a hard link), besides its own mark and record of differences."""
    ours = {p: site / p for p in _read_manifest(site)["files"]}
    held = {p.relative_to(previous).as_posix(): p for p in previous.rglob("*") if p.is_file()}
    return (held.keys() - {".generator-staging", BACK} == ours.keys()
            and all(held[p].stat().st_ino == ours[p].stat().st_ino for p in ours))


def test_nothing_changes_when_nothing_changed(tmp_path):
    build(tmp_path / "site", {"index.html": b"home"})
    inode = (tmp_path / "site" / "index.html").stat().st_ino
    changed, _ = build(tmp_path / "site", {"index.html": b"home"})
    assert not changed
    assert (tmp_path / "site" / "index.html").stat().st_ino == inode


def test_a_file_no_longer_built_is_removed_but_only_ours(tmp_path):
    site = tmp_path / "site"
    build(site, {"index.html": b"home", "old.html": b"old"})
    (site / "CNAME").write_text("archive.example.org\n")
    (site / "notes").mkdir()
    (site / "notes" / "mine.txt").write_text("my notes")
    build(site, {"index.html": b"home 2"})
    assert tree(site) == {"index.html": b"home 2", "CNAME": b"archive.example.org\n",
                          "notes/mine.txt": b"my notes"}


def test_a_foreign_file_whose_name_is_not_utf8_is_carried_and_recorded(tmp_path):
    site = tmp_path / "site"
    build(site, {"index.html": b"home", "old.html": b"old"})
    name = os.fsdecode(b"notes-\xff.txt")  # a name from another system's encoding
    (site / name).write_bytes(b"mine")
    for number in (2, 3):  # the second build reads the record the first wrote with it
        changed, _ = build(site, {"index.html": f"home {number}".encode()})
        assert changed
        assert (site / name).read_bytes() == b"mine"
        assert name in _read_manifest(site)["foreign"]
    assert not (site / "old.html").exists()


def test_a_foreign_file_is_never_replaced_by_a_generated_one(tmp_path):
    site = tmp_path / "site"
    build(site, {"index.html": b"home"})
    (site / "robots.txt").write_text("mine")
    _, report = build(site, {"index.html": b"home", "robots.txt": b"generated"})
    assert (site / "robots.txt").read_text() == "mine"
    assert any("not written by the generator" in p.reason for p in report.warnings)


def test_files_added_to_the_site_while_a_build_runs_are_carried_into_the_new_site(tmp_path):
    site = tmp_path / "site"
    build(site, {"index.html": b"home", "a/b.html": b"b", "a/c/d.html": b"d"})
    hour_ago = time.time() - 3600
    for folder in (site, site / "a", site / "a" / "c"):
        os.utime(folder, (hour_ago, hour_ago))  # quiet folders: their listings are trusted
    report = Report()
    with Output(site, report) as output:
        assert output.keep_current("a/b.html", "")  # the build has looked at the site
        output.write("index.html", b"home 2")
        (site / "a" / "c" / "mine.txt").write_text("added meanwhile")
        (site / "a" / "new").mkdir()
        (site / "a" / "new" / "notes.txt").write_text("new folder")
        output.keep("a/c/d.html")
        assert output.finish({}) == []
        output.commit()
    assert tree(site) == {"index.html": b"home 2", "a/b.html": b"b", "a/c/d.html": b"d",
                          "a/c/mine.txt": b"added meanwhile", "a/new/notes.txt": b"new folder"}


def test_files_not_ours_are_carried_as_they_are_when_the_build_ends(tmp_path):
    # Found by the build's first look, in folders quiet since (their listings trusted), in a
    # folder changed since, and in folders removed since: those still there are carried.
    site = tmp_path / "site"
    build(site, {"index.html": b"home", "a/b.html": b"b", "a/c/d.html": b"d"})
    for path in ("CNAME", "q/r/z.txt", "a/c/notes.txt", "a/c/deleted.txt", "a/gone/x.txt",
                 "a/e/f/y.txt"):
        (site / path).parent.mkdir(parents=True, exist_ok=True)
        (site / path).write_text(path)
    hour_ago = time.time() - 3600
    for folder in sorted({(site / p).parent for p in ("CNAME", "q/r/z.txt", "a/c/d.html",
                                                        "a/gone/x.txt", "a/e/f/y.txt")}
                         | {site / "q", site / "a" / "e"}):
        os.utime(folder, (hour_ago, hour_ago))
    with Output(site, Report()) as output:
        assert output.keep_current("a/b.html", "")  # the build has looked at the site
        shutil.rmtree(site / "a" / "gone")
        shutil.rmtree(site / "a" / "e")
        (site / "a" / "c" / "deleted.txt").unlink()
        output.write("index.html", b"home 2")
        output.keep("a/c/d.html")
        assert output.finish({}) == []
        output.commit()
    assert tree(site) == {"index.html": b"home 2", "a/b.html": b"b", "a/c/d.html": b"d",
                          "CNAME": b"CNAME", "q/r/z.txt": b"q/r/z.txt",
                          "a/c/notes.txt": b"a/c/notes.txt"}


@pytest.mark.parametrize("where", ["root", "home", "project", "content", "content_parent"])
def test_dangerous_output_folders_are_refused_before_anything_is_touched(tmp_path, where,
                                                                         monkeypatch):
    project = tmp_path / "project"
    content = project / "content" / "statements"
    content.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    out = {"root": Path("/"), "home": tmp_path / "home", "project": project,
           "content": content, "content_parent": project / "content"}[where]
    before = sorted(p.as_posix() for p in tmp_path.rglob("*"))
    with pytest.raises(OutputError, match="refusing to build into"):
        build(out, {"index.html": b"x"}, protected=(project,), no_inside=(content,))
    assert sorted(p.as_posix() for p in tmp_path.rglob("*")) == before


def test_a_non_empty_folder_we_did_not_make_is_refused(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / ".git").mkdir()
    (site / "important.txt").write_text("keep me")
    with pytest.raises(OutputError, match="not empty and was not made by this generator"):
        build(site, {"index.html": b"x"})
    assert (site / "important.txt").read_text() == "keep me"


def test_an_empty_folder_is_accepted(tmp_path):
    (tmp_path / "site").mkdir()
    build(tmp_path / "site", {"index.html": b"x"})
    assert (tmp_path / "site" / "index.html").read_bytes() == b"x"


def test_a_leftover_staging_folder_is_cleaned_by_the_next_build(tmp_path):
    build(tmp_path / "site", {"index.html": b"x"})
    staging = tmp_path / ".site.staging"
    staging.mkdir()
    (staging / ".generator-staging").write_bytes(b"")
    (staging / "half-written.html").write_bytes(b"<htm")
    build(tmp_path / "site", {"index.html": b"y"})
    assert not staging.exists()
    assert tree(tmp_path / "site") == {"index.html": b"y"}


def _killed_while_swapping(site: Path, files: dict[str, bytes], after_exchange: bool) -> None:
    """In a child process, build and die (as by kill -9) just before or just after the swap."""
    import generator.output.staging as output_module
    exchange = output_module._exchange

    def dying_exchange(a, b):
        if after_exchange:
            exchange(a, b)
        os._exit(9)

    output_module._exchange = dying_exchange
    build(site, files)


@pytest.mark.parametrize("after_exchange", [False, True])
def test_a_build_killed_while_swapping_leaves_a_whole_site_and_the_next_build_goes_on(
        tmp_path, after_exchange):
    site = tmp_path / "site"
    build(site, {"index.html": b"one", "a.html": b"a"})
    child = multiprocessing.get_context("fork").Process(
        target=_killed_while_swapping,
        args=(site, {"index.html": b"two", "b.html": b"b"}, after_exchange))
    child.start()
    child.join()
    assert child.exitcode == 9
    # The staging folder holds whichever site is not live; both carry the staging mark
    # until the swap has ended (in the live site, an empty hidden file until the next build).
    assert (tmp_path / ".site.staging" / ".generator-staging").is_file()
    live = tree(site)
    assert live.pop(".generator-staging") == b""
    assert live in ({"index.html": b"one", "a.html": b"a"}, {"index.html": b"two", "b.html": b"b"})
    assert (live == {"index.html": b"two", "b.html": b"b"}) == after_exchange
    build(site, {"index.html": b"three"})
    assert tree(site) == {"index.html": b"three"}
    assert not (tmp_path / ".site.staging").exists()


def _killed_between_the_two_renames(site: Path, files: dict[str, bytes]) -> None:
    """In a child process, build on a system without an atomic exchange, and die (as by
    kill -9) after the current site has been moved away, before the new one takes its place."""
    import generator.output.staging as output_module
    output_module._exchange = lambda a, b: False
    rename = os.rename

    def dying_rename(source, target):
        rename(source, target)
        if Path(source) == site.resolve():
            os._exit(9)

    os.rename = dying_rename
    build(site, files)


def test_a_swap_killed_halfway_without_atomic_exchange_is_finished_by_the_next_build(tmp_path):
    site = tmp_path / "site"
    build(site, {"index.html": b"one"})
    (site / "CNAME").write_text("archive.example.org\n")
    child = multiprocessing.get_context("fork").Process(
        target=_killed_between_the_two_renames, args=(site, {"index.html": b"two"}))
    child.start()
    child.join()
    assert child.exitcode == 9
    assert not site.exists()  # the moment between the two renames
    build(site, {"index.html": b"two", "new.html": b"new"})
    assert tree(site) == {"index.html": b"two", "new.html": b"new",
                          "CNAME": b"archive.example.org\n"}
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "site") == [
        ".site.lock", ".site.previous"]


def test_folders_half_deleted_by_a_killed_build_are_removed_but_only_ours(tmp_path):
    build(tmp_path / "site", {"index.html": b"x"})
    ours = tmp_path / ".site.trash-0123456789abcdef"
    (ours / "sub").mkdir(parents=True)
    (ours / "sub" / "page.html").write_text("half deleted")
    yours = tmp_path / ".site.trash-mine"
    yours.mkdir()
    build(tmp_path / "site", {"index.html": b"y"})
    assert not ours.exists() and yours.is_dir()


def test_a_copy_of_the_site_named_like_the_staging_folder_is_not_deleted(tmp_path):
    build(tmp_path / "site", {"index.html": b"x"})
    staging = tmp_path / ".site.staging"
    shutil.copytree(tmp_path / "site", staging)  # it holds our record, but no mark
    with pytest.raises(OutputError, match="was not made by this generator"):
        build(tmp_path / "site", {"index.html": b"y"})
    assert (staging / "index.html").read_bytes() == b"x" and (staging / MANIFEST).is_file()


def test_a_staging_folder_we_did_not_make_is_not_deleted(tmp_path):
    staging = tmp_path / ".site.staging"
    staging.mkdir()
    (staging / "yours.txt").write_text("yours")
    with pytest.raises(OutputError, match="was not made by this generator"):
        build(tmp_path / "site", {"index.html": b"y"})
    assert (staging / "yours.txt").read_text() == "yours"


def test_two_outputs_for_one_path_are_refused(tmp_path):
    with pytest.raises(OutputError, match="same file"), Output(tmp_path / "site", Report()) as out:
        out.write("a.html", b"1")
        out.write("a.html", b"2")


@pytest.mark.parametrize("path", ["../escape.html", "/etc/passwd", "a/../../b", "a\\b", "con.html",
                                  "a/NUL.txt", "x\x00y", "a//b", "x" * 300, "./a", ""])
def test_paths_that_could_escape_or_break_the_site_are_refused(path):
    with pytest.raises(OutputError):
        check_rel_path(path)


def test_an_interrupted_build_leaves_the_old_site_whole(tmp_path):
    site = tmp_path / "site"
    build(site, {"index.html": b"old", "a.html": b"old a"})
    with pytest.raises(RuntimeError), Output(site, Report()) as output:
        output.write("index.html", b"new")
        raise RuntimeError("killed half-way")
    assert tree(site) == {"index.html": b"old", "a.html": b"old a"}
    assert not (tmp_path / ".site.staging").exists()


def test_a_second_build_waits_for_the_first(tmp_path):
    site = tmp_path / "site"
    order = []
    release = threading.Event()

    def first():
        with Output(site, Report()) as output:
            order.append("first started")
            release.wait(5)
            output.write("index.html", b"first")
            output.finish({})
            output.commit()
            order.append("first done")

    thread = threading.Thread(target=first)
    thread.start()
    while not order:
        time.sleep(0.01)
    message = io.StringIO()
    threading.Timer(0.3, release.set).start()
    with Output(site, Report(), wait_message=message) as output:
        order.append("second started")
        output.write("index.html", b"second")
        output.finish({})
        output.commit()
    thread.join()
    assert order == ["first started", "first done", "second started"]
    assert "waiting" in message.getvalue()
    assert (site / "index.html").read_bytes() == b"second"


def test_disk_full_names_the_file_and_keeps_the_old_site(tmp_path, monkeypatch):
    site = tmp_path / "site"
    build(site, {"index.html": b"old"})
    real_write = Path.write_bytes

    def full_disk(self, data):
        if self.name == "index.html":
            raise OSError(28, "No space left on device")
        return real_write(self, data)

    monkeypatch.setattr(Path, "write_bytes", full_disk)
    with pytest.raises(OutputError, match=r"cannot write .*index.html: No space left on device"):
        build(site, {"index.html": b"new"})
    monkeypatch.undo()
    assert tree(site) == {"index.html": b"old"}
    assert not os.path.exists(tmp_path / ".site.staging")


def test_a_small_change_starts_from_the_previous_site_and_never_writes_into_the_live_one(
        tmp_path):
    site, previous = tmp_path / "site", tmp_path / ".site.previous"
    pages = {f"p/{n}.html": f"page {n}".encode() for n in range(20)}
    build(site, pages)
    assert kept_as_links(site, previous)  # the first build replaced nothing: links to itself
    versions = [
        {**pages, "p/3.html": b"page 3, edited"},                        # one file changed
        {**{k: v for k, v in pages.items() if k != "p/5.html"},          # one gone, one new,
         "p/3.html": b"page 3, edited", "q/new.html": b"new"},           # one changed back
        {**pages, "q/new.html": b"newer", "p/7.html": b"page 7, edited"},
    ]
    for number, files in enumerate(versions):
        if number == 1:
            (site / "CNAME").write_bytes(b"archive.example.org")  # the user's own file
        if number == 2:
            (site / "CNAME").unlink()  # ... and removed again: it must not come back
        live = tree(site)
        build(site, files)
        expected = {**files, **({"CNAME": b"archive.example.org"} if number == 1 else {})}
        assert tree(site) == expected
        assert previous.is_dir(), "a small change keeps the site it replaced"
        # The site it replaced is exactly what was live: nothing was written into a file
        # that the two share.
        kept = {p: b for p, b in tree(previous).items() if p not in (".generator-staging", BACK)}
        assert kept == live
        # What it holds of how its record differs from the live one's gives its record
        # (which is deleted first: the next build must do without it).
        assert_previous_record_made_from_differences(site, previous)
    # Built afresh, the same files give the same site, record included.
    fresh = tmp_path / "fresh" / "site"
    build(fresh, versions[-1])
    assert tree(fresh) == tree(site)
    assert (fresh / MANIFEST).read_bytes() == (site / MANIFEST).read_bytes()


def test_a_site_of_many_files_without_a_previous_one_is_staged_by_links(tmp_path):
    # (Linked several at a time, in runs: 700 files.)
    site, previous = tmp_path / "site", tmp_path / ".site.previous"
    pages = {f"p/{n // 100}/{n}.html": f"page {n}".encode() for n in range(700)}
    build(site, pages)
    shutil.rmtree(previous)
    before = {p: (site / p).stat().st_ino for p in pages}
    build(site, {**pages, "p/0/3.html": b"page 3, edited"})
    assert tree(site) == {**pages, "p/0/3.html": b"page 3, edited"}
    assert {p: (site / p).stat().st_ino for p in pages if p != "p/0/3.html"} == {
        p: i for p, i in before.items() if p != "p/0/3.html"}


def test_where_files_cannot_be_linked_no_copy_of_the_site_is_kept(tmp_path, monkeypatch):
    # (Staging copies the files it cannot link; a whole copy kept for the next build would
    # double the site on disk.)
    def refuse(*args, **kwargs):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", refuse)
    site = tmp_path / "site"
    pages = {f"p/{n}.html": f"page {n}".encode() for n in range(300)}
    build(site, pages)
    assert not (tmp_path / ".site.previous").exists()
    assert not list(tmp_path.glob(".site.trash-*"))
    build(site, {**pages, "p/3.html": b"page 3, edited"})
    assert tree(site) == {**pages, "p/3.html": b"page 3, edited"}


def assert_previous_record_made_from_differences(site: Path, previous: Path) -> None:
    expected = _read_manifest(previous)
    (previous / MANIFEST).unlink()
    with Output(site, Report()) as output:
        made = output.previous.record(output.old)
    assert made == {k: v for k, v in expected.items() if k in ("version", "files", "foreign")}


def test_the_previous_sites_record_made_from_differences_keeps_keys_changed_alone(tmp_path):
    site, previous = tmp_path / "site", tmp_path / ".site.previous"

    def build_with_keys(files: dict[str, tuple[bytes, str]]) -> None:
        with Output(site, Report()) as output:
            for path, (data, key) in files.items():
                output.write(path, data, key)
            output.finish({})
            output.commit()

    pages = {f"p/{n}.html": (f"page {n}".encode(), "key 1") for n in range(20)}
    build_with_keys(pages)
    build_with_keys({**pages, "p/1.html": (b"page 1", "key 2"),  # the same bytes, another key
                     "p/2.html": (b"page 2, edited", "key 1")})
    assert_previous_record_made_from_differences(site, previous)


def test_a_previous_site_whose_differences_do_not_fit_the_live_site_is_read_whole(tmp_path):
    site, previous = tmp_path / "site", tmp_path / ".site.previous"
    pages = {f"p/{n}.html": f"page {n}".encode() for n in range(20)}
    build(site, pages)
    edited = {**pages, "p/3.html": b"page 3, edited"}
    build(site, edited)
    # Differences written down for another live site (one restored from a backup, say),
    # which here would say that the previous site holds the edited page 3: it does not.
    back = json.loads((previous / BACK).read_text())
    (previous / BACK).write_text(json.dumps({**back, "files": {}, "site": "0" + back["site"]}))
    build(site, {**edited, "p/4.html": b"page 4, edited"})
    assert tree(site) == {**edited, "p/4.html": b"page 4, edited"}


def test_a_large_change_keeps_links_to_the_new_site_not_the_site_it_replaced(tmp_path):
    site = tmp_path / "site"
    build(site, {f"{n}.html": b"old" for n in range(10)})
    build(site, {f"{n}.html": b"new" for n in range(10)})
    assert kept_as_links(site, tmp_path / ".site.previous")
    assert tree(site) == {f"{n}.html": b"new" for n in range(10)}
    build(site, {**{f"{n}.html": b"new" for n in range(10)}, "3.html": b"newer"})
    assert tree(site) == {**{f"{n}.html": b"new" for n in range(10)}, "3.html": b"newer"}
    assert tree(tmp_path / ".site.previous")["3.html"] == b"new"  # the site it replaced


@pytest.mark.parametrize("where", ["static", "static/sub", "templates", "themes", "themes/mine",
                                   "parent_of_static"])
def test_the_site_s_own_folders_are_refused_as_output_before_anything_is_written(
        make_site, where):
    # Issue 27, item 12: "output_dir: static" copied the site into itself, growing each build.
    from generator import build as pipeline
    from generator.problems import Report

    config = make_site(seeds=True, files={"static/extra.css": "p {}\n",
                                          "templates/.keep": "", "themes/mine/templates/.keep": ""})
    out = {"parent_of_static": "."}.get(where, where)
    config = load_config(config.config_path, {"output_dir": str(config.root / out)})
    before = sorted(p.as_posix() for p in config.root.rglob("*"))
    with pytest.raises(OutputError, match="refusing to build into"):
        pipeline.build(config, Report(), search=False)
    assert sorted(p.as_posix() for p in config.root.rglob("*")) == before

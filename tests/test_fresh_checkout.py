"""A fresh checkout with its cache restored (what the Pages workflow does) builds incrementally.

``git clone`` and ``actions/checkout`` give every file a new modification time
and inode; ``actions/cache`` restores the generator's cache, the site and the
site it replaced with ``tar`` (new inodes, the times and the hard links kept).
The cache knows files by their stat, so without ``store.moved`` such a build
would read and parse everything again.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from generator import ingest, store
from generator.store import import_record, moved

from .sites import build, make_archive
from .test_incremental import clean_build, edit_statement, tree

KEPT = (".cache", "site", ".site.previous")


def fresh_checkout(root: Path, tmp_path: Path) -> None:
    """``root`` made again as a new clone whose cache was restored: its own files copied
    with new inodes and times, the cache and the sites through ``tar``, as ``actions/cache``
    does."""
    away = tmp_path / "away"
    root.rename(away)
    root.mkdir()
    kept = [name for name in KEPT if (away / name).exists()]
    archive = tmp_path / "cache.tar"
    subprocess.run(["tar", "-C", str(away), "-cf", str(archive), *kept], check=True)
    subprocess.run(["tar", "-C", str(root), "-xf", str(archive)], check=True)
    later = time.time_ns() + 3_600_000_000_000  # an hour on: the clone is made later
    for item in sorted(away.iterdir()):
        if item.name in KEPT:
            continue
        if item.is_dir():
            shutil.copytree(item, root / item.name, copy_function=shutil.copy)
        else:
            shutil.copy(item, root / item.name)
    for folder, _, names in os.walk(root):
        if not Path(folder).relative_to(root).parts[:1] or Path(folder).relative_to(
                root).parts[0] not in KEPT:
            for name in names:
                os.utime(os.path.join(folder, name), ns=(later, later))
    shutil.rmtree(away)


@pytest.fixture
def parsed(monkeypatch) -> list[str]:
    """The capture and store files parsed (not merely hashed) by the builds that follow."""
    seen: list[str] = []

    def spy(module, name):
        real = getattr(module, name)

        def recording(path, *args, **kwargs):
            seen.append(str(path))
            return real(path, *args, **kwargs)

        monkeypatch.setattr(module, name, recording)

    spy(ingest, "parse_file")
    spy(store, "read_file")
    spy(import_record, "read_file")
    return seen


def _archive(tmp_path: Path):
    root = tmp_path / "archive"
    root.mkdir()
    config = make_archive(root)
    build(config, search=True)
    edit_statement(config, "2022-11-08", "Russia", "the Russian Federation")
    build(config, search=True)  # a small change: the site it replaced is kept beside it
    assert (root / ".site.previous").is_dir()
    return config


def _looked(parsed: list[str]) -> None:
    parsed.clear()  # what the builds that made the archive parsed


def test_a_fresh_checkout_with_its_cache_restored_reads_nothing_again(tmp_path, parsed):
    config = _archive(tmp_path)
    site_before = tree(config.output_dir)
    fresh_checkout(config.root, tmp_path)
    assert all(os.stat(p).st_mtime_ns > time.time_ns() for p in
               store.store_files(config.content_dir))  # every file is new (dated later)
    _looked(parsed)
    report = build(config, search=True)
    assert parsed == []
    assert report.counts["site files written"] == 0
    assert tree(config.output_dir) == site_before == clean_build(config, tmp_path)
    # What the cache knows is as good as before: once the site's folders, restored a moment
    # ago, have settled, a build finds nothing changed.
    time.sleep(2.5)
    build(config, search=True)
    assert build(config, search=True).skipped


def test_without_the_step_the_same_build_reads_everything(tmp_path, parsed, monkeypatch):
    # What the step spares: the same checkout, the step left out.
    config = _archive(tmp_path)
    fresh_checkout(config.root, tmp_path)
    monkeypatch.setattr(moved, "same_bytes", lambda cache, config, changed, last: changed)
    _looked(parsed)
    build(config, search=True)
    assert len({p for p in parsed if p.endswith(".md")}) == len(list(
        store.store_files(config.content_dir)))


def test_a_restored_cache_older_than_the_checkout_gives_the_checkout_s_site(tmp_path, parsed):
    # The cache was saved before a statement was edited and a capture added: only those are
    # read again, and the site is the one a clean build of the checkout makes.
    config = _archive(tmp_path)
    fresh_checkout(config.root, tmp_path)
    edited = edit_statement(config, "vice-director-general", "Pyongyang", "Phyŏngyang")
    added = config.source_dir / "added.txt"
    added.write_bytes((config.source_dir / "no_date_line.txt").read_bytes().replace(
        b"Pyongyang", b"Pyongyang, said again"))
    _looked(parsed)
    build(config, search=True)
    assert str(edited) in parsed and str(added) in parsed
    assert len(set(parsed)) <= 4
    assert tree(config.output_dir) == clean_build(config, tmp_path)
    assert "Phyŏngyang" in "".join(p.read_text() for p in
                                   (config.output_dir / "statements").rglob("*vice-director-general*.html"))


def test_a_file_touched_but_not_changed_is_not_read_again(tmp_path, parsed):
    config = _archive(tmp_path)
    one = sorted(store.store_files(config.content_dir))[0]
    os.utime(one, ns=(time.time_ns() + 10**9, time.time_ns() + 10**9))
    _looked(parsed)
    report = build(config, search=True)
    assert parsed == []
    assert report.counts["site files written"] == 0

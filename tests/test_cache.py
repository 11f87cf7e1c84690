"""The build cache: unchanged files are not read twice, and the cache never changes the result."""

import os
import shutil
import time
from pathlib import Path

import pytest

from generator import build as pipeline
from generator import ingest, output, store
from generator.engine import parallel
from generator.engine.cache import Cache, lookup_name
from generator.problems import BuildInterrupted, Report
from generator.store import importer

from .sites import build, make_archive


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def counting(monkeypatch, module, name):
    calls = []
    real = getattr(module, name)

    def wrapper(path, *args):
        calls.append(Path(path).name)
        return real(path, *args)

    monkeypatch.setattr(module, name, wrapper)
    return calls


def test_a_second_import_reads_no_unchanged_file_again(tmp_path, monkeypatch):
    config = make_archive(tmp_path)
    pipeline.import_sources(config, Report())
    parsed = counting(monkeypatch, ingest, "parse_file")
    read = counting(monkeypatch, store, "read_file")
    report = Report()
    pipeline.import_sources(config, report)
    assert parsed == [] and read == []
    assert report.counts["statements unchanged"] == report.counts["statements found"]


def test_an_edited_capture_is_the_only_file_parsed_again(tmp_path, monkeypatch):
    config = make_archive(tmp_path)
    pipeline.import_sources(config, Report())
    capture = config.source_dir / "dates_disagree.txt"
    capture.write_text(capture.read_text().replace("Nothing more.", "Nothing more at all."))
    parsed = counting(monkeypatch, ingest, "parse_file")
    pipeline.import_sources(config, Report())
    assert parsed == ["dates_disagree.txt"]


def test_problems_of_a_cached_file_are_reported_on_every_build(tmp_path):
    config = make_archive(tmp_path)
    (config.source_dir / "broken.txt").write_bytes(b"")
    first, second = Report(), Report()
    pipeline.import_sources(config, first)
    pipeline.import_sources(config, second)
    assert [p.line() for p in second.problems] == [p.line() for p in first.problems]
    assert any("broken.txt" in p.path for p in second.problems)


def test_the_site_is_the_same_with_a_cache_without_one_or_with_a_broken_one(tmp_path):
    config = make_archive(tmp_path)
    build(config, search=False)
    cached = tree(config.output_dir)
    shutil.rmtree(tmp_path / ".cache")
    shutil.rmtree(config.output_dir)
    build(config, search=False)
    assert tree(config.output_dir) == cached
    for pickle_file in (tmp_path / ".cache" / "generator").glob("*.pickle"):
        pickle_file.write_bytes(b"not a pickle")
    shutil.rmtree(config.output_dir)
    build(config, search=False)
    assert tree(config.output_dir) == cached


def test_a_cache_that_lost_the_bodies_of_its_statements_gives_the_same_site(tmp_path,
                                                                           monkeypatch):
    config = make_archive(tmp_path)
    build(config, search=True)  # with the search indexes: the offline one holds the bodies
    cached = tree(config.output_dir)
    bodies = list((tmp_path / ".cache" / "generator").glob(f"{store.BODIES}-*.pickle"))
    assert bodies
    for pickle_file in bodies:
        pickle_file.unlink()
    shutil.rmtree(config.output_dir)
    read = counting(monkeypatch, store, "read_file")
    build(config, search=True)
    assert read == []  # the statements came from the cache, their bodies from their files
    assert tree(config.output_dir) == cached


def test_a_body_that_can_no_longer_be_read_stops_the_build_naming_its_file(tmp_path):
    config = make_archive(tmp_path)
    build(config, search=False)
    stored = store.read_all(config.content_dir, Report(), Cache.for_root(tmp_path))[0]
    assert stored.statement.body is None  # kept apart
    for pickle_file in (tmp_path / ".cache" / "generator").glob(f"{store.BODIES}-*.pickle"):
        pickle_file.unlink()
    bodies = store.Bodies(Cache.for_root(tmp_path))
    assert bodies.get(stored.statement) == store.read_file(Path(stored.path)).statement.body
    path = Path(stored.path)
    path.write_text(path.read_text() + "\nEdited while a build runs.\n")
    with pytest.raises(BuildInterrupted, match=f"{path.name}: changed while the build ran"):
        bodies.get(stored.statement)  # not the text of another version of the file
    path.unlink()  # removed while a build runs
    with pytest.raises(BuildInterrupted, match=f"{path.name}: cannot read"):
        bodies.get(stored.statement)


def test_the_bodies_kept_are_those_of_the_files_after_each_kind_of_import(tmp_path,
                                                                          monkeypatch):
    config = make_archive(tmp_path)

    def as_kept() -> None:
        for path in store.store_files(config.content_dir):
            assert cached(Cache.for_root(tmp_path), path) == store.read_file(Path(path))

    build(config, search=False)  # a full import
    as_kept()

    def no_full_import(*args, **kwargs):
        raise AssertionError("a full import")

    monkeypatch.setattr(importer, "_full", no_full_import)
    edited = next(config.content_dir.rglob("*.md"))
    edited.write_text(edited.read_text() + "\nAn archivist's note.\n")
    build(config, search=False)  # the last import replayed
    as_kept()
    capture = config.source_dir / "dates_disagree.txt"
    capture.write_text(capture.read_text().replace("Nothing more.", "Nothing more at all."))
    build(config, search=False)  # the changed captures imported alone
    as_kept()


@pytest.mark.parametrize("forks", [True, False])
def test_the_import_record_a_build_saves_on_its_way_out_is_the_next_builds(tmp_path, monkeypatch,
                                                                           forks):
    """A build saves the import's record in a child while it ends (or itself, where it
    cannot fork): the next build replays it, so it is whole."""
    monkeypatch.setattr(parallel, "cores", lambda: 2 if forks else 1)
    savers = tmp_path / "savers"
    real_run = pipeline._run

    def run(tasks):
        with savers.open("a") as out:
            out.write(f"{os.getpid()}\n")
        real_run(tasks)

    monkeypatch.setattr(pipeline, "_run", run)
    config = make_archive(tmp_path)
    build(config, search=True)
    capture = config.source_dir / "dates_disagree.txt"
    capture.write_text(capture.read_text().replace("Nothing more.", "Nothing more at all."))
    savers.unlink()
    build(config, search=True)
    (saver,) = savers.read_text().split()
    assert (int(saver) != os.getpid()) == forks

    def no_import(*args, **kwargs):
        raise AssertionError("an import that reads the captures")

    monkeypatch.setattr(importer, "_full", no_import)
    monkeypatch.setattr(importer, "_advance", no_import)
    edited = next(config.content_dir.rglob("*.md"))
    edited.write_text(edited.read_text() + "\nAn archivist's note.\n")
    report = build(config, search=True)
    assert not report.skipped and report.counts["kept as edited by hand"] >= 1


def test_a_build_that_fails_after_its_import_still_saves_the_import_s_record(tmp_path,
                                                                             monkeypatch):
    config = make_archive(tmp_path)
    build(config, search=True)
    capture = config.source_dir / "dates_disagree.txt"
    capture.write_text(capture.read_text().replace("Nothing more.", "Nothing more at all."))

    def fails(self):
        raise RuntimeError("the swap failed")

    real_run = pipeline._run

    def slow_run(tasks):  # still saving when the build fails
        time.sleep(1)
        real_run(tasks)

    with monkeypatch.context() as patched:
        patched.setattr(output.Output, "commit", fails)
        patched.setattr(pipeline, "_run", slow_run)
        with pytest.raises(RuntimeError, match="the swap failed"):
            build(config, search=True)

    def no_import(*args, **kwargs):
        raise AssertionError("an import that reads the captures")

    monkeypatch.setattr(importer, "_full", no_import)
    monkeypatch.setattr(importer, "_advance", no_import)
    report = build(config, search=True)  # the failed build's import, replayed
    assert not report.skipped
    assert "Nothing more at all." in "".join(p.read_text()
                                             for p in config.output_dir.rglob("*.html"))


def test_a_cache_from_another_version_is_ignored(tmp_path, monkeypatch):
    Cache(tmp_path).save("sources", {"a": 1})
    assert Cache(tmp_path).load("sources") == {"a": 1}
    monkeypatch.setattr("generator.engine.cache._STAMP", ("another", "version"))
    assert Cache(tmp_path).load("sources") == {}


def test_a_hand_edit_after_an_import_is_still_kept(tmp_path):
    config = make_archive(tmp_path)
    pipeline.import_sources(config, Report())
    path = next(config.content_dir.rglob("*.md"))
    edited = path.read_text() + "\nAn archivist's note.\n"
    path.write_text(edited)
    report = Report()
    pipeline.import_sources(config, report)
    assert path.read_text() == edited
    assert report.counts["kept as edited by hand"] == 1


def test_a_store_file_edited_while_a_build_runs_is_on_the_site_after_the_next_build(
        tmp_path, monkeypatch):
    config = make_archive(tmp_path)
    build(config)
    path = next(config.content_dir.rglob("*.md"))
    real = pipeline.load_archive

    def edit_then_load(*args, **kwargs):
        # The import has read the file; the store is read again just after.
        path.write_text(path.read_text().replace("---\n\n", "---\n\nEdited meanwhile. ", 1))
        return real(*args, **kwargs)

    # Another version of the generator: every statement is due for the import again
    # (and none is rewritten, their text being the same).
    monkeypatch.setattr(pipeline.inputs, "CODE", "another version")
    monkeypatch.setattr(pipeline, "load_archive", edit_then_load)
    build(config)
    monkeypatch.setattr(pipeline, "load_archive", real)
    report = build(config)  # the last build saw the file change: this one looks again
    assert not report.skipped
    page = next(config.output_dir.glob(f"statements/*/{path.stem}.html")).read_text()
    assert "Edited meanwhile." in page


@pytest.mark.parametrize("change", ["edited", "removed"])
def test_a_store_file_changed_while_the_site_is_written_is_seen_by_the_next_build(
        tmp_path, monkeypatch, change):
    config = make_archive(tmp_path)
    build(config)
    path = next(config.content_dir.rglob("*.md"))
    page = lambda: next(config.output_dir.glob(f"statements/*/{path.stem}.html"), None)  # noqa: E731
    real = pipeline.write_site

    def change_then_write(*args, **kwargs):
        # The store has been read: this build does not see the change.
        if change == "edited":
            path.write_text(path.read_text().replace("---\n\n", "---\n\nEdited meanwhile. ", 1))
        else:
            path.unlink()
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline.inputs, "CODE", "another version")  # the build runs again
    monkeypatch.setattr(pipeline, "write_site", change_then_write)
    build(config)
    assert page() is not None and "Edited meanwhile." not in page().read_text()
    monkeypatch.setattr(pipeline, "write_site", real)
    report = build(config)
    assert not report.skipped
    if change == "edited":
        assert "Edited meanwhile." in page().read_text()
    else:  # made again from its captures
        assert path.exists() and page() is not None
    assert build(config).skipped  # and the build after that has nothing to do


def cached(cache: Cache, path: str) -> store.StoredFile:
    """What the store's lookup holds for ``path``, with its statement's body, kept apart."""
    stored = store.lookup(cache).cached(path)
    assert stored.statement.body is None  # not read with the rest
    checksum, body = cache.load(lookup_name(store.BODIES, os.path.dirname(path)))[path]
    assert checksum == stored.statement.checksum
    return stored._replace(statement=stored.statement._replace(body=body))


def test_a_file_an_import_wrote_is_cached_as_reading_it_gives(tmp_path):
    config = make_archive(tmp_path)
    pipeline.import_sources(config, Report())
    paths = list(store.store_files(config.content_dir))
    assert len(paths) > 5
    for path in paths:
        assert cached(Cache.for_root(tmp_path), path) == store.read_file(Path(path))


def test_one_changed_file_saves_only_its_folder_s_lookup(tmp_path):
    config = make_archive(tmp_path)
    pipeline.build(config, Report(), search=False)
    folder = tmp_path / ".cache" / "generator"
    before = {p.name: p.stat().st_mtime_ns for p in folder.glob("store-*.pickle")}
    assert len(before) > 4  # one per folder of the store, and one for its bodies
    path = next(config.content_dir.rglob("*.md"))
    path.write_text(path.read_text() + "\nAn archivist's note.\n")
    pipeline.build(config, Report(), search=False)
    after = {p.name: p.stat().st_mtime_ns for p in folder.glob("store-*.pickle")}
    assert after.keys() == before.keys()
    changed = sorted("bodies" if name.startswith("store-bodies-") else "files"
                     for name in after if after[name] != before[name])
    assert changed == ["bodies", "files"]  # the folder's lookup, and its bodies
    assert cached(Cache.for_root(tmp_path), str(path)) == store.read_file(path)

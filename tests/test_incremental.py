"""Rebuilds do only what changed, and always end with the site a clean build makes."""

import datetime as dt
import fcntl
import gzip
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from generator.search import pagefind as search

from .sites import build, make_archive


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def inodes(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_ino
            for p in folder.rglob("*") if p.is_file()}


def clean_build(config, tmp_path: Path) -> dict[str, bytes]:
    fresh = tmp_path / "fresh"
    build(config, search=True, output_dir=fresh)
    return tree(fresh)


def edit_statement(config, fragment: str, old: str, new: str) -> Path:
    (path,) = [p for p in config.content_dir.rglob("*.md") if fragment in p.name]
    path.write_text(path.read_text().replace(old, new, 1))
    return path


def write_by_hand(config, word: str) -> Path:
    """A statement of 2022-11-07 written by hand (a copy of the store's 2022-11-08 one, with
    ``word`` in its title and no captures)."""
    (model,) = [p for p in config.content_dir.rglob("*.md") if "2022-11-08" in p.name]
    added = model.with_name("hand-written.md")
    text = model.read_text().replace("title: Press Statement", f"title: {word} Statement", 1)
    text = text.replace('id: "2022-11-08-', 'id: "2022-11-07-hand-written-', 1)
    added.write_text(text[:text.index("captures:")] + "captures: []\n" + text[text.index("---", 5):])
    return added


def test_a_rebuild_with_nothing_changed_writes_nothing(tmp_path):
    config = make_archive(tmp_path)
    build(config, search=True)
    before = inodes(config.output_dir)
    report = build(config, search=True)
    assert report.counts["site files written"] == 0
    assert inodes(config.output_dir) == before


def test_pages_rendered_again_with_the_same_bytes_leave_the_site_as_it_is(tmp_path, monkeypatch):
    import generator.build.inputs
    import generator.engine.parallel
    import generator.search.offline
    import generator.site.pages
    import generator.site.specs
    config = make_archive(tmp_path)
    build(config)
    before = inodes(config.output_dir)
    # Another version of the generator: every key changes, no byte of any page. The
    # pages are rendered again, by workers (two data exports send them there).
    monkeypatch.setattr(generator.engine.parallel, "cores", lambda: 2)
    for module in (generator.site.pages, generator.site.specs, generator.build.inputs,
                   generator.search.offline):
        monkeypatch.setattr(module, "CODE", "9.9.9+another")
    report = build(config)
    assert report.counts["site files written"] == 0
    assert inodes(config.output_dir) == before


@pytest.mark.parametrize("where", ["memory", "disk"])
def test_one_edited_statement_rewrites_its_page_and_reindexes_one_year(tmp_path, monkeypatch,
                                                                        where):
    # Pagefind writes its bundle in memory where it can, else on disk.
    if where == "disk":
        monkeypatch.setattr(search, "MEMORY", tmp_path / "no-such-folder")
    else:
        trial = search._in_memory()
        if trial is None:
            pytest.skip(f"no room in {search.MEMORY}")
        shutil.rmtree(trial[0])
        os.close(trial[1])
    config = make_archive(tmp_path)
    build(config, search=True)
    site = config.output_dir
    before = inodes(site)
    edit_statement(config, "2022-09-22-vice-director-general", "keep its mouth shut",
                   "keep its mouth firmly shut")
    report = build(config, search=True)
    after = inodes(site)
    changed = {p for p in after if before.get(p) != after[p]}
    assert "statements/2022/2022-09-22-vice-director-general-of-general-bureau-of-equipment-of-" \
           "ministry-of-national.html" in changed
    assert any(p.startswith("pagefind/2022/") for p in changed)
    assert not any(p.startswith(("pagefind/2024/", "pagefind/2019/", "search/data/2024/"))
                   for p in changed)
    assert "statements/2024/2024-08-04-press-statement-of-external-policy-office-of-dprk-foreign-" \
           "ministry.html" not in changed
    # The year's bundle is written whole again, but the files whose bytes the current site
    # has (a fragment per unchanged page) are that site's files, linked, not new copies.
    fragments = [p for p in after if p.startswith("pagefind/2022/fragment/")]
    assert len(fragments) >= 2
    assert len([p for p in fragments if p not in changed]) == len(fragments) - 1
    assert not list(search.MEMORY.glob(f"statement-archive-search-{os.getpid()}-*"))
    # Far fewer files written than the site holds.
    assert report.counts["site files written"] < len(after) / 4
    assert tree(site) == clean_build(config, tmp_path)


def test_a_changed_title_updates_the_lists_that_show_it(tmp_path):
    config = make_archive(tmp_path)
    build(config, search=True)
    edit_statement(config, "2022-11-08", "title: Press Statement of Vice Director",
                   "title: Press Statement (corrected) of Vice Director")
    build(config, search=True)
    site = config.output_dir
    assert "Press Statement (corrected)" in (site / "timeline/2022/11/index.html").read_text()
    assert tree(site) == clean_build(config, tmp_path)


def test_a_description_follows_what_it_is_made_from(tmp_path, monkeypatch):
    from generator.site import descriptions

    config = make_archive(tmp_path)
    build(config)
    site = config.output_dir
    article = next(site.glob("statements/2022/2022-09-22-vice-director-general-*.html"))
    edit_statement(config, "2022-09-22-vice-director-general", "The vice director general",
                   "The deputy director general")
    build(config)
    assert '<meta name="description" content="Pyongyang, September 22 (KCNA) -- The deputy ' \
           'director general' in article.read_text()
    # What a listing's description says is part of its page's key: here the description
    # of 2024 changes while nothing of 2024 does (and a statement of 2022, so that the build
    # does not stop at once for want of a change).
    year_page = site / "timeline/2024/index.html"
    before = year_page.stat().st_ino
    monkeypatch.setattr(descriptions, "year", lambda year: f"{year.year}, described anew.")
    edit_statement(config, "2022-09-22-vice-director-general", "The deputy director general",
                   "The vice director general")
    build(config)
    assert year_page.stat().st_ino != before
    assert '<meta name="description" content="2024, described anew.">' in year_page.read_text()
    fresh = tmp_path / "fresh"
    build(config, output_dir=fresh)
    assert tree(site) == tree(fresh)


def test_an_added_statement_appears_everywhere_a_clean_build_puts_it(tmp_path):
    config = make_archive(tmp_path, with_fixtures=False)
    build(config, search=True)
    raw = Path(__file__).parent / "fixtures" / "raw" / "dates_disagree.txt"
    (config.source_dir / "new.txt").write_bytes(raw.read_bytes())
    build(config, search=True)
    assert tree(config.output_dir) == clean_build(config, tmp_path)


def test_a_new_version_of_a_statement_gives_the_site_a_clean_build_makes(tmp_path):
    config = make_archive(tmp_path, with_fixtures=False)
    build(config, search=True)
    seed = next(p for p in config.source_dir.glob("*.txt") if "We condemn" in p.read_text())
    (config.source_dir / "again.txt").write_text(seed.read_text().replace(
        "January 24, 2025", "February 2, 2025", 1).replace("thoughtlessly", "recklessly"))
    report = build(config, search=True)
    assert report.counts["statements updated"] == 1
    site = config.output_dir
    (statement,) = [p for p in site.glob("statements/2022/*.html")
                    if (p.with_suffix("") / "v2.html").is_file()]
    assert "Altered at source" in statement.read_text()
    assert "1 statement altered at source" in (site / "index.html").read_text()
    assert tree(site) == clean_build(config, tmp_path)
    # And back: the second capture removed, the statement is one version again.
    (config.source_dir / "again.txt").unlink()
    build(config, search=True)
    assert not (site / "altered").exists() and not statement.with_suffix("").exists()
    assert tree(site) == clean_build(config, tmp_path / "again")


def test_a_changed_template_rewrites_every_page(tmp_path):
    config = make_archive(tmp_path, with_fixtures=False)
    build(config, search=False)
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "base.html").write_text(
        '{% extends "default:base.html" %}{% block title %}[Archive] {{ super() }}{% endblock %}')
    build(config, search=False)
    pages = [*config.output_dir.glob("statements/*/*.html"),
             *config.output_dir.glob("timeline/**/index.html")]
    assert pages and all("<title>[Archive]" in p.read_text() for p in pages)


def test_an_empty_templates_or_static_folder_changes_nothing_not_even_the_site_s_record(
        tmp_path):
    # Found by the property test: an empty templates/ folder made after a build shifted the
    # theme's folders by one in the theme's checksum, so a clean build's record of the site
    # (every page's key) differed from the incremental one's, though no page did.
    config = make_archive(tmp_path, with_fixtures=False)
    build(config, search=True)
    (tmp_path / "templates").mkdir()
    (tmp_path / "static").mkdir()
    build(config, search=True)
    assert tree(config.output_dir) == clean_build(config, tmp_path)


def test_a_changed_generator_writes_its_output_again_the_offline_index_included(
        tmp_path, monkeypatch):
    import generator.build.inputs
    import generator.engine.parallel
    import generator.search.offline
    import generator.search.pagefind
    import generator.site.pages
    import generator.site.render
    import generator.site.specs
    config = make_archive(tmp_path, with_fixtures=False)
    build(config, search=True)
    docs = sorted(config.output_dir.glob("search/data/*/d/*.js"))
    assert docs and any(" …\"]" in p.read_text() for p in docs)  # long excerpts, cut
    # What an upgrade does: the generator's code (and here its excerpt length) changes.
    for module in (generator.site.pages, generator.site.specs, generator.build.inputs,
                   generator.search.offline, generator.search.pagefind):
        monkeypatch.setattr(module, "CODE", "9.9.9+another")
    monkeypatch.setattr(generator.search.offline, "EXCERPT_CHARS", 20)
    rendered, indexed = [], []
    monkeypatch.setattr(generator.engine.parallel, "cores", lambda: 1)  # all rendered in this process
    render = generator.site.render.Renderer._render
    monkeypatch.setattr(generator.site.render.Renderer, "_render",
                        lambda self, spec: rendered.append(spec.path) or render(self, spec))
    add = generator.search.pagefind.Indexer.add
    monkeypatch.setattr(generator.search.pagefind.Indexer, "add",
                        lambda self, bucket, *a, **k: indexed.append(bucket) or add(
                            self, bucket, *a, **k))
    build(config, search=True)
    pages = [p.relative_to(config.output_dir).as_posix()
             for p in config.output_dir.rglob("*.html") if "pagefind" not in p.parts]
    assert sorted(pages) == sorted(p for p in rendered if p.endswith(".html"))
    assert sorted(indexed) == sorted(p.name for p in (config.output_dir / "pagefind").iterdir())
    excerpts = [doc[-1] for p in docs for doc in json.loads(
        p.read_text().split(",", 1)[1].removesuffix(");\n"))]
    assert excerpts and all(len(e) <= 22 for e in excerpts)


def test_a_page_deleted_from_the_site_by_hand_comes_back(tmp_path):
    config = make_archive(tmp_path, with_fixtures=False)
    build(config, search=False)
    page = next(config.output_dir.glob("statements/*/*.html"))
    expected = page.read_bytes()
    os.unlink(page)
    build(config, search=False)
    assert page.read_bytes() == expected


def test_a_build_with_nothing_changed_reads_nothing_and_repeats_its_warnings(tmp_path, monkeypatch):
    from generator import ingest, store

    config = make_archive(tmp_path)
    first = build(config, search=True)
    assert first.warnings

    def must_not_run(*args, **kwargs):
        raise AssertionError("read again")

    monkeypatch.setattr(ingest, "read_documents", must_not_run)
    monkeypatch.setattr(store, "read_all", must_not_run)
    second = build(config, search=True)
    assert second.skipped
    assert [p.line() for p in second.problems] == [p.line() for p in first.problems]


def test_any_change_to_an_input_ends_the_shortcut(tmp_path):
    config = make_archive(tmp_path)
    build(config, search=False)
    assert build(config, search=False).skipped
    for change in (
        lambda: (config.source_dir / "new.txt").write_bytes(
            (Path(__file__).parent / "fixtures/raw/dates_disagree.txt").read_bytes()),
        lambda: (config.source_dir / "new.txt").unlink(),  # and a capture removed
        lambda: (config.source_dir / "gone.txt").symlink_to(tmp_path / "nowhere"),  # no stat
        lambda: next(config.content_dir.rglob("*.md")).write_text("---\ntitle: T\ndate: 2020-01-01\n---\n"),
        lambda: sorted(config.content_dir.rglob("*.md"))[-1].unlink(),
        lambda: (tmp_path / "templates").mkdir() or (tmp_path / "templates" / "x.html").write_text("x"),
        lambda: next(config.output_dir.rglob("*.html")).unlink(),
    ):
        change()
        assert not build(config, search=False).skipped
        assert build(config, search=False).skipped
    assert not build(config, search=True).skipped  # another setting


def test_small_changes_in_a_row_each_end_with_the_site_a_clean_build_makes(tmp_path):
    """From the second small change on, staging starts from the site replaced last time."""
    config = make_archive(tmp_path)
    build(config, search=True)
    edits = [("2022-09-22-vice-director-general", "keep its mouth shut", "keep quiet"),
             ("2022-11-08", "arms dealings", "arms trade"),
             ("2022-09-22-vice-director-general", "keep quiet", "keep its mouth shut"),
             ("2024-08-04", "The security environment is grave.", "It is grave.")]
    for number, (fragment, old, new) in enumerate(edits):
        edit_statement(config, fragment, old, new)
        build(config, search=True)
        assert (tmp_path / ".site.previous").is_dir()
        fresh = tmp_path / f"fresh-{number}"
        build(config, search=True, output_dir=fresh)
        assert tree(config.output_dir) == tree(fresh), edits[number]


def test_a_deleted_statement_leaves_the_search_index_of_a_site_started_from_the_previous_one(
        tmp_path):
    # A statement written by hand, then deleted. The build after a small change keeps the
    # site it replaced, and the next one starts from it: that older site still has the
    # statement's page, which must not be indexed (it was: a search result to a page gone).
    config = make_archive(tmp_path)
    build(config, search=True)
    added = write_by_hand(config, "Zebrafinch")
    build(config, search=True)
    assert list(config.output_dir.glob("statements/2022/2022-11-07-hand-written-*.html"))
    edit_statement(config, "2022-09-22-vice-director-general", "keep its mouth shut",
                   "keep its mouth firmly shut")
    build(config, search=True)
    assert (config.output_dir.parent / f".{config.output_dir.name}.previous").is_dir()
    added.unlink()
    build(config, search=True)
    site = config.output_dir
    assert not list(site.glob("statements/2022/2022-11-07-hand-written-*.html"))
    fragments = [gzip.decompress(p.read_bytes()) for p in site.glob("pagefind/2022/fragment/*")]
    assert fragments and not any(b"Zebrafinch" in f for f in fragments)
    assert tree(site) == clean_build(config, tmp_path)


def test_a_page_deleted_by_hand_in_a_year_being_reindexed_comes_back_indexed(tmp_path):
    config = make_archive(tmp_path)
    build(config, search=True)
    site = config.output_dir
    pages = sorted(site.glob("statements/2022/*.html"))
    assert len(pages) >= 2
    edit_statement(config, "2022-09-22-vice-director-general", "keep its mouth shut",
                   "keep its mouth firmly shut")
    gone = next(p for p in pages if "2022-09-22" not in p.name)
    os.unlink(gone)
    build(config, search=True)
    assert gone.is_file()
    assert tree(site) == clean_build(config, tmp_path)


def test_a_changed_title_makes_again_only_its_years_part_of_the_exports(tmp_path, monkeypatch):
    import shutil

    import generator.engine.parallel
    from generator.site import exports

    config = make_archive(tmp_path)
    build(config)
    edit_statement(config, "2022-11-08", "title: Press Statement of Vice Director",
                   "title: Press Statement (corrected) of Vice Director")
    made = []
    monkeypatch.setattr(generator.engine.parallel, "cores", lambda: 1)  # all made in this process
    for name in ("json_items", "csv_rows"):
        function = getattr(exports, name)
        monkeypatch.setattr(exports, name, lambda statements, *rest, function=function:
                            made.append({s.date.year for s in statements})
                            or function(statements, *rest))
    build(config)
    assert made == [{2022}, {2022}]
    # The parts kept from the last build make the bytes a build without them makes.
    monkeypatch.undo()
    shutil.rmtree(tmp_path / ".cache")
    build(config, output_dir=tmp_path / "fresh")
    for name in ("statements.json.gz", "statements.csv.gz"):
        assert (config.output_dir / "data" / name).read_bytes() == \
            (tmp_path / "fresh" / "data" / name).read_bytes()


def test_a_statement_added_to_one_year_of_a_long_list_renders_that_years_page_only(
        tmp_path, monkeypatch):
    import generator.engine.parallel
    import generator.site.pages
    import generator.site.render

    monkeypatch.setattr(generator.site.pages, "LIST_LIMIT", 2)  # lists paged by year, as at scale
    config = make_archive(tmp_path)
    build(config)
    site = config.output_dir
    year_pages = sorted(p.relative_to(site).as_posix()
                        for p in site.glob("sources/kcna-kp-en/*/index.html"))
    assert "sources/kcna-kp-en/2022/index.html" in year_pages and len(year_pages) > 2
    write_by_hand(config, "Added")
    rendered = []
    monkeypatch.setattr(generator.engine.parallel, "cores", lambda: 1)  # all rendered in this process
    render = generator.site.render.Renderer._render
    monkeypatch.setattr(generator.site.render.Renderer, "_render",
                        lambda self, spec: rendered.append(spec.path) or render(self, spec))
    build(config)
    assert [p for p in rendered if p in year_pages] == ["sources/kcna-kp-en/2022/index.html"]
    fresh = tmp_path / "fresh"
    build(config, output_dir=fresh)
    assert tree(site) == tree(fresh)


def test_a_long_list_shows_the_new_date_of_its_first_statement(tmp_path, monkeypatch):
    # A long list shows its latest statements and its first and last dates; the first
    # statement, dated a day earlier in the same year, changes no latest entry and no
    # count per year, but the date the list starts from.
    import generator.site.pages

    monkeypatch.setattr(generator.site.pages, "LIST_LIMIT", 2)  # the shape of a large site:
    monkeypatch.setattr(generator.site.pages, "LATEST", 2)  # the latest of many listed
    config = make_archive(tmp_path)
    build(config)
    files = sorted(config.content_dir.rglob("*.md"), key=lambda p: p.read_text().split(
        "\ndate: ", 1)[1][:10])
    first = files[0]
    date = first.read_text().split("\ndate: ", 1)[1][:10]
    assert not date.endswith("-01-01")
    earlier = dt.date.fromisoformat(date) - dt.timedelta(days=1)
    first.write_text(first.read_text().replace(f"\ndate: {date}", f"\ndate: {earlier}", 1))
    build(config)
    fresh = tmp_path / "fresh"
    build(config, output_dir=fresh)
    assert tree(config.output_dir) == tree(fresh)


def test_a_statement_whose_id_names_another_year_than_its_date_is_indexed_with_its_folder(
        tmp_path):
    # A page's folder (and search bucket) is the year its id starts with, which a hand
    # edit may set apart from its date: the build takes the pages a folder at a time.
    config = make_archive(tmp_path)
    build(config, search=True)
    added = write_by_hand(config, "Misfiled")
    added.write_text(added.read_text().replace('id: "2022-11-07-hand-written-',
                                               'id: "2019-11-07-hand-written-', 1))
    build(config, search=True)
    site = config.output_dir
    assert len(list(site.glob("statements/2019/2019-11-07-hand-written-*.html"))) == 1
    fragments = [gzip.decompress(p.read_bytes()) for p in site.glob("pagefind/2019/fragment/*")]
    assert any(b"Misfiled" in f for f in fragments)
    assert tree(site) == clean_build(config, tmp_path)


def test_pagefind_failing_in_memory_runs_again_on_disk(tmp_path, monkeypatch):
    def in_memory() -> tuple[Path, int]:
        memory = tmp_path / "memory"
        memory.mkdir()
        for year in range(1990, 2040):  # where each year's bundle would go: a file, not a folder
            (memory / str(year)).write_text("in the way")
        return memory, os.open(memory / ".lock", os.O_RDWR | os.O_CREAT)

    monkeypatch.setattr(search, "_in_memory", in_memory)
    config = make_archive(tmp_path)
    build(config, search=True)
    assert tree(config.output_dir) == clean_build(config, tmp_path)


def test_folders_in_memory_of_builds_that_have_ended_are_removed(tmp_path, monkeypatch):
    monkeypatch.setattr(search, "MEMORY", tmp_path)
    monkeypatch.setattr(search, "MEMORY_ROOM", 1 << 62)  # no room: removed all the same
    gone = subprocess.Popen(["true"])
    gone.wait()

    def folder(pid: int, name: str, locked: bool | None) -> Path:
        made = tmp_path / f"statement-archive-search-{pid}-{name}"
        (made / "2010").mkdir(parents=True)
        if locked is not None:
            lock = os.open(made / ".lock", os.O_RDWR | os.O_CREAT)
            if locked:  # its build is running (a pid of another namespace, say)
                fcntl.flock(lock, fcntl.LOCK_EX)
                held.append(lock)
            else:
                os.close(lock)
        return made

    held: list[int] = []
    ended = folder(os.getpid(), "0123456789abcdef", locked=False)
    running = folder(gone.pid, "1123456789abcdef", locked=True)
    killed_at_once = folder(gone.pid, "2123456789abcdef", locked=None)
    being_made = folder(os.getpid(), "3123456789abcdef", locked=None)
    other = tmp_path / "statement-archive-search-notes"
    other.mkdir()
    try:
        assert search._in_memory() is None
    finally:
        for lock in held:
            os.close(lock)
    assert not ended.exists() and not killed_at_once.exists()
    assert running.is_dir() and being_made.is_dir() and other.is_dir()


def test_a_renamed_file_without_an_id_is_exported_under_its_new_name(tmp_path):
    # Its id comes from its name; its checksum and issuer stay the same.
    config = make_archive(tmp_path)
    build(config, search=True)
    path = write_by_hand(config, "Renamed")
    path.write_text("".join(line for line in path.read_text().splitlines(keepends=True)
                            if not line.startswith("id:")))
    path = path.rename(path.with_name("2022-11-07-written-by-hand.md"))
    build(config, search=True)
    renamed = path.rename(path.with_name("2022-11-07-renamed-by-hand.md"))
    build(config, search=True)
    exported = json.loads(gzip.decompress((config.output_dir / "data/statements.json.gz")
                                          .read_bytes()))
    ids = {item["id"] for item in exported}
    assert renamed.stem in ids and path.stem not in ids
    assert tree(config.output_dir) == clean_build(config, tmp_path)


def test_an_office_renamed_in_the_issuer_list_is_renamed_on_its_statements_pages(tmp_path):
    # The statements' issuers stay the same; only the chain above them changes.
    config = make_archive(tmp_path)
    listed = (Path(__file__).parents[1] / "content" / "issuers.yaml").read_text()
    config.issuers_file.write_text(listed)
    build(config, search=True)
    old, new = "General Bureau of Equipment of the", "Bureau of Equipment (renamed) of the"
    config.issuers_file.write_text(listed.replace(f"name: {old}", f"name: {new}", 1))
    build(config, search=True)
    (page,) = config.output_dir.glob("statements/2022/2022-09-22-vice-director-general-*.html")
    assert f" › {new}" in page.read_text() and f" › {old}" not in page.read_text()
    assert tree(config.output_dir) == clean_build(config, tmp_path)


@pytest.mark.parametrize("folder", ["pagefind", "search/data"])
@pytest.mark.parametrize("touched", [False, True])
def test_a_search_index_file_deleted_by_hand_comes_back(tmp_path, folder, touched):
    config = make_archive(tmp_path)
    build(config, search=True)
    if touched:  # a build that changes nothing first: the site is left as it was
        store_file = next(config.content_dir.rglob("*.md"))
        os.utime(store_file, ns=(0, store_file.stat().st_mtime_ns + 10**9))
        assert build(config, search=True).counts["site files written"] == 0
    (victim,) = [p for p in sorted((config.output_dir / folder).rglob("*"))
                 if p.is_file() and p.parent.parent != config.output_dir][:1]
    expected = victim.read_bytes()
    victim.unlink()
    build(config, search=True)
    assert victim.read_bytes() == expected
    assert tree(config.output_dir) == clean_build(config, tmp_path)


def test_a_statement_added_to_a_large_site_changes_its_years_sitemap_alone(tmp_path, monkeypatch):
    from generator.site import pages

    monkeypatch.setattr(pages, "SITEMAP_SIZE", 10)  # the shape of a site of 100,000
    config = make_archive(tmp_path)
    build(config, search=True)
    def sitemaps():
        return {p.name: p.read_bytes() for p in config.output_dir.glob("sitemap-*.xml.gz")}

    before = sitemaps()
    write_by_hand(config, "Added")
    build(config, search=True)
    after = sitemaps()
    changed = {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}
    assert changed and all(name.startswith(("sitemap-2022", "sitemap-pages")) for name in changed)
    assert any(name.startswith("sitemap-2019") for name in after)  # other years' are kept
    assert tree(config.output_dir) == clean_build(config, tmp_path)


def _deleted_once_looked_at(monkeypatch, victim: Path):
    """Have the next build's output delete ``victim`` (as by hand) once it has looked at the
    site; returns what ``Output.finish`` was."""
    from generator import output

    real = output.Output.finish

    def finish(self, *args, **kwargs):
        assert self.live.present  # the build has looked at the site ...
        victim.unlink()  # ... and the page is deleted by hand after that
        return real(self, *args, **kwargs)

    monkeypatch.setattr(output.Output, "finish", finish)
    return real


def test_a_page_deleted_while_a_build_that_changes_nothing_runs_comes_back(tmp_path, monkeypatch):
    from generator import output

    config = make_archive(tmp_path)
    build(config, search=True)
    victim = config.output_dir / "issuers" / "index.html"
    expected = victim.read_bytes()
    store_file = next(config.content_dir.rglob("*.md"))
    os.utime(store_file, ns=(0, store_file.stat().st_mtime_ns + 10**9))  # nothing to write
    real = _deleted_once_looked_at(monkeypatch, victim)
    assert build(config, search=True).counts["site files written"] == 0
    monkeypatch.setattr(output.Output, "finish", real)
    assert not build(config, search=True).skipped
    assert victim.read_bytes() == expected


def _planning_watched(monkeypatch) -> list:
    """The statements whose pages the builds plan from now on (a list that grows)."""
    from generator.site import pages

    planned = []
    real = pages.Plan.statement_pages

    def statement_pages(self, statements):
        planned.extend(statements)
        return real(self, statements)

    monkeypatch.setattr(pages.Plan, "statement_pages", statement_pages)
    return planned


def _years_showing(config, fragment: str) -> set[str]:
    """The years (folders) of the statement pages that show the statement whose file name
    holds ``fragment``: its own, and those of the statements it is a neighbour of."""
    from generator.build import load_archive
    from generator.problems import Report
    from generator.site.urls import Paths

    archive = load_archive(config, Report())
    (edited,) = [s for s in archive.statements if fragment in s.path]
    return {Paths.bucket(s.id) for s in archive.statements
            if s is edited or edited in archive.neighbours[s.id]}


def test_an_edited_statement_plans_again_only_the_years_whose_pages_show_it(tmp_path,
                                                                           monkeypatch):
    from generator.site.urls import Paths

    config = make_archive(tmp_path)
    build(config, search=True)
    edit_statement(config, "2022-11-08", "arms dealings", "arms trade")
    planned = _planning_watched(monkeypatch)
    build(config, search=True)
    years = {p.name for p in (config.output_dir / "statements").iterdir()}
    showing = _years_showing(config, "2022-11-08")
    assert showing < years  # a year the edit cannot change, its pages kept unplanned
    assert {Paths.bucket(s.id) for s in planned} == showing
    assert tree(config.output_dir) == clean_build(config, tmp_path)


def test_a_page_of_a_year_kept_unplanned_deleted_while_the_build_runs_comes_back(
        tmp_path, monkeypatch):
    config = make_archive(tmp_path)
    build(config, search=True)
    # No previous site to start from: the pages kept are linked from the live site, where
    # the victim has gone by then.
    shutil.rmtree(config.output_dir.parent / f".{config.output_dir.name}.previous")
    edit_statement(config, "2022-11-08", "arms dealings", "arms trade")
    (kept_year, *_) = sorted({p.name for p in (config.output_dir / "statements").iterdir()}
                             - _years_showing(config, "2022-11-08"))
    victim = next((config.output_dir / "statements" / kept_year).glob("*.html"))
    expected = victim.read_bytes()
    _deleted_once_looked_at(monkeypatch, victim)
    planned = _planning_watched(monkeypatch)
    build(config, search=True)
    assert victim.read_bytes() == expected
    assert victim.stem in {s.id for s in planned}  # planned, once found gone


def test_an_offline_index_file_deleted_while_the_build_runs_comes_back(tmp_path, monkeypatch):
    config = make_archive(tmp_path)
    build(config, search=True)
    # No previous site to start from: the files kept are linked from the live site.
    shutil.rmtree(config.output_dir.parent / f".{config.output_dir.name}.previous")
    edit_statement(config, "2022-11-08", "arms dealings", "arms trade")
    (kept_year, *_) = sorted({p.name for p in (config.output_dir / "search" / "data").iterdir()}
                             - _years_showing(config, "2022-11-08"))
    victim = next((config.output_dir / "search" / "data" / kept_year).rglob("*.js"))
    expected = victim.read_bytes()
    _deleted_once_looked_at(monkeypatch, victim)
    build(config, search=True)
    assert victim.read_bytes() == expected


def test_a_month_with_many_statements_is_paged_and_pages_follow_additions(tmp_path, monkeypatch):
    # Issue 27, item 19: 50,000 statements on one day made one month page of 13 MB. Paged
    # here at 2 a page, as at scale at ``MONTH_LIMIT``; a statement added moves the others on
    # the pages after it, and an incremental build ends with the site a clean one makes.
    import generator.site.pages

    monkeypatch.setattr(generator.site.pages, "MONTH_LIMIT", 2)
    config = make_archive(tmp_path)
    build(config)
    site = config.output_dir
    september = site / "timeline" / "2022" / "09"
    pages_before = sorted(p.name for p in september.iterdir())
    write_by_hand(config, "Added")  # dated 2022-11-07
    (model,) = [p for p in config.content_dir.rglob("*.md") if "2022-09-22-vice-director" in p.name]
    for n in range(3):
        copy = model.with_name(f"copy-{n}.md")
        text = model.read_text().replace('id: "2022-09-22-', f'id: "2022-09-2{n}-copy-{n}-', 1)
        text = text.replace("date: 2022-09-22\n", f"date: 2022-09-2{n}\n", 1)
        copy.write_text(text[:text.index("captures:")] + "captures: []\n" + text[text.index("---", 5):])
    build(config)
    pages_after = sorted(p.name for p in september.iterdir())
    assert pages_before == ["index.html"]  # two statements: one page
    assert pages_after == ["index.html", "page-2.html", "page-3.html"]  # five
    first, second = (september / "index.html").read_text(), (september / "page-2.html").read_text()
    assert "September 2022, page 1 of 3" in first and "September 2022, page 2 of 3" in second
    assert 'href="page-2.html"' in first and 'href="index.html"' in second
    assert 'href="page-3.html"' in second
    build(config, output_dir=tmp_path / "fresh")
    assert tree(site) == tree(tmp_path / "fresh")
    for n in range(3):
        (model.with_name(f"copy-{n}.md")).unlink()
    build(config)
    assert sorted(p.name for p in september.iterdir()) == pages_before
    build(config, output_dir=tmp_path / "fresh-again")
    assert tree(site) == tree(tmp_path / "fresh-again")


def test_a_day_of_fifty_thousand_statements_is_spread_over_pages_of_at_most_the_limit():
    import datetime as dt

    from generator.model.archive import Month
    from generator.model.documents import Statement
    from generator.site.pages import MONTH_LIMIT, month_parts
    from generator.site.urls import Paths

    day = dt.date(2024, 5, 1)
    statements = tuple(Statement(f"2024-05-01-s{n:05d}", f"S {n}", day, "", "", ())
                       for n in range(50_000))
    parts = month_parts(Month(2024, 5, statements))
    assert len(parts) == -(-50_000 // MONTH_LIMIT) and all(len(p) <= MONTH_LIMIT for p in parts)
    assert [s for part in parts for s in part] == list(statements)
    assert Paths.month(2024, 5, 1) == "timeline/2024/05/index.html"
    assert Paths.month(2024, 5, 3) == "timeline/2024/05/page-3.html"

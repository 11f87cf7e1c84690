"""Nothing is lost: killed builds leave the old site whole, user files survive, bad input is named."""

import gzip
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from generator.output import MANIFEST, STAGING_MARK

from .sites import build, make_archive


def snapshot(folder: Path) -> dict[str, str]:
    """Every file's checksum, but the empty mark a swap under way leaves (the next build
    removes it: the tests check that it is gone once a build has run)."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != STAGING_MARK}


def start_build(root: Path) -> subprocess.Popen:
    # With Ctrl-C as a terminal gives it: a shell starts a background job (``bash .ci/run
    # &``) with SIGINT ignored, and a program started so keeps ignoring it, as it should.
    return subprocess.Popen([sys.executable, "-m", "generator", "build"], cwd=root,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def change_every_page(root: Path, n: int) -> None:
    config = root / "config.yaml"
    config.write_text(config.read_text().replace("title: Test Archive", f"title: Test Archive {n}")
                      .replace(f"title: Test Archive {n - 1}", f"title: Test Archive {n}"))


@pytest.fixture
def archive(tmp_path):
    config = make_archive(tmp_path)
    build(config, search=True)
    return config


@pytest.mark.parametrize("delay", [0.05, 0.2, 0.5, 0.9, 1.4, 2.0, 3.0])
def test_a_build_killed_at_any_moment_leaves_the_previous_site_whole(archive, delay):
    root, site = archive.root, archive.output_dir
    before = snapshot(site)
    change_every_page(root, 1)
    process = start_build(root)
    time.sleep(delay)
    process.kill()
    process.wait()
    after = snapshot(site)
    # Either the kill came first and the old site is untouched, or the build had already
    # finished and the new site is complete: never a mix.
    if after != before:
        manifest = json.loads(gzip.decompress((site / MANIFEST).read_bytes()))
        assert {p for p in after if p != MANIFEST} == set(manifest["files"])
        assert "Test Archive 1" in (site / "index.html").read_text()
    else:
        assert "Test Archive 1" not in (site / "index.html").read_text()
    # The next build cleans up whatever the killed one left and publishes the new site.
    result = subprocess.run([sys.executable, "-m", "generator", "build"], cwd=root,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "Test Archive 1" in (site / "index.html").read_text()
    assert not (root / ".site.staging").exists() and not (site / STAGING_MARK).exists()


def edit_one_statement(root: Path, words: str) -> None:
    (path,) = [p for p in (root / "content" / "statements").rglob("*.md")
               if "2022-09-22-vice-director-general" in p.name]
    path.write_text(path.read_text().rstrip("\n") + f" {words}\n")


@pytest.mark.parametrize("delay", [0.1, 0.2, 0.3, 0.4, 0.6])  # such a build takes ~0.5 s
def test_a_small_change_killed_at_any_moment_leaves_a_whole_site_and_a_sound_next_build(
        archive, delay, tmp_path):
    """The same, for a build that starts its staging folder from the site it replaced last."""
    root, site = archive.root, archive.output_dir
    edit_one_statement(root, "First note.")
    build(archive, search=True)
    assert (root / ".site.previous").is_dir()
    before = snapshot(site)
    edit_one_statement(root, "Second note.")
    process = start_build(root)
    time.sleep(delay)
    process.kill()
    process.wait()
    after = snapshot(site)
    if after != before:  # the build had finished: the new site, whole
        manifest = json.loads(gzip.decompress((site / MANIFEST).read_bytes()))
        assert {p for p in after if p != MANIFEST} == set(manifest["files"])
    result = subprocess.run([sys.executable, "-m", "generator", "build"], cwd=root,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert not (root / ".site.staging").exists() and not (site / STAGING_MARK).exists()
    fresh = tmp_path / "fresh"
    build(archive, search=True, output_dir=fresh)
    assert snapshot(site) == snapshot(fresh)


@pytest.mark.parametrize(("sig", "status"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_sigterm_and_sigint_stop_promptly_and_publish_nothing(archive, sig, status):
    root, site = archive.root, archive.output_dir
    before = snapshot(site)
    change_every_page(root, 1)
    process = start_build(root)
    deadline = time.monotonic() + 60
    while not (root / ".site.staging").exists() and process.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.005)
    if process.poll() is not None:
        pytest.skip("the build finished before the signal could be sent")
    sent = time.monotonic()
    process.send_signal(sig)
    _, err = process.communicate(timeout=30)
    assert time.monotonic() - sent < 10
    assert process.returncode == status, err
    assert "previous site is unchanged" in err
    assert snapshot(site) == before
    assert not (root / ".site.staging").exists() and not (site / STAGING_MARK).exists()


def test_files_the_user_put_in_the_site_survive_every_build(archive):
    site = archive.output_dir
    (site / "CNAME").write_text("statements.example.org\n")
    (site / "extra").mkdir()
    (site / "extra" / "notes.pdf").write_bytes(b"%PDF-1.4 notes")
    change_every_page(archive.root, 1)
    build(archive, search=True)
    assert (site / "CNAME").read_text() == "statements.example.org\n"
    assert (site / "extra" / "notes.pdf").read_bytes() == b"%PDF-1.4 notes"


def test_hand_edited_markdown_and_foreign_files_in_content_survive(archive):
    store = archive.content_dir
    edited = next(store.rglob("*.md"))
    edited.write_text(edited.read_text() + "\nA note from the archivist.\n")
    mine = store / "notes.txt"
    mine.write_text("my own notes")
    written = store / "2030" / "01" / "2030-01-01-my-own-statement.md"
    written.parent.mkdir(parents=True)
    written.write_text("---\ntitle: My own statement\ndate: 2030-01-01\n---\nWritten by me.\n")
    keep = {p: p.read_bytes() for p in (edited, mine, written)}
    build(archive, search=False)
    build(archive, search=False)
    assert {p: p.read_bytes() for p in keep} == keep
    page = archive.output_dir / "statements" / "2030" / "2030-01-01-my-own-statement.html"
    assert "Written by me." in page.read_text()


def test_sources_are_never_changed(archive):
    sources = archive.source_dir
    before = snapshot(sources)
    build(archive, search=False)
    assert snapshot(sources) == before


BAD_FILES = {
    "empty.txt": b"",
    "renamed.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01",
    "invalid-utf8.txt": b"Title\n\nDate: 01/01/2020 \xff\xfe\xfa\x81\x8d\x8f\x90\x9d",
    "utf16.txt": "Title\n\nDate: 01/01/2020 | Source: KCNA.kp (En)\n".encode("utf-16"),
    "nul-bytes.txt": b"Title\x00\n\nDate: 01/01/2020 | Source: KCNA.kp (En)\n",
    "truncated.json": b'[{"headline": "T", "date_str": "2024-01-01", "story_text": "abc',
    "deep.json": b"[" * 100_000 + b"]" * 100_000,
    "nan.json": b'[{"headline": "T", "date_str": "2024-01-01", "date": NaN}]',
    "surrogates.json": b'[{"headline": "Lone \\ud800 surrogate", "date_str": "2024-01-01",'
                       b' "story_text": "text \\udfff here"}]',
}


def test_every_bad_file_is_named_once_and_the_rest_builds(tmp_path):
    config = make_archive(tmp_path)
    for name, data in BAD_FILES.items():
        (config.source_dir / name).write_bytes(data)
    result = subprocess.run([sys.executable, "-m", "generator", "build", "--no-search"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    for name in BAD_FILES:
        if name == "surrogates.json":
            continue  # imported, with a warning per field that was mended
        mentions = [line for line in lines if f"sources/{name}" in line]
        assert len(mentions) == 1, (name, mentions)
        assert mentions[0].startswith("error: ")
    mended = [line for line in lines if "sources/surrogates.json" in line]
    assert len(mended) == 2 and all("U+FFFD" in line for line in mended)
    assert (config.output_dir / "index.html").is_file()
    titles = gzip.decompress((config.output_dir / "data" / "statements.json.gz").read_bytes())
    titles = titles.decode()
    assert "Lone \ufffd surrogate" in titles


def test_a_full_disk_names_the_path_and_keeps_the_old_site(archive, monkeypatch):
    from generator.problems import BuildInterrupted

    site = archive.output_dir
    before = snapshot(site)
    change_every_page(archive.root, 1)
    real = Path.write_bytes

    def no_space(self, data):
        if self.name == "index.html" and ".staging" in str(self):
            raise OSError(28, "No space left on device", str(self))
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", no_space)
    from generator.config import load_config

    with pytest.raises(BuildInterrupted, match="No space left on device"):
        build(load_config(archive.config_path), search=False)
    assert snapshot(site) == before
    assert not any(p.name.startswith(".site.staging") for p in archive.root.iterdir())


def test_leftover_staging_from_a_killed_build_is_not_published(archive):
    staging = archive.root / ".site.staging"
    staging.mkdir()
    (staging / ".generator-staging").write_bytes(b"")
    (staging / "index.html").write_text("half a site")
    build(archive, search=False)
    assert "half a site" not in (archive.output_dir / "index.html").read_text()
    assert not staging.exists()
    assert os.path.isdir(archive.output_dir)


def test_two_builds_at_once_take_turns_and_leave_one_whole_site(archive):
    root, site = archive.root, archive.output_dir
    change_every_page(root, 1)
    first, second = start_build(root), start_build(root)
    results = [p.communicate(timeout=300) for p in (first, second)]
    assert first.returncode == 0 and second.returncode == 0, results
    manifest = json.loads(gzip.decompress((site / MANIFEST).read_bytes()))
    on_disk = {p for p in snapshot(site) if p != MANIFEST}
    assert on_disk == set(manifest["files"])
    assert "Test Archive 1" in (site / "index.html").read_text()

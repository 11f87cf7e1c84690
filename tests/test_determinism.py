"""The same input gives byte-identical output, whatever the machine's settings."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from .sites import make_archive


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def run_build(root: Path, out: Path, env: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "generator", "build", "--out", str(out)],
        cwd=root, capture_output=True, text=True, timeout=600,
        env={**os.environ, **env},
    )
    assert result.returncode == 0, result.stderr


SETTINGS = (
    {"PYTHONHASHSEED": "1", "TZ": "Pacific/Kiritimati", "LC_ALL": "C.UTF-8"},
    {"PYTHONHASHSEED": "4242", "TZ": "America/Adak", "LC_ALL": "C", "SOURCE_DATE_EPOCH": "0"},
)


def test_two_builds_in_two_folders_with_other_settings_are_identical(tmp_path):
    """Hash seed, time zone, locale and output folder change nothing, search index included."""
    roots = []
    for n, env in enumerate(SETTINGS):
        root = tmp_path / f"copy{n}"
        make_archive(root)
        run_build(root, root / f"out-{n}", env)
        roots.append((root, root / f"out-{n}"))
    (root_a, site_a), (root_b, site_b) = roots
    assert tree(root_a / "content" / "statements") == tree(root_b / "content" / "statements")
    a, b = tree(site_a), tree(site_b)
    assert sorted(a) == sorted(b)
    assert [p for p in a if a[p] != b[p]] == []
    assert any(p.startswith("pagefind/") for p in a)


def test_rebuilding_an_unchanged_site_touches_nothing(tmp_path):
    config = make_archive(tmp_path)
    run_build(tmp_path, config.output_dir, {})
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in config.output_dir.rglob("*")}
    run_build(tmp_path, config.output_dir, {"PYTHONHASHSEED": "99"})
    after = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in config.output_dir.rglob("*")}
    assert after == before


def test_a_site_moved_to_another_folder_still_builds_the_same(tmp_path):
    config = make_archive(tmp_path / "a")
    run_build(tmp_path / "a", config.output_dir, {})
    first = tree(config.output_dir)
    shutil.move(tmp_path / "a", tmp_path / "b")
    run_build(tmp_path / "b", tmp_path / "b" / "site", {})
    assert tree(tmp_path / "b" / "site") == first

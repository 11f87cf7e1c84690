"""Pagefind's metadata files, as the build reads and rewrites them to make them stable."""

import gzip
import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest

from generator.search import pagefind

from .sites import build, make_archive


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    """A bundle as the real Pagefind writes it, over the statement pages of a small site."""
    root = tmp_path_factory.mktemp("pagefind")
    config = make_archive(root)
    build(config, search=False)
    out = root / "bundle"
    subprocess.run([str(pagefind.executable()), "--site", str(config.output_dir),
                    "--output-path", str(out), "--glob", "statements/**/*.html",
                    "--keep-index-url", "--force-language", "en", "--quiet"],
                   check=True, capture_output=True, timeout=300)
    return out


def metadata_files(folder: Path) -> list[Path]:
    return sorted([*folder.glob("*.pf_meta"), *folder.glob("filter/*.pf_filter")])


def test_pagefind_s_metadata_read_and_written_again_is_pagefind_s_own_bytes(bundle):
    # The rewrite changes the order of the filters' values and nothing else: every file
    # Pagefind wrote, decoded and encoded again, is the bytes it wrote.
    files = metadata_files(bundle)
    assert len(files) >= 5  # the meta file and a filter file per filter
    for path in files:
        assert pagefind.index_file_data(pagefind.read_index_file(path)) == \
            gzip.decompress(path.read_bytes()), path.name


def test_the_same_filters_in_any_order_give_the_same_bundle(bundle, tmp_path):
    # Pagefind writes a filter's values in another order on each run; after ``stabilise``
    # the order is gone from the files and from the names that point to them.
    stable, shuffled = tmp_path / "stable", tmp_path / "shuffled"
    shutil.copytree(bundle, stable)
    shutil.copytree(bundle, shuffled)
    reordered = 0
    for path in sorted((shuffled / "filter").glob("*.pf_filter")):
        name, values = pagefind.read_index_file(path)
        if len(values) > 1:
            path.write_bytes(gzip.compress(pagefind.index_file_data([name, values[::-1]])))
            reordered += 1
    assert reordered
    pagefind.stabilise(stable)
    pagefind.stabilise(shuffled)
    assert tree(stable) == tree(shuffled)
    # What names a filter file is the checksum of its new bytes.
    for path in metadata_files(stable / "filter"):
        assert path.stem.endswith(hashlib.sha256(path.read_bytes()).hexdigest()[:7])


@pytest.mark.parametrize("payload", [
    b"pagefind_dcd\x1c",  # not CBOR
    b"pagefind_dcd\x82\x01",  # cut short
    b"pagefind_dcd\x01\x02",  # bytes after the item
    b"another_format\x01",  # not Pagefind's
])
def test_a_metadata_file_this_generator_cannot_read_is_refused_with_its_name(tmp_path, payload):
    path = tmp_path / "en_1234567.pf_filter"
    path.write_bytes(gzip.compress(payload))
    with pytest.raises(pagefind.SearchFailed, match=r"en_1234567\.pf_filter"):
        pagefind.read_index_file(path)

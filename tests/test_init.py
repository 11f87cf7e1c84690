"""``python -m generator init PATH``: a new archive that builds, and publishes with our workflow."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from generator import starter
from generator.config import documented_keys, load_config
from generator.model.issuers import parse_authority
from generator.problems import Report

from .conftest import PROJECT, SEEDS


def run(*args, cwd):
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def test_init_makes_an_archive_that_builds(tmp_path):
    result = run("init", "archive", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    root = tmp_path / "archive"
    made = sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))
    assert made == [".github", ".github/workflows", ".github/workflows/pages.yml", ".gitignore",
                    "config.yaml", "content", "content/issuers.yaml", "content/sources",
                    "requirements.txt"]
    assert "python -m generator build" in result.stdout
    # Empty, it builds (and says there is nothing yet).
    first = run("build", "--no-search", cwd=root)
    assert first.returncode == 0, first.stderr
    assert (root / "site" / "index.html").is_file()
    # With a capture, it is an archive.
    shutil.copy(sorted(SEEDS.glob("*.txt"))[0], root / "content" / "sources")
    second = run("build", cwd=root)
    assert second.returncode == 0, second.stderr
    assert "1 statements in the archive" in second.stdout
    assert list((root / "site" / "statements").rglob("*.html"))
    assert (root / "site" / "pagefind").is_dir()


def test_the_new_config_has_every_key_with_its_meaning_at_its_default(tmp_path):
    starter.create(tmp_path / "a")
    path = tmp_path / "a" / "config.yaml"
    report = Report()
    config = load_config(path, report=report)
    assert report.problems == []
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "config.yaml").write_text("")
    defaults = load_config(tmp_path / "b" / "config.yaml")
    for key, _ in documented_keys():
        value, default = getattr(config, key), getattr(defaults, key)
        if isinstance(default, Path):
            value, default = value.relative_to(config.root), default.relative_to(defaults.root)
        assert value == default, key
    text = path.read_text()
    data = yaml.safe_load(text)
    for key, help_text in documented_keys():
        assert key in data, key
        # Its meaning, in the comment just above it.
        above = text.split(f"\n{key}:", 1)[0].rsplit("\n\n", 1)[1]
        assert " ".join(line[2:] for line in above.splitlines()) == help_text


def test_the_new_issuer_list_says_how_and_lists_no_one(tmp_path):
    starter.create(tmp_path / "a")
    text = (tmp_path / "a" / "content" / "issuers.yaml").read_text()
    assert parse_authority(text, "issuers.yaml").entries == ()
    assert "HOW TO EDIT" in text
    for word in ("DPRK", "KCNA", "Korea", "WPK"):
        assert word not in text
    # Its example, uncommented, is a valid list.
    example = text.split("# organizations:", 1)[1].split("\n\norganizations: []")[0]
    lines = ["organizations:"] + [line[2:] for line in example.splitlines() if line.startswith("# ")]
    assert len(parse_authority("\n".join(lines), "example").entries) == 5


def test_the_new_gitignore_leaves_out_the_site_the_cache_and_the_venv(tmp_path):
    root = tmp_path / "a"
    starter.create(root)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    for made in ("site/index.html", ".site.previous/index.html", ".site.lock",
                 ".cache/generator/x.pickle", ".venv/bin/python"):
        (root / made).parent.mkdir(parents=True, exist_ok=True)
        (root / made).write_text("x")
    status = subprocess.run(["git", "-C", str(root), "status", "--porcelain",
                             "--untracked-files=all"], capture_output=True, text=True, check=True)
    listed = sorted(line[3:] for line in status.stdout.splitlines())
    assert listed == [".github/workflows/pages.yml", ".gitignore", "config.yaml",
                      "content/issuers.yaml", "requirements.txt"]


@pytest.mark.parametrize("what", ["a file", "a folder with a file", "a hidden file"])
def test_init_refuses_a_folder_that_is_not_empty_and_writes_nothing(tmp_path, what):
    target = tmp_path / "archive"
    if what == "a file":
        target.write_text("mine")
    else:
        target.mkdir()
        (target / ("notes.txt" if what == "a folder with a file" else ".keep")).write_text("mine")
    before = sorted(tmp_path.rglob("*"))
    result = run("init", "archive", cwd=tmp_path)
    assert result.returncode == 2
    assert "archive" in result.stderr and "nothing was written" in result.stderr
    assert sorted(tmp_path.rglob("*")) == before


def test_init_into_an_empty_folder_works(tmp_path):
    (tmp_path / "empty").mkdir()
    assert run("init", "empty", cwd=tmp_path).returncode == 0
    assert (tmp_path / "empty" / "config.yaml").is_file()


def test_the_new_workflow_is_the_repository_s_own():
    assert starter.WORKFLOW.read_bytes() == (
        PROJECT / ".github" / "workflows" / "pages.yml").read_bytes()


def test_requirements_pin_the_generator_pip_installed_from_git(monkeypatch):
    class Installed:
        def read_text(self, name):
            assert name == "direct_url.json"
            return json.dumps({"url": "https://github.com/someone/statement-archive",
                               "vcs_info": {"vcs": "git", "commit_id": "0123abcd" * 5}})

    monkeypatch.setattr(starter.importlib.metadata, "distribution", lambda name: Installed())
    requirement = starter.generator_requirement()
    assert requirement == ("-e git+https://github.com/someone/statement-archive@"
                           + "0123abcd" * 5 + "#egg=statement-archive")
    assert starter.requirements_text(requirement).endswith(requirement + "\n")
    # Installed from a folder (as the README's quick start does): the line is left to the user.
    monkeypatch.setattr(starter.importlib.metadata, "distribution", lambda name: type(
        "Local", (), {"read_text": lambda self, name: json.dumps(
            {"url": "file:///home/me/statement-archive", "dir_info": {"editable": True}})})())
    assert starter.generator_requirement() is None
    text = starter.requirements_text(None)
    assert [line for line in text.splitlines() if not line.startswith("#")] == []

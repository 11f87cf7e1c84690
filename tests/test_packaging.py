"""The generator installed as a wheel (as the Pages workflow of `init` installs it, from git),
not from this checkout: it carries its default theme, its starter files and every module."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
import zipfile

import pytest

from .conftest import PROJECT, SEEDS


def test_every_package_of_the_generator_is_listed_for_the_wheel():
    listed = set(tomllib.loads((PROJECT / "pyproject.toml").read_text())["tool"]["setuptools"]
                 ["packages"])
    found = {p.parent.relative_to(PROJECT).as_posix().replace("/", ".")
             for p in (PROJECT / "generator").rglob("__init__.py")}
    assert found | {"generator.builtin_themes"} == listed


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    # From a copy of what the wheel is made of: setuptools leaves a build/ folder where it
    # builds, and one left by an earlier build would hide what this one misses.
    source, out = tmp_path_factory.mktemp("source"), tmp_path_factory.mktemp("wheel")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(PROJECT / name, source / name)
    for name in ("generator", "themes"):
        shutil.copytree(PROJECT / name, source / name,
                        ignore=shutil.ignore_patterns("__pycache__"))
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out),
                            str(source)], capture_output=True, text=True, timeout=600)
    if build.returncode != 0 and "No matching distribution" in build.stderr:
        pytest.skip(f"setuptools could not be fetched to build the wheel: {build.stderr[-300:]}")
    assert build.returncode == 0, build.stderr
    (made,) = out.glob("*.whl")
    return made


def test_the_wheel_holds_the_default_theme_and_the_starter_files(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    theme = {n.split("builtin_themes/default/", 1)[1] for n in names
             if "generator/builtin_themes/default/" in n}
    shipped = {p.relative_to(PROJECT / "themes" / "default").as_posix()
               for p in (PROJECT / "themes" / "default").rglob("*") if p.is_file()}
    assert theme == shipped
    assert {"generator/starter/pages.yml", "generator/serve/reload.js"} <= names


def test_an_installed_generator_makes_and_builds_an_archive_away_from_this_checkout(
        wheel, tmp_path):
    target = tmp_path / "installed"
    install = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q",
                              "--target", str(target), str(wheel)],
                             capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stderr
    # Its dependencies are this environment's; the generator itself is the installed one.
    env = {**os.environ, "PYTHONPATH": str(target)}

    def run(*args, cwd):
        return subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd, env=env,
                              capture_output=True, text=True, timeout=300)

    where = subprocess.run([sys.executable, "-c", "import generator; print(generator.__file__)"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert where.stdout.startswith(str(target)), where.stdout + where.stderr
    assert run("init", "archive", cwd=tmp_path).returncode == 0
    root = tmp_path / "archive"
    shutil.copy(sorted(SEEDS.glob("*.txt"))[0], root / "content" / "sources")
    built = run("build", "--no-search", cwd=root)
    assert built.returncode == 0, built.stderr
    assert "1 statements in the archive" in built.stdout
    assert (root / "site" / "static" / "style.css").read_bytes() == (
        PROJECT / "themes" / "default" / "static" / "style.css").read_bytes()
    (page,) = (root / "site" / "statements").rglob("*.html")
    assert "<h1" in page.read_text()

"""`python -m generator` as a user runs it: commands, options, messages and exit status."""

import subprocess
import sys

import pytest


def run(*args, cwd):
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("command", ["build", "import", "check"])
def test_every_command_has_help(tmp_path, command):
    result = run(command, "--help", cwd=tmp_path)
    assert result.returncode == 0
    assert "--config" in result.stdout and "--strict" in result.stdout


def test_build_options_are_listed(tmp_path):
    out = run("build", "--help", cwd=tmp_path).stdout
    for option in ("--out", "--base-url", "--no-search"):
        assert option in out


def test_import_reports_bad_files_and_goes_on(make_site):
    config = make_site(seeds=True, files={"content/sources/broken.txt": b"\x89PNG\r\n\x1a\n"})
    result = run("import", cwd=config.root)
    assert result.returncode == 0
    assert "error: content/sources/broken.txt: the file is a PNG image" in result.stderr
    assert "2 statements created" in result.stdout
    assert "1 error (skipped)" in result.stdout
    strict = run("import", "--strict", cwd=config.root)
    assert strict.returncode == 1


def test_check_exits_1_on_a_broken_store_file_and_names_it(make_site):
    config = make_site(files={"content/statements/bad.md": "---\ntitle: [oops\ndate: 2020-01-01\n---\n"})
    result = run("check", cwd=config.root)
    assert result.returncode == 1
    assert "content/statements/bad.md:3:" in result.stderr


def test_build_reports_a_broken_store_file_once(make_site):
    config = make_site(seeds=True,
                       files={"content/statements/bad.md": "---\ntitle: [oops\ndate: 2020-01-01\n---\n"})
    result = run("build", "--no-search", cwd=config.root)
    assert result.returncode == 0
    assert result.stderr.count("content/statements/bad.md:3:") == 1, result.stderr
    assert "1 error (skipped)" in result.stdout


def test_check_passes_on_a_clean_store(make_site):
    config = make_site(seeds=True)
    assert run("import", cwd=config.root).returncode == 0
    result = run("check", cwd=config.root)
    assert result.returncode == 0, result.stderr


def test_bad_config_exits_2_naming_the_key(tmp_path):
    (tmp_path / "config.yaml").write_text("title: T\nbase_url: not a url\n")
    result = run("build", cwd=tmp_path)
    assert result.returncode == 2
    assert "config.yaml: key 'base_url'" in result.stderr


def test_unknown_config_key_is_a_warning_that_strict_turns_into_failure(make_site):
    config = make_site(seeds=True, config="title: T\ncolour: red\n")
    assert run("import", cwd=config.root).returncode == 0
    result = run("import", "--strict", cwd=config.root)
    assert result.returncode == 1
    assert "unknown key 'colour'" in result.stderr


def test_config_option_points_at_another_folder(make_site, tmp_path):
    config = make_site(seeds=True)
    result = run("import", "--config", str(config.config_path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (config.content_dir / "2022").is_dir()


def test_a_build_lets_go_of_what_it_loaded_unless_its_caller_keeps_it(tmp_path):
    # ``serve`` builds again and again in one process: nothing may pile up there. The
    # command line exits right after its build, and keeps it all rather than free it.
    import gc

    from generator import build as pipeline
    from generator.problems import Report

    from .sites import build, make_archive

    config = make_archive(tmp_path, with_fixtures=False)
    gc.unfreeze()
    build(config)
    assert gc.isenabled() and gc.get_freeze_count() == 0
    kept: list[object] = []
    try:
        pipeline.build(config, Report(), search=False, keep=kept)
        assert kept and gc.isenabled() and gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()

"""`python -m generator` as a user runs it: commands, options, messages and exit status."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import SEEDS


def run(*args, cwd, timeout=300):
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)


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


# --- what `check` and the commands say about broken and hostile input (issue 27) -------------


def problem_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith(("error: ", "warning: "))]


def starts(lines: list[str], start: str) -> bool:
    return any(line.startswith(start) for line in lines)


CHECKED = {
    # item: (files of the site, what makes the rest of the input, the line `check` prints)
    "impossible date in the store (item 1)": (
        {"content/statements/bad.md": "---\ntitle: x\ndate: 2023-02-30\n---\n"},
        "error: content/statements/bad.md: date must be a date written YYYY-MM-DD, got '2023-02-30'"),
    "unquoted ampersand in the store (item 2)": (
        {"content/statements/amp.md": "---\ntitle: & Co statement\ndate: 2020-01-01\n---\n"},
        "error: content/statements/amp.md:2:9: invalid YAML"),
    "record whose link is no URL (item 5)": (
        {"content/sources/dump.json": '[{"headline": "A", "date_str": "2024-01-01", '
                                      '"story_text": "x", "link": "http://[::1"}, {"headline": ""}]'},
        "error: content/sources/dump.json: record 1: has no headline"),
    "store file saved with Windows line endings (item 10)": (
        {"content/statements/crlf.md": b"---\r\ntitle: Mine\r\ndate: 2021-01-01\r\n---\r\n\r\nText\r\n",
         "content/statements/other.md": b"---\r\nid: crlf\r\ntitle: Other\r\ndate: 2021-01-01\r\n---\r\n"},
        "error: content/statements/other.md: id 'crlf' is already used by content/statements/crlf.md"),
    "impossible date_str with a timestamp (item 15)": (
        {"content/sources/dump.json": '[{"headline": "A", "date_str": "2024-02-30", '
                                      '"date": 1709251200000, "story_text": "x"}]'},
        "warning: content/sources/dump.json: record 0: date_str '2024-02-30' names no real day: "
        "kept 2024-03-01, from its timestamp (date)"),
}


@pytest.mark.parametrize("case", sorted(CHECKED))
def test_check_reports_each_broken_input_with_exit_status_1(make_site, case):
    files, line = CHECKED[case]
    config = make_site(files=files)
    result = run("check", cwd=config.root)
    assert result.returncode == 1, result.stderr
    assert any(shown.startswith(line) for shown in problem_lines(result.stderr)), result.stderr
    assert "Traceback" not in result.stderr


def test_check_reports_links_fifos_devices_and_bad_names_among_captures_store_and_static(
        make_site, tmp_path):
    # Issue 27, items 3, 4, 6, 8, 17 and 18, as `check` sees them: one line each, exit 1.
    outside = tmp_path / "secret.txt"
    outside.write_text("the builder's secret")
    config = make_site(seeds=True, files={"static/site.css": "p {}\n"})
    for folder in (config.source_dir, config.content_dir):
        folder.mkdir(parents=True, exist_ok=True)
        os.symlink("loop-b.md", folder / "loop-a.md")
        os.symlink("loop-a.md", folder / "loop-b.md")
        os.mkfifo(folder / "pipe.md")
        os.symlink("/dev/zero", folder / "zero.md")
    os.symlink(outside, config.root / "static" / "leak.txt")
    (config.source_dir / os.fsdecode(b"bad\xff.txt")).write_text("x")
    (config.source_dir / "evil\x1b[31mRED.txt").write_text("")
    result = run("check", cwd=config.root, timeout=120)
    assert result.returncode == 1
    lines = problem_lines(result.stderr)
    for where in ("content/sources", "content/statements"):
        assert (f"error: {where}/loop-a.md: is a symbolic link in a loop: it never leads to a "
                "file (remove the link or point it at a file)") in lines
        assert f"error: {where}/pipe.md: is a named pipe (FIFO), not a regular file: not read" in lines
        assert starts(lines, f"error: {where}/zero.md: is a symbolic link to /dev/zero, outside")
    assert starts(lines, f"error: static/leak.txt: is a symbolic link to {outside}, outside the "
                         "project folder: not followed")
    assert starts(lines, "error: content/sources/bad\\xff.txt: the file's name (or its folder's) is not")
    assert "error: content/sources/evil\\x1b[31mRED.txt: the file is empty" in lines
    assert "\x1b" not in result.stderr and "Traceback" not in result.stderr
    build = run("build", "--no-search", cwd=config.root, timeout=300)
    assert build.returncode == 0, build.stderr
    assert not (config.output_dir / "static" / "leak.txt").exists()
    assert (config.output_dir / "static" / "site.css").read_text() == "p {}\n"


def test_check_reports_an_output_folder_a_build_would_refuse(make_site):
    # Issue 27, item 12.
    config = make_site(seeds=True, config="title: T\noutput_dir: static\n",
                       files={"static/site.css": "p {}\n"})
    result = run("check", cwd=config.root)
    assert result.returncode == 1
    assert any(line.startswith("error: config.yaml: output_dir: refusing to build into")
               for line in problem_lines(result.stderr)), result.stderr
    build = run("build", "--no-search", cwd=config.root)
    assert build.returncode == 2 and "refusing to build into" in build.stderr
    assert sorted(p.name for p in (config.root / "static").iterdir()) == ["site.css"]
    assert not config.content_dir.exists()  # refused before the import wrote anything


def test_a_base_url_that_is_no_url_is_a_configuration_error_not_a_traceback(make_site):
    # Issue 27, item 5.
    config = make_site(seeds=True)
    result = run("build", "--base-url", "https://[::1/", cwd=config.root)
    assert result.returncode == 2
    assert result.stderr.startswith("error: command line (base_url): is not a valid URL")
    assert "Traceback" not in result.stderr


def test_a_hand_written_file_cannot_take_over_a_statement_s_address(make_site):
    # Issue 27, item 11: a file whose id is an existing statement's took over its permanent
    # URL, and the real statement was made again under a suffixed id, which stayed after the
    # hand-written file was deleted.
    config = make_site(seeds=True)
    assert run("build", "--no-search", cwd=config.root).returncode == 0
    before = {p: p.read_bytes() for p in config.content_dir.rglob("*.md")}
    real = next(p for p in before if "2022-09-22" in p.name)
    statement_id = real.stem
    mine = config.content_dir / "2022" / "09" / "0-mine.md"
    mine.write_text(f"---\nid: {statement_id}\ntitle: My Impostor\ndate: 2022-09-22\n---\n\nMine.\n")
    result = run("build", "--no-search", cwd=config.root)
    assert result.returncode == 0
    assert (f"error: content/statements/2022/09/0-mine.md: id '{statement_id}' is already used by "
            f"content/statements/2022/09/{statement_id}.md; these files were left out of the site"
            ) in result.stderr
    page = (config.output_dir / "statements" / "2022" / f"{statement_id}.html").read_text()
    assert "My Impostor" not in page and "Vice Director General" in page
    assert {p: p.read_bytes() for p in config.content_dir.rglob("*.md") if p != mine} == before
    check = run("check", cwd=config.root)
    assert check.returncode == 1 and "is already used by" in check.stderr
    mine.unlink()
    assert run("build", "--no-search", cwd=config.root).returncode == 0
    assert {p: p.read_bytes() for p in config.content_dir.rglob("*.md")} == before
    assert run("check", cwd=config.root).returncode == 0


def catches_sigterm(pid: int) -> bool:
    """Whether process ``pid`` has a handler for SIGTERM (``python -m generator`` installs one
    first thing, with its Ctrl-C handler; Python itself has none)."""
    import signal

    with open(f"/proc/{pid}/status") as status:
        caught = next(line for line in status if line.startswith("SigCgt:")).split()[1]
    return bool(int(caught, 16) & (1 << (signal.SIGTERM - 1)))


@pytest.mark.parametrize("delay", [0.0, 0.02, 0.05, 0.1, 0.2, 0.3])
def test_ctrl_c_while_the_command_starts_ends_it_with_a_line_not_a_traceback(make_site, delay):
    # Issue 27, item 7: Ctrl-C in the first 0.3 s (while the modules are imported) printed a
    # traceback. Sent once the generator's code runs: before that (Python's own start, its
    # ``site`` module) what Ctrl-C does is Python's.
    import signal
    import time

    config = make_site(seeds=True)
    process = subprocess.Popen([sys.executable, "-m", "generator", "build", "--no-search"],
                               cwd=config.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    deadline = time.monotonic() + 60
    while not catches_sigterm(process.pid) and time.monotonic() < deadline:
        time.sleep(0.001)
    time.sleep(delay)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert "Traceback" not in stderr
    # Stopped with its line, or done before the signal came: either way, no traceback.
    assert process.returncode in (0, 130), stderr
    if process.returncode == 130:
        assert stderr.strip().splitlines()[-1].startswith("interrupted: nothing was")


# --- permissions (issue 27, item 14): as a user whom a permission stops ----------------------
#
# Root reads everything whatever the permissions, and these tests often run as root (CI
# does). As root, each runs the generator as the user ``nobody`` (util-linux's ``setpriv``),
# in a project folder that user owns under a folder everyone can enter; otherwise as the
# user running the tests.

NOBODY = 65534


@pytest.fixture
def as_user(tmp_path_factory):
    """``(project folder, run(*args))``: the generator run by a user who is not root."""
    import shutil
    import tempfile

    if os.geteuid() == 0 and not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv: no way to run as another user")
    base = Path(tempfile.mkdtemp(prefix="as-user-", dir="/tmp"))
    base.chmod(0o755)
    project = base / "project"
    (project / "content" / "sources").mkdir(parents=True)
    for seed in sorted(SEEDS.glob("*.txt")):
        shutil.copy(seed, project / "content" / "sources" / seed.name)
    (project / "config.yaml").write_text("title: T\n")

    def run_as(*args):
        if os.geteuid() == 0:
            for path in (project, *project.rglob("*")):
                os.lchown(path, NOBODY, NOBODY)
            command = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
                       "--", sys.executable, "-m", "generator", *args]
        else:
            command = [sys.executable, "-m", "generator", *args]
        return subprocess.run(command, cwd=project, capture_output=True, text=True, timeout=300,
                              env={**os.environ, "HOME": str(base / "home")})

    probe = run_as("--version")
    if probe.returncode != 0:
        shutil.rmtree(base)
        pytest.skip(f"cannot run the generator as another user: {probe.stderr.strip()}")
    yield project, run_as
    for path in (project, *project.rglob("*")):
        path.chmod(0o755 if path.is_dir() else 0o644)
    shutil.rmtree(base)


def test_a_capture_made_readable_is_imported_by_the_next_build(as_user):
    # Issue 27, item 14: an unreadable capture stayed reported as unreadable ("nothing
    # changed since the last build") after it was made readable, until it was touched.
    project, run_as = as_user
    locked = sorted((project / "content" / "sources").glob("*.txt"))[0]
    locked.chmod(0o000)
    first = run_as("build", "--no-search")
    assert first.returncode == 0, first.stderr
    assert f"error: content/sources/{locked.name}: cannot read the file: Permission denied" in first.stderr
    assert "1 statements created" in first.stdout
    locked.chmod(0o644)
    second = run_as("build", "--no-search")
    assert second.returncode == 0, second.stderr
    assert "nothing changed" not in second.stdout
    assert "Permission denied" not in second.stderr
    assert len(list((project / "site" / "statements").rglob("*.html"))) == 2
    assert run_as("check").returncode == 0


def test_a_folder_that_cannot_be_read_is_named_and_check_fails(as_user):
    # Issue 27, item 14: an unreadable subfolder of the sources or the store was skipped in
    # silence, and `check` said "0 errors".
    project, run_as = as_user
    assert run_as("import").returncode == 0
    for folder in (project / "content" / "sources" / "locked", project / "content" / "statements" / "2021"):
        folder.mkdir()
        (folder / "x.md").write_text("---\ntitle: Hidden\ndate: 2021-01-01\n---\n")
    for folder in (project / "content" / "sources" / "locked", project / "content" / "statements" / "2021"):
        folder.chmod(0o000)
    result = run_as("check")
    assert result.returncode == 1
    lines = problem_lines(result.stderr)
    for where in ("content/sources/locked", "content/statements/2021"):
        assert (f"error: {where}: is a folder that cannot be read (Permission denied): the files "
                "in it were left out (give yourself permission to read it)") in lines, result.stderr
    build = run_as("build", "--no-search")
    assert build.returncode == 0
    assert "content/statements/2021: is a folder that cannot be read" in build.stderr


def test_check_reports_a_configuration_it_cannot_use_with_exit_status_1(make_site):
    # Issue 27, items 1, 5 and 9 as `check` sees them: the other commands cannot run (2).
    bomb = "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n"
    for text in (bomb, "title: T\nbase_url: 'https://[::1/'\n", "title: T\nlanguage: 2023-02-30\n"):
        config = make_site(seeds=True)
        config.config_path.write_text(text)
        result = run("check", cwd=config.root)
        assert result.returncode == 1, result.stderr
        assert result.stderr.startswith("error: ") and "config.yaml" in result.stderr
        assert "Traceback" not in result.stderr
        assert run("import", cwd=config.root).returncode == 2


def test_a_capture_in_a_folder_named_in_bytes_that_are_not_utf8_is_named_and_the_rest_builds(
        make_site):
    config = make_site(seeds=True)
    folder = config.source_dir / os.fsdecode(b"bad\xff")
    folder.mkdir()
    (folder / "x.txt").write_bytes(next(SEEDS.glob("*.txt")).read_bytes())
    hand = config.content_dir / os.fsdecode(b"mine\xfe")
    hand.mkdir(parents=True)
    (hand / "h.md").write_text("---\ntitle: Mine\ndate: 2020-01-01\n---\n\nText.\n")
    result = run("build", "--no-search", cwd=config.root)
    assert result.returncode == 0, result.stderr
    assert problem_lines(result.stderr) == [
        "error: content/sources/bad\\xff/x.txt: the file's name (or its folder's) is not UTF-8 "
        "text, so the store could not name it (rename it)"]
    assert "3 statements in the archive" in result.stdout


def test_a_fifo_or_a_device_added_after_a_build_does_not_stop_the_next_one(make_site):
    # The build's first step hashes the inputs whose stat changed (a fresh checkout with its
    # cache): a FIFO there would wait for a writer forever, /dev/zero never end.
    config = make_site(seeds=True)
    assert run("build", "--no-search", cwd=config.root).returncode == 0
    os.mkfifo(config.source_dir / "pipe.txt")
    os.mkfifo(config.content_dir / "pipe.md")
    os.symlink("/dev/zero", config.source_dir / "zero.txt")
    result = run("build", "--no-search", cwd=config.root, timeout=120)
    assert result.returncode == 0, result.stderr
    assert problem_lines(result.stderr) == [
        "error: content/sources/pipe.txt: is a named pipe (FIFO), not a regular file: not read",
        "error: content/sources/zero.txt: is a symbolic link to /dev/zero, outside the project "
        "folder: not followed (copy the file into the project, or make the link point inside it)",
        "error: content/statements/pipe.md: is a named pipe (FIFO), not a regular file: not read"]

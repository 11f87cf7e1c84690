"""config.yaml: defaults, paths relative to the file, clear errors, documented keys."""

from pathlib import Path

import pytest

from generator.config import ConfigError, documented_keys, load_config
from generator.problems import Report

from .conftest import PROJECT


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return path


def test_paths_are_relative_to_the_config_file(tmp_path, monkeypatch):
    monkeypatch.chdir("/")
    config = load_config(write(tmp_path, "title: T\nsource_dir: in\n"))
    assert config.source_dir == tmp_path / "in"
    assert config.content_dir == tmp_path / "content" / "statements"
    assert config.output_dir == tmp_path / "site"


def test_base_url_gets_a_trailing_slash_and_command_line_wins(tmp_path):
    path = write(tmp_path, "base_url: https://example.org/repo\n")
    assert load_config(path).base_url == "https://example.org/repo/"
    assert load_config(path, {"base_url": "http://x.test/a/"}).base_url == "http://x.test/a/"


def test_unknown_key_is_a_warning_naming_it(tmp_path):
    report = Report()
    load_config(write(tmp_path, "title: T\ntitel: typo\n"), report=report)
    (warning,) = report.warnings
    assert "titel" in warning.reason and warning.path.endswith("config.yaml")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("base_url: example.org\n", "key 'base_url': must be an absolute http"),
        ("base_url: javascript:alert(1)\n", "key 'base_url': must be an absolute http"),
        ("title: [a, b]\n", "key 'title': must be a non-empty string"),
        ("output_dir: 5\n", "key 'output_dir': must be a non-empty path"),
        ("language: 'en us'\n", "key 'language': must be a language tag"),
        ("title: 'unclosed\n", "not valid YAML"),
        ("- a\n- b\n", "must be a mapping"),
    ],
)
def test_bad_values_are_errors_naming_the_file_and_key(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message) as info:
        load_config(write(tmp_path, text))
    assert "config.yaml" in str(info.value)


def test_missing_config_file_says_what_to_do(tmp_path):
    with pytest.raises(ConfigError, match="--config"):
        load_config(tmp_path / "nope.yaml")


def test_every_config_key_is_documented_in_the_readme():
    readme = (PROJECT / "README.md").read_text()
    for key, help_text in documented_keys():
        assert f"`{key}`" in readme, f"config key {key} is not in README.md"
        assert help_text


def test_the_default_config_loads_without_warnings():
    report = Report()
    load_config(PROJECT / "config.yaml", report=report)
    assert report.problems == []


# --- broken and hostile configurations (issue 27) -------------------------------------------


def test_a_value_that_names_no_real_date_is_text_not_a_traceback(tmp_path):
    # Issue 27, item 1: "title: 2023-02-30" raised ValueError from the YAML reader.
    report = Report()
    config = load_config(write(tmp_path, "title: 2023-02-30\nwhen: 0000-01-01\n"), report=report)
    assert config.title == "2023-02-30"
    assert [p.reason for p in report.problems] == ["unknown key 'when' is ignored"]


def test_an_alias_bomb_is_refused_at_once(tmp_path):
    # Issue 27, item 9: 400 bytes took 31 s and then MemoryError.
    from .test_guards import no_hang

    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"] + [
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 9) + "]"
        for i in range(8)]
    path = write(tmp_path, "\n".join(lines) + "\ntitle: *i\n")
    assert path.stat().st_size < 500
    with pytest.raises(ConfigError, match=r"config.yaml:1:\d+: not valid YAML: YAML anchors and "
                                          r"aliases \(&name, \*name\) are not allowed"):
        no_hang(load_config, path, seconds=10)


@pytest.mark.parametrize("url", ["https://[::1/", "http://[::1", "https://exa mple.org/"])
def test_a_base_url_that_cannot_be_split_is_a_configuration_error(tmp_path, url):
    # Issue 27, item 5: urlsplit's ValueError was a traceback.
    path = write(tmp_path, "title: T\n")
    with pytest.raises(ConfigError, match=r"command line \(base_url\): "):
        load_config(path, {"base_url": url})
    with pytest.raises(ConfigError, match="key 'base_url': "):
        load_config(write(tmp_path, f"base_url: '{url}'\n"))


def test_a_config_file_that_is_a_fifo_is_refused_without_waiting(tmp_path):
    import os

    from .test_guards import no_hang

    os.mkfifo(tmp_path / "config.yaml")
    with pytest.raises(ConfigError, match="is a named pipe"):
        no_hang(load_config, tmp_path / "config.yaml")

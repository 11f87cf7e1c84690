"""Themes: a site overrides one template, extends the default's blocks, or picks a theme."""

import gzip

import pytest

from generator.config import ConfigError

from .sites import build, make_archive


def test_a_site_template_overrides_one_template_and_extends_the_default(tmp_path):
    config = make_archive(tmp_path, with_fixtures=False)
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "statement.html").write_text(
        '{% extends "default:statement.html" %}\n'
        "{% block main %}<p class=\"banner\">Archived copy</p>{{ super() }}{% endblock %}\n"
    )
    build(config)
    page = next((config.output_dir / "statements").glob("*/*.html")).read_text()
    assert '<p class="banner">Archived copy</p>' in page
    assert "Cite this statement" in page  # the default's block is still there
    home = (config.output_dir / "index.html").read_text()
    assert "Archived copy" not in home  # other templates are untouched


def test_one_issuer_can_have_its_own_template(tmp_path):
    config = make_archive(tmp_path, with_fixtures=False)
    build(config)
    issuer_page = next((config.output_dir / "issuers").glob("*/index.html"))
    issuer_id = issuer_page.parent.name
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / f"issuer-{issuer_id}.html").write_text(
        '{% extends "issuer.html" %}{% block extra_lede %}Special page.{% endblock %}')
    build(config)
    assert "Special page." in issuer_page.read_text()


def test_a_theme_folder_is_chosen_by_name_and_falls_back_to_the_default(tmp_path):
    config = make_archive(tmp_path, with_fixtures=False, config="theme: plain\n")
    (tmp_path / "themes" / "plain" / "templates").mkdir(parents=True)
    (tmp_path / "themes" / "plain" / "templates" / "home.html").write_text(
        '{% extends "base.html" %}{% block main %}<h1>Plain home</h1>{% endblock %}')
    (tmp_path / "themes" / "plain" / "static").mkdir()
    (tmp_path / "themes" / "plain" / "static" / "style.css").write_text("body { color: red }")
    build(config)
    assert "<h1>Plain home</h1>" in (config.output_dir / "index.html").read_text()
    assert (config.output_dir / "static" / "style.css").read_text() == "body { color: red }"
    assert (config.output_dir / "static" / "cite.js").is_file()  # from the default theme
    assert (config.output_dir / "timeline" / "index.html").is_file()


def test_a_theme_s_compressed_file_is_copied_as_it_is(tmp_path):
    # The generator gzips its own data exports; a theme's .gz file is the theme's business.
    config = make_archive(tmp_path, with_fixtures=False, config="theme: plain\n")
    (tmp_path / "themes" / "plain" / "templates").mkdir(parents=True)
    (tmp_path / "themes" / "plain" / "static" / "fonts").mkdir(parents=True)
    packed = gzip.compress(b"a font, say", mtime=0)
    (tmp_path / "themes" / "plain" / "static" / "fonts" / "face.woff.gz").write_bytes(packed)
    build(config)
    assert (config.output_dir / "static" / "fonts" / "face.woff.gz").read_bytes() == packed


def test_an_unknown_theme_is_an_error_naming_the_key(tmp_path):
    config = make_archive(tmp_path, with_fixtures=False, config="theme: nosuch\n")
    with pytest.raises(ConfigError, match="key 'theme': no theme 'nosuch'"):
        build(config)


def test_a_broken_override_names_the_template_and_line(tmp_path):
    from generator.site.render import TemplateFailed

    config = make_archive(tmp_path, with_fixtures=False)
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "home.html").write_text("line one\n{% if %}\n")
    with pytest.raises(TemplateFailed, match=r"home.html:2: template syntax error"):
        build(config)
    assert not config.output_dir.exists()  # nothing was published


def test_pages_drop_the_templates_indentation_but_keep_every_value_as_it_was(tmp_path):
    config = make_archive(tmp_path, with_fixtures=False)
    build(config)
    (store_file,) = [p for p in config.content_dir.rglob("*.md") if "2022-09-22" in p.name]
    text = store_file.read_text(encoding="utf-8")
    code = "    indented code\n        more indented\n"
    store_file.write_text(text.rstrip("\n") + "\n\n```\n" + code + "```\n", encoding="utf-8")
    build(config)
    (page,) = config.output_dir.glob("statements/2022/2022-09-22-*.html")
    html = page.read_text(encoding="utf-8")
    assert f"<pre><code>{code}</code></pre>" in html  # a value: untouched
    assert '\n<nav class="site-nav" aria-label="Main">\n<ul>\n<li><a href=' in html
    lines = [line for line in html.split("<pre>")[0].splitlines() if line.startswith((" ", "\t"))]
    assert lines == []

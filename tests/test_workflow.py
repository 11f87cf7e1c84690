"""The Pages workflow: clean under zizmor, and it keeps what makes the next build incremental."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from generator.engine.cache import Cache

from .conftest import PROJECT

WORKFLOW = PROJECT / ".github" / "workflows" / "pages.yml"


def _zizmor() -> str:
    found = shutil.which("zizmor", path=os.pathsep.join(
        [str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    if found is None:
        pytest.fail("zizmor is not installed (pip install -e '.[test]')")
    return found


def _audit(workflow: Path) -> list[dict]:
    """zizmor's findings on ``workflow``, with every audit it has (the auditor persona is
    the strictest), offline and without any configuration that could silence one."""
    result = subprocess.run(
        [_zizmor(), "--offline", "--no-config", "--persona", "auditor", "--format", "json",
         str(workflow)], capture_output=True, text=True, timeout=120,
        env={**os.environ, "NO_COLOR": "1"})
    assert result.returncode in (0, 10, 11, 12, 13, 14), result.stderr
    return json.loads(result.stdout)


def test_zizmor_finds_nothing_in_the_pages_workflow():
    findings = _audit(WORKFLOW)
    assert findings == [], json.dumps(findings, indent=1)[:4000]


def test_zizmor_would_find_what_the_workflow_used_to_have(tmp_path):
    # The audit is real: the workflow as it was before (tags, workflow-wide write
    # permissions, credentials kept, an expression inside run:) has findings.
    old = tmp_path / ".github" / "workflows" / "pages.yml"
    old.parent.mkdir(parents=True)
    old.write_text(
        "name: Pages\non:\n  push:\n    branches: [main]\n"
        "permissions:\n  contents: read\n  pages: write\n  id-token: write\n"
        "jobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/checkout@v4\n"
        "      - id: pages\n        uses: actions/configure-pages@v5\n"
        "      - run: python -m generator build --base-url \"${{ steps.pages.outputs.base_url }}/\"\n")
    found = {finding["ident"] for finding in _audit(old)}
    assert {"unpinned-uses", "excessive-permissions", "artipacked",
            "template-injection"} <= found


def _steps() -> list[dict]:
    jobs = yaml.safe_load(WORKFLOW.read_text())["jobs"]
    return jobs["build"]["steps"]


def test_every_action_is_pinned_to_a_commit_with_its_version_named():
    uses = re.findall(r"uses: (\S+)@(\S+) # (v\d+\.\d+\.\d+)$", WORKFLOW.read_text(), re.M)
    assert len(uses) == len(re.findall(r"uses: ", WORKFLOW.read_text())) == 6
    for _, ref, _ in uses:
        assert re.fullmatch(r"[0-9a-f]{40}", ref)


def test_the_workflow_keeps_the_build_cache_the_site_and_pip_downloads():
    steps = _steps()
    cached = next(s for s in steps if s.get("uses", "").startswith("actions/cache@"))
    paths = cached["with"]["path"].split()
    # The folders the generator keeps between builds, as the code names them.
    root = Path("/archive")
    assert (root / paths[0]) == Cache.for_root(root).folder
    assert paths[1:] == ["site", ".site.previous"]
    # A new entry every run (an entry is never changed once saved), the newest restored.
    assert "github.run_id" in cached["with"]["key"]
    assert cached["with"]["key"].startswith(cached["with"]["restore-keys"])
    python = next(s for s in steps if s.get("uses", "").startswith("actions/setup-python@"))
    assert python["with"]["cache"] == "pip"
    # The site is built after the cache is restored, and uploaded after it is built.
    order = [s.get("uses", s.get("name", "")).split("@")[0] for s in steps]
    assert order.index("actions/cache") < order.index("Build the archive") < order.index(
        "actions/upload-pages-artifact")


def test_the_build_step_installs_what_requirements_name_and_builds_at_the_pages_address():
    build = next(s for s in _steps() if s.get("name") == "Build the archive")
    assert "${{" not in build["run"]  # values reach the shell through env only
    assert build["env"]["BASE_URL"] == "${{ steps.pages.outputs.base_url }}"
    assert "pip install -r requirements.txt" in build["run"]
    assert '-m generator build --base-url "$BASE_URL/"' in build["run"]
    # In this repository, requirements.txt installs the generator in this folder.
    lines = [line for line in (PROJECT / "requirements.txt").read_text().splitlines()
             if line and not line.startswith("#")]
    assert lines == ["-e ."]

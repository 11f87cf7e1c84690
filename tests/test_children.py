"""A tool the build starts (Pagefind) dies with it, even when it is killed with kill -9."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from generator.engine import children

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import os, signal, subprocess, sys
from generator.engine import children
if sys.argv[1] == "fork":
    children._setpriv = lambda: None
process = children.start(["sleep", "60"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(process.pid, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")  # a zombie has died; only its parent's reaping is left


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux's parent-death signal")
@pytest.mark.parametrize("way", ["setpriv", "fork"])
def test_a_started_tool_dies_when_the_build_is_killed(way):
    if way == "setpriv" and children._setpriv() is None:
        pytest.skip("no setpriv with --pdeathsig here")
    build = subprocess.run([sys.executable, "-c", SCRIPT, way], capture_output=True, text=True,
                           cwd=ROOT, timeout=60, check=False)
    pid = int(build.stdout.split()[0])
    deadline = time.monotonic() + 10
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if alive(pid):
        os.kill(pid, 9)
        pytest.fail(f"the tool the build started ({way}) outlived it")

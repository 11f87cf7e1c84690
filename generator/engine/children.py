"""Child processes (Pagefind, render workers) that must not outlive the build."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import shutil
import signal
import subprocess
from collections.abc import Sequence
from typing import Any


def _find_prctl() -> Any:
    """The C library's ``prctl``, or None."""
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError, TypeError):
        try:
            return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True).prctl
        except (OSError, AttributeError):
            return None


#: Looked up once, in the build, before it forks: a child then asks for its signal at once
#: (looking it up in the child, ``ctypes.util.find_library`` ran ``ldconfig`` first).
_PRCTL = _find_prctl() if hasattr(os, "fork") else None


def die_with_parent() -> None:  # pragma: no cover - runs in the child
    """Ask Linux to kill this process when the build dies (even by ``kill -9``).

    A child that went on writing into the staging folder after its parent was
    killed could race the next build's clean-up. Elsewhere this does nothing.
    The parent may have died before the child asks: the caller checks
    ``os.getppid()`` after this.
    """
    if _PRCTL is not None:
        _PRCTL(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


@functools.cache
def _setpriv() -> str | None:
    """util-linux's ``setpriv``, if it is here and can set the parent-death signal."""
    path = shutil.which("setpriv")
    if path is None:
        return None
    try:
        said = subprocess.run([path, "--help"], capture_output=True, text=True, timeout=30,
                              check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return path if "--pdeathsig" in said else None


#: Run by ``sh`` once ``setpriv`` has asked for the signal: if the build died before that
#: (its pid, ``$0``, is no longer the parent's), the signal will never come, so stop here.
_STILL_OURS = 'if [ "$PPID" != "$0" ]; then exit 137; fi; exec "$@"'


def start(command: Sequence[str], **options: Any) -> subprocess.Popen[str]:
    """Start ``command`` (``subprocess.Popen``) so that it dies with the build.

    Through ``setpriv --pdeathsig KILL`` where there is one, so that the build
    is not forked: a fork of a build that holds a large archive copies its page
    tables, and every page the build writes after it faults once, which a large
    build feels (BENCHMARKS.md). ``setpriv`` asks for the signal after the
    build has moved on, so a shell then checks that the build is still its
    parent before it runs the command. Elsewhere, a fork that asks for it
    (``die_with_parent``) before it runs the command.
    """
    setpriv = _setpriv()
    if setpriv is not None:
        return subprocess.Popen([setpriv, "--pdeathsig", "KILL", "--", "/bin/sh", "-c",
                                 _STILL_OURS, str(os.getpid()), *command], **options)
    return subprocess.Popen(list(command), preexec_fn=die_with_parent, **options)

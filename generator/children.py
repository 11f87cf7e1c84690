"""Child processes (Pagefind, render workers) that must not outlive the build."""

from __future__ import annotations

import ctypes
import ctypes.util
import signal


def die_with_parent() -> None:  # pragma: no cover - runs in the child
    """Ask Linux to kill this process when the build dies (even by ``kill -9``).

    A child that went on writing into the staging folder after its parent was
    killed could race the next build's clean-up. Elsewhere this does nothing.
    """
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass

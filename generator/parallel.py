"""Work spread over the machine's cores, in forked worker processes.

Forking lets each worker inherit what the parent built (the archive model,
the compiled templates) instead of receiving it through a pipe; only the
small task descriptions go out and the results come back. Where ``fork`` is
not available, or the work is small, everything runs in this process.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from .children import die_with_parent

T = TypeVar("T")
R = TypeVar("R")

# The function the workers run: set just before the pool starts (they inherit it), then cleared.
_FUNCTION: Callable[[Any], Any] | None = None


def _start() -> None:  # pragma: no cover - runs in the worker
    die_with_parent()
    # The parent holds the cycle collector while it builds (pipeline._collector_held). A
    # worker renders templates, which can make cycles: it collects, but only over what it
    # makes, never the archive it inherited (frozen: fast, and its memory stays shared).
    gc.freeze()
    gc.enable()
    # The build's own handlers are not the worker's: the parent stops the pool itself.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _call(task: Any) -> Any:  # pragma: no cover - runs in the worker
    assert _FUNCTION is not None
    return _FUNCTION(task)


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def fork_map(function: Callable[[T], R], tasks: Sequence[T], *, jobs: int | None = None,
             min_tasks: int = 2) -> Iterator[R]:
    """``function(task)`` for each task, in order, spread over ``jobs`` forked workers."""
    jobs = jobs or cores()
    if jobs < 2 or len(tasks) < min_tasks or "fork" not in multiprocessing.get_all_start_methods():
        yield from (function(task) for task in tasks)
        return
    global _FUNCTION
    _FUNCTION = function
    try:
        with multiprocessing.get_context("fork").Pool(min(jobs, len(tasks)),
                                                      initializer=_start) as pool:
            yield from pool.imap(_call, tasks)
    finally:
        _FUNCTION = None

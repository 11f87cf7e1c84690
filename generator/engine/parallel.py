"""Work spread over the machine's cores, in forked worker processes.

Forking lets each worker inherit what the parent built (the archive model,
the compiled templates) instead of receiving it through a pipe; only the
small task descriptions go out and the results come back. Where ``fork`` is
not available, or the work is small, everything runs in this process.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import pickle
import select
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Generic, TypeVar

from .children import die_with_parent

T = TypeVar("T")
R = TypeVar("R")

# The function the workers run: set just before the pool starts (they inherit it), then cleared.
_FUNCTION: Callable[[Any], Any] | None = None
# The process that started the pool (a worker whose parent has gone exits at once).
_PARENT: int | None = None


def _start() -> None:  # pragma: no cover - runs in the worker
    die_with_parent()
    if _PARENT is not None and os.getppid() != _PARENT:
        # The build was killed before this worker could ask to die with it. Left running,
        # it would wait for tasks forever, holding the build's lock (inherited): the next
        # build would wait for it.
        os._exit(1)
    # The parent holds the cycle collector while it builds (build._collector_held). A
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


def _may_fork() -> bool:
    """Whether forking is possible and safe: not while another thread runs (``serve``'s
    web server), which could hold a lock that the child would then wait for forever."""
    return ("fork" in multiprocessing.get_all_start_methods()
            and threading.active_count() == 1)


def fork_map(function: Callable[[T], R], tasks: Sequence[T], *, jobs: int | None = None,
             min_tasks: int = 2) -> Iterator[R]:
    """``function(task)`` for each task, in order, spread over ``jobs`` forked workers."""
    jobs = jobs or cores()
    if jobs < 2 or len(tasks) < min_tasks or not _may_fork():
        yield from (function(task) for task in tasks)
        return
    global _FUNCTION, _PARENT
    _FUNCTION, _PARENT = function, os.getpid()
    try:
        with multiprocessing.get_context("fork").Pool(min(jobs, len(tasks)),
                                                      initializer=_start) as pool:
            yield from pool.imap(_call, tasks)
    finally:
        _FUNCTION = _PARENT = None


class Forked(Generic[R]):
    """``function()`` computed in a forked child while this process goes on.

    ``result()`` waits for it; where the child cannot give it (no ``fork``, one
    core, another thread running, the fork or the child failed), it is computed
    here then, so a failure raises here with its own traceback. Use as a context
    manager: leaving the block stops a child whose result was not asked for.
    """

    def __init__(self, function: Callable[[], R]) -> None:
        self._function = function
        self._pid: int | None = None
        self._pipe: int | None = None
        if cores() < 2 or not _may_fork():
            return
        read, write = os.pipe()
        parent = os.getpid()
        # Ctrl-C and SIGTERM wait until both sides know their part: a child must never
        # run the build's own handlers, nor the parent lose track of its child.
        held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        try:
            pid = os.fork()
        except OSError:  # no memory or processes left: made here instead
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
            os.close(read)
            os.close(write)
            return
        if pid == 0:  # pragma: no cover - the child
            status = 1
            try:
                os.close(read)
                _start()
                signal.pthread_sigmask(signal.SIG_SETMASK, held)
                if os.getppid() == parent:  # else the build died before _start could ask
                    data = pickle.dumps(function(), protocol=pickle.HIGHEST_PROTOCOL)
                    with os.fdopen(write, "wb") as pipe:
                        pipe.write(data)
                    status = 0
            finally:
                os._exit(status)
        self._pid, self._pipe = pid, read
        os.close(write)
        try:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
        except BaseException:  # a signal that waited: the child goes with this object
            self.close()
            raise

    @property
    def forked(self) -> bool:
        """Whether a child computes the result (else ``result`` computes it here)."""
        return self._pid is not None

    def ready(self) -> bool:
        """Whether ``result`` would not wait for the child (it has ended, or there is none)."""
        if self._pipe is None:
            return True
        poll = select.poll()  # (not select.select: it takes no descriptor above 1023)
        poll.register(self._pipe, select.POLLIN)
        return bool(poll.poll(0))

    def result(self) -> R:
        if self._pid is None or self._pipe is None:
            return self._function()
        fd, self._pipe = self._pipe, None
        with os.fdopen(fd, "rb") as pipe:
            data = pipe.read()
        _, status = os.waitpid(self._pid, 0)
        self._pid = None
        return pickle.loads(data) if status == 0 else self._function()

    def close(self) -> None:
        if self._pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):  # reaped by result() as it was stopped
                os.waitpid(self._pid, 0)
            self._pid = None
        if self._pipe is not None:
            os.close(self._pipe)
            self._pipe = None

    def __enter__(self) -> Forked[R]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

"""Work done in a forked child: the same result as here, and no child left behind."""

import os
import threading
import time

import pytest

from generator.engine import parallel
from generator.engine.parallel import Forked


@pytest.fixture(autouse=True)
def two_cores(monkeypatch):
    monkeypatch.setattr(parallel, "cores", lambda: 2)  # fork even on a one-core runner


def test_a_forked_result_is_the_one_made_here():
    data = [(n, str(n) * 3) for n in range(10_000)]
    with Forked(lambda: {n: text for n, text in data}) as forked:
        assert forked.result() == dict(data)


def test_a_result_larger_than_a_pipe_holds_comes_back_whole():
    with Forked(lambda: os.urandom(1 << 20).hex()) as forked:
        assert len(forked.result()) == 2 << 20


def test_a_failed_child_is_made_here_and_fails_with_its_own_error():
    parent = os.getpid()

    def fails_in_the_child():
        if os.getpid() != parent:
            raise RuntimeError("only in the child")
        return "made here"

    with Forked(fails_in_the_child) as forked:
        assert forked.result() == "made here"

    with Forked(lambda: 1 / 0) as forked, pytest.raises(ZeroDivisionError):
        forked.result()


def test_ready_says_whether_the_result_would_wait(tmp_path):
    go = tmp_path / "go"

    def when_told():
        while not go.exists():
            time.sleep(0.01)
        return "done"

    with Forked(when_told) as forked:
        assert not forked.ready()
        time.sleep(0.2)
        assert not forked.ready()  # still waiting for the file
        go.touch()
        deadline = time.monotonic() + 30
        while not forked.ready():
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert forked.result() == "done"
        assert forked.ready()


def test_ready_without_a_child_is_true_and_the_result_made_here(monkeypatch):
    monkeypatch.setattr(parallel, "cores", lambda: 1)
    with Forked(os.getpid) as forked:
        assert forked.ready()
        assert forked.result() == os.getpid()


def test_leaving_the_block_stops_a_child_whose_result_was_not_asked_for():
    with Forked(lambda: time.sleep(600)) as forked:
        pid = forked._pid
        assert pid is not None
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # already reaped: not left running, nor a zombie


def test_with_another_thread_running_nothing_is_forked():
    # serve's web server runs in a thread: a fork could copy a lock that thread holds.
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        with Forked(os.getpid) as forked:
            assert forked._pid is None
            assert forked.result() == os.getpid()
        assert list(parallel.fork_map(lambda n: os.getpid(), [1, 2, 3])) == [os.getpid()] * 3
    finally:
        stop.set()
        thread.join()


def test_a_fork_that_fails_leaves_no_open_pipe_and_the_result_is_made_here(monkeypatch):
    def no_fork():
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_fork)
    before = len(os.listdir("/proc/self/fd"))
    with Forked(lambda: "made here") as forked:
        assert forked.result() == "made here"
    assert len(os.listdir("/proc/self/fd")) == before


def test_a_worker_started_after_its_build_was_killed_exits_at_once():
    # A worker asks Linux to kill it with its build; if the build was killed before it could
    # ask, it must not wait for tasks forever (it holds the build's lock, inherited).
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the worker
        parallel._PARENT = os.getppid() + 1  # the build that started it: gone
        parallel._start()
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 1

"""Problems found in the input, and the report that collects them.

Bad input never stops a build: each stage turns it into a ``Problem`` (the
file, what was wrong, what to do about it) and carries on with the rest.
The ``Report`` gathers problems, counters and per-stage timings, and decides
the exit status at the end.
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TextIO

#: Stages with fewer items than this show no progress.
PROGRESS_MIN = 500


class Severity(StrEnum):
    """How bad a problem is.

    ``ERROR``: the input was skipped (nothing from it reached the archive).
    ``WARNING``: the input was used, with a caveat the archivist should know.
    """

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one input."""

    path: str
    """The file (or ``file:line``) the problem is in, as the user would type it."""
    stage: str
    """The stage that found it: ``config``, ``import``, ``store``, ``check``, ``site``, ``search``."""
    reason: str
    """What is wrong, in one sentence."""
    hint: str = ""
    """What to do about it, if there is something to do."""
    severity: Severity = Severity.ERROR
    again: bool = field(default=False, compare=False)
    """The input could not be read (a permission, say): read it again next time, even if its
    stat is the same (making a file readable changes no size, time or inode)."""

    def line(self) -> str:
        """The problem as one line of text, whatever its parts hold (``printable``)."""
        text = f"{self.severity.value}: {self.path}: {self.reason}"
        if self.hint:
            text += f" ({self.hint})"
        return printable(text)


class BuildInterrupted(Exception):
    """A fatal condition that ends the run with a message and no traceback."""


@dataclass(slots=True)
class Report:
    """Collects problems, counts and timings over one run.

    Problems are printed as they arrive (one line each, on ``stream``) so that a
    long build shows them early; the summary comes at the end.
    """

    stream: TextIO | None = None
    problems: list[Problem] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    timings: dict[str, float] = field(default_factory=dict)
    skipped: bool = False
    """True when a build found nothing changed since the last one and did nothing."""
    _last_bar: float = 0.0
    _seen: set[Problem] = field(default_factory=set)

    def add(self, problem: Problem) -> None:
        """Report ``problem``, once: a build reads the store twice (to import, then to
        build the site), and a broken file is one problem, not two."""
        if problem in self._seen:
            return
        self._seen.add(problem)
        self.problems.append(problem)
        if self.stream is not None:
            print(problem.line(), file=self.stream, flush=True)

    def error(self, path: str | Path, stage: str, reason: str, hint: str = "") -> None:
        self.add(Problem(str(path), stage, reason, hint, Severity.ERROR))

    def warning(self, path: str | Path, stage: str, reason: str, hint: str = "") -> None:
        self.add(Problem(str(path), stage, reason, hint, Severity.WARNING))

    def progress(self, stage: str, done: int, total: int) -> None:
        """Show how far a long stage has got (a bar on a terminal, a line per tenth otherwise)."""
        if self.stream is None or total < PROGRESS_MIN:
            return
        if self.stream.isatty():
            now = time.monotonic()
            if done != total and now - self._last_bar < 0.1:
                return
            self._last_bar = now
            width = 30
            filled = width * done // total
            end = "\n" if done == total else ""
            print(f"\r{stage:>14} [{'#' * filled}{'.' * (width - filled)}] "
                  f"{done}/{total}", end=end, file=self.stream, flush=True)
        elif done == total or done * 10 // total != (done - 1) * 10 // total:
            print(f"{stage}: {done}/{total} ({done * 100 // total}%)", file=self.stream, flush=True)

    def count(self, what: str, n: int = 1) -> None:
        self.counts[what] += n

    @contextmanager
    def timed(self, stage: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings[stage] = self.timings.get(stage, 0.0) + time.perf_counter() - start

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.WARNING]

    def exit_status(self, strict: bool) -> int:
        """0 unless ``strict`` and something was wrong (any error or warning)."""
        return 1 if strict and self.problems else 0


def stderr_report() -> Report:
    return Report(stream=sys.stderr)


def shown(path: str | Path) -> str:
    """``path`` for a message: relative to the current folder when inside it, and
    ``printable``. Never raises: the path is not resolved (a link in a loop, a name that is
    not UTF-8 or holds a NUL are shown as they are)."""
    try:
        text = os.fsdecode(path)
        full, here = os.path.abspath(text), os.getcwd()
        if full == here:
            text = "."
        elif full.startswith(os.path.join(here, "")):
            text = full[len(here) + 1:]
    except (OSError, ValueError, TypeError):  # a folder gone, a NUL in the name
        text = str(path)
    return printable(text)


_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    """``text`` safe to print as (part of) one line on a terminal: each character that is
    not printable (a control character such as a newline or an escape sequence's
    ``\\x1b``, a format character such as a right-to-left override, and each byte of a name
    that is not UTF-8, which Python holds as a lone surrogate) is written as its escape:
    ``evil\\x1b[31mRED.txt``, ``bad\\xff\\xfe.txt``, ``two\\nlines``. Printing the result
    again gives the same text (nothing printable is escaped, a backslash included)."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else _escaped(ch) for ch in text)


def _escaped(ch: str) -> str:
    code = ord(ch)
    if ch in _ESCAPES:
        return _ESCAPES[ch]
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (``surrogateescape``)
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"

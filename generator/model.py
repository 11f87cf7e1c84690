"""The archive model: every statement, sorted and indexed, checked as a whole.

``build_archive`` is pure: it takes the statements read from the store and
returns an ``Archive`` with nothing left to compute at render time. Problems
that only show across files (two files with one id, one capture in two
statements) are reported here, each listing every file involved.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from .documents import Statement
from .problems import Report, shown

STAGE = "check"


def sort_key(statement: Statement) -> tuple[str, str]:
    """Archive order: by date, then by id (ids start with the date, so this is stable)."""
    return (statement.date.isoformat(), statement.id)


@dataclass(frozen=True, slots=True)
class Archive:
    statements: tuple[Statement, ...]
    """Every statement, oldest first."""


def _where(statement: Statement) -> str:
    return shown(statement.path) if statement.path else statement.id


def build_archive(statements: Iterable[Statement], report: Report) -> Archive:
    """Sort the statements and drop (and report) those whose id another file already uses."""
    by_id: dict[str, list[Statement]] = defaultdict(list)
    for statement in statements:
        # Ids are compared without case: two files differing only in case would be one
        # file on Windows and macOS disks.
        by_id[statement.id.casefold()].append(statement)
    kept = []
    for key in sorted(by_id):
        group = sorted(by_id[key], key=lambda s: str(s.path))
        kept.append(group[0])
        if len(group) > 1:
            report.error(
                ", ".join(_where(s) for s in group[1:]), STAGE,
                f"id {group[0].id!r} is already used by {_where(group[0])}; "
                "these files were left out of the site",
                "give each statement its own id",
            )
    by_capture: dict[str, list[Statement]] = defaultdict(list)
    for statement in kept:
        for capture in statement.captures:
            by_capture[capture.sha256].append(statement)
    for sha, holders in sorted(by_capture.items()):
        if len({s.id for s in holders}) > 1:
            report.warning(
                ", ".join(sorted(_where(s) for s in holders)), STAGE,
                f"the same capture (sha256 {sha[:12]}…) is listed by {len(holders)} statements",
                "if they are one statement, merge the files and delete the others",
            )
    return Archive(statements=tuple(sorted(kept, key=sort_key)))

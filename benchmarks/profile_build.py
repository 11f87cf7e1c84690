"""Where a build's time goes: wall and CPU seconds of each of its steps.

    .venv/bin/python benchmarks/profile_build.py ARCHIVE_FOLDER [--no-search]

Runs ``generator.build.build`` in this process on the archive in ARCHIVE_FOLDER (its
``config.yaml``), as ``python -m generator build`` does, and prints for each step the
wall seconds and the CPU seconds (user + system) of this process and of the child
processes it waited for in that step (forked page workers, Pagefind): a child's CPU
counts in the step that reaped it. Then the build's own timed stages (``Report.timed``).
For a cold build, remove the archive's ``statements/``, ``site/``, ``.cache/`` and
``.site.previous`` first. The machine's load changes the wall times, not the CPU times.

To profile another commit, put its code first (``PYTHONPATH=benchmarks/work/generator-<sha>``,
the snapshots ``ab.py`` makes). Code from before the build was split into named steps
(``generator.pipeline``) is profiled as a whole, with its timed stages.
"""

from __future__ import annotations

import os
import resource
import sys
import time
from pathlib import Path


def cpu() -> tuple[float, float]:
    own, children = (resource.getrusage(resource.RUSAGE_SELF),
                     resource.getrusage(resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


STEPS = ("write_statement_pages", "start_offline_index", "write_other_pages",
         "write_data_package", "write_offline_index", "stage", "finish_search_index", "swap")


def main(argv: list[str]) -> int:
    from generator.config import load_config
    from generator.problems import Report

    try:
        from generator import build as pipeline
        from generator.build import site_stage
    except ImportError:  # the code before the named steps: the build as a whole
        from generator import pipeline  # type: ignore[no-redef]
        site_stage = None

    rows: list[tuple[str, float, float, float]] = []

    def timed(owner: object, name: str, label: str) -> None:
        function = getattr(owner, name)

        def wrapper(*args: object, **kwargs: object) -> object:
            start, (own, children) = time.perf_counter(), cpu()
            try:
                return function(*args, **kwargs)
            finally:
                own_after, children_after = cpu()
                rows.append((label, time.perf_counter() - start, own_after - own,
                             children_after - children))

        setattr(owner, name, wrapper)

    if site_stage is not None:
        timed(pipeline.importer, "import_sources", "import (captures to the store)")
        timed(pipeline, "load_archive", "read the store, issuers, model")
        for step in STEPS:
            if hasattr(site_stage.SiteStage, step):  # (an older commit may lack one)
                timed(site_stage.SiteStage, step, step)
    os.chdir(argv[0])
    report = Report()
    config = load_config(Path("config.yaml"), {}, report)
    start = time.perf_counter()
    pipeline.build(config, report, search="--no-search" not in argv, keep=[])
    wall = time.perf_counter() - start
    own, children = cpu()
    print(f"{'step':34} {'wall s':>7} {'CPU s':>6} {'children CPU s':>15}")
    for label, step_wall, step_own, step_children in rows:
        print(f"{label:34} {step_wall:7.1f} {step_own:6.1f} {step_children:15.1f}")
    print(f"{'whole build':34} {wall:7.1f} {own:6.1f} {children:15.1f}")
    own_use, children_use = (resource.getrusage(resource.RUSAGE_SELF),
                             resource.getrusage(resource.RUSAGE_CHILDREN))
    print(f"  user and system: own {own_use.ru_utime:.1f} + {own_use.ru_stime:.1f}, "
          f"children {children_use.ru_utime:.1f} + {children_use.ru_stime:.1f}")
    print(f"load average {os.getloadavg()[0]:.1f}; {len(report.errors)} errors; timed stages:")
    for stage, seconds in report.timings.items():
        print(f"  {stage:32} {seconds:7.2f}")
    return 0


if __name__ == "__main__":
    # This checkout's code, unless PYTHONPATH names another (a snapshot of a commit).
    sys.path.insert(0 if not os.environ.get("PYTHONPATH") else len(sys.path),
                    str(Path(__file__).resolve().parent.parent))
    raise SystemExit(main(sys.argv[1:]))

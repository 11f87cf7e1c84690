"""Command line: ``python -m generator {build,serve,import,check,init}``.

This module only turns arguments into a configuration, runs a pipeline
function and turns the report into messages and an exit status:

- 0: done (problems, if any, were reported and skipped; see ``--strict``);
- 1: problems were found and ``--strict`` was given (``check``: any problem);
- 2: the command could not run at all (bad arguments, bad config, unsafe output folder);
  ``check`` says 1 for a configuration it cannot use: that is a problem it found.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__, build
from .config import SiteConfig, load_config
from .problems import BuildInterrupted, Report, printable, shown


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, default=Path("config.yaml"), metavar="PATH",
                        help="the configuration file (default: ./config.yaml)")
    parser.add_argument("--strict", action="store_true",
                        help="exit with status 1 if any problem (error or warning) was reported")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m generator",
        description="Turn captured official statements into a browsable, searchable archive.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build_cmd = commands.add_parser(
        "build", help="import sources, then build the site (and its search index)",
        description="Import new captures into the Markdown store, then build the site into the "
                    "output folder, with its search index.",
    )
    _common(build_cmd)
    build_cmd.add_argument("--out", type=Path, metavar="DIR",
                       help="the output folder (default: output_dir from the config)")
    build_cmd.add_argument("--base-url", metavar="URL",
                       help="the URL the site is published at (default: base_url from the config)")
    build_cmd.add_argument("--no-search", action="store_true",
                       help="skip the search index (faster; the search page will say it is off)")

    serve = commands.add_parser(
        "serve", help="build, then serve the site on 127.0.0.1 and rebuild on changes",
        description="Build the site, serve it at http://127.0.0.1:PORT under the path of its "
                    "base URL (as GitHub Pages will), and rebuild whenever the sources, the "
                    "Markdown store, the templates or the configuration change.",
    )
    _common(serve)
    serve.add_argument("--out", type=Path, metavar="DIR", help="the output folder")
    serve.add_argument("--base-url", metavar="URL", help="the URL the site will be published at")
    serve.add_argument("--no-search", action="store_true", help="skip the search index")
    serve.add_argument("--port", type=int, default=8000, help="the port (default: 8000)")

    imp = commands.add_parser(
        "import", help="import sources into the Markdown store only",
        description="Parse every capture in the source folder and write one Markdown file per "
                    "statement into the content folder. Files edited by hand are kept.",
    )
    _common(imp)

    init = commands.add_parser(
        "init", help="make a new archive in a new or empty folder",
        description="Make a new archive in PATH (a new or empty folder): config.yaml with every "
                    "key explained, an empty content/sources/, a starter content/issuers.yaml, "
                    "a .gitignore, requirements.txt and the GitHub Pages workflow.",
    )
    init.add_argument("path", type=Path, metavar="PATH", help="the new archive's folder")

    check = commands.add_parser(
        "check", help="validate the captures and the Markdown store; exit 1 on any problem",
        description="Read every capture, every file of the Markdown store and the site's "
                    "static files, writing nothing, and report every problem a build would: "
                    "files that cannot be read or used, ids used twice, captures listed "
                    "twice, an output folder a build would refuse.",
    )
    _common(check)
    return parser


def _config(args: argparse.Namespace, report: Report) -> SiteConfig:
    overrides = {
        "output_dir": str(args.out) if getattr(args, "out", None) else None,
        "base_url": getattr(args, "base_url", None),
    }
    return load_config(args.config, overrides, report)


def _summary(command: str, report: Report) -> str:
    if report.skipped:
        problems = len(report.problems)
        return (f"{command}: nothing changed since the last build, so the site is as it was"
                + (f" ({problems} problem{'s' * (problems != 1)} reported then, repeated above)."
                   if problems else "."))
    counts = report.counts
    parts = [f"{n} {what}" for what, n in sorted(counts.items())]
    if report.timings:
        parts.append(f"{sum(report.timings.values()):.1f} s")
    errors, warnings = len(report.errors), len(report.warnings)
    parts.append(f"{errors} error{'s' * (errors != 1)} (skipped)")
    parts.append(f"{warnings} warning{'s' * (warnings != 1)}")
    return f"{command}: " + ", ".join(parts) + "."


def _serve(config: SiteConfig, args: argparse.Namespace) -> int:  # pragma: no cover - interactive
    from . import serve

    def load() -> SiteConfig:  # read again before every rebuild: it may have changed
        return _config(args, Report(stream=sys.stderr))

    def rebuild(config: SiteConfig) -> None:
        report = Report(stream=sys.stderr)
        build.build(config, report, search=not args.no_search)
        print(_summary("build", report), flush=True)

    serve.run(config, load, rebuild, args.port)
    return 0


def _init(path: Path) -> int:
    from . import starter

    written = starter.create(path)
    for made in written:
        print(f"wrote {shown(made)}")
    folder = shown(path)
    print(f"\nA new archive in {folder}. Put captures in {folder}/content/sources/, then, "
          f"from {folder}:\n    python -m generator build    # the site, in site/\n"
          "    python -m generator serve    # a preview that follows your edits")
    requirement = (path / "requirements.txt").read_text(encoding="utf-8")
    if not any(line and not line.startswith("#") for line in requirement.splitlines()):
        print(f"To publish on GitHub Pages, name the generator in {folder}/requirements.txt "
              "(see its comments): the workflow installs what it names.")
    return 0


class Terminated(Exception):
    """SIGTERM arrived: stop the way Ctrl-C does (cleaning up, leaving the old site)."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise Terminated()


#: What the last ``build`` command loaded, held until the process ends: ``python -m
#: generator`` exits without freeing it (``build.build``'s ``keep``).
_kept: list[object] = []


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(make_parser().parse_args(argv))
    except KeyboardInterrupt:
        print("interrupted: nothing was published; the previous site is unchanged", file=sys.stderr)
        return 130
    except Terminated:
        print("terminated: nothing was published; the previous site is unchanged", file=sys.stderr)
        return 143


def _main(args: argparse.Namespace) -> int:
    report = Report(stream=sys.stderr)
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        if args.command == "init":
            return _init(args.path)
        config = _config(args, report)
        if args.command == "import":
            build.import_sources(config, report)
        elif args.command == "check":
            build.check(config, report)
        elif args.command == "serve":
            return _serve(config, args)
        else:
            global _kept
            _kept = []
            build.build(config, report, search=not args.no_search, keep=_kept)
    except BuildInterrupted as exc:
        print(f"error: {printable(str(exc))}", file=sys.stderr)
        # `check` found a problem (a configuration it cannot use, say): its answer is 1.
        return 1 if args.command == "check" else 2
    print(_summary(args.command, report))
    if args.command == "build":
        print(f"site: {shown(config.output_dir)}")
    if args.command == "check":
        return 1 if report.problems else 0
    return report.exit_status(args.strict)

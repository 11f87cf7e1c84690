"""``python -m generator serve``: preview the site on 127.0.0.1, under its base path.

The site is served at the path of ``base_url`` (``/repo/`` for a GitHub
project site), exactly as it will be published, so that a link that only
works at the root shows up here. The server rebuilds when a capture, a
Markdown file, a template, a static file, the issuer list or the configuration
changes (``watch``), and the open pages reload themselves or show the error of
a rebuild that failed (``reload``).
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import io
import os
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..config import SiteConfig
from ..problems import BuildInterrupted, printable, shown
from ..site.urls import base_path
from . import reload, watch

_TYPES = {".wasm": "application/wasm", ".js": "text/javascript", ".xml": "application/xml",
          ".json": "application/json", ".bib": "text/plain; charset=utf-8",
          ".ris": "text/plain; charset=utf-8", ".csv": "text/csv; charset=utf-8"}


class _Handler(http.server.SimpleHTTPRequestHandler):
    prefix = "/"

    def __init__(self, *args, directory: str, prefix: str, quiet: bool,
                 live: reload.LiveReload | None = None, **kwargs) -> None:
        self.prefix = prefix
        self.quiet = quiet
        self.live = live
        super().__init__(*args, directory=directory, **kwargs)

    def guess_type(self, path):  # type: ignore[no-untyped-def]
        return _TYPES.get(os.path.splitext(str(path))[1].lower()) or super().guess_type(path)

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def _in_prefix(self) -> str | None:
        path = unquote(urlsplit(self.path).path)
        if path == self.prefix.rstrip("/"):
            return ""
        return path[len(self.prefix):] if path.startswith(self.prefix) else None

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if self.live is not None and path == reload.EVENTS:
            self._events()
        else:
            super().do_GET()

    def send_head(self):  # type: ignore[no-untyped-def]
        if self.live is not None and urlsplit(self.path).path == reload.SCRIPT:
            return self._bytes(200, reload.script(), "text/javascript; charset=utf-8")
        rest = self._in_prefix()
        if rest is None:
            if urlsplit(self.path).path == "/":
                self.send_response(302)
                self.send_header("Location", self.prefix)
                self.end_headers()
                return None
            return self._not_found()
        query = urlsplit(self.path).query
        self.path = "/" + rest + (f"?{query}" if query else "")
        target = Path(self.translate_path(self.path))
        if not target.exists():
            return self._not_found()
        if self.live is not None and self.path.split("?")[0].endswith("/"):
            target = target / "index.html"
        if self.live is not None and target.suffix == ".html" and target.is_file():
            return self._bytes(200, self.live.tag_for(target.read_bytes()),
                               "text/html; charset=utf-8")
        return super().send_head()

    def _bytes(self, status: int, body: bytes, kind: str):  # type: ignore[no-untyped-def]
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)

    def _not_found(self):  # type: ignore[no-untyped-def]
        page = Path(self.directory) / "404.html"
        body = page.read_bytes() if page.is_file() else b"Not found"
        if self.live is not None:
            body = self.live.tag_for(body, found=False)
        self._bytes(404, body, "text/html; charset=utf-8")
        if self.command != "HEAD":
            self.wfile.write(body)
        return None

    def _events(self) -> None:
        """One page's stream of server-sent events (``reload.LiveReload.stream``)."""
        assert self.live is not None
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()

        def send(text: str) -> None:
            self.wfile.write(text.encode("utf-8"))
            self.wfile.flush()

        with contextlib.suppress(OSError):  # the page went away
            self.live.stream(urlsplit(self.path).query, send)

    def log_message(self, format: str, *args: object) -> None:
        if not self.quiet:
            super().log_message(format, *args)


def make_server(site_dir: Path, prefix: str = "/", port: int = 0, *, quiet: bool = True,
                live: reload.LiveReload | None = None) -> http.server.ThreadingHTTPServer:
    """A server of ``site_dir`` at ``http://127.0.0.1:PORT{prefix}`` (port 0: any free one);
    with ``live``, its pages reload themselves after a rebuild."""
    handler = functools.partial(_Handler, directory=str(site_dir), prefix=prefix, quiet=quiet,
                                live=live)
    return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)


@contextmanager
def serving(site_dir: Path, prefix: str = "/") -> Iterator[str]:
    """Serve ``site_dir`` in a thread for the ``with`` block; yield the site's URL."""
    server = make_server(site_dir, prefix)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{prefix}"
    finally:
        server.shutdown()
        server.server_close()


Load = Callable[[], SiteConfig]
Build = Callable[[SiteConfig], None]


def _rebuilt(load: Load, build: Build, live: reload.LiveReload) -> SiteConfig | None:
    """Build once more, with the configuration read again; tell the open pages how it went.
    Returns the configuration (None: it could not be read)."""
    config = None
    try:
        config = load()
        build(config)
    except BuildInterrupted as exc:
        print(f"error: {printable(str(exc))}", file=sys.stderr, flush=True)
        live.failed(str(exc))
    except Exception as exc:  # a bug: said, shown, and serve goes on
        traceback.print_exc()
        live.failed(f"{type(exc).__name__}: {exc} (a bug in the generator: the traceback "
                    "is in the terminal)")
    else:
        live.built()
    return config


def run(config: SiteConfig, load: Load, build: Build, port: int) -> None:  # pragma: no cover
    """Build ``config``'s site and serve it until interrupted; on every change of an input,
    read the configuration again (``load``) and ``build`` again."""
    prefix = base_path(config.base_url)
    live = reload.LiveReload(config.output_dir, prefix)
    _rebuilt(lambda: config, build, live)
    server = make_server(config.output_dir, prefix, port, quiet=False, live=live)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    print(f"serving {config.output_dir} at http://127.0.0.1:{server.server_address[1]}{prefix}"
          " (Ctrl-C to stop)", flush=True)
    try:
        _watch(config, load, build, live)
    finally:
        live.stop()
        server.shutdown()
        server.server_close()


def _watch(config: SiteConfig, load: Load, build: Build, live: reload.LiveReload
           ) -> None:  # pragma: no cover - interactive
    """Rebuild on every batch of changes until interrupted."""
    watcher = watch.Watcher(config)
    try:
        watcher.ready()
        while True:
            changes = watcher.changes()
            print(f"changed: {shown(sorted(changes)[0])}"
                  + (f" and {len(changes) - 1} more" if len(changes) > 1 else "")
                  + "; rebuilding", flush=True)
            config = _rebuilt(load, build, live) or config
            if watch.watched(config) != watcher.what:  # a folder made or moved: watch anew
                watcher.close()
                watcher = watch.Watcher(config)
                watcher.ready()
                config = _rebuilt(load, build, live) or config  # what changed meanwhile
    finally:
        watcher.close()

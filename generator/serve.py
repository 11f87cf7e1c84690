"""``python -m generator serve``: preview the site on 127.0.0.1, under its base path.

The site is served at the path of ``base_url`` (``/repo/`` for a GitHub
project site), exactly as it will be published, so that a link that only
works at the root shows up here. The server rebuilds when the content, the
templates, the theme or the configuration change.
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .config import SiteConfig
from .site.urls import base_path

_TYPES = {".wasm": "application/wasm", ".js": "text/javascript", ".xml": "application/xml",
          ".json": "application/json", ".bib": "text/plain; charset=utf-8",
          ".ris": "text/plain; charset=utf-8", ".csv": "text/csv; charset=utf-8"}


class _Handler(http.server.SimpleHTTPRequestHandler):
    prefix = "/"

    def __init__(self, *args, directory: str, prefix: str, quiet: bool, **kwargs) -> None:
        self.prefix = prefix
        self.quiet = quiet
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

    def send_head(self):  # type: ignore[no-untyped-def]
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
        return super().send_head()

    def _not_found(self):  # type: ignore[no-untyped-def]
        page = Path(self.directory) / "404.html"
        body = page.read_bytes() if page.is_file() else b"Not found"
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        return None

    def log_message(self, format: str, *args: object) -> None:
        if not self.quiet:
            super().log_message(format, *args)


def make_server(site_dir: Path, prefix: str = "/", port: int = 0, *, quiet: bool = True
                ) -> http.server.ThreadingHTTPServer:
    """A server of ``site_dir`` at ``http://127.0.0.1:PORT{prefix}`` (port 0: any free one)."""
    handler = functools.partial(_Handler, directory=str(site_dir), prefix=prefix, quiet=quiet)
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


def watched_state(config: SiteConfig) -> tuple[tuple[str, int, int], ...]:
    """Modification times of everything a build reads (to know when to rebuild)."""
    roots = [config.source_dir, config.content_dir, config.root / "templates",
             config.root / "static", config.root / "themes"]
    files = [p for p in (config.config_path, getattr(config, "issuers_file", None)) if p]
    state = []
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            files.extend(Path(dirpath, n) for n in sorted(filenames) if not n.startswith("."))
    for path in files:
        try:
            st = Path(path).stat()
        except OSError:
            continue
        state.append((str(path), st.st_mtime_ns, st.st_size))
    return tuple(state)


def run(config: SiteConfig, rebuild: Callable[[], None], port: int,
        interval: float = 1.0) -> None:  # pragma: no cover - interactive
    """Serve until interrupted, calling ``rebuild`` whenever an input changes."""
    prefix = base_path(config.base_url)
    server = make_server(config.output_dir, prefix, port, quiet=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    print(f"serving {config.output_dir} at http://127.0.0.1:{server.server_address[1]}{prefix}"
          " (Ctrl-C to stop)", flush=True)
    state = watched_state(config)
    try:
        while True:
            time.sleep(interval)
            now = watched_state(config)
            if now != state:
                state = now
                print("change detected: rebuilding", flush=True)
                rebuild()
                state = watched_state(config)
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
        server.server_close()

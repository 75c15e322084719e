"""``athar serve``: a preview server that knows nothing about the site.

It is handed a ``rebuild`` callable (MkDocs' habit), serves the output
folder read-only, and tells open pages to reload through a tiny
server-sent-events endpoint when a rebuild finished.  A failed rebuild
keeps the last good site served and shows its errors on every page.
Only files inside the output folder are ever served: the URL path is
decoded, normalised, and the resolved file (symlinks followed) must lie
inside the folder, else 404.
"""

from __future__ import annotations

import html
import mimetypes
import posixpath
import queue
import sys
import threading
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable
from urllib.parse import unquote, urlsplit

EVENTS_PATH = "/__athar__/events"
RELOAD_PATH = "/__athar__/reload.js"

_RELOAD_JS = b"""(function () {
  var seen = null;
  var source = new EventSource("/__athar__/events");
  source.onmessage = function (e) {
    if (seen === null) { seen = e.data; return; }
    if (e.data !== seen) { location.reload(); }
  };
})();
"""

_TEXT_TYPES = {"text/html", "text/css", "text/plain", "text/xml", "text/csv", "text/javascript",
               "application/javascript", "application/json", "application/xml", "image/svg+xml",
               "application/atom+xml", "application/geo+json", "application/ld+json"}
_EXTRA_TYPES = {".woff2": "font/woff2", ".woff": "font/woff", ".js": "text/javascript", ".json": "application/json",
                ".geojson": "application/geo+json", ".atom": "application/atom+xml", ".xml": "application/xml",
                ".csv": "text/csv", ".bib": "text/plain", ".svg": "image/svg+xml", ".webmanifest": "application/manifest+json"}


@dataclass
class PreviewState:
    """What the server shows: the site folder, the build generation, the last errors."""

    root: Path
    base_path: str = "/"
    generation: int = 0
    errors: str = ""
    live_reload: bool = True
    changed: threading.Condition = field(default_factory=threading.Condition)

    def finished(self, errors: str = "", base_path: str | None = None) -> None:
        """Record a finished rebuild and wake the pages waiting to reload."""
        with self.changed:
            self.generation += 1
            self.errors = errors
            if base_path:
                self.base_path = base_path
            self.changed.notify_all()


def content_type(path: Path) -> str:
    kind = _EXTRA_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if kind.startswith("text/") or kind in _TEXT_TYPES:
        kind += "; charset=utf-8"
    return kind


def resolve_request(root: Path, base_path: str, raw_path: str) -> Path | None:
    """Map a URL path to a file inside ``root``, or None (never outside it).

    The path is percent-decoded once (invalid UTF-8 raises
    UnicodeDecodeError); NUL, backslashes and any ``..`` segment are
    refused outright; the file is resolved with symlinks followed, and
    both a folder and its ``index.html`` must lie inside ``root``.
    """
    path = unquote(urlsplit(raw_path).path, errors="strict") if raw_path else "/"
    if "\x00" in path or "\\" in path:
        return None
    if not path.startswith(base_path):
        return None
    rel = path[len(base_path):]
    if any(part == ".." for part in rel.split("/")):
        return None
    rel = posixpath.normpath("/" + rel).lstrip("/")
    try:
        root_real = root.resolve()
        real = _inside(root_real, (root_real / rel) if rel not in ("", ".") else root_real)
        if real is not None and real.is_dir():
            real = _inside(root_real, real / "index.html")
        return real if real is not None and real.is_file() else None
    except (OSError, RuntimeError, ValueError):  # name too long, symlink loop, ...
        return None


def _inside(root_real: Path, target: Path) -> Path | None:
    """``target`` with symlinks resolved, if it stays inside ``root_real``."""
    real = target.resolve()
    return real if real == root_real or real.is_relative_to(root_real) else None


def make_handler(state: PreviewState) -> type[BaseHTTPRequestHandler]:
    """A request handler class bound to one preview state."""

    class Handler(BaseHTTPRequestHandler):
        server_version = "athar-preview"
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # quiet
            pass

        def do_HEAD(self) -> None:
            self._respond(head=True)

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            if path == EVENTS_PATH:
                self._events()
            elif path == RELOAD_PATH:
                self._send(HTTPStatus.OK, "text/javascript; charset=utf-8", _RELOAD_JS, False)
            else:
                self._respond(head=False)

        def _respond(self, head: bool) -> None:
            try:
                self._serve_file(head)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True
            except Exception as exc:  # noqa: BLE001 - one bad request must not stop the preview
                print(f"athar: preview: {type(exc).__name__}: {exc}", file=sys.stderr)
                self.close_connection = True

        def _serve_file(self, head: bool) -> None:
            url_path = urlsplit(self.path).path
            try:
                target = resolve_request(state.root, state.base_path, self.path)
            except UnicodeDecodeError:
                target = None
            if target is not None and not url_path.endswith("/") and target.name == "index.html" \
                    and not url_path.endswith("index.html"):
                self.send_response(HTTPStatus.MOVED_PERMANENTLY)
                self.send_header("Location", url_path + "/")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            status = HTTPStatus.OK
            if target is None:
                status = HTTPStatus.NOT_FOUND
                target = resolve_request(state.root, "/", "/404.html")
                if target is None:
                    if state.errors:  # no site yet: the errors are the page
                        self._send(HTTPStatus.INTERNAL_SERVER_ERROR, "text/html; charset=utf-8",
                                   _inject(_NO_SITE, state, built=False), head)
                    else:
                        self._send(status, "text/plain; charset=utf-8", b"404 not found\n", head)
                    return
            try:
                data = target.read_bytes()
            except OSError:
                self._send(HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", b"404 not found\n", head)
                return
            kind = content_type(target)
            if kind.startswith("text/html"):
                data = _inject(data, state)
            self._send(status, kind, data, head)

        def _send(self, status: HTTPStatus, kind: str, data: bytes, head: bool) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            if not head:
                self.wfile.write(data)

        def _events(self) -> None:
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/event-stream; charset=utf-8")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            try:
                seen = -1
                while True:
                    with state.changed:
                        if state.generation == seen:
                            state.changed.wait(timeout=15)
                        generation = state.generation
                    if generation != seen:
                        seen = generation
                        self.wfile.write(f"data: {generation}\n\n".encode())
                    else:
                        self.wfile.write(b": keep-alive\n\n")
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError, OSError):
                return

    return Handler


_NO_SITE = (b'<!DOCTYPE html>\n<html lang="en" dir="ltr"><head><meta charset="utf-8"><title>athar: build failed</title>'
            b'</head><body><h1>athar: the site could not be built</h1>'
            b'<p>Fix the problems below; this page reloads when the content changes.</p></body></html>\n')


def _inject(page: bytes, state: PreviewState, built: bool = True) -> bytes:
    """Add the live-reload script, and the last build's errors, to an HTML page."""
    extra = ""
    if state.errors:
        extra += ('<div id="athar-build-error" role="alert" dir="ltr" style="position:fixed;inset-block-end:0;'
                  'inset-inline:0;max-block-size:50vh;overflow:auto;background:#fff0f0;color:#600;'
                  'border-block-start:3px solid #c00;padding:1em;z-index:99;font:14px/1.4 monospace">'
                  '<strong>athar: the last rebuild failed; ' + ('showing the last good site.' if built else 'no site yet.')
                  + '</strong>'
                  f'<pre style="white-space:pre-wrap">{html.escape(state.errors)}</pre></div>')
    if state.live_reload:
        extra += f'<script src="{RELOAD_PATH}"></script>'
    if not extra:
        return page
    marker = page.rfind(b"</body>")
    if marker == -1:
        return page + extra.encode()
    return page[:marker] + extra.encode() + page[marker:]


class PreviewServer(ThreadingHTTPServer):
    """One thread per connection, so a slow client or an open reload stream blocks no one."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that went away is not an error worth a traceback."""
        kind = sys.exc_info()[0]
        if kind is not None and issubclass(kind, (ConnectionError, TimeoutError)):
            return
        print(f"athar: preview: request from {client_address} failed: {sys.exc_info()[1]}", file=sys.stderr)


def start_server(state: PreviewState, host: str = "127.0.0.1", port: int = 8000) -> PreviewServer:
    """Start serving in a background thread; returns the server (port 0 picks one)."""
    server = PreviewServer((host, port), make_handler(state))
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True,
                     name="athar-preview").start()
    return server


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def host_warning(host: str) -> str:
    """The warning printed when the preview listens beyond this machine ('' for loopback)."""
    if host in LOOPBACK:
        return ""
    everywhere = " (every network interface)" if host in ("0.0.0.0", "::", "") else ""
    return (f"athar: warning: listening on {host or '0.0.0.0'}{everywhere} makes the preview reachable from "
            "other machines; use the default 127.0.0.1 unless you mean to share it")


def watch_and_rebuild(paths: list[Path], rebuild: Callable[[set[Path], Callable[[], bool]], None],
                      stop: threading.Event) -> None:
    """Rebuild whenever files under ``paths`` change (debounced by watchfiles), naming the files.

    A thread watches and queues the changes, so that a rebuild can tell that
    newer ones wait (its second argument returns True then) and leave what
    they would redo anyway: a live update stops making the search and data
    files, and the next edit's pages are written at once, not seconds later.
    Changes queued meanwhile are applied together.
    """
    import watchfiles

    existing = [str(p) for p in paths if p.exists()]
    pending: queue.SimpleQueue[set[Path] | None] = queue.SimpleQueue()

    def watch() -> None:
        try:
            for changes in watchfiles.watch(*existing, stop_event=stop, debounce=200, step=50):
                pending.put({Path(path) for _, path in changes})
        finally:
            pending.put(None)  # stopped (or failed): the loop below ends too

    threading.Thread(target=watch, name="athar-watch", daemon=True).start()
    while (changed := _next_changes(pending, stop)) is not None:
        rebuild(changed, lambda: not pending.empty())


def _next_changes(pending: "queue.SimpleQueue[set[Path] | None]", stop: threading.Event) -> set[Path] | None:
    """Every change queued, merged, waiting for one; None once watching stopped."""
    changed: set[Path] | None = None
    while changed is None:
        if stop.is_set():
            return None
        try:
            changed = pending.get(timeout=0.5)  # a timeout: Ctrl-C is not held up by the wait
        except queue.Empty:
            continue
        if changed is None:
            return None
    while not pending.empty():
        more = pending.get()
        if more is None:
            return None
        changed |= more
    return changed


def _live_update(session, changed: set[Path], state: PreviewState,  # type: ignore[no-untyped-def]
                 interrupted: Callable[[], bool] | None = None) -> bool:
    """Rewrite just the pages an edit of articles touches; False when a full build is needed."""
    update = session.update(changed, pages_done=state.finished,  # pages first: the browser reloads now
                            interrupted=interrupted)
    if update is None:
        return False
    if update.untouched:  # an editor's temporary files only: the site is as it was
        return True
    files = ("search and data files left for the next edit, which came meanwhile" if update.interrupted
             else f"{len(update.extras_written)} data files, {update.total_seconds * 1000:.0f} ms in all")
    removed = f", removed {len(update.pages_removed)}" if update.pages_removed else ""
    print(f"athar: updated {len(update.pages_written)} of {update.pages_rendered} affected pages{removed} in "
          f"{update.pages_seconds * 1000:.0f} ms ({files})", file=sys.stderr)
    return True


def serve(options, host: str = "127.0.0.1", port: int = 8000, watch: bool = True) -> int:  # type: ignore[no-untyped-def]
    """Build, serve on ``host:port``, and rebuild on change until interrupted."""
    from builder.errors import ContentError
    from builder.incremental import Session

    warning = host_warning(host)
    if warning:
        print(warning, file=sys.stderr)
    from builder.write import check_output_dir
    templates = options.user_templates()
    check_output_dir(Path(options.output), [Path(options.content), *([templates] if templates else [])])
    state = PreviewState(Path(options.output))

    session = Session(options)

    def rebuild(changed: set[Path] | None = None, interrupted: Callable[[], bool] | None = None) -> None:
        try:
            if changed and _live_update(session, changed, state, interrupted):
                return
            result = session.build()
        except ContentError as exc:
            text = "\n".join(d.format() for d in exc.problems.sorted())
            print(text, file=sys.stderr)
            state.finished(errors=text)
            session.catch_up(interrupted)  # what an interrupted update left, for the pages still shown
            return
        except Exception as exc:  # noqa: BLE001 - keep serving the last good site
            state.finished(errors=f"{type(exc).__name__}: {exc}")
            print(f"athar: rebuild failed: {exc}", file=sys.stderr)
            return
        base = result.corpus.settings.base_path if result.corpus else "/"
        print(f"athar: rebuilt ({result.files} files)", file=sys.stderr)
        state.finished(base_path=base)

    rebuild()
    try:
        server = start_server(state, host, port)
    except OSError as exc:
        from builder.errors import UsageError
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}; choose another --port") from exc
    shown_host = f"[{host}]" if ":" in host else host
    print(f"athar: serving {options.output} at http://{shown_host}:{server.server_address[1]}{state.base_path}"
          " (Ctrl-C to stop)", file=sys.stderr)
    stop = threading.Event()
    try:
        if watch:
            sources = [Path(options.content)]
            templates = options.user_templates()
            if templates:
                sources.append(templates)
            watch_and_rebuild(sources, rebuild, stop)
        else:
            threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.shutdown()
    return 0

"""Helpers for athar's end-to-end tests.

These wrap the external checkers the test-suite relies on so that each test
can say *what* it checks in one line:

* :func:`vnu_errors` -- the W3C Nu HTML Checker (``vnu.jar``, from the npm
  package ``vnu-jar`` in ``tests/js``; needs ``java``).
* :func:`serve_directory` -- a throw-away static HTTP server on 127.0.0.1
  that can mount a directory under a URL prefix (like a project page that
  lives under ``/athar/``).
* :func:`broken_links` -- LinkChecker (from this venv), recursive, internal
  links only, with fragment (``#anchor``) checking.
* :func:`chromium_args` / :data:`AXE_JS` -- what Playwright needs to drive
  Debian's Chromium and inject axe-core.

Every helper fails loudly (``RuntimeError``) when its tool is missing or
crashes: a check that cannot run must never look like a check that passed.
``./dev test`` installs all of the tools.
"""

from __future__ import annotations

import contextlib
import csv
import importlib.util
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

REPO: Path = Path(__file__).resolve().parents[1]
"""The repository root."""

JS_DIR: Path = REPO / "tests" / "js"
VNU_JAR: Path = JS_DIR / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
"""The Nu HTML Checker, installed by ``npm ci`` in ``tests/js``."""

AXE_JS: Path = JS_DIR / "node_modules" / "axe-core" / "axe.min.js"
"""axe-core, to inject with ``page.add_script_tag(path=AXE_JS)``."""

CHROMIUM: Path = Path("/usr/bin/chromium")
"""Debian's Chromium (package ``chromium``); Playwright drives it directly."""

_INSTALL_HINT = "run the tests through `./dev test`, which installs it"


# --------------------------------------------------------------------------
# Nu HTML Checker
# --------------------------------------------------------------------------


def _vnu_location(url: str) -> str:
    """Turn a ``file:/...`` URL from vnu's report into a plain path."""
    if url.startswith("file:"):
        return unquote(urlsplit(url).path)
    return url


def vnu_errors(paths: Sequence[Path]) -> list[str]:
    """Validate HTML files (or directories of them) with the Nu HTML Checker.

    Runs ``java -jar vnu.jar --format json --errors-only --skip-non-html``
    on *paths* and returns one human-readable string per error,
    ``"FILE:LINE:COL: MESSAGE"``. Errors about the input itself (an
    unreadable file, for example: vnu's "non-document-error") are returned
    too, as ``"FILE: MESSAGE"``. An empty list means every document is valid.

    Raises:
        ValueError: if *paths* is empty.
        FileNotFoundError: if one of *paths* does not exist.
        RuntimeError: if ``java`` or ``vnu.jar`` is missing, or the checker
            crashes or prints something that is not its JSON report.
    """
    if not paths:
        raise ValueError("vnu_errors() needs at least one file or directory")
    for p in paths:
        if not Path(p).exists():
            raise FileNotFoundError(f"vnu_errors(): no such file or directory: {p}")
    java = shutil.which("java")
    if java is None:
        raise RuntimeError(f"`java` is not on PATH; the Nu HTML Checker needs it ({_INSTALL_HINT})")
    if not VNU_JAR.is_file():
        raise RuntimeError(f"{VNU_JAR} is missing ({_INSTALL_HINT})")

    cmd = [
        java,
        "-jar",
        str(VNU_JAR),
        "--format",
        "json",
        "--errors-only",
        "--skip-non-html",
        "--stdout",
        *(str(p) for p in paths),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8", timeout=600)
    # vnu exits 0 when clean and 1 when it reported errors; anything else
    # (or output that is not its report) means it did not run properly.
    try:
        report = json.loads(proc.stdout)
        messages = report["messages"]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise RuntimeError(
            f"vnu.jar did not produce a JSON report (exit {proc.returncode}).\n"
            f"command: {' '.join(cmd)}\nstdout:\n{proc.stdout[-4000:]}\nstderr:\n{proc.stderr[-4000:]}"
        ) from exc
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"vnu.jar exited {proc.returncode}\nstderr:\n{proc.stderr[-4000:]}")

    errors: list[str] = []
    for m in messages:
        kind = m.get("type")
        where = _vnu_location(m.get("url", "?"))
        text = " ".join(str(m.get("message", "")).split())
        if kind == "error":
            line = m.get("lastLine", m.get("firstLine", "?"))
            col = m.get("firstColumn", m.get("lastColumn", "?"))
            errors.append(f"{where}:{line}:{col}: {text}")
        elif kind == "non-document-error":
            errors.append(f"{where}: {text} ({m.get('subType', 'non-document-error')})")
    if proc.returncode == 1 and not errors:
        raise RuntimeError(
            f"vnu.jar exited 1 but reported no error:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
        )
    return errors


# --------------------------------------------------------------------------
# Static HTTP server
# --------------------------------------------------------------------------


class _PrefixedHandler(SimpleHTTPRequestHandler):
    """Serve ``root`` under a URL prefix, like a static host would.

    ``{prefix}x`` maps to ``root/x``; anything outside the prefix is 404.
    Directories serve their ``index.html`` (never a listing), and 404s use
    ``root/404.html`` as the body when the site has one.
    """

    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".html": "text/html; charset=utf-8",
        ".htm": "text/html; charset=utf-8",
        ".css": "text/css; charset=utf-8",
        ".js": "text/javascript; charset=utf-8",
        ".mjs": "text/javascript; charset=utf-8",
        ".json": "application/json",
        ".xml": "application/xml",
        ".txt": "text/plain; charset=utf-8",
        ".svg": "image/svg+xml",
        ".woff2": "font/woff2",
        ".woff": "font/woff",
        ".webmanifest": "application/manifest+json",
    }

    def __init__(self, *args: object, root: Path, prefix: str, **kwargs: object) -> None:
        self.site_root = root
        self.prefix = prefix
        super().__init__(*args, directory=str(root), **kwargs)  # type: ignore[arg-type]

    # The mapping: strip the prefix, let SimpleHTTPRequestHandler do the
    # rest (unquoting, dropping "..", index.html, redirecting "dir" to "dir/").
    def translate_path(self, path: str) -> str:
        rest = path[len(self.prefix) :] if path.startswith(self.prefix) else path
        return super().translate_path("/" + rest)

    def send_head(self):  # type: ignore[no-untyped-def]
        path = urlsplit(self.path).path
        if path == self.prefix.rstrip("/") and self.prefix != "/":
            self.send_response(HTTPStatus.MOVED_PERMANENTLY)
            self.send_header("Location", self.prefix)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        if not path.startswith(self.prefix):
            self.send_error(HTTPStatus.NOT_FOUND, "Outside the served prefix")
            return None
        return super().send_head()

    def list_directory(self, path: str | os.PathLike[str]):  # type: ignore[override]
        self.send_error(HTTPStatus.NOT_FOUND, "No index.html in this directory")
        return None

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = self.site_root / "404.html"
        if code == HTTPStatus.NOT_FOUND and page.is_file():
            body = page.read_bytes()
            self.send_response(code, message)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            return
        super().send_error(code, message, explain)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Keep test output quiet."""


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that hangs up mid-response (a browser cancelling a font
        # request, say) is not a test failure; don't spray tracebacks.
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


@contextlib.contextmanager
def serve_directory(root: Path, prefix: str = "/") -> Iterator[str]:
    """Serve *root* over HTTP on 127.0.0.1 (a free port) for the ``with`` block.

    ``http://127.0.0.1:PORT{prefix}x`` maps to ``root/x``; requests outside
    *prefix* get 404. Directories serve ``index.html``; missing files get
    404 with ``root/404.html`` as the body if the site has one.

    Yields the base URL including the prefix, e.g.
    ``"http://127.0.0.1:41234/sub/"``.
    """
    root = Path(root).resolve()
    if not root.is_dir():
        raise NotADirectoryError(f"serve_directory(): not a directory: {root}")
    prefix = "/" + prefix.strip("/") + "/" if prefix.strip("/") else "/"
    handler = partial(_PrefixedHandler, root=root, prefix=prefix)
    server = _QuietServer(("127.0.0.1", 0), handler)
    port = server.server_address[1]
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"serve:{port}", daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}{prefix}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# --------------------------------------------------------------------------
# LinkChecker
# --------------------------------------------------------------------------

_ANCHOR_NOT_FOUND = re.compile(r"Anchor `.*' \(decoded: `.*'\) not found", re.S)


# LinkChecker's CLI, run in this interpreter (the venv's), with one change:
# as root it drops its effective uid to "nobody" after reading its config,
# and from then on it cannot import its own lazily loaded modules when the
# venv lies under a directory only root may enter (/root/..., where a CI
# clone may live): the AnchorCheck plugin then silently does nothing. The
# tests gain nothing from that privilege drop (they only fetch from
# 127.0.0.1), so it is turned off.
_LINKCHECKER_MAIN = (
    "import sys\n"
    "import linkcheck.command.linkchecker as cli\n"
    "cli.drop_privileges = lambda: None\n"
    "sys.argv[0] = 'linkchecker'\n"
    "sys.exit(cli.linkchecker())\n"
)


def _linkchecker_cmd() -> list[str]:
    """The command that runs LinkChecker from this venv."""
    if importlib.util.find_spec("linkcheck") is None:
        raise RuntimeError(
            f"LinkChecker is not installed in {sys.prefix} (it is in the `test` extras; {_INSTALL_HINT})"
        )
    return [sys.executable, "-c", _LINKCHECKER_MAIN]


def broken_links(start_url: str, *, timeout: float = 600) -> list[str]:
    """Crawl *start_url* with LinkChecker and return the broken internal links.

    Only links on the same origin (scheme, host and port) as *start_url* are
    fetched and followed; every other URL (external sites, ``mailto:``) gets
    a syntax check only. Fragments are checked too (LinkChecker's
    AnchorCheck plugin): a link to ``page.html#missing`` is broken when
    ``page.html`` has no element with that id (or ``<a name>``).

    Returns one string per problem, ``"PARENT:LINE:COL: URL -- REASON"``
    (``PARENT`` is the page holding the link), sorted; ``[]`` when all
    links work.

    Raises:
        RuntimeError: if LinkChecker is missing or fails to run (its exit
            code 2, or output that is not its CSV report).
    """
    parts = urlsplit(start_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"broken_links() needs an http(s) URL, not {start_url!r}")
    origin = f"{parts.scheme}://{parts.netloc}/"
    base_cmd = _linkchecker_cmd()

    # Plugins are only enabled from a config file: an empty [AnchorCheck]
    # section turns fragment checks on.
    with tempfile.TemporaryDirectory(prefix="athar-linkcheck-") as tmp:
        rc_file = Path(tmp) / "linkcheckerrc"
        rc_file.write_text(
            f"[filtering]\ninternlinks=^{re.escape(origin)}\ncheckextern=0\n\n[AnchorCheck]\n",
            encoding="utf-8",
        )
        cmd = [
            *base_cmd,
            "--config",
            str(rc_file),
            "--no-status",
            "--no-robots",
            "--threads",
            "4",
            "--timeout",
            "30",
            "--recursion-level",
            "-1",
            "--ignore-url",
            f"^(?!{re.escape(origin)})",
            "--output",
            "csv/utf-8",
            start_url,
        ]
        # English messages (missing anchors are recognised by their text) and
        # no user config or state from $HOME.
        env = {
            **os.environ,
            "LANGUAGE": "en",
            "LC_ALL": "C.UTF-8",
            "HOME": tmp,
            "XDG_CONFIG_HOME": tmp,
            "XDG_DATA_HOME": tmp,
        }
        proc = subprocess.run(
            cmd, capture_output=True, text=True, encoding="utf-8", timeout=timeout, cwd=tmp, env=env
        )
    if proc.returncode not in (0, 1):
        raise RuntimeError(
            f"linkchecker failed (exit {proc.returncode}).\ncommand: {' '.join(cmd)}\n"
            f"stdout:\n{proc.stdout[-4000:]}\nstderr:\n{proc.stderr[-4000:]}"
        )

    rows = _parse_linkchecker_csv(proc.stdout)
    if rows is None:
        raise RuntimeError(
            f"linkchecker printed no CSV report (exit {proc.returncode}).\n"
            f"stdout:\n{proc.stdout[-4000:]}\nstderr:\n{proc.stderr[-4000:]}"
        )
    problems: set[str] = set()
    for row in rows:
        valid = row.get("valid", "").strip().lower() == "true"
        warnings = row.get("warningstring", "") or ""
        anchor_missing = bool(_ANCHOR_NOT_FOUND.search(warnings))
        if valid and not anchor_missing:
            continue
        url = row.get("url") or row.get("urlname", "?")
        reason = row.get("result", "") if not valid else ""
        if anchor_missing:
            reason = (
                "; ".join(w.strip() for w in warnings.splitlines() if _ANCHOR_NOT_FOUND.search(w))
                or warnings.strip()
            )
        parent = row.get("parentname") or "(start)"
        problems.add(
            f"{parent}:{row.get('line', '?')}:{row.get('column', '?')}: "
            f"{row.get('urlname') or url} -- {' '.join(reason.split())}"
        )
    # Exit 1 means "errors or warnings"; warnings other than missing anchors
    # (a redirect, say) are not broken links. Exit 1 with neither means the
    # report was misread.
    if proc.returncode == 1 and not problems and not any(r.get("warningstring") for r in rows):
        raise RuntimeError(
            "linkchecker exited 1 (broken links) but none could be read from its report:\n"
            + proc.stdout[-4000:]
        )
    return sorted(problems)


def _parse_linkchecker_csv(text: str) -> list[dict[str, str]] | None:
    """Parse LinkChecker's ``-o csv`` output; ``None`` if there is no header.

    The report is ``#`` comment lines, a ``urlname;parentname;...`` header,
    one row per URL, and a closing ``# Stopped checking at ...`` comment.
    Rows can themselves start with ``#`` (a link to ``#fragment``), so only
    the lines before the header and that closing comment are dropped.
    """
    lines = text.splitlines(keepends=True)
    header = next((i for i, line in enumerate(lines) if line.startswith("urlname;")), None)
    if header is None:
        return None
    reader = csv.DictReader(io.StringIO("".join(lines[header:])), delimiter=";")
    rows = []
    for row in reader:
        values = [v for k, v in row.items() if k != "urlname" and v]
        if row.get("urlname", "").startswith("# ") and not values:
            continue  # a trailing comment line
        rows.append(row)
    return rows


# --------------------------------------------------------------------------
# Chromium
# --------------------------------------------------------------------------


def chromium_args() -> list[str]:
    """Command-line flags for Debian's Chromium under Playwright.

    Headless, no sandbox (tests run as root in CI), and no background
    traffic: this machine only reaches localhost, so Chromium's own update,
    sync and QUIC connections would only fail noisily.
    """
    return [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
    ]

"""The preview server holds: only files under the site folder, right types, HEAD, many clients, errors shown."""

from __future__ import annotations

import http.client
import inspect
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterator

import pytest

from builder import cli, serve
from builder.serve import PreviewState, content_type, host_warning, resolve_request, start_server

SECRET = b"TOP-SECRET-OUTSIDE-THE-SITE"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A small site, with a secret beside it and symlinks that try to reach it."""
    root = tmp_path / "site"
    files = {
        "index.html": "<!DOCTYPE html><html><body><p>home</p></body></html>",
        "404.html": "<!DOCTYPE html><html><body><p>not here</p></body></html>",
        "articles/one/index.html": "<!DOCTYPE html><html><body><p>مقال</p></body></html>",
        "static/css/site.css": "body{}",
        "static/js/search.js": "1",
        "search/index.json": "{}",
        "feed.xml": "<feed/>",
        "static/fonts/a.woff2": "x",
        "static/img/a.svg": "<svg/>",
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    (tmp_path / "secret.txt").write_bytes(SECRET)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "index.html").write_bytes(SECRET)
    (root / "leak.txt").symlink_to(tmp_path / "secret.txt")
    (root / "leakdir").symlink_to(tmp_path / "outside")
    (root / "sneaky").mkdir()
    (root / "sneaky" / "index.html").symlink_to(tmp_path / "secret.txt")
    return root


@pytest.fixture
def server(site: Path) -> Iterator[tuple[PreviewState, int]]:
    state = PreviewState(site, live_reload=False)
    srv = start_server(state, "127.0.0.1", 0)
    try:
        yield state, srv.server_address[1]
    finally:
        srv.shutdown()
        srv.server_close()


def fetch(port: int, path: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    """One raw request: the path is sent exactly as given (no client-side normalising)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.putrequest(method, path, skip_host=False, skip_accept_encoding=True)
        conn.endheaders()
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


TRAVERSALS = [
    "/../secret.txt", "/..%2fsecret.txt", "/%2e%2e/secret.txt", "/%2E%2E%2Fsecret.txt", "/articles/../../secret.txt",
    "/articles/%2e%2e/%2e%2e/secret.txt", "/..\\secret.txt", "/%5c..%5csecret.txt", "/articles\\..\\..\\secret.txt",
    "//etc/passwd", "/%2fetc/passwd", "/etc/passwd", "/leak.txt", "/leakdir/", "/leakdir/index.html", "/sneaky/",
    "/index.html%00.css", "/%00", "/%ff%fe", "/.%2e/secret.txt", "/static/../../secret.txt",
    "/%252e%252e/secret.txt", "http://127.0.0.1/../secret.txt",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_resolve_never_leaves_the_site(site, path):
    try:
        target = resolve_request(site, "/", path)
    except UnicodeDecodeError:
        return
    assert target is None or target.resolve().is_relative_to(site.resolve())
    assert target is None or SECRET not in target.read_bytes()


@pytest.mark.parametrize("path", TRAVERSALS)
def test_traversal_attempts_get_404_and_never_the_secret(server, path):
    _, port = server
    status, _, body = fetch(port, path)
    assert status == 404, path
    assert SECRET not in body


def test_base_path_limits_what_is_served(site):
    assert resolve_request(site, "/project/", "/project/articles/one/") == (site / "articles/one/index.html").resolve()
    assert resolve_request(site, "/project/", "/articles/one/") is None


@pytest.mark.parametrize("path, kind", [
    ("/", "text/html; charset=utf-8"),
    ("/articles/one/", "text/html; charset=utf-8"),
    ("/static/css/site.css", "text/css; charset=utf-8"),
    ("/static/js/search.js", "text/javascript; charset=utf-8"),
    ("/search/index.json", "application/json; charset=utf-8"),
    ("/feed.xml", "application/xml; charset=utf-8"),
    ("/static/img/a.svg", "image/svg+xml; charset=utf-8"),
    ("/static/fonts/a.woff2", "font/woff2"),
])
def test_content_types_carry_utf8(server, path, kind):
    _, port = server
    status, headers, _ = fetch(port, path)
    assert status == 200 and headers["content-type"] == kind
    assert headers["x-content-type-options"] == "nosniff"


def test_head_sends_headers_without_a_body(server):
    _, port = server
    status, get_headers, body = fetch(port, "/articles/one/")
    head_status, headers, head_body = fetch(port, "/articles/one/", "HEAD")
    assert (head_status, head_body) == (200, b"")
    assert headers["content-length"] == get_headers["content-length"] == str(len(body))


def test_a_folder_without_slash_redirects_and_404_uses_the_site_page(server):
    _, port = server
    status, headers, _ = fetch(port, "/articles/one")
    assert status == 301 and headers["location"] == "/articles/one/"
    status, _, body = fetch(port, "/no/such/page/")
    assert status == 404 and "not here".encode() in body


def test_500_requests_from_20_threads_all_answered_right(server):
    _, port = server
    good = {"/": b"home", "/articles/one/": "مقال".encode(), "/static/css/site.css": b"body{}"}
    paths = [(p, 200) for p in good] + [(p, 404) for p in TRAVERSALS[:12]]
    jobs = [paths[i % len(paths)] for i in range(500)]

    def one(job: tuple[str, int]) -> str:
        path, expected = job
        status, _, body = fetch(port, path)
        if status != expected or SECRET in body or (expected == 200 and good[path] not in body):
            return f"{path}: {status}"
        return ""

    started = threading.active_count()
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(one, jobs))
    assert [a for a in answers if a] == []
    assert len(answers) == 500
    assert threading.active_count() <= started + 25  # finished request threads do not pile up


def test_a_failed_rebuild_shows_its_errors_and_keeps_the_last_good_site(server):
    state, port = server

    def rebuild(ok: bool) -> None:  # what serve()'s rebuild does, without the build
        if ok:
            state.finished()
        else:
            state.finished(errors="content/places.yaml:2:3: error: unknown field 'nme' <script>alert(1)</script>")

    rebuild(False)
    status, _, body = fetch(port, "/articles/one/")
    page = body.decode()
    assert status == 200 and "مقال" in page  # the last good site
    assert 'id="athar-build-error"' in page and "unknown field" in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    rebuild(True)
    _, _, body = fetch(port, "/articles/one/")
    assert b"athar-build-error" not in body


def test_with_no_site_yet_the_errors_are_the_page(tmp_path):
    state = PreviewState(tmp_path / "never-built", live_reload=False)
    state.finished(errors="content/site.yaml:1:1: error: file is empty")
    srv = start_server(state, "127.0.0.1", 0)
    try:
        status, headers, body = fetch(srv.server_address[1], "/")
    finally:
        srv.shutdown()
        srv.server_close()
    assert status == 500 and headers["content-type"] == "text/html; charset=utf-8"
    assert b"content/site.yaml:1:1: error: file is empty" in body


def test_the_preview_listens_on_loopback_unless_told_and_warns_when_told():
    assert inspect.signature(serve.serve).parameters["host"].default == "127.0.0.1"
    assert inspect.signature(start_server).parameters["host"].default == "127.0.0.1"
    assert cli._parser().parse_args(["serve"]).host == "127.0.0.1"
    for host in ("127.0.0.1", "localhost", "::1"):
        assert host_warning(host) == ""
    assert "reachable from other machines" in host_warning("0.0.0.0")
    assert "every network interface" in host_warning("0.0.0.0")
    assert "reachable from other machines" in host_warning("192.168.1.5")


def test_content_type_helper():
    assert content_type(Path("a.html")) == "text/html; charset=utf-8"
    assert content_type(Path("a.bin")) == "application/octet-stream"


def test_a_rebuild_hears_of_newer_changes_and_the_next_gets_them_all(tmp_path, monkeypatch):
    """Changes are watched while a rebuild runs: it can stop early, and what came meanwhile is applied together."""
    import queue as queue_module

    import watchfiles

    batches: queue_module.SimpleQueue = queue_module.SimpleQueue()

    def fake_watch(*paths, stop_event, debounce, step):
        assert paths == (str(tmp_path),)
        while not stop_event.is_set():
            try:
                yield batches.get(timeout=0.05)
            except queue_module.Empty:
                continue

    monkeypatch.setattr(watchfiles, "watch", fake_watch)
    stop = threading.Event()
    calls: list[tuple[set[Path], bool]] = []

    def rebuild(changed: set[Path], interrupted) -> None:
        if not calls:  # the first rebuild is slow: two more saves come while it runs
            assert interrupted() is False
            batches.put({("modified", str(tmp_path / "b.md"))})
            batches.put({("modified", str(tmp_path / "c.md"))})
            for _ in range(200):
                if interrupted():
                    break
                threading.Event().wait(0.01)
            threading.Event().wait(0.5)  # the watcher hands over the second save too (it takes ~0.05 s)
        calls.append((changed, interrupted()))
        if len(calls) == 2:
            stop.set()

    batches.put({("modified", str(tmp_path / "a.md"))})
    watcher = threading.Thread(target=serve.watch_and_rebuild, args=([tmp_path], rebuild, stop))
    watcher.start()
    watcher.join(timeout=10)
    assert not watcher.is_alive()
    assert calls[0] == ({tmp_path / "a.md"}, True)  # it was told that newer changes wait
    assert calls[1][0] == {tmp_path / "b.md", tmp_path / "c.md"}  # both, in one rebuild

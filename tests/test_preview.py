"""`athar serve`: builds, serves on 127.0.0.1, rebuilds on change, tells pages to reload."""

from __future__ import annotations

import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from fixtures_site import MINIMAL, write_content

pytestmark = pytest.mark.e2e


def _start(content: Path, out: Path) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "builder", "serve", "--content", str(content), "--output", str(out), "--port", "0"],
        stderr=subprocess.PIPE, text=True,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        line = proc.stderr.readline()
        match = re.search(r"at (http://127\.0\.0\.1:\d+/)", line)
        if match:
            return proc, match.group(1)
    proc.kill()
    raise AssertionError("athar serve did not report its address")


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode("utf-8")


def _wait_for(predicate, timeout: float = 30, touch: Path | None = None) -> bool:
    """Poll until ``predicate()``; re-save ``touch`` each second in case the
    watcher was still starting when the first edit landed."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        for _ in range(5):
            if predicate():
                return True
            time.sleep(0.2)
        if touch is not None:
            touch.write_bytes(touch.read_bytes())
    return False


def test_serve_rebuilds_on_change_and_reloads(tmp_path):
    content = write_content(tmp_path / "content", MINIMAL)
    proc, base = _start(content, tmp_path / "site")
    try:
        page = _get(base + "articles/one/")
        assert "مقال أول" in page and "/__athar__/reload.js" in page
        events = urllib.request.urlopen(base + "__athar__/events", timeout=30)
        first = events.readline().decode().strip()
        events.readline()
        assert first.startswith("data: ")
        md = content / "articles" / "one.md"
        md.write_text(md.read_text(encoding="utf-8").replace("مقال أول", "مقال معدّل"), encoding="utf-8")
        assert _wait_for(lambda: "مقال معدّل" in _get(base + "articles/one/"), touch=md)
        second = events.readline().decode().strip()
        while not second.startswith("data: "):
            second = events.readline().decode().strip()
        assert second != first
        events.close()
        # a broken edit keeps the last good site and shows the errors
        (content / "places.yaml").write_text("- id: mosul\n  nme: x\n", encoding="utf-8")
        assert _wait_for(lambda: "athar-build-error" in _get(base + "articles/one/"), touch=content / "places.yaml")
        page = _get(base + "articles/one/")
        assert "مقال معدّل" in page and "unknown field" in page
    finally:
        proc.terminate()
        proc.wait(timeout=10)

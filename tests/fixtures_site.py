"""Fixtures that build sites: the bundled corpus once per session, and
throw-away content folders for tests of one behaviour each.

Loaded by conftest.py as a plugin, so every test module can ask for
``bundled_site`` or use :func:`write_content` / :func:`athar`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest

from tools import REPO, serve_directory

CONTENT = REPO / "content"


def write_content(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write a content folder from {relative path: text or bytes}; return it."""
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
    return root


MINIMAL = {
    "site.yaml": "title: موقع تجريبي\n",
    "places.yaml": "- id: mosul\n  name: الموصل\n  aliases: [موصل]\n",
    "actors.yaml": "- id: isis\n  name: داعش\n",
    "events.yaml": (
        "- id: mosul-2017\n  title: استعادة الموصل\n  date: 2017-07-10\n  type: territory-change\n"
        "  places: [mosul]\n  actors: [isis]\n"
    ),
    "articles/one.md": "---\ntitle: مقال أول\ndate: 2017-07-11\n---\nاستعادة السيطرة على مدينة الموصل من داعش.\n",
    "articles/one.yaml": (
        "mentions:\n  - ref: place:mosul\n    quote: الموصل\n  - ref: actor:isis\n    quote: داعش\n"
        "events:\n  - ref: mosul-2017\n    quote: استعادة السيطرة على مدينة الموصل\n"
    ),
}
"""A small valid corpus; tests copy it and break one thing."""


def generated_corpus(out: Path, articles: int, seed: int = 1) -> Path:
    """A research-shaped corpus from benchmarks/generate.py (deterministic)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("athar_generate", REPO / "benchmarks" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    module.generate(out, articles, seed=seed)
    return out


def athar(*args: str, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run the real command line (``python -m builder``) and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "builder", *args],
        cwd=cwd, capture_output=True, text=True, timeout=timeout,
    )


@pytest.fixture(scope="session")
def bundled_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled corpus (content/) built once into a temporary folder."""
    out = tmp_path_factory.mktemp("bundled") / "site"
    result = athar("build", "--content", str(CONTENT), "--output", str(out), "--templates", str(REPO / "templates"))
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="session")
def bundled_url(bundled_site: Path) -> Iterator[str]:
    """The bundled site served over http on 127.0.0.1 (base URL ends with /)."""
    with serve_directory(bundled_site) as url:
        yield url

"""Shared pytest fixtures: a headless Chromium (Debian's) driven by Playwright.

Site-building fixtures live elsewhere (tests/fixtures_site.py); this file must
not import ``builder`` so the tool tests run even while the builder is broken.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

_TESTS = str(Path(__file__).resolve().parent)
if _TESTS not in sys.path:  # so `import tools` works under any --import-mode
    sys.path.insert(0, _TESTS)

from tools import CHROMIUM, chromium_args  # noqa: E402

pytest_plugins = ["fixtures_site"]

# A test run started in the background by a shell without job control (`cmd &` in a
# script, nohup) inherits SIGINT ignored, and so would every athar it starts: the tests
# of Ctrl-C would then see it ignored.  Python's own handler again, for this process and,
# as a handler is reset to the default on exec, for its children.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Playwright


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "e2e: end-to-end test that builds/serves a site or drives a browser (deselect with -m 'not e2e')",
    )


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    """The Playwright sync API, started once per test session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    """Debian's Chromium (/usr/bin/chromium), headless, for the whole session.

    Fails (never skips) when Chromium is missing: a browser test that cannot
    run must not look like one that passed. ``./dev test`` installs it.
    """
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} not found: install Debian's Chromium "
            "(`apt-get install chromium`, or just run `./dev test`). "
            "Playwright's own browser download is not used here.",
            pytrace=False,
        )
    browser = playwright_instance.chromium.launch(
        executable_path=str(CHROMIUM),
        args=chromium_args(),
        headless=True,
    )
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh page in its own browser context (1280x900), closed after the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        yield context.new_page()
    finally:
        context.close()

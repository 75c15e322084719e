"""The bundled site in a real browser (Debian's Chromium through Playwright).

The site is served by the real preview server (``athar serve``) on
127.0.0.1, as a reader would see it while writing.  Every page type is
checked for right-to-left layout, console errors, axe-core violations (light
and dark schemes) and horizontal overflow on a phone; the article's
annotations are driven with the keyboard, the mouse and a finger; the event
filters are driven and their URL shared; screenshots of every page type at
390 and 1280 px go to test-artifacts/screenshots/ for people to look at.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from fixtures_site import CONTENT
from tools import AXE_JS, REPO

pytestmark = pytest.mark.e2e

SLUG = "caliphate-collapse-2017"
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"

PAGES = {
    "home": "",
    "articles": "articles/",
    "article": f"articles/{SLUG}/",
    "events": "events/",
    "event": "events/mosul-recapture-2017/",
    "places": "places/",
    "place": "places/mosul/",
    "actors": "actors/",
    "actor": "actors/isis/",
    "tags": "tags/",
    "tag": "tags/%D8%AF%D8%A7%D8%B9%D8%B4/",
    "search": "search/?q=%D8%A7%D9%84%D9%85%D9%88%D8%B5%D9%84",
    "404": "no-such-page/",
}
"""One URL of every page type, relative to the site root."""


# --------------------------------------------------------------------------
# the preview server
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``athar serve`` on the bundled content, on 127.0.0.1 and a free port."""
    tmp = tmp_path_factory.mktemp("served")
    log = tmp / "serve.log"
    with log.open("w", encoding="utf-8") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "builder", "serve", "--content", str(CONTENT), "--output", str(tmp / "site"),
             "--templates", str(REPO / "templates"), "--host", "127.0.0.1", "--port", "0", "--no-watch"],
            cwd=tmp, stdout=subprocess.DEVNULL, stderr=stderr, text=True,
        )
    try:
        yield _address(proc, log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _address(proc: subprocess.Popen[str], log: Path, timeout: float = 90) -> str:
    """The URL ``athar serve`` says it serves at (its stderr goes to ``log``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        match = re.search(r"serving .* at (http://127\.0\.0\.1:\d+/)", log.read_text(encoding="utf-8"))
        if match:
            return match.group(1)
        if proc.poll() is not None:
            pytest.fail(f"athar serve exited {proc.returncode}:\n{log.read_text(encoding='utf-8')}")
        time.sleep(0.1)
    pytest.fail(f"athar serve did not report its address in {timeout} s:\n{log.read_text(encoding='utf-8')}")


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


class Console:
    """Console errors and uncaught exceptions of one page."""

    def __init__(self, page: Any, expected_404: str | None = None):
        self.errors: list[str] = []
        self.expected_404 = expected_404
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"uncaught: {exc}"))

    def _console(self, msg: Any) -> None:
        if msg.type != "error":
            return
        # The 404 page is served with status 404: Chrome logs that for the document itself.
        if self.expected_404 and msg.location.get("url") == self.expected_404 and "404" in msg.text:
            return
        self.errors.append(f"{msg.text} ({msg.location.get('url')})")


def open_page(browser: Any, url: str, *, width: int = 1280, scheme: str = "light", **options: Any) -> tuple[Any, Any, Console]:
    """A new context and page at ``url``, fonts loaded; returns (context, page, console)."""
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme, **options)
    page = context.new_page()
    console = Console(page, expected_404=url if "no-such-page" in url else None)
    page.goto(url, wait_until="load")
    page.evaluate("document.fonts.ready.then(() => true)")
    return context, page, console


_LATIN_FOR_ARABIC = """() => {
  const arabic = /[\\u0600-\\u06FF\\u0750-\\u077F\\u08A0-\\u08FF\\uFB50-\\uFDFF\\uFE70-\\uFEFF]/g;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node; (node = walker.nextNode());) {
    if (!node.parentElement.closest('script, style')) node.nodeValue = node.nodeValue.replace(arabic, 'x');
  }
}"""


def axe_violations(page: Any) -> list[str]:
    """axe-core's violations on the page, one readable line per failing node.

    axe skips the colour contrast of Arabic text: its icon-ligature heuristic
    takes joined letters for an icon font.  So after the full run the text's
    Arabic letters are swapped for Latin ones (colours and backgrounds stay
    as they are) and the contrast rules run again.
    """
    if not AXE_JS.is_file():
        pytest.fail(f"{AXE_JS} is missing: run the tests through ./dev test, which installs axe-core", pytrace=False)
    page.add_script_tag(path=str(AXE_JS))
    violations = page.evaluate("axe.run(document, {resultTypes: ['violations']})")["violations"]
    page.evaluate(_LATIN_FOR_ARABIC)
    violations += page.evaluate(
        "axe.run(document, {runOnly: ['color-contrast', 'link-in-text-block'], resultTypes: ['violations']})"
    )["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} -- {node['target']} {node.get('failureSummary', '')}"
        for v in violations for node in v["nodes"]
    ]


def source_body() -> str:
    raw = (CONTENT / "articles" / f"{SLUG}.md").read_text(encoding="utf-8")
    return raw.split("\n---\n", 1)[1]


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def events_yaml() -> list[dict[str, Any]]:
    return yaml.safe_load((CONTENT / "events.yaml").read_text(encoding="utf-8"))


def event_years(event: dict[str, Any]) -> set[int]:
    date = event["date"]
    start, end = (date["start"], date["end"]) if isinstance(date, dict) else (date, date)
    return set(range(int(str(start)[:4]), int(str(end)[:4]) + 1))


# --------------------------------------------------------------------------
# every page type
# --------------------------------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
def test_page_is_rtl_arabic_without_console_errors(browser, site_url, name):
    context, page, console = open_page(browser, site_url + PAGES[name])
    try:
        directions = page.evaluate(
            """() => ['html', 'body', 'main', 'main h1', '.site-header'].map(
                 s => [s, document.querySelector(s) && getComputedStyle(document.querySelector(s)).direction])"""
        )
        assert all(d == "rtl" for _, d in directions), directions
        assert page.evaluate("document.documentElement.lang") == "ar"
        assert page.evaluate("document.fonts.check('1em Amiri')"), "the bundled Amiri font did not load"
        family = page.evaluate("getComputedStyle(document.querySelector('main')).fontFamily")
        assert family.startswith('"Amiri"') or family.startswith("Amiri"), family
        assert console.errors == []
    finally:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", PAGES)
def test_axe_finds_no_violations(browser, site_url, name, scheme):
    context, page, _ = open_page(browser, site_url + PAGES[name], scheme=scheme)
    try:
        if name == "search":
            page.wait_for_selector("#results li")
        # axe skips hidden content: open every <details> (the citation's code blocks are in two)
        page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
        assert axe_violations(page) == []
    finally:
        context.close()


def test_dark_scheme_is_dark(browser, site_url):
    colours = {}
    for scheme in ("light", "dark"):
        context, page, _ = open_page(browser, site_url + PAGES["article"], scheme=scheme)
        colours[scheme] = page.evaluate(
            "[getComputedStyle(document.body).backgroundColor, getComputedStyle(document.body).color]"
        )
        context.close()
    luminance = {s: sum(int(c) for c in re.findall(r"\d+", colours[s][0])[:3]) for s in colours}
    assert luminance["light"] > 600 and luminance["dark"] < 150, colours


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("name", PAGES)
def test_screenshot_and_no_sideways_scroll(browser, site_url, name, width):
    context, page, _ = open_page(browser, site_url + PAGES[name], width=width)
    try:
        if name == "search":
            page.wait_for_selector("#results li")
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {width}px"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shot = SCREENSHOTS / f"{name}-{width}.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000
    finally:
        context.close()


@pytest.mark.parametrize("name", PAGES)
def test_no_sideways_scroll_at_360(browser, site_url, name):
    context, page, _ = open_page(browser, site_url + PAGES[name], width=360)
    try:
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    finally:
        context.close()


def test_focus_is_visible_and_skip_link_first(browser, site_url):
    context, page, _ = open_page(browser, site_url + PAGES["article"])
    try:
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => { const e = document.activeElement, s = getComputedStyle(e);
                 return [e.className, e.getAttribute('href'), s.outlineStyle, parseFloat(s.outlineWidth)]; }"""
        )
        assert focused[0] == "skip" and focused[1] == "#main"
        assert focused[2] != "none" and focused[3] >= 2, focused
        box = page.locator(".skip").bounding_box()
        assert box and box["y"] >= 0, "the skip link must come into view when focused"
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"
    finally:
        context.close()


# --------------------------------------------------------------------------
# the article's annotations
# --------------------------------------------------------------------------


def test_article_text_is_the_source_after_scripts_ran(browser, site_url):
    context, page, _ = open_page(browser, site_url + PAGES["article"])
    try:
        page.locator(".article-body a.m").first.focus()
        assert page.locator("#ann-pop").is_visible()
        shown = page.evaluate("document.querySelector('.article-body').textContent")
        assert squash(shown) == squash(source_body())
        assert page.evaluate("document.querySelector('.article-body #ann-pop') === null")
    finally:
        context.close()


def test_keyboard_reaches_every_annotation(browser, site_url):
    annotations = yaml.safe_load((CONTENT / "articles" / f"{SLUG}.yaml").read_text(encoding="utf-8"))
    context, page, console = open_page(browser, site_url + PAGES["article"])
    try:
        data = json.loads(page.locator("#annotation-data").text_content())
        marks = page.evaluate(
            "Array.from(document.querySelectorAll('.article-body [data-ann]'), e => e.getAttribute('data-ann'))"
        )
        handles = page.evaluate(
            "Array.from(document.querySelectorAll('.article-body a.m, .article-body a.mref'), e => e.getAttribute('data-ann'))"
        )
        assert set(marks) == set(handles), "every kind of mark needs a keyboard handle"
        assert {f"event:{e['ref']}" for e in annotations["events"]} <= set(handles)
        assert {f"note:{i}" for i in range(1, len(annotations["notes"]) + 1)} <= set(handles)

        page.locator(".legend").click()  # start just before the text, as a reader would after the legend
        seen: list[tuple[str, str]] = []
        for _ in range(len(handles) + 40):
            page.keyboard.press("Tab")
            info = page.evaluate(
                """() => { const e = document.activeElement;
                     const pop = document.getElementById('ann-pop');
                     return [e.getAttribute('data-ann'), e.closest('.article-body') !== null,
                             pop && !pop.hidden ? pop.textContent : '', e.getAttribute('aria-describedby')]; }"""
            )
            key, inside, popover, described = info
            if not inside:
                if seen:
                    break
                continue
            entry = data[key]
            assert described == "ann-pop", key
            assert entry["label"] in popover and (entry["name"] in popover), (key, popover)
            seen.append((key, popover))
        assert [k for k, _ in seen] == handles, "Tab must visit every mark, in text order"
        page.keyboard.press("Escape")
        assert page.locator("#ann-pop").is_hidden()
        assert console.errors == []
    finally:
        context.close()


def test_hover_shows_place_and_event(browser, site_url):
    context, page, _ = open_page(browser, site_url + PAGES["article"])
    try:
        page.locator('.article-body a.m-place[data-ann="place:mosul"]').first.hover()
        pop = page.locator("#ann-pop")
        pop.wait_for(state="visible")
        assert "الموصل" in pop.text_content() and "Mosul" in pop.text_content()
        assert pop.get_attribute("data-kind") == "place"
        box, mark = pop.bounding_box(), page.locator('.article-body a.m-place[data-ann="place:mosul"]').first.bounding_box()
        assert box["y"] >= mark["y"] + mark["height"] - 1 or box["y"] + box["height"] <= mark["y"] + 1, "popover must not cover the mark"

        event = page.locator('.article-body mark[data-ann="event:mosul-recapture-2017"]').first
        event.hover()
        page.wait_for_function("document.getElementById('ann-pop').dataset.kind === 'event'")
        text = pop.text_content()
        assert "استعادة الموصل" in text and "10 تموز/يوليو 2017" in text and "Recapture of Mosul" in text
        active = page.evaluate(
            "document.querySelectorAll('.article-body .is-active[data-ann=\"event:mosul-recapture-2017\"]').length"
        )
        assert active >= 2, "the whole event span is highlighted, not only the hovered piece"
        page.mouse.move(5, 5)
        pop.wait_for(state="hidden")
    finally:
        context.close()


def test_note_opens_in_place(browser, site_url):
    context, page, _ = open_page(browser, site_url + PAGES["article"])
    try:
        marker = page.locator("#note-ref-5")
        marker.focus()
        page.keyboard.press("Enter")
        pop = page.locator("#ann-pop")
        assert pop.is_visible() and "Missing space" in pop.text_content()
        assert marker.get_attribute("aria-expanded") == "true"
        assert urlsplit(page.url).fragment == "", "the note opens in place, the page does not jump"
        page.keyboard.press("Enter")
        assert pop.is_hidden() and marker.get_attribute("aria-expanded") == "false"
        # an English note that opens with an Arabic quotation is still laid out left to right
        page.locator("#note-ref-4").click()
        assert page.evaluate("getComputedStyle(document.querySelector('#ann-pop .pop-note')).direction") == "ltr"
    finally:
        context.close()


def test_tap_shows_then_follows_on_touch_screens(browser, site_url):
    context, page, _ = open_page(browser, site_url + PAGES["article"], width=390, has_touch=True, is_mobile=True)
    try:
        mark = page.locator('.article-body a.m-actor[data-ann="actor:iraqi-army"]').first
        mark.scroll_into_view_if_needed()
        mark.tap()
        pop = page.locator("#ann-pop")
        pop.wait_for(state="visible")
        assert "الجيش العراقي" in pop.text_content()
        assert urlsplit(page.url).path.endswith(f"/articles/{SLUG}/"), "the first tap only explains"
        event_piece = page.locator('.article-body mark[data-ann="event:raqqa-recapture-2017"]').first
        event_piece.tap()
        page.wait_for_function("document.getElementById('ann-pop').dataset.kind === 'event'")
        assert "استعادة الرقة" in pop.text_content()
        mark.tap()
        pop.wait_for(state="visible")
        with page.expect_navigation():
            mark.tap()
        assert urlsplit(page.url).path.endswith("/actors/iraqi-army/")
    finally:
        context.close()


# --------------------------------------------------------------------------
# the event index
# --------------------------------------------------------------------------


def visible_events(page: Any) -> set[str]:
    return set(page.evaluate(
        "Array.from(document.querySelectorAll('.timeline li.event'), li => li.offsetParent ? li.id.slice(2) : null).filter(Boolean)"
    ))


def test_event_filters_apply_and_update_the_url(browser, site_url):
    events = events_yaml()
    context, page, console = open_page(browser, site_url + "events/")
    try:
        assert visible_events(page) == {e["id"] for e in events}
        assert page.locator("#event-filters").is_visible()

        page.select_option("#f-year", "2017")
        assert visible_events(page) == {e["id"] for e in events if 2017 in event_years(e)}
        assert parse_qs(urlsplit(page.url).query) == {"year": ["2017"]}
        assert page.locator("#y2014").is_hidden(), "a year with no matching event is hidden"

        page.select_option("#f-type", "territory-change")
        page.select_option("#f-place", "mosul")
        want = {e["id"] for e in events
                if 2017 in event_years(e) and e.get("type") == "territory-change" and "mosul" in e.get("places", [])}
        assert want and visible_events(page) == want
        assert parse_qs(urlsplit(page.url).query) == {"year": ["2017"], "type": ["territory-change"], "place": ["mosul"]}
        assert page.locator("#filter-status").text_content().strip()

        page.select_option("#f-actor", "sdf")
        assert visible_events(page) == set()
        assert page.locator("#filter-status").text_content().strip() == "لا أحداث تطابق هذه التصفية."

        page.click("button[type=reset]")
        page.wait_for_function("location.search === ''")
        assert visible_events(page) == {e["id"] for e in events}
        assert console.errors == []
    finally:
        context.close()


def test_shared_filter_url_restores_the_filter(browser, site_url):
    events = events_yaml()
    query = "year=2017&type=territory-change&place=anbar&actor=iraqi-army"
    context, page, _ = open_page(browser, site_url + "events/?" + query)
    try:
        values = [page.locator(f"#f-{f}").input_value() for f in ("year", "type", "place", "actor")]
        assert values == ["2017", "territory-change", "anbar", "iraqi-army"]
        want = {e["id"] for e in events
                if 2017 in event_years(e) and e.get("type") == "territory-change"
                and "anbar" in e.get("places", []) and "iraqi-army" in e.get("actors", [])}
        assert want and visible_events(page) == want
        assert urlsplit(page.url).query == query
    finally:
        context.close()


def test_unknown_filter_value_in_url_is_ignored(browser, site_url):
    context, page, console = open_page(browser, site_url + "events/?place=atlantis&year=2017")
    try:
        assert page.locator("#f-place").input_value() == ""
        assert visible_events(page) == {e["id"] for e in events_yaml() if 2017 in event_years(e)}
        assert console.errors == []
    finally:
        context.close()


def test_event_index_without_javascript_lists_everything(browser, site_url):
    context, page, _ = open_page(browser, site_url + "events/?year=2017", java_script_enabled=False)
    try:
        assert visible_events(page) == {e["id"] for e in events_yaml()}
        assert page.locator("#event-filters").is_hidden(), "filters that cannot work are not offered"
    finally:
        context.close()


# --------------------------------------------------------------------------
# print
# --------------------------------------------------------------------------


def test_print_stylesheet(browser, site_url):
    context, page, _ = open_page(browser, site_url + PAGES["article"])
    try:
        page.emulate_media(media="print")
        hidden = page.evaluate(
            "['.site-nav', '.breadcrumbs', '.legend', '.skip', '.pager'].filter(s => document.querySelector(s))"
            ".map(s => getComputedStyle(document.querySelector(s)).display)"
        )
        assert hidden and set(hidden) == {"none"}, hidden
        marks = page.evaluate(
            """() => [getComputedStyle(document.querySelector('.mref-event'), '::after').content,
                      getComputedStyle(document.querySelector('.mref-note'), '::after').content,
                      getComputedStyle(document.querySelector('.article-body a.m-place')).textDecorationLine,
                      getComputedStyle(document.querySelector('.article-body mark.m-event')).backgroundColor]"""
        )
        assert marks[0] == '"[1]"' and marks[1] == '"(1)"', marks
        assert marks[2] == "none" and marks[3] in ("rgba(0, 0, 0, 0)", "transparent"), marks
        page.goto(site_url + PAGES["event"])
        external = page.evaluate(
            """() => { const a = document.querySelector('main a[href^="http"]');
                 return [a.getAttribute('href'), getComputedStyle(a, '::after').content]; }"""
        )
        assert external[0] in external[1], external
    finally:
        context.close()


def test_axe_check_can_fail(browser):
    """The axe helper reports real violations, faint Arabic text included."""
    context = browser.new_context()
    page = context.new_page()
    try:
        page.set_content('<!DOCTYPE html><html lang="ar" dir="rtl"><title>t</title><main>'
                         '<h1>عنوان</h1><p style="color:#ccc;background:#fff">نص باهت لا يكاد يُقرأ</p><img src="data:,"></main></html>')
        found = [line.split(" ")[0] for line in axe_violations(page)]
        assert sorted(found) == ["color-contrast", "image-alt"]
    finally:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_with_a_popover_open(browser, site_url, scheme):
    context, page, _ = open_page(browser, site_url + PAGES["article"], scheme=scheme)
    try:
        page.locator("#note-ref-4").focus()
        page.keyboard.press("Enter")
        assert page.locator("#ann-pop").is_visible()
        assert axe_violations(page) == []
    finally:
        context.close()

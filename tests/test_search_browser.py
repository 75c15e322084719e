"""The search page in Debian's headless Chromium, on the built bundled site:
queries are typed as a reader would, spelling variants included."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.e2e


def _search(page: Page, url: str, query: str) -> None:
    page.goto(url + "search/")
    _type(page, query)


def _type(page: Page, query: str) -> None:
    box = page.locator("#q")
    box.fill("")
    box.press_sequentially(query)
    expect(page.locator("#search-status")).to_contain_text(re.compile("النتائج|لا نتائج"))


@pytest.fixture(scope="module")
def search_page(browser: Browser, bundled_url: str) -> Iterator[Page]:
    """One search page for the table of queries (typed one after the other)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(bundled_url + "search/")
    yield page
    context.close()


def _result_urls(page: Page) -> list[str]:
    return page.locator("main #results li a.result-title").evaluate_all("links => links.map(a => a.pathname)")


@pytest.mark.parametrize("query, target", [
    ("القايم", "/places/al-qaim/"),
    ("القائم", "/places/al-qaim/"),
    ("الرقه", "/places/raqqa/"),
    ("والرقة", "/places/raqqa/"),
    ("الرقّة", "/places/raqqa/"),
    ("المَوْصِل", "/places/mosul/"),
    ("بالموصل", "/places/mosul/"),
    ("Mosul", "/places/mosul/"),
    ("al-qaim", "/places/al-qaim/"),
    ("دير الزور", "/places/deir-ez-zor/"),
    ("تل عفر", "/places/tal-afar/"),
    ("التنظيم الإرهابى", "/actors/isis/"),
    ("Battle of Mosul", "/events/battle-of-mosul-2016-2017/"),
])
def test_a_typed_query_finds_its_target_first(search_page: Page, query: str, target: str) -> None:
    _type(search_page, query)
    assert _result_urls(search_page)[0] == target


def test_both_spellings_of_al_qaim_give_the_same_results(page: Page, bundled_url: str) -> None:
    _search(page, bundled_url, "القايم")
    first = _result_urls(page)
    _search(page, bundled_url, "القائم")
    assert _result_urls(page) == first
    assert first.count("/places/al-qaim/") == 1


def test_arabic_indic_digits_find_latin_digits(page: Page, bundled_url: str) -> None:
    _search(page, bundled_url, "حصاد ٢٠١٧")
    assert "/articles/caliphate-collapse-2017/" in _result_urls(page)
    _search(page, bundled_url, "٢٠١٧")
    assert "/articles/caliphate-collapse-2017/" in _result_urls(page)


def test_the_matched_passage_is_highlighted(page: Page, bundled_url: str) -> None:
    _search(page, bundled_url, "القايم")
    article = page.locator("main #results li.result-article")
    expect(article.locator(".result-snippet mark").first).to_have_text("القايم")
    place = page.locator("main #results li.result-place").first
    expect(place.locator("a mark")).to_have_text("القائم")  # the title's own spelling, highlighted


def test_the_kind_filter_keeps_only_the_chosen_kinds(page: Page, bundled_url: str) -> None:
    _search(page, bundled_url, "الموصل")
    assert {c.split()[-1] for c in page.locator("main #results li").evaluate_all("ls => ls.map(l => l.className)")} == {
        "result-place", "result-event", "result-article"}
    for kind in ("place", "event"):
        page.locator(f"input[name=kind][value={kind}]").uncheck()
    expect(page.locator("main #results li.result-place")).to_have_count(0)
    expect(page.locator("main #results li.result-article")).to_have_count(1)
    expect(page.locator("main #results li")).to_have_count(1)
    assert "kind=article" in page.url


def test_a_shared_link_runs_its_query_on_load(page: Page, bundled_url: str) -> None:
    page.goto(bundled_url + "search/?q=" + quote("القايم"))
    expect(page.locator("#q")).to_have_value("القايم")
    expect(page.locator("main #results li").first).to_be_visible()
    assert _result_urls(page)[0] == "/places/al-qaim/"
    page.goto(bundled_url + "search/?q=" + quote("الموصل") + "&kind=article")
    expect(page.locator("main #results li")).to_have_count(1)
    expect(page.locator("input[name=kind][value=place]")).not_to_be_checked()


def test_typing_updates_the_address_so_the_search_can_be_shared(page: Page, bundled_url: str) -> None:
    _search(page, bundled_url, "الرقه")
    assert "q=" + quote("الرقه") in page.url


def test_a_result_link_opens_the_page(page: Page, bundled_url: str) -> None:
    _search(page, bundled_url, "القايم")
    page.locator("main #results li a.result-title").first.click()
    expect(page).to_have_url(re.compile(r"/places/al-qaim/$"))
    expect(page.locator("h1")).to_contain_text("القائم")


def test_nothing_found_says_so(page: Page, bundled_url: str) -> None:
    _search(page, bundled_url, "كمبيوتر")
    expect(page.locator("#search-status")).to_contain_text("لا نتائج")
    expect(page.locator("main #results li")).to_have_count(0)

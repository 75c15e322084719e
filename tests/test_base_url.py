"""Hosting under a sub-path: base_url as a path prefix or a full URL.

The bundled corpus is built for ``/athar-test/`` and served under that
prefix (as a static host's project page would); a crawler then checks that
every internal link, asset and anchor resolves.  A site built for ``/`` and
served under the prefix must fail the same check, so the check is known to
bite.  With a full URL, everything that is read outside the site (canonical
links, feeds, the sitemap, share-card tags) is absolute.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import feedparser
import pytest
from lxml import etree

from fixtures_site import CONTENT, athar
from tools import REPO, broken_links, serve_directory

pytestmark = pytest.mark.e2e

PREFIX = "/athar-test/"
ABSOLUTE = "https://example.org/athar-test/"
URL_ATTRS = ("href", "src", "data-index", "action")


def build(tmp_path: Path, base_url: str | None) -> Path:
    out = tmp_path / "site"
    args = ["build", "-q", "--content", str(CONTENT), "--output", str(out), "--templates", str(REPO / "templates")]
    if base_url is not None:
        args += ["--base-url", base_url]
    result = athar(*args)
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def prefixed_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("prefixed"), PREFIX)


@pytest.fixture(scope="module")
def absolute_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("absolute"), ABSOLUTE)


class _URLs(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in URL_ATTRS and value:
                self.urls.append(value)


def page_urls(site: Path) -> dict[str, list[str]]:
    found = {}
    for page in sorted(site.rglob("*.html")):
        parser = _URLs()
        parser.feed(page.read_text(encoding="utf-8"))
        found[page.relative_to(site).as_posix()] = parser.urls
    return found


def test_every_internal_url_carries_the_prefix(prefixed_site: Path) -> None:
    bad = []
    for page, urls in page_urls(prefixed_site).items():
        for url in urls:
            external = re.match(r"^[a-z][a-z0-9+.-]*:", url) or url.startswith("#")
            if not external and not url.startswith(PREFIX):
                bad.append(f"{page}: {url}")
    assert not bad, "\n".join(bad[:20])
    css = (prefixed_site / "static/css/site.css").read_text(encoding="utf-8")
    assert not re.search(r"url\(\s*['\"]?/", css), "CSS urls must be relative to work under any prefix"


def test_site_served_under_the_prefix_has_no_broken_links(prefixed_site: Path) -> None:
    with serve_directory(prefixed_site, prefix=PREFIX) as url:
        assert broken_links(url) == []


def test_a_site_built_for_the_root_breaks_under_a_prefix(tmp_path: Path) -> None:
    root_site = build(tmp_path, "/")
    with serve_directory(root_site, prefix=PREFIX) as url:
        assert broken_links(url), "the link check must notice links that miss the prefix"


def test_feeds_and_data_under_the_prefix(prefixed_site: Path) -> None:
    parsed = feedparser.parse((prefixed_site / "feed.xml").read_bytes())
    assert not parsed.bozo
    assert parsed.entries[0].link == f"{PREFIX}articles/caliphate-collapse-2017/"
    assert all(link.href.startswith(PREFIX) for link in parsed.feed.links)
    assert '"url": "/athar-test/places/mosul/"' in (prefixed_site / "data/places.geojson").read_text(encoding="utf-8")


def test_full_base_url_makes_public_urls_absolute(absolute_site: Path) -> None:
    page = (absolute_site / "articles/caliphate-collapse-2017/index.html").read_text(encoding="utf-8")
    assert f'<link rel="canonical" href="{ABSOLUTE}articles/caliphate-collapse-2017/">' in page
    assert f'<meta property="og:image" content="{ABSOLUTE}articles/caliphate-collapse-2017/card.png">' in page
    assert f'"@id":"{ABSOLUTE}articles/caliphate-collapse-2017/#article"' in page
    assert 'href="/athar-test/events/"' in page, "links between pages stay root-relative"
    parsed = feedparser.parse((absolute_site / "feed.xml").read_bytes())
    assert not parsed.bozo
    assert parsed.entries[0].id == parsed.entries[0].link == f"{ABSOLUTE}articles/caliphate-collapse-2017/"
    robots = (absolute_site / "robots.txt").read_text(encoding="utf-8")
    assert f"Sitemap: {ABSOLUTE}sitemap.xml" in robots


def test_full_base_url_sitemap_is_valid_and_lists_every_page(absolute_site: Path) -> None:
    schema = etree.XMLSchema(etree.parse(str(REPO / "tests" / "data" / "sitemap.xsd")))
    doc = etree.parse(str(absolute_site / "sitemap.xml"))
    assert schema.validate(doc), schema.error_log
    locs = set(doc.xpath("//s:loc/text()", namespaces={"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}))
    pages = {ABSOLUTE + quote(p.relative_to(absolute_site).as_posix().removesuffix("index.html"))
             for p in absolute_site.rglob("index.html")}
    assert locs == pages, "the sitemap lists exactly the HTML pages (not 404.html)"



class _Meta(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "meta" and (a.get("property") or a.get("name")):
            self.meta[a.get("property") or a.get("name") or ""] = a.get("content") or ""


def test_with_a_host_every_page_has_a_share_card_in_the_site(absolute_site: Path) -> None:
    """og:image must be absolute, so only a site with a host has cards: each page's is a 1200x630 PNG."""
    from PIL import Image

    shown = set()
    for page in sorted(absolute_site.rglob("*.html")):
        parser = _Meta()
        parser.feed(page.read_text(encoding="utf-8"))
        meta, rel = parser.meta, page.relative_to(absolute_site).as_posix()
        assert meta["twitter:card"] == "summary_large_image", rel
        assert meta["og:image"] == meta["twitter:image"] and meta["og:image"].startswith(ABSOLUTE), rel
        assert meta["og:image:alt"] == meta["og:title"], rel
        shown.add(meta["og:image"].removeprefix(ABSOLUTE))
    for rel in shown:
        with Image.open(absolute_site / rel) as card:
            assert (card.format, card.size) == ("PNG", (1200, 630)), rel
    assert sorted(p.relative_to(absolute_site).as_posix() for p in absolute_site.rglob("*.png")) == sorted(shown)
    page = (absolute_site / "articles/caliphate-collapse-2017/index.html").read_text(encoding="utf-8")
    assert f'"image":"{ABSOLUTE}articles/caliphate-collapse-2017/card.png"' in page, "JSON-LD names the card too"

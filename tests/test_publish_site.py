"""Publishing, end to end on the built bundled corpus: what crawlers, feed readers,
researchers and scholars get from the real output."""

from __future__ import annotations

import csv
import json
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, unquote

import feedparser
import pytest

from tools import serve_directory

pytestmark = pytest.mark.e2e

SLUG = "caliphate-collapse-2017"
DATA = ("data/events.csv", "data/events.json", "data/places.geojson", "data/corpus.json")


class Head(HTMLParser):
    """Collects a page's canonical links, meta properties, JSON-LD, links and elements by id."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.canonical: list[str] = []
        self.meta: dict[str, list[str]] = {}
        self.jsonld: list[str] = []
        self.hrefs: list[str] = []
        self.feeds: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self._script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "link" and a.get("rel") == "canonical":
            self.canonical.append(a["href"] or "")
        if tag == "link" and a.get("rel") == "alternate" and a.get("type") == "application/atom+xml":
            self.feeds.append(a["href"] or "")
        if tag == "meta" and (a.get("property") or a.get("name")):
            self.meta.setdefault(a.get("property") or a.get("name") or "", []).append(a.get("content") or "")
        if tag == "a" and a.get("href"):
            self.hrefs.append(a["href"] or "")
        self._script = tag == "script" and a.get("type") == "application/ld+json"

    def handle_data(self, data: str) -> None:
        if self._script:
            self.jsonld.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = False


def head(path: Path) -> Head:
    parser = Head()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def graph_nodes(h: Head) -> list[dict]:
    assert len(h.jsonld) == 1, "one JSON-LD block per page"
    data = json.loads(h.jsonld[0])
    assert data["@context"] == "https://schema.org"
    return data["@graph"]


def local(site: Path, url: str) -> Path:
    """The file a root-relative URL of the bundled site (base /) points to."""
    assert url.startswith("/"), url
    path = site / unquote(url).lstrip("/")
    return path / "index.html" if url.endswith("/") else path


def test_every_page_has_canonical_open_graph_twitter_and_json_ld(bundled_site: Path) -> None:
    for page in pages(bundled_site):
        h = head(page)
        rel = page.relative_to(bundled_site).as_posix()
        if rel == "404.html":
            assert h.canonical == [], "the 404 page is served at any URL: no canonical"
        else:
            expected = quote("/" + rel.removesuffix("index.html"))
            assert h.canonical == [expected], rel
            assert h.meta["og:url"] == [expected]
        for key in ("og:title", "og:type", "og:site_name", "twitter:card"):
            assert len(h.meta.get(key, [])) == 1 and h.meta[key][0], f"{rel}: {key}"
        # base_url "/" names no host: no share card, since og:image must be an absolute URL
        assert not [k for k in h.meta if "image" in k], rel
        assert h.meta["twitter:card"] == ["summary"]
        assert h.feeds == ["/feed.xml", "/events/feed.xml"]
        graph_nodes(h)


def test_article_page_json_ld(bundled_site: Path) -> None:
    h = head(bundled_site / "articles" / SLUG / "index.html")
    nodes = {n.get("@id"): n for n in graph_nodes(h)}
    article = nodes[f"/articles/{SLUG}/#article"]
    assert article["@type"] == "NewsArticle"
    assert article["headline"] == "عمليات تحرير الموصل والرقة مزقت أوصال دولة الخلافة المزعومة"
    assert (article["datePublished"], article["dateline"]) == ("2017-11-17", "دبي")
    assert article["publisher"]["name"] == "أخبار الآن" and article["author"]["name"] == "بشان جمانة"
    for ref in article["about"] + article["mentions"]:
        assert nodes[ref["@id"]]["@type"] in {"Event", "Place", "Organization"}
    assert {nodes[r["@id"]]["@type"] for r in article["mentions"]} == {"Place", "Organization"}
    assert h.meta["og:type"] == ["article"]
    assert h.meta["article:published_time"] == ["2017-11-17"]
    assert "image" not in article and not list(bundled_site.rglob("*.png")), "no host, no share cards"


def test_event_place_and_actor_pages_describe_their_entity(bundled_site: Path) -> None:
    nodes = graph_nodes(head(bundled_site / "events" / "mosul-recapture-2017" / "index.html"))
    event = next(n for n in nodes if n["@type"] == "Event")
    assert (event["startDate"], event["endDate"]) == ("2017-07-10", "2017-07-10")
    assert event["location"][0]["@type"] == "Place"
    assert event["location"][0]["geo"] == {"@type": "GeoCoordinates", "latitude": 36.34, "longitude": 43.13}
    ranged = next(n for n in graph_nodes(head(bundled_site / "events" / "battle-of-mosul-2016-2017" / "index.html"))
                  if n["@type"] == "Event")
    assert (ranged["startDate"], ranged["endDate"]) == ("2016-10-17", "2017-07-20")
    place = next(n for n in graph_nodes(head(bundled_site / "places" / "mosul" / "index.html")) if n["@type"] == "Place")
    assert place["name"] == "الموصل" and place["geo"]["latitude"] == 36.34
    org = next(n for n in graph_nodes(head(bundled_site / "actors" / "isis" / "index.html")) if n["@type"] == "Organization")
    assert org["name"] == "داعش" and org["sameAs"] == "https://www.wikidata.org/wiki/Q2429253"


def test_feeds_parse_and_link_to_existing_pages(bundled_site: Path) -> None:
    for rel, count in (("feed.xml", 1), ("events/feed.xml", 13)):
        parsed = feedparser.parse((bundled_site / rel).read_bytes())
        assert not parsed.bozo, (rel, parsed.get("bozo_exception"))
        assert len(parsed.entries) == count
        for entry in parsed.entries:
            assert local(bundled_site, entry.link).is_file(), entry.link


def test_data_downloads_are_linked_from_home_and_each_index_and_load(bundled_site: Path) -> None:
    for page in ("index.html", "events/index.html", "places/index.html", "actors/index.html"):
        hrefs = head(bundled_site / page).hrefs
        for rel in DATA:
            assert f"/{rel}" in hrefs, f"{page} does not link {rel}"
        assert "/feed.xml" in hrefs and "/events/feed.xml" in hrefs
    rows = list(csv.DictReader((bundled_site / "data/events.csv").open(encoding="utf-8", newline="")))
    assert {r["event_id"] for r in rows} == {e["id"] for e in json.loads((bundled_site / "data/events.json").read_text())["events"]}
    mosul = next(r for r in rows if r["event_id"] == "mosul-recapture-2017")
    assert (mosul["location"], mosul["latitude"], mosul["longitude"]) == ("الموصل", "36.34", "43.13")
    geo = json.loads((bundled_site / "data/places.geojson").read_text(encoding="utf-8"))
    assert geo["type"] == "FeatureCollection" and len(geo["features"]) >= 10
    corpus = json.loads((bundled_site / "data/corpus.json").read_text(encoding="utf-8"))
    (article,) = corpus["articles"]
    assert all(article["text"][m["start"]:m["end"]] == m["text"] for m in article["mentions"])


def test_sitemap_is_left_out_without_a_host_and_robots_says_why(bundled_site: Path) -> None:
    assert not (bundled_site / "sitemap.xml").exists()
    robots = (bundled_site / "robots.txt").read_text(encoding="utf-8")
    assert robots.startswith("User-agent: *\nAllow: /\n") and "base_url" in robots


def test_timeline_and_map_are_inline_svg_pictures_with_text_alternatives(bundled_site: Path) -> None:
    for page, title in (("events/index.html", "timeline-title"), ("places/index.html", "map-title")):
        h = head(bundled_site / page)
        svgs = [a for tag, a in h.tags if tag == "svg"]
        assert len(svgs) == 1, page
        svg = svgs[0]
        assert svg["role"] == "img" and svg["aria-labelledby"] == f"{title} {title.replace('title', 'desc')}"
        ids = {a.get("id") for _, a in h.tags}
        assert {title, title.replace("title", "desc")} <= ids
    events = head(bundled_site / "events/index.html")
    assert sum(1 for tag, _ in events.tags if tag in ("circle", "rect")) >= 13, "one mark per event"
    places = head(bundled_site / "places/index.html")
    assert sum(1 for tag, a in places.tags if tag == "path") >= 2, "country outlines"
    assert sum(1 for tag, a in places.tags if tag == "circle") >= 10, "one dot per located place"


def test_cite_block_and_files(bundled_site: Path) -> None:
    h = head(bundled_site / "articles" / SLUG / "index.html")
    assert f"/articles/{SLUG}/cite.bib" in h.hrefs and f"/articles/{SLUG}/cite.json" in h.hrefs
    items = json.loads((bundled_site / "articles" / SLUG / "cite.json").read_text(encoding="utf-8"))
    assert [i["type"] for i in items] == ["article-newspaper", "webpage"]
    assert (bundled_site / "articles" / SLUG / "cite.bib").read_text(encoding="utf-8").startswith(f"@article{{{SLUG},")
    buttons = [a for tag, a in h.tags if tag == "button" and "data-copy" in a]
    assert len(buttons) == 3 and all("hidden" in a for a in buttons), "without JavaScript no copy button shows"


def _open_article(page, url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{url}articles/{SLUG}/")
    page.wait_for_selector("button[data-copy='cite-text']:not([hidden])")


def test_copy_button_copies_the_citation(bundled_site: Path, browser) -> None:  # type: ignore[no-untyped-def]
    with serve_directory(bundled_site) as url:
        context = browser.new_context()
        try:
            context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url.rstrip("/"))
            page = context.new_page()
            _open_article(page, url)
            expected = page.inner_text("#cite-text")
            page.click("button[data-copy='cite-text']")
            page.wait_for_function("document.getElementById('cite-status').textContent.length > 0")
            assert page.inner_text("#cite-status") == "نُسخ إلى الحافظة."
            assert page.evaluate("navigator.clipboard.readText()") == expected
            assert expected.startswith("بشان جمانة، «عمليات تحرير الموصل")
        finally:
            context.close()


def test_copy_button_falls_back_without_the_clipboard_api(bundled_site: Path, browser) -> None:  # type: ignore[no-untyped-def]
    with serve_directory(bundled_site) as url:
        context = browser.new_context()
        try:
            context.add_init_script("""
                Object.defineProperty(Navigator.prototype, 'clipboard', {get: () => undefined});
                window.__copied = [];
                document.execCommand = function (cmd) {
                  window.__copied.push([cmd, document.activeElement && document.activeElement.value]);
                  return true;
                };""")
            page = context.new_page()
            _open_article(page, url)
            page.click("details:has(#cite-bib) > summary")
            page.click("button[data-copy='cite-bib']")
            page.wait_for_function("document.getElementById('cite-status').textContent.length > 0")
            copied = page.evaluate("window.__copied")
            assert copied == [["copy", page.text_content("#cite-bib")]]
            assert copied[0][1].startswith(f"@article{{{SLUG},")
            assert page.inner_text("#cite-status") == "نُسخ إلى الحافظة."
        finally:
            context.close()

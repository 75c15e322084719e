"""Publishing outputs from the model: feeds, sitemap, robots, JSON-LD, data downloads, citations.

Each test builds a small corpus in a temporary folder and checks one output
with the tool its readers use (feedparser, lxml + the sitemaps.org schema,
csv, json) rather than by comparing strings.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from builder.data import CSV_COLUMNS, corpus_json, events_csv, places_geojson
from builder.indexes import build_indexes
from builder.jsonld import Describer
from builder.permalink import PublicURLs
from builder.publish import Publisher, publish_outputs
from builder.render import Links, Renderer, json_script, plan, render
from fixtures_site import MINIMAL
from helpers_corpus import corpus_from
from tools import REPO

SITEMAP_XSD = REPO / "tests" / "data" / "sitemap.xsd"

FILES = {
    **MINIMAL,
    "places.yaml": (
        "- id: mosul\n  name: الموصل\n  name_en: Mosul\n  kind: city\n  country: IQ\n  admin1: Nineveh\n"
        "  lat: 36.34\n  lon: 43.13\n  wikidata: Q1537\n"
        "- id: raqqa\n  name: الرقة\n  country: SY\n  lat: 35.95\n  lon: 39.01\n"
        "- id: iraq\n  name: العراق\n  kind: country\n  country: IQ\n"
    ),
    "actors.yaml": "- id: isis\n  name: داعش\n  name_en: ISIS\n  wikidata: Q2429253\n- id: army\n  name: الجيش العراقي\n",
    "events.yaml": (
        "- id: mosul-2017\n  title: استعادة الموصل\n  date: 2017-07-10\n  type: territory-change\n"
        "  places: [mosul, iraq]\n  actors: [army, isis]\n"
        "  sources:\n    - title: Battle of Mosul\n      url: https://en.wikipedia.org/wiki/Battle_of_Mosul\n"
        "  description: Declared on **10 July**.\n"
        "- id: raqqa-2017\n  title: معركة الرقة\n  date: {start: 2017-06, end: 2017-10-17}\n  type: battle\n"
        "  places: [raqqa]\n  actors: [isis]\n"
        "- id: caliphate-2014\n  title: إعلان «الخلافة» (المزعومة)\n  date: 2014\n  type: declaration\n"
    ),
    "articles/one.md": (
        "---\ntitle: \"مقال أول: تحرير الموصل & الرقة\"\ndate: 2017-07-11\nsource: أخبار الآن\n"
        "source_url: https://example.com/news/1\nauthor: بشان جمانة\ndateline: دبي\nretrieved: 2024-01-02\n"
        "tags: [داعش]\n---\nاستعادة السيطرة على مدينة الموصل من داعش. ثم الرقة.\n"
    ),
    "articles/one.yaml": (
        "mentions:\n  - ref: place:mosul\n    quote: الموصل\n  - ref: actor:isis\n    quote: داعش\n"
        "  - ref: place:raqqa\n    quote: الرقة\n"
        "events:\n  - ref: mosul-2017\n    quote: استعادة السيطرة على مدينة الموصل\n    claimed_date: 2017-07\n"
        "notes:\n  - quote: ثم الرقة\n    text: ملاحظة **مهمة**\n"
    ),
    "articles/two.md": "---\ntitle: مقال ثان\ndate: 2017-10-20\n---\nمعركة الرقة انتهت.\n",
    "articles/two.yaml": "events:\n  - ref: raqqa-2017\n    quote: معركة الرقة\n",
}


def site(tmp_path: Path, base_url: str = "https://example.org/athar-test/", **overrides: str):
    """(corpus, indexes, links, urls) for FILES with the given base_url."""
    files = {**FILES, "site.yaml": f"title: موقع تجريبي\ndescription: وصف\nbase_url: \"{base_url}\"\n", **overrides}
    corpus, problems = corpus_from(tmp_path, files)
    assert not problems.errors, [d.format() for d in problems.errors]
    links = Links(corpus.settings.base_path)
    return corpus, build_indexes(corpus), links, PublicURLs.of(corpus.settings, links)


def outputs(tmp_path: Path, base_url: str = "https://example.org/athar-test/") -> dict[str, bytes]:
    corpus, indexes, links, _ = site(tmp_path, base_url)
    return {path: data if isinstance(data, bytes) else b"".join(data)  # big downloads come in pieces
            for path, data in publish_outputs(corpus, indexes, links)}


# --------------------------------------------------------------------- feeds

def test_article_feed_parses_without_bozo_with_arabic_titles_and_absolute_links(tmp_path: Path) -> None:
    feed = outputs(tmp_path)["feed.xml"]
    parsed = feedparser.parse(feed)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert ET.fromstring(feed).get("{http://www.w3.org/XML/1998/namespace}lang") == "ar"
    assert [e.title for e in parsed.entries] == ["مقال ثان", "مقال أول: تحرير الموصل & الرقة"]
    first = parsed.entries[1]
    assert first.link == "https://example.org/athar-test/articles/one/"
    assert first.id == "https://example.org/athar-test/articles/one/"
    assert first.author == "بشان جمانة"
    assert first.published.startswith("2017-07-11T00:00:00")
    assert [t.term for t in first.tags] == ["داعش"]
    assert any(link.rel == "related" and link.href == "https://example.com/news/1" for link in first.links)
    assert parsed.feed.updated.startswith("2017-10-20"), "updated is the newest content date, not the build time"


def test_event_feed_lists_events_latest_first_with_their_dates(tmp_path: Path) -> None:
    parsed = feedparser.parse(outputs(tmp_path)["events/feed.xml"])
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert [e.title for e in parsed.entries] == ["استعادة الموصل", "معركة الرقة", "إعلان «الخلافة» (المزعومة)"]
    assert parsed.entries[1].published.startswith("2017-06-01")
    assert "Declared on 10 July." in parsed.entries[0].summary


def test_feeds_without_a_host_use_root_relative_links_and_stable_urn_ids(tmp_path: Path) -> None:
    first = outputs(tmp_path / "a", "/athar-test/")
    again = outputs(tmp_path / "b", "/athar-test/")
    assert first["feed.xml"] == again["feed.xml"]
    parsed = feedparser.parse(first["feed.xml"])
    assert not parsed.bozo
    assert parsed.entries[1].link == "/athar-test/articles/one/"
    assert re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", parsed.entries[1].id)
    assert len({e.id for e in parsed.entries} | {parsed.feed.id}) == len(parsed.entries) + 1
    other_site = outputs(tmp_path / "c", "/other/")
    assert feedparser.parse(other_site["feed.xml"]).entries[1].id != parsed.entries[1].id


# ------------------------------------------------------------------ sitemap

def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SITEMAP_XSD)))


def test_sitemap_is_valid_against_the_sitemaps_org_schema(tmp_path: Path) -> None:
    data = outputs(tmp_path)["sitemap.xml"]
    schema = _schema()
    doc = etree.fromstring(data)
    assert schema.validate(doc), schema.error_log
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = doc.xpath("//s:loc/text()", namespaces=ns)
    assert all(loc.startswith("https://example.org/athar-test/") for loc in locs)
    assert "https://example.org/athar-test/articles/one/" in locs
    assert "https://example.org/athar-test/events/raqqa-2017/" in locs
    assert not any("404" in loc for loc in locs)
    lastmod = doc.xpath("//s:url[s:loc='https://example.org/athar-test/articles/one/']/s:lastmod/text()", namespaces=ns)
    assert lastmod == ["2017-07-11"]


def test_the_sitemap_schema_check_can_fail() -> None:
    bad = b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>/</loc><lastmod>July</lastmod></url></urlset>'
    assert not _schema().validate(etree.fromstring(bad))


def test_robots_points_to_the_sitemap_only_when_the_host_is_known(tmp_path: Path) -> None:
    absolute = outputs(tmp_path / "a")
    assert "Sitemap: https://example.org/athar-test/sitemap.xml" in absolute["robots.txt"].decode()
    path_only = outputs(tmp_path / "b", "/athar-test/")
    assert "sitemap.xml" not in path_only
    robots = path_only["robots.txt"].decode()
    assert "User-agent: *" in robots and "Sitemap:" not in robots


# ------------------------------------------------------------------ JSON-LD

def _nodes(graph: dict) -> dict[str, dict]:
    assert graph["@context"] == "https://schema.org"
    return {n["@id"]: n for n in graph["@graph"] if "@id" in n}


def test_news_article_json_ld(tmp_path: Path) -> None:
    corpus, indexes, _, urls = site(tmp_path)
    nodes = _nodes(Describer(corpus, indexes, urls).article_page(corpus.articles["one"], "https://x/card.png"))
    base = "https://example.org/athar-test/"
    art = nodes[f"{base}articles/one/#article"]
    assert art["@type"] == "NewsArticle"
    assert art["headline"] == "مقال أول: تحرير الموصل & الرقة"
    assert art["datePublished"] == "2017-07-11"
    assert art["dateline"] == "دبي"
    assert art["publisher"] == {"@type": "NewsMediaOrganization", "name": "أخبار الآن"}
    assert art["author"] == {"@type": "Person", "name": "بشان جمانة"}
    assert art["isBasedOn"] == "https://example.com/news/1"
    assert art["about"] == [{"@id": f"{base}events/mosul-2017/#event"}]
    mentioned = {m["@id"] for m in art["mentions"]}
    assert mentioned == {f"{base}places/mosul/#place", f"{base}places/raqqa/#place", f"{base}actors/isis/#organization"}
    for ref in [*mentioned, art["about"][0]["@id"], art["isPartOf"]["@id"]]:
        assert ref in nodes, f"{ref} is referenced but not described"
    assert nodes[f"{base}actors/isis/#organization"]["@type"] == "Organization"


def test_event_json_ld_keeps_date_precision_and_places_with_coordinates(tmp_path: Path) -> None:
    corpus, indexes, _, urls = site(tmp_path)
    d = Describer(corpus, indexes, urls)
    base = "https://example.org/athar-test/"
    mosul = _nodes(d.event_page(corpus.events["mosul-2017"]))[f"{base}events/mosul-2017/#event"]
    assert (mosul["@type"], mosul["name"], mosul["startDate"], mosul["endDate"]) == \
        ("Event", "استعادة الموصل", "2017-07-10", "2017-07-10")
    place = mosul["location"][0]
    assert place["@type"] == "Place" and place["name"] == "الموصل"
    assert place["geo"] == {"@type": "GeoCoordinates", "latitude": 36.34, "longitude": 43.13}
    assert "geo" not in mosul["location"][1], "a place without coordinates gets none"
    raqqa = _nodes(d.event_page(corpus.events["raqqa-2017"]))[f"{base}events/raqqa-2017/#event"]
    assert (raqqa["startDate"], raqqa["endDate"]) == ("2017-06", "2017-10-17")
    year = _nodes(d.event_page(corpus.events["caliphate-2014"]))[f"{base}events/caliphate-2014/#event"]
    assert (year["startDate"], year["endDate"]) == ("2014", "2014")


def test_place_and_organization_json_ld(tmp_path: Path) -> None:
    corpus, indexes, _, urls = site(tmp_path)
    d = Describer(corpus, indexes, urls)
    place = _nodes(d.place_page(corpus.places["mosul"]))["https://example.org/athar-test/places/mosul/#place"]
    assert place["sameAs"] == "https://www.wikidata.org/wiki/Q1537"
    assert place["address"] == {"@type": "PostalAddress", "addressCountry": "IQ", "addressRegion": "Nineveh"}
    org = _nodes(d.actor_page(corpus.actors["isis"]))["https://example.org/athar-test/actors/isis/#organization"]
    assert (org["@type"], org["name"], org["alternateName"]) == ("Organization", "داعش", ["ISIS"])


def test_json_ld_text_is_the_whole_document_encoded_though_shared_nodes_are_encoded_once(tmp_path: Path) -> None:
    evil = "</script><!--"
    corpus, indexes, _, urls = site(tmp_path, **{"places.yaml": FILES["places.yaml"].replace("الموصل", "الموصل" + evil, 1)})
    d = Describer(corpus, indexes, urls)
    documents = [d.article_page(a, "https://x/card.png") for a in corpus.articles.values()]
    documents += [d.event_page(e) for e in corpus.events.values()] + [d.place_page(p) for p in corpus.places.values()]
    documents += [d.actor_page(a) for a in corpus.actors.values()] + [{"@type": "WebSite"}]
    for _ in range(2):  # the second time from the shared nodes' stored text
        assert [d.script(doc) for doc in documents] == [json_script(doc) for doc in documents]
    assert sum(text is not None for text in d._encoded.values()) == len(corpus.places) + len(corpus.actors)
    assert "<" not in "".join(map(d.script, documents))


def test_json_ld_cannot_break_out_of_its_script_element(tmp_path: Path) -> None:
    evil = "</script><script>alert(1)</script><!--"
    corpus, indexes, links, _ = site(tmp_path, **{"articles/two.md": f"---\ntitle: \"{evil}\"\ndate: 2017-10-20\n---\nمعركة الرقة.\n"})
    meta = Publisher(corpus, indexes, links).page_context("/articles/two/", "article.html",
                                                          {"article": corpus.articles["two"]})["meta"]
    assert "<" not in meta.jsonld and ">" not in meta.jsonld
    assert json.loads(meta.jsonld)["@graph"][0]["headline"] == evil


# -------------------------------------------------------------- data files

def test_events_csv_has_acled_style_columns_one_row_per_event_and_place(tmp_path: Path) -> None:
    corpus, indexes, _, _ = site(tmp_path)
    rows = list(csv.DictReader(io.StringIO(events_csv(corpus, indexes.timeline).decode("utf-8"))))
    assert tuple(rows[0].keys()) == CSV_COLUMNS == (
        "event_id", "event_date", "time_precision", "event_type", "actor1", "actor2", "location", "admin1",
        "country", "latitude", "longitude", "source", "notes", "articles")
    assert [(r["event_id"], r["location"]) for r in rows] == [
        ("caliphate-2014", ""), ("raqqa-2017", "الرقة"), ("mosul-2017", "الموصل"), ("mosul-2017", "العراق")]
    mosul = rows[2]
    assert (mosul["event_date"], mosul["time_precision"], mosul["event_type"]) == ("2017-07-10", "day", "territory-change")
    assert (mosul["actor1"], mosul["actor2"]) == ("الجيش العراقي", "داعش")
    assert (mosul["latitude"], mosul["longitude"], mosul["admin1"], mosul["country"]) == ("36.34", "43.13", "Nineveh", "IQ")
    assert (mosul["source"], mosul["notes"], mosul["articles"]) == ("Battle of Mosul", "Declared on 10 July.", "one")
    assert (rows[1]["event_date"], rows[1]["time_precision"]) == ("2017-06/2017-10-17", "month")
    assert rows[0]["time_precision"] == "year"


def test_places_geojson_is_a_feature_collection_in_lon_lat_order(tmp_path: Path) -> None:
    corpus, indexes, _, urls = site(tmp_path)
    geo = json.loads(json.dumps(places_geojson(corpus, indexes.timeline, urls)))
    assert geo["type"] == "FeatureCollection"
    by_id = {f["id"]: f for f in geo["features"]}
    assert set(by_id) == {"mosul", "raqqa"}, "places without coordinates are left out"
    for f in geo["features"]:
        assert f["type"] == "Feature" and f["geometry"]["type"] == "Point"
        lon, lat = f["geometry"]["coordinates"]
        assert -180 <= lon <= 180 and -90 <= lat <= 90
    assert by_id["mosul"]["geometry"]["coordinates"] == [43.13, 36.34]
    assert by_id["mosul"]["properties"]["events"] == ["mosul-2017"]
    assert by_id["mosul"]["properties"]["articles"] == ["one"]
    assert by_id["mosul"]["properties"]["url"] == "https://example.org/athar-test/places/mosul/"


def test_corpus_json_resolves_annotations_to_offsets_in_the_text(tmp_path: Path) -> None:
    corpus, indexes, _, urls = site(tmp_path)
    data = json.loads(json.dumps(corpus_json(corpus, indexes.timeline, urls)))
    one = next(a for a in data["articles"] if a["slug"] == "one")
    text = one["text"]
    assert {(m["ref"], m["text"]) for m in one["mentions"]} >= {("mosul", "الموصل"), ("isis", "داعش"), ("raqqa", "الرقة")}
    for m in one["mentions"] + one["events"] + one["notes"]:
        assert text[m["start"]:m["end"]] == m["text"]
    assert one["events"][0] == {**one["events"][0], "ref": "mosul-2017", "claimed_date": "2017-07",
                                "text": "استعادة السيطرة على مدينة الموصل"}
    assert one["notes"][0]["note"] == "ملاحظة مهمة"
    assert {p["id"] for p in data["places"]} == {"mosul", "raqqa", "iraq"}
    assert [e["id"] for e in data["events"]] == ["caliphate-2014", "raqqa-2017", "mosul-2017"]


def test_publishing_outputs_are_byte_identical_across_builds(tmp_path: Path) -> None:
    first, second = outputs(tmp_path / "a"), outputs(tmp_path / "b")
    assert first.keys() == second.keys()
    assert {k for k, v in first.items() if v != second[k]} == set()


# ---------------------------------------------------------------- citations

def site_files(tmp_path: Path) -> dict[str, bytes]:
    """Every file of the site, pages and what is made with them included."""
    corpus, indexes, _, _ = site(tmp_path)
    return {path: data if isinstance(data, bytes) else b"".join(data) for path, data in render(corpus, indexes)}


def test_citations_in_csl_json_and_bibtex(tmp_path: Path) -> None:
    files = site_files(tmp_path)
    items = json.loads(files["articles/one/cite.json"])
    original, page = items
    assert original["type"] == "article-newspaper"
    assert original["title"] == "مقال أول: تحرير الموصل & الرقة"
    assert original["author"] == [{"literal": "بشان جمانة"}]
    assert original["container-title"] == "أخبار الآن"
    assert original["issued"] == {"date-parts": [[2017, 7, 11]]}
    assert original["accessed"] == {"date-parts": [[2024, 1, 2]]}
    assert original["URL"] == "https://example.com/news/1"
    assert page["type"] == "webpage" and page["URL"] == "https://example.org/athar-test/articles/one/"
    assert page["container-title"] == "موقع تجريبي"
    bib = files["articles/one/cite.bib"].decode("utf-8")
    assert bib.startswith("@article{one,\n")
    assert "@online{one-annotated," in bib
    assert "  title = {مقال أول: تحرير الموصل \\& الرقة}" in bib, "& is escaped for BibTeX"
    assert "  author = {{بشان جمانة}}" in bib, "an Arabic name stays whole"
    assert "  date = {2017-07-11}" in bib and "  urldate = {2024-01-02}" in bib
    assert "  url = {https://example.org/athar-test/articles/one/}" in bib
    depth = 0
    for ch in bib.replace("\\{", "").replace("\\}", ""):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        assert depth >= 0
    assert depth == 0, "braces balance"


def test_citation_text_names_the_original_and_the_annotated_copy(tmp_path: Path) -> None:
    corpus, indexes, links, _ = site(tmp_path)
    block = Publisher(corpus, indexes, links).page_context(
        "/articles/one/", "article.html", {"article": corpus.articles["one"]})["cite"]
    text = block.citation.text
    assert text.startswith("بشان جمانة، «مقال أول: تحرير الموصل & الرقة»، أخبار الآن، ")
    assert "https://example.com/news/1" in text and text.endswith("https://example.org/athar-test/articles/one/.")
    assert [p for p, ltr in block.citation.segments if ltr] == ["https://example.com/news/1",
                                                                "https://example.org/athar-test/articles/one/"]
    assert block.bib_href == "/athar-test/articles/one/cite.bib"


def test_citation_files_are_made_with_the_article_page_and_hold_what_it_shows(tmp_path: Path) -> None:
    corpus, indexes, _, _ = site(tmp_path)
    renderer = Renderer(corpus, indexes)
    task = next(t for t in plan(corpus, indexes) if t.path == "articles/one/index.html")
    (page, pieces), *companions = renderer.render_files(task)
    assert page == task.path and [p for p, _ in companions] == ["articles/one/cite.json", "articles/one/cite.bib"]
    shown = html.unescape(b"".join(pieces).decode("utf-8"))
    for _, (data,) in companions:
        assert data.decode("utf-8").strip() in shown
    assert not [p for p, _ in publish_outputs(corpus, indexes) if p.endswith(("cite.json", "cite.bib"))]
    others = [t for t in plan(corpus, indexes) if t.kind != "article"]
    assert all(len(renderer.render_files(t)) == 1 for t in others)


def test_json_script_is_what_pages_embed(tmp_path: Path) -> None:
    corpus, indexes, links, _ = site(tmp_path)
    meta = Publisher(corpus, indexes, links).page_context("/", "index.html", {})["meta"]
    graph = json.loads(meta.jsonld)
    assert meta.jsonld == json_script(graph)
    types = {n["@type"] for n in graph["@graph"]}
    assert types == {"WebSite", "Dataset"}
    dataset = next(n for n in graph["@graph"] if n["@type"] == "Dataset")
    assert {d["contentUrl"] for d in dataset["distribution"]} == {
        f"https://example.org/athar-test/data/{n}" for n in ("events.csv", "events.json", "places.geojson", "corpus.json")}
    assert dataset["temporalCoverage"] == "2014/2017-10-17"


@pytest.mark.parametrize("template", ["articles.html", "events.html", "places.html", "actors.html", "tags.html",
                                      "search.html"])
def test_index_pages_have_canonical_and_collection_page(tmp_path: Path, template: str) -> None:
    corpus, indexes, links, _ = site(tmp_path)
    page = "/" + template.removesuffix(".html") + "/"
    meta = Publisher(corpus, indexes, links).page_context(page, template, {})["meta"]
    assert meta.canonical == f"https://example.org{links.url(page)}"
    assert meta.image == "https://example.org/athar-test/card.png"
    assert {n["@type"] for n in json.loads(meta.jsonld)["@graph"]} == {"WebSite", "CollectionPage"}

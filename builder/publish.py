"""Stage 3d, publishing: what lets the site be read outside its own pages.

Two entry points, both fed by :class:`Publisher`:

* :meth:`Publisher.page_context` gives every page what its ``<head>`` and
  publishing partials show (canonical URL, Open Graph and Twitter tags,
  JSON-LD, feed links, data downloads; the citation on article pages; the
  timeline and map on the event and place indexes), computed here so the
  templates only print it;
* :meth:`Publisher.outputs` (and :func:`publish_outputs`) yields the extra
  files: Atom feeds, sitemap.xml, robots.txt, data downloads, share cards
  and citation files.

Each derived output is a function from the model to bytes (Zola's habit);
only :mod:`builder.write` touches disk (the share-card cache aside).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Sequence

from builder import permalink as P
from builder.cards import Background, Card, CardCache
from builder.charts import OUTLINES, MapChart, TimelineChart, map_chart, timeline_chart
from builder.cite import Citation, cite
from builder.data import DOWNLOADS, data_files
from builder.feeds import article_feed, event_feed
from builder.fingerprint import CACHE_DIR
from builder.fmt import Formatter
from builder.indexes import Indexes
from builder.timeline import Timeline
from builder.jsonld import Describer, graph
from builder.markup import excerpt, strip_tags
from builder.model import Article, Corpus, Event
from builder.sitemap import robots, sitemap

if TYPE_CHECKING:
    from builder.render import Links

CARD_WIDTH, CARD_HEIGHT = 1200, 630
INDEX_TITLES = {
    "articles.html": "المقالات", "events.html": "فهرس الأحداث", "places.html": "الأماكن",
    "actors.html": "الفاعلون", "tags.html": "الوسوم", "search.html": "البحث", "404.html": "الصفحة غير موجودة",
}
KIND_WORDS = {"article": "مقال", "event": "حدث"}


@dataclass(frozen=True)
class FeedLink:
    title: str
    href: str  # root-relative, for <link rel=alternate> and <a>


@dataclass(frozen=True)
class DownloadLink:
    label: str
    href: str
    filename: str
    media_type: str


@dataclass(frozen=True)
class PageMeta:
    """What _head_meta.html prints for one page."""

    title: str
    description: str
    canonical: str | None  # None on the 404 page, which is served at any URL
    og_type: str  # "article" or "website"
    image: str | None  # its share card's public URL; None without a host (see share_cards)
    image_alt: str
    image_width: int
    image_height: int
    twitter_card: str
    site_name: str
    locale: str
    published: str | None  # article:published_time
    tags: tuple[str, ...]
    jsonld: str  # JSON, escaped for a <script> element
    feeds: tuple[FeedLink, ...]


@dataclass(frozen=True)
class _Subject:
    """What one page is about: the parts of its metadata that depend on the page."""

    title: str
    description: str
    data: dict[str, Any]  # the JSON-LD graph
    image: str = P.SITE_CARD  # output path of its share card
    og_type: str = "website"
    published: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class CiteBlock:
    """What _cite.html shows on an article page."""

    citation: Citation
    json_href: str
    bib_href: str
    json_name: str
    bib_name: str
    json_path: str  # where the files are in the site (see Publisher.page_files)
    bib_path: str


class Publisher:
    """Publishing metadata and files for one build."""

    def __init__(self, corpus: Corpus, indexes: Indexes, links: "Links",
                 template_dirs: Sequence[Path | None] = (), cache_dir: Path | None = None,
                 cards: Background | None = None):
        self.corpus = corpus
        self.indexes = indexes
        self.links = links
        self.urls = P.PublicURLs.of(corpus.settings, links)
        self.describe = Describer(corpus, indexes, self.urls)
        self.fmt = Formatter(corpus.settings)
        self.template_dirs = [d for d in template_dirs if d is not None]
        self.cards = CardCache(cache_dir / "cards" if cache_dir else None, helper=cards)

    # -------------------------------------------------------------- pages

    def page_context(self, page_url: str, template: str, context: dict[str, Any]) -> dict[str, Any]:
        """Extra template variables for one page (``page_url`` is relative to the base path)."""
        extra: dict[str, Any] = {"meta": self._meta(page_url, template, context), "downloads": self.downloads}
        if template == "article.html":
            extra["cite"] = self._cite_block(context["article"])
        elif template == "events.html":
            extra["timeline_chart"] = self.timeline_chart
        elif template == "places.html":
            extra["places_map"] = self.places_map
        return extra

    @cached_property
    def downloads(self) -> tuple[DownloadLink, ...]:
        return tuple(DownloadLink(d.label, self.links.url(d.path), d.filename, d.media_type) for d in DOWNLOADS)

    @cached_property
    def feeds(self) -> tuple[FeedLink, ...]:
        title = self.corpus.settings.title
        return (FeedLink(f"{title}: المقالات", self.links.url(P.FEED)),
                FeedLink(f"{title}: الأحداث", self.links.url(P.EVENTS_FEED)))

    @cached_property
    def timeline_chart(self) -> TimelineChart | None:
        return _timeline_chart(self.indexes.timeline)

    @cached_property
    def places_map(self) -> MapChart | None:
        counts = {p: len(self.indexes.entity_events[("place", p)]) + len(self.indexes.entity_articles[("place", p)])
                  for p in self.corpus.places}
        return map_chart(self.corpus, self._static_file(OUTLINES), counts)

    def _static_file(self, rel: str) -> Path | None:
        """A static file as the site ships it: the user's copy first, then athar's."""
        for root in self.template_dirs:
            if (root / rel).is_file():
                return root / rel
        return None

    def _meta(self, page_url: str, template: str, context: dict[str, Any]) -> PageMeta:
        s = self.corpus.settings
        url = self.links.url(page_url)
        subject = self._subject(url, template, context)
        image = self._card_url(subject.image)
        return PageMeta(
            title=subject.title, description=excerpt(subject.description or s.title, 300),
            canonical=None if template == "404.html" else self.urls(url), og_type=subject.og_type,
            image=image, image_alt=subject.title, image_width=CARD_WIDTH, image_height=CARD_HEIGHT,
            twitter_card="summary_large_image" if image else "summary", site_name=s.title,
            locale=_locale(s.language), published=subject.published, tags=subject.tags,
            jsonld=self.describe.script(subject.data), feeds=self.feeds,
        )

    def _subject(self, url: str, template: str, context: dict[str, Any]) -> "_Subject":
        """What a page is about, as its metadata tells it, by the template that shows it."""
        s, d = self.corpus.settings, self.describe
        if template == "article.html":
            a: Article = context["article"]
            image = P.article_card(a.slug)
            return _Subject(a.title, excerpt(a.body_text), d.article_page(a, self._card_url(image)), image,
                            "article", a.date.isoformat(), tuple(t.name for t in a.tags))
        if template == "event.html":
            ev = context["event"]
            description = strip_tags(ev.description_html) or f"{ev.title} — {self.fmt.date(ev.date)}"
            return _Subject(ev.title, description, d.event_page(ev), P.event_card(ev.id))
        if template == "place.html":
            place = context["place"]
            description = strip_tags(place.description_html) or place.name_en or s.description
            return _Subject(place.name, description, d.place_page(place))
        if template == "actor.html":
            actor = context["actor"]
            description = strip_tags(actor.description_html) or actor.name_en or s.description
            return _Subject(actor.name, description, d.actor_page(actor))
        if template == "index.html":
            downloads = ((dl.filename, self.urls(dl.href), dl.media_type) for dl in self.downloads)
            return _Subject(s.title, s.description, graph([d.website(), d.dataset(downloads)]))
        if template == "404.html":
            return _Subject(INDEX_TITLES[template], s.description, graph([d.website()]))
        title = f"وسم: {context['tag'].name}" if template == "tag.html" else INDEX_TITLES.get(template, s.title)
        return _Subject(title, s.description, graph([d.website(), d.collection(url, title)]))

    def _card_url(self, path: str) -> str | None:
        """The public URL of a share card, if the site has cards (see :func:`share_cards`)."""
        return self.urls.path(path) if self.urls.absolute else None

    def _citation(self, a: Article) -> Citation:
        return cite(a, self.corpus.settings, self.urls, self.fmt.date(a.date),
                    self.fmt.date(a.retrieved) if a.retrieved else "")

    def _cite_block(self, a: Article) -> CiteBlock:
        json_path, bib_path = P.cite_json(a.slug), P.cite_bib(a.slug)
        return CiteBlock(self._citation(a), self.links.url(json_path), self.links.url(bib_path),
                         f"{a.slug}.json", f"{a.slug}.bib", json_path, bib_path)

    @staticmethod
    def page_files(extra: dict[str, Any]) -> list[tuple[str, bytes]]:
        """The files made with a page, from what :meth:`page_context` gave it: an article's citation files.

        They are the citation the page shows, so they are written with the
        page (on every core, and again exactly when the page is), rather
        than made a second time after all the pages on one core.
        """
        block: CiteBlock | None = extra.get("cite")
        if block is None:
            return []
        return [(block.json_path, block.citation.csl_json.encode("utf-8")),
                (block.bib_path, block.citation.bibtex.encode("utf-8"))]

    # -------------------------------------------------------------- files

    def outputs(self, data: bool = True) -> Iterator[tuple[str, bytes]]:
        """Every publishing file, in a stable order (without the data downloads if not ``data``)."""
        corpus, timeline = self.corpus, self.indexes.timeline
        yield P.FEED, article_feed(corpus, self.urls)
        yield P.EVENTS_FEED, event_feed(corpus, timeline, self.urls)
        if self.urls.absolute:
            yield P.SITEMAP, sitemap(self._sitemap_pages())
        yield P.ROBOTS, robots(self.urls)
        if data:
            yield from self.data_files()  # (an article's citation files go with its page)
        yield from self.card_files()

    def data_files(self) -> list[tuple[str, Any]]:
        """The data downloads (see builder.data)."""
        return data_files(self.corpus, self.indexes.timeline, self.urls)

    def _sitemap_pages(self) -> list[tuple[str, date | None]]:
        """Every rendered page but 404.html, with the article pages' publication dates."""
        from builder.render import plan  # render imports this module
        dates = {P.article_page(a.slug): a.date for a in self.corpus.articles.values()}
        return [(self.urls.path(t.path.removesuffix("index.html")), dates.get(t.path))
                for t in plan(self.corpus, self.indexes) if t.path != "404.html"]

    def card_files(self) -> Iterator[tuple[str, bytes]]:
        """The share cards: the site's, then one per article and per event, as the background was handed them."""
        cards = share_cards(self.corpus, self.corpus.events.values())
        yield from zip((path for path, _ in cards), self.cards.linked([card for _, card in cards]))


_last_chart: list[tuple[Timeline, TimelineChart | None]] = []


def _timeline_chart(timeline: Timeline) -> TimelineChart | None:
    """The chart of a timeline, kept while the same timeline is in use.

    A live update that keeps the timeline (an article edit) renews the
    Publisher, and drawing 5,000 events again cost more than the rest of
    the event index page.
    """
    if not _last_chart or _last_chart[0][0] is not timeline:
        _last_chart[:] = [(timeline, timeline_chart(timeline))]
    return _last_chart[0][1]


def share_cards(corpus: Corpus, events: Iterable[Event]) -> list[tuple[str, Card]]:
    """Where each share card goes and what it shows: the site's, each article's, each event's.

    Nothing when base_url names no host.  A card is there for a social network
    to fetch, and ``og:image`` must be an absolute http(s) URL (the Open Graph
    schema; Twitter/X, LinkedIn and Slack use nothing else), so without a
    host no network can show it, as no search engine can read a sitemap of
    root-relative URLs.  Such a build writes neither, and says so; drawing
    the cards was a third of the CPU of a 10,000-article build.

    Needs only the corpus, so the cards can be drawn in the background
    while the indexes and pages are made (see :mod:`builder.build`).
    """
    from builder.render import EVENT_TYPE_LABELS  # render imports this module
    s = corpus.settings
    if not P.site_origin(s):
        return []
    fmt = Formatter(s)
    cards = [(P.SITE_CARD, Card(s.title, "", excerpt(s.description, 70)))]
    for a in corpus.articles.values():
        kicker = " · ".join(p for p in (KIND_WORDS["article"], fmt.date(a.date), a.source or "") if p)
        cards.append((P.article_card(a.slug), Card(a.title, kicker, s.title)))
    for ev in events:
        label = EVENT_TYPE_LABELS.get(ev.type or "", "")
        kicker = " · ".join(p for p in (KIND_WORDS["event"], fmt.date(ev.date), label) if p)
        cards.append((P.event_card(ev.id), Card(ev.title, kicker, s.title)))
    return cards


def publish_outputs(corpus: Corpus, indexes: Indexes, links: "Links | None" = None,
                    template_dirs: Sequence[Path | None] = (), cache_dir: Path | None = None,
                    cards: Background | None = None, data: bool = True) -> Iterator[tuple[str, bytes]]:
    """Every publishing file of the site, as (path, bytes); the data downloads only if ``data``."""
    return _publisher(corpus, indexes, links, template_dirs, cache_dir, cards).outputs(data)


def data_outputs(corpus: Corpus, indexes: Indexes) -> list[tuple[str, Any]]:
    """The data downloads alone, as (path, bytes or pieces)."""
    return _publisher(corpus, indexes).data_files()


def _publisher(corpus: Corpus, indexes: Indexes, links: "Links | None" = None,
               template_dirs: Sequence[Path | None] = (), cache_dir: Path | None = None,
               cards: Background | None = None) -> Publisher:
    if links is None:
        from builder.render import Links
        links = Links(corpus.settings.base_path)
    return Publisher(corpus, indexes, links, template_dirs, cache_dir, cards)


def cache_dir_for(output: Path) -> Path:
    """Where a build into ``output`` keeps drawn share cards: .athar-cache/ beside it."""
    return Path(output).resolve().parent / CACHE_DIR


def _locale(language: str) -> str:
    """Open Graph locale (language_TERRITORY); Arabic without a country is ar_AR by convention."""
    return {"ar": "ar_AR", "en": "en_US", "fr": "fr_FR"}.get(language, language)

"""Structured data: schema.org JSON-LD graphs describing each page.

Every entity page says what it is about (``NewsArticle``, ``Event``,
``Place``, ``Organization``) so search engines and research tools can read
the corpus without scraping it.  Nodes are named by the URL of their page
plus a fragment (``.../places/mosul/#place``) and refer to each other by
``@id``, so one graph can mention an entity another page describes.

Dates keep their precision (``2017-07`` stays a month): schema.org dates are
ISO 8601, which allows reduced precision.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable

from builder import jsonsafe
from builder.markup import strip_tags
from builder.model import Actor, Article, Corpus, Event, Place
from builder.permalink import PublicURLs

if TYPE_CHECKING:
    from builder.indexes import Indexes

Node = dict[str, Any]
CONTEXT = "https://schema.org"


def graph(nodes: Iterable[Node]) -> Node:
    """A JSON-LD document: the schema.org context and the nodes, without repeats."""
    seen: dict[str, Node] = {}
    anonymous: list[Node] = []
    for node in nodes:
        if "@id" in node:
            seen.setdefault(node["@id"], node)
        else:
            anonymous.append(node)
    return {"@context": CONTEXT, "@graph": [*seen.values(), *anonymous]}


def ref(node_id: str) -> Node:
    return {"@id": node_id}


class Describer:
    """Builds the schema.org nodes of one site."""

    def __init__(self, corpus: Corpus, indexes: "Indexes", urls: PublicURLs):
        self.corpus = corpus
        self.indexes = indexes
        self.urls = urls
        self.links = urls.links
        self._nodes: dict[tuple[str, str], Node] = {}  # place and actor nodes, made once (read-only)
        self._encoded: dict[int, bytes | None] = {}  # id of such a node -> its JSON, once a page has shown it

    # ------------------------------------------------------------ JSON

    def script(self, document: Node) -> str:
        """A :func:`graph` as compact JSON, safe inside <script> (see :mod:`builder.jsonsafe`).

        The same text as encoding the whole document, but each shared place
        and actor node is encoded once: an article page's graph holds twenty
        of them, most of its 14 kB, and encoding them again on every page
        was a tenth of rendering it.  Kept as UTF-8, half the size of a str
        holding Arabic, since every process keeps those of most entities.
        """
        if document.keys() != {"@context", "@graph"}:
            return jsonsafe.script(document)
        encoded = self._encoded
        parts = []
        for node in document["@graph"]:
            data = encoded.get(id(node))
            if data is None:
                data = jsonsafe.script(node).encode()
                if id(node) in encoded:  # a node this describer holds: its id stays its own
                    encoded[id(node)] = data
            parts.append(data)
        head = '{"@context":' + jsonsafe.script(document["@context"]) + ',"@graph":['
        return head + b",".join(parts).decode() + "]}"

    # ------------------------------------------------------------- ids

    def website_id(self) -> str:
        return self.urls(self.links.url("/")) + "#website"

    def article_id(self, slug: str) -> str:
        return self.urls(self.links.article(slug)) + "#article"

    def event_id(self, ident: str) -> str:
        return self.urls(self.links.event(ident)) + "#event"

    def place_id(self, ident: str) -> str:
        return self.urls(self.links.place(ident)) + "#place"

    def actor_id(self, ident: str) -> str:
        return self.urls(self.links.actor(ident)) + "#organization"

    # ----------------------------------------------------------- nodes

    def website(self) -> Node:
        s = self.corpus.settings
        node: Node = {
            "@type": "WebSite", "@id": self.website_id(), "name": s.title,
            "url": self.urls(self.links.url("/")), "inLanguage": s.language,
        }
        _put(node, "description", s.description)
        if s.author:
            node["publisher"] = {"@type": "Organization", "name": s.author}
        return node

    def place(self, place: Place) -> Node:
        """A Place node; the same (shared, never modified) dict for every page that names it."""
        node = self._nodes.get(("place", place.id))
        if node is None:
            node = self._nodes[("place", place.id)] = self._place(place)
            self._encoded[id(node)] = None
        return node

    def _place(self, place: Place) -> Node:
        node: Node = {"@type": "Place", "@id": self.place_id(place.id), "name": place.name,
                      "url": self.urls(self.links.place(place.id))}
        _put(node, "alternateName", [n for n in (place.name_en, *place.aliases) if n])
        if place.lat is not None and place.lon is not None:
            node["geo"] = {"@type": "GeoCoordinates", "latitude": place.lat, "longitude": place.lon}
        address = {"@type": "PostalAddress"}
        _put(address, "addressCountry", place.country)
        _put(address, "addressRegion", place.admin1)
        if len(address) > 1:
            node["address"] = address
        _put(node, "sameAs", _wikidata(place.wikidata))
        _put(node, "description", strip_tags(place.description_html))
        return node

    def actor(self, actor: Actor) -> Node:
        """An Organization node, made once per actor like :meth:`place`."""
        node = self._nodes.get(("actor", actor.id))
        if node is None:
            node = self._nodes[("actor", actor.id)] = self._actor(actor)
            self._encoded[id(node)] = None
        return node

    def _actor(self, actor: Actor) -> Node:
        node: Node = {"@type": "Organization", "@id": self.actor_id(actor.id), "name": actor.name,
                      "url": self.urls(self.links.actor(actor.id))}
        _put(node, "alternateName", [n for n in (actor.name_en, *actor.aliases) if n])
        _put(node, "sameAs", _wikidata(actor.wikidata))
        _put(node, "description", strip_tags(actor.description_html))
        return node

    def event(self, event: Event, inline_places: bool = True) -> Node:
        """An Event, its places inline (with coordinates) or by @id, its actors by @id."""
        start, end = event.date.start, event.date.end or event.date.start
        node: Node = {
            "@type": "Event", "@id": self.event_id(event.id), "name": event.title,
            "url": self.urls(self.links.event(event.id)),
            "startDate": start.iso, "endDate": end.iso,
        }
        _put(node, "alternateName", event.title_en)
        _put(node, "keywords", event.type)
        _put(node, "description", strip_tags(event.description_html))
        _put(node, "location", [self.place(self.corpus.places[p]) if inline_places else ref(self.place_id(p))
                                for p in event.places])
        _put(node, "about", [ref(self.actor_id(a)) for a in event.actors])
        reports = self.indexes.timeline.by_event[event.id].reports if event.id in self.indexes.timeline.by_event else ()
        sources = [{"@type": "CreativeWork", "name": s.title, **({"url": s.url} if s.url else {})} for s in event.sources]
        reporting = dict.fromkeys(r.slug for r in reports)  # an article reporting it twice is one subject
        _put(node, "subjectOf", [ref(self.article_id(slug)) for slug in reporting] + sources)
        return node

    def article(self, article: Article, image: str | None) -> Node:
        """A NewsArticle: the archived text, based on the original at source_url."""
        page = self.urls(self.links.article(article.slug))
        node: Node = {
            "@type": "NewsArticle", "@id": self.article_id(article.slug), "headline": article.title,
            "url": page, "mainEntityOfPage": page, "datePublished": article.date.isoformat(),
            "inLanguage": article.language, "isPartOf": ref(self.website_id()),
            "wordCount": article.word_count,
        }
        _put(node, "image", image)
        _put(node, "dateline", article.dateline)
        if article.author:
            node["author"] = {"@type": "Person", "name": article.author}
        if article.source:
            node["publisher"] = {"@type": "NewsMediaOrganization", "name": article.source}
        _put(node, "isBasedOn", article.source_url)
        _put(node, "keywords", [t.name for t in article.tags])
        _put(node, "about", [ref(self.event_id(e)) for e in article.event_ids])
        _put(node, "mentions", [ref(self.place_id(p)) for p in article.place_ids]
             + [ref(self.actor_id(a)) for a in article.actor_ids])
        return node

    def collection(self, url: str, name: str) -> Node:
        return {"@type": "CollectionPage", "@id": self.urls(url) + "#page", "name": name,
                "url": self.urls(url), "isPartOf": ref(self.website_id())}

    def dataset(self, downloads: Iterable[tuple[str, str, str]]) -> Node:
        """The corpus as a Dataset, with its data downloads as distributions."""
        s = self.corpus.settings
        node: Node = {
            "@type": "Dataset", "@id": self.urls(self.links.url("/")) + "#dataset", "name": s.title,
            "description": s.description or s.title, "url": self.urls(self.links.url("/")),
            "inLanguage": s.language, "isAccessibleForFree": True,
            "distribution": [{"@type": "DataDownload", "name": name, "encodingFormat": media, "contentUrl": url}
                             for name, url, media in downloads],
        }
        if s.author:
            node["creator"] = {"@type": "Organization", "name": s.author}
        span = self.indexes.timeline.span
        if span:
            first, last = span
            node["temporalCoverage"] = f"{first.start.iso}/{(last.end or last.start).iso}"
        return node

    # ----------------------------------------------------------- pages

    def article_page(self, article: Article, image: str | None) -> Node:
        nodes = [self.article(article, image), self.website()]
        events = [self.corpus.events[e] for e in article.event_ids]
        nodes += [self.event(e, inline_places=False) for e in events]
        places = dict.fromkeys([*article.place_ids, *(p for e in events for p in e.places)])
        actors = dict.fromkeys([*article.actor_ids, *(a for e in events for a in e.actors)])
        nodes += [self.place(self.corpus.places[p]) for p in places]
        nodes += [self.actor(self.corpus.actors[a]) for a in actors]
        return graph(nodes)

    def event_page(self, event: Event) -> Node:
        nodes = [self.event(event), self.website()]
        nodes += [self.actor(self.corpus.actors[a]) for a in event.actors]
        return graph(nodes)

    def place_page(self, place: Place) -> Node:
        return graph([self.place(place), self.website()])

    def actor_page(self, actor: Actor) -> Node:
        return graph([self.actor(actor), self.website()])


def _put(node: Node, key: str, value: Any) -> None:
    """Set a property only when it has a value (JSON-LD has no use for empties)."""
    if value not in (None, "", [], ()):
        node[key] = value


def _wikidata(qid: str | None) -> str | None:
    return f"https://www.wikidata.org/wiki/{qid}" if qid else None

"""Where publishing outputs live, and their public (absolute) URLs.

Pages link to each other with root-relative URLs under the base path
(:class:`builder.render.Links`), which works on any host.  Feeds, the
sitemap, canonical links and share-card tags are read *outside* the site,
so they need absolute URLs; those can only be made when ``base_url`` names
the host (``https://example.org/project/``).  With a path-only base_url
(``/project/``) :class:`PublicURLs` returns the root-relative URL instead,
and the callers choose what to do (see README, "Publishing").
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from builder.model import Settings

if TYPE_CHECKING:
    from builder.render import Links

FEED = "feed.xml"
EVENTS_FEED = "events/feed.xml"
SITEMAP = "sitemap.xml"
ROBOTS = "robots.txt"
EVENTS_CSV = "data/events.csv"
EVENTS_JSON = "data/events.json"
PLACES_GEOJSON = "data/places.geojson"
CORPUS_JSON = "data/corpus.json"
SITE_CARD = "card.png"


def article_page(slug: str) -> str:
    return f"articles/{slug}/index.html"


def article_card(slug: str) -> str:
    return f"articles/{slug}/card.png"


def event_card(ident: str) -> str:
    return f"events/{ident}/card.png"


def cite_json(slug: str) -> str:
    return f"articles/{slug}/cite.json"


def cite_bib(slug: str) -> str:
    return f"articles/{slug}/cite.bib"


def site_origin(settings: Settings) -> str:
    """``scheme://host[:port]`` of base_url, or "" when it is only a path."""
    parts = urlsplit(settings.base_url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


@dataclass(frozen=True)
class PublicURLs:
    """Turns the root-relative URLs of :class:`Links` into public ones."""

    links: "Links"
    origin: str  # "" when the host is unknown
    site_key: str  # what makes this site's Atom ids unique when there is no host

    @classmethod
    def of(cls, settings: Settings, links: "Links") -> "PublicURLs":
        return cls(links, site_origin(settings), f"{settings.title}|{settings.base_path}")

    @property
    def absolute(self) -> bool:
        """True when the host is known and every public URL is absolute."""
        return bool(self.origin)

    def __call__(self, url: str) -> str:
        """The public form of a root-relative URL from :class:`Links`."""
        return self.origin + url if url.startswith("/") else url

    def path(self, rel: str) -> str:
        """The public URL of an output file, e.g. ``path("feed.xml")``."""
        return self(self.links.url(rel))

    def tag_id(self, rel: str) -> str:
        """A permanent, globally unique id for a page: its URL, or a urn:uuid.

        Atom ids must be absolute IRIs.  Without a host, a UUID (version 5)
        of the site's title, base path and the page's path stands in; it is
        stable across builds as long as those stay the same.
        """
        if self.absolute:
            return self.path(rel)
        return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"athar:{self.site_key}|{rel}"))

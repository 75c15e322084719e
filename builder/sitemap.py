"""sitemap.xml (sitemaps.org protocol 0.9) and robots.txt.

The sitemap lists every page of the site; article pages carry their
publication date as ``lastmod`` (a content date: builds stay byte-identical).
The protocol requires absolute URLs, so the sitemap, and the ``Sitemap:``
line of robots.txt, are written only when base_url names the host; with a
path-only base_url robots.txt says how to get one.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

from builder.model import Corpus
from builder.permalink import SITEMAP, PublicURLs

NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def page_urls(corpus: Corpus, urls: PublicURLs) -> list[tuple[str, date | None]]:
    """Every HTML page of the site (not 404.html), with its content date if it has one."""
    links = urls.links
    pages: list[tuple[str, date | None]] = [(links.url("/"), None), (links.url("/articles/"), None)]
    pages += [(links.article(a.slug), a.date) for a in corpus.articles.values()]
    pages.append((links.url("/events/"), None))
    pages += [(links.event(i), None) for i in corpus.events]
    pages.append((links.url("/places/"), None))
    pages += [(links.place(i), None) for i in corpus.places]
    pages.append((links.url("/actors/"), None))
    pages += [(links.actor(i), None) for i in corpus.actors]
    pages.append((links.url("/tags/"), None))
    pages += [(links.tag(t), None) for t in corpus.tags]
    pages.append((links.url("/search/"), None))
    return sorted((urls(url), day) for url, day in pages)


def sitemap(corpus: Corpus, urls: PublicURLs) -> bytes:
    """The sitemap; only meaningful when ``urls.absolute``."""
    root = ET.Element("urlset", {"xmlns": NS})
    for loc, day in page_urls(corpus, urls):
        url = ET.SubElement(root, "url")
        ET.SubElement(url, "loc").text = loc
        if day is not None:
            ET.SubElement(url, "lastmod").text = day.isoformat()
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n").encode("utf-8")


def robots(urls: PublicURLs) -> bytes:
    """Allow everything; point to the sitemap when there is one."""
    lines = ["User-agent: *", "Allow: /", ""]
    if urls.absolute:
        lines.append(f"Sitemap: {urls.path(SITEMAP)}")
    else:
        lines += ["# No sitemap: base_url has no host, and sitemaps need absolute URLs.",
                  "# Set base_url to the full URL (https://example.org/project/) to get one."]
    return ("\n".join(lines) + "\n").encode("utf-8")

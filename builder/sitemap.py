"""sitemap.xml (sitemaps.org protocol 0.9) and robots.txt.

The sitemap lists every page of the site (the render plan's pages, so it
cannot drift from what is rendered); article pages carry their publication
date as ``lastmod`` (a content date: builds stay byte-identical).
The protocol requires absolute URLs, so the sitemap, and the ``Sitemap:``
line of robots.txt, are written only when base_url names the host; with a
path-only base_url robots.txt says how to get one.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

from typing import Iterable

from builder.permalink import SITEMAP, PublicURLs

NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def sitemap(pages: Iterable[tuple[str, date | None]]) -> bytes:
    """The sitemap of (absolute URL, content date or None) pairs, sorted by URL."""
    root = ET.Element("urlset", {"xmlns": NS})
    for loc, day in sorted(pages, key=lambda page: page[0]):
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

"""Atom feeds (RFC 4287) of the articles and of the events.

Feed readers follow a research site the way they follow a news site.  The
feeds carry Arabic titles and summaries under ``xml:lang``; their dates are
content dates (an article's publication date, an event's first day), never
the time of the build, so the same corpus gives the same bytes.

Links are absolute when base_url names a host; with a path-only base_url
they are root-relative, which a reader resolves against the feed's own URL,
and the ids are ``urn:uuid:`` names (see :meth:`PublicURLs.tag_id`).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date
from typing import Iterable

from builder import __version__
from builder.fmt import Formatter
from builder.markup import excerpt, strip_tags
from builder.model import Corpus
from builder.permalink import EVENTS_FEED, FEED, PublicURLs
from builder.timeline import Timeline

ATOM = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
LIMIT = 50
"""Entries per feed: the newest articles, the latest events."""


@dataclass(frozen=True)
class Entry:
    """One feed entry, already in public URLs and plain text."""

    id: str
    title: str
    link: str
    published: date
    summary: str
    authors: tuple[str, ...] = ()
    categories: tuple[tuple[str, str], ...] = ()  # (term, label)
    related: str | None = None  # the original article, for articles
    language: str | None = None  # when it differs from the feed's


@dataclass(frozen=True)
class Feed:
    """The feed-level metadata."""

    id: str
    title: str
    subtitle: str
    self_link: str
    home_link: str
    language: str
    author: str


def article_feed(corpus: Corpus, urls: PublicURLs) -> bytes:
    """The newest articles, each with its summary, tags and original link."""
    s = corpus.settings
    entries = [
        Entry(
            id=urls.tag_id(f"articles/{a.slug}/"), title=a.title, link=urls(urls.links.article(a.slug)),
            published=a.date, summary=excerpt(a.body_text, 400),
            authors=(a.author,) if a.author else (), categories=tuple((t.slug, t.name) for t in a.tags),
            related=a.source_url, language=a.language if a.language != s.language else None,
        )
        for a in list(corpus.articles.values())[:LIMIT]
    ]
    feed = Feed(urls.tag_id(FEED), f"{s.title}: المقالات", s.description, urls.path(FEED),
                urls(urls.links.url("/articles/")), s.language, s.author or s.title)
    return atom(feed, entries)


def event_feed(corpus: Corpus, timeline: Timeline, urls: PublicURLs) -> bytes:
    """The latest events (by documented date), each with its date in words."""
    s = corpus.settings
    fmt = Formatter(s)
    latest = sorted(timeline.entries, key=lambda e: (e.event.date.sort_key, e.event.id), reverse=True)[:LIMIT]
    entries = []
    for entry in latest:
        ev = entry.event
        text = strip_tags(ev.description_html)
        entries.append(Entry(
            id=urls.tag_id(f"events/{ev.id}/"), title=ev.title, link=urls(urls.links.event(ev.id)),
            published=ev.date.first_day(), summary=f"{fmt.date(ev.date)}" + (f" — {text}" if text else ""),
            categories=((ev.type, ev.type),) if ev.type else (),
        ))
    feed = Feed(urls.tag_id(EVENTS_FEED), f"{s.title}: الأحداث", s.description, urls.path(EVENTS_FEED),
                urls(urls.links.url("/events/")), s.language, s.author or s.title)
    return atom(feed, entries)


def atom(feed: Feed, entries: Iterable[Entry]) -> bytes:
    """Serialise a feed: UTF-8, indented, in a stable order."""
    entries = list(entries)
    root = ET.Element("feed", {"xmlns": ATOM, XML_LANG: feed.language})
    _text(root, "id", feed.id)
    _text(root, "title", feed.title)
    if feed.subtitle:
        _text(root, "subtitle", feed.subtitle)
    newest = max((e.published for e in entries), default=date(1970, 1, 1))
    _text(root, "updated", _stamp(newest))
    _link(root, feed.self_link, "self", "application/atom+xml")
    _link(root, feed.home_link, "alternate", "text/html")
    _person(root, feed.author)
    ET.SubElement(root, "generator", {"version": __version__}).text = "athar"
    for e in entries:
        el = ET.SubElement(root, "entry", {XML_LANG: e.language} if e.language else {})
        _text(el, "id", e.id)
        _text(el, "title", e.title)
        _link(el, e.link, "alternate", "text/html")
        if e.related:
            _link(el, e.related, "related", "text/html")
        _text(el, "published", _stamp(e.published))
        _text(el, "updated", _stamp(e.published))
        for name in e.authors:
            _person(el, name)
        for term, label in e.categories:
            ET.SubElement(el, "category", {"term": term, "label": label})
        _text(el, "summary", e.summary)
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n").encode("utf-8")


def _text(parent: ET.Element, name: str, value: str) -> None:
    el = ET.SubElement(parent, name)
    el.text = value
    if name in ("title", "subtitle", "summary"):
        el.set("type", "text")


def _link(parent: ET.Element, href: str, rel: str, media: str) -> None:
    ET.SubElement(parent, "link", {"rel": rel, "type": media, "href": href})


def _person(parent: ET.Element, name: str) -> None:
    author = ET.SubElement(parent, "author")
    _text(author, "name", name)


def _stamp(day: date) -> str:
    """RFC 3339 date-time for a content date (midnight UTC)."""
    return f"{day.isoformat()}T00:00:00Z"

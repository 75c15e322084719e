"""Data downloads for researchers: events.csv, events.json, places.geojson, corpus.json.

The same model the pages show, in formats other tools read: a table of
events with ACLED-style columns (one row per event and place, as ACLED
splits an event that happened in several locations), the events and the
gazetteer as JSON and GeoJSON, and the whole corpus with its annotations
resolved to character offsets.  Every file is UTF-8 and sorted, so a
rebuild of the same content gives the same bytes.  Columns and fields are
documented in the README ("Data downloads").
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any, Iterator

from builder import jsonsafe
from builder.dates import DateSpan
from builder.markup import strip_tags
from builder.model import Article, Corpus, Event, Place, unpack_text
from builder.permalink import CORPUS_JSON, EVENTS_CSV, EVENTS_JSON, PLACES_GEOJSON, PublicURLs
from builder.timeline import Timeline

VERSION = 1
"""Bumped when a field changes meaning; new fields may appear without a bump."""

CSV_COLUMNS = ("event_id", "event_date", "time_precision", "event_type", "actor1", "actor2", "location",
               "admin1", "country", "latitude", "longitude", "source", "notes", "articles")
SEP = "; "


@dataclass(frozen=True)
class Download:
    """A data file as the pages list it."""

    path: str  # output path, e.g. data/events.csv
    label: str  # Arabic description
    media_type: str

    @property
    def filename(self) -> str:
        return self.path.rsplit("/", 1)[-1]


DOWNLOADS = (
    Download(EVENTS_CSV, "جدول الأحداث (أعمدة على نمط ACLED)", "text/csv"),
    Download(EVENTS_JSON, "الأحداث بكامل تفاصيلها", "application/json"),
    Download(PLACES_GEOJSON, "الأماكن ذات الإحداثيات على الخريطة", "application/geo+json"),
    Download(CORPUS_JSON, "المدونة كاملة: المقالات ونصوصها وتعليقاتها", "application/json"),
)


def data_files(corpus: Corpus, timeline: Timeline, urls: PublicURLs) -> list[tuple[str, bytes]]:
    """All data downloads as (path, bytes)."""
    return [
        (EVENTS_CSV, events_csv(corpus, timeline)),
        (EVENTS_JSON, _json({"version": VERSION, "events": (_event(e.event, corpus, timeline, urls)
                                                            for e in timeline.entries)})),
        (PLACES_GEOJSON, _json(places_geojson(corpus, timeline, urls))),
        (CORPUS_JSON, _json(corpus_json(corpus, timeline, urls, lazy=True))),
    ]


# ------------------------------------------------------------------- events

def events_csv(corpus: Corpus, timeline: Timeline) -> bytes:
    """One row per event and place (one row for an event without places), in timeline order."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for entry in timeline.entries:
        ev = entry.event
        actors = [corpus.actors[a].name for a in ev.actors]
        common = {
            "event_id": ev.id, "event_date": ev.date.iso, "time_precision": _precision(ev.date),
            "event_type": ev.type or "", "actor1": actors[0] if actors else "",
            "actor2": SEP.join(actors[1:]), "source": SEP.join(s.title for s in ev.sources),
            "notes": strip_tags(ev.description_html), "articles": SEP.join(r.slug for r in entry.reports),
        }
        places: list[Place | None] = [corpus.places[p] for p in ev.places] or [None]
        for place in places:
            row = {**common, **_location(place)}
            writer.writerow([row[c] for c in CSV_COLUMNS])
    return out.getvalue().encode("utf-8")


def _precision(span: DateSpan) -> str:
    """day, month or year: the coarser of the two ends of a range."""
    order = ("day", "month", "year")
    ends = [span.start] + ([span.end] if span.end else [])
    return max((d.precision for d in ends), key=order.index)


def _location(place: Place | None) -> dict[str, str]:
    if place is None:
        return {"location": "", "admin1": "", "country": "", "latitude": "", "longitude": ""}
    return {
        "location": place.name, "admin1": place.admin1 or "", "country": place.country or "",
        "latitude": "" if place.lat is None else repr(place.lat),
        "longitude": "" if place.lon is None else repr(place.lon),
    }


def _date(span: DateSpan) -> dict[str, Any]:
    return {"iso": span.iso, "start": span.start.iso, "end": (span.end or span.start).iso, "precision": _precision(span)}


def _event(ev: Event, corpus: Corpus, timeline: Timeline, urls: PublicURLs) -> dict[str, Any]:
    entry = timeline.by_event[ev.id]
    return {
        "id": ev.id, "url": urls(urls.links.event(ev.id)), "title": ev.title, "title_en": ev.title_en,
        "date": _date(ev.date), "type": ev.type,
        "places": [_place_ref(corpus.places[p]) for p in ev.places],
        "actors": [{"id": a, "name": corpus.actors[a].name, "name_en": corpus.actors[a].name_en} for a in ev.actors],
        "sources": [{"title": s.title, "url": s.url} for s in ev.sources],
        "description": strip_tags(ev.description_html),
        "reports": [{"article": r.slug, "claimed_date": r.claimed_date.iso if r.claimed_date else None,
                     "differs": r.differs} for r in entry.reports],
    }


def _place_ref(p: Place) -> dict[str, Any]:
    return {"id": p.id, "name": p.name, "name_en": p.name_en, "country": p.country, "admin1": p.admin1,
            "lat": p.lat, "lon": p.lon}


# ------------------------------------------------------------------- places

def places_geojson(corpus: Corpus, timeline: Timeline, urls: PublicURLs) -> dict[str, Any]:
    """A FeatureCollection of the places that have coordinates (RFC 7946: [lon, lat])."""
    events_at: dict[str, list[str]] = {}
    for entry in timeline.entries:
        for pid in entry.event.places:
            events_at.setdefault(pid, []).append(entry.event.id)
    articles_at: dict[str, list[str]] = {}
    for a in corpus.articles.values():
        for pid in a.place_ids:
            articles_at.setdefault(pid, []).append(a.slug)
    features = []
    for p in sorted(corpus.places.values(), key=lambda place: place.id):
        if p.lat is None or p.lon is None:
            continue
        features.append({
            "type": "Feature", "id": p.id,
            "geometry": {"type": "Point", "coordinates": [p.lon, p.lat]},
            "properties": {
                "id": p.id, "name": p.name, "name_en": p.name_en, "aliases": list(p.aliases), "kind": p.kind,
                "country": p.country, "admin1": p.admin1, "wikidata": p.wikidata,
                "url": urls(urls.links.place(p.id)),
                "events": events_at.get(p.id, []), "articles": articles_at.get(p.id, []),
            },
        })
    return {"type": "FeatureCollection", "features": features}


# ------------------------------------------------------------------- corpus

def corpus_json(corpus: Corpus, timeline: Timeline, urls: PublicURLs, lazy: bool = False) -> dict[str, Any]:
    """Everything: settings, registries, events and articles with resolved annotations.

    With ``lazy``, events and articles are generators, made one at a time
    while :func:`_json` streams them to disk (the texts of 100,000 articles
    are never all held as JSON at once).
    """
    s = corpus.settings
    events = (_event(e.event, corpus, timeline, urls) for e in timeline.entries)
    articles = (_article(a, corpus, urls) for a in corpus.articles.values())
    return {
        "version": VERSION,
        "site": {"title": s.title, "description": s.description, "base_url": s.base_url, "language": s.language},
        "places": [{**_place_ref(p), "aliases": list(p.aliases), "kind": p.kind, "wikidata": p.wikidata,
                    "url": urls(urls.links.place(p.id)), "description": strip_tags(p.description_html)}
                   for p in corpus.places.values()],
        "actors": [{"id": a.id, "name": a.name, "name_en": a.name_en, "aliases": list(a.aliases), "kind": a.kind,
                    "wikidata": a.wikidata, "url": urls(urls.links.actor(a.id)),
                    "description": strip_tags(a.description_html)} for a in corpus.actors.values()],
        "events": events if lazy else list(events),
        "articles": articles if lazy else list(articles),
    }


def _article(a: Article, corpus: Corpus, urls: PublicURLs) -> dict[str, Any]:
    """An article with its text and every annotation resolved to [start, end) offsets in ``text``."""
    text = unpack_text(a.packed).text  # the whole of it, once: the spans, notes and reports follow

    def name(kind: str, ref: str) -> str:
        return corpus.places[ref].name if kind == "place" else corpus.actors[ref].name
    return {
        "slug": a.slug, "url": urls(urls.links.article(a.slug)), "title": a.title, "date": a.date.isoformat(),
        "source": a.source, "source_url": a.source_url, "author": a.author, "dateline": a.dateline,
        "retrieved": a.retrieved.isoformat() if a.retrieved else None, "language": a.language,
        "tags": [t.name for t in a.tags], "text": text,
        "mentions": [{"kind": s.kind, "ref": s.ref, "name": name(s.kind, s.ref), "start": s.start, "end": s.end,
                      "text": text[s.start:s.end], "auto": s.auto}
                     for s in a.spans if s.kind in ("place", "actor")],
        "events": [{"ref": r.event_id, "title": corpus.events[r.event_id].title, "start": r.span.start,
                    "end": r.span.end, "text": text[r.span.start:r.span.end],
                    "claimed_date": r.claimed_date.iso if r.claimed_date else None, "note": strip_tags(r.note_html)}
                   for r in a.events],
        "notes": [{"number": n.number, "start": n.span.start, "end": n.span.end, "text": text[n.span.start:n.span.end],
                   "note": strip_tags(n.html)} for n in a.notes],
        "related": [{"title": r.title, "article": r.article, "url": r.url} for r in a.related],
    }


def _json(value: dict[str, Any]) -> Iterator[bytes]:
    """An object as JSON, streamed: its keys sorted, one line per item of its lists.

    A download of 10,000 articles is over 100 MB of JSON: each item is
    encoded by the C encoder (an indented dump runs the pure-Python one)
    and written out in pieces, so neither the text nor, with generators as
    values, the records are ever all in memory.  The result reads the same
    to any JSON parser, and one record per line keeps it diffable.
    """
    buffer: list[str] = ["{"]
    size = 0
    for n, key in enumerate(sorted(value)):
        item = value[key]
        head = ("," if n else "") + "\n " + jsonsafe.dumps(key) + ": "
        if isinstance(item, (list, tuple, Iterator)):
            buffer.append(head + "[")
            count = 0
            for element in item:
                line = ("," if count else "") + "\n  " + jsonsafe.dumps(element)
                count += 1
                buffer.append(line)
                size += len(line)
                if size > CHUNK:
                    yield "".join(buffer).encode("utf-8")
                    buffer, size = [], 0
            buffer.append("\n ]" if count else "]")
        else:
            buffer.append(head + jsonsafe.dumps(item))
    buffer.append("\n}\n")
    yield "".join(buffer).encode("utf-8")


CHUNK = 1 << 20  # characters of JSON written at a time

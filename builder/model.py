"""The corpus model: what the site is about, as plain immutable dataclasses.

Built once by :func:`builder.corpus.build_corpus` from validated content;
indexes and templates only read it.  Each field's docstring-comment says
what it holds, so ``athar schema`` and readers share one description.
"""

from __future__ import annotations

import marshal
from dataclasses import dataclass, field
from datetime import date
from typing import Sequence

from builder.dates import DateSpan
from builder.deflate import zlib
from builder.spill import Stored


@dataclass(frozen=True)
class Settings:
    """Site settings from site.yaml, with defaults filled in."""

    title: str
    description: str = ""
    base_url: str = "/"
    base_path: str = "/"  # path part of base_url, always starting and ending with /
    language: str = "ar"
    direction: str = "rtl"
    numerals: str = "latn"
    month_names: str = "both"
    hijri: bool = False
    auto_mentions: bool = True
    author: str = ""
    latin_language: str = "en"  # the lang of researchers' text in Latin letters (notes, descriptions, source titles)


@dataclass(frozen=True, slots=True)
class Source:
    """A published source for an event."""

    title: str
    url: str | None = None


@dataclass(frozen=True)
class Place:
    """A place from the gazetteer."""

    id: str
    name: str
    name_en: str | None = None
    aliases: tuple[str, ...] = ()
    kind: str | None = None
    country: str | None = None
    admin1: str | None = None
    lat: float | None = None
    lon: float | None = None
    wikidata: str | None = None
    description_html: str = ""


@dataclass(frozen=True)
class Actor:
    """An actor (armed group, state force, coalition, ...)."""

    id: str
    name: str
    name_en: str | None = None
    aliases: tuple[str, ...] = ()
    kind: str | None = None
    wikidata: str | None = None
    description_html: str = ""


@dataclass(frozen=True)
class Event:
    """A canonical event, documented once and reported by any number of articles."""

    id: str
    title: str
    date: DateSpan
    title_en: str | None = None
    type: str | None = None
    places: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    sources: tuple[Source, ...] = ()
    description_html: str = ""


@dataclass(frozen=True, slots=True)
class Span:
    """A marked stretch of an article's text: [start, end) in its plain text."""

    start: int
    end: int
    kind: str  # "place", "actor", "event" or "note"
    ref: str  # entity id, or note number as text
    auto: bool = False  # found by automatic mention matching, not annotated


@dataclass(frozen=True, slots=True)
class EventReport:
    """An event as one article reports it."""

    event_id: str
    quote: str
    span: Span
    claimed_date: DateSpan | None = None
    note_html: str = ""


@dataclass(frozen=True, slots=True)
class RelatedLink:
    """An entry of the article's own related list (its المزيد)."""

    title: str
    article: str | None = None  # slug, when the story is in the corpus
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Note:
    """A research note attached to a span of the text."""

    number: int
    quote: str
    span: Span
    html: str


@dataclass(frozen=True, slots=True)
class Tag:
    """A free tag and its stable URL slug."""

    name: str
    slug: str


@dataclass(frozen=True)
class Article:
    """One article: verbatim text, its metadata and its resolved annotations.

    The text, spans and notes, which only the article's own page and the
    data files read, are held packed (see :func:`pack_text`) and read through
    the ``body_html``, ``body_text``, ``spans`` and ``notes`` properties.
    """

    slug: str
    title: str
    date: date
    packed: bytes | Stored  # body_html, body_text, spans and notes, made by pack_text (Stored: in a spill file)
    source_path: str  # content-relative path of the .md file
    source: str | None = None
    source_url: str | None = None
    author: str | None = None
    dateline: str | None = None
    retrieved: date | None = None
    language: str = "ar"
    tags: tuple[Tag, ...] = ()
    claims: tuple[tuple[str, DateSpan | None], ...] = ()  # each event report's (event id, date it gives), in order
    related: tuple[RelatedLink, ...] = ()
    place_ids: tuple[str, ...] = ()  # in order of first mention
    actor_ids: tuple[str, ...] = ()
    event_ids: tuple[str, ...] = ()
    mentions: int = 0  # how many place and actor spans the text has
    word_count: int = 0
    source_file: str = ""  # where the .md file is on disk (for live updates; never published)

    @property
    def body_html(self) -> str:
        """The sanitised HTML of the Markdown body, not yet marked up."""
        return unpack_text(self.packed).html

    @property
    def body_text(self) -> str:
        """The plain text of body_html; spans index into it."""
        return unpack_body_text(self.packed)

    @property
    def spans(self) -> tuple[Span, ...]:
        """Every marked stretch of body_text (mentions, event quotes, notes), in text order."""
        return unpack_text(self.packed).spans

    @property
    def notes(self) -> tuple[Note, ...]:
        """The research notes, numbered from 1."""
        return unpack_text(self.packed).notes

    @property
    def events(self) -> tuple[EventReport, ...]:
        """The events the article reports, in order (what the indexes need of them is ``claims``)."""
        return tuple(EventReport(event_id, quote, span, claimed, note_html)
                     for (event_id, quote, span, note_html), (_, claimed) in zip(unpack_text(self.packed).reports, self.claims))


@dataclass(frozen=True, slots=True)
class Text:
    """What an article's ``packed`` holds."""

    html: str
    text: str
    spans: tuple[Span, ...]
    notes: tuple[Note, ...]
    reports: tuple[tuple[str, str, Span, str], ...]  # each event report's event id, quote, span and note


def pack_text(html: str, text: str, spans: Sequence[Span], notes: Sequence[Note], reports: Sequence[EventReport] = ()) -> bytes:
    """An article's HTML, plain text, spans, notes and event reports, marshalled and deflated.

    Held as objects, the text, spans and quotes of 100,000 articles take about 2 GB
    (Arabic takes two bytes a character either way; a span is five
    objects); packed, a tenth of that. Each is needed whole only when its
    page or data record is written: about 50 us to unpack.  The plain text
    comes first in the one deflate stream (the HTML after it still refers
    back to it), behind its length, so the search index, which reads only
    the text, inflates only that much: 18 us.
    """
    text_part = marshal.dumps(text)
    rest = marshal.dumps((html, [_span_tuple(s) for s in spans],
                          [(n.number, n.quote, _span_tuple(n.span), n.html) for n in notes],
                          [(r.event_id, r.quote, _span_tuple(r.span), r.note_html) for r in reports]))
    return len(text_part).to_bytes(4, "little") + zlib.compress(text_part + rest, 1)


def _span_tuple(s: Span) -> tuple[int, int, str, str, bool]:
    return (s.start, s.end, s.kind, s.ref, s.auto)


_last: tuple[bytes | Stored, Text] | None = None


def unpack_text(packed: bytes | Stored) -> Text:
    """The :class:`Text` that :func:`pack_text` packed (the last one is kept: a page reads it several times)."""
    global _last
    last = _last
    if last is not None and last[0] is packed:
        return last[1]
    split, stream = _opened(packed)
    flat = zlib.decompress(stream)
    text = marshal.loads(memoryview(flat)[:split])
    html, spans, notes, reports = marshal.loads(memoryview(flat)[split:])
    unpacked = Text(html, text, tuple(Span(*s) for s in spans),
                    tuple(Note(number, quote, Span(*span), note_html) for number, quote, span, note_html in notes),
                    tuple((event_id, quote, Span(*span), note_html) for event_id, quote, span, note_html in reports))
    _last = (packed, unpacked)
    return unpacked


def unpack_body_text(packed: bytes | Stored) -> str:
    """The plain text alone of what :func:`pack_text` packed: only the start of the stream is inflated."""
    last = _last
    if last is not None and last[0] is packed:
        return last[1].text
    split, stream = _opened(packed)
    return marshal.loads(zlib.decompressobj().decompress(stream, split))


def _opened(packed: bytes | Stored) -> tuple[int, memoryview]:
    """A packed text's header (the length of the marshalled plain text) and its deflate stream."""
    raw = memoryview(packed if isinstance(packed, bytes) else packed.read())
    return int.from_bytes(raw[:4], "little"), raw[4:]


@dataclass(frozen=True)
class Corpus:
    """The whole corpus, cross-referenced and checked."""

    settings: Settings
    places: dict[str, Place]
    actors: dict[str, Actor]
    events: dict[str, Event]
    articles: dict[str, Article]  # newest first, then by slug
    tags: dict[str, Tag] = field(default_factory=dict)  # by slug

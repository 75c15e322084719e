"""The corpus model: what the site is about, as plain immutable dataclasses.

Built once by :func:`builder.corpus.build_corpus` from validated content;
indexes and templates only read it.  Each field's docstring-comment says
what it holds, so ``athar schema`` and readers share one description.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from builder.dates import DateSpan


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


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class Span:
    """A marked stretch of an article's text: [start, end) in its plain text."""

    start: int
    end: int
    kind: str  # "place", "actor", "event" or "note"
    ref: str  # entity id, or note number as text
    auto: bool = False  # found by automatic mention matching, not annotated


@dataclass(frozen=True)
class EventReport:
    """An event as one article reports it."""

    event_id: str
    quote: str
    span: Span
    claimed_date: DateSpan | None = None
    note_html: str = ""


@dataclass(frozen=True)
class RelatedLink:
    """An entry of the article's own related list (its المزيد)."""

    title: str
    article: str | None = None  # slug, when the story is in the corpus
    url: str | None = None


@dataclass(frozen=True)
class Note:
    """A research note attached to a span of the text."""

    number: int
    quote: str
    span: Span
    html: str


@dataclass(frozen=True)
class Tag:
    """A free tag and its stable URL slug."""

    name: str
    slug: str


@dataclass(frozen=True)
class Article:
    """One article: verbatim text, its metadata and its resolved annotations."""

    slug: str
    title: str
    date: date
    body_html: str  # sanitised HTML of the Markdown body, not yet marked up
    body_text: str  # the plain text of body_html; spans index into it
    source_path: str  # content-relative path of the .md file
    source: str | None = None
    source_url: str | None = None
    author: str | None = None
    dateline: str | None = None
    retrieved: date | None = None
    language: str = "ar"
    tags: tuple[Tag, ...] = ()
    spans: tuple[Span, ...] = ()
    events: tuple[EventReport, ...] = ()
    related: tuple[RelatedLink, ...] = ()
    notes: tuple[Note, ...] = ()
    place_ids: tuple[str, ...] = ()  # in order of first mention
    actor_ids: tuple[str, ...] = ()
    event_ids: tuple[str, ...] = ()
    word_count: int = 0
    source_file: str = ""  # where the .md file is on disk (for live updates; never published)


@dataclass(frozen=True)
class Corpus:
    """The whole corpus, cross-referenced and checked."""

    settings: Settings
    places: dict[str, Place]
    actors: dict[str, Actor]
    events: dict[str, Event]
    articles: dict[str, Article]  # newest first, then by slug
    tags: dict[str, Tag] = field(default_factory=dict)  # by slug

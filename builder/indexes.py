"""Stage 3, indexes: everything derived from the corpus before rendering.

One function, :func:`build_indexes`, calls each derivation (related
stories, the timeline, search, entity back-references) so the build reads
as one step per stage.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Callable, Sequence

from builder.model import Article, Corpus, Event
from builder.parallel import collector_paused
from builder.related import RelatedIndex, build_related, entity_keys, invert
from builder.search import build_search
from builder.timeline import Timeline, build_timeline

Key = tuple[str, str]  # (kind, id)


@dataclass(frozen=True)
class Stats:
    """Counts for the home page."""

    articles: int
    events: int
    places: int
    actors: int
    tags: int
    mentions: int


@dataclass(frozen=True, slots=True)
class Neighbours:
    """The articles just older and just newer than one article, to read on in date order."""

    older: Article | None = None
    newer: Article | None = None


@dataclass(frozen=True)
class Indexes:
    """All derived data the pages need."""

    related: RelatedIndex
    timeline: Timeline
    entity_articles: dict[Key, tuple[Article, ...]]
    entity_events: dict[Key, tuple[Event, ...]]
    tag_articles: dict[str, tuple[Article, ...]]
    stats: Stats
    search_files: list[tuple[str, bytes]] = field(default_factory=list)
    neighbours: dict[str, Neighbours] = field(default_factory=dict)  # by article slug


def build_indexes(corpus: Corpus, related: RelatedIndex | None = None, search: bool = True) -> Indexes:
    """Derive related stories, the timeline, search and back-references.

    ``related`` may be given when it was updated incrementally (live
    preview); ``search=False`` leaves the search files for later.
    """
    with collector_paused():  # millions of references and tuples, no cycles
        return _build_indexes(corpus, related, search)


def _build_indexes(corpus: Corpus, related: RelatedIndex | None, search: bool) -> Indexes:
    timeline = build_timeline(corpus)
    articles = list(corpus.articles.values())  # newest first already
    entity_articles: dict[Key, list[Article]] = {}
    for kind, field in (("place", "place_ids"), ("actor", "actor_ids"), ("event", "event_ids")):
        entity_articles.update(((kind, ident), posted) for ident, posted in _posted(articles, attrgetter(field)).items())
    tag_articles = _posted(articles, lambda a: [tag.slug for tag in a.tags])
    entity_events: dict[Key, list[Event]] = defaultdict(list)
    for entry in timeline.entries:
        for pid in entry.event.places:
            entity_events[("place", pid)].append(entry.event)
        for aid in entry.event.actors:
            entity_events[("actor", aid)].append(entry.event)
    stats = Stats(
        articles=len(corpus.articles), events=len(corpus.events), places=len(corpus.places),
        actors=len(corpus.actors), tags=len(corpus.tags),
        mentions=sum(a.mentions for a in corpus.articles.values()),
    )
    return Indexes(
        related=related if related is not None else build_related(corpus),
        timeline=timeline,
        entity_articles=_frozen(entity_articles),
        entity_events=_frozen(entity_events),
        tag_articles={k: tuple(v) for k, v in tag_articles.items()},
        stats=stats,
        search_files=list(build_search(corpus)) if search else [],
        neighbours=_neighbours(corpus),
    )


def update_indexes(old: Indexes, old_corpus: Corpus, corpus: Corpus, edited: Sequence[str],
                   related: RelatedIndex) -> Indexes:
    """The indexes after ``edited`` articles changed, equal to :func:`build_indexes` (without search).

    When every edit keeps the article where it was in every index (same
    date and order, entities, tags and claimed dates: a title, source or
    text edit), the old indexes are kept and only the edited articles'
    objects are swapped in; a live title edit at 10,000 articles no longer
    rebuilds the timeline and every entity's list.  Otherwise all are rebuilt.
    """
    if list(old_corpus.articles) != list(corpus.articles) or not all(
            _placed(old_corpus.articles[slug]) == _placed(corpus.articles[slug]) for slug in edited):
        return build_indexes(corpus, related=related, search=False)
    fresh = {slug: corpus.articles[slug] for slug in edited}

    def swap(articles: tuple[Article, ...]) -> tuple[Article, ...]:
        return tuple(fresh.get(a.slug, a) for a in articles)

    entity_articles = _Empty(old.entity_articles)
    tag_articles = dict(old.tag_articles)
    neighbours = dict(old.neighbours)
    order = list(corpus.articles)
    position = {slug: i for i, slug in enumerate(order)} if edited else {}
    mentions = old.stats.mentions
    for slug in edited:
        before, after = old_corpus.articles[slug], corpus.articles[slug]
        for key in entity_keys(after):
            entity_articles[key] = swap(entity_articles[key])
        for tag in after.tags:
            tag_articles[tag.slug] = swap(tag_articles[tag.slug])
        i = position[slug]
        for j in (i - 1, i, i + 1):  # it, and the two that show it as older / newer
            if 0 <= j < len(order):
                neighbours[order[j]] = Neighbours(
                    older=corpus.articles[order[j + 1]] if j + 1 < len(order) else None,
                    newer=corpus.articles[order[j - 1]] if j > 0 else None)
        mentions += after.mentions - before.mentions
    return dataclasses.replace(old, related=related, entity_articles=entity_articles, tag_articles=tag_articles,
                               stats=dataclasses.replace(old.stats, mentions=mentions), search_files=[],
                               neighbours=neighbours)


def _posted(articles: list[Article], keys: Callable[[Article], Sequence[str]]) -> dict[str, list[Article]]:
    """key -> the articles (in order) whose ``keys`` name it (see :func:`builder.related.invert`).

    A statement per mention, with a (kind, id) tuple made and hashed for
    each, was most of this step.
    """
    posted: dict[str, list[Article]] = defaultdict(list)
    invert(posted.__getitem__, list(map(keys, articles)), articles)
    return posted


def _placed(article: Article) -> tuple[object, ...]:
    """What decides where an article appears in the indexes (all but what it shows)."""
    return (article.date, article.place_ids, article.actor_ids, article.event_ids, article.tags,
            article.claims)


def _neighbours(corpus: Corpus) -> dict[str, Neighbours]:
    """Previous/next article by date (corpus.articles is newest first, then by slug)."""
    ordered = list(corpus.articles.values())
    return {
        a.slug: Neighbours(
            older=ordered[i + 1] if i + 1 < len(ordered) else None,
            newer=ordered[i - 1] if i > 0 else None,
        )
        for i, a in enumerate(ordered)
    }


class _Empty(dict):
    """A read-only mapping that answers () for keys it lacks."""

    def __missing__(self, key):  # type: ignore[no-untyped-def]
        return ()


def _frozen(d: dict[Key, list]) -> dict:  # type: ignore[type-arg]
    return _Empty({k: tuple(v) for k, v in d.items()})

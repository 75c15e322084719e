"""Stage 3a, related stories: which articles belong together, and why.

Each article's own list (المزيد) comes first, in its order.  Then computed
neighbours: articles sharing events, places or actors, found through an
inverted index (entity -> articles), never by comparing all pairs.  A shared
entity weighs its inverse document frequency, so a rare place counts for
more than "Syria"; entities are visited rarest first and the candidate list
is bounded, so the cost per article stays flat as the corpus grows.
Nearness in time breaks ties.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from builder.model import Article, Corpus

MAX_RELATED = 5
MAX_CANDIDATES = 64
COMMON_POSTINGS = 5_000
"""Entities in more articles than this do not propose candidates (they still score)."""

KIND_WEIGHT = {"event": 1.5, "place": 1.0, "actor": 0.8}


@dataclass(frozen=True)
class Related:
    """A computed related article and the entities it shares, rarest first."""

    slug: str
    score: float
    shared: tuple[tuple[str, str], ...]  # (kind, id)


@dataclass(frozen=True)
class RelatedIndex:
    """Related articles and backlinks for every article."""

    computed: dict[str, tuple[Related, ...]]
    backlinks: dict[str, tuple[str, ...]]  # slug -> slugs of articles whose list links to it


def _keys(article: Article) -> list[tuple[str, str]]:
    return (
        [("event", e) for e in article.event_ids]
        + [("place", p) for p in article.place_ids]
        + [("actor", a) for a in article.actor_ids]
    )


def build_related(corpus: Corpus) -> RelatedIndex:
    """Compute related articles and backlinks for the whole corpus."""
    articles = corpus.articles
    postings: dict[tuple[str, str], list[str]] = defaultdict(list)
    keys_of: dict[str, set[tuple[str, str]]] = {}
    for slug, article in articles.items():
        keys = _keys(article)
        keys_of[slug] = set(keys)
        for key in keys:
            postings[key].append(slug)
    total = max(1, len(articles))
    weight = {key: KIND_WEIGHT[key[0]] * math.log(1 + total / len(slugs)) for key, slugs in postings.items()}
    computed = {
        slug: _related_for(slug, articles, keys_of, postings, weight)
        for slug in articles
    }
    backlinks: dict[str, list[str]] = defaultdict(list)
    for slug, article in articles.items():
        for link in article.related:
            if link.article and link.article in articles and link.article != slug:
                backlinks[link.article].append(slug)
    return RelatedIndex(computed, {k: tuple(sorted(set(v))) for k, v in sorted(backlinks.items())})


def _related_for(slug, articles, keys_of, postings, weight) -> tuple[Related, ...]:
    """Candidates from the rarest shared entities first, bounded; then scored exactly."""
    own = keys_of[slug]
    candidates: set[str] = set()
    for key in sorted(own, key=lambda k: (len(postings[k]), k)):
        slugs = postings[key]
        if len(slugs) > COMMON_POSTINGS:
            break  # every later key is at least as common
        for other in slugs:
            if other != slug:
                candidates.add(other)
                if len(candidates) >= MAX_CANDIDATES:
                    break
        if len(candidates) >= MAX_CANDIDATES:
            break
    if not candidates:
        return ()
    day = articles[slug].date.toordinal()
    ranked = []
    for other in candidates:
        shared = own & keys_of[other]
        score = sum(weight[k] for k in shared)
        gap = abs(articles[other].date.toordinal() - day)
        ranked.append((score * (1 + 0.25 / (1 + gap / 30)), other, shared))
    ranked.sort(key=lambda t: (-t[0], t[1]))
    return tuple(
        Related(other, round(score, 6), tuple(sorted(shared, key=lambda k: (len(postings[k]), k))))
        for score, other, shared in ranked[:MAX_RELATED]
    )

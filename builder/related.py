"""Stage 3a, related stories: which articles belong together, and why.

Each article's own list (المزيد) comes first, in its order.  Then computed
neighbours: articles sharing events, places or actors, found through an
inverted index (entity -> articles), never by comparing all pairs.  A shared
entity weighs its inverse document frequency, so a rare place counts for
more than "Syria"; entities are visited rarest first and the candidate list
is bounded, so the cost per article stays flat as the corpus grows.  When an
entity's articles are more than the room left, the ones nearest in time are
taken.  Nearness in time breaks ties.
"""

from __future__ import annotations

import marshal
from array import array
import math
from bisect import bisect_left
from collections import Counter, defaultdict, deque
from dataclasses import dataclass
from functools import cached_property
from itertools import chain, compress, repeat
from operator import attrgetter, getitem, not_
from typing import Any, Callable, Iterable, Iterator, Mapping, NamedTuple, Sequence, TypeVar

from builder.model import Article, Corpus
from builder.parallel import collector_paused, map_chunks

MAX_RELATED = 5
REASONS = 4
"""Shared entities kept per related article, rarest first: what its page shows as the reason.
(All of them were over half of the lists' memory on a corpus whose articles name ~40 entities.)"""
MAX_CANDIDATES = 32
"""Articles scored exactly per article, gathered from its rarest entities first (the
cost of related stories is about articles x this: 64 took 27 s at 100,000)."""
COMMON_POSTINGS = 5_000
"""Entities in more articles than this do not propose candidates (they still score)."""

KIND_WEIGHT = {"event": 1.5, "place": 1.0, "actor": 0.8}
MARK_CELLS = 1 << 22
"""Articles are scored in batches of MARK_CELLS // entities: one byte per (article, entity) marks what each names."""

K = TypeVar("K")
T = TypeVar("T")


class Related(NamedTuple):
    """A computed related article and the entities it shares, rarest first.

    A named tuple, not a dataclass: 100,000 articles make half a million of
    them in the parent, and a frozen dataclass takes several times longer
    to build.
    """

    slug: str
    score: float
    shared: tuple[tuple[str, str], ...]  # (kind, id): the REASONS rarest shared entities


def _shown(related: tuple[Related, ...]) -> list[tuple[str, tuple[tuple[str, str], ...]]]:
    return [(r.slug, r.shared) for r in related]


class RelatedLists(Mapping[str, tuple[Related, ...]]):
    """slug -> its computed related articles, kept as numbers and named when read.

    Naming half a million entries (100,000 articles) took the parent 1.7 s,
    serially, before any page needed one; a page names its own list while it
    is rendered, on every core.  An incremental update (:meth:`replaced`)
    keeps the numbers of the lists it did not recompute, each read with the
    names of the index it was computed on.
    """

    __slots__ = ("_scored", "_slugs", "_keys", "_named")

    def __init__(self, scored: dict[str, bytes], slugs: Sequence[str], keys: Sequence[tuple[str, str]],
                 named: dict[str, tuple[Related, ...]] | None = None):
        self._scored = scored  # every slug, in corpus order: its Scored list, marshalled (see _related_chunk)
        self._slugs = slugs  # article number -> slug, of the index the numbers come from
        self._keys = keys  # entity rank -> (kind, id), of the same index
        self._named = named or {}  # lists recomputed since, already named

    def __getitem__(self, slug: str) -> tuple[Related, ...]:
        named = self._named.get(slug)
        if named is not None:
            return named
        return _named(marshal.loads(self._scored[slug]), self._slugs, self._keys)

    def __iter__(self) -> Iterator[str]:
        return iter(self._scored)

    def __len__(self) -> int:
        return len(self._scored)

    def replaced(self, fresh: dict[str, tuple[Related, ...]], order: Sequence[str]) -> "RelatedLists":
        """These lists with ``fresh`` ones in place of some, in the corpus ``order``."""
        scored = self._scored if list(self._scored) == list(order) else {slug: self._scored[slug] for slug in order}
        return RelatedLists(scored, self._slugs, self._keys, {**self._named, **fresh})

    def changed_from(self, old: Mapping[str, tuple[Related, ...]]) -> set[str]:
        """Slugs whose list, as pages show it, differs from ``old``'s (only recomputed lists are compared,
        when derived from it).

        A page shows each related article and the entities it shares, not
        its score: a new article changes the weight of every entity it
        names, so the scores of thousands of lists, and only a few of the
        lists themselves.
        """
        if self is old:
            return set()
        if isinstance(old, RelatedLists) and old._scored is self._scored and old._slugs is self._slugs:
            candidates: Iterable[str] = self._named
        else:
            candidates = self
        return {slug for slug in candidates if _shown(self[slug]) != _shown(old.get(slug, ()))}

    def showing(self, slugs: Iterable[str]) -> set[str]:
        """Slugs whose list shows one of ``slugs``, found on the numbers (no list is named)."""
        wanted = set(slugs)
        numbers = {i for i, slug in enumerate(self._slugs) if slug in wanted}
        found = {slug for slug, named in self._named.items() if any(r.slug in wanted for r in named)}
        for slug, scored in self._scored.items():
            if slug not in self._named and any(other in numbers for other, _, _ in marshal.loads(scored)):
                found.add(slug)
        return found


@dataclass(frozen=True)
class RelatedIndex:
    """Related articles and backlinks for every article."""

    computed: RelatedLists
    backlinks: dict[str, tuple[str, ...]]  # slug -> slugs of articles whose list links to it


def entity_keys(article: Article) -> list[tuple[str, str]]:
    """The (kind, id) of every event, place and actor an article names."""
    return (
        [("event", e) for e in article.event_ids]
        + [("place", p) for p in article.place_ids]
        + [("actor", a) for a in article.actor_ids]
    )


def build_related(corpus: Corpus) -> RelatedIndex:
    """Compute related articles and backlinks for the whole corpus.

    Entities and articles are numbered once, rarest entity first, so the
    per-article loop works on small integers and sets (C speed).
    """
    with collector_paused():  # tuples and sets only, no cycles
        index = _int_index(corpus)
        scored = chain.from_iterable(map_chunks(_related_chunk, range(len(index.slugs)), index, parent_works=False))
        lists = RelatedLists(dict(zip(index.slugs, scored)), index.slugs, index.keys)
        return RelatedIndex(lists, _backlinks(corpus))


Scored = tuple[tuple[int, float, tuple[int, ...]], ...]
"""Related articles as numbers: (article, score, shared entity ranks), best first."""


def _named(scored: Scored, slugs: Sequence[str], keys: Sequence[tuple[str, str]]) -> tuple[Related, ...]:
    """Related articles from their numbers, named by the index they were computed on."""
    key = keys.__getitem__
    return tuple([Related(slugs[other], score, tuple(map(key, shared))) for other, score, shared in scored])


def _related_chunk(index: "_IntIndex", numbers: Sequence[int]) -> list[bytes]:
    """Related lists of a run of articles (on all cores: the index is inherited by fork), a batch at a time.

    They come back as numbers, named when a page reads them: small to send,
    and the names are then the corpus's own strings, not a copy per mention.
    Each list is marshalled: as tuples, the lists of 100,000 articles whose
    articles share many entities held 160 MB of the build's heap until the
    end, counted again in every forked render worker; as bytes, a third.
    """
    step = index.batch
    return [marshal.dumps(scored) for start in range(0, len(numbers), step)
            for scored in index.scored(numbers[start:start + step])]


def update_related(old: RelatedIndex, old_corpus: Corpus, corpus: Corpus, edited: list[str]) -> RelatedIndex:
    """The related index after ``edited`` articles changed, equal to a full rebuild.

    Only articles whose candidates or weights can change are recomputed:
    the edited ones; those sharing an entity the edit added or removed (its
    frequency, so its weight and rank, changed); and, when an edited
    article's date changed (its number, so its place in postings, and its
    distance in time changed), every article sharing any entity with it.
    Everything else keeps its list, which a full rebuild would give again.
    """
    backlinks = old.backlinks if _same_links(old_corpus, corpus, edited) else _backlinks(corpus)
    keys_before = {slug: set(entity_keys(old_corpus.articles[slug])) for slug in edited}
    keys_after = {slug: set(entity_keys(corpus.articles[slug])) for slug in edited}
    moved = [slug for slug in edited if old_corpus.articles[slug].date != corpus.articles[slug].date
             or list(old_corpus.articles).index(slug) != list(corpus.articles).index(slug)]
    if not moved and all(keys_before[s] == keys_after[s] for s in edited):
        return RelatedIndex(old.computed, backlinks)
    index = _int_index(corpus)
    touched: set[tuple[str, str]] = set()
    for slug in edited:
        touched |= keys_before[slug] ^ keys_after[slug]
    for slug in moved:
        touched |= keys_before[slug] | keys_after[slug]
    number = {slug: i for i, slug in enumerate(index.slugs)}
    affected = {number[slug] for slug in edited}
    affected.update(index.naming({index.rank[kind][ident] for kind, ident in touched if ident in index.rank[kind]}))
    numbers = sorted(affected)
    fresh = {index.slugs[i]: _named(scored, index.slugs, index.keys) for i, scored in zip(numbers, index.scored(numbers))}
    return RelatedIndex(old.computed.replaced(fresh, index.slugs), backlinks)


def _int_index(corpus: Corpus) -> "_IntIndex":
    """Rank entities rarest first and give each article its ranks, in that order.

    Everything by C loops (map, chain, Counter), not a statement per
    mention (100,000 articles name two to five million entities): ids are
    counted, ranked, and each article's ids looked up and sorted by rank.
    Postings (rank -> articles) are made only for entities that can propose
    candidates (:data:`COMMON_POSTINGS`): the rest, about half of all
    mentions, would only be walked past (100,000 articles naming ~46
    entities each: 3.3 -> 2.3 s).

    An article's ranks are an ``array`` of machine integers, not a tuple of
    int objects: scoring reads 32 candidates' ranks per article, and in a
    build the rank objects were scattered over the holes the corpus stage
    leaves in the heap, a cache miss each (scoring with them spread out
    took 13.1 s on one core against 9.1 s packed; from arrays 9.0 s either way).
    """
    articles = list(corpus.articles.values())
    everyone = range(len(articles))
    fields = (("event", "event_ids"), ("place", "place_ids"), ("actor", "actor_ids"))
    named = {kind: list(map(attrgetter(name), articles)) for kind, name in fields}
    counted = {kind: Counter(chain.from_iterable(named[kind])) for kind, _ in fields}
    ranked = sorted([(count, kind, ident) for kind, _ in fields for ident, count in counted[kind].items()])  # rank 0 = rarest
    del counted
    keys = [(kind, ident) for _, kind, ident in ranked]
    counts = [count for count, _, _ in ranked]
    rank: dict[str, dict[str, int]] = {kind: {} for kind, _ in fields}
    for r, (_, kind, ident) in enumerate(ranked):
        rank[kind][ident] = r
    ranks = [map(map, repeat(rank[kind].__getitem__), named[kind]) for kind, _ in fields]
    own = list(map(array, repeat("i"), map(sorted, map(chain, *ranks))))
    proposing = bisect_left(counts, COMMON_POSTINGS + 1)  # ranks below this propose candidates
    postings: list[list[int]] = [[] for _ in range(proposing)]
    invert(postings.__getitem__, list(map(getitem, own, map(slice, map(bisect_left, own, repeat(proposing))))),
           everyone)
    total = max(1, len(articles))
    weight = [KIND_WEIGHT[kind] * math.log(1 + total / count) for count, kind, _ in ranked]
    days = array("i", [a.date.toordinal() for a in articles])  # read per candidate: no int objects to miss
    return _IntIndex(list(corpus.articles), own, postings, counts, weight, days, keys, rank)


def invert(postings: Callable[[K], list[T]], keys: Sequence[Sequence[K]], owners: Iterable[T]) -> None:
    """Append each owner to the posting list of each of its keys (``keys[i]`` are ``owners[i]``'s).

    An inverted index built by C loops (map, chain), not a statement per
    key: 100,000 articles name two million entities.
    """
    paired = chain.from_iterable(map(repeat, owners, map(len, keys)))
    deque(map(list.append, map(postings, chain.from_iterable(keys)), paired), maxlen=0)


def _same_links(old_corpus: Corpus, corpus: Corpus, edited: list[str]) -> bool:
    """Whether the backlinks of ``old_corpus`` hold for ``corpus``: the same articles, the edited ones linking as before.

    Walking every article's links again took 30 ms of a 200 ms live edit at 10,000 articles.
    """
    return (old_corpus.articles.keys() == corpus.articles.keys()
            and all(old_corpus.articles[slug].related == corpus.articles[slug].related for slug in edited))


def _backlinks(corpus: Corpus) -> dict[str, tuple[str, ...]]:
    articles = corpus.articles
    backlinks: dict[str, list[str]] = defaultdict(list)
    for slug, article in articles.items():
        for link in article.related:
            if link.article and link.article in articles and link.article != slug:
                backlinks[link.article].append(slug)
    return {k: tuple(sorted(set(v))) for k, v in sorted(backlinks.items())}


def nearness(days: int) -> float:
    """How much nearness in time adds to a score, for articles ``days`` apart."""
    return 1 + 0.25 / (1 + days / 30)


def _nearest(post: list[int], i: int, room: int) -> list[int]:
    """The ``room`` articles of a posting nearest to article ``i`` in time: a window around it.

    Articles are numbered newest first, so a posting is in order of date
    and ``i`` (which names the entity) is in it.  Taking the posting's first
    entries instead gave every article the entity's newest ones: at 10,000
    articles over nine years, candidates 3.3 years away on average, against
    under one year from the window.
    """
    at = bisect_left(post, i)
    start = max(0, min(at - room // 2, len(post) - room))
    return post[start:start + room]


@dataclass(frozen=True)
class _IntIndex:
    """The inverted index with articles and entities as integers."""

    slugs: list[str]
    own_sorted: list[array[int]]  # an article's entity ranks, rarest first (see :func:`_int_index`)
    postings: list[list[int]]  # entity rank -> article numbers, for the ranks that propose candidates
    counts: list[int]  # entity rank -> how many articles name it
    weight: list[float]  # entity rank -> weight
    days: array[int]  # article -> its date as a day number
    keys: list[tuple[str, str]]  # entity rank -> (kind, id)
    rank: dict[str, dict[str, int]]  # kind -> id -> entity rank

    def related(self, i: int) -> tuple[Related, ...]:
        """Article ``i``'s related articles."""
        return _named(self.scored([i])[0], self.slugs, self.keys)

    def naming(self, ranks: set[int]) -> list[int]:
        """The articles naming any of the entities ranked ``ranks``."""
        return list(compress(range(len(self.own_sorted)), map(not_, map(ranks.isdisjoint, self.own_sorted))))

    def candidates(self, i: int) -> list[int]:
        """Articles sharing an entity with article ``i``, from its rarest entities first, bounded."""
        candidates: set[int] = set()
        postings, counts, limit = self.postings, self.counts, MAX_CANDIDATES + 1
        for r in self.own_sorted[i]:
            if counts[r] > COMMON_POSTINGS:
                break  # every later entity is at least as common
            post = postings[r]
            room = limit - len(candidates)
            if len(post) <= room:
                candidates.update(post)
            else:
                candidates.update(_nearest(post, i, room))
                break
        candidates.discard(i)
        return list(candidates)

    @property
    def batch(self) -> int:
        """How many articles :meth:`scored` takes at a time (see :data:`MARK_CELLS`)."""
        return max(1, MARK_CELLS // max(1, len(self.keys)))

    @cached_property
    def _arrays(self) -> "_Arrays":
        """The index as numpy arrays, made once per process that scores (a forked worker, not the parent)."""
        return _Arrays.of(self)

    def scored(self, numbers: Sequence[int]) -> list[Scored]:
        """The related lists of articles ``numbers``: their candidates scored exactly, the best kept.

        A candidate's score is the weight of the entities it shares with the
        article times nearness in time; the best MAX_RELATED are kept, ties
        going to the smaller slug.  Done by numpy for every candidate of every
        article at once, not by a statement per candidate: intersecting 32
        candidates' entities with the article's, as Python sets, was three
        quarters of the step (100,000 articles: 6.1 s on one core, 2.4 s so).
        """
        return _score(self._arrays, numbers, [self.candidates(i) for i in numbers])


class _Arrays(NamedTuple):
    """What scoring reads, as numpy arrays (see :func:`_score`)."""

    np: Any  # the numpy module: imported where articles are scored, so the parent's heap stays without it
    starts: Any  # article -> where its ranks begin in ``ranks`` (one more entry: the end)
    ranks: Any  # every article's entity ranks, rarest first, one after the other
    weight: Any  # entity rank -> weight
    days: Any  # article -> day number
    slug_order: Any  # article -> its place in the order of slugs (ties in score go to the smaller slug)
    entities: int

    @classmethod
    def of(cls, index: _IntIndex) -> "_Arrays":
        import numpy as np

        sizes = np.fromiter(map(len, index.own_sorted), np.int64, len(index.own_sorted))
        starts = np.zeros(len(sizes) + 1, np.int64)
        np.cumsum(sizes, out=starts[1:])
        ranks = np.frombuffer(array("i", chain.from_iterable(index.own_sorted)), np.int32)
        slug_order = np.empty(len(index.slugs), np.int64)
        slug_order[sorted(range(len(index.slugs)), key=index.slugs.__getitem__)] = np.arange(len(index.slugs))
        return cls(np, starts, ranks, np.array(index.weight, np.float64), np.frombuffer(index.days, np.int32).astype(np.int64),
                   slug_order, len(index.keys))


def _score(a: _Arrays, numbers: Sequence[int], candidates: list[list[int]]) -> list[Scored]:
    """Score the ``candidates`` of articles ``numbers`` (see :meth:`_IntIndex.scored`).

    Each (article, candidate) pair is a row; the candidates' ranks are laid
    out one pair after the other and looked up in a byte per (article,
    entity) that marks the article's own.  The shared weight is summed
    per pair in rank order, so an article scores the same in any batch.
    """
    np = a.np
    out: list[list[tuple[int, float, tuple[int, ...]]]] = [[] for _ in numbers]
    per_article = np.fromiter(map(len, candidates), np.int64, len(numbers))
    pairs = int(per_article.sum())
    if not pairs:
        return [() for _ in numbers]
    row = np.repeat(np.arange(len(numbers)), per_article)  # pair -> which of ``numbers``
    other = np.fromiter(chain.from_iterable(candidates), np.int64, pairs)  # pair -> candidate
    me = np.asarray(numbers, np.int64)
    mark = np.zeros(len(numbers) * a.entities, np.bool_)
    mark[_segments(np, a, me) + np.repeat(np.arange(len(numbers)) * a.entities, _sizes(a, me))] = True
    sizes = _sizes(a, other)
    theirs = _segments(np, a, other)  # the candidates' ranks, pair after pair
    hit = mark[np.repeat(row * a.entities, sizes) + theirs]
    hit_pair = np.repeat(np.arange(pairs), sizes)[hit]
    hit_rank = theirs[hit]
    shared = np.bincount(hit_pair, weights=a.weight[hit_rank], minlength=pairs)
    gap = np.abs(a.days[other] - a.days[me[row]])
    score = shared * (1 + 0.25 / (1 + gap / 30))  # nearness(gap), element by element as in Python
    keep = _best(np, score, row, other, a.slug_order, per_article)
    first_hit = np.searchsorted(hit_pair, keep)
    reasons = np.minimum(np.bincount(hit_pair, minlength=pairs)[keep], REASONS)
    ranks = hit_rank.tolist()
    for r, o, s, h, n in zip(row[keep].tolist(), other[keep].tolist(), score[keep].tolist(), first_hit.tolist(),
                             reasons.tolist()):
        out[r].append((o, round(s, 6), tuple(ranks[h:h + n])))
    return [tuple(scored) for scored in out]


def _sizes(a: _Arrays, articles: Any) -> Any:
    """How many entities each of ``articles`` names."""
    return a.starts[articles + 1] - a.starts[articles]


def _segments(np: Any, a: _Arrays, articles: Any) -> Any:
    """The ranks of ``articles``, one article's after the other's."""
    sizes = _sizes(a, articles)
    ends = np.cumsum(sizes)
    where = np.arange(int(ends[-1]) if len(ends) else 0) + np.repeat(a.starts[articles] - (ends - sizes), sizes)
    return a.ranks[where]


def _best(np: Any, score: Any, row: Any, other: Any, slug_order: Any, per_article: Any) -> Any:
    """The pairs that make their article's list: its MAX_RELATED best scores, ties to the smaller slug, best first.

    Only pairs at or above their article's MAX_RELATED-th score are sorted
    (a partition of a table of articles by candidates finds it).
    """
    width = int(per_article.max())
    if width > MAX_RELATED:
        table = np.full((len(per_article), width), -np.inf)
        table[row, np.arange(len(row)) - np.repeat(np.cumsum(per_article) - per_article, per_article)] = score
        floor = np.partition(table, width - MAX_RELATED, axis=1)[:, width - MAX_RELATED]
        near_top = np.flatnonzero(score >= floor[row])
    else:
        near_top = np.arange(len(row))
    ordered = near_top[np.lexsort((slug_order[other[near_top]], -score[near_top], row[near_top]))]
    rows = row[ordered]
    return ordered[np.arange(len(ordered)) - np.searchsorted(rows, rows) < MAX_RELATED]

"""Stage 3c, search: a compact static index built from the corpus model.

Search runs in the browser with no server, so the index is plain JSON files
laid out to be fetched piece by piece:

``search/index.json``
    small and loaded first: the document count, each kind's range of
    document numbers, and the list of term shards;
``search/terms/<key>.json``
    the postings of every index key starting with ``<key>`` (hex code
    points, so file names are ASCII): ``{key: [title docs, other docs]}``,
    document numbers delta-encoded; a shard is split by its next letter
    until it is small, so a query fetches a few kilobytes whatever the size
    of the corpus;
``search/docs/<n>.json``
    URL, title and (for places, actors and events) the displayed text of
    documents ``n*256`` to ``n*256+255``, fetched for the results shown;
``search/text/<n>.json``
    an article's text, fetched only to show the passage that matched.

Index keys are :func:`builder.arabic.search_stem` of folded words, so the
browser, folding and stemming the query with the same rules (``fold.js``,
tested equal), finds القائم for القايم, الرقة for والرقة or الرقه, and 2017
for ٢٠١٧.  Places, actors and events are indexed under their Arabic names,
aliases and English names; an article also under the English names of what
it mentions.  Built from the model, not from rendered HTML; every file is
byte-identical from one build to the next.

Why not Pagefind: measured on the seed, it does not strip a leading و
(الرقة misses والرقة) and does not fold ة/ه (الرقه finds nothing).
``benchmarks/search_bench.py`` measures this index on 10,000 articles.
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from dataclasses import dataclass
from itertools import chain, filterfalse
from operator import sub
from typing import Callable, Iterator, Sequence

from builder import jsonsafe
from builder.arabic import WORD, normalize, search_stem
from builder.errors import stop_if
from builder.markup import plain_text
from builder.model import Article, Corpus
from builder.parallel import map_chunks

DOCS_PER_SHARD = 256
SHARD_BYTES = 16_000
"""A term shard is split by its next letter while larger than this (JSON bytes)."""
MAX_KEY = 4
KINDS = ("place", "actor", "event", "article")


@dataclass(frozen=True, slots=True)
class SearchDoc:
    """One searchable thing: what is shown, and what is indexed."""

    kind: str
    url: str
    title: str
    text: str  # shown under the title, with the matched passage
    title_terms: str  # indexed as the title: names, aliases, English names
    other_terms: str  # indexed as the rest: the text and related names
    article: Article | None = None  # an article's text is read from it when needed, not held here

    def shown(self) -> str:
        """The text shown under the title (an article's whole text)."""
        return self.article.body_text if self.article is not None else self.text

    def indexed(self) -> str:
        """Everything indexed besides the title."""
        return f"{self.article.body_text} {self.other_terms}" if self.article is not None else self.other_terms


Postings = array
"""Document numbers, ascending, as 32-bit integers (a list of ints takes 9 times the memory:
the index of 100,000 articles has tens of millions)."""


@dataclass(frozen=True)
class SearchIndex:
    """Postings by index key; documents are numbered in ``docs`` order."""

    docs: tuple[SearchDoc, ...]
    postings: dict[str, tuple[Postings, Postings]]  # key -> (title docs, other docs)


def _join(*parts: str | None) -> str:
    return " · ".join(p for p in parts if p)


def search_docs(corpus: Corpus) -> list[SearchDoc]:
    """Every place, actor, event and article as a search document, in a stable order."""
    base = corpus.settings.base_path
    docs = []
    for p in corpus.places.values():
        docs.append(SearchDoc("place", f"{base}places/{p.id}/", p.name, _join(p.name_en, *p.aliases, p.admin1),
                              _join(p.name, *p.aliases, p.name_en), _join(p.kind, p.admin1, p.country, p.id)))
    for a in corpus.actors.values():
        docs.append(SearchDoc("actor", f"{base}actors/{a.id}/", a.name, _join(a.name_en, *a.aliases),
                              _join(a.name, *a.aliases, a.name_en), _join(a.kind, a.id)))
    for e in corpus.events.values():
        description = plain_text(e.description_html)
        names = [corpus.places[i].name for i in e.places] + [corpus.actors[i].name for i in e.actors]
        english = [corpus.places[i].name_en for i in e.places] + [corpus.actors[i].name_en for i in e.actors]
        docs.append(SearchDoc("event", f"{base}events/{e.id}/", e.title, _join(e.title_en, description),
                              _join(e.title, e.title_en), _join(description, e.date.iso.replace("/", " "), *names, *english, e.id)))
    for art in corpus.articles.values():
        english = [corpus.places[i].name_en for i in art.place_ids] + [corpus.actors[i].name_en for i in art.actor_ids] + \
                  [corpus.events[i].title_en for i in art.event_ids]
        meta = _join(art.source, art.author, art.dateline, *(t.name for t in art.tags), *english)
        docs.append(SearchDoc("article", f"{base}articles/{art.slug}/", art.title, "",
                              art.title, f"{meta} {art.date.isoformat()}", art))
    return docs


TOKEN_CACHE = 100_000
"""Space-separated tokens whose keys one indexing process keeps (forgotten all at once when full)."""


def index_keys(text: str, cache: dict[str, tuple[str, ...]]) -> set[str]:
    """The index keys of a text: the search stems of its folded words.

    Folding maps each character on its own and a space stays a space (not a
    word character), so a text's words are those of its space-separated
    tokens.  A token is folded and stemmed once per process (an article
    repeats most of its tokens, a corpus most of its vocabulary), and the
    keys are gathered by C loops: folding whole texts character by character
    was half of the search step.
    """
    tokens = set(text.split(" "))
    if len(cache) > TOKEN_CACHE:
        cache.clear()
    for token in filterfalse(cache.__contains__, tokens):
        cache[token] = tuple({search_stem(word) for word in WORD.findall(normalize(token))})
    return set(chain.from_iterable(map(cache.__getitem__, tokens)))


INTERRUPTIBLE_RUN = 256
"""Documents indexed between two looks at ``interrupted`` (a few tens of milliseconds)."""
INTERRUPTIBLE_KEYS = 1024
"""Index keys turned into JSON between two looks at ``interrupted``."""


def build_index(docs: list[SearchDoc], processes: int | None = None,
                interrupted: Callable[[], bool] | None = None) -> SearchIndex:
    """Postings of every key: documents where it is in the title, and the others.

    Folding and stemming every word of the corpus is the slow part, so
    contiguous runs of documents are indexed on all cores and their
    postings joined in order (each list stays sorted by document).  With
    ``interrupted`` (a live update, which a newer edit supersedes) the runs
    are indexed here one after the other, and :class:`Interrupted` is
    raised between two of them once it returns True.
    """
    title: dict[str, Postings] = defaultdict(_postings)
    other: dict[str, Postings] = defaultdict(_postings)
    for part_title, part_other in _index_runs(docs, processes, interrupted):
        for key, numbers in part_title.items():
            title[key].extend(numbers)
        for key, numbers in part_other.items():
            other[key].extend(numbers)
    empty = _postings()
    keys = sorted(set(title) | set(other))
    return SearchIndex(tuple(docs), {k: (title.get(k, empty), other.get(k, empty)) for k in keys})


def _index_runs(docs: list[SearchDoc], processes: int | None, interrupted: Callable[[], bool] | None
                ) -> Iterator[tuple[dict[str, Postings], dict[str, Postings]]]:
    if interrupted is None:
        yield from map_chunks(_index_chunk, range(len(docs)), docs, processes)
        return
    for start in range(0, len(docs), INTERRUPTIBLE_RUN):
        stop_if(interrupted)
        yield _index_chunk(docs, range(start, min(start + INTERRUPTIBLE_RUN, len(docs))))


def _postings() -> Postings:
    return array("I")


def _index_chunk(docs: list[SearchDoc], numbers: Sequence[int]) -> tuple[dict[str, Postings], dict[str, Postings]]:
    """Postings of some documents (in a worker)."""
    title: dict[str, Postings] = defaultdict(_postings)
    other: dict[str, Postings] = defaultdict(_postings)
    cache: dict[str, tuple[str, ...]] = {}
    for n in numbers:
        doc = docs[n]
        in_title = index_keys(doc.title_terms, cache)
        for key in in_title:
            title[key].append(n)
        for key in index_keys(doc.indexed(), cache) - in_title:
            other[key].append(n)
    return dict(title), dict(other)


def _deltas(numbers: Postings) -> list[int]:
    return list(map(sub, numbers, chain((0,), numbers)))


def _dump(value: object) -> bytes:
    return jsonsafe.dumps(value, separators=(",", ":")).encode("utf-8")


def shard_name(key: str) -> str:
    """ASCII file name of a term shard: the key's code points in hex ('_' for the root)."""
    return "-".join(f"{ord(c):x}" for c in key) or "_"


def term_shards(entries: dict[str, bytes], prefix: str = "") -> Iterator[tuple[str, list[str]]]:
    """Split keys into shards by prefix, each at most SHARD_BYTES of JSON unless one key is larger.

    ``entries`` is each key's ``"key":[[...],[...]]`` in the shard's JSON
    object; a shard's size is added up from them, never dumped again.
    """
    size = 1 + sum(len(e) + 1 for e in entries.values())  # braces and commas
    if size <= SHARD_BYTES or len(prefix) >= MAX_KEY:
        if entries:
            yield prefix, list(entries)
        return
    if prefix in entries:
        yield prefix, [prefix]
    groups: dict[str, dict[str, bytes]] = defaultdict(dict)
    for key, entry in entries.items():
        if len(key) > len(prefix):
            groups[key[len(prefix)]][key] = entry
    for letter in sorted(groups):
        yield from term_shards(groups[letter], prefix + letter)


def _shard(entries: dict[str, bytes], keys: list[str]) -> bytes:
    """The JSON object of a shard: its keys' entries, as jsonsafe.dumps would write them (sorted keys)."""
    return b"{" + b",".join(entries[k] for k in sorted(keys)) + b"}"


def _kind_ranges(docs: tuple[SearchDoc, ...]) -> dict[str, list[int]]:
    ranges: dict[str, list[int]] = {}
    for n, doc in enumerate(docs):
        if doc.kind in ranges:
            ranges[doc.kind][1] = n + 1
        else:
            ranges[doc.kind] = [n, n + 1]
    return ranges


def index_files(index: SearchIndex, consume: bool = False,
                interrupted: Callable[[], bool] | None = None) -> Iterator[tuple[str, bytes]]:
    """The files of a search index, as (path, bytes), in a stable order.

    Made one at a time: the article texts alone are the size of the corpus.
    ``consume``: empty ``index.postings`` while they are turned into JSON,
    each list let go once written down (100,000 articles: both at once
    were 400 MB more at the peak of the build).  ``interrupted`` as in
    :func:`build_index`, asked every :data:`INTERRUPTIBLE_KEYS` keys.
    """
    postings = index.postings
    entries = {}
    for n, k in enumerate(list(postings)):
        if n % INTERRUPTIBLE_KEYS == 0:
            stop_if(interrupted)
        t, o = postings.pop(k) if consume else postings[k]
        entries[k] = _dump(k) + b":" + _dump([_deltas(t), _deltas(o)])
    shards = list(term_shards(entries))
    stop_if(interrupted)
    docs = index.docs
    root = {
        "version": 2,
        "count": len(docs),
        "kinds": _kind_ranges(docs),
        "docsPerShard": DOCS_PER_SHARD,
        "shards": sorted(key for key, _ in shards),
    }
    yield "search/index.json", _dump(root)
    for key, keys in shards:
        yield f"search/terms/{shard_name(key)}.json", _shard(entries, keys)
    del entries
    for start in range(0, len(docs), DOCS_PER_SHARD):
        chunk = [[d.url, d.title, None if d.kind == "article" else d.text] for d in docs[start:start + DOCS_PER_SHARD]]
        yield f"search/docs/{start // DOCS_PER_SHARD}.json", _dump(chunk)
    for n, doc in enumerate(docs):
        if doc.kind == "article":
            yield f"search/text/{n}.json", _dump(doc.shown())


def build_search(corpus: Corpus, processes: int | None = None,
                 interrupted: Callable[[], bool] | None = None) -> Iterator[tuple[str, bytes]]:
    """The search index files, as (path, bytes), made as they are consumed.

    ``processes`` as in builder.parallel; ``interrupted`` as in :func:`build_index`.
    """
    return index_files(build_index(search_docs(corpus), processes, interrupted), consume=True, interrupted=interrupted)

"""Stage 2, corpus: cross-reference validated content into the model.

Resolves every id (with a "did you mean" for a typo), anchors every quote
in its article's text, and builds immutable :mod:`builder.model` objects.
Problems are recorded, not raised, so one run reports them all.
"""

from __future__ import annotations

import hashlib
import pickle
import sys
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence, TypeVar
from urllib.parse import urlsplit

from builder.anchor import FlatText, find_all, nearest
from builder.arabic import words as fold_words
from builder.errors import Diagnostic, Loc, Problems, did_you_mean
from builder import spill
from builder.parallel import collector_paused, map_chunks
from builder.spill import Stored
from builder.schema import INVISIBLE
from builder.load import ArticleSource, Content, load_article
from builder.markup import plain_text, render_markdown
from builder.model import (
    Actor, Article, Corpus, Event, EventReport, Note, Place, RelatedLink,
    Settings, Source, Span, Tag, pack_text,
)

_T = TypeVar("_T")


def build_corpus(content: Content, problems: Problems, base_url: str | None = None) -> Corpus:
    """Turn validated content into the corpus model, recording every problem.

    The parsed registries are consumed (taken out of ``content``): with
    positions for every field they are large (100,000 articles have 75,000
    entities), and the workers that read the articles would each hold them.
    """
    with collector_paused():  # a model of many objects and no cycles (forked workers inherit the pause)
        return _build_corpus(content, problems, base_url)


def _build_corpus(content: Content, problems: Problems, base_url: str | None) -> Corpus:
    settings = _settings(content.site, base_url, content.site_loc, problems)
    place_map, actor_map, event_map = _registries(content, problems)
    registry = _Registry(place_map, actor_map, event_map, content.reported)
    broken_slugs = content.broken.get("article", set())  # a broken article is reported once
    if content.article_files is not None:
        articles = _load_and_build_articles(content, settings, registry, problems)
        _check_related_links(articles, {a.slug for a in articles} | broken_slugs, content.root, problems)
    else:
        sources = _unique_articles(content.articles, problems)
        articles = _build_articles(list(sources.values()), settings, registry, problems)
        known_slugs = set(sources) | broken_slugs
        for src in sources.values():
            _check_related(src, known_slugs, problems)
    articles.sort(key=lambda a: (-a.date.toordinal(), a.slug))
    tags: dict[str, Tag] = {}
    for article in articles:
        for tag in article.tags:
            tags.setdefault(tag.slug, tag)
    return Corpus(
        settings=settings,
        places=dict(sorted(place_map.items())),
        actors=dict(sorted(actor_map.items())),
        events=dict(sorted(event_map.items())),
        articles={a.slug: a for a in articles},
        tags=dict(sorted(tags.items())),
    )


# ---------------------------------------------------------------- settings

def _settings(site: dict[str, Any], base_url: str | None, loc: Loc, problems: Problems) -> Settings:
    url = base_url or site.get("base_url") or "/"
    base_path = _base_path(url)
    if base_path is None:
        problems.error(site.get("_at", {}).get("base_url", loc) if not base_url else Loc(loc.path),
                       f"base_url {url!r} is neither an absolute http(s) URL nor a path starting with /",
                       "write e.g. https://example.org/project/ or /project/")
        url, base_path = "/", "/"
    return Settings(
        title=site.get("title", "athar"),
        description=site.get("description", ""),
        base_url=url if url.endswith("/") else url + "/",
        base_path=base_path,
        language=site.get("language", "ar"),
        direction=site.get("direction", "rtl"),
        numerals=site.get("numerals", "latn"),
        month_names=site.get("month_names", "both"),
        hijri=site.get("hijri", False),
        auto_mentions=site.get("auto_mentions", True),
        author=site.get("author", ""),
        latin_language=site.get("latin_language", "en"),
    )


def _base_path(url: str) -> str | None:
    """The path part of base_url, normalised to start and end with '/'."""
    parts = urlsplit(url)
    if parts.scheme:
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return None
        path = parts.path or "/"
    elif url.startswith("/") and not url.startswith("//"):
        path = url
    else:
        return None
    if ".." in path.split("/") or "\\" in path:
        return None
    return path if path.endswith("/") else path + "/"


# ---------------------------------------------------------------- registries

def _registries(content: Content, problems: Problems) -> tuple[dict[str, Place], dict[str, Actor], dict[str, Event]]:
    """Places, actors and events by id, from the parsed registries, which are taken out of ``content``."""
    places = _unique(content.registries.pop("places", []), "place", problems)
    actors = _unique(content.registries.pop("actors", []), "actor", problems)
    event_entries = _unique(content.registries.pop("events", []), "event", problems)
    place_map = {pid: _place(e) for pid, e in places.items()}
    actor_map = {aid: _actor(e) for aid, e in actors.items()}
    event_map = {eid: _event(e, place_map, actor_map, problems, content.reported) for eid, e in event_entries.items()}
    return _compacted((place_map, actor_map, event_map))


def _compacted(entities: _T) -> _T:
    """A copy of the entities, made while the parsed entries are still alive.

    The entities hold strings of the entries, so when the entries went
    they left holes around them that objects made later mostly could not
    fill: 240 MB of the parent's heap at 100,000 articles, counted again
    by every process forked from it.  Copied now, into arenas of their
    own, the entities let the entries' arenas go back to the system whole.
    Pickling is the quickest deep copy (1.2 s for 75,000 entities).
    """
    return pickle.loads(pickle.dumps(entities, protocol=pickle.HIGHEST_PROTOCOL))  # type: ignore[no-any-return]


def _unique(entries: list[dict[str, Any]], kind: str, problems: Problems) -> dict[str, dict[str, Any]]:
    """Entries by id; a repeated id is an error naming the first one."""
    seen: dict[str, dict[str, Any]] = {}
    for entry in entries:
        ident = entry["id"]
        if ident in seen:
            first = seen[ident]["_id_loc"]
            problems.error(entry["_id_loc"], f"duplicate {kind} id '{ident}' (first defined at {first})",
                           f"ids must be unique; rename one, e.g. '{ident}-2'")
            continue
        seen[ident] = entry
    return seen


def _markdown_field(entry: dict[str, Any], name: str) -> str:
    return render_markdown(entry[name]) if entry.get(name) else ""


def _place(e: dict[str, Any]) -> Place:
    return Place(
        id=e["id"], name=e["name"], name_en=e.get("name_en"), aliases=e.get("aliases", ()),
        kind=e.get("kind"), country=e.get("country"), admin1=e.get("admin1"),
        lat=e.get("lat"), lon=e.get("lon"), wikidata=e.get("wikidata"),
        description_html=_markdown_field(e, "description"),
    )


def _actor(e: dict[str, Any]) -> Actor:
    return Actor(
        id=e["id"], name=e["name"], name_en=e.get("name_en"), aliases=e.get("aliases", ()),
        kind=e.get("kind"), wikidata=e.get("wikidata"),
        description_html=_markdown_field(e, "description"),
    )


def _resolve_ids(pairs: Iterable[tuple[str, Loc]], known: dict[str, Any], kind: str, problems: Problems,
                 reported: Callable[[str, str], bool]) -> tuple[str, ...]:
    out = []
    for ident, loc in pairs:
        if ident not in known:
            if not reported(kind, ident):  # else its own entry's error already explains it
                problems.error(loc, f"unknown {kind} id '{ident}'",
                               did_you_mean(ident, known) or f"add it to {kind}s.yaml first")
        elif ident not in out:
            out.append(ident)
    return tuple(out)


def _event(e: dict[str, Any], places: dict[str, Place], actors: dict[str, Actor], problems: Problems,
           reported: Callable[[str, str], bool]) -> Event:
    return Event(
        id=e["id"], title=e["title"], date=e["date"], title_en=e.get("title_en"), type=e.get("type"),
        places=_resolve_ids(e.get("places", ()), places, "place", problems, reported),
        actors=_resolve_ids(e.get("actors", ()), actors, "actor", problems, reported),
        sources=tuple(Source(s["title"], s.get("url")) for s in e.get("sources", ())),
        description_html=_markdown_field(e, "description"),
    )


class _Registry:
    """The entities an article may refer to."""

    def __init__(self, places: dict[str, Place], actors: dict[str, Actor], events: dict[str, Event],
                 reported: Callable[[str, str], bool] = lambda kind, ident: False):
        self.places = places
        self.actors = actors
        self.events = events
        self.matcher: Any = None  # builder.mentions.MentionMatcher, built on first use
        self.reported = reported  # ids whose own error was already reported (no cascade)

    def of(self, kind: str) -> dict[str, Any]:
        return {"place": self.places, "actor": self.actors, "event": self.events}[kind]


# ---------------------------------------------------------------- articles

_DUPLICATE_SLUG_HINT = "slugs must be unique; change 'slug:' or the file name"


def _unique_articles(sources: list[ArticleSource], problems: Problems) -> dict[str, ArticleSource]:
    seen: dict[str, ArticleSource] = {}
    for src in sources:
        if src.slug in seen:
            problems.error(Loc(src.path, 1, 1), f"duplicate article slug '{src.slug}' (also {seen[src.slug].path.name})",
                           _DUPLICATE_SLUG_HINT)
            continue
        seen[src.slug] = src
    return seen


def _at(entry: dict[str, Any], name: str) -> Loc:
    return entry.get("_at", {}).get(name, entry["_loc"])


def _article(src: ArticleSource, settings: Settings, registry: _Registry, problems: Problems,
             store: Callable[[bytes], bytes | Stored] = bytes) -> Article:
    """An article's model; ``store`` keeps its packed text (by default, in memory)."""
    meta = src.meta
    body_html = render_markdown(src.body)
    text = plain_text(body_html)
    flat = FlatText.of(text, body_html)
    ann = src.annotations
    spans: list[Span] = []
    for m in ann.get("mentions", []):
        spans.extend(_mention_spans(m, flat, text, registry, problems))
    reports = []
    for e in ann.get("events", []):
        report = _event_report(e, flat, text, registry, problems)
        if report is not None:
            reports.append(report)
            spans.append(report.span)
    notes = []
    for n in ann.get("notes", []):
        note = _note(n, len(notes) + 1, flat, text, problems)
        if note is not None:
            notes.append(note)
            spans.append(note.span)
    if settings.auto_mentions:
        spans.extend(_auto_mentions(text, spans, registry))
    spans.sort(key=lambda s: (s.start, -s.end, s.kind, s.ref))
    return Article(
        slug=src.slug,
        title=meta["title"],
        date=meta["date"],
        packed=store(pack_text(body_html, text, spans, notes, reports)),
        source_path=src.path.name,
        source_file=str(src.path),
        source=sys.intern(meta["source"]) if meta.get("source") else meta.get("source"),  # a few names, many articles
        source_url=meta.get("source_url"),
        author=meta.get("author"),
        dateline=meta.get("dateline"),
        retrieved=meta.get("retrieved"),
        language=meta.get("language", settings.language),
        tags=tuple(_tags(meta.get("tags", ()))),
        claims=tuple((r.event_id, r.claimed_date) for r in reports),
        related=tuple(RelatedLink(r["title"], r.get("article"), r.get("url")) for r in ann.get("related", [])),
        place_ids=_ordered_refs(spans, "place"),
        actor_ids=_ordered_refs(spans, "actor"),
        event_ids=tuple(dict.fromkeys(r.event_id for r in reports)),
        mentions=sum(1 for s in spans if s.kind in ("place", "actor")),
        word_count=len(text.split()),
    )


def _build_articles(sources: list[ArticleSource], settings: Settings, registry: "_Registry", problems: Problems) -> list[Article]:
    """Every article's model, on all cores; problems come back in article order."""
    _prepare_matcher(settings, registry, bool(sources))
    articles: list[Article] = []
    for built, found in map_chunks(_article_chunk, sources, (settings, registry)):
        articles.extend(built)
        problems.items.extend(found)
    return articles


def _load_and_build_articles(content: Content, settings: Settings, registry: "_Registry",
                             problems: Problems) -> list[Article]:
    """Read and model every article in one pass on all cores; the first of each slug.

    Each worker loads an article and models it at once, returning only the
    Article: the parsed YAML stays in the worker. Stubs of the sources
    (path, slug, related entries with positions) came back with them once,
    for the checks across articles; unpickled between the articles, they
    left holes among them when they went (170 MB at 100,000 articles,
    counted again by every process forked from the parent). The checks
    read the articles now, and the sources again only to place an error.
    """
    _prepare_matcher(settings, registry, bool(content.article_files))
    built: list[Article] = []
    with spill.folder() as where:
        for articles, found, broken in map_chunks(_load_build_chunk, content.article_files or [],
                                                  (content.root, settings, registry, where)):
            built.extend(articles)
            problems.items.extend(found)
            content.add_broken(broken)
    first: dict[str, Article] = {}
    for article in built:
        if article.slug in first:
            problems.error(Loc(Path(article.source_file), 1, 1),
                           f"duplicate article slug '{article.slug}' (also {first[article.slug].source_path})",
                           _DUPLICATE_SLUG_HINT)
            continue
        first[article.slug] = article
    unique = list(first.values())
    _share_ids(unique, registry)
    return unique


def _check_related_links(articles: list[Article], known: set[str], root: Path, problems: Problems) -> None:
    """Report related entries that point to unknown articles, or to their own article.

    Found on the model; an article with such a link is read again for the
    entries' positions (its own load problems were reported already).
    """
    for article in articles:
        if any(link.article and (link.article not in known or link.article == article.slug)
               for link in article.related):
            src = load_article(Path(article.source_file), Problems(), Content(root, {}, Loc(root)))
            if src is not None:
                _check_related(src, known, problems)


def _share_ids(articles: list[Article], registry: "_Registry") -> None:
    """Point the articles' entity ids and tags at one string (one Tag) each, the registry's own.

    Each chunk of articles comes from a worker with its own copies: at
    100,000 articles that were ~630,000 strings for 75,000 ids, held to the
    end of the build and counted again by every process forked later.
    """
    ids: dict[str, str] = {}
    for known in (registry.places, registry.actors, registry.events):
        ids.update(zip(known, known))
    tags: dict[Tag, Tag] = {}
    one = ids.get
    for article in articles:
        fields = article.__dict__  # a frozen dataclass: its fields are set once, here as when it was made
        fields["place_ids"] = tuple([one(i, i) for i in article.place_ids])
        fields["actor_ids"] = tuple([one(i, i) for i in article.actor_ids])
        fields["event_ids"] = tuple([one(i, i) for i in article.event_ids])
        fields["claims"] = tuple([(one(i, i), claimed) for i, claimed in article.claims])
        fields["tags"] = tuple([tags.setdefault(t, t) for t in article.tags])


def _load_build_chunk(state: tuple[Path, Settings, "_Registry", str | None], paths: Sequence[Path]
                      ) -> tuple[list[Article], list[Diagnostic], dict[str, set[str]]]:
    """The articles of some files (in a worker), their problems, and the slugs of broken ones."""
    root, settings, registry, where = state
    problems = Problems()
    scratch = Content(root, {}, Loc(root))
    store = spill.writer(where).put if where else bytes  # the texts go to this worker's spill file (builder.spill)
    articles = []
    for path in paths:
        src = load_article(path, problems, scratch)
        if src is not None:
            articles.append(_article(src, settings, registry, problems, store))
    return articles, problems.items, scratch.broken


def _prepare_matcher(settings: Settings, registry: "_Registry", any_articles: bool) -> None:
    """Build the automatic-mention matcher once, before the workers fork (they inherit it)."""
    if settings.auto_mentions and any_articles and registry.matcher is None:
        from builder.mentions import MentionMatcher
        registry.matcher = MentionMatcher(registry.places, registry.actors)


def _article_chunk(state: tuple[Settings, "_Registry"], sources: Sequence[ArticleSource]) -> tuple[list[Article], list[Diagnostic]]:
    settings, registry = state
    problems = Problems()
    return [_article(src, settings, registry, problems) for src in sources], problems.items


def rebuild_article(src: ArticleSource, corpus: Corpus, problems: Problems) -> Article:
    """One article's model again, against the corpus's registries (live preview)."""
    registry = _registry_of(corpus)
    return _article(src, corpus.settings, registry, problems)


_REGISTRIES: dict[int, "_Registry"] = {}


def _registry_of(corpus: Corpus) -> "_Registry":
    """The registry of a corpus's entities, kept so its mention matcher is built once."""
    key = id(corpus.places)
    if key not in _REGISTRIES:
        _REGISTRIES.clear()
        _REGISTRIES[key] = _Registry(corpus.places, corpus.actors, corpus.events)
    return _REGISTRIES[key]


def check_related(src: ArticleSource, known: set[str], problems: Problems) -> None:
    """Report related entries of one article that point to unknown articles."""
    _check_related(src, known, problems)


def _auto_mentions(text: str, spans: list[Span], registry: _Registry) -> list[Span]:
    """Automatic mentions (builder.mentions); explicit spans win. One matcher per corpus."""
    from builder.mentions import MentionMatcher
    if registry.matcher is None:
        registry.matcher = MentionMatcher(registry.places, registry.actors)
    return registry.matcher.find(text, spans)


def _ordered_refs(spans: list[Span], kind: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(s.ref for s in sorted(spans, key=lambda s: s.start) if s.kind == kind))


def _locate(entry: dict[str, Any], flat: FlatText, text: str, what: str, problems: Problems,
            whole_words: bool = False, default_all: bool = False) -> list[tuple[int, int]]:
    """Anchor an entry's quote: the chosen occurrence(s), or [] with an error.

    ``whole_words`` (mentions): a quote marking every occurrence marks those
    that are whole words (with their clitics: بالموصل, not العراق inside
    العراقي), and only when it has none, where its text occurs inside
    words.  A numbered ``occurrence`` counts every place the text occurs,
    as the content model and event and note quotes count it, so a corpus
    valid by the letter of the contract is never refused.  Occurrences are
    counted as a reader counts them on the page, where a line break or a
    run of spaces shows as one space: ``occurrence: 3`` is the third, even
    when the source wraps a line inside the second (counting only those
    written exactly as the quote put the mark on the fourth, silently).
    A quote without ``occurrence`` that occurs several times that way, but
    once exactly as written (spaces and line breaks included), picks that one.
    """
    quote = entry["quote"]
    occurrence = entry.get("occurrence", "all" if default_all else None)
    prefix, suffix = entry.get("prefix", ""), entry.get("suffix", "")
    words = whole_words and occurrence == "all"
    found = find_all(flat, quote, prefix, suffix, words, text)
    if words and not found:
        found = find_all(flat, quote, prefix, suffix, False, text)
    loc = _at(entry, "quote")
    if not found:
        guess = nearest(text, quote)
        hint = f"the nearest passage in the text is «{guess}»" if guess else "copy the words exactly from the article text"
        if any(c in INVISIBLE for c in quote):
            hint = "the quote holds invisible characters the text does not have (see the warning); delete them"
        bare = find_all(flat, quote) if prefix or suffix else []
        if bare:  # the words are there; the context given around them is not
            context = " and ".join(f"{k} «{entry[k]}»" for k in ("prefix", "suffix") if entry.get(k))
            problems.error(_at(entry, "prefix" if entry.get("prefix") else "suffix"),
                           f"{what} quote «{quote}» occurs {len(bare)} time(s), but never with {context}",
                           "copy the prefix/suffix exactly from the text around the quote, or remove them")
            return []
        problems.error(loc, f"{what} quote «{quote}» is not in the article text", hint)
        return []
    if occurrence == "all":
        return found
    if occurrence is None:
        exact = [(a, b) for a, b in found if text[a:b] == quote]
        if len(exact) == 1:  # read as written, spaces and line breaks included, it picks one
            found = exact
        if len(found) > 1:
            given = " and ".join(k for k in ("prefix", "suffix") if entry.get(k))
            problems.error(loc, f"{what} quote «{quote}» occurs {len(found)} times" + (f" with that {given}" if given else ""),
                           f"add 'occurrence: 1' (to {len(found)}), or a longer {given} to pick one" if given else
                           f"add 'occurrence: 1' (to {len(found)}), or a 'prefix:'/'suffix:' to pick one")
            return []
        return found
    if occurrence > len(found):
        problems.error(_at(entry, "occurrence"), f"occurrence {occurrence} asked, but «{quote}» occurs {len(found)} time(s)",
                       f"use a number from 1 to {len(found)}")
        return []
    return [found[occurrence - 1]]


def _mention_spans(m: dict[str, Any], flat: FlatText, text: str, registry: _Registry, problems: Problems) -> list[Span]:
    kind, ident = m["ref"]
    known = registry.of(kind)
    if ident not in known:
        if not registry.reported(kind, ident):
            problems.error(_at(m, "ref"), f"unknown {kind} id '{ident}'",
                           did_you_mean(ident, known) or f"add it to {kind}s.yaml first")
        return []
    ranges = _locate(m, flat, text, f"{kind} mention", problems, whole_words=True, default_all=True)
    ident = sys.intern(ident)  # one string per id, not one per mention (100,000 articles have millions)
    return [Span(a, b, kind, ident) for a, b in ranges]


def _locate_one(entry: dict[str, Any], flat: FlatText, text: str, what: str, problems: Problems) -> tuple[int, int] | None:
    """The one span an event or note quote picks (they mark one place, unlike mentions)."""
    ranges = _locate(entry, flat, text, what, problems)
    if len(ranges) > 1:
        problems.error(_at(entry, "occurrence"), f"an {what} quote must pick one occurrence" if what[0] in "aeiou"
                       else f"a {what} quote must pick one occurrence", "use a number, not 'all'")
    return ranges[0] if len(ranges) == 1 else None


def _event_report(e: dict[str, Any], flat: FlatText, text: str, registry: _Registry, problems: Problems) -> EventReport | None:
    ident = e["ref"]
    if ident not in registry.events:
        if not registry.reported("event", ident):
            problems.error(_at(e, "ref"), f"unknown event id '{ident}'",
                           did_you_mean(ident, registry.events) or "add it to events.yaml first")
        return None
    found = _locate_one(e, flat, text, "event", problems)
    if found is None:
        return None
    a, b = found
    ident = sys.intern(ident)
    return EventReport(
        event_id=ident, quote=e["quote"], span=Span(a, b, "event", ident),
        claimed_date=e.get("claimed_date"), note_html=_markdown_field(e, "note"),
    )


def _note(n: dict[str, Any], number: int, flat: FlatText, text: str, problems: Problems) -> Note | None:
    found = _locate_one(n, flat, text, "note", problems)
    if found is None:
        return None
    a, b = found
    return Note(number, n["quote"], Span(a, b, "note", str(number)), render_markdown(n["text"]))


def _check_related(src: ArticleSource, known: set[str], problems: Problems) -> None:
    for r in src.annotations.get("related", []):
        slug = r.get("article")
        if slug and slug not in known:
            problems.error(_at(r, "article"), f"related story points to unknown article '{slug}'",
                           did_you_mean(slug, known) or "remove 'article:' (and give 'url:') if the story is not in the corpus")
        if slug == src.slug:
            problems.warning(_at(r, "article"), "article lists itself as related", "remove this entry")


_SLUG_MAX = 60


def tag_slug(name: str) -> str:
    """Stable, readable URL slug of a tag: its folded words joined by '-'.

    Folded by builder.arabic, so spellings of one tag share a page (الأنبار
    and الانبار, حصاد ٢٠١٧ and حصاد 2017 -> حصاد-2017); Arabic letters are
    kept (URLs percent-encode them), Latin is lower-cased, punctuation goes.
    At most 60 characters, cut between words; a tag with no letters or
    digits gets tag-<8 hex of its SHA-1>.  Depends only on the name.
    """
    slug = ""
    for word in fold_words(name):
        if slug and len(slug) + 1 + len(word) > _SLUG_MAX:
            break
        slug = f"{slug}-{word}" if slug else word[:_SLUG_MAX]
    return slug or "tag-" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:8]


def _tags(names: Iterable[str]) -> list[Tag]:
    seen: dict[str, Tag] = {}
    for name in names:
        slug = tag_slug(name)
        seen.setdefault(slug, _tag(name.strip(), slug))
    return list(seen.values())


_TAGS: dict[tuple[str, str], Tag] = {}


def _tag(name: str, slug: str) -> Tag:
    """One Tag object per tag in a process: sent back with a chunk of articles, it is
    pickled once, not once per article (100,000 articles carry 300,000 tags)."""
    tag = _TAGS.get((name, slug))
    if tag is None:
        tag = _TAGS[(name, slug)] = Tag(name, slug)
    return tag



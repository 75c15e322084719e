"""Live updates for ``athar serve``: rewrite only the pages an edit touches.

A :class:`Session` does one full build, keeps the corpus, the indexes,
the compiled templates and a hash of every page in memory, and then, when
only article files changed, re-reads just those articles, updates the
indexes that depend on them (related stories exactly, see
:func:`builder.related.update_related`), re-renders the pages that can show
them (the article, its old and new neighbours, the articles whose related
lists change or show it, its places, actors, events and tags, the indexes
that list it) and writes only the pages whose bytes changed, each with an
atomic rename.  Search and data files follow in a second step.  Anything
else (registries, site.yaml, templates, new or deleted files) takes a full
build.  A test compares the result with a fresh full build, byte for byte.
"""

from __future__ import annotations

import dataclasses
import filecmp
import shutil
import gc
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from builder import corpus as corpus_stage
from builder import load as load_stage
from builder.build import Options, Result, build
from builder.deflate import zlib
from builder.errors import ContentError, Interrupted, Problems, stop_if
from builder.indexes import Indexes, build_indexes, update_indexes
from builder.model import Article, Corpus, Tag
from builder.related import build_related, entity_keys, update_related
from builder.search import build_search
from builder.cards import remember_keys
from builder.publish import cache_dir_for
from builder.render import PageTask, Renderer, extra_files, plan
from builder.write import Linked
from builder.write import safe_relpath

ARTICLE_SUFFIXES = (".md", ".yaml", ".yml")


@dataclass
class Update:
    """What one live update did."""

    pages_rendered: int = 0
    pages_written: list[str] = field(default_factory=list)
    extras_written: list[str] = field(default_factory=list)
    pages_seconds: float = 0.0  # edit detected -> affected pages on disk
    total_seconds: float = 0.0  # ... -> search and data files on disk too
    interrupted: bool = False  # the search and data files were left for the next update (see Session.update)
    pages_removed: list[str] = field(default_factory=list)  # pages of a deleted article or a tag no longer used
    extras_removed: list[str] = field(default_factory=list)  # search files no longer made
    untouched: bool = False  # no content changed: only files athar does not read (an editor's temporary files)


@dataclass
class _State:
    corpus: Corpus
    indexes: Indexes
    renderer: Renderer
    slugs: dict[Path, str]  # article .md path -> slug
    written: dict[str, tuple[int, int]]  # output path -> size and CRC-32 of the bytes written there
    tasks: list[PageTask]  # every page of the site (builder.render.plan)
    extras: set[str] | None = None  # the search and data files the last whole pass made (None: not yet)


class Session:
    """Full builds, then page-level updates for edited articles."""

    def __init__(self, options: Options):
        self.options = options
        self.state: _State | None = None
        self.extras_due = False  # an update was interrupted before its search and data files were made

    def build(self, log: Callable[[str], None] | None = None) -> Result:
        """A full build; remembers what it made for later updates."""
        self.state, self.extras_due = None, False
        result = build(self.options, log, force=True)
        remember_keys()  # only now: the build's card process must not keep them
        assert result.corpus is not None and result.indexes is not None
        renderer = Renderer(result.corpus, result.indexes, self.options.user_templates(), text_memo=True)
        tasks = plan(result.corpus, result.indexes)
        renderer.compile({t.template for t in tasks})
        for task in tasks:  # fill the renderer's memo: the first edit re-renders these in full
            if task.template in ("events.html", "articles.html"):
                renderer.render(task)
        out = Path(self.options.output)
        written = {}
        for path in out.rglob("*"):
            if path.is_file():
                written[path.relative_to(out).as_posix()] = _signature(path.read_bytes())
        slugs = {Path(a.source_file).resolve(): a.slug for a in result.corpus.articles.values()}
        self.state = _State(result.corpus, result.indexes, renderer, slugs, written, tasks)
        _settle()
        return result

    def update(self, changed: Iterable[Path], pages_done: Callable[[], None] | None = None,
               interrupted: Callable[[], bool] | None = None) -> Update | None:
        """Apply edits of article files; None when a full build is needed instead.

        ``pages_done`` is called once the affected pages are on disk, before
        the search and data files are rewritten (the preview reloads then).
        Those take seconds at 10,000 articles (the whole search index and
        corpus.json), and a second save in the meantime had to wait for
        them: ``interrupted`` is asked between pieces of that work, and once
        it returns True (another edit came) the files are left for the next
        update, which makes them all again from its own corpus.
        """
        start = time.perf_counter()
        state = self.state
        mds = self._article_files(changed)
        if state is None or mds is None:
            return None
        if not mds:
            return Update(untouched=True)
        update = Update()
        old = state.corpus
        changes = self._changed_articles(mds)
        if changes is None:
            return None
        articles, edited, added, removed = changes
        corpus = _with_articles(old, articles)
        if not added and not removed and all(
                _outline(old.articles[slug]) == _outline(corpus.articles[slug]) for slug in edited):
            # Only the text changed (no title, date, tag, entity, claim or link): no index moves,
            # and only the articles' own pages show it.
            indexes = state.indexes
            tasks = [PageTask(f"articles/{slug}/index.html", "article.html", "article", slug) for slug in edited]
        else:
            indexes = _reindex(old, state.indexes, corpus, edited)
            if not (indexes.timeline is state.indexes.timeline and list(corpus.articles) == list(old.articles)
                    and corpus.tags.keys() == old.tags.keys()):
                before_tasks, state.tasks = state.tasks, plan(corpus, indexes)  # pages came or went, or moved
                update.pages_removed = self._remove_pages(before_tasks, state.tasks)
            tasks = _affected_pages(old, state.indexes, corpus, indexes, edited, state.tasks)
        state.renderer.rebind(corpus, indexes, edited)  # only articles changed: other fragments stay
        state.slugs.update(added)
        for md in removed:
            del state.slugs[md]
        for task in tasks:
            (path, data), *companions = state.renderer.render_files(task)
            update.pages_rendered += 1
            if self._write_if_changed(path, data):
                update.pages_written.append(path)
            for path, data in companions:  # an article's citation files
                if self._write_if_changed(path, data):
                    update.extras_written.append(path)
        state.corpus, state.indexes = corpus, indexes  # what the pages show: the next edit starts from here
        update.pages_seconds = time.perf_counter() - start
        if pages_done is not None:
            pages_done()
        try:
            self._write_extras(corpus, indexes, update, interrupted)
        except Interrupted:
            update.interrupted = True
        self.extras_due = update.interrupted
        update.total_seconds = time.perf_counter() - start
        if not update.interrupted:  # the next update settles: the edit that interrupted this one waits
            _settle()
        return update

    def catch_up(self, interrupted: Callable[[], bool] | None = None) -> bool:
        """Make the search and data files an interrupted update left, for the corpus the pages show.

        For when the save that interrupted it cannot be applied (its content
        has errors): the next good save would make them, but until then the
        search and downloads would lag two saves behind the pages.  False if
        nothing was due, or if this was interrupted in turn.
        """
        if self.state is None or not self.extras_due:
            return False
        try:
            self._write_extras(self.state.corpus, self.state.indexes, Update(), interrupted)
        except Interrupted:
            return False
        self.extras_due = False
        _settle()
        return True

    def _changed_articles(self, mds: list[Path]
                          ) -> tuple[dict[str, Article], list[str], dict[Path, str], dict[Path, str]] | None:
        """The articles after the edits: (all by slug, slugs edited, files and slugs added, and deleted).

        None when a full build must decide (a slug changed, a new article's
        is taken); raises ContentError for errors in the edited articles, or
        for a link left pointing to a deleted one.
        """
        assert self.state is not None
        problems = Problems()
        articles = dict(self.state.corpus.articles)
        edited: list[str] = []
        added: dict[Path, str] = {}
        removed = {md: self.state.slugs[md] for md in mds if not md.is_file()}
        for md, slug in removed.items():
            del articles[slug]
            edited.append(slug)
        for md in mds:
            if md in removed:
                continue
            slug = self.state.slugs.get(md)
            article = self._reload(md, self.state.corpus, problems)
            if article is None or (slug is not None and article.slug != slug) or (
                    slug is None and (article.slug in articles or article.slug in added.values())):
                if problems.errors:
                    raise ContentError(problems)
                return None
            if slug is None:
                added[md] = slug = article.slug
            articles[slug] = article
            edited.append(slug)
        gone = set(removed.values())
        linking = [Path(a.source_file) for a in articles.values()
                   if gone and any(r.article in gone for r in a.related)]
        for md in [m for m in mds if m not in removed] + linking:  # a link to a deleted article is an error
            src = load_stage.load_article(md, Problems())
            if src is not None:
                corpus_stage.check_related(src, set(articles), problems)
        if problems.errors:
            raise ContentError(problems)
        return articles, edited, added, removed

    def _write_extras(self, corpus: Corpus, indexes: Indexes, update: Update,
                      interrupted: Callable[[], bool] | None) -> None:
        """The search and data files of ``corpus``, each written if it changed; see :meth:`update`."""
        assert self.state is not None
        search = build_search(corpus, interrupted=interrupted)  # on all cores, or here in runs when interruptible
        produced: set[str] = set()
        for path, data in extra_files(corpus, indexes, cache_dir_for(self.options.output), search=search):
            produced.add(path)
            stop_if(interrupted)
            if interrupted is not None and not isinstance(data, (bytes, Linked)):  # corpus.json, streamed: 100 MB
                    data = _until(interrupted, data)
            if self._write_if_changed(path, data):
                update.extras_written.append(path)
        made_before = self.state.extras
        if made_before is None:  # after a full build: the search files on disk (their number follows the corpus)
            pages = {t.path for t in self.state.tasks}
            made_before = {p for p in self.state.written if p.startswith("search/") and p not in pages}
        for path in sorted(made_before - produced):
            self._remove(path)
            update.extras_removed.append(path)
        self.state.extras = produced

    def _remove_pages(self, before: list[PageTask], now: list[PageTask]) -> list[str]:
        """Remove the pages no longer in the plan, each with its folder (an article's citations and card)."""
        assert self.state is not None
        kept = {t.path for t in now}
        removed = []
        for path in sorted({t.path for t in before} - kept):
            folder = path.rpartition("/")[0]
            if folder and not any(p.startswith(folder + "/") for p in kept):  # its own folder: all of it goes
                for rel in [p for p in self.state.written if p.startswith(folder + "/")]:
                    self._remove(rel)
                shutil.rmtree(Path(self.options.output) / safe_relpath(folder), ignore_errors=True)
            else:
                self._remove(path)
            removed.append(path)
        return removed

    def _remove(self, rel: str) -> None:
        """Remove one file of the site (a path checked to stay inside it), and forget it was written."""
        assert self.state is not None
        (Path(self.options.output) / safe_relpath(rel)).unlink(missing_ok=True)
        self.state.written.pop(rel, None)

    def _article_files(self, changed: Iterable[Path]) -> list[Path] | None:
        """The .md files of the articles edited, added or deleted; None if anything else changed.

        Files the content never holds are left out: many editors save by
        writing a temporary file (``.one.md.swp``, ``one.md.new``) and
        renaming it over the article, and that file, gone or hidden, made
        a full build of the site (25 s at 10,000 articles) of each save.
        """
        root = Path(self.options.content).resolve()
        folder = root / "articles"
        mds = set()
        for path in changed:
            path = Path(path).resolve()
            if _never_content(path, root):
                continue
            if path.suffix not in ARTICLE_SUFFIXES or folder not in path.parents:
                return None
            md = path.with_suffix(".md")
            if self.state is None or not (md.is_file() or md in self.state.slugs):
                return None  # annotations before their text, say: the full build tells what is wrong
            mds.add(md)
        return sorted(mds)

    def _reload(self, md: Path, corpus: Corpus, problems: Problems) -> Article | None:
        src = load_stage.load_article(md, problems)
        if src is None or problems.errors:
            return None
        return corpus_stage.rebuild_article(src, corpus, problems)

    def _write_if_changed(self, rel: str, data: bytes | Iterable[bytes] | Linked) -> bool:
        assert self.state is not None
        if isinstance(data, Linked):  # a share card in the cache
            data = data.read()
        elif not isinstance(data, bytes):  # a download streamed in pieces
            return self._write_streamed_if_changed(rel, data)
        target = Path(self.options.output) / safe_relpath(rel)
        signature = _signature(data)
        if self.state.written.get(rel) == signature and _holds(target, data):
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.athar-tmp")
        tmp.write_bytes(data)
        os.replace(tmp, target)
        self.state.written[rel] = signature
        return True

    def _write_streamed_if_changed(self, rel: str, pieces: Iterable[bytes]) -> bool:
        """:meth:`_write_if_changed` for a file made in pieces (corpus.json: over 100 MB at 10,000 articles).

        The pieces go to the temporary file as they come, so an interruption
        between two (see :func:`_until`) costs nothing more, and the file is
        never held whole; it replaces the old one only if it differs.
        """
        assert self.state is not None
        target = Path(self.options.output) / safe_relpath(rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.athar-tmp")
        size, crc = 0, 0
        try:
            with open(tmp, "wb") as fh:
                for piece in pieces:
                    fh.write(piece)
                    size, crc = size + len(piece), zlib.crc32(piece, crc)
            signature = (size, crc)
            if self.state.written.get(rel) == signature and target.is_file() and filecmp.cmp(tmp, target, shallow=False):
                tmp.unlink()
                return False
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        self.state.written[rel] = signature
        return True


def _until(interrupted: Callable[[], bool], pieces: Iterable[bytes]) -> Iterator[bytes]:
    """The pieces of a streamed file, raising :class:`Interrupted` between two once ``interrupted`` says so."""
    for piece in pieces:
        stop_if(interrupted)
        yield piece


def _signature(data: bytes) -> tuple[int, int]:
    """Size and CRC-32: a changed page almost always differs in these (and 30 times faster than SHA-256)."""
    return len(data), zlib.crc32(data)


def _holds(target: Path, data: bytes) -> bool:
    """Whether the file already holds exactly ``data`` (compared byte for byte, when the signatures match)."""
    try:
        return target.read_bytes() == data
    except OSError:
        return False


def _never_content(path: Path, root: Path) -> bool:
    """A changed path under the content folder that no build reads: hidden, or gone and not an article's file.

    The loader skips hidden files and folders; a file that is gone and was
    neither an article nor its annotations (a temporary file renamed over
    one) left nothing behind. A visible stray file that stays is reported
    by a full build ("is not read"), so it is not left out.
    """
    if root not in path.parents:
        return False
    if any(part.startswith(".") for part in path.relative_to(root).parts):
        return True
    return not path.exists() and path.suffix not in ARTICLE_SUFFIXES


def _settle() -> None:
    """Collect garbage once, then freeze what the session keeps.

    The corpus of 10,000 articles is millions of objects; left to the
    collector, every update paid for full collections walking all of them
    (about a second each). Frozen, they are never walked again; what an
    update drops is freed by reference counting (the model holds no
    cycles), and this collection takes what cycles the objects made since
    the last freeze have. It does not unfreeze the rest first: walking the
    whole corpus took 150-300 ms at 10,000 articles, and a save arriving
    then waited for it.
    """
    gc.collect()
    gc.freeze()


def _with_articles(old: Corpus, articles: dict[str, Article]) -> Corpus:
    if len(articles) == len(old.articles) and all(
            old.articles[slug].date == a.date and old.articles[slug].tags == a.tags
            for slug, a in articles.items() if a is not old.articles[slug]):
        return dataclasses.replace(old, articles=articles)  # same order (newest first, then slug), same tags
    ordered = sorted(articles.values(), key=lambda a: (-a.date.toordinal(), a.slug))
    tags: dict[str, Tag] = {}
    for article in ordered:
        for tag in article.tags:
            tags.setdefault(tag.slug, tag)
    return dataclasses.replace(old, articles={a.slug: a for a in ordered}, tags=dict(sorted(tags.items())))


def _reindex(old: Corpus, old_indexes: Indexes, corpus: Corpus, edited: list[str]) -> Indexes:
    """All indexes of the new corpus; related stories updated, not recomputed (but for a new article)."""
    if any(slug not in old.articles or slug not in corpus.articles for slug in edited):
        # an article came or went: every article gains or loses a candidate, so all are computed again
        return build_indexes(corpus, related=build_related(corpus), search=False)
    related = update_related(old_indexes.related, old, corpus, edited)
    return update_indexes(old_indexes, old, corpus, edited, related)  # search follows the pages


def _reporting(indexes: Indexes, event_id: str) -> list[str]:
    """The articles reporting an event, in the order its structured data lists them (see builder.jsonld)."""
    entry = indexes.timeline.by_event.get(event_id)
    return [r.slug for r in entry.reports] if entry else []


def _nothing_of(article: Article) -> Article:
    """An article as it was before it was written: in no list, naming nothing (for :func:`_affected_pages`)."""
    return dataclasses.replace(article, title="", source=None, tags=(), claims=(), related=(), place_ids=(),
                               actor_ids=(), event_ids=(), mentions=0)


def _outline(article: Article) -> tuple[object, ...]:
    """Everything of an article that other pages or the indexes use (all but its text)."""
    return (_listing(article), _claims(article), frozenset(entity_keys(article)), article.mentions, article.related)


def _listing(article: Article) -> tuple[object, ...]:
    """What the index pages show of an article."""
    return (article.title, article.date, article.source, article.tags)


def _claims(article: Article) -> list[tuple[object, ...]]:
    """What the event index shows of an article's event reports (not where the quote is)."""
    return list(article.claims)


def _index_pages(before: Article, after: Article) -> set[str]:
    """The index pages that can change when ``before`` becomes ``after``.

    The event index lists, under each event, the articles that report it
    (title, claimed date); the home page shows the latest articles and
    counts mentions; the article and tag indexes list titles, dates, tags.
    """
    pages = set()
    if _listing(before) != _listing(after):
        pages |= {"index.html", "articles.html", "tags.html"}
        if before.claims or after.claims:
            pages.add("events.html")
    if _claims(before) != _claims(after):
        pages |= {"events.html", "index.html"}
    if before.mentions != after.mentions:
        pages.add("index.html")
    return pages


def _affected_pages(old: Corpus, old_indexes: Indexes, corpus: Corpus, indexes: Indexes, edited: list[str],
                    every: list[PageTask]) -> list[PageTask]:
    """Every page that can show something of the edited articles (a superset of what changed)."""
    wanted: set[tuple[str, str]] = set()
    index_pages: set[str] = set()
    events: set[str] = set()
    for slug in edited:
        after = corpus.articles.get(slug) or _nothing_of(old.articles[slug])  # a deleted article: now nowhere
        before = old.articles.get(slug) or _nothing_of(after)  # a new article: it was nowhere
        wanted.add(("article", slug))
        for nb in (old_indexes.neighbours.get(slug), indexes.neighbours.get(slug)):
            for other in (nb.older, nb.newer) if nb else ():
                if other is not None:
                    wanted.add(("article", other.slug))
        for kind, ident in set(entity_keys(before)) | set(entity_keys(after)):
            wanted.add((kind, ident))
        for tag in set(before.tags) | set(after.tags):
            wanted.add(("tag", tag.slug))
        index_pages.update(_index_pages(before, after))
        events |= set(before.event_ids) | set(after.event_ids)
    for event_id in events:  # an event's structured data lists the articles that report it, on each of their pages
        reported_before, reported = _reporting(old_indexes, event_id), _reporting(indexes, event_id)
        if reported_before != reported:
            wanted.update(("article", slug) for slug in reported_before + reported)
    edited_set = set(edited)
    lists = indexes.related.computed
    for slug in lists.changed_from(old_indexes.related.computed) | lists.showing(edited_set):
        wanted.add(("article", slug))  # a list that changed, or shows an edited article
    for slug in edited:
        for other in indexes.related.backlinks.get(slug, ()) + old_indexes.related.backlinks.get(slug, ()):
            wanted.add(("article", other))
        for article in (corpus.articles.get(slug), old.articles.get(slug)):
            for link in article.related if article else ():
                if link.article:
                    wanted.add(("article", link.article))
    return [t for t in every if (t.kind, t.key) in wanted or (t.kind == "index" and t.template in index_pages)]

"""The build as a flat list of timed steps: load, corpus, related, indexes, render, write.

``check`` is this same pipeline stopped after the indexes, so it can never
disagree with ``build`` about what is wrong.

At scale two things overlap the steps: ``load`` reads site.yaml and the
registries and lists the articles, which ``corpus`` reads and models in one
pass per worker (their parsed YAML never crosses processes); and the share
cards are drawn by a background process from the moment the corpus is
valid (``cards`` is the part of ``write`` spent finishing them: the writer
draws from the last card back while the background draws from the first).
"""

from __future__ import annotations

import functools
import gc
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, ContextManager, Sequence, TypeVar

from builder.corpus import build_corpus
from builder.errors import ContentError, Problems
from builder.indexes import Indexes, build_indexes
from builder.related import build_related
from builder.load import load
from builder.model import Corpus
from builder.cards import Background
from builder.parallel import can_fork, jobs, map_chunks, release_memory, resident_bytes
from builder import fingerprint
from builder.publish import cache_dir_for, data_outputs, share_cards
from builder.render import PageTask, Renderer, default_templates, extra_files, plan, search_files, static_files
from builder.write import check_output_dir, staging, write_file, write_files

T = TypeVar("T")


@dataclass
class Options:
    """What to build and how."""

    content: Path = Path("content")
    output: Path = Path("site")
    templates: Path | None = None  # defaults to <content>/../templates
    base_url: str | None = None
    strict: bool = False

    def user_templates(self) -> Path | None:
        if self.templates is not None:
            return self.templates
        candidate = Path(self.content).resolve().parent / "templates"
        return candidate if candidate.is_dir() else None


@dataclass
class Result:
    """What a build did: problems, step timings, the corpus and file count."""

    problems: Problems
    timings: list[tuple[str, float]] = field(default_factory=list)
    corpus: Corpus | None = None
    indexes: Indexes | None = None
    files: int = 0
    unchanged: bool = False  # the output already matched the inputs; nothing was done


class _Steps:
    def __init__(self, result: Result, log: Callable[[str], None] | None):
        self.result = result
        self.log = log

    def __call__(self, name: str, fn: Callable[[], T]) -> T:
        start = time.perf_counter()
        value = fn()
        # What a step made mostly lives to the end of the build: frozen, it is not walked
        # again by every later collection (millions of objects at 100,000 articles).
        # Released by build() when it ends; unreachable cycles wait until then.
        gc.freeze()
        release_memory()
        elapsed = time.perf_counter() - start
        self.result.timings.append((name, elapsed))
        if self.log:
            self.log(f"{name:<8} {elapsed * 1000:8.1f} ms")
        return value


def _stop_if_errors(problems: Problems, strict: bool) -> None:
    if problems.errors or (strict and problems.warnings):
        raise ContentError(problems)


def check(options: Options, log: Callable[[str], None] | None = None,
          corpus_ready: Callable[[Corpus], None] | None = None, search: bool = True) -> Result:
    """Load, cross-reference and index the content without writing anything.

    See :func:`_check`.
    """
    try:
        return _check(options, log, corpus_ready, search)
    finally:
        gc.unfreeze()


def _check(options: Options, log: Callable[[str], None] | None = None,
           corpus_ready: Callable[[Corpus], None] | None = None, search: bool = True,
           hold: Callable[[], ContextManager[None]] = nullcontext) -> Result:
    """Load, cross-reference and index the content without writing anything.

    ``corpus_ready`` is called with a valid corpus before it is indexed;
    ``search=False`` leaves the search files to the writer (they are large,
    and pages are rendered by forked processes that would each hold them);
    ``hold`` pauses background work while related stories take every core.
    """
    result = Result(Problems())
    step = _Steps(result, log)
    problems = result.problems
    content = step("load", lambda: load(Path(options.content), problems, defer_articles=True))
    corpus = step("corpus", lambda: build_corpus(content, problems, options.base_url))
    del content  # the parsed YAML, positions and all: the corpus holds what is needed from here
    _stop_if_errors(problems, options.strict)
    if corpus_ready is not None:
        corpus_ready(corpus)
    result.corpus = corpus
    with hold():  # the costliest index, timed on its own, on every core
        related = step("related", lambda: build_related(corpus))
    result.indexes = step("indexes", lambda: build_indexes(corpus, related=related, search=search))
    return result


def build(options: Options, log: Callable[[str], None] | None = None, force: bool = False) -> Result:
    """Build the site into ``options.output``; raise ContentError on bad content.

    Pages are rendered by all cores straight into a staging folder, which
    replaces the output folder only when everything succeeded.
    """
    try:
        return _build(options, log, force)
    finally:
        gc.unfreeze()  # the steps froze what they made (see _Steps)


def _build(options: Options, log: Callable[[str], None] | None, force: bool) -> Result:
    protected = [Path(options.content)]
    user_templates = options.user_templates()
    if user_templates:
        protected.append(user_templates)
    check_output_dir(Path(options.output), protected)
    inputs = ([Path(options.content), user_templates, default_templates()], f"{options.base_url!r} {options.strict!r}")
    started = time.time_ns()
    # Without a record of the last build there is nothing to compare with: the inputs are
    # hashed after the build, read from the page cache (100,000 articles: 25 s from disk).
    key = fingerprint.inputs_fingerprint(*inputs) if fingerprint.recorded(Path(options.output)) else None
    if not force and key is not None and fingerprint.unchanged(Path(options.output), key):
        result = Result(Problems(), unchanged=True)
        if log:
            log("unchanged: the output already matches the content; nothing to do")
        return result
    cache_dir = cache_dir_for(options.output)
    # Hashing the inputs may start once the build has begun (see fingerprint.inputs_fingerprint).
    hash_inputs = None if key is not None else functools.partial(
        fingerprint.inputs_fingerprint, *inputs, changed_after=started)
    cards = _background_cards(cache_dir, hash_inputs)
    hashed = False  # whether `key` came from the card process
    try:
        result = _check(options, log, corpus_ready=cards and (
            lambda c: cards.draw([card for _, card in share_cards(c, c.events.values())])), search=False,
            hold=cards.paused if cards else nullcontext)
        step = _Steps(result, log)
        assert result.corpus is not None and result.indexes is not None
        corpus, indexes = result.corpus, result.indexes
        fingerprint.forget(Path(options.output))  # only now: a build that stops on bad content changes nothing
        with staging(Path(options.output)) as tmp:
            renderer = Renderer(corpus, indexes, user_templates)
            tasks = plan(corpus, indexes)
            renderer.compile({t.template for t in tasks})
            split = _split_write()  # decided before the render: the data downloads go to one step or the other
            counts = step("render", lambda: _render(renderer, tasks, tmp, data=not split))
            renderer.forget()  # the fragments of every page: hundreds of MB at 100,000 articles
            extras = step("write", lambda: _write(tmp, corpus, indexes, cache_dir, cards, user_templates, split))
            if cards and log:  # not a step of its own: the part of write spent finishing the cards
                log(f"{'cards':<8} {cards.waited * 1000:8.1f} ms")
        if cards and hash_inputs is not None:
            hashed, key = cards.outcome()
    finally:
        if cards:
            cards.close()
    result.files = sum(counts) + extras
    if key is None and not hashed:  # None if an input changed during the build: the next build must not be skipped
        key = fingerprint.inputs_fingerprint(*inputs, changed_after=started)
    if key is not None:
        fingerprint.remember(Path(options.output), key)
    return result


def _background_cards(cache_dir: Path, after: Callable[[], object] | None = None) -> Background | None:
    """A process drawing the share cards into the cache meanwhile, then running ``after``, if one can be forked."""
    if jobs() < 2 or not can_fork():
        return None
    try:
        return Background(cache_dir / "cards", after)
    except OSError:
        return None


SPLIT_WRITE_BELOW = 384 << 20
"""Resident bytes of this process, before the render, under which the write step forks a worker (see _write).

The process grows during the render (to about 640 MB when it started at
500 MB, 100,000 articles), and the worker forked from it then grows by
the search index (about 330 MB there): 512 MB let such a build peak at
1.6 GB in its write step. Under 384 MB the write step stays below the
render's own peak."""

DATA_DOWNLOADS = "data downloads"
"""A task of the render pool that is not a page: the data downloads, for a big build (see _render)."""


def _split_write() -> bool:
    """Whether the write step may fork a worker for half its work (see :func:`_write`)."""
    resident = resident_bytes()
    return jobs() >= 2 and can_fork() and resident is not None and resident < SPLIT_WRITE_BELOW


def _write(root: Path, corpus: Corpus, indexes: Indexes, cache_dir: Path, cards: Background | None,
           user_templates: Path | None, split: bool) -> int:
    """Write every file that is not a page into ``root``; how many.

    Most of the step is two jobs for one core each: the search index and
    the data downloads (the whole corpus as JSON). While this process is
    small (``split``) they are made on both cores, one in a forked worker
    (the search index, so its memory goes with the worker). A forked
    worker counts every page of this process again, so past
    SPLIT_WRITE_BELOW (about 20,000 articles) this process makes the
    search index, and the data downloads were made by the render pool's
    worker (see :func:`_render`): at 100,000 articles a worker forked here
    would have added about 1 GB to the peak of the build.
    """
    if not split:
        return write_files(root, extra_files(corpus, indexes, cache_dir, cards, data=False),
                           static_files(user_templates), helper=jobs() > 1)
    made = map_chunks(_write_part, ["search", "data"], (root, corpus, indexes), processes=2, min_items=1)
    return sum(made) + write_files(root, extra_files(corpus, indexes, cache_dir, cards, search=(), data=False),
                                   static_files(user_templates), helper=True)


def _write_part(state: tuple[Path, Corpus, Indexes], parts: list[str]) -> int:
    """Write the search index's files or the data downloads (in a worker or here); how many."""
    root, corpus, indexes = state
    return sum(write_files(root, search_files(corpus, indexes) if part == "search" else data_outputs(corpus, indexes))
               for part in parts)


def _render(renderer: Renderer, tasks: list[PageTask], root: Path, data: bool = False) -> list[int]:
    """Render every page into ``root``: the pages of articles and entities on all cores, then the listings.

    The listings (all articles, all events, ...) grow with the corpus (the
    event index of 100,000 articles is over 100 MB of HTML) and are rendered
    by this process after the pool: rendered beside a forked worker, which
    counts this process's heap as its own, the peak would add up both.

    With ``data``, the data downloads (the whole corpus as JSON: about
    35 s at 100,000 articles) are the first task of the pool, so its
    worker makes them while this process renders pages: for a build too
    big to fork a worker in the write step (see :func:`_write`), where
    they were one core's work with the other idle.
    """
    listings = [t for t in tasks if t.kind == "index"]
    pages: list[PageTask | str] = [*([DATA_DOWNLOADS] if data else []), *(t for t in tasks if t.kind != "index")]
    return map_chunks(_render_chunk, pages, (renderer, root)) + [_render_chunk((renderer, root), listings)]


def _render_chunk(state: tuple[Renderer, Path], tasks: Sequence[PageTask | str]) -> int:
    """Render pages, and the files made with them, into the staging folder (runs in a worker); how many files."""
    renderer, root = state
    files = 0
    for task in tasks:
        if isinstance(task, str):  # DATA_DOWNLOADS
            files += write_files(root, data_outputs(renderer.corpus, renderer.indexes))
            continue
        for path, pieces in renderer.render_files(task):
            write_file(root, path, pieces)
            files += 1
    return files

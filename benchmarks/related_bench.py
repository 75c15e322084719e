"""Related stories alone, on the ids and dates of a real corpus's articles.

    .venv/bin/python benchmarks/related_bench.py dump CONTENT ARTICLES.pkl   # check the corpus once (minutes at 100,000)
    .venv/bin/python benchmarks/related_bench.py time ARTICLES.pkl [--parts]  # the step, in a fresh small process
    .venv/bin/python benchmarks/related_bench.py steps build --content C --output O   # a build, the step's parts timed

``time`` rebuilds lean articles from the dump and times build_related (and,
with ``--parts``, the index and the scoring on one and two cores). Its
heap is small and packed; in a build the step works in the heap the corpus
stage leaves, so compare with ``steps`` (stop it after the "related" line).
"""

from __future__ import annotations

import functools
import gc
import os
import pickle
import sys
import time
from pathlib import Path
from typing import Any, Callable


def dump(content: str, out: str) -> None:
    from builder.build import Options, check

    start = time.time()
    corpus = check(Options(content=Path(content)), search=False).corpus
    assert corpus is not None
    light = [(a.slug, a.date, a.place_ids, a.actor_ids, a.event_ids, a.related) for a in corpus.articles.values()]
    with open(out, "wb") as fh:
        pickle.dump(light, fh, protocol=5)
    print("dumped", len(light), "articles in", round(time.time() - start, 1), "s")


def timed(dumped: str, parts: bool) -> None:
    from builder import related as R
    from builder.model import Article, Corpus, Settings
    from builder.parallel import map_chunks

    with open(dumped, "rb") as fh:
        light = pickle.load(fh)
    articles = {slug: Article(slug=slug, title=slug, date=day, packed=b"", source_path="", place_ids=places,
                              actor_ids=actors, event_ids=events, related=related)
                for slug, day, places, actors, events, related in light}
    corpus = Corpus(Settings(title="x"), {}, {}, {}, articles)
    gc.freeze()
    start = time.perf_counter()
    R.build_related(corpus)
    print("build_related", round(time.perf_counter() - start, 2), "s")
    if not parts:
        return
    start = time.perf_counter()
    index = R._int_index(corpus)
    print("index", round(time.perf_counter() - start, 2), "s")
    for jobs in (1, 2):
        start = time.perf_counter()
        map_chunks(R._related_chunk, range(len(index.slugs)), index, processes=jobs)
        print(f"scoring on {jobs} core(s)", round(time.perf_counter() - start, 2), "s")


def steps(argv: list[str]) -> int:
    from builder import build as B, related as R
    from builder.cli import main

    def report(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            value = fn(*args, **kwargs)
            print(f"  {name} {time.perf_counter() - start:.2f} s", file=sys.stderr, flush=True)
            return value
        return wrapper

    R._int_index = report("index", R._int_index)
    R._backlinks = report("backlinks", R._backlinks)
    R.map_chunks = report("fork + scoring", R.map_chunks)
    B.release_memory = report("release_memory", B.release_memory)
    return main(argv)


if __name__ == "__main__":
    command, rest = sys.argv[1], sys.argv[2:]
    if command == "dump":
        dump(*rest[:2])
    elif command == "time":
        timed(rest[0], "--parts" in rest)
    elif command == "steps":
        sys.exit(steps(rest))
    else:
        sys.exit(__doc__)
    os._exit(0)  # the dumped corpus is large: no need to free it piece by piece

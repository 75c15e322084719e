"""Search and automatic mentions at scale: index size and query time.

Builds the corpus model of a 10,000-article corpus (benchmarks/generate.py,
or a folder you pass), then prints:

* automatic mentions: matcher build time and matching time over every
  article, with the number of names in the registries;
* the search index (builder/search.py): build time, number of files, total
  bytes and gzip bytes, the size of the root file a query always fetches,
  of the term shards (largest, median) and of the rest;
* query time, running the real ``search.js`` in node against the files on
  disk: for each query the number of hits, the files and bytes it fetched
  (cold: an empty cache, as a first visit), the cold and warm time to the
  first 20 results with their passages.

    .venv/bin/python benchmarks/search_bench.py                  # 10,000 articles
    .venv/bin/python benchmarks/search_bench.py --articles 1000
    .venv/bin/python benchmarks/search_bench.py --content path/to/content

Prints figures; it checks nothing.  Written under /dev/shm when it exists.
Wall times suffer on a shared machine; CPU times are printed beside them.
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from builder.corpus import build_corpus  # noqa: E402
from builder.errors import Problems  # noqa: E402
from builder.load import load  # noqa: E402
from builder.mentions import MentionMatcher  # noqa: E402
from builder.model import Corpus  # noqa: E402
from builder.search import build_search  # noqa: E402

JS = REPO / "templates" / "static" / "js"
SCRATCH = Path("/dev/shm") if Path("/dev/shm").is_dir() else Path(tempfile.gettempdir())

NODE = r"""
const vm = require('vm'), fs = require('fs'), path = require('path');
const [js, dir] = process.argv.slice(1);
vm.runInThisContext(fs.readFileSync(path.join(js, 'fold.js'), 'utf8'));
vm.runInThisContext(fs.readFileSync(path.join(js, 'search.js'), 'utf8'));
const S = globalThis.AtharSearch;
function engine(stats) {
  return new S.Engine(p => {
    const text = fs.readFileSync(path.join(dir, p), 'utf8');
    stats.files += 1; stats.bytes += Buffer.byteLength(text);
    return Promise.resolve(JSON.parse(text));
  });
}
async function once(e, q) {
  const t0 = performance.now();
  const r = await e.search(q);
  const docs = await Promise.all(r.hits.slice(0, 20).map(h => e.doc(h.doc)));
  docs.forEach(d => { S.passage(d.title, r.terms, 0); if (d.text) S.passage(d.text, r.terms, 80); });
  return {ms: performance.now() - t0, hits: r.hits.length};
}
(async () => {
  const out = [];
  for (const q of JSON.parse(fs.readFileSync(0, 'utf8'))) {
    const stats = {files: 0, bytes: 0}, e = engine(stats);
    const cold = await once(e, q);
    const files = stats.files, bytes = stats.bytes;
    const warm = [];
    for (let i = 0; i < 5; i++) warm.push((await once(e, q)).ms);
    warm.sort((a, b) => a - b);
    out.push({q, hits: cold.hits, files, bytes, cold: cold.ms, warm: warm[2]});
  }
  process.stdout.write(JSON.stringify(out));
})();
"""


def corpus_of(content: Path) -> tuple[Corpus, float]:
    """The corpus model (automatic mentions off: they are timed on their own)."""
    started = time.perf_counter()
    problems = Problems()
    loaded = load(content, problems)
    loaded.site["auto_mentions"] = False
    corpus = build_corpus(loaded, problems)
    if problems.errors:
        raise SystemExit(f"{content}: {len(problems.errors)} errors, e.g. {problems.errors[0]}")
    return corpus, time.perf_counter() - started


def bench_mentions(corpus: Corpus) -> Corpus:
    """Time the matcher; return the corpus with the automatic mentions added (as a build would)."""
    names = sum(1 + len(e.aliases) for e in (*corpus.places.values(), *corpus.actors.values()))
    started = time.perf_counter()
    matcher = MentionMatcher(corpus.places, corpus.actors)
    built, cpu = time.perf_counter(), time.process_time()
    articles, found = {}, 0
    for slug, article in corpus.articles.items():
        auto = matcher.find(article.body_text, article.spans)
        found += len(auto)
        articles[slug] = replace(article, spans=tuple(sorted((*article.spans, *auto), key=lambda s: (s.start, -s.end))))
    done, cpu = time.perf_counter(), time.process_time() - cpu
    print(f"automatic mentions: {names} names of {len(corpus.places)} places and {len(corpus.actors)} actors; "
          f"matcher built in {built - started:.2f} s; {len(articles)} articles matched in {done - built:.2f} s "
          f"wall, {cpu:.2f} s CPU ({cpu / max(1, len(articles)) * 1000:.2f} ms CPU each), {found} mentions found")
    return replace(corpus, articles=articles)


def bench_index(corpus: Corpus, out: Path) -> None:
    started, cpu = time.perf_counter(), time.process_time()
    files = list(build_search(corpus))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    if out.exists():
        shutil.rmtree(out)
    raw = gz = 0
    groups: dict[str, list[int]] = {}
    for rel, data in files:
        path = out / rel.removeprefix("search/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        raw += len(data)
        gz += len(gzip.compress(data, 6, mtime=0))
        groups.setdefault(rel.split("/")[1] if rel.count("/") > 1 else "index.json", []).append(len(data))
    print(f"search index: built in {elapsed:.2f} s wall, {cpu:.2f} s CPU; {len(files)} files, {raw / 1e6:.1f} MB ({gz / 1e6:.1f} MB gzip)")
    root = groups["index.json"][0]
    print(f"  index.json (fetched by every search): {root / 1e3:.1f} KB")
    for name, what in (("terms", "term shards"), ("docs", "document lists"), ("text", "article texts")):
        sizes = groups.get(name, [0])
        print(f"  {what}: {len(sizes)} files, {sum(sizes) / 1e6:.1f} MB, largest {max(sizes) / 1e3:.1f} KB, "
              f"median {statistics.median(sizes) / 1e3:.1f} KB")


def bench_queries(out: Path, queries: list[str]) -> None:
    node = shutil.which("node")
    if not node:
        print("queries: node not found (apt-get install nodejs); query times not measured")
        return
    done = subprocess.run([node, "-e", NODE, str(JS), str(out)], input=json.dumps(queries),
                          capture_output=True, text=True, timeout=600)
    if done.returncode:
        raise SystemExit(done.stderr)
    print("queries (search.js in node, files read from disk; time to the first 20 results with passages):")
    print(f"  {'query':<22}{'hits':>7}{'files':>7}{'KB fetched':>12}{'cold ms':>10}{'warm ms':>10}")
    for r in json.loads(done.stdout):
        print(f"  {r['q']:<22}{r['hits']:>7}{r['files']:>7}{r['bytes'] / 1e3:>12.1f}{r['cold']:>10.1f}{r['warm']:>10.1f}")


def default_queries(corpus: Corpus) -> list[str]:
    place = next(iter(corpus.places.values()))
    actor = next(iter(corpus.actors.values()))
    return ["الموصل", "القايم", "والرقة", "الرقه", "دير الزور", "٢٠١٧", "المَوْصِل", "الرق",
            place.name, place.name.replace("ة", "ه"), place.name_en or place.id, actor.name, "في", "كمبيوتر"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--content", type=Path, help="an existing content folder instead of a generated one")
    parser.add_argument("--query", action="append", help="a query to time (repeatable; default: a mixed list)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="athar-search-bench-", dir=SCRATCH))
    try:
        content = args.content
        if content is None:
            sys.path.insert(0, str(REPO / "benchmarks"))
            from generate import generate  # benchmarks/generate.py: the shared corpus generator
            content = work / "content"
            started = time.perf_counter()
            generate(content, args.articles, args.seed)
            print(f"corpus: generated {args.articles} articles in {time.perf_counter() - started:.1f} s")
        corpus, elapsed = corpus_of(content)
        print(f"corpus: {len(corpus.articles)} articles, {len(corpus.events)} events loaded and cross-referenced in {elapsed:.1f} s")
        corpus = bench_mentions(corpus)
        bench_index(corpus, work / "search")
        bench_queries(work / "search", args.query or default_queries(corpus))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

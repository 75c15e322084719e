"""The static search index (builder/search.py) and its engine (search.js)
run in node on the files the builder writes: sharding, prefixes, kinds,
spelling variants, determinism."""

from __future__ import annotations

import json
from itertools import accumulate
import shutil
import subprocess
from pathlib import Path

import pytest

from builder import search
from builder.arabic import search_stem, words
from builder.search import SearchDoc, build_index, build_search, index_files, search_docs, shard_name
from fixtures_site import MINIMAL
from helpers_corpus import corpus_from
from tools import REPO

JS = REPO / "templates" / "static" / "js"

NODE_SEARCH = """
const vm = require('vm'), fs = require('fs'), path = require('path');
const [js, dir] = process.argv.slice(1);
vm.runInThisContext(fs.readFileSync(path.join(js, 'fold.js'), 'utf8'));
vm.runInThisContext(fs.readFileSync(path.join(js, 'search.js'), 'utf8'));
const S = globalThis.AtharSearch;
const loaded = [];
const engine = new S.Engine(p => { loaded.push(p); return Promise.resolve(JSON.parse(fs.readFileSync(path.join(dir, p), 'utf8'))); });
(async () => {
  const out = [];
  for (const [q, kinds] of JSON.parse(fs.readFileSync(0, 'utf8'))) {
    loaded.length = 0;
    const r = await engine.search(q, kinds);
    const docs = await Promise.all(r.hits.slice(0, 5).map(h => engine.doc(h.doc)));
    out.push({total: r.hits.length, counts: r.counts, urls: docs.map(d => d.url),
              marks: docs.length ? S.passage(docs[0].text || docs[0].title, r.terms, 30).filter(p => p.mark).map(p => p.text) : [],
              loaded: loaded.slice().sort()});
  }
  process.stdout.write(JSON.stringify(out));
})();
"""


def node_search(folder: Path, queries: list[tuple[str, list[str] | None]]) -> list[dict]:  # type: ignore[type-arg]
    """Run search.js in node on an index folder; one result per (query, kinds)."""
    node = shutil.which("node")
    assert node, "node is needed to run the search engine (apt-get install nodejs)"
    done = subprocess.run([node, "-e", NODE_SEARCH, str(JS), str(folder)], input=json.dumps(queries),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def write_index(folder: Path, files: list[tuple[str, bytes]]) -> Path:
    for rel, data in files:
        path = folder / rel.removeprefix("search/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return folder


WORDS = ("استعادة السيطرة على مدينة الموصل والرقة والقائم بعد معارك شرسة في سوريا والعراق عام 2017 "
         "تحرير تلعفر والحويجة ودير الزور ومطار كويرس العسكري وريف حلب الشرقي قوات سوريا الديمقراطية").split()


def synthetic_docs(n: int) -> list[SearchDoc]:
    """Articles made of the seed's words, each with one unique word, plus a place."""
    docs = [SearchDoc("place", "/places/al-qaim/", "القائم", "Al-Qa'im · القايم", "القائم القايم Al-Qa'im", "town")]
    for i in range(n):
        body = " ".join(WORDS[(i * 7 + k) % len(WORDS)] for k in range(12)) + f" كلمة{i:04d}"
        docs.append(SearchDoc("article", f"/articles/a{i}/", f"مقال رقم {i}", body, f"مقال رقم {i}", body))
    return docs


# ------------------------------------------------------------ the index files

def test_index_keys_by_token_equal_those_of_the_whole_folded_text() -> None:
    """index_keys folds and stems space-separated tokens once each; the keys must be those
    of folding the whole text: marks, tatweel, ligatures that expand to words, other spaces."""
    from builder.arabic import WORD, normalize

    text = ("قالَ المُتحدّثُ إنّ «داعش» خسرَ الموصـــل والرقّة عام ٢٠١٧،\nوفي تلعفر\u00a0والقائم؛ "
            "النبي \ufdfa\u200bراوة بغداد\x1fدمشق x_y ABC\tdéjà-vu ﻻ إله ١٢٣ \u0640\u0640 ")
    reference = {search_stem(w) for w in WORD.findall(normalize(text))}
    cache: dict = {}
    assert search.index_keys(text, cache) == reference
    assert search.index_keys(text, cache) == reference  # from the cache
    assert normalize(" ") == " "
    monkey = dict.fromkeys(range(search.TOKEN_CACHE + 1), ())  # a full cache is forgotten, not trusted
    assert search.index_keys(text, monkey) == reference and len(monkey) < search.TOKEN_CACHE


def test_documents_cover_every_kind_with_english_names(tmp_path: Path) -> None:
    corpus, problems = corpus_from(tmp_path, {**MINIMAL, "places.yaml": "- id: mosul\n  name: الموصل\n  name_en: Mosul\n  aliases: [موصل]\n"})
    assert not problems.errors
    docs = search_docs(corpus)
    assert [d.kind for d in docs] == ["place", "actor", "event", "article"]
    place = docs[0]
    assert place.url == "/places/mosul/" and "Mosul" in place.title_terms and "موصل" in place.title_terms
    assert "Mosul" in docs[3].other_terms  # an article is found by the English names of what it mentions


def test_title_words_and_other_words_are_posted_apart() -> None:
    index = build_index(synthetic_docs(3))
    assert list(index.postings["قايم"][0]) == [0]  # the place, by its title
    assert 0 not in index.postings["قايم"][1]
    assert [list(p) for p in index.postings["qaim"]] == [[0], []]


def test_the_index_is_byte_identical_from_one_build_to_the_next(tmp_path: Path) -> None:
    corpus, _ = corpus_from(tmp_path, MINIMAL)
    assert list(build_search(corpus)) == list(build_search(corpus))
    paths = [p for p, _ in build_search(corpus)]
    assert paths[0] == "search/index.json" and len(paths) == len(set(paths))


def test_large_indexes_are_split_into_small_shards(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "SHARD_BYTES", 600)
    index = build_index(synthetic_docs(200))
    files = dict(index_files(index))
    shards = {path.removeprefix("search/terms/").removesuffix(".json"): json.loads(data)
              for path, data in files.items() if path.startswith("search/terms/")}
    assert len(shards) > 10
    keys = json.loads(files["search/index.json"])["shards"]
    assert sorted(shard_name(k) for k in keys) == sorted(shards)
    for key in keys:
        postings = shards[shard_name(key)]
        assert len(search._dump(postings)) <= 600 or len(postings) == 1 or len(key) == search.MAX_KEY
    for term, (title, other) in index.postings.items():  # each key is in the shard the browser looks in
        home = max((k for k in keys if term.startswith(k)), key=len)
        deltas = shards[shard_name(home)][term]
        assert [list(accumulate(d)) for d in deltas] == [list(title), list(other)]
    assert sum(len(p) for p in shards.values()) == len(index.postings)


def test_shard_names_are_ascii() -> None:
    assert shard_name("رق") == "631-642"
    assert shard_name("") == "_"


# ------------------------------------------------------------ the engine, in node

@pytest.fixture(scope="module")
def sharded_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    old = search.SHARD_BYTES
    search.SHARD_BYTES = 600
    try:
        files = index_files(build_index(synthetic_docs(300)))
    finally:
        search.SHARD_BYTES = old
    return write_index(tmp_path_factory.mktemp("index"), files)


def test_engine_finds_spelling_variants_across_shards(sharded_index: Path) -> None:
    results = node_search(sharded_index, [("القايم", None), ("القائم", None), ("الرقه", None), ("والرقة", None),
                                          ("المَوْصِل", None), ("٢٠١٧", None), ("al-qaim", None), ("Qaim", None)])
    for r in results[:2] + results[6:]:
        assert r["urls"][0] == "/places/al-qaim/"
    assert results[0]["total"] == results[1]["total"] > 1
    for r in results[2:6]:
        assert r["total"] > 50
        assert all(u.startswith("/articles/") for u in r["urls"])


def test_engine_fetches_only_what_a_query_needs(sharded_index: Path) -> None:
    [r] = node_search(sharded_index, [("كلمة0042", None)])
    assert r["total"] == 1 and r["urls"] == ["/articles/a42/"]
    shards = [p for p in r["loaded"] if p.startswith("terms/")]
    assert 1 <= len(shards) <= 2
    assert "docs/0.json" in r["loaded"] and "text/43.json" in r["loaded"]
    assert len(list((sharded_index / "terms").iterdir())) > 10


def test_last_word_matches_as_a_prefix(sharded_index: Path) -> None:
    [partial, whole, other] = node_search(sharded_index, [("كلمة004", None), ("كلمة0042", None), ("والرق", None)])
    assert partial["total"] == 10 and whole["total"] == 1
    assert other["total"] > 50


def test_every_word_must_match(sharded_index: Path) -> None:
    body = synthetic_docs(300)[43].text
    present = body.split()[0]
    keys = {search_stem(w) for w in words(body)}
    absent = next(w for w in WORDS if search_stem(words(w)[0]) not in keys)
    [both, one] = node_search(sharded_index, [(f"{present} كلمة0042", None), (f"كلمة0042 {absent}", None)])
    assert both["total"] == 1 and one["total"] == 0


def test_kind_filter_and_counts(sharded_index: Path) -> None:
    [everything, places] = node_search(sharded_index, [("القائم", None), ("القائم", ["place"])])
    assert everything["counts"]["place"] == 1 and everything["counts"]["article"] > 1
    assert places["total"] == 1 and places["urls"] == ["/places/al-qaim/"]


def test_passage_marks_the_words_as_written(sharded_index: Path) -> None:
    [r] = node_search(sharded_index, [("القايم", ["article"])])
    assert r["marks"] and all(m == "والقائم" for m in r["marks"])


def test_engine_on_the_bundled_site(bundled_site: Path) -> None:
    queries = [("القايم", None), ("القائم", None), ("الرقه", None), ("والرقة", None), ("Raqqa", None),
               ("الجيش العراقى", None), ("قسد", None), ("SDF", None), ("٢٠١٤", ["article"]), ("Kuweires", None)]
    results = node_search(bundled_site / "search", queries)
    firsts = [r["urls"][0] if r["urls"] else None for r in results]
    assert firsts == ["/places/al-qaim/", "/places/al-qaim/", "/places/raqqa/", "/places/raqqa/", "/places/raqqa/",
                      "/actors/iraqi-army/", "/actors/sdf/", "/actors/sdf/", "/articles/caliphate-collapse-2017/",
                      "/places/kuweires-airbase/"]

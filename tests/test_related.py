"""Related stories: rare shared entities count more; reasons are given."""

import math
import random
from collections import Counter
from datetime import date

import pytest

from builder.model import Article, Corpus, Settings
from builder.related import COMMON_POSTINGS, KIND_WEIGHT, MAX_CANDIDATES, MAX_RELATED, REASONS, build_related, entity_keys
from fixtures_site import MINIMAL
from helpers_corpus import article, corpus_from

REGISTRY = {
    "site.yaml": "title: t\n",
    "places.yaml": "".join(f"- id: {p}\n  name: {n}\n" for p, n in [("iraq", "العراق"), ("mosul", "الموصل"), ("rawa", "راوة")]),
    "actors.yaml": "- id: isis\n  name: داعش\n",
    "events.yaml": "",
}


def make(tmp_path):
    files = {k: v for k, v in REGISTRY.items() if v}
    files.update(article("a", "2017-07-01", "العراق الموصل راوة", [("place:iraq", "العراق"), ("place:mosul", "الموصل"), ("place:rawa", "راوة")]))
    files.update(article("b", "2017-07-02", "العراق راوة", [("place:iraq", "العراق"), ("place:rawa", "راوة")]))
    files.update(article("c", "2017-07-01", "العراق الموصل", [("place:iraq", "العراق"), ("place:mosul", "الموصل")]))
    files.update(article("d", "2017-07-01", "العراق", [("place:iraq", "العراق")]))
    files.update(article("e", "2017-07-01", "لا شيء"))
    for i in range(6):  # make Iraq common and Mosul rarer than... keep rawa rarest
        files.update(article(f"x{i}", "2010-01-01", "العراق الموصل", [("place:iraq", "العراق"), ("place:mosul", "الموصل")]))
    corpus, problems = corpus_from(tmp_path, files)
    assert not problems.errors, [d.format() for d in problems.errors]
    return corpus


def test_rare_shared_entity_ranks_first_and_reason_is_rarest_first(tmp_path):
    corpus = make(tmp_path)
    related = build_related(corpus).computed["a"]
    assert related[0].slug == "b"  # shares rare Rawa
    assert related[0].shared[0] == ("place", "rawa")
    assert "e" not in [r.slug for r in related]  # shares nothing


def test_nearness_in_time_breaks_ties(tmp_path):
    corpus = make(tmp_path)
    slugs = [r.slug for r in build_related(corpus).computed["a"]]
    assert slugs.index("c") < slugs.index("x0")  # same entities, c is closer in time


def test_backlinks_from_related_lists(tmp_path):
    files = dict(MINIMAL)
    files.update(article("two", "2017-07-12", "نص", related="related:\n  - title: مقال أول\n    article: one\n"))
    corpus, problems = corpus_from(tmp_path, files)
    assert not problems.errors
    assert build_related(corpus).backlinks == {"one": ("two",)}


def test_the_collector_is_on_again_after_related_stories_even_on_failure(tmp_path, monkeypatch):
    import gc

    import pytest

    from builder import related

    corpus = make(tmp_path)
    build_related(corpus)
    assert gc.isenabled()

    def broken(index, numbers):
        raise RuntimeError("scoring failed")

    monkeypatch.setattr(related, "_related_chunk", broken)
    with pytest.raises(RuntimeError):
        build_related(corpus)
    assert gc.isenabled()


def _variant(tmp_path, name, drop_rawa_from_b=False, retitle_c=False):
    """The corpus of make() with one article changed, as an edit in serve would change it."""
    files = {k: v for k, v in REGISTRY.items() if v}
    files.update(article("a", "2017-07-01", "العراق الموصل راوة", [("place:iraq", "العراق"), ("place:mosul", "الموصل"), ("place:rawa", "راوة")]))
    b = [("place:iraq", "العراق")] + ([] if drop_rawa_from_b else [("place:rawa", "راوة")])
    files.update(article("b", "2017-07-02", "العراق" if drop_rawa_from_b else "العراق راوة", b))
    files.update(article("c", "2017-07-01", "العراق الموصل", [("place:iraq", "العراق"), ("place:mosul", "الموصل")]))
    if retitle_c:
        files["articles/c.md"] = files["articles/c.md"].replace("title: c", "title: جديد")
    for i in range(6):
        files.update(article(f"x{i}", "2010-01-01", "العراق الموصل", [("place:iraq", "العراق"), ("place:mosul", "الموصل")]))
    corpus, problems = corpus_from(tmp_path / name, files)
    assert not problems.errors
    return corpus


def test_lists_are_named_when_read_as_the_index_names_them(tmp_path):
    from builder.related import _int_index

    corpus = make(tmp_path)
    lists, index = build_related(corpus).computed, _int_index(corpus)
    assert list(lists) == list(corpus.articles)
    assert {slug: lists[slug] for slug in lists} == {slug: index.related(i) for i, slug in enumerate(index.slugs)}
    assert lists.showing({"b"}) == {slug for slug in lists if any(r.slug == "b" for r in lists[slug])} != set()
    assert lists.changed_from(lists) == set()


def test_successive_updates_equal_a_full_computation(tmp_path):
    """Lists an update kept are still read with the names of the index they were computed on.

    Removing Rawa from b changes every entity's rank; a later edit must not
    read the kept lists with the new ranks.
    """
    from builder.related import update_related

    first = _variant(tmp_path, "one")
    second = _variant(tmp_path, "two", drop_rawa_from_b=True)
    third = _variant(tmp_path, "three", drop_rawa_from_b=True, retitle_c=True)
    old = build_related(first)
    mid = update_related(old, first, second, ["b"])
    assert dict(mid.computed) == dict(build_related(second).computed)
    assert "a" in mid.computed.changed_from(old.computed)  # a lost b's shared Rawa
    last = update_related(mid, second, third, ["c"])
    assert dict(last.computed) == dict(build_related(third).computed)
    assert last.computed.showing({"c"}) == {s for s, lst in dict(last.computed).items() if any(r.slug == "c" for r in lst)}


def test_an_update_keeps_the_backlinks_unless_an_edited_article_links_otherwise(tmp_path):
    from builder.related import update_related

    def corpus(name, two_links):
        files = dict(MINIMAL)
        files.update(article("two", "2017-07-12", "نص", related=f"related:\n  - title: مقال\n    article: {two_links}\n"))
        files.update(article("three", "2017-07-13", "نص", related="related:\n  - title: مقال\n    article: one\n"))
        made, problems = corpus_from(tmp_path / name, files)
        assert not problems.errors
        return made

    first, retitled, relinked = corpus("a", "one"), corpus("b", "one"), corpus("c", "three")
    old = build_related(first)
    assert old.backlinks == {"one": ("three", "two")}
    kept = update_related(old, first, retitled, ["two"])
    assert kept.backlinks is old.backlinks
    moved = update_related(kept, retitled, relinked, ["two"])
    assert moved.backlinks == build_related(relinked).backlinks == {"one": ("three",), "three": ("two",)}


def _plain_lists(corpus):
    """The documented rule written plainly, statement by statement: a reference for the C-loop version."""
    articles = list(corpus.articles.values())
    counts = Counter(key for a in articles for key in entity_keys(a))
    order = sorted(counts, key=lambda key: (counts[key], key))  # rarest first
    rank = {key: r for r, key in enumerate(order)}
    postings = {key: [a.slug for a in articles if key in entity_keys(a)] for key in order}
    return {slug: _plain_list(corpus, slug, counts, rank, postings) for slug in corpus.articles}


def _plain_list(corpus, slug, counts, rank, postings):
    total = len(corpus.articles)
    me = corpus.articles[slug]
    mine = sorted(entity_keys(me), key=rank.__getitem__)
    candidates: set[str] = set()  # each posting whole while it fits the room left, then the entries nearest in time
    for key in mine:
        posting = postings[key]  # in corpus order: newest first
        if len(posting) > COMMON_POSTINGS:
            break
        room = MAX_CANDIDATES + 1 - len(candidates)
        if len(posting) <= room:
            candidates.update(posting)
            continue
        here = posting.index(slug)
        start = max(0, min(here - room // 2, len(posting) - room))
        candidates.update(posting[start:start + room])
        break
    scored = []
    for other in candidates - {slug}:
        shared = sorted(set(mine) & set(entity_keys(corpus.articles[other])), key=rank.__getitem__)
        weight = math.fsum(KIND_WEIGHT[k] * math.log(1 + total / counts[(k, i)]) for k, i in shared)
        gap = abs((corpus.articles[other].date - me.date).days)
        scored.append((-weight * (1 + 0.25 / (1 + gap / 30)), other, tuple(shared[:REASONS])))
    return [(other, -score, shared) for score, other, shared in sorted(scored)[:MAX_RELATED]]


@pytest.mark.parametrize("cells", [1, 1 << 22], ids=["an-article-a-batch", "all-in-one-batch"])
def test_lists_equal_the_rule_written_plainly(cells, monkeypatch):
    """Random corpora with common and rare entities, ties in time and more candidates than the bound."""
    from builder import related

    monkeypatch.setattr(related, "MARK_CELLS", cells)  # how articles are batched never changes a list
    for seed in range(4):
        rng = random.Random(seed)
        articles = {}
        for n in range(160):
            def pick(prefix, pool, most):
                return tuple(dict.fromkeys(f"{prefix}{int(rng.paretovariate(1.2)) % pool}" for _ in range(rng.randint(0, most))))
            articles[f"a{n:03d}"] = Article(
                slug=f"a{n:03d}", title="t", date=date(2017, 1 + rng.randrange(3), 1 + rng.randrange(3)), packed=b"",
                source_path="", place_ids=pick("p", 40, 8), actor_ids=pick("x", 10, 4), event_ids=pick("e", 60, 3))
        corpus = Corpus(Settings(title="t"), {}, {}, {}, dict(sorted(articles.items(), key=lambda kv: (-kv[1].date.toordinal(), kv[0]))))
        lists = build_related(corpus).computed
        assert sum(len(lists[s]) == 5 for s in lists) > 100
        plain = _plain_lists(corpus)
        for slug in corpus.articles:
            got = [(r.slug, r.score, r.shared) for r in lists[slug]]
            want = plain[slug]
            assert [g[0] for g in got] == [w[0] for w in want] and [g[2] for g in got] == [w[2] for w in want], slug
            assert all(abs(g[1] - w[1]) < 1e-6 for g, w in zip(got, want)), slug


def test_when_an_entity_names_more_articles_than_the_room_the_nearest_in_time_are_candidates():
    """80 monthly articles share one place: each one's related are its neighbours in time, not the newest."""
    articles = {}
    for n in range(80):
        day = date(2010 + n // 12, 1 + n % 12, 1)
        articles[f"m{n:02d}"] = Article(slug=f"m{n:02d}", title="t", date=day, packed=b"", source_path="",
                                        place_ids=("iraq",))
    ordered = dict(sorted(articles.items(), key=lambda kv: (-kv[1].date.toordinal(), kv[0])))
    lists = build_related(Corpus(Settings(title="t"), {}, {}, {}, ordered)).computed
    assert len(ordered) > MAX_CANDIDATES + 1
    assert [r.slug for r in lists["m00"]] == ["m01", "m02", "m03", "m04", "m05"]  # the oldest: the next five
    middle = [r.slug for r in lists["m40"]]  # the middle: two months on each side, then the third on one
    assert set(middle[:4]) == {"m38", "m39", "m41", "m42"} and middle[4] in ("m37", "m43"), middle
    assert [r.slug for r in lists["m79"]] == ["m78", "m77", "m76", "m75", "m74"]  # the newest: the five before


_SCORE_IN_PROCESSES = r"""
import json, random, sys
from datetime import date
from builder.model import Article, Corpus, Settings
from builder.parallel import can_fork
from builder.related import build_related
forks = can_fork()
rng = random.Random(7)
articles = {}
for n in range(600):
    articles[f"a{n:03d}"] = Article(slug=f"a{n:03d}", title="t", date=date(2017, 1 + n % 12, 1 + n % 28), packed=b"",
                                    source_path="", place_ids=tuple(sorted({f"p{rng.randrange(80)}" for _ in range(6)})),
                                    actor_ids=tuple(sorted({f"x{rng.randrange(9)}" for _ in range(2)})))
corpus = Corpus(Settings(title="t"), {}, {}, {}, articles)
lists = build_related(corpus).computed
print(json.dumps({"forks": forks, "numpy_in_parent": "numpy" in sys.modules, "lists": {s: [list(r) for r in lists[s]] for s in lists}}))
"""


def test_scoring_runs_in_workers_and_agrees_with_one_process():
    """Scored on two processes, the lists equal one process's, and numpy stays out of the parent.

    The parent's heap is inherited by every process forked later (the
    render workers), so a library imported only to score would be counted
    once more in each of them.
    """
    import json
    import os
    import subprocess
    import sys

    def run(jobs: str) -> dict:
        env = {**os.environ, "ATHAR_JOBS": jobs}
        done = subprocess.run([sys.executable, "-c", _SCORE_IN_PROCESSES], env=env, capture_output=True, text=True,
                              check=True)
        return json.loads(done.stdout)

    one, two = run("1"), run("2")
    assert one["lists"] == two["lists"] and sum(map(len, one["lists"].values())) > 2000
    assert one["numpy_in_parent"]  # one process scores in the parent
    assert two["numpy_in_parent"] is not two["forks"]

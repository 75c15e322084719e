"""Automatic mentions (builder/mentions.py): names found with their clitics,
never inside longer words, explicit annotations first; and the seed article
as the researcher annotated it, found again without the annotations."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.corpus import build_corpus
from builder.errors import Problems
from builder.load import load
from builder.mentions import MentionMatcher, surface_forms
from builder.model import Actor, Place, Span
from fixtures_site import CONTENT, MINIMAL
from helpers_corpus import corpus_from

PLACES = {
    "mosul": Place("mosul", "الموصل", aliases=()),
    "raqqa": Place("raqqa", "الرقة", aliases=("الرقّة",)),
    "deir-ez-zor": Place("deir-ez-zor", "دير الزور", aliases=("ديرالزور",)),
    "al-qaim": Place("al-qaim", "القائم", aliases=("القايم",)),
    "iraq": Place("iraq", "العراق"),
    "syria": Place("syria", "سوريا", aliases=("سورية",)),
    "aleppo-east": Place("aleppo-east", "ريف حلب الشرقي"),
    "tal-afar": Place("tal-afar", "تلعفر"),
}
ACTORS = {"isis": Actor("isis", "داعش", aliases=("تنظيم داعش",)), "iraqi-army": Actor("iraqi-army", "الجيش العراقي")}


@pytest.fixture(scope="module")
def matcher() -> MentionMatcher:
    return MentionMatcher(PLACES, ACTORS)


def found(matcher: MentionMatcher, text: str, spans: list[Span] = ()) -> list[tuple[str, str]]:
    return [(m.span.ref, m.quote) for m in matcher.mentions(text, spans)]


@pytest.mark.parametrize("text, ref, quote", [
    ("دخلت القوات بالموصل أمس", "mosul", "الموصل"),
    ("وفي دير الزور على الصعيد السوري", "deir-ez-zor", "دير الزور"),
    ("عاد للرقة بعد الحرب", "raqqa", "لرقة"),  # ل + الرقة: the alef of ال is not written
    ("فالرقة سقطت", "raqqa", "الرقة"),
    ("وبالرقة وقعت", "raqqa", "الرقة"),
    ("كالموصل تماما", "mosul", "الموصل"),
    ("المتاخمة لسوريا.", "syria", "سوريا"),
    ("وسوريا وغيرها", "syria", "سوريا"),
    ("والعراق،", "iraq", "العراق"),
    ("وتلعفر", "tal-afar", "تلعفر"),
    ("لنقطة القايم الحدودية", "al-qaim", "القايم"),
    ("مدينة القائم في محافظة", "al-qaim", "القائم"),
    ("في الرقه", "raqqa", "الرقه"),  # folded spelling
    ("في ديرالزور", "deir-ez-zor", "ديرالزور"),
])
def test_names_are_found_with_their_clitics(matcher: MentionMatcher, text: str, ref: str, quote: str) -> None:
    assert found(matcher, text) == [(ref, quote)]


@pytest.mark.parametrize("text", [
    "الجيش العراقيون", "العراقي", "القوات العراقية", "الجغرافيا السورية", "السوريين", "الموصلي",
    "موصل", "رقة القلب", "تلعفري", "والعراقيين", "داعشي", "سوريالية",
])
def test_no_match_inside_a_longer_word_or_without_the_article(matcher: MentionMatcher, text: str) -> None:
    assert found(matcher, text) == []


def test_many_word_names_need_spaces_between_their_words(matcher: MentionMatcher) -> None:
    assert found(matcher, "من ريف حلب\nالشرقي") == [("aleppo-east", "ريف حلب\nالشرقي")]
    assert found(matcher, "من ريف حلب، الشرقي") == []


def test_the_longest_name_wins(matcher: MentionMatcher) -> None:
    assert found(matcher, "لدى تنظيم داعش ،") == [("isis", "تنظيم داعش")]
    assert found(matcher, "الجيش العراقي") == [("iraqi-army", "الجيش العراقي")]


def test_diacritics_are_ignored_and_kept_inside_the_span(matcher: MentionMatcher) -> None:
    text = "في المَوْصِلُ اليوم"
    [(ref, quote)] = found(matcher, text)
    assert ref == "mosul" and quote == "المَوْصِلُ"


def test_explicit_mentions_win(matcher: MentionMatcher) -> None:
    text = "لدى تنظيم داعش في الموصل"
    at = text.index("داعش")
    explicit = [Span(at, at + 4, "actor", "isis")]
    assert found(matcher, text, explicit) == [("mosul", "الموصل")]
    # an event or note span does not block a mention inside it
    assert len(found(matcher, text, [Span(0, len(text), "event", "e")])) == 2


def test_spans_are_marked_automatic(matcher: MentionMatcher) -> None:
    spans = matcher.find("في الموصل")
    assert [(s.start, s.end, s.kind, s.ref, s.auto) for s in spans] == [(3, 9, "place", "mosul", True)]


def test_a_name_shared_by_two_entities_is_never_linked() -> None:
    places = {"raqqa": Place("raqqa", "الرقة"), "raqqa-gov": Place("raqqa-gov", "محافظة الرقة", aliases=("الرقة",))}
    matcher = MentionMatcher(places, {})
    assert found(matcher, "في الرقة") == []
    assert found(matcher, "في محافظة الرقة") == [("raqqa-gov", "محافظة الرقة")]
    assert matcher.ambiguous == {("الرقه",): (("place", "raqqa"), ("place", "raqqa-gov"))}


def test_surface_forms_cover_the_clitic_chains() -> None:
    forms = dict(surface_forms("الرقه"))
    for written, clitics in [("الرقه", 0), ("والرقه", 1), ("بالرقه", 1), ("للرقه", 1), ("وللرقه", 2), ("فبالرقه", 2)]:
        assert forms[written] == clitics
    assert "رقه" not in forms and "السوريه" not in dict(surface_forms("سوريه"))


# ------------------------------------------------------------ the seed article

@pytest.fixture(scope="module")
def seed() -> tuple:  # type: ignore[type-arg]
    problems = Problems()
    corpus = build_corpus(load(CONTENT, problems), problems)
    assert not problems.errors
    return corpus, next(iter(corpus.articles.values()))


def test_every_annotated_seed_mention_is_found_automatically(seed: tuple) -> None:  # type: ignore[type-arg]
    corpus, article = seed
    auto = MentionMatcher(corpus.places, corpus.actors).find(article.body_text)
    explicit = [s for s in article.spans if s.kind in ("place", "actor") and not s.auto]
    assert len(explicit) > 30
    missing = [(s.ref, article.body_text[s.start:s.end]) for s in explicit
               if not any(a.ref == s.ref and a.start <= s.start and s.end <= a.end for a in auto)]
    assert missing == []


def test_every_place_the_seed_names_is_found_including_both_spellings_of_al_qaim(seed: tuple) -> None:  # type: ignore[type-arg]
    corpus, article = seed
    auto = MentionMatcher(corpus.places, corpus.actors).mentions(article.body_text)
    found_places = {m.span.ref for m in auto if m.span.kind == "place"}
    assert found_places == set(corpus.places)  # the seed names every place of its gazetteer
    assert {m.quote for m in auto if m.span.ref == "al-qaim"} == {"القايم", "القائم"}


def test_no_automatic_mention_in_the_seed_is_a_false_match(seed: tuple) -> None:  # type: ignore[type-arg]
    corpus, article = seed
    auto = MentionMatcher(corpus.places, corpus.actors).find(article.body_text)
    explicit = [s for s in article.spans if s.kind in ("place", "actor") and not s.auto]
    unannotated = [article.body_text[a.start:a.end] for a in auto
                   if not any(s.ref == a.ref and a.start <= s.start and s.end <= a.end for s in explicit)]
    assert unannotated == []
    text = article.body_text
    assert "العراقي" in text and "السورية" in text  # the longer words are there, and were not matched


# ------------------------------------------------------------ in the corpus

def _files(site: str, ann: str) -> dict[str, str]:
    return {**MINIMAL, "site.yaml": site, "articles/one.md": "---\ntitle: مقال\ndate: 2017-07-11\n---\n"
            "دخل الجيش بالموصل وطرد داعش من الموصل.\n", "articles/one.yaml": ann}


def test_corpus_adds_automatic_mentions_by_default(tmp_path: Path) -> None:
    corpus, problems = corpus_from(tmp_path, _files("title: t\n", "mentions:\n  - ref: actor:isis\n    quote: داعش\n"))
    assert not problems.errors
    article = corpus.articles["one"]
    auto = [(s.ref, article.body_text[s.start:s.end]) for s in article.spans if s.auto]
    assert auto == [("mosul", "الموصل"), ("mosul", "الموصل")]
    assert [s.ref for s in article.spans if not s.auto] == ["isis"]
    assert article.place_ids == ("mosul",)


def test_auto_mentions_false_turns_them_off(tmp_path: Path) -> None:
    corpus, problems = corpus_from(tmp_path, _files("title: t\nauto_mentions: false\n", "mentions:\n  - ref: actor:isis\n    quote: داعش\n"))
    assert not problems.errors
    article = corpus.articles["one"]
    assert not [s for s in article.spans if s.auto]
    assert article.place_ids == ()


# ------------------------------------------------------------ athar check --suggest

def test_suggest_is_silent_on_the_fully_annotated_seed(seed: tuple) -> None:  # type: ignore[type-arg]
    from builder.suggest import suggestions
    corpus, _ = seed
    assert suggestions(corpus) == []


def test_suggestions_pasted_into_the_annotations_are_valid_and_complete(tmp_path: Path) -> None:
    from builder.suggest import suggestions
    body = "دخل الجيش بالموصل وعاد للرقة، ثم الموصل مرة أخرى. قسد في الرقة.\n"
    files = {**MINIMAL, "places.yaml": "- id: mosul\n  name: الموصل\n- id: raqqa\n  name: الرقة\n",
             "actors.yaml": "- id: isis\n  name: داعش\n- id: sdf\n  name: قوات سوريا الديمقراطية\n  aliases: [قسد]\n",
             "events.yaml": "[]\n",
             "articles/one.md": f"---\ntitle: مقال\ndate: 2017-07-11\n---\n{body}",
             "articles/one.yaml": "mentions:\n  - ref: actor:sdf\n    quote: قسد\n"}
    corpus, problems = corpus_from(tmp_path / "a", files)
    assert not problems.errors
    lines = suggestions(corpus)
    assert lines[0].startswith("# articles/one.yaml: suggestion: 4 automatic mentions")
    assert "  - ref: place:mosul" in lines and "  - ref: place:raqqa" in lines
    assert any(line.startswith('    quote: "لرقة"') for line in lines)  # للرقة, as the seed quotes للدولة
    files["articles/one.yaml"] += "\n".join(lines[1:]) + "\n"
    corpus, problems = corpus_from(tmp_path / "b", files)
    assert not problems.errors, problems.errors
    article = corpus.articles["one"]
    assert not [s for s in article.spans if s.auto]
    assert sorted(s.ref for s in article.spans) == ["mosul", "mosul", "raqqa", "raqqa", "sdf"]
    assert suggestions(corpus) == []


def test_suggest_names_ambiguous_names(tmp_path: Path) -> None:
    from builder.suggest import suggestions
    files = {**MINIMAL, "places.yaml": "- id: mosul\n  name: الموصل\n- id: mosul-gov\n  name: محافظة نينوى\n  aliases: [الموصل]\n"}
    corpus, _ = corpus_from(tmp_path, files)
    assert any("«الموصل» belongs to place:mosul, place:mosul-gov" in line for line in suggestions(corpus))


def test_check_suggest_on_the_command_line(tmp_path: Path) -> None:
    from fixtures_site import athar, write_content
    root = write_content(tmp_path / "content", {**MINIMAL, "articles/one.yaml": "mentions: []\n"})
    done = athar("check", "--suggest", "--content", str(root))
    assert done.returncode == 0, done.stderr
    assert "# articles/one.yaml: suggestion:" in done.stdout
    assert '    quote: "الموصل"' in done.stdout


from hypothesis import given, strategies as st


@given(st.lists(st.tuples(st.integers(0, 60), st.integers(1, 15)), max_size=12), st.integers(0, 70), st.integers(1, 15))
def test_overlap_by_binary_search_equals_the_plain_scan(spans, start, size):
    from builder.mentions import _Taken
    explicit = [Span(a, a + n, "place", "x") for a, n in spans]
    plain = any(s.start < start + size and start < s.end for s in explicit)
    assert _Taken(explicit).overlaps(start, start + size) == plain


@given(st.lists(st.sampled_from(["الرقّة", "أ", "ـ", " ", "  ", "\n", "ﻻ", "x", "٢", "بالموصل", "🙂", "ة"]), max_size=30).map("".join))
def test_folding_token_by_token_equals_folding_the_text(text):
    from builder.arabic import Folded, fold_cache
    kept = fold_cache()
    for _ in range(2):  # the second time from the kept tokens
        assert Folded.of(text, kept).text == Folded.of(text).text


@given(st.lists(st.sampled_from(["الموصل", "بالموصل", "داعش", "،", "_", "x", "٢", " ", "  ", "\n", "دير", "الزور",
                                 "ـ", "(", "الرقّة", "ﻻ", "وللرقة"]), max_size=40).map("".join))
def test_candidate_words_are_the_words_of_the_folded_text_that_start_a_name(text):
    """Found token by token from a cache; must be what a scan of the whole folded text finds."""
    from builder.arabic import WORD, normalize
    m = MentionMatcher(PLACES, ACTORS)
    tokens = [normalize(t) for t in text.split(" ")]
    scan = [(w.start(), w.group()) for w in WORD.finditer(" ".join(tokens)) if w.group() in m.roots]
    assert m._candidates(tokens) == scan
    assert m._candidates(tokens) == scan  # again, from the cache


def test_a_matcher_is_freed_as_soon_as_it_is_dropped():
    """The build pauses the collector while modelling and freezes what each step leaves: a matcher
    in a reference cycle would stay, with its caches, in the parent and every process forked from it."""
    import gc
    import weakref

    gc.disable()
    try:
        matcher = MentionMatcher(PLACES, ACTORS)
        matcher.mentions("دخلت القوات الموصل ثم الرقة")
        gone = weakref.ref(matcher)
        del matcher
        assert gone() is None
    finally:
        gc.enable()

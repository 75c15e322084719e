"""The corpus stage resolves ids, anchors quotes and orders articles."""

import pytest

from fixtures_site import MINIMAL
from helpers_corpus import article, corpus_from


def test_minimal_corpus_resolves_everything(tmp_path):
    corpus, problems = corpus_from(tmp_path, MINIMAL)
    assert not problems.items, [d.format() for d in problems.items]
    art = corpus.articles["one"]
    assert art.place_ids == ("mosul",) and art.actor_ids == ("isis",) and art.event_ids == ("mosul-2017",)
    kinds = sorted({s.kind for s in art.spans})
    assert kinds == ["actor", "event", "place"]
    for span in art.spans:
        assert art.body_text[span.start:span.end]


def test_unknown_ids_get_close_matches(tmp_path):
    files = dict(MINIMAL)
    files["articles/one.yaml"] = "mentions:\n  - ref: place:mosull\n    quote: الموصل\nevents:\n  - ref: mosul-217\n    quote: الموصل\n"
    _, problems = corpus_from(tmp_path, files)
    text = "\n".join(d.format() for d in problems.errors)
    assert "unknown place id 'mosull'" in text and "did you mean 'mosul'" in text
    assert "unknown event id 'mosul-217'" in text and "'mosul-2017'" in text
    assert "one.yaml:2:" in text


def test_quote_not_found_names_the_nearest_passage(tmp_path):
    files = dict(MINIMAL)
    files["articles/one.yaml"] = "events:\n  - ref: mosul-2017\n    quote: استعاده السيطره على مدينه الموصل\n"
    _, problems = corpus_from(tmp_path, files)
    [error] = problems.errors
    assert "is not in the article text" in error.message
    assert "استعادة السيطرة على مدينة الموصل" in error.hint
    assert (error.loc.line, error.loc.column) == (3, 12)


def test_ambiguous_event_quote_needs_occurrence(tmp_path):
    files = dict(MINIMAL)
    files["articles/one.md"] = "---\ntitle: t\ndate: 2017-07-11\n---\nالموصل ثم الموصل\n"
    files["articles/one.yaml"] = "events:\n  - ref: mosul-2017\n    quote: الموصل\n"
    _, problems = corpus_from(tmp_path, files)
    assert "occurs 2 times" in problems.errors[0].message
    files["articles/one.yaml"] = "events:\n  - ref: mosul-2017\n    quote: الموصل\n    occurrence: 2\n"
    corpus, problems = corpus_from(tmp_path / "b", files)
    assert not problems.errors
    assert corpus.articles["one"].events[0].span.start == len("الموصل ثم ")


def test_related_to_missing_article_is_an_error(tmp_path):
    files = dict(MINIMAL)
    files["articles/one.yaml"] = "related:\n  - title: قصة\n    article: tow\n"
    files.update(article("two", "2017-07-12", "نص"))
    _, problems = corpus_from(tmp_path, files)
    assert "unknown article 'tow'" in problems.errors[0].message
    assert "'two'" in problems.errors[0].hint


def test_articles_newest_first(tmp_path):
    files = dict(MINIMAL)
    files.update(article("older", "2016-01-01", "نص"))
    files.update(article("newer", "2018-01-01", "نص"))
    corpus, _ = corpus_from(tmp_path, files)
    assert list(corpus.articles) == ["newer", "one", "older"]


def test_duplicate_ids_point_at_both(tmp_path):
    files = dict(MINIMAL)
    files["places.yaml"] = "- id: mosul\n  name: الموصل\n- id: mosul\n  name: موصل\n"
    _, problems = corpus_from(tmp_path, files)
    [error] = problems.errors
    assert "duplicate place id 'mosul'" in error.message and "places.yaml:1:" in error.message
    assert error.loc.line == 3


def _mentions(tmp_path, body, *entries):
    files = dict(MINIMAL)
    files["articles/one.md"] = f"---\ntitle: t\ndate: 2017-07-11\n---\n{body}\n"
    files["articles/one.yaml"] = "mentions:\n" + "".join(
        "  - ref: place:mosul\n" + "".join(f"    {k}: {v!r}\n" for k, v in e.items()) for e in entries)
    corpus, problems = corpus_from(tmp_path, files)
    assert not problems.errors, [d.format() for d in problems.errors]
    text = corpus.articles["one"].body_text
    return [(s.start, text[s.start:s.end]) for s in corpus.articles["one"].spans if s.kind == "place"]


def test_a_mention_marks_whole_words_and_else_its_text_inside_words(tmp_path):
    body = "قال الجيش العراقي إن العراق انتصر في العراقية."
    at = body.index("العراق ")
    assert _mentions(tmp_path / "a", body, {"quote": "العراق"}) == [(at, "العراق")]
    # only inside longer words (after a tatweel, before a letter): found there, as the content model reads a quote
    body = "وأسفرت ضربة جوية لـبيجي عن قتلى في البيجيين."
    assert _mentions(tmp_path / "b", body, {"quote": "بيجي"}) == [
        (body.index("بيجي"), "بيجي"), (body.rindex("بيجي"), "بيجي")]


def test_a_numbered_mention_counts_every_place_its_text_occurs(tmp_path):
    body = "قال الجيش العراقي إن العراق انتصر."
    assert _mentions(tmp_path / "a", body, {"quote": "العراق", "occurrence": 2}) == [(body.index("العراق "), "العراق")]
    assert _mentions(tmp_path / "b", body, {"quote": "العراق", "prefix": "الجيش "}) == [(body.index("العراقي"), "العراق")]


def test_a_prefix_that_fits_every_occurrence_is_named_in_the_error(tmp_path):
    files = dict(MINIMAL)
    files["articles/one.md"] = "---\ntitle: t\ndate: 2017-07-11\n---\nفي الموصل ثم في الموصل\n"
    files["articles/one.yaml"] = "events:\n  - ref: mosul-2017\n    quote: الموصل\n    prefix: 'في '\n"
    _, problems = corpus_from(tmp_path, files)
    [error] = problems.errors
    assert error.message == "event quote «الموصل» occurs 2 times with that prefix"
    assert error.hint == "add 'occurrence: 1' (to 2), or a longer prefix to pick one"


def test_a_quote_written_exactly_picks_its_occurrence_before_runs_of_space_are_folded(tmp_path):
    files = dict(MINIMAL)
    files["articles/one.md"] = "---\ntitle: t\ndate: 2017-07-11\n---\nعاد الناس.  وعاد مئات ثم عاد الناس. وعاد مئات\n"
    files["articles/one.yaml"] = ("notes:\n  - quote: 'الناس.  وعاد مئات'\n    text: مسافتان\n"
                                  "  - quote: 'الناس. وعاد'\n    suffix: ''\n    prefix: ' '\n    occurrence: 2\n    text: مسافة\n")
    corpus, problems = corpus_from(tmp_path, files)
    assert not problems.errors, [d.format() for d in problems.errors]
    body = corpus.articles["one"].body_text
    first, second = corpus.articles["one"].notes
    assert (first.span.start, second.span.start) == (body.index("الناس.  "), body.rindex("الناس. "))


@pytest.mark.parametrize("kind", ["notes", "mentions"])
def test_a_numbered_occurrence_counts_the_occurrences_a_reader_sees_across_line_breaks(tmp_path, kind):
    """The source wraps a line inside the second occurrence: occurrence 3 is still the third one on the page."""
    files = dict(MINIMAL)
    body = "دخل الجيش العراقي الموصل في الصباح، ثم انسحب الجيش\nالعراقي منها ظهراً، وعاد الجيش العراقي إليها مساءً.\n"
    files["articles/one.md"] = "---\ntitle: t\ndate: 2017-07-11\n---\n" + body
    entry = "  - ref: actor:isis\n" if kind == "mentions" else "  - text: ملاحظة\n"
    files["articles/one.yaml"] = (f"{kind}:\n{entry}    quote: الجيش العراقي\n    occurrence: 3\n"
                                  f"{entry}    quote: الجيش العراقي\n    occurrence: 2\n")
    corpus, problems = corpus_from(tmp_path, files)
    assert not problems.errors, [d.format() for d in problems.errors]
    text = corpus.articles["one"].body_text
    if kind == "notes":
        starts = [n.span.start for n in corpus.articles["one"].notes]
    else:
        starts = [s.start for s in corpus.articles["one"].spans if s.kind == "actor"]
    second, third = text.index("الجيش\nالعراقي"), text.rindex("الجيش العراقي")
    assert sorted(starts) == [second, third]


def test_articles_share_one_string_per_entity_id_and_one_tag_object(tmp_path):
    """Articles modelled by different workers point at the registry's own id strings and one Tag per tag."""
    from builder.build import Options, check
    from fixtures_site import generated_corpus

    root = generated_corpus(tmp_path / "gen", 300)
    corpus = check(Options(content=root)).corpus
    assert corpus is not None
    keys = {id(k) for registry in (corpus.places, corpus.actors, corpus.events) for k in registry}
    articles = list(corpus.articles.values())
    refs = [i for a in articles for i in (*a.place_ids, *a.actor_ids, *a.event_ids, *(e for e, _ in a.claims))]
    assert refs and all(id(i) in keys for i in refs)
    tags = {}
    for a in articles:
        for t in a.tags:
            assert tags.setdefault(t, t) is t
    assert len(tags) > 1

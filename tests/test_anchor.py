"""Quotes are found in the text as a reader sees it."""

from builder.anchor import FlatText, find_all, nearest

TEXT = "استعادة الجيش العراقي السيطرة على مدينة الموصل،\n  ثم بالموصل وفي العراق والعراقية."


def spans(quote, **kw):
    return [TEXT[a:b] for a, b in find_all(FlatText.of(TEXT), quote, **kw)]


def test_whitespace_runs_count_as_one_space():
    assert spans("الموصل، ثم") == ["الموصل،\n  ثم"]


def test_mentions_match_whole_words_with_clitics():
    assert spans("الموصل", whole_words=True) == ["الموصل", "الموصل"]  # مدينة الموصل + بالموصل
    assert spans("العراق", whole_words=True) == ["العراق"]  # not inside العراقي / والعراقية


def test_plain_quotes_match_anywhere():
    assert len(spans("العراق")) == 3


def test_prefix_and_suffix_pick_an_occurrence():
    assert len(find_all(FlatText.of(TEXT), "الموصل", prefix="مدينة")) == 1
    assert len(find_all(FlatText.of(TEXT), "الموصل", suffix="وفي")) == 1


def test_nearest_passage_folds_spelling_and_finds_typos():
    assert nearest("طرد التنظيم من مدينة القائم في محافظة", "القايم") == "القائم"
    assert nearest("ثم طرد التنظيم الإرهابي من مدينة القائم", "طرد التنظيم الارهابي من مدينه") == "طرد التنظيم الإرهابي من مدينة"
    assert nearest("نص لا علاقة له", "كلمات مختلفة تماما هنا") == ""


from hypothesis import given, strategies as st


@given(st.lists(st.sampled_from(["a", "ب", " ", "  ", "\n", " \n ", "\t"]), max_size=30).map("".join))
def test_flat_offsets_map_back_to_the_same_characters(text):
    flat = FlatText.of(text)
    for i, ch in enumerate(flat.flat):
        a, b = flat.original(i, i + 1)
        assert text[a] == ch or (ch == " " and text[a].isspace())

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


def test_an_exact_prefix_or_suffix_wins_over_one_that_ignores_white_space():
    text = "معارك في تل الطويل ثم غارة على تلالطويل.\nثم الطويل. وبعد"
    flat = FlatText.of(text)

    def picked(**kw):
        return [a for a, _ in find_all(flat, "الطويل", source=text, **kw)]
    first, second, third = picked()
    assert picked(prefix="تل ") == [first]  # not تلالطويل, whose "تل" has no space after it
    assert picked(prefix="تل") == [second]  # exactly "تل" right before it
    assert picked(suffix=".\n") == [second] and picked(suffix=". ") == [third]
    assert picked(prefix="في  تل") == [first]  # no exact match: white space is forgiven


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


def test_flat_text_maps_every_offset_back_as_a_walk_over_every_space_run_would():
    """FlatText.of visits only runs of two or more spaces; the map must be that of visiting them all."""
    import random
    import re

    from builder.anchor import FlatText

    def reference(text):
        breaks, removed, total = [0], [0], 0
        for m in re.finditer(r"\s+", text):
            start, end = m.span()
            if end - start > 1:
                total += end - start - 1
                breaks.append(start - (total - (end - start - 1)) + 1)
                removed.append(total)
        return re.sub(r"\s+", " ", text), tuple(breaks), tuple(removed)

    rng = random.Random(3)
    for _ in range(2000):
        text = "".join(rng.choice(["الموصل", "x", " ", "  ", "\n", "\n\n", "\t \u00a0", "و",
                                       "\u2028", "\r", "\x1c", "\u3000", "\u0085", "\u200b"]) for _ in range(rng.randrange(0, 40)))
        flat = FlatText.of(text)
        assert (flat.flat, flat.breaks, flat.removed) == reference(text)
        for start in range(len(flat.flat)):
            s, e = flat.original(start, start + 1)
            assert re.sub(r"\s+", " ", text[s:e]) == flat.flat[start]


def test_a_line_break_inside_a_paragraph_is_the_space_a_reader_sees_for_prefix_and_suffix():
    """The prefix "الحصار. " is what a reader sees before the second وسيطرت (a line break
    of the source inside a paragraph); the first follows a new paragraph, which a reader
    does not see as a space. Exact raw context still wins."""
    from builder.markup import plain_text, render_markdown

    html = render_markdown("ثم انتهى الحصار.\n\nوسيطرت القوات على البلدة. ثم انتهى الحصار.\nوسيطرت القوات على الجسر.\n")
    text = plain_text(html)
    assert text.count("\n") == 2  # the plain text has the paragraph break and the line break alike
    flat = FlatText.of(text, html)
    first, second = text.index("وسيطرت"), text.rindex("وسيطرت")

    def picked(**kw):
        return [a for a, _ in find_all(flat, "وسيطرت القوات", source=text, **kw)]
    assert picked() == [first, second]
    assert picked(prefix="الحصار. ") == [second]
    assert picked(prefix="الحصار.\n") == [first, second]  # exactly both, as the plain text has them
    assert picked(suffix=" على الجسر") == [second]
    assert picked(prefix="الحصار.  ") == [first, second]  # exact neither way: white space ignored
    assert [a for a, _ in find_all(FlatText.of(text), "وسيطرت القوات", prefix="الحصار. ", source=text)] == [
        first, second]  # without the HTML, line breaks cannot be told apart


def test_text_as_read_keeps_breaks_a_reader_sees_and_the_plain_texts_length():
    from builder.markup import plain_text, render_markdown, text_as_read

    source = ("فقرة أولى\nتكملتها **بخط\nعريض**\n\n- بند\n- بند\n  ثان\n\n> اقتباس\n> تكملته\n\n"
              "سطر  \nبعد فاصل\n\n    code\n    more\n")
    html = render_markdown(source)
    plain, read = plain_text(html), text_as_read(html)
    assert len(read) == len(plain)
    assert "فقرة أولى تكملتها بخط عريض" in read and "بند   ثان" in read and "اقتباس تكملته" in read
    assert "سطر\nبعد فاصل" in read.replace(" \n", "\n")  # a hard break (<br>) stays a break
    assert "code\nmore" in read  # inside pre
    assert read.count("\n") >= 5  # between the blocks

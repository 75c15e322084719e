"""Markdown is sanitised and marks are woven in without breaking HTML."""

from html.parser import HTMLParser

from builder.markup import Mark, mark_spans, plain_text, render_markdown


def test_raw_html_and_bad_links_are_removed():
    html = render_markdown('نص <script>alert(1)</script> و[رابط](javascript:alert(1)) <img src=x onerror=alert(1)>')
    assert "<script" not in html and "javascript:" not in html and "onerror" not in html and "<img" not in html


def test_plain_text_is_what_a_reader_sees():
    html = render_markdown("فقرة **أولى** &amp; \"اقتباس\"\n\nفقرة ثانية")
    assert plain_text(html) == 'فقرة أولى & "اقتباس"\nفقرة ثانية'


class _Nesting(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.ok = [], True

    def handle_starttag(self, tag, attrs):
        if tag == "a" and "a" in self.stack:
            self.ok = False
        self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.ok = False


def test_overlapping_marks_nest_properly_and_links_never_nest():
    html = render_markdown("abc *def* ghi")
    text = plain_text(html)
    marks = [
        Mark(0, 9, "<mark>", "</mark>", after='<a class="r"></a>'),
        Mark(2, 6, '<a href="/x/">', "</a>", is_link=True),
        Mark(4, 11, '<a href="/y/">', "</a>", is_link=True),
    ]
    out = mark_spans(html, marks)
    checker = _Nesting()
    checker.feed(out)
    assert checker.ok and not checker.stack
    assert plain_text(out) == text
    assert out.count('<a class="r"></a>') == 1



def test_a_mention_inside_a_link_of_the_text_is_marked_but_not_a_second_link():
    html = render_markdown("قال [الجيش السوري](https://example.org/x) إن الموصل")
    text = plain_text(html)
    at = text.index("الجيش")
    marks = [
        Mark(at, at + len("الجيش السوري"), '<a class="m" href="/actors/syrian-army/">', "</a>", is_link=True,
             unlinked=('<span class="m">', "</span>")),
        Mark(at, at + len("الجيش"), "<mark>", "</mark>", after='<a class="r"></a>'),
        Mark(text.index("الموصل"), len(text), '<a class="m" href="/places/mosul/">', "</a>", is_link=True),
    ]
    out = mark_spans(html, marks)
    checker = _Nesting()
    checker.feed(out)
    assert checker.ok and not checker.stack, out
    assert plain_text(out) == text
    # marked as a span, and the marker follows the text's link
    assert '<span class="m"><mark>الجيش</mark></span><span class="m"> السوري</span></a><a class="r"></a>' in out
    assert '<a class="m" href="/places/mosul/">الموصل</a>' in out  # outside it, mentions are links again
    assert "/actors/syrian-army/" not in out


def test_a_mention_inside_a_longer_mention_is_marked_inside_its_link():
    html = render_markdown("التحالف الدولي ضد داعش")
    text = plain_text(html)
    marks = [
        Mark(0, len(text), '<a class="m" href="/actors/coalition/">', "</a>", is_link=True,
             unlinked=('<span class="m">', "</span>")),
        Mark(text.index("داعش"), len(text), '<a class="m" href="/actors/isis/">', "</a>", is_link=True,
             unlinked=('<span class="m isis">', "</span>")),
    ]
    out = mark_spans(html, marks)
    assert out == ('<p><a class="m" href="/actors/coalition/">التحالف الدولي ضد </a>'
                   '<a class="m" href="/actors/coalition/"><span class="m isis">داعش</span></a></p>')


import pytest
from hypothesis import given, settings, strategies as st
import markdown as _md

from builder.markup import _markdown_converter, has_markdown_syntax, sanitize


def _whole(text: str) -> str:
    """The whole text through Python-Markdown (with athar's paragraph start) and the sanitiser: the reference."""
    return sanitize(_markdown_converter().convert(text))

_PIECES = st.sampled_from(["ا", "ب", "ة", " ", "  ", "\n", "\n\n", " \n", "\n   ", "x", "1", '"', "'", ".", "،",
                           "-", "(", ")", "\u00a0", "ـ", "|", ":", "\u200f", "\u3000", "٢٠١٤"])


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=40).map("".join))
def test_plain_text_fast_path_equals_python_markdown(text):
    assert render_markdown(text) == _whole(text)
    if not any(c.isspace() and c not in " \t\n\r\f\v" for c in text):  # else only the start of paragraphs differs
        assert _whole(text) == sanitize(_md.markdown(text, output_format="html"))


_BLOCKS = st.sampled_from([
    "نص عادي", "نص *مائل* هنا", "**عريض** و*مائل*", "## عنوان", "# عنوان #", "- بند\n- بند آخر", "1. أول\n2. ثان",
    "> اقتباس\n> تتمة", "> اقتباس", "    شيفرة", "    شيفرة\n    أخرى", "[رابط](https://example.org/a)", "نص  \nسطر",
    "عنوان\n===", "عنوان\n---", "---", "* * *", "  نص بمسافتين", "   - بند مزاح", "نص\n- ليس بندا؟", "`رمز`",
    "نص _مائل_", "\\*ليس مائلا\\*", "نص & رمز", "1986. سنة", "- بند\n\n    تتمة البند", "نص\u00a0ثابت", "\t- بند",
    "نص *بلا إغلاق", "- ", ">", "#", "    \u00a0", " ", "\u00a0", "\n",
    "نص <https://example.org/a> هنا", "<https://example.org/b>", "<http://x.org/a b>", "- <https://x.org/c>",
    "> <https://x.org/d>", "<https://x.org/e", "<ftp://x.org/f>", "\ue010", "نص\n<https://x.org/g>",
])


@settings(max_examples=600, deadline=None)
@given(st.lists(st.tuples(_BLOCKS, st.sampled_from(["\n\n", "\n\n\n", "\n", "\n \n", "\n\n  \n"])), max_size=12)
       .map(lambda blocks: "".join(b + sep for b, sep in blocks)))
def test_texts_with_syntax_render_as_python_markdown_renders_them_whole(text):
    assert render_markdown(text) == _whole(text)


@pytest.mark.parametrize("text", ["\u00a0شهد عام 2017", "نص\n\n\u00a0شهد *عام* 2017", "- \u00a0بند", "\u3000نص"])
def test_a_paragraph_keeps_a_no_break_space_that_opens_it(text):
    """The seed opens a paragraph with U+00A0; the source text is never rewritten, so it stays."""
    space = next(c for c in text if c in "\u00a0\u3000")
    assert plain_text(render_markdown(text)).count(space) == 1
    if not text.startswith("-"):
        assert render_markdown("  " + text) == render_markdown(text)  # spaces before it still go


def test_seed_takes_the_fast_path():
    from tools import REPO
    body = (REPO / "content/articles/caliphate-collapse-2017.md").read_text(encoding="utf-8").split("\n---\n", 1)[1]
    assert not has_markdown_syntax(body)
    assert render_markdown(body) == _whole(body)


def test_the_syntax_check_is_the_one_multi_line_pattern_it_replaces():
    import random
    import re

    pattern = re.compile(r"[*_`\[\]!<>\\&#~\t\r\x00-\x08\x0b-\x1f\x7f]|^ {0,3}(?:[-+=]|\d+[.)])|^ {4}| {2,}$", re.M)
    rng = random.Random(5)
    atoms = ["ا", "ب", " ", "  ", "\n", "\n\n", "-", "+", "=", "1", "٢", ".", ")", "*", "    ", "   -", "\t", "#", "2)", "\r"]
    for _ in range(50_000):
        text = "".join(rng.choice(atoms) for _ in range(rng.randrange(0, 10)))
        assert has_markdown_syntax(text) == bool(pattern.search(text)), repr(text)


def test_leaving_out_inline_patterns_a_text_cannot_match_changes_nothing():
    """_unsanitized tries only the inline patterns whose trigger the text has; a full converter is the reference."""
    import random

    from builder.markup import _inline_needed, _unsanitized

    reference = _markdown_converter()
    atoms = ["نص", "x", " ", "  \n", "\n", "*", "**", "_", "__", "`", "\\", "\\*", "[", "]", "(", ")", "![", "<",
             "<https://a.b/c>", "<a@b.c>", "&", "&amp;", "&#38;", "<b>", "</b>", "#", "> ", "- ", "1. ", "    ", "!"]
    rng = random.Random(11)
    for _ in range(5_000):
        text = "".join(rng.choice(atoms) for _ in range(rng.randrange(1, 25)))
        reference.reset()
        assert _unsanitized(text) == reference.convert(text), repr(text)
    assert _inline_needed("نص *مائل*") == ("em_strong",)
    assert "link" in _inline_needed("[رابط](https://example.org)") and "entity" not in _inline_needed("[رابط](x)")


def test_excerpt_reads_only_the_start_yet_cuts_as_if_it_collapsed_everything() -> None:
    import random
    import re

    from builder.markup import excerpt

    def whole(text: str, limit: int) -> str:  # the plain definition: collapse all, then cut
        text = re.sub(r"\s+", " ", text).strip()
        if len(text) <= limit:
            return text
        cut = text.rfind(" ", 0, limit)
        return text[: cut if cut > 0 else limit] + "…"

    rng = random.Random(3)
    pieces = ["a", "ب", " ", "\n", "  ", "\t", "كلمة ", " " * 100]
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(0, 600)))
        limit = rng.choice([1, 5, 20, 70, 220])
        assert excerpt(text, limit) == whole(text, limit), (text, limit)

"""Markdown to safe HTML, its plain text, and marks woven back into it.

The body is rendered by Python-Markdown, then sanitised by nh3 (the Rust
``ammonia`` sanitiser) to an allow-list: Markdown lets raw HTML through, and
a corpus is untrusted input.  Annotations point into the *plain text* of
that HTML; :func:`mark_spans` inserts their marks without re-parsing the
text, splitting a mark where it crosses a tag or another mark, so any
overlap of annotations produces valid, well-nested HTML.
"""

from __future__ import annotations

import html
from bisect import bisect_left, bisect_right
import re
from functools import lru_cache
from typing import Any, Callable, NamedTuple, Sequence

import markdown as _markdown
import nh3

ALLOWED_TAGS = {
    "p", "br", "em", "strong", "b", "i", "a", "ul", "ol", "li", "blockquote",
    "h2", "h3", "h4", "h5", "h6", "code", "pre", "hr", "sup", "sub", "q", "cite",
    "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"scope"}, "td": set()}
URL_SCHEMES = {"http", "https", "mailto"}

_TOKEN_RE = re.compile(r"<[^>]*>|[^<]+")


_INLINE_SYNTAX = re.compile(r"[*_`\[\]!<>\\&#~\t\r\x00-\x08\x0b-\x1f\x7f]")  # inline syntax, entities, raw HTML, control chars
_LINE_SYNTAX = re.compile(r"\n(?: {0,3}(?:[-+=]|\d+[.)])| {4})")  # after a line break: lists, setext underlines, code


def has_markdown_syntax(text: str) -> bool:
    """Whether ``text`` may be more than plain paragraphs to Markdown.

    The same as searching ``[*_`...]|^ {0,3}(?:[-+=]|\\d+[.)])|^ {4}| {2,}$``
    (multi-line) at once, but four times as fast on a text with none: that
    pattern was tried at every character, these start at a character class,
    a line break or a fixed string.
    """
    return bool(_INLINE_SYNTAX.search(text) or _LINE_SYNTAX.search("\n" + text)
                or "  \n" in text or text.endswith("  "))  # hard line breaks
_SPACE_ONLY_LINES = re.compile(r"^[ ]+$", re.M)


# Raw HTML and link definitions can reach across blank lines; an autolink (<https://...> on one line,
# Python-Markdown's pattern) cannot, and researchers cite sources with them.
_WHOLE_DOCUMENT = re.compile(r"<(?!(?:[Ff]|[Hh][Tt])[Tt][Pp][Ss]?://[^<>\n]*>)|\]:")
_SEPARATOR = "\ue010"  # a plain paragraph between the runs of one conversion (see _converted_runs)
_BLANKED_LINES = re.compile(r"(?<=\n) +\n")  # as Python-Markdown's NormalizeWhitespace


def render_markdown(text: str) -> str:
    """Markdown source -> sanitised HTML fragment.

    Most news text is plain paragraphs with no Markdown syntax at all; for
    those the result of Python-Markdown plus the sanitiser is known exactly
    (paragraphs split at blank lines, each trimmed at its start), so it is
    produced directly, ten times faster.  In a text with some syntax (a
    heading, a list, emphasis) only the runs of blocks that have it go
    through Python-Markdown: a plain paragraph, not indented, starts
    nothing and continues nothing before or after it, so it splits the
    text.  Raw HTML or a link definition sends the whole text through.
    Tests check every path against Python-Markdown on the whole text.
    """
    if not has_markdown_syntax(text):
        return _plain_paragraphs(text)
    if _WHOLE_DOCUMENT.search(text):
        return _converted(text)
    # Cut where Python-Markdown cuts its blocks: at "\n\n", once lines of spaces after a
    # line break are emptied (a line of spaces first in the text is not: " \n-" is a heading).
    blocks = _BLANKED_LINES.sub("\n", text).split("\n\n")
    out: list[str | int] = []  # HTML of plain paragraphs, and the number of each run in `runs`
    runs: list[str] = []
    run_start = None  # the first block of the current run of blocks with syntax
    for i in range(len(blocks) + 1):
        if i < len(blocks) and (has_markdown_syntax(blocks[i]) or run_start is not None and not blocks[i].strip()):
            run_start = i if run_start is None else run_start  # a blank block ends nothing: a list goes on after it
            continue
        if run_start is not None:
            run = "\n\n".join(blocks[run_start:i])
            if not run.strip():  # Python-Markdown makes nothing of a blank text, yet a block of one
                return _converted(text)
            out.append(len(runs))
            runs.append(run)
            run_start = None
        if i < len(blocks):
            out.append(_plain_paragraphs(blocks[i]))
    converted = _converted_runs(runs)
    # Sanitised once, whole: it drops empty elements (a lone "#") but not the line breaks between them.
    return sanitize("\n".join(filter(None, (converted[p] if isinstance(p, int) else p for p in out))))


def _converted_runs(runs: list[str]) -> list[str]:
    """Python-Markdown's HTML of each run, from one conversion.

    A conversion has a fixed cost (about 30 us) and an article with
    headings, quotes and emphasis has several runs.  Joined by a plain
    paragraph, they are converted as the text itself would be (a plain
    paragraph is what separated them there), and the HTML is cut at that
    paragraph.  A text holding the separator itself, or HTML that does not
    cut into as many runs, is converted a run at a time, as before.
    """
    if len(runs) > 1 and not any(_SEPARATOR in run for run in runs):
        parts = _unsanitized(f"\n\n{_SEPARATOR}\n\n".join(runs)).split(f"\n<p>{_SEPARATOR}</p>\n")
        if len(parts) == len(runs):
            return parts
    return [_unsanitized(run) for run in runs]


def _converted(text: str) -> str:
    """Python-Markdown, then the sanitiser."""
    return sanitize(_unsanitized(text))


def _unsanitized(text: str) -> str:
    """Python-Markdown's HTML (one converter per process, reset for each text)."""
    _MARKDOWN.reset()
    _INLINE.inlinePatterns = _inline_patterns(_inline_needed(text))
    return _MARKDOWN.convert(text)


# What an inline pattern of Python-Markdown cannot match without: all of these strings.
_INLINE_TRIGGERS = {
    "backtick": ("`",), "escape": ("\\",), "reference": ("[",), "link": ("[",), "short_reference": ("[",),
    "image_link": ("![",), "image_reference": ("![",), "short_image_ref": ("![",),
    "autolink": ("<",), "automail": ("<",), "html": ("<",), "entity": ("&",), "linebreak": ("  \n",),
}


def _inline_needed(text: str) -> tuple[str, ...]:
    """The names of the inline patterns that may match somewhere in ``text``.

    Python-Markdown tries each of its 14 inline patterns on every piece of
    text, and for an article's runs with a little emphasis that was most
    of a conversion.  Every piece it tries is cut from the text (its own
    placeholders hold none of these strings), so a pattern whose trigger
    the text lacks can never match there, and leaving it out changes
    nothing.  A pattern not in the table is always tried; emphasis when the
    text has one of its delimiters (``*``, ``_``).
    """
    delimiters = _MARKDOWN.delimiters.tokens if _MARKDOWN.delimiters is not None else ()
    return tuple(name for name in _INLINE_NAMES
                 if (any(t in text for t in delimiters) if name == "em_strong"
                     else all(t in text for t in _INLINE_TRIGGERS.get(name, ()))))


@lru_cache(maxsize=64)
def _inline_patterns(names: tuple[str, ...]) -> Any:
    """A registry of the converter's inline patterns with only ``names``, at their priorities."""
    registry = _markdown.util.Registry()
    for name in names:
        registry.register(_MARKDOWN.inlinePatterns[name], name, _INLINE_PRIORITY[name])
    return registry


ASCII_SPACE = " \t\n\r\f\v"
"""What a paragraph is trimmed of at its start: CommonMark's spaces, not a no-break space of the source."""


class _Block(str):
    """A block whose ``lstrip()`` trims ASCII white space only.

    Python-Markdown starts each paragraph with ``block.lstrip()``, which
    also drops a no-break space (U+00A0) or an ideographic space opening
    it: the seed's paragraph "\u00a0شهد عام 2017" lost a character of
    the source, which the builder must never rewrite.
    """

    def lstrip(self, chars: str | None = None) -> str:
        return str.lstrip(self, ASCII_SPACE if chars is None else chars)


class _Paragraphs(_markdown.blockprocessors.ParagraphProcessor):
    """Python-Markdown's paragraphs, trimmed at their start as CommonMark does (see :class:`_Block`)."""

    def run(self, parent: object, blocks: list[str]) -> None:
        blocks[0] = _Block(blocks[0])
        super().run(parent, blocks)  # type: ignore[arg-type]


def _markdown_converter() -> _markdown.Markdown:
    converter = _markdown.Markdown(output_format="html")
    converter.parser.blockprocessors.register(_Paragraphs(converter.parser), "paragraph", 10)
    return converter


_MARKDOWN = _markdown_converter()
_INLINE = _MARKDOWN.treeprocessors["inline"]  # its inlinePatterns are set for each text (see _inline_needed)
_INLINE_PRIORITY = {item.name: item.priority for item in _MARKDOWN.inlinePatterns._priority}  # noqa: SLF001
_INLINE_NAMES = tuple(_INLINE_PRIORITY)


def _plain_paragraphs(text: str) -> str:
    text = _SPACE_ONLY_LINES.sub("", text)
    blocks = [b.lstrip(ASCII_SPACE) for b in re.split(r"\n\n+", text.strip("\n"))]
    return "\n".join(
        f"<p>{html.escape(b, quote=False).replace(chr(0xA0), '&nbsp;')}</p>" for b in blocks if b.strip()
    )


def sanitize(raw_html: str) -> str:
    """Keep only allow-listed tags, attributes and URL schemes."""
    return nh3.clean(
        raw_html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


class Token(NamedTuple):
    """A piece of sanitised HTML: a tag (kept as written) or text (unescaped).

    A named tuple: every page cuts its article into hundreds of these, and a
    frozen dataclass is several times slower to make.
    """

    is_tag: bool
    value: str


def tokenize(fragment: str) -> list[Token]:
    """Split sanitised HTML into tags and text; sanitised HTML has no '<' in text."""
    return [
        Token(True, piece) if piece.startswith("<") else Token(False, html.unescape(piece))
        for piece in _TOKEN_RE.findall(fragment)
    ]


def plain_text(fragment: str) -> str:
    """The text a reader sees, in document order (block breaks are newlines)."""
    return "".join(t.value for t in tokenize(fragment) if not t.is_tag)


_BETWEEN_BLOCKS = frozenset({"", "blockquote", "ul", "ol", "dl", "table", "thead", "tbody", "tfoot", "tr", "div"})
"""Elements whose own text (a line break between their blocks) is a break a reader sees, not a space."""
_TAG_NAME = re.compile(r"</?([a-zA-Z0-9]+)")
_VOID = frozenset({"br", "hr", "img", "wbr"})


def text_as_read(fragment: str) -> str:
    """:func:`plain_text` with each line break inside a paragraph as the space a reader sees.

    Markdown keeps a source line break inside a paragraph in the HTML,
    where it shows as a space; the plain text has it as a newline, like
    the break between two paragraphs. This tells them apart, at the same
    length (offsets stay those of the plain text). Line breaks stay inside
    ``pre`` and right after a ``<br>``.
    """
    stack: list[str] = []
    out = []
    after_br = False
    for token in tokenize(fragment):
        if token.is_tag:
            match = _TAG_NAME.match(token.value)
            name = match.group(1).lower() if match else ""
            after_br = name == "br"
            if token.value.startswith("</"):
                if name in stack:
                    del stack[len(stack) - 1 - stack[::-1].index(name):]
            elif name and name not in _VOID and not token.value.endswith("/>"):
                stack.append(name)
            continue
        text = token.value
        if (stack[-1] if stack else "") not in _BETWEEN_BLOCKS and "pre" not in stack and "\n" in text:
            text = ("\n" + text[1:].replace("\n", " ")) if after_br and text.startswith("\n") else text.replace("\n", " ")
        after_br = False
        out.append(text)
    return "".join(out)


class Mark(NamedTuple):
    """How to open and close one span's mark in HTML.

    A named tuple, as :class:`Token`: an article dense with names has a
    hundred, and a frozen dataclass took a microsecond and a half to make.
    """

    start: int
    end: int
    open_tag: str
    close_tag: str
    is_link: bool = False
    after: str = ""  # HTML placed right after the span's end (a note marker)
    unlinked: tuple[str, str] | None = None  # a link's tags where it cannot be one (inside another link)


def mark_spans(fragment: str, marks: Sequence[Mark]) -> str:
    """Wrap each text range of ``marks`` in its tags, inside ``fragment``.

    Text is cut into runs where the set of active marks is constant; each
    run is wrapped in its marks, longest outermost.  A link never goes
    inside another link (HTML forbids it): the outer link wins, and a link
    the text itself holds is always outer (a marker link that would follow
    a span ending inside it follows the text's link instead); an inner link
    is still marked, with its ``unlinked`` tags where it has them.  One sweep
    from start to end keeps the active marks, so the cost grows with the
    text plus the marks, not their product.
    """
    marks = [m for m in marks if m.start < m.end]
    if not marks:
        return fragment
    starts: dict[int, list[Mark]] = {}
    ends: dict[int, list[Mark]] = {}
    for m in marks:
        starts.setdefault(m.start, []).append(m)
        ends.setdefault(m.end, []).append(m)
    bounds = set(starts) | set(ends)
    cuts = sorted(bounds)
    afters = {at: after for at, ms in ends.items() if (after := [m.after for m in ms if m.after])}
    active: list[Mark] = []
    tags: tuple[str, str] | None = None  # the opening and closing tags of `active`, made when first needed
    out: list[str] = []
    pos = 0
    in_link = False  # inside a link of the text itself ([text](url)): no mark may open another there
    held: list[str] = []  # markers (links) of spans ending inside such a link, placed after it
    for is_tag, text in tokenize(fragment):
        if is_tag:
            out.append(text)
            if text.startswith(("<a ", "<a>")):
                in_link, tags = True, None
            elif text == "</a>":
                in_link, tags = False, None
                out.extend(held)
                held.clear()
            continue
        t_start = pos
        pos += len(text)
        points = [t_start, *cuts[bisect_right(cuts, t_start):bisect_left(cuts, pos)], pos]
        for a, b in zip(points, points[1:]):
            if a in bounds:
                if active:
                    active = [m for m in active if m.end > a]
                if a in starts:
                    active = active + starts[a] if active else list(starts[a])
                if len(active) > 1:
                    active.sort(key=_outer_first)
                tags = None
            piece = text[a - t_start:b - t_start].replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            if active:
                if tags is None:
                    tags = _tags(active, in_link)
                piece = tags[0] + piece + tags[1]
            out.append(piece)
            if b in afters:
                (held if in_link else out).extend(afters[b])
    return "".join(out)


def _outer_first(m: Mark) -> tuple[int, int]:
    return (m.start, m.start - m.end)


def _tags(active: list[Mark], in_link: bool = False) -> tuple[str, str]:
    """The tags that open the ``active`` marks, outermost first, and those that close them."""
    opened: list[tuple[str, str]] = []
    for m in active:
        if m.is_link and in_link:
            if m.unlinked:
                opened.append(m.unlinked)
            continue
        in_link = in_link or m.is_link
        opened.append((m.open_tag, m.close_tag))
    return "".join(tag for tag, _ in opened), "".join(tag for _, tag in reversed(opened))


def strip_tags(fragment: str) -> str:
    """Plain text of a fragment, with whitespace collapsed (for summaries)."""
    return re.sub(r"\s+", " ", plain_text(fragment)).strip()


def excerpt(text: str, limit: int = 220) -> str:
    """The first words of a text, whitespace collapsed, cut at a word boundary.

    Only as much of the start of the text is collapsed as the excerpt needs
    (whole articles were scanned three times per page): once a collapsed
    prefix is longer than ``limit + 1``, its first ``limit + 1`` characters
    are those of the whole collapsed text, which decide the cut.
    """
    size = 2 * limit + 2
    while True:
        head = _WHITESPACE.sub(" ", text[:size]).lstrip()
        if size >= len(text) or len(head) > limit + 1:
            break
        size *= 2
    if size >= len(text):
        head = head.rstrip()
        if len(head) <= limit:
            return head
    cut = head.rfind(" ", 0, limit)
    return head[: cut if cut > 0 else limit] + "…"


_WHITESPACE = re.compile(r"\s+")


Linker = Callable[[str, str], str]

"""Finding annotation quotes in an article's text (TextQuoteSelector style).

A quote matches the plain text exactly, except that runs of white space
count as one space, so a quote copied across a line break still matches.
Mentions may ask for whole words (see builder.corpus): a quote then must
not be followed by a letter (العراق does not match inside العراقي) and may
be preceded only by the attached clitics و ف ب ل ك (بالموصل, والرقة).
When a quote is not found,
:func:`nearest` finds what the researcher probably meant, for the hint.
"""

from __future__ import annotations

import difflib
from bisect import bisect_right
import re
from dataclasses import dataclass
from functools import cached_property

from builder.arabic import normalize_with_map
from builder.markup import text_as_read

_WS = re.compile(r"\s+")
_WS_RUN = re.compile(r"\s\s+")  # the runs of _WS longer than one character (faster to find than \s{2,})
_CLITICS = re.compile(r"^[وف]?[بلك]?$")


@dataclass(frozen=True)
class FlatText:
    """Text with white space collapsed, and a sparse map back to original offsets.

    Only runs of two or more white-space characters shift offsets, so the
    map keeps one breakpoint per such run (searched with bisect) rather
    than one entry per character.
    """

    flat: str
    breaks: tuple[int, ...]  # flat offsets after which more characters were removed
    removed: tuple[int, ...]  # characters removed before each breakpoint (cumulative)
    html: str = ""  # the HTML the text is the plain text of, if known (for as_read)

    @cached_property
    def as_read(self) -> str | None:
        """The original text with line breaks inside paragraphs as spaces (builder.markup.text_as_read)."""
        return text_as_read(self.html) if self.html else None

    @classmethod
    def of(cls, text: str, html: str = "") -> "FlatText":
        breaks, removed = [0], [0]
        total = 0
        for match in _WS_RUN.finditer(text):  # only runs of two or more shift offsets; single spaces are most
            start, end = match.span()
            total += end - start - 1
            breaks.append(start - (total - (end - start - 1)) + 1)
            removed.append(total)
        return cls(_collapsed(text), tuple(breaks), tuple(removed), html)

    def _orig(self, flat_offset: int) -> int:
        return flat_offset + self.removed[bisect_right(self.breaks, flat_offset) - 1]

    def original(self, start: int, end: int) -> tuple[int, int]:
        """Original [start, end) of a flat range."""
        return self._orig(start), self._orig(end - 1) + 1


def _collapsed(text: str) -> str:
    """``_WS.sub(" ", text)``, three times as fast: split() splits at the same white space.

    (An article's text was a tenth of the time it takes to model one.)
    """
    flat = " ".join(text.split())
    if not flat:
        return " " if text else ""
    return (" " if text[0].isspace() else "") + flat + (" " if text[-1].isspace() else "")


def flatten(quote: str) -> str:
    """A quote as it is matched: white space collapsed and trimmed."""
    return _WS.sub(" ", quote).strip()


def find_all(text: FlatText, quote: str, prefix: str = "", suffix: str = "", whole_words: bool = False,
             source: str | None = None) -> list[tuple[int, int]]:
    """Every original-offset range where ``quote`` occurs, filtered by context.

    ``source`` is the text ``text`` was made from.  Given, a ``prefix`` and
    ``suffix`` are first compared exactly with the characters around each
    occurrence, as a TextQuoteSelector means them ("تل " before الطويل is
    not the "تل" of تلالطويل, ".\n" is not ". "); when none has them
    exactly, with the line breaks inside a paragraph read as the spaces a
    reader sees (". " then matches ".\n" but not the ".\n\n" of a new
    paragraph); only then with white space ignored, which forgives a
    researcher's stray or missing space.
    """
    needle = flatten(quote)
    if not needle:
        return []
    hay = text.flat
    pre = flatten(prefix) if prefix else ""
    suf = flatten(suffix) if suffix else ""
    matched: list[tuple[int, int, tuple[int, int]]] = []
    at = hay.find(needle)
    while at != -1:
        end = at + len(needle)
        if not whole_words or _word_ok(hay, at, end):
            matched.append((at, end, text.original(at, end)))
        at = hay.find(needle, at + 1)
    if not (prefix or suffix):
        return [span for _, _, span in matched]
    if source is not None:
        for view in (source, text.as_read):
            exact = [(a, b) for _, _, (a, b) in matched
                     if view is not None and view[:a].endswith(prefix) and view.startswith(suffix, b)]
            if exact:
                return exact
    return [span for at, end, span in matched if _context_ok(hay, at, end, pre, suf)]


def _context_ok(hay: str, start: int, end: int, prefix: str, suffix: str) -> bool:
    if prefix and not hay[:start].rstrip().endswith(prefix.rstrip()):
        return False
    if suffix and not hay[end:].lstrip().startswith(suffix.lstrip()):
        return False
    return True


def _word_ok(hay: str, start: int, end: int) -> bool:
    if end < len(hay) and hay[end].isalpha():
        return False
    word_start = start
    while word_start > 0 and hay[word_start - 1].isalpha():
        word_start -= 1
    return bool(_CLITICS.match(hay[word_start:start]))


def nearest(text: str, quote: str) -> str:
    """The passage of ``text`` most like ``quote``, for a "did you mean" hint."""
    needle = flatten(quote)
    if not needle:
        return ""
    folded, index = normalize_with_map(text)
    target, _ = normalize_with_map(needle)
    at = folded.find(target)
    if at != -1 and target:
        return text[index[at]: index[at + len(target) - 1] + 1]
    words = list(re.finditer(r"\S+", text))
    size = max(1, len(needle.split()))
    best, best_ratio = "", 0.0
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(target)
    for i in range(0, max(1, len(words) - size + 1)):
        chunk = words[i:i + size]
        if not chunk:
            break
        passage = text[chunk[0].start(): chunk[-1].end()]
        matcher.set_seq1(normalize_with_map(passage)[0])
        if matcher.real_quick_ratio() < best_ratio or matcher.quick_ratio() < best_ratio:
            continue
        ratio = matcher.ratio()
        if ratio > best_ratio:
            best, best_ratio = passage, ratio
    return best if best_ratio >= 0.5 else ""

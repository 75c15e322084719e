"""Automatic mentions: registry names and aliases found in article text.

A researcher should not have to mark every «الموصل» by hand.  Every place
and actor name and alias is looked for in each article's plain text, on
folded text (:mod:`builder.arabic`), so القايم finds القائم and الرقّة finds
الرقة.  Arabic attaches short words to the next one, so a name may carry
the clitics و ف (and, so), then ب ك ل (in, like, for), e.g. بالموصل,
وفي دير الزور, فالرقة; after ل the alef of ال is not written (ل + الرقة =
للرقة).  A name written without ال does not take one: سورية (Syria) must
not be found in السورية (Syrian); list such a form as an alias instead.
A match must be whole words: it never starts or ends inside a longer word
(العراق is not found in العراقي), and the words of a many-word name may be
separated only by spaces or a hyphen.

The span marked is the name itself, from its ال (or the lam left of it in
للرقة), not the clitics before it: the same convention as a hand-written
mention quote.  Explicit annotations win: no automatic span overlaps an
annotated place or actor mention.  A name shared by two entities is
ambiguous and never linked automatically (``athar check --suggest`` says so).

The matcher is built once per corpus: a dict from every surface form of a
name's first word (with each clitic combination) to a trie of the words
that follow, so matching an article costs one fold and about one dict
look-up per word, whatever the size of the registry.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_left
from collections import defaultdict
from itertools import accumulate, compress
from dataclasses import dataclass
from typing import Iterable, Iterator, Mapping

from builder.arabic import WORD, Folded, TokenCache, fold_cache, normalize, words
from builder.model import Actor, Place, Span

_CONJUNCTIONS = ("", "و", "ف")
_PREPOSITIONS = ("", "ب", "ك", "ل")
_ARABIC_LETTER = range(0x0620, 0x064B)
_FOLLOWING = re.compile(r"[ \t\n\r\f\v\u00a0\-\u2010\u2011]+([^\W_]+)")
"""The next word of a many-word name: after spaces or a hyphen only."""

Ref = tuple[str, str]  # (kind, id)


class _Node:
    """A word trie node: the words that may follow, and the entity whose name ends here."""

    __slots__ = ("next", "ref")

    def __init__(self) -> None:
        self.next: dict[str, _Node] = {}
        self.ref: Ref | None = None


@dataclass(frozen=True)
class AutoMention:
    """One automatic mention: its span and the verbatim text it covers."""

    span: Span
    quote: str


def registry_names(places: Mapping[str, Place], actors: Mapping[str, Actor]) -> dict[tuple[str, ...], set[Ref]]:
    """Every name and alias as its folded words, with the entities it names."""
    names: dict[tuple[str, ...], set[Ref]] = defaultdict(set)
    for kind, entities in (("place", places), ("actor", actors)):
        for ident, entity in entities.items():
            for name in (entity.name, *entity.aliases):
                key = tuple(words(name))
                if key and len("".join(key)) >= 2:
                    names[key].add((kind, ident))
    return dict(names)


def surface_forms(first: str) -> Iterator[tuple[str, int]]:
    """Each way a name's first word can be written with clitics, and how many letters they take."""
    if not first or ord(first[0]) not in _ARABIC_LETTER:
        yield first, 0
        return
    has_article = first.startswith("ال") and len(first) >= 4
    base = first[2:] if has_article else first
    for conj in _CONJUNCTIONS:
        for prep in _PREPOSITIONS:
            clitics = conj + prep
            if not has_article:
                yield clitics + base, len(clitics)
            elif prep == "ل":
                yield clitics + "ل" + base, len(clitics)  # ل + الرقة = للرقة
            else:
                yield clitics + "ال" + base, len(clitics)


class MentionMatcher:
    """Finds registry names in article texts; build once per corpus."""

    def __init__(self, places: Mapping[str, Place], actors: Mapping[str, Actor]):
        names = registry_names(places, actors)
        self.ambiguous: dict[tuple[str, ...], tuple[Ref, ...]] = {
            key: tuple(sorted(refs)) for key, refs in sorted(names.items()) if len(refs) > 1}
        # first word as written (with clitics) -> {number of clitic letters: trie of the following words}
        forms: dict[str, dict[int, _Node]] = defaultdict(dict)
        for key, refs in sorted(names.items()):
            if len(refs) != 1:
                continue
            for surface, clitics in surface_forms(key[0]):
                node = forms[surface].setdefault(clitics, _Node())
                for word in key[1:]:
                    node = node.next.setdefault(word, _Node())
                if node.ref is None:  # the same reading of two names: the first (sorted) wins
                    node.ref = next(iter(refs))
        # ... each as (clitic letters, trie) pairs, fewest clitics first: the order _match_at tries them in
        self.roots: dict[str, tuple[tuple[int, _Node], ...]] = {
            surface: tuple(sorted(tries.items(), key=lambda kv: kv[0])) for surface, tries in forms.items()}
        self._folded_tokens = fold_cache()
        # a folded token -> the words in it that may start a name (a function of the roots, not of self:
        # a cycle would keep the matcher alive past the corpus step, frozen with garbage, in every fork)
        self._token_starts = TokenCache(functools.partial(_starts_in, self.roots))
        Folded.prepare()  # so processes forked after this inherit the offset tables

    def find(self, text: str, spans: Iterable[Span] = ()) -> list[Span]:
        """Automatic mention spans in ``text`` that overlap no explicit place or actor mention."""
        return [m.span for m in self.mentions(text, spans)]

    def mentions(self, text: str, spans: Iterable[Span] = ()) -> list[AutoMention]:
        """Like :meth:`find`, with the verbatim text of each span."""
        tokens = Folded.folded_tokens(text, self._folded_tokens)
        starts = self._candidates(tokens)
        if not starts:
            return []
        folded = Folded(text, " ".join(tokens))
        taken = _Taken(spans)
        found: list[AutoMention] = []
        cursor = 0
        for at, word in starts:  # a match of WORD is a whole word: letters and digits, none before or after
            if at < cursor:
                continue
            hit = self._match_at(folded.text, at, word)
            if hit is None:
                continue
            (kind, ident), clitics, last = hit
            start, end = self._original_span(folded, at + clitics, last)
            if not taken.overlaps(start, end):
                found.append(AutoMention(Span(start, end, kind, ident, auto=True), text[start:end]))
            cursor = last
        return found

    def _candidates(self, tokens: list[str]) -> list[tuple[int, str]]:
        """Each word of a folded text (its space-separated ``tokens``) that may start a name, with its offset.

        The same as keeping the matches of WORD.finditer on the text that
        are in ``roots`` (a word never spans a space), but a corpus repeats
        its tokens: each token's words are found once and kept, the look-ups
        and offsets run in C, and only the tokens with a word kept are
        looked at in Python.  Scanning every word with WORD was two thirds
        of the time of an article dense with names.
        """
        found = list(map(self._token_starts.__getitem__, tokens))
        kept = list(compress(range(len(tokens)), found))
        if not kept:
            return []
        ends = list(accumulate(map(len, tokens)))
        starts = []
        for i in kept:
            at = (ends[i - 1] if i else 0) + i  # the lengths of the tokens before it, and a space after each
            starts += [(at + offset, word) for offset, word in found[i]]
        return starts


    def _match_at(self, text: str, at: int, word: str) -> tuple[Ref, int, int] | None:
        """The longest name whose first word is ``word`` at ``at``: its entity, clitic letters, folded end.

        Of two readings of the same length, the one with fewer clitics wins.
        """
        best: tuple[Ref, int, int] | None = None
        for clitics, root in self.roots[word]:
            node: _Node | None = root
            pos = at + len(word)
            hit = (node.ref, clitics, pos) if node.ref else None
            while node.next:
                following = _FOLLOWING.match(text, pos)
                node = node.next.get(following.group(1)) if following else None
                if node is None:
                    break
                pos = following.end()  # type: ignore[union-attr]
                if node.ref:
                    hit = (node.ref, clitics, pos)
            if hit and (best is None or hit[2] > best[2]):
                best = hit
        return best

    @staticmethod
    def _original_span(folded: Folded, j: int, k: int) -> tuple[int, int]:
        """Original offsets of a folded range, taking in marks that follow its last letter."""
        start, end = folded.span(j, k)
        original = folded.original
        while end < len(original) and not original[end].isspace() and not normalize(original[end]):
            end += 1
        return start, end


def _starts_in(roots: Mapping[str, object], token: str) -> tuple[tuple[int, str], ...]:
    """The words of one folded token that may start a name (in ``roots``), with their offsets in it."""
    return tuple((m.start(), m.group()) for m in WORD.finditer(token) if m.group() in roots)


class _Taken:
    """The explicit place and actor mentions of a text, asked whether a range overlaps one.

    Sorted by start, with the furthest end of each prefix: the spans that
    start before a range ends overlap it exactly when the furthest of their
    ends is past its start (a binary search, not a scan of every span).
    """

    def __init__(self, spans: Iterable[Span]):
        taken = sorted((s.start, s.end) for s in spans if s.kind in ("place", "actor") and not s.auto)
        self.starts = [a for a, _ in taken]
        self.furthest = list(accumulate((b for _, b in taken), max))

    def overlaps(self, start: int, end: int) -> bool:
        before = bisect_left(self.starts, end)
        return before > 0 and self.furthest[before - 1] > start


def find_mentions(text: str, spans: Iterable[Span], places: Mapping[str, Place], actors: Mapping[str, Actor]) -> list[Span]:
    """Automatic mentions of one text (builds a matcher: use :class:`MentionMatcher` for many)."""
    return MentionMatcher(places, actors).find(text, spans)

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
name's first word (with each clitic combination) to the names starting
with it, so matching an article costs one fold and one dict look-up per
word, whatever the size of the registry.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Iterator, Mapping

from builder.arabic import WORD, Folded, normalize, words
from builder.model import Actor, Place, Span

_CONJUNCTIONS = ("", "و", "ف")
_PREPOSITIONS = ("", "ب", "ك", "ل")
_ARABIC_LETTER = range(0x0620, 0x064B)
_SEPARATORS = frozenset(" \t\n\r\f\v\u00a0-\u2010\u2011")

Ref = tuple[str, str]  # (kind, id)


@dataclass(frozen=True)
class _Candidate:
    """A name that may start at a word: how many clitic letters precede it, and its other words."""

    clitics: int
    rest: tuple[str, ...]
    kind: str
    ident: str

    @property
    def order(self) -> tuple[int, int, str, str]:
        """Longest name first, then the fewest clitics (the plainest reading)."""
        return (-len(self.rest), self.clitics, self.kind, self.ident)


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
        forms: dict[str, list[_Candidate]] = defaultdict(list)
        for key, refs in names.items():
            if len(refs) != 1:
                continue
            kind, ident = next(iter(refs))
            for surface, clitics in surface_forms(key[0]):
                forms[surface].append(_Candidate(clitics, key[1:], kind, ident))
        self.forms = {s: tuple(sorted(set(c), key=lambda x: x.order)) for s, c in forms.items()}
        self._firsts = frozenset(self.forms)

    def find(self, text: str, spans: Iterable[Span] = ()) -> list[Span]:
        """Automatic mention spans in ``text`` that overlap no explicit place or actor mention."""
        return [m.span for m in self.mentions(text, spans)]

    def mentions(self, text: str, spans: Iterable[Span] = ()) -> list[AutoMention]:
        """Like :meth:`find`, with the verbatim text of each span."""
        folded = Folded.of(text)
        if self._firsts.isdisjoint(WORD.findall(folded.text)):
            return []
        taken = sorted((s.start, s.end) for s in spans if s.kind in ("place", "actor") and not s.auto)
        tokens = list(WORD.finditer(folded.text))
        found: list[AutoMention] = []
        t = 0
        while t < len(tokens):
            hit = self._match_at(folded, tokens, t)
            if hit is None:
                t += 1
                continue
            candidate, last = hit
            start, end = self._original_span(folded, tokens[t].start() + candidate.clitics, tokens[last].end())
            if not _overlaps(taken, start, end):
                found.append(AutoMention(Span(start, end, candidate.kind, candidate.ident, auto=True), text[start:end]))
            t = last + 1
        return found

    def _match_at(self, folded: Folded, tokens: list, t: int) -> tuple[_Candidate, int] | None:  # type: ignore[type-arg]
        """The longest name starting at token ``t``, and the index of its last token."""
        candidates = self.forms.get(tokens[t].group())
        if not candidates:
            return None
        for candidate in candidates:
            last = t + len(candidate.rest)
            if last >= len(tokens):
                continue
            if all(tokens[t + 1 + k].group() == word and _joined(folded.text, tokens[t + k].end(), tokens[t + 1 + k].start())
                   for k, word in enumerate(candidate.rest)):
                return candidate, last
        return None

    @staticmethod
    def _original_span(folded: Folded, j: int, k: int) -> tuple[int, int]:
        """Original offsets of a folded range, taking in marks that follow its last letter."""
        start, end = folded.span(j, k)
        original = folded.original
        while end < len(original) and not original[end].isspace() and not normalize(original[end]):
            end += 1
        return start, end


def _joined(text: str, a: int, b: int) -> bool:
    """Whether two words of a name are separated only by spaces or a hyphen."""
    gap = text[a:b]
    return bool(gap) and all(c in _SEPARATORS for c in gap)


def _overlaps(taken: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(a < end and start < b for a, b in taken)


def find_mentions(text: str, spans: Iterable[Span], places: Mapping[str, Place], actors: Mapping[str, Actor]) -> list[Span]:
    """Automatic mentions of one text (builds a matcher: use :class:`MentionMatcher` for many)."""
    return MentionMatcher(places, actors).find(text, spans)

"""``athar check --suggest``: automatic mentions not yet annotated, as YAML.

Automatic mentions are a convenience; a researcher who wants the record to
say "a person checked this" accepts them into the article's annotation
file.  For each article the output is a comment line naming the file, then
``mentions:`` entries ready to paste under its ``mentions:`` key, each with
a comment showing where in the text it was found.  Names shared by two
entities are listed first: they are never linked automatically.

Runs the matcher itself, so it works when ``auto_mentions: false``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import PurePosixPath

from builder.mentions import AutoMention, MentionMatcher
from builder.model import Article, Corpus

_CONTEXT = 30


def suggestions(corpus: Corpus) -> list[str]:
    """Lines to print: comments and YAML entries, grouped by annotation file."""
    matcher = MentionMatcher(corpus.places, corpus.actors)
    lines = [_ambiguous_line(words, refs) for words, refs in matcher.ambiguous.items()]
    for article in sorted(corpus.articles.values(), key=lambda a: a.source_path):
        explicit = [s for s in article.spans if not s.auto]
        found = matcher.mentions(article.body_text, explicit)
        if found:
            lines.extend(_article_lines(article, found))
    return lines


def annotation_path(article: Article) -> str:
    """The content-relative annotation file of an article (articles/<name>.yaml)."""
    path = PurePosixPath(article.source_path)
    if len(path.parts) == 1:
        path = PurePosixPath("articles") / path
    return str(path.with_suffix(".yaml"))


def _article_lines(article: Article, found: list[AutoMention]) -> list[str]:
    groups: dict[tuple[str, str, str], list[AutoMention]] = defaultdict(list)
    for mention in found:
        groups[(mention.span.kind, mention.span.ref, mention.quote)].append(mention)
    count = len(found)
    lines = [f"# {annotation_path(article)}: suggestion: {count} automatic mention{'s' if count > 1 else ''} "
             "not annotated; to accept, add under `mentions:`"]
    for (kind, ref, quote), mentions in sorted(groups.items(), key=lambda g: g[1][0].span.start):
        times = f"{len(mentions)} times, first " if len(mentions) > 1 else ""
        lines.append(f"  - ref: {kind}:{ref}")
        lines.append(f"    quote: {json.dumps(quote, ensure_ascii=False)}  # {times}«{_context(article.body_text, mentions[0])}»")
    return lines


def _context(text: str, mention: AutoMention) -> str:
    """The passage around a mention, on one line."""
    start, end = mention.span.start, mention.span.end
    before = text[max(0, start - _CONTEXT):start]
    after = text[end:end + _CONTEXT]
    passage = ("…" if start > _CONTEXT else "") + before + text[start:end] + after + ("…" if end + _CONTEXT < len(text) else "")
    return " ".join(passage.split())


def _ambiguous_line(words: tuple[str, ...], refs: tuple[tuple[str, str], ...]) -> str:
    names = ", ".join(f"{kind}:{ident}" for kind, ident in refs)
    return (f"# places.yaml/actors.yaml: suggestion: the name «{' '.join(words)}» belongs to {names}; "
            "it is never linked automatically, annotate it by hand or make the names differ")

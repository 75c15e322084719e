"""Build a corpus model from a dict of files, for unit tests of later stages."""

from __future__ import annotations

from pathlib import Path

from builder.corpus import build_corpus
from builder.errors import Problems
from builder.load import load
from builder.model import Corpus
from fixtures_site import write_content


def corpus_from(tmp_path: Path, files: dict[str, str]) -> tuple[Corpus, Problems]:
    """Load and cross-reference a content folder written from ``files``."""
    root = write_content(tmp_path / "content", files)
    problems = Problems()
    content = load(root, problems)
    return build_corpus(content, problems), problems


def article(slug: str, date: str, body: str, mentions: list[tuple[str, str]] = (), events: list[tuple[str, str]] = (),
            related: str = "") -> dict[str, str]:
    """Files for one article with simple mentions and events."""
    ann = "mentions:\n" + "".join(f"  - ref: {ref}\n    quote: {q}\n" for ref, q in mentions) if mentions else ""
    if events:
        ann += "events:\n" + "".join(f"  - ref: {ref}\n    quote: {q}\n" for ref, q in events)
    ann += related
    files = {f"articles/{slug}.md": f"---\ntitle: {slug}\ndate: {date}\n---\n{body}\n"}
    if ann:
        files[f"articles/{slug}.yaml"] = ann
    return files

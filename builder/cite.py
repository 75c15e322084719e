"""Citations of an article: CSL-JSON and BibTeX, plus a line to read.

A scholar quoting the corpus cites two things: the original article (its
outlet, author, date and URL) and the research page that annotates it
(this site).  Both go into one CSL-JSON array (Zotero, Pandoc, citeproc)
and one BibTeX file (biblatex fields, with ``journal``/``year``/``month``
for classic BibTeX).  Arabic names are kept whole (CSL ``literal``, BibTeX
double braces): they are not "Family, Given" Western names to be split.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from builder import jsonsafe
from builder.model import Article, Settings
from builder.permalink import PublicURLs

_BIB_SPECIAL = re.compile(r"([\\{}%&$#_^~])")
_BIB_ESCAPES = {"\\": r"\textbackslash{}", "^": r"\^{}", "~": r"\~{}"}


@dataclass(frozen=True)
class Citation:
    """An article's citations in every format the page offers."""

    segments: tuple[tuple[str, bool], ...]  # the reference in pieces; True marks a left-to-right piece (a URL)
    csl_json: str
    bibtex: str

    @property
    def text(self) -> str:
        """The reference as a reader writes it (Arabic), as one string to copy."""
        return "".join(piece for piece, _ in self.segments)


def cite(article: Article, settings: Settings, urls: PublicURLs, date_text: str, retrieved_text: str) -> Citation:
    """The citations of ``article``; date texts come formatted in the site's style."""
    page = urls(urls.links.article(article.slug))
    items = [_csl_original(article), _csl_page(article, settings, page)]
    return Citation(
        segments=_reference(article, settings, page, date_text, retrieved_text),
        csl_json=jsonsafe.dumps(items, indent=2) + "\n",
        bibtex="\n".join(_bibtex(item) for item in items),
    )


def _reference(article: Article, settings: Settings, page: str, date_text: str,
               retrieved_text: str) -> tuple[tuple[str, bool], ...]:
    """Author, «title», outlet, date. URL (retrieved …). Annotated copy at: site, URL."""
    parts = [p for p in (article.author, f"«{article.title}»", article.source, date_text) if p]
    segments = [("، ".join(parts) + ". ", False)]
    if article.source_url:
        segments.append((article.source_url, True))
        segments.append((f" (استُرجع في {retrieved_text}). " if retrieved_text else ". ", False))
    segments += [(f"نسخة مشروحة في: {settings.title}، ", False), (page, True), (".", False)]
    return tuple(segments)


def _csl_original(a: Article) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": a.slug, "type": "article-newspaper", "title": a.title, "language": a.language,
        "issued": {"date-parts": [[a.date.year, a.date.month, a.date.day]]},
    }
    if a.author:
        item["author"] = [{"literal": a.author}]
    if a.source:
        item["container-title"] = a.source
    if a.dateline:
        item["event-place"] = a.dateline
    if a.source_url:
        item["URL"] = a.source_url
    if a.retrieved:
        item["accessed"] = {"date-parts": [[a.retrieved.year, a.retrieved.month, a.retrieved.day]]}
    return item


def _csl_page(a: Article, s: Settings, page: str) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": f"{a.slug}-annotated", "type": "webpage", "title": f"{a.title} (نسخة مشروحة)",
        "container-title": s.title, "language": s.language, "URL": page, "note": f"Annotated copy of: {a.slug}",
    }
    if s.author:
        item["author"] = [{"literal": s.author}]
    return item


def _bibtex(item: dict[str, Any]) -> str:
    """One CSL item as a biblatex entry (@article or @online)."""
    kind = "article" if item["type"] == "article-newspaper" else "online"
    fields: list[tuple[str, str]] = []
    if "author" in item:
        fields.append(("author", "{" + _bib(item["author"][0]["literal"]) + "}"))
    fields.append(("title", _bib(item["title"])))
    if kind == "article":
        if "container-title" in item:
            fields += [("journaltitle", _bib(item["container-title"])), ("journal", _bib(item["container-title"]))]
        y, m, d = item["issued"]["date-parts"][0]
        fields += [("date", f"{y:04d}-{m:02d}-{d:02d}"), ("year", str(y)), ("month", str(m))]
    else:
        fields.append(("organization", _bib(item["container-title"])))
    if "URL" in item:
        fields.append(("url", item["URL"].replace("{", "%7B").replace("}", "%7D")))
    if "accessed" in item:
        y, m, d = item["accessed"]["date-parts"][0]
        fields.append(("urldate", f"{y:04d}-{m:02d}-{d:02d}"))
    if "note" in item:
        fields.append(("note", _bib(item["note"])))
    fields.append(("langid", "arabic" if item["language"] == "ar" else _bib(item["language"])))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{kind}{{{item['id']},\n{body}\n}}\n"


def _bib(text: str) -> str:
    """Escape the characters BibTeX treats specially (URLs are left as they are)."""
    return _BIB_SPECIAL.sub(lambda m: _BIB_ESCAPES.get(m.group(1), "\\" + m.group(1)), text)

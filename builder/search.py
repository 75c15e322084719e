"""Stage 3c, search: a static index built from the corpus model.

Search runs in the browser with no server.  The index holds, for every
article, event, place and actor, its kind, URL, title and text folded by
:func:`builder.arabic.normalize`; the browser folds the query with the same
rules (``static/js/search.js``) and shows the passage around the match from
the display text.  Built from the model, not from rendered HTML.
"""

from __future__ import annotations

import json

from builder.arabic import normalize
from builder.model import Corpus


def _doc(kind: str, url: str, title: str, text: str, extra: str = "") -> dict[str, str]:
    return {"k": kind, "u": url, "t": title, "x": text, "n": normalize(" ".join((title, extra, text)))}


def build_search(corpus: Corpus) -> list[tuple[str, bytes]]:
    """The search index files, as (path, bytes)."""
    base = corpus.settings.base_path
    docs = []
    for a in corpus.articles.values():
        docs.append(_doc("article", f"{base}articles/{a.slug}/", a.title, a.body_text, " ".join(t.name for t in a.tags)))
    for e in corpus.events.values():
        docs.append(_doc("event", f"{base}events/{e.id}/", e.title, e.title_en or "", e.id))
    for p in corpus.places.values():
        docs.append(_doc("place", f"{base}places/{p.id}/", p.name, " ".join((p.name_en or "", *p.aliases)), p.id))
    for ac in corpus.actors.values():
        docs.append(_doc("actor", f"{base}actors/{ac.id}/", ac.name, " ".join((ac.name_en or "", *ac.aliases)), ac.id))
    payload = json.dumps({"version": 1, "docs": docs}, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return [("search/index.json", payload.encode("utf-8"))]
